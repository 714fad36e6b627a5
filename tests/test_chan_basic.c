/*
 * test_chan_basic.c — making channels, sending and receiving values.
 *
 * goc_chan_make(elem_size, cap) makes a channel of elem_size-byte values
 * (0: a signal channel, elem may be NULL) with a buffer of cap (0:
 * unbuffered); elem_size * cap overflowing is EINVAL. Values are copied
 * by value; a receive into NULL discards. Values arrive in the order sent,
 * and blocked senders and receivers are served in arrival order. A NULL
 * channel blocks forever: a goroutine blocked on one does not keep main
 * from ending, and main blocked on one, alone, is Go's deadlock.
 */
#include "helpers.h"

struct point3 { /* 24 bytes */
	int64_t x, y, z;
};

/* ---- make, len, cap ---- */

static int unbuffered_channel_has_cap_and_len_zero(void)
{
	goc_chan *c = make_chan(sizeof(int), 0);
	expect_eq(goc_chan_cap(c), 0);
	expect_eq(goc_chan_len(c), 0);
	goc_chan_release(c);
	return 0;
}

static int buffered_channel_reports_its_cap_and_len(void)
{
	goc_chan *c = make_chan(sizeof(int), 5);
	expect_eq(goc_chan_cap(c), 5);
	for (int i = 0; i < 5; i++) {
		expect_eq(goc_chan_len(c), i);
		expect_status(goc_chan_send(c, &i), GOC_OK);
	}
	expect_eq(goc_chan_len(c), 5);
	int v;
	expect_status(goc_chan_recv(c, &v), GOC_OK);
	expect_eq(goc_chan_len(c), 4);
	expect_eq(goc_chan_cap(c), 5);
	goc_chan_release(c);
	return 0;
}

static int len_and_cap_of_a_nil_channel_are_zero(void)
{
	expect_eq(goc_chan_len(NULL), 0);
	expect_eq(goc_chan_cap(NULL), 0);
	return 0;
}

static int make_fails_with_einval_when_the_size_overflows(void)
{
	expect_null_with(goc_chan_make(SIZE_MAX / 2 + 1, 2), EINVAL);
	expect_null_with(goc_chan_make(8, SIZE_MAX / 4 + 1), EINVAL);
	expect_null_with(goc_chan_make(SIZE_MAX, SIZE_MAX), EINVAL);
	expect_null_with(goc_chan_make(2, SIZE_MAX), EINVAL);
	return 0;
}

static int make_fails_with_enomem_when_the_buffer_cannot_be_allocated(void)
{
	if (TEST_SANITIZED) /* their allocators abort on huge requests */
		skip("a sanitizer's allocator reports a 1 EiB request instead of failing");
	/* 2^60 bytes: no overflow, but more than any address space. */
	expect_null_with(goc_chan_make((size_t)1 << 30, (size_t)1 << 30), ENOMEM);
	return 0;
}

/* ---- signal channels (elem_size 0) ---- */

static int signal_channel_with_a_buffer_counts_signals(void)
{
	goc_chan *c = make_chan(0, 3);
	expect_eq(goc_chan_cap(c), 3);
	for (int i = 0; i < 3; i++)
		expect_status(goc_chan_send(c, NULL), GOC_OK);
	expect_eq(goc_chan_len(c), 3);
	expect_status(goc_chan_try_send(c, NULL), GOC_WOULDBLOCK);
	for (int i = 0; i < 3; i++)
		expect_status(goc_chan_recv(c, NULL), GOC_OK);
	expect_eq(goc_chan_len(c), 0);
	expect_status(goc_chan_try_recv(c, NULL), GOC_WOULDBLOCK);
	goc_chan_release(c);
	return 0;
}

static void signal_twice(void *arg)
{
	goc_chan_send(arg, NULL);
	goc_chan_send(arg, NULL);
}

