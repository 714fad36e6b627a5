/*
 * lock.c — goc_lock_thread and goc_unlock_thread, Go's LockOSThread and
 * UnlockOSThread: while locked, the goroutine runs only on its thread
 * and no other goroutine runs there (for thread-local state of C
 * libraries: OpenGL contexts, some database clients, signal masks).
 *
 * Go's design. The goroutine and its M point at each other. When it
 * leaves the M (parks, yields), the M's g0 gives the P away and the M
 * waits on its note, counted apart from idle Ms (nmidlelocked, so that
 * a locked goroutine blocked forever is still a deadlock). Whoever later
 * takes the goroutine from a run queue sees that it is locked and hands
 * its own P to the goroutine's M, wakes it, and goes idle itself; the
 * woken M runs its goroutine. A goroutine that ends locked takes its
 * thread with it (the thread exits), but for the thread of goc_main,
 * which is kept asleep instead, as Go keeps the main thread.
 */
#include "runtime.h"

GOC_API void goc_lock_thread(void)
{
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (!g)
		return;
	if (g->lock_count++ == 0) {
		g->lockedm = m;
		m->lockedg = g;
	}
}

GOC_API void goc_unlock_thread(void)
{
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (!g || g->lock_count == 0)
		return;
	if (--g->lock_count == 0) {
		g->lockedm = NULL;
		m->lockedg = NULL;
	}
}

/* Give m's P, if it has one, to whoever can use it. On g0. */
static void drop_p(struct m *m)
{
	struct p *p = m->p;
	if (!p)
		return;
	if (p_status(p) == P_RETIRING) {
		goc__p_retire(m); /* m keeps none */
		return;
	}
	m->p = NULL;
	store_relaxed(&p->m, NULL);
	goc__handoffp(p);
}

/* Sleep, counted as a locked M, until handed a P for our goroutine. */
static void wait_for_p(struct m *m)
{
	spin_lock(&goc__sched.lock);
	goc__sched.nmidlelocked++;
	m_set_status(m, M_IDLE);
	goc__check_dead();
	spin_unlock(&goc__sched.lock);
	/* The value seen is the one the futex waits on: a wake-up between
	 * two reads would otherwise be slept through. */
	for (uint32_t w; (w = load_acquire(&m->wake)) != M_WAKE_WITH_P;)
		goc__os_futex_wait(&m->wake, w, -1);
	spin_lock(&goc__sched.lock);
	goc__sched.nmidlelocked--;
	m_set_status(m, M_RUNNING);
	goc__m_take_nextp_locked(m);
	spin_unlock(&goc__sched.lock);
	goc__handoff_follow(m);
}

/* How long a preempted goroutine waits for its turn while no goroutine
 * at all leaves the global queue. Turns come every time slice (sysmon
 * preempts after 10 ms), so a queue that stands still this long is stuck:
 * whoever holds the Ps may be asleep on a lock that the waiting goroutine
 * holds, in a way sysmon cannot see (a lock that spins, or an emulator
 * whose /proc shows another machine's system calls). */
#define TURN_PATIENCE (100 * GOC_MILLISECOND)

/* preempt.c: the same wait, inside the preemption signal handler, for
 * g. The M is not idle (its goroutine is queued, runnable): not counted as
 * one, and no deadlock check, which could read /proc through malloc.
 * Returns false if it gave up its turn (g is off the queue again): the
 * goroutine then goes on without a P, and sysmon asks it again. */
bool goc__lockedm_wait_in_handler(struct m *m, struct g *g)
{
	uint64_t taken = load_relaxed(&goc__sched.gq_taken);
	int64_t deadline = nanotime() + TURN_PATIENCE;
	/* The value seen is the one the futex waits on: a wake-up between
	 * two reads would otherwise be slept through. */
	for (uint32_t w; (w = load_acquire(&m->wake)) != M_WAKE_WITH_P;) {
		int64_t left = deadline - nanotime();
		if (left <= 0) {
			uint64_t now_taken = load_relaxed(&goc__sched.gq_taken);
			/* Not in the queue: its taker hands us a P now. */
			if (now_taken == taken && goc__globq_remove(g))
				return false;
			taken = now_taken;
			deadline = nanotime() + TURN_PATIENCE;
			continue;
		}
		goc__os_futex_wait(&m->wake, w, left);
	}
	spin_lock(&goc__sched.lock);
	goc__m_take_nextp_locked(m);
	spin_unlock(&goc__sched.lock);
	goc__handoff_follow(m);
	return true;
}

_Noreturn static void exit_locked_thread(struct m *m)
{
	m->locked_exit = false;
	m->lockedg = NULL;
	drop_p(m);
	if (m->main_thread) { /* Go keeps the main thread: asleep for good */
		static uint32_t never;
		spin_lock(&goc__sched.lock);
		goc__sched.nmidlelocked++;
		goc__check_dead();
		spin_unlock(&goc__sched.lock);
		for (;;)
			goc__os_futex_wait(&never, 0, -1);
	}
	spin_lock(&goc__sched.lock);
	goc__sched.nm--;
	goc__check_dead();
	spin_unlock(&goc__sched.lock);
	goc__os_signal_altstack_restore();
	goc__os_thread_exit(); /* its M and signal stack stay allocated */
}

struct g *goc__lockedm_wait(struct m *m)
{
	if (m->locked_exit)
		exit_locked_thread(m);
	drop_p(m);
	wait_for_p(m);
	return m->lockedg;
}

void goc__lockedm_start(struct m *m, struct g *g)
{
	struct m *owner = g->lockedm;
	struct p *p = m->p;
	m->p = NULL;
	spin_lock(&goc__sched.lock);
	owner->nextp = p;
	if (g->lock_count == 0) /* bound by preemption, not by the program */
		goc__handoff_mark(owner);
	store_release(&owner->wake, M_WAKE_WITH_P);
	spin_unlock(&goc__sched.lock);
	goc__os_futex_wake(&owner->wake, 1);
	goc__stopm(m); /* returns holding a P */
}
