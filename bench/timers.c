/*
 * timers.c — many sleeping goroutines: N goroutines, goroutine i sleeps
 * (i * 7919) % 100 ms and then calls goc_wg_done. Metrics: wall_ms until
 * all are done (at least the longest sleep) and cpu_ms, the process's
 * user + system CPU time meanwhile (getrusage).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static goc_wg wg;

/* sleep_for — how long goroutine i sleeps. */
static int64_t sleep_for(int64_t i) { return i * 7919 % 100 * GOC_MILLISECOND; }

static int64_t cpu_time(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		perror("getrusage");
		exit(3);
	}
	int64_t s = (int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec;
	int64_t us = (int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	return s * GOC_SECOND + us * GOC_MICROSECOND;
}

static void sleeper(void *arg)
{
	goc_sleep((int64_t)(intptr_t)arg);
	goc_wg_done(&wg);
}

bool run_timers(int64_t n, char *out, size_t len)
{
	int64_t longest = 0;
	for (int64_t i = 0; i < n; i++)
		if (sleep_for(i) > longest)
			longest = sleep_for(i);

	int64_t cpu0 = cpu_time();
	int64_t start = goc_now();
	goc_wg_add(&wg, n);
	for (int64_t i = 0; i < n; i++)
		bench_go(sleeper, (void *)(intptr_t)sleep_for(i));
	goc_wg_wait(&wg);
	int64_t wall = goc_now() - start;
	int64_t cpu = cpu_time() - cpu0;
	snprintf(out, len, "wall_ms=%.1f cpu_ms=%.1f", wall / 1e6, cpu / 1e6);
	return wall >= longest;
}
