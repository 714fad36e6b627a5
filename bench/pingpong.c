/*
 * pingpong.c — the latency of an unbuffered channel handoff: N round trips
 * between the main goroutine (A) and one other (B) over two unbuffered
 * channels; A sends i, B replies i+1, A checks it. Metric: ns_per_rt.
 */
#include "bench.h"

#include <stdio.h>

struct pair {
	goc_chan *ping, *pong;
};

/* B copies its args before A's first send can complete, and holds its own
 * references: it still receives from ping (and sees it closed) after A
 * has released it. */
static void reply(void *arg)
{
	struct pair p = *(struct pair *)arg;
	int64_t i;
	while (goc_chan_recv(p.ping, &i) == GOC_OK) {
		i++;
		goc_chan_send(p.pong, &i);
	}
	goc_chan_release(p.ping);
	goc_chan_release(p.pong);
}

bool run_pingpong(int64_t n, char *out, size_t len)
{
	goc_chan *ping = goc_chan_make(sizeof(int64_t), 0);
	goc_chan *pong = goc_chan_make(sizeof(int64_t), 0);
	struct pair b = {goc_chan_retain(ping), goc_chan_retain(pong)};
	bench_go(reply, &b);

	bool ok = true;
	int64_t start = goc_now();
	for (int64_t i = 0; i < n; i++) {
		int64_t v;
		goc_chan_send(ping, &i);
		goc_chan_recv(pong, &v);
		if (v != i + 1)
			ok = false;
	}
	int64_t d = goc_now() - start;
	goc_chan_close(ping);
	goc_chan_release(ping);
	goc_chan_release(pong);
	snprintf(out, len, "ns_per_rt=%.1f", per_op(d, n));
	return ok;
}
