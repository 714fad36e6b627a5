/*
 * test_wg.c — goc_wg, Go's sync.WaitGroup.
 *
 * Wait returns once the counter is zero (at once if it is zero already)
 * and releases every waiter; a WaitGroup is zero-initialised, may live on
 * a goroutine's stack and be reused after Wait returns. A counter below
 * zero is a panic: "panic: sync: negative WaitGroup counter [goroutine N]"
 * and exit status 2.
 */
#include "helpers.h"

/* ---- Add, Done, Wait ---- */

struct work {
	goc_wg *wg;
	_Atomic long *count;
};

static void count_then_done(void *arg)
{
	struct work *w = arg;
	goc_sleep((int64_t)(atomic_fetch_add(w->count, 1) % 3) * GOC_MILLISECOND);
	goc_wg_done(w->wg);
}

static int wait_returns_after_every_done(void)
{
	long n = SCALED(10000);
	goc_wg wg = {0};
	_Atomic long count = 0;
	struct work w = {&wg, &count};
	goc_wg_add(&wg, n);
	for (long i = 0; i < n; i++)
		spawn(count_then_done, &w);
	goc_wg_wait(&wg);
	/* Everything before each Done happened before Wait returned. */
	expect_eq(atomic_load(&count), n);
	return 0;
}

static int wait_with_zero_counter_returns_at_once(void)
{
	goc_wg wg = {0};
	int64_t start = goc_now();
	goc_wg_wait(&wg);
	goc_wg_wait(&wg);
	expect_lt(goc_now() - start, GOC_SECOND);
	return 0;
}

static int add_with_a_negative_delta_releases_waiters(void)
{
	goc_wg wg = {0};
	goc_wg_add(&wg, 5);
	goc_wg_add(&wg, -3);
	goc_wg_add(&wg, -2);
	goc_wg_wait(&wg);
	return 0;
}

/* ---- many waiters ---- */

static goc_wg gate, waiters_out;
static _Atomic int released;

static void wait_at_gate(void *arg)
{
	(void)arg;
	goc_wg_wait(&gate);
	atomic_fetch_add(&released, 1);
	goc_wg_done(&waiters_out);
}

static void *wait_at_gate_thread(void *arg)
{
	wait_at_gate(arg);
	return NULL;
}

static int every_waiter_is_released(void)
{
	enum { WAITERS = 100 };
	goc_wg_add(&gate, 1);
	goc_wg_add(&waiters_out, WAITERS + 1);
	for (int i = 0; i < WAITERS; i++)
		spawn(wait_at_gate, NULL);
	pthread_t t = thread_start(wait_at_gate_thread, NULL);
	goc_sleep(ms(20)); /* let them park */
	expect_eq(atomic_load(&released), 0);
	goc_wg_done(&gate);
	goc_wg_wait(&waiters_out);
	expect_eq(atomic_load(&released), WAITERS + 1);
	thread_join(t);
	return 0;
}

/* ---- lifetime ---- */

static _Atomic long leaves;

static void leaf(void *arg)
{
	atomic_fetch_add(&leaves, 1);
	goc_wg_done(arg);
}

/* A goroutine whose WaitGroup is a local: it goes out of scope as soon as
 * Wait returns, and the stack is reused by the next goroutine. */
static void fan_out_on_own_stack(void *arg)
{
	goc_wg *outer = arg;
	goc_wg local = {0};
	goc_wg_add(&local, 8);
	for (int i = 0; i < 8; i++)
		spawn(leaf, &local);
	goc_wg_wait(&local);
	goc_wg_done(outer);
}

static int wg_on_a_goroutine_stack(void)
{
	long n = SCALED(20000);
	goc_wg all = {0};
	goc_wg_add(&all, n);
	for (long i = 0; i < n; i++)
		spawn(fan_out_on_own_stack, &all);
	goc_wg_wait(&all);
	expect_eq(atomic_load(&leaves), 8 * n);
	return 0;
}

static int wg_is_reusable_after_wait(void)
{
	goc_wg wg = {0};
	long rounds = SCALED(2000);
	for (long r = 0; r < rounds; r++) {
		goc_wg_add(&wg, 4);
		for (int i = 0; i < 4; i++)
			spawn(leaf, &wg);
		goc_wg_wait(&wg);
		expect_eq(atomic_load(&leaves), 4 * (r + 1));
	}
	return 0;
}

/* ---- misuse ---- */

static int done_below_zero_panics_in_main(void)
{
	goc_wg wg = {0};
	expect_stderr_line("panic: sync: negative WaitGroup counter [goroutine 1]");
	goc_wg_done(&wg);
	fail("goc_wg_done on a zero counter returned");
}

static void done_below_zero(void *arg)
{
	(void)arg;
	goc_wg wg = {0};
	goc_wg_add(&wg, 2);
	goc_wg_done(&wg);
	goc_wg_done(&wg);
	printf("goroutine %lld goes below zero", (long long)goc_id());
	expect_stderr_line("panic: sync: negative WaitGroup counter [goroutine %lld]",
	                   (long long)goc_id());
	goc_wg_done(&wg);
	fail("goc_wg_done below zero returned");
}

static int done_below_zero_panics_naming_the_goroutine(void)
{
	spawn(done_below_zero, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static int add_of_a_negative_delta_below_zero_panics(void)
{
	goc_wg wg = {0};
	goc_wg_add(&wg, 3);
	expect_stderr_line("panic: sync: negative WaitGroup counter [goroutine 1]");
	goc_wg_add(&wg, -4);
	fail("goc_wg_add below zero returned");
}

static const struct test_case cases[] = {
	CASE(wait_returns_after_every_done),
	CASE(wait_with_zero_counter_returns_at_once),
	CASE(add_with_a_negative_delta_releases_waiters),
	CASE(every_waiter_is_released),
	CASE(wg_on_a_goroutine_stack),
	CASE(wg_is_reusable_after_wait),
	CASE(done_below_zero_panics_in_main, .status = 2),
	CASE(done_below_zero_panics_naming_the_goroutine, .status = 2,
             .out = "goes below zero"),
	CASE(add_of_a_negative_delta_below_zero_panics, .status = 2),
};

TEST_MAIN(cases)
