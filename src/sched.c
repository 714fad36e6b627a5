/*
 * sched.c — running goroutines: spawn, switch, park and ready, exit, and
 * the scheduling loop with work stealing.
 *
 * Switching. A goroutine that stops running (park, yield, exit) switches
 * straight to the next goroutine of its P when there is one (its queues,
 * then the global queue, where g0 would look next), and to its M's g0
 * (the thread's own stack, which runs find_runnable) only when there is
 * none: a hand-off between two goroutines is one switch. Whatever
 * must happen once the old goroutine is off its stack — unlock the queue
 * it waits in, requeue it, free its stack — is left in m->after and run
 * by finish_switch in the resumed context. Until then no other thread can
 * find the old goroutine, so nothing runs on a stack twice.
 *
 * Ready. A goroutine made ready by the running one (a channel hand-off,
 * an unlock) goes to the P's runnext slot and runs next, in the readier's
 * time slice: a ping-pong stays on one P with no thread woken. If runnext
 * was taken, its previous occupant moves to the deque. New goroutines go
 * to the deque too. Neither wakes a thread: the running goroutine usually
 * blocks soon, and spreading goroutines that talk to each other over cores
 * costs more than it gains. sysmon moves what should move (work stuck
 * behind a goroutine that keeps running, CPU-bound goroutines); see
 * sysmon.c. Goroutines woken by timers, close or broadcast, and work from
 * threads without a P, do wake an idle P (wakep).
 *
 * Fairness. Every 61st schedule of a P takes from the global queue first;
 * after 16 runnext goroutines in a row the deque gets a turn; and once per
 * time slice (sysmon sets p->fair_due every 10 ms) a P takes its own
 * oldest goroutine instead of the newest, so nothing waits forever behind
 * a stream of new work — without turning a depth-first spawn tree
 * breadth-first, which a per-count rule would.
 *
 * Finding work (g0 only): own P, global queue, timers, stealing from
 * other Ps (spinning, one goroutine per steal), then the P goes idle and
 * the M sleeps. An M whose stolen goroutine at once parked on a mutex
 * stops stealing until it is woken again (m->contended): the goroutines
 * it would move all want the lock held on the other core, and moving them
 * only turns a mutex that one core uses freely into a contended one. The
 * protocol against lost wake-ups is Go's: a spinning M gives up spinning
 * (seq-cst decrement of nmspinning) and then looks at every queue again;
 * a submitter adds work and then checks nmspinning. Work added by a
 * running P that nobody saw stays on that P, which is running and will
 * get to it.
 */
#include "runtime.h"
#include "arch/context.h"
#include "frame.h"
#include "netpoll.h"
#include "sanitizer.h"

#include <errno.h>
#include <stdlib.h>

static __thread struct m *tls_m __attribute__((tls_model("initial-exec")));

#if defined(__clang__)
#define NOINLINE_NOIPA __attribute__((noinline))
#else
#define NOINLINE_NOIPA __attribute__((noinline, noipa))
#endif

GOC_LOCK_TEXT NOINLINE_NOIPA struct m *goc__getm(void) { return tls_m; }
NOINLINE_NOIPA void goc__setm(struct m *m) { tls_m = m; }

#define FAIRNESS_TICKS 61
#define RUNNEXT_STREAK 16

/* ---- switching -------------------------------------------------------- */

static inline void check_timers(struct p *p)
{
	int64_t first = load_relaxed(&p->timers.first);
	if (unlikely(first != 0)) {
		int64_t now = nanotime();
		if (first <= now)
			goc__timers_run(p, now);
	}
}

/* First thing in every resumed context: finish the sanitizer switch, run
 * the switched-away goroutine's pending action, fire due timers. Returns
 * m, the M we are on now: whoever switched to a goroutine set its g->m
 * first, and g0 never leaves its M. */
static struct m *finish_switch(struct m *m)
{
	san_switch_end(m, m->curg);
	after_switch_fn after = m->after;
	if (after) {
		m->after = NULL;
		after(m, m->after_g, m->after_arg);
	}
	if (likely(m->p))
		check_timers(m->p);
	preempt_enable(m); /* taken by whoever switched to us */
	return m;
}

