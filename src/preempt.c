/*
 * preempt.c — a goroutine that computes for PREEMPT_AFTER without a goc
 * call gives up its processor, and waits its turn for one (Go's
 * asynchronous preemption, by hand-off).
 *
 * sysmon sees a P that has not scheduled for PREEMPT_AFTER and signals
 * its thread (SIGURG). The handler does not switch goroutines: C gives no
 * safe point for that (the goroutine may hold malloc's lock, stdio's, or
 * a pthread mutex that the next goroutine on this thread would want).
 * Instead the thread itself steps aside:
 *
 *   1. It detaches the P: marks it P_SYSCALL, as if the goroutine had
 *      entered a blocking call, and forgets it. sysmon hands it to another
 *      thread (syscall.c's retake), which runs the goroutines queued
 *      behind.
 *   2. It queues its goroutine on the global run queue, bound to this
 *      thread for the while as goc_lock_thread binds one (lock.c), and
 *      sleeps in the handler on its note. Whoever takes the goroutine
 *      from the queue hands its P to this thread and goes idle; the
 *      handler returns with that P, and the goroutine computes on.
 *
 * So the goroutine keeps its stack, its thread and every lock it holds,
 * and GOC_MAXPROCS still bounds how many goroutines compute at once.
 * Waiting while holding a lock is safe as long as the thread that would
 * give us a P never needs it: for goc's own spin locks that is not known,
 * so the handler does nothing while the thread holds one
 * (goc__locks_held) or is in goc code that uses its P (m->preempt_off,
 * Go's m.locks); sysmon asks again a moment later. Locks of C code
 * (malloc's, stdio's, the program's pthread mutexes) are futexes: a
 * goroutine that waits for one that a preempted goroutine holds sleeps in
 * the kernel with its P, and sysmon signals such a thread too, asking it
 * only to let its P go (step 1; m->preempt_asleep). The queue then
 * reaches the holder, which runs and releases the lock; the waiter wakes
 * as a plain thread, without a P, until its next goc call.
 *
 * A sleeper that sysmon cannot see (a lock that spins in user space, an
 * emulator whose /proc shows another machine's system calls) could still
 * hold the Ps that the holder waits for. So the holder does not wait for
 * good: if no goroutine at all leaves the global queue for a while
 * (lock.c's TURN_PATIENCE), it takes itself off and computes on without a
 * P until sysmon asks again. A stuck queue costs parallelism for a
 * moment, never a hang.
 *
 * A thread asleep in another system call is not signalled: the calls
 * that SA_RESTART does not restart (sleeps, poll, select) would fail with
 * EINTR, which C code rarely expects.
 *
 * GOC_DEBUG=asyncpreemptoff=1 turns it off, as Go's GODEBUG does.
 */
#include "runtime.h"
#include "sanitizer.h"

#include <stdlib.h>
#include <string.h>

bool goc__async_preempt_off;

/* Where waiting in the handler is not safe, it only lets the P go (the
 * goroutine runs on beside the processors until its next goc call):
 *  - ThreadSanitizer runs a handler only when the thread next leaves one
 *    of its interceptors: a thread asleep in pthread_mutex_lock runs it
 *    once it has the lock, never while it sleeps. A lock's holder could
 *    wait for a processor held by the threads asleep on that lock.
 *  - goc-gc: the collector's one allocation lock is wanted by the path
 *    that hands out processors (sysmon's new threads are made from the
 *    collector's memory and register with it), and a goroutine is often
 *    interrupted holding it; it is not ours to count.
 *  - AddressSanitizer: the same with its allocator's locks, which its
 *    leak check at exit holds while it stops the world.
 * With glibc's allocator, sysmon allocates from an arena of its own. */
#if defined(GOC_TSAN) || defined(GOC_ASAN) || defined(GOC_WITH_GC)
#define WAIT_IN_HANDLER 0
#else
#define WAIT_IN_HANDLER 1
#endif

/* Let p go as a system call would: the tick first, since once marked
 * the P may be another M's at once. Only goc_maxprocs changes the status
 * of a P its M holds (RUNNING to RETIRING), so this ends. */
