/*
 * helpers.c — the helpers of helpers.h: what test scenarios share, so
 * that no test carries its own copy. Compiled once, into goc_testing.
 */
#include "helpers.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>

/* ---- goroutines and threads ---- */

void test_spawn_at(const char *file, int line, const goc_attr *attr, goc_func fn,
                   void *arg)
{
	int r = attr ? goc_go_attr(attr, fn, arg) : goc_go(fn, arg);
	if (r != 0)
		test_fail_at(file, line,
		             "expected goc_go to start a goroutine, but it returned %d "
		             "with errno %d (%s)",
		             r, errno, strerror(errno));
}

struct group {
	goc_func fn;
	void *arg;
	goc_wg done;
};

static void group_run(void *p)
{
	struct group *g = p;
	g->fn(g->arg);
	goc_wg_done(&g->done);
}

void test_run_goroutines_at(const char *file, int line, long n, goc_func fn, void *arg)
{
	struct group g = {fn, arg, {0}};
	goc_wg_add(&g.done, n);
	for (long i = 0; i < n; i++)
		test_spawn_at(file, line, NULL, group_run, &g);
	goc_wg_wait(&g.done);
}

struct blocker {
	goc_func fn;
	void *arg;
	_Atomic int started;
};

static void blocker_run(void *p)
{
	struct blocker *b = p;
	goc_func fn = b->fn;
	void *arg = b->arg;
	atomic_store(&b->started, 1); /* b is the spawner's: not used after */
	fn(arg);
}

void spawn_blocked(goc_func fn, void *arg)
{
	if (goc_maxprocs(0) != 1)
		fail("spawn_blocked needs goc_maxprocs(1), but there are %d "
		     "processors",
		     goc_maxprocs(0));
	struct blocker b = {fn, arg, 0};
	spawn(blocker_run, &b);
	int64_t until = goc_now() + 10 * GOC_SECOND;
	while (!atomic_load(&b.started)) {
		if (goc_now() > until)
			fail("expected the goroutine to start within 10 s, but it did not");
		goc_yield();
	}
}

pthread_t test_thread_start_at(const char *file, int line, void *(*fn)(void *),
                               void *arg)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, fn, arg);
	if (err)
		test_fail_at(file, line,
		             "expected pthread_create to succeed, but it failed: %s",
		             strerror(err));
	return t;
}

/* A blocking call, announced as goc.h asks (a goroutine's P goes to
 * other goroutines meanwhile; a plain thread's call is unchanged): the
 * joined thread may need that P, to shrink the processors say, and
 * sysmon's look at a thread asleep in a futex is no substitute (under
 * qemu-user it sees the host's system call numbers). */
void *thread_join(pthread_t t)
{
	void *ret = NULL;
	goc_syscall_enter();
	int err = pthread_join(t, &ret);
	goc_syscall_exit();
	if (err)
		fail("expected pthread_join to succeed, but it failed: %s",
		     strerror(err));
	return ret;
}

void gate_close(struct gate *g) { goc_wg_add(&g->wg, 1); }
void gate_wait(struct gate *g) { goc_wg_wait(&g->wg); }
void gate_open(struct gate *g) { goc_wg_done(&g->wg); }

long read_locked(goc_mutex *mu, const long *count)
{
	goc_mutex_lock(mu);
	long v = *count;
	goc_mutex_unlock(mu);
	return v;
}

void atomic_max(_Atomic int64_t *max, int64_t v)
{
	int64_t cur = atomic_load(max);
	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v)) {
	}
}

/* ---- channels ---- */

goc_chan *test_make_chan_at(const char *file, int line, size_t size, size_t cap)
{
	errno = 0;
	goc_chan *c = goc_chan_make(size, cap);
	if (!c)
		test_fail_at(file, line,
		             "expected goc_chan_make(%zu, %zu) to make a channel, but "
		             "it returned NULL with errno %d (%s)",
		             size, cap, errno, strerror(errno));
	return c;
}

const char *status_name(int status)
{
	switch (status) {
	case GOC_OK:
		return "GOC_OK";
	case GOC_CLOSED:
		return "GOC_CLOSED";
	case GOC_WOULDBLOCK:
		return "GOC_WOULDBLOCK";
	case GOC_TIMEOUT:
		return "GOC_TIMEOUT";
	default:
		return "an unknown status";
	}
}