/* Leave the running goroutine cur for next (NULL: the M's g0). Returns
 * when cur runs again, possibly on another M. */
static struct m *switch_from(struct m *m, struct g *cur, struct g *next,
                             after_switch_fn after, void *arg, bool dying)
{
	/* No guard page stops cur: has it run past its stack? (stack.c) */
	if (unlikely(cur->canary) && (char *)__builtin_frame_address(0) < cur->stack_lo)
		goc__stack_overflow(cur);
	m->after = after;
	m->after_g = cur;
	m->after_arg = arg;
	cur->m = NULL;
	m->curg = next;
	san_switch_begin(m, cur, next, dying);
	if (next) {
		next->m = m;
		g_set_status(next, G_RUNNING);
		goc__unwind_cur = &next->unwind;
		goc__ctx_switch(&cur->sp, next->sp);
	} else {
		goc__unwind_cur = NULL;
		goc__ctx_switch(&cur->sp, m->g0_sp);
	}
	return finish_switch(cur->m);
}

/* The next goroutine of p without leaving the P: runnext, then the deque,
 * with the fairness ticks. NULL: go to g0 and look further. */
static struct gnode *runq_get_local(struct p *p)
{
	uint64_t tick = p->schedtick + 1;
	store_relaxed(&p->schedtick, tick); /* sysmon reads it */
	if (unlikely(tick % FAIRNESS_TICKS == 0) &&
	    load_relaxed(&goc__sched.gq_size) > 0) {
		spin_lock(&goc__sched.lock);
		struct gnode *node = goc__globq_get_locked();
		spin_unlock(&goc__sched.lock);
		if (node)
			return node;
	}
	/* runnext first, but not forever: a pair handing off to each other
	 * through it would keep the deque waiting. */
	if (p->runnext_streak < RUNNEXT_STREAK ||
	    load_relaxed(&p->runq.bottom) <= load_relaxed(&p->runq.top)) {
		struct g *g = xchg(&p->runnext, NULL);
		if (g) {
			p->runnext_streak++;
			return &g->node;
		}
	}
	p->runnext_streak = 0;
	if (unlikely(load_relaxed(&p->fair_due))) {
		store_relaxed(&p->fair_due, 0);
		struct gnode *node = goc__runq_steal(p); /* our own oldest */
		if (node)
			return node;
	}
	return goc__runq_pop(p);
}

static struct g *g_start(struct p *p, struct gspawn *s);
static struct gnode *globq_take(struct p *p);

/* The goroutine a queue entry stands for, started if it has not run. */
static inline struct g *g_of(struct p *p, struct gnode *node)
{
	if (likely(node->kind == NODE_G))
		return (struct g *)node;
	return g_start(p, (struct gspawn *)node);
}

/* The running goroutine cur stops; run the P's next goroutine. */
GOC_LOCK_TEXT static struct m *
schedule_from(struct m *m, struct g *cur, after_switch_fn after, void *arg, bool dying)
{
	preempt_disable(m); /* released in the resumed context */
	struct p *p = m->p;
	struct g *next = NULL;
	m->ran_stolen = false;
	/* No P: preemption took it (preempt.c); g0 gets one. A locked M
	 * runs no other goroutine, and one locked elsewhere goes to its M:
	 * g0 sees to both (lock.c). */
	if (likely(p) && likely(p_status(p) != P_RETIRING) && likely(!m->lockedg)) {
		struct gnode *node = runq_get_local(p);
		if (!node) /* where g0 would look next: spare the trip there */
			node = globq_take(p);
		if (node) {
			next = g_of(p, node);
			if (unlikely(next->lockedm)) {
				m->handoff_g = next;
				next = NULL;
			}
		}
	}
	return switch_from(m, cur, next, after, arg, dying);
}

