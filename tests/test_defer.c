/*
 * test_defer.c — goc_call, goc_defer, goc_panic and goc_recover: every
 * line of the contract's "Panic, defer, recover", misuse included. The
 * order in which deferred calls run is recorded in a log of letters.
 */
#include "helpers.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a log of what ran, in order ---- */

static char trail[256];
static size_t trail_len;

static void note(char c)
{
	if (trail_len + 1 < sizeof trail)
		trail[trail_len++] = c;
	trail[trail_len] = 0;
}

static void log_letter(void *arg) { note((char)(uintptr_t)arg); }

#define LETTER(c) ((void *)(uintptr_t)(c))

static void expect_trail(const char *want)
{
	expect(strcmp(trail, want) == 0, "the calls ran as \"%s\", not \"%s\"", trail,
	       want);
	trail_len = 0;
	trail[0] = 0;
}

static int64_t quiet_deferred, quiet_recovered;

static void log_letter_quiet(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&quiet_deferred, 1, __ATOMIC_RELAXED);
}

static void recover_quietly(void *arg)
{
	(void)arg;
	if (goc_recover())
		__atomic_add_fetch(&quiet_recovered, 1, __ATOMIC_RELAXED);
}

/* ---- deferred calls run last added first ---- */

static void defers_abc(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('a'));
	goc_defer(log_letter, LETTER('b'));
	goc_defer(log_letter, LETTER('c'));
	note('x');
}

static int deferred_calls_run_last_added_first_when_the_frame_returns(void)
{
	expect_eq(goc_call(defers_abc, NULL), 0);
	expect_trail("xcba");
	return 0;
}

static char many_want[128];

static void defers_many(void *arg)
{
	int n = *(int *)arg;
	for (int i = 0; i < n; i++)
		goc_defer(log_letter, LETTER('A' + i % 26));
}

static int many_deferred_calls_all_run_in_order(void)
{
	for (int n = 0; n <= 100; n += 7) {
		for (int i = 0; i < n; i++)
			many_want[i] = (char)('A' + (n - 1 - i) % 26);
		many_want[n] = 0;
		expect_eq(goc_call(defers_many, &n), 0);
		expect_trail(many_want);
	}
	return 0;
}

/* A deferred call runs in a frame of its own: its goc_defers run when it
 * returns, before the next deferred call of the outer frame. */
static void defers_inside_a_deferred_call(void *arg)
{
	(void)arg;
	note('d');
	goc_defer(log_letter, LETTER('e'));
}

static void frame_with_nested_defers(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('a'));
	goc_defer(defers_inside_a_deferred_call, NULL);
}

static int a_deferred_call_runs_in_a_frame_of_its_own(void)
{
	expect_eq(goc_call(frame_with_nested_defers, NULL), 0);
	expect_trail("dea");
	return 0;
}

/* ---- the goroutine's own frame ---- */

static goc_wg goroutine_done;

static void done_and_log(void *arg)
{
	log_letter(arg);
	goc_wg_done(&goroutine_done);
}

static void goroutine_that_defers(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('g'));
	note('f');
}

static int a_goroutines_function_runs_in_a_frame(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_that_defers, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("fg");
	return 0;
}

/* ---- panic and recover ---- */

static const char *recovered_msg;
static char recovered_copy[2048];

static void recover_and_keep(void *arg)
{
	(void)arg;
	recovered_msg = goc_recover();
	if (recovered_msg)
		snprintf(recovered_copy, sizeof recovered_copy, "%s", recovered_msg);
	note(recovered_msg ? 'R' : 'n');
}

/* The last recover_and_keep recovered a panic with message want. */
static void expect_recovered_message(const char *want)
{
	expect(strcmp(recovered_copy, want) == 0, "recovered \"%.100s\", want \"%s\"",
	       recovered_copy, want);
}

static void (*volatile descend)(int depth);

static void panics_through_c_frames(int depth)
{
	if (depth == 0)
		goc_panic("deep %d", 42);
	descend(depth - 1);
	note('!'); /* never: the C frames are left */
}

