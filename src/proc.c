/*
 * proc.c — threads and processors: starting the runtime and goc_main,
 * creating Ms and Ps, resizing the set of Ps, counting goroutines, and
 * deadlock detection. How idle Ps and Ms meet is idle.c's.
 *
 * Resizing. Growing makes Ps (never freed: other threads read allp
 * without a lock) or revives dead ones. Shrinking kills idle Ps at once
 * and marks running ones P_RETIRING; each leaves when its M next
 * schedules (p_retire), handing its goroutines, timers and stacks on. The
 * resizer parks until the last one has left, readied by it: no polling.
 *
 * Deadlock. When the last M goes idle with no goroutine runnable, no
 * timer pending and no thread outside the runtime that could still call
 * into it, no goroutine can ever run again: Go's fatal error, followed
 * by the goroutines and what each waits for.
 */
#include "runtime.h"
#include "netpoll.h"
#include "sanitizer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct sched goc__sched;
bool goc__runtime_started;

#define M_STACK_SIZE ((size_t)256 * 1024)

/* ---- Ps --------------------------------------------------------------- */

static struct p *p_new(int32_t id)
{
	struct p *p = goc__mem_alloc_aligned(CACHE_LINE, sizeof *p);
	if (!p)
		goc__fatal("out of memory allocating a processor");
	p->id = id;
	p->status = P_DEAD; /* until the set of Ps grows over it */
	return p;
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
	goc__gc_thread_init(m);
	goc__signal_thread_init(m);
	store_relaxed(&m->tid, goc__os_thread_id());
	m->rand = (uint32_t)m->id * 2654435761u + 1;
}

/* Ms are never freed: sysmon walks them all (sched.allm). */
static struct m *m_alloc(void)
{
	struct m *m = goc__mem_alloc(sizeof *m);
	if (!m)
		goc__fatal("out of memory allocating a thread");
	spin_lock(&goc__sched.lock);
	m->alllink = goc__sched.allm;
	store_release(&goc__sched.allm, m);
	spin_unlock(&goc__sched.lock);
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
	store_release(&m->p->m, m);
	spin_unlock(&goc__sched.lock);
	goc__schedule();
	return NULL;
}

