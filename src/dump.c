/*
 * dump.c — goroutine dumps in Go's format: a header line per goroutine,
 *
 *     goroutine 7 [chan receive]:
 *
 * with the wait reason in Go's words for a parked goroutine, "runnable"
 * or "running" otherwise, each followed by a blank line. Frames come with
 * the traceback work; today the deadlock error prints these headers so
 * that the user sees who waits on what.
 *
 * Output goes through write(2) alone, with numbers formatted on the
 * stack: a dump is printed on the way out of a dying program, whose
 * threads may hold stdio's or malloc's locks.
 */
#include "runtime.h"

static void dump_one(struct g *g, void *arg)
{
	(void)arg;
	char id[24];
	uint32_t status = load_relaxed(&g->status);
	const char *state =
		status == G_WAITING
			? goc__wait_reason_name((enum wait_reason)g->wait_reason)
			: goc__status_name(STATUS_G, status);
	goc__os_write_err("goroutine ");
	goc__os_write_err(goc__fmt_int(id, g->id));
	goc__os_write_err(" [");
	goc__os_write_err(state);
	goc__os_write_err("]:\n\n");
}

void goc__dump_goroutines(void) { goc__allg_each(dump_one, NULL); }

void goc__traceback_panic(void)
{
	struct g *g = goc__getg();
	if (g != NULL && g->id != 0)
		dump_one(g, NULL);
}