static int unbuffered_signal_channel_synchronises_goroutines(void)
{
	goc_chan *c = make_chan(0, 0);
	spawn(signal_twice, c);
	expect_status(goc_chan_recv(c, NULL), GOC_OK);
	/* elem may also be a real pointer: nothing is written to it */
	long untouched = 12345;
	expect_status(goc_chan_recv(c, &untouched), GOC_OK);
	expect_eq(untouched, 12345);
	goc_chan_release(c);
	return 0;
}

static int signal_channel_with_a_large_cap_needs_no_buffer(void)
{
	goc_chan *c = make_chan(0, (size_t)1 << 40);
	expect_eq(goc_chan_cap(c), (long long)1 << 40);
	for (int i = 0; i < 1000; i++)
		expect_status(goc_chan_try_send(c, NULL), GOC_OK);
	expect_eq(goc_chan_len(c), 1000);
	goc_chan_release(c);
	return 0;
}

/* ---- values are copied ---- */

static int buffered_values_are_copied_at_send(void)
{
	goc_chan *c = make_chan(sizeof(struct point3), 2);
	struct point3 p = {1, 2, 3};
	goc_chan_send(c, &p);
	p = (struct point3){-1, -2, -3}; /* the channel holds its own copy */
	goc_chan_send(c, &p);
	p = (struct point3){0, 0, 0};
	struct point3 got;
	expect_status(goc_chan_recv(c, &got), GOC_OK);
	expect(got.x == 1 && got.y == 2 && got.z == 3, "received {%lld, %lld, %lld}",
	       (long long)got.x, (long long)got.y, (long long)got.z);
	expect_status(goc_chan_recv(c, &got), GOC_OK);
	expect(got.x == -1 && got.y == -2 && got.z == -3, "received {%lld, %lld, %lld}",
	       (long long)got.x, (long long)got.y, (long long)got.z);
	goc_chan_release(c);
	return 0;
}

static void send_points_then_scribble(void *arg)
{
	goc_chan *c = arg;
	for (int64_t i = 0; i < 1000; i++) {
		struct point3 p = {i, i * 2, i * 3};
		goc_chan_send(c, &p);
		p = (struct point3){-7, -7, -7}; /* after the send: not seen */
		(void)p;
	}
}

static int unbuffered_values_are_copied_between_goroutines(void)
{
	goc_chan *c = make_chan(sizeof(struct point3), 0);
	spawn(send_points_then_scribble, c);
	for (int64_t i = 0; i < 1000; i++) {
		struct point3 got = {99, 99, 99};
		expect_status(goc_chan_recv(c, &got), GOC_OK);
		expect(got.x == i && got.y == 2 * i && got.z == 3 * i,
		       "value %lld arrived as {%lld, %lld, %lld}", (long long)i,
		       (long long)got.x, (long long)got.y, (long long)got.z);
	}
	goc_chan_release(c);
	return 0;
}

/* Values of sizes 1 … 4096 arrive intact, and exactly elem_size bytes
 * are written into the receiver's variable (guard bytes around it). */
enum { GUARD = 16, BIGGEST = 4096 };
static const size_t sizes[] = {1,  2,  3,  4,  5,   7,    8,      9,
                               12, 16, 24, 33, 100, 1000, BIGGEST};

struct sized {
	goc_chan *c;
	size_t size;
	int count;
};

static void fill(unsigned char *p, size_t size, int seq)
{
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(seq * 31 + i * 7 + size);
}

static void send_sized(void *arg)
{
	struct sized s = *(struct sized *)arg; /* the spawner's goes away */
	unsigned char v[BIGGEST];
	for (int k = 0; k < s.count; k++) {
		fill(v, s.size, k);
		goc_chan_send(s.c, v);
	}
}

static void expect_sized_values(struct sized *s)
{
	static unsigned char buf[GUARD + BIGGEST + GUARD];
	unsigned char want[BIGGEST];
	for (int k = 0; k < s->count; k++) {
		memset(buf, 0xEE, sizeof buf);
		expect_status(goc_chan_recv(s->c, buf + GUARD), GOC_OK);
		fill(want, s->size, k);
		expect(memcmp(buf + GUARD, want, s->size) == 0,
		       "value %d of %zu bytes arrived changed", k, s->size);
		for (size_t i = 0; i < GUARD; i++) {
			expect(buf[i] == 0xEE,
			       "a receive of %zu bytes wrote before the variable",
			       s->size);
			expect(buf[GUARD + s->size + i] == 0xEE,
			       "a receive of %zu bytes wrote %zu bytes past the variable",
			       s->size, i + 1);
		}
	}
}