/* ---- time ---- */

int64_t ms(int64_t n) { return n * GOC_MILLISECOND; }
double seconds_of(int64_t ns) { return (double)ns / GOC_SECOND; }

void test_expect_took_at(const char *file, int line, int64_t start, int64_t ns)
{
	int64_t took = goc_now() - start;
	if (took < ns)
		test_fail_at(file, line,
		             "expected the call to wait at least %.3f ms, but it "
		             "returned after %.3f ms",
		             ns / 1e6, took / 1e6);
	if (took > ns + SLACK && ns == 0)
		test_fail_at(file, line,
		             "expected the call to return at once, but it took %.3f ms",
		             took / 1e6);
	if (took > ns + SLACK)
		test_fail_at(file, line,
		             "expected the call to end soon after %.3f ms, but it took "
		             "%.3f ms",
		             ns / 1e6, took / 1e6);
}

void burn_until(int64_t until)
{
	while (goc_now() < until) {
		for (volatile int i = 0; i < 100; i++) {
		}
	}
}

int64_t process_cpu_time(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		fail("getrusage failed: %s", strerror(errno));
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * GOC_SECOND +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * GOC_MICROSECOND;
}

int cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		fail("sched_getaffinity failed: %s", strerror(errno));
	return CPU_COUNT(&set);
}

/* ---- timers ---- */

goc_timer *test_must_at(const char *file, int line, const char *what, goc_timer *t)
{
	if (!t)
		test_fail_at(file, line,
		             "expected %s to return a timer, but it returned NULL with "
		             "errno %d (%s)",
		             what, errno, strerror(errno));
	return t;
}

int64_t test_recv_tick_at(const char *file, int line, goc_chan *c, int64_t within)
{
	int64_t v = -1;
	int r = goc_chan_recv_timeout(c, &v, within);
	if (r != GOC_OK)
		test_fail_at(file, line,
		             "expected a value from the timer's channel within %.3f s, "
		             "but the receive returned %s",
		             seconds_of(within), status_name(r));
	return v;
}

void test_expect_no_tick_at(const char *file, int line, goc_chan *c, int64_t ns)
{
	int64_t v = -1;
	int64_t start = goc_now();
	int r = goc_chan_recv_timeout(c, &v, ns);
	if (r != GOC_TIMEOUT)
		test_fail_at(file, line,
		             "expected no value for %.3f s, but the receive returned "
		             "%s with value %lld after %.3f s (%.3f s after that value "
		             "was sent)",
		             seconds_of(ns), status_name(r), (long long)v,
		             seconds_of(goc_now() - start), seconds_of(goc_now() - v));
}

/* ---- sockets ---- */

int test_must_listen_at(const char *file, int line, const char *network,
                        const char *address)
{
	int fd = goc_listen(network, address);
	if (fd < 0)
		test_fail_at(file, line,
		             "expected goc_listen(\"%s\", \"%s\") to succeed, but it "
		             "failed with errno %d (%s)",
		             network, address, test_errno(), strerror(test_errno()));
	return fd;
}

int test_must_dial_at(const char *file, int line, const char *network,
                      const char *address, int64_t timeout)
{
	int fd = goc_dial(network, address, timeout);
	if (fd < 0)
		test_fail_at(file, line,
		             "expected goc_dial(\"%s\", \"%s\") to succeed, but it "
		             "failed with errno %d (%s)",
		             network, address, test_errno(), strerror(test_errno()));
	return fd;
}

int test_must_accept_at(const char *file, int line, int lfd)
{
	int fd = goc_accept(lfd, NULL, NULL);
	if (fd < 0)
		test_fail_at(file, line,
		             "expected goc_accept to succeed, but it failed with errno "
		             "%d (%s)",
		             test_errno(), strerror(test_errno()));
	return fd;
}

int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		fail("getsockname(%d) failed: %s", fd, strerror(errno));
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

