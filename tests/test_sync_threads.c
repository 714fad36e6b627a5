/*
 * test_sync_threads.c — the sync primitives and timers called from OS
 * threads that are not goroutines.
 *
 * A plain pthread (or main() without goc_main) may lock, wait, signal and
 * receive like a goroutine: a blocking call blocks the thread until it can
 * proceed, and threads and goroutines contend for the same objects.
 * Mutex, RWMutex, Once, Cond (wait and signal on either side), a timer's
 * channel received on a thread, stop and reset from a thread, after_func
 * started from a thread (fn still runs in a goroutine).
 */
#include "helpers.h"

/* ---- mutex ---- */

static goc_mutex mu;
static long counter; /* plain: under mu */
static goc_cond plain_cond;
static bool go_on_plain; /* under mu */
static _Atomic int inside, overlaps;
static goc_wg done;

static void increment(long rounds)
{
	for (long i = 0; i < rounds; i++) {
		goc_mutex_lock(&mu);
		if (atomic_fetch_add(&inside, 1) != 0)
			atomic_fetch_add(&overlaps, 1);
		long v = counter;
		if (i % 128 == 0)
			goc_yield(); /* a goroutine switches, a thread sched_yields */
		counter = v + 1;
		atomic_fetch_sub(&inside, 1);
		goc_mutex_unlock(&mu);
	}
}

static void increment_goroutine(void *arg)
{
	increment((long)(intptr_t)arg);
	goc_wg_done(&done);
}

static void *increment_thread(void *arg)
{
	expect_eq(goc_id(), 0);
	increment((long)(intptr_t)arg);
	return NULL;
}

static int mutex_is_shared_by_threads_and_goroutines(void)
{
	enum { GOROUTINES = 4, THREADS = 2 };
	goc_maxprocs(2);
	long rounds = SCALED(50000);
	goc_wg_add(&done, GOROUTINES);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = thread_start(increment_thread, (void *)(intptr_t)rounds);
	for (int i = 0; i < GOROUTINES; i++)
		spawn(increment_goroutine, (void *)(intptr_t)rounds);
	goc_wg_wait(&done);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	expect_eq(atomic_load(&overlaps), 0);
	expect_eq(counter, (GOROUTINES + THREADS) * rounds);
	return 0;
}

static void *unlock_from_thread(void *arg)
{
	(void)arg;
	goc_mutex_unlock(&mu);
	return NULL;
}

static int thread_unlocks_what_a_goroutine_locked(void)
{
	goc_mutex_lock(&mu);
	thread_join(thread_start(unlock_from_thread, NULL));
	expect(goc_mutex_trylock(&mu), "the thread's unlock did not unlock it");
	goc_mutex_unlock(&mu);
	return 0;
}

/* A thread blocks in lock while a goroutine holds the mutex. */
static _Atomic int thread_locked;

static void *lock_then_flag(void *arg)
{
	(void)arg;
	goc_mutex_lock(&mu);
	atomic_store(&thread_locked, 1);
	goc_mutex_unlock(&mu);
	return NULL;
}

static int thread_waits_in_lock_until_a_goroutine_unlocks(void)
{
	goc_mutex_lock(&mu);
	pthread_t t = thread_start(lock_then_flag, NULL);
	goc_sleep(ms(50));
	expect(!atomic_load(&thread_locked), "the thread got a held mutex");
	goc_mutex_unlock(&mu);
	thread_join(t);
	expect(atomic_load(&thread_locked), "the thread never got the mutex");
	return 0;
}

static void unlock_later(void *arg)
{
	(void)arg;
	goc_sleep(ms(30));
	goc_mutex_unlock(&mu);
}

/* Before or without goc_main: main() itself waits in lock. */
static int main_without_goc_main_waits_for_a_goroutine_to_unlock(void)
{
	int64_t start = goc_now();
	goc_mutex_lock(&mu);
	spawn(unlock_later, NULL);
	goc_mutex_lock(&mu); /* blocks the thread until the goroutine unlocks */
	expect_ge(goc_now() - start, ms(30));
	goc_mutex_unlock(&mu);
	return 0;
}

/* No goc_main and no goroutine: two plain threads contend for a mutex
 * and signal through a cond; the runtime need not even start. */
static void *lock_signal_thread(void *arg)
{
	(void)arg;
	increment(SCALED(20000));
	goc_mutex_lock(&mu);
	go_on_plain = true;
	goc_cond_signal(&plain_cond);
	goc_mutex_unlock(&mu);
	return NULL;
}

