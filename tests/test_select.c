/*
 * test_select.c — goc_select, goc_select_try, goc_select_timeout.
 *
 * A select waits until one of its cases can proceed, performs it and
 * returns its index; a chosen receive case's status is GOC_OK or
 * GOC_CLOSED (zero-filled elem), a chosen send case's GOC_OK and the value
 * is sent. Cases with a NULL channel are never chosen; with none left (or
 * n == 0) a select blocks forever, select_try returns -1 and
 * select_timeout returns -1 after the time. select_try returns -1 when no
 * case is ready; select_timeout returns -1 after at least ns (ns <= 0: as
 * select_try). A send case on a closed channel panics. A channel may
 * appear in several cases, sends and receives mix, and more than
 * GOC_SELECT_STACK_CASES cases work. (Fairness: test_select_fairness.)
 */
#include "helpers.h"

static goc_chan *make_int_chan(size_t cap) { return make_chan(sizeof(int), cap); }

/* ---- the chosen case ---- */

static int select_returns_the_index_of_the_ready_case(void)
{
	goc_chan *a = make_int_chan(1), *b = make_int_chan(1), *c = make_int_chan(1);
	int v = 7;
	goc_chan_send(b, &v);
	int got = 0;
	goc_case cs[] = {GOC_CASE_RECV(a, &got), GOC_CASE_RECV(b, &got),
	                 GOC_CASE_RECV(c, &got)};
	cs[1].status = -1;
	expect_eq(goc_select(cs, 3), 1);
	expect_status(cs[1].status, GOC_OK);
	expect_eq(got, 7);
	expect_eq(goc_chan_len(b), 0);
	goc_chan_release(a);
	goc_chan_release(b);
	goc_chan_release(c);
	return 0;
}

static int send_case_performs_the_send(void)
{
	goc_chan *full = make_int_chan(1), *room = make_int_chan(1);
	int v = 1;
	goc_chan_send(full, &v);
	int out = 8;
	goc_case cs[] = {GOC_CASE_SEND(full, &out), GOC_CASE_SEND(room, &out)};
	cs[1].status = -1;
	expect_eq(goc_select(cs, 2), 1);
	expect_status(cs[1].status, GOC_OK);
	out = 0; /* the channel has its own copy */
	expect_status(goc_chan_recv(room, &v), GOC_OK);
	expect_eq(v, 8);
	expect_eq(goc_chan_len(full), 1);
	goc_chan_release(full);
	goc_chan_release(room);
	return 0;
}

static int receive_case_on_a_closed_channel_reports_closed(void)
{
	goc_chan *open_ = make_int_chan(0), *closed = make_int_chan(0);
	goc_chan_close(closed);
	int got = 55;
	goc_case cs[] = {GOC_CASE_RECV(open_, &got), GOC_CASE_RECV(closed, &got)};
	expect_eq(goc_select(cs, 2), 1);
	expect_status(cs[1].status, GOC_CLOSED);
	expect_eq(got, 0);
	goc_chan_release(open_);
	goc_chan_release(closed);
	return 0;
}

static int buffered_values_are_selected_before_the_close_shows(void)
{
	goc_chan *c = make_int_chan(2);
	for (int i = 1; i <= 2; i++)
		goc_chan_send(c, &i);
	goc_chan_close(c);
	int got;
	goc_case cs[] = {GOC_CASE_RECV(c, &got)};
	for (int i = 1; i <= 2; i++) {
		expect_eq(goc_select(cs, 1), 0);
		expect_status(cs[0].status, GOC_OK);
		expect_eq(got, i);
	}
	expect_eq(goc_select(cs, 1), 0);
	expect_status(cs[0].status, GOC_CLOSED);
	goc_chan_release(c);
	return 0;
}

static int receive_case_with_a_null_elem_discards(void)
{
	goc_chan *c = make_int_chan(2);
	int v = 1;
	goc_chan_send(c, &v);
	v = 2;
	goc_chan_send(c, &v);
	goc_case cs[] = {GOC_CASE_RECV(c, NULL)};
	expect_eq(goc_select(cs, 1), 0);
	expect_status(goc_chan_recv(c, &v), GOC_OK);
	expect_eq(v, 2);
	goc_chan_release(c);
	return 0;
}

