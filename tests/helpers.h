/*
 * helpers.h — what goc's test scenarios share, on top of testing.h; the
 * one header every test includes. Compiled once (helpers.c, in the
 * goc_testing library). Everything here fails the case with a message
 * saying what was expected, and works in goroutines and plain threads
 * alike unless it says otherwise.
 *
 *   spawn(fn, arg)                goc_go that must succeed
 *   run_goroutines(n, fn, arg)    n goroutines run fn(arg); wait for all
 *   thread_start / thread_join    a plain OS thread (not a goroutine)
 *   make_chan(size, cap)          goc_chan_make that must succeed
 *   must(call)                    a timer constructor that must succeed
 *   expect_status(call, GOC_X)    a channel operation's status, by name
 *   expect_took(start, ns)        a timed call waited at least ns (and not
 *                                 absurdly longer: SLACK, for a busy machine)
 *   recv_tick / expect_no_tick    a timer's channel delivers, or stays quiet
 *   wait_others_done()            every goroutine but main has ended
 *   spawn_blocked(fn, arg)        with one processor, start fn and return
 *                                 once it has blocked: goroutines that block
 *                                 one after the other, in a known order
 *   gate_close / wait / open      a start line for goroutines and threads
 *   expect_uniform(...)           counts of a uniform choice look uniform
 *   burn_until, use_stack, ...    keep a CPU busy, use stack
 *   must_listen / dial / accept   socket calls that must succeed
 *   expect_exchange(a, b)         two connected sockets work both ways
 *
 * Timing helpers only ever give "at least" guarantees and generous upper
 * bounds: the machine the tests run on is shared and noisy.
 */
#ifndef GOC_TEST_HELPERS_H
#define GOC_TEST_HELPERS_H

#include "testing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* What the runtime prints when it ends a program. */
#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!"
#define SEND_ON_CLOSED "panic: send on closed channel [goroutine "

/* How much longer than asked a timed call may take on a noisy machine. */
#define SLACK (10 * GOC_SECOND)
/* A value that must come (a timer's, a peer's) comes by then. */
#define PATIENCE (5 * GOC_SECOND)

/* ---- goroutines and threads ---- */

/* spawn(fn, arg): goc_go that must succeed. */
#define spawn(fn, arg) test_spawn_at(__FILE__, __LINE__, NULL, (fn), (arg))
/* spawn_attr(&attr, fn, arg): goc_go_attr that must succeed. */
#define spawn_attr(attr, fn, arg) test_spawn_at(__FILE__, __LINE__, (attr), (fn), (arg))
void test_spawn_at(const char *file, int line, const goc_attr *attr, goc_func fn,
                   void *arg);

/* run_goroutines(n, fn, arg): start n goroutines that each run fn(arg),
 * and wait (parking) until every one has returned. */
#define run_goroutines(n, fn, arg)                                                     \
	test_run_goroutines_at(__FILE__, __LINE__, (n), (fn), (arg))
void test_run_goroutines_at(const char *file, int line, long n, goc_func fn, void *arg);

/* Wait until main is the only goroutine left (so the others' references
 * are released: no leak report). */
#define wait_others_done() eventually(goc_numgoroutine() == 1, 60)

/*
 * spawn_blocked(fn, arg): start fn(arg) in a goroutine and return once it
 * has blocked (parked) in its first blocking call. Needs goc_maxprocs(1):
 * there is one processor and goroutines are not preempted, so once the
 * new goroutine has started, the caller runs again only after it parked.
 * fn must block before it yields in any other way.
 */
void spawn_blocked(goc_func fn, void *arg);

/* A plain OS thread (not a goroutine): start and join. */
#define thread_start(fn, arg) test_thread_start_at(__FILE__, __LINE__, (fn), (arg))
pthread_t test_thread_start_at(const char *file, int line, void *(*fn)(void *),
                               void *arg);
void *thread_join(pthread_t t);

/* A start line: goroutines and threads wait at it (gate_wait) until
 * gate_open lets them all go at once. Zero-initialise, then gate_close. */
struct gate {
	goc_wg wg;
};

void gate_close(struct gate *g);
void gate_wait(struct gate *g);
void gate_open(struct gate *g);

/* *count, read under mu. */
long read_locked(goc_mutex *mu, const long *count);

/* *max = the larger of *max and v. */
void atomic_max(_Atomic int64_t *max, int64_t v);

/* ---- channels ---- */

#define make_chan(size, cap) test_make_chan_at(__FILE__, __LINE__, (size), (cap))
goc_chan *test_make_chan_at(const char *file, int line, size_t size, size_t cap);

/* Status codes by name, for failure messages. */
const char *status_name(int status);

