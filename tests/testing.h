/*
 * testing.h — goc's test framework: cases, expectations and the runner
 * (declared here, compiled once in testing.c into the goc_testing library
 * every test links). Tests include helpers.h, which includes this header
 * and adds the helpers scenarios share (spawning, joining, timing out).
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
 *
 *   test_wg                      every case
 *   test_wg negative wait        the cases whose names contain an argument
 *   test_wg --case NAME          exactly the case NAME (ctest runs each case
 *                                so; exit status 77 if it skipped)
 *   test_wg --list               the names of the cases, one a line
 *   test_wg --check-list FILE    the cases are exactly those FILE names, one
 *                                a line (what tests/CMakeLists.txt found)
 *   TEST_VERBOSE=1               show the output of passing cases too
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
 *     static const struct test_case cases[] = {
 *             CASE(wg_wait_with_zero_counter_returns_at_once),
 *             EXPECT_EXIT(wg_negative_counter_panics, 2,
 *                         "panic: sync: negative WaitGroup counter"),
 *     };
 *
 *     TEST_MAIN(cases)
 *
 * tests/CMakeLists.txt reads the `cases` array of each test to give every
 * case a ctest test of its own: keep one CASE, PLAIN_CASE or EXPECT_EXIT
 * per entry, its function's name first.
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

#define TEST_FAILED 99          /* exit status of a case that failed */
#define TEST_SKIPPED 77         /* exit status of a case that skipped */
#define TEST_TIMEOUT_DEFAULT 30 /* seconds */

/* ---------------------------------------------------------------------- */
/* Expectations (in the child)                                             */
/* ---------------------------------------------------------------------- */

/* Report a failed expectation and end the case. Safe from any goroutine
 * or thread: stdout is flushed first so the parent sees the whole story. */
__attribute__((format(printf, 3, 4))) _Noreturn void
test_fail_at(const char *file, int line, const char *fmt, ...);

#define fail(...) test_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* expect(cond, "what happened", ...): the message describes the outcome. */
#define expect(cond, ...)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			char what_[1024];                                              \
			snprintf(what_, sizeof what_, __VA_ARGS__);                    \
			fail("expected %s, but %s", #cond, what_);                     \
		}                                                                      \
	} while (0)

/* expect_cmp(a, op, b) for integers: shows both values on failure. */
#define expect_cmp(a, op, b)                                                           \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		if (!(a_ op b_))                                                       \
			fail("expected %s %s %s, but it is %lld %s %lld", #a, #op, #b, \
			     a_, #op, b_);                                             \
	} while (0)
#define expect_eq(a, b) expect_cmp(a, ==, b)
#define expect_ne(a, b) expect_cmp(a, !=, b)
#define expect_lt(a, b) expect_cmp(a, <, b)
#define expect_le(a, b) expect_cmp(a, <=, b)
#define expect_gt(a, b) expect_cmp(a, >, b)
#define expect_ge(a, b) expect_cmp(a, >=, b)

/* errno as the calling thread has it now. After a goc call that may have
 * parked, read errno through this: the goroutine may have moved to
 * another thread meanwhile, and since the C library declares errno's
 * (thread-local) address a const function, a compiler may have taken it
 * once, before the call, on the thread it was on then. */
int test_errno(void);

