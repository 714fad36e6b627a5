/*
 * traceback_whitebox.c — white-box help for test_traceback, built with
 * the runtime's internal header (src/runtime.h): make the parked
 * goroutines look as if they had waited longer, so that the ", N
 * minutes" of their traceback headers can be tested without waiting
 * minutes; and print a panic's traceback from a signal's context, as a
 * fault turned into a panic does.
 */
#include "traceback_whitebox.h"

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

void traceback_from_signal(void *ucontext) { goc__traceback_panic_at(ucontext); }
