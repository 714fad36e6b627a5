/*
 * netpoll_futex.c — the idle wait without descriptors: a futex word that
 * a break sets and the waiter consumes, so a break that comes before the
 * wait ends it at once (as an eventfd counter would). It stands in for
 * the network poller until that lands, and is what a build without one
 * keeps. See netpoll.h.
 */
#include "netpoll.h"

static uint32_t break_pending; /* atomic: 1 once broken, until consumed */

void goc__netpoll_init(void) {}

int goc__netpoll(int64_t until, struct g **ready, int max)
{
	(void)ready, (void)max;
	if (until == 0 || xchg(&break_pending, 0))
		return 0;
	int64_t left = until == INT64_MAX ? -1 : until - nanotime();
	if (left < 0 && until != INT64_MAX)
		return 0;
	goc__os_futex_wait(&break_pending, 0, left);
	/* A break that comes now, after the wait, is lost: harmless, as the
	 * breaker changed what the waiter looks at before it broke. */
	store_relaxed(&break_pending, 0);
	return 0;
}

void goc__netpoll_break(void)
{
	if (xchg(&break_pending, 1) == 0)
		goc__os_futex_wake(&break_pending, 1);
}
