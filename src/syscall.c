/*
 * syscall.c — blocking system calls (Go's entersyscall/exitsyscall and
 * sysmon's retake): a goroutine about to block its thread in the kernel
 * leaves its P marked P_SYSCALL; if it comes back soon it takes the P back
 * with one compare-and-swap, and no one else is involved. If it stays
 * away, sysmon takes the P (the same compare-and-swap, from the other
 * side) and hands it to another thread, so the other goroutines run.
 *
 * The fast path is a few plain stores and two compare-and-swaps: no
 * clock, no lock, no system call. How long a call has lasted is sysmon's
 * business: it notes the P's syscall tick when it first sees it in a
 * call, and takes the P when it sees the same tick again RETAKE_AFTER
 * later (it looks at that pace while any P is in a call).
 *
 * On the way back without a P, the goroutine takes an idle one if there
 * is any; otherwise it queues itself on the global queue and its thread
 * goes idle (Go's exitsyscall0).
 */
#include "runtime.h"

GOC_API void goc_syscall_enter(void)
{
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (!g)
		return;
	preempt_disable(m); /* the P is ours until it is marked */
	struct p *p = m->p;
	if (p)
		store_relaxed(&p->syscalltick, p->syscalltick + 1);
	if (p && p_cas_status(p, P_RUNNING, P_SYSCALL)) {
		g->wait_reason = WAIT_SYSCALL;
		g_set_status(g, G_SYSCALL);
		m->in_syscall = true;
	} /* else retiring: goc_maxprocs waits for it as for any */
	preempt_enable(m);
}

/* After the switch to g0: queue g and let the thread sleep until it is
 * handed a P. The P it found none of may have gone idle since, its
 * thread seeing no work before g was queued: wake one, as a ready from a
 * thread without a P does (sched.c), or g would wait for good (seen at
 * one processor under qemu: every P idle, sysmon asleep). */
static void after_syscall_no_p(struct m *m, struct g *g, void *arg)
{
	(void)arg;
	g_set_status(g, G_RUNNABLE);
	goc__globq_put(&g->node);
	fence_seq(); /* the queue, then nmspinning: see sched.c recheck_queues */
	goc__wakep();
	if (!m->lockedg)       /* a locked M waits for its goroutine (lock.c) */
		goc__stopm(m); /* returns holding a P; the scheduler goes on */
}

static void exit_without_p(struct m *m, struct g *g)
{
	m->p = NULL;
	if (goc__p_take_idle(m)) {
		g_set_status(g, G_RUNNING);
		return;
	}
	goc__switch_to_g0(m, g, after_syscall_no_p);
}

GOC_API void goc_syscall_exit(void)
{
	struct m *m = goc__getm();
	if (!m || !m->in_syscall)
		return;
	int saved = goc__os_errno(); /* we may change threads: os.h */
	struct g *g = m->curg;
	m->in_syscall = false;
	g->wait_reason = WAIT_NONE;
	if (likely(p_cas_status(m->p, P_SYSCALL, P_RUNNING))) {
		g_set_status(g, G_RUNNING);
	} else {
		exit_without_p(m, g);
	}
	goc__os_set_errno(saved);
}

/* ---- sysmon's side ------------------------------------------------------ */

#define RETAKE_AFTER (20 * GOC_MICROSECOND)
#define RETAKE_IDLE_AFTER (10 * GOC_MILLISECOND)

/* Hand p, just taken from a thread in a system call, to one that runs
 * it if there is work for it, else to the idle list (Go's handoffp). */
void goc__handoffp(struct p *p)
{
	bool work = !goc__runq_empty(p) || load_relaxed(&goc__sched.gq_size) > 0;
	if (work || (load_relaxed(&goc__sched.nmspinning) == 0 &&
	             load_relaxed(&goc__sched.npidle) == 0)) {
		goc__startm(p, false);
		return;
	}
	spin_lock(&goc__sched.lock);
	/* goc_maxprocs may have marked it retiring since we took it: then it
	 * must not go idle (the resize waits for it to retire): an M
	 * retires it. */
	bool retiring = p_status(p) == P_RETIRING;
	if (!retiring) {
		goc__pidle_put(p);
		goc__check_dead(); /* the last P to go idle may be this one */
	}
	spin_unlock(&goc__sched.lock);
	if (retiring) {
		goc__startm(p, false);
		return;
	}
	int64_t first = load_relaxed(&p->timers.first);
	if (first)
		goc__timers_wake(first, false);
}

/* Take the Ps of threads that have been in a system call too long.
 * Returns true if some P is in a call (sysmon then looks again soon). */
bool goc__retake(int64_t now)
{
	bool in_calls = false;
	int32_t n = load_acquire(&goc__sched.nprocs);
	int32_t nall = load_acquire(&goc__sched.nallp);
	for (int32_t i = n; i < nall; i++) {
		/* Beyond nprocs, only a P preemption took while it retired. */
		struct p *p = load_acquire(&goc__sched.allp[i]);
		if (p && p_status(p) == P_SYSCALL)
			goc__p_retire_detached(p);
	}
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		if (!p || p_status(p) != P_SYSCALL)
			continue;
		in_calls = true;
		uint64_t tick = load_relaxed(&p->syscalltick);
		if (tick != p->sysmon_syscalltick) {
			p->sysmon_syscalltick = tick;
			p->sysmon_syscall_when = now;
			continue;
		}
		int64_t for_ns = now - p->sysmon_syscall_when;
		/* Nothing for it to do and others idle: leave it a while. */
		if (goc__runq_empty(p) && load_relaxed(&goc__sched.gq_size) == 0 &&
		    load_relaxed(&goc__sched.nmspinning) +
		                    load_relaxed(&goc__sched.npidle) >
		            0 &&
		    for_ns < RETAKE_IDLE_AFTER)
			continue;
		if (for_ns < RETAKE_AFTER)
			continue;
		if (p_cas_status(p, P_SYSCALL, P_RUNNING))
			goc__handoffp(p);
	}
	return in_calls;
}
