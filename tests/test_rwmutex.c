/*
 * test_rwmutex.c — goc_rwmutex, Go's sync.RWMutex.
 *
 * Any number of readers hold the lock at once, a writer holds it alone
 * (no reader, no other writer). Once a writer waits, readers that arrive
 * later wait too, behind it, so a stream of readers cannot starve a
 * writer. RUnlock without a read lock panics "sync: RUnlock of unlocked
 * RWMutex", Unlock without the write lock "sync: Unlock of unlocked
 * RWMutex" (first stderr line "panic: … [goroutine N]", exit status 2).
 */
#include "helpers.h"

/* ---- readers together ---- */

static goc_rwmutex rw;
static _Atomic int readers_in, writers_in;
static _Atomic int overlaps; /* a writer with anyone else */
static goc_wg done;

static void read_until_all_readers_are_in(void *arg)
{
	int want = (int)(intptr_t)arg;
	goc_rwmutex_rlock(&rw);
	atomic_fetch_add(&readers_in, 1);
	/* Only possible if the others hold the read lock at the same time. */
	eventually(atomic_load(&readers_in) == want, 10);
	goc_rwmutex_runlock(&rw);
	goc_wg_done(&done);
}

static int many_readers_hold_the_lock_at_once(void)
{
	enum { READERS = 50 };
	goc_wg_add(&done, READERS);
	for (int i = 0; i < READERS; i++)
		spawn(read_until_all_readers_are_in, (void *)(intptr_t)READERS);
	goc_wg_wait(&done);
	goc_rwmutex_lock(&rw); /* every reader has left */
	goc_rwmutex_unlock(&rw);
	return 0;
}

static int zero_rwmutex_is_unlocked(void)
{
	goc_rwmutex a = {0}, b = {0};
	goc_rwmutex_lock(&a);
	goc_rwmutex_unlock(&a);
	goc_rwmutex_rlock(&b);
	goc_rwmutex_rlock(&b); /* a reader does not exclude a reader */
	goc_rwmutex_runlock(&b);
	goc_rwmutex_runlock(&b);
	goc_rwmutex_lock(&b);
	goc_rwmutex_unlock(&b);
	return 0;
}

/* ---- writers alone ---- */

static _Atomic int writer_has_it;

static void write_once(void *arg)
{
	(void)arg;
	goc_rwmutex_lock(&rw);
	atomic_store(&writer_has_it, 1);
	goc_rwmutex_unlock(&rw);
	goc_wg_done(&done);
}

static int writer_waits_for_readers_to_leave(void)
{
	goc_rwmutex_rlock(&rw);
	goc_rwmutex_rlock(&rw);
	goc_wg_add(&done, 1);
	spawn(write_once, NULL);
	goc_sleep(ms(50));
	expect(!atomic_load(&writer_has_it), "the writer got in with two readers in");
	goc_rwmutex_runlock(&rw);
	goc_sleep(ms(30));
	expect(!atomic_load(&writer_has_it), "the writer got in with one reader in");
	goc_rwmutex_runlock(&rw);
	goc_wg_wait(&done);
	expect(atomic_load(&writer_has_it), "the writer never got in");
	return 0;
}

static int writer_waits_for_a_writer(void)
{
	goc_rwmutex_lock(&rw);
	goc_wg_add(&done, 1);
	spawn(write_once, NULL);
	goc_sleep(ms(50));
	expect(!atomic_load(&writer_has_it), "a second writer got in");
	goc_rwmutex_unlock(&rw);
	goc_wg_wait(&done);
	return 0;
}

static _Atomic int reader_has_it;

static void read_once(void *arg)
{
	(void)arg;
	goc_rwmutex_rlock(&rw);
	atomic_store(&reader_has_it, 1);
	goc_rwmutex_runlock(&rw);
	goc_wg_done(&done);
}

static int reader_waits_for_a_writer(void)
{
	goc_rwmutex_lock(&rw);
	goc_wg_add(&done, 1);
	spawn(read_once, NULL);
	goc_sleep(ms(50));
	expect(!atomic_load(&reader_has_it), "a reader got in while a writer held it");
	goc_rwmutex_unlock(&rw);
	goc_wg_wait(&done);
	expect(atomic_load(&reader_has_it), "the reader never got in");
	return 0;
}

/* Readers check that no writer is in; writers that nobody else is, and
 * update two plain variables that readers must always see equal. */
static long pair_a, pair_b;
static _Atomic long torn_reads;

static void mixed_reader(void *arg)
{
	long rounds = (long)(intptr_t)arg;
	for (long i = 0; i < rounds; i++) {
		goc_rwmutex_rlock(&rw);
		atomic_fetch_add(&readers_in, 1);
		if (atomic_load(&writers_in) != 0)
			atomic_fetch_add(&overlaps, 1);
		if (pair_a != pair_b)
			atomic_fetch_add(&torn_reads, 1);
		if (i % 32 == 0)
			goc_yield();
		atomic_fetch_sub(&readers_in, 1);
		goc_rwmutex_runlock(&rw);
	}
	goc_wg_done(&done);
}

