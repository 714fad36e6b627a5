/*
 * mutex.c — a contended goc_mutex: 100 goroutines increment one shared
 * counter N times in all (N/100 each), each increment under the mutex;
 * the counter must end at N. Metric: ns_per_op.
 */
#include "bench.h"

#include <stdio.h>

enum { WORKERS = 100 };

struct shared {
	goc_mutex mu;
	int64_t counter;
	goc_wg wg;
};

struct worker {
	struct shared *s;
	int64_t lo, hi;
};

static void work(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	for (int64_t i = w->lo; i < w->hi; i++) {
		goc_mutex_lock(&s->mu);
		s->counter++;
		goc_mutex_unlock(&s->mu);
	}
	goc_wg_done(&s->wg);
}

bool run_mutex(int64_t n, char *out, size_t len)
{
	struct shared s = {0};
	struct worker ws[WORKERS];

	int64_t start = goc_now();
	for (int i = 0; i < WORKERS; i++) {
		ws[i].s = &s;
		span(n, WORKERS, i, &ws[i].lo, &ws[i].hi);
		goc_wg_add(&s.wg, 1);
		bench_go(work, &ws[i]);
	}
	goc_wg_wait(&s.wg);
	int64_t d = goc_now() - start;
	snprintf(out, len, "ns_per_op=%.1f", per_op(d, n));
	return s.counter == n;
}
