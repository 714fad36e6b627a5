/*
 * test_numgoroutine.c — goc_numgoroutine counts live goroutines, main
 * included, the runtime's helpers excluded.
 *
 * A goroutine is counted from the moment goc_go returns (started or not)
 * until it has exited; it lives briefly after its last goc_wg_done, so a
 * count that must drop is polled against a deadline.
 */
#include "helpers.h"

static goc_wg release, finished;

static void blocked_until_released(void *arg)
{
	(void)arg;
	goc_wg_wait(&release);
	goc_wg_done(&finished);
}

/* Start n goroutines that stay alive until release_all. */
static void start_blocked(long n)
{
	if (goc_numgoroutine() == 1)
		goc_wg_add(&release, 1); /* the gate, closed once */
	goc_wg_add(&finished, n);
	for (long i = 0; i < n; i++)
		spawn(blocked_until_released, NULL);
}

static void release_all(void)
{
	goc_wg_done(&release);
	goc_wg_wait(&finished);
}

static int numgoroutine_is_1_with_only_main(void)
{
	expect_eq(goc_numgoroutine(), 1);
	return 0;
}

static int numgoroutine_counts_goroutines_as_soon_as_started(void)
{
	/* Right after goc_go returns, whether or not they have run yet. */
	for (long i = 1; i <= 100; i++) {
		start_blocked(1);
		expect_eq(goc_numgoroutine(), i + 1);
	}
	release_all();
	eventually(goc_numgoroutine() == 1, 10);
	return 0;
}

static int numgoroutine_counts_blocked_goroutines_and_drops_back_to_1(void)
{
	long n = SCALED(10000);
	start_blocked(n);
	expect_eq(goc_numgoroutine(), n + 1);
	goc_sleep(ms(20)); /* now they are parked */
	expect_eq(goc_numgoroutine(), n + 1);
	release_all();
	eventually(goc_numgoroutine() == 1, 10);
	return 0;
}

static void sleeper(void *arg)
{
	(void)arg;
	goc_sleep(ms(100));
}

static int numgoroutine_counts_sleeping_goroutines(void)
{
	for (int i = 0; i < 10; i++)
		spawn(sleeper, NULL);
	expect_eq(goc_numgoroutine(), 11);
	eventually(goc_numgoroutine() == 1, 10);
	return 0;
}

static void spawn_blocked_then_exit(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		spawn(blocked_until_released, NULL);
	goc_exit();
}

static int numgoroutine_drops_for_goc_exit_and_counts_its_children(void)
{
	goc_wg_add(&release, 1);
	goc_wg_add(&finished, 10);
	spawn(spawn_blocked_then_exit, NULL);
	eventually(goc_numgoroutine() == 11, 10); /* 10 children and main */
	release_all();
	eventually(goc_numgoroutine() == 1, 10);
	return 0;
}

static void *spawn_from_thread(void *arg)
{
	long n = *(long *)arg;
	for (long i = 0; i < n; i++)
		spawn(blocked_until_released, NULL);
	return NULL;
}

static int numgoroutine_counts_goroutines_started_by_plain_threads(void)
{
	long n = 100;
	goc_wg_add(&release, 1);
	goc_wg_add(&finished, 2 * n);
	pthread_t a = thread_start(spawn_from_thread, &n);
	pthread_t b = thread_start(spawn_from_thread, &n);
	thread_join(a);
	thread_join(b);
	expect_eq(goc_numgoroutine(), 2 * n + 1);
	release_all();
	eventually(goc_numgoroutine() == 1, 10);
	return 0;
}

static void *count_from_thread(void *arg)
{
	*(int64_t *)arg = goc_numgoroutine();
	return NULL;
}

static int numgoroutine_works_on_a_plain_thread(void)
{
	start_blocked(5);
	int64_t seen = -1;
	thread_join(thread_start(count_from_thread, &seen));
	expect_eq(seen, 6);
	release_all();
	return 0;
}

static const struct test_case cases[] = {
	CASE(numgoroutine_is_1_with_only_main),
	CASE(numgoroutine_counts_goroutines_as_soon_as_started),
	CASE(numgoroutine_counts_blocked_goroutines_and_drops_back_to_1),
	CASE(numgoroutine_counts_sleeping_goroutines),
	CASE(numgoroutine_drops_for_goc_exit_and_counts_its_children),
	CASE(numgoroutine_counts_goroutines_started_by_plain_threads),
	CASE(numgoroutine_works_on_a_plain_thread),
};

TEST_MAIN(cases)
