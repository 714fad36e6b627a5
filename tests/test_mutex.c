/*
 * test_mutex.c — goc_mutex, Go's sync.Mutex.
 *
 * A zero-initialised mutex is unlocked. Lock waits (parking) while another
 * holds the mutex, trylock never waits, and at most one holder exists at
 * any time, however many goroutines contend on however many processors.
 * A mutex is not tied to a goroutine: one may unlock what another locked.
 * It may live on a goroutine's stack. Unlock of an unlocked mutex is a
 * panic: "panic: sync: unlock of unlocked mutex [goroutine N]", exit 2.
 *
 * Fairness (starvation mode) is in test_mutex_fairness.c, plain threads
 * in test_sync_threads.c.
 */
#include "helpers.h"

/* ---- lock, unlock, trylock ---- */

static int zero_mutex_is_unlocked(void)
{
	goc_mutex mu = {0};
	expect(goc_mutex_trylock(&mu), "trylock of a zero mutex failed");
	goc_mutex_unlock(&mu);
	goc_mutex mu2 = {0};
	goc_mutex_lock(&mu2); /* would wait forever if it were locked */
	goc_mutex_unlock(&mu2);
	return 0;
}

static int trylock_fails_while_locked_and_succeeds_after_unlock(void)
{
	goc_mutex mu = {0};
	goc_mutex_lock(&mu);
	expect(!goc_mutex_trylock(&mu), "trylock of a locked mutex succeeded");
	goc_mutex_unlock(&mu);
	expect(goc_mutex_trylock(&mu), "trylock of an unlocked mutex failed");
	expect(!goc_mutex_trylock(&mu), "a second trylock succeeded too");
	goc_mutex_unlock(&mu);
	goc_mutex_lock(&mu);
	goc_mutex_unlock(&mu);
	return 0;
}

static goc_mutex held;
static _Atomic int locked_by_second;

static void lock_the_held_mutex(void *arg)
{
	goc_mutex_lock(&held);
	atomic_store(&locked_by_second, 1);
	goc_mutex_unlock(&held);
	goc_wg_done(arg);
}

static int lock_waits_until_the_holder_unlocks(void)
{
	goc_wg done = {0};
	goc_mutex_lock(&held);
	goc_wg_add(&done, 1);
	spawn(lock_the_held_mutex, &done);
	goc_sleep(ms(50));
	expect(atomic_load(&locked_by_second) == 0,
	       "a second goroutine locked the mutex while main held it");
	goc_mutex_unlock(&held);
	goc_wg_wait(&done);
	expect_eq(atomic_load(&locked_by_second), 1);
	return 0;
}

/* ---- mutual exclusion ---- */

struct counter {
	goc_mutex mu;
	long value;         /* plain: only the mutex protects it */
	_Atomic int inside; /* holders right now */
	_Atomic int overlaps;
	long per_goroutine;
	goc_wg done;
};

static void increment_many_times(void *arg)
{
	struct counter *c = arg;
	for (long i = 0; i < c->per_goroutine; i++) {
		goc_mutex_lock(&c->mu);
		if (atomic_fetch_add(&c->inside, 1) != 0)
			atomic_fetch_add(&c->overlaps, 1);
		long v = c->value;
		if (i % 64 == 0)
			goc_yield(); /* hold it across a switch: others park */
		c->value = v + 1;
		atomic_fetch_sub(&c->inside, 1);
		goc_mutex_unlock(&c->mu);
	}
	goc_wg_done(&c->done);
}

/* On two processors, start n goroutines that each increment c's value
 * many times under its mutex. */
static void start_incrementers(struct counter *c, int n)
{
	goc_maxprocs(2);
	c->per_goroutine = SCALED(50000);
	goc_wg_add(&c->done, n);
	for (int i = 0; i < n; i++)
		spawn(increment_many_times, c);
}

static int mutex_excludes_many_goroutines_on_two_processors(void)
{
	enum { GOROUTINES = 8 };
	static struct counter c;
	start_incrementers(&c, GOROUTINES);
	goc_wg_wait(&c.done);
	expect_eq(atomic_load(&c.overlaps), 0);
	expect_eq(c.value, GOROUTINES * c.per_goroutine);
	return 0;
}

static int mutex_excludes_with_trylock_and_lock_mixed(void)
{
	enum { GOROUTINES = 4 };
	static struct counter c;
	start_incrementers(&c, GOROUTINES);
	/* Main goes through trylock only, retrying until it gets in. */
	long mine = 0, tries = 0;
	while (mine < c.per_goroutine) {
		tries++;
		if (!goc_mutex_trylock(&c.mu)) {
			if (tries % 16 == 0)
				goc_yield();
			continue;
		}
		if (atomic_fetch_add(&c.inside, 1) != 0)
			atomic_fetch_add(&c.overlaps, 1);
		c.value++;
		atomic_fetch_sub(&c.inside, 1);
		goc_mutex_unlock(&c.mu);
		mine++;
	}
	goc_wg_wait(&c.done);
	expect_eq(atomic_load(&c.overlaps), 0);
	expect_eq(c.value, (GOROUTINES + 1) * c.per_goroutine);
	return 0;
}

/* ---- not tied to a goroutine ---- */

static goc_mutex handed;
static goc_wg locked_once, unlocked_once, waiter_done;
static _Atomic int waiter_got_it;

