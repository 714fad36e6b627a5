/*
 * test_traceback.c — tracebacks in Go's format (API.md, "Tracebacks"):
 * the goroutine header with Go's wait reason and the goroutine's name,
 * two lines a frame (function, then file:line or object+offset), and
 * "created by"; GOC_TRACEBACK none, single, all, system and crash; the
 * deadlock error's dump; SIGQUIT.
 *
 * Each case runs a scenario in a child process of its own (this binary
 * again, `--scenario NAME`), reads its stderr and checks it line by line
 * against patterns (POSIX extended regular expressions, one a line). The
 * scenarios' own functions are noinline and do something after each call,
 * so that optimisation keeps their frames (no inlining, no tail calls).
 *
 * With libdw and without (the cross build: goc's own readers of symbol
 * and line tables), frames carry names and file:line.
 */
#include "helpers.h"
#include "traceback_nodebug.h"
#include "traceback_whitebox.h"

#include <malloc.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Keep a frame: a call followed by this is no tail call. */
#define KEEP_FRAME() __asm__ __volatile__("" ::: "memory")
#define NOINLINE __attribute__((noinline))

/* ---- scenarios (in the grandchild) ------------------------------------ */

static goc_chan *never_sent; /* nobody sends on it */
static goc_chan *never_received;
static goc_wg never_done;
static goc_mutex held;
static goc_cond never_signalled;
static goc_mutex cond_mu;

NOINLINE static void receiver(void *arg)
{
	(void)arg;
	int v;
	goc_chan_recv(never_sent, &v);
	KEEP_FRAME();
}

NOINLINE static void sender(void *arg)
{
	(void)arg;
	int v = 1;
	goc_chan_send(never_received, &v);
	KEEP_FRAME();
}

NOINLINE static void wg_waiter(void *arg)
{
	(void)arg;
	goc_wg_wait(&never_done);
	KEEP_FRAME();
}

NOINLINE static void mutex_waiter(void *arg)
{
	(void)arg;
	goc_mutex_lock(&held);
	KEEP_FRAME();
}

NOINLINE static void cond_waiter(void *arg)
{
	(void)arg;
	goc_mutex_lock(&cond_mu);
	goc_cond_wait(&never_signalled, &cond_mu);
	KEEP_FRAME();
}

NOINLINE static void one_case_selector(void *arg)
{
	(void)arg;
	int v;
	goc_case c[1] = {GOC_CASE_RECV(never_sent, &v)};
	goc_select(c, 1);
	KEEP_FRAME();
}

NOINLINE static void sleeper(void *arg)
{
	(void)arg;
	goc_sleep(3600 * GOC_SECOND);
	KEEP_FRAME();
}

/* The waiters, and a sleeper unless the program is to deadlock (a
 * pending timer is not a deadlock). */
NOINLINE static void start_waiters(bool with_sleeper)
{
	never_sent = goc_chan_make(sizeof(int), 0);
	never_received = goc_chan_make(sizeof(int), 0);
	goc_wg_add(&never_done, 1);
	goc_mutex_lock(&held);
	goc_attr named = {0};
	named.name = "the waiter";
	/* goc_go itself, not the helpers': "created by" names the caller */
	expect_eq(goc_go(receiver, NULL), 0);
	expect_eq(goc_go(sender, NULL), 0);
	expect_eq(goc_go_attr(&named, wg_waiter, NULL), 0);
	expect_eq(goc_go(mutex_waiter, NULL), 0);
	expect_eq(goc_go(cond_waiter, NULL), 0);
	expect_eq(goc_go(one_case_selector, NULL), 0);
	if (with_sleeper)
		expect_eq(goc_go(sleeper, NULL), 0);
	KEEP_FRAME();
}

/* Until all n goroutines run and have parked (a yield or two, but on a loaded machine
 * or under a sanitizer maybe more). */
static void settle(int n)
{
	while (goc_numgoroutine() < n)
		goc_yield();
	goc_sleep(ms(50));
}

NOINLINE static void panic_here(void)
{
	goc_panic("boom");
	KEEP_FRAME();
}

static int scenario_panic(void)
{
	start_waiters(true);
	settle(8);
	panic_here();
	KEEP_FRAME();
	return 0;
}

static int scenario_deadlock(void)
{
	start_waiters(false);
	settle(7);
	goc_wg_wait(&never_done);
	KEEP_FRAME();
	return 0;
}