void goc__switch_to_g0(struct m *m, struct g *cur, after_switch_fn after)
{
	preempt_disable(m);
	switch_from(m, cur, NULL, after, NULL, false);
}

/* On g0: run g until it gives the M back. */
static void execute(struct m *m, struct g *g)
{
	preempt_disable(m);
	m->curg = g;
	g->m = m;
	g_set_status(g, G_RUNNING);
	san_switch_begin(m, NULL, g, false);
	goc__unwind_cur = &g->unwind;
	goc__ctx_switch(&m->g0_sp, g->sp);
	finish_switch(m);
	/* A goroutine that computed without a P (preempt.c) has switched
	 * away: this thread's next one has a P. Cleared here, on g0, where
	 * every switch of a goroutine without a P comes. */
	store_relaxed(&m->preempt_pless, 0);
}

/* ---- after-switch actions ---------------------------------------------- */

static void after_park(struct m *m, struct g *prev, void *arg)
{
	(void)prev;
	if (m->after_unlock)
		m->after_unlock(arg);
}

static void after_yield(struct m *m, struct g *prev, void *arg)
{
	(void)m, (void)arg;
	g_set_status(prev, G_RUNNABLE);
	goc__globq_put(&prev->node);
	goc__wakep();
}

/* Counted here, where the P is held anyway, not in goexit. */
static void after_exit(struct m *m, struct g *prev, void *arg)
{
	(void)arg;
	struct p *p = m->p;
	if (likely(p))
		store_relaxed(&p->nexited, p->nexited + 1);
	else /* preempted off its P: counted apart (goc_numgoroutine) */
		add_fetch(&goc__sched.ext_spawned, -1);
	san_g_destroy(prev);
	goc__stack_free(p, prev);
}

/* ---- park and ready --------------------------------------------------- */

static __thread struct g thread_waiter;

/* In the lock section: a channel's waiter calls it with the lock held,
 * as it does park, up to schedule_from's preempt_disable. */
GOC_LOCK_TEXT struct g *goc__waiter_self(void)
{
	struct m *m = goc__getm();
	if (m && m->curg)
		return m->curg;
	thread_waiter.is_thread = 1;
	return &thread_waiter;
}

/* A thread that is not running a goroutine waits on its futex word. It
 * counts as blocked (for deadlock detection) once its unlock callback has
 * run (which may arm a deadline timer), until a waker readies it: the
 * waker uncounts it, so a thread that is woken but not yet running is
 * never taken for a blocked one. A waker may come first; the count then
 * dips below zero for a moment, which only makes the detector wait. */
static void thread_park(struct g *self, void (*unlock)(void *), void *arg)
{
	if (unlikely(goc__forked_child)) /* no M of ours is left to wake it */
		goc__fork_child_stuck(false);
	if (unlock)
		unlock(arg);
	add_fetch(&goc__sched.nthread_blocked, 1);
	/* If every M is idle already, no one else will look: we might be the
	 * last hope of the program, and blocked. */
	if (load_acquire(&goc__runtime_started)) {
		spin_lock(&goc__sched.lock);
		goc__check_dead();
		spin_unlock(&goc__sched.lock);
	}
	while (load_acquire(&self->wake) == 0)
		goc__os_futex_wait(&self->wake, 0, -1);
	store_relaxed(&self->wake, 0);
}

GOC_LOCK_TEXT void goc__park(void (*unlock)(void *), void *arg, enum wait_reason r)
{
	goc__park_self(goc__waiter_self(), unlock, arg, r);
}

GOC_LOCK_TEXT void goc__park_self(struct g *self, void (*unlock)(void *), void *arg,
                                  enum wait_reason r)
{
	if (self->is_thread) {
		thread_park(self, unlock, arg);
		return;
	}
	struct m *m = self->m; /* the M running it: no thread-local to read */
	self->wait_reason = (uint8_t)r;
	self->wait_since = load_relaxed(&goc__coarse_now);
	g_set_status(self, G_WAITING);
	m->after_unlock = unlock;
	schedule_from(m, self, after_park, arg, false);
	self->wait_reason = WAIT_NONE;
}

