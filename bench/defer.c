/*
 * defer.c — the cost of goc_call with goc_defer, and of a recovered
 * panic (README.md's `defer`): (a) N calls of a function that defers one
 * call, inc(&counter), and returns normally; (b) N/100 calls of a
 * function that defers a call that recovers, then panics with "defer
 * workload". Metrics: ns_per_defer, ns_per_recover.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

static const char panic_msg[] = "defer workload";

/* The deferred call of (a): adds 1 to the counter. */
static void inc(void *arg) { ++*(int64_t *)arg; }

/* (a): defers one call and returns normally. */
static void defer_inc(void *arg) { goc_defer(inc, arg); }

/* The deferred call of (b): recovers, counting the panics that carry the
 * workload's message. */
static void recover_msg(void *arg)
{
	const char *r = goc_recover();
	if (r && strcmp(r, panic_msg) == 0)
		++*(int64_t *)arg;
}

/* (b): defers recover_msg and panics. */
static void panic_recovered(void *arg)
{
	goc_defer(recover_msg, arg);
	goc_panic("%s", panic_msg);
}

bool run_defer(int64_t n, char *out, size_t len)
{
	int64_t deferred = 0, calls_ok = 0;
	int64_t start = goc_now();
	for (int64_t i = 0; i < n; i++)
		calls_ok += goc_call(defer_inc, &deferred) == 0;
	int64_t plain = goc_now() - start;

	int64_t m = n / 100, recovered = 0, landed = 0;
	start = goc_now();
	for (int64_t i = 0; i < m; i++)
		landed += goc_call(panic_recovered, &recovered) == 1;
	int64_t panicked = goc_now() - start;

	snprintf(out, len, "ns_per_defer=%.2f ns_per_recover=%.1f", per_op(plain, n),
	         per_op(panicked, m));
	return deferred == n && calls_ok == n && recovered == m && landed == m;
}