static int plain_threads_share_a_mutex_and_a_cond_without_the_runtime(void)
{
	pthread_t t = thread_start(lock_signal_thread, NULL);
	increment(SCALED(20000));
	goc_mutex_lock(&mu);
	while (!go_on_plain)
		goc_cond_wait(&plain_cond, &mu);
	goc_mutex_unlock(&mu);
	thread_join(t);
	expect_eq(atomic_load(&overlaps), 0);
	expect_eq(counter, 2 * SCALED(20000));
	return 0;
}

/* ---- rwmutex ---- */

static goc_rwmutex rw;
static long pair_a, pair_b; /* under rw */
static _Atomic int readers_in, writers_in;
static _Atomic long torn;

static void rw_rounds(long rounds, bool writer)
{
	for (long i = 0; i < rounds; i++) {
		if (writer) {
			goc_rwmutex_lock(&rw);
			if (atomic_fetch_add(&writers_in, 1) != 0 ||
			    atomic_load(&readers_in))
				atomic_fetch_add(&overlaps, 1);
			pair_a++;
			if (i % 64 == 0)
				goc_yield();
			pair_b++;
			atomic_fetch_sub(&writers_in, 1);
			goc_rwmutex_unlock(&rw);
		} else {
			goc_rwmutex_rlock(&rw);
			atomic_fetch_add(&readers_in, 1);
			if (atomic_load(&writers_in))
				atomic_fetch_add(&overlaps, 1);
			if (pair_a != pair_b)
				atomic_fetch_add(&torn, 1);
			atomic_fetch_sub(&readers_in, 1);
			goc_rwmutex_runlock(&rw);
		}
	}
}

static void rw_goroutine(void *arg)
{
	rw_rounds(SCALED(20000), arg != NULL);
	goc_wg_done(&done);
}

static void *rw_thread(void *arg)
{
	rw_rounds(SCALED(20000), arg != NULL);
	return NULL;
}

static int rwmutex_is_shared_by_threads_and_goroutines(void)
{
	goc_maxprocs(2);
	static int yes;
	goc_wg_add(&done, 4);
	pthread_t t[3] = {
		thread_start(rw_thread, &yes), /* a writer thread */
		thread_start(rw_thread, NULL), /* reader threads */
		thread_start(rw_thread, NULL),
	};
	spawn(rw_goroutine, &yes); /* a writer goroutine */
	for (int i = 0; i < 3; i++)
		spawn(rw_goroutine, NULL);
	goc_wg_wait(&done);
	for (int i = 0; i < 3; i++)
		thread_join(t[i]);
	expect_eq(atomic_load(&overlaps), 0);
	expect_eq(atomic_load(&torn), 0);
	expect_eq(pair_a, 2 * SCALED(20000));
	expect_eq(pair_b, pair_a);
	return 0;
}

static _Atomic int thread_reads;

static void *read_once_thread(void *arg)
{
	(void)arg;
	goc_rwmutex_rlock(&rw);
	atomic_store(&thread_reads, 1);
	goc_rwmutex_runlock(&rw);
	return NULL;
}

static int thread_reader_waits_for_a_goroutine_writer(void)
{
	goc_rwmutex_lock(&rw);
	pthread_t t = thread_start(read_once_thread, NULL);
	goc_sleep(ms(50));
	expect(!atomic_load(&thread_reads), "a thread read while a writer held it");
	goc_rwmutex_unlock(&rw);
	thread_join(t);
	expect(atomic_load(&thread_reads), "the thread never got the read lock");
	return 0;
}

/* ---- once ---- */

static goc_once once;
static _Atomic int once_runs;
static int once_value; /* plain: set by fn */

static void slow_init(void *arg)
{
	(void)arg;
	atomic_fetch_add(&once_runs, 1);
	goc_sleep(ms(20));
	once_value = 1;
}

static void *do_once_thread(void *arg)
{
	(void)arg;
	goc_once_do(&once, slow_init, NULL);
	expect_eq(once_value, 1);
	return NULL;
}

static void do_once_goroutine(void *arg)
{
	do_once_thread(arg);
	goc_wg_done(&done);
}

static int once_is_shared_by_threads_and_goroutines(void)
{
	enum { THREADS = 8, GOROUTINES = 8 };
	pthread_t t[THREADS];
	goc_wg_add(&done, GOROUTINES);
	for (int i = 0; i < THREADS; i++)
		t[i] = thread_start(do_once_thread, NULL);
	for (int i = 0; i < GOROUTINES; i++)
		spawn(do_once_goroutine, NULL);
	goc_wg_wait(&done);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	expect_eq(atomic_load(&once_runs), 1);
	return 0;
}