/* A thief whose stolen goroutine at once parks on a lock stole it from
 * the lock's holder, probably: stop stealing until woken with a P, and
 * pause sysmon's rescues for a time slice (find_runnable, sysmon.c). */
void goc__park_on_lock(void)
{
	struct m *m = goc__getm();
	if (m && unlikely(m->ran_stolen)) {
		m->contended = true;
		store_relaxed(&goc__sched.rescue_quiet_until,
		              nanotime() + 10 * GOC_MILLISECOND);
	}
}

/* Spin only if it can pay off: more than one P, others busy (the owner
 * may be running), and nothing else waiting to run on ours. */
bool goc__can_spin(int iter)
{
	enum { SPIN_ITERATIONS = 4 };
	if (iter >= SPIN_ITERATIONS)
		return false;
	struct m *m = goc__getm();
	/* Read once: preemption may take the P meanwhile (preempt.c's
	 * detach_p, from this thread's signal handler); a P is never freed,
	 * so a look at the one we had is harmless. */
	struct p *p = m ? load_relaxed(&m->p) : NULL;
	if (!p || !m->curg)
		return false;
	int32_t procs = load_relaxed(&goc__sched.nprocs);
	if (procs <= 1 || procs <= load_relaxed(&goc__sched.npidle) +
	                                   load_relaxed(&goc__sched.nmspinning) + 1)
		return false;
	return goc__runq_empty(p);
}

void goc__ready(struct g *g, bool next)
{
	if (g->is_thread) {
		add_fetch(&goc__sched.nthread_blocked, -1);
		add_fetch(&goc__sched.thread_wakes, 1); /* after: see goc__check_dead */
		store_release(&g->wake, 1);
		goc__os_futex_wake(&g->wake, 1);
		return;
	}
	g_set_status(g, G_RUNNABLE);
	struct m *m = goc__getm();
	if (m)
		preempt_disable(m); /* we use its P */
	struct p *p = m ? m->p : NULL;
	if (!p) {
		goc__globq_put(&g->node);
		fence_seq(); /* the queue, then nmspinning: see recheck_queues */
		goc__wakep();
	} else if (next && !(g = xchg(&p->runnext, g))) {
		/* runs when the readier blocks; no thread woken */
	} else {
		if (unlikely(!goc__runq_put(p, &g->node)))
			goc__runq_spill(p, &g->node);
		if (!next)
			goc__wakep();
		else
			goc__sysmon_watch(); /* pushed out of runnext: see the top */
	}
	if (m)
		preempt_enable(m);
}

/* A goroutine that slept a while resumes through a few frames (the
 * switch's saved registers, the scheduler's, its own), all out of the
 * caches like its struct g was: start fetching them while it queues. */
#define RESUME_FRAME_LINES 8

static void prefetch_frames(struct g *g)
{
	char *sp = g->sp;
	for (int i = 0; i < RESUME_FRAME_LINES; i++)
		__builtin_prefetch(sp + i * CACHE_LINE);
}

/* Sleepers whose time has come: each runs next, pushing the one before
 * to the queue's tail, as Go's timers ready goroutines (a sleeper does
 * not wait behind goroutines that compute). */
void goc__ready_many(struct g *const *gs, int n)
{
	struct p *p = goc__getm()->p; /* timers run only on Ms holding a P */
	for (int i = 0; i < n; i++) {
		struct g *g = gs[i];
		g_set_status(g, G_RUNNABLE);
		prefetch_frames(g);
		struct g *pushed = xchg(&p->runnext, g);
		if (pushed && unlikely(!goc__runq_put(p, &pushed->node)))
			goc__runq_spill(p, &pushed->node);
	}
	if (n > 0) /* sysmon preempts sooner for it (sysmon.c) */
		store_relaxed(&p->timer_woken, gs[n - 1]);
	goc__sysmon_watch();
}

/* ---- goroutines -------------------------------------------------------- */

