/*
 * proc.c — threads and processors: starting the runtime, creating Ms,
 * handing idle Ps to sleeping Ms (wakep/startm) and putting Ms to sleep
 * (stopm), resizing the set of Ps, and deadlock detection.
 *
 * Sleeping. An M with nothing to do parks on its futex word m->wake. At
 * most one idle M, the timer sleeper, sleeps with a timeout: until the
 * earliest timer of an idle P, or BUSY_TIMER_GRACE past the earliest of a
 * running P. A running P fires its own timers whenever it switches
 * goroutines; the sleeper steps in only for one stuck behind a goroutine
 * that computes. Waking for every timer of a running P instead costs a
 * wake-up, a P taken and given back, and lock traffic with that P, for
 * timers it fires itself a moment later: with a timer due every
 * microsecond, that churn cost more than everything else. A timer that
 * becomes the earliest kicks the timer sleeper so it sleeps less
 * (M_WAKE_RECHECK_TIMERS), and so does a P going idle with timers.
 *
 * Waking is the dearest thing a scheduler does (a system call, and another
 * core leaves its sleep), so wakep wakes one M, and only when there is an
 * idle P and no M already spinning: a spinning M will find the work, and
 * when it does, it wakes the next one if more may be needed.
 *
 * Deadlock. When the last M goes idle with no goroutine runnable, no
 * timer pending and no thread outside the runtime that could still call
 * into it, no goroutine can ever run again: Go's fatal error.
 */
#include "runtime.h"
#include "sanitizer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct sched goc__sched;
bool goc__runtime_started;

#define M_STACK_SIZE ((size_t)256 * 1024)

int goc__spawn_main(struct p *p, goc_func fn, void *arg) GOC_HIDDEN;
void goc__sysmon_start(void) GOC_HIDDEN;

/* ---- Ps --------------------------------------------------------------- */

static struct p *p_new(int32_t id)
{
	struct p *p = goc__mem_alloc_aligned(CACHE_LINE, sizeof *p);
	if (!p)
		goc__fatal("out of memory allocating a processor");
	p->id = id;
	p->status = P_IDLE;
	return p;
}

void goc__pidle_put(struct p *p)
{
	p->status = P_IDLE;
	p->m = NULL;
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
		p->status = P_RUNNING;
		add_fetch(&goc__sched.npidle, -1);
		goc__sysmon_kick(); /* something runs: sysmon watches again */
	}
	return p;
}

/* Take p off the idle list, wherever it is in it; under lock. */
static void pidle_remove(struct p *p)
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

int64_t goc__next_goid(struct p *p)
{
	if (unlikely(p->goid_next == p->goid_end)) {
		enum { BATCH = 16 };
		p->goid_next = fetch_add(&goc__sched.goid_gen, BATCH) + 1;
		p->goid_end = p->goid_next + BATCH;
	}
	return p->goid_next++;
}

/* ---- Ms --------------------------------------------------------------- */

static void m_init_thread(struct m *m)
{
	goc__setm(m);
	san_m_init(m);
	goc__os_thread_stack(&m->g0_stack_lo, &m->g0_stack_size);
	goc__signal_thread_init(m);
	m->rand = (uint32_t)m->id * 2654435761u + 1;
}

static struct m *m_alloc(void)
{
	struct m *m = goc__mem_alloc(sizeof *m);
	if (!m)
		goc__fatal("out of memory allocating a thread");
	return m;
}

struct m *goc__m_new_current(void)
{
	struct m *m = m_alloc();
	spin_lock(&goc__sched.lock);
	m->id = goc__sched.nm++;
	spin_unlock(&goc__sched.lock);
	m_init_thread(m);
	return m;
}

static void *m_main(void *arg)
{
	struct m *m = arg;
	m_init_thread(m);
	goc__os_thread_name("goc-m");
	spin_lock(&goc__sched.lock);
	m->p = m->nextp;
	m->nextp = NULL;
	m->p->m = m;
	spin_unlock(&goc__sched.lock);
	goc__schedule();
	return NULL;
}

/* Start a new thread that runs with p. */
static void newm(struct p *p, bool spinning)
{
	struct m *m = m_alloc();
	m->nextp = p;
	m->spinning = spinning;
	spin_lock(&goc__sched.lock);
	m->id = goc__sched.nm++;
	spin_unlock(&goc__sched.lock);
	int err = goc__os_thread_start(m_main, m, M_STACK_SIZE);
	if (err) {
		errno = err;
		perror("goc: cannot start a thread");
		goc__fatal("cannot start a thread for the scheduler");
	}
}

