/*
 * test_chan_threads.c — channels and select called from plain pthreads.
 *
 * A thread that is not running a goroutine (a pthread, or main() before
 * or without goc_main) may use channels: a blocking call blocks that
 * thread until it can proceed, while goroutines go on running; timeouts
 * and select work the same. Goroutines and threads talk both ways.
 */
#include "helpers.h"

struct link {
	goc_chan *c;
	long n;
	long value;
	int status;
	goc_wg done;
};

static void *thread_recv(void *arg)
{
	struct link *l = arg;
	expect_eq(goc_id(), 0);
	l->status = goc_chan_recv(l->c, &l->value);
	return NULL;
}

static void *thread_send(void *arg)
{
	struct link *l = arg;
	l->status = goc_chan_send(l->c, &l->value);
	return NULL;
}

static void goroutine_send_late(void *arg)
{
	struct link *l = arg;
	goc_sleep(ms(30));
	goc_chan_send(l->c, &l->n);
	goc_wg_done(&l->done);
}

static void goroutine_recv_late(void *arg)
{
	struct link *l = arg;
	goc_sleep(ms(30));
	goc_chan_recv(l->c, &l->n);
	goc_wg_done(&l->done);
}

static int plain_thread_blocks_on_recv_until_a_goroutine_sends(void)
{
	struct link l = {make_chan(sizeof(long), 0), 42, 0, -1, {0}};
	goc_wg_add(&l.done, 1);
	spawn(goroutine_send_late, &l);
	thread_join(thread_start(thread_recv, &l));
	expect_eq(l.status, GOC_OK);
	expect_eq(l.value, 42);
	goc_wg_wait(&l.done);
	goc_chan_release(l.c);
	return 0;
}

static int plain_thread_blocks_on_send_until_a_goroutine_receives(void)
{
	struct link l = {make_chan(sizeof(long), 0), 0, 43, -1, {0}};
	goc_wg_add(&l.done, 1);
	spawn(goroutine_recv_late, &l);
	thread_join(thread_start(thread_send, &l));
	expect_eq(l.status, GOC_OK);
	goc_wg_wait(&l.done);
	expect_eq(l.n, 43);
	goc_chan_release(l.c);
	return 0;
}

static void *thread_send_late(void *arg)
{
	struct link *l = arg;
	usleep(30 * 1000); /* a plain sleep: the goroutine really waits */
	l->status = goc_chan_send(l->c, &l->value);
	return NULL;
}

static void *thread_recv_late(void *arg)
{
	struct link *l = arg;
	usleep(30 * 1000);
	l->status = goc_chan_recv(l->c, &l->value);
	return NULL;
}

static int goroutine_blocks_on_recv_until_a_plain_thread_sends(void)
{
	struct link l = {make_chan(sizeof(long), 0), 0, 44, -1, {0}};
	pthread_t t = thread_start(thread_send_late, &l);
	long v = 0;
	expect_status(goc_chan_recv(l.c, &v), GOC_OK);
	expect_eq(v, 44);
	thread_join(t);
	expect_eq(l.status, GOC_OK);
	goc_chan_release(l.c);
	return 0;
}

static int goroutine_blocks_on_send_until_a_plain_thread_receives(void)
{
	struct link l = {make_chan(sizeof(long), 0), 0, 0, -1, {0}};
	pthread_t t = thread_start(thread_recv_late, &l);
	long v = 45;
	expect_status(goc_chan_send(l.c, &v), GOC_OK);
	thread_join(t);
	expect_eq(l.status, GOC_OK);
	expect_eq(l.value, 45);
	goc_chan_release(l.c);
	return 0;
}

/* Ping-pong between a goroutine and a plain thread: each blocks in turn. */
struct rally {
	goc_chan *ping, *pong;
	long n;
};

static void *return_balls(void *arg)
{
	struct rally *r = arg;
	for (long i = 0; i < r->n; i++) {
		long v = -1;
		expect_status(goc_chan_recv(r->ping, &v), GOC_OK);
		expect_eq(v, i);
		v++;
		expect_status(goc_chan_send(r->pong, &v), GOC_OK);
	}
	return NULL;
}

static int goroutine_and_plain_thread_play_ping_pong(void)
{
	struct rally r = {make_chan(sizeof(long), 0), make_chan(sizeof(long), 0),
	                  SCALED(20000)};
	pthread_t t = thread_start(return_balls, &r);
	for (long i = 0; i < r.n; i++) {
		expect_status(goc_chan_send(r.ping, &i), GOC_OK);
		long v = -1;
		expect_status(goc_chan_recv(r.pong, &v), GOC_OK);
		expect_eq(v, i + 1);
	}
	thread_join(t);
	goc_chan_release(r.ping);
	goc_chan_release(r.pong);
	return 0;
}

