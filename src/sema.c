/*
 * sema.c — semaphores keyed by address (Go's runtime/sema.go): the one
 * place where goroutines wait for sync objects. A sync object holds a
 * uint32_t count; goc__semacquire waits until it can decrement it,
 * goc__semrelease increments it and wakes one waiter.
 *
 * Waiters hash by address into SEMTAB_SIZE buckets; each bucket has a
 * lock, a FIFO list of waiters (of any address that hashes there) and a
 * waiter count, so a release with nobody waiting takes no lock: it adds
 * to the count, then reads nwait; an acquirer raises nwait, then tries the
 * count again — sequentially consistent on both sides, so one of them
 * sees the other.
 *
 * A waiter record lives on the waiting goroutine's stack. Once it is
 * readied the releaser never touches it, nor the semaphore's address, so
 * the object may go out of scope as soon as its last user returns.
 */
#include "runtime.h"

#define SEMTAB_SIZE 251

struct sema_waiter {
	struct g *g;
	uint32_t *addr;
	struct sema_waiter *next;
	bool handed; /* the releaser decremented the count for us */
};

struct semaroot {
	spinlock lock;
	uint32_t nwait; /* atomic: waiters in this bucket */
	struct sema_waiter *head, *tail;
} ALIGNED_CACHE;

static struct semaroot semtab[SEMTAB_SIZE];

static struct semaroot *root_of(uint32_t *addr)
{
	return &semtab[((uintptr_t)addr >> 3) % SEMTAB_SIZE];
}

static bool can_acquire(uint32_t *addr)
{
	uint32_t v = load_seq(addr);
	while (v > 0)
		if (cas(addr, &v, v - 1))
			return true;
	return false;
}

static void enqueue(struct semaroot *r, struct sema_waiter *w, bool lifo)
{
	if (lifo) {
		w->next = r->head;
		r->head = w;
		if (!r->tail)
			r->tail = w;
	} else {
		w->next = NULL;
		if (r->tail)
			r->tail->next = w;
		else
			r->head = w;
		r->tail = w;
	}
}

/* The first waiter for addr, unlinked; NULL if none. */
static struct sema_waiter *dequeue(struct semaroot *r, uint32_t *addr)
{
	struct sema_waiter *prev = NULL;
	for (struct sema_waiter *w = r->head; w; prev = w, w = w->next) {
		if (w->addr != addr)
			continue;
		if (prev)
			prev->next = w->next;
		else
			r->head = w->next;
		if (r->tail == w)
			r->tail = prev;
		return w;
	}
	return NULL;
}

static void unlock_root(void *arg) { spin_unlock(&((struct semaroot *)arg)->lock); }

void goc__semacquire(uint32_t *addr, enum wait_reason reason, bool lifo)
{
	if (can_acquire(addr))
		return;
	struct semaroot *r = root_of(addr);
	struct sema_waiter w = {.g = goc__waiter_self(), .addr = addr};
	for (;;) {
		spin_lock(&r->lock);
		add_fetch(&r->nwait, 1);
		if (can_acquire(addr)) {
			add_fetch(&r->nwait, -1);
			spin_unlock(&r->lock);
			return;
		}
		w.handed = false;
		enqueue(r, &w, lifo);
		if (reason != WAIT_WG)
			goc__park_on_lock(); /* scheduling policy: sched.c */
		goc__park_self(w.g, unlock_root, r, reason);
		if (w.handed || can_acquire(addr))
			return;
		lifo = true; /* woken but beaten to it: first in line next time */
	}
}

void goc__semrelease(uint32_t *addr, bool handoff)
{
	struct semaroot *r = root_of(addr);
	add_fetch(addr, 1);
	if (load_seq(&r->nwait) == 0)
		return;
	spin_lock(&r->lock);
	struct sema_waiter *w = load_relaxed(&r->nwait) ? dequeue(r, addr) : NULL;
	if (w)
		add_fetch(&r->nwait, -1);
	spin_unlock(&r->lock);
	if (!w)
		return;
	bool handed = handoff && can_acquire(addr);
	w->handed = handed;
	goc__ready(w->g, true);
	if (handed && goc__getg())
		goc__yield(); /* let the new owner run now (starvation mode) */
}