const char *hostport(char *buf, size_t size, const char *host, int port)
{
	snprintf(buf, size, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	return buf;
}

void test_expect_read_at(const char *file, int line, int fd, const char *msg)
{
	size_t n = strlen(msg), got = 0;
	char buf[256];
	if (n > sizeof buf)
		test_fail_at(file, line, "expect_read of more than %zu bytes",
		             sizeof buf);
	while (got < n) {
		ssize_t r = goc_read(fd, buf + got, n - got);
		if (r <= 0)
			test_fail_at(file, line,
			             "expected \"%s\" from descriptor %d, but goc_read "
			             "returned %zd with errno %d (%s) after %zu bytes",
			             msg, fd, r, test_errno(), strerror(test_errno()),
			             got);
		got += (size_t)r;
	}
	if (memcmp(buf, msg, n) != 0)
		test_fail_at(file, line,
		             "expected \"%s\" from descriptor %d, but it read "
		             "\"%.*s\"",
		             msg, fd, (int)n, buf);
}

void test_expect_write_at(const char *file, int line, int fd, const char *msg)
{
	ssize_t n = (ssize_t)strlen(msg), r = goc_write(fd, msg, (size_t)n);
	if (r != n)
		test_fail_at(
			file, line,
			"expected goc_write to write %zd bytes on descriptor %d, but "
			"it returned %zd with errno %d (%s)",
			n, fd, r, test_errno(), strerror(test_errno()));
}

void test_expect_exchange_at(const char *file, int line, int a, int b)
{
	test_expect_write_at(file, line, a, "ping");
	test_expect_read_at(file, line, b, "ping");
	test_expect_write_at(file, line, b, "pong");
	test_expect_read_at(file, line, a, "pong");
}

bool resolves_localhost(void)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	if (getaddrinfo("localhost", NULL, &hints, &res) != 0)
		return false;
	freeaddrinfo(res);
	return true;
}

/* ---- stacks ---- */

/* 1 KiB frames, recursion the compiler can neither flatten nor drop. */
__attribute__((noinline)) int use_stack(size_t bytes)
{
	volatile char frame[1024];
	for (size_t i = 0; i < sizeof frame; i++)
		frame[i] = (char)i;
	if (bytes <= sizeof frame)
		return frame[0];
	return use_stack(bytes - sizeof frame) + frame[1];
}

__attribute__((noinline)) int use_stack_below(const char *addr, void (*at_bottom)(void))
{
	volatile char frame[1024];
	for (size_t i = 0; i < sizeof frame; i++)
		frame[i] = (char)i;
	if ((const char *)__builtin_frame_address(0) < addr) {
		if (at_bottom)
			at_bottom();
		return frame[0];
	}
	return use_stack_below(addr, at_bottom) + frame[1];
}

/* ---- statistics ---- */

double chi2_crit_1e6(int df)
{
	switch (df) {
	case 1:
		return 23.93;
	case 2:
		return 27.63;
	case 3:
		return 30.66;
	case 7:
		return 40.52;
	case 19:
		return 63.68;
	case 39:
		return 96.13;
	default:
		fail("no chi-square critical value for %d degrees of freedom", df);
	}
}

void test_expect_uniform_at(const char *file, int line, const long *counts, int n,
                            double crit, double tolerance)
{
	long total = 0;
	for (int i = 0; i < n; i++)
		total += counts[i];
	double mean = (double)total / n, chi2 = 0;
	char shown[2048];
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		double d = counts[i] - mean;
		chi2 += d * d / mean;
		if (len < sizeof shown - 32)
			len += (size_t)snprintf(shown + len, sizeof shown - len,
			                        "%s%ld", i ? " " : "", counts[i]);
	}
	for (int i = 0; i < n; i++)
		if (counts[i] - mean > tolerance * mean ||
		    mean - counts[i] > tolerance * mean)
			test_fail_at(
				file, line,
				"expected each of %d choices within %.0f%% of %.0f, "
				"but choice %d was taken %ld times (all: %s)",
				n, tolerance * 100, mean, i, counts[i], shown);
	if (chi2 > crit)
		test_fail_at(
			file, line,
			"expected a uniform choice (chi-square <= %.2f, p = 1e-6), "
			"but chi-square is %.2f (counts: %s)",
			crit, chi2, shown);
}