static void *serve_balls_from_thread(void *arg)
{
	struct rally *r = arg;
	for (long i = 0; i < r->n; i++) {
		expect_status(goc_chan_send(r->ping, &i), GOC_OK);
		long v = -1;
		expect_status(goc_chan_recv(r->pong, &v), GOC_OK);
		expect_eq(v, i + 1);
	}
	return NULL;
}

static int two_plain_threads_play_ping_pong_through_goc(void)
{
	struct rally r = {make_chan(sizeof(long), 0), make_chan(sizeof(long), 0),
	                  SCALED(20000)};
	pthread_t a = thread_start(return_balls, &r);
	pthread_t b = thread_start(serve_balls_from_thread, &r);
	thread_join(a);
	thread_join(b);
	goc_chan_release(r.ping);
	goc_chan_release(r.pong);
	return 0;
}

/* ---- select and timeouts from a plain thread ---- */

struct sel_link {
	goc_chan *a, *b;
	int index, status;
	long value;
	int64_t waited;
};

static void *thread_select(void *arg)
{
	struct sel_link *s = arg;
	goc_case cs[] = {GOC_CASE_RECV(s->a, &s->value),
	                 GOC_CASE_RECV(s->b, &s->value)};
	s->index = goc_select(cs, 2);
	s->status = cs[s->index < 0 ? 0 : s->index].status;
	return NULL;
}

static void send_on_b_late(void *arg)
{
	struct sel_link *s = arg;
	goc_sleep(ms(30));
	long v = 46;
	goc_chan_send(s->b, &v);
}

static int select_from_a_plain_thread_waits_for_a_goroutine(void)
{
	struct sel_link s = {
		make_chan(sizeof(long), 0), make_chan(sizeof(long), 0), -2, -1, 0, 0};
	spawn(send_on_b_late, &s);
	thread_join(thread_start(thread_select, &s));
	expect_eq(s.index, 1);
	expect_eq(s.status, GOC_OK);
	expect_eq(s.value, 46);
	goc_chan_release(s.a);
	goc_chan_release(s.b);
	return 0;
}

