/*
 * test_chan_close.c — goc_chan_close, Go's close(c).
 *
 * Close wakes every waiting receiver with GOC_CLOSED and a zero-filled
 * elem; values already buffered are still received, then GOC_CLOSED, as
 * often as asked. A send on a closed channel panics "send on closed
 * channel" — also a sender that was waiting when the channel closed, and
 * a try_send or send_timeout, as Go's select-with-default send does.
 * Closing a closed or a nil channel panics. Every panic's first stderr
 * line is "panic: <message> [goroutine N]", and the exit status is 2.
 */
#include "helpers.h"

struct point3 {
	int64_t x, y, z;
};

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- receivers ---- */

enum { RECEIVERS = 50 };

struct receiver {
	goc_chan *c;
	_Atomic int *waiting;
	int status;
	struct point3 got;
	goc_wg *wg;
};

static void recv_until_closed(void *arg)
{
	struct receiver *r = arg;
	memset(&r->got, 0x5A, sizeof r->got); /* a receive must overwrite it */
	atomic_fetch_add(r->waiting, 1);
	r->status = goc_chan_recv(r->c, &r->got);
	goc_wg_done(r->wg);
}

static void *recv_until_closed_thread(void *arg)
{
	recv_until_closed(arg);
	return NULL;
}

static void expect_close_wakes_every_receiver(size_t cap)
{
	goc_chan *c = make_chan(sizeof(struct point3), cap);
	_Atomic int waiting = 0;
	goc_wg wg = {0};
	struct receiver r[RECEIVERS + 2];
	goc_wg_add(&wg, RECEIVERS + 2);
	for (int i = 0; i < RECEIVERS + 2; i++)
		r[i] = (struct receiver){c, &waiting, -1, {0, 0, 0}, &wg};
	for (int i = 0; i < RECEIVERS; i++)
		spawn(recv_until_closed, &r[i]);
	pthread_t t1 = thread_start(recv_until_closed_thread, &r[RECEIVERS]);
	pthread_t t2 = thread_start(recv_until_closed_thread, &r[RECEIVERS + 1]);
	eventually(atomic_load(&waiting) == RECEIVERS + 2, 10);
	goc_sleep(ms(20)); /* let them block (one that did not yet sees the close) */
	goc_chan_close(c);
	goc_wg_wait(&wg);
	thread_join(t1);
	thread_join(t2);
	for (int i = 0; i < RECEIVERS + 2; i++) {
		expect(r[i].status == GOC_CLOSED, "receiver %d got %s", i,
		       status_name(r[i].status));
		expect(is_zero(&r[i].got, sizeof r[i].got),
		       "receiver %d's value was not zero-filled: {%llx, %llx, %llx}", i,
		       (unsigned long long)r[i].got.x, (unsigned long long)r[i].got.y,
		       (unsigned long long)r[i].got.z);
	}
	goc_chan_release(c);
}

static int close_wakes_every_waiting_receiver(void)
{
	expect_close_wakes_every_receiver(0);
	return 0;
}

static int close_wakes_every_waiting_receiver_of_an_empty_buffer(void)
{
	expect_close_wakes_every_receiver(8);
	return 0;
}

static _Atomic int done_count;

static void wait_for_done(void *arg)
{
	goc_chan_recv(arg, NULL);
	atomic_fetch_add(&done_count, 1);
}

static int closing_a_signal_channel_broadcasts(void)
{
	/* Go's `done` channel: close releases every goroutine waiting on it. */
	enum { N = 1000 };
	goc_chan *done = make_chan(0, 0);
	for (int i = 0; i < N; i++)
		spawn(wait_for_done, done);
	goc_chan_close(done);
	eventually(atomic_load(&done_count) == N, 20);
	goc_chan_release(done);
	return 0;
}

static int buffered_values_are_received_after_close(void)
{
	goc_chan *c = make_chan(sizeof(int), 4);
	for (int i = 1; i <= 3; i++)
		goc_chan_send(c, &i);
	goc_chan_close(c);
	expect_eq(goc_chan_len(c), 3);
	for (int i = 1; i <= 3; i++) {
		int v = 0;
		expect_status(goc_chan_recv(c, &v), GOC_OK);
		expect_eq(v, i);
	}
	expect_eq(goc_chan_len(c), 0);
	for (int k = 0; k < 3; k++) { /* closed and drained: every time */
		int v = 77;
		expect_status(goc_chan_recv(c, &v), GOC_CLOSED);
		expect_eq(v, 0);
	}
	goc_chan_release(c);
	return 0;
}

