/*
 * gc.c — goc-gc: goroutines with the Boehm-Demers-Weiser collector
 * (built only into libgoc-gc, with GOC_WITH_GC). goc_gc_alloc and
 * goc_gc_collect, and everything that makes the collector see what a
 * goroutine program keeps its pointers in.
 *
 * The collector knows threads; goc runs many stacks on each. Boehm scans
 * a registered thread from the stack pointer it had when it was stopped
 * to the "stack bottom" registered for it. On an M that runs a goroutine
 * that pointer is inside a goroutine's stack, and [sp, bottom) would span
 * unrelated mappings and guard pages. The choices Boehm offers:
 *
 *  - GC_set_stackbottom on every switch (what coroutine libraries on Boehm
 *    usually do). It costs a call on the hottest path, and it is racy: a
 *    stop that lands between the switch of the stack pointer and the
 *    update sees one stack's pointer with another's bottom.
 *  - GC_register_altstack: one alternative stack per thread, set under
 *    the collector's lock: a lock per switch.
 *  - What is built: no work at all on a switch. We wrap the collector's
 *    suspend signal handler (it runs on the interrupted stack, as Boehm
 *    installs it without SA_ONSTACK). The wrapper reads the interrupted
 *    stack pointer from the signal context and, before Boehm's handler
 *    records its own, sets this thread's stack bottom: the g0 top if the
 *    pointer is on g0 (Boehm then scans g0 as any thread), else the
 *    interrupted pointer itself, so that Boehm scans only the signal
 *    frame (the registers) and we scan the goroutine's stack from that
 *    pointer up, in the push_other_roots callback. The stop is atomic
 *    with respect to the switch: whatever stack the thread is on when the
 *    signal lands is the one described.
 *
 * The callback (push_other_roots) runs on the collecting thread with the
 * world stopped and walks every stack slot (stack.c): a slot holding some
 * stopped M's stack pointer is scanned from there to its top; any other
 * slot whose goroutine is runnable, running, waiting or in a call is
 * scanned from its saved context g->sp. The top of a slot holds the
 * struct g, so goc_go's argument of a started goroutine is seen there.
 * Parked goroutines are memory, not threads: stopping the world waits
 * for none of them. An M on a goroutine has its g0 frames (the caller of
 * goc_main, say) above g0_sp, pushed too.
 *
 * The collecting thread is not signalled: the callback sets its bottom
 * to the top of the stack it runs on (a goroutine's or g0's) before it
 * calls Boehm's own thread-stack scan, which is what push_other_roots is
 * in a threaded collector, and pushes its g0 from g0_sp.
 *
 * The runtime's own memory (channels and their buffers, spawn records
 * with goc_go's arguments, timers with goc_after_func's, timer heaps, Ms
 * and Ps) comes from mem_gc.c, uncollectable and scanned: it is roots by
 * construction, at no cost per collection beyond scanning it.
 *
 * Threads. Ms register themselves (goc__gc_thread_init). Another thread
 * that calls goc_gc_alloc unregistered is registered then, and
 * unregistered when it exits (a thread-specific key's destructor), as
 * Boehm needs; threads made with the collector's pthread_create wrapper
 * (GC_THREADS and gc.h) are registered already. The collector starts
 * before main, on the main thread (mem_gc.c), as Boehm requires.
 *
 * Settings (goc__gc_init): parallel marking with a marker per CPU (the
 * collector's default), not incremental (its write barrier is mprotect
 * and SIGSEGV, which would fight goc's stack guards and cost faults),
 * free-space divisor 3 (the default) unless GOC_GC_DIVISOR says; see
 * docs/design.md for the measurements behind them.
 */
#define GC_THREADS
#include "runtime.h"

#include <gc/gc.h>
#include <gc/gc_mark.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static struct {
	spinlock lock; /* guards ms, nms and stopped_cap */
	struct m *ms;  /* every M registered, linked by gc.next */
	int nms;
	/* Room for every M's stack pointer during a collection: grown when
	 * an M registers, as nothing may be allocated with the world stopped
	 * (a stopped thread may hold the allocator's lock). */
	char **stopped;
	int stopped_cap;
	struct sigaction boehm_suspend;
	GC_push_other_roots_proc boehm_push_other_roots;
	pthread_key_t plain_thread; /* unregisters a thread we registered */
} gc;

