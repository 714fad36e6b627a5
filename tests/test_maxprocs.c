/*
 * test_maxprocs.c — goc_maxprocs (runtime.GOMAXPROCS) and parallelism.
 *
 * The default is the CPU count of the affinity mask, or GOC_MAXPROCS from
 * the environment (read when the runtime starts). A change has taken
 * effect when the call returns, from a goroutine or a plain thread, while
 * goroutines run, and the number of goroutines running at once follows it.
 */
#include "helpers.h"

#include <limits.h>

/* ---- the default ---- */

static int default_is_the_cpu_count_of_the_affinity_mask(void)
{
	expect_eq(goc_maxprocs(0), cpu_count());
	return 0;
}

static int main_with_one_cpu(int argc, char **argv)
{
	(void)argc, (void)argv;
	expect_eq(goc_maxprocs(0), 1);
	return 0;
}

static int default_follows_a_narrowed_affinity_mask(void)
{
	/* Pin the process to one CPU before the runtime starts. */
	cpu_set_t set;
	expect_eq(sched_getaffinity(0, sizeof set, &set), 0);
	int first = 0;
	while (!CPU_ISSET(first, &set))
		first++;
	CPU_ZERO(&set);
	CPU_SET(first, &set);
	expect_eq(sched_setaffinity(0, sizeof set, &set), 0);
	static char *argv[] = {"one_cpu", NULL};
	return goc_main(main_with_one_cpu, 1, argv);
}

static int env_var_sets_the_default(void)
{
	expect_eq(goc_maxprocs(0), 3);
	return 0;
}

static int env_var_above_max_is_clamped(void)
{
	expect_eq(goc_maxprocs(0), GOC_MAXPROCS_MAX);
	return 0;
}

static int invalid_env_var_is_ignored(void)
{
	expect_eq(goc_maxprocs(0), cpu_count());
	return 0;
}

static int env_var_zero_is_ignored(void) { return invalid_env_var_is_ignored(); }

/* Go ignores a GOMAXPROCS that is not a positive 32-bit decimal. */
static int env_var_with_trailing_junk_is_ignored(void)
{
	return invalid_env_var_is_ignored();
}
static int env_var_beyond_32_bits_is_ignored(void)
{
	return invalid_env_var_is_ignored();
}
static int negative_env_var_is_ignored(void) { return invalid_env_var_is_ignored(); }

/* ---- setting and reading ---- */

static int nonpositive_n_returns_current_without_change(void)
{
	int now = goc_maxprocs(0);
	expect_eq(goc_maxprocs(-1), now);
	expect_eq(goc_maxprocs(INT_MIN), now);
	expect_eq(goc_maxprocs(0), now);
	return 0;
}

static int set_returns_the_previous_value(void)
{
	int first = goc_maxprocs(0);
	expect_eq(goc_maxprocs(3), first);
	expect_eq(goc_maxprocs(1), 3);
	expect_eq(goc_maxprocs(1), 1);
	expect_eq(goc_maxprocs(5), 1);
	expect_eq(goc_maxprocs(0), 5);
	return 0;
}

static int n_above_max_is_clamped(void)
{
	int first = goc_maxprocs(0);
	expect_eq(goc_maxprocs(GOC_MAXPROCS_MAX + 1000), first);
	expect_eq(goc_maxprocs(0), GOC_MAXPROCS_MAX);
	expect_eq(goc_maxprocs(INT_MAX), GOC_MAXPROCS_MAX);
	expect_eq(goc_maxprocs(2), GOC_MAXPROCS_MAX);
	expect_eq(goc_maxprocs(0), 2);
	return 0;
}

static void *set_from_thread(void *arg)
{
	int *n = arg;
	n[1] = goc_maxprocs(n[0]);
	n[2] = goc_maxprocs(0);
	return NULL;
}

static int set_from_a_plain_thread(void)
{
	int first = goc_maxprocs(0);
	int n[3] = {3, 0, 0};
	thread_join(thread_start(set_from_thread, n));
	expect_eq(n[1], first);
	expect_eq(n[2], 3);
	expect_eq(goc_maxprocs(0), 3);
	return 0;
}

