/*
 * timer.c — goc_timer: Go's time.Timer, time.Ticker and time.AfterFunc,
 * with Go 1.23's guarantees.
 *
 * A goc_timer wraps a runtime timer (time.c) that fires on whatever M runs
 * the P's due timers. Firing sends goc_now() on the timer's channel, which
 * has a one-value buffer and never blocks the firing: a ticker whose
 * receiver is slow drops ticks, it never queues them. An after_func timer
 * starts fn(arg) in a new goroutine instead.
 *
 * No stale value after stop or reset: every stop or reset bumps gen (under
 * op_lock, which serialises stop/reset/free), then removes the runtime
 * timer, waiting out a firing in progress (goc__timer_del), then empties
 * the channel's buffer. A firing compares the gen it was armed with to the
 * current one and does nothing if they differ; one that read gen just
 * before the bump has finished by the time the buffer is emptied. Whether
 * a stop stopped something (its result) also counts a firing that our
 * bump cancelled: each delivering firing records its gen in `fired`.
 *
 * The firing function must not touch the goc_timer after it sets the
 * runtime timer's state to TIMER_IDLE: from then on stop may return and
 * free may release the memory.
 *
 * Using a timer after goc_timer_free is undefined, but common in real
 * bugs; while the freed memory still holds the mark TIMER_DEAD, the
 * entry points panic naming the timer instead of spinning on a freed
 * lock, as channels do (chan.c).
 */
#include "chan.h"

#include <errno.h>

struct goc_timer {
	struct timer t;
	spinlock op_lock; /* serialises stop, reset and free */
	uint32_t gen;     /* atomic; bumped by stop and reset; t.seq is the
	                     * gen it was last armed in (under op_lock) */
	uint32_t fired;   /* atomic: 1 + the gen of the last firing that
	                     * delivered (sent, or started fn); 0: none */
	int64_t period;   /* tickers: > 0; atomic (firing reads it) */
	goc_chan *c;      /* NULL for after_func */
	goc_func fn;
	void *arg;
	uint32_t magic; /* TIMER_LIVE while allocated; past malloc's own
	                 * bookkeeping at the start of a freed block */
};

#define TIMER_LIVE 0x746d7231u /* "tmr1" */
#define TIMER_DEAD 0xdeadu

static void check_live(const goc_timer *tm, const char *op)
{
	if (unlikely(load_relaxed(&tm->magic) != TIMER_LIVE))
		goc_panic("%s of freed timer %p", op, (const void *)tm);
}

static void timer_fire(struct timer *t, int64_t now)
{
	goc_timer *tm = t->arg;
	if (load_acquire(&tm->gen) == tm->t.seq) {
		if (tm->c) {
			int64_t v = nanotime();
			goc_chan_try_send(tm->c, &v); /* full: a slow receiver, drop */
		} else {
			goc_go(tm->fn, tm->arg);
		}
		store_release(&tm->fired, tm->t.seq + 1);
		int64_t period = load_relaxed(&tm->period);
		if (period > 0) { /* next tick, skipping the ones missed */
			int64_t when = t->when + period;
			if (when <= now)
				when += ((now - when) / period + 1) * period;
			t->when = when;
			goc__timer_add(goc__timer_home(), t);
			return; /* state is PENDING again */
		}
	}
	store_release(&t->state, TIMER_IDLE);
}

static void arm(goc_timer *tm, int64_t ns)
{
	int64_t now = nanotime();
	if (ns < 0)
		ns = 0;
	tm->t.when = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	tm->t.seq = load_relaxed(&tm->gen);
	goc__timer_add(goc__timer_home(), &tm->t);
}

/* Bump gen and take the timer out. True if that stopped a firing: the
 * timer was pending, or its firing was under way and our bump cancelled
 * it, or the value it sent has not been received (it is dropped). Under
 * op_lock. */
static bool disarm(goc_timer *tm)
{
	uint32_t gen = fetch_add(&tm->gen, 1);
	bool pending = goc__timer_del(&tm->t);
	/* A ticker may have re-armed itself while we waited for it. */
	pending = goc__timer_del(&tm->t) || pending;
	if (!pending && tm->t.seq == gen && load_acquire(&tm->fired) != gen + 1)
		pending = true; /* armed in this generation, never delivered */
	if (tm->c && goc_chan_try_recv(tm->c, NULL) == GOC_OK)
		pending = true;
	return pending;
}

static goc_timer *timer_new(int64_t period, bool with_chan, goc_func fn, void *arg)
{
	runtime_ensure();
	goc_timer *tm = goc__mem_alloc(sizeof *tm);
	if (!tm) {
		errno = ENOMEM;
		return NULL;
	}
	if (with_chan && !(tm->c = goc_chan_make(sizeof(int64_t), 1))) {
		goc__mem_free(tm);
		errno = ENOMEM;
		return NULL;
	}
	tm->t.fn = timer_fire;
	tm->t.arg = tm;
	tm->t.heap_index = -1;
	tm->period = period;
	tm->fn = fn;
	tm->arg = arg;
	tm->magic = TIMER_LIVE;
	return tm;
}

GOC_API goc_timer *goc_timer_make(int64_t ns)
{
	goc_timer *tm = timer_new(0, true, NULL, NULL);
	if (tm)
		arm(tm, ns);
	return tm;
}

GOC_API goc_timer *goc_ticker_make(int64_t period)
{
	if (period <= 0)
		goc_panic("non-positive interval for goc_ticker_make");
	goc_timer *tm = timer_new(period, true, NULL, NULL);
	if (tm)
		arm(tm, period);
	return tm;
}

GOC_API goc_timer *goc_after_func(int64_t ns, goc_func fn, void *arg)
{
	if (!fn) {
		errno = EINVAL;
		return NULL;
	}
	goc_timer *tm = timer_new(0, false, fn, arg);
	if (tm)
		arm(tm, ns);
	return tm;
}

GOC_API goc_chan *goc_timer_chan(goc_timer *t)
{
	if (!t)
		return NULL;
	check_live(t, "goc_timer_chan");
	return t->c;
}

GOC_API bool goc_timer_stop(goc_timer *tm)
{
	if (!tm)
		goc_panic("goc_timer_stop of a nil timer");
	check_live(tm, "goc_timer_stop");
	spin_lock(&tm->op_lock);
	bool stopped = disarm(tm) || tm->period > 0;
	spin_unlock(&tm->op_lock);
	return stopped;
}

GOC_API void goc_timer_reset(goc_timer *tm, int64_t ns)
{
	if (!tm)
		goc_panic("goc_timer_reset of a nil timer");
	check_live(tm, "goc_timer_reset");
	/* Checked before taking the lock: a recovered panic leaves the
	 * ticker locked otherwise. Only a ticker has a period, always > 0. */
	if (ns <= 0 && load_relaxed(&tm->period) > 0)
		goc_panic("non-positive interval for goc_timer_reset of a ticker");
	spin_lock(&tm->op_lock);
	disarm(tm);
	if (tm->period > 0)
		store_relaxed(&tm->period, ns);
	arm(tm, ns);
	spin_unlock(&tm->op_lock);
}

GOC_API void goc_timer_free(goc_timer *tm)
{
	if (!tm)
		return;
	check_live(tm, "goc_timer_free");
	spin_lock(&tm->op_lock);
	disarm(tm);
	spin_unlock(&tm->op_lock);
	goc_chan_release(tm->c);
	/* An atomic store, so the compiler keeps it though free follows. */
	store_release(&tm->magic, TIMER_DEAD);
	goc__mem_free(tm);
}
