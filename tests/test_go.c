/*
 * test_go.c — goc_go and goc_go_attr: starting goroutines, their stacks,
 * and every way a start can fail (EINVAL, ENOMEM).
 */
#include "helpers.h"

#include <sys/resource.h>

/* ---- running fn(arg) ---- */

struct call {
	goc_wg done;
	void *arg_seen;
	int64_t id_seen;
	_Atomic bool ran;
};

static void record_call(void *arg)
{
	struct call *c = arg;
	c->arg_seen = arg;
	c->id_seen = goc_id();
	atomic_store(&c->ran, true);
	goc_wg_done(&c->done);
}

static int go_runs_fn_with_its_arg_and_returns_0(void)
{
	struct call c = {0};
	goc_wg_add(&c.done, 1);
	expect_eq(goc_go(record_call, &c), 0);
	goc_wg_wait(&c.done);
	expect(c.arg_seen == &c, "fn got arg %p instead of %p", c.arg_seen, (void *)&c);
	expect_gt(c.id_seen, 1);
	return 0;
}

static goc_wg gate;

static void wait_at_gate_then_record(void *arg)
{
	goc_wg_wait(&gate);
	record_call(arg);
}

static int go_returns_without_waiting_for_fn(void)
{
	struct call c = {0};
	goc_wg_add(&gate, 1);
	goc_wg_add(&c.done, 1);
	expect_eq(goc_go(wait_at_gate_then_record, &c), 0);
	expect(!atomic_load(&c.ran), "fn had already run when goc_go returned");
	goc_wg_done(&gate);
	goc_wg_wait(&c.done);
	expect(atomic_load(&c.ran), "fn never ran");
	return 0;
}

/* A binary tree of goroutines: each starts two children. */
static _Atomic long tree_nodes;
static goc_wg tree_done;

static void tree(void *arg)
{
	intptr_t depth = (intptr_t)arg;
	atomic_fetch_add(&tree_nodes, 1);
	if (depth > 0) {
		goc_wg_add(&tree_done, 2);
		spawn(tree, (void *)(depth - 1));
		spawn(tree, (void *)(depth - 1));
	}
	goc_wg_done(&tree_done);
}

static int goroutines_start_goroutines(void)
{
	int depth = TEST_SANITIZED ? 10 : 14;
	goc_wg_add(&tree_done, 1);
	spawn(tree, (void *)(intptr_t)depth);
	goc_wg_wait(&tree_done);
	expect_eq(atomic_load(&tree_nodes), (2L << depth) - 1);
	return 0;
}

/* ---- EINVAL ---- */

static void never_called(void *arg)
{
	(void)arg;
	fail("a goroutine ran that no successful goc_go started");
}

static int go_with_null_fn_fails_with_einval(void)
{
	int x = 0;
	goc_attr attr = {0};
	expect_fails_with(goc_go(NULL, &x), EINVAL);
	expect_fails_with(goc_go_attr(NULL, NULL, &x), EINVAL);
	expect_fails_with(goc_go_attr(&attr, NULL, &x), EINVAL);
	expect_eq(goc_numgoroutine(), 1);
	return 0;
}

static int go_attr_with_stack_above_max_fails_with_einval(void)
{
	goc_attr attr = {.stack_size = GOC_STACK_MAX + 1};
	expect_fails_with(goc_go_attr(&attr, never_called, NULL), EINVAL);
	attr.stack_size = SIZE_MAX;
	expect_fails_with(goc_go_attr(&attr, never_called, NULL), EINVAL);
	expect_eq(goc_numgoroutine(), 1);
	goc_sleep(ms(10)); /* never_called would run now */
	return 0;
}

/* ---- stack sizes ---- */

struct stack_use {
	size_t bytes; /* how much stack the goroutine uses */
	goc_wg done;
	_Atomic bool finished;
};

static void use_some_stack(void *arg)
{
	struct stack_use *u = arg;
	const char *here = __builtin_frame_address(0);
	use_stack_below(here - u->bytes, NULL);
	atomic_store(&u->finished, true);
	goc_wg_done(&u->done);
}

/* Run a goroutine with the given attributes that uses `bytes` of stack. */
static void run_with_stack(const goc_attr *attr, size_t bytes)
{
	struct stack_use u = {.bytes = bytes};
	goc_wg_add(&u.done, 1);
	if (attr)
		spawn_attr(attr, use_some_stack, &u);
	else
		spawn(use_some_stack, &u);
	goc_wg_wait(&u.done);
	expect(atomic_load(&u.finished), "the goroutine did not finish");
}

static int go_attr_null_gives_the_default_stack(void)
{
	struct stack_use u = {.bytes = 200 * 1024};
	goc_wg_add(&u.done, 1);
	expect_eq(goc_go_attr(NULL, use_some_stack, &u), 0);
	goc_wg_wait(&u.done);
	expect(atomic_load(&u.finished), "the goroutine did not finish");
	return 0;
}

static int default_stack_holds_200_kib(void)
{
	run_with_stack(NULL, 200 * 1024);
	goc_attr zero = {0}; /* stack_size 0: the default */
	run_with_stack(&zero, 200 * 1024);
	return 0;
}

static int stack_below_min_is_rounded_up_to_min(void)
{
	for (size_t size = 1; size < GOC_STACK_MIN; size *= 4) {
		goc_attr attr = {.stack_size = size};
		run_with_stack(&attr, 8 * 1024); /* more than asked for, with room
		                                     * for a sanitizer's own frames */
	}
	return 0;
}

