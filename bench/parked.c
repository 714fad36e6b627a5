/*
 * parked.c — the cost of a blocked goroutine: N goroutines each block
 * receiving on one shared unbuffered channel that is never sent to; once
 * all have started (a WaitGroup counts them) the channel is closed and all
 * exit. Metric: ns_per_spawn (spawn phase); run.sh adds bytes_per_g, the
 * peak RSS divided by N.
 */
#include "bench.h"

#include <stdio.h>

struct parked {
	goc_chan *block;
	goc_wg started, exited;
};

static void park(void *arg)
{
	struct parked *p = arg;
	goc_wg_done(&p->started);
	goc_chan_recv(p->block, NULL);
	goc_wg_done(&p->exited);
}

bool run_parked(int64_t n, char *out, size_t len)
{
	struct parked p = {.block = goc_chan_make(sizeof(int64_t), 0)};
	goc_wg_add(&p.started, n);
	goc_wg_add(&p.exited, n);

	int64_t start = goc_now();
	for (int64_t i = 0; i < n; i++)
		bench_go(park, &p);
	goc_wg_wait(&p.started);
	int64_t d = goc_now() - start;

	goc_chan_close(p.block);
	goc_wg_wait(&p.exited);
	goc_chan_release(p.block);
	snprintf(out, len, "ns_per_spawn=%.1f", per_op(d, n));
	return true;
}
