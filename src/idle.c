/*
 * idle.c — the idle protocol: Ps without an M, Ms without a P, and how
 * they find each other. A P with nothing to run is given back to the
 * idle list (p_release); its M then sleeps (stopm) until someone hands it
 * a P (startm, wakep). Everything here is under sched.lock, but for the
 * counters hot paths read (npidle, nmspinning: atomics written under it).
 *
 * Waking is the dearest thing a scheduler does (a system call, and another
 * core leaves its sleep), so wakep wakes one M, and only when there is an
 * idle P and no M already spinning: a spinning M will find the work, and
 * when it does, it wakes the next one if more may be needed. The protocol
 * against lost wake-ups is Go's: a spinning M gives up spinning (seq-cst
 * decrement of nmspinning) and then looks at every queue again
 * (recheck_queues); a submitter adds work and then checks nmspinning.
 *
 * Sleeping. An idle M sleeps on its note m->wake. At most one idle M, the
 * timer sleeper (M_TSLEEPER), sleeps in netpoll (netpoll.h) instead, with
 * a deadline: the earliest timer of an idle P, or BUSY_TIMER_GRACE past
 * the earliest of a running P. A running P fires its own timers whenever
 * it switches goroutines; the sleeper steps in only for one stuck behind a
 * goroutine that computes. Waking for every timer of a running P instead
 * costs a wake-up, a P taken and given back, and lock traffic with that P,
 * for timers it fires itself a moment later: with a timer due every
 * microsecond, that churn cost more than everything else. A timer that
 * becomes the earliest kicks the timer sleeper so it sleeps less
 * (M_WAKE_RECHECK_TIMERS), and so does a P going idle with timers.
 *
 * Whoever wakes the timer sleeper writes its note and then breaks netpoll;
 * the sleeper reads its note once netpoll returns. Its status tells which
 * wait it is in, and is changed under sched.lock before the break, so an
 * M that stops being the sleeper while on its way into netpoll is still
 * broken out of it.
 */
#include "runtime.h"
#include "netpoll.h"

/* ---- idle Ps ------------------------------------------------------------ */

void goc__pidle_put(struct p *p)
{
	p_set_status(p, P_IDLE);
	store_relaxed(&p->m, NULL);
	p->link = goc__sched.pidle;
	goc__sched.pidle = p;
	add_fetch(&goc__sched.npidle, 1);
}

struct p *goc__pidle_get(void)
{
	struct p *p = goc__sched.pidle;
	if (p) {
		goc__sched.pidle = p->link;
		p->link = NULL;
		p_set_status(p, P_RUNNING);
		add_fetch(&goc__sched.npidle, -1);
		goc__sysmon_kick(); /* something runs: sysmon watches again */
	}
	return p;
}

void goc__pidle_remove(struct p *p)
{
	for (struct p **link = &goc__sched.pidle; *link; link = &(*link)->link) {
		if (*link == p) {
			*link = p->link;
			p->link = NULL;
			add_fetch(&goc__sched.npidle, -1);
			return;
		}
	}
}

/* ---- idle Ms ------------------------------------------------------------ */

/* Wake the timer sleeper m (or the M that was it) after writing its note:
 * it waits in the poller, or on its note if another thread was still in
 * the poller when it began to sleep (see sleep_in_poller). */
static void tsleeper_wake(struct m *m)
{
	goc__netpoll_break();
	if (load_seq(&m->note_sleeping))
		goc__os_futex_wake(&m->wake, 1);
}

/* Wake m, asleep or on its way to sleep, for the reason written in its
 * note: in netpoll if it is the timer sleeper (or just stopped being
 * one: was_sleeper), on its note otherwise. */
static void m_wake(struct m *m, bool was_sleeper)
{
	if (was_sleeper)
		tsleeper_wake(m);
	else
		goc__os_futex_wake(&m->wake, 1);
}

/* Take an idle M; prefer one that is not the timer sleeper. Under lock.
 * *was_sleeper tells how to wake it (m_wake). */
static struct m *midle_get(bool *was_sleeper)
{
	struct m **link = &goc__sched.midle;
	if (*link && m_status(*link) == M_TSLEEPER && (*link)->schedlink)
		link = &(*link)->schedlink;
	struct m *m = *link;
	*was_sleeper = false;
	if (!m)
		return NULL;
	*link = m->schedlink;
	m->schedlink = NULL;
	goc__sched.nmidle--;
	if (m_status(m) == M_TSLEEPER) {
		*was_sleeper = true;
		store_relaxed(&goc__sched.tsleeper, NULL);
	}
	return m;
}