_Noreturn static void goexit(struct m *m, struct g *cur)
{
	g_set_status(cur, G_DEAD);
	if (unlikely(cur->lockedm)) /* it takes its thread with it (lock.c) */
		m->locked_exit = true;
	schedule_from(m, cur, after_exit, NULL, true);
	__builtin_unreachable();
}

static void g_entry(void *arg)
{
	struct g *g = arg;
	finish_switch(g->m); /* set by whoever switched to it */
	struct frame own;    /* made by a goc_defer that needs it (defer.c) */
	g->unwind.base = &own;
	g->fn(g->arg);               /* never NULL: goc_go refuses it */
	if (unlikely(g->unwind.top)) /* only its own frame is left */
		goc__frame_end_goroutine(&g->unwind);
	goc__goroutine_return();
}

void goc__goroutine_return(void)
{
	struct m *m = goc__getm();
	if (m->curg->is_main)
		goc__main_exit();
	goexit(m, m->curg);
}

/* ---- spawn records ---- */

#define SPAWN_SLAB 64

static struct cache_pool spawn_pool;

static struct gspawn *spawn_alloc(struct p *p)
{
	struct cache_local *l = p ? &p->spawns : NULL;
	struct gspawn *s = goc__cache_get(l, &spawn_pool);
	if (s)
		return s;
	/* A slab of records: one to use, the rest to the cache. They are
	 * never freed; how many exist is bounded by the most goroutines ever
	 * queued and not yet started. */
	struct gspawn *slab = goc__mem_alloc(SPAWN_SLAB * sizeof *slab);
	if (!slab)
		return NULL;
	for (int i = 1; i < SPAWN_SLAB; i++)
		goc__cache_put(l, &spawn_pool, &slab[i]);
	return slab;
}

/* A record for fn(arg) with its stack reserved; NULL with errno. The
 * caller names its creator (creator_pc, creator_id). */
static struct gspawn *spawn_new(struct p *p, size_t size, goc_func fn, void *arg,
                                const char *name, int64_t id)
{
	struct gspawn *s = spawn_alloc(p);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->g = goc__stack_alloc(p, size, &s->fresh);
	if (!s->g) {
		goc__cache_put(p ? &p->spawns : NULL, &spawn_pool, s);
		errno = ENOMEM;
		return NULL;
	}
	s->node.kind = NODE_SPAWN;
	s->node.link = NULL;
	s->fn = fn;
	s->arg = arg;
	s->name = name;
	s->id = id;
	s->stack_size = size;
	return s;
}

/* First run of a spawned goroutine, on p: write its struct g into the top
 * of its stack (a fresh page faults in here) and free the record. */
static struct g *g_start(struct p *p, struct gspawn *s)
{
	struct g *g = s->g;
	if (s->fresh) {
		goc__stack_init_fresh(g, s->stack_size, s->fresh);
		store_relaxed(&p->fresh_starts, p->fresh_starts + 1); /* sysmon.c */
	}
	g->node.kind = NODE_G;
	g->node.link = NULL;
	g->fn = s->fn;
	g->arg = s->arg;
	g->name = s->name;
	g->id = s->id;
	g->m = NULL;
	g->param = NULL;
	g->unwind = (struct unwind){.top = NULL};
	g->select_done = 0;
	g->lockedm = NULL;
	g->lock_count = 0;
	g->wake = 0;
	g->wait_reason = WAIT_NONE;
	g->is_thread = 0;
	g->is_main = g->id == 1;
	g->creator_pc = s->creator_pc;
	g->creator_id = s->creator_id; /* wait_since: set when it parks */
	g_set_status(g, G_RUNNABLE);
	san_g_create(g);
	g->sp = goc__ctx_make(g, g_entry, g);
	goc__cache_put(&p->spawns, &spawn_pool, s);
	return g;
}

