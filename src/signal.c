/*
 * signal.c — turning a stack overflow into a clear message.
 *
 * A goroutine that runs past the bottom of its stack touches its guard
 * region and takes SIGSEGV (or SIGBUS). The handler runs on the M's
 * alternate signal stack — the faulting stack has no room left — and, if
 * the address is in the running goroutine's guard, prints
 * "goroutine N: stack overflow (stack size S)" and exits with status 2.
 * Any other fault is not ours: the previous disposition is put back and
 * the faulting instruction runs again, so the program dies (or its own
 * handler runs) exactly as without goc.
 *
 * Everything here is async-signal-safe: write(2) and _exit(2) only. The
 * handler itself, the saved dispositions and the alternate stack's system
 * call are os.h's; the stack's memory is mem.h's.
 */
#include "runtime.h"

#include <unistd.h>

#define ALTSTACK_SIZE ((size_t)64 * 1024)

_Noreturn void goc__stack_overflow(struct g *g)
{
	char id[24], size[24];
	goc__os_write_err("goroutine ");
	goc__os_write_err(goc__fmt_int(id, g->id));
	goc__os_write_err(": stack overflow (stack size ");
	goc__os_write_err(goc__fmt_int(size, (int64_t)g->stack_size));
	goc__os_write_err(")\n");
	_exit(2);
}

static void on_fault(int sig, void *addr)
{
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (g && goc__stack_guard_hit(g, addr))
		goc__stack_overflow(g);
	goc__os_signal_fault_restore(sig);
}

void goc__signal_init(void) { goc__os_signal_fault_install(on_fault); }

void goc__signal_thread_init(struct m *m)
{
	m->altstack = goc__mem_alloc_noscan(ALTSTACK_SIZE);
	if (!m->altstack)
		return; /* an overflow then kills the thread without the message */
	goc__os_signal_altstack(m->altstack, ALTSTACK_SIZE);
}
