/*
 * test_chan_free_count.c — each channel is freed exactly once, whoever
 * drops its last reference and whoever was waiting on it.
 *
 * The scenario: goroutines wait in goc_select on {receive x, receive y};
 * main sends one value on x (it wakes one of them), closes y (it wakes
 * the others), then releases x and y, its only references. The woken
 * selects leave the queues of their other channel while main releases:
 * exactly one of them, or main, must free each channel, once, and nobody
 * may read a channel after that.
 *
 * This executable defines free() itself: it counts the frees of the two
 * channels of the round and holds them back until the round is over
 * (then the channels go to glibc's __libc_free, as every other pointer
 * does at once). Held back, a freed channel keeps its contents, as in a
 * sanitizer's quarantine: code that reads a channel after another
 * goroutine freed it finds it as that goroutine left it (not overwritten
 * by the allocator), and a decision taken on what it read (to free it
 * again) shows in the count. Under AddressSanitizer and ThreadSanitizer the sanitizer
 * owns malloc and free (a free of ours would bypass it, and
 * __libc_free of memory it allocated would corrupt both heaps), so there
 * the counting is left out and the sanitizer itself checks the same
 * scenarios: ASan reports a double free or a use after free, TSan a race.
 */
#include "helpers.h"

#if !TEST_SANITIZED
#define COUNTING 1

void __libc_free(void *p);

/* The channels of the current round, and how often each was freed. */
static _Atomic(void *) watched[2];
static _Atomic int frees[2];

void free(void *p)
{
	for (int i = 0; p && i < 2; i++)
		if (atomic_load(&watched[i]) == p) {
			atomic_fetch_add(&frees[i], 1);
			return; /* freed when the round ends */
		}
	__libc_free(p);
}
#else
#define COUNTING 0
#endif

static void watch(goc_chan *x, goc_chan *y)
{
#if COUNTING
	atomic_store(&frees[0], 0);
	atomic_store(&frees[1], 0);
	atomic_store(&watched[0], (void *)x);
	atomic_store(&watched[1], (void *)y);
#else
	(void)x;
	(void)y;
#endif
}

/* Both channels of the round were freed, each exactly once; stop
 * watching (their memory may hold the next round's channels). */
static void expect_freed_once(long round)
{
#if COUNTING
	eventually(atomic_load(&frees[0]) >= 1 && atomic_load(&frees[1]) >= 1, 10);
	int fx = atomic_load(&frees[0]), fy = atomic_load(&frees[1]);
	void *x = atomic_exchange(&watched[0], NULL),
	     *y = atomic_exchange(&watched[1], NULL);
	__libc_free(x);
	__libc_free(y);
	expect(fx == 1 && fy == 1, "round %ld: x was freed %d times and y %d times",
	       round, fx, fy);
#else
	(void)round;
#endif
}

/* ---- the scenario ---- */

struct round {
	goc_chan *x, *y;
	bool holding; /* each select holds references of its own */
	goc_wg done;
	_Atomic int got_x, got_y; /* selects that took x's value, y's close */
};

static void select_x_or_y(void *arg)
{
	struct round *r = arg;
	long v = -1;
	goc_case cs[] = {GOC_CASE_RECV(r->x, &v), GOC_CASE_RECV(r->y, &v)};
	int k = goc_select(cs, 2);
	if (k == 0) {
		expect_status(cs[0].status, GOC_OK);
		expect_eq(v, 1);
		atomic_fetch_add(&r->got_x, 1);
	} else {
		expect_eq(k, 1);
		expect_status(cs[1].status, GOC_CLOSED);
		expect_eq(v, 0);
		atomic_fetch_add(&r->got_y, 1);
	}
	if (r->holding) {
		goc_chan_release(r->x);
		goc_chan_release(r->y);
	}
	goc_wg_done(&r->done);
}

/* Start n selects. Holding none, they must be waiting before main
 * releases (a channel stays valid while a goroutine is blocked on it, not
 * before): they are started one at a time on one processor, each running
 * until it parks, and then the processors come back. */