/* A new goroutine started off any P (another thread, goc_main). */
static int spawn_global(size_t size, goc_func fn, void *arg, const char *name,
                        int64_t id, uintptr_t creator_pc)
{
	struct gspawn *s = spawn_new(NULL, size, fn, arg, name, id);
	if (!s)
		return -1;
	s->creator_pc = creator_pc;
	s->creator_id = goc_id();
	add_fetch(&goc__sched.ext_spawned, 1);
	goc__globq_put(&s->node);
	fence_seq(); /* the queue, then nmspinning: see recheck_queues */
	goc__wakep();
	return 0;
}

static int spawn(size_t size, goc_func fn, void *arg, const char *name,
                 uintptr_t creator_pc)
{
	if (unlikely(!runtime_try_ensure())) {
		errno = EAGAIN;
		return -1;
	}
	struct m *m = goc__getm();
	if (m)
		preempt_disable(m); /* we use its P */
	struct p *p = m ? m->p : NULL;
	if (!p) {
		if (m)
			preempt_enable(m);
		return spawn_global(size, fn, arg, name,
		                    add_fetch(&goc__sched.goid_gen, 1), creator_pc);
	}
	struct gspawn *s = spawn_new(p, size, fn, arg, name, goc__next_goid(p));
	if (!s) {
		preempt_enable(m);
		return -1;
	}
	s->creator_pc = creator_pc;
	s->creator_id = m->curg ? m->curg->id : 0;
	store_relaxed(&p->nspawned, p->nspawned + 1);
	if (likely(goc__runq_put(p, &s->node))) {
		preempt_enable(m);
		goc__sysmon_watch(); /* this P runs it unless sysmon moves it */
		return 0;
	}
	struct g *cur = m->curg;
	if (!cur || m->in_timer) { /* no goroutine of its own to pace */
		goc__runq_spill(p, &s->node);
		preempt_enable(m);
		goc__wakep();
		return 0;
	}
	/* The queue is full: the spawner runs the newcomer now and waits in
	 * the global queue, behind the work it made. (The pin we hold is
	 * released in the resumed context, as after any switch.) */
	store_relaxed(&p->schedtick, p->schedtick + 1);
	switch_from(m, cur, g_start(p, s), after_yield, NULL, false);
	return 0;
}

GOC_API int goc_go_attr(const goc_attr *attr, goc_func fn, void *arg)
{
	size_t size = attr ? attr->stack_size : 0;
	if (!fn || size > GOC_STACK_MAX) {
		errno = EINVAL;
		return -1;
	}
	return spawn(goc__stack_round(size), fn, arg, attr ? attr->name : NULL,
	             (uintptr_t)__builtin_return_address(0));
}

GOC_API int goc_go(goc_func fn, void *arg)
{
	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	return spawn(GOC_STACK_DEFAULT, fn, arg, NULL,
	             (uintptr_t)__builtin_return_address(0));
}

/* The main goroutine, queued on p (the P of the thread that called
 * goc_main, which runs it next), or globally if that thread has none. */
int goc__spawn_main(struct p *p, goc_func fn, void *arg)
{
	if (!p)
		return spawn_global(GOC_MAIN_STACK_SIZE, fn, arg, "main", 1, 0);
	struct gspawn *s = spawn_new(p, GOC_MAIN_STACK_SIZE, fn, arg, "main", 1);
	if (!s)
		return -1;
	s->creator_pc = 0;
	s->creator_id = 0;
	add_fetch(&goc__sched.ext_spawned, 1);
	return goc__runq_put(p, &s->node) ? 0 : -1;
}

void goc__yield(void)
{
	struct m *m = goc__getm();
	struct g *cur = m ? m->curg : NULL;
	if (!cur) {
		goc__os_yield();
		return;
	}
	preempt_disable(m);
	struct p *p = m->p;
	if (p && goc__runq_empty(p) && load_relaxed(&goc__sched.gq_size) == 0 &&
	    p_status(p) != P_RETIRING) {
		check_timers(p); /* nothing else here; timers may be due */
		preempt_enable(m);
		return;
	}
	preempt_enable(m);
	schedule_from(m, cur, after_yield, NULL, false);
}

GOC_API void goc_yield(void) { goc__yield(); }

