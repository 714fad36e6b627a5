/*
 * test_chan_stress.c — channels and select under load: every value
 * delivered exactly once, close racing with blocked senders and
 * receivers, timeouts racing with peers, references taken and dropped
 * concurrently. Counts go through SCALED() and every case is bounded in
 * time; run under the sanitizers too.
 */
#include "helpers.h"

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* ---- exactly once: a bitmap of every value sent ---- */

struct bitmap {
	_Atomic uint64_t *words;
	long bits;
};

static void bitmap_init(struct bitmap *b, long bits)
{
	b->bits = bits;
	b->words = calloc((size_t)(bits + 63) / 64, sizeof *b->words);
	if (!b->words)
		fail("out of memory for %ld bits", bits);
}

/* Mark v; fails if it was marked already (a value delivered twice). */
static void bitmap_mark(struct bitmap *b, long v)
{
	expect(v >= 0 && v < b->bits, "a value %ld that nobody sent arrived", v);
	uint64_t bit = (uint64_t)1 << (v % 64);
	uint64_t old = atomic_fetch_or(&b->words[v / 64], bit);
	expect(!(old & bit), "value %ld arrived twice", v);
}

static void bitmap_expect_full(struct bitmap *b)
{
	for (long v = 0; v < b->bits; v++)
		if (!(atomic_load(&b->words[v / 64]) & ((uint64_t)1 << (v % 64))))
			fail("value %ld of %ld was lost", v, b->bits);
	free((void *)b->words);
}

enum { PRODUCERS = 8, CONSUMERS = 8 };

struct mpmc {
	goc_chan *c;
	long per_producer;
	struct bitmap seen;
	goc_wg producers, consumers;
	_Atomic int next_id;
};

static void produce(void *arg)
{
	struct mpmc *m = arg;
	long id = atomic_fetch_add(&m->next_id, 1);
	for (long i = 0; i < m->per_producer; i++) {
		long v = id * m->per_producer + i; /* unique over all producers */
		goc_chan_send(m->c, &v);
	}
	goc_wg_done(&m->producers);
}

static void consume(void *arg)
{
	struct mpmc *m = arg;
	long v;
	while (goc_chan_recv(m->c, &v) == GOC_OK)
		bitmap_mark(&m->seen, v);
	goc_wg_done(&m->consumers);
}

static void close_after_producers(void *arg)
{
	struct mpmc *m = arg;
	goc_wg_wait(&m->producers);
	goc_chan_close(m->c);
}

static void expect_every_value_once(size_t cap)
{
	struct mpmc m = {
		make_chan(sizeof(long), cap), SCALED(100000), {0}, {0}, {0}, 0};
	bitmap_init(&m.seen, m.per_producer * PRODUCERS);
	goc_wg_add(&m.producers, PRODUCERS);
	goc_wg_add(&m.consumers, CONSUMERS);
	for (int i = 0; i < CONSUMERS; i++)
		spawn(consume, &m);
	for (int i = 0; i < PRODUCERS; i++)
		spawn(produce, &m);
	spawn(close_after_producers, &m);
	goc_wg_wait(&m.consumers);
	bitmap_expect_full(&m.seen);
	goc_chan_release(m.c);
}

static int many_producers_and_consumers_unbuffered(void)
{
	expect_every_value_once(0);
	return 0;
}

static int many_producers_and_consumers_buffered(void)
{
	expect_every_value_once(64);
	return 0;
}

static int many_producers_and_consumers_with_a_buffer_of_one(void)
{
	expect_every_value_once(1);
	return 0;
}

/* The same through selects: producers send on whichever of two channels
 * (one unbuffered, one buffered) takes the value; consumers receive from
 * either and null a case out once its channel is closed (Go's idiom). */
struct mpmc2 {
	goc_chan *a, *b;
	long per_producer;
	struct bitmap seen;
	goc_wg producers, consumers;
	_Atomic int next_id;
};

static void produce_by_select(void *arg)
{
	struct mpmc2 *m = arg;
	long id = atomic_fetch_add(&m->next_id, 1);
	for (long i = 0; i < m->per_producer; i++) {
		long v = id * m->per_producer + i;
		goc_case cs[] = {GOC_CASE_SEND(m->a, &v), GOC_CASE_SEND(m->b, &v)};
		int k = goc_select(cs, 2);
		expect(k == 0 || k == 1, "goc_select returned %d", k);
	}
	goc_wg_done(&m->producers);
}

