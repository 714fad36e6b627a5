/*
 * parallel.c — how CPU-bound goroutines scale over processors: 2 x cores
 * goroutines each run xorshift64 for N / goroutines steps, once with
 * goc_maxprocs(1) and once with all cores (the default goc_maxprocs, the
 * CPUs of the affinity mask); every result must be the same. Metric:
 * speedup, the 1-processor time over the all-cores time.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

#define XORSHIFT_SEED UINT64_C(88172645463325252)

struct worker {
	int64_t steps;
	uint64_t result;
	goc_wg *wg;
};

static uint64_t xorshift(uint64_t x, int64_t steps)
{
	for (int64_t i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void work(void *arg)
{
	struct worker *w = arg;
	w->result = xorshift(XORSHIFT_SEED, w->steps);
	goc_wg_done(w->wg);
}

/* spread — run the workers on procs processors; returns the time taken. */
static int64_t spread(int procs, struct worker *ws, int64_t goroutines)
{
	goc_maxprocs(procs);
	goc_wg wg = {0};
	int64_t start = goc_now();
	for (int64_t g = 0; g < goroutines; g++) {
		ws[g].wg = &wg;
		goc_wg_add(&wg, 1);
		bench_go(work, &ws[g]);
	}
	goc_wg_wait(&wg);
	return goc_now() - start;
}

bool run_parallel(int64_t n, char *out, size_t len)
{
	int cores = goc_maxprocs(0);
	int64_t goroutines = 2 * (int64_t)cores;
	struct worker *r1 = calloc(goroutines, sizeof *r1);
	struct worker *rn = calloc(goroutines, sizeof *rn);
	if (!r1 || !rn) {
		perror("calloc");
		exit(3);
	}
	for (int64_t g = 0; g < goroutines; g++)
		r1[g].steps = rn[g].steps = n / goroutines;
	int64_t one = spread(1, r1, goroutines);
	int64_t all = spread(cores, rn, goroutines);

	bool ok = true;
	for (int64_t g = 0; g < goroutines; g++)
		ok = ok && r1[g].result == r1[0].result && rn[g].result == r1[0].result;
	free(r1);
	free(rn);
	snprintf(out, len, "speedup=%.2f", (double)one / (double)all);
	return ok;
}
