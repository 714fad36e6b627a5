/*
 * chan.c — channels: make, send, receive, close, reference counting.
 *
 * Send and receive follow Go's chan.go. Under the channel's lock, a send
 * first hands its value straight to the oldest waiting receiver (copied
 * into the receiver's own variable, and the receiver readied into this
 * P's runnext, so it runs next on this core), else puts it in the buffer,
 * else waits in sendq. A receive takes from a waiting sender (unbuffered:
 * its value; buffered: the oldest buffered value, and the sender's value
 * moves into the freed slot, keeping FIFO order), else from the buffer,
 * else waits in recvq. Close wakes every waiter: receivers see GOC_CLOSED,
 * senders panic.
 *
 * The non-blocking fast paths (try_*) look at closed/count/queue heads
 * without the lock, as Go does: a channel that was not ready at some
 * instant during the call may honestly report GOC_WOULDBLOCK.
 *
 * Lifetime: the last goc_chan_release frees the channel, unless
 * goroutines still wait on it (a select, a timed wait): then it is marked
 * orphan and the last waiter to leave frees it. After an operation a peer
 * can observe (unlocking after a buffered send, readying a peer), this
 * file never touches the channel again.
 */
#include "chan.h"

#include <errno.h>

GOC_API goc_chan *goc_chan_make(size_t elem_size, size_t cap)
{
	if (elem_size && cap > (SIZE_MAX - sizeof(goc_chan) - 16) / elem_size) {
		errno = EINVAL;
		return NULL;
	}
	size_t header = (sizeof(goc_chan) + 15) & ~(size_t)15;
	goc_chan *c = goc__mem_alloc(header + elem_size * cap);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->elem_size = elem_size;
	c->cap = cap;
	c->buf = (char *)c + header;
	c->refs = 1;
	c->magic = CHAN_LIVE;
	return c;
}

GOC_API goc_chan *goc_chan_retain(goc_chan *c)
{
	if (c)
		add_fetch(&c->refs, 1);
	return c;
}

void goc__chan_free(goc_chan *c)
{
	/* An atomic store, so the compiler keeps it though free follows: a
	 * use after release may still find the mark (goc_chan_release). */
	store_release(&c->magic, CHAN_DEAD);
	goc__mem_free(c);
}

GOC_LOCK_TEXT GOC_API void goc_chan_release(goc_chan *c)
{
	if (!c)
		return;
	if (load_relaxed(&c->magic) != CHAN_LIVE)
		goc_panic("goc_chan_release of unreferenced channel");
	int64_t refs = add_fetch(&c->refs, -1);
	if (refs > 0)
		return;
	if (refs < 0)
		goc_panic("goc_chan_release of unreferenced channel");
	spin_lock_own(&c->lock);
	bool waited_on = c->recvq.head || c->sendq.head;
	c->orphan = waited_on;
	spin_unlock_own(&c->lock);
	if (!waited_on)
		goc__chan_free(c);
}

GOC_API size_t goc_chan_len(const goc_chan *c)
{
	return c ? load_relaxed(&c->count) : 0;
}

GOC_API size_t goc_chan_cap(const goc_chan *c) { return c ? c->cap : 0; }

/* ---- operations on a locked channel ---------------------------------- */

GOC_LOCK_TEXT void goc__chan_send_locked(goc_chan *c, const void *elem,
                                         struct waiter *peer)
{
	if (peer) {
		elem_deliver(c, peer->elem, elem);
		peer->success = true;
		return;
	}
	elem_deliver(c, chan_slot(c, c->sendx), elem);
	if (++c->sendx == c->cap)
		c->sendx = 0;
	store_relaxed(&c->count, c->count + 1);
}

GOC_LOCK_TEXT void goc__chan_recv_locked(goc_chan *c, void *elem, struct waiter *peer)
{
	if (c->cap == 0) { /* straight from the sender */
		elem_deliver(c, elem, peer->elem);
	} else {
		char *slot = chan_slot(c, c->recvx);
		elem_deliver(c, elem, slot);
		if (++c->recvx == c->cap)
			c->recvx = 0;
		if (peer) { /* the buffer is full: the sender's value takes the
		             * freed slot, which is now the newest */
			elem_deliver(c, slot, peer->elem);
			c->sendx = c->recvx;
		} else {
			store_relaxed(&c->count, c->count - 1);
		}
	}
	if (peer)
		peer->success = true;
}

/* ---- blocking -------------------------------------------------------- */

GOC_LOCK_TEXT static void unlock_chan(void *arg)
{
	spin_unlock_own(&((goc_chan *)arg)->lock);
}

/* Wait on locked c as w in q; returns once a peer or close woke us. */
GOC_LOCK_TEXT static void chan_wait(goc_chan *c, struct waitq *q, struct waiter *w,
                                    enum wait_reason reason)
{
	w->g = goc__waiter_self();
	w->c = c;
	w->is_select = false;
	w->success = false;
	waitq_push(q, w);
	goc__park_self(w->g, unlock_chan, c, reason);
}

/* A nil channel: wait forever (or until the deadline). */
static int block_forever(int64_t until, enum wait_reason reason)
{
	if (until == INT64_MAX) {
		goc__park(NULL, NULL, reason);
		goc__fatal("a goroutine blocked on a nil channel was woken");
	}
	goc_sleep(until - nanotime());
	return GOC_TIMEOUT;
}

GOC_LOCK_TEXT static inline bool send_would_block(const goc_chan *c)
{
	return c->cap == 0 ? load_relaxed(&c->recvq.head) == NULL
	                   : load_relaxed(&c->count) == c->cap;
}

