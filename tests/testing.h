/*
 * testing.h — the one header every goc test includes.
 *
 * A test executable is a list of named cases. Each case runs in a child
 * process of its own, forked by a parent that never starts the goc runtime
 * (fork copies only the calling thread, so the runtime must not exist yet
 * when it happens); the child executes the test binary afresh to run it.
 * The child runs the case as the main goroutine under goc_main — or, for
 * a PLAIN case, directly on its main thread, for scenarios that happen
 * before or without goc_main — and the parent checks how it ended:
 *
 *   - its exit status (default 0; a failed expectation exits with
 *     TEST_FAILED, a skipped case with TEST_SKIPPED);
 *   - what it wrote on stderr and stdout (substrings, or an exact first
 *     stderr line);
 *   - that it ended within its timeout (the parent polls the child's pipes
 *     against a deadline and kills it with SIGKILL when it passes);
 *   - that no sanitizer reported anything.
 *
 * The parent prints one line per case ("ok", "skip" or "FAIL" with the
 * reason and the child's output) and exits non-zero if any case failed.
 * Arguments select cases: `test_wg negative` runs the cases whose names
 * contain "negative"; TEST_VERBOSE=1 shows the output of passing cases too.
 *
 * Expectations the parent cannot know in advance — the id of the goroutine
 * that is about to panic — the child announces before it dies:
 * expect_stderr_line("panic: … [goroutine %lld]", goc_id()) sends them to
 * the parent on a pipe of their own, checked once the child has ended.
 *
 * A case reads as a specification:
 *
 *     static int wg_wait_with_zero_counter_returns_at_once(void)
 *     {
 *             goc_wg wg = {0};
 *             goc_wg_wait(&wg);
 *             return 0;
 *     }
 *
 *     TEST_MAIN(
 *             CASE(wg_wait_with_zero_counter_returns_at_once),
 *             EXPECT_EXIT(wg_negative_counter_panics, 2,
 *                         "panic: sync: negative WaitGroup counter"),
 *     )
 *
 * Stress counts go through SCALED(n): the build divides them by
 * GOC_TEST_SCALE (sanitizer and emulator builds use 10 or 100).
 */
#ifndef GOC_TESTING_H
#define GOC_TESTING_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <goc.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Build configuration                                                     */
/* ---------------------------------------------------------------------- */

#ifndef GOC_TEST_SCALE
#define GOC_TEST_SCALE 1
#endif

/* A stress count divided by the build's scale, never below 1. */
#define SCALED(n) ((n) / GOC_TEST_SCALE > 0 ? (n) / GOC_TEST_SCALE : 1)

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define TEST_ASAN 1
#else
#define TEST_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#else
#define TEST_TSAN 0
#endif
#define TEST_SANITIZED (TEST_ASAN || TEST_TSAN)

/* Built for another machine and run under an emulator (qemu-user): the
 * emulator adds threads of its own, which the deadlock detector cannot
 * tell from the program's (so it stays silent, as it must for any thread
 * it does not know), and it does not enforce RLIMIT_AS. */
#ifndef GOC_TEST_EMULATED
#define GOC_TEST_EMULATED 0
#endif
#define TEST_EMULATED GOC_TEST_EMULATED

#define TEST_FAILED 99        /* exit status of a case that failed */
#define TEST_SKIPPED 77       /* exit status of a case that skipped */
#define TEST_TIMEOUT_DEFAULT 30 /* seconds */

/* ---------------------------------------------------------------------- */
/* Expectations (in the child)                                             */
/* ---------------------------------------------------------------------- */

/* Report a failed expectation and end the case. Safe from any goroutine
 * or thread: stdout is flushed first so the parent sees the whole story. */
__attribute__((format(printf, 3, 4))) _Noreturn static inline void
test_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	_exit(TEST_FAILED);
}

