/*
 * test_gc.c — goc-gc: goc_gc_alloc and goc_gc_collect, and the roots the
 * collector must see (linked against goc-gc, not goc).
 *
 * A block the collector wrongly frees is handed out again by later
 * allocations, which write over it; so each "survives" case fills blocks
 * with a pattern, keeps them reachable from one place only (a parked
 * goroutine's stack, a channel's buffer, goc_go's argument, a sleeping
 * timer's argument, a plain thread's stack), collects many times while
 * allocating garbage of the same sizes, and checks the pattern. The test's
 * own frames hide the pointers (stored xor-ed) so that they are not what
 * keeps the blocks alive. A conservative collector may keep more than is
 * reachable, never less: these cases cannot pass by luck the other way.
 */
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK 256                /* bytes per block in the survival cases */
#define HIDE ((uintptr_t)0x5a5a) /* pointers kept by the test, disguised */
#define COLLECTIONS 20

static uintptr_t hide(void *p) { return (uintptr_t)p ^ HIDE; }
static void *unhide(uintptr_t h) { return (void *)(h ^ HIDE); }

/* A block filled with a pattern that depends on its tag. */
static __attribute__((noinline)) void *patterned(uint32_t tag)
{
	uint32_t *w = goc_gc_alloc(BLOCK);
	for (size_t i = 0; i < BLOCK / sizeof *w; i++)
		w[i] = tag * 2654435761u + (uint32_t)i;
	return w;
}

static bool pattern_intact(const void *p, uint32_t tag)
{
	const uint32_t *w = p;
	for (size_t i = 0; i < BLOCK / sizeof *w; i++)
		if (w[i] != tag * 2654435761u + (uint32_t)i)
			return false;
	return true;
}

/* Collect n times, allocating garbage of the blocks' size in between: a
 * block freed by mistake is reused and overwritten. */
