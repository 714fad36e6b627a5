/*
 * gc_hooks.h — where the scheduler tells the optional collector (goc-gc,
 * src/gc.c) what it needs to know. In plain goc (GOC_WITH_GC undefined)
 * every hook is an empty inline function and struct m has no m_gc, so a
 * program linking goc carries no trace of the collector.
 *
 * The collector needs one thing from the scheduler: each M registered
 * with it when the thread starts, so that the collector stops it and
 * scans it. Everything else it reads itself while the world is stopped:
 * the goroutine stacks (stack.c's slots), each M's saved g0 context and
 * the memory of mem.h, which in goc-gc is the collector's. See gc.c.
 */
#ifndef GOC_GC_HOOKS_H
#define GOC_GC_HOOKS_H

struct m;

#ifdef GOC_WITH_GC

/* The collector's view of one M (gc.c). */
struct m_gc {
	void *thread;   /* the collector's handle of this thread */
	char *g0_top;   /* the thread's stack bottom as the collector has it */
	char *stop_sp;  /* stack pointer when stopped for a collection */
	struct m *next; /* every M the collector knows, newest first */
};

/* A new M's thread, on that thread, once m->g0_stack_* are known. */
void goc__gc_thread_init(struct m *m) GOC_HIDDEN;

#else

static inline void goc__gc_thread_init(struct m *m) { (void)m; }

#endif

#endif