GOC_LOCK_TEXT static inline bool recv_would_block(const goc_chan *c)
{
	return c->cap == 0 ? load_relaxed(&c->sendq.head) == NULL
	                   : load_relaxed(&c->count) == 0;
}

GOC_LOCK_TEXT _Noreturn static void panic_send_closed(goc_chan *c)
{
	spin_unlock_own(&c->lock);
	goc_panic("send on closed channel");
}

void goc__chan_panic_released(const goc_chan *c, const char *op)
{
	goc_panic("%s on released channel %p", op, (const void *)c);
}

/* Send with block: wait as long as needed; else fail at once. */
GOC_LOCK_TEXT static int chan_send(goc_chan *c, const void *elem, bool block)
{
	chan_check_live(c, "send");
	if (!block && !load_relaxed(&c->closed) && send_would_block(c))
		return GOC_WOULDBLOCK;
	spin_lock_own(&c->lock);
	if (c->closed)
		panic_send_closed(c);
	struct waiter *peer = waitq_take(&c->recvq);
	if (peer || c->count < c->cap) {
		goc__chan_send_locked(c, elem, peer);
		spin_unlock_own(&c->lock);
		if (peer)
			goc__ready(peer->g, true);
		return GOC_OK;
	}
	if (!block) {
		spin_unlock_own(&c->lock);
		return GOC_WOULDBLOCK;
	}
	struct waiter w = {.elem = (void *)elem};
	chan_wait(c, &c->sendq, &w, WAIT_CHAN_SEND);
	if (!w.success)
		goc_panic("send on closed channel");
	return GOC_OK;
}

GOC_LOCK_TEXT static int chan_recv(goc_chan *c, void *elem, bool block)
{
	chan_check_live(c, "receive");
	if (!block && recv_would_block(c)) {
		if (!load_acquire(&c->closed))
			return GOC_WOULDBLOCK;
		/* Closed: it may still have turned ready before closing. */
	}
	spin_lock_own(&c->lock);
	struct waiter *peer = waitq_take(&c->sendq);
	if (peer || c->count > 0) {
		goc__chan_recv_locked(c, elem, peer);
		spin_unlock_own(&c->lock);
		if (peer)
			goc__ready(peer->g, true);
		return GOC_OK;
	}
	if (c->closed) {
		spin_unlock_own(&c->lock);
		if (elem)
			memset(elem, 0, c->elem_size);
		return GOC_CLOSED;
	}
	if (!block) {
		spin_unlock_own(&c->lock);
		return GOC_WOULDBLOCK;
	}
	struct waiter w = {.elem = elem};
	chan_wait(c, &c->recvq, &w, WAIT_CHAN_RECV);
	return w.success ? GOC_OK : GOC_CLOSED;
}

GOC_LOCK_TEXT GOC_API int goc_chan_send(goc_chan *c, const void *elem)
{
	if (unlikely(!c))
		return block_forever(INT64_MAX, WAIT_CHAN_SEND_NIL);
	return chan_send(c, elem, true);
}

GOC_LOCK_TEXT GOC_API int goc_chan_recv(goc_chan *c, void *elem)
{
	if (unlikely(!c))
		return block_forever(INT64_MAX, WAIT_CHAN_RECV_NIL);
	return chan_recv(c, elem, true);
}

GOC_LOCK_TEXT GOC_API int goc_chan_try_send(goc_chan *c, const void *elem)
{
	return c ? chan_send(c, elem, false) : GOC_WOULDBLOCK;
}

GOC_LOCK_TEXT GOC_API int goc_chan_try_recv(goc_chan *c, void *elem)
{
	return c ? chan_recv(c, elem, false) : GOC_WOULDBLOCK;
}

/* A timed operation is a one-case select with a deadline. */
static int chan_timed(goc_chan *c, int dir, void *elem, int64_t ns)
{
	if (ns <= 0) {
		int r = dir == GOC_SEND ? goc_chan_try_send(c, elem)
		                        : goc_chan_try_recv(c, elem);
		return r == GOC_WOULDBLOCK ? GOC_TIMEOUT : r;
	}
	int64_t now = nanotime();
	int64_t until = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	if (!c)
		return block_forever(until, dir == GOC_SEND ? WAIT_CHAN_SEND_NIL
		                                            : WAIT_CHAN_RECV_NIL);
	goc_case k = {c, dir, elem, 0};
	if (goc__select_impl(&k, 1, true, until) < 0)
		return GOC_TIMEOUT;
	return k.status;
}

GOC_API int goc_chan_send_timeout(goc_chan *c, const void *elem, int64_t ns)
{
	return chan_timed(c, GOC_SEND, (void *)elem, ns);
}

GOC_API int goc_chan_recv_timeout(goc_chan *c, void *elem, int64_t ns)
{
	return chan_timed(c, GOC_RECV, elem, ns);
}

GOC_LOCK_TEXT GOC_API void goc_chan_close(goc_chan *c)
{
	if (!c)
		goc_panic("close of nil channel");
	chan_check_live(c, "close");
	spin_lock_own(&c->lock);
	if (c->closed) {
		spin_unlock_own(&c->lock);
		goc_panic("close of closed channel");
	}
	store_release(&c->closed, 1);
	/* Take every waiter that may be woken; ready them after unlocking. */
	struct waiter *wake = NULL, *w;
	while ((w = waitq_take(&c->recvq))) {
		if (w->elem)
			elem_zero(w->elem, c->elem_size);
		w->success = false;
		w->next = wake;
		wake = w;
	}
	while ((w = waitq_take(&c->sendq))) {
		w->success = false;
		w->next = wake;
		wake = w;
	}
	spin_unlock_own(&c->lock);
	while (wake) {
		w = wake;
		wake = w->next; /* read before the waiter runs and its frame goes */
		goc__ready(w->g, false);
	}
}