static int set_before_goc_main_on_a_plain_thread(void)
{
	int n[3] = {2, 0, 0};
	set_from_thread(n); /* starts the runtime */
	expect_eq(n[1], cpu_count());
	expect_eq(n[2], 2);
	return 0;
}

/* ---- the change takes effect ---- */

static _Atomic int running, most_running;
static goc_wg burners;

/* Burn CPU without yielding for `ns`, noting how many do so at once. */
static void burn_and_count(void *arg)
{
	int64_t ns = (int64_t)(intptr_t)arg;
	int now = atomic_fetch_add(&running, 1) + 1;
	for (int seen = atomic_load(&most_running); now > seen;)
		if (atomic_compare_exchange_weak(&most_running, &seen, now))
			break;
	int64_t until = goc_now() + ns;
	while (goc_now() < until) {
		int r = atomic_load(&running);
		for (int seen = atomic_load(&most_running); r > seen;)
			if (atomic_compare_exchange_weak(&most_running, &seen, r))
				break;
	}
	atomic_fetch_sub(&running, 1);
	goc_wg_done(&burners);
}

/* Four CPU-bound goroutines: with one processor, one at a time. They burn
 * 30 ms each, past the 10 ms after which preemption hands the processor
 * on and lets the burner run beside it in its own thread (preempt.c): the
 * cases that count burners run with preemption off. */
static void expect_burners_one_at_a_time(void)
{
	goc_wg_add(&burners, 4);
	for (int i = 0; i < 4; i++)
		spawn(burn_and_count, (void *)(intptr_t)ms(30));
	goc_wg_wait(&burners);
	expect_eq(atomic_load(&most_running), 1);
}

static int one_processor_runs_one_goroutine_at_a_time(void)
{
	expect_eq(goc_maxprocs(1), cpu_count());
	expect_burners_one_at_a_time();
	return 0;
}

static int shrinking_to_one_takes_effect_before_return(void)
{
	if (cpu_count() < 2)
		skip("one CPU");
	goc_maxprocs(4);
	goc_sleep(ms(5));
	goc_maxprocs(1);
	expect_burners_one_at_a_time();
	return 0;
}

/* Two goroutines that never yield each wait until both are running: only
 * true parallelism lets them meet (no timing is measured). */
static _Atomic int arrived;
static _Atomic bool met[2];
static goc_wg meeters;

static void meet(void *arg)
{
	int me = (int)(intptr_t)arg;
	atomic_fetch_add(&arrived, 1);
	int64_t give_up = goc_now() + 10 * GOC_SECOND;
	while (atomic_load(&arrived) < 2 && goc_now() < give_up) {
	}
	atomic_store(&met[me], atomic_load(&arrived) == 2);
	goc_wg_done(&meeters);
}

/* Start the two meeters and expect them to have met. */
static void expect_meeters_meet(void)
{
	goc_wg_add(&meeters, 2);
	spawn(meet, (void *)0);
	spawn(meet, (void *)1);
	goc_wg_wait(&meeters);
	expect(atomic_load(&met[0]) && atomic_load(&met[1]),
	       "the goroutines never ran at the same time (met: %d, %d)",
	       atomic_load(&met[0]), atomic_load(&met[1]));
}

static int two_cpu_bound_goroutines_run_in_parallel(void)
{
	if (cpu_count() < 2)
		skip("only one CPU: nothing can run in parallel");
	goc_maxprocs(2);
	expect_meeters_meet();
	return 0;
}

static int growing_from_one_lets_goroutines_run_in_parallel(void)
{
	if (cpu_count() < 2)
		skip("only one CPU: nothing can run in parallel");
	goc_maxprocs(1);
	goc_sleep(ms(5));
	goc_maxprocs(2);
	expect_meeters_meet();
	return 0;
}

/* ---- changes while goroutines run ---- */

static goc_wg sleepers;

static void burn_then_sleep(void *arg)
{
	(void)arg;
	burn_until(goc_now() + ms(5)); /* spreads them over the processors */
	goc_sleep(ms(300));
	goc_wg_done(&sleepers);
}

/* Goroutines that only sleep, briefly and often: timers on every P. */
static _Atomic bool stop_napping;
static goc_wg nappers;