static void *thread_timeouts(void *arg)
{
	struct sel_link *s = arg;
	long v;
	int64_t start = goc_now();
	expect_status(goc_chan_recv_timeout(s->a, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	start = goc_now();
	v = 1;
	expect_status(goc_chan_send_timeout(s->a, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	goc_case cs[] = {GOC_CASE_RECV(s->a, &v), GOC_CASE_SEND(s->b, &v)};
	start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, ms(30)), -1);
	expect_took(start, ms(30));
	expect_eq(goc_select_try(cs, 2), -1);
	start = goc_now();
	expect_status(goc_chan_recv_timeout(NULL, &v, ms(30)), GOC_TIMEOUT);
	expect_took(start, ms(30));
	return NULL;
}

static int timeouts_from_a_plain_thread(void)
{
	struct sel_link s = {
		make_chan(sizeof(long), 0), make_chan(sizeof(long), 0), -2, -1, 0, 0};
	thread_join(thread_start(thread_timeouts, &s));
	goc_chan_release(s.a);
	goc_chan_release(s.b);
	return 0;
}

static void *thread_recv_timeout_in_time(void *arg)
{
	struct sel_link *s = arg;
	int64_t start = goc_now();
	s->status = goc_chan_recv_timeout(s->b, &s->value, 20 * GOC_SECOND);
	s->waited = goc_now() - start;
	return NULL;
}

static int timed_recv_from_a_plain_thread_succeeds_in_time(void)
{
	struct sel_link s = {
		make_chan(sizeof(long), 0), make_chan(sizeof(long), 0), -2, -1, 0, 0};
	spawn(send_on_b_late, &s);
	thread_join(thread_start(thread_recv_timeout_in_time, &s));
	expect_eq(s.status, GOC_OK);
	expect_eq(s.value, 46);
	expect_lt(s.waited, 20 * GOC_SECOND);
	goc_chan_release(s.a);
	goc_chan_release(s.b);
	return 0;
}

/* ---- close across goroutines and threads ---- */

static void *close_from_thread(void *arg)
{
	usleep(30 * 1000);
	goc_chan_close(arg);
	return NULL;
}

static int close_from_a_plain_thread_wakes_a_goroutine(void)
{
	goc_chan *c = make_chan(sizeof(long), 0);
	pthread_t t = thread_start(close_from_thread, c);
	long v = 3;
	expect_status(goc_chan_recv(c, &v), GOC_CLOSED);
	expect_eq(v, 0);
	thread_join(t);
	goc_chan_release(c);
	return 0;
}

static void close_late(void *arg)
{
	goc_sleep(ms(30));
	goc_chan_close(arg);
}

static int close_from_a_goroutine_wakes_a_plain_thread(void)
{
	struct link l = {make_chan(sizeof(long), 0), 0, 5, -1, {0}};
	spawn(close_late, l.c);
	thread_join(thread_start(thread_recv, &l));
	expect_eq(l.status, GOC_CLOSED);
	expect_eq(l.value, 0);
	goc_chan_release(l.c);
	return 0;
}

/* The goroutine waits for a reply from a thread it has just woken: not a
 * deadlock, however late the thread gets going. */
static void *echo_once(void *arg)
{
	struct rally *r = arg;
	long v;
	int st = goc_chan_recv(r->ping, &v);
	goc_chan_send(r->pong, &st);
	return NULL;
}

static int waking_a_plain_thread_then_waiting_for_it_is_not_a_deadlock(void)
{
	long rounds = SCALED(300);
	for (long i = 0; i < rounds; i++) {
		struct rally r = {make_chan(sizeof(long), 0), make_chan(sizeof(int), 0),
		                  1};
		pthread_t t = thread_start(echo_once, &r);
		if (i % 2) {
			goc_chan_close(r.ping); /* wakes the thread, or it sees it */
		} else {
			long v = 1;
			goc_chan_send(r.ping, &v); /* hands it the value */
		}
		int st = -1;
		expect_status(goc_chan_recv(r.pong, &st), GOC_OK);
		expect_eq(st, i % 2 ? GOC_CLOSED : GOC_OK);
		thread_join(t);
		goc_chan_release(r.ping);
		goc_chan_release(r.pong);
	}
	return 0;
}

/* ---- main() without goc_main ---- */

static void send_from_goroutine(void *arg)
{
	long v = 47;
	goc_chan_send(arg, &v);
}

static int main_thread_without_goc_main_receives_from_a_goroutine(void)
{
	goc_chan *c = make_chan(sizeof(long), 0);
	expect_eq(goc_id(), 0);
	spawn(send_from_goroutine, c);
	long v = 0;
	expect_status(goc_chan_recv(c, &v), GOC_OK);
	expect_eq(v, 47);
	goc_case cs[] = {GOC_CASE_RECV(c, &v)};
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(cs, 1, ms(20)), -1);
	expect_took(start, ms(20));
	goc_chan_release(c);
	return 0;
}

static int main_thread_before_any_goroutine_uses_a_buffered_channel(void)
{
	goc_chan *c = make_chan(sizeof(long), 2); /* the runtime may not exist yet */
	long v = 1;
	expect_status(goc_chan_send(c, &v), GOC_OK);
	expect_status(goc_chan_try_recv(c, &v), GOC_OK);
	expect_status(goc_chan_try_recv(c, &v), GOC_WOULDBLOCK);
	int64_t start = goc_now();
	expect_status(goc_chan_recv_timeout(c, &v, ms(20)), GOC_TIMEOUT);
	expect_took(start, ms(20));
	goc_chan_release(c);
	return 0;
}

static const struct test_case cases[] = {
	CASE(plain_thread_blocks_on_recv_until_a_goroutine_sends),
	CASE(plain_thread_blocks_on_send_until_a_goroutine_receives),
	CASE(goroutine_blocks_on_recv_until_a_plain_thread_sends),
	CASE(goroutine_blocks_on_send_until_a_plain_thread_receives),
	CASE(goroutine_and_plain_thread_play_ping_pong),
	CASE(two_plain_threads_play_ping_pong_through_goc),
	CASE(select_from_a_plain_thread_waits_for_a_goroutine),
	CASE(timeouts_from_a_plain_thread),
	CASE(timed_recv_from_a_plain_thread_succeeds_in_time),
	CASE(close_from_a_plain_thread_wakes_a_goroutine),
	CASE(close_from_a_goroutine_wakes_a_plain_thread),
	CASE(waking_a_plain_thread_then_waiting_for_it_is_not_a_deadlock),
	PLAIN_CASE(main_thread_without_goc_main_receives_from_a_goroutine),
	PLAIN_CASE(main_thread_before_any_goroutine_uses_a_buffered_channel),
};

TEST_MAIN(cases)
