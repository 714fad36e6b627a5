/*
 * spawn.c — the cost of starting a goroutine: N goroutines that each call
 * goc_wg_done once; the spawner waits for them. Metric: ns_per_op.
 */
#include "bench.h"

#include <stdio.h>

static void done(void *arg) { goc_wg_done(arg); }

bool run_spawn(int64_t n, char *out, size_t len)
{
	goc_wg wg = {0};
	int64_t start = goc_now();
	goc_wg_add(&wg, n);
	for (int64_t i = 0; i < n; i++)
		bench_go(done, &wg);
	goc_wg_wait(&wg);
	int64_t d = goc_now() - start;
	snprintf(out, len, "ns_per_op=%.1f", per_op(d, n));
	return true;
}