/* ---- blocking selects and who wakes them ---- */

struct delayed {
	goc_chan *c;
	int value;
	goc_wg done;
};

static void send_after_a_while(void *arg)
{
	struct delayed *d = arg;
	goc_sleep(ms(20));
	goc_chan_send(d->c, &d->value);
	goc_wg_done(&d->done);
}

static void recv_after_a_while(void *arg)
{
	struct delayed *d = arg;
	goc_sleep(ms(20));
	goc_chan_recv(d->c, &d->value);
	goc_wg_done(&d->done);
}

static void close_after_a_while(void *arg)
{
	struct delayed *d = arg;
	goc_sleep(ms(20));
	goc_chan_close(d->c);
	goc_wg_done(&d->done);
}

static int blocked_select_is_woken_by_a_sender(void)
{
	goc_chan *a = make_int_chan(0);
	struct delayed d = {make_int_chan(0), 31, {0}};
	goc_wg_add(&d.done, 1);
	spawn(send_after_a_while, &d);
	int got = 0;
	goc_case cs[] = {GOC_CASE_RECV(a, &got), GOC_CASE_RECV(d.c, &got)};
	expect_eq(goc_select(cs, 2), 1);
	expect_status(cs[1].status, GOC_OK);
	expect_eq(got, 31);
	goc_wg_wait(&d.done);
	/* its other case left a's queue */
	expect_status(goc_chan_try_send(a, &got), GOC_WOULDBLOCK);
	goc_chan_release(a);
	goc_chan_release(d.c);
	return 0;
}

static int blocked_select_is_woken_by_a_receiver(void)
{
	goc_chan *a = make_int_chan(0);
	struct delayed d = {make_int_chan(0), 0, {0}};
	goc_wg_add(&d.done, 1);
	spawn(recv_after_a_while, &d);
	int out = 32, got;
	goc_case cs[] = {GOC_CASE_RECV(a, &got), GOC_CASE_SEND(d.c, &out)};
	expect_eq(goc_select(cs, 2), 1);
	expect_status(cs[1].status, GOC_OK);
	goc_wg_wait(&d.done);
	expect_eq(d.value, 32);
	goc_chan_release(a);
	goc_chan_release(d.c);
	return 0;
}

static int blocked_select_is_woken_by_close(void)
{
	goc_chan *a = make_int_chan(0);
	struct delayed d = {make_int_chan(0), 0, {0}};
	goc_wg_add(&d.done, 1);
	spawn(close_after_a_while, &d);
	int got = 99;
	goc_case cs[] = {GOC_CASE_RECV(a, &got), GOC_CASE_RECV(d.c, &got)};
	expect_eq(goc_select(cs, 2), 1);
	expect_status(cs[1].status, GOC_CLOSED);
	expect_eq(got, 0);
	goc_wg_wait(&d.done);
	goc_chan_release(a);
	goc_chan_release(d.c);
	return 0;
}

static goc_chan *closing;

static void select_send_on_closing(void *arg)
{
	(void)arg;
	int v = 1;
	goc_case cs[] = {GOC_CASE_SEND(closing, &v)};
	expect_stderr_line("panic: send on closed channel [goroutine %lld]",
	                   (long long)goc_id());
	goc_select(cs, 1);
	fail("a select waiting to send returned after the channel closed");
}

static int blocked_send_case_panics_when_its_channel_closes(void)
{
	goc_maxprocs(1);
	closing = make_int_chan(0);
	spawn_blocked(select_send_on_closing, NULL);
	goc_chan_close(closing);
	goc_sleep(10 * GOC_SECOND);
	fail("the waiting select did not panic");
}

/* ---- NULL channels and empty selects ---- */