static void inner_frame(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('i'));
	descend = panics_through_c_frames;
	descend(5);
}

static void middle_frame(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('m'));
	goc_call(inner_frame, NULL);
	note('!');
}

static void outer_frame(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('o'));
	goc_defer(recover_and_keep, NULL);
	goc_defer(log_letter, LETTER('p'));
	goc_call(middle_frame, NULL);
	note('!');
}

static int panic_unwinds_frames_and_recover_stops_it(void)
{
	expect_eq(goc_call(outer_frame, NULL), 1);
	/* inner, middle, then outer's calls: p, the recovery, then o. */
	expect_trail("impRo");
	expect_recovered_message("deep 42");
	return 0;
}

static void panics_with_long_message(void *arg)
{
	int n = *(int *)arg;
	goc_defer(recover_and_keep, NULL);
	goc_panic("%0*d", n, 7);
}

static int panic_messages_keep_1000_characters(void)
{
	int n = 1000;
	expect_eq(goc_call(panics_with_long_message, &n), 1);
	expect_eq(strlen(recovered_copy), 1000);
	expect_eq(recovered_copy[999], '7');
	n = 1500; /* longer: cut, never overflowing */
	expect_eq(goc_call(panics_with_long_message, &n), 1);
	expect_ge(strlen(recovered_copy), 1000);
	expect_trail("RR");
	return 0;
}

/* recover returns NULL outside a deferred call run by a panic. */
static void recover_in_a_call_made_by_a_deferred_call(void *arg)
{
	(void)arg;
	note(goc_recover() ? 'R' : 'n');
}

static void deferred_that_calls_recover_indirectly(void *arg)
{
	(void)arg;
	goc_call(recover_in_a_call_made_by_a_deferred_call, NULL);
}

static void deferred_that_recovers_twice(void *arg)
{
	(void)arg;
	const char *first = goc_recover();
	const char *second = goc_recover();
	note(first ? 'R' : 'n');
	note(second ? 'R' : 'n');
}

static void recover_only_in_the_right_place(void *arg)
{
	(void)arg;
	note(goc_recover() ? 'R' : 'n'); /* not in a deferred call */
	goc_defer(deferred_that_recovers_twice, NULL);
	goc_defer(deferred_that_calls_recover_indirectly, NULL);
	goc_panic("only once");
}

static void normal_end_recover(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL); /* run by a normal end: NULL */
}

static int recover_works_only_in_a_deferred_call_the_panic_runs_and_once(void)
{
	expect(goc_recover() == NULL, "recover outside any deferred call worked");
	expect_eq(goc_call(normal_end_recover, NULL), 0);
	expect_trail("n");
	/* Not in a deferred call (n); in a call made by one (n); then the
	 * next deferred call recovers (R) and a second recover fails (n). */
	expect_eq(goc_call(recover_only_in_the_right_place, NULL), 1);
	expect_trail("nnRn");
	return 0;
}

/* After a recovery the frame's remaining deferred calls run, where
 * recover returns NULL. */
static void recover_then_more(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_defer(log_letter, LETTER('a'));
	goc_defer(recover_and_keep, NULL);
	goc_defer(log_letter, LETTER('b'));
	goc_panic("once");
}

static int the_frames_remaining_deferred_calls_run_after_a_recovery(void)
{
	expect_eq(goc_call(recover_then_more, NULL), 1);
	expect_trail("bRan");
	return 0;
}

/* A panic in a deferred call replaces the current one. */
static void panics_again(void *arg)
{
	(void)arg;
	goc_panic("second");
}

static void panic_then_panic_in_deferred(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_defer(log_letter, LETTER('a'));
	goc_defer(panics_again, NULL);
	goc_panic("first");
}

static int a_panic_in_a_deferred_call_replaces_the_current_one(void)
{
	expect_eq(goc_call(panic_then_panic_in_deferred, NULL), 1);
	expect_trail("aR");
	expect_recovered_message("second");
	return 0;
}

/* A panic recovered inside a deferred call leaves the older one going:
 * the deferred call goes on and can recover it. */
static void recovers_its_own(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_panic("inner");
}