static void lock_and_leave(void *arg)
{
	(void)arg;
	goc_mutex_lock(&handed);
	goc_wg_done(&locked_once); /* returns still holding it */
}

static void lock_behind(void *arg)
{
	(void)arg;
	goc_mutex_lock(&handed);
	atomic_store(&waiter_got_it, 1);
	goc_mutex_unlock(&handed);
	goc_wg_done(&waiter_done);
}

static void unlock_what_another_locked(void *arg)
{
	(void)arg;
	goc_mutex_unlock(&handed);
	goc_wg_done(&unlocked_once);
}

static int one_goroutine_unlocks_what_another_locked(void)
{
	goc_wg_add(&locked_once, 1);
	goc_wg_add(&unlocked_once, 1);
	goc_wg_add(&waiter_done, 1);
	spawn(lock_and_leave, NULL);
	goc_wg_wait(&locked_once);
	spawn(lock_behind, NULL);
	goc_sleep(ms(20));
	expect(atomic_load(&waiter_got_it) == 0,
	       "a waiter got the mutex while the goroutine that locked it is gone "
	       "and nobody unlocked it");
	spawn(unlock_what_another_locked, NULL);
	goc_wg_wait(&unlocked_once);
	goc_wg_wait(&waiter_done); /* the unlock woke it */
	expect_eq(atomic_load(&waiter_got_it), 1);
	goc_mutex_lock(&handed);
	goc_mutex_unlock(&handed);
	return 0;
}

static int main_unlocks_what_a_goroutine_locked(void)
{
	goc_wg_add(&locked_once, 1);
	spawn(lock_and_leave, NULL);
	goc_wg_wait(&locked_once);
	expect(!goc_mutex_trylock(&handed), "the mutex was not locked");
	goc_mutex_unlock(&handed);
	expect(goc_mutex_trylock(&handed), "main's unlock did not unlock it");
	goc_mutex_unlock(&handed);
	return 0;
}

/* ---- lifetime ---- */

struct local_job {
	goc_mutex *mu;
	long *value;
	goc_wg *wg;
};

static void increment_local(void *arg)
{
	struct local_job *j = arg;
	for (int i = 0; i < 50; i++) {
		goc_mutex_lock(j->mu);
		long v = *j->value;
		if (i % 8 == 0)
			goc_yield();
		*j->value = v + 1;
		goc_mutex_unlock(j->mu);
	}
	goc_wg_done(j->wg);
}

/* The mutex is a local: it goes out of scope as soon as the last unlock
 * has returned (and the stack is reused by the next goroutine). */
static void contend_on_own_stack(void *arg)
{
	(void)arg;
	goc_mutex mu = {0};
	long value = 0;
	goc_wg wg = {0};
	struct local_job j = {&mu, &value, &wg};
	goc_wg_add(&wg, 4);
	for (int i = 0; i < 4; i++)
		spawn(increment_local, &j);
	goc_wg_wait(&wg);
	goc_mutex_lock(&mu);
	expect_eq(value, 4 * 50);
	goc_mutex_unlock(&mu);
}

static int mutex_on_a_goroutine_stack(void)
{
	goc_maxprocs(2);
	run_goroutines(SCALED(5000), contend_on_own_stack, NULL);
	return 0;
}

/* ---- misuse ---- */

static int unlock_of_a_zero_mutex_panics(void)
{
	goc_mutex mu = {0};
	expect_stderr_line("panic: sync: unlock of unlocked mutex [goroutine 1]");
	goc_mutex_unlock(&mu);
	fail("unlock of an unlocked mutex returned");
}

static int second_unlock_panics(void)
{
	goc_mutex mu = {0};
	goc_mutex_lock(&mu);
	goc_mutex_unlock(&mu);
	expect_stderr_line("panic: sync: unlock of unlocked mutex [goroutine 1]");
	goc_mutex_unlock(&mu);
	fail("a second unlock returned");
}

static void unlock_unlocked(void *arg)
{
	(void)arg;
	static goc_mutex mu;
	printf("goroutine %lld unlocks an unlocked mutex\n", (long long)goc_id());
	fflush(stdout);
	expect_stderr_line("panic: sync: unlock of unlocked mutex [goroutine %lld]",
	                   (long long)goc_id());
	goc_mutex_unlock(&mu);
	fail("unlock of an unlocked mutex returned");
}

static int unlock_of_unlocked_mutex_panics_naming_the_goroutine(void)
{
	spawn(unlock_unlocked, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static const struct test_case cases[] = {
	CASE(zero_mutex_is_unlocked),
	CASE(trylock_fails_while_locked_and_succeeds_after_unlock),
	CASE(lock_waits_until_the_holder_unlocks),
	CASE(mutex_excludes_many_goroutines_on_two_processors),
	CASE(mutex_excludes_with_trylock_and_lock_mixed),
	CASE(one_goroutine_unlocks_what_another_locked),
	CASE(main_unlocks_what_a_goroutine_locked),
	CASE(mutex_on_a_goroutine_stack),
	CASE(unlock_of_a_zero_mutex_panics, .status = 2),
	CASE(second_unlock_panics, .status = 2),
	CASE(unlock_of_unlocked_mutex_panics_naming_the_goroutine, .status = 2,
             .out = "unlocks an unlocked mutex"),
};

TEST_MAIN(cases)
