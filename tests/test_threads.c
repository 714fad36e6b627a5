/*
 * test_threads.c — calls from OS threads that are not goroutines.
 *
 * A plain pthread, or main() before or without goc_main, may start
 * goroutines and wait for them: a blocking call blocks the thread while
 * the goroutines run (the runtime starts itself on first use).
 */
#include "helpers.h"

enum { N = 1000 };

struct job {
	goc_wg done;
	_Atomic long sum;
};

static void add_one(void *arg)
{
	struct job *j = arg;
	atomic_fetch_add(&j->sum, 1);
	goc_wg_done(&j->done);
}

/* Start n goroutines from the calling thread and wait for all of them. */
static void run_job(struct job *j, long n)
{
	goc_wg_add(&j->done, n);
	for (long i = 0; i < n; i++)
		spawn(add_one, j);
	goc_wg_wait(&j->done);
	expect_eq(atomic_load(&j->sum), n);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	expect_eq(goc_id(), 0);
	run_job(j, N);
	return NULL;
}

static int plain_thread_starts_goroutines_and_waits_for_them(void)
{
	struct job j = {0};
	thread_join(thread_start(job_thread, &j));
	return 0;
}

static int many_plain_threads_start_and_wait_at_once(void)
{
	enum { THREADS = 8 };
	struct job jobs[THREADS] = {0};
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = thread_start(job_thread, &jobs[i]);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	return 0;
}

static int main_without_goc_main_starts_goroutines_and_waits(void)
{
	struct job j = {0};
	expect_eq(goc_id(), 0);
	run_job(&j, SCALED(100000));
	return 0;
}

static int main_for_after_wait(int argc, char **argv)
{
	(void)argc, (void)argv;
	expect_eq(goc_id(), 1);
	struct job j = {0};
	run_job(&j, N);
	return 0;
}

static int main_waits_before_goc_main_then_calls_it(void)
{
	struct job j = {0};
	run_job(&j, N);
	static char *argv[] = {"after_wait", NULL};
	return goc_main(main_for_after_wait, 1, argv);
}

/* A goroutine waits on a wg that a plain thread completes. */
static goc_wg from_thread;
static _Atomic bool thread_did_work;

static void *work_then_done(void *arg)
{
	(void)arg;
	usleep(20000);
	atomic_store(&thread_did_work, true);
	goc_wg_done(&from_thread);
	return NULL;
}

static int goroutine_waits_for_a_plain_thread(void)
{
	goc_wg_add(&from_thread, 1);
	pthread_t t = thread_start(work_then_done, NULL);
	goc_wg_wait(&from_thread);
	expect(atomic_load(&thread_did_work),
	       "goc_wg_wait returned before the thread's done");
	thread_join(t);
	return 0;
}

/* A blocked thread does not hold up the goroutines. */
static goc_wg gate, passed;

static void *wait_at_gate(void *arg)
{
	(void)arg;
	goc_wg_wait(&gate);
	goc_wg_done(&passed);
	return NULL;
}

static void open_gate_later(void *arg)
{
	(void)arg;
	goc_sleep(ms(20));
	goc_wg_done(&gate);
}

static int threads_blocked_in_wg_wait_are_released_by_a_goroutine(void)
{
	enum { THREADS = 4 };
	goc_wg_add(&gate, 1);
	goc_wg_add(&passed, THREADS);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = thread_start(wait_at_gate, NULL);
	struct job j = {0};
	run_job(&j, N); /* goroutines run while the threads are blocked */
	spawn(open_gate_later, NULL);
	goc_wg_wait(&passed);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	return 0;
}

/* goc_sleep on a thread sleeps the thread. */
static void *sleep_on_thread(void *arg)
{
	int64_t start = goc_now();
	goc_sleep(ms(30));
	*(int64_t *)arg = goc_now() - start;
	return NULL;
}

static int sleep_on_a_plain_thread_lasts_at_least_the_duration(void)
{
	int64_t slept = 0;
	thread_join(thread_start(sleep_on_thread, &slept));
	expect_ge(slept, ms(30));
	return 0;
}

static int sleep_before_goc_main_lasts_at_least_the_duration(void)
{
	int64_t slept = 0;
	sleep_on_thread(&slept);
	expect_ge(slept, ms(30));
	return 0;
}

static int wg_wait_with_zero_counter_on_a_plain_thread_returns(void)
{
	goc_wg wg = {0};
	goc_wg_wait(&wg);
	return 0;
}

static const struct test_case cases[] = {
	CASE(plain_thread_starts_goroutines_and_waits_for_them),
	CASE(many_plain_threads_start_and_wait_at_once),
	PLAIN_CASE(main_without_goc_main_starts_goroutines_and_waits),
	PLAIN_CASE(main_waits_before_goc_main_then_calls_it),
	CASE(goroutine_waits_for_a_plain_thread),
	CASE(threads_blocked_in_wg_wait_are_released_by_a_goroutine),
	CASE(sleep_on_a_plain_thread_lasts_at_least_the_duration),
	PLAIN_CASE(sleep_before_goc_main_lasts_at_least_the_duration),
	PLAIN_CASE(wg_wait_with_zero_counter_on_a_plain_thread_returns),
};

TEST_MAIN(cases)