static void start_selects(struct round *r, int n, int procs)
{
	if (r->holding) {
		for (int i = 0; i < n; i++) {
			goc_chan_retain(r->x);
			goc_chan_retain(r->y);
			spawn(select_x_or_y, r);
		}
		return;
	}
	if (procs > 1)
		goc_maxprocs(1);
	for (int i = 0; i < n; i++)
		spawn_blocked(select_x_or_y, r);
	if (procs > 1)
		goc_maxprocs(procs);
}

/* One round with n selecting goroutines; `variant` picks x's buffer, the
 * order of the releases and whether the selects hold references. */
static void select_round(long round, int n, unsigned variant)
{
	struct round r = {make_chan(sizeof(long), variant & 1),
	                  make_chan(sizeof(long), 0),
	                  (variant & 2) != 0,
	                  {0},
	                  0,
	                  0};
	watch(r.x, r.y);
	goc_wg_add(&r.done, n);
	start_selects(&r, n, goc_maxprocs(0));
	long v = 1;
	goc_chan_send(r.x, &v);
	goc_chan_close(r.y);
	if (variant & 4) {
		goc_chan_release(r.y);
		goc_chan_release(r.x);
	} else {
		goc_chan_release(r.x);
		goc_chan_release(r.y);
	}
	goc_wg_wait(&r.done);
	/* Only a buffered x with selects that start late may keep its value:
	 * they may find y closed first. */
	int got_x = atomic_load(&r.got_x), got_y = atomic_load(&r.got_y);
	bool may_keep = (variant & 1) && r.holding;
	expect(got_x + got_y == n && (got_x == 1 || (may_keep && got_x == 0)),
	       "round %ld: %d selects took x's value and %d saw y closed, of %d", round,
	       got_x, got_y, n);
	expect_freed_once(round);
}

/* The two-goroutine program of the report, many times. */
static int two_selects_then_release(void)
{
	long rounds = SCALED(20000);
	for (long i = 0; i < rounds; i++)
		select_round(i, 2, (unsigned)i % 8);
	return 0;
}

static int two_selects_then_release_free_each_channel_once(void)
{
	return two_selects_then_release();
}

static int two_selects_then_release_free_each_channel_once_at_2_processors(void)
{
	return two_selects_then_release();
}

/* Many selects on one channel that is closed, then released. */
static int many_selects_then_release(void)
{
	long rounds = SCALED(200);
	for (long i = 0; i < rounds; i++)
		select_round(i, (int)SCALED(2000), (unsigned)i % 8);
	return 0;
}

static int many_selects_then_release_free_each_channel_once(void)
{
	return many_selects_then_release();
}

static int many_selects_then_release_free_each_channel_once_at_2_processors(void)
{
	return many_selects_then_release();
}

/* The counting itself works: a channel released once is freed once. */
static int a_released_channel_is_counted_once(void)
{
	if (!COUNTING)
		skip("the sanitizer owns free here (see the top of this file)");
	goc_chan *x = make_chan(sizeof(long), 0), *y = make_chan(sizeof(long), 1);
	watch(x, y);
	goc_chan_retain(x);
	goc_chan_release(x);
	goc_chan_release(x);
	goc_chan_release(y);
	expect_freed_once(0);
	return 0;
}

static const struct test_case cases[] = {
	CASE(two_selects_then_release_free_each_channel_once, .env = {"GOC_MAXPROCS=1"},
             .timeout = 120),
	CASE(two_selects_then_release_free_each_channel_once_at_2_processors,
             .env = {"GOC_MAXPROCS=2"}, .timeout = 120),
	CASE(many_selects_then_release_free_each_channel_once,
             .env = {"GOC_MAXPROCS=1"}, .timeout = 120),
	CASE(many_selects_then_release_free_each_channel_once_at_2_processors,
             .env = {"GOC_MAXPROCS=2"}, .timeout = 120),
	CASE(a_released_channel_is_counted_once),
};

TEST_MAIN(cases)
