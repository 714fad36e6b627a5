/*
 * chan_helpers.h — helpers shared by the channel and select tests, on top
 * of testing.h.
 *
 *   make_chan(size, cap)          goc_chan_make that must succeed
 *   expect_null_with(call, ERR)   a constructor returns NULL with errno ERR
 *   expect_took(start, ns)        a timed call waited at least ns (and not
 *                                 absurdly longer: SLACK, for a busy machine)
 *   wait_others_done()            every goroutine but main has ended (their
 *                                 references are released: no leak report)
 *   spawn_blocked(fn, arg)        with one processor, start fn and return
 *                                 once it has blocked: goroutines that block
 *                                 one after the other, in a known order
 *   expect_chi_square(...)        counts of a uniform choice look uniform
 *   run_in_child(...)             run a scenario in a fresh process, many
 *                                 times in one case (races that end in a
 *                                 panic: each run ends the process)
 */
#ifndef GOC_CHAN_HELPERS_H
#define GOC_CHAN_HELPERS_H

#include "testing.h"

#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!"
#define SEND_ON_CLOSED "panic: send on closed channel [goroutine "

/* How much longer than asked a timed call may take on a noisy machine. */
#define SLACK (10 * GOC_SECOND)

/* ---- making channels ---- */

#define make_chan(size, cap) test_make_chan_at(__FILE__, __LINE__, (size), (cap))

static inline goc_chan *test_make_chan_at(const char *file, int line, size_t size,
                                          size_t cap)
{
	errno = 0;
	goc_chan *c = goc_chan_make(size, cap);
	if (!c)
		test_fail_at(file, line, "expected goc_chan_make(%zu, %zu) to make a "
		             "channel, but it returned NULL with errno %d (%s)",
		             size, cap, errno, strerror(errno));
	return c;
}

/* expect_null_with(call, ERRNO): call returns NULL and sets errno. */
#define expect_null_with(call, err)                                           \
	do {                                                                  \
		errno = 0;                                                    \
		void *p_ = (void *)(call);                                    \
		int e_ = errno;                                               \
		if (p_ != NULL || e_ != (err))                                \
			fail("expected %s to return NULL with %s, but it "     \
			     "returned %p with errno %d (%s)",                \
			     #call, #err, p_, e_, strerror(e_));              \
	} while (0)

/* Status codes by name, for failure messages. */
static inline const char *status_name(int s)
{
	switch (s) {
	case GOC_OK: return "GOC_OK";
	case GOC_CLOSED: return "GOC_CLOSED";
	case GOC_WOULDBLOCK: return "GOC_WOULDBLOCK";
	case GOC_TIMEOUT: return "GOC_TIMEOUT";
	default: return "an unknown status";
	}
}

/* expect_status(call, GOC_X): a channel operation returns that status. */
#define expect_status(call, want)                                             \
	do {                                                                  \
		int got_ = (call);                                            \
		if (got_ != (want))                                           \
			fail("expected %s to return %s, but it returned %s (%d)", \
			     #call, status_name(want), status_name(got_), got_); \
	} while (0)

/* ---- time ---- */

/* expect_took(start, ns): at least ns have passed since start (goc_now()),
 * and less than ns + SLACK. */
#define expect_took(start, ns)                                                \
	do {                                                                  \
		int64_t took_ = goc_now() - (start), want_ = (ns);            \
		if (took_ < want_)                                            \
			fail("expected the call to wait at least %.3f ms, but " \
			     "it returned after %.3f ms", want_ / 1e6,         \
			     took_ / 1e6);                                    \
		if (took_ > want_ + SLACK)                                    \
			fail("expected the call to end soon after %.3f ms, "   \
			     "but it took %.3f ms", want_ / 1e6, took_ / 1e6); \
	} while (0)

/* expect_quick(start): returned without waiting (well, within SLACK). */
#define expect_quick(start)                                                   \
	do {                                                                  \
		int64_t took_ = goc_now() - (start);                          \
		if (took_ > SLACK)                                            \
			fail("expected the call to return at once, but it took " \
			     "%.3f ms", took_ / 1e6);                         \
	} while (0)

/* ---- goroutines ---- */

/* Wait until main is the only goroutine left. */
#define wait_others_done() eventually(goc_numgoroutine() == 1, 60)

/* ---- goroutines that block in a known order ---- */

struct test_blocker {
	goc_func fn;
	void *arg;
	_Atomic int started;
};

static inline void test_blocker_run(void *p)
{
	struct test_blocker *b = p;
	goc_func fn = b->fn;
	void *arg = b->arg;
	atomic_store(&b->started, 1); /* b is the spawner's: not used after */
	fn(arg);
}

/*
 * spawn_blocked(fn, arg): start fn(arg) in a goroutine and return once it
 * has blocked (parked) in its first blocking call. Needs goc_maxprocs(1):
 * there is one processor and goroutines are not preempted, so once the
 * new goroutine has started, the caller runs again only after it parked.
 * fn must block before it yields in any other way.
 */
static inline void spawn_blocked(goc_func fn, void *arg)
{
	if (goc_maxprocs(0) != 1)
		fail("spawn_blocked needs goc_maxprocs(1), but there are %d "
		     "processors", goc_maxprocs(0));
	struct test_blocker b = {fn, arg, 0};
	spawn(test_blocker_run, &b);
	int64_t until = goc_now() + 10 * GOC_SECOND;
	while (!atomic_load(&b.started)) {
		if (goc_now() > until)
			fail("expected the goroutine to start within 10 s, but it "
			     "did not");
		goc_yield();
	}
}

/* ---- statistics ---- */

/*
 * expect_uniform(counts, n, crit): n counts of a choice that should be
 * uniform. Fails if Pearson's chi-square statistic exceeds crit (the
 * critical value for n - 1 degrees of freedom at p = 1e-6 is
 * chi2_crit_1e6(n - 1)), or if a count strays more than `tolerance` (a
 * fraction) from the mean.
 */
#define expect_uniform(counts, n, crit, tolerance)                            \
	test_expect_uniform_at(__FILE__, __LINE__, (counts), (n), (crit), (tolerance))

/* Critical values of chi-square at p = 1e-6, by degrees of freedom. */
static inline double chi2_crit_1e6(int df)
{
	switch (df) {
	case 1: return 23.93;
	case 2: return 27.63;
	case 3: return 30.66;
	case 7: return 40.52;
	case 19: return 63.68;
	case 39: return 96.13;
	default: fail("no chi-square critical value for %d degrees of freedom", df);
	}
}

static inline void test_expect_uniform_at(const char *file, int line,
                                          const long *counts, int n, double crit,
                                          double tolerance)
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
			len += (size_t)snprintf(shown + len, sizeof shown - len, "%s%ld",
			                        i ? " " : "", counts[i]);
	}
	for (int i = 0; i < n; i++)
		if (counts[i] - mean > tolerance * mean ||
		    mean - counts[i] > tolerance * mean)
			test_fail_at(file, line, "expected each of %d choices within "
			             "%.0f%% of %.0f, but choice %d was taken %ld times "
			             "(all: %s)", n, tolerance * 100, mean, i, counts[i],
			             shown);
	if (chi2 > crit)
		test_fail_at(file, line, "expected a uniform choice (chi-square <= "
		             "%.2f, p = 1e-6), but chi-square is %.2f (counts: %s)",
		             crit, chi2, shown);
}

