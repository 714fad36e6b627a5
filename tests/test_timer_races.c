/*
 * test_timer_races.c — stop, reset and free racing the firing, and each
 * other (Go 1.23's guarantees under concurrency).
 *
 *  - Once stop or reset returns, no value from before it is received,
 *    however close to the firing it was called.
 *  - A timer nobody has received from is pending until it is stopped: stop
 *    returns true exactly when it kept a value from being received (Go
 *    1.23, where the firing of an unreceived timer counts as pending).
 *  - For an after_func timer, stop returning false means fn has been
 *    started (Go: "the function f has been started in its own
 *    goroutine"); true means fn never runs.
 *  - After the last reset, with no stop after it, exactly one value comes.
 *  - Freeing a timer while it fires is safe (sanitizer builds check).
 *
 * The races are provoked by stopping or resetting at a random point in a
 * window around the firing time, many times over (the window that matters
 * may be tens of nanoseconds wide: some cases need thousands of rounds).
 */
#include "helpers.h"

static uint32_t rng_state = 2463534242u;

/* xorshift; each case runs in its own process, main goroutine only. */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

static int64_t us(int64_t n) { return n * GOC_MICROSECOND; }

/* Busy-wait (no switch) up to `window`, at random: lands anywhere around
 * a firing due in up to `window`. */
static void wait_at_random(int64_t window)
{
	burn_until(goc_now() + (int64_t)rnd((uint32_t)(window / GOC_MICROSECOND + 1)) *
	                               GOC_MICROSECOND);
}

/* ---- one stop or reset racing the firing ---- */

static int no_value_arrives_after_a_stop_racing_the_firing(void)
{
	goc_maxprocs(2);
	long rounds = SCALED(3000);
	for (long i = 0; i < rounds; i++) {
		goc_timer *t = must(goc_timer_make(us(rnd(200))));
		wait_at_random(us(250));
		goc_timer_stop(t);
		int64_t stopped = goc_now();
		int64_t v = 0;
		int r = goc_chan_try_recv(goc_timer_chan(t), &v);
		expect(r == GOC_WOULDBLOCK,
		       "round %ld: a value (from %.3f ms before "
		       "the stop returned) was received after stop",
		       i, (double)(stopped - v) / GOC_MILLISECOND);
		goc_timer_free(t);
	}
	/* Late arrivals: one more time, waiting a while after each stop. */
	for (long i = 0; i < SCALED(200); i++) {
		goc_timer *t = must(goc_timer_make(us(rnd(200))));
		wait_at_random(us(250));
		goc_timer_stop(t);
		expect_no_tick(goc_timer_chan(t), ms(1));
		goc_timer_free(t);
	}
	return 0;
}

static int stop_racing_the_firing_of_an_unreceived_timer_returns_true(void)
{
	goc_maxprocs(2);
	long rounds = SCALED(20000), false_returns = 0;
	for (long i = 0; i < rounds; i++) {
		goc_timer *t = must(goc_timer_make(us(rnd(200))));
		wait_at_random(us(250));
		/* Nothing was received: whatever the firing did, stop keeps the
		 * value from being received, so it must report true. */
		if (!goc_timer_stop(t))
			false_returns++;
		expect_eq(goc_chan_try_recv(goc_timer_chan(t), NULL), GOC_WOULDBLOCK);
		goc_timer_free(t);
	}
	expect(false_returns == 0,
	       "%ld of %ld stops of a timer nobody had received "
	       "from returned false, but no value was ever received",
	       false_returns, rounds);
	return 0;
}

static int reset_racing_the_firing_leaves_no_stale_value(void)
{
	goc_maxprocs(2);
	long rounds = SCALED(2000);
	for (long i = 0; i < rounds; i++) {
		int64_t made = goc_now();
		goc_timer *t = must(goc_timer_make(us(rnd(200))));
		wait_at_random(us(250));
		int64_t r = goc_now();
		goc_timer_reset(t, ms(2));
		int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
		expect(v >= r + ms(2),
		       "round %ld: received a value from %.3f ms after "
		       "the timer was made; the reset was at %.3f ms",
		       i, (double)(v - made) / GOC_MILLISECOND,
		       (double)(r - made) / GOC_MILLISECOND);
		expect_eq(goc_chan_try_recv(goc_timer_chan(t), NULL), GOC_WOULDBLOCK);
		goc_timer_free(t);
	}
	return 0;
}