static void *quit_from_thread(void *arg)
{
	(void)arg;
	usleep(100 * 1000); /* main sleeps by then, most likely */
	kill(getpid(), SIGQUIT);
	return NULL;
}

static int scenario_sigquit(void)
{
	start_waiters(true);
	settle(8);
	pthread_t t;
	pthread_create(&t, NULL, quit_from_thread, NULL);
	pthread_detach(t); /* the process ends with it still there */
	goc_sleep(60 * GOC_SECOND);
	KEEP_FRAME();
	return 0;
}

static volatile sig_atomic_t own_handler_ran;
static void own_quit_handler(int sig)
{
	(void)sig;
	own_handler_ran = 1;
}

static int scenario_own_sigquit_handler(void)
{
	kill(getpid(), SIGQUIT);
	eventually(own_handler_ran, 10);
	printf("own handler ran\n");
	return 0;
}

/* A goroutine started by a thread that runs no goroutine. */
static void *start_from_thread(void *arg)
{
	(void)arg;
	expect_eq(goc_go(receiver, NULL), 0);
	KEEP_FRAME();
	return NULL;
}

static int scenario_thread_spawn(void)
{
	never_sent = goc_chan_make(sizeof(int), 0);
	pthread_t t;
	pthread_create(&t, NULL, start_from_thread, NULL);
	pthread_join(t, NULL);
	while (goc_numgoroutine() < 2)
		goc_yield();
	goc_sleep(ms(20));
	panic_here();
	return 0;
}

/* The waiters have waited three minutes (as far as tracebacks know). */
static int scenario_long_wait(void)
{
	start_waiters(false);
	settle(7);
	age_parked_goroutines(3 * 60 * GOC_SECOND + GOC_SECOND / 2);
	panic_here();
	return 0;
}

/* A fault whose handler prints the traceback from the fault's context,
 * as a fault turned into a panic does. */
static void on_fault(int sig, siginfo_t *si, void *ucontext)
{
	(void)sig, (void)si;
	traceback_from_signal(ucontext);
	_exit(2);
}

static int *volatile nowhere; /* NULL, unknown to the compiler */

NOINLINE static void fault_here(void)
{
	*nowhere = 1;
	KEEP_FRAME();
}

static int scenario_fault(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	fault_here();
	KEEP_FRAME();
	return 0;
}

/* A fault while this thread holds malloc's lock: glibc's malloc_stats
 * writes to stderr under the lock of the main arena, and this stderr's
 * writer faults. A symboliser that allocated on this thread would wait
 * for that lock forever. */
NOINLINE static ssize_t write_and_fault(void *cookie, const char *buf, size_t n)
{
	(void)cookie, (void)buf;
	fault_here();
	KEEP_FRAME();
	return (ssize_t)n;
}

static int scenario_fault_holding_malloc_lock(void)
{
	cookie_io_functions_t io = {.write = write_and_fault};
	FILE *faulting = fopencookie(NULL, "w", io);
	expect(faulting != NULL, "fopencookie failed");
	setvbuf(faulting, NULL, _IONBF, 0);
	stderr = faulting;
	malloc_stats();
	KEEP_FRAME();
	return 0;
}

/* A program that handles SIGCHLD: printing a traceback (in a child
 * process, print_apart.c) must not send it one. */
static void on_sigchld(int sig)
{
	(void)sig;
	static const char said[] = "SIGCHLD reached the program\n";
	(void)!write(2, said, sizeof said - 1);
}

static int scenario_panic_with_sigchld_handler(void)
{
	signal(SIGCHLD, on_sigchld);
	panic_here();
	return 0;
}

/* A panic under a frame without line information. */
NOINLINE static int panic_with_arg(int arg)
{
	(void)arg;
	panic_here();
	return 0;
}

static int scenario_panic_under_nodebug(void)
{
	call_without_debug_info(panic_with_arg, 1);
	KEEP_FRAME();
	return 0;
}

/* Two goroutines compute on one processor: the one not running waits
 * its turn, preempted, inside the signal handler. */
static _Atomic uint64_t spun;

NOINLINE static void spin_here(void *arg)
{
	(void)arg;
	uint64_t x = 88172645463325252ull;
	for (;;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		atomic_store_explicit(&spun, x, memory_order_relaxed);
	}
}

