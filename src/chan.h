/*
 * chan.h — the channel's insides, shared by chan.c and select.c.
 *
 * A channel is Go's hchan: a lock, a ring buffer of cap elements (none
 * when unbuffered), and FIFO queues of waiting senders and receivers.
 * Everything but refs and the magic word is guarded by the lock; count
 * and closed are also read without it (atomically) by len() and by the
 * non-blocking fast paths, as Go does.
 *
 * A waiter (Go's sudog) lives on the waiting goroutine's stack: a blocked
 * goroutine is parked in the operation's frame, so the record is valid
 * until the goroutine is readied, and nobody touches it after that. A
 * select enqueues one waiter per case; the first waker to win the CAS on
 * g->select_done fires the select and takes that waiter out; the select's
 * other waiters stay queued (wakers pass over them) until the select
 * itself takes them out.
 *
 * Invariants, whenever the lock is free (a "live" waiter is a plain one,
 * or one of a select that has not fired):
 *
 *   - 0 <= count <= cap; the values sit in buf[recvx], buf[recvx + 1], …
 *     (mod cap), and sendx == (recvx + count) mod cap.
 *   - count > 0 (or closed): no live waiter in recvq — a receiver would
 *     have taken a value, or been woken by close.
 *   - count < cap: no live waiter in sendq — a sender would have used the
 *     room. So an unbuffered channel (cap 0) never has live waiters in
 *     both queues at once.
 *   - closed: sendq and recvq hold no live waiter (close woke them all:
 *     receivers with the zero value, senders to panic); closed never goes
 *     back to 0.
 *   - refs >= 1 while magic == CHAN_LIVE; the one who drops the last
 *     reference frees it, unless goroutines wait on it: then it is an
 *     orphan, freed by the last waiter to leave (chan_orphan_done).
 *   - A waiter's record is touched by a waker only under the lock and
 *     before it readies the waiter's goroutine, never after.
 */
#ifndef GOC_CHAN_H
#define GOC_CHAN_H

#include "runtime.h"

#include <string.h>

struct waiter {
	struct g *g;
	struct waiter *next, *prev; /* in a channel's sendq or recvq */
	goc_chan *c;
	void *elem; /* send: the value; receive: where it goes (NULL: drop) */
	bool is_select;
	bool success;    /* set by the waker: a value passed (false: closed) */
	bool frees_chan; /* select: its owner decided to free c (select.c) */
	int32_t index;   /* the select case */
};

struct waitq {
	struct waiter *head, *tail;
};

struct goc_chan {
	spinlock lock;
	/* magic and closed share the word after the lock: the check on entry
	 * costs no extra cache line, and the hot fields keep their places. */
	uint16_t magic;  /* CHAN_LIVE while allocated */
	uint16_t closed; /* atomic for the fast paths; written under lock */
	size_t count;    /* values in buf; atomic for len() */
	size_t cap;
	size_t elem_size;
	size_t sendx, recvx; /* next slot to write / read */
	struct waitq recvq, sendq;
	bool orphan;  /* released while goroutines wait: freed by the last */
	int64_t refs; /* atomic */
	char *buf;
};

#define CHAN_LIVE 0x6368u /* "ch" */
#define CHAN_DEAD 0xdeadu

/* A channel used after its last release is undefined, but common in real
 * bugs; while its memory still holds the mark, the operation panics
 * naming the channel instead of spinning on a freed lock. */
_Noreturn void goc__chan_panic_released(const goc_chan *c, const char *op) GOC_HIDDEN;

GOC_LOCK_TEXT static inline void chan_check_live(const goc_chan *c, const char *op)
{
	if (unlikely(load_relaxed(&c->magic) != CHAN_LIVE))
		goc__chan_panic_released(c, op);
}

/* q->head is also read without the lock by the fast paths: atomic. */
GOC_LOCK_TEXT static inline void waitq_push(struct waitq *q, struct waiter *w)
{
	w->next = NULL;
	w->prev = q->tail;
	if (q->tail)
		q->tail->next = w;
	else
		store_relaxed(&q->head, w);
	q->tail = w;
}

GOC_LOCK_TEXT static inline void waitq_remove(struct waitq *q, struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		store_relaxed(&q->head, w->next);
	if (w->next)
		w->next->prev = w->prev;
	else
		q->tail = w->prev;
	w->next = w->prev = NULL;
}

/* The first waiter that may be woken, taken out of q: a plain one, or a
 * select whose CAS we win. A waiter of a select that already fired stays
 * where it is: only its owner takes it out (under this lock), so a
 * channel a goroutine still waits on is never freed under it, and the
 * owner knows which channels it must lock again without looking. */
GOC_LOCK_TEXT static inline struct waiter *waitq_take(struct waitq *q)
{
	for (struct waiter *w = q->head; w; w = w->next) {
		if (w->is_select) {
			uint32_t zero = 0;
			if (load_relaxed(&w->g->select_done) ||
			    !cas(&w->g->select_done, &zero, 1))
				continue;
			w->g->param = w;
		}
		waitq_remove(q, w);
		return w;
	}
	return NULL;
}

/* Copy one element; the common sizes without a call. */
GOC_LOCK_TEXT static inline void elem_copy(void *dst, const void *src, size_t n)
{
	switch (n) {
	case 0:
		return;
	case 4:
		memcpy(dst, src, 4);
		return;
	case 8:
		memcpy(dst, src, 8);
		return;
	default: /* out of the lock's section (platform.h) */
		locks_held_inc();
		memcpy(dst, src, n);
		locks_held_dec();
	}
}

GOC_LOCK_TEXT static inline void elem_zero(void *dst, size_t n)
{
	locks_held_inc(); /* out of the lock's section (platform.h) */
	memset(dst, 0, n);
	locks_held_dec();
}

/* Deliver a value to receiver w (its elem may be NULL: dropped); a NULL
 * src sends the zero value. */
GOC_LOCK_TEXT static inline void elem_deliver(goc_chan *c, void *dst, const void *src)
{
	if (!dst)
		return;
	if (src)
		elem_copy(dst, src, c->elem_size);
	else
		elem_zero(dst, c->elem_size);
}

GOC_LOCK_TEXT static inline char *chan_slot(goc_chan *c, size_t i)
{
	return c->buf + i * c->elem_size;
}

/* Operations on a locked channel that can complete at once: a send to the
 * waiting receiver peer (taken with waitq_take) or into buffer room; a
 * receive from the waiting sender peer or from the buffer. The caller
 * unlocks, then readies peer if there is one. */
void goc__chan_send_locked(goc_chan *c, const void *elem,
                           struct waiter *peer) GOC_HIDDEN;
void goc__chan_recv_locked(goc_chan *c, void *elem, struct waiter *peer) GOC_HIDDEN;

/* Release c if it was orphaned and nobody waits on it any more; call
 * with c locked, after taking a waiter out. Returns true if the caller
 * must free c once it has unlocked. */
static inline bool chan_orphan_done(goc_chan *c)
{
	return c->orphan && !c->recvq.head && !c->sendq.head;
}

void goc__chan_free(goc_chan *c) GOC_HIDDEN;

/* Timed waits: the timer that ends a select or *_timeout. */
struct timer;
void goc__wait_timer_init(struct timer *t, struct g *g, int64_t until) GOC_HIDDEN;
void goc__wait_timer_arm(struct timer *t) GOC_HIDDEN;
void goc__wait_timer_stop(struct timer *t) GOC_HIDDEN;

int goc__select_impl(goc_case *cases, size_t n, bool block, int64_t until) GOC_HIDDEN;

#endif
