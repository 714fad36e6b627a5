/*
 * test_stack_overflow.c — running past the end of a goroutine's stack.
 *
 * The runtime prints "goroutine N: stack overflow (stack size S)", S the
 * goroutine's stack size in bytes after rounding, and exits with status 2,
 * whichever guard protects the stack: the default (a guard page region),
 * GOC_STACK_GUARD=mprotect, or GOC_STACK_GUARD=canary — a guard region of
 * ordinary memory: a switch checks that the stack pointer is above the
 * stack's bottom (so that case overruns the stack by less than the guard
 * region, 64 KiB, and yields from there), and a fault looks for the
 * running goroutine that wrote its guard region.
 */
#include "helpers.h"

static volatile size_t unbounded = SIZE_MAX; /* the compiler cannot tell */

/* Recurse without end, after announcing the message it must cause. */
static void overflow(void *arg)
{
	size_t stack_size = (size_t)(uintptr_t)arg;
	expect_stderr_line("goroutine %lld: stack overflow (stack size %zu)",
	                   (long long)goc_id(), stack_size);
	use_stack(unbounded);
	fail("unbounded recursion returned");
}

static void start_overflow(const goc_attr *attr, size_t reported_size)
{
	spawn_attr(attr, overflow, (void *)(uintptr_t)reported_size);
	goc_sleep(10 * GOC_SECOND);
	fail("no stack overflow was reported");
}

static void nothing(void *arg) { (void)arg; }

static int overflow_reports_the_default_stack_size(void)
{
	for (int i = 0; i < 3; i++) /* so that the id is not simply 2 */
		spawn(nothing, NULL);
	start_overflow(NULL, GOC_STACK_DEFAULT);
	return 0;
}

static int overflow_reports_a_size_rounded_up_to_pages(void)
{
	goc_attr attr = {.stack_size = 100000};
	start_overflow(&attr, 102400); /* 25 pages */
	return 0;
}

static int overflow_reports_a_size_rounded_up_to_the_minimum(void)
{
	goc_attr attr = {.stack_size = 1000};
	start_overflow(&attr, GOC_STACK_MIN);
	return 0;
}

static int overflow_reports_a_large_stack_size(void)
{
	goc_attr attr = {.stack_size = 2 * 1024 * 1024};
	start_overflow(&attr, 2 * 1024 * 1024);
	return 0;
}

static int overflow_reports_the_default_stack_size_with_mprotect_guard(void)
{
	return overflow_reports_the_default_stack_size();
}

static int overflow_reports_a_size_rounded_up_to_pages_with_mprotect_guard(void)
{
	return overflow_reports_a_size_rounded_up_to_pages();
}

/* Under a canary guard an overflow writes into the neighbours' slots
 * before anything can stop it: the sanitizers report that as the
 * underflow or race it is; and under qemu, whose mappings of the guest lie side by side,
 * unbounded recursion runs on from the stacks into the runtime's own
 * memory before it faults. */
static void skip_unguarded_overflow(void)
{
	if (TEST_SANITIZED || TEST_EMULATED)
		skip("the overflow writes past its slot unchecked (see above)");
}

static int overflow_reports_the_default_stack_size_with_canary_guard(void)
{
	skip_unguarded_overflow();
	return overflow_reports_the_default_stack_size();
}

static int overflow_in_main_reports_the_main_stack_size(void)
{
	overflow((void *)(uintptr_t)GOC_MAIN_STACK_SIZE);
	return 0;
}

static goc_wg first_done;

static void finish_at_once(void *arg)
{
	(void)arg;
	goc_wg_done(&first_done);
}

static int overflow_on_a_reused_stack_is_reported(void)
{
	/* The first goroutines leave their stacks to the cache; the next
	 * ones reuse them, guard included. */
	goc_wg_add(&first_done, 16);
	for (int i = 0; i < 16; i++)
		spawn(finish_at_once, NULL);
	goc_wg_wait(&first_done);
	eventually(goc_numgoroutine() == 1, 10);
	start_overflow(NULL, GOC_STACK_DEFAULT);
	return 0;
}

