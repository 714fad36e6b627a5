/*
 * sync_helpers.h — helpers shared by the tests of the sync primitives and
 * the timers (test_mutex*.c, test_rwmutex.c, test_once.c, test_cond.c,
 * test_timer*.c, test_ticker.c, test_after_func.c, test_sync_threads.c).
 *
 * Everything here works in goroutines and in plain threads alike. Timing
 * helpers only ever give "at least" guarantees and generous upper bounds:
 * the machine the tests run on is shared and noisy.
 */
#ifndef GOC_SYNC_HELPERS_H
#define GOC_SYNC_HELPERS_H

#include "testing.h"

#include <sys/resource.h>

/* CPU time the whole process (every thread) has used so far, in ns. */
static inline int64_t process_cpu_time(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		fail("getrusage failed: %s", strerror(errno));
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * GOC_SECOND +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * GOC_MICROSECOND;
}

/* *max = the larger of *max and v. */
static inline void atomic_max(_Atomic int64_t *max, int64_t v)
{
	int64_t cur = atomic_load(max);
	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v)) {
	}
}

/* A timer channel's next value (the goc_now() of its firing), which must
 * arrive within `within` ns. */
#define recv_tick(c, within) test_recv_tick_at(__FILE__, __LINE__, (c), (within))

static inline int64_t test_recv_tick_at(const char *file, int line, goc_chan *c,
                                        int64_t within)
{
	int64_t v = -1;
	int r = goc_chan_recv_timeout(c, &v, within);
	if (r != GOC_OK)
		test_fail_at(file, line, "expected a value from the timer's channel "
		             "within %.3f s, but the receive returned %d%s",
		             seconds_of(within), r, r == GOC_TIMEOUT ? " (GOC_TIMEOUT)" : "");
	return v;
}

/* Nothing arrives on a timer channel for `ns`: the receive times out. */
#define expect_no_tick(c, ns) test_expect_no_tick_at(__FILE__, __LINE__, (c), (ns))

static inline void test_expect_no_tick_at(const char *file, int line, goc_chan *c,
                                          int64_t ns)
{
	int64_t v = -1;
	int64_t start = goc_now();
	int r = goc_chan_recv_timeout(c, &v, ns);
	if (r != GOC_TIMEOUT)
		test_fail_at(file, line, "expected no value for %.3f s, but the receive "
		             "returned %d with value %lld after %.3f s (%.3f s after "
		             "that value was sent)", seconds_of(ns), r, (long long)v,
		             seconds_of(goc_now() - start), seconds_of(goc_now() - v));
}

/* Create a timer/ticker/after_func that must succeed. */
#define must(call) test_must_at(__FILE__, __LINE__, #call, (call))

static inline goc_timer *test_must_at(const char *file, int line, const char *what,
                                      goc_timer *t)
{
	if (!t)
		test_fail_at(file, line, "expected %s to return a timer, but it returned "
		             "NULL with errno %d (%s)", what, errno, strerror(errno));
	return t;
}

/* A start line: goroutines and threads wait at it (gate_wait) until
 * gate_open lets them all go at once. Zero-initialise, then gate_close. */
struct gate {
	goc_wg wg;
};

static inline void gate_close(struct gate *g) { goc_wg_add(&g->wg, 1); }
static inline void gate_wait(struct gate *g) { goc_wg_wait(&g->wg); }
static inline void gate_open(struct gate *g) { goc_wg_done(&g->wg); }

/* *count, read under mu. */
static inline long read_locked(goc_mutex *mu, const long *count)
{
	goc_mutex_lock(mu);
	long v = *count;
	goc_mutex_unlock(mu);
	return v;
}

#endif
