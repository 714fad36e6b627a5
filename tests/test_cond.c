/*
 * test_cond.c — goc_cond, Go's sync.Cond (the mutex is passed to wait).
 *
 * goc_cond_wait unlocks the mutex, waits (parking) for a signal or a
 * broadcast, and locks the mutex again before it returns. Signal wakes
 * one waiter, the one that has waited longest; broadcast wakes all of
 * them; with nobody waiting both do nothing (a later waiter is not woken
 * by an earlier signal). A signal sent after a waiter released the mutex
 * but before it parked is not lost. Go's Cond has no spurious wake-ups,
 * and neither has goc's: some cases below rely on it. Waits and signals
 * from plain threads: test_sync_threads.c.
 */
#include "helpers.h"

static goc_mutex mu;
static goc_cond cond;
static long waiting; /* waiters that announced themselves; under mu */
static long woken;   /* under mu */
static goc_wg done;

/* Wait until n waiters have announced themselves under mu (they took
 * their place in the queue before unlocking it), plus a moment to park. */
static void wait_for_waiters(long n)
{
	eventually(read_locked(&mu, &waiting) >= n, 10);
	goc_sleep(ms(5));
}

/* ---- wait releases and retakes the mutex ---- */

static _Atomic int held_after_wait;

static void wait_once(void *arg)
{
	(void)arg;
	goc_mutex_lock(&mu);
	waiting++;
	goc_cond_wait(&cond, &mu);
	/* Back with the mutex held: nobody else can take it now. */
	atomic_store(&held_after_wait, !goc_mutex_trylock(&mu));
	woken++;
	goc_mutex_unlock(&mu);
	goc_wg_done(&done);
}

static int wait_unlocks_the_mutex_and_locks_it_again(void)
{
	goc_wg_add(&done, 1);
	spawn(wait_once, NULL);
	wait_for_waiters(1);
	/* The waiter holds no lock while it waits: main can take it. */
	expect(goc_mutex_trylock(&mu), "the mutex stayed locked during wait");
	goc_cond_signal(&cond);
	goc_sleep(ms(20));
	/* Woken, but it cannot return before main unlocks. */
	expect_eq(woken, 0);
	goc_mutex_unlock(&mu);
	goc_wg_wait(&done);
	expect_eq(read_locked(&mu, &woken), 1);
	expect(atomic_load(&held_after_wait), "wait returned without the mutex held");
	return 0;
}

/* ---- signal: one waiter, the longest waiting ---- */

enum { ORDERED = 8 };
static int wake_order[ORDERED]; /* under mu */

static void wait_in_line(void *arg)
{
	int me = (int)(intptr_t)arg;
	goc_mutex_lock(&mu);
	waiting++;
	goc_cond_wait(&cond, &mu);
	wake_order[woken++] = me;
	goc_mutex_unlock(&mu);
	goc_wg_done(&done);
}

static int signal_wakes_exactly_one_waiter_in_fifo_order(void)
{
	goc_maxprocs(2);
	goc_wg_add(&done, ORDERED);
	for (int i = 0; i < ORDERED; i++) { /* one at a time: a known order */
		spawn(wait_in_line, (void *)(intptr_t)i);
		wait_for_waiters(i + 1);
	}
	for (int k = 0; k < ORDERED; k++) {
		goc_cond_signal(&cond);
		eventually(read_locked(&mu, &woken) >= k + 1, 10);
		goc_sleep(ms(10)); /* a second wake-up would show by now */
		expect_eq(read_locked(&mu, &woken), k + 1);
	}
	goc_wg_wait(&done);
	for (int i = 0; i < ORDERED; i++)
		expect(wake_order[i] == i, "the waiter woken %d-th is waiter %d", i,
		       wake_order[i]);
	return 0;
}

