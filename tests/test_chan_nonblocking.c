/*
 * test_chan_nonblocking.c — try_* and *_timeout.
 *
 * try_send / try_recv never block: GOC_WOULDBLOCK where the plain call
 * would have (Go's select with default). send_timeout / recv_timeout give
 * up with GOC_TIMEOUT after at least ns (Go's select with time.After);
 * ns <= 0 behaves as try_* with GOC_TIMEOUT for GOC_WOULDBLOCK; a peer
 * arriving before the deadline completes the operation. On a NULL channel
 * try_* would block and *_timeout time out. A value whose operation timed
 * out was not delivered.
 */
#include "helpers.h"

/* ---- try_* ---- */

static int try_on_an_unbuffered_channel_without_a_peer_would_block(void)
{
	goc_chan *c = make_chan(sizeof(int), 0);
	int v = 1;
	expect_status(goc_chan_try_send(c, &v), GOC_WOULDBLOCK);
	expect_status(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
	expect_eq(v, 1); /* untouched */
	goc_chan_release(c);
	return 0;
}

struct peer {
	goc_chan *c;
	int value;
	int status;
	goc_wg wg;
};

static void peer_recv(void *arg)
{
	struct peer *p = arg;
	p->status = goc_chan_recv(p->c, &p->value);
	goc_wg_done(&p->wg);
}

static void peer_send(void *arg)
{
	struct peer *p = arg;
	p->status = goc_chan_send(p->c, &p->value);
	goc_wg_done(&p->wg);
}

static int try_send_hands_the_value_to_a_waiting_receiver(void)
{
	struct peer p = {make_chan(sizeof(int), 0), -1, -1, {0}};
	goc_wg_add(&p.wg, 1);
	spawn(peer_recv, &p);
	int v = 42;
	/* GOC_WOULDBLOCK until the receiver waits, then GOC_OK. */
	eventually(goc_chan_try_send(p.c, &v) == GOC_OK, 10);
	goc_wg_wait(&p.wg);
	expect_eq(p.status, GOC_OK);
	expect_eq(p.value, 42);
	goc_chan_release(p.c);
	return 0;
}

static int try_recv_takes_the_value_of_a_waiting_sender(void)
{
	struct peer p = {make_chan(sizeof(int), 0), 42, -1, {0}};
	goc_wg_add(&p.wg, 1);
	spawn(peer_send, &p);
	int v = 0;
	eventually(goc_chan_try_recv(p.c, &v) == GOC_OK, 10);
	expect_eq(v, 42);
	goc_wg_wait(&p.wg);
	expect_eq(p.status, GOC_OK);
	goc_chan_release(p.c);
	return 0;
}

static int try_on_an_empty_buffer(void)
{
	goc_chan *c = make_chan(sizeof(int), 2);
	int v = 0;
	expect_status(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
	v = 7;
	expect_status(goc_chan_try_send(c, &v), GOC_OK);
	expect_eq(goc_chan_len(c), 1);
	goc_chan_release(c);
	return 0;
}

static int try_on_a_partly_filled_buffer(void)
{
	goc_chan *c = make_chan(sizeof(int), 3);
	int v = 1;
	goc_chan_send(c, &v);
	v = 2;
	expect_status(goc_chan_try_send(c, &v), GOC_OK);
	expect_status(goc_chan_try_recv(c, &v), GOC_OK);
	expect_eq(v, 1);
	expect_eq(goc_chan_len(c), 1);
	goc_chan_release(c);
	return 0;
}

static int try_on_a_full_buffer(void)
{
	goc_chan *c = make_chan(sizeof(int), 2);
	for (int i = 1; i <= 2; i++)
		expect_status(goc_chan_try_send(c, &i), GOC_OK);
	int v = 3;
	expect_status(goc_chan_try_send(c, &v), GOC_WOULDBLOCK);
	expect_eq(goc_chan_len(c), 2);
	for (int i = 1; i <= 2; i++) {
		expect_status(goc_chan_try_recv(c, &v), GOC_OK);
		expect_eq(v, i); /* the refused value never entered */
	}
	expect_status(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
	goc_chan_release(c);
	return 0;
}

static int try_recv_on_a_full_buffer_with_a_waiting_sender_keeps_fifo(void)
{
	/* A full buffer with a blocked sender: try_recv takes the oldest
	 * value, and the blocked sender's value takes the freed slot. */
	struct peer p = {make_chan(sizeof(int), 1), 2, -1, {0}};
	goc_wg_add(&p.wg, 1);
	int v = 1;
	goc_chan_send(p.c, &v);
	spawn(peer_send, &p);
	goc_sleep(ms(20)); /* the sender blocks (if later, it just sends) */
	eventually(goc_chan_try_recv(p.c, &v) == GOC_OK, 10);
	expect_eq(v, 1);
	eventually(goc_chan_try_recv(p.c, &v) == GOC_OK, 10);
	expect_eq(v, 2);
	goc_wg_wait(&p.wg);
	goc_chan_release(p.c);
	return 0;
}

static int try_recv_on_a_closed_channel_drains_then_reports_closed(void)
{
	goc_chan *c = make_chan(sizeof(int), 2);
	int v = 9;
	goc_chan_send(c, &v);
	goc_chan_close(c);
	v = 0;
	expect_status(goc_chan_try_recv(c, &v), GOC_OK);
	expect_eq(v, 9);
	v = 5;
	expect_status(goc_chan_try_recv(c, &v), GOC_CLOSED);
	expect_eq(v, 0);
	goc_chan_release(c);

	goc_chan *u = make_chan(sizeof(int), 0);
	goc_chan_close(u);
	v = 5;
	expect_status(goc_chan_try_recv(u, &v), GOC_CLOSED);
	expect_eq(v, 0);
	goc_chan_release(u);
	return 0;
}

static int try_on_a_nil_channel_would_block(void)
{
	int v = 3;
	expect_status(goc_chan_try_send(NULL, &v), GOC_WOULDBLOCK);
	expect_status(goc_chan_try_recv(NULL, &v), GOC_WOULDBLOCK);
	expect_eq(v, 3);
	return 0;
}

/* ---- timeouts ---- */

static int recv_timeout_gives_up_after_at_least_ns(void)
{
	for (size_t cap = 0; cap <= 2; cap += 2) {
		goc_chan *c = make_chan(sizeof(int), cap);
		int v = 0;
		int64_t start = goc_now();
		expect_status(goc_chan_recv_timeout(c, &v, ms(30)), GOC_TIMEOUT);
		expect_took(start, ms(30));
		goc_chan_release(c);
	}
	return 0;
}

static int send_timeout_gives_up_after_at_least_ns_without_sending(void)
{
	goc_chan *u = make_chan(sizeof(int), 0);
	int v = 1;
	int64_t start = goc_now();
	expect_status(goc_chan_send_timeout(u, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	expect_status(goc_chan_try_recv(u, &v), GOC_WOULDBLOCK);
	goc_chan_release(u);

	goc_chan *b = make_chan(sizeof(int), 1);
	goc_chan_send(b, &v);
	v = 2;
	start = goc_now();
	expect_status(goc_chan_send_timeout(b, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	expect_eq(goc_chan_len(b), 1);
	expect_status(goc_chan_try_recv(b, &v), GOC_OK);
	expect_eq(v, 1);
	expect_status(goc_chan_try_recv(b, &v), GOC_WOULDBLOCK);
	goc_chan_release(b);
	return 0;
}

static int timeouts_of_zero_or_less_behave_as_try(void)
{
	static const int64_t nonpositive[] = {0, -1, -GOC_SECOND, INT64_MIN};
	goc_chan *c = make_chan(sizeof(int), 1);
	for (size_t k = 0; k < sizeof nonpositive / sizeof nonpositive[0]; k++) {
		int64_t ns = nonpositive[k];
		int v = (int)k;
		int64_t start = goc_now();
		/* would block: GOC_TIMEOUT (not GOC_WOULDBLOCK), at once */
		expect_status(goc_chan_recv_timeout(c, &v, ns), GOC_TIMEOUT);
		/* ready: done */
		expect_status(goc_chan_send_timeout(c, &v, ns), GOC_OK);
		expect_status(goc_chan_send_timeout(c, &v, ns), GOC_TIMEOUT);
		v = -1;
		expect_status(goc_chan_recv_timeout(c, &v, ns), GOC_OK);
		expect_eq(v, (int)k);
		expect_quick(start);
	}
	goc_chan_close(c);
	int v = 4;
	expect_status(goc_chan_recv_timeout(c, &v, 0), GOC_CLOSED);
	expect_eq(v, 0);
	goc_chan_release(c);
	return 0;
}

static int timeouts_of_zero_or_less_on_an_unbuffered_channel(void)
{
	struct peer p = {make_chan(sizeof(int), 0), -1, -1, {0}};
	int v = 5;
	expect_status(goc_chan_send_timeout(p.c, &v, 0), GOC_TIMEOUT);
	expect_status(goc_chan_recv_timeout(p.c, &v, -5), GOC_TIMEOUT);
	goc_wg_add(&p.wg, 1);
	spawn(peer_recv, &p);
	eventually(goc_chan_send_timeout(p.c, &v, 0) == GOC_OK, 10);
	goc_wg_wait(&p.wg);
	expect_eq(p.value, 5);
	goc_chan_release(p.c);
	return 0;
}

struct late {
	goc_chan *c;
	int64_t delay;
	int value;
	goc_wg wg; /* done after the peer's operation */
};

static void send_late(void *arg)
{
	struct late *l = arg;
	goc_sleep(l->delay);
	goc_chan_send(l->c, &l->value);
	goc_wg_done(&l->wg);
}

static void recv_late(void *arg)
{
	struct late *l = arg;
	goc_sleep(l->delay);
	goc_chan_recv(l->c, &l->value);
	goc_wg_done(&l->wg);
}

static void spawn_late(struct late *l, goc_func fn)
{
	goc_wg_add(&l->wg, 1);
	spawn(fn, l);
}

static int recv_timeout_succeeds_when_a_sender_comes_in_time(void)
{
	struct late l = {make_chan(sizeof(int), 0), ms(20), 42, {0}};
	spawn_late(&l, send_late);
	int v = 0;
	int64_t start = goc_now();
	expect_status(goc_chan_recv_timeout(l.c, &v, 20 * GOC_SECOND), GOC_OK);
	expect_eq(v, 42);
	expect_lt(goc_now() - start, 20 * GOC_SECOND);
	goc_wg_wait(&l.wg);
	goc_chan_release(l.c);
	return 0;
}

static int send_timeout_succeeds_when_a_receiver_comes_in_time(void)
{
	struct late l = {make_chan(sizeof(int), 0), ms(20), 0, {0}};
	spawn_late(&l, recv_late);
	int v = 43;
	expect_status(goc_chan_send_timeout(l.c, &v, 20 * GOC_SECOND), GOC_OK);
	goc_wg_wait(&l.wg);
	expect_eq(l.value, 43);
	goc_chan_release(l.c);
	return 0;
}

static int send_timeout_on_a_full_buffer_succeeds_when_room_is_made(void)
{
	struct late l = {make_chan(sizeof(int), 1), ms(20), 0, {0}};
	int v = 1;
	goc_chan_send(l.c, &v);
	spawn_late(&l, recv_late);
	v = 2;
	expect_status(goc_chan_send_timeout(l.c, &v, 20 * GOC_SECOND), GOC_OK);
	goc_wg_wait(&l.wg);
	expect_eq(l.value, 1);
	expect_status(goc_chan_recv(l.c, &v), GOC_OK);
	expect_eq(v, 2);
	goc_chan_release(l.c);
	return 0;
}

static int the_longest_timeout_does_not_overflow(void)
{
	struct late l = {make_chan(sizeof(int), 0), ms(10), 11, {0}};
	spawn_late(&l, send_late);
	int v = 0;
	expect_status(goc_chan_recv_timeout(l.c, &v, INT64_MAX), GOC_OK);
	expect_eq(v, 11);
	goc_wg_wait(&l.wg);
	goc_chan_release(l.c);
	return 0;
}

static void close_late(void *arg)
{
	goc_sleep(ms(20));
	goc_chan_close(arg);
}

static int recv_timeout_is_woken_by_close(void)
{
	goc_chan *c = make_chan(sizeof(int64_t), 0);
	spawn(close_late, c);
	int64_t v = -1;
	int64_t start = goc_now();
	expect_status(goc_chan_recv_timeout(c, &v, 20 * GOC_SECOND), GOC_CLOSED);
	expect_eq(v, 0);
	expect_lt(goc_now() - start, 20 * GOC_SECOND);
	goc_chan_release(c);
	return 0;
}

static int send_timeout_waiting_when_the_channel_closes_panics(void)
{
	static goc_chan *c;
	c = make_chan(sizeof(int), 0);
	spawn(close_late, c);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send_timeout(c, &v, 20 * GOC_SECOND);
	fail("goc_chan_send_timeout returned after the channel closed");
}

static int timeouts_on_a_nil_channel_time_out(void)
{
	int v = 8;
	int64_t start = goc_now();
	expect_status(goc_chan_recv_timeout(NULL, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	start = goc_now();
	expect_status(goc_chan_send_timeout(NULL, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	start = goc_now();
	expect_status(goc_chan_recv_timeout(NULL, &v, 0), GOC_TIMEOUT);
	expect_status(goc_chan_send_timeout(NULL, &v, -1), GOC_TIMEOUT);
	expect_quick(start);
	expect_eq(v, 8);
	return 0;
}

/* Timed waiters that gave up leave the channel's queues: afterwards a
 * try_send finds no receiver, and a try_recv no sender. */
static _Atomic int timed_out;

static void recv_with_timeout(void *arg)
{
	int v;
	if (goc_chan_recv_timeout(arg, &v, ms(20)) == GOC_TIMEOUT)
		atomic_fetch_add(&timed_out, 1);
}

static void send_with_timeout(void *arg)
{
	int v = 1;
	if (goc_chan_send_timeout(arg, &v, ms(20)) == GOC_TIMEOUT)
		atomic_fetch_add(&timed_out, 1);
}

static int waiters_that_timed_out_leave_the_queue(void)
{
	enum { N = 100 };
	goc_chan *c = make_chan(sizeof(int), 0);
	for (int i = 0; i < N; i++)
		spawn(recv_with_timeout, c);
	eventually(atomic_load(&timed_out) == N, 20);
	int v = 1;
	expect_status(goc_chan_try_send(c, &v), GOC_WOULDBLOCK);
	for (int i = 0; i < N; i++)
		spawn(send_with_timeout, c);
	eventually(atomic_load(&timed_out) == 2 * N, 20);
	expect_status(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
	/* and the channel still works */
	struct peer p = {c, -1, -1, {0}};
	goc_wg_add(&p.wg, 1);
	spawn(peer_recv, &p);
	v = 99;
	goc_chan_send(c, &v);
	goc_wg_wait(&p.wg);
	expect_eq(p.value, 99);
	goc_chan_release(c);
	return 0;
}

static int main_waiting_with_a_timeout_alone_is_not_a_deadlock(void)
{
	goc_chan *c = make_chan(sizeof(int), 0);
	int v;
	expect_status(goc_chan_recv_timeout(c, &v, ms(100)), GOC_TIMEOUT);
	goc_chan_release(c);
	return 0;
}

static const struct test_case cases[] = {
	CASE(try_on_an_unbuffered_channel_without_a_peer_would_block),
	CASE(try_send_hands_the_value_to_a_waiting_receiver),
	CASE(try_recv_takes_the_value_of_a_waiting_sender),
	CASE(try_on_an_empty_buffer),
	CASE(try_on_a_partly_filled_buffer),
	CASE(try_on_a_full_buffer),
	CASE(try_recv_on_a_full_buffer_with_a_waiting_sender_keeps_fifo),
	CASE(try_recv_on_a_closed_channel_drains_then_reports_closed),
	CASE(try_on_a_nil_channel_would_block),
	CASE(recv_timeout_gives_up_after_at_least_ns),
	CASE(send_timeout_gives_up_after_at_least_ns_without_sending),
	CASE(timeouts_of_zero_or_less_behave_as_try),
	CASE(timeouts_of_zero_or_less_on_an_unbuffered_channel),
	CASE(recv_timeout_succeeds_when_a_sender_comes_in_time),
	CASE(send_timeout_succeeds_when_a_receiver_comes_in_time),
	CASE(send_timeout_on_a_full_buffer_succeeds_when_room_is_made),
	CASE(the_longest_timeout_does_not_overflow),
	CASE(recv_timeout_is_woken_by_close),
	CASE(send_timeout_waiting_when_the_channel_closes_panics, .status = 2),
	CASE(timeouts_on_a_nil_channel_time_out),
	CASE(waiters_that_timed_out_leave_the_queue),
	CASE(main_waiting_with_a_timeout_alone_is_not_a_deadlock),
};

TEST_MAIN(cases)
