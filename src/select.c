/*
 * select.c — goc_select and its variants: Go's selectgo.
 *
 * 1. Cases with a channel are visited in a random order (pollorder), so
 *    that among several ready cases each is chosen with equal chance.
 * 2. The distinct channels are locked in address order (lockorder): two
 *    selects over the same channels cannot deadlock.
 * 3. Pass 0: a case that looks ready (a look without locks) is tried
 *    under its own channel's lock. Pass 1, if that found nothing: with
 *    all locks held, the first case in pollorder that can proceed does,
 *    and the select returns. A send case on a closed channel panics, as
 *    in Go.
 * 4. Pass 2 (blocking only): one waiter per case joins its channel's
 *    queue; the goroutine parks; the locks are released once it is
 *    switched out (with the deadline timer armed, if any).
 * 5. The first waker — a channel operation or the timer — wins the CAS on
 *    g->select_done and leaves the winning waiter in g->param (NULL: the
 *    timer). On waking, the select locks the channels again (but the one
 *    whose operation completed, which its peer may already have freed)
 *    and takes its other waiters out of their queues.
 *
 * Up to GOC_SELECT_STACK_CASES cases work in arrays on the stack; more
 * take one heap allocation per call.
 */
#include "chan.h"

#include <stdlib.h>

struct sel {
	goc_case *cases;
	uint32_t *poll; /* case indices with a channel, shuffled */
	size_t npoll;
	goc_chan **locks; /* distinct channels, by address */
	size_t nlocks;
	struct waiter *waiters; /* waiters[i] for cases[i] */
	struct timer *timer;    /* deadline, or NULL */
};

/* A case must say which way it goes; a stray value would otherwise act
 * as a receive. Only cases with a channel are checked: a nil channel's
 * case is never chosen, whatever it says. Its channel must be live
 * (chan.h chan_check_live). */
_Noreturn static void bad_case(const goc_case *cases, size_t i)
{
	if (cases[i].dir != GOC_SEND && cases[i].dir != GOC_RECV)
		goc_panic(
			"select: case %zu has direction %d (want GOC_SEND or GOC_RECV)",
			i, cases[i].dir);
	goc__chan_panic_released(cases[i].ch, "select");
}

/* Fisher-Yates, inserting each case with a channel at a random place.
 * One 32-bit random number yields several small ones: the high half of
 * r * k is uniform in [0, k), and the low half is what is left of r for
 * the next draw (Lemire). A fresh number every 8 cases keeps them
 * independent enough for selects of any size. Always inlined: it is much
 * of a busy select's work, and the call costs more than it saves. */
static inline __attribute__((always_inline)) void shuffle_cases(struct sel *s, size_t n)
{
	uint64_t r = 0;
	s->npoll = 0;
	for (size_t i = 0; i < n; i++) {
		if (!s->cases[i].ch)
			continue;
		if (unlikely((unsigned)(s->cases[i].dir - GOC_SEND) >
		                     GOC_RECV - GOC_SEND ||
		             load_relaxed(&s->cases[i].ch->magic) != CHAN_LIVE))
			bad_case(s->cases, i);
		if (s->npoll % 8 == 0)
			r = goc__fastrand();
		uint64_t m = r * (s->npoll + 1);
		size_t j = (size_t)(m >> 32);
		r = (uint32_t)m;
		s->poll[s->npoll] = s->poll[j];
		s->poll[j] = (uint32_t)i;
		s->npoll++;
	}
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (goc_chan *const *)a;
	uintptr_t y = (uintptr_t) * (goc_chan *const *)b;
	return x < y ? -1 : x > y;
}

static void sort_locks(struct sel *s)
{
	size_t n = 0;
	for (size_t k = 0; k < s->npoll; k++)
		s->locks[n++] = s->cases[s->poll[k]].ch;
	if (n <= GOC_SELECT_STACK_CASES) { /* insertion sort: n is small */
		for (size_t i = 1; i < n; i++) {
			goc_chan *c = s->locks[i];
			size_t j = i;
			for (; j > 0 && s->locks[j - 1] > c; j--)
				s->locks[j] = s->locks[j - 1];
			s->locks[j] = c;
		}
	} else {
		qsort(s->locks, n, sizeof *s->locks, by_address);
	}
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++)
		if (distinct == 0 || s->locks[distinct - 1] != s->locks[i])
			s->locks[distinct++] = s->locks[i];
	s->nlocks = distinct;
}

static void lock_all(struct sel *s)
{
	for (size_t i = 0; i < s->nlocks; i++)
		spin_lock(&s->locks[i]->lock);
}

static void unlock_all(struct sel *s)
{
	for (size_t i = s->nlocks; i-- > 0;)
		spin_unlock(&s->locks[i]->lock);
}

/* park's callback: the goroutine is off its stack; let wakers in. */
static void unlock_all_and_arm(void *arg)
{
	struct sel *s = arg;
	if (s->timer)
		goc__wait_timer_arm(s->timer);
	unlock_all(s);
}