static void mixed_writer(void *arg)
{
	long rounds = (long)(intptr_t)arg;
	for (long i = 0; i < rounds; i++) {
		goc_rwmutex_lock(&rw);
		if (atomic_fetch_add(&writers_in, 1) != 0 ||
		    atomic_load(&readers_in) != 0)
			atomic_fetch_add(&overlaps, 1);
		pair_a++;
		if (i % 16 == 0)
			goc_yield();
		pair_b++;
		atomic_fetch_sub(&writers_in, 1);
		goc_rwmutex_unlock(&rw);
	}
	goc_wg_done(&done);
}

static int writers_exclude_readers_and_writers_under_contention(void)
{
	enum { READERS = 6, WRITERS = 3 };
	goc_maxprocs(2);
	long rounds = SCALED(20000);
	goc_wg_add(&done, READERS + WRITERS);
	for (int i = 0; i < READERS + WRITERS; i++)
		spawn(i % 3 == 0 ? mixed_writer : mixed_reader,
		      (void *)(intptr_t)rounds);
	goc_wg_wait(&done);
	expect_eq(atomic_load(&overlaps), 0);
	expect_eq(atomic_load(&torn_reads), 0);
	expect_eq(pair_a, WRITERS * rounds);
	expect_eq(pair_b, WRITERS * rounds);
	return 0;
}

/* ---- writers are not starved ---- */

static _Atomic int stop;

/* Hold the read lock until another reader has come in (or 10 ms have
 * passed), so that the readers together hold it without a gap: a lock
 * that let new readers in past a waiting writer would never let it in. */
static void overlapping_reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		goc_rwmutex_rlock(&rw);
		int64_t entered = goc_now();
		int others = atomic_fetch_add(&readers_in, 1);
		goc_sleep(ms(1));
		while (others == 0 && atomic_load(&readers_in) < 2 &&
		       goc_now() - entered < ms(10))
			goc_sleep(100 * GOC_MICROSECOND);
		atomic_fetch_sub(&readers_in, 1);
		goc_rwmutex_runlock(&rw);
	}
	goc_wg_done(&done);
}

static int writer_gets_in_despite_a_stream_of_readers(void)
{
	enum { READERS = 4 };
	goc_wg_add(&done, READERS);
	for (int i = 0; i < READERS; i++)
		spawn(overlapping_reader, NULL);
	eventually(atomic_load(&readers_in) >= 2, 10);
	goc_sleep(ms(20)); /* the stream is flowing */
	int64_t worst = 0;
	for (int round = 0; round < 5; round++) {
		int64_t start = goc_now();
		goc_rwmutex_lock(&rw);
		int64_t waited = goc_now() - start;
		expect_eq(atomic_load(&readers_in), 0);
		goc_rwmutex_unlock(&rw);
		if (waited > worst)
			worst = waited;
		goc_sleep(ms(10));
	}
	atomic_store(&stop, 1);
	goc_wg_wait(&done);
	expect(worst < ms(500), "the writer waited %.3f ms for the lock",
	       (double)worst / GOC_MILLISECOND);
	return 0;
}

/* A reader that arrives while a writer waits does not get in, even though
 * only readers hold the lock; it gets in after the writer. */
static _Atomic int order, writer_turn, late_reader_turn, writer_calling;

static void waiting_writer(void *arg)
{
	(void)arg;
	atomic_store(&writer_calling, 1);
	goc_rwmutex_lock(&rw);
	atomic_store(&writer_turn, atomic_fetch_add(&order, 1) + 1);
	goc_sleep(ms(10));
	goc_rwmutex_unlock(&rw);
	goc_wg_done(&done);
}

static void late_reader(void *arg)
{
	(void)arg;
	goc_rwmutex_rlock(&rw);
	atomic_store(&late_reader_turn, atomic_fetch_add(&order, 1) + 1);
	goc_rwmutex_runlock(&rw);
	goc_wg_done(&done);
}

static int new_readers_wait_once_a_writer_waits(void)
{
	goc_wg_add(&done, 2);
	goc_rwmutex_rlock(&rw);
	spawn(waiting_writer, NULL);
	eventually(atomic_load(&writer_calling), 10);
	goc_sleep(ms(50)); /* it is waiting for main's read lock */
	spawn(late_reader, NULL);
	goc_sleep(ms(50));
	expect(atomic_load(&late_reader_turn) == 0,
	       "a reader got in past a waiting writer");
	expect(atomic_load(&writer_turn) == 0, "the writer got in with a reader in");
	goc_rwmutex_runlock(&rw);
	goc_wg_wait(&done);
	expect_eq(atomic_load(&writer_turn), 1);
	expect_eq(atomic_load(&late_reader_turn), 2);
	return 0;
}

/* ---- lifetime ---- */

struct local_rw {
	goc_rwmutex *rw;
	long *value;
	goc_wg *wg;
};

