/*
 * test_chan_lifetime.c — reference counting: goc_chan_retain/release.
 *
 * goc_chan_make returns one reference, retain adds one, release drops
 * one and the last frees the channel. A channel stays valid while a
 * goroutine is blocked on it, even when no reference is left; goc never
 * touches a channel after an operation a peer has observed, so the
 * receiver of the last value (or of the close) may release at once.
 * Releasing more often than retained panics "goc_chan_release of
 * unreferenced channel" where it can be detected. These cases are meant
 * to be run under AddressSanitizer too: a use after free or a leak fails
 * them there.
 */
#include "helpers.h"

#define UNREFERENCED "panic: goc_chan_release of unreferenced channel [goroutine "

static int retain_returns_the_channel_and_keeps_it_alive(void)
{
	goc_chan *c = make_chan(sizeof(int), 1);
	expect(goc_chan_retain(c) == c, "goc_chan_retain returned another pointer");
	goc_chan_release(c); /* one reference left: still usable */
	int v = 5;
	expect_status(goc_chan_send(c, &v), GOC_OK);
	expect_status(goc_chan_recv(c, &v), GOC_OK);
	expect_eq(v, 5);
	expect_eq(goc_chan_cap(c), 1);
	goc_chan_release(c);
	return 0;
}

static int retain_and_release_of_nil_do_nothing(void)
{
	expect(goc_chan_retain(NULL) == NULL,
	       "goc_chan_retain(NULL) returned non-NULL");
	goc_chan_release(NULL);
	goc_chan_release(NULL);
	return 0;
}

/* Many holders: each releases its own reference, in any order. */
static void release_own(void *arg) { goc_chan_release(arg); }

static int each_holder_releases_its_own_reference(void)
{
	long rounds = SCALED(2000);
	for (long r = 0; r < rounds; r++) {
		goc_chan *c = make_chan(sizeof(int), 1);
		for (int i = 0; i < 8; i++)
			spawn(release_own, goc_chan_retain(c));
		goc_chan_release(c);
	}
	wait_others_done();
	return 0;
}

/* ---- the receiver of the last value releases at once ---- */

static void send_then_release(void *arg)
{
	goc_chan *c = arg;
	long v = 42;
	goc_chan_send(c, &v);
	goc_chan_release(c);
}

static void close_then_release(void *arg)
{
	goc_chan *c = arg;
	goc_chan_close(c);
	goc_chan_release(c);
}

static int receiver_of_the_last_value_may_release_at_once(void)
{
	long rounds = SCALED(20000);
	for (long r = 0; r < rounds; r++) {
		/* Unbuffered, then buffered. */
		goc_chan *c = make_chan(sizeof(long), (size_t)(r % 2));
		spawn(send_then_release, goc_chan_retain(c));
		if (r % 3 == 0)
			goc_yield(); /* vary who comes first */
		long v = 0;
		expect_status(goc_chan_recv(c, &v), GOC_OK);
		expect_eq(v, 42);
		goc_chan_release(c);
	}
	wait_others_done();
	return 0;
}

static int receiver_of_the_close_may_release_at_once(void)
{
	long rounds = SCALED(20000);
	for (long r = 0; r < rounds; r++) {
		goc_chan *c = make_chan(sizeof(long), (size_t)(r % 2));
		spawn(close_then_release, goc_chan_retain(c));
		if (r % 3 == 0)
			goc_yield();
		long v = 1;
		expect_status(goc_chan_recv(c, &v), GOC_CLOSED);
		goc_chan_release(c);
	}
	wait_others_done();
	return 0;
}

static void recv_then_release(void *arg)
{
	goc_chan *c = arg;
	long v;
	goc_chan_recv(c, &v);
	goc_chan_release(c);
}

static int sender_may_release_at_once_after_its_value_is_taken(void)
{
	long rounds = SCALED(20000);
	for (long r = 0; r < rounds; r++) {
		goc_chan *c = make_chan(sizeof(long), (size_t)(r % 2));
		spawn(recv_then_release, goc_chan_retain(c));
		if (r % 3 == 0)
			goc_yield();
		long v = 7;
		expect_status(goc_chan_send(c, &v), GOC_OK);
		goc_chan_release(c);
	}
	wait_others_done();
	return 0;
}

/* The receiver holds the only reference and releases it as soon as it has
 * the value, while the sender it took the value from (which holds none)
 * has been readied but has not yet returned from its send. */
static goc_wg senders_out;