static void midle_remove(struct m *m)
{
	for (struct m **link = &goc__sched.midle; *link; link = &(*link)->schedlink) {
		if (*link == m) {
			*link = m->schedlink;
			m->schedlink = NULL;
			goc__sched.nmidle--;
			return;
		}
	}
}

/* Hand p to an idle M, if there is one; never makes a thread. For the
 * preemption handler: a spin lock it does not hold, atomics and a wake-up
 * (a futex, or the poller's eventfd): async-signal-safe. */
bool goc__startm_idle(struct p *p)
{
	spin_lock(&goc__sched.lock);
	bool was_sleeper;
	struct m *m = midle_get(&was_sleeper);
	if (m) {
		m->nextp = p;
		goc__handoff_mark(m);
		m_set_status(m, M_RUNNING);
		store_release(&m->wake, M_WAKE_WITH_P);
	}
	spin_unlock(&goc__sched.lock);
	if (m)
		m_wake(m, was_sleeper);
	return m != NULL;
}

void goc__startm(struct p *p, bool spinning)
{
	spin_lock(&goc__sched.lock);
	if (!p) {
		p = goc__pidle_get();
		if (!p) {
			spin_unlock(&goc__sched.lock);
			if (spinning)
				add_fetch(&goc__sched.nmspinning, -1);
			return;
		}
	}
	bool was_sleeper;
	struct m *m = midle_get(&was_sleeper);
	if (m) {
		m->nextp = p;
		m_set_status(m, spinning ? M_SPINNING : M_RUNNING);
		store_release(&m->wake, M_WAKE_WITH_P);
	}
	spin_unlock(&goc__sched.lock);
	if (m)
		m_wake(m, was_sleeper);
	else
		goc__newm(p, spinning);
}

void goc__wakep(void)
{
	if (load_relaxed(&goc__sched.nmspinning) != 0 ||
	    load_relaxed(&goc__sched.npidle) == 0)
		return;
	int32_t zero = 0;
	if (!cas(&goc__sched.nmspinning, &zero, 1))
		return;
	goc__startm(NULL, true);
}

/* ---- the timer sleeper -------------------------------------------------- */

#define BUSY_TIMER_GRACE (200 * GOC_MICROSECOND)

/* When the timer sleeper must wake: the earliest timer of an idle P, or
 * BUSY_TIMER_GRACE after that of a running one; 0: no timer at all. Under
 * sched.lock (P statuses). */
static int64_t timers_deadline_locked(void)
{
	int64_t best = 0;
	int32_t n = load_acquire(&goc__sched.nallp);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		int64_t w = p ? load_relaxed(&p->timers.first) : 0;
		if (w && (p_status(p) == P_RUNNING || p_status(p) == P_RETIRING))
			w += BUSY_TIMER_GRACE;
		if (w && (!best || w < best))
			best = w;
	}
	return best;
}

/* Compute the timer sleeper's deadline and publish it in tsleep_until
 * (INT64_MAX: no timer); returns it (0: no timer). Under sched.lock. A
 * P adds a timer with no lock of ours: it publishes its `first`, then
 * reads tsleep_until (goc__timers_wake), while this publishes
 * tsleep_until, then reads every `first` again; with a full fence on
 * both sides, one of the two sees the other, so no timer is slept
 * through. */
static int64_t tsleep_until_publish_locked(void)
{
	for (;;) {
		int64_t deadline = timers_deadline_locked();
		store_relaxed(&goc__sched.tsleep_until,
		              deadline ? deadline : INT64_MAX);
		fence_seq();
		int64_t again = timers_deadline_locked();
		if (!again || (deadline && again >= deadline))
			return deadline;
	}
}

/* Make the timer sleeper, if any, look again at the timers if it would
 * sleep past deadline. Under sched.lock; returns the sleeper if the
 * caller must wake it (tsleeper_wake) after unlocking, else NULL. */
static struct m *tsleeper_recheck_locked(int64_t deadline)
{
	struct m *sleeper = goc__sched.tsleeper;
	if (!sleeper || deadline >= goc__sched.tsleep_until)
		return NULL;
	store_relaxed(&goc__sched.tsleep_until, deadline);
	uint32_t asleep = M_ASLEEP;
	return cas(&sleeper->wake, &asleep, M_WAKE_RECHECK_TIMERS) ? sleeper : NULL;
}

