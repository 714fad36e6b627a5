/*
 * testing.c — the runner of goc's tests (testing.h), compiled once into
 * the goc_testing library.
 *
 * Two halves. The parent (test_run_all) never starts the goc runtime: it
 * picks cases, forks a child for each (spawn_case), watches the
 * child's stdout, stderr and report pipes against the case's deadline,
 * and judges how the child ended (judge). The child executes the
 * test binary afresh (/proc/self/exe --test-child <index> <report fd>)
 * and runs the case (child_run): as the main goroutine under
 * goc_main, or on its main thread for a PLAIN case. A forked copy of an
 * instrumented process is not what a program normally is (ThreadSanitizer,
 * for one, starts a helper thread in a forked child, which the runtime's
 * thread accounting would then see); if exec fails, or the case is not in
 * the table (run_in_child of a bare scenario), the forked copy runs it.
 *
 * The child's expectations (expect_stderr_line, skip, …) reach the parent
 * as lines on the report pipe, a kind letter first: L (exact first stderr
 * line), E (stderr substring), O (stdout substring), S (skip reason).
 */
#include "testing.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the child: where announcements go (-1: nowhere), and the case. */
static int report_fd = -1;
static const struct test_case *current;
/* The executable's table of cases (set by test_run_all in either half). */
static const struct test_case *cases_all;
static size_t ncases_all;

/* ---------------------------------------------------------------------- */
/* Expectations (in the child)                                             */
/* ---------------------------------------------------------------------- */

_Noreturn void test_fail_at(const char *file, int line, const char *fmt, ...)
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

/* Out of line (and in a file of its own) so that errno's address is taken
 * anew on every call, on the thread that makes it. */
__attribute__((noinline)) int test_errno(void) { return errno; }

/* A newline inside an announced text, which travels as one line. */
#define NEWLINE_IN_RECORD '\x01'

static void announce(char kind, const char *fmt, va_list ap)
{
	char buf[1024];
	buf[0] = kind;
	int n = vsnprintf(buf + 1, sizeof buf - 2, fmt, ap);
	if (n < 0)
		return;
	size_t len = 1 + ((size_t)n < sizeof buf - 2 ? (size_t)n : sizeof buf - 3);
	for (size_t i = 1; i < len; i++) /* one record per line: see judge */
		if (buf[i] == '\n')
			buf[i] = NEWLINE_IN_RECORD;
	buf[len++] = '\n';
	if (report_fd >= 0 && write(report_fd, buf, len) < 0)
		_exit(TEST_FAILED);
}

void expect_stderr_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	announce('L', fmt, ap);
	va_end(ap);
}

void expect_stderr_has(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	announce('E', fmt, ap);
	va_end(ap);
}

void expect_stdout_has(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	announce('O', fmt, ap);
	va_end(ap);
}

_Noreturn void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	announce('S', fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(TEST_SKIPPED);
}

/* ---------------------------------------------------------------------- */
/* The child                                                               */
/* ---------------------------------------------------------------------- */

static int trampoline(int argc, char **argv)
{
	(void)argc, (void)argv;
	return current->fn();
}

/* Run case c in this process, reporting on fd report. */
_Noreturn static void child_run(const struct test_case *c, int report)
{
	/* Not inherited by the processes a case starts (run_in_child). */
	fcntl(report, F_SETFD, FD_CLOEXEC);
	report_fd = report;
	current = c;
	if (c->plain)
		exit(c->fn());
	static char *argv[] = {"test", NULL};
	argv[0] = (char *)c->name;
	goc_main(trampoline, 1, argv);
	_exit(TEST_FAILED); /* goc_main never returns */
}

/* The index of the case in the table that runs c->fn, or -1. */
static long case_index(const struct test_case *c)
{
	for (size_t i = 0; i < ncases_all; i++)
		if (cases_all[i].fn == c->fn && cases_all[i].plain == c->plain)
			return (long)i;
	return -1;
}

/* The forked child: set up output and environment, then become the case. */
_Noreturn static void child(const struct test_case *c, int out, int err, int report)
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
	long index = case_index(c);
	if (index >= 0 && fcntl(report, F_SETFD, 0) == 0) {
		char arg_index[32], arg_fd[32];
		snprintf(arg_index, sizeof arg_index, "%ld", index);
		snprintf(arg_fd, sizeof arg_fd, "%d", report);
		char *argv[] = {(char *)c->name, "--test-child", arg_index, arg_fd,
		                NULL};
		execv("/proc/self/exe", argv);
	}
	child_run(c, report);
}

/* ---------------------------------------------------------------------- */
/* The parent: running a case                                              */
/* ---------------------------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
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

static int64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * GOC_SECOND + ts.tv_nsec;
}

/* How a child ended, and what it said. */
struct outcome {
	bool timed_out;
	int status; /* exit status, or -1 if a signal killed it */
	int signal;
	struct buf out, err, report;
	double seconds;
};

static void outcome_free(struct outcome *o)
{
	free(o->out.s);
	free(o->err.s);
	free(o->report.s);
}

