/*
 * mpmc.c — buffered channel throughput under contention: 4 producers send
 * 0..N-1 between them on one channel of capacity 1,024, 4 consumers
 * receive and sum; the channel is closed once the producers are done.
 * Metric: ns_per_msg.
 */
#include "bench.h"

#include <stdio.h>

enum { PRODUCERS = 4, CONSUMERS = 4 };

struct producer {
	goc_chan *c;
	int64_t lo, hi;
	goc_wg *wg;
};

struct consumer {
	goc_chan *c;
	int64_t sum;
	goc_wg *wg;
};

static void produce(void *arg)
{
	struct producer *p = arg;
	for (int64_t i = p->lo; i < p->hi; i++)
		goc_chan_send(p->c, &i);
	goc_wg_done(p->wg);
}

static void consume(void *arg)
{
	struct consumer *k = arg;
	int64_t sum = 0, v;
	while (goc_chan_recv(k->c, &v) == GOC_OK)
		sum += v;
	k->sum = sum;
	goc_wg_done(k->wg);
}

bool run_mpmc(int64_t n, char *out, size_t len)
{
	int64_t start = goc_now();
	goc_chan *c = goc_chan_make(sizeof(int64_t), 1024);

	goc_wg producers = {0};
	struct producer ps[PRODUCERS];
	for (int i = 0; i < PRODUCERS; i++) {
		ps[i] = (struct producer){.c = c, .wg = &producers};
		span(n, PRODUCERS, i, &ps[i].lo, &ps[i].hi);
		goc_wg_add(&producers, 1);
		bench_go(produce, &ps[i]);
	}

	goc_wg consumers = {0};
	struct consumer ks[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++) {
		ks[i] = (struct consumer){.c = c, .wg = &consumers};
		goc_wg_add(&consumers, 1);
		bench_go(consume, &ks[i]);
	}

	goc_wg_wait(&producers);
	goc_chan_close(c);
	goc_wg_wait(&consumers);
	int64_t d = goc_now() - start;
	goc_chan_release(c);

	int64_t total = 0;
	for (int i = 0; i < CONSUMERS; i++)
		total += ks[i].sum;
	snprintf(out, len, "ns_per_msg=%.1f", per_op(d, n));
	return total == sum_below(n);
}