static void send_without_a_reference(void *arg)
{
	long v = 42;
	goc_chan_send(arg, &v);
	goc_wg_done(&senders_out);
}

static void select_send_without_a_reference(void *arg)
{
	long v = 42;
	goc_case cs[] = {GOC_CASE_SEND(arg, &v)};
	expect_eq(goc_select(cs, 1), 0);
	goc_wg_done(&senders_out);
}

static void timed_send_without_a_reference(void *arg)
{
	long v = 42;
	expect_status(goc_chan_send_timeout(arg, &v, 20 * GOC_SECOND), GOC_OK);
	goc_wg_done(&senders_out);
}

static void expect_receiver_may_release_while_the_sender_wakes(goc_func sender)
{
	goc_maxprocs(1);
	long rounds = SCALED(500);
	for (long r = 0; r < rounds; r++) {
		goc_wg_add(&senders_out, 1);
		goc_chan *c = make_chan(sizeof(long), (size_t)(r % 2));
		long v = 0;
		if (r % 2) /* buffered: fill it, so that the sender waits */
			goc_chan_send(c, &v);
		spawn_blocked(sender, c);
		if (r % 2)
			expect_status(goc_chan_recv(c, &v), GOC_OK);
		expect_status(goc_chan_recv(c, &v), GOC_OK);
		expect_eq(v, 42);
		goc_chan_release(c); /* the last reference, at once */
		goc_wg_wait(&senders_out);
	}
}

static int receiver_of_the_last_value_may_release_while_a_sender_wakes(void)
{
	expect_receiver_may_release_while_the_sender_wakes(send_without_a_reference);
	return 0;
}

static int receiver_of_the_last_value_may_release_while_a_select_sender_wakes(void)
{
	expect_receiver_may_release_while_the_sender_wakes(
		select_send_without_a_reference);
	return 0;
}

static int receiver_of_the_last_value_may_release_while_a_timed_sender_wakes(void)
{
	expect_receiver_may_release_while_the_sender_wakes(
		timed_send_without_a_reference);
	return 0;
}

/* ---- a blocked goroutine keeps an unreferenced channel valid ---- */

enum { TIMED_WAITERS = 50 };
static goc_wg timed_out;
static _Atomic int timeouts_seen;

static void select_until_timeout(void *arg)
{
	int v;
	goc_case cs[] = {GOC_CASE_RECV(arg, &v)};
	if (goc_select_timeout(cs, 1, ms(30)) == -1)
		atomic_fetch_add(&timeouts_seen, 1);
	goc_wg_done(&timed_out);
}

static void recv_until_timeout(void *arg)
{
	int v;
	if (goc_chan_recv_timeout(arg, &v, ms(30)) == GOC_TIMEOUT)
		atomic_fetch_add(&timeouts_seen, 1);
	goc_wg_done(&timed_out);
}

static void send_until_timeout(void *arg)
{
	int v = 1;
	if (goc_chan_send_timeout(arg, &v, ms(30)) == GOC_TIMEOUT)
		atomic_fetch_add(&timeouts_seen, 1);
	goc_wg_done(&timed_out);
}

/* Waiters block on c (spawn_blocked: surely blocked), then the last
 * reference goes; the timeouts fire, the waiters leave, the last one out
 * frees the channel. */
static void expect_waiters_outlive_the_last_reference(goc_func waiter, int per_chan)
{
	goc_maxprocs(1);
	long rounds = SCALED(20);
	for (long r = 0; r < rounds; r++) {
		atomic_store(&timeouts_seen, 0);
		goc_wg_add(&timed_out, TIMED_WAITERS);
		for (int i = 0; i < TIMED_WAITERS; i += per_chan) {
			goc_chan *c = make_chan(sizeof(int), 0);
			for (int k = 0; k < per_chan; k++)
				spawn_blocked(waiter, c);
			goc_chan_release(c); /* only the blocked waiters know it now */
		}
		goc_wg_wait(&timed_out);
		expect_eq(atomic_load(&timeouts_seen), TIMED_WAITERS);
	}
}

static int select_with_timeout_keeps_an_unreferenced_channel_valid(void)
{
	expect_waiters_outlive_the_last_reference(select_until_timeout, 1);
	return 0;
}

static int several_selects_keep_an_unreferenced_channel_valid(void)
{
	expect_waiters_outlive_the_last_reference(select_until_timeout, 5);
	return 0;
}

static int recv_timeout_keeps_an_unreferenced_channel_valid(void)
{
	expect_waiters_outlive_the_last_reference(recv_until_timeout, 2);
	return 0;
}