/* Stop being the timer sleeper; under lock. */
static void tsleeper_resign_locked(struct m *m)
{
	store_relaxed(&goc__sched.tsleeper, NULL);
	m_set_status(m, M_IDLE);
}

/* Wait until `until` in the poller. One thread at a time blocks there:
 * epoll wakes one waiter per event, so a break meant for a sleeper that
 * is on its way out (just handed a P) could wake its successor instead
 * and leave it asleep for good. A sleeper that finds the poller taken
 * waits on its note, with the same deadline; tsleeper_wake wakes both
 * ways. */
static struct m *note_sleeper; /* atomic: the sleeper waiting on its note */

static struct g *sleep_in_poller(struct m *m, int64_t until)
{
	for (;;) {
		int n;
		uint32_t free = 0;
		if (cas(&goc__netpoll_blocked, &free, 1)) {
			struct g *polled = goc__netpoll(until, &n);
			/* Leaving: a sleeper that found us here moves in now, or
			 * descriptors would go unwatched (Dekker with below). */
			store_seq(&goc__netpoll_blocked, 0);
			struct m *next = load_seq(&note_sleeper);
			if (next && next != m)
				goc__os_futex_wake(&next->wake, 1);
			return polled;
		}
		int64_t left = until == INT64_MAX ? -1 : until - nanotime();
		if (left == 0 || (left < 0 && until != INT64_MAX))
			return NULL;
		store_seq(&m->note_sleeping, 1);
		store_seq(&note_sleeper, m);
		if (load_seq(&goc__netpoll_blocked) == 0) { /* it just left */
			store_seq(&note_sleeper, NULL);
			store_relaxed(&m->note_sleeping, 0);
			continue;
		}
		goc__os_futex_wait(&m->wake, M_ASLEEP, left);
		struct m *self = m;
		cas(&note_sleeper, &self, NULL);
		store_relaxed(&m->note_sleeping, 0);
		return NULL;
	}
}

/* Sleep as the timer sleeper until `until` or a break. Returns true when
 * handed a P. */
static bool tsleep(struct m *m, int64_t until)
{
	struct g *polled = sleep_in_poller(m, until);
	spin_lock(&goc__sched.lock);
	uint32_t w = load_acquire(&m->wake);
	if (w == M_WAKE_WITH_P) {
		spin_unlock(&goc__sched.lock);
		m->polled = polled; /* run them with the P we were handed */
		return true;
	}
	store_relaxed(&m->wake, M_ASLEEP);
	int64_t deadline = tsleep_until_publish_locked();
	bool timer_due =
		w != M_WAKE_RECHECK_TIMERS && deadline && nanotime() >= deadline;
	if (!timer_due && !polled) {
		spin_unlock(&goc__sched.lock);
		return false;
	}
	/* A timer is due or descriptors are ready: take an idle P, run them. */
	struct p *p = goc__pidle_get();
	if (!p) {
		/* Every P is busy; they fire their own timers. Look again soon. */
		if (timer_due)
			store_relaxed(&goc__sched.tsleep_until,
			              nanotime() + GOC_MILLISECOND);
		spin_unlock(&goc__sched.lock);
		goc__inject(NULL, polled, false);
		return false;
	}
	m->polled = polled;
	midle_remove(m);
	store_relaxed(&goc__sched.tsleeper, NULL);
	m_set_status(m, M_RUNNING);
	m->nextp = p;
	spin_unlock(&goc__sched.lock);
	return true;
}

/* Put m on the idle list, as the timer sleeper if there is none and a
 * timer to sleep for; under lock. Returns the timer sleeper if it must be
 * woken after unlocking (the P we gave up may have an earlier timer than
 * it sleeps for), else NULL. */
static struct m *midle_put_locked(struct m *m)
{
	m->schedlink = goc__sched.midle;
	goc__sched.midle = m;
	goc__sched.nmidle++;
	if (goc__sched.tsleeper) {
		m_set_status(m, M_IDLE);
		int64_t deadline = timers_deadline_locked();
		return deadline ? tsleeper_recheck_locked(deadline) : NULL;
	}
	/* Become the sleeper before looking at the timers: a timer added
	 * meanwhile then kicks us (goc__timers_wake). */
	store_relaxed(&goc__sched.tsleeper, m);
	m_set_status(m, M_TSLEEPER);
	/* (the fence in publish orders tsleeper before netpoll_waiters: a
	 * thread that starts to wait on a descriptor sees us, or we it) */
	if (!tsleep_until_publish_locked() && load_seq(&goc__netpoll_waiters) == 0)
		tsleeper_resign_locked(m);
	return NULL;
}