/* Read the child's pipes into bufs until it has ended (true: reaped,
 * its status in *wstatus) or the deadline passes (false). */
static bool collect(pid_t pid, struct pollfd fds[3], struct buf *bufs[3], int *open_fds,
                    int64_t deadline, int *wstatus)
{
	for (;;) {
		int64_t left = deadline - clock_ns();
		if (left <= 0)
			return false;
		if (*open_fds == 0) {
			/* Every pipe is closed: the child has ended or is ending. */
			if (waitpid(pid, wstatus, WNOHANG) == pid)
				return true;
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
			char chunk[65536];
			ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
			if (got > 0) {
				buf_add(bufs[i], chunk, (size_t)got);
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(fds[i].fd);
				fds[i].fd = -1;
				(*open_fds)--;
			}
		}
	}
}

/* How long a hung child has to print its goroutines (SIGQUIT). */
#define QUIT_GRACE_SECONDS 5

static int timeout_of(const struct test_case *c)
{
	return c->timeout > 0 ? c->timeout : TEST_TIMEOUT_DEFAULT;
}

/* Fork, run the case in the child, collect its output until it ends or
 * its time runs out. */
static void spawn_case(const struct test_case *c, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	int pout[2], perr[2], prep[2];
	if (pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) ||
	    pipe2(prep, O_CLOEXEC)) {
		perror("pipe2");
		exit(TEST_FAILED);
	}
	fflush(stdout);
	fflush(stderr);
	int64_t start = clock_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(TEST_FAILED);
	}
	if (pid == 0) {
		close(pout[0]);
		close(perr[0]);
		close(prep[0]);
		child(c, pout[1], perr[1], prep[1]);
	}
	close(pout[1]);
	close(perr[1]);
	close(prep[1]);

	struct pollfd fds[3] = {
		{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}, {prep[0], POLLIN, 0}};
	struct buf *bufs[3] = {&o->out, &o->err, &o->report};
	int open_fds = 3, wstatus = 0;
	int64_t deadline = start + (int64_t)timeout_of(c) * GOC_SECOND;
	bool reaped = collect(pid, fds, bufs, &open_fds, deadline, &wstatus);
	if (!reaped) {
		/* A hang: SIGQUIT has the runtime print every goroutine with
		 * its wait, which the failure then shows. */
		o->timed_out = true;
		kill(pid, SIGQUIT);
		deadline = clock_ns() + QUIT_GRACE_SECONDS * GOC_SECOND;
		reaped = collect(pid, fds, bufs, &open_fds, deadline, &wstatus);
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	o->seconds = (double)(clock_ns() - start) / GOC_SECOND;
	if (WIFEXITED(wstatus)) {
		o->status = WEXITSTATUS(wstatus);
	} else {
		o->status = -1;
		o->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	}
	for (int i = 0; i < 3; i++)
		if (!bufs[i]->s)
			buf_add(bufs[i], "", 0); /* an empty string */
}