/* Can case cs proceed? A look without the lock: only a hint. */
static bool looks_ready(const goc_case *cs)
{
	const goc_chan *c = cs->ch;
	if (load_relaxed(&c->closed))
		return true;
	if (cs->dir == GOC_SEND)
		return c->cap ? load_relaxed(&c->count) < c->cap
		              : load_relaxed(&c->recvq.head) != NULL;
	return c->cap ? load_relaxed(&c->count) > 0
	              : load_relaxed(&c->sendq.head) != NULL;
}

/* Perform case i on its channel alone, locked by the caller, if it can
 * proceed now. */
static bool try_case(goc_case *cs, struct waiter **peer)
{
	goc_chan *c = cs->ch;
	if (cs->dir == GOC_SEND) {
		if (c->closed)
			return true; /* the caller panics */
		*peer = waitq_take(&c->recvq);
		if (*peer || c->count < c->cap) {
			goc__chan_send_locked(c, cs->elem, *peer);
			cs->status = GOC_OK;
			return true;
		}
		return false;
	}
	*peer = waitq_take(&c->sendq);
	if (*peer || c->count > 0) {
		goc__chan_recv_locked(c, cs->elem, *peer);
		cs->status = GOC_OK;
		return true;
	}
	if (c->closed) {
		if (cs->elem)
			memset(cs->elem, 0, c->elem_size);
		cs->status = GOC_CLOSED;
		return true;
	}
	return false;
}

/* Pass 0: a case that looks ready is tried with its own lock only, which
 * spares locking every channel when one is ready (the common case of a
 * busy select). Returns its index, or -1. */
static int peek_cases(struct sel *s, struct waiter **peer)
{
	for (size_t k = 0; k < s->npoll; k++) {
		goc_case *cs = &s->cases[s->poll[k]];
		if (!looks_ready(cs))
			continue;
		goc_chan *c = cs->ch;
		spin_lock(&c->lock);
		bool done = try_case(cs, peer);
		if (done && cs->dir == GOC_SEND && c->closed) {
			spin_unlock(&c->lock);
			goc_panic("send on closed channel");
		}
		spin_unlock(&c->lock);
		if (done)
			return (int)s->poll[k];
	}
	*peer = NULL;
	return -1;
}

/* Pass 1: perform the first ready case in poll order. Returns its index
 * (with *peer set to a waiter to ready after unlocking), or -1. */
static int poll_cases(struct sel *s, struct waiter **peer)
{
	for (size_t k = 0; k < s->npoll; k++) {
		goc_case *cs = &s->cases[s->poll[k]];
		if (!try_case(cs, peer))
			continue;
		if (cs->dir == GOC_SEND && cs->ch->closed) {
			unlock_all(s);
			goc_panic("send on closed channel");
		}
		return (int)s->poll[k];
	}
	*peer = NULL;
	return -1;
}

/* Pass 2: one waiter per case, then park until a case or the timer fires.
 * Returns the waiter that fired, or NULL on timeout. */
static struct waiter *wait_cases(struct sel *s, int64_t until)
{
	struct g *g = goc__waiter_self();
	struct timer t;
	store_relaxed(&g->select_done, 0);
	g->param = NULL;
	for (size_t k = 0; k < s->npoll; k++) {
		uint32_t i = s->poll[k];
		goc_case *cs = &s->cases[i];
		struct waiter *w = &s->waiters[i];
		*w = (struct waiter){.g = g,
		                     .c = cs->ch,
		                     .elem = cs->elem,
		                     .is_select = true,
		                     .index = (int32_t)i};
		waitq_push(cs->dir == GOC_SEND ? &cs->ch->sendq : &cs->ch->recvq, w);
	}
	s->timer = NULL;
	if (until != INT64_MAX) {
		goc__wait_timer_init(&t, g, until);
		s->timer = &t;
	}
	goc__park_self(g, unlock_all_and_arm, s, WAIT_SELECT);
	if (s->timer)
		goc__wait_timer_stop(s->timer);
	return g->param;
}

/* After waking: take our other waiters out of their queues (nobody else
 * does, see waitq_take), and free each channel that was released
 * meanwhile and that we were the last to wait on.
 *
 * Who frees a released channel is decided under its lock, once: the
 * releaser if nobody waits on it, else the last waiter to leave
 * (chan_orphan_done clears `orphan` as it decides). After unlocking we
 * touch only the channels we decided to free, found through our own
 * waiters: any other may be freed by another goroutine the moment its
 * lock is released. The channel of the case that fired is not even
 * locked unless another of our cases waits on it too: its peer may have
 * released it, and another select freed it, the moment the operation
 * completed. */