static void consume_by_select(void *arg)
{
	struct mpmc2 *m = arg;
	long v;
	goc_case cs[] = {GOC_CASE_RECV(m->a, &v), GOC_CASE_RECV(m->b, &v)};
	int open = 2;
	while (open > 0) {
		int k = goc_select(cs, 2);
		expect(k == 0 || k == 1, "goc_select returned %d", k);
		if (cs[k].status == GOC_CLOSED) {
			cs[k].ch = NULL;
			open--;
		} else {
			bitmap_mark(&m->seen, v);
		}
	}
	goc_wg_done(&m->consumers);
}

static void close_both_after_producers(void *arg)
{
	struct mpmc2 *m = arg;
	goc_wg_wait(&m->producers);
	goc_chan_close(m->a);
	goc_chan_close(m->b);
}

static int many_producers_and_consumers_through_select(void)
{
	struct mpmc2 m = {.a = make_chan(sizeof(long), 0),
	                  .b = make_chan(sizeof(long), 16),
	                  .per_producer = SCALED(50000)};
	bitmap_init(&m.seen, m.per_producer * PRODUCERS);
	goc_wg_add(&m.producers, PRODUCERS);
	goc_wg_add(&m.consumers, CONSUMERS);
	for (int i = 0; i < CONSUMERS; i++)
		spawn(consume_by_select, &m);
	for (int i = 0; i < PRODUCERS; i++)
		spawn(produce_by_select, &m);
	spawn(close_both_after_producers, &m);
	goc_wg_wait(&m.consumers);
	bitmap_expect_full(&m.seen);
	goc_chan_release(m.a);
	goc_chan_release(m.b);
	return 0;
}

/* try_send / try_recv only, spinning with yields. */
static void produce_by_trying(void *arg)
{
	struct mpmc *m = arg;
	long id = atomic_fetch_add(&m->next_id, 1);
	for (long i = 0; i < m->per_producer; i++) {
		long v = id * m->per_producer + i;
		int st;
		while ((st = goc_chan_try_send(m->c, &v)) == GOC_WOULDBLOCK)
			goc_yield();
		expect_status(st, GOC_OK);
	}
	goc_wg_done(&m->producers);
}

static void consume_by_trying(void *arg)
{
	struct mpmc *m = arg;
	long v;
	for (;;) {
		int st = goc_chan_try_recv(m->c, &v);
		if (st == GOC_CLOSED)
			break;
		if (st == GOC_WOULDBLOCK) {
			goc_yield();
			continue;
		}
		expect_status(st, GOC_OK);
		bitmap_mark(&m->seen, v);
	}
	goc_wg_done(&m->consumers);
}

static int many_producers_and_consumers_with_try_only(void)
{
	struct mpmc m = {make_chan(sizeof(long), 32), SCALED(20000), {0}, {0}, {0}, 0};
	bitmap_init(&m.seen, m.per_producer * PRODUCERS);
	goc_wg_add(&m.producers, PRODUCERS);
	goc_wg_add(&m.consumers, CONSUMERS);
	for (int i = 0; i < CONSUMERS; i++)
		spawn(consume_by_trying, &m);
	for (int i = 0; i < PRODUCERS; i++)
		spawn(produce_by_trying, &m);
	spawn(close_after_producers, &m);
	goc_wg_wait(&m.consumers);
	bitmap_expect_full(&m.seen);
	goc_chan_release(m.c);
	return 0;
}

/* ---- close racing with blocked receivers ---- */

struct race {
	goc_chan *c;
	_Atomic long received;
	goc_wg receivers;
};

static void receive_until_closed(void *arg)
{
	struct race *r = arg;
	long v;
	int st;
	while ((st = goc_chan_recv(r->c, &v)) == GOC_OK)
		atomic_fetch_add(&r->received, 1);
	expect_status(st, GOC_CLOSED);
	goc_wg_done(&r->receivers);
}