static int scenario_preempted(void)
{
	goc_maxprocs(1);
	expect_eq(goc_go(spin_here, NULL), 0);
	expect_eq(goc_go(spin_here, NULL), 0);
	goc_sleep(ms(100)); /* both have run, and been preempted */
	kill(getpid(), SIGQUIT);
	goc_sleep(60 * GOC_SECOND);
	KEEP_FRAME();
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} scenarios[] = {
	{"panic", scenario_panic},
	{"deadlock", scenario_deadlock},
	{"sigquit", scenario_sigquit},
	{"own_sigquit_handler", scenario_own_sigquit_handler},
	{"thread_spawn", scenario_thread_spawn},
	{"panic_under_nodebug", scenario_panic_under_nodebug},
	{"long_wait", scenario_long_wait},
	{"fault", scenario_fault},
	{"preempted", scenario_preempted},
	{"fault_holding_malloc_lock", scenario_fault_holding_malloc_lock},
	{"panic_with_sigchld_handler", scenario_panic_with_sigchld_handler},
};

static int scenario_fn;

/* The main goroutine's function: the last frame of its traceback. */
NOINLINE static int run_scenario_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	int status = scenarios[scenario_fn].fn();
	KEEP_FRAME();
	return status;
}

/* ---- running a scenario, reading its lines (in the case's child) ------ */

#define OUT_MAX (256 * 1024)
#define LINES_MAX 4096

struct run {
	int status; /* exit status, or 128 + the signal that killed it */
	char out[OUT_MAX];
	char *line[LINES_MAX];
	int nlines;
};

static struct run run;

static void exec_scenario(const char *name)
{
	/* argv[0] the binary's real name: frames of the program without
	 * line information name it (object+offset) */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		n = (ssize_t)strlen(strcpy(self, "/proc/self/exe"));
	self[n] = 0;
	char *argv[] = {self, "--scenario", (char *)name, NULL};
	execv("/proc/self/exe", argv);
	_exit(goc_main(run_scenario_main, 0, NULL)); /* no exec: run it here */
}

/* Run scenario name with the environment variables env (NULL-ended
 * "NAME=value"), its stderr into run. */
static void run_scenario(const char *name, const char *const *env)
{
	int fds[2];
	expect(pipe(fds) == 0, "pipe failed: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	expect(pid >= 0, "fork failed: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		signal(SIGQUIT, SIG_DFL); /* ctest's may be ignored */
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core); /* GOC_TRACEBACK=crash */
		for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
			if (strcmp(scenarios[i].name, name) == 0)
				scenario_fn = (int)i;
		exec_scenario(name);
	}
	close(fds[1]);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fds[0], run.out + n, OUT_MAX - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	run.out[n] = 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	run.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	run.nlines = 0;
	for (char *p = run.out; *p && run.nlines < LINES_MAX;) {
		run.line[run.nlines++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		p = nl + 1;
	}
}