/* ---- a scenario in a fresh process ---- */

struct child_outcome {
	int status;        /* exit status, or -1 if a signal ended it */
	int signal;        /* the signal, if one did */
	bool timed_out;    /* killed after the timeout */
	char err[4096];    /* the start of its stderr */
};

static int (*test_child_scenario)(void);

static inline int test_child_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	return test_child_scenario();
}

/*
 * run_in_child(fn, seconds, &outcome): fork a process in which fn runs as
 * the main goroutine of goc_main, and wait for it to end (killing it after
 * `seconds`). Only from a PLAIN_CASE, before the runtime has started in
 * this process: fork copies only the calling thread.
 */
static inline void run_in_child(int (*fn)(void), int seconds, struct child_outcome *o)
{
	int fds[2];
	if (pipe(fds) != 0)
		fail("pipe failed: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	test_child_scenario = fn;
	pid_t pid = fork();
	if (pid < 0)
		fail("fork failed: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(TEST_FAILED);
		close(fds[1]);
		test_report_fd = -1; /* announcements are the case's, not ours */
		static char *argv[] = {"child", NULL};
		goc_main(test_child_main, 1, argv);
		_exit(TEST_FAILED);
	}
	close(fds[1]);
	memset(o, 0, sizeof *o);
	size_t len = 0;
	int64_t until = goc_now() + (int64_t)seconds * GOC_SECOND;
	for (;;) {
		int64_t left = until - goc_now();
		if (left <= 0) {
			o->timed_out = true;
			break;
		}
		struct pollfd p = {fds[0], POLLIN, 0};
		int n = poll(&p, 1, (int)(left / GOC_MILLISECOND) + 1);
		if (n < 0 && errno != EINTR)
			fail("poll failed: %s", strerror(errno));
		if (n <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(fds[0], buf, sizeof buf);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			break;
		size_t keep = (size_t)got;
		if (keep > sizeof o->err - 1 - len)
			keep = sizeof o->err - 1 - len;
		memcpy(o->err + len, buf, keep);
		len += keep;
	}
	o->err[len] = 0;
	close(fds[0]);
	int ws = 0;
	if (o->timed_out)
		kill(pid, SIGKILL);
	if (waitpid(pid, &ws, 0) != pid)
		fail("waitpid failed: %s", strerror(errno));
	if (WIFEXITED(ws)) {
		o->status = WEXITSTATUS(ws);
	} else {
		o->status = -1;
		o->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	}
}

/* expect_child_panics(o, prefix): it exited with status 2 and the first
 * line of its stderr starts with prefix; no sanitizer report. */
#define expect_child_panics(o, prefix)                                        \
	do {                                                                  \
		const struct child_outcome *o_ = (o);                         \
		if (o_->timed_out)                                            \
			fail("expected the run to panic, but it hung; stderr: "  \
			     "%.1500s", o_->err);                             \
		if (o_->status != 2)                                          \
			fail("expected the run to exit with status 2, but it "   \
			     "ended with %d (signal %d); stderr: %.1500s",     \
			     o_->status, o_->signal, o_->err);                \
		if (strncmp(o_->err, (prefix), strlen(prefix)) != 0 ||        \
		    strstr(o_->err, "Sanitizer"))                             \
			fail("expected stderr to start with \"%s\" (and no "    \
			     "sanitizer report), but it is: %.1500s",          \
			     (prefix), o_->err);                              \
	} while (0)

#endif
