/*
 * test_yield_exit.c — goc_yield (runtime.Gosched) and goc_exit
 * (runtime.Goexit).
 *
 * goc_yield lets the other goroutines run: with a single processor and no
 * preemption it is the only way one CPU-bound goroutine lets another in.
 * goc_exit ends the calling goroutine only; from main, the others go on
 * and the process dies with Go's "no goroutines" deadlock error once they
 * are done.
 */
#include "helpers.h"

/* ---- goc_yield ---- */

enum { TURNS = 1000 };

static char turn_log[2 * TURNS];
static _Atomic int turn_len;
static goc_wg players;

static void play(void *arg)
{
	char who = (char)(intptr_t)arg;
	for (int i = 0; i < TURNS; i++) {
		turn_log[atomic_fetch_add(&turn_len, 1)] = who;
		goc_yield();
	}
	goc_wg_done(&players);
}

static int yield_alternates_two_goroutines_on_one_processor(void)
{
	goc_maxprocs(1);
	goc_wg_add(&players, 2);
	spawn(play, (void *)'a');
	spawn(play, (void *)'b');
	goc_wg_wait(&players);
	expect_eq(atomic_load(&turn_len), 2 * TURNS);
	int switches = 0;
	for (int i = 1; i < 2 * TURNS; i++)
		switches += turn_log[i] != turn_log[i - 1];
	/* Strict alternation gives 2*TURNS-1 switches; no yield, one. */
	expect(switches >= TURNS,
	       "the log switched goroutines only %d times in %d turns", switches,
	       2 * TURNS);
	return 0;
}

static _Atomic bool flag;
static goc_wg spinner_done;

static void spin_with_yield_until_flag(void *arg)
{
	(void)arg;
	while (!atomic_load(&flag))
		goc_yield();
	goc_wg_done(&spinner_done);
}

static void set_flag(void *arg)
{
	(void)arg;
	atomic_store(&flag, true);
}

static int yield_lets_a_goroutine_that_waits_for_it_run(void)
{
	/* One processor, no preemption: without goc_yield the spinner would
	 * keep the processor and set_flag would never run. */
	goc_maxprocs(1);
	goc_wg_add(&spinner_done, 1);
	spawn(spin_with_yield_until_flag, NULL);
	spawn(set_flag, NULL);
	goc_wg_wait(&spinner_done);
	return 0;
}

static int yield_with_nothing_else_to_run_returns(void)
{
	for (int i = 0; i < 10000; i++)
		goc_yield();
	return 0;
}

static void *yield_on_thread(void *arg)
{
	for (int i = 0; i < 1000; i++)
		goc_yield();
	*(bool *)arg = true;
	return NULL;
}

static int yield_on_a_plain_thread_returns(void)
{
	bool done = false;
	thread_join(thread_start(yield_on_thread, &done));
	expect(done, "the thread did not get past goc_yield");
	return 0;
}

static int yield_before_goc_main_returns(void)
{
	bool done = false;
	yield_on_thread(&done);
	expect(done, "main() did not get past goc_yield");
	return 0;
}

/* ---- goc_exit from a goroutine ---- */

static _Atomic bool after_exit_ran, other_finished;
static goc_wg exiter_started, other_done;

static volatile bool really_exit = true; /* the compiler cannot tell */

__attribute__((noinline)) static void exit_from_deep_inside(int depth)
{
	if (depth == 0) {
		if (really_exit)
			goc_exit();
		return;
	}
	exit_from_deep_inside(depth - 1);
	atomic_store(&after_exit_ran, true);
}

static void exiter(void *arg)
{
	(void)arg;
	goc_wg_done(&exiter_started);
	exit_from_deep_inside(10);
	atomic_store(&after_exit_ran, true);
}

static void other_work(void *arg)
{
	(void)arg;
	goc_sleep(ms(30));
	atomic_store(&other_finished, true);
	goc_wg_done(&other_done);
}

static int exit_ends_only_the_calling_goroutine(void)
{
	goc_wg_add(&exiter_started, 1);
	goc_wg_add(&other_done, 1);
	spawn(other_work, NULL);
	spawn(exiter, NULL);
	goc_wg_wait(&exiter_started);
	goc_wg_wait(&other_done); /* others go on after the exit */
	expect(atomic_load(&other_finished), "the other goroutine did not finish");
	eventually(goc_numgoroutine() == 1, 10); /* the exiter is gone */
	expect(!atomic_load(&after_exit_ran), "code after goc_exit ran");
	return 0;
}

static _Atomic int grandchildren;
static goc_wg grandchildren_done;

static void grandchild(void *arg)
{
	(void)arg;
	goc_sleep(ms(20));
	atomic_fetch_add(&grandchildren, 1);
	goc_wg_done(&grandchildren_done);
}

static void parent_that_exits(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		spawn(grandchild, NULL);
	goc_exit();
}

static int goroutines_started_before_exit_go_on(void)
{
	goc_wg_add(&grandchildren_done, 10);
	spawn(parent_that_exits, NULL);
	goc_wg_wait(&grandchildren_done);
	expect_eq(atomic_load(&grandchildren), 10);
	return 0;
}

/* ---- goc_exit from main ---- */

static void worker_outlives_main(void *arg)
{
	goc_sleep(ms(50));
	printf("worker %d done\n", (int)(intptr_t)arg);
}

static int exit_from_main_lets_others_finish_then_deadlocks(void)
{
	skip_unless_deadlocks_detectable();
	for (int i = 0; i < 3; i++) {
		spawn(worker_outlives_main, (void *)(intptr_t)i);
		expect_stdout_has("worker %d done", i);
	}
	printf("main exits\n");
	goc_exit();
}

static int exit_from_main_alone_deadlocks_at_once(void)
{
	skip_unless_deadlocks_detectable();
	goc_exit();
}

/* ---- goc_exit from a plain thread ---- */

static _Atomic bool thread_after_exit;

static void *thread_that_exits(void *arg)
{
	(void)arg;
	goc_exit();
	atomic_store(&thread_after_exit, true);
	return NULL;
}

static int exit_on_a_plain_thread_ends_that_thread(void)
{
	thread_join(thread_start(thread_that_exits, NULL));
	expect(!atomic_load(&thread_after_exit),
	       "code after goc_exit ran on the thread");
	expect_eq(goc_id(), 1);
	return 0;
}

static const struct test_case cases[] = {
	CASE(yield_alternates_two_goroutines_on_one_processor),
	CASE(yield_lets_a_goroutine_that_waits_for_it_run),
	CASE(yield_with_nothing_else_to_run_returns),
	CASE(yield_on_a_plain_thread_returns),
	PLAIN_CASE(yield_before_goc_main_returns),
	CASE(exit_ends_only_the_calling_goroutine),
	CASE(goroutines_started_before_exit_go_on),
	EXPECT_EXIT(exit_from_main_lets_others_finish_then_deadlocks, 2,
                    "fatal error: no goroutines (main called goc_exit) - deadlock!",
                    .out = "main exits\nworker", .timeout = 10),
	EXPECT_EXIT(exit_from_main_alone_deadlocks_at_once, 2,
                    "fatal error: no goroutines (main called goc_exit) - deadlock!",
                    .timeout = 10),
	CASE(exit_on_a_plain_thread_ends_that_thread),
};

TEST_MAIN(cases)