static int signal_under_the_mutex_wakes_one(void)
{
	goc_wg_add(&done, 3);
	for (int i = 0; i < 3; i++) {
		spawn(wait_in_line, (void *)(intptr_t)i);
		wait_for_waiters(i + 1);
	}
	goc_mutex_lock(&mu);
	goc_cond_signal(&cond); /* Go allows both, with or without the lock */
	goc_mutex_unlock(&mu);
	eventually(read_locked(&mu, &woken) == 1, 10);
	goc_sleep(ms(20));
	expect_eq(read_locked(&mu, &woken), 1);
	expect_eq(wake_order[0], 0);
	goc_cond_broadcast(&cond);
	goc_wg_wait(&done);
	return 0;
}

/* ---- broadcast ---- */

static void wait_for_broadcast(void *arg)
{
	(void)arg;
	goc_mutex_lock(&mu);
	waiting++;
	goc_cond_wait(&cond, &mu);
	woken++;
	goc_mutex_unlock(&mu);
	goc_wg_done(&done);
}

static int broadcast_wakes_every_waiter(void)
{
	enum { WAITERS = 200 };
	goc_maxprocs(2);
	goc_wg_add(&done, WAITERS);
	for (int i = 0; i < WAITERS; i++)
		spawn(wait_for_broadcast, NULL);
	wait_for_waiters(WAITERS);
	expect_eq(read_locked(&mu, &woken), 0);
	goc_cond_broadcast(&cond);
	goc_wg_wait(&done);
	expect_eq(read_locked(&mu, &woken), WAITERS);
	/* Nobody waits now: another broadcast is a no-op, and the cond is
	 * ready for the next round. */
	goc_cond_broadcast(&cond);
	goc_wg_add(&done, WAITERS);
	for (int i = 0; i < WAITERS; i++)
		spawn(wait_for_broadcast, NULL);
	wait_for_waiters(2 * WAITERS);
	goc_cond_broadcast(&cond);
	goc_wg_wait(&done);
	expect_eq(read_locked(&mu, &woken), 2 * WAITERS);
	return 0;
}

static int signal_and_broadcast_without_waiters_do_nothing(void)
{
	goc_cond_signal(&cond);
	goc_cond_broadcast(&cond);
	goc_cond_signal(&cond);
	goc_cond c2 = {0};
	goc_cond_broadcast(&c2);
	goc_cond_signal(&c2);
	/* A waiter that comes later is not woken by them. */
	goc_wg_add(&done, 1);
	spawn(wait_in_line, (void *)(intptr_t)0);
	wait_for_waiters(1);
	goc_sleep(ms(30));
	expect_eq(read_locked(&mu, &woken), 0);
	goc_cond_signal(&cond);
	goc_wg_wait(&done);
	expect_eq(read_locked(&mu, &woken), 1);
	return 0;
}

/* ---- no lost wake-ups ---- */

/* Two goroutines take turns: each waits for its turn, passes it on and
 * signals. A single lost signal leaves both waiting forever. */
struct turns {
	goc_mutex mu;
	goc_cond cond;
	int turn;
	long rounds;
	goc_wg done;
};

static void take_turns(struct turns *t, int me)
{
	for (long i = 0; i < t->rounds; i++) {
		goc_mutex_lock(&t->mu);
		while (t->turn != me)
			goc_cond_wait(&t->cond, &t->mu);
		t->turn = 1 - me;
		goc_cond_signal(&t->cond);
		goc_mutex_unlock(&t->mu);
	}
}

static struct turns turns;
static void take_turns_0(void *arg)
{
	take_turns(arg, 0);
	goc_wg_done(&turns.done);
}

static void take_turns_1(void *arg)
{
	take_turns(arg, 1);
	goc_wg_done(&turns.done);
}

static int ping_pong_through_a_cond_loses_no_signal(void)
{
	goc_maxprocs(2);
	turns.rounds = SCALED(100000);
	goc_wg_add(&turns.done, 2);
	spawn(take_turns_0, &turns);
	spawn(take_turns_1, &turns);
	goc_wg_wait(&turns.done);
	return 0;
}

/* Bounded queue with two conditions, several producers and consumers:
 * every item is consumed exactly once, nobody waits forever. */
enum { QUEUE_CAP = 4, PRODUCERS = 3, CONSUMERS = 3 };