/* Take an idle M; prefer one that is not the timer sleeper. Under lock. */
static struct m *midle_get(void)
{
	struct m **link = &goc__sched.midle;
	if (*link && load_relaxed(&(*link)->timer_sleeper) && (*link)->schedlink)
		link = &(*link)->schedlink;
	struct m *m = *link;
	if (!m)
		return NULL;
	*link = m->schedlink;
	m->schedlink = NULL;
	goc__sched.nmidle--;
	if (load_relaxed(&m->timer_sleeper)) {
		store_relaxed(&m->timer_sleeper, false);
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
	struct m *m = midle_get();
	if (m) {
		m->nextp = p;
		m->spinning = spinning;
		store_release(&m->wake, M_WAKE_WITH_P);
	}
	spin_unlock(&goc__sched.lock);
	if (m)
		goc__futex_wake(&m->wake, 1);
	else
		newm(p, spinning);
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

#define BUSY_TIMER_GRACE (200 * GOC_MICROSECOND)

/* When the timer sleeper must wake: the earliest timer of an idle P, or
 * BUSY_TIMER_GRACE after that of a running one; 0: no timer at all. Under
 * sched.lock (p->status). */
static int64_t timers_deadline_locked(void)
{
	int64_t best = 0;
	int32_t n = load_acquire(&goc__sched.nallp);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		int64_t w = p ? load_relaxed(&p->timers.first) : 0;
		if (w && p->status == P_RUNNING)
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
		store_relaxed(&goc__sched.tsleep_until, deadline ? deadline : INT64_MAX);
		fence_seq();
		int64_t again = timers_deadline_locked();
		if (!again || (deadline && again >= deadline))
			return deadline;
	}
}

/* Make the timer sleeper, if any, look again at the timers if it would
 * sleep past deadline. Under sched.lock; returns the M to wake after
 * unlocking (NULL: none). */
static struct m *tsleeper_recheck_locked(int64_t deadline)
{
	struct m *sleeper = goc__sched.tsleeper;
	if (!sleeper || deadline >= goc__sched.tsleep_until)
		return NULL;
	store_relaxed(&goc__sched.tsleep_until, deadline);
	uint32_t asleep = M_ASLEEP;
	return cas(&sleeper->wake, &asleep, M_WAKE_RECHECK_TIMERS) ? sleeper : NULL;
}

/* Sleep as the timer sleeper until `until` or a kick. Returns true when
 * handed a P. */
static bool tsleep(struct m *m, int64_t until)
{
	int64_t left = until - nanotime();
	if (left > 0)
		goc__futex_wait(&m->wake, M_ASLEEP, left);
	spin_lock(&goc__sched.lock);
	uint32_t w = load_acquire(&m->wake);
	if (w == M_WAKE_WITH_P) {
		spin_unlock(&goc__sched.lock);
		return true;
	}
	store_relaxed(&m->wake, M_ASLEEP);
	int64_t deadline = tsleep_until_publish_locked();
	if (w == M_WAKE_RECHECK_TIMERS || !deadline || nanotime() < deadline) {
		spin_unlock(&goc__sched.lock);
		return false;
	}
	/* A timer is due: take an idle P and run it. */
	struct p *p = goc__pidle_get();
	if (!p) {
		/* Every P is busy; they fire their own timers. Look again soon. */
		store_relaxed(&goc__sched.tsleep_until, nanotime() + GOC_MILLISECOND);
		spin_unlock(&goc__sched.lock);
		return false;
	}
	midle_remove(m);
	store_relaxed(&m->timer_sleeper, false);
	store_relaxed(&goc__sched.tsleeper, NULL);
	m->nextp = p;
	spin_unlock(&goc__sched.lock);
	return true;
}

void goc__stopm(struct m *m)
{
	spin_lock(&goc__sched.lock);
	m->schedlink = goc__sched.midle;
	goc__sched.midle = m;
	goc__sched.nmidle++;
	goc__check_dead();
	struct m *kick = NULL;
	if (!goc__sched.tsleeper) {
		/* Become the sleeper before looking at the timers: a timer added
		 * meanwhile then kicks us (goc__timers_wake). */
		store_relaxed(&goc__sched.tsleeper, m);
		store_relaxed(&m->timer_sleeper, true);
		if (!tsleep_until_publish_locked()) {
			store_relaxed(&goc__sched.tsleeper, NULL);
			store_relaxed(&m->timer_sleeper, false);
		}
	} else { /* the P we gave up may have timers */
		int64_t deadline = timers_deadline_locked();
		if (deadline)
			kick = tsleeper_recheck_locked(deadline);
	}
	spin_unlock(&goc__sched.lock);
	if (kick)
		goc__futex_wake(&kick->wake, 1);
	for (;;) {
		if (load_acquire(&m->wake) == M_WAKE_WITH_P)
			break;
		if (load_relaxed(&m->timer_sleeper)) {
			if (tsleep(m, load_relaxed(&goc__sched.tsleep_until)))
				break;
		} else {
			goc__futex_wait(&m->wake, M_ASLEEP, -1);
			if (load_acquire(&m->wake) == M_WAKE_RECHECK_TIMERS)
				store_relaxed(&m->wake, M_ASLEEP);
		}
	}
	spin_lock(&goc__sched.lock);
	store_relaxed(&m->wake, M_ASLEEP);
	m->p = m->nextp;
	m->nextp = NULL;
	m->p->m = m;
	spin_unlock(&goc__sched.lock);
	m->contended = false;
}

/* A timer at `when` became the earliest of its P, which is running
 * (the caller runs on it) or may be idle: make sure someone wakes for it. */
void goc__timers_wake(int64_t when, bool running) GOC_HIDDEN;
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
			goc__futex_wake(&kick->wake, 1);
		return;
	}
	/* No sleeper. A running P fires the timer itself, or its M becomes
	 * the sleeper when it goes idle; for another P, an idle M, once
	 * woken, becomes one when it finds no work. */
	if (!running)
		goc__wakep();
}