static void detach_p(struct m *m, struct p *p)
{
	store_relaxed(&p->syscalltick, p->syscalltick + 1);
	while (!p_cas_status(p, P_RUNNING, P_SYSCALL) &&
	       !p_cas_status(p, P_RETIRING, P_SYSCALL))
		;
	m->p = NULL;
}

/* Give p to an idle thread at once, or leave it to sysmon's retake
 * (a new thread cannot be made here). A retiring P goes to sysmon, which
 * retires it. */
static void hand_on(struct m *m, struct p *p)
{
	if (p_status(p) == P_RUNNING) {
		store_relaxed(&p->syscalltick, p->syscalltick + 1);
		m->p = NULL;
		if (goc__startm_idle(p))
			return;
		m->p = p; /* still ours: nobody took it */
	}
	detach_p(m, p);
}

/* Queue our goroutine, bound to this thread, let the P go, and sleep
 * until whoever takes the goroutine hands us a P (lock.c's hand-over).
 * Queued first: the thread given our P must find it there, or it may go
 * idle with the goroutine about to be queued. */
static void wait_for_turn(struct m *m, struct p *p /* NULL: none held */, void *ctx)
{
	struct g *g = m->curg;
	bool bind = !g->lockedm; /* goc_lock_thread binds it already */
	if (bind) {
		g->lockedm = m;
		m->lockedg = g;
	}
	store_release(&g->preempt_ctx, ctx); /* its frames, for tracebacks */
	g_set_status(g, G_RUNNABLE);
	goc__globq_put_preempted(g);
	if (p) {
		hand_on(m, p);
	} else { /* no P to hand on: the Ps may all be idle, sysmon asleep */
		fence_seq(); /* the queue, then sysmon_idle: see wait_for_work */
		goc__sysmon_watch_slow();
		goc__sysmon_kick();
	}
	/* Given up (the queue stood still): on without a P, asked again
	 * by sysmon like one whose P was taken while it slept. */
	bool turn = goc__lockedm_wait_in_handler(m, g);
	store_relaxed(&m->preempt_pless, !turn);
	g_set_status(g, G_RUNNING);
	store_relaxed(&g->preempt_ctx, NULL);
	if (bind) {
		g->lockedm = NULL;
		m->lockedg = NULL;
	}
}

/* The section of the code that may hold a channel's lock uncounted
 * (platform.h's GOC_LOCK_TEXT); the linker marks its ends. */
extern const char __start_goc_lock_text[] GOC_HIDDEN;
extern const char __stop_goc_lock_text[] GOC_HIDDEN;

/* May the interrupted code hold one of goc's spin locks? Counted ones
 * say so; uncounted ones are held only in their section. Where the
 * address is unknown (another architecture), it may. */
static bool may_hold_lock(void *ctx)
{
	uintptr_t pc = goc__os_context_pc(ctx);
	return *locks_held_here() != 0 || pc == 0 ||
	       (pc >= (uintptr_t)__start_goc_lock_text &&
	        pc < (uintptr_t)__stop_goc_lock_text);
}

/* Whether, and how, to step aside (the steps above). */
static void decide(struct m *m, void *ctx)
{
	/* goc-gc: a thread running a collection (the world stopped) is left
	 * alone: no other thread could use its P meanwhile. */
	if (!m->curg || m->preempt_off || m->in_syscall || GOC_GC_COLLECTING(m))
		return;
	struct p *p = m->p;
	if (!p) { /* computing without one since step 3: wait for one */
		if (load_relaxed(&m->preempt_pless) && !load_relaxed(&m->preempt_p) &&
		    !may_hold_lock(ctx))
			wait_for_turn(m, NULL, ctx);
		return;
	}
	if (p != load_relaxed(&m->preempt_p) ||
	    load_relaxed(&p->schedtick) != load_relaxed(&m->preempt_tick))
		return; /* it scheduled since sysmon asked */
	uint32_t status = p_status(p);
	if (status != P_RUNNING && status != P_RETIRING)
		return;
	/* Asleep, it only lets the P go, which holding locks does not hinder
	 * (goc code that called into libc with a lock held may sleep there). */
	if (!WAIT_IN_HANDLER) {
		detach_p(m, p);
	} else if (load_relaxed(&m->preempt_asleep)) {
		detach_p(m, p);
		store_relaxed(&m->preempt_pless, 1); /* sysmon watches it */
	} else if (!may_hold_lock(ctx))
		wait_for_turn(m, p, ctx);
}