static int recv_on_a_closed_channel_gives_the_zero_value(void)
{
	goc_chan *c = make_chan(sizeof(struct point3), 0);
	goc_chan_close(c);
	struct point3 p;
	memset(&p, 0xAB, sizeof p);
	expect_status(goc_chan_recv(c, &p), GOC_CLOSED);
	expect(is_zero(&p, sizeof p), "the value was not zero-filled");
	memset(&p, 0xAB, sizeof p);
	expect_status(goc_chan_try_recv(c, &p), GOC_CLOSED);
	expect(is_zero(&p, sizeof p), "try_recv's value was not zero-filled");
	memset(&p, 0xAB, sizeof p);
	expect_status(goc_chan_recv_timeout(c, &p, ms(10)), GOC_CLOSED);
	expect(is_zero(&p, sizeof p), "recv_timeout's value was not zero-filled");
	expect_status(goc_chan_recv(c, NULL), GOC_CLOSED);
	goc_chan_release(c);
	return 0;
}

static int receiver_waiting_on_a_signal_channel_sees_the_close(void)
{
	goc_chan *c = make_chan(0, 0);
	_Atomic int waiting = 0;
	goc_wg wg = {0};
	goc_wg_add(&wg, 1);
	struct receiver r = {c, &waiting, -1, {0, 0, 0}, &wg};
	/* elem_size 0: the receiver's variable is not written at all */
	spawn(recv_until_closed, &r);
	eventually(atomic_load(&waiting) == 1, 10);
	goc_chan_close(c);
	goc_wg_wait(&wg);
	expect_eq(r.status, GOC_CLOSED);
	goc_chan_release(c);
	return 0;
}

/* ---- send on a closed channel panics ---- */

static goc_chan *closed_chan(size_t elem_size, size_t cap)
{
	static goc_chan *c; /* reachable until the process ends */
	c = make_chan(elem_size, cap);
	goc_chan_close(c);
	return c;
}

static int send_on_a_closed_channel_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 0);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send(c, &v);
	fail("goc_chan_send on a closed channel returned");
}

static int send_on_a_closed_channel_with_buffer_room_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 4);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send(c, &v);
	fail("goc_chan_send on a closed channel returned");
}

static int send_on_a_closed_signal_channel_panics(void)
{
	goc_chan *c = closed_chan(0, 0);
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send(c, NULL);
	fail("goc_chan_send on a closed channel returned");
}

static void send_on_closed(void *arg)
{
	int v = 1;
	printf("goroutine %lld sends", (long long)goc_id());
	expect_stderr_line("panic: send on closed channel [goroutine %lld]",
	                   (long long)goc_id());
	goc_chan_send(arg, &v);
	fail("goc_chan_send on a closed channel returned");
}

static int send_on_a_closed_channel_panics_naming_the_goroutine(void)
{
	spawn(send_on_closed, closed_chan(sizeof(int), 1));
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static int try_send_on_a_closed_channel_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 0);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_try_send(c, &v);
	fail("goc_chan_try_send on a closed channel returned");
}

static int try_send_on_a_closed_channel_with_buffer_room_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 2);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_try_send(c, &v);
	fail("goc_chan_try_send on a closed channel returned");
}

static int try_send_on_a_closed_full_channel_panics(void)
{
	static goc_chan *c;
	c = make_chan(sizeof(int), 1);
	int v = 1;
	goc_chan_send(c, &v);
	goc_chan_close(c);
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_try_send(c, &v);
	fail("goc_chan_try_send on a closed channel returned");
}

static int send_timeout_on_a_closed_channel_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 0);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send_timeout(c, &v, ms(100));
	fail("goc_chan_send_timeout on a closed channel returned");
}

static int send_timeout_of_zero_on_a_closed_channel_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 0);
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_chan_send_timeout(c, &v, 0);
	fail("goc_chan_send_timeout on a closed channel returned");
}

/* A sender waiting when the channel closes panics. spawn_blocked makes
 * sure it waits before the close. */
static void send_and_wait(void *arg)
{
	int v = 1;
	expect_stderr_line("panic: send on closed channel [goroutine %lld]",
	                   (long long)goc_id());
	goc_chan_send(arg, &v);
	fail("a waiting send returned after the channel closed");
}