/* ---- processors: resizing ---------------------------------------------- */

/* Called by the M holding a P marked for retirement (goc_maxprocs shrank
 * the set): hand its work to others, then give it up. */
void goc__p_retire(struct m *m)
{
	struct p *p = m->p;
	struct g *next = xchg(&p->runnext, NULL);
	if (next)
		goc__globq_put(&next->node);
	for (struct gnode *node; (node = goc__runq_pop(p));)
		goc__globq_put(node);
	goc__timers_move(p, goc__sched.allp[0]);
	goc__stack_cache_flush(p);
	spin_lock(&goc__sched.lock);
	if (load_relaxed(&p->retire)) { /* not re-enabled meanwhile */
		store_relaxed(&p->retire, 0);
		p->status = P_DEAD;
		p->m = NULL;
		m->p = NULL;
		add_fetch(&goc__sched.retiring, -1);
	}
	spin_unlock(&goc__sched.lock);
	if (load_relaxed(&goc__sched.gq_size) > 0)
		goc__wakep();
}

static int default_procs(void)
{
	const char *env = getenv("GOC_MAXPROCS");
	if (env && *env) {
		long n = strtol(env, NULL, 10);
		if (n > 0)
			return n > GOC_MAXPROCS_MAX ? GOC_MAXPROCS_MAX : (int)n;
	}
	int n = goc__os_ncpu();
	return n > GOC_MAXPROCS_MAX ? GOC_MAXPROCS_MAX : n;
}

/* Wait until every P being removed has been given up. The caller's own P
 * may be one: a yield takes it through the scheduler, which retires it. */
static void wait_retired(void)
{
	while (load_acquire(&goc__sched.retiring) > 0) {
		if (goc__getg())
			goc_yield();
		if (load_acquire(&goc__sched.retiring) == 0)
			break;
		if (goc__getg())
			goc_sleep(20 * GOC_MICROSECOND);
		else
			goc__os_sleep(20 * GOC_MICROSECOND);
	}
}

/* Grow to n Ps; under lock. */
static void procs_grow(int32_t old, int32_t n)
{
	for (int32_t i = old; i < n; i++) {
		struct p *p = goc__sched.allp[i];
		if (!p) {
			p = p_new(i);
			store_release(&goc__sched.allp[i], p);
			store_release(&goc__sched.nallp, i + 1);
			goc__pidle_put(p);
		} else if (load_relaxed(&p->retire)) { /* still running: keep it */
			store_relaxed(&p->retire, 0);
			add_fetch(&goc__sched.retiring, -1);
		} else if (p->status == P_DEAD) {
			goc__pidle_put(p);
		}
	}
	store_release(&goc__sched.nprocs, n);
}

/* Shrink to n Ps; under lock. Idle Ps leave now — they are listed in
 * dead[] for procs_drain to hand on their timers and stacks once the lock
 * is released — and running ones when their M next schedules. Returns the
 * number listed. */
static int32_t procs_shrink(int32_t old, int32_t n, struct p **dead)
{
	int32_t ndead = 0;
	store_release(&goc__sched.nprocs, n);
	for (int32_t i = n; i < old; i++) {
		struct p *p = goc__sched.allp[i];
		if (p->status == P_IDLE) {
			pidle_remove(p);
			p->status = P_DEAD;
			dead[ndead++] = p;
		} else if (p->status == P_RUNNING) {
			store_relaxed(&p->retire, 1);
			add_fetch(&goc__sched.retiring, 1);
		}
	}
	return ndead;
}

