/*
 * test_after_func.c — goc_after_func (Go's time.AfterFunc).
 *
 * fn(arg) runs in a goroutine of its own (not the caller's, not the
 * timer machinery's: it may block) at least ns after the call. The timer
 * has no channel (goc_timer_chan: NULL). stop before it fires returns
 * true and fn never runs; stop after it fired returns false (fn has been
 * started). reset re-arms it: fn runs again. free stops it first. fn may
 * stop, reset or free its own timer.
 */
#include "helpers.h"

struct call {
	_Atomic int runs;
	_Atomic int64_t id;
	_Atomic int64_t at;
	goc_wg ran; /* Done by every run */
};

static void record(void *arg)
{
	struct call *c = arg;
	atomic_store(&c->id, goc_id());
	atomic_store(&c->at, goc_now());
	atomic_fetch_add(&c->runs, 1);
	goc_wg_done(&c->ran);
}

static int fn_runs_in_its_own_goroutine_after_at_least_ns(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	int64_t start = goc_now();
	goc_timer *t = must(goc_after_func(ms(20), record, &c));
	goc_wg_wait(&c.ran);
	expect_ge(atomic_load(&c.at), start + ms(20));
	expect_ne(atomic_load(&c.id), 0);
	expect_ne(atomic_load(&c.id), goc_id());
	goc_sleep(ms(30));
	expect_eq(atomic_load(&c.runs), 1);
	goc_timer_free(t);
	return 0;
}

static int after_func_timer_has_no_channel(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(ms(1), record, &c));
	expect(goc_timer_chan(t) == NULL, "an after_func timer has a channel");
	goc_wg_wait(&c.ran);
	expect(goc_timer_chan(t) == NULL, "an after_func timer has a channel");
	goc_timer_free(t);
	return 0;
}

static int each_run_is_a_new_goroutine(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(0, record, &c));
	goc_wg_wait(&c.ran);
	int64_t first = atomic_load(&c.id);
	goc_wg_add(&c.ran, 1);
	goc_timer_reset(t, 0);
	goc_wg_wait(&c.ran);
	expect_ne(atomic_load(&c.id), first);
	expect_ne(atomic_load(&c.id), 0);
	goc_timer_free(t);
	return 0;
}

/* fn may block for long: the other timers go on firing meanwhile. */
static goc_chan *unblock;

static void block_until_told(void *arg)
{
	goc_chan_recv(unblock, NULL);
	record(arg);
}

static int fn_may_block_without_delaying_other_timers(void)
{
	static struct call blocked, other;
	unblock = goc_chan_make(0, 0);
	goc_wg_add(&blocked.ran, 1);
	goc_wg_add(&other.ran, 1);
	goc_timer *t1 = must(goc_after_func(ms(1), block_until_told, &blocked));
	goc_timer *t2 = must(goc_after_func(ms(20), record, &other));
	goc_timer *t3 = must(goc_timer_make(ms(30)));
	goc_wg_wait(&other.ran);
	recv_tick(goc_timer_chan(t3), PATIENCE);
	expect_eq(atomic_load(&blocked.runs), 0);
	goc_chan_send(unblock, NULL);
	goc_wg_wait(&blocked.ran);
	goc_timer_free(t1);
	goc_timer_free(t2);
	goc_timer_free(t3);
	goc_chan_release(unblock);
	return 0;
}

static int many_after_funcs_each_run_once(void)
{
	static struct call c;
	long n = SCALED(20000);
	goc_timer **t = calloc((size_t)n, sizeof *t);
	expect(t != NULL, "calloc failed");
	goc_wg_add(&c.ran, n);
	for (long i = 0; i < n; i++)
		t[i] = must(goc_after_func((i % 50) * GOC_MILLISECOND, record, &c));
	goc_wg_wait(&c.ran);
	goc_sleep(ms(20));
	expect_eq(atomic_load(&c.runs), n);
	for (long i = 0; i < n; i++)
		goc_timer_free(t[i]);
	free(t);
	return 0;
}

/* ---- stop ---- */

static int stop_before_it_fires_returns_true_and_fn_never_runs(void)
{
	static struct call c;
	goc_timer *t = must(goc_after_func(ms(30), record, &c));
	expect(goc_timer_stop(t), "stop of a pending after_func returned false");
	goc_sleep(ms(100));
	expect_eq(atomic_load(&c.runs), 0);
	expect(!goc_timer_stop(t), "a second stop returned true");
	goc_timer_free(t);
	return 0;
}

static int stop_after_fn_ran_returns_false(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(ms(1), record, &c));
	goc_wg_wait(&c.ran);
	expect(!goc_timer_stop(t), "stop after fn ran returned true");
	goc_timer_free(t);
	return 0;
}

