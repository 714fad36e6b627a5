/*
 * spinlat.c — how late a sleeper wakes while goroutines compute: 2×cores
 * goroutines run N xorshift64 steps in all with no calls, while the main
 * goroutine sleeps 1 ms at a time until they are done, recording each
 * wake-up's lateness (time asleep − 1 ms). Without preemption it waits
 * for whole spins. Metrics: wake_p50_us, wake_p99_us, wake_max_us
 * (nearest rank), wakes. Check: every spinner's result is the same.
 */
#include "bench.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define SEED 88172645463325252ull
#define MAX_WAKES 1000000

struct spinner {
	int64_t steps;
	uint64_t result;
	atomic_int *running;
};

static void spin(void *arg)
{
	struct spinner *s = arg;
	uint64_t x = SEED;
	for (int64_t i = 0; i < s->steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	s->result = x;
	atomic_fetch_sub(s->running, 1);
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile of sorted[0..n) by nearest rank. */
static int64_t percentile(const int64_t *sorted, int64_t n, int p)
{
	int64_t k = (p * n + 99) / 100;
	return sorted[(k < 1 ? 1 : k) - 1];
}

bool run_spinlat(int64_t n, char *out, size_t len)
{
	int goroutines = 2 * goc_maxprocs(0);
	atomic_int running = goroutines;
	struct spinner *s = calloc((size_t)goroutines, sizeof *s);
	int64_t *late = malloc(MAX_WAKES * sizeof *late);
	for (int i = 0; i < goroutines; i++) {
		s[i] = (struct spinner){n / goroutines, 0, &running};
		bench_go(spin, &s[i]);
	}
	int64_t wakes = 0;
	do {
		int64_t t0 = goc_now();
		goc_sleep(GOC_MILLISECOND);
		if (wakes < MAX_WAKES)
			late[wakes++] = goc_now() - t0 - GOC_MILLISECOND;
	} while (atomic_load(&running) > 0);
	bool ok = true;
	for (int i = 0; i < goroutines; i++)
		ok = ok && s[i].result == s[0].result;
	qsort(late, (size_t)wakes, sizeof *late, by_value);
	snprintf(out, len,
	         "wake_p50_us=%.1f wake_p99_us=%.1f wake_max_us=%.1f wakes=%lld",
	         percentile(late, wakes, 50) / 1e3, percentile(late, wakes, 99) / 1e3,
	         late[wakes - 1] / 1e3, (long long)wakes);
	free(late);
	free(s);
	return ok;
}