static bool matches(const char *pattern, const char *s)
{
	regex_t re;
	char anchored[1024];
	snprintf(anchored, sizeof anchored, "^%s$", pattern);
	if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		fail("bad pattern %s", pattern);
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void show_output(void)
{
	fprintf(stderr, "--- the scenario's stderr (exit %d):\n", run.status);
	for (int i = 0; i < run.nlines; i++)
		fprintf(stderr, "%s\n", run.line[i]);
	fprintf(stderr, "---\n");
}

/* The index of the first line matching pattern, or -1. */
static int find_line(const char *pattern)
{
	for (int i = 0; i < run.nlines; i++)
		if (matches(pattern, run.line[i]))
			return i;
	return -1;
}

#define expect_line(pattern) expect_line_at(__FILE__, __LINE__, (pattern))
static int expect_line_at(const char *file, int line, const char *pattern)
{
	int i = find_line(pattern);
	if (i < 0) {
		show_output();
		test_fail_at(file, line, "expected a line matching /%s/", pattern);
	}
	return i;
}

#define expect_no_line(pattern) expect_no_line_at(__FILE__, __LINE__, (pattern))
static void expect_no_line_at(const char *file, int line, const char *pattern)
{
	int i = find_line(pattern);
	if (i >= 0) {
		show_output();
		test_fail_at(file, line, "expected no line matching /%s/, got line %d",
		             pattern, i + 1);
	}
}

/* ---- the patterns ---- */

#define FRAME(fn) fn "\\(\\.\\.\\.\\)"
#define HERE "\t/.*/test_traceback\\.c:[0-9]+ \\+0x[0-9a-f]+"
#define IN_GOC "\t/.*/src/[a-z_]+\\.c:[0-9]+ \\+0x[0-9a-f]+"
#define CREATED_BY_START "created by start_waiters in goroutine 1"

/* A block: a line matching patterns[0], and the following lines matching
 * the rest in turn (NULL ends them). */
#define expect_block(...)                                                              \
	expect_block_at(__FILE__, __LINE__, (const char *[]){__VA_ARGS__, NULL})
static void expect_block_at(const char *file, int line, const char **patterns)
{
	int at = expect_line_at(file, line, patterns[0]);
	for (int k = 1; patterns[k]; k++) {
		int i = at + k;
		if (i >= run.nlines || !matches(patterns[k], run.line[i])) {
			show_output();
			test_fail_at(file, line, "line %d: expected /%s/, got \"%s\"",
			             i + 1, patterns[k],
			             i < run.nlines ? run.line[i] : "(end)");
		}
	}
}

#define expect_exit_status(want) expect_exit_status_at(__FILE__, __LINE__, (want))
static void expect_exit_status_at(const char *file, int line, int want)
{
	if (run.status != want) {
		show_output();
		test_fail_at(file, line, "expected exit status %d, got %d", want,
		             run.status);
	}
}

/* Each waiting goroutine of start_waiters: header, its function, and
 * where it was started. */
/* The goroutines start_waiters starts (not the main one, id 1). */
#define WAITER_ID "([2-9]|[1-9][0-9]+)"

static void expect_waiters(bool with_sleeper)
{
	expect_block("goroutine " WAITER_ID " \\[chan receive\\]:", FRAME("receiver"),
	             HERE, CREATED_BY_START, HERE);
	expect_block("goroutine " WAITER_ID " \\[chan send\\]:", FRAME("sender"), HERE,
	             CREATED_BY_START, HERE);
	expect_block("goroutine " WAITER_ID
	             " \\[sync\\.WaitGroup\\.Wait, \"the waiter\"\\]:",
	             FRAME("wg_waiter"), HERE, CREATED_BY_START, HERE);
	expect_block("goroutine " WAITER_ID " \\[sync\\.Mutex\\.Lock\\]:",
	             FRAME("mutex_waiter"), HERE, CREATED_BY_START, HERE);
	expect_block("goroutine " WAITER_ID " \\[sync\\.Cond\\.Wait\\]:",
	             FRAME("cond_waiter"), HERE, CREATED_BY_START, HERE);
	expect_block("goroutine " WAITER_ID " \\[select\\]:",
	             FRAME("one_case_selector"), HERE, CREATED_BY_START, HERE);
	if (with_sleeper)
		expect_block("goroutine " WAITER_ID " \\[sleep\\]:", FRAME("sleeper"),
		             HERE, CREATED_BY_START, HERE);
}

/* The panicking goroutine: goc_panic (as Go shows panic), then the
 * program's frames, its runtime frames left out. */
static void expect_panicking_main(void)
{
	expect_block("goroutine 1 \\[running\\]:", FRAME("goc_panic"), IN_GOC,
	             FRAME("panic_here"), HERE, FRAME("scenario_panic"), HERE,
	             FRAME("run_scenario_main"), HERE);
}

/* ---- cases ---- */

static int panic_prints_the_failing_goroutine_only_by_default(void)
{
	run_scenario("panic", NULL);
	expect_exit_status(2);
	int at = expect_line("panic: boom \\[goroutine 1\\]");
	expect(at + 1 < run.nlines && run.line[at + 1][0] == 0,
	       "no blank line after it");
	expect_panicking_main();
	expect_no_line("goroutine [0-9]+ \\[chan receive\\]:");
	expect_no_line("created by .*");
	return 0;
}

static int frames_end_with_the_goroutines_function(void)
{
	run_scenario("panic", (const char *const[]){"GOC_TRACEBACK=all", NULL});
	expect_exit_status(2);
	int at = expect_line("goroutine [0-9]+ \\[chan receive\\]:");
	expect(matches(FRAME("receiver"), run.line[at + 1]), "the frame is %s",
	       run.line[at + 1]);
	expect(matches("created by .*", run.line[at + 3]), "the frame after it is %s",
	       run.line[at + 3]);
	/* the main goroutine: its function last, no "created by" */
	at = expect_line(FRAME("run_scenario_main"));
	expect(at + 2 >= run.nlines || run.line[at + 2][0] == 0,
	       "a line follows the main goroutine's function: %s", run.line[at + 2]);
	return 0;
}

static int traceback_all_prints_every_goroutine_with_its_wait_reason(void)
{
	run_scenario("panic", (const char *const[]){"GOC_TRACEBACK=all", NULL});
	expect_exit_status(2);
	expect_panicking_main();
	expect_waiters(true);
	/* goroutines separated by one blank line */
	int at = expect_line("goroutine [0-9]+ \\[sleep\\]:");
	expect(at > 0 && run.line[at - 1][0] == 0, "no blank line before it");
	return 0;
}

static int traceback_none_prints_no_goroutine(void)
{
	run_scenario("panic", (const char *const[]){"GOC_TRACEBACK=none", NULL});
	expect_exit_status(2);
	expect_line("panic: boom \\[goroutine 1\\]");
	expect_no_line("goroutine [0-9]+ \\[.*");
	return 0;
}

static int traceback_system_shows_the_runtime_frames(void)
{
	run_scenario("panic", (const char *const[]){"GOC_TRACEBACK=system", NULL});
	expect_exit_status(2);
	expect_line("goroutine [0-9]+ \\[chan receive\\]:");
	expect_line(FRAME("receiver"));
	expect_line(FRAME("goc__park(_self)?")); /* chan.c parks through the second */
	expect_line(FRAME("goc__traceback_panic"));
	return 0;
}

static int traceback_crash_prints_all_then_aborts(void)
{
	run_scenario("panic", (const char *const[]){"GOC_TRACEBACK=crash", NULL});
	expect_exit_status(128 + SIGABRT);
	expect_line("panic: boom \\[goroutine 1\\]");
	expect_waiters(true);
	return 0;
}

static int deadlock_prints_every_goroutine_with_frames(void)
{
	skip_unless_deadlocks_detectable();
	run_scenario("deadlock", NULL);
	expect_exit_status(2);
	int at = expect_line("fatal error: all goroutines are asleep - deadlock!");
	expect(at + 1 < run.nlines && run.line[at + 1][0] == 0,
	       "no blank line after it");
	expect_block("goroutine 1 \\[sync\\.WaitGroup\\.Wait\\]:",
	             FRAME("scenario_deadlock"), HERE);
	expect_waiters(false);
	return 0;
}

static int sigquit_prints_every_goroutine_and_exits_2(void)
{
	run_scenario("sigquit", NULL);
	expect_exit_status(2);
	expect(run.nlines >= 2 && strcmp(run.line[0], "SIGQUIT: quit") == 0 &&
	               run.line[1][0] == 0,
	       "the output begins with \"%s\"", run.nlines ? run.line[0] : "");
	/* main sleeps, or if the signal came early it runs: on this thread
	 * (frames from the signal's context) or on another */
	int at = expect_line("goroutine 1 \\[(sleep|running)\\]:");
	expect(at + 1 < run.nlines &&
	               (find_line(FRAME("scenario_sigquit")) > at ||
	                matches("\tgoroutine running on other thread; stack unavailable",
	                        run.line[at + 1])),
	       "main's frames are missing");
	expect_waiters(true);
	return 0;
}

static int a_wait_of_minutes_shows_in_the_header(void)
{
	run_scenario("long_wait", (const char *const[]){"GOC_TRACEBACK=all", NULL});
	expect_exit_status(2);
	expect_line("goroutine " WAITER_ID " \\[chan receive, 3 minutes\\]:");
	expect_line("goroutine " WAITER_ID
	            " \\[sync\\.WaitGroup\\.Wait, 3 minutes, \"the waiter\"\\]:");
	expect_line("goroutine 1 \\[running\\]:");
	return 0;
}

static int a_faults_traceback_starts_at_the_faulting_function(void)
{
	if (TEST_TSAN) /* rightly: the symboliser allocates in the handler */
		skip("ThreadSanitizer reports the allocation in a signal handler");
	run_scenario("fault", NULL);
	expect_exit_status(2);
	expect_block("goroutine 1 \\[running\\]:", FRAME("fault_here"), HERE,
	             FRAME("scenario_fault"), HERE);
	return 0;
}

static int a_programs_own_sigquit_handler_is_kept(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = own_quit_handler;
	sigaction(SIGQUIT, &sa, NULL);
	scenario_fn = 3;
	expect_eq(strcmp(scenarios[scenario_fn].name, "own_sigquit_handler"), 0);
	return goc_main(run_scenario_main, 0, NULL);
}

static int created_by_without_goroutine_for_a_threads_goroutine(void)
{
	run_scenario("thread_spawn", (const char *const[]){"GOC_TRACEBACK=all", NULL});
	expect_exit_status(2);
	expect_block("goroutine [0-9]+ \\[chan receive\\]:", FRAME("receiver"), HERE,
	             "created by start_from_thread", HERE);
	return 0;
}

static int a_preempted_goroutines_frames_start_where_it_was_stopped(void)
{
	if (TEST_SANITIZED) /* preempt.c: it computes on beside the processor */
		skip("under a sanitizer a preempted goroutine does not wait");
	run_scenario("preempted", NULL);
	expect_exit_status(2);
	expect_block("goroutine [0-9]+ \\[runnable\\]:", FRAME("spin_here"), HERE,
	             "created by scenario_preempted in goroutine 1", HERE);
	return 0;
}

static int frames_without_line_information_show_object_and_offset(void)
{
	run_scenario("panic_under_nodebug", NULL);
	expect_exit_status(2);
	expect_line("goroutine 1 \\[running\\]:");
	expect_line("\t/[^ ]*/test_traceback\\+0x[0-9a-f]+");
	expect_block(FRAME("panic_with_arg"), HERE, FRAME("call_without_debug_info"),
	             "\t/[^ ]*/test_traceback\\+0x[0-9a-f]+",
	             FRAME("scenario_panic_under_nodebug"), HERE);
	return 0;
}

static int a_fault_while_malloc_is_locked_still_prints_its_traceback(void)
{
	if (TEST_ASAN) /* its malloc_stats prints its own, under no lock */
		skip("AddressSanitizer replaces malloc_stats");
	run_scenario("fault_holding_malloc_lock", NULL);
	expect_exit_status(2);
	expect_line("panic: runtime error: invalid memory address or nil pointer "
	            "dereference.*");
	/* its caller may be missing: frame pointers alone cannot tell it
	 * before fault_here's prologue has run */
	expect_block("goroutine 1 \\[running\\]:", FRAME("fault_here"), HERE);
	return 0;
}

static int printing_a_traceback_sends_the_program_no_sigchld(void)
{
	run_scenario("panic_with_sigchld_handler", NULL);
	expect_exit_status(2);
	expect_line("goroutine 1 \\[running\\]:");
	expect(find_line("SIGCHLD reached the program") < 0, "the handler ran");
	return 0;
}

static const struct test_case cases[] = {
	PLAIN_CASE(panic_prints_the_failing_goroutine_only_by_default),
	PLAIN_CASE(frames_end_with_the_goroutines_function),
	PLAIN_CASE(traceback_all_prints_every_goroutine_with_its_wait_reason),
	PLAIN_CASE(traceback_none_prints_no_goroutine),
	PLAIN_CASE(traceback_system_shows_the_runtime_frames),
	PLAIN_CASE(traceback_crash_prints_all_then_aborts),
	PLAIN_CASE(deadlock_prints_every_goroutine_with_frames),
	PLAIN_CASE(sigquit_prints_every_goroutine_and_exits_2),
	PLAIN_CASE(a_wait_of_minutes_shows_in_the_header),
	PLAIN_CASE(a_faults_traceback_starts_at_the_faulting_function),
	PLAIN_CASE(a_programs_own_sigquit_handler_is_kept, .out = "own handler ran"),
	PLAIN_CASE(created_by_without_goroutine_for_a_threads_goroutine),
	PLAIN_CASE(frames_without_line_information_show_object_and_offset),
	PLAIN_CASE(a_preempted_goroutines_frames_start_where_it_was_stopped),
	PLAIN_CASE(a_fault_while_malloc_is_locked_still_prints_its_traceback),
	PLAIN_CASE(printing_a_traceback_sends_the_program_no_sigchld),
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--scenario") == 0) {
		for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
			if (strcmp(scenarios[i].name, argv[2]) == 0) {
				scenario_fn = (int)i;
				return goc_main(run_scenario_main, 0, NULL);
			}
		}
		fprintf(stderr, "no scenario %s\n", argv[2]);
		return 98;
	}
	return test_run_all(cases, sizeof cases / sizeof *cases, argc, argv);
}