/* ---- reset ---- */

static int reset_after_it_ran_runs_fn_again(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(ms(5), record, &c));
	goc_wg_wait(&c.ran);
	goc_wg_add(&c.ran, 1);
	int64_t r = goc_now();
	goc_timer_reset(t, ms(10));
	goc_wg_wait(&c.ran);
	expect_eq(atomic_load(&c.runs), 2);
	expect_ge(atomic_load(&c.at), r + ms(10));
	goc_sleep(ms(30));
	expect_eq(atomic_load(&c.runs), 2);
	goc_timer_free(t);
	return 0;
}

static int reset_before_it_fires_postpones_it(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(ms(20), record, &c));
	int64_t r = goc_now();
	goc_timer_reset(t, ms(100));
	goc_wg_wait(&c.ran);
	expect_ge(atomic_load(&c.at), r + ms(100));
	goc_sleep(ms(50));
	expect_eq(atomic_load(&c.runs), 1);
	goc_timer_free(t);
	return 0;
}

static int reset_after_stop_rearms_it(void)
{
	static struct call c;
	goc_wg_add(&c.ran, 1);
	goc_timer *t = must(goc_after_func(ms(10), record, &c));
	expect(goc_timer_stop(t), "stop of a pending after_func returned false");
	goc_sleep(ms(30));
	expect_eq(atomic_load(&c.runs), 0);
	goc_timer_reset(t, ms(10));
	goc_wg_wait(&c.ran);
	expect_eq(atomic_load(&c.runs), 1);
	goc_timer_free(t);
	return 0;
}

/* ---- free ---- */

static int free_of_a_pending_after_func_stops_it(void)
{
	static struct call c;
	goc_timer *t = must(goc_after_func(ms(20), record, &c));
	goc_timer_free(t);
	goc_sleep(ms(80));
	expect_eq(atomic_load(&c.runs), 0);
	return 0;
}

/* ---- fn and its own timer ---- */

struct self {
	goc_timer *_Atomic t;
	_Atomic int runs;
	goc_wg done;
};

static void rearm_self_three_times(void *arg)
{
	struct self *s = arg;
	goc_timer *t;
	while (!(t = atomic_load(&s->t))) /* the creator stores it */
		goc_yield();
	if (atomic_fetch_add(&s->runs, 1) + 1 < 3)
		goc_timer_reset(t, ms(2));
	else
		goc_wg_done(&s->done);
}

static int fn_may_reset_its_own_timer(void)
{
	static struct self s;
	goc_wg_add(&s.done, 1);
	atomic_store(&s.t, must(goc_after_func(ms(1), rearm_self_three_times, &s)));
	goc_wg_wait(&s.done);
	goc_sleep(ms(20));
	expect_eq(atomic_load(&s.runs), 3);
	goc_timer_free(atomic_load(&s.t));
	return 0;
}

static void free_self(void *arg)
{
	struct self *s = arg;
	goc_timer *t;
	while (!(t = atomic_load(&s->t)))
		goc_yield();
	expect(!goc_timer_stop(t), "stop from within fn returned true");
	goc_timer_free(t);
	atomic_fetch_add(&s->runs, 1);
	goc_wg_done(&s->done);
}

static int fn_may_free_its_own_timer(void)
{
	long n = SCALED(1000);
	struct self *s = calloc((size_t)n, sizeof *s);
	expect(s != NULL, "calloc failed");
	for (long i = 0; i < n; i++) {
		goc_wg_add(&s[i].done, 1);
		atomic_store(&s[i].t, must(goc_after_func(i % 3, free_self, &s[i])));
	}
	for (long i = 0; i < n; i++) {
		goc_wg_wait(&s[i].done);
		expect_eq(atomic_load(&s[i].runs), 1);
	}
	free(s);
	return 0;
}

static const struct test_case cases[] = {
	CASE(fn_runs_in_its_own_goroutine_after_at_least_ns),
	CASE(after_func_timer_has_no_channel),
	CASE(each_run_is_a_new_goroutine),
	CASE(fn_may_block_without_delaying_other_timers),
	CASE(many_after_funcs_each_run_once),
	CASE(stop_before_it_fires_returns_true_and_fn_never_runs),
	CASE(stop_after_fn_ran_returns_false),
	CASE(reset_after_it_ran_runs_fn_again),
	CASE(reset_before_it_fires_postpones_it),
	CASE(reset_after_stop_rearms_it),
	CASE(free_of_a_pending_after_func_stops_it),
	CASE(fn_may_reset_its_own_timer),
	CASE(fn_may_free_its_own_timer),
};

TEST_MAIN(cases)
