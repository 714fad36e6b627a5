/*
 * test_timers_million.c — timers at scale.
 *
 * A million pending timers (SCALED) cost memory, not CPU: while they wait
 * far in the future, an otherwise idle program uses (almost) no CPU time
 * (process CPU time over 300 ms of idleness below 50 ms: nothing polls
 * the timers; the runtime sleeps until the earliest one). The same holds
 * for many goroutines asleep in goc_sleep. A million timers due soon all
 * fire, each exactly once, no earlier than due; a million freed timers
 * never fire.
 */
#include "helpers.h"

#define IDLE_WINDOW ms(300)
#define IDLE_CPU_BOUND ms(50)

/* CPU time the process uses while main sleeps for IDLE_WINDOW. */
static int64_t cpu_used_while_idle(void)
{
	goc_sleep(ms(100)); /* let every thread settle down */
	int64_t cpu = process_cpu_time();
	int64_t wall = goc_now();
	goc_sleep(IDLE_WINDOW);
	cpu = process_cpu_time() - cpu;
	wall = goc_now() - wall;
	printf("idle for %.3f s: %.3f ms of CPU time\n", seconds_of(wall),
	       (double)cpu / GOC_MILLISECOND);
	return cpu;
}

static goc_timer **make_timers(long n, int64_t base, int64_t spread)
{
	goc_timer **t = malloc((size_t)n * sizeof *t);
	expect(t != NULL, "malloc of %ld pointers failed", n);
	for (long i = 0; i < n; i++)
		t[i] = must(goc_timer_make(base + (i * 7919) % spread));
	return t;
}

static void free_timers(goc_timer **t, long n)
{
	for (long i = 0; i < n; i++)
		goc_timer_free(t[i]);
	free(t);
}

static int million_pending_timers_leave_an_idle_program_idle(void)
{
	long n = SCALED(1000000);
	int64_t start = goc_now();
	goc_timer **t = make_timers(n, 3600 * GOC_SECOND, GOC_SECOND);
	printf("made %ld timers in %.3f s\n", n, seconds_of(goc_now() - start));
	int64_t cpu = cpu_used_while_idle();
	expect(cpu < IDLE_CPU_BOUND,
	       "%ld pending timers: %.3f ms of CPU in %.0f ms of idleness", n,
	       (double)cpu / GOC_MILLISECOND, (double)IDLE_WINDOW / GOC_MILLISECOND);
	start = goc_now();
	free_timers(t, n);
	printf("freed them in %.3f s\n", seconds_of(goc_now() - start));
	/* And idle afterwards too. */
	cpu = cpu_used_while_idle();
	expect(cpu < IDLE_CPU_BOUND, "after freeing: %.3f ms of CPU",
	       (double)cpu / GOC_MILLISECOND);
	return 0;
}

static goc_wg asleep;

static void sleep_an_hour(void *arg)
{
	(void)arg;
	goc_wg_done(&asleep);
	goc_sleep(3600 * GOC_SECOND);
}

static int many_sleeping_goroutines_leave_an_idle_program_idle(void)
{
	long n = SCALED(100000);
	goc_wg_add(&asleep, n);
	for (long i = 0; i < n; i++)
		spawn(sleep_an_hour, NULL);
	goc_wg_wait(&asleep);
	int64_t cpu = cpu_used_while_idle();
	expect(cpu < IDLE_CPU_BOUND,
	       "%ld sleeping goroutines: %.3f ms of CPU in "
	       "%.0f ms of idleness",
	       n, (double)cpu / GOC_MILLISECOND, (double)IDLE_WINDOW / GOC_MILLISECOND);
	expect_eq(goc_numgoroutine(), n + 1);
	return 0;
}

static int million_timers_due_soon_each_fire_once_no_earlier_than_due(void)
{
	long n = SCALED(1000000);
	const int64_t spread = ms(500);
	int64_t start = goc_now();
	goc_timer **t = make_timers(n, 0, spread);
	goc_sleep(spread);
	long early = 0;
	for (long i = 0; i < n; i++) {
		int64_t v = recv_tick(goc_timer_chan(t[i]), 30 * GOC_SECOND);
		if (v < start + (i * 7919) % spread)
			early++;
	}
	long twice = 0;
	for (long i = 0; i < n; i++)
		if (goc_chan_try_recv(goc_timer_chan(t[i]), NULL) != GOC_WOULDBLOCK)
			twice++;
	free_timers(t, n);
	expect(early == 0, "%ld of %ld timers fired before they were due", early, n);
	expect(twice == 0, "%ld of %ld timers delivered a second value", twice, n);
	return 0;
}

static int million_timers_stopped_before_due_never_fire(void)
{
	long n = SCALED(1000000);
	int64_t start = goc_now(), due = 5 * GOC_SECOND;
	goc_timer **t = make_timers(n, due, ms(500));
	long refused = 0;
	for (long i = 0; i < n; i++)
		if (!goc_timer_stop(t[i]))
			refused++;
	int64_t stopped = goc_now();
	if (stopped >= start + due) /* a loaded machine: some were due first */
		skip("making and stopping %ld timers took %.3f s, past the first due "
		     "time: the case proves nothing",
		     n, seconds_of(stopped - start));
	expect(refused == 0, "%ld of %ld stops of pending timers returned false",
	       refused, n);
	goc_sleep(start + due + ms(700) - stopped); /* past every due time */
	long fired = 0;
	for (long i = 0; i < n; i++)
		if (goc_chan_try_recv(goc_timer_chan(t[i]), NULL) != GOC_WOULDBLOCK)
			fired++;
	expect(fired == 0, "%ld of %ld stopped timers delivered a value", fired, n);
	free_timers(t, n);
	return 0;
}

static const struct test_case cases[] = {
	CASE(million_pending_timers_leave_an_idle_program_idle, .timeout = 120),
	CASE(many_sleeping_goroutines_leave_an_idle_program_idle, .timeout = 120),
	CASE(million_timers_due_soon_each_fire_once_no_earlier_than_due,
             .timeout = 120),
	CASE(million_timers_stopped_before_due_never_fire, .timeout = 120),
};

TEST_MAIN(cases)
