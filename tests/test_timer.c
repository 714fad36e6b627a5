/*
 * test_timer.c — one-shot timers: goc_timer_make, goc_timer_chan,
 * goc_timer_stop, goc_timer_reset, goc_timer_free (Go 1.23's time.Timer).
 *
 * A timer fires once, at least ns after it was made (or last reset), and
 * delivers the goc_now() of its firing, an int64_t, on its channel. stop
 * returns true if it stopped a firing that had not been received (Go
 * 1.23: a value that fired but was not received yet counts as pending, it
 * is dropped), false if the value was received or the timer was stopped
 * already. Once stop or reset returns, no value from before it is ever
 * received. reset re-arms. free stops the timer first. stop, reset, free
 * and chan accept NULL and do nothing (stop returns false, chan NULL).
 *
 * Timing: only "at least" bounds are exact; upper bounds are generous
 * (seconds), since the machine may be busy. Races between stop/reset and
 * the firing are in test_timer_races.c.
 */
#include "helpers.h"

/* ---- firing ---- */

static int timer_fires_once_after_at_least_its_duration(void)
{
	int64_t start = goc_now();
	goc_timer *t = must(goc_timer_make(ms(20)));
	goc_chan *c = goc_timer_chan(t);
	expect(c != NULL, "a timer has no channel");
	expect(goc_timer_chan(t) == c, "the timer's channel changed");
	int64_t v = recv_tick(c, PATIENCE);
	int64_t now = goc_now();
	expect(now - start >= ms(20), "the value came after %.3f ms",
	       (double)(now - start) / GOC_MILLISECOND);
	/* The value is goc_now() when it fired. */
	expect_ge(v, start + ms(20));
	expect_le(v, now);
	expect_no_tick(c, ms(50)); /* once */
	goc_timer_free(t);
	return 0;
}

static int timer_of_zero_or_negative_duration_fires_at_once(void)
{
	const int64_t durations[] = {0, -1, -GOC_SECOND, INT64_MIN};
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		int64_t start = goc_now();
		goc_timer *t = must(goc_timer_make(durations[i]));
		int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
		expect_ge(v, start);
		expect_no_tick(goc_timer_chan(t), ms(10));
		goc_timer_free(t);
	}
	return 0;
}

static int timer_of_the_longest_duration_does_not_fire(void)
{
	goc_timer *t = must(goc_timer_make(INT64_MAX)); /* no overflow */
	expect_no_tick(goc_timer_chan(t), ms(50));
	expect(goc_timer_stop(t), "stop of a pending timer returned false");
	goc_timer_free(t);
	return 0;
}

static int timers_of_different_durations_each_fire_once_after_theirs(void)
{
	enum { N = 20 };
	goc_timer *t[N];
	int64_t start = goc_now();
	for (int i = 0; i < N; i++) /* made in a scrambled order */
		t[i] = must(goc_timer_make(ms((i * 7) % N)));
	for (int i = 0; i < N; i++) {
		int64_t v = recv_tick(goc_timer_chan(t[i]), PATIENCE);
		expect(v >= start + ms((i * 7) % N),
		       "timer %d (%d ms) fired after %.3f ms", i, (i * 7) % N,
		       (double)(v - start) / GOC_MILLISECOND);
	}
	for (int i = 0; i < N; i++) {
		expect_eq(goc_chan_try_recv(goc_timer_chan(t[i]), NULL),
		          GOC_WOULDBLOCK);
		goc_timer_free(t[i]);
	}
	return 0;
}

static int timer_chan_works_in_a_select_as_a_timeout(void)
{
	goc_chan *never = goc_chan_make(sizeof(int), 0);
	int64_t start = goc_now();
	goc_timer *t = must(goc_timer_make(ms(20)));
	int64_t v = 0;
	int x = 0;
	goc_case cases[] = {GOC_CASE_RECV(never, &x),
	                    GOC_CASE_RECV(goc_timer_chan(t), &v)};
	expect_eq(goc_select(cases, 2), 1);
	expect_eq(cases[1].status, GOC_OK);
	expect_ge(v, start + ms(20));
	goc_timer_free(t);
	goc_chan_release(never);
	return 0;
}

/* A goroutine other than the maker receives the value. */
static _Atomic int64_t received;
static goc_wg receiver_done;

static void receive_tick(void *arg)
{
	atomic_store(&received, recv_tick(goc_timer_chan(arg), PATIENCE));
	goc_wg_done(&receiver_done);
}

static int another_goroutine_receives_the_value(void)
{
	int64_t start = goc_now();
	goc_timer *t = must(goc_timer_make(ms(10)));
	goc_wg_add(&receiver_done, 1);
	spawn(receive_tick, t);
	goc_wg_wait(&receiver_done);
	expect_ge(atomic_load(&received), start + ms(10));
	goc_timer_free(t);
	return 0;
}

