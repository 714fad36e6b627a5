/*
 * test_select_fairness.c — among ready cases, goc_select chooses one
 * uniformly at random (Go's rule).
 *
 * Measured over tens of thousands of selects whose cases stay ready: the
 * counts must pass Pearson's chi-square test at p = 1e-6 (a fair select
 * fails it once in a million runs) and each be within a tolerant band
 * around the mean. The counts are not scaled down in sanitizer builds:
 * fewer selects would make the test weaker, and a select that finds a
 * ready case is cheap.
 */
#include "helpers.h"

enum { SELECTS = 40000 };

/* n buffered channels of capacity 1, each holding a value: every receive
 * case is ready, and refilling the chosen one keeps it so. */
static void count_ready_receives(goc_chan **c, goc_case *cs, int n, long *counts,
                                 long selects)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		if (c[i])
			expect_status(goc_chan_try_send(c[i], &i), GOC_OK);
	for (long k = 0; k < selects; k++) {
		int i = goc_select(cs, (size_t)n);
		expect(i >= 0 && i < n && cs[i].ch, "goc_select chose case %d", i);
		expect_status(cs[i].status, GOC_OK);
		counts[i]++;
		expect_status(goc_chan_try_send(cs[i].ch, &v), GOC_OK);
	}
}

static int four_ready_receive_cases_are_chosen_uniformly(void)
{
	goc_chan *c[4];
	goc_case cs[4];
	int v;
	for (int i = 0; i < 4; i++) {
		c[i] = make_chan(sizeof(int), 1);
		cs[i] = GOC_CASE_RECV(c[i], &v);
	}
	long counts[4] = {0};
	count_ready_receives(c, cs, 4, counts, SELECTS);
	expect_uniform(counts, 4, chi2_crit_1e6(3), 0.10);
	for (int i = 0; i < 4; i++)
		goc_chan_release(c[i]);
	return 0;
}

static int four_ready_send_cases_are_chosen_uniformly(void)
{
	goc_chan *c[4];
	goc_case cs[4];
	int v = 1;
	for (int i = 0; i < 4; i++) {
		c[i] = make_chan(sizeof(int), 1); /* empty: a send is ready */
		cs[i] = GOC_CASE_SEND(c[i], &v);
	}
	long counts[4] = {0};
	for (long k = 0; k < SELECTS; k++) {
		int i = goc_select(cs, 4);
		expect(i >= 0 && i < 4, "goc_select chose case %d", i);
		counts[i]++;
		expect_status(goc_chan_try_recv(c[i], NULL), GOC_OK); /* empty again */
	}
	expect_uniform(counts, 4, chi2_crit_1e6(3), 0.10);
	for (int i = 0; i < 4; i++)
		goc_chan_release(c[i]);
	return 0;
}

static int ready_sends_and_receives_mixed_are_chosen_uniformly(void)
{
	goc_chan *c[4];
	goc_case cs[4];
	int in, out = 1;
	for (int i = 0; i < 4; i++)
		c[i] = make_chan(sizeof(int), 1);
	/* 0 and 1: receives on full channels; 2 and 3: sends on empty ones */
	for (int i = 0; i < 2; i++) {
		goc_chan_send(c[i], &out);
		cs[i] = GOC_CASE_RECV(c[i], &in);
		cs[i + 2] = GOC_CASE_SEND(c[i + 2], &out);
	}
	long counts[4] = {0};
	for (long k = 0; k < SELECTS; k++) {
		int i = goc_select(cs, 4);
		expect(i >= 0 && i < 4, "goc_select chose case %d", i);
		counts[i]++;
		if (i < 2) /* make it ready again */
			expect_status(goc_chan_try_send(c[i], &out), GOC_OK);
		else
			expect_status(goc_chan_try_recv(c[i], NULL), GOC_OK);
	}
	expect_uniform(counts, 4, chi2_crit_1e6(3), 0.10);
	for (int i = 0; i < 4; i++)
		goc_chan_release(c[i]);
	return 0;
}

static int only_ready_cases_are_chosen_and_uniformly(void)
{
	/* 8 cases: 1, 3, 4 and 5 ready; 0 and 7 on empty channels; 2 and 6 nil */
	enum { N = 8 };
	static const int ready[4] = {1, 3, 4, 5};
	goc_chan *c[N] = {0};
	goc_case cs[N];
	int v = 0;
	for (int i = 0; i < N; i++) {
		if (i != 2 && i != 6)
			c[i] = make_chan(sizeof(int), 1);
		cs[i] = GOC_CASE_RECV(c[i], &v);
	}
	for (int k = 0; k < 4; k++)
		expect_status(goc_chan_try_send(c[ready[k]], &v), GOC_OK);
	long counts[N] = {0};
	for (long k = 0; k < SELECTS; k++) {
		int i = goc_select(cs, N);
		expect(i == 1 || i == 3 || i == 4 || i == 5,
		       "goc_select chose case %d, which was not ready", i);
		counts[i]++;
		expect_status(goc_chan_try_send(c[i], &v), GOC_OK);
	}
	long ready_counts[4];
	for (int k = 0; k < 4; k++)
		ready_counts[k] = counts[ready[k]];
	expect_uniform(ready_counts, 4, chi2_crit_1e6(3), 0.10);
	for (int i = 0; i < N; i++)
		goc_chan_release(c[i]);
	return 0;
}