/* ---- stacks ------------------------------------------------------------ */

static char *context_sp(void *ctx)
{
	ucontext_t *uc = ctx;
#if defined(__x86_64__)
	return (char *)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (char *)uc->uc_mcontext.sp;
#else
#error "goc-gc: the stack pointer in a signal context"
#endif
}

static bool on_g0(struct m *m, const char *sp)
{
	const char *lo = m->g0_stack_lo;
	return sp >= lo && sp < m->gc.g0_top;
}

static void set_bottom(struct m *m, char *bottom)
{
	struct GC_stack_base sb = {.mem_base = bottom};
	GC_set_stackbottom(m->gc.thread, &sb);
}

/* The collector's suspend signal, on the stopped thread: describe the
 * stack it is on, then let Boehm's handler park it. Async-signal-safe:
 * a thread-local read and stores. */
static void suspend_handler(int sig, siginfo_t *info, void *ctx)
{
	struct m *m = goc__getm();
	if (m && m->gc.thread) {
		char *sp = context_sp(ctx);
		m->gc.stop_sp = sp;
		set_bottom(m, on_g0(m, sp) ? m->gc.g0_top : sp);
	}
	gc.boehm_suspend.sa_sigaction(sig, info, ctx);
}

static void wrap_suspend_handler(void)
{
	int sig = GC_get_suspend_signal();
	struct sigaction ours;
	if (sigaction(sig, NULL, &gc.boehm_suspend) != 0 ||
	    !(gc.boehm_suspend.sa_flags & SA_SIGINFO))
		goc__fatal(
			"goc-gc: the collector's suspend handler is not as expected");
	ours = gc.boehm_suspend;
	ours.sa_sigaction = suspend_handler;
	sigaction(sig, &ours, NULL);
}

/* The stack pointers of the Ms stopped on goroutine stacks, sorted. */
struct stopped {
	char **sp;
	int n;
};

static void stopped_add(struct stopped *st, char *sp)
{
	int i = st->n++;
	for (; i > 0 && st->sp[i - 1] > sp; i--) /* insertion: a few Ms */
		st->sp[i] = st->sp[i - 1];
	st->sp[i] = sp;
}