/* ---- after_func ---- */

struct runs {
	_Atomic int n;
};

static void count_run(void *arg) { atomic_fetch_add(&((struct runs *)arg)->n, 1); }

static int after_func_runs_exactly_when_stop_racing_it_returns_false(void)
{
	goc_maxprocs(2);
	long rounds = SCALED(20000);
	long lost = 0, ran_after_stop = 0;
	struct runs *runs = calloc((size_t)rounds, sizeof *runs);
	expect(runs != NULL, "calloc failed");
	bool *stopped = calloc((size_t)rounds, sizeof *stopped);
	expect(stopped != NULL, "calloc failed");
	for (long i = 0; i < rounds; i++) {
		goc_timer *t = must(goc_after_func(us(rnd(200)), count_run, &runs[i]));
		wait_at_random(us(250));
		stopped[i] = goc_timer_stop(t);
		goc_timer_free(t);
	}
	goc_sleep(ms(100)); /* every fn that was started has run by now */
	for (long i = 0; i < rounds; i++) {
		int n = atomic_load(&runs[i].n);
		if (stopped[i] && n != 0)
			ran_after_stop++;
		if (!stopped[i] && n != 1)
			lost++;
	}
	free(runs);
	free(stopped);
	expect(ran_after_stop == 0,
	       "fn ran in %ld of %ld rounds although stop returned true",
	       ran_after_stop, rounds);
	expect(lost == 0,
	       "in %ld of %ld rounds stop returned false (\"fn has been "
	       "started\") but fn never ran",
	       lost, rounds);
	return 0;
}

/* ---- many goroutines at once ---- */

enum { TIMERS = 4, RACERS = 4 };
static goc_timer *shared[TIMERS];
static _Atomic int racing;
static goc_wg racers_done;

static void stop_and_reset_at_random(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
	while (atomic_load(&racing)) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		goc_timer *t = shared[seed % TIMERS];
		if ((seed >> 8) % 3 == 0)
			goc_timer_stop(t);
		else
			goc_timer_reset(t, (int64_t)(20 + (seed >> 12) % 300) *
			                           GOC_MICROSECOND);
		if ((seed >> 20) % 8 == 0)
			goc_yield();
	}
	goc_wg_done(&racers_done);
}

static void *stop_and_reset_at_random_thread(void *arg)
{
	stop_and_reset_at_random(arg);
	return NULL;
}

static int
final_reset_after_concurrent_stops_and_resets_delivers_exactly_one_value(void)
{
	goc_maxprocs(2);
	for (int i = 0; i < TIMERS; i++)
		shared[i] = must(goc_timer_make(us(100)));
	int rounds = (int)SCALED(20);
	for (int round = 0; round < rounds; round++) {
		atomic_store(&racing, 1);
		goc_wg_add(&racers_done, RACERS + 1);
		for (int k = 0; k < RACERS; k++)
			spawn(stop_and_reset_at_random,
			      (void *)(uintptr_t)(round * 16 + k + 1));
		pthread_t th = thread_start(stop_and_reset_at_random_thread,
		                            (void *)(uintptr_t)(round * 16 + 15));
		goc_sleep(ms(50));
		atomic_store(&racing, 0);
		goc_wg_wait(&racers_done);
		thread_join(th);
		/* Quiet now; some timers fired and were not received. */
		int64_t r = goc_now();
		for (int i = 0; i < TIMERS; i++)
			goc_timer_reset(shared[i], ms(1));
		for (int i = 0; i < TIMERS; i++) {
			int64_t v = recv_tick(goc_timer_chan(shared[i]), PATIENCE);
			expect(v >= r + ms(1),
			       "round %d, timer %d: a value from %.3f ms "
			       "before the final reset was received",
			       round, i, (double)(r - v) / GOC_MILLISECOND);
		}
		for (int i = 0; i < TIMERS; i++)
			expect_no_tick(goc_timer_chan(shared[i]), ms(2));
	}
	for (int i = 0; i < TIMERS; i++)
		goc_timer_free(shared[i]);
	return 0;
}