static void nap_repeatedly(void *arg)
{
	(void)arg;
	for (long i = 0; !atomic_load(&stop_napping); i++)
		goc_sleep((1 + i % 5) * 100 * GOC_MICROSECOND);
	goc_wg_done(&nappers);
}

static _Atomic bool resizer_done;

static void *resize_from_thread(void *arg)
{
	long n = *(long *)arg;
	for (long i = 0; i < n; i++) {
		goc_maxprocs(1 + (int)(i % 4));
		usleep(100);
	}
	atomic_store(&resizer_done, true);
	return NULL;
}

static int resizing_while_goroutines_sleep_on_every_processor(void)
{
	goc_maxprocs(4);
	goc_wg_add(&nappers, 32);
	for (int i = 0; i < 32; i++)
		spawn(nap_repeatedly, NULL);
	long n = SCALED(20000);
	pthread_t t = thread_start(resize_from_thread, &n);
	for (long i = 0; i < n; i++) {
		goc_maxprocs(4 - (int)(i % 4));
		goc_sleep(100 * GOC_MICROSECOND);
	}
	/* Not thread_join yet: it would block this goroutine's thread, and a
	 * shrink waits for the processor that thread holds (no system-call
	 * hand-off yet). */
	while (!atomic_load(&resizer_done))
		goc_sleep(GOC_MILLISECOND);
	thread_join(t);
	atomic_store(&stop_napping, true);
	goc_wg_wait(&nappers);
	return 0;
}

static int shrinking_while_goroutines_sleep_on_removed_processors(void)
{
	/* The removed processors are idle with timers pending: the sleepers
	 * must still wake up, on the processors that remain. */
	goc_maxprocs(4);
	goc_wg_add(&sleepers, 8);
	for (int i = 0; i < 8; i++)
		spawn(burn_then_sleep, NULL);
	goc_sleep(ms(100)); /* all of them asleep now */
	expect_eq(goc_maxprocs(1), 4);
	goc_wg_wait(&sleepers);
	return 0;
}

enum { WORKERS = 16 };

static uint64_t results[WORKERS];
static goc_wg workers_done;
static _Atomic bool stop_changing;
static _Atomic long changes;

/* A worker's result: a hash chain in small pieces; between pieces it
 * yields or sleeps, so processors can come and go under it. */
static uint64_t hash_step(uint64_t h, uint64_t i) { return (h ^ i) * 0x100000001b3ull; }

static uint64_t expected_result(int w, long rounds)
{
	uint64_t h = 0xcbf29ce484222325ull + (uint64_t)w;
	for (long r = 0; r < rounds; r++)
		for (uint64_t i = 0; i < 2000; i++)
			h = hash_step(h, i + (uint64_t)r);
	return h;
}

static long worker_rounds(void) { return SCALED(2000); }

static void worker(void *arg)
{
	int w = (int)(intptr_t)arg;
	uint64_t h = 0xcbf29ce484222325ull + (uint64_t)w;
	for (long r = 0; r < worker_rounds(); r++) {
		for (uint64_t i = 0; i < 2000; i++)
			h = hash_step(h, i + (uint64_t)r);
		if (r % 3 == 0)
			goc_yield();
		else if (r % 3 == 1)
			goc_sleep(50 * GOC_MICROSECOND);
	}
	results[w] = h;
	goc_wg_done(&workers_done);
}

static int next_procs(long i) { return 1 + (int)((i * 7) % 4); } /* 1..4 */

static void changer(void *arg)
{
	goc_wg *done = arg;
	for (long i = 0; !atomic_load(&stop_changing); i++) {
		int n = next_procs(i);
		goc_maxprocs(n);
		atomic_fetch_add(&changes, 1);
		if (i % 2)
			goc_sleep(200 * GOC_MICROSECOND);
		else
			goc_yield();
	}
	goc_wg_done(done);
}

static void *thread_changer(void *arg)
{
	(void)arg;
	for (long i = 0; !atomic_load(&stop_changing); i++) {
		goc_maxprocs(next_procs(i + 1));
		int now = goc_maxprocs(0);
		if (now < 1 || now > 4)
			fail("goc_maxprocs(0) is %d, never set", now);
		atomic_fetch_add(&changes, 1);
		usleep(300);
	}
	return NULL;
}

