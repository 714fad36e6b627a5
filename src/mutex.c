/*
 * mutex.c — goc_mutex, Go's sync.Mutex.
 *
 * state_ holds: bit 0 locked, bit 1 woken (an unlocker has woken a waiter,
 * so others need not), bit 2 starving, and above them the number of
 * waiters. sema_ is the semaphore (sema.c) waiters park on.
 *
 * Normal mode: waiters queue FIFO, but a woken waiter competes with new
 * arrivals for the lock (arrivals are running and usually win: good for
 * throughput). Lock and unlock without contention are one atomic each.
 * While the lock is held by someone else and other Ps are busy, a locker
 * spins briefly before parking: the owner is likely running and about to
 * unlock.
 *
 * Starvation mode: a waiter that has waited over 1 ms switches the mutex
 * to starvation mode; unlock then hands the lock straight to the first
 * waiter (and yields to it), new arrivals queue at the tail without
 * trying. The last waiter, or one that waited less than 1 ms, switches
 * back to normal mode.
 */
#include "runtime.h"

enum {
	MUTEX_LOCKED = 1,
	MUTEX_WOKEN = 2,
	MUTEX_STARVING = 4,
	MUTEX_WAITER_SHIFT = 3,
	STARVATION_NS = 1000000, /* 1 ms */
	SPIN_PAUSES = 30,
};

static void lock_slow(goc_mutex *mu)
{
	int64_t wait_start = 0;
	bool starving = false, awoke = false;
	int iter = 0;
	int32_t old = load_relaxed(&mu->state_);
	for (;;) {
		if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED &&
		    goc__can_spin(iter)) {
			/* Tell the unlocker not to wake anyone: we are here. */
			if (!awoke && !(old & MUTEX_WOKEN) &&
			    (old >> MUTEX_WAITER_SHIFT) != 0 &&
			    cas(&mu->state_, &old, old | MUTEX_WOKEN))
				awoke = true;
			for (int i = 0; i < SPIN_PAUSES; i++)
				cpu_relax();
			iter++;
			old = load_relaxed(&mu->state_);
			continue;
		}
		int32_t new = old;
		if (!(old & MUTEX_STARVING))
			new |= MUTEX_LOCKED; /* no barging in starvation mode */
		if (old & (MUTEX_LOCKED | MUTEX_STARVING))
			new += 1 << MUTEX_WAITER_SHIFT;
		if (starving && (old & MUTEX_LOCKED))
			new |= MUTEX_STARVING;
		if (awoke)
			new &= ~MUTEX_WOKEN;
		if (!cas(&mu->state_, &old, new))
			continue; /* old was reloaded */
		if (!(old & (MUTEX_LOCKED | MUTEX_STARVING)))
			return;              /* locked it */
		bool lifo = wait_start != 0; /* waited before: front of the line */
		if (!wait_start)
			wait_start = nanotime();
		goc__semacquire(&mu->sema_, WAIT_MUTEX, lifo);
		starving = starving || nanotime() - wait_start > STARVATION_NS;
		old = load_relaxed(&mu->state_);
		if (old & MUTEX_STARVING) {
			/* Handed to us: we own it; fix the state. */
			int32_t delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
			if (!starving || (old >> MUTEX_WAITER_SHIFT) == 1)
				delta -= MUTEX_STARVING; /* leave starvation mode */
			add_fetch(&mu->state_, delta);
			return;
		}
		awoke = true;
		iter = 0;
	}
}

GOC_API void goc_mutex_lock(goc_mutex *mu)
{
	int32_t unlocked = 0;
	if (likely(cas(&mu->state_, &unlocked, MUTEX_LOCKED)))
		return;
	lock_slow(mu);
}

GOC_API bool goc_mutex_trylock(goc_mutex *mu)
{
	int32_t old = load_relaxed(&mu->state_);
	if (old & (MUTEX_LOCKED | MUTEX_STARVING))
		return false;
	return cas(&mu->state_, &old, old | MUTEX_LOCKED);
}

static void unlock_slow(goc_mutex *mu, int32_t new)
{
	if (!((new + MUTEX_LOCKED) & MUTEX_LOCKED)) {
		/* Take the decrement back, so that a recovered panic leaves the
		 * mutex as it was. */
		add_fetch(&mu->state_, MUTEX_LOCKED);
		goc_panic("sync: unlock of unlocked mutex");
	}
	if (new &MUTEX_STARVING) {
		goc__semrelease(&mu->sema_, true); /* hand off, and yield to it */
		return;
	}
	int32_t old = new;
	for (;;) {
		/* Nobody to wake, or someone already woken / got the lock. */
		if ((old >> MUTEX_WAITER_SHIFT) == 0 ||
		    (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)))
			return;
		new = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
		if (cas(&mu->state_, &old, new)) {
			goc__semrelease(&mu->sema_, false);
			return;
		}
	}
}

GOC_API void goc_mutex_unlock(goc_mutex *mu)
{
	int32_t new = add_fetch(&mu->state_, -MUTEX_LOCKED);
	if (unlikely(new != 0))
		unlock_slow(mu, new);
}
