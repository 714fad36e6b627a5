/*
 * test_once.c — goc_once, Go's sync.Once.
 *
 * goc_once_do runs fn(arg) the first time it is called on a Once and
 * never again; callers that come while that first call runs wait until
 * it has returned, so every caller sees what fn did once do returns.
 * Each Once is independent; a zero-initialised Once is ready and may live
 * on a goroutine's stack.
 */
#include "helpers.h"

static _Atomic int runs;

static void count_run(void *arg)
{
	(void)arg;
	atomic_fetch_add(&runs, 1);
}

static int fn_runs_exactly_once(void)
{
	goc_once once = {0};
	for (int i = 0; i < 100; i++)
		goc_once_do(&once, count_run, NULL);
	expect_eq(atomic_load(&runs), 1);
	return 0;
}

static void set_to_42(void *arg) { *(int *)arg = 42; }

static int fn_gets_its_argument_and_later_calls_do_not_run_theirs(void)
{
	goc_once once = {0};
	int first = 0, second = 0;
	goc_once_do(&once, set_to_42, &first);
	goc_once_do(&once, set_to_42, &second);
	goc_once_do(&once, count_run, NULL);
	expect_eq(first, 42);
	expect_eq(second, 0);
	expect_eq(atomic_load(&runs), 0);
	return 0;
}

static int different_onces_are_independent(void)
{
	goc_once a = {0}, b = {0}, c = {0};
	goc_once_do(&a, count_run, NULL);
	goc_once_do(&b, count_run, NULL);
	goc_once_do(&a, count_run, NULL);
	goc_once_do(&b, count_run, NULL);
	expect_eq(atomic_load(&runs), 2);
	goc_once_do(&c, count_run, NULL);
	expect_eq(atomic_load(&runs), 3);
	return 0;
}

/* fn itself may use another Once. */
static goc_once outer, inner;

static void run_inner(void *arg)
{
	goc_once_do(&inner, count_run, arg);
	atomic_fetch_add(&runs, 10);
}

static int fn_may_use_another_once(void)
{
	goc_once_do(&outer, run_inner, NULL);
	goc_once_do(&outer, run_inner, NULL);
	goc_once_do(&inner, count_run, NULL);
	expect_eq(atomic_load(&runs), 11);
	return 0;
}

/* ---- concurrent callers ---- */

static goc_once slow_once;
static struct gate start;
static goc_wg callers;
static int initialised; /* plain: written by fn, read after do returns */
static _Atomic int saw_it_unset;

static void slow_init(void *arg)
{
	(void)arg;
	atomic_fetch_add(&runs, 1);
	goc_sleep(ms(30)); /* the other callers arrive meanwhile */
	initialised = 1;
}

static void call_do(void *arg)
{
	(void)arg;
	gate_wait(&start);
	goc_once_do(&slow_once, slow_init, NULL);
	if (initialised != 1)
		atomic_fetch_add(&saw_it_unset, 1);
	goc_wg_done(&callers);
}

static void *call_do_thread(void *arg)
{
	gate_wait(&start);
	goc_once_do(&slow_once, slow_init, NULL);
	if (initialised != 1)
		atomic_fetch_add(&saw_it_unset, 1);
	(void)arg;
	return NULL;
}

static void concurrent_callers(int goroutines, int threads)
{
	goc_maxprocs(2);
	gate_close(&start);
	goc_wg_add(&callers, goroutines);
	for (int i = 0; i < goroutines; i++)
		spawn(call_do, NULL);
	pthread_t t[8];
	for (int i = 0; i < threads; i++)
		t[i] = thread_start(call_do_thread, NULL);
	gate_open(&start);
	goc_wg_wait(&callers);
	for (int i = 0; i < threads; i++)
		thread_join(t[i]);
	expect_eq(atomic_load(&runs), 1);
	expect_eq(atomic_load(&saw_it_unset), 0);
}

static int concurrent_callers_all_return_after_fn_has_completed(void)
{
	concurrent_callers(1000, 0);
	return 0;
}

static int concurrent_callers_on_threads_too_return_after_fn_has_completed(void)
{
	concurrent_callers(1000, 4);
	return 0;
}

/* Many rounds, each with a fresh Once and callers racing the first call. */
struct round {
	goc_once once;
	_Atomic int runs;
	int value; /* plain */
	_Atomic int bad;
	goc_wg wg;
};

static void round_init(void *arg)
{
	struct round *r = arg;
	atomic_fetch_add(&r->runs, 1);
	r->value = 7;
}

static void round_caller(void *arg)
{
	struct round *r = arg;
	goc_once_do(&r->once, round_init, r);
	if (r->value != 7)
		atomic_fetch_add(&r->bad, 1);
	goc_wg_done(&r->wg);
}

static int racing_first_calls_run_fn_once_each_round(void)
{
	enum { CALLERS = 8 };
	goc_maxprocs(2);
	long rounds = SCALED(5000);
	for (long i = 0; i < rounds; i++) {
		struct round *r = calloc(1, sizeof *r);
		expect(r != NULL, "calloc failed");
		goc_wg_add(&r->wg, CALLERS);
		for (int k = 0; k < CALLERS; k++)
			spawn(round_caller, r);
		goc_wg_wait(&r->wg);
		expect_eq(atomic_load(&r->runs), 1);
		expect_eq(atomic_load(&r->bad), 0);
		free(r);
	}
	return 0;
}

/* ---- lifetime ---- */

struct local_once {
	goc_once *once;
	_Atomic int *runs;
	goc_wg *wg;
};

static void count_local(void *arg) { atomic_fetch_add((_Atomic int *)arg, 1); }

static void use_local_once(void *arg)
{
	struct local_once *l = arg;
	goc_once_do(l->once, count_local, l->runs);
	goc_wg_done(l->wg);
}

static void once_on_own_stack(void *arg)
{
	(void)arg;
	goc_once once = {0};
	_Atomic int local_runs = 0;
	goc_wg wg = {0};
	struct local_once l = {&once, &local_runs, &wg};
	goc_wg_add(&wg, 4);
	for (int i = 0; i < 4; i++)
		spawn(use_local_once, &l);
	goc_wg_wait(&wg);
	expect_eq(atomic_load(&local_runs), 1);
}

static int once_on_a_goroutine_stack(void)
{
	goc_maxprocs(2);
	run_goroutines(SCALED(10000), once_on_own_stack, NULL);
	return 0;
}

static const struct test_case cases[] = {
	CASE(fn_runs_exactly_once),
	CASE(fn_gets_its_argument_and_later_calls_do_not_run_theirs),
	CASE(different_onces_are_independent),
	CASE(fn_may_use_another_once),
	CASE(concurrent_callers_all_return_after_fn_has_completed),
	CASE(concurrent_callers_on_threads_too_return_after_fn_has_completed),
	CASE(racing_first_calls_run_fn_once_each_round),
	CASE(once_on_a_goroutine_stack),
};

TEST_MAIN(cases)
