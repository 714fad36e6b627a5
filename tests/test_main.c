/*
 * test_main.c — goc_main: the main goroutine and how the program ends.
 *
 * goc_main runs fn as goroutine 1; when fn returns, the process exits
 * with its value at once, stdio flushed, whatever the other goroutines
 * are doing (Go's rule). Goroutines started before goc_main, from main()'s
 * plain thread, run too, and main still gets id 1.
 */
#include "helpers.h"

static int main_goroutine_has_id_1(void)
{
	expect_eq(goc_id(), 1);
	return 0;
}

static int numgoroutine_is_1_at_start(void)
{
	expect_eq(goc_numgoroutine(), 1);
	return 0;
}

static int main_return_value_is_exit_status(void) { return 42; }

static int main_returning_1_exits_with_1(void) { return 1; }

/* ---- main returns while others still run ---- */

static void sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		goc_sleep(ms(1));
}

/* Nobody ever calls done. */
static void block_forever(void *arg) { goc_wg_wait(arg); }

static void spin_forever(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++) {
	}
}

static goc_wg never;

static int main_return_ends_program_while_goroutines_sleep_and_block(void)
{
	goc_wg_add(&never, 1);
	spawn(sleep_forever, NULL);
	spawn(block_forever, &never);
	goc_sleep(ms(20));                  /* both are running or parked now */
	printf("unflushed output of main"); /* no newline: still buffered */
	return 7;
}

static int main_return_ends_program_while_a_goroutine_computes(void)
{
	goc_maxprocs(2); /* the spinner keeps one processor for good */
	spawn(spin_forever, NULL);
	goc_sleep(ms(20));
	printf("computing goroutine left behind");
	return 3;
}

/* ---- goroutines started before goc_main ---- */

enum { EARLY = 16 };
static goc_wg early_done;
static int64_t early_ids[EARLY];

static void early(void *arg)
{
	early_ids[(intptr_t)arg] = goc_id();
	goc_wg_done(&early_done);
}

static int main_after_early_goroutines(int argc, char **argv)
{
	(void)argc, (void)argv;
	expect_eq(goc_id(), 1);
	goc_wg_wait(&early_done);
	for (int i = 0; i < EARLY; i++) {
		expect_gt(early_ids[i], 1);
		for (int j = 0; j < i; j++)
			expect_ne(early_ids[i], early_ids[j]);
	}
	return 0;
}

static int goroutines_started_before_goc_main_run_and_main_is_still_1(void)
{
	expect_eq(goc_id(), 0); /* a plain thread */
	goc_wg_add(&early_done, EARLY);
	for (intptr_t i = 0; i < EARLY; i++)
		spawn(early, (void *)i);
	goc_sleep(ms(10)); /* let some of them run first */
	static char *argv[] = {"early", NULL};
	return goc_main(main_after_early_goroutines, 1, argv);
}

/* ---- arguments ---- */

static int check_args(int argc, char **argv)
{
	expect_eq(argc, 3);
	expect(strcmp(argv[0], "prog") == 0 && strcmp(argv[1], "-x") == 0 &&
	               strcmp(argv[2], "value") == 0 && argv[3] == NULL,
	       "argv is {\"%s\", \"%s\", \"%s\"}", argv[0], argv[1], argv[2]);
	return 0;
}

static int goc_main_passes_argc_and_argv(void)
{
	static char *argv[] = {"prog", "-x", "value", NULL};
	return goc_main(check_args, 3, argv);
}

static int main_via_goc_main_macro_body(int argc, char **argv)
{
	(void)argc, (void)argv;
	return goc_id() == 1 ? 5 : 6;
}

/* GOC_MAIN defines main(); here it is defined under another name to be
 * called from the case. */
#define main goc_main_macro_main
GOC_MAIN(main_via_goc_main_macro_body)
#undef main

static int goc_main_macro_runs_fn_as_main_goroutine(void)
{
	static char *argv[] = {"macro", NULL};
	return goc_main_macro_main(1, argv);
}

static const struct test_case cases[] = {
	CASE(main_goroutine_has_id_1),
	CASE(numgoroutine_is_1_at_start),
	CASE(main_return_value_is_exit_status, .status = 42),
	CASE(main_returning_1_exits_with_1, .status = 1),
	CASE(main_return_ends_program_while_goroutines_sleep_and_block, .status = 7,
             .out = "unflushed output of main", .timeout = 10),
	CASE(main_return_ends_program_while_a_goroutine_computes, .status = 3,
             .out = "computing goroutine left behind", .timeout = 10),
	PLAIN_CASE(goroutines_started_before_goc_main_run_and_main_is_still_1),
	PLAIN_CASE(goc_main_passes_argc_and_argv),
	PLAIN_CASE(goc_main_macro_runs_fn_as_main_goroutine, .status = 5),
};

TEST_MAIN(cases)
