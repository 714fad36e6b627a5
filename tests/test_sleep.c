/*
 * test_sleep.c — goc_sleep and goc_now.
 *
 * goc_sleep parks the goroutine, not its thread, for at least the
 * duration (never a tight upper bound: the machine may be busy); zero and
 * negative durations return at once. goc_now is monotonic.
 */
#include "helpers.h"

static int sleep_lasts_at_least_the_duration(void)
{
	const int64_t durations[] = {1, 1000, ms(1), ms(10), ms(50)};
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		int64_t start = goc_now();
		goc_sleep(durations[i]);
		expect_ge(goc_now() - start, durations[i]);
	}
	return 0;
}

static int sleep_of_zero_or_less_returns_at_once(void)
{
	int64_t start = goc_now();
	for (int i = 0; i < 1000; i++) {
		goc_sleep(0);
		goc_sleep(-1);
		goc_sleep(INT64_MIN);
	}
	expect_lt(goc_now() - start, GOC_SECOND); /* 3000 calls, no waiting */
	return 0;
}

static void forever_asleep(void *arg)
{
	(void)arg;
	goc_sleep(INT64_MAX); /* no overflow: it just never wakes */
}

static int sleep_of_max_duration_does_not_wake(void)
{
	spawn(forever_asleep, NULL);
	goc_sleep(ms(50));
	expect_eq(goc_numgoroutine(), 2);
	return 0;
}

/* ---- many sleepers at once ---- */

static goc_wg sleepers;
static _Atomic int64_t shortest_sleep = INT64_MAX;

static void sleep_50ms(void *arg)
{
	(void)arg;
	int64_t start = goc_now();
	goc_sleep(ms(50));
	int64_t slept = goc_now() - start;
	for (int64_t s = atomic_load(&shortest_sleep); slept < s;)
		if (atomic_compare_exchange_weak(&shortest_sleep, &s, slept))
			break;
	goc_wg_done(&sleepers);
}

/* n goroutines sleep 50 ms each; they must overlap, not queue up. */
static void many_sleep_at_once(long n)
{
	int64_t start = goc_now();
	goc_wg_add(&sleepers, n);
	for (long i = 0; i < n; i++)
		spawn(sleep_50ms, NULL);
	goc_wg_wait(&sleepers);
	int64_t took = goc_now() - start;
	expect_ge(atomic_load(&shortest_sleep), ms(50));
	/* One after the other it would be n * 50 ms; allow a quarter of that
	 * (at most 10 s) on a busy machine. */
	int64_t bound = n * ms(50) / 4;
	if (bound > 10 * GOC_SECOND)
		bound = 10 * GOC_SECOND;
	if (bound < ms(500))
		bound = ms(500);
	expect(took < bound, "%ld goroutines sleeping 50 ms took %.2f s (bound %.2f s)",
	       n, seconds_of(took), seconds_of(bound));
}

static int many_goroutines_sleep_at_the_same_time(void)
{
	many_sleep_at_once(SCALED(10000));
	return 0;
}

static int many_goroutines_sleep_at_the_same_time_on_one_processor(void)
{
	goc_maxprocs(1);
	many_sleep_at_once(SCALED(10000));
	return 0;
}

/* A sleeper does not hold up its processor. */
static _Atomic bool sleeper_parked, sleeper_woke;
static goc_wg worker_done;

static void long_sleeper(void *arg)
{
	(void)arg;
	atomic_store(&sleeper_parked, true);
	goc_sleep(60 * GOC_SECOND); /* main ends the program first */
	atomic_store(&sleeper_woke, true);
}

static void short_worker(void *arg)
{
	(void)arg;
	goc_wg_done(&worker_done);
}

static int sleeping_goroutine_lets_others_run_on_its_processor(void)
{
	goc_maxprocs(1);
	spawn(long_sleeper, NULL);
	while (!atomic_load(&sleeper_parked))
		goc_yield(); /* the sleeper goes first */
	goc_wg_add(&worker_done, 1);
	spawn(short_worker, NULL);
	goc_wg_wait(&worker_done); /* runs on the one processor meanwhile */
	expect(!atomic_load(&sleeper_woke), "the sleeper woke early");
	expect_eq(goc_numgoroutine(), 2);
	return 0;
}

/* A sleeper whose processor is then kept busy by a goroutine that never
 * yields is woken by another processor, long before the computation
 * ends: a running processor fires its own timers only when it switches,
 * so the timer sleeper (proc.c) or sysmon steps in. */
static _Atomic int64_t woke_at;
static atomic_bool napper_parked;

static void napper(void *arg)
{
	(void)arg;
	atomic_store(&napper_parked, true);
	goc_sleep(ms(2));
	atomic_store(&woke_at, goc_now());
}

static int sleeper_behind_a_computing_goroutine_still_wakes(void)
{
	goc_maxprocs(2);
	spawn(napper, NULL);
	while (!atomic_load(&napper_parked))
		goc_yield(); /* it sleeps with its timer on this processor */
	int64_t start = goc_now(), compute = ms(400);
	while (goc_now() - start < compute)
		; /* never yields */
	int64_t woke = atomic_load(&woke_at);
	expect(woke != 0, "the sleeper did not wake during %lld ms of computing",
	       (long long)(compute / ms(1)));
	expect_lt(woke - start, compute / 2);
	return 0;
}

/* ---- goc_now ---- */

static goc_wg readers;
static _Atomic int64_t latest;

static void read_clock(void *arg)
{
	(void)arg;
	int64_t prev = goc_now();
	for (int i = 0; i < 100000; i++) {
		int64_t now = goc_now();
		if (now < prev)
			fail("goc_now went back from %lld to %lld", (long long)prev,
			     (long long)now);
		prev = now;
		if (i % 1000 == 0)
			goc_yield(); /* maybe resume on another thread */
	}
	atomic_store(&latest, prev);
	goc_wg_done(&readers);
}

static int now_never_goes_back(void)
{
	int64_t before = goc_now();
	goc_wg_add(&readers, 4);
	for (int i = 0; i < 4; i++)
		spawn(read_clock, NULL);
	goc_wg_wait(&readers);
	int64_t after = goc_now();
	expect_ge(atomic_load(&latest), before);
	expect_ge(after, atomic_load(&latest));
	return 0;
}

static int now_counts_nanoseconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t mono0 = (int64_t)ts.tv_sec * GOC_SECOND + ts.tv_nsec;
	int64_t now0 = goc_now();
	usleep(100000);
	int64_t now1 = goc_now();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t mono1 = (int64_t)ts.tv_sec * GOC_SECOND + ts.tv_nsec;
	/* goc_now advanced by about what the monotonic clock did: at least
	 * the 100 ms slept, and not more than the monotonic clock (measured
	 * around it) did, give or take 10 ms. */
	expect_ge(now1 - now0, ms(100));
	expect_le(now1 - now0, mono1 - mono0 + ms(10));
	return 0;
}

static const struct test_case cases[] = {
	CASE(sleep_lasts_at_least_the_duration),
	CASE(sleep_of_zero_or_less_returns_at_once),
	CASE(sleep_of_max_duration_does_not_wake),
	CASE(many_goroutines_sleep_at_the_same_time),
	CASE(many_goroutines_sleep_at_the_same_time_on_one_processor),
	CASE(sleeping_goroutine_lets_others_run_on_its_processor),
	CASE(sleeper_behind_a_computing_goroutine_still_wakes),
	CASE(now_never_goes_back),
	CASE(now_counts_nanoseconds),
};

TEST_MAIN(cases)