static int large_stack_can_be_used(void)
{
	goc_attr attr = {.stack_size = 4 * 1024 * 1024};
	run_with_stack(&attr, 3 * 1024 * 1024);
	return 0;
}

static int stack_of_max_size_is_accepted(void)
{
	goc_attr attr = {.stack_size = GOC_STACK_MAX};
	run_with_stack(&attr, 64 * 1024);
	return 0;
}

static int named_goroutine_runs(void)
{
	goc_attr attr = {.name = "worker"};
	run_with_stack(&attr, 1024);
	attr.stack_size = 64 * 1024;
	run_with_stack(&attr, 32 * 1024);
	return 0;
}

/* ---- ENOMEM ---- */

/* Lower the soft address-space limit to what is mapped now plus `extra`. */
static void limit_address_space(size_t extra)
{
	if (TEST_SANITIZED)
		skip("sanitizers reserve terabytes of address space: RLIMIT_AS cannot apply");
	if (TEST_EMULATED)
		skip("the emulator does not enforce RLIMIT_AS");
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long pages = 0;
	expect(f && fscanf(f, "%lu", &pages) == 1, "/proc/self/statm is unreadable");
	fclose(f);
	struct rlimit r;
	expect_eq(getrlimit(RLIMIT_AS, &r), 0);
	r.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + extra;
	expect(setrlimit(RLIMIT_AS, &r) == 0, "setrlimit failed: %s", strerror(errno));
}

static goc_wg hold, held;

static void hold_stack(void *arg)
{
	(void)arg;
	goc_wg_wait(&hold);
	goc_wg_done(&held);
}

static int go_fails_with_enomem_when_address_space_runs_out(void)
{
	goc_maxprocs(1); /* no thread needs starting once the limit is set */
	goc_wg_add(&hold, 1);
	limit_address_space((size_t)256 << 20);
	long started = 0;
	int err = 0;
	for (;;) {
		goc_wg_add(&held, 1);
		if (goc_go(hold_stack, NULL) != 0) {
			err = errno;
			goc_wg_add(&held, -1);
			break;
		}
		if (++started > 10 * 1000 * 1000)
			fail("goc_go succeeded %ld times within a 256 MiB limit",
			     started);
	}
	expect(err == ENOMEM, "goc_go failed with errno %d (%s) after %ld goroutines",
	       err, strerror(err), started);
	expect_gt(started, 0);
	/* The program goes on: the goroutines finish, their stacks serve new ones. */
	goc_wg_done(&hold);
	goc_wg_wait(&held);
	eventually(goc_numgoroutine() == 1, 10);
	struct call c = {0};
	goc_wg_add(&c.done, 1);
	expect_eq(goc_go(record_call, &c), 0);
	goc_wg_wait(&c.done);
	return 0;
}

static int go_attr_with_huge_stack_fails_with_enomem(void)
{
	goc_maxprocs(1);
	limit_address_space((size_t)64 << 20);
	goc_attr attr = {.stack_size = GOC_STACK_MAX};
	expect_fails_with(goc_go_attr(&attr, never_called, NULL), ENOMEM);
	attr.stack_size = (size_t)128 << 20;
	expect_fails_with(goc_go_attr(&attr, never_called, NULL), ENOMEM);
	/* Smaller stacks still fit. */
	struct call c = {0};
	goc_wg_add(&c.done, 1);
	expect_eq(goc_go(record_call, &c), 0);
	goc_wg_wait(&c.done);
	return 0;
}

static goc_wg ran;

static void mark_ran(void *arg)
{
	(void)arg;
	goc_wg_done(&ran);
}

/* The first goc_go of a program without goc_main starts the runtime and
 * its monitor thread; if the system refuses that thread, goc_go fails
 * with EAGAIN, and a later call tries again. */
static int first_go_fails_with_eagain_when_no_thread_can_start(void)
{
	struct rlimit before;
	expect_eq(getrlimit(RLIMIT_AS, &before), 0);
	limit_address_space((size_t)16 << 10); /* no room for a thread's stack */
	goc_wg_add(&ran, 1);
	expect_fails_with(goc_go(mark_ran, NULL), EAGAIN);
	expect_eq(setrlimit(RLIMIT_AS, &before), 0);
	expect_eq(goc_go(mark_ran, NULL), 0);
	goc_wg_wait(&ran);
	return 0;
}

static const struct test_case cases[] = {
	CASE(go_runs_fn_with_its_arg_and_returns_0),
	CASE(go_returns_without_waiting_for_fn),
	CASE(goroutines_start_goroutines),
	CASE(go_with_null_fn_fails_with_einval),
	CASE(go_attr_with_stack_above_max_fails_with_einval),
	CASE(go_attr_null_gives_the_default_stack),
	CASE(default_stack_holds_200_kib),
	CASE(stack_below_min_is_rounded_up_to_min),
	CASE(large_stack_can_be_used),
	CASE(stack_of_max_size_is_accepted),
	CASE(named_goroutine_runs),
	CASE(go_fails_with_enomem_when_address_space_runs_out),
	PLAIN_CASE(first_go_fails_with_eagain_when_no_thread_can_start),
	CASE(go_attr_with_huge_stack_fails_with_enomem),
};

TEST_MAIN(cases)
