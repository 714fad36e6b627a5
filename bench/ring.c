/*
 * ring.c — a chain of unbuffered handoffs across many goroutines: 1,000
 * goroutines in a ring joined by unbuffered channels pass one token N hops
 * in all, each hop decrementing it; the member that sees it reach 0
 * reports its position, which must be (N-1) % 1000. Metric: ns_per_hop.
 */
#include "bench.h"

#include <stdio.h>

#define RING_SIZE 1000

struct member {
	int64_t pos;
	goc_chan *in, *out, *done;
};

/* Members live in static storage (a member may not have run yet when the
 * workload returns) and hold their own channel references. */
static struct member members[RING_SIZE];

static void member(void *arg)
{
	struct member *m = arg;
	int64_t token;
	while (goc_chan_recv(m->in, &token) == GOC_OK) {
		token--;
		if (token == 0)
			goc_chan_send(m->done, &m->pos);
		else
			goc_chan_send(m->out, &token);
	}
	goc_chan_release(m->in);
	goc_chan_release(m->out);
	goc_chan_release(m->done);
}

bool run_ring(int64_t n, char *out, size_t len)
{
	goc_chan *chans[RING_SIZE];
	for (int i = 0; i < RING_SIZE; i++)
		chans[i] = goc_chan_make(sizeof(int64_t), 0);
	goc_chan *done = goc_chan_make(sizeof(int64_t), 0);
	for (int i = 0; i < RING_SIZE; i++) {
		members[i].pos = i;
		members[i].in = goc_chan_retain(chans[i]);
		members[i].out = goc_chan_retain(chans[(i + 1) % RING_SIZE]);
		members[i].done = goc_chan_retain(done);
		bench_go(member, &members[i]);
	}

	int64_t start = goc_now();
	int64_t last;
	goc_chan_send(chans[0], &n);
	goc_chan_recv(done, &last);
	int64_t d = goc_now() - start;
	for (int i = 0; i < RING_SIZE; i++) {
		goc_chan_close(chans[i]);
		goc_chan_release(chans[i]);
	}
	goc_chan_release(done);
	snprintf(out, len, "ns_per_hop=%.1f", per_op(d, n));
	return last == (n - 1) % RING_SIZE;
}