#define fail(...) test_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* expect(cond, "what happened", ...): the message describes the outcome. */
#define expect(cond, ...)                                                     \
	do {                                                                  \
		if (!(cond)) {                                                \
			char what_[1024];                                     \
			snprintf(what_, sizeof what_, __VA_ARGS__);           \
			fail("expected %s, but %s", #cond, what_);           \
		}                                                             \
	} while (0)

/* expect_cmp(a, op, b) for integers: shows both values on failure. */
#define expect_cmp(a, op, b)                                                  \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		if (!(a_ op b_))                                              \
			fail("expected %s %s %s, but it is %lld %s %lld",     \
			     #a, #op, #b, a_, #op, b_);                       \
	} while (0)
#define expect_eq(a, b) expect_cmp(a, ==, b)
#define expect_ne(a, b) expect_cmp(a, !=, b)
#define expect_lt(a, b) expect_cmp(a, <, b)
#define expect_le(a, b) expect_cmp(a, <=, b)
#define expect_gt(a, b) expect_cmp(a, >, b)
#define expect_ge(a, b) expect_cmp(a, >=, b)

/* expect_fails_with(call, ERRNO): call returns -1 and sets errno. */
#define expect_fails_with(call, err)                                          \
	do {                                                                  \
		errno = 0;                                                    \
		long long r_ = (long long)(call);                             \
		int e_ = errno;                                               \
		if (r_ != -1 || e_ != (err))                                  \
			fail("expected %s to fail with %s, but it returned "  \
			     "%lld with errno %d (%s)",                       \
			     #call, #err, r_, e_, strerror(e_));              \
	} while (0)

/* eventually(cond, seconds): cond becomes true before the deadline.
 * Polls every millisecond; works in goroutines and plain threads. */
#define eventually(cond, seconds)                                             \
	do {                                                                  \
		int64_t until_ = goc_now() + (int64_t)(seconds) * GOC_SECOND; \
		while (!(cond)) {                                             \
			if (goc_now() > until_)                               \
				fail("expected %s within %d s, but it was "   \
				     "still false",                           \
				     #cond, (int)(seconds));                  \
			goc_sleep(GOC_MILLISECOND);                           \
		}                                                             \
	} while (0)

/* ---- announcements to the parent ---- */

__attribute__((unused)) static int test_report_fd = -1;

static inline void test_announce(char kind, const char *fmt, va_list ap)
{
	char buf[1024];
	buf[0] = kind;
	int n = vsnprintf(buf + 1, sizeof buf - 2, fmt, ap);
	if (n < 0)
		return;
	size_t len = 1 + ((size_t)n < sizeof buf - 2 ? (size_t)n : sizeof buf - 3);
	buf[len++] = '\n';
	if (test_report_fd >= 0 && write(test_report_fd, buf, len) < 0)
		_exit(TEST_FAILED);
}

/* The case will end with this exact first line on stderr. */
__attribute__((format(printf, 1, 2))) static inline void
expect_stderr_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_announce('L', fmt, ap);
	va_end(ap);
}

/* The case will end with this text somewhere on stderr. */
__attribute__((format(printf, 1, 2))) static inline void
expect_stderr_has(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_announce('E', fmt, ap);
	va_end(ap);
}

/* The case will end with this text somewhere on stdout. */
__attribute__((format(printf, 1, 2))) static inline void
expect_stdout_has(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_announce('O', fmt, ap);
	va_end(ap);
}

/* Skip the case: it cannot run here (one CPU, a sanitizer, …). */
#define skip(...) test_skip(__VA_ARGS__)
__attribute__((format(printf, 1, 2))) _Noreturn static inline void
test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	test_announce('S', fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(TEST_SKIPPED);
}

/* Deadlock detection needs to know every thread of the process. */
#define skip_unless_deadlocks_detectable()                                    \
	do {                                                                  \
		if (TEST_EMULATED)                                            \
			skip("under an emulator its own threads hide deadlocks");  \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Helpers for scenarios (in the child)                                    */
/* ---------------------------------------------------------------------- */

/* spawn(fn, arg): goc_go that must succeed. */
#define spawn(fn, arg) test_spawn_at(__FILE__, __LINE__, NULL, (fn), (arg))
/* spawn_attr(&attr, fn, arg): goc_go_attr that must succeed. */
#define spawn_attr(attr, fn, arg) test_spawn_at(__FILE__, __LINE__, (attr), (fn), (arg))

static inline void test_spawn_at(const char *file, int line, const goc_attr *attr,
                                 goc_func fn, void *arg)
{
	int r = attr ? goc_go_attr(attr, fn, arg) : goc_go(fn, arg);
	if (r != 0)
		test_fail_at(file, line, "expected goc_go to start a goroutine, but it "
		             "returned %d with errno %d (%s)", r, errno, strerror(errno));
}

/* A plain OS thread (not a goroutine): start and join. */
#define thread_start(fn, arg) test_thread_start_at(__FILE__, __LINE__, (fn), (arg))

static inline pthread_t test_thread_start_at(const char *file, int line,
                                             void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, fn, arg);
	if (err)
		test_fail_at(file, line, "expected pthread_create to succeed, "
		             "but it failed: %s", strerror(err));
	return t;
}

static inline void *thread_join(pthread_t t)
{
	void *ret = NULL;
	int err = pthread_join(t, &ret);
	if (err)
		fail("expected pthread_join to succeed, but it failed: %s", strerror(err));
	return ret;
}

/* Time: goc_now is the clock of every test. */
static inline int64_t ms(int64_t n) { return n * GOC_MILLISECOND; }
static inline double seconds_of(int64_t ns) { return (double)ns / GOC_SECOND; }

/* Keep a CPU busy (without yielding) until the monotonic clock reaches
 * `until`. */
static inline void burn_until(int64_t until)
{
	while (goc_now() < until) {
		for (volatile int i = 0; i < 100; i++) {
		}
	}
}

/* CPUs this process may run on (its affinity mask). */
static inline int cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		fail("sched_getaffinity failed: %s", strerror(errno));
	return CPU_COUNT(&set);
}

/* Use about `bytes` of stack, writing all of it, then return: 1 KiB
 * frames, recursion the compiler can neither flatten nor drop. */
__attribute__((noinline, unused)) static int use_stack(size_t bytes)
{
	volatile char frame[1024];
	for (size_t i = 0; i < sizeof frame; i++)
		frame[i] = (char)i;
	if (bytes <= sizeof frame)
		return frame[0];
	return use_stack(bytes - sizeof frame) + frame[1];
}

/* Recurse, writing every frame, until the stack reaches below `addr`;
 * then call at_bottom() from there and return. */
__attribute__((noinline, unused)) static int use_stack_below(const char *addr,
                                                             void (*at_bottom)(void))
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

/* ---------------------------------------------------------------------- */
/* Cases and the runner (in the parent)                                    */
/* ---------------------------------------------------------------------- */

struct test_case {
	const char *name;
	int (*fn)(void);
	bool plain;           /* run fn on the child's main thread, not in goc_main */
	int status;           /* expected exit status */
	const char *err;      /* expected substring of stderr */
	const char *err_line; /* expected exact first line of stderr */
	const char *out;      /* expected substring of stdout */
	const char *env[4];   /* "NAME=value", set before the runtime starts */
	int timeout;          /* seconds; 0: TEST_TIMEOUT_DEFAULT */
};

/* CASE(fn, .field = value, …): a case named after its function. */
#define CASE(...) TEST_CASE_(__VA_ARGS__, )
#define TEST_CASE_(f_, ...) {.name = #f_, .fn = f_, __VA_ARGS__}
/* PLAIN_CASE(fn, …): fn runs on the child's main thread (main() before or
 * without goc_main); it may call goc_main itself. */
#define PLAIN_CASE(...) TEST_PLAIN_CASE_(__VA_ARGS__, )
#define TEST_PLAIN_CASE_(f_, ...) {.name = #f_, .fn = f_, .plain = true, __VA_ARGS__}
/* EXPECT_EXIT(fn, status, "stderr text", …): the case must end with that
 * exit status and that text on stderr. */
#define EXPECT_EXIT(...) TEST_EXPECT_EXIT_(__VA_ARGS__, )
#define TEST_EXPECT_EXIT_(f_, status_, err_, ...)                             \
	{.name = #f_, .fn = f_, .status = (status_), .err = (err_), __VA_ARGS__}

/* ---- the child ----
 *
 * The forked child sets up its output and environment, then executes the
 * test binary again (/proc/self/exe --test-child <case> <report fd>), so
 * every case runs in a fresh process image: a forked copy of an
 * instrumented process is not what a program normally is (ThreadSanitizer,
 * for one, starts a helper thread in a forked child, which the runtime's
 * thread accounting would then see). If exec fails, the case runs in the
 * forked child itself. */

__attribute__((unused)) static const struct test_case *test_current;
__attribute__((unused)) static const struct test_case *test_cases_all;

static inline int test_trampoline(int argc, char **argv)
{
	(void)argc, (void)argv;
	return test_current->fn();
}

/* Run case c in this process (the child), reporting on fd report. */
_Noreturn static inline void test_child_run(const struct test_case *c, int report)
{
	test_report_fd = report;
	test_current = c;
	if (c->plain)
		exit(c->fn());
	static char *argv[] = {"test", NULL};
	argv[0] = (char *)c->name;
	goc_main(test_trampoline, 1, argv);
	_exit(TEST_FAILED); /* goc_main never returns */
}

_Noreturn static inline void test_child(const struct test_case *c, int out,
                                        int err, int report)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* die with a killed runner */
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(TEST_FAILED);
	close(out);
	close(err);
	/* The runtime reads these at start: only the case's own count. */
	unsetenv("GOC_MAXPROCS");
	unsetenv("GOC_STACK_GUARD");
	unsetenv("GOC_DEBUG");
	for (size_t i = 0; i < sizeof c->env / sizeof c->env[0] && c->env[i]; i++)
		if (putenv((char *)c->env[i]) != 0)
			_exit(TEST_FAILED);
	if (test_cases_all && fcntl(report, F_SETFD, 0) == 0) {
		char index[32], fd[32];
		snprintf(index, sizeof index, "%td", c - test_cases_all);
		snprintf(fd, sizeof fd, "%d", report);
		char *argv[] = {(char *)c->name, "--test-child", index, fd, NULL};
		execv("/proc/self/exe", argv);
	}
	test_child_run(c, report);
}

/* ---- the parent ---- */

struct test_buf {
	char *s;
	size_t len, cap;
};

static inline void test_buf_add(struct test_buf *b, const char *data, size_t n)
{
	const size_t limit = (size_t)1 << 20; /* keep the first MiB of a stream */
	if (b->len >= limit)
		n = 0;
	else if (n > limit - b->len)
		n = limit - b->len;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			perror("realloc");
			exit(TEST_FAILED);
		}
		b->s = s;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = 0;
}

