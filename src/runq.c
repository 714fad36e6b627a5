/*
 * runq.c — where runnable goroutines wait: each P's work-stealing deque
 * and the global queue.
 *
 * The deque is Chase and Lev's (2005) with a fixed ring of RUNQ_SIZE. Its
 * owner pushes and pops at bottom, so a P runs its newest work first: a
 * tree of spawns (skynet, divide and conquer) runs depth first and keeps
 * few goroutines — and few stacks — alive. Thieves take from top, the
 * oldest work, one goroutine per CAS (taking several at once would race
 * with the owner's pop, which only synchronises on the last element).
 *
 * Memory ordering: a push writes the slot, then publishes bottom with a
 * release store. A pop lowers bottom, then a full fence, then reads top;
 * a steal reads top, a full fence, then bottom: whichever of the owner
 * and a thief comes second sees the other, and for the last element both
 * race on the CAS of top. Slots are read and written atomically (relaxed)
 * because a thief may read a slot the owner is overwriting; its CAS then
 * fails, and the value read is never used.
 *
 * The global queue is a linked list under sched.lock, with its length in
 * an atomic so that "is it empty?" costs no lock.
 */
#include "runtime.h"

static inline struct gnode *slot_get(struct runq *q, int64_t i)
{
	return load_relaxed(&q->ring[i & (RUNQ_SIZE - 1)]);
}

static inline void slot_set(struct runq *q, int64_t i, struct gnode *node)
{
	store_relaxed(&q->ring[i & (RUNQ_SIZE - 1)], node);
}

bool goc__runq_put(struct p *p, struct gnode *node)
{
	struct runq *q = &p->runq;
	int64_t b = load_relaxed(&q->bottom);
	int64_t t = load_acquire(&q->top);
	if (b - t >= RUNQ_SIZE)
		return false;
	slot_set(q, b, node);
	store_release(&q->bottom, b + 1);
	return true;
}

struct gnode *goc__runq_pop(struct p *p)
{
	struct runq *q = &p->runq;
	int64_t b = load_relaxed(&q->bottom) - 1;
	store_relaxed(&q->bottom, b);
	fence_seq();
	int64_t t = load_relaxed(&q->top);
	if (t > b) { /* empty */
		store_relaxed(&q->bottom, b + 1);
		return NULL;
	}
	struct gnode *node = slot_get(q, b);
	if (t == b) { /* the last one: race the thieves for it */
		if (!cas(&q->top, &t, t + 1))
			node = NULL;
		store_relaxed(&q->bottom, b + 1);
	}
	return node;
}

struct gnode *goc__runq_steal(struct p *victim)
{
	struct runq *q = &victim->runq;
	int64_t t = load_acquire(&q->top);
	fence_seq();
	int64_t b = load_acquire(&q->bottom);
	if (t >= b)
		return NULL;
	struct gnode *node = slot_get(q, t);
	if (!cas(&q->top, &t, t + 1))
		return NULL;
	return node;
}

bool goc__runq_empty(struct p *p)
{
	struct runq *q = &p->runq;
	return load_acquire(&q->top) >= load_acquire(&q->bottom) &&
	       load_relaxed(&p->runnext) == NULL;
}

/* The deque is full: move its older half to the global queue, then put node.
 * Only the owner calls this; thieves may still take single goroutines. */
void goc__runq_spill(struct p *p, struct gnode *node)
{
	struct runq *q = &p->runq;
	struct gnode *batch[RUNQ_SIZE / 2];
	for (;;) {
		int64_t t = load_acquire(&q->top);
		int64_t b = load_relaxed(&q->bottom);
		int n = (int)((b - t) / 2);
		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
			batch[i] = slot_get(q, t + i);
		if (!cas(&q->top, &t, t + n))
			continue; /* a thief moved top: look again */
		for (int i = 0; i + 1 < n; i++)
			batch[i]->link = batch[i + 1];
		batch[n - 1]->link = NULL;
		goc__globq_put_batch(batch[0], batch[n - 1], n);
		break;
	}
	if (!goc__runq_put(p, node))
		goc__globq_put(node);
}

/* ---- the global queue ------------------------------------------------- */

static void globq_put_locked(struct gnode *head, struct gnode *tail, int n)
{
	tail->link = NULL;
	if (goc__sched.gq_tail)
		goc__sched.gq_tail->link = head;
	else
		goc__sched.gq_head = head;
	goc__sched.gq_tail = tail;
	store_release(&goc__sched.gq_size, goc__sched.gq_size + n);
}

void goc__globq_put_batch(struct gnode *head, struct gnode *tail, int n)
{
	spin_lock(&goc__sched.lock);
	globq_put_locked(head, tail, n);
	spin_unlock(&goc__sched.lock);
}

void goc__globq_put(struct gnode *node) { goc__globq_put_batch(node, node, 1); }

/* A goroutine that preemption took off its P, counted apart: it waits
 * its turn, while others queued here are work that nobody runs (sysmon
 * preempts sooner for those). */
void goc__globq_put_preempted(struct g *g)
{
	spin_lock(&goc__sched.lock);
	g->preempted = 1;
	store_relaxed(&goc__sched.gq_preempted, goc__sched.gq_preempted + 1);
	globq_put_locked(&g->node, &g->node, 1);
	spin_unlock(&goc__sched.lock);
}

static bool preempted_g(struct gnode *node)
{
	return node && node->kind == NODE_G && ((struct g *)node)->preempted;
}

/* Unlink node, which follows prev (NULL: node is the head). */
static void globq_unlink_locked(struct gnode *prev, struct gnode *node)
{
	if (prev)
		prev->link = node->link;
	else
		goc__sched.gq_head = node->link;
	if (goc__sched.gq_tail == node)
		goc__sched.gq_tail = prev;
	node->link = NULL;
	store_release(&goc__sched.gq_size, goc__sched.gq_size - 1);
	if (preempted_g(node)) {
		((struct g *)node)->preempted = 0;
		store_relaxed(&goc__sched.gq_preempted, goc__sched.gq_preempted - 1);
	}
}

struct gnode *goc__globq_get_locked(void)
{
	struct gnode *node = goc__sched.gq_head;
	if (!node)
		return NULL;
	globq_unlink_locked(NULL, node);
	store_relaxed(&goc__sched.gq_taken, goc__sched.gq_taken + 1);
	return node;
}

/* Take g out of the queue if it is still there (a preempted goroutine
 * that gives up waiting its turn: preempt.c). The walk is long only when
 * the queue is, and this happens only when the queue does not move. */
bool goc__globq_remove(struct g *g)
{
	spin_lock(&goc__sched.lock);
	struct gnode *prev = NULL, *node = goc__sched.gq_head;
	while (node && node != &g->node) {
		prev = node;
		node = node->link;
	}
	if (node)
		globq_unlink_locked(prev, node);
	spin_unlock(&goc__sched.lock);
	return node != NULL;
}