static struct {
	goc_mutex mu;
	goc_cond not_empty, not_full;
	long items[QUEUE_CAP];
	int head, len;
	long produced_per_producer;
	long consumed, sum;
	bool closed;
	goc_wg done;
} q;

static void produce(void *arg)
{
	long base = (long)(intptr_t)arg * q.produced_per_producer;
	for (long i = 0; i < q.produced_per_producer; i++) {
		goc_mutex_lock(&q.mu);
		while (q.len == QUEUE_CAP)
			goc_cond_wait(&q.not_full, &q.mu);
		q.items[(q.head + q.len++) % QUEUE_CAP] = base + i;
		goc_cond_signal(&q.not_empty);
		goc_mutex_unlock(&q.mu);
	}
	goc_wg_done(&q.done);
}

static void consume(void *arg)
{
	(void)arg;
	for (;;) {
		goc_mutex_lock(&q.mu);
		while (q.len == 0 && !q.closed)
			goc_cond_wait(&q.not_empty, &q.mu);
		if (q.len == 0) {
			goc_mutex_unlock(&q.mu);
			break;
		}
		long v = q.items[q.head];
		q.head = (q.head + 1) % QUEUE_CAP;
		q.len--;
		q.consumed++;
		q.sum += v;
		goc_cond_signal(&q.not_full);
		goc_mutex_unlock(&q.mu);
	}
	goc_wg_done(&q.done);
}

static int producers_and_consumers_lose_no_signal(void)
{
	goc_maxprocs(2);
	q.produced_per_producer = SCALED(50000);
	goc_wg_add(&q.done, PRODUCERS + CONSUMERS);
	for (int i = 0; i < CONSUMERS; i++)
		spawn(consume, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		spawn(produce, (void *)(intptr_t)i);
	/* Wait for everything to be consumed, then let the consumers go. */
	long total = PRODUCERS * q.produced_per_producer;
	eventually(read_locked(&q.mu, &q.consumed) == total, 60);
	goc_mutex_lock(&q.mu);
	q.closed = true;
	goc_cond_broadcast(&q.not_empty);
	goc_mutex_unlock(&q.mu);
	goc_wg_wait(&q.done);
	expect_eq(q.consumed, total);
	expect_eq(q.sum, total * (total - 1) / 2);
	return 0;
}

/* ---- lifetime ---- */

struct local_cond {
	goc_mutex mu;
	goc_cond cond;
	int ready;
	goc_wg wg;
};

static void wait_for_local(void *arg)
{
	struct local_cond *l = arg;
	goc_mutex_lock(&l->mu);
	while (!l->ready)
		goc_cond_wait(&l->cond, &l->mu);
	goc_mutex_unlock(&l->mu);
	goc_wg_done(&l->wg);
}

static void cond_on_own_stack(void *arg)
{
	(void)arg;
	struct local_cond l = {0};
	goc_wg_add(&l.wg, 3);
	for (int i = 0; i < 3; i++)
		spawn(wait_for_local, &l);
	goc_yield();
	goc_mutex_lock(&l.mu);
	l.ready = 1;
	goc_cond_broadcast(&l.cond);
	goc_mutex_unlock(&l.mu);
	goc_wg_wait(&l.wg);
}

static int cond_on_a_goroutine_stack(void)
{
	goc_maxprocs(2);
	run_goroutines(SCALED(10000), cond_on_own_stack, NULL);
	return 0;
}

static const struct test_case cases[] = {
	CASE(wait_unlocks_the_mutex_and_locks_it_again),
	CASE(signal_wakes_exactly_one_waiter_in_fifo_order),
	CASE(signal_under_the_mutex_wakes_one),
	CASE(broadcast_wakes_every_waiter),
	CASE(signal_and_broadcast_without_waiters_do_nothing),
	CASE(ping_pong_through_a_cond_loses_no_signal),
	CASE(producers_and_consumers_lose_no_signal, .timeout = 90),
	CASE(cond_on_a_goroutine_stack),
};

TEST_MAIN(cases)
