/*
 * test_million.c — a million goroutines alive at once.
 *
 * Every goroutine checks in, then parks on one WaitGroup; with all of them
 * parked, goc_numgoroutine sees each one, and one goc_wg_done releases
 * them all. A parked goroutine costs about a page of stack, so this needs
 * some 4 GB of memory (GOC_TEST_SCALE divides the count; ThreadSanitizer
 * cannot follow more than a few thousand).
 */
#include "helpers.h"

static goc_wg checked_in, release, finished;

static void park_until_released(void *arg)
{
	(void)arg;
	goc_wg_done(&checked_in);
	goc_wg_wait(&release);
	goc_wg_done(&finished);
}

static int million_goroutines_park_on_a_wg_then_are_released(void)
{
	long n = SCALED(1000000);
	/* ThreadSanitizer gives each goroutine a fiber, and dies past 8128
	 * of them alive at once. */
	if (TEST_TSAN && n > 5000)
		n = 5000;
	int64_t start = goc_now();
	goc_wg_add(&release, 1);
	goc_wg_add(&checked_in, n);
	goc_wg_add(&finished, n);
	for (long i = 0; i < n; i++)
		spawn(park_until_released, NULL);
	goc_wg_wait(&checked_in);
	/* All alive: each has checked in and none can finish yet. */
	expect_eq(goc_numgoroutine(), n + 1);
	printf("%ld goroutines alive after %.1f s\n", n, seconds_of(goc_now() - start));

	goc_wg_done(&release);
	goc_wg_wait(&finished);
	eventually(goc_numgoroutine() == 1, 60);
	printf("all released and gone after %.1f s\n", seconds_of(goc_now() - start));
	return 0;
}

static const struct test_case cases[] = {
	CASE(million_goroutines_park_on_a_wg_then_are_released, .timeout = 120),
};

TEST_MAIN(cases)
