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
 * Everything here is async-signal-safe: write(2) and _exit(2) only.
 */
#include "runtime.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALTSTACK_SIZE ((size_t)64 * 1024)

static struct sigaction old_segv, old_bus;

_Noreturn void goc__stack_overflow(struct g *g)
{
	char id[24], size[24];
	goc__write_err("goroutine ");
	goc__write_err(goc__fmt_int(id, g->id));
	goc__write_err(": stack overflow (stack size ");
	goc__write_err(goc__fmt_int(size, (int64_t)g->stack_size));
	goc__write_err(")\n");
	_exit(2);
}

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	struct m *m = goc__getm();
	struct g *g = m ? m->curg : NULL;
	if (g && goc__stack_guard_hit(g, si->si_addr))
		goc__stack_overflow(g);
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

void goc__signal_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

void goc__signal_thread_init(struct m *m)
{
	m->altstack = malloc(ALTSTACK_SIZE);
	if (!m->altstack)
		return; /* an overflow then kills the thread without the message */
	stack_t ss = {.ss_sp = m->altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
	sigaltstack(&ss, NULL);
}