static int cases_with_a_nil_channel_are_never_chosen(void)
{
	goc_chan *c = make_int_chan(1);
	int v = 0, out = 1;
	for (int i = 0; i < 1000; i++) {
		goc_chan_send(c, &i);
		goc_case cs[] = {GOC_CASE_RECV(NULL, &v), GOC_CASE_SEND(NULL, &out),
		                 GOC_CASE_RECV(c, &v), GOC_CASE_RECV(NULL, NULL)};
		expect_eq(goc_select(cs, 4), 2);
		expect_eq(v, i);
	}
	goc_chan_release(c);
	return 0;
}

static int select_try_with_no_cases_or_only_nil_ones_returns_minus_one(void)
{
	expect_eq(goc_select_try(NULL, 0), -1);
	int v = 0;
	goc_case cs[] = {GOC_CASE_RECV(NULL, &v), GOC_CASE_SEND(NULL, &v)};
	expect_eq(goc_select_try(cs, 2), -1);
	return 0;
}

static int select_timeout_with_no_cases_returns_minus_one_after_the_time(void)
{
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(NULL, 0, ms(30)), -1);
	expect_took(start, ms(30));
	int v = 0;
	goc_case cs[] = {GOC_CASE_RECV(NULL, &v), GOC_CASE_SEND(NULL, &v)};
	start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, ms(30)), -1);
	expect_took(start, ms(30));
	start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, 0), -1);
	expect_quick(start);
	return 0;
}

static _Atomic int empty_selects;

static void select_nothing(void *arg)
{
	(void)arg;
	atomic_fetch_add(&empty_selects, 1);
	goc_select(NULL, 0);
	fail("goc_select with no cases returned");
}

static void select_only_nil(void *arg)
{
	(void)arg;
	int v;
	goc_case cs[] = {GOC_CASE_RECV(NULL, &v), GOC_CASE_SEND(NULL, &v)};
	atomic_fetch_add(&empty_selects, 1);
	goc_select(cs, 2);
	fail("goc_select with only nil channels returned");
}

static int empty_selects_block_their_goroutines_forever(void)
{
	spawn(select_nothing, NULL);
	spawn(select_only_nil, NULL);
	eventually(atomic_load(&empty_selects) == 2, 10);
	goc_sleep(ms(50)); /* a return would fail the case */
	printf("main returns");
	return 0;
}

static int main_in_an_empty_select_alone_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_select(NULL, 0);
	fail("goc_select with no cases returned");
}

static int main_in_a_select_of_nil_channels_alone_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	int v;
	goc_case cs[] = {GOC_CASE_RECV(NULL, &v)};
	goc_select(cs, 1);
	fail("goc_select with only nil channels returned");
}

/* ---- try and timeout ---- */

static int select_try_returns_minus_one_when_nothing_is_ready(void)
{
	goc_chan *u = make_int_chan(0), *empty = make_int_chan(1),
		 *full = make_int_chan(1);
	int v = 1;
	goc_chan_send(full, &v);
	goc_case cs[] = {GOC_CASE_RECV(u, &v), GOC_CASE_SEND(u, &v),
	                 GOC_CASE_RECV(empty, &v), GOC_CASE_SEND(full, &v)};
	int64_t start = goc_now();
	expect_eq(goc_select_try(cs, 4), -1);
	expect_quick(start);
	/* nothing happened */
	expect_eq(goc_chan_len(full), 1);
	expect_eq(goc_chan_len(empty), 0);
	/* and once a case is ready, select_try performs it */
	goc_chan_send(empty, &v);
	expect_eq(goc_select_try(cs, 4), 2);
	expect_status(cs[2].status, GOC_OK);
	goc_chan_release(u);
	goc_chan_release(empty);
	goc_chan_release(full);
	return 0;
}

static int select_timeout_returns_minus_one_after_at_least_ns(void)
{
	goc_chan *a = make_int_chan(0), *b = make_int_chan(1);
	int v = 1;
	goc_chan_send(b, &v);
	goc_case cs[] = {GOC_CASE_RECV(a, &v), GOC_CASE_SEND(b, &v)};
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, ms(30)), -1);
	expect_took(start, ms(30));
	/* its waiters left: a has no receiver now, b still holds one value */
	expect_status(goc_chan_try_send(a, &v), GOC_WOULDBLOCK);
	expect_eq(goc_chan_len(b), 1);
	goc_chan_release(a);
	goc_chan_release(b);
	return 0;
}

