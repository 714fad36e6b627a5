/*
 * signal.c — turning a stack overflow into a clear message.
 *
 * A goroutine that runs past the bottom of its stack touches its guard
 * region and takes SIGSEGV (or SIGBUS). The handler runs on the M's
 * alternate signal stack — the faulting stack has no room left — and, if
 * the address is in the running goroutine's guard, or its stack pointer
 * has gone below its stack (a frame bigger than the guard), prints
 * "goroutine N: stack overflow (stack size S)" and exits with status 2.
 * A fault in the code of a running goroutine (SIGSEGV, SIGBUS, SIGFPE)
 * becomes a runtime-error panic (sigpanic.c). Any other fault is not
 * ours: the previous disposition is put back and the faulting instruction
 * runs again, so the program dies (or its own handler runs) exactly as
 * without goc.
 *
 * Everything here is async-signal-safe: write(2) and _exit(2) only. The
 * handler itself, the saved dispositions and the alternate stack's system
 * call are os.h's; the stack's memory is mem.h's.
 */
#include "runtime.h"

#include <unistd.h>

#define ALTSTACK_SIZE GOC_ALTSTACK_SIZE

/* A canary guard (stack.c) stops nothing: a goroutine that overflows
 * runs on down through its neighbours' slots, and the first fault may
 * come on another thread, in a neighbour whose stack or saved context it
 * overwrote, or in the runtime reading one. The culprit is still running
 * (it is the one writing) and has written its guard region; find it
 * before the fault is blamed on its victim. A running victim may have a
 * written guard region too, the culprit having gone on through it; the
 * overflow runs downwards, so the culprit's slot is the highest. The
 * reads race with the Ms' own writes by design: a stale answer only
 * names a victim, as without the scan. */
__attribute__((no_sanitize("thread"))) /* other Ms' fields, unlocked */
static struct g *
overflowed_elsewhere(void)
{
	struct g *culprit = NULL;
	if (!goc__stack_canaries_used())
		return NULL; /* guard pages stop every overflow at its slot */
	for (struct m *m = load_acquire(&goc__sched.allm); m; m = m->alllink) {
		struct g *g = *(struct g *volatile *)&m->curg; /* uninstrumented */
		if (g && g > culprit && goc__stack_guard_dirty(g))
			culprit = g;
	}
	return culprit;
}

/* g ran off its stack, or a running goroutine did before it (the first
 * found at a fault may be a victim: see above). */
_Noreturn void goc__stack_overflow(struct g *g)
{
	/* One report: under a canary guard the culprit's thread and a
	 * victim's may find the same overflow at once. The first ends the
	 * process; the others wait for that. No signal may stop the first
	 * on the way (a preemption would wait for a processor for good). */
	static uint32_t reporting;
	goc__os_signal_block_all();
	if (xchg(&reporting, 1))
		for (;;)
			pause();
	struct g *culprit = overflowed_elsewhere();
	if (culprit)
		g = culprit;
	char id[24], size[24];
	goc__os_write_err("goroutine ");
	goc__os_write_err(goc__fmt_int(id, g->id));
	goc__os_write_err(": stack overflow (stack size ");
	goc__os_write_err(goc__fmt_int(size, (int64_t)g->stack_size));
	goc__os_write_err(")\n");
	_exit(2);
}

/* A frame bigger than the guard jumps over it: its first access faults
 * (or lands) below the guard, in a neighbouring slot or unmapped space.
 * The stack pointer then sits below the stack, which it never does
 * otherwise: an overflow too, up to this far below (farther, the stack
 * pointer is not a frame's but garbage). */
#define FRAME_REACH ((uintptr_t)64 << 20)

static bool sp_below_stack(struct g *g, void *sp)
{
	uintptr_t lo = (uintptr_t)g->stack_lo, s = (uintptr_t)sp;
	return s && s < lo && lo - s <= FRAME_REACH;
}

void goc__stack_overflow_if_any(void)
{
	struct g *culprit = overflowed_elsewhere();
	if (culprit)
		goc__stack_overflow(culprit);
}

static void on_fault(struct os_fault *f)
{
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (g && (goc__stack_guard_hit(g, f->addr) || sp_below_stack(g, f->sp)))
		goc__stack_overflow(g);
	goc__stack_overflow_if_any(); /* this goroutine may be its victim */
	if (g && goc__sigpanic_inject(g, f))
		return; /* the goroutine resumes in a runtime-error panic */
	goc__os_signal_fault_restore(f->sig);
}

void goc__signal_init(void)
{
	goc__sigpanic_init();
	goc__os_signal_fault_install(on_fault);
	goc__os_signal_quit_install(goc__traceback_sigquit); /* traceback.c */
}

void goc__signal_thread_init(struct m *m)
{
	m->altstack = goc__mem_alloc_noscan(ALTSTACK_SIZE);
	if (!m->altstack)
		return; /* an overflow then kills the thread without the message */
	goc__os_signal_altstack(m->altstack, ALTSTACK_SIZE);
}