static inline int64_t test_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * GOC_SECOND + ts.tv_nsec;
}

/* How a child ended, and what it said. */
struct test_outcome {
	bool timed_out;
	int status;     /* exit status, or -1 if a signal killed it */
	int signal;
	struct test_buf out, err, report;
	double seconds;
};

/* Fork, run the case in the child, collect its output until it ends or
 * its time runs out. */
static inline void test_spawn_case(const struct test_case *c, struct test_outcome *o)
{
	int pout[2], perr[2], prep[2];
	if (pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) || pipe2(prep, O_CLOEXEC)) {
		perror("pipe2");
		exit(TEST_FAILED);
	}
	fflush(stdout);
	fflush(stderr);
	int64_t start = test_clock();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(TEST_FAILED);
	}
	if (pid == 0) {
		close(pout[0]);
		close(perr[0]);
		close(prep[0]);
		test_child(c, pout[1], perr[1], prep[1]);
	}
	close(pout[1]);
	close(perr[1]);
	close(prep[1]);

	int timeout = c->timeout > 0 ? c->timeout : TEST_TIMEOUT_DEFAULT;
	int64_t deadline = start + (int64_t)timeout * GOC_SECOND;
	struct pollfd fds[3] = {{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0},
	                        {prep[0], POLLIN, 0}};
	struct test_buf *bufs[3] = {&o->out, &o->err, &o->report};
	int open_fds = 3, wstatus = 0;
	bool reaped = false;
	for (;;) {
		int64_t left = deadline - test_clock();
		if (left <= 0) {
			o->timed_out = true;
			break;
		}
		if (open_fds == 0) {
			/* Every pipe is closed: the child has ended or is ending. */
			pid_t r = waitpid(pid, &wstatus, WNOHANG);
			if (r == pid) {
				reaped = true;
				break;
			}
			usleep(1000);
			continue;
		}
		int n = poll(fds, 3, (int)(left / GOC_MILLISECOND) + 1);
		if (n < 0 && errno != EINTR) {
			perror("poll");
			exit(TEST_FAILED);
		}
		for (int i = 0; i < 3 && n > 0; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char buf[65536];
			ssize_t got = read(fds[i].fd, buf, sizeof buf);
			if (got > 0) {
				test_buf_add(bufs[i], buf, (size_t)got);
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	o->seconds = seconds_of(test_clock() - start);
	if (WIFEXITED(wstatus)) {
		o->status = WEXITSTATUS(wstatus);
	} else {
		o->status = -1;
		o->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	}
	for (int i = 0; i < 3; i++)
		if (!bufs[i]->s)
			test_buf_add(bufs[i], "\n", 0); /* an empty string */
}

/* The first line of s, copied into buf. */
static inline const char *test_first_line(const char *s, char *buf, size_t n)
{
	size_t len = strcspn(s, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, s, len);
	buf[len] = 0;
	return buf;
}

/* Check the outcome against the case; NULL if it passed, else why not
 * (written into why). */
static inline const char *test_judge(const struct test_case *c,
                                     const struct test_outcome *o, char *why,
                                     size_t n)
{
	char line[1024];
	if (o->timed_out) {
		snprintf(why, n, "did not end within its timeout of %d s",
		         c->timeout > 0 ? c->timeout : TEST_TIMEOUT_DEFAULT);
		return why;
	}
	const char *report = strstr(o->err.s, "SUMMARY: ");
	if (!report)
		report = strstr(o->err.s, "Sanitizer");
	if (report) {
		snprintf(why, n, "expected no sanitizer report, but there is one (exit "
		         "status %d): %.*s", o->status, (int)strcspn(report, "\n"), report);
		return why;
	}
	if (o->status < 0) {
		snprintf(why, n, "expected exit status %d, but a signal killed it: %s",
		         c->status, strsignal(o->signal));
		return why;
	}
	if (o->status != c->status) {
		snprintf(why, n, "expected exit status %d, but it exited with %d",
		         c->status, o->status);
		return why;
	}
	if (c->err && !strstr(o->err.s, c->err)) {
		snprintf(why, n, "expected stderr to contain \"%.1500s\"", c->err);
		return why;
	}
	if (c->err_line && strcmp(test_first_line(o->err.s, line, sizeof line),
	                          c->err_line) != 0) {
		snprintf(why, n, "expected stderr's first line to be \"%.900s\", but it is \"%.900s\"",
		         c->err_line, line);
		return why;
	}
	if (c->out && !strstr(o->out.s, c->out)) {
		snprintf(why, n, "expected stdout to contain \"%.1500s\"", c->out);
		return why;
	}
	/* What the child announced: one record per line, kind first. */
	for (const char *r = o->report.s; *r;) {
		size_t len = strcspn(r, "\n");
		char want[1024];
		snprintf(want, sizeof want, "%.*s", (int)(len > 0 ? len - 1 : 0), r + 1);
		switch (r[0]) {
		case 'L':
			if (strcmp(test_first_line(o->err.s, line, sizeof line), want)) {
				snprintf(why, n, "expected stderr's first line to be \"%.900s\", "
				         "but it is \"%.900s\"", want, line);
				return why;
			}
			break;
		case 'E':
			if (!strstr(o->err.s, want)) {
				snprintf(why, n, "expected stderr to contain \"%.1500s\"", want);
				return why;
			}
			break;
		case 'O':
			if (!strstr(o->out.s, want)) {
				snprintf(why, n, "expected stdout to contain \"%.1500s\"", want);
				return why;
			}
			break;
		}
		r += len + (r[len] == '\n');
	}
	return NULL;
}

/* The skip reason the child announced, if it skipped. */
static inline const char *test_skip_reason(const struct test_outcome *o, char *buf,
                                           size_t n)
{
	if (o->timed_out || o->status != TEST_SKIPPED)
		return NULL;
	const char *s = o->report.s;
	for (; *s; s += strcspn(s, "\n") + (s[strcspn(s, "\n")] == '\n')) {
		if (*s == 'S') {
			size_t len = strcspn(s + 1, "\n");
			snprintf(buf, n, "%.*s", (int)len, s + 1);
			return buf;
		}
	}
	return NULL;
}

static inline void test_print_stream(const char *name, const struct test_buf *b)
{
	if (!b->len)
		return;
	enum { SHOW = 4000 };
	const char *s = b->s;
	if (b->len > SHOW) {
		s += b->len - SHOW;
		printf("    --- %s (last %d bytes) ---\n", name, SHOW);
	} else {
		printf("    --- %s ---\n", name);
	}
	for (const char *l = s; *l;) {
		size_t len = strcspn(l, "\n");
		printf("    | %.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

/* Run one case in its own child; print its line; true unless it failed. */
static inline bool run_case(const struct test_case *c)
{
	struct test_outcome o;
	memset(&o, 0, sizeof o);
	test_spawn_case(c, &o);
	char why[2048], reason[1024];
	bool ok = true;
	if (test_skip_reason(&o, reason, sizeof reason)) {
		printf("skip %s: %s\n", c->name, reason);
	} else if (test_judge(c, &o, why, sizeof why)) {
		printf("FAIL %s (%.2f s): %s\n", c->name, o.seconds, why);
		test_print_stream("stdout", &o.out);
		test_print_stream("stderr", &o.err);
		ok = false;
	} else {
		printf("ok   %s (%.2f s)\n", c->name, o.seconds);
		if (getenv("TEST_VERBOSE")) {
			test_print_stream("stdout", &o.out);
			test_print_stream("stderr", &o.err);
		}
	}
	fflush(stdout);
	free(o.out.s);
	free(o.err.s);
	free(o.report.s);
	return ok;
}

/* Run every case (or those whose names contain one of the arguments);
 * or, with --test-child <index> <fd>, be the child that runs one. */
static inline int test_run_all(const struct test_case *cases, size_t n, int argc,
                               char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--test-child") == 0) {
		long index = strtol(argv[2], NULL, 10);
		if (index < 0 || (size_t)index >= n)
			_exit(TEST_FAILED);
		test_child_run(&cases[index], (int)strtol(argv[3], NULL, 10));
	}
	test_cases_all = cases;
	int failed = 0, ran = 0;
	for (size_t i = 0; i < n; i++) {
		bool chosen = argc <= 1;
		for (int a = 1; a < argc && !chosen; a++)
			chosen = strstr(cases[i].name, argv[a]) != NULL;
		if (!chosen)
			continue;
		ran++;
		if (!run_case(&cases[i]))
			failed++;
	}
	printf("%d of %d cases failed (GOC_TEST_SCALE=%d)\n", failed, ran,
	       GOC_TEST_SCALE);
	return failed ? 1 : 0;
}

/* TEST_MAIN(CASE(a), CASE(b), …) defines main(). */
#define TEST_MAIN(...)                                                        \
	static const struct test_case test_cases_[] = {__VA_ARGS__};          \
	int main(int argc, char **argv)                                       \
	{                                                                     \
		return test_run_all(test_cases_,                              \
		                    sizeof test_cases_ / sizeof test_cases_[0], \
		                    argc, argv);                              \
	}

#endif