/* m was woken with a P (M_WAKE_WITH_P): make it m's. Under lock. */
void goc__m_take_nextp_locked(struct m *m)
{
	store_relaxed(&m->wake, M_ASLEEP);
	m->p = m->nextp;
	m->nextp = NULL;
	store_release(&m->p->m, m);
}

/* Take an idle P for m, which has none; false if there is none. */
bool goc__p_take_idle(struct m *m)
{
	spin_lock(&goc__sched.lock);
	struct p *p = goc__pidle_get();
	spin_unlock(&goc__sched.lock);
	if (!p)
		return false;
	m->p = p;
	store_release(&p->m, m);
	return true;
}

void goc__stopm(struct m *m)
{
	if (unlikely(goc__forked_child)) /* no thread is left to wake us */
		goc__fork_child_stuck(false);
	spin_lock(&goc__sched.lock);
	struct m *kick = midle_put_locked(m);
	goc__check_dead();
	spin_unlock(&goc__sched.lock);
	if (kick)
		tsleeper_wake(kick);
	for (;;) {
		if (load_acquire(&m->wake) == M_WAKE_WITH_P)
			break;
		if (m_status(m) == M_TSLEEPER) {
			if (tsleep(m, load_relaxed(&goc__sched.tsleep_until)))
				break;
		} else {
			goc__os_futex_wait(&m->wake, M_ASLEEP, -1);
			if (load_acquire(&m->wake) == M_WAKE_RECHECK_TIMERS)
				store_relaxed(&m->wake, M_ASLEEP);
		}
	}
	spin_lock(&goc__sched.lock);
	goc__m_take_nextp_locked(m);
	spin_unlock(&goc__sched.lock);
	goc__handoff_follow(m);
	m->contended = false;
	if (m->polled) {
		goc__inject(m, m->polled, false);
		m->polled = NULL;
	}
}

void goc__timers_wake(int64_t when, bool running)
{
	int64_t deadline = running ? when + BUSY_TIMER_GRACE : when;
	fence_seq(); /* our `first`, then tsleep_until: see tsleep_until_publish_locked */
	struct m *sleeper = load_relaxed(&goc__sched.tsleeper);
	if (sleeper) {
		if (deadline >= load_relaxed(&goc__sched.tsleep_until))
			return;
		spin_lock(&goc__sched.lock);
		struct m *kick = tsleeper_recheck_locked(deadline);
		spin_unlock(&goc__sched.lock);
		if (kick)
			tsleeper_wake(kick);
		return;
	}
	/* No sleeper. A running P fires the timer itself, or its M becomes
	 * the sleeper when it goes idle; for another P, an idle M, once
	 * woken, becomes one when it finds no work. */
	if (!running)
		goc__wakep();
}

/* ---- giving a P back ---------------------------------------------------- */

/* After giving up its P and spinning: is there work anywhere that was
 * added while we looked (a submitter that saw us spinning did not wake
 * anyone)? Then take an idle P back. */
static struct p *recheck_queues(void)
{
	bool work = load_seq(&goc__sched.gq_size) > 0;
	int32_t n = load_acquire(&goc__sched.nallp); /* see sched.c steal_work */
	for (int32_t i = 0; i < n && !work; i++) {
		struct p *v = load_acquire(&goc__sched.allp[i]);
		work = v && !goc__runq_empty(v);
	}
	if (!work)
		return NULL;
	spin_lock(&goc__sched.lock);
	struct p *p = goc__pidle_get();
	spin_unlock(&goc__sched.lock);
	return p;
}

bool goc__p_release(struct m *m)
{
	struct p *p = m->p;
	spin_lock(&goc__sched.lock);
	if (load_relaxed(&goc__sched.gq_size) != 0 || p_status(p) == P_RETIRING) {
		/* Work came to the global queue, or goc_maxprocs removed the P
		 * since we looked: look again (a retiring P must retire, never
		 * stay idle and marked). */
		spin_unlock(&goc__sched.lock);
		return false;
	}
	goc__pidle_put(p);
	m->p = NULL;
	spin_unlock(&goc__sched.lock);
	if (m_status(m) == M_SPINNING) {
		add_fetch(&goc__sched.nmspinning, -1);
		struct p *again = recheck_queues();
		if (again) {
			m->p = again;
			store_release(&again->m, m);
			add_fetch(&goc__sched.nmspinning, 1);
			return false; /* still spinning */
		}
	}
	return true; /* stopm takes it from spinning to idle */
}