/* Start a new thread that runs with p. */
void goc__newm(struct p *p, bool spinning)
{
	struct m *m = m_alloc();
	m->nextp = p;
	m->status = spinning ? M_SPINNING : M_RUNNING; /* born so: no transition */
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

/* ---- processors: resizing ---------------------------------------------- */

/* The resizer waiting for retiring Ps (wait_retired), under resize_lock:
 * a leaf, taken after sched.lock is released. */
static spinlock resize_lock;
static struct g *resize_waiter;

static void resize_waiter_ready(void)
{
	spin_lock(&resize_lock);
	struct g *w = resize_waiter;
	resize_waiter = NULL;
	spin_unlock(&resize_lock);
	if (w)
		goc__ready(w, false);
}

static void unlock_resize(void *arg)
{
	(void)arg;
	spin_unlock(&resize_lock);
}

/* Park until every P being removed has been given up; the last one to go
 * readies us. The caller's own P may be one: parking takes it through the
 * scheduler, which retires it. */
static void wait_retired(void)
{
	spin_lock(&resize_lock);
	if (load_acquire(&goc__sched.retiring) == 0) {
		spin_unlock(&resize_lock);
		return;
	}
	resize_waiter = goc__waiter_self();
	goc__park(unlock_resize, NULL, WAIT_MAXPROCS);
}

/* A P leaving the set hands on its goroutines, timers and cached
 * stacks. */
static void p_drain(struct p *p)
{
	struct g *next = xchg(&p->runnext, NULL);
	if (next)
		goc__globq_put(&next->node);
	for (struct gnode *node; (node = goc__runq_pop(p));)
		goc__globq_put(node);
	goc__timers_move(p, goc__sched.allp[0]);
	goc__stack_cache_flush(p);
}

/* Called by the M holding a P marked for retirement (goc_maxprocs shrank
 * the set): hand its work to others, then give it up. */
void goc__p_retire(struct m *m)
{
	struct p *p = m->p;
	p_drain(p);
	spin_lock(&goc__sched.lock);
	bool last = false;
	if (p_status(p) == P_RETIRING) { /* not re-enabled meanwhile */
		p_set_status(p, P_DEAD);
		store_relaxed(&p->m, NULL);
		m->p = NULL;
		last = add_fetch(&goc__sched.retiring, -1) == 0;
	}
	spin_unlock(&goc__sched.lock);
	if (last)
		resize_waiter_ready();
	if (load_relaxed(&goc__sched.gq_size) > 0)
		goc__wakep();
}

/* A retiring P that preemption took from its M (preempt.c): sysmon
 * retires it in the M's stead. */
void goc__p_retire_detached(struct p *p)
{
	if (!p_cas_status(p, P_SYSCALL, P_DEAD))
		return;
	p_drain(p);
	if (add_fetch(&goc__sched.retiring, -1) == 0)
		resize_waiter_ready();
	if (load_relaxed(&goc__sched.gq_size) > 0)
		goc__wakep();
}

/* GOC_MAXPROCS as Go reads GOMAXPROCS: a positive decimal that fits in
 * 32 bits, or it is ignored (0). */
static int32_t env_procs(void)
{
	const char *env = getenv("GOC_MAXPROCS");
	if (!env || !*env)
		return 0;
	int64_t n = 0;
	for (const char *c = env; *c; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		n = n * 10 + (*c - '0');
		if (n > INT32_MAX)
			return 0;
	}
	return (int32_t)n;
}

static int default_procs(void)
{
	int32_t want = env_procs();
	if (want > 0)
		return want > GOC_MAXPROCS_MAX ? GOC_MAXPROCS_MAX : (int)want;
	int n = goc__os_ncpu();
	return n > GOC_MAXPROCS_MAX ? GOC_MAXPROCS_MAX : n;
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
		} else if (p_status(p) == P_RETIRING) { /* still running: keep it */
			p_set_status(p, P_RUNNING);
			add_fetch(&goc__sched.retiring, -1);
		} else if (p_status(p) == P_DEAD) {
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
		if (p_status(p) == P_IDLE) {
			goc__pidle_remove(p);
			p_set_status(p, P_DEAD);
			dead[ndead++] = p;
		} else if (p_cas_status(p, P_RUNNING, P_RETIRING)) {
			add_fetch(&goc__sched.retiring, 1);
		} else if (p_cas_status(p, P_SYSCALL, P_DEAD)) {
			/* Its M is in a system call: take it now (syscall.c);
			 * the M finds it gone when it comes back. */
			dead[ndead++] = p;
		}
	}
	return ndead;
}

static void procs_drain(struct p **dead, int32_t ndead)
{
	for (int32_t i = 0; i < ndead; i++)
		p_drain(dead[i]);
}

