/*
 * test_ticker.c — goc_ticker_make (Go 1.23's time.Ticker).
 *
 * A ticker fires every period (the k-th tick at least k periods after it
 * was made), delivering goc_now() on its channel. A slow receiver loses
 * ticks: they are never queued, at most one value waits in the channel.
 * stop of a running ticker returns true and ends the ticks (no tick from
 * before it is received after it returns); reset sets the period and
 * restarts the ticks, dropping a tick not yet received. A period <= 0
 * panics, in goc_ticker_make as in reset, as Go's NewTicker and
 * Ticker.Reset do.
 *
 * Timing: "at least" bounds are exact, upper bounds generous.
 */
#include "helpers.h"

static int ticker_fires_every_period(void)
{
	enum { TICKS = 5 };
	const int64_t period = ms(20);
	int64_t start = goc_now();
	goc_timer *t = must(goc_ticker_make(period));
	goc_chan *c = goc_timer_chan(t);
	expect(c != NULL, "a ticker has no channel");
	int64_t prev = 0;
	for (int k = 1; k <= TICKS; k++) {
		int64_t v = recv_tick(c, PATIENCE);
		expect(v >= start + k * period, "tick %d came %.3f ms after the start",
		       k, (double)(v - start) / GOC_MILLISECOND);
		expect_gt(v, prev);
		prev = v;
	}
	int64_t elapsed = goc_now() - start;
	expect(elapsed < TICKS * period + 3 * GOC_SECOND,
	       "%d ticks of %.0f ms took %.3f s", TICKS,
	       (double)period / GOC_MILLISECOND, seconds_of(elapsed));
	expect(goc_timer_stop(t), "stop of a running ticker returned false");
	goc_timer_free(t);
	return 0;
}

/* Go: panic("non-positive interval for NewTicker"). */
static int ticker_of_a_zero_period_panics(void)
{
	goc_ticker_make(0);
	fail("goc_ticker_make(0) returned");
}

static int ticker_of_a_negative_period_panics(void)
{
	goc_ticker_make(INT64_MIN);
	fail("goc_ticker_make(INT64_MIN) returned");
}

static int slow_receiver_loses_ticks_instead_of_queueing_them(void)
{
	const int64_t period = ms(10);
	goc_timer *t = must(goc_ticker_make(period));
	goc_chan *c = goc_timer_chan(t);
	for (int round = 0; round < 3; round++) {
		goc_sleep(10 * period); /* ten ticks, nobody receiving */
		expect_le(goc_chan_len(c), 1);
		eventually(goc_chan_len(c) == 1, 5); /* (a stalled machine: wait) */
		/* What is there now: one value (a tick might land between two
		 * tries), not ten. */
		int got = 0;
		while (got < 20 && goc_chan_try_recv(c, NULL) == GOC_OK)
			got++;
		expect(got >= 1 && got <= 2, "%d values were waiting after ten periods",
		       got);
	}
	/* And it goes on ticking. */
	recv_tick(c, PATIENCE);
	recv_tick(c, PATIENCE);
	goc_timer_free(t);
	return 0;
}

/* ---- stop ---- */

static int stop_of_a_running_ticker_returns_true_and_ends_the_ticks(void)
{
	const int64_t period = ms(10);
	goc_timer *t = must(goc_ticker_make(period));
	recv_tick(goc_timer_chan(t), PATIENCE);
	recv_tick(goc_timer_chan(t), PATIENCE);
	expect(goc_timer_stop(t), "stop of a running ticker returned false");
	expect_no_tick(goc_timer_chan(t), 10 * period);
	goc_timer_free(t);
	return 0;
}

static int stop_drops_a_tick_not_yet_received(void)
{
	const int64_t period = ms(5);
	goc_timer *t = must(goc_ticker_make(period));
	goc_sleep(4 * period);
	eventually(goc_chan_len(goc_timer_chan(t)) == 1, 5);
	expect(goc_timer_stop(t), "stop of a running ticker returned false");
	expect_no_tick(goc_timer_chan(t), 10 * period);
	goc_timer_free(t);
	return 0;
}

