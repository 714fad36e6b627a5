/*
 * time.c — the runtime's timers and goc_sleep.
 *
 * Each P keeps its timers in a 4-ary min-heap on `when`, under the P's
 * timer lock; p->timers.first mirrors the earliest `when` (0: none) so
 * that schedulers and idle Ms can look without the lock. A timer is added
 * to the heap of the P that arms it; the P's own M fires due timers on
 * every switch, other Ms fire them when they steal, and the timer sleeper
 * (proc.c) sleeps until the earliest one of all.
 *
 * A timer's callback runs without the heap lock, after the timer has left
 * the heap. t->p names the heap holding it; it changes only when a
 * retiring P hands its timers over, with both heap locks held (lower P id
 * first).
 *
 * goc_sleep parks with a timer on its own stack, armed in park's unlock
 * callback, so it cannot fire before the goroutine is switched out.
 */
#include "runtime.h"
#include "chan.h"

#include <errno.h>
#include <stdlib.h>

void goc_timers_wake(int64_t when) GOC_HIDDEN;

/* ---- the heap --------------------------------------------------------- */

#define SLOT_INDEXED ((uintptr_t)1)

static struct timer *slot_timer(struct timer_slot slot)
{
	return (struct timer *)(slot.t & ~SLOT_INDEXED);
}

static void heap_set(struct timers *ts, int32_t i, struct timer_slot slot)
{
	ts->heap[i] = slot;
	if (slot.t & SLOT_INDEXED)
		slot_timer(slot)->heap_index = i;
}

static void sift_up(struct timers *ts, int32_t i)
{
	struct timer_slot slot = ts->heap[i];
	while (i > 0) {
		int32_t parent = (i - 1) / 4;
		if (ts->heap[parent].when <= slot.when)
			break;
		heap_set(ts, i, ts->heap[parent]);
		i = parent;
	}
	heap_set(ts, i, slot);
}

static void sift_down(struct timers *ts, int32_t i)
{
	struct timer_slot slot = ts->heap[i];
	for (;;) {
		int32_t c = 4 * i + 1, best = -1;
		int32_t end = c + 4 < ts->n ? c + 4 : ts->n;
		for (int32_t k = c; k < end; k++)
			if (best < 0 || ts->heap[k].when < ts->heap[best].when)
				best = k;
		if (best < 0 || ts->heap[best].when >= slot.when)
			break;
		heap_set(ts, i, ts->heap[best]);
		i = best;
	}
	heap_set(ts, i, slot);
}

static void publish_first(struct timers *ts)
{
	store_relaxed(&ts->first, ts->n ? ts->heap[0].when : 0);
}

/* Under ts->lock. Returns false if the heap cannot grow. */
static bool heap_push(struct timers *ts, struct timer *t)
{
	if (ts->n == ts->cap) {
		int32_t cap = ts->cap ? ts->cap * 2 : 64;
		struct timer_slot *h = realloc(ts->heap, (size_t)cap * sizeof *h);
		if (!h)
			return false;
		ts->heap = h;
		ts->cap = cap;
	}
	uintptr_t tag = t->deletable ? SLOT_INDEXED : 0;
	int32_t i = ts->n++;
	heap_set(ts, i, (struct timer_slot){t->when, (uintptr_t)t | tag});
	sift_up(ts, i);
	return true;
}

/* Take out the timer at index i; returns it. Under ts->lock. */
static struct timer *heap_remove_at(struct timers *ts, int32_t i)
{
	struct timer *t = slot_timer(ts->heap[i]);
	struct timer_slot last = ts->heap[--ts->n];
	t->heap_index = -1;
	if (i < ts->n) {
		heap_set(ts, i, last);
		if (i > 0 && last.when < ts->heap[(i - 1) / 4].when)
			sift_up(ts, i);
		else
			sift_down(ts, i);
	}
	return t;
}

/* ---- the runtime's interface ------------------------------------------- */

void goc_timer_add(struct p *p, struct timer *t)
{
	struct timers *ts = &p->timers;
	int64_t when = t->when; /* t may fire and vanish once unlocked */
	spin_lock(&ts->lock);
	int64_t old_first = ts->n ? ts->heap[0].when : 0;
	store_relaxed(&t->p, p);
	store_release(&t->state, TIMER_PENDING); /* goc_timer_del may spin on it */
	if (!heap_push(ts, t)) {
		spin_unlock(&ts->lock);
		goc_fatal("out of memory growing a timer heap");
	}
	publish_first(ts);
	spin_unlock(&ts->lock);
	if (old_first == 0 || when < old_first)
		goc_timers_wake(when);
}

/* Lock the heap that holds t; NULL if t is in none. */
static struct timers *lock_owner(struct timer *t)
{
	for (;;) {
		struct p *p = load_acquire(&t->p);
		if (!p)
			return NULL;
		spin_lock(&p->timers.lock);
		if (load_relaxed(&t->p) == p)
			return &p->timers;
		spin_unlock(&p->timers.lock);
	}
}

