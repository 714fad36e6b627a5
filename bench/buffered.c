/*
 * buffered.c — buffered channel throughput, one to one: a producer sends
 * 0..N-1 on a channel of capacity 1,024 and closes it; the main goroutine
 * receives and sums them. Metric: ns_per_msg.
 */
#include "bench.h"

#include <stdio.h>

struct producer {
	goc_chan *c;
	int64_t n;
};

/* The consumer sees the close, so it may release the channel then. */
static void produce(void *arg)
{
	struct producer *p = arg;
	for (int64_t i = 0; i < p->n; i++)
		goc_chan_send(p->c, &i);
	goc_chan_close(p->c);
}

bool run_buffered(int64_t n, char *out, size_t len)
{
	int64_t start = goc_now();
	goc_chan *c = goc_chan_make(sizeof(int64_t), 1024);
	struct producer p = {c, n};
	bench_go(produce, &p);
	int64_t sum = 0, v;
	while (goc_chan_recv(c, &v) == GOC_OK)
		sum += v;
	int64_t d = goc_now() - start;
	goc_chan_release(c);
	snprintf(out, len, "ns_per_msg=%.1f", per_op(d, n));
	return sum == sum_below(n);
}