static void dequeue_rest(struct sel *s, struct waiter *won)
{
	goc_chan *skip = won ? won->c : NULL;
	for (size_t k = 0; skip && k < s->npoll; k++) {
		struct waiter *w = &s->waiters[s->poll[k]];
		if (w != won && w->c == skip)
			skip = NULL; /* queued there still: it keeps the channel alive */
	}
	for (size_t i = 0; i < s->nlocks; i++)
		if (s->locks[i] != skip)
			spin_lock(&s->locks[i]->lock);
	for (size_t k = 0; k < s->npoll; k++) {
		uint32_t i = s->poll[k];
		struct waiter *w = &s->waiters[i];
		w->frees_chan = false;
		if (w == won)
			continue;
		goc_chan *c = w->c;
		waitq_remove(s->cases[i].dir == GOC_SEND ? &c->sendq : &c->recvq, w);
		if (chan_orphan_done(c)) {
			c->orphan = false; /* decided: ours to free */
			w->frees_chan = true;
		}
	}
	for (size_t i = s->nlocks; i-- > 0;)
		if (s->locks[i] != skip)
			spin_unlock(&s->locks[i]->lock);
	for (size_t k = 0; k < s->npoll; k++) {
		struct waiter *w = &s->waiters[s->poll[k]];
		if (w->frees_chan)
			goc__chan_free(w->c);
	}
}

/* Nothing to select on: wait forever, or until the deadline. */
static int select_nothing(bool block, int64_t until)
{
	if (!block)
		return -1;
	if (until == INT64_MAX) {
		goc__park(NULL, NULL, WAIT_SELECT_NO_CASES);
		goc__fatal("a select with no cases was woken");
	}
	goc_sleep(until - nanotime());
	return -1;
}

static int run_select(struct sel *s, size_t n, bool block, int64_t until)
{
	shuffle_cases(s, n);
	if (s->npoll == 0)
		return select_nothing(block, until);
	struct waiter *peer;
	int chosen = peek_cases(s, &peer);
	if (chosen >= 0) {
		if (peer)
			goc__ready(peer->g, true);
		return chosen;
	}
	sort_locks(s);
	lock_all(s);
	chosen = poll_cases(s, &peer);
	if (chosen >= 0 || !block) {
		unlock_all(s);
		if (peer)
			goc__ready(peer->g, true);
		return chosen;
	}
	struct waiter *won = wait_cases(s, until);
	dequeue_rest(s, won);
	if (!won)
		return -1;
	goc_case *cs = &s->cases[won->index];
	if (cs->dir == GOC_SEND) {
		if (!won->success)
			goc_panic("send on closed channel");
		cs->status = GOC_OK;
	} else {
		cs->status = won->success ? GOC_OK : GOC_CLOSED;
	}
	return won->index;
}

/* A select of more cases than fit on the stack: its arrays are freed by
 * a deferred call, so that a panic in it (a send on a closed channel, a
 * bad case) leaks nothing when it is recovered. */
struct heap_select {
	struct sel s;
	size_t n;
	bool block;
	int64_t until;
	int chosen;
};

static void heap_select_free(void *mem) { goc__mem_free(mem); }

static void heap_select_run(void *arg)
{
	struct heap_select *h = arg;
	goc_defer(heap_select_free, h->s.waiters);
	h->chosen = run_select(&h->s, h->n, h->block, h->until);
}

int goc__select_impl(goc_case *cases, size_t n, bool block, int64_t until)
{
	if (n <= GOC_SELECT_STACK_CASES) {
		uint32_t poll[GOC_SELECT_STACK_CASES];
		goc_chan *locks[GOC_SELECT_STACK_CASES];
		struct waiter waiters[GOC_SELECT_STACK_CASES];
		struct sel s = {cases, poll, 0, locks, 0, waiters, NULL};
		return run_select(&s, n, block, until);
	}
	size_t per_case = sizeof(uint32_t) + sizeof(goc_chan *) + sizeof(struct waiter);
	if (n > SIZE_MAX / per_case)
		goc_panic("select: too many cases (%zu)", n);
	void *mem = goc__mem_alloc(n * per_case);
	if (!mem)
		goc_panic("select: out of memory for %zu cases", n);
	struct heap_select h = {
		{cases, NULL, 0, NULL, 0, NULL, NULL}, n, block, until, -1};
	h.s.waiters = mem;
	h.s.locks = (goc_chan **)(h.s.waiters + n);
	h.s.poll = (uint32_t *)(h.s.locks + n);
	goc_call(heap_select_run, &h);
	return h.chosen;
}

GOC_API int goc_select(goc_case *cases, size_t n)
{
	return goc__select_impl(cases, n, true, INT64_MAX);
}

GOC_API int goc_select_try(goc_case *cases, size_t n)
{
	return goc__select_impl(cases, n, false, INT64_MAX);
}

GOC_API int goc_select_timeout(goc_case *cases, size_t n, int64_t ns)
{
	if (ns <= 0)
		return goc_select_try(cases, n);
	int64_t now = nanotime();
	return goc__select_impl(cases, n, true,
	                        ns > INT64_MAX - now ? INT64_MAX : now + ns);
}