static void select_until_closed(void *arg)
{
	struct race *r = arg;
	long v;
	goc_chan *never = NULL;
	for (;;) {
		goc_case cs[] = {GOC_CASE_RECV(never, &v), GOC_CASE_RECV(r->c, &v)};
		int k = goc_select(cs, 2);
		expect_eq(k, 1);
		if (cs[1].status == GOC_CLOSED)
			break;
		atomic_fetch_add(&r->received, 1);
	}
	goc_wg_done(&r->receivers);
}

static void timed_receive_until_closed(void *arg)
{
	struct race *r = arg;
	long v;
	int st;
	while ((st = goc_chan_recv_timeout(r->c, &v, 30 * GOC_SECOND)) == GOC_OK)
		atomic_fetch_add(&r->received, 1);
	expect_status(st, GOC_CLOSED);
	goc_wg_done(&r->receivers);
}

static int close_racing_with_blocked_receivers(void)
{
	static const goc_func kinds[] = {receive_until_closed, select_until_closed,
	                                 timed_receive_until_closed};
	enum { RECEIVERS = 6 };
	long rounds = SCALED(20000);
	uint32_t seed = 12345;
	for (long r = 0; r < rounds; r++) {
		struct race race = {make_chan(sizeof(long), (size_t)(r % 3)), 0, {0}};
		goc_wg_add(&race.receivers, RECEIVERS);
		for (int i = 0; i < RECEIVERS; i++)
			spawn(kinds[(r + i) % 3], &race);
		long values = rnd(&seed) % 8;
		for (long i = 0; i < values; i++)
			goc_chan_send(race.c, &i);
		for (uint32_t y = rnd(&seed) % 4; y > 0; y--)
			goc_yield(); /* close at varying moments */
		goc_chan_close(race.c);
		goc_wg_wait(&race.receivers);
		expect(atomic_load(&race.received) == values,
		       "round %ld: %ld values received of %ld sent", r,
		       atomic_load(&race.received), values);
		goc_chan_release(race.c);
	}
	return 0;
}

/* ---- close racing with blocked senders: they panic ---- */

static goc_chan *racing;

static void send_forever(void *arg)
{
	(void)arg;
	for (long v = 0;; v++)
		goc_chan_send(racing, &v);
}

static void select_send_forever(void *arg)
{
	(void)arg;
	for (long v = 0;; v++) {
		goc_case cs[] = {GOC_CASE_SEND(racing, &v)};
		goc_select(cs, 1);
	}
}

static void drain(void *arg)
{
	(void)arg;
	while (goc_chan_recv(racing, NULL) == GOC_OK) {
	}
}

static int close_while_senders_wait(void)
{
	static uint32_t seed;
	seed = seed * 2654435761u + (uint32_t)goc_now() + 1;
	racing = make_chan(sizeof(long), seed % 3);
	for (int i = 0; i < 6; i++)
		spawn(i % 2 ? send_forever : select_send_forever, NULL);
	spawn(drain, NULL);
	spawn(drain, NULL);
	for (uint32_t y = rnd(&seed) % 50; y > 0; y--)
		goc_yield();
	goc_chan_close(racing);
	goc_sleep(20 * GOC_SECOND);
	fail("no sender panicked after the close");
}

static int close_racing_with_blocked_senders_panics(void)
{
	return close_while_senders_wait();
}

static int close_racing_with_blocked_senders_panics_every_time(void)
{
	long runs = SCALED(500);
	for (long i = 0; i < runs; i++)
		run_in_child(EXPECT_EXIT(close_racing_with_blocked_senders_panics, 2,
		                         SEND_ON_CLOSED, .timeout = 30));
	return 0;
}

/* ---- timeouts racing with peers: nothing lost, nothing duplicated ---- */

struct timed {
	goc_chan *c;
	long attempts;
	_Atomic long sent, received;
	_Atomic long long sent_sum, received_sum;
	goc_wg done;
};

static void send_with_short_timeouts(void *arg)
{
	struct timed *t = arg;
	uint32_t seed = (uint32_t)goc_id() * 2654435761u | 1;
	for (long i = 0; i < t->attempts; i++) {
		long v = i + 1;
		int st = goc_chan_send_timeout(t->c, &v, (int64_t)(rnd(&seed) % 50000));
		if (st == GOC_OK) {
			atomic_fetch_add(&t->sent, 1);
			atomic_fetch_add(&t->sent_sum, v);
		} else {
			expect_status(st, GOC_TIMEOUT);
		}
	}
	goc_wg_done(&t->done);
}