/* expect_status(call, GOC_X): a channel operation returns that status. */
#define expect_status(call, want)                                                      \
	do {                                                                           \
		int got_ = (call);                                                     \
		if (got_ != (want))                                                    \
			fail("expected %s to return %s, but it returned %s "           \
			     "(%d)",                                                   \
			     #call, status_name(want), status_name(got_), got_);       \
	} while (0)

/* ---- time ---- */

/* goc_now is the clock of every test. */
int64_t ms(int64_t n);
double seconds_of(int64_t ns);

/* expect_took(start, ns): at least ns have passed since start (goc_now()),
 * and less than ns + SLACK. */
#define expect_took(start, ns) test_expect_took_at(__FILE__, __LINE__, (start), (ns))
void test_expect_took_at(const char *file, int line, int64_t start, int64_t ns);

/* expect_quick(start): returned without waiting (well, within SLACK). */
#define expect_quick(start) test_expect_took_at(__FILE__, __LINE__, (start), 0)

/* Keep a CPU busy (without yielding) until goc_now() reaches `until`. */
void burn_until(int64_t until);

/* CPU time the whole process (every thread) has used so far, in ns. */
int64_t process_cpu_time(void);

/* CPUs this process may run on (its affinity mask). */
int cpu_count(void);

/* ---- timers ---- */

/* Create a timer/ticker/after_func that must succeed. */
#define must(call) test_must_at(__FILE__, __LINE__, #call, (call))
goc_timer *test_must_at(const char *file, int line, const char *what, goc_timer *t);

/* A timer channel's next value (the goc_now() of its firing), which must
 * arrive within `within` ns. */
#define recv_tick(c, within) test_recv_tick_at(__FILE__, __LINE__, (c), (within))
int64_t test_recv_tick_at(const char *file, int line, goc_chan *c, int64_t within);

/* Nothing arrives on a timer channel for `ns`: the receive times out. */
#define expect_no_tick(c, ns) test_expect_no_tick_at(__FILE__, __LINE__, (c), (ns))
void test_expect_no_tick_at(const char *file, int line, goc_chan *c, int64_t ns);

/* ---- sockets ---- */

/* goc_listen, goc_dial, goc_accept (no address) that must succeed. */
#define must_listen(network, address)                                                  \
	test_must_listen_at(__FILE__, __LINE__, (network), (address))
#define must_dial(network, address, timeout)                                           \
	test_must_dial_at(__FILE__, __LINE__, (network), (address), (timeout))
#define must_accept(lfd) test_must_accept_at(__FILE__, __LINE__, (lfd))
int test_must_listen_at(const char *file, int line, const char *network,
                        const char *address);
int test_must_dial_at(const char *file, int line, const char *network,
                      const char *address, int64_t timeout);
int test_must_accept_at(const char *file, int line, int lfd);

/* The port a socket is bound to (getsockname). */
int local_port(int fd);

/* "host:port" in buf, an IPv6 host in brackets; returns buf. */
const char *hostport(char *buf, size_t size, const char *host, int port);

/* expect_read(fd, "text"): exactly those bytes come from fd (goc_read);
 * expect_write(fd, "text"): goc_write writes them all. */
#define expect_read(fd, msg) test_expect_read_at(__FILE__, __LINE__, (fd), (msg))
#define expect_write(fd, msg) test_expect_write_at(__FILE__, __LINE__, (fd), (msg))
void test_expect_read_at(const char *file, int line, int fd, const char *msg);
void test_expect_write_at(const char *file, int line, int fd, const char *msg);

/* "ping" from a to b, "pong" back. */
#define expect_exchange(a, b) test_expect_exchange_at(__FILE__, __LINE__, (a), (b))
void test_expect_exchange_at(const char *file, int line, int a, int b);

/* Does localhost resolve to an IPv4 address here (the hosts file)? */
bool resolves_localhost(void);

/* ---- stacks ---- */

/* Use about `bytes` of stack, writing all of it, then return. */
int use_stack(size_t bytes);

/* Recurse, writing every frame, until the stack reaches below `addr`;
 * then call at_bottom() from there and return. */
int use_stack_below(const char *addr, void (*at_bottom)(void));

/* ---- statistics ---- */

/*
 * expect_uniform(counts, n, crit, tolerance): n counts of a choice that
 * should be uniform. Fails if Pearson's chi-square statistic exceeds crit
 * (the critical value for n - 1 degrees of freedom at p = 1e-6 is
 * chi2_crit_1e6(n - 1)), or if a count strays more than `tolerance` (a
 * fraction) from the mean.
 */
#define expect_uniform(counts, n, crit, tolerance)                                     \
	test_expect_uniform_at(__FILE__, __LINE__, (counts), (n), (crit), (tolerance))
void test_expect_uniform_at(const char *file, int line, const long *counts, int n,
                            double crit, double tolerance);

/* Critical values of chi-square at p = 1e-6, by degrees of freedom. */
double chi2_crit_1e6(int df);

#endif
