/*
 * test_panic.c — goc_panic: "panic: <formatted message> [goroutine N]" as
 * the first line on stderr, stdio flushed first, exit status 2, whatever
 * the other goroutines are doing.
 */
#include "helpers.h"

#include <sys/syscall.h>

static int panic_in_main_prints_the_message_and_exits_2(void) { goc_panic("boom"); }

static int panic_formats_its_message(void)
{
	goc_panic("%d %s %.2f %c%%", 42, "is the answer", 0.5, 'x');
}

static void panicking_goroutine(void *arg)
{
	(void)arg;
	expect_stderr_line("panic: from goroutine %lld [goroutine %lld]",
	                   (long long)goc_id(), (long long)goc_id());
	goc_panic("from goroutine %lld", (long long)goc_id());
}

static void nothing(void *arg) { (void)arg; }

static int panic_in_a_goroutine_names_that_goroutine(void)
{
	for (int i = 0; i < 5; i++) /* so that it is not goroutine 2 */
		spawn(nothing, NULL);
	spawn(panicking_goroutine, NULL);
	goc_sleep(10 * GOC_SECOND);
	fail("the goroutine did not panic");
}

static int panic_flushes_stdout_first(void)
{
	printf("line one\nno newline at the end");
	goc_panic("after output");
}

static void spin(void *arg)
{
	(void)arg;
	for (volatile long i = 0;; i++) {
	}
}

static void sleep_loop(void *arg)
{
	(void)arg;
	for (;;)
		goc_sleep(ms(1));
}

static int panic_ends_the_process_while_others_run(void)
{
	goc_maxprocs(2); /* the spinner keeps one processor for good */
	spawn(spin, NULL);
	for (int i = 0; i < 10; i++)
		spawn(sleep_loop, NULL);
	goc_sleep(ms(20));
	goc_panic("with company");
}

/* The thread's own frames follow, under a header that names it. */
static void *panic_on_thread(void *arg)
{
	(void)arg;
	expect_stderr_has("thread %d [running, not a goroutine]:",
	                  (int)syscall(SYS_gettid));
	expect_stderr_has("panic_on_thread(...)");
	goc_panic("from a plain thread");
}

static int panic_on_a_plain_thread_exits_2(void)
{
	thread_join(thread_start(panic_on_thread, NULL));
	fail("the thread did not panic");
}

static int panic_before_goc_main_exits_2(void) { goc_panic("before goc_main"); }

static const struct test_case cases[] = {
	CASE(panic_in_main_prints_the_message_and_exits_2, .status = 2,
             .err_line = "panic: boom [goroutine 1]"),
	CASE(panic_formats_its_message, .status = 2,
             .err_line = "panic: 42 is the answer 0.50 x% [goroutine 1]"),
	CASE(panic_in_a_goroutine_names_that_goroutine, .status = 2),
	CASE(panic_flushes_stdout_first, .status = 2,
             .out = "line one\nno newline at the end",
             .err_line = "panic: after output [goroutine 1]"),
	CASE(panic_ends_the_process_while_others_run, .status = 2,
             .err_line = "panic: with company [goroutine 1]", .timeout = 10),
	EXPECT_EXIT(panic_on_a_plain_thread_exits_2, 2, "panic: from a plain thread"),
	PLAIN_CASE(panic_before_goc_main_exits_2, .status = 2,
                   .err = "panic: before goc_main"),
};

TEST_MAIN(cases)