/* ---- the canary guard ---- */

static const char *stack_top;

/* From a frame a few KiB above the bottom of the stack: write a 32 KiB
 * array across the bottom (into the guard region), then switch. */
static void smash_bottom_then_yield(void)
{
	volatile char big[32 * 1024];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)i;
	goc_yield();
	fail("the overrun was not detected when the goroutine switched out (%d)",
	     big[0]);
}

static void overrun_by_a_little(void *arg)
{
	size_t stack_size = (size_t)(uintptr_t)arg;
	expect_stderr_line("goroutine %lld: stack overflow (stack size %zu)",
	                   (long long)goc_id(), stack_size);
	stack_top = __builtin_frame_address(0);
	use_stack_below(stack_top - stack_size + 8 * 1024, smash_bottom_then_yield);
	fail("use_stack_below returned");
}

static void start_overrun(const goc_attr *attr, size_t stack_size)
{
	goc_maxprocs(1); /* main is the one the overrun goroutine yields to */
	spawn_attr(attr, overrun_by_a_little, (void *)(uintptr_t)stack_size);
	for (int64_t until = goc_now() + 10 * GOC_SECOND; goc_now() < until;)
		goc_yield();
	fail("no stack overflow was reported");
}

static int canary_overrun_is_reported_at_the_next_switch(void)
{
	start_overrun(NULL, GOC_STACK_DEFAULT);
	return 0;
}

static int canary_overrun_of_an_attr_stack_is_reported(void)
{
	goc_attr attr = {.stack_size = 64 * 1024};
	start_overrun(&attr, 64 * 1024);
	return 0;
}

/* Unbounded recursion while the neighbours compute: under a canary guard
 * nothing stops the overflow at its own slot, and the neighbours whose
 * slots it runs through may fault first, on their own threads. The report
 * still names the goroutine that overflowed. */
static atomic_int neighbours_started;

static void compute_and_yield(void *arg)
{
	(void)arg;
	atomic_fetch_add(&neighbours_started, 1);
	for (;;) {
		burn_until(goc_now() + 20 * 1000);
		goc_yield();
	}
}

static int overflow_among_running_neighbours_names_the_culprit(void)
{
	goc_maxprocs(2);
	for (int i = 0; i < 16; i++)
		spawn(compute_and_yield, NULL);
	eventually(atomic_load(&neighbours_started) == 16, 10);
	start_overflow(NULL, GOC_STACK_DEFAULT);
	for (int i = 0; i < 16; i++)
		spawn(compute_and_yield, NULL);
	return 0;
}

/* Under a canary guard a parked goroutine still costs one resident page:
 * the guard is checked by reading it, which maps no memory of its own. */
static long resident_pages(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	expect(f && fscanf(f, "%ld %ld", &size, &resident) == 2, "/proc/self/statm");
	fclose(f);
	return resident;
}

static void park_on(void *arg)
{
	int v;
	goc_chan_recv(arg, &v);
}

static int a_parked_goroutine_costs_one_page(void)
{
	if (TEST_SANITIZED || TEST_EMULATED)
		skip("the sanitizer's or emulator's own memory hides the pages");
	enum { N = 2000 };
	goc_chan *never = make_chan(sizeof(int), 0);
	long before = resident_pages();
	for (int i = 0; i < N; i++)
		spawn(park_on, never);
	eventually(goc_numgoroutine() == N + 1, 10);
	goc_yield();
	long pages = resident_pages() - before;
	expect(pages < N * 3 / 2, "%d parked goroutines took %ld resident pages", N,
	       pages);
	goc_chan_close(never);
	return 0;
}

