/*
 * yield.c — the cost of one goroutine-to-goroutine switch through
 * goc_yield: on one processor, two goroutines yield to each other N times
 * in all, so every yield switches to the other. Metric: ns_per_switch.
 * (goc only: not one of the reference workloads; Go's runtime.Gosched
 * is measured the same way by go/ if it ever gets the workload.)
 */
#include "bench.h"

#include <stdio.h>

static goc_wg done;
static int64_t rounds;

static void yielder(void *arg)
{
	(void)arg;
	for (int64_t i = 0; i < rounds; i++)
		goc_yield();
	goc_wg_done(&done);
}

bool run_yield(int64_t n, char *out, size_t len)
{
	int procs = goc_maxprocs(1);
	rounds = n / 2;
	goc_wg_add(&done, 2);
	int64_t start = goc_now();
	bench_go(yielder, NULL);
	bench_go(yielder, NULL);
	goc_wg_wait(&done);
	int64_t d = goc_now() - start;
	goc_maxprocs(procs);
	snprintf(out, len, "ns_per_switch=%.1f", per_op(d, 2 * rounds));
	return true;
}