static void recv_with_short_timeouts(void *arg)
{
	struct timed *t = arg;
	uint32_t seed = (uint32_t)goc_id() * 2654435761u | 1;
	for (long i = 0; i < t->attempts; i++) {
		long v = 0;
		int st;
		if (i % 2) {
			st = goc_chan_recv_timeout(t->c, &v,
			                           (int64_t)(rnd(&seed) % 50000));
		} else {
			goc_case cs[] = {GOC_CASE_RECV(t->c, &v)};
			int chosen = goc_select_timeout(cs, 1,
			                                (int64_t)(rnd(&seed) % 50000));
			st = chosen == 0 ? cs[0].status : GOC_TIMEOUT;
		}
		if (st == GOC_OK) {
			atomic_fetch_add(&t->received, 1);
			atomic_fetch_add(&t->received_sum, v);
		} else {
			expect_status(st, GOC_TIMEOUT);
		}
	}
	goc_wg_done(&t->done);
}

static void expect_timeouts_lose_nothing(size_t cap)
{
	enum { SIDE = 4 };
	struct timed t = {
		make_chan(sizeof(long), cap), SCALED(100000), 0, 0, 0, 0, {0}};
	goc_wg_add(&t.done, 2 * SIDE);
	for (int i = 0; i < SIDE; i++) {
		spawn(send_with_short_timeouts, &t);
		spawn(recv_with_short_timeouts, &t);
	}
	goc_wg_wait(&t.done);
	/* what is still buffered was sent but not received */
	long v;
	while (goc_chan_try_recv(t.c, &v) == GOC_OK) {
		atomic_fetch_add(&t.received, 1);
		atomic_fetch_add(&t.received_sum, v);
	}
	expect(atomic_load(&t.sent) == atomic_load(&t.received),
	       "%ld sends succeeded but %ld receives", atomic_load(&t.sent),
	       atomic_load(&t.received));
	expect(atomic_load(&t.sent_sum) == atomic_load(&t.received_sum),
	       "the values sent sum to %lld, those received to %lld",
	       atomic_load(&t.sent_sum), atomic_load(&t.received_sum));
	expect_gt(atomic_load(&t.sent), 0);
	goc_chan_release(t.c);
}

static int timeouts_racing_with_peers_unbuffered(void)
{
	expect_timeouts_lose_nothing(0);
	return 0;
}

static int timeouts_racing_with_peers_buffered(void)
{
	expect_timeouts_lose_nothing(4);
	return 0;
}

/* ---- selects over shared channels conserve values ---- */

enum { MIXERS = 8, MIX_CHANS = 3 };

struct mixer_room {
	goc_chan *c[MIX_CHANS];
	long iterations;
	_Atomic long long sent_sum, received_sum;
	_Atomic long sent, received;
	goc_wg done;
};

static void mix(void *arg)
{
	struct mixer_room *m = arg;
	uint32_t seed = (uint32_t)goc_id() * 2654435761u | 1;
	for (long i = 0; i < m->iterations; i++) {
		long out = (long)(rnd(&seed) % 1000) + 1, in = 0;
		goc_case cs[2 * MIX_CHANS];
		for (int k = 0; k < MIX_CHANS; k++) {
			cs[2 * k] = GOC_CASE_SEND(m->c[k], &out);
			cs[2 * k + 1] = GOC_CASE_RECV(m->c[k], &in);
		}
		int k = goc_select_timeout(cs, 2 * MIX_CHANS, 100 * GOC_MICROSECOND);
		if (k < 0)
			continue;
		if (k % 2 == 0) {
			atomic_fetch_add(&m->sent, 1);
			atomic_fetch_add(&m->sent_sum, out);
		} else {
			expect_status(cs[k].status, GOC_OK);
			atomic_fetch_add(&m->received, 1);
			atomic_fetch_add(&m->received_sum, in);
		}
	}
	goc_wg_done(&m->done);
}