static int waiting_sender_panics_when_the_channel_closes(void)
{
	goc_maxprocs(1);
	static goc_chan *c;
	c = make_chan(sizeof(int), 0);
	spawn_blocked(send_and_wait, c);
	goc_chan_close(c);
	goc_sleep(10 * GOC_SECOND);
	fail("the waiting sender did not panic");
}

static int waiting_sender_on_a_full_buffer_panics_when_the_channel_closes(void)
{
	goc_maxprocs(1);
	static goc_chan *c;
	c = make_chan(sizeof(int), 2);
	int v = 0;
	goc_chan_send(c, &v);
	goc_chan_send(c, &v);
	spawn_blocked(send_and_wait, c);
	goc_chan_close(c);
	goc_sleep(10 * GOC_SECOND);
	fail("the waiting sender did not panic");
}

static void *send_and_wait_thread(void *arg)
{
	send_and_wait(arg);
	return NULL;
}

static int waiting_sender_in_a_plain_thread_panics_when_the_channel_closes(void)
{
	static goc_chan *c;
	c = make_chan(sizeof(int), 0);
	thread_start(send_and_wait_thread, c);
	goc_sleep(ms(100)); /* it waits (or sees the close when it comes) */
	goc_chan_close(c);
	goc_sleep(10 * GOC_SECOND);
	fail("the waiting sender did not panic");
}

/* ---- close misuse ---- */

static int close_of_a_closed_channel_panics(void)
{
	goc_chan *c = closed_chan(sizeof(int), 0);
	expect_stderr_line("panic: close of closed channel [goroutine 1]");
	goc_chan_close(c);
	fail("the second goc_chan_close returned");
}

static int close_of_a_closed_buffered_channel_with_values_panics(void)
{
	static goc_chan *c;
	c = make_chan(sizeof(int), 2);
	int v = 5;
	goc_chan_send(c, &v);
	goc_chan_close(c);
	expect_stderr_line("panic: close of closed channel [goroutine 1]");
	goc_chan_close(c);
	fail("the second goc_chan_close returned");
}

static int close_of_a_nil_channel_panics(void)
{
	expect_stderr_line("panic: close of nil channel [goroutine 1]");
	goc_chan_close(NULL);
	fail("goc_chan_close(NULL) returned");
}

static void close_nil(void *arg)
{
	(void)arg;
	expect_stderr_line("panic: close of nil channel [goroutine %lld]",
	                   (long long)goc_id());
	goc_chan_close(NULL);
	fail("goc_chan_close(NULL) returned");
}

static int close_of_a_nil_channel_panics_naming_the_goroutine(void)
{
	spawn(close_nil, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static const struct test_case cases[] = {
	CASE(close_wakes_every_waiting_receiver),
	CASE(close_wakes_every_waiting_receiver_of_an_empty_buffer),
	CASE(closing_a_signal_channel_broadcasts),
	CASE(buffered_values_are_received_after_close),
	CASE(recv_on_a_closed_channel_gives_the_zero_value),
	CASE(receiver_waiting_on_a_signal_channel_sees_the_close),
	CASE(send_on_a_closed_channel_panics, .status = 2),
	CASE(send_on_a_closed_channel_with_buffer_room_panics, .status = 2),
	CASE(send_on_a_closed_signal_channel_panics, .status = 2),
	CASE(send_on_a_closed_channel_panics_naming_the_goroutine, .status = 2,
             .out = "sends"),
	CASE(try_send_on_a_closed_channel_panics, .status = 2),
	CASE(try_send_on_a_closed_channel_with_buffer_room_panics, .status = 2),
	CASE(try_send_on_a_closed_full_channel_panics, .status = 2),
	CASE(send_timeout_on_a_closed_channel_panics, .status = 2),
	CASE(send_timeout_of_zero_on_a_closed_channel_panics, .status = 2),
	CASE(waiting_sender_panics_when_the_channel_closes, .status = 2),
	CASE(waiting_sender_on_a_full_buffer_panics_when_the_channel_closes,
             .status = 2),
	CASE(waiting_sender_in_a_plain_thread_panics_when_the_channel_closes,
             .status = 2),
	CASE(close_of_a_closed_channel_panics, .status = 2),
	CASE(close_of_a_closed_buffered_channel_with_values_panics, .status = 2),
	CASE(close_of_a_nil_channel_panics, .status = 2),
	CASE(close_of_a_nil_channel_panics_naming_the_goroutine, .status = 2),
};

TEST_MAIN(cases)