static __attribute__((noinline)) void churn(int n)
{
	for (int c = 0; c < n; c++) {
		for (int i = 0; i < 20000; i++)
			memset(goc_gc_alloc(BLOCK), 0xee, BLOCK);
		goc_gc_collect();
	}
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int count_threads(void)
{
	int n = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* ---- the API ----------------------------------------------------------- */

static int alloc_returns_zeroed_writable_memory(void)
{
	static const size_t sizes[] = {1, 7, 16, 100, 4096, 70000, 1 << 20};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (int round = 0; round < 50; round++) {
			unsigned char *p = goc_gc_alloc(sizes[s]);
			expect(p != NULL, "goc_gc_alloc(%zu) returned NULL", sizes[s]);
			for (size_t i = 0; i < sizes[s]; i++)
				expect(p[i] == 0, "byte %zu of %zu not zero", i,
				       sizes[s]);
			memset(p, 0xff, sizes[s]); /* garbage for the next round */
		}
		goc_gc_collect();
	}
	return 0;
}

static int alloc_of_zero_bytes_gives_distinct_pointers(void)
{
	void *a = goc_gc_alloc(0), *b = goc_gc_alloc(0);
	expect(a != NULL && b != NULL, "goc_gc_alloc(0) returned NULL");
	expect(a != b, "two goc_gc_alloc(0) returned the same pointer");
	return 0;
}

static int out_of_memory_is_a_fatal_error(void)
{
	volatile size_t huge = SIZE_MAX / 2;
	goc_gc_alloc(huge);
	fail("goc_gc_alloc(SIZE_MAX / 2) returned");
}

static int collect_from_main_thread_before_goc_main(void)
{
	void *p = patterned(1);
	goc_gc_collect();
	expect(pattern_intact(p, 1), "a block on the main thread's stack was freed");
	return 0;
}

/* ---- memory stays bounded ---------------------------------------------- */

enum { LIVE_PER_WORKER = 512, WORKERS = 4 };

/* Allocate total bytes in blocks of 16 B to 64 KiB, keeping only the
 * last LIVE_PER_WORKER (at most 32 MiB in all). */
static void allocating_worker(void *arg)
{
	long total = *(long *)arg;
	void **live = goc_gc_alloc(LIVE_PER_WORKER * sizeof *live);
	uint32_t r = (uint32_t)goc_id() * 2654435761u;
	for (long done = 0, i = 0; done < total; i++) {
		r = r * 1103515245u + 12345u;
		size_t n = (size_t)16 << (r >> 16) % 13;
		char *p = goc_gc_alloc(n);
		p[0] = 1, p[n - 1] = 2;
		live[i % LIVE_PER_WORKER] = p;
		done += (long)n;
		if (i % 64 == 0)
			goc_yield();
	}
}

static int rss_stays_bounded_while_goroutines_allocate_20x_the_live_set(void)
{
	long live_bound = (long)WORKERS * LIVE_PER_WORKER * (64 << 10); /* 128 MiB */
	long total = SCALED(20 * live_bound / WORKERS);                 /* 2.5 GiB */
	run_goroutines(WORKERS, allocating_worker, &total);
	long rss = rss_kib();
	expect(rss < 3 * live_bound / 1024,
	       "RSS %ld KiB after allocating %ld MiB with a live set under %ld MiB",
	       rss, WORKERS * total >> 20, live_bound >> 20);
	return 0;
}

/* ---- roots ------------------------------------------------------------- */

struct holder {
	goc_chan *release;
	goc_wg ready, done;
	_Atomic int broken;
	_Atomic uint32_t next_tag;
};

/* Keeps its blocks in its own frame only, then parks. */
static void parked_holder(void *arg)
{
	struct holder *h = arg;
	uint32_t tag = atomic_fetch_add(&h->next_tag, 1);
	void *volatile mine[4];
	for (int i = 0; i < 4; i++)
		mine[i] = patterned(tag * 4 + (uint32_t)i);
	goc_wg_done(&h->ready);
	goc_chan_recv(h->release, NULL);
	for (int i = 0; i < 4; i++)
		if (!pattern_intact(mine[i], tag * 4 + (uint32_t)i))
			atomic_fetch_add(&h->broken, 1);
	goc_wg_done(&h->done);
}

static void hold_in_parked_goroutines(long n)
{
	struct holder h = {.release = make_chan(0, 0)};
	goc_wg_add(&h.ready, (int)n);
	goc_wg_add(&h.done, (int)n);
	for (long i = 0; i < n; i++)
		spawn(parked_holder, &h);
	goc_wg_wait(&h.ready);
	churn(n > 1000 ? 3 : COLLECTIONS);
	goc_chan_close(h.release);
	goc_wg_wait(&h.done);
	int broken = atomic_load(&h.broken);
	expect_eq(broken, 0);
	goc_chan_release(h.release);
}

static int blocks_on_a_parked_goroutine_stack_survive(void)
{
	hold_in_parked_goroutines(8);
	return 0;
}

static int collection_with_100000_parked_goroutines(void)
{
	hold_in_parked_goroutines(SCALED(100000));
	return 0;
}

static int blocks_in_a_channel_buffer_survive(void)
{
	enum { N = 64 };
	goc_chan *c = make_chan(sizeof(void *), N);
	for (uint32_t i = 0; i < N; i++) {
		void *p = patterned(100 + i);
		goc_chan_send(c, &p);
		p = NULL;
	}
	churn(COLLECTIONS);
	for (uint32_t i = 0; i < N; i++) {
		void *p;
		goc_chan_recv(c, &p);
		expect(pattern_intact(p, 100 + i), "block %u of the buffer was freed",
		       i);
	}
	goc_chan_release(c);
	return 0;
}

/* A sender parked on an unbuffered channel: its value is in flight. */
static void send_one(void *arg)
{
	goc_chan *c = arg;
	void *p = patterned(7);
	goc_chan_send(c, &p);
}

static int a_value_in_flight_survives(void)
{
	goc_chan *c = make_chan(sizeof(void *), 0);
	spawn(send_one, c);
	goc_sleep(ms(10)); /* the sender parks in send */
	churn(COLLECTIONS);
	void *p;
	goc_chan_recv(c, &p);
	expect(pattern_intact(p, 7), "the value in flight was freed");
	goc_chan_release(c);
	return 0;
}

struct go_arg {
	uintptr_t block; /* hidden: the goroutine's argument is the only root */
	goc_chan *done;
};

static void check_arg(void *arg)
{
	void **box = arg;
	int ok = pattern_intact(box[0], 9) && pattern_intact(box[1], 10);
	goc_chan_send(box[2], &ok);
}

static __attribute__((noinline)) goc_chan *spawn_with_boxed_blocks(void)
{
	void **box = goc_gc_alloc(3 * sizeof *box);
	box[0] = patterned(9);
	box[1] = patterned(10);
	goc_chan *done = make_chan(sizeof(int), 1);
	box[2] = done;
	spawn(check_arg, box);
	return done;
}

static int the_argument_of_a_goroutine_not_yet_run_survives(void)
{
	goc_maxprocs(1); /* the spawned goroutine waits for us to park */
	goc_chan *done = spawn_with_boxed_blocks();
	churn(COLLECTIONS);
	int ok = 0;
	goc_chan_recv(done, &ok);
	expect(ok, "goc_go's argument was freed before the goroutine ran");
	goc_chan_release(done);
	return 0;
}

static void after(void *arg)
{
	void **box = arg;
	int ok = pattern_intact(box[0], 11);
	goc_chan_send(box[1], &ok);
}

static __attribute__((noinline)) uintptr_t start_timer(goc_chan *done)
{
	void **box = goc_gc_alloc(2 * sizeof *box);
	box[0] = patterned(11);
	box[1] = done;
	return hide(goc_after_func(ms(300), after, box));
}

static int the_argument_of_a_sleeping_timer_survives(void)
{
	goc_chan *done = make_chan(sizeof(int), 1);
	uintptr_t t = start_timer(done);
	churn(COLLECTIONS);
	int ok = 0;
	goc_chan_recv(done, &ok);
	expect(ok, "goc_after_func's argument was freed before it fired");
	goc_timer_free(unhide(t));
	goc_chan_release(done);
	return 0;
}

/* ---- threads ----------------------------------------------------------- */

/* A goroutine in a blocking call keeps its thread, on the goroutine's
 * stack: forty of them make forty threads stopped on goroutine stacks. */
static void in_blocking_call(void *arg)
{
	struct holder *h = arg;
	uint32_t tag = 5000 + atomic_fetch_add(&h->next_tag, 1);
	void *volatile mine = patterned(tag);
	goc_wg_done(&h->ready);
	goc_syscall_enter();
	usleep(300 * 1000);
	goc_syscall_exit();
	if (!pattern_intact(mine, tag))
		atomic_fetch_add(&h->broken, 1);
	goc_wg_done(&h->done);
}

static int blocks_of_goroutines_in_blocking_calls_survive(void)
{
	enum { N = 40 };
	struct holder h = {0};
	goc_wg_add(&h.ready, N);
	goc_wg_add(&h.done, N);
	for (int i = 0; i < N; i++)
		spawn(in_blocking_call, &h);
	goc_wg_wait(&h.ready);
	/* sysmon hands their processors on: a thread each (more than the
	 * collector's first table of stopped threads holds) */
	eventually(count_threads() > 20, 30);
	churn(5);
	goc_wg_wait(&h.done);
	int broken = atomic_load(&h.broken);
	expect_eq(broken, 0);
	return 0;
}

static void *plain_thread(void *arg)
{
	uint32_t base = (uint32_t)(uintptr_t)arg;
	void *volatile mine[16];
	for (uint32_t i = 0; i < 16; i++)
		mine[i] = patterned(base + i);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 20000; i++)
			memset(goc_gc_alloc(BLOCK), 0xee, BLOCK);
		goc_gc_collect();
	}
	for (uint32_t i = 0; i < 16; i++)
		if (!pattern_intact(mine[i], base + i))
			return (void *)1;
	return NULL;
}

