/*
 * test_fork.c — a child of fork() in a program that runs goc.
 *
 * fork copies the calling thread only: goc's other threads, the
 * goroutines they ran and the locks they held stay behind in the parent.
 * A child that would wait for them for good ends with a fatal error and
 * status 2 instead of hanging; what needs no other thread still works
 * there (goc.h, "fork"). Each case forks a child with its stderr on a
 * pipe, and checks how the child ended and what it printed.
 */
#include "fork_whitebox.h"
#include "helpers.h"

#include <string.h>
#include <sys/wait.h>

#define CHILD_WAITS_ON_A_LOST_THREAD                                                   \
	"fatal error: no goroutine can run in a child of fork()"
#define CHILD_TAKES_A_LOST_LOCK                                                        \
	"fatal error: a goc lock is held by a thread that fork() did not copy"

struct child {
	int status;
	char err[4096];
};

/* Fork; the child runs fn and exits 0 if it returns. The parent reads
 * the child's stderr to its end, then reaps it. */
static struct child fork_child(void (*fn)(void))
{
	struct child c = {0};
	int fds[2];
	expect(pipe(fds) == 0, "pipe: %s", strerror(test_errno()));
	fflush(NULL);
	pid_t pid = fork();
	expect(pid >= 0, "fork: %s", strerror(test_errno()));
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		alarm(30); /* a hang ends with SIGALRM, not the case's timeout */
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t n = 0;
	for (ssize_t r; n < sizeof c.err - 1 &&
	                (r = read(fds[0], c.err + n, sizeof c.err - 1 - n)) != 0;)
		if (r > 0)
			n += (size_t)r;
	close(fds[0]);
	expect(waitpid(pid, &c.status, 0) == pid, "waitpid: %s",
	       strerror(test_errno()));
	return c;
}

/* ThreadSanitizer keeps the history of the threads fork dropped, and
 * reports the child's own accesses as racing with theirs. */
static void skip_under_tsan(void)
{
	if (TEST_TSAN)
		skip("ThreadSanitizer reports the child racing with threads fork dropped");
}

static void expect_clean_exit(const struct child *c)
{
	expect(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0,
	       "the child ended with status %#x; its stderr: %.800s", c->status,
	       c->err);
}

static void expect_fatal(const struct child *c, const char *line)
{
	expect(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 2,
	       "the child ended with status %#x; its stderr: %.800s", c->status,
	       c->err);
	expect(strstr(c->err, line) != NULL, "the child's stderr lacks \"%s\": %.800s",
	       line, c->err);
}

/* ---- waiting on what fork left behind ---- */

static goc_mutex held;
static atomic_int holding;

static void hold_and_compute(void *arg)
{
	(void)arg;
	goc_mutex_lock(&held);
	atomic_store(&holding, 1);
	for (;;)
		burn_until(goc_now() + GOC_SECOND);
}

static void lock_the_held_mutex(void)
{
	goc_mutex_lock(&held);
	fprintf(stderr, "the child took the mutex\n");
}

static int a_child_waiting_on_a_goroutine_fork_left_ends(void)
{
	skip_under_tsan();
	goc_maxprocs(2);
	spawn(hold_and_compute, NULL);
	eventually(atomic_load(&holding), 10);
	struct child c = fork_child(lock_the_held_mutex);
	expect_fatal(&c, CHILD_WAITS_ON_A_LOST_THREAD);
	return 0;
}

/* Longer than any M spins looking for work before it sleeps. */
static void sleep_in_the_child(void) { goc_sleep(GOC_SECOND); }

static int a_child_that_sleeps_ends(void)
{
	skip_under_tsan();
	struct child c = fork_child(sleep_in_the_child);
	expect_fatal(&c, CHILD_WAITS_ON_A_LOST_THREAD);
	return 0;
}

static atomic_int lock_taken, may_give;

static void *take_the_lock_and_keep_it(void *arg)
{
	(void)arg;
	runtime_lock_take();
	atomic_store(&lock_taken, 1);
	while (!atomic_load(&may_give))
		usleep(1000);
	runtime_lock_give();
	return NULL;
}