/* ---- reset ---- */

static int reset_sets_a_shorter_period(void)
{
	goc_timer *t = must(goc_ticker_make(3600 * GOC_SECOND));
	int64_t r = goc_now();
	goc_timer_reset(t, ms(20));
	for (int k = 1; k <= 5; k++) {
		int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
		expect(v >= r + k * ms(20), "tick %d came %.3f ms after the reset", k,
		       (double)(v - r) / GOC_MILLISECOND);
	}
	goc_timer_free(t);
	return 0;
}

static int reset_sets_a_longer_period(void)
{
	goc_timer *t = must(goc_ticker_make(ms(5)));
	recv_tick(goc_timer_chan(t), PATIENCE);
	int64_t r = goc_now();
	goc_timer_reset(t, ms(60));
	for (int k = 1; k <= 3; k++) {
		int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
		expect(v >= r + k * ms(60),
		       "tick %d came %.3f ms after the reset to 60 ms", k,
		       (double)(v - r) / GOC_MILLISECOND);
	}
	goc_timer_free(t);
	return 0;
}

static int reset_drops_a_tick_not_yet_received(void)
{
	goc_timer *t = must(goc_ticker_make(ms(5)));
	goc_sleep(ms(20));
	eventually(goc_chan_len(goc_timer_chan(t)) == 1, 5);
	int64_t r = goc_now();
	goc_timer_reset(t, ms(100));
	int64_t v = recv_tick(goc_timer_chan(t), PATIENCE);
	expect(v >= r + ms(100),
	       "received a tick %.3f ms after the reset (before it: stale)",
	       (double)(v - r) / GOC_MILLISECOND);
	goc_timer_free(t);
	return 0;
}

static int reset_of_a_stopped_ticker_restarts_it(void)
{
	goc_timer *t = must(goc_ticker_make(ms(10)));
	expect(goc_timer_stop(t), "stop of a running ticker returned false");
	expect_no_tick(goc_timer_chan(t), ms(30));
	int64_t r = goc_now();
	goc_timer_reset(t, ms(10));
	expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), r + ms(10));
	expect_ge(recv_tick(goc_timer_chan(t), PATIENCE), r + ms(20));
	goc_timer_free(t);
	return 0;
}

static int reset_of_a_ticker_to_zero_panics(void)
{
	goc_timer *t = must(goc_ticker_make(ms(10)));
	goc_timer_reset(t, 0);
	fail("reset of a ticker to a zero period returned");
}

/* ---- free ---- */

/* A freed ticker stops first: it never ticks into freed memory (a
 * sanitizer build reports it; a plain one may crash). */
static int free_of_a_running_ticker_stops_it(void)
{
	enum { N = 50 };
	goc_timer *t[N];
	for (int i = 0; i < N; i++)
		t[i] = must(
			goc_ticker_make(GOC_MILLISECOND + i * 10 * GOC_MICROSECOND));
	goc_sleep(ms(15));
	for (int i = 0; i < N; i++)
		goc_timer_free(t[i]);
	goc_sleep(ms(30));
	return 0;
}

static const struct test_case cases[] = {
	CASE(ticker_fires_every_period),
	EXPECT_EXIT(ticker_of_a_zero_period_panics, 2,
                    "panic: non-positive interval for goc_ticker_make"),
	EXPECT_EXIT(ticker_of_a_negative_period_panics, 2,
                    "panic: non-positive interval for goc_ticker_make"),
	CASE(slow_receiver_loses_ticks_instead_of_queueing_them),
	CASE(stop_of_a_running_ticker_returns_true_and_ends_the_ticks),
	CASE(stop_drops_a_tick_not_yet_received),
	CASE(reset_sets_a_shorter_period),
	CASE(reset_sets_a_longer_period),
	CASE(reset_drops_a_tick_not_yet_received),
	CASE(reset_of_a_stopped_ticker_restarts_it),
	EXPECT_EXIT(reset_of_a_ticker_to_zero_panics, 2,
                    "panic: non-positive interval"),
	CASE(free_of_a_running_ticker_stops_it),
};

TEST_MAIN(cases)
