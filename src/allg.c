/*
 * allg.c — the registry of live goroutines (Go's allgs): what goroutine
 * dumps, tracebacks of every goroutine and a collector's roots read. For
 * each goroutine it gives the struct g, and so its status, wait reason,
 * saved context (g->sp) and stack.
 *
 * The registry is the set of stack slots. Every goroutine's struct g sits
 * in the top bytes of its stack slot (stack.c), and stack.c keeps a list
 * of the regions it mapped slots from; a slot whose g is runnable,
 * running or waiting is a live goroutine. So joining and leaving the
 * registry cost nothing at all: a list linked on spawn and exit (Go's
 * allgs, or a list per P) costs a locked exchange and a few stores twice
 * per goroutine, a tenth of a spawn here, for something read only when a
 * program dumps, dies or collects. Walking costs a look at every slot ever
 * handed out, which is bounded by the most goroutines alive at once.
 *
 * Goroutines spawned but not yet run are not listed: until they run they
 * are only a spawn record (struct gspawn) in some run queue, their slot's
 * struct g not yet written (G_IDLE, or G_DEAD from its previous use).
 *
 * A walker reads other goroutines' fields while they may run: callers
 * stop the world first (the deadlock error runs when no goroutine can)
 * or accept a blurred picture (a dump of a live program, as Go's).
 */
#include "runtime.h"

struct each_live {
	void (*fn)(struct g *g, void *arg);
	void *arg;
};

static void visit(struct g *g, void *arg)
{
	struct each_live *e = arg;
	uint32_t status = load_relaxed(&g->status);
	if (status == G_RUNNABLE || status == G_RUNNING || status == G_WAITING)
		e->fn(g, e->arg);
}

void goc__allg_each(void (*fn)(struct g *g, void *arg), void *arg)
{
	struct each_live e = {fn, arg};
	goc__stack_each(visit, &e);
}