static int values_of_every_size_arrive_intact(void)
{
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		for (size_t cap = 0; cap <= 4; cap += 4) {
			struct sized s = {make_chan(sizes[k], cap), sizes[k], 50};
			spawn(send_sized, &s);
			expect_sized_values(&s);
			goc_chan_release(s.c);
		}
	}
	return 0;
}

static void send_three(void *arg)
{
	for (int i = 1; i <= 3; i++)
		goc_chan_send(arg, &i);
}

static int recv_into_null_discards_the_value(void)
{
	goc_chan *b = make_chan(sizeof(int), 3);
	send_three(b);
	expect_status(goc_chan_recv(b, NULL), GOC_OK);
	int v = 0;
	expect_status(goc_chan_recv(b, &v), GOC_OK);
	expect_eq(v, 2);
	expect_status(goc_chan_recv(b, NULL), GOC_OK);
	expect_eq(goc_chan_len(b), 0);
	goc_chan_release(b);

	goc_chan *u = make_chan(sizeof(int), 0);
	spawn(send_three, u);
	expect_status(goc_chan_recv(u, NULL), GOC_OK);
	expect_status(goc_chan_recv(u, NULL), GOC_OK);
	expect_status(goc_chan_recv(u, &v), GOC_OK);
	expect_eq(v, 3);
	goc_chan_release(u);
	return 0;
}

/* ---- FIFO ---- */

static int buffered_channel_delivers_in_send_order(void)
{
	goc_chan *c = make_chan(sizeof(int), 100);
	for (int i = 0; i < 100; i++)
		goc_chan_send(c, &i);
	for (int i = 0; i < 100; i++) {
		int v = -1;
		goc_chan_recv(c, &v);
		expect_eq(v, i);
	}
	goc_chan_release(c);
	return 0;
}

static int buffered_channel_keeps_order_as_its_ring_wraps(void)
{
	goc_chan *c = make_chan(sizeof(long), 7);
	long sent = 0, received = 0;
	for (int round = 0; round < 1000; round++) {
		int burst = 1 + round % 7; /* fill to varying depths */
		for (int i = 0; i < burst && goc_chan_len(c) < 7; i++) {
			expect_status(goc_chan_send(c, &sent), GOC_OK);
			sent++;
		}
		int drain = 1 + (round * 5) % 7;
		for (int i = 0; i < drain && goc_chan_len(c) > 0; i++) {
			long v = -1;
			expect_status(goc_chan_recv(c, &v), GOC_OK);
			expect_eq(v, received);
			received++;
		}
	}
	goc_chan_release(c);
	return 0;
}

struct counted {
	goc_chan *c;
	long n;
};

static void send_counting(void *arg)
{
	struct counted s = *(struct counted *)arg;
	for (long i = 0; i < s.n; i++)
		goc_chan_send(s.c, &i);
}

static int unbuffered_channel_delivers_in_send_order(void)
{
	struct counted s = {make_chan(sizeof(long), 0), SCALED(20000)};
	spawn(send_counting, &s);
	for (long i = 0; i < s.n; i++) {
		long v = -1;
		goc_chan_recv(s.c, &v);
		expect_eq(v, i);
	}
	goc_chan_release(s.c);
	return 0;
}

/* Many senders, one receiver: each sender's values stay in its order. */
struct tagged {
	int32_t sender;
	int32_t seq;
};

enum { SENDERS = 8 };

struct tagger {
	goc_chan *c;
	int32_t id, n;
};

static void send_tagged(void *arg)
{
	struct tagger t = *(struct tagger *)arg;
	for (int32_t i = 0; i < t.n; i++) {
		struct tagged v = {t.id, i};
		goc_chan_send(t.c, &v);
	}
}