static int select_timeout_of_zero_or_less_behaves_as_try(void)
{
	goc_chan *c = make_int_chan(1);
	int v = 3;
	goc_case cs[] = {GOC_CASE_RECV(c, &v)};
	static const int64_t nonpositive[] = {0, -1, INT64_MIN};
	for (int k = 0; k < 3; k++) {
		int64_t start = goc_now();
		expect_eq(goc_select_timeout(cs, 1, nonpositive[k]), -1);
		expect_quick(start);
		goc_chan_send(c, &k);
		expect_eq(goc_select_timeout(cs, 1, nonpositive[k]), 0);
		expect_eq(v, k);
	}
	goc_chan_release(c);
	return 0;
}

static int select_timeout_succeeds_when_a_peer_comes_in_time(void)
{
	goc_chan *a = make_int_chan(0);
	struct delayed d = {make_int_chan(0), 33, {0}};
	goc_wg_add(&d.done, 1);
	spawn(send_after_a_while, &d);
	int got = 0;
	goc_case cs[] = {GOC_CASE_RECV(a, &got), GOC_CASE_RECV(d.c, &got)};
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, 20 * GOC_SECOND), 1);
	expect_lt(goc_now() - start, 20 * GOC_SECOND);
	expect_eq(got, 33);
	goc_wg_wait(&d.done);
	goc_chan_release(a);
	goc_chan_release(d.c);
	return 0;
}

/* ---- send on a closed channel ---- */

static goc_chan *closed_int_chan(size_t cap)
{
	static goc_chan *c;
	c = make_int_chan(cap);
	goc_chan_close(c);
	return c;
}

static int select_send_case_on_a_closed_channel_panics(void)
{
	int v = 1;
	goc_case cs[] = {GOC_CASE_SEND(closed_int_chan(1), &v)};
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_select(cs, 1);
	fail("the select returned");
}

static int select_try_send_case_on_a_closed_channel_panics(void)
{
	int v = 1;
	static goc_chan *other;
	other = make_int_chan(0);
	goc_case cs[] = {GOC_CASE_RECV(other, &v),
	                 GOC_CASE_SEND(closed_int_chan(0), &v)};
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_select_try(cs, 2);
	fail("the select returned");
}

static int select_timeout_send_case_on_a_closed_channel_panics(void)
{
	int v = 1;
	goc_case cs[] = {GOC_CASE_SEND(closed_int_chan(0), &v)};
	expect_stderr_line("panic: send on closed channel [goroutine 1]");
	goc_select_timeout(cs, 1, ms(100));
	fail("the select returned");
}

/* ---- one channel in several cases; sends and receives mixed ---- */

static int a_channel_may_appear_in_two_receive_cases(void)
{
	goc_chan *c = make_int_chan(1);
	long seen[2] = {0, 0};
	for (int i = 0; i < 2000; i++) {
		goc_chan_send(c, &i);
		int a = -1, b = -1;
		goc_case cs[] = {GOC_CASE_RECV(c, &a), GOC_CASE_RECV(c, &b)};
		int k = goc_select(cs, 2);
		expect(k == 0 || k == 1, "goc_select returned %d", k);
		expect_eq(k == 0 ? a : b, i);
		expect_eq(k == 0 ? b : a, -1); /* the other case got nothing */
		seen[k]++;
	}
	expect(seen[0] > 0 && seen[1] > 0, "one case was never chosen (%ld, %ld)",
	       seen[0], seen[1]);
	expect_eq(goc_chan_len(c), 0);
	goc_chan_release(c);
	return 0;
}