/* The first line of s, copied into buf. */
static const char *first_line(const char *s, char *buf, size_t n)
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
static const char *judge(const struct test_case *c, const struct outcome *o, char *why,
                         size_t n)
{
	char line[1024];
	if (o->timed_out) {
		snprintf(why, n, "did not end within its timeout of %d s",
		         timeout_of(c));
		return why;
	}
	const char *report = strstr(o->err.s, "SUMMARY: ");
	if (!report)
		report = strstr(o->err.s, "Sanitizer");
	if (report) {
		snprintf(why, n,
		         "expected no sanitizer report, but there is one (exit "
		         "status %d): %.*s",
		         o->status, (int)strcspn(report, "\n"), report);
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
	if (c->err_line &&
	    strcmp(first_line(o->err.s, line, sizeof line), c->err_line) != 0) {
		snprintf(why, n,
		         "expected stderr's first line to be \"%.900s\", but it is "
		         "\"%.900s\"",
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
		snprintf(want, sizeof want, "%.*s", (int)(len > 0 ? len - 1 : 0),
		         r + 1);
		for (char *c = want; (c = strchr(c, NEWLINE_IN_RECORD)) != NULL;)
			*c = '\n';
		switch (r[0]) {
		case 'L':
			if (strcmp(first_line(o->err.s, line, sizeof line), want)) {
				snprintf(
					why, n,
					"expected stderr's first line to be \"%.900s\", "
					"but it is \"%.900s\"",
					want, line);
				return why;
			}
			break;
		case 'E':
			if (!strstr(o->err.s, want)) {
				snprintf(why, n,
				         "expected stderr to contain \"%.1500s\"",
				         want);
				return why;
			}
			break;
		case 'O':
			if (!strstr(o->out.s, want)) {
				snprintf(why, n,
				         "expected stdout to contain \"%.1500s\"",
				         want);
				return why;
			}
			break;
		}
		r += len + (r[len] == '\n');
	}
	return NULL;
}

/* The skip reason the child announced, if it skipped. */
static const char *skip_reason(const struct outcome *o, char *buf, size_t n)
{
	if (o->timed_out || o->status != TEST_SKIPPED)
		return NULL;
	for (const char *s = o->report.s; *s;) {
		size_t len = strcspn(s, "\n");
		if (*s == 'S') {
			snprintf(buf, n, "%.*s", (int)(len - 1), s + 1);
			return buf;
		}
		s += len + (s[len] == '\n');
	}
	return NULL;
}

static void print_stream(const char *name, const struct buf *b)
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

enum verdict { PASSED, SKIPPED, FAILED };

/* Run one case in its own child; print its line. */
static enum verdict run_case(const struct test_case *c)
{
	struct outcome o;
	spawn_case(c, &o);
	char why[2048], reason[1024];
	enum verdict v = PASSED;
	if (skip_reason(&o, reason, sizeof reason)) {
		printf("skip %s: %s\n", c->name, reason);
		v = SKIPPED;
	} else if (judge(c, &o, why, sizeof why)) {
		printf("FAIL %s (%.2f s): %s\n", c->name, o.seconds, why);
		print_stream("stdout", &o.out);
		print_stream("stderr", &o.err);
		v = FAILED;
	} else {
		printf("ok   %s (%.2f s)\n", c->name, o.seconds);
		if (getenv("TEST_VERBOSE")) {
			print_stream("stdout", &o.out);
			print_stream("stderr", &o.err);
		}
	}
	fflush(stdout);
	outcome_free(&o);
	return v;
}

void test_run_in_child_at(const char *file, int line, const struct test_case *c)
{
	struct outcome o;
	spawn_case(c, &o);
	char why[2048];
	if (judge(c, &o, why, sizeof why)) {
		if (o.timed_out) { /* all of it: the goroutines SIGQUIT printed */
			fflush(stdout);
			fwrite(o.err.s, 1, o.err.len, stderr);
		}
		size_t len = o.err.len < 1500 ? o.err.len : 1500;
		test_fail_at(file, line, "%s in a child process: %s; its stderr: %.*s",
		             c->name, why, (int)len, o.err.s);
	}
	outcome_free(&o);
}

/* ---------------------------------------------------------------------- */
/* The parent: choosing cases                                              */
/* ---------------------------------------------------------------------- */

/* --check-list FILE: the table holds exactly the names FILE lists. */
static int check_list(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	bool *listed = calloc(ncases_all + 1, sizeof *listed);
	int wrong = 0;
	char name[512];
	while (fgets(name, sizeof name, f)) {
		name[strcspn(name, "\r\n")] = 0;
		if (!name[0])
			continue;
		size_t i = 0;
		while (i < ncases_all && strcmp(cases_all[i].name, name) != 0)
			i++;
		if (i == ncases_all) {
			printf("listed for ctest but not a case: %s\n", name);
			wrong++;
		} else {
			listed[i] = true;
		}
	}
	fclose(f);
	for (size_t i = 0; i < ncases_all; i++) {
		if (!listed[i]) {
			printf("a case ctest does not know: %s\n", cases_all[i].name);
			wrong++;
		}
	}
	free(listed);
	if (wrong)
		printf("%s and the array of cases differ: keep one CASE, PLAIN_CASE or "
		       "EXPECT_EXIT per entry, its function first, and re-run cmake\n",
		       path);
	else
		printf("ctest knows all %zu cases\n", ncases_all);
	return wrong ? 1 : 0;
}

int test_run_all(const struct test_case *cases, size_t n, int argc, char **argv)
{
	cases_all = cases;
	ncases_all = n;
	if (argc == 4 && strcmp(argv[1], "--test-child") == 0) {
		long index = strtol(argv[2], NULL, 10);
		if (index < 0 || (size_t)index >= n)
			_exit(TEST_FAILED);
		child_run(&cases[index], (int)strtol(argv[3], NULL, 10));
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--check-list") == 0)
		return check_list(argv[2]);
	const char *exact = NULL;
	if (argc >= 2 && strcmp(argv[1], "--case") == 0) {
		if (argc != 3) {
			fprintf(stderr,
			        "usage: %s [--case NAME | --list | NAME-PART...]\n",
			        argv[0]);
			return 2;
		}
		exact = argv[2];
	}
	int failed = 0, skipped = 0, ran = 0;
	for (size_t i = 0; i < n; i++) {
		bool chosen = argc <= 1;
		if (exact)
			chosen = strcmp(cases[i].name, exact) == 0;
		for (int a = 1; a < argc && !chosen && !exact; a++)
			chosen = strstr(cases[i].name, argv[a]) != NULL;
		if (!chosen)
			continue;
		ran++;
		switch (run_case(&cases[i])) {
		case PASSED:
			break;
		case SKIPPED:
			skipped++;
			break;
		case FAILED:
			failed++;
			break;
		}
	}
	if (exact && ran == 0) {
		printf("FAIL no case is named %s (--list names them)\n", exact);
		return 1;
	}
	printf("%d of %d cases failed (GOC_TEST_SCALE=%d)\n", failed, ran,
	       GOC_TEST_SCALE);
	if (failed)
		return 1;
	/* Only a single chosen case tells ctest it skipped (SKIP_RETURN_CODE). */
	return exact && skipped ? TEST_SKIPPED : 0;
}