static int overflow_among_running_neighbours_names_the_culprit_with_canary_guard(void)
{
	skip_unguarded_overflow();
	return overflow_among_running_neighbours_names_the_culprit();
}

static int a_parked_goroutine_costs_one_page_with_mprotect_guard(void)
{
	return a_parked_goroutine_costs_one_page();
}

static int a_parked_goroutine_costs_one_page_with_canary_guard(void)
{
	return a_parked_goroutine_costs_one_page();
}

/* C code written for 8 MiB thread stacks: one frame larger than the whole
 * stack. Compiled with the stack probes goc recommends
 * (-fstack-clash-protection, in goc's pkg-config and CMake flags), the
 * frame touches its pages in turn from the top, and the first touch past
 * the stack hits the guard; without probes, the stack pointer itself is
 * found below the stack when the fault comes. */
static __attribute__((noinline)) int touch_big_frame(size_t kib)
{
	volatile char frame[kib * 1024];
	for (size_t i = 0; i < sizeof frame; i += 4096)
		frame[sizeof frame - 1 - i] = (char)i;
	return frame[0];
}

static void run_big_frame(void *arg)
{
	expect_stderr_line("goroutine %lld: stack overflow (stack size %zu)",
	                   (long long)goc_id(), (size_t)GOC_STACK_DEFAULT);
	touch_big_frame((size_t)(uintptr_t)arg);
	fail("a frame larger than the stack returned");
}

static int frame_past_the_guard_is_reported(void)
{
	spawn(run_big_frame, (void *)(uintptr_t)324);
	goc_sleep(10 * GOC_SECOND);
	fail("no stack overflow was reported");
}

static int frame_twice_the_stack_is_reported(void)
{
	spawn(run_big_frame, (void *)(uintptr_t)512);
	goc_sleep(10 * GOC_SECOND);
	fail("no stack overflow was reported");
}

static const struct test_case cases[] = {
	CASE(frame_past_the_guard_is_reported, .status = 2),
	CASE(frame_twice_the_stack_is_reported, .status = 2),
	CASE(overflow_reports_the_default_stack_size, .status = 2),
	CASE(overflow_reports_a_size_rounded_up_to_pages, .status = 2),
	CASE(overflow_reports_a_size_rounded_up_to_the_minimum, .status = 2),
	CASE(overflow_reports_a_large_stack_size, .status = 2),
	CASE(overflow_in_main_reports_the_main_stack_size, .status = 2),
	CASE(overflow_on_a_reused_stack_is_reported, .status = 2),
	CASE(overflow_reports_the_default_stack_size_with_mprotect_guard, .status = 2,
             .env = {"GOC_STACK_GUARD=mprotect"}),
	CASE(overflow_reports_a_size_rounded_up_to_pages_with_mprotect_guard,
             .status = 2, .env = {"GOC_STACK_GUARD=mprotect"}),
	CASE(canary_overrun_is_reported_at_the_next_switch, .status = 2,
             .env = {"GOC_STACK_GUARD=canary"}),
	CASE(canary_overrun_of_an_attr_stack_is_reported, .status = 2,
             .env = {"GOC_STACK_GUARD=canary"}),
	CASE(overflow_reports_the_default_stack_size_with_canary_guard, .status = 2,
             .env = {"GOC_STACK_GUARD=canary"}),
	CASE(overflow_among_running_neighbours_names_the_culprit_with_canary_guard,
             .status = 2, .env = {"GOC_STACK_GUARD=canary"}),
	CASE(overflow_among_running_neighbours_names_the_culprit, .status = 2),
	CASE(a_parked_goroutine_costs_one_page),
	CASE(a_parked_goroutine_costs_one_page_with_mprotect_guard,
             .env = {"GOC_STACK_GUARD=mprotect"}),
	CASE(a_parked_goroutine_costs_one_page_with_canary_guard,
             .env = {"GOC_STACK_GUARD=canary"}),
};

TEST_MAIN(cases)