static int once_in_main_without_goc_main(void)
{
	goc_once_do(&once, slow_init, NULL); /* fn sleeps: on the thread */
	goc_once_do(&once, slow_init, NULL);
	expect_eq(atomic_load(&once_runs), 1);
	expect_eq(once_value, 1);
	return 0;
}

/* ---- cond ---- */

static goc_cond cond;
static long waiting, woken; /* under mu */
static bool go_on;          /* under mu */

static void wait_for_go_on(void)
{
	goc_mutex_lock(&mu);
	waiting++;
	while (!go_on)
		goc_cond_wait(&cond, &mu);
	woken++;
	goc_mutex_unlock(&mu);
}

static void *wait_for_go_on_thread(void *arg)
{
	(void)arg;
	wait_for_go_on();
	return NULL;
}

static void wait_for_go_on_goroutine(void *arg)
{
	(void)arg;
	wait_for_go_on();
	goc_wg_done(&done);
}

static void set_go_on(bool broadcast)
{
	goc_mutex_lock(&mu);
	go_on = true;
	if (broadcast)
		goc_cond_broadcast(&cond);
	else
		goc_cond_signal(&cond);
	goc_mutex_unlock(&mu);
}

static int thread_waits_and_a_goroutine_signals(void)
{
	pthread_t t = thread_start(wait_for_go_on_thread, NULL);
	eventually(read_locked(&mu, &waiting) == 1, 10);
	goc_sleep(ms(10));
	expect_eq(read_locked(&mu, &woken), 0);
	set_go_on(false);
	thread_join(t);
	expect_eq(read_locked(&mu, &woken), 1);
	return 0;
}

static void *signal_from_thread(void *arg)
{
	(void)arg;
	eventually(read_locked(&mu, &waiting) == 1, 10);
	goc_sleep(ms(10)); /* a thread's sleep: nanosleep */
	set_go_on(false);
	return NULL;
}

static int goroutine_waits_and_a_thread_signals(void)
{
	goc_wg_add(&done, 1);
	spawn(wait_for_go_on_goroutine, NULL);
	pthread_t t = thread_start(signal_from_thread, NULL);
	goc_wg_wait(&done);
	thread_join(t);
	expect_eq(read_locked(&mu, &woken), 1);
	return 0;
}

static void *broadcast_from_thread(void *arg)
{
	(void)arg;
	set_go_on(true);
	return NULL;
}

static int thread_broadcast_wakes_threads_and_goroutines(void)
{
	enum { THREADS = 4, GOROUTINES = 20 };
	pthread_t t[THREADS];
	goc_wg_add(&done, GOROUTINES);
	for (int i = 0; i < THREADS; i++)
		t[i] = thread_start(wait_for_go_on_thread, NULL);
	for (int i = 0; i < GOROUTINES; i++)
		spawn(wait_for_go_on_goroutine, NULL);
	eventually(read_locked(&mu, &waiting) == THREADS + GOROUTINES, 10);
	goc_sleep(ms(10));
	pthread_t b = thread_start(broadcast_from_thread, NULL);
	goc_wg_wait(&done);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	thread_join(b);
	expect_eq(read_locked(&mu, &woken), THREADS + GOROUTINES);
	return 0;
}

/* Ping-pong between a thread and a goroutine: no signal is lost. */
static int turn; /* under mu */

static void take_turns(int me, long rounds)
{
	for (long i = 0; i < rounds; i++) {
		goc_mutex_lock(&mu);
		while (turn != me)
			goc_cond_wait(&cond, &mu);
		turn = 1 - me;
		goc_cond_signal(&cond);
		goc_mutex_unlock(&mu);
	}
}

static void *take_turns_thread(void *arg)
{
	take_turns(1, (long)(intptr_t)arg);
	return NULL;
}

static void take_turns_goroutine(void *arg)
{
	take_turns(1, (long)(intptr_t)arg);
	goc_wg_done(&done);
}

/* main is a goroutine, the other side a thread. */
static int thread_and_goroutine_take_turns_through_a_cond(void)
{
	long rounds = SCALED(20000);
	pthread_t t = thread_start(take_turns_thread, (void *)(intptr_t)rounds);
	take_turns(0, rounds);
	thread_join(t);
	return 0;
}

/* main is a plain thread (no goc_main), the other side a goroutine. */
static int plain_main_and_a_goroutine_take_turns_through_a_cond(void)
{
	long rounds = SCALED(20000);
	goc_wg_add(&done, 1);
	spawn(take_turns_goroutine, (void *)(intptr_t)rounds);
	take_turns(0, rounds);
	goc_wg_wait(&done);
	return 0;
}