/* The preemption signal's handler: in the interrupted thread, on its
 * signal stack. Only futexes and spin locks that this thread does not
 * hold: async-signal-safe. */
static void on_preempt(void *ctx)
{
	struct m *m = goc__getm();
	if (m)
		decide(m, ctx);
}

/* GOC_DEBUG is Go's GODEBUG: comma-separated name=value. */
static bool debug_set(const char *name)
{
	const char *env = getenv("GOC_DEBUG");
	size_t len = strlen(name);
	for (const char *s = env; s && *s;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n > len && strncmp(s, name, len) == 0 && s[len] == '=')
			return strncmp(s + len + 1, "0", n - len - 1) != 0;
		s = end ? end + 1 : NULL;
	}
	return false;
}

void goc__preempt_init(void)
{
	goc__async_preempt_off = debug_set("asyncpreemptoff");
	if (!goc__async_preempt_off)
		goc__os_signal_preempt_install(on_preempt);
}

/* Where the kernel wakes a thread handed a P. A hand-over moves a P from a
 * thread that stops to one that wakes: the handler's thread to an idle
 * M (hand_on), and whoever takes a preempted goroutine to the thread it
 * waits on (lock.c). Linux wakes a thread on the CPU it last ran on
 * when it cannot tell that the waker's is about to be free. That CPU
 * often runs another processor's goroutine, so the two share it while
 * the giver's CPU sits idle, until the kernel's balancer moves one,
 * milliseconds later (an idle CPU that was busy all along does not look
 * for work at once). Measured on `parallel`: the all-cores run lost 7 %
 * at the median, up to a quarter. So the woken thread, once it holds the
 * P, moves itself to the giver's CPU if it woke elsewhere: two affinity
 * calls, once per preemption, never on a path that runs more often.
 * Threads of goroutines the program locked (goc_lock_thread) are left
 * where the kernel puts them: their hand-overs may be frequent. */
void goc__handoff_mark(struct m *to) { to->handoff_cpu = goc__os_cpu_now() + 1; }

void goc__handoff_follow(struct m *m)
{
	int cpu = m->handoff_cpu - 1;
	m->handoff_cpu = 0;
	if (cpu >= 0 && goc__os_cpu_now() != cpu)
		goc__os_move_to_cpu(cpu);
}

/* sysmon: threads whose goroutine computes without a P since its P was
 * taken while it slept in a futex (step 3) are asked to wait for one,
 * once they have run PLESS_GRACE without a goc switch. */
#define PLESS_GRACE (1 * GOC_MILLISECOND)

void goc__preempt_pless(int64_t now)
{
	for (struct m *m = load_acquire(&goc__sched.allm); m; m = m->alllink) {
		if (!load_relaxed(&m->preempt_pless) || load_relaxed(&m->p)) {
			m->sysmon_pless_when = 0;
			continue;
		}
		if (!m->sysmon_pless_when)
			m->sysmon_pless_when = now;
		if (now - m->sysmon_pless_when < PLESS_GRACE)
			continue;
		int tid = load_relaxed(&m->tid);
		if (goc__os_thread_state(tid) != OS_THREAD_ON_CPU)
			continue;
		m->sysmon_pless_when = now; /* ask again after a grace */
		store_relaxed(&m->preempt_asleep, 0);
		store_release(&m->preempt_p, NULL);
		goc__os_thread_preempt(tid);
	}
}

/* sysmon: p has not scheduled for PREEMPT_AFTER; tick is its schedtick. */
void goc__preempt(struct p *p, uint64_t tick)
{
	struct m *m = load_acquire(&p->m);
	if (!m || goc__async_preempt_off)
		return;
	int tid = load_relaxed(&m->tid);
	enum os_thread_state state = goc__os_thread_state(tid);
	if (state == OS_THREAD_OTHER)
		return;
	store_relaxed(&m->preempt_asleep, state == OS_THREAD_IN_FUTEX);
	store_relaxed(&m->preempt_tick, tick);
	store_release(&m->preempt_p, p);
	goc__os_thread_preempt(tid);
}