static int maxprocs_changes_while_goroutines_compute_and_sleep(void)
{
	goc_wg changer_done = {0};
	goc_wg_add(&workers_done, WORKERS);
	for (int w = 0; w < WORKERS; w++)
		spawn(worker, (void *)(intptr_t)w);
	goc_wg_add(&changer_done, 1);
	spawn(changer, &changer_done);
	pthread_t t = thread_start(thread_changer, NULL);
	goc_wg_wait(&workers_done);
	eventually(atomic_load(&changes) >= 20, 30); /* however fast the workers were */
	atomic_store(&stop_changing, true);
	goc_wg_wait(&changer_done);
	thread_join(t);
	for (int w = 0; w < WORKERS; w++)
		expect(results[w] == expected_result(w, worker_rounds()),
		       "worker %d computed %#llx instead of %#llx", w,
		       (unsigned long long)results[w],
		       (unsigned long long)expected_result(w, worker_rounds()));
	int n = goc_maxprocs(0);
	expect(n >= 1 && n <= 4, "goc_maxprocs(0) is %d after the changes", n);
	eventually(goc_numgoroutine() == 1, 10);
	/* The scheduler still works at every size it went through. */
	for (int procs = 1; procs <= 4; procs++) {
		goc_maxprocs(procs);
		goc_wg_add(&burners, 8);
		for (int i = 0; i < 8; i++)
			spawn(burn_and_count, (void *)(intptr_t)ms(1));
		goc_wg_wait(&burners);
	}
	return 0;
}

static void set_own_procs(void *arg)
{
	goc_wg *done = arg;
	for (int i = 0; i < 200; i++) {
		goc_maxprocs(1 + i % 3); /* its own P may be the one removed */
		burn_until(goc_now() + 20 * GOC_MICROSECOND);
	}
	goc_wg_done(done);
}

static int goroutines_shrinking_their_own_processor_return(void)
{
	goc_wg done = {0};
	goc_maxprocs(3);
	goc_wg_add(&done, 3);
	for (int i = 0; i < 3; i++)
		spawn(set_own_procs, &done);
	goc_wg_wait(&done);
	return 0;
}

static const struct test_case cases[] = {
	CASE(default_is_the_cpu_count_of_the_affinity_mask),
	PLAIN_CASE(default_follows_a_narrowed_affinity_mask),
	CASE(env_var_sets_the_default, .env = {"GOC_MAXPROCS=3"}),
	CASE(env_var_above_max_is_clamped, .env = {"GOC_MAXPROCS=100000"}),
	CASE(invalid_env_var_is_ignored, .env = {"GOC_MAXPROCS=zero"}),
	CASE(env_var_zero_is_ignored, .env = {"GOC_MAXPROCS=0"}),
	CASE(env_var_with_trailing_junk_is_ignored, .env = {"GOC_MAXPROCS=1abc"}),
	CASE(env_var_beyond_32_bits_is_ignored, .env = {"GOC_MAXPROCS=99999999999"}),
	CASE(negative_env_var_is_ignored, .env = {"GOC_MAXPROCS=-2"}),
	CASE(nonpositive_n_returns_current_without_change),
	CASE(set_returns_the_previous_value),
	CASE(n_above_max_is_clamped),
	CASE(set_from_a_plain_thread),
	PLAIN_CASE(set_before_goc_main_on_a_plain_thread),
	CASE(one_processor_runs_one_goroutine_at_a_time,
             .env = {"GOC_DEBUG=asyncpreemptoff=1"}),
	CASE(shrinking_to_one_takes_effect_before_return,
             .env = {"GOC_DEBUG=asyncpreemptoff=1"}),
	CASE(two_cpu_bound_goroutines_run_in_parallel),
	CASE(growing_from_one_lets_goroutines_run_in_parallel),
	CASE(shrinking_while_goroutines_sleep_on_removed_processors, .timeout = 10),
	CASE(resizing_while_goroutines_sleep_on_every_processor, .timeout = 60),
	CASE(maxprocs_changes_while_goroutines_compute_and_sleep, .timeout = 120),
	CASE(goroutines_shrinking_their_own_processor_return, .timeout = 60),
};

TEST_MAIN(cases)