static int send_and_receive_cases_on_one_buffered_channel(void)
{
	goc_chan *c = make_int_chan(1);
	int out = 5, in = 0;
	goc_case cs[] = {GOC_CASE_SEND(c, &out), GOC_CASE_RECV(c, &in)};
	for (int i = 0; i < 100; i++) {
		out = i;
		expect_eq(goc_select(cs, 2), 0); /* empty: only the send can go */
		expect_eq(goc_chan_len(c), 1);
		expect_eq(goc_select(cs, 2), 1); /* full: only the receive */
		expect_eq(in, i);
	}
	goc_chan_release(c);
	return 0;
}

static int a_select_does_not_communicate_with_itself(void)
{
	goc_chan *c = make_int_chan(0);
	int out = 5, in = 0;
	goc_case cs[] = {GOC_CASE_SEND(c, &out), GOC_CASE_RECV(c, &in)};
	expect_eq(goc_select_try(cs, 2), -1);
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(cs, 2, ms(30)), -1);
	expect_took(start, ms(30));
	goc_chan_release(c);
	return 0;
}

struct pair_sel {
	goc_chan *c;
	int index;
	int value;
	goc_wg done;
};

static void select_send_or_recv_on(void *arg)
{
	struct pair_sel *p = arg;
	int out = 77, in = -1;
	goc_case cs[] = {GOC_CASE_SEND(p->c, &out), GOC_CASE_RECV(p->c, &in)};
	p->index = goc_select(cs, 2);
	p->value = in;
	goc_wg_done(&p->done);
}

static int two_selects_with_send_and_receive_cases_pair_up(void)
{
	long rounds = SCALED(2000);
	for (long r = 0; r < rounds; r++) {
		goc_chan *c = make_int_chan(0);
		struct pair_sel a = {c, -2, -1, {0}}, b = {c, -2, -1, {0}};
		goc_wg_add(&a.done, 1);
		goc_wg_add(&b.done, 1);
		spawn(select_send_or_recv_on, &a);
		spawn(select_send_or_recv_on, &b);
		goc_wg_wait(&a.done);
		goc_wg_wait(&b.done);
		/* one sent, the other received */
		expect(a.index + b.index == 1, "the selects chose cases %d and %d",
		       a.index, b.index);
		expect_eq(a.index == 1 ? a.value : b.value, 77);
		goc_chan_release(c);
	}
	return 0;
}

static int mixed_send_and_receive_cases_on_different_channels(void)
{
	goc_chan *in = make_int_chan(0);
	struct delayed d = {make_int_chan(0), 0, {0}};
	goc_wg_add(&d.done, 1);
	spawn(recv_after_a_while, &d);
	int got = 0, out = 34;
	goc_case cs[] = {GOC_CASE_RECV(in, &got), GOC_CASE_SEND(d.c, &out),
	                 GOC_CASE_RECV(NULL, &got)};
	expect_eq(goc_select(cs, 3), 1);
	goc_wg_wait(&d.done);
	expect_eq(d.value, 34);
	expect_eq(got, 0);
	goc_chan_release(in);
	goc_chan_release(d.c);
	return 0;
}

/* ---- more cases than fit on the stack ---- */

enum { MANY = 40 };

struct many {
	goc_chan *c[MANY];
	int got[MANY];
	goc_case cs[MANY];
};

static void many_make(struct many *m)
{
	for (int i = 0; i < MANY; i++) {
		m->c[i] = make_int_chan(i % 2); /* unbuffered and buffered */
		m->got[i] = -1;
		m->cs[i] = GOC_CASE_RECV(m->c[i], &m->got[i]);
	}
}

static void many_release(struct many *m)
{
	for (int i = 0; i < MANY; i++)
		goc_chan_release(m->c[i]);
}

static int select_with_more_cases_than_fit_on_the_stack(void)
{
	_Static_assert(MANY > GOC_SELECT_STACK_CASES,
	               "MANY must exceed the stack cases");
	struct many m;
	many_make(&m);
	int v = 37;
	goc_chan_send(m.c[37], &v);
	expect_eq(goc_select(m.cs, MANY), 37);
	expect_eq(m.got[37], 37);
	expect_eq(goc_select_try(m.cs, MANY), -1);
	int64_t start = goc_now();
	expect_eq(goc_select_timeout(m.cs, MANY, ms(30)), -1);
	expect_took(start, ms(30));
	many_release(&m);
	return 0;
}