static void deferred_with_its_own_panic(void *arg)
{
	(void)arg;
	expect_eq(goc_call(recovers_its_own, NULL), 1);
	expect_recovered_message("inner");
	recover_and_keep(NULL);
}

static void outer_panic(void *arg)
{
	(void)arg;
	goc_defer(deferred_with_its_own_panic, NULL);
	goc_panic("outer");
}

static int an_older_panic_goes_on_after_a_newer_one_is_recovered(void)
{
	expect_eq(goc_call(outer_panic, NULL), 1);
	expect_trail("RR");
	expect_recovered_message("outer");
	return 0;
}

/* A deferred call that panics during a normal frame end: the frame's
 * other deferred calls still run, and may recover it. */
static void panics_at_normal_end(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_defer(panics_again, NULL);
	note('x');
}

static int a_panic_during_a_normal_frame_end_runs_the_rest(void)
{
	expect_eq(goc_call(panics_at_normal_end, NULL), 1);
	expect_trail("xR");
	return 0;
}

/* Recovery in a goroutine's own frame ends the goroutine normally. */
static void goroutine_recovers(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('d'));
	goc_defer(recover_and_keep, NULL);
	goc_panic("in a goroutine");
}

static int recovery_in_a_goroutines_frame_ends_it(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_recovers, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("Rd");
	wait_others_done();
	return 0;
}

/* A deferred call of the goroutine's own frame panics, and a call it
 * deferred recovers: the deferred call returns, the goroutine's other
 * deferred calls run, and the goroutine ends; its code after the panic
 * never runs. */
static void defers_a_recovery_then_panics(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_panic("in a deferred call");
}

static void goroutine_with_a_deferred_call_that_recovers(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('d'));
	goc_defer(log_letter, LETTER('l'));
	goc_defer(defers_a_recovery_then_panics, NULL);
	note('b');
}

static int recovery_in_a_goroutines_deferred_call_ends_that_call(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_with_a_deferred_call_that_recovers, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("bRld");
	expect_recovered_message("in a deferred call");
	wait_others_done();
	return 0;
}

static void recover_and_print(void *arg)
{
	(void)arg;
	printf("recovered: %s\n", goc_recover());
}

static int recover_in_the_main_goroutine_frame_exits_0(void)
{
	goc_defer(recover_and_print, NULL);
	goc_panic("in main");
}

/* ---- goc_exit ---- */

static void exits_in_nested_frames(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('i'));
	goc_defer(recover_and_keep, NULL); /* not a panic: NULL */
	goc_exit();
}

static void goroutine_that_exits(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('o'));
	goc_call(exits_in_nested_frames, NULL);
	note('!');
}

static int goc_exit_runs_the_deferred_calls_of_every_frame(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_that_exits, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("nio");
	return 0;
}

/* Exiting is not a panic that a recovery cancels (Go 1.14's Goexit): a
 * panic raised by a deferred call that goc_exit runs, and recovered by
 * another, lets the exit go on; the frame that recovered it does not
 * resume. */
static void panic_in_exit(void *arg)
{
	(void)arg;
	note('p');
	goc_panic("during the exit");
}

static void exits_with_a_panicking_deferred_call(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_defer(panic_in_exit, NULL);
	goc_exit();
}

static void goroutine_whose_exit_panics(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('o'));
	goc_defer(log_letter, LETTER('x'));
	if (goc_call(exits_with_a_panicking_deferred_call, NULL))
		note('1');
	note('!');
}

static int goc_exit_goes_on_after_a_recovered_panic(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_whose_exit_panics, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("pRxo");
	expect_recovered_message("during the exit");
	wait_others_done();
	return 0;
}

/* A deferred call of the exit that recovers a panic of its own returns as
 * usual, and the exit goes on. */
static void goroutine_whose_deferred_call_recovers(void *arg)
{
	(void)arg;
	goc_defer(done_and_log, LETTER('o'));
	goc_defer(recovers_its_own, NULL);
	goc_exit();
}