/* ---- stop ---- */

static int stop_before_firing_returns_true_and_nothing_arrives(void)
{
	goc_timer *t = must(goc_timer_make(ms(50)));
	expect(goc_timer_stop(t), "stop of a pending timer returned false");
	expect_no_tick(goc_timer_chan(t), ms(150));
	expect(!goc_timer_stop(t), "a second stop returned true");
	goc_timer_free(t);
	return 0;
}

static int stop_after_the_value_was_received_returns_false(void)
{
	goc_timer *t = must(goc_timer_make(ms(5)));
	recv_tick(goc_timer_chan(t), PATIENCE);
	expect(!goc_timer_stop(t), "stop after the value was received returned true");
	expect_no_tick(goc_timer_chan(t), ms(20));
	goc_timer_free(t);
	return 0;
}

static int stop_after_firing_but_before_receiving_drops_the_value(void)
{
	goc_timer *t = must(goc_timer_make(ms(1)));
	goc_sleep(ms(30));
	eventually(goc_chan_len(goc_timer_chan(t)) == 1, 5); /* it has fired */
	/* Go 1.23: the value was never received, so the firing counts as
	 * pending: stop returns true, and the value is gone. */
	expect(goc_timer_stop(t), "stop of a fired, unreceived timer returned false");
	expect_eq(goc_chan_len(goc_timer_chan(t)), 0);
	expect_no_tick(goc_timer_chan(t), ms(50));
	expect(!goc_timer_stop(t), "a second stop returned true");
	goc_timer_free(t);
	return 0;
}

/* ---- reset ---- */

static int reset_rearms_a_timer_that_fired(void)
{
	goc_timer *t = must(goc_timer_make(ms(5)));
	recv_tick(goc_timer_chan(t), PATIENCE);
	for (int i = 0; i < 3; i++) {
		int64_t r = goc_now();
		goc_timer_reset(t, ms(10));
		expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), r + ms(10));
		expect_no_tick(goc_timer_chan(t), ms(20));
	}
	goc_timer_free(t);
	return 0;
}

static int reset_of_a_pending_timer_postpones_it(void)
{
	goc_timer *t = must(goc_timer_make(ms(30)));
	int64_t r = goc_now();
	goc_timer_reset(t, ms(150));
	int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
	expect(v >= r + ms(150), "it fired %.3f ms after the reset (want >= 150)",
	       (double)(v - r) / GOC_MILLISECOND);
	expect_no_tick(goc_timer_chan(t), ms(50));
	goc_timer_free(t);
	return 0;
}

static int reset_of_a_pending_timer_can_bring_it_forward(void)
{
	goc_timer *t = must(goc_timer_make(3600 * GOC_SECOND));
	int64_t r = goc_now();
	goc_timer_reset(t, ms(10));
	expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), r + ms(10));
	goc_timer_free(t);
	return 0;
}

static int reset_after_firing_but_before_receiving_drops_the_stale_value(void)
{
	int64_t start = goc_now();
	goc_timer *t = must(goc_timer_make(ms(1)));
	goc_sleep(ms(20));
	eventually(goc_chan_len(goc_timer_chan(t)) == 1, 5); /* fired */
	int64_t r = goc_now();
	goc_timer_reset(t, ms(50));
	int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
	expect(v >= r + ms(50),
	       "received a value from %.3f ms after the start, "
	       "the reset was at %.3f ms",
	       (double)(v - start) / GOC_MILLISECOND,
	       (double)(r - start) / GOC_MILLISECOND);
	expect_no_tick(goc_timer_chan(t), ms(30));
	goc_timer_free(t);
	return 0;
}

static int reset_after_stop_rearms(void)
{
	goc_timer *t = must(goc_timer_make(ms(10)));
	expect(goc_timer_stop(t), "stop of a pending timer returned false");
	int64_t r = goc_now();
	goc_timer_reset(t, ms(10));
	expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), r + ms(10));
	expect(!goc_timer_stop(t), "stop after receiving returned true");
	goc_timer_free(t);
	return 0;
}

/* A receiver that waits across several resets gets the value of the
 * last one only. */
static int receiver_waiting_across_resets_gets_only_the_last_firing(void)
{
	goc_timer *t = must(goc_timer_make(ms(200)));
	goc_wg_add(&receiver_done, 1);
	spawn(receive_tick, t);
	int64_t r = 0;
	for (int i = 0; i < 10; i++) {
		goc_sleep(ms(5));
		r = goc_now();
		goc_timer_reset(t, ms(200));
	}
	goc_wg_wait(&receiver_done);
	int64_t v = atomic_load(&received);
	expect(v >= r + ms(200),
	       "the receiver got a value %.3f ms after the last "
	       "reset (want >= 200)",
	       (double)(v - r) / GOC_MILLISECOND);
	expect_no_tick(goc_timer_chan(t), ms(40));
	goc_timer_free(t);
	return 0;
}