static int send_timeout_keeps_an_unreferenced_channel_valid(void)
{
	expect_waiters_outlive_the_last_reference(send_until_timeout, 2);
	return 0;
}

/* A select over two channels, one of them released while it waits: the
 * other one wakes it, and the released one must be freed (ASan: no leak)
 * and not be touched afterwards. */
struct two {
	goc_chan *kept, *dropped;
	int index;
	goc_wg done;
};

static void select_two(void *arg)
{
	struct two *t = arg;
	int v;
	goc_case cs[] = {GOC_CASE_RECV(t->dropped, &v), GOC_CASE_RECV(t->kept, &v)};
	t->index = goc_select_timeout(cs, 2, 20 * GOC_SECOND);
	goc_wg_done(&t->done);
}

static int select_frees_a_channel_released_while_it_waited(void)
{
	goc_maxprocs(1);
	long rounds = SCALED(1000);
	for (long r = 0; r < rounds; r++) {
		struct two t = {
			make_chan(sizeof(int), 0), make_chan(sizeof(int), 0), -2, {0}};
		goc_wg_add(&t.done, 1);
		spawn_blocked(select_two, &t);
		goc_chan_release(t.dropped);
		int v = 1;
		goc_chan_send(t.kept, &v);
		goc_wg_wait(&t.done);
		expect_eq(t.index, 1);
		goc_chan_release(t.kept);
	}
	return 0;
}

/*
 * The waiter itself holds no reference: a goroutine blocked in a timed
 * receive is woken by a sender (or a closer) that then drops the last
 * reference. The channel must not be touched after the peer has observed
 * the operation (the send returned, the close returned).
 */
static goc_wg woken;

static void timed_recv_without_a_reference(void *arg)
{
	int v = 0;
	int st = goc_chan_recv_timeout(arg, &v, 20 * GOC_SECOND);
	expect(st == GOC_OK || st == GOC_CLOSED, "the timed receive returned %s",
	       status_name(st));
	goc_wg_done(&woken);
}

static void select_without_a_reference(void *arg)
{
	int v = 0;
	goc_case cs[] = {GOC_CASE_RECV(arg, &v)};
	int i = goc_select(cs, 1);
	expect_eq(i, 0);
	goc_wg_done(&woken);
}

static void send_one_then_release(void *arg)
{
	int v = 1;
	goc_chan_send(arg, &v);
	goc_chan_release(arg);
}

static void expect_peer_may_release_after_waking(goc_func waiter, goc_func peer)
{
	goc_maxprocs(1);
	long rounds = SCALED(500);
	for (long r = 0; r < rounds; r++) {
		goc_wg_add(&woken, 1);
		goc_chan *c = make_chan(sizeof(int), (size_t)(r % 2));
		spawn_blocked(waiter, c); /* blocked, holding no reference */
		spawn(peer, c);           /* takes over main's reference */
		goc_wg_wait(&woken);
	}
	wait_others_done();
}

static int timed_receiver_without_a_reference_survives_the_sender_releasing(void)
{
	expect_peer_may_release_after_waking(timed_recv_without_a_reference,
	                                     send_one_then_release);
	return 0;
}

static int timed_receiver_without_a_reference_survives_the_closer_releasing(void)
{
	expect_peer_may_release_after_waking(timed_recv_without_a_reference,
	                                     close_then_release);
	return 0;
}

static int select_without_a_reference_survives_the_sender_releasing(void)
{
	expect_peer_may_release_after_waking(select_without_a_reference,
	                                     send_one_then_release);
	return 0;
}

static void recv_without_a_reference(void *arg)
{
	int v = 0;
	goc_chan_recv(arg, &v);
	goc_wg_done(&woken);
}

static int receiver_without_a_reference_survives_the_sender_releasing(void)
{
	expect_peer_may_release_after_waking(recv_without_a_reference,
	                                     send_one_then_release);
	return 0;
}

/* ---- releasing too often ---- */

static int release_of_a_channel_no_longer_referenced_panics(void)
{
	if (TEST_SANITIZED) /* the check reads the freed channel's magic word */
		skip("the sanitizer reports the access to the freed channel itself");
	goc_chan *c = make_chan(sizeof(int), 0);
	goc_chan_release(c);
	expect_stderr_line(UNREFERENCED "1]");
	goc_chan_release(c);
	fail("releasing a freed channel returned");
}