static int goc_exit_runs_a_deferred_call_that_recovers_its_own_panic(void)
{
	goc_wg_add(&goroutine_done, 1);
	spawn(goroutine_whose_deferred_call_recovers, NULL);
	goc_wg_wait(&goroutine_done);
	expect_trail("Ro");
	expect_recovered_message("inner");
	return 0;
}

static void print_deferred(void *arg) { printf("deferred %s\n", (const char *)arg); }

static int goc_exit_in_main_runs_its_deferred_calls(void)
{
	skip_unless_deadlocks_detectable();
	goc_defer(print_deferred, "main");
	goc_exit();
}

/* ---- printing a panic that nobody recovers ---- */

static int an_unrecovered_panic_prints_its_line_and_a_blank_one(void)
{
	goc_defer(log_letter, LETTER('a'));
	goc_panic("alone");
}

static void panics_second(void *arg)
{
	(void)arg;
	goc_panic("second");
}

static int a_chain_of_panics_prints_oldest_first(void)
{
	goc_defer(panics_second, NULL);
	goc_panic("first");
}

static void recovers_then_panics(void *arg)
{
	(void)arg;
	const char *msg = goc_recover();
	goc_panic("again after %s", msg);
}

static int a_recovered_panic_in_the_chain_is_marked(void)
{
	goc_defer(recovers_then_panics, NULL);
	goc_panic("first");
}

static void panics_third(void *arg)
{
	(void)arg;
	goc_panic("third");
}

static int a_chain_of_three(void)
{
	goc_defer(panics_third, NULL);
	goc_defer(panics_second, NULL);
	goc_panic("first");
}

static void panics_two(void *arg)
{
	(void)arg;
	goc_panic("two");
}

static void goroutine_chain(void *arg)
{
	(void)arg;
	expect_stderr_has(
		"panic: one [goroutine %lld]\n\tpanic: two [goroutine %lld]\n\n",
		(long long)goc_id(), (long long)goc_id());
	goc_defer(panics_two, NULL);
	goc_panic("one");
}