GOC_API _Noreturn void goc_exit(void)
{
	goc__unwind_exit(); /* the deferred calls of every frame */
	struct m *m = goc__getm();
	struct g *cur = m ? m->curg : NULL;
	if (!cur)
		goc__os_thread_exit();
	if (cur->is_main)
		store_release(&goc__sched.main_exited, true);
	goexit(m, cur);
}

GOC_API int64_t goc_id(void)
{
	struct g *g = goc__getg();
	return g ? g->id : 0;
}

/* ---- finding work (g0) ------------------------------------------------- */

/* Take from the global queue: one to run and a fair share into p's deque. */
/* Is node a goroutine bound to a thread (locked, or preempted:
 * preempt.c)? Such goroutines leave the global queue one at a time: each
 * goes to its own thread anyway, and preempted ones so take turns, in the
 * queue's order, at every processor, not in batches at one. */
static bool bound(struct gnode *node)
{
	return node && node->kind == NODE_G && ((struct g *)node)->lockedm;
}

static struct gnode *globq_take(struct p *p)
{
	if (load_relaxed(&goc__sched.gq_size) == 0)
		return NULL;
	spin_lock(&goc__sched.lock);
	struct gnode *node = goc__globq_get_locked();
	if (!node || !goc__sched.gq_head) { /* the share is the one taken */
		spin_unlock(&goc__sched.lock);
		return node;
	}
	int64_t n = (goc__sched.gq_size + 1) / load_relaxed(&goc__sched.nprocs) + 1;
	if (n > RUNQ_SIZE / 2)
		n = RUNQ_SIZE / 2;
	/* A bound one takes our P with it: what we took besides would wait
	 * behind it on our queue, a whole time slice. */
	for (int64_t i = 1; !bound(node) && i < n && !bound(goc__sched.gq_head); i++) {
		struct gnode *more = goc__globq_get_locked();
		if (!more)
			break;
		if (!goc__runq_put(p, more)) { /* our deque is full: leave it */
			spin_unlock(&goc__sched.lock);
			goc__globq_put(more);
			return node;
		}
	}
	spin_unlock(&goc__sched.lock);
	return node;
}

/* Steal from the other Ps (and fire their due timers) in random order.
 * *from_timers tells that the work came from firing timers. */
static struct gnode *steal_work(struct m *m, bool *from_timers)
{
	struct p *p = m->p;
	/* Every P there is, not just the first nprocs: one being removed keeps
	 * its queue until its M schedules, which an M blocked in the running
	 * goroutine (a system call) may not do for a long time. */
	int32_t n = load_acquire(&goc__sched.nallp);
	int64_t now = 0;
	for (int round = 0; round < 4; round++) {
		uint32_t start = goc__fastrand();
		for (int32_t i = 0; i < n; i++) {
			struct p *v = load_acquire(
				&goc__sched.allp[(start + (uint32_t)i) % (uint32_t)n]);
			if (v == p || !v)
				continue;
			int64_t first = load_relaxed(&v->timers.first);
			if (first != 0) {
				if (!now)
					now = nanotime();
				if (first <= now) {
					goc__timers_run(v, now);
					struct gnode *node = runq_get_local(p);
					if (node) {
						*from_timers = true;
						return node;
					}
				}
			}
			struct gnode *node = goc__runq_steal(v);
			if (node)
				return node;
			if (round == 3 && load_relaxed(&v->sysmon_stale)) {
				/* Its goroutine runs on and on: take what it readied. */
				struct g *next = load_relaxed(&v->runnext);
				if (next && cas(&v->runnext, &next, NULL))
					return &next->node;
			}
		}
	}
	return NULL;
}

/* An M that found work stops spinning; if it was the last spinner, another
 * may be needed for the rest of the work (Go's resetspinning), unless
 * (wake_more false) the work is what timers readied: like every ready,
 * it stays lazy (goc__ready_many). A timer sleeper that wakes for a batch
 * of timers would otherwise wake a second M each time, which finds the
 * batch done and goes back to sleep. */
