/*
 * test_deadlock.c — Go's "fatal error: all goroutines are asleep -
 * deadlock!" (exit status 2) when nothing can ever run again, and never
 * while something still may: a goroutine's timer is pending, or a thread
 * outside the runtime could still call into it.
 */
#include "helpers.h"

static goc_wg never; /* nobody ever calls done on it */

static void wait_forever(void *arg)
{
	(void)arg;
	goc_wg_wait(&never);
}

static int main_waiting_on_a_wg_nobody_finishes_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_wg_add(&never, 1);
	printf("main waits");
	goc_wg_wait(&never);
	fail("goc_wg_wait returned");
}

static int all_goroutines_blocked_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_wg_add(&never, 1);
	for (int i = 0; i < 100; i++)
		spawn(wait_forever, NULL);
	goc_wg_wait(&never);
	fail("goc_wg_wait returned");
}

static int all_goroutines_blocked_on_one_processor_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_maxprocs(1);
	return all_goroutines_blocked_is_a_deadlock();
}

static int all_goroutines_blocked_on_many_processors_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_maxprocs(8);
	return all_goroutines_blocked_is_a_deadlock();
}

static goc_wg finished;

static void work_then_finish(void *arg)
{
	(void)arg;
	goc_sleep(ms(5));
	goc_wg_done(&finished);
}

static int deadlock_after_other_goroutines_finished(void)
{
	skip_unless_deadlocks_detectable();
	goc_wg_add(&finished, 50);
	for (int i = 0; i < 50; i++)
		spawn(work_then_finish, NULL);
	goc_wg_wait(&finished);
	goc_wg_add(&never, 1);
	goc_wg_wait(&never);
	fail("goc_wg_wait returned");
}

static void *thread_wait_forever(void *arg)
{
	(void)arg;
	goc_wg_wait(&never);
	return NULL;
}

static int plain_thread_blocked_in_goc_too_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	/* The only thread outside the runtime is itself blocked in goc. */
	goc_wg_add(&never, 1);
	thread_start(thread_wait_forever, NULL);
	goc_wg_wait(&never);
	fail("goc_wg_wait returned");
}

/* ---- not a deadlock ---- */

static goc_wg later;

static void done_after_sleeping(void *arg)
{
	goc_sleep((int64_t)(intptr_t)arg);
	goc_wg_done(&later);
}

static int no_deadlock_while_a_goroutine_sleeps(void)
{
	goc_wg_add(&later, 1);
	spawn(done_after_sleeping, (void *)(intptr_t)ms(300));
	goc_wg_wait(&later);
	return 0;
}

static int no_deadlock_while_main_sleeps_alone(void)
{
	goc_sleep(ms(200));
	return 0;
}

static int no_deadlock_while_main_sleeps_and_others_are_blocked(void)
{
	goc_wg_add(&never, 1);
	for (int i = 0; i < 10; i++)
		spawn(wait_forever, NULL);
	goc_sleep(ms(200));
	return 0;
}

static void *done_later_from_thread(void *arg)
{
	(void)arg;
	usleep(300 * 1000); /* a plain sleep, unknown to goc */
	goc_wg_done(&later);
	return NULL;
}

static int no_deadlock_while_a_plain_thread_will_call_done(void)
{
	goc_wg_add(&later, 1);
	pthread_t t = thread_start(done_later_from_thread, NULL);
	goc_wg_wait(&later);
	thread_join(t);
	return 0;
}

static pthread_t early_thread;

static int main_waits_for_later(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_wg_wait(&later);
	thread_join(early_thread);
	return 0;
}

static int no_deadlock_while_a_thread_started_before_goc_main_runs(void)
{
	/* The thread exists before the runtime does. */
	goc_wg_add(&later, 1);
	early_thread = thread_start(done_later_from_thread, NULL);
	static char *argv[] = {"later", NULL};
	return goc_main(main_waits_for_later, 1, argv);
}

/* ---- what the report says ---- */

static goc_chan *never_sent;
static goc_mutex held;