static void procs_drain(struct p **dead, int32_t ndead)
{
	for (int32_t i = 0; i < ndead; i++) {
		goc__timers_move(dead[i], goc__sched.allp[0]);
		goc__stack_cache_flush(dead[i]);
	}
}

GOC_API int goc_maxprocs(int n)
{
	/* One resize at a time: a P that died idle is drained below, and must
	 * not come back to life meanwhile. */
	static goc_mutex resizing;
	runtime_ensure();
	if (n <= 0)
		return load_acquire(&goc__sched.nprocs);
	if (n > GOC_MAXPROCS_MAX)
		n = GOC_MAXPROCS_MAX;
	static struct p *dead[GOC_MAXPROCS_MAX]; /* under resizing */
	goc_mutex_lock(&resizing);
	spin_lock(&goc__sched.lock);
	int32_t old = goc__sched.nprocs, ndead = 0;
	if (n > old)
		procs_grow(old, n);
	else if (n < old)
		ndead = procs_shrink(old, n, dead);
	spin_unlock(&goc__sched.lock);
	if (n > old) {
		for (int i = old; i < n && load_relaxed(&goc__sched.gq_size) > 0; i++)
			goc__startm(NULL, false);
	} else if (n < old) {
		procs_drain(dead, ndead);
		wait_retired();
	}
	goc_mutex_unlock(&resizing);
	return old;
}

/* ---- counting and deadlock --------------------------------------------- */

GOC_API int64_t goc_numgoroutine(void)
{
	int64_t n = load_relaxed(&goc__sched.ext_spawned);
	int32_t np = load_acquire(&goc__sched.nallp);
	for (int32_t i = 0; i < np; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		if (p)
			n += load_relaxed(&p->nspawned) - load_relaxed(&p->nexited);
	}
	return n < 0 ? 0 : n;
}

#ifndef GOC_SANITIZER_THREADS
#define GOC_SANITIZER_THREADS 0 /* helper threads a sanitizer runtime adds */
#endif

void goc__check_dead(void)
{
	if (goc__sched.nmidle != goc__sched.nm ||
	    load_relaxed(&goc__sched.npidle) != load_relaxed(&goc__sched.nprocs) ||
	    load_relaxed(&goc__sched.gq_size) != 0 ||
	    load_relaxed(&goc__sched.retiring) != 0 || goc__timers_earliest())
		return;
	/* Any other thread might still call into goc and wake someone. */
	int ours = goc__sched.nm + 1 /* sysmon */ +
	           load_relaxed(&goc__sched.nthread_blocked) + GOC_SANITIZER_THREADS;
	if (goc__os_thread_count() != ours)
		return;
	if (load_relaxed(&goc__sched.main_exited) && goc_numgoroutine() == 0)
		goc__fatal("no goroutines (main called goc_exit) - deadlock!");
	goc__fatal("all goroutines are asleep - deadlock!");
}

/* ---- start ------------------------------------------------------------- */

static void runtime_init(void)
{
	int n = default_procs();
	goc__sched.goid_gen = 1; /* id 1 is the main goroutine's */
	for (int32_t i = 0; i < n; i++) {
		store_release(&goc__sched.allp[i], p_new(i));
		goc__pidle_put(goc__sched.allp[i]);
	}
	store_release(&goc__sched.nallp, n);
	store_release(&goc__sched.nprocs, n);
	goc__signal_init();
	goc__sysmon_start();
	store_release(&goc__runtime_started, true);
}

void goc__runtime_start(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, runtime_init);
}

struct main_args {
	int (*fn)(int, char **);
	int argc;
	char **argv;
};

static void main_body(void *arg)
{
	struct main_args *a = arg;
	exit(a->fn(a->argc, a->argv));
}

GOC_API int goc_main(int (*fn)(int argc, char **argv), int argc, char **argv)
{
	static struct main_args args;
	if (goc__getm())
		goc__fatal("goc_main called from a goroutine");
	runtime_ensure();
	bool was = false;
	if (!cas(&goc__sched.main_started, &was, true))
		goc__fatal("goc_main called twice");
	args = (struct main_args){fn, argc, argv};
	struct m *m = goc__m_new_current();
	spin_lock(&goc__sched.lock);
	struct p *p = goc__pidle_get();
	if (p) {
		m->p = p;
		p->m = m;
	}
	spin_unlock(&goc__sched.lock);
	if (goc__spawn_main(m->p, main_body, &args) != 0)
		goc__fatal("cannot allocate the main goroutine's stack");
	if (!m->p)
		goc__stopm(m);
	goc__schedule();
	return 0;
}
