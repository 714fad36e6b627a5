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
 * goc_sleep puts no struct timer anywhere: its heap entry names the
 * goroutine itself (struct timer_slot), added in park's unlock callback so
 * that it cannot fire before the goroutine is switched out.
 */
#include "runtime.h"
#include "chan.h"

#include <errno.h>

/* ---- the heap --------------------------------------------------------- */

#define SLOT_TIMER ((uintptr_t)1)

static bool slot_is_timer(struct timer_slot slot) { return slot.what & SLOT_TIMER; }

static struct timer *slot_timer(struct timer_slot slot)
{
	return (struct timer *)(slot.what & ~SLOT_TIMER);
}

static void heap_set(struct timers *ts, int32_t i, struct timer_slot slot)
{
	ts->heap[i] = slot;
	if (slot_is_timer(slot))
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

/* Under ts->lock; out of memory is fatal. */
static void heap_push(struct timers *ts, struct timer_slot slot)
{
	if (ts->n == ts->cap) {
		int32_t cap = ts->cap ? ts->cap * 2 : 64;
		struct timer_slot *h =
			goc__mem_realloc(ts->heap, (size_t)cap * sizeof *h);
		if (!h)
			goc__fatal("out of memory growing a timer heap");
		ts->heap = h;
		ts->cap = cap;
	}
	int32_t i = ts->n++;
	heap_set(ts, i, slot);
	sift_up(ts, i);
}

/* Take out the entry at index i; returns it. Under ts->lock. */
static struct timer_slot heap_remove_at(struct timers *ts, int32_t i)
{
	struct timer_slot slot = ts->heap[i];
	struct timer_slot last = ts->heap[--ts->n];
	if (slot_is_timer(slot))
		slot_timer(slot)->heap_index = -1;
	if (i < ts->n) {
		heap_set(ts, i, last);
		if (i > 0 && last.when < ts->heap[(i - 1) / 4].when)
			sift_up(ts, i);
		else
			sift_down(ts, i);
	}
	return slot;
}

/* Add slot to p's heap; wake the timer sleeper if it is now the earliest. */
static void heap_add(struct p *p, struct timer_slot slot, struct timer *t)
{
	struct timers *ts = &p->timers;
	spin_lock(&ts->lock);
	int64_t old_first = ts->n ? ts->heap[0].when : 0;
	if (t) {
		store_relaxed(&t->p, p);
		store_release(&t->state,
		              TIMER_PENDING); /* goc__timer_del may spin on it */
	}
	heap_push(ts, slot);
	publish_first(ts);
	spin_unlock(&ts->lock);
	/* t may fire and vanish once unlocked: slot.when, not t->when. */
	if (old_first == 0 || slot.when < old_first) {
		struct m *m = goc__getm();
		goc__timers_wake(slot.when, m && m->p == p);
	}
}

/* ---- the runtime's interface ------------------------------------------- */

void goc__timer_add(struct p *p, struct timer *t)
{
	heap_add(p, (struct timer_slot){t->when, (uintptr_t)t | SLOT_TIMER}, t);
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

bool goc__timer_del(struct timer *t)
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

struct p *goc__timer_home(void)
{
	runtime_ensure();
	struct m *m = goc__getm();
	struct p *p = m ? load_relaxed(&m->p) : NULL; /* once: see goc__can_spin */
	return p ? p : goc__sched.allp[0];
}

/* Run a due timer's function. It may start goroutines, which then must
 * not make the running goroutine wait (spawn's pacing): flag the M. */
static void fire(struct timer *t, int64_t now)
{
	struct m *m = goc__getm();
	if (m)
		m->in_timer++;
	t->fn(t, now);
	if (m)
		m->in_timer--;
}

/* Due entries are taken out up to FIRE_BATCH at a time. The sleepers
 * among them have been asleep a while, so their struct g is out of the
 * caches and the TLB (on a virtual machine such a miss costs half a
 * microsecond): prefetching all of a batch before readying any lets those
 * misses overlap instead of queueing one behind the other, and the entry
 * left on top of the heap is prefetched too, as it fires next. */
#define FIRE_BATCH 32

/* Take out up to FIRE_BATCH entries due by now into batch; under ts->lock.
 * A timer is marked firing before its heap lock is dropped (goc__timer_del
 * reads t->p first, then sees that it is firing). */
static int take_due(struct timers *ts, int64_t now, uintptr_t *batch)
{
	int n = 0;
	while (n < FIRE_BATCH && ts->n > 0 && ts->heap[0].when <= now) {
		struct timer_slot slot = heap_remove_at(ts, 0);
		if (slot_is_timer(slot)) {
			struct timer *t = slot_timer(slot);
			store_relaxed(&t->state, TIMER_FIRING);
			store_release(&t->p, NULL);
		} else {
			__builtin_prefetch((void *)slot.what, 1);
		}
		batch[n++] = slot.what;
	}
	publish_first(ts);
	if (ts->n > 0) /* the next to fire: warm by the time it is due */
		__builtin_prefetch((void *)(ts->heap[0].what & ~SLOT_TIMER), 1);
	return n;
}

int64_t goc__timers_run(struct p *p, int64_t now)
{
	struct timers *ts = &p->timers;
	if (!spin_trylock(&ts->lock))
		return load_relaxed(&ts->first); /* someone else is at it */
	uintptr_t batch[FIRE_BATCH];
	struct g *sleepers[FIRE_BATCH];
	int n;
	while ((n = take_due(ts, now, batch)) > 0) {
		spin_unlock(&ts->lock);
		int nsleepers = 0;
		for (int i = 0; i < n; i++) {
			if (batch[i] & SLOT_TIMER)
				fire((struct timer *)(batch[i] & ~SLOT_TIMER), now);
			else
				sleepers[nsleepers++] = (struct g *)batch[i];
		}
		if (nsleepers)
			goc__ready_many(sleepers, nsleepers);
		spin_lock(&ts->lock);
	}
	int64_t first = ts->first;
	spin_unlock(&ts->lock);
	return first;
}

int64_t goc__timers_earliest(void)
{
	int64_t best = 0;
	int32_t n = load_acquire(&goc__sched.nallp);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		int64_t w = p ? load_relaxed(&p->timers.first) : 0;
		if (w && (!best || w < best))
			best = w;
	}
	return best;
}

void goc__timers_move(struct p *from, struct p *to)
{
	if (from == to)
		return;
	struct p *lo = from->id < to->id ? from : to;
	struct p *hi = lo == from ? to : from;
	spin_lock(&lo->timers.lock);
	spin_lock(&hi->timers.lock);
	int64_t earliest = 0;
	while (from->timers.n > 0) {
		struct timer_slot slot =
			heap_remove_at(&from->timers, from->timers.n - 1);
		heap_push(&to->timers, slot);
		if (slot_is_timer(slot))
			store_release(&slot_timer(slot)->p, to);
		if (!earliest || slot.when < earliest)
			earliest = slot.when;
	}
	publish_first(&from->timers);
	publish_first(&to->timers);
	spin_unlock(&hi->timers.lock);
	spin_unlock(&lo->timers.lock);
	if (earliest)
		goc__timers_wake(earliest, false);
}

/* ---- public ------------------------------------------------------------ */

GOC_API int64_t goc_now(void) { return nanotime(); }

/* A sleeper's heap entry, armed once its goroutine has switched out. */
struct sleep {
	struct g *g;
	int64_t until;
};

static void sleep_arm(void *arg)
{
	struct sleep *s = arg;
	/* The M's P, or P 0 if preemption took it (we are then on g0). */
	heap_add(goc__timer_home(), (struct timer_slot){s->until, (uintptr_t)s->g},
	         NULL);
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
		goc__ready(g, false);
}

void goc__wait_timer_init(struct timer *t, struct g *g, int64_t until)
{
	*t = (struct timer){.when = until,
	                    .fn = wait_timer_fire,
	                    .arg = g,
	                    .heap_index = -1,
	                    .state = TIMER_IDLE};
}

void goc__wait_timer_arm(struct timer *t) { goc__timer_add(goc__timer_home(), t); }

void goc__wait_timer_stop(struct timer *t) { goc__timer_del(t); }

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
	struct g *g = goc__getg();
	if (!g) { /* a plain thread sleeps itself */
		for (int64_t left; (left = until - nanotime()) > 0;)
			goc__os_sleep(left);
		return;
	}
	struct sleep s = {g, until};
	goc__park(sleep_arm, &s, WAIT_SLEEP);
}