static void expect_per_sender_order(size_t cap)
{
	goc_chan *c = make_chan(sizeof(struct tagged), cap);
	int32_t n = SCALED(20000);
	struct tagger t[SENDERS];
	for (int i = 0; i < SENDERS; i++) {
		t[i] = (struct tagger){c, i, n};
		spawn(send_tagged, &t[i]);
	}
	int32_t next[SENDERS] = {0};
	for (long k = 0; k < (long)n * SENDERS; k++) {
		struct tagged v;
		goc_chan_recv(c, &v);
		expect(v.sender >= 0 && v.sender < SENDERS,
		       "a value came from sender %d", v.sender);
		expect(v.seq == next[v.sender],
		       "sender %d's value %d came when %d was next", v.sender, v.seq,
		       next[v.sender]);
		next[v.sender]++;
	}
	goc_chan_release(c);
}

static int each_senders_values_stay_in_order_unbuffered(void)
{
	expect_per_sender_order(0);
	return 0;
}

static int each_senders_values_stay_in_order_buffered(void)
{
	expect_per_sender_order(16);
	return 0;
}

/* ---- blocked senders and receivers are served in arrival order ---- */

enum { WAITERS = 20 };

struct waiter_arg {
	goc_chan *c;
	int id;
	int got;
	goc_wg *wg;
};

static void send_id(void *arg)
{
	struct waiter_arg *w = arg;
	goc_chan_send(w->c, &w->id);
}

static void recv_into_got(void *arg)
{
	struct waiter_arg *w = arg;
	goc_chan_recv(w->c, &w->got);
	goc_wg_done(w->wg);
}

static int blocked_senders_are_served_in_arrival_order(void)
{
	goc_maxprocs(1);
	goc_chan *c = make_chan(sizeof(int), 0);
	struct waiter_arg w[WAITERS];
	for (int i = 0; i < WAITERS; i++) {
		w[i] = (struct waiter_arg){c, i, -1, NULL};
		spawn_blocked(send_id, &w[i]); /* sender i waits behind i - 1 */
	}
	for (int i = 0; i < WAITERS; i++) {
		int v = -1;
		goc_chan_recv(c, &v);
		expect(v == i, "receive %d got the value of sender %d", i, v);
	}
	goc_chan_release(c);
	return 0;
}

static int blocked_senders_on_a_full_buffer_are_served_in_arrival_order(void)
{
	goc_maxprocs(1);
	goc_chan *c = make_chan(sizeof(int), 3);
	for (int i = 100; i < 103; i++)
		goc_chan_send(c, &i);
	struct waiter_arg w[WAITERS];
	for (int i = 0; i < WAITERS; i++) {
		w[i] = (struct waiter_arg){c, i, -1, NULL};
		spawn_blocked(send_id, &w[i]);
	}
	/* The buffered values first, then the waiting senders' in order;
	 * the buffer stays full while senders wait. */
	for (int k = 0; k < 3 + WAITERS; k++) {
		int v = -1;
		goc_chan_recv(c, &v);
		int want = k < 3 ? 100 + k : k - 3;
		expect(v == want, "receive %d got %d, expected %d", k, v, want);
		if (k < WAITERS)
			expect_eq(goc_chan_len(c), 3);
	}
	expect_eq(goc_chan_len(c), 0);
	goc_chan_release(c);
	return 0;
}

static void expect_receivers_in_arrival_order(size_t cap)
{
	goc_maxprocs(1);
	goc_chan *c = make_chan(sizeof(int), cap);
	goc_wg wg = {0};
	goc_wg_add(&wg, WAITERS);
	struct waiter_arg w[WAITERS];
	for (int i = 0; i < WAITERS; i++) {
		w[i] = (struct waiter_arg){c, i, -1, &wg};
		spawn_blocked(recv_into_got, &w[i]);
	}
	for (int i = 0; i < WAITERS; i++)
		goc_chan_send(c, &i);
	goc_wg_wait(&wg);
	for (int i = 0; i < WAITERS; i++)
		expect(w[i].got == i, "receiver %d (the %d-th to wait) got value %d", i,
		       i + 1, w[i].got);
	goc_chan_release(c);
}