static void use_local_rw(void *arg)
{
	struct local_rw *l = arg;
	for (int i = 0; i < 20; i++) {
		if (i % 4 == 0) {
			goc_rwmutex_lock(l->rw);
			++*l->value;
			goc_yield();
			goc_rwmutex_unlock(l->rw);
		} else {
			goc_rwmutex_rlock(l->rw);
			goc_yield();
			goc_rwmutex_runlock(l->rw);
		}
	}
	goc_wg_done(l->wg);
}

static void rwmutex_on_own_stack(void *arg)
{
	(void)arg;
	goc_rwmutex local = {0};
	long value = 0;
	goc_wg wg = {0};
	struct local_rw l = {&local, &value, &wg};
	goc_wg_add(&wg, 4);
	for (int i = 0; i < 4; i++)
		spawn(use_local_rw, &l);
	goc_wg_wait(&wg);
	goc_rwmutex_rlock(&local);
	expect_eq(value, 4 * 5);
	goc_rwmutex_runlock(&local);
}

static int rwmutex_on_a_goroutine_stack(void)
{
	goc_maxprocs(2);
	run_goroutines(SCALED(3000), rwmutex_on_own_stack, NULL);
	return 0;
}

/* ---- misuse ---- */

static int runlock_of_an_unlocked_rwmutex_panics(void)
{
	expect_stderr_line("panic: sync: RUnlock of unlocked RWMutex [goroutine 1]");
	goc_rwmutex_runlock(&rw);
	fail("RUnlock of an unlocked RWMutex returned");
}

static int runlock_while_write_locked_panics(void)
{
	goc_rwmutex_lock(&rw);
	expect_stderr_line("panic: sync: RUnlock of unlocked RWMutex [goroutine 1]");
	goc_rwmutex_runlock(&rw);
	fail("RUnlock of a write-locked RWMutex returned");
}

static int unlock_of_an_unlocked_rwmutex_panics(void)
{
	expect_stderr_line("panic: sync: Unlock of unlocked RWMutex [goroutine 1]");
	goc_rwmutex_unlock(&rw);
	fail("Unlock of an unlocked RWMutex returned");
}

static int unlock_while_read_locked_panics(void)
{
	goc_rwmutex_rlock(&rw);
	expect_stderr_line("panic: sync: Unlock of unlocked RWMutex [goroutine 1]");
	goc_rwmutex_unlock(&rw);
	fail("Unlock of a read-locked RWMutex returned");
}

static int second_unlock_panics(void)
{
	goc_rwmutex_lock(&rw);
	goc_rwmutex_unlock(&rw);
	expect_stderr_line("panic: sync: Unlock of unlocked RWMutex [goroutine 1]");
	goc_rwmutex_unlock(&rw);
	fail("a second Unlock returned");
}

static void runlock_unlocked(void *arg)
{
	(void)arg;
	printf("goroutine %lld runlocks\n", (long long)goc_id());
	fflush(stdout);
	expect_stderr_line("panic: sync: RUnlock of unlocked RWMutex [goroutine %lld]",
	                   (long long)goc_id());
	goc_rwmutex_runlock(&rw);
	fail("RUnlock of an unlocked RWMutex returned");
}

static void unlock_unlocked(void *arg)
{
	(void)arg;
	printf("goroutine %lld unlocks\n", (long long)goc_id());
	fflush(stdout);
	expect_stderr_line("panic: sync: Unlock of unlocked RWMutex [goroutine %lld]",
	                   (long long)goc_id());
	goc_rwmutex_unlock(&rw);
	fail("Unlock of an unlocked RWMutex returned");
}

static int runlock_panic_names_the_goroutine(void)
{
	spawn(runlock_unlocked, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static int unlock_panic_names_the_goroutine(void)
{
	spawn(unlock_unlocked, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static const struct test_case cases[] = {
	CASE(zero_rwmutex_is_unlocked),
	CASE(many_readers_hold_the_lock_at_once),
	CASE(writer_waits_for_readers_to_leave),
	CASE(writer_waits_for_a_writer),
	CASE(reader_waits_for_a_writer),
	CASE(writers_exclude_readers_and_writers_under_contention),
	CASE(writer_gets_in_despite_a_stream_of_readers),
	CASE(new_readers_wait_once_a_writer_waits),
	CASE(rwmutex_on_a_goroutine_stack),
	CASE(runlock_of_an_unlocked_rwmutex_panics, .status = 2),
	CASE(runlock_while_write_locked_panics, .status = 2),
	CASE(unlock_of_an_unlocked_rwmutex_panics, .status = 2),
	CASE(unlock_while_read_locked_panics, .status = 2),
	CASE(second_unlock_panics, .status = 2),
	CASE(runlock_panic_names_the_goroutine, .status = 2, .out = "runlocks"),
	CASE(unlock_panic_names_the_goroutine, .status = 2, .out = "unlocks"),
};

TEST_MAIN(cases)