static void select_for_long(void *arg)
{
	goc_case cs[] = {GOC_CASE_RECV(arg, NULL)};
	goc_select_timeout(cs, 1, 20 * GOC_SECOND);
	fail("the select returned");
}

static int release_below_zero_while_a_goroutine_waits_panics(void)
{
	/* A waiting select keeps the channel allocated: refs go 1, 0, -1. */
	goc_maxprocs(1);
	static goc_chan *c;
	c = make_chan(sizeof(int), 0);
	spawn_blocked(select_for_long, c);
	goc_chan_release(c);
	expect_stderr_line(UNREFERENCED "1]");
	goc_chan_release(c);
	fail("releasing below zero returned");
}

/* Two selects wait on {x, y}; main wakes one through x and the other
 * through y, then releases both channels while each select may still have
 * a waiter queued on the channel it did not win. Each channel is freed
 * once, by whoever decided to under its lock, and nobody reads the other
 * select's channel after unlocking it (glibc aborts on a double free;
 * ASan reports a use after free). */
struct pair {
	goc_chan *x, *y;
	goc_wg *done;
};

static void select_on_pair(void *arg)
{
	struct pair *p = arg;
	int v;
	goc_case cs[] = {GOC_CASE_RECV(p->x, &v), GOC_CASE_RECV(p->y, &v)};
	goc_select(cs, 2);
	goc_wg_done(p->done);
}

static void send_when_taken(goc_chan *c)
{
	int v = 1;
	while (goc_chan_try_send(c, &v) != GOC_OK)
		goc_yield();
}

static int selects_woken_on_different_channels_free_each_channel_once(void)
{
	for (int round = 0; round < SCALED(2000); round++) {
		goc_wg done = {0};
		struct pair p = {make_chan(sizeof(int), 0), make_chan(sizeof(int), 0),
		                 &done};
		goc_wg_add(&done, 2);
		spawn(select_on_pair, &p);
		spawn(select_on_pair, &p);
		send_when_taken(p.x); /* both wait once one has taken this */
		send_when_taken(p.y);
		goc_chan_release(p.x);
		goc_chan_release(p.y);
		goc_wg_wait(&done);
	}
	return 0;
}

/* Using a channel after its last release is undefined; while its memory
 * still holds the channel's mark, goc panics naming it instead of
 * spinning on a freed lock. */
static int send_on_a_released_channel_panics(void)
{
	if (TEST_SANITIZED)
		skip("the sanitizer reports the use after free itself");
	goc_chan *c = make_chan(sizeof(int), 1);
	goc_chan_release(c);
	int v = 1;
	goc_chan_send(c, &v);
	fail("a send on a released channel returned");
}

static const struct test_case cases[] = {
	CASE(retain_returns_the_channel_and_keeps_it_alive),
	CASE(retain_and_release_of_nil_do_nothing),
	CASE(each_holder_releases_its_own_reference),
	CASE(receiver_of_the_last_value_may_release_at_once),
	CASE(receiver_of_the_close_may_release_at_once),
	CASE(sender_may_release_at_once_after_its_value_is_taken),
	CASE(receiver_of_the_last_value_may_release_while_a_sender_wakes),
	CASE(receiver_of_the_last_value_may_release_while_a_select_sender_wakes,
             .timeout = 20),
	CASE(receiver_of_the_last_value_may_release_while_a_timed_sender_wakes,
             .timeout = 20),
	CASE(select_with_timeout_keeps_an_unreferenced_channel_valid),
	CASE(several_selects_keep_an_unreferenced_channel_valid),
	CASE(recv_timeout_keeps_an_unreferenced_channel_valid),
	CASE(send_timeout_keeps_an_unreferenced_channel_valid),
	CASE(select_frees_a_channel_released_while_it_waited),
	CASE(timed_receiver_without_a_reference_survives_the_sender_releasing,
             .timeout = 20),
	CASE(timed_receiver_without_a_reference_survives_the_closer_releasing,
             .timeout = 20),
	CASE(select_without_a_reference_survives_the_sender_releasing, .timeout = 20),
	CASE(receiver_without_a_reference_survives_the_sender_releasing),
	CASE(release_of_a_channel_no_longer_referenced_panics, .status = 2),
	CASE(release_below_zero_while_a_goroutine_waits_panics, .status = 2),
	CASE(selects_woken_on_different_channels_free_each_channel_once, .timeout = 60),
	EXPECT_EXIT(send_on_a_released_channel_panics, 2,
                    "panic: send on released channel 0x"),
};

TEST_MAIN(cases)