struct many_sender {
	goc_chan *c;
	int value;
};

static void send_later(void *arg)
{
	struct many_sender *s = arg;
	goc_sleep(ms(20));
	goc_chan_send(s->c, &s->value);
}

static int blocked_select_with_many_cases_is_woken_by_one(void)
{
	struct many m;
	many_make(&m);
	for (int k = 0; k < MANY; k += 7) {
		struct many_sender s = {m.c[k], 1000 + k};
		spawn(send_later, &s);
		expect_eq(goc_select(m.cs, MANY), k);
		expect_eq(m.got[k], 1000 + k);
	}
	/* every waiter left every queue: no unbuffered channel has a receiver */
	int v = 0;
	for (int i = 0; i < MANY; i += 2)
		expect_status(goc_chan_try_send(m.c[i], &v), GOC_WOULDBLOCK);
	many_release(&m);
	return 0;
}

static int select_with_many_cases_sees_a_close(void)
{
	struct many m;
	many_make(&m);
	goc_chan_close(m.c[29]);
	expect_eq(goc_select(m.cs, MANY), 29);
	expect_status(m.cs[29].status, GOC_CLOSED);
	expect_eq(m.got[29], 0);
	many_release(&m);
	return 0;
}

/* A case that is neither a send nor a receive is a bug, not a receive. */
static int case_with_neither_direction_panics(void)
{
	goc_chan *c = make_chan(sizeof(int), 1);
	int v;
	goc_case cs[] = {GOC_CASE_RECV(c, &v), {c, 7, &v, 0}};
	goc_select(cs, 2);
	fail("goc_select returned");
}

static const struct test_case cases[] = {
	CASE(select_returns_the_index_of_the_ready_case),
	CASE(send_case_performs_the_send),
	CASE(receive_case_on_a_closed_channel_reports_closed),
	CASE(buffered_values_are_selected_before_the_close_shows),
	CASE(receive_case_with_a_null_elem_discards),
	CASE(blocked_select_is_woken_by_a_sender),
	CASE(blocked_select_is_woken_by_a_receiver),
	CASE(blocked_select_is_woken_by_close),
	CASE(blocked_send_case_panics_when_its_channel_closes, .status = 2),
	CASE(cases_with_a_nil_channel_are_never_chosen),
	CASE(select_try_with_no_cases_or_only_nil_ones_returns_minus_one),
	CASE(select_timeout_with_no_cases_returns_minus_one_after_the_time),
	CASE(empty_selects_block_their_goroutines_forever, .out = "main returns"),
	EXPECT_EXIT(
		case_with_neither_direction_panics, 2,
		"panic: select: case 1 has direction 7 (want GOC_SEND or GOC_RECV)"),
	EXPECT_EXIT(main_in_an_empty_select_alone_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	EXPECT_EXIT(main_in_a_select_of_nil_channels_alone_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	CASE(select_try_returns_minus_one_when_nothing_is_ready),
	CASE(select_timeout_returns_minus_one_after_at_least_ns),
	CASE(select_timeout_of_zero_or_less_behaves_as_try),
	CASE(select_timeout_succeeds_when_a_peer_comes_in_time),
	CASE(select_send_case_on_a_closed_channel_panics, .status = 2),
	CASE(select_try_send_case_on_a_closed_channel_panics, .status = 2),
	CASE(select_timeout_send_case_on_a_closed_channel_panics, .status = 2),
	CASE(a_channel_may_appear_in_two_receive_cases),
	CASE(send_and_receive_cases_on_one_buffered_channel),
	CASE(a_select_does_not_communicate_with_itself),
	CASE(two_selects_with_send_and_receive_cases_pair_up),
	CASE(mixed_send_and_receive_cases_on_different_channels),
	CASE(select_with_more_cases_than_fit_on_the_stack),
	CASE(blocked_select_with_many_cases_is_woken_by_one),
	CASE(select_with_many_cases_sees_a_close),
};

TEST_MAIN(cases)