static void receive_forever(void *arg)
{
	(void)arg;
	expect_stderr_has("goroutine %lld [chan receive]:\n", (long long)goc_id());
	int v;
	goc_chan_recv(never_sent, &v);
}

static void lock_forever(void *arg)
{
	(void)arg;
	expect_stderr_has("goroutine %lld [sync.Mutex.Lock]:\n", (long long)goc_id());
	goc_mutex_lock(&held);
}

static void send_on_nil_forever(void *arg)
{
	(void)arg;
	expect_stderr_has("goroutine %lld [chan send (nil chan)]:\n",
	                  (long long)goc_id());
	int v = 0;
	goc_chan_send(NULL, &v);
}

static void select_nothing_forever(void *arg)
{
	(void)arg;
	expect_stderr_has("goroutine %lld [select (no cases)]:\n", (long long)goc_id());
	goc_select(NULL, 0);
}

/* Go's report: the fatal error, a blank line, then every goroutine with
 * what it waits for. */
static int deadlock_lists_every_goroutine_with_its_wait(void)
{
	skip_unless_deadlocks_detectable();
	never_sent = make_chan(sizeof(int), 0);
	goc_mutex_lock(&held);
	spawn(receive_forever, NULL);
	spawn(lock_forever, NULL);
	spawn(send_on_nil_forever, NULL);
	spawn(select_nothing_forever, NULL);
	expect_stderr_line(DEADLOCK);
	expect_stderr_has("\n\ngoroutine 1 [sync.WaitGroup.Wait]:\n");
	goc_wg_add(&never, 1);
	goc_wg_wait(&never);
	fail("goc_wg_wait returned");
}

/* Plain threads hand a value over and exit, round after round, while
 * main waits: a waker that exits while the detector reads the thread
 * count must not make the program look dead. */
static goc_chan *handover;
static goc_wg round_done;

static void *send_one(void *arg)
{
	(void)arg;
	int v = 1;
	goc_chan_send(handover, &v);
	goc_wg_done(&round_done);
	return NULL;
}

static void *receive_one(void *arg)
{
	(void)arg;
	int v;
	goc_chan_recv(handover, &v);
	goc_wg_done(&round_done);
	return NULL;
}

static int threads_that_wake_each_other_and_exit_are_no_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	handover = make_chan(sizeof(int), 0);
	for (int i = 0; i < SCALED(3000); i++) {
		goc_wg_add(&round_done, 2);
		pthread_t a = thread_start(send_one, NULL);
		pthread_t b = thread_start(receive_one, NULL);
		goc_wg_wait(&round_done);
		thread_join(a);
		thread_join(b);
	}
	return 0;
}

static const struct test_case cases[] = {
	EXPECT_EXIT(main_waiting_on_a_wg_nobody_finishes_is_a_deadlock, 2, DEADLOCK,
                    .out = "main waits", .timeout = 10),
	EXPECT_EXIT(all_goroutines_blocked_is_a_deadlock, 2, DEADLOCK, .timeout = 10),
	EXPECT_EXIT(all_goroutines_blocked_on_one_processor_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	EXPECT_EXIT(all_goroutines_blocked_on_many_processors_is_a_deadlock, 2,
                    DEADLOCK, .timeout = 10),
	EXPECT_EXIT(deadlock_after_other_goroutines_finished, 2, DEADLOCK,
                    .timeout = 10),
	EXPECT_EXIT(plain_thread_blocked_in_goc_too_is_a_deadlock, 2, DEADLOCK,
                    .timeout = 10),
	CASE(no_deadlock_while_a_goroutine_sleeps),
	CASE(no_deadlock_while_main_sleeps_alone),
	CASE(no_deadlock_while_main_sleeps_and_others_are_blocked),
	CASE(no_deadlock_while_a_plain_thread_will_call_done),
	PLAIN_CASE(no_deadlock_while_a_thread_started_before_goc_main_runs),
	EXPECT_EXIT(deadlock_lists_every_goroutine_with_its_wait, 2, DEADLOCK,
                    .timeout = 10),
	CASE(threads_that_wake_each_other_and_exit_are_no_deadlock, .timeout = 60),
};

TEST_MAIN(cases)