static int a_chain_in_a_goroutine_names_it(void)
{
	spawn(goroutine_chain, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

/* ---- the runtime's panics are recoverable ---- */

typedef void misuse_fn(void);

static void run_misuse(void *arg)
{
	goc_defer(recover_and_keep, NULL);
	(*(misuse_fn **)arg)();
}

/* misuse() must panic with msg, be recovered, and leave no lock held. */
static void expect_recovered(misuse_fn *misuse, const char *msg)
{
	recovered_copy[0] = 0;
	expect_eq(goc_call(run_misuse, &misuse), 1);
	expect_recovered_message(msg);
	expect_trail("R");
}

static goc_chan *closed_chan;

static void send_on_closed(void)
{
	int v = 1;
	goc_chan_send(closed_chan, &v);
}

static void try_send_on_closed(void)
{
	int v = 1;
	goc_chan_try_send(closed_chan, &v);
}

static void close_closed(void) { goc_chan_close(closed_chan); }

static void close_nil(void) { goc_chan_close(NULL); }

static goc_case many_cases[12];

static void select_send_on_closed(void)
{
	int v = 1;
	goc_case c[2] = {GOC_CASE_SEND(closed_chan, &v), GOC_CASE_RECV(NULL, NULL)};
	goc_select(c, 2);
}

static void big_select_send_on_closed(void)
{
	static int v = 1;
	for (size_t i = 0; i < 12; i++)
		many_cases[i] = (goc_case)GOC_CASE_RECV(NULL, NULL);
	many_cases[7] = (goc_case)GOC_CASE_SEND(closed_chan, &v);
	goc_select(many_cases, 12);
}

static goc_wg wg;
static goc_mutex mu;
static goc_rwmutex rw;
static goc_timer *ticker;

static void wg_negative(void) { goc_wg_add(&wg, -1); }
static void mutex_unlock_unlocked(void) { goc_mutex_unlock(&mu); }
static void rw_runlock_unlocked(void) { goc_rwmutex_runlock(&rw); }
static void rw_unlock_unlocked(void) { goc_rwmutex_unlock(&rw); }
static void ticker_reset_zero(void) { goc_timer_reset(ticker, 0); }

static int the_runtimes_panics_are_recovered_and_leave_nothing_locked(void)
{
	closed_chan = make_chan(sizeof(int), 1);
	goc_chan_close(closed_chan);
	expect_recovered(send_on_closed, "send on closed channel");
	expect_recovered(try_send_on_closed, "send on closed channel");
	expect_recovered(close_closed, "close of closed channel");
	expect_recovered(close_nil, "close of nil channel");
	expect_recovered(select_send_on_closed, "send on closed channel");
	expect_recovered(big_select_send_on_closed, "send on closed channel");
	int v = 5;
	expect_eq(goc_chan_recv(closed_chan, &v), GOC_CLOSED); /* not locked */
	goc_chan_release(closed_chan);

	expect_recovered(wg_negative, "sync: negative WaitGroup counter");
	expect_recovered(mutex_unlock_unlocked, "sync: unlock of unlocked mutex");
	goc_mutex_lock(&mu); /* as good as new */
	goc_mutex_unlock(&mu);
	expect(goc_mutex_trylock(&mu), "the mutex was left locked");
	goc_mutex_unlock(&mu);
	expect_recovered(rw_runlock_unlocked, "sync: RUnlock of unlocked RWMutex");
	expect_recovered(rw_unlock_unlocked, "sync: Unlock of unlocked RWMutex");
	goc_rwmutex_lock(&rw);
	goc_rwmutex_unlock(&rw);
	goc_rwmutex_rlock(&rw);
	goc_rwmutex_runlock(&rw);

	ticker = goc_ticker_make(GOC_SECOND);
	expect_recovered(ticker_reset_zero,
	                 "non-positive interval for goc_timer_reset of a ticker");
	goc_timer_stop(ticker); /* not locked */
	goc_timer_free(ticker);
	return 0;
}

/* ---- faults ---- */

static volatile int *volatile nowhere;
static volatile int zero;

static void nil_dereference(void) { *nowhere = 1; }

static void divide_by_zero(void)
{
	volatile int x = 7 / zero;
	(void)x;
}

static int faults_are_recoverable_runtime_errors(void)
{
	for (int i = 0; i < 3; i++) /* again: the signal is not left blocked */
		expect_recovered(
			nil_dereference,
			"runtime error: invalid memory address or nil pointer dereference");
#if defined(__x86_64__)
	expect_recovered(divide_by_zero, "runtime error: integer divide by zero");
	expect_recovered(divide_by_zero, "runtime error: integer divide by zero");
#endif
	return 0;
}

static void faults_and_recovers(void *arg)
{
	goc_defer(recover_quietly, NULL);
	(void)arg;
	nil_dereference();
}

static void faulting_goroutine(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		expect_eq(goc_call(faults_and_recovers, NULL), 1);
	goc_wg_done(&goroutine_done);
}

static int faults_in_many_goroutines_are_recovered(void)
{
	goc_wg_add(&goroutine_done, 4);
	for (int i = 0; i < 4; i++)
		spawn(faulting_goroutine, NULL);
	goc_wg_wait(&goroutine_done);
	expect_eq(quiet_recovered, 4000);
	return 0;
}

static int an_unrecovered_fault_prints_the_signal_line(void)
{
	goc_defer(log_letter, LETTER('a'));
	nil_dereference();
	fail("no fault");
}

static int an_unrecovered_divide_by_zero_prints_the_signal_line(void)
{
#if !defined(__x86_64__)
	skip("integer division by zero does not trap here");
#endif
	divide_by_zero();
	fail("no fault");
}

static void nothing(void *arg) { (void)arg; }

/* The runtime runs (its handler is installed), but this thread is not a
 * goroutine: the fault kills the process as it would without goc. */
static int a_fault_on_a_plain_thread_is_not_a_panic(void)
{
	if (TEST_SANITIZED)
		skip("the sanitizer reports the fault itself, as without goc");
	pid_t pid = fork();
	expect(pid >= 0, "fork failed: %s", strerror(errno));
	if (pid == 0) {
		goc_go(nothing, NULL); /* starts the runtime */
		nil_dereference();
		_exit(0);
	}
	int status;
	expect_eq(waitpid(pid, &status, 0), pid);
	expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	       "the child ended with status %#x", status);
	return 0;
}

/* ---- plain threads ---- */

static void *thread_frames(void *arg)
{
	(void)arg;
	expect_eq(goc_call(outer_frame, NULL), 1);
	expect_trail("impRo");
	goc_defer(log_letter, LETTER('z')); /* the thread's base frame */
	goc_defer(log_letter, LETTER('y'));
	goc_exit(); /* runs them */
}

static int plain_threads_have_frames_and_a_base_frame(void)
{
	thread_join(thread_start(thread_frames, NULL));
	expect_trail("yz");
	return 0;
}

static void *thread_recovers_in_base_frame(void *arg)
{
	(void)arg;
	goc_defer(log_letter, LETTER('b'));
	goc_defer(recover_and_keep, NULL);
	goc_panic("on a thread");
}

static int recovery_in_a_threads_base_frame_ends_the_thread(void)
{
	thread_join(thread_start(thread_recovers_in_base_frame, NULL));
	expect_trail("Rb");
	return 0;
}

static int frames_work_before_goc_main(void)
{
	expect_eq(goc_call(outer_frame, NULL), 1);
	expect_trail("impRo");
	return 0;
}

static void *thread_panics_in_frames(void *arg)
{
	(void)arg;
	goc_defer(panics_second, NULL);
	goc_panic("first");
}

static int a_chain_on_a_plain_thread(void)
{
	thread_join(thread_start(thread_panics_in_frames, NULL));
	fail("the thread did not panic");
}

/* ---- many goroutines, bounded memory ---- */

static void defers_and_panics(void *arg)
{
	(void)arg;
	for (int i = 0; i < 40; i++) /* past the inline ones: a chunk */
		goc_defer(log_letter_quiet, NULL);
	goc_defer(recover_quietly, NULL);
	goc_panic("goroutine %lld", (long long)goc_id());
}

static void deferring_goroutine(void *arg)
{
	(void)arg;
	if (goc_call(defers_and_panics, NULL) != 1)
		fail("the panic was not recovered");
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int many_goroutines_defer_and_recover_in_bounded_memory(void)
{
	long total = SCALED(100000), wave = 1000, waves = total / wave;
	if (waves < 2)
		waves = 2;
	long after_first = 0;
	for (long w = 0; w < waves; w++) {
		run_goroutines(wave, deferring_goroutine, NULL);
		if (w == 0)
			after_first = peak_rss_kib();
	}
	expect_eq(quiet_recovered, waves * wave);
	expect_eq(quiet_deferred, 40 * waves * wave);
	expect_lt(peak_rss_kib() - after_first, 32 * 1024);
	return 0;
}

/* ---- misuse ---- */

static void defers_nil(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_defer(NULL, NULL);
}

static int a_nil_deferred_call_or_goc_call_panics(void)
{
	expect_eq(goc_call(defers_nil, NULL), 1);
	expect_recovered_message("runtime error: invalid memory address or nil pointer "
	                         "dereference");
	expect_trail("R");
	goc_call(NULL, NULL);
	fail("goc_call(NULL) returned");
}

static void deadlocks(void *arg)
{
	(void)arg;
	goc_defer(recover_and_keep, NULL);
	goc_chan *c = make_chan(sizeof(int), 0);
	int v;
	goc_chan_recv(c, &v);
}

static int fatal_errors_are_not_recovered(void)
{
	skip_unless_deadlocks_detectable();
	goc_call(deadlocks, NULL);
	fail("the deadlock was not reported");
}

static const struct test_case cases[] = {
	CASE(deferred_calls_run_last_added_first_when_the_frame_returns),
	CASE(many_deferred_calls_all_run_in_order),
	CASE(a_deferred_call_runs_in_a_frame_of_its_own),
	CASE(a_goroutines_function_runs_in_a_frame),
	CASE(panic_unwinds_frames_and_recover_stops_it),
	CASE(panic_messages_keep_1000_characters),
	CASE(recover_works_only_in_a_deferred_call_the_panic_runs_and_once),
	CASE(the_frames_remaining_deferred_calls_run_after_a_recovery),
	CASE(a_panic_in_a_deferred_call_replaces_the_current_one),
	CASE(an_older_panic_goes_on_after_a_newer_one_is_recovered),
	CASE(a_panic_during_a_normal_frame_end_runs_the_rest),
	CASE(recovery_in_a_goroutines_frame_ends_it),
	CASE(recovery_in_a_goroutines_deferred_call_ends_that_call),
	CASE(recover_in_the_main_goroutine_frame_exits_0, .status = 0,
             .out = "recovered: in main\n"),
	CASE(goc_exit_runs_the_deferred_calls_of_every_frame),
	CASE(goc_exit_goes_on_after_a_recovered_panic),
	CASE(goc_exit_runs_a_deferred_call_that_recovers_its_own_panic),
	CASE(goc_exit_in_main_runs_its_deferred_calls, .status = 2,
             .out = "deferred main\n",
             .err_line =
                     "fatal error: no goroutines (main called goc_exit) - deadlock!"),
	CASE(an_unrecovered_panic_prints_its_line_and_a_blank_one, .status = 2,
             .err_line = "panic: alone [goroutine 1]",
             .err = "panic: alone [goroutine 1]\n\n"),
	CASE(a_chain_of_panics_prints_oldest_first, .status = 2,
             .err_line = "panic: first [goroutine 1]",
             .err = "panic: first [goroutine 1]\n\tpanic: second [goroutine 1]\n\n"),
	CASE(a_recovered_panic_in_the_chain_is_marked, .status = 2,
             .err_line = "panic: first [recovered] [goroutine 1]",
             .err = "panic: first [recovered] [goroutine 1]\n"
                    "\tpanic: again after first [goroutine 1]\n\n"),
	CASE(a_chain_of_three, .status = 2, .err_line = "panic: first [goroutine 1]",
             .err = "panic: first [goroutine 1]\n\tpanic: second [goroutine 1]\n"
                    "\tpanic: third [goroutine 1]\n\n"),
	CASE(a_chain_in_a_goroutine_names_it, .status = 2),
	CASE(the_runtimes_panics_are_recovered_and_leave_nothing_locked),
	CASE(faults_are_recoverable_runtime_errors),
	CASE(faults_in_many_goroutines_are_recovered),
	CASE(an_unrecovered_fault_prints_the_signal_line, .status = 2,
             .err_line = "panic: runtime error: invalid memory address or nil pointer "
                         "dereference [goroutine 1]",
             .err = " [goroutine 1]\n[signal SIGSEGV: segmentation violation code=0x1 "
                    "addr=0x0 pc=0x"),
	CASE(an_unrecovered_divide_by_zero_prints_the_signal_line, .status = 2,
             .err_line = "panic: runtime error: integer divide by zero [goroutine 1]",
             .err = " [goroutine 1]\n[signal SIGFPE: floating-point exception code=0x1 "
                    "addr=0x"),
	PLAIN_CASE(a_fault_on_a_plain_thread_is_not_a_panic),
	CASE(plain_threads_have_frames_and_a_base_frame),
	CASE(recovery_in_a_threads_base_frame_ends_the_thread),
	PLAIN_CASE(frames_work_before_goc_main),
	CASE(a_chain_on_a_plain_thread, .status = 2,
             .err_line = "panic: first [goroutine 0]",
             .err = "panic: first [goroutine 0]\n\tpanic: second [goroutine 0]\n\n"),
	CASE(many_goroutines_defer_and_recover_in_bounded_memory, .timeout = 120),
	CASE(a_nil_deferred_call_or_goc_call_panics, .status = 2,
             .err_line = "panic: runtime error: invalid memory address or nil pointer "
                         "dereference [goroutine 1]"),
	CASE(fatal_errors_are_not_recovered, .status = 2,
             .err_line = "fatal error: all goroutines are asleep - deadlock!"),
};

TEST_MAIN(cases)
