/*
 * cond.c — goc_cond, Go's sync.Cond on Go's notify list.
 *
 * Every waiter takes a ticket (wait_, atomically) before unlocking the
 * user's mutex, then queues with it under the list's own lock. notify_ is
 * the next ticket to wake. Signal wakes the waiter holding ticket
 * notify_ (FIFO) and advances it; broadcast wakes all. A waiter that
 * queues after its ticket was already notified does not sleep: a signal
 * between unlocking the mutex and parking is never lost.
 *
 * Waiter records live on the waiting goroutines' stacks.
 */
#include "runtime.h"

struct cond_waiter {
	struct g *g;
	uint32_t ticket;
	struct cond_waiter *next;
};

static spinlock *cond_lock(goc_cond *c) { return (spinlock *)&c->lock_; }

/* Has ticket t been notified, given the next ticket to notify? */
static bool notified(uint32_t t, uint32_t notify) { return (int32_t)(t - notify) < 0; }

static void unlock_cond(void *arg) { spin_unlock(cond_lock(arg)); }

GOC_API void goc_cond_wait(goc_cond *c, goc_mutex *m)
{
	uint32_t t = fetch_add(&c->wait_, 1);
	goc_mutex_unlock(m);
	spin_lock(cond_lock(c));
	if (notified(t, c->notify_)) {
		spin_unlock(cond_lock(c));
	} else {
		struct cond_waiter w = {goc__waiter_self(), t, NULL};
		if (c->tail_)
			((struct cond_waiter *)c->tail_)->next = &w;
		else
			c->head_ = &w;
		c->tail_ = &w;
		goc__park_self(w.g, unlock_cond, c, WAIT_COND);
	}
	goc_mutex_lock(m);
}

GOC_API void goc_cond_signal(goc_cond *c)
{
	if (load_seq(&c->wait_) == load_seq(&c->notify_))
		return; /* nobody waits */
	spin_lock(cond_lock(c));
	uint32_t t = c->notify_;
	if (t == load_relaxed(&c->wait_)) {
		spin_unlock(cond_lock(c));
		return;
	}
	store_relaxed(&c->notify_, t + 1);
	struct cond_waiter *prev = NULL, *w = c->head_;
	for (; w; prev = w, w = w->next) {
		if (w->ticket != t)
			continue;
		if (prev)
			prev->next = w->next;
		else
			c->head_ = w->next;
		if (c->tail_ == w)
			c->tail_ = prev;
		break;
	}
	spin_unlock(cond_lock(c));
	if (w) /* else it has its ticket but is not queued yet: it won't sleep */
		goc__ready(w->g, true);
}

GOC_API void goc_cond_broadcast(goc_cond *c)
{
	if (load_seq(&c->wait_) == load_seq(&c->notify_))
		return;
	spin_lock(cond_lock(c));
	struct cond_waiter *w = c->head_;
	c->head_ = c->tail_ = NULL;
	store_relaxed(&c->notify_, load_relaxed(&c->wait_));
	spin_unlock(cond_lock(c));
	while (w) {
		struct cond_waiter *next = w->next; /* before it runs */
		goc__ready(w->g, false);
		w = next;
	}
}