/* ---- free ---- */

/* After free, the timer must not fire into freed memory (a sanitizer
 * build reports it; a plain one may crash). */
static int free_of_a_pending_timer_stops_it(void)
{
	enum { N = 100 };
	goc_timer *t[N];
	for (int i = 0; i < N; i++)
		t[i] = must(goc_timer_make(ms(i % 10)));
	for (int i = 0; i < N; i++)
		goc_timer_free(t[i]);
	goc_sleep(ms(40));
	return 0;
}

static int free_of_a_fired_unreceived_timer_is_fine(void)
{
	goc_timer *t = must(goc_timer_make(0));
	eventually(goc_chan_len(goc_timer_chan(t)) == 1, 5);
	goc_timer_free(t);
	return 0;
}

static int free_of_a_stopped_timer_is_fine(void)
{
	goc_timer *t = must(goc_timer_make(ms(5)));
	goc_timer_stop(t);
	goc_timer_free(t);
	return 0;
}

/* ---- NULL ---- */

/* free and chan accept NULL as C's free does; stop and reset of a nil
 * timer panic, as Go's methods on a nil *Timer do. */
static int free_and_chan_of_null_do_nothing(void)
{
	expect(goc_timer_chan(NULL) == NULL, "goc_timer_chan(NULL) is not NULL");
	goc_timer_free(NULL);
	return 0;
}

static int stop_of_null_panics(void)
{
	goc_timer_stop(NULL);
	fail("goc_timer_stop(NULL) returned");
}

static int reset_of_null_panics(void)
{
	goc_timer_reset(NULL, ms(1));
	fail("goc_timer_reset(NULL) returned");
}

/* ---- use after free ---- */

/* Using a freed timer is undefined; while its memory still holds the
 * timer's mark, goc panics naming it instead of spinning on a freed
 * lock (no other allocation happens in between here). */
static goc_timer *freed_timer(void)
{
	if (TEST_SANITIZED)
		skip("the sanitizer reports the use after free itself");
	goc_timer *t = goc_timer_make(GOC_SECOND);
	expect(t != NULL, "goc_timer_make failed");
	goc_timer_free(t);
	return t;
}

static int stop_of_a_freed_timer_panics(void)
{
	goc_timer_stop(freed_timer());
	fail("goc_timer_stop of a freed timer returned");
}

static int reset_of_a_freed_timer_panics(void)
{
	goc_timer_reset(freed_timer(), ms(1));
	fail("goc_timer_reset of a freed timer returned");
}

static int second_free_of_a_timer_panics(void)
{
	goc_timer_free(freed_timer());
	fail("a second goc_timer_free returned");
}

static const struct test_case cases[] = {
	CASE(timer_fires_once_after_at_least_its_duration),
	CASE(timer_of_zero_or_negative_duration_fires_at_once),
	CASE(timer_of_the_longest_duration_does_not_fire),
	CASE(timers_of_different_durations_each_fire_once_after_theirs),
	CASE(timer_chan_works_in_a_select_as_a_timeout),
	CASE(another_goroutine_receives_the_value),
	CASE(stop_before_firing_returns_true_and_nothing_arrives),
	CASE(stop_after_the_value_was_received_returns_false),
	CASE(stop_after_firing_but_before_receiving_drops_the_value),
	CASE(reset_rearms_a_timer_that_fired),
	CASE(reset_of_a_pending_timer_postpones_it),
	CASE(reset_of_a_pending_timer_can_bring_it_forward),
	CASE(reset_after_firing_but_before_receiving_drops_the_stale_value),
	CASE(reset_after_stop_rearms),
	CASE(receiver_waiting_across_resets_gets_only_the_last_firing),
	CASE(free_of_a_pending_timer_stops_it),
	CASE(free_of_a_fired_unreceived_timer_is_fine),
	CASE(free_of_a_stopped_timer_is_fine),
	CASE(free_and_chan_of_null_do_nothing),
	EXPECT_EXIT(stop_of_a_freed_timer_panics, 2,
                    "panic: goc_timer_stop of freed timer 0x"),
	EXPECT_EXIT(reset_of_a_freed_timer_panics, 2,
                    "panic: goc_timer_reset of freed timer 0x"),
	EXPECT_EXIT(second_free_of_a_timer_panics, 2,
                    "panic: goc_timer_free of freed timer 0x"),
	EXPECT_EXIT(stop_of_null_panics, 2, "panic: goc_timer_stop of a nil timer"),
	EXPECT_EXIT(reset_of_null_panics, 2, "panic: goc_timer_reset of a nil timer"),
};

TEST_MAIN(cases)