GOC_API int goc_maxprocs(int n)
{
	/* One resize at a time (a binary semaphore): a P that died idle is
	 * drained below, and must not come back to life meanwhile. */
	static uint32_t resizing = 1;
	runtime_ensure();
	if (n <= 0)
		return load_acquire(&goc__sched.nprocs);
	if (n > GOC_MAXPROCS_MAX)
		n = GOC_MAXPROCS_MAX;
	static struct p *dead[GOC_MAXPROCS_MAX]; /* under resizing */
	goc__semacquire(&resizing, WAIT_MAXPROCS, false);
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
		if (load_relaxed(&goc__sched.gq_size) > 0)
			goc__wakep();
		wait_retired();
	}
	goc__semrelease(&resizing, false);
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
	if (goc__sched.nmidle + goc__sched.nmidlelocked != goc__sched.nm ||
	    load_relaxed(&goc__sched.npidle) != load_relaxed(&goc__sched.nprocs) ||
	    load_relaxed(&goc__sched.gq_size) != 0 ||
	    load_relaxed(&goc__sched.retiring) != 0 || goc__timers_earliest() ||
	    load_seq(&goc__netpoll_waiters) != 0)
		return;
	/* Any other thread might still call into goc and wake someone. The
	 * thread count is read from /proc, which takes tens of microseconds:
	 * a plain thread may meanwhile wake a blocked one and exit, leaving
	 * a stale blocked count that matches the shrunken thread count. So
	 * the snapshot counts only if no thread was woken while it was taken
	 * (thread_wakes, bumped by goc__ready after it uncounts one: a wake
	 * that our first read of it misses is seen by the second). */
	uint64_t wakes = load_seq(&goc__sched.thread_wakes);
	int ours = goc__sched.nm + 1 /* sysmon */ +
	           load_seq(&goc__sched.nthread_blocked) + GOC_SANITIZER_THREADS;
	if (goc__os_thread_count() != ours ||
	    load_seq(&goc__sched.thread_wakes) != wakes)
		return;
	if (load_relaxed(&goc__sched.main_exited) && goc_numgoroutine() == 0)
		goc__fatal("no goroutines (main called goc_exit) - deadlock!");
	goc__fatal_dump("all goroutines are asleep - deadlock!");
}

/* ---- start ------------------------------------------------------------- */

/* Under start_lock. Each step is done once; a start that failed for want
 * of a thread is tried again by the next caller. */
static bool runtime_init_locked(void)
{
	static bool procs_made;
	if (!procs_made) {
		int n = default_procs();
		goc__sched.goid_gen = 1; /* id 1 is the main goroutine's */
		for (int32_t i = 0; i < n; i++) {
			store_release(&goc__sched.allp[i], p_new(i));
			goc__pidle_put(goc__sched.allp[i]);
		}
		store_release(&goc__sched.nallp, n);
		store_release(&goc__sched.nprocs, n);
		goc__signal_init();
		goc__preempt_init();
		goc__netpoll_init();
		goc__leak_roots_init();
		goc__fork_init();
		procs_made = true;
	}
	if (goc__sysmon_start() != 0)
		return false;
	store_release(&goc__runtime_started, true);
	return true;
}

bool goc__runtime_try_start(void)
{
	static spinlock start_lock;
	spin_lock(&start_lock);
	bool ok = load_acquire(&goc__runtime_started) || runtime_init_locked();
	spin_unlock(&start_lock);
	return ok;
}

void goc__runtime_start(void)
{
	if (!goc__runtime_try_start())
		goc__fatal("cannot start the system monitor thread");
}

struct main_args {
	int (*fn)(int, char **);
	int argc;
	char **argv;
	int status; /* what fn returned; 0 if a panic in it was recovered */
};

static struct main_args main_args;

/* The main goroutine's function; its frame's deferred calls run when it
 * returns, then goc__main_exit ends the program. */
static void main_body(void *arg)
{
	struct main_args *a = arg;
	a->status = a->fn(a->argc, a->argv);
}

void goc__main_exit(void) { exit(main_args.status); }

GOC_API int goc_main(int (*fn)(int argc, char **argv), int argc, char **argv)
{
	if (goc__getm())
		goc__fatal("goc_main called from a goroutine");
	runtime_ensure();
	bool was = false;
	if (!cas(&goc__sched.main_started, &was, true))
		goc__fatal("goc_main called twice");
	main_args = (struct main_args){fn, argc, argv, 0};
	struct m *m = goc__m_new_current();
	m->main_thread = true;
	spin_lock(&goc__sched.lock);
	struct p *p = goc__pidle_get();
	if (p) {
		m->p = p;
		store_release(&p->m, m);
	}
	spin_unlock(&goc__sched.lock);
	if (goc__spawn_main(m->p, main_body, &main_args) != 0)
		goc__fatal("cannot allocate the main goroutine's stack");
	if (!m->p)
		goc__stopm(m);
	goc__schedule();
	return 0;
}