static _Atomic int stops_that_returned_true;

static void stop_shared_once(void *arg)
{
	if (goc_timer_stop(arg))
		atomic_fetch_add(&stops_that_returned_true, 1);
	goc_wg_done(&racers_done);
}

static int of_concurrent_stops_of_a_pending_timer_exactly_one_returns_true(void)
{
	enum { STOPPERS = 8 };
	goc_maxprocs(2);
	for (long round = 0; round < SCALED(500); round++) {
		goc_timer *t = must(goc_timer_make(3600 * GOC_SECOND));
		atomic_store(&stops_that_returned_true, 0);
		goc_wg_add(&racers_done, STOPPERS);
		for (int i = 0; i < STOPPERS; i++)
			spawn(stop_shared_once, t);
		goc_wg_wait(&racers_done);
		expect_eq(atomic_load(&stops_that_returned_true), 1);
		goc_timer_free(t);
	}
	return 0;
}

/* A ticker under concurrent resets and stops: after a final reset, ticks
 * come at the final period and none is stale. */
static int ticker_after_concurrent_stops_and_resets_ticks_at_the_final_period(void)
{
	goc_maxprocs(2);
	for (int i = 0; i < TIMERS; i++)
		shared[i] = must(goc_ticker_make(us(100)));
	atomic_store(&racing, 1);
	goc_wg_add(&racers_done, RACERS);
	for (int k = 0; k < RACERS; k++)
		spawn(stop_and_reset_at_random, (void *)(uintptr_t)(k + 1));
	goc_sleep(ms(100));
	atomic_store(&racing, 0);
	goc_wg_wait(&racers_done);
	int64_t r = goc_now();
	for (int i = 0; i < TIMERS; i++)
		goc_timer_reset(shared[i], ms(10));
	for (int i = 0; i < TIMERS; i++)
		for (int k = 1; k <= 3; k++) {
			int64_t v = recv_tick(goc_timer_chan(shared[i]), PATIENCE);
			expect(v >= r + k * ms(10),
			       "ticker %d, tick %d: %.3f ms after the final reset", i,
			       k, (double)(v - r) / GOC_MILLISECOND);
		}
	for (int i = 0; i < TIMERS; i++)
		goc_timer_free(shared[i]);
	return 0;
}

/* ---- free racing the firing ---- */

static int free_racing_the_firing_is_safe(void)
{
	goc_maxprocs(2);
	static struct runs after;
	long rounds = SCALED(3000);
	for (long i = 0; i < rounds; i++) {
		goc_timer *t;
		switch (i % 3) {
		case 0:
			t = must(goc_timer_make(us(rnd(200))));
			break;
		case 1:
			t = must(goc_ticker_make(us(1 + rnd(100))));
			break;
		default:
			t = must(goc_after_func(us(rnd(200)), count_run, &after));
			break;
		}
		wait_at_random(us(250));
		goc_timer_free(t);
	}
	goc_sleep(ms(20));
	return 0;
}

static const struct test_case cases[] = {
	CASE(no_value_arrives_after_a_stop_racing_the_firing),
	CASE(stop_racing_the_firing_of_an_unreceived_timer_returns_true),
	CASE(reset_racing_the_firing_leaves_no_stale_value),
	CASE(after_func_runs_exactly_when_stop_racing_it_returns_false),
	CASE(final_reset_after_concurrent_stops_and_resets_delivers_exactly_one_value),
	CASE(of_concurrent_stops_of_a_pending_timer_exactly_one_returns_true),
	CASE(ticker_after_concurrent_stops_and_resets_ticks_at_the_final_period),
	CASE(free_racing_the_firing_is_safe),
};

TEST_MAIN(cases)