static int selects_mixing_sends_and_receives_conserve_values(void)
{
	struct mixer_room m = {{0}, SCALED(100000), 0, 0, 0, 0, {0}};
	for (int k = 0; k < MIX_CHANS; k++)
		m.c[k] = make_chan(sizeof(long), (size_t)k * 2); /* caps 0, 2, 4 */
	goc_wg_add(&m.done, MIXERS);
	for (int i = 0; i < MIXERS; i++)
		spawn(mix, &m);
	goc_wg_wait(&m.done);
	for (int k = 0; k < MIX_CHANS; k++) {
		long v;
		while (goc_chan_try_recv(m.c[k], &v) == GOC_OK) {
			atomic_fetch_add(&m.received, 1);
			atomic_fetch_add(&m.received_sum, v);
		}
		goc_chan_release(m.c[k]);
	}
	expect(atomic_load(&m.sent) == atomic_load(&m.received),
	       "%ld sent, %ld received", atomic_load(&m.sent),
	       atomic_load(&m.received));
	expect(atomic_load(&m.sent_sum) == atomic_load(&m.received_sum),
	       "the values sent sum to %lld, those received to %lld",
	       atomic_load(&m.sent_sum), atomic_load(&m.received_sum));
	return 0;
}

/* ---- references taken and dropped concurrently with traffic ---- */

struct shared {
	goc_chan *c;
	long rounds;
	goc_wg done;
};

static void retain_use_release(void *arg)
{
	struct shared *s = arg;
	for (long i = 0; i < s->rounds; i++) {
		goc_chan *mine = goc_chan_retain(s->c);
		long v = i;
		if (goc_chan_try_send(mine, &v) != GOC_OK)
			goc_chan_try_recv(mine, &v);
		goc_chan_release(mine);
	}
	goc_wg_done(&s->done);
}

static int retain_and_release_race_with_traffic(void)
{
	enum { USERS = 8 };
	struct shared s = {make_chan(sizeof(long), 4), SCALED(200000), {0}};
	goc_wg_add(&s.done, USERS);
	for (int i = 0; i < USERS; i++)
		spawn(retain_use_release, &s);
	goc_wg_wait(&s.done);
	goc_chan_release(s.c); /* the last reference */
	return 0;
}

/* Many short-lived channels, each used by a pair and released by both,
 * in any order. */
static void pair_send_release(void *arg)
{
	long v = 1;
	goc_chan_send(arg, &v);
	goc_chan_release(arg);
}

static void pair_recv_release(void *arg)
{
	long v;
	goc_chan_recv(arg, &v);
	goc_chan_release(arg);
}

static int short_lived_channels_released_by_both_ends(void)
{
	long n = SCALED(100000);
	for (long i = 0; i < n; i++) {
		goc_chan *c = make_chan(sizeof(long), (size_t)(i % 2));
		goc_chan_retain(c);
		spawn(pair_send_release, c);
		spawn(pair_recv_release, c);
	}
	wait_others_done(); /* every pair is done */
	return 0;
}

static const struct test_case cases[] = {
	CASE(many_producers_and_consumers_unbuffered, .timeout = 120),
	CASE(many_producers_and_consumers_buffered, .timeout = 120),
	CASE(many_producers_and_consumers_with_a_buffer_of_one, .timeout = 120),
	CASE(many_producers_and_consumers_through_select, .timeout = 120),
	CASE(many_producers_and_consumers_with_try_only, .timeout = 120),
	CASE(close_racing_with_blocked_receivers, .timeout = 120),
	EXPECT_EXIT(close_racing_with_blocked_senders_panics, 2, SEND_ON_CLOSED,
                    .timeout = 30),
	PLAIN_CASE(close_racing_with_blocked_senders_panics_every_time, .timeout = 240),
	CASE(timeouts_racing_with_peers_unbuffered, .timeout = 120),
	CASE(timeouts_racing_with_peers_buffered, .timeout = 120),
	CASE(selects_mixing_sends_and_receives_conserve_values, .timeout = 120),
	CASE(retain_and_release_race_with_traffic, .timeout = 120),
	CASE(short_lived_channels_released_by_both_ends, .timeout = 120),
};

TEST_MAIN(cases)