bool goc_timer_del(struct timer *t)
{
	struct timers *ts = lock_owner(t);
	if (ts) {
		heap_remove_at(ts, t->heap_index);
		publish_first(ts);
		store_release(&t->p, NULL);
		store_relaxed(&t->state, TIMER_IDLE);
		spin_unlock(&ts->lock);
		return true;
	}
	while (load_acquire(&t->state) == TIMER_FIRING)
		cpu_relax();
	return false;
}

struct p *goc_timer_home(void)
{
	runtime_ensure();
	struct m *m = goc_getm();
	return m && m->p ? m->p : goc_sched.allp[0];
}

/* Run a due timer's function. It may start goroutines, which then must
 * not make the running goroutine wait (spawn's pacing): flag the M. */
static void fire(struct timer *t, int64_t now)
{
	struct m *m = goc_getm();
	if (m)
		m->in_timer++;
	t->fn(t, now);
	if (m)
		m->in_timer--;
}

int64_t goc_timers_run(struct p *p, int64_t now)
{
	struct timers *ts = &p->timers;
	if (!spin_trylock(&ts->lock))
		return load_relaxed(&ts->first); /* someone else is at it */
	while (ts->n > 0 && ts->heap[0].when <= now) {
		struct timer *t = heap_remove_at(ts, 0);
		publish_first(ts);
		/* FIRING before p is cleared: goc_timer_del, which reads p
		 * first, then sees that it is firing. */
		store_relaxed(&t->state, TIMER_FIRING);
		store_release(&t->p, NULL);
		spin_unlock(&ts->lock);
		fire(t, now);
		spin_lock(&ts->lock);
	}
	publish_first(ts);
	int64_t first = ts->first;
	spin_unlock(&ts->lock);
	return first;
}

int64_t goc_timers_earliest(void)
{
	int64_t best = 0;
	int32_t n = load_acquire(&goc_sched.nallp);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc_sched.allp[i]);
		int64_t w = p ? load_relaxed(&p->timers.first) : 0;
		if (w && (!best || w < best))
			best = w;
	}
	return best;
}

void goc_timers_move(struct p *from, struct p *to)
{
	if (from == to)
		return;
	struct p *lo = from->id < to->id ? from : to;
	struct p *hi = lo == from ? to : from;
	spin_lock(&lo->timers.lock);
	spin_lock(&hi->timers.lock);
	int64_t earliest = 0;
	while (from->timers.n > 0) {
		struct timer *t = heap_remove_at(&from->timers, from->timers.n - 1);
		if (!heap_push(&to->timers, t))
			goc_fatal("out of memory growing a timer heap");
		store_release(&t->p, to);
		if (!earliest || t->when < earliest)
			earliest = t->when;
	}
	publish_first(&from->timers);
	publish_first(&to->timers);
	spin_unlock(&hi->timers.lock);
	spin_unlock(&lo->timers.lock);
	if (earliest)
		goc_timers_wake(earliest);
}

/* ---- public ------------------------------------------------------------ */

GOC_API int64_t goc_now(void) { return nanotime(); }

static void sleep_arm(void *arg)
{
	goc_timer_add(goc_getm()->p, arg);
}

/* ---- timed waits (select, *_timeout) ---- */

/* The wait ends by timeout unless a channel fired the waiter first: both
 * race on g->select_done. The timer is done with once the race is
 * decided, so a waiter woken by a channel can delete it and return. */
static void wait_timer_fire(struct timer *t, int64_t now)
{
	(void)now;
	struct g *g = t->arg;
	uint32_t zero = 0;
	bool won = cas(&g->select_done, &zero, 1);
	if (won)
		g->param = NULL;
	store_release(&t->state, TIMER_IDLE);
	if (won)
		goc_ready(g, false);
}

void goc_wait_timer_init(struct timer *t, struct g *g, int64_t until)
{
	*t = (struct timer){.when = until, .fn = wait_timer_fire, .arg = g,
	                    .heap_index = -1, .deletable = true,
	                    .state = TIMER_IDLE};
}

void goc_wait_timer_arm(struct timer *t) { goc_timer_add(goc_timer_home(), t); }

void goc_wait_timer_stop(struct timer *t) { goc_timer_del(t); }

static void sleep_fire(struct timer *t, int64_t now)
{
	(void)now;
	goc_ready(t->arg, false);
}

/* now + ns without overflow. */
static int64_t deadline(int64_t now, int64_t ns)
{
	return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

GOC_API void goc_sleep(int64_t ns)
{
	if (ns <= 0)
		return;
	int64_t until = deadline(nanotime(), ns);
	struct g *g = goc_getg();
	if (!g) { /* a plain thread sleeps itself */
		struct timespec ts;
		for (int64_t left; (left = until - nanotime()) > 0;) {
			ts.tv_sec = (time_t)(left / GOC_SECOND);
			ts.tv_nsec = (long)(left % GOC_SECOND);
			nanosleep(&ts, NULL);
		}
		return;
	}
	struct timer t = {.when = until, .fn = sleep_fire, .arg = g, .heap_index = -1};
	goc_park(sleep_arm, &t, WAIT_SLEEP);
}