/* expect_fails_with(call, ERRNO): call returns -1 and sets errno. */
#define expect_fails_with(call, err)                                                   \
	do {                                                                           \
		errno = 0;                                                             \
		long long r_ = (long long)(call);                                      \
		int e_ = test_errno();                                                 \
		if (r_ != -1 || e_ != (err))                                           \
			fail("expected %s to fail with %s, but it returned "           \
			     "%lld with errno %d (%s)",                                \
			     #call, #err, r_, e_, strerror(e_));                       \
	} while (0)

/* expect_null_with(call, ERRNO): call returns NULL and sets errno. */
#define expect_null_with(call, err)                                                    \
	do {                                                                           \
		errno = 0;                                                             \
		void *p_ = (void *)(call);                                             \
		int e_ = test_errno();                                                 \
		if (p_ != NULL || e_ != (err))                                         \
			fail("expected %s to return NULL with %s, but it "             \
			     "returned %p with errno %d (%s)",                         \
			     #call, #err, p_, e_, strerror(e_));                       \
	} while (0)

/* eventually(cond, seconds): cond becomes true before the deadline.
 * Polls every millisecond; works in goroutines and plain threads. */
#define eventually(cond, seconds)                                                      \
	do {                                                                           \
		int64_t until_ = goc_now() + (int64_t)(seconds)*GOC_SECOND;            \
		while (!(cond)) {                                                      \
			if (goc_now() > until_)                                        \
				fail("expected %s within %d s, but it was "            \
				     "still false",                                    \
				     #cond, (int)(seconds));                           \
			goc_sleep(GOC_MILLISECOND);                                    \
		}                                                                      \
	} while (0)

/* ---- announcements to the parent ---- */

/* The case will end with this exact first line on stderr. */
__attribute__((format(printf, 1, 2))) void expect_stderr_line(const char *fmt, ...);

/* The case will end with this text somewhere on stderr. */
__attribute__((format(printf, 1, 2))) void expect_stderr_has(const char *fmt, ...);

/* The case will end with this text somewhere on stdout. */
__attribute__((format(printf, 1, 2))) void expect_stdout_has(const char *fmt, ...);

/* Skip the case: it cannot run here (one CPU, a sanitizer, …). */
#define skip(...) test_skip(__VA_ARGS__)
__attribute__((format(printf, 1, 2))) _Noreturn void test_skip(const char *fmt, ...);

/* Deadlock detection needs to know every thread of the process. */
#define skip_unless_deadlocks_detectable()                                             \
	do {                                                                           \
		if (TEST_EMULATED)                                                     \
			skip("under an emulator its own threads hide "                 \
			     "deadlocks");                                             \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Cases and the runner                                                    */
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
#define TEST_CASE_(f_, ...)                                                            \
	{                                                                              \
		.name = #f_, .fn = f_, __VA_ARGS__                                     \
	}
/* PLAIN_CASE(fn, …): fn runs on the child's main thread (main() before or
 * without goc_main); it may call goc_main itself. */
#define PLAIN_CASE(...) TEST_PLAIN_CASE_(__VA_ARGS__, )
#define TEST_PLAIN_CASE_(f_, ...)                                                      \
	{                                                                              \
		.name = #f_, .fn = f_, .plain = true, __VA_ARGS__                      \
	}
/* EXPECT_EXIT(fn, status, "stderr text", …): the case must end with that
 * exit status and that text on stderr. */
#define EXPECT_EXIT(...) TEST_EXPECT_EXIT_(__VA_ARGS__, )
#define TEST_EXPECT_EXIT_(f_, status_, err_, ...)                                      \
	{                                                                              \
		.name = #f_, .fn = f_, .status = (status_), .err = (err_), __VA_ARGS__ \
	}

/*
 * run_in_child(CASE(fn, …)) — from a PLAIN_CASE, before the runtime has
 * started in this process: run a scenario in a fresh child process exactly
 * as the runner runs a case, and fail unless it ends as the case says.
 * For races that end the process (a panic), to be run many times in one
 * case. When fn is one of the executable's cases, the child executes the
 * test binary afresh; otherwise it runs fn in the forked copy.
 */
#define run_in_child(...)                                                              \
	test_run_in_child_at(__FILE__, __LINE__, &(const struct test_case)__VA_ARGS__)
void test_run_in_child_at(const char *file, int line, const struct test_case *c);

/* The runner: main() of every test (see the top of this file). */
int test_run_all(const struct test_case *cases, size_t n, int argc, char **argv);

/* TEST_MAIN(cases) defines main(), running the cases of the array. */
#define TEST_MAIN(cases)                                                               \
	int main(int argc, char **argv)                                                \
	{                                                                              \
		return test_run_all((cases), sizeof(cases) / sizeof(cases)[0], argc,   \
		                    argv);                                             \
	}

#endif