/* A bounded queue between producer and consumer threads and goroutines:
 * every item arrives exactly once, nobody waits forever. */
enum { QCAP = 4 };
static struct {
	goc_cond not_empty, not_full;
	long items[QCAP];
	int head, len;
	long per_producer, consumed, sum;
	bool closed;
} q; /* under mu */

static void produce(long base)
{
	for (long i = 0; i < q.per_producer; i++) {
		goc_mutex_lock(&mu);
		while (q.len == QCAP)
			goc_cond_wait(&q.not_full, &mu);
		q.items[(q.head + q.len++) % QCAP] = base + i;
		goc_cond_signal(&q.not_empty);
		goc_mutex_unlock(&mu);
	}
}

static void consume(void)
{
	for (;;) {
		goc_mutex_lock(&mu);
		while (q.len == 0 && !q.closed)
			goc_cond_wait(&q.not_empty, &mu);
		if (q.len == 0) {
			goc_mutex_unlock(&mu);
			return;
		}
		q.sum += q.items[q.head];
		q.head = (q.head + 1) % QCAP;
		q.len--;
		q.consumed++;
		goc_cond_signal(&q.not_full);
		goc_mutex_unlock(&mu);
	}
}

static void *produce_thread(void *arg)
{
	produce((long)(intptr_t)arg * q.per_producer);
	return NULL;
}

static void *consume_thread(void *arg)
{
	(void)arg;
	consume();
	return NULL;
}

static void produce_goroutine(void *arg)
{
	produce((long)(intptr_t)arg * q.per_producer);
	goc_wg_done(&done);
}

static void consume_goroutine(void *arg)
{
	(void)arg;
	consume();
	goc_wg_done(&done);
}

static int threads_and_goroutines_produce_and_consume_through_conds(void)
{
	goc_maxprocs(2);
	q.per_producer = SCALED(20000);
	goc_wg_add(&done, 4);
	pthread_t t[2] = {thread_start(consume_thread, NULL),
	                  thread_start(produce_thread, (void *)(intptr_t)0)};
	spawn(consume_goroutine, NULL);
	spawn(consume_goroutine, NULL);
	spawn(produce_goroutine, (void *)(intptr_t)1);
	spawn(produce_goroutine, (void *)(intptr_t)2);
	long total = 3 * q.per_producer;
	eventually(read_locked(&mu, &q.consumed) == total, 60);
	goc_mutex_lock(&mu);
	q.closed = true;
	goc_cond_broadcast(&q.not_empty);
	goc_mutex_unlock(&mu);
	goc_wg_wait(&done);
	thread_join(t[0]);
	thread_join(t[1]);
	expect_eq(q.consumed, total);
	expect_eq(q.sum, total * (total - 1) / 2);
	return 0;
}

/* ---- timers ---- */

static void *receive_timer_on_thread(void *arg)
{
	int64_t start = goc_now();
	goc_timer *t = must(goc_timer_make(ms(20)));
	int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
	expect_ge(v, start + ms(20));
	expect_no_tick(goc_timer_chan(t), ms(20));
	goc_timer_free(t);
	(void)arg;
	return NULL;
}

static int thread_receives_from_a_timer(void)
{
	thread_join(thread_start(receive_timer_on_thread, NULL));
	return 0;
}

static int main_without_goc_main_receives_from_a_timer_and_a_ticker(void)
{
	receive_timer_on_thread(NULL);
	int64_t start = goc_now();
	goc_timer *t = must(goc_ticker_make(ms(10)));
	for (int k = 1; k <= 3; k++)
		expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), start + k * ms(10));
	expect(goc_timer_stop(t), "stop of a running ticker returned false");
	expect_no_tick(goc_timer_chan(t), ms(30));
	goc_timer_free(t);
	return 0;
}

static goc_timer *shared;

static void *stop_and_reset_from_thread(void *arg)
{
	(void)arg;
	expect(goc_timer_stop(shared), "stop of a pending timer returned false");
	expect_no_tick(goc_timer_chan(shared), ms(30));
	int64_t r = goc_now();
	goc_timer_reset(shared, ms(10));
	return (void *)(intptr_t)(r / GOC_MICROSECOND);
}

static int thread_stops_and_resets_a_timer_a_goroutine_receives_from(void)
{
	shared = must(goc_timer_make(ms(20)));
	int64_t r =
		(intptr_t)thread_join(thread_start(stop_and_reset_from_thread, NULL)) *
		GOC_MICROSECOND;
	expect_ge(recv_tick(goc_timer_chan(shared), PATIENCE), r + ms(10));
	goc_timer_free(shared);
	return 0;
}