static int a_child_taking_a_lock_a_lost_thread_holds_ends(void)
{
	skip_under_tsan();
	pthread_t t = thread_start(take_the_lock_and_keep_it, NULL);
	while (!atomic_load(&lock_taken))
		goc_sleep(GOC_MILLISECOND);
	struct child c = fork_child(runtime_lock_take);
	atomic_store(&may_give, 1);
	thread_join(t);
	expect_fatal(&c, CHILD_TAKES_A_LOST_LOCK);
	return 0;
}

/* A thread that is not a goroutine (here main, with the runtime started
 * by a goc_go) waits in goc in the child: no M is left to run a waker. */
static goc_chan *nobody_sends;

static void receive_in_the_child(void)
{
	int v;
	goc_chan_recv(nobody_sends, &v);
}

static void nothing(void *arg) { (void)arg; }

static int a_plain_thread_waiting_in_the_child_ends(void)
{
	skip_under_tsan();
	nobody_sends = goc_chan_make(sizeof(int), 0);
	expect(nobody_sends != NULL, "goc_chan_make failed");
	expect_eq(goc_go(nothing, NULL), 0); /* starts the runtime */
	struct child c = fork_child(receive_in_the_child);
	expect_fatal(&c, CHILD_WAITS_ON_A_LOST_THREAD);
	return 0;
}

/* ---- what still works ---- */

static void add_one(void *arg)
{
	goc_chan *c = arg;
	int v;
	goc_chan_recv(c, &v);
	v++;
	goc_chan_send(c, &v);
}

/* Goroutines the child starts run when it waits for them: its own M is
 * there to run them. */
static void goroutines_of_the_child(void)
{
	goc_chan *c = goc_chan_make(sizeof(int), 0);
	for (int i = 0; i < 4; i++)
		goc_go(add_one, c);
	int v = 0;
	for (int i = 0; i < 4; i++) {
		goc_chan_send(c, &v);
		goc_chan_recv(c, &v);
	}
	if (v != 4)
		_exit(3);
}

static int a_child_runs_goroutines_it_starts(void)
{
	skip_under_tsan();
	goc_maxprocs(2);
	spawn(hold_and_compute, NULL); /* a thread the child will not have */
	eventually(atomic_load(&holding), 10);
	struct child c = fork_child(goroutines_of_the_child);
	expect_clean_exit(&c);
	return 0;
}

/* Preempted (its P wanted for the sleeper's timer), a goroutine that
 * computes waits in the global queue, bound to its thread, which waits in
 * the signal handler holding no lock. */
static atomic_int computing;

static void compute_forever(void *arg)
{
	(void)arg;
	atomic_store(&computing, 1);
	for (;;)
		burn_until(goc_now() + GOC_SECOND);
}

/* Enough switches that the child's P looks at the global queue (every
 * 61st schedule) and finds the preempted goroutine there. */
static void many_goroutines_of_the_child(void)
{
	for (int i = 0; i < 50; i++)
		goroutines_of_the_child();
}

/* Its thread was not copied: the child drops that goroutine, as it lost
 * those that ran on other threads, and runs its own (it used to hand its
 * P to the lost thread and end with a fatal error). With one P, the
 * main goroutine runs again only once the other is preempted. */
static int a_child_drops_goroutines_bound_to_threads_it_lacks(void)
{
	skip_under_tsan();
	goc_maxprocs(1);
	spawn(compute_forever, NULL);
	eventually(atomic_load(&computing), 10);
	struct child c = fork_child(many_goroutines_of_the_child);
	expect_clean_exit(&c);
	return 0;
}

static void exec_true(void)
{
	execl("/bin/sh", "sh", "-c", "echo exec ran >&2", (char *)NULL);
	_exit(4);
}

static int a_child_may_exec(void)
{
	struct child c = fork_child(exec_true);
	expect_clean_exit(&c);
	expect(strstr(c.err, "exec ran") != NULL, "no output from the exec: %.800s",
	       c.err);
	return 0;
}

static const struct test_case cases[] = {
	CASE(a_child_waiting_on_a_goroutine_fork_left_ends),
	CASE(a_child_that_sleeps_ends),
	CASE(a_child_taking_a_lock_a_lost_thread_holds_ends),
	PLAIN_CASE(a_plain_thread_waiting_in_the_child_ends),
	CASE(a_child_runs_goroutines_it_starts),
	CASE(a_child_drops_goroutines_bound_to_threads_it_lacks),
	CASE(a_child_may_exec),
};

TEST_MAIN(cases)