static void stop_spinning(struct m *m, bool wake_more)
{
	if (m_status(m) != M_SPINNING)
		return;
	m_set_status(m, M_RUNNING);
	if (add_fetch(&goc__sched.nmspinning, -1) == 0 && wake_more)
		goc__wakep();
}

struct g *goc__inject(struct m *m, struct g *list, bool take_first)
{
	struct g *first = NULL;
	struct p *p = m ? m->p : NULL;
	bool global = false;
	int queued = 0;
	while (list) {
		struct g *g = list;
		list = (struct g *)g->node.link;
		g_set_status(g, G_RUNNABLE);
		if (take_first && !first) {
			first = g;
		} else if (p) {
			if (unlikely(!goc__runq_put(p, &g->node)))
				goc__runq_spill(p, &g->node);
			queued++;
		} else {
			goc__globq_put(&g->node);
			global = true;
		}
	}
	/* No wake-up for what our own P will run: like a spawn, it is
	 * queued lazily and sysmon moves it if we do not get to it (waking
	 * an idle P for each batch cost http an eighth of its throughput). */
	if (global)
		goc__wakep();
	else if (queued > 0)
		goc__sysmon_watch();
	return first;
}

/* Goroutines whose descriptors are ready, if anyone waits and nobody
 * blocks in the poller: the first to run now, the rest on our P. */
static struct gnode *poll_network(struct m *m)
{
	int n;
	struct g *list = goc__netpoll_check(&n);
	struct g *first = list ? goc__inject(m, list, true) : NULL;
	return first ? &first->node : NULL;
}

/* A goroutine preempted off its P (preempt.c) switched to g0 without one:
 * take an idle P, or sleep until handed one. */
static void acquire_p(struct m *m)
{
	if (!goc__p_take_idle(m))
		goc__stopm(m);
}

static struct gnode *find_runnable(struct m *m)
{
	if (unlikely(!m->p))
		acquire_p(m);
	for (;;) {
		struct p *p = m->p;
		if (unlikely(p_status(p) == P_RETIRING)) {
			goc__p_retire(m);
			if (!m->p) {
				stop_spinning(m, true);
				goc__stopm(m);
			}
			continue;
		}
		check_timers(p);
		struct gnode *g = runq_get_local(p);
		if (!g)
			g = globq_take(p);
		if (!g)
			g = poll_network(m);
		if (g) {
			stop_spinning(m, true);
			return g;
		}
		int32_t busy = load_relaxed(&goc__sched.nprocs) -
		               load_relaxed(&goc__sched.npidle);
		if (m_status(m) == M_RUNNING && !m->contended &&
		    2 * load_relaxed(&goc__sched.nmspinning) < busy) {
			m_set_status(m, M_SPINNING);
			add_fetch(&goc__sched.nmspinning, 1);
		}
		if (m_status(m) == M_SPINNING) {
			bool from_timers = false;
			g = steal_work(m, &from_timers);
			if (g) {
				stop_spinning(m, !from_timers);
				m->ran_stolen = true;
				return g;
			}
		}
		/* Nothing: give the P back (idle.c), and sleep. */
		if (goc__p_release(m))
			goc__stopm(m); /* returns holding a P */
	}
}

void goc__schedule(void)
{
	struct m *m = goc__getm();
	for (;;) {
		if (unlikely(m->lockedg)) { /* it runs nothing else (lock.c) */
			execute(m, goc__lockedm_wait(m));
			continue;
		}
		struct g *g = m->handoff_g;
		m->handoff_g = NULL;
		if (!g) {
			struct gnode *node = find_runnable(m); /* may take a P */
			g = g_of(m->p, node);
		}
		if (unlikely(g->lockedm)) {
			/* In a child of fork, a goroutine bound to a thread fork
			 * did not copy (locked, or preempted and waiting in its
			 * handler) is lost with it, as the goroutines that ran
			 * there are (fork.c). */
			if (unlikely(goc__forked_child))
				continue;
			goc__lockedm_start(m, g); /* gives its M our P */
			continue;
		}
		execute(m, g);
	}
}