static int plain_threads_allocate_and_collect(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = thread_start(plain_thread, (void *)(uintptr_t)(1000 + 100 * i));
	hold_in_parked_goroutines(16); /* goroutines collect meanwhile too */
	for (int i = 0; i < 4; i++)
		expect(thread_join(t[i]) == NULL, "thread %d lost a block", i);
	return 0;
}

/* Many short-lived plain threads: each registers on its first allocation
 * and leaves the collector's table when it exits. */
static void *short_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		goc_gc_alloc(64);
	return NULL;
}

static int many_short_lived_threads_allocate(void)
{
	for (int round = 0; round < SCALED(50); round++) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			t[i] = thread_start(short_thread, NULL);
		for (int i = 0; i < 4; i++)
			thread_join(t[i]);
		goc_gc_collect();
	}
	return 0;
}

/* The collector's fork handlers: a child of fork (one thread, the
 * caller's) may allocate and collect. */
static int a_forked_child_allocates_and_collects(void)
{
	void *volatile mine = patterned(77);
	pid_t pid = fork();
	expect(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		churn(3);
		_exit(pattern_intact(mine, 77) ? 0 : 1);
	}
	int status = 0;
	expect(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the child ended with status %d", status);
	expect(pattern_intact(mine, 77), "the parent's block was freed");
	return 0;
}

/* Goroutines build linked lists on every P while others collect: the
 * lists must stay whole (running goroutines' stacks and registers). */
struct node {
	struct node *next;
	uint64_t value;
};

static void build_lists(void *arg)
{
	(void)arg;
	for (int round = 0; round < 20; round++) {
		struct node *head = NULL;
		for (uint64_t i = 0; i < 5000; i++) {
			struct node *n = goc_gc_alloc(sizeof *n);
			n->next = head;
			n->value = i;
			head = n;
			if (i % 500 == 0)
				goc_yield();
		}
		uint64_t expect_value = 4999;
		for (struct node *n = head; n; n = n->next, expect_value--)
			if (n->value != expect_value)
				fail("list broken at %llu",
				     (unsigned long long)expect_value);
		if (round % 5 == 0)
			goc_gc_collect();
	}
}

static int running_goroutines_allocate_while_others_collect(void)
{
	run_goroutines(8, build_lists, NULL);
	return 0;
}

static const struct test_case cases[] = {
	CASE(alloc_returns_zeroed_writable_memory),
	CASE(alloc_of_zero_bytes_gives_distinct_pointers),
	EXPECT_EXIT(out_of_memory_is_a_fatal_error, 2, "fatal error: out of memory"),
	PLAIN_CASE(collect_from_main_thread_before_goc_main),
	CASE(rss_stays_bounded_while_goroutines_allocate_20x_the_live_set,
             .timeout = 120),
	CASE(blocks_on_a_parked_goroutine_stack_survive),
	CASE(collection_with_100000_parked_goroutines, .timeout = 120),
	CASE(blocks_in_a_channel_buffer_survive),
	CASE(a_value_in_flight_survives),
	CASE(the_argument_of_a_goroutine_not_yet_run_survives),
	CASE(the_argument_of_a_sleeping_timer_survives),
	CASE(blocks_of_goroutines_in_blocking_calls_survive, .timeout = 60),
	CASE(plain_threads_allocate_and_collect, .timeout = 60),
	CASE(many_short_lived_threads_allocate, .timeout = 60),
	CASE(a_forked_child_allocates_and_collects),
	CASE(running_goroutines_allocate_while_others_collect, .timeout = 60),
};

TEST_MAIN(cases)
