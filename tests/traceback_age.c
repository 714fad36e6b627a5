/*
 * traceback_age.c — white-box help for test_traceback: make the parked
 * goroutines look as if they had waited longer, so that the ", N
 * minutes" of their traceback headers can be tested without waiting
 * minutes. Built with the runtime's internal header (src/runtime.h).
 */
#include "traceback_age.h"

#include "runtime.h"

static void age_one(struct g *g, void *arg)
{
	if (load_relaxed(&g->status) == G_WAITING)
		g->wait_since = load_relaxed(&goc__coarse_now) - *(int64_t *)arg;
}

void age_parked_goroutines(int64_t ns)
{
	while (load_relaxed(&goc__coarse_now) == 0) /* sysmon sets it soon */
		goc_sleep(GOC_MILLISECOND);
	goc__allg_each(age_one, &ns);
}