/* A thread resets, goroutines stop and reset too, racing the firing;
 * after the last reset one value comes, none from before it. */
static _Atomic int racing;

static void *reset_repeatedly_thread(void *arg)
{
	(void)arg;
	while (atomic_load(&racing)) {
		goc_timer_reset(shared, 50 * GOC_MICROSECOND);
		sched_yield();
	}
	return NULL;
}

static void stop_repeatedly(void *arg)
{
	(void)arg;
	while (atomic_load(&racing)) {
		goc_timer_stop(shared);
		goc_yield();
	}
	goc_wg_done(&done);
}

static int stop_and_reset_from_threads_and_goroutines_race_safely(void)
{
	goc_maxprocs(2);
	shared = must(goc_timer_make(50 * GOC_MICROSECOND));
	for (int round = 0; round < (int)SCALED(20); round++) {
		atomic_store(&racing, 1);
		goc_wg_add(&done, 2);
		pthread_t t = thread_start(reset_repeatedly_thread, NULL);
		spawn(stop_repeatedly, NULL);
		spawn(stop_repeatedly, NULL);
		goc_sleep(ms(20));
		atomic_store(&racing, 0);
		thread_join(t);
		goc_wg_wait(&done);
		int64_t r = goc_now();
		goc_timer_reset(shared, ms(1));
		expect_ge(recv_tick(goc_timer_chan(shared), PATIENCE), r + ms(1));
		expect_no_tick(goc_timer_chan(shared), ms(3));
	}
	goc_timer_free(shared);
	return 0;
}

static _Atomic int64_t fn_goroutine;
static goc_wg fn_ran;

static void note_goroutine(void *arg)
{
	(void)arg;
	atomic_store(&fn_goroutine, goc_id());
	goc_wg_done(&fn_ran);
}

static void *after_func_from_thread(void *arg)
{
	(void)arg;
	goc_wg_add(&fn_ran, 1);
	goc_timer *t = must(goc_after_func(ms(5), note_goroutine, NULL));
	goc_wg_wait(&fn_ran);
	expect_ne(atomic_load(&fn_goroutine), 0); /* a goroutine, not a thread */
	/* stop and free from the thread, too */
	expect(!goc_timer_stop(t), "stop after fn ran returned true");
	goc_timer *pending = must(goc_after_func(ms(10), note_goroutine, NULL));
	expect(goc_timer_stop(pending), "stop of a pending after_func returned false");
	goc_timer_free(pending);
	goc_timer_free(t);
	return NULL;
}

static int thread_starts_an_after_func_that_runs_in_a_goroutine(void)
{
	thread_join(thread_start(after_func_from_thread, NULL));
	goc_sleep(ms(30));
	return 0;
}

static int main_without_goc_main_starts_an_after_func(void)
{
	after_func_from_thread(NULL);
	goc_sleep(ms(30));
	return 0;
}

static const struct test_case cases[] = {
	CASE(mutex_is_shared_by_threads_and_goroutines),
	CASE(thread_unlocks_what_a_goroutine_locked),
	CASE(thread_waits_in_lock_until_a_goroutine_unlocks),
	PLAIN_CASE(main_without_goc_main_waits_for_a_goroutine_to_unlock),
	PLAIN_CASE(plain_threads_share_a_mutex_and_a_cond_without_the_runtime),
	CASE(rwmutex_is_shared_by_threads_and_goroutines),
	CASE(thread_reader_waits_for_a_goroutine_writer),
	CASE(once_is_shared_by_threads_and_goroutines),
	PLAIN_CASE(once_in_main_without_goc_main),
	CASE(thread_waits_and_a_goroutine_signals),
	CASE(goroutine_waits_and_a_thread_signals),
	CASE(thread_broadcast_wakes_threads_and_goroutines),
	CASE(thread_and_goroutine_take_turns_through_a_cond),
	PLAIN_CASE(plain_main_and_a_goroutine_take_turns_through_a_cond),
	CASE(threads_and_goroutines_produce_and_consume_through_conds, .timeout = 90),
	CASE(thread_receives_from_a_timer),
	PLAIN_CASE(main_without_goc_main_receives_from_a_timer_and_a_ticker),
	CASE(thread_stops_and_resets_a_timer_a_goroutine_receives_from),
	CASE(stop_and_reset_from_threads_and_goroutines_race_safely),
	CASE(thread_starts_an_after_func_that_runs_in_a_goroutine),
	PLAIN_CASE(main_without_goc_main_starts_an_after_func),
};

TEST_MAIN(cases)