/* The lowest stopped pointer in [lo, hi), or NULL. */
static char *stopped_in(const struct stopped *st, char *lo, char *hi)
{
	int a = 0, b = st->n;
	while (a < b) {
		int mid = (a + b) / 2;
		if (st->sp[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < st->n && st->sp[a] < hi ? st->sp[a] : NULL;
}

static void push_range(char *lo, char *hi)
{
	if (lo < hi)
		GC_push_all_eager(lo, hi);
}

static void push_slot(struct g *g, char *lo, char *hi, void *arg)
{
	char *stopped = stopped_in(arg, lo, hi);
	if (stopped) {
		push_range(stopped, hi);
		return;
	}
	uint32_t status = load_relaxed(&g->status);
	if (status != G_RUNNABLE && status != G_RUNNING && status != G_WAITING &&
	    status != G_SYSCALL)
		return;
	char *sp = g->sp;
	push_range(sp >= lo && sp < hi ? sp : lo, hi);
}

/* The collecting thread is not signalled: Boehm scans it from its own
 * stack pointer to the bottom we set here, the top of the stack it runs
 * on now (a goroutine's or g0's). */
static void describe_self(struct m *self, char *here)
{
	struct g *g = self->curg;
	if (on_g0(self, here))
		set_bottom(self, self->gc.g0_top);
	else if (g && here >= g->stack_lo && here < g->stack_lo + g->stack_size)
		set_bottom(self, g->stack_lo + g->stack_size);
	else
		goc__fatal("goc-gc: collecting on a stack the runtime does not know");
}

/* With the world stopped, on the collecting thread: the threads' stacks
 * (Boehm's own callback, which this replaces and calls), every goroutine
 * stack, and the g0 frames of Ms that run goroutines. */
static void push_other_roots(void)
{
	struct m *self = goc__getm();
	/* The real frame, not a local (ASan may put locals on a heap
	 * "fake stack"). */
	char *here = __builtin_frame_address(0);
	if (self && self->gc.thread)
		describe_self(self, here);
	if (gc.boehm_push_other_roots)
		gc.boehm_push_other_roots();
	struct stopped st = {.sp = gc.stopped, .n = 0};
	for (struct m *m = load_acquire(&gc.ms); m; m = m->gc.next) {
		char *sp = m == self ? here : m->gc.stop_sp;
		if (!sp || on_g0(m, sp))
			continue; /* not started yet, or Boehm scans all of g0 */
		push_range(m->g0_sp, m->gc.g0_top);
		if (m == self)
			continue;           /* Boehm scanned the goroutine we run on */
		if (st.n == gc.stopped_cap) /* registered since: not stopped */
			break;
		stopped_add(&st, sp);
	}
	goc__stack_each_stopped(push_slot, &st);
}

/* ---- threads ----------------------------------------------------------- */

/* This thread is known to the collector: a thread-local flag, as asking
 * the collector (GC_thread_is_registered) takes its lock. */
static _Thread_local bool registered;

static void thread_register(void)
{
	struct GC_stack_base sb;
	if (GC_get_stack_base(&sb) != GC_SUCCESS)
		goc__fatal("goc-gc: cannot find this thread's stack");
	GC_register_my_thread(&sb);
}

/* Add m to gc.ms, with room in gc.stopped for every M first. */
static void ms_add(struct m *m)
{
	spin_lock(&gc.lock);
	while (gc.stopped_cap < gc.nms + 1) {
		int cap = gc.stopped_cap ? 2 * gc.stopped_cap : 16;
		spin_unlock(&gc.lock);
		char **fresh =
			GC_MALLOC_ATOMIC_UNCOLLECTABLE((size_t)cap * sizeof *fresh);
		if (!fresh)
			goc__fatal("out of memory");
		spin_lock(&gc.lock);
		if (cap > gc.stopped_cap) {
			/* The old array may be in use by a collection running now
			 * (it reads gc.stopped once): kept, never freed. */
			gc.stopped = fresh;
			store_release(&gc.stopped_cap, cap);
		}
	}
	m->gc.next = gc.ms;
	gc.nms++;
	store_release(&gc.ms, m);
	spin_unlock(&gc.lock);
}

void goc__gc_thread_init(struct m *m)
{
	if (!registered && !GC_thread_is_registered())
		thread_register();
	registered = true;
	struct GC_stack_base sb;
	m->gc.thread = GC_get_my_stackbottom(&sb);
	m->gc.g0_top = sb.mem_base;
	ms_add(m);
}

static void plain_thread_exit(void *arg)
{
	(void)arg;
	GC_unregister_my_thread();
}

/* A thread that is not an M, first time here: register it with the
 * collector for the rest of its life, unless it is registered already
 * (the main thread, threads from GC_pthread_create). */
static __attribute__((noinline)) void plain_thread_register(void)
{
	if (!GC_thread_is_registered()) {
		thread_register();
		pthread_setspecific(gc.plain_thread, &gc);
	}
	registered = true;
}

/* ---- start and the public calls ---------------------------------------- */

static void *out_of_memory(size_t n)
{
	(void)n;
	goc__fatal("out of memory");
}

static void quiet(char *msg, GC_word arg) { (void)msg, (void)arg; }

void goc__gc_init(void)
{
	const char *divisor = getenv("GOC_GC_DIVISOR");
	if (divisor && atoi(divisor) > 0)
		GC_set_free_space_divisor((GC_word)atoi(divisor));
	GC_set_handle_fork(1); /* a child of fork may allocate and collect */
	GC_INIT();
	GC_allow_register_threads();
	GC_set_oom_fn(out_of_memory);
	GC_set_warn_proc(quiet);
	pthread_key_create(&gc.plain_thread, plain_thread_exit);
	wrap_suspend_handler();
	gc.boehm_push_other_roots = GC_get_push_other_roots();
	GC_set_push_other_roots(push_other_roots);
}

GOC_API void *goc_gc_alloc(size_t n)
{
	if (unlikely(!registered))
		plain_thread_register();
	void *p = GC_MALLOC(n ? n : 1);
	if (unlikely(!p))
		goc__fatal("out of memory");
	return p;
}

GOC_API void goc_gc_collect(void)
{
	if (unlikely(!registered))
		plain_thread_register();
	GC_gcollect();
}