static int blocked_receivers_are_served_in_arrival_order(void)
{
	expect_receivers_in_arrival_order(0);
	return 0;
}

static int blocked_receivers_on_an_empty_buffer_are_served_in_arrival_order(void)
{
	expect_receivers_in_arrival_order(4);
	return 0;
}

/* ---- nil channels block forever ---- */

static _Atomic int nil_blockers;

static void send_on_nil(void *arg)
{
	(void)arg;
	int v = 1;
	atomic_fetch_add(&nil_blockers, 1);
	goc_chan_send(NULL, &v);
	fail("goc_chan_send on a nil channel returned");
}

static void recv_on_nil(void *arg)
{
	(void)arg;
	int v;
	atomic_fetch_add(&nil_blockers, 1);
	goc_chan_recv(NULL, &v);
	fail("goc_chan_recv on a nil channel returned");
}

static int goroutines_blocked_on_a_nil_channel_do_not_keep_main_alive(void)
{
	spawn(send_on_nil, NULL);
	spawn(recv_on_nil, NULL);
	eventually(atomic_load(&nil_blockers) == 2, 10);
	goc_sleep(ms(50)); /* they stay blocked: a return would fail the case */
	printf("main returns");
	return 0; /* the process ends although they never will */
}

static int main_receiving_on_a_nil_channel_alone_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	int v;
	goc_chan_recv(NULL, &v);
	fail("goc_chan_recv on a nil channel returned");
}

static int main_sending_on_a_nil_channel_alone_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	spawn(recv_on_nil, NULL); /* blocked forever too */
	int v = 1;
	goc_chan_send(NULL, &v);
	fail("goc_chan_send on a nil channel returned");
}

static int main_receiving_on_a_channel_nobody_sends_on_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	static goc_chan *c; /* static: reachable until the process ends */
	c = make_chan(sizeof(int), 0);
	int v;
	goc_chan_recv(c, &v);
	fail("goc_chan_recv returned with no sender");
}

static const struct test_case cases[] = {
	CASE(unbuffered_channel_has_cap_and_len_zero),
	CASE(buffered_channel_reports_its_cap_and_len),
	CASE(len_and_cap_of_a_nil_channel_are_zero),
	CASE(make_fails_with_einval_when_the_size_overflows),
	CASE(make_fails_with_enomem_when_the_buffer_cannot_be_allocated),
	CASE(signal_channel_with_a_buffer_counts_signals),
	CASE(unbuffered_signal_channel_synchronises_goroutines),
	CASE(signal_channel_with_a_large_cap_needs_no_buffer),
	CASE(buffered_values_are_copied_at_send),
	CASE(unbuffered_values_are_copied_between_goroutines),
	CASE(values_of_every_size_arrive_intact),
	CASE(recv_into_null_discards_the_value),
	CASE(buffered_channel_delivers_in_send_order),
	CASE(buffered_channel_keeps_order_as_its_ring_wraps),
	CASE(unbuffered_channel_delivers_in_send_order),
	CASE(each_senders_values_stay_in_order_unbuffered),
	CASE(each_senders_values_stay_in_order_buffered),
	CASE(blocked_senders_are_served_in_arrival_order),
	CASE(blocked_senders_on_a_full_buffer_are_served_in_arrival_order),
	CASE(blocked_receivers_are_served_in_arrival_order),
	CASE(blocked_receivers_on_an_empty_buffer_are_served_in_arrival_order),
	CASE(goroutines_blocked_on_a_nil_channel_do_not_keep_main_alive,
             .out = "main returns"),
	EXPECT_EXIT(main_receiving_on_a_nil_channel_alone_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	EXPECT_EXIT(main_sending_on_a_nil_channel_alone_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	EXPECT_EXIT(main_receiving_on_a_channel_nobody_sends_on_is_a_deadlock, 2,
                    DEADLOCK, .timeout = 10),
};

TEST_MAIN(cases)