static int twenty_ready_cases_beyond_the_stack_are_chosen_uniformly(void)
{
	enum { N = 20 };
	_Static_assert(N > GOC_SELECT_STACK_CASES, "N must exceed the stack cases");
	goc_chan *c[N];
	goc_case cs[N];
	int v;
	for (int i = 0; i < N; i++) {
		c[i] = make_chan(sizeof(int), 1);
		cs[i] = GOC_CASE_RECV(c[i], &v);
	}
	long counts[N] = {0};
	count_ready_receives(c, cs, N, counts, 2 * SELECTS);
	expect_uniform(counts, N, chi2_crit_1e6(N - 1), 0.20);
	for (int i = 0; i < N; i++)
		goc_chan_release(c[i]);
	return 0;
}

static int the_same_channel_in_two_cases_is_chosen_by_either_evenly(void)
{
	goc_chan *c = make_chan(sizeof(int), 1);
	int v = 0;
	goc_case cs[] = {GOC_CASE_RECV(c, &v), GOC_CASE_RECV(c, &v)};
	long counts[2] = {0};
	for (long k = 0; k < SELECTS; k++) {
		expect_status(goc_chan_try_send(c, &v), GOC_OK);
		int i = goc_select(cs, 2);
		expect(i == 0 || i == 1, "goc_select chose case %d", i);
		counts[i]++;
	}
	expect_uniform(counts, 2, chi2_crit_1e6(1), 0.05);
	goc_chan_release(c);
	return 0;
}

static int select_try_chooses_uniformly_too(void)
{
	goc_chan *c[4];
	goc_case cs[4];
	int v = 0;
	for (int i = 0; i < 4; i++) {
		c[i] = make_chan(sizeof(int), 1);
		cs[i] = GOC_CASE_RECV(c[i], &v);
		goc_chan_send(c[i], &v);
	}
	long counts[4] = {0};
	for (long k = 0; k < SELECTS; k++) {
		int i = goc_select_try(cs, 4);
		expect(i >= 0 && i < 4, "goc_select_try chose case %d", i);
		counts[i]++;
		expect_status(goc_chan_try_send(c[i], &v), GOC_OK);
	}
	expect_uniform(counts, 4, chi2_crit_1e6(3), 0.10);
	for (int i = 0; i < 4; i++)
		goc_chan_release(c[i]);
	return 0;
}

/* Two unbuffered channels, each fed by a goroutine that sends again as
 * soon as its last value was taken: a select over both must take from
 * both. A case is ready only when its feeder has run again, so this is
 * about neither feeder being starved of running (a goroutine pushed out
 * of runnext by a hand-off chain), not about an even split: on a busy
 * machine the shares are uneven, but neither may drop near zero. */
struct feeder {
	goc_chan *c;
	int id;
};

static void feed_forever(void *arg)
{
	struct feeder *f = arg;
	for (;;)
		goc_chan_send(f->c, &f->id);
}

static int senders_waiting_on_two_channels_are_both_served(void)
{
	static struct feeder f[2];
	for (int i = 0; i < 2; i++) {
		f[i] = (struct feeder){make_chan(sizeof(int), 0), i};
		spawn(feed_forever, &f[i]);
	}
	int v = -1;
	goc_case cs[] = {GOC_CASE_RECV(f[0].c, &v), GOC_CASE_RECV(f[1].c, &v)};
	/* wait until both senders wait, then count */
	for (int i = 0; i < 2; i++)
		eventually(goc_chan_try_recv(f[i].c, NULL) == GOC_OK, 10);
	long counts[2] = {0};
	long selects = 0;
	/* A count and a time: a feeder whose thread the host deschedules for
	 * a few milliseconds (qemu, a loaded machine) misses a short run
	 * without being starved by goc; starvation lasts. */
	int64_t until = goc_now() + 200 * GOC_MILLISECOND;
	while (selects < SCALED(20000) || goc_now() < until) {
		int i = goc_select(cs, 2);
		expect(i == 0 || i == 1, "goc_select chose case %d", i);
		expect_eq(v, i);
		counts[i]++;
		selects++;
	}
	for (int i = 0; i < 2; i++)
		expect(counts[i] >= selects / 100,
		       "case %d was chosen %ld times of %ld (its feeder starved)", i,
		       counts[i], selects);
	return 0; /* the feeders block forever; the process ends */
}

static const struct test_case cases[] = {
	CASE(four_ready_receive_cases_are_chosen_uniformly),
	CASE(four_ready_send_cases_are_chosen_uniformly),
	CASE(ready_sends_and_receives_mixed_are_chosen_uniformly),
	CASE(only_ready_cases_are_chosen_and_uniformly),
	CASE(twenty_ready_cases_beyond_the_stack_are_chosen_uniformly),
	CASE(the_same_channel_in_two_cases_is_chosen_by_either_evenly),
	CASE(select_try_chooses_uniformly_too),
	CASE(senders_waiting_on_two_channels_are_both_served),
};

TEST_MAIN(cases)
