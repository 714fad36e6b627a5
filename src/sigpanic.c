/*
 * sigpanic.c — faults in goroutine code (SIGSEGV, SIGBUS, SIGFPE) become
 * runtime-error panics, as in Go: they run deferred calls and can be
 * recovered.
 *
 * The handler runs on the thread's alternate signal stack (signal.c), and
 * a panic must not: it runs deferred calls and may never come back. So
 * the handler only edits the interrupted context (Go's sigpanic
 * injection, os_linux.c): when it returns, the goroutine resumes on its
 * own stack in goc__sigpanic_trampoline (arch/), as if the faulting
 * instruction had called it, with the fault's details as arguments.
 * Returning from the handler also puts back the signal mask the
 * goroutine had, so no mask is saved or restored by anyone. The
 * trampoline aligns the stack and calls goc__sigpanic, which raises the
 * panic with Go's message; the "[signal ...]" line is printed with the
 * chain if nobody recovers it.
 *
 * Not every fault may become a panic. A stack overflow stays fatal
 * (signal.c, before us). A fault in goc's own code is fatal too: it may
 * hold a runtime lock or be halfway through a queue, so nothing can run
 * after it; Go's "fatal error: unexpected signal during runtime
 * execution". goc's code is known by its address range when goc is a
 * shared library, and by where the fault happens otherwise: on the
 * scheduler's stack or in a timer's function (not a goroutine's code),
 * or with a stack pointer outside the goroutine's stack. A signal sent by
 * kill (si_code <= 0) is not a fault and is left alone.
 */
#include "frame.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

void goc__sigpanic_trampoline(void) GOC_HIDDEN;
_Noreturn void goc__sigpanic(uintptr_t sig, uintptr_t code, uintptr_t addr,
                             uintptr_t pc) GOC_HIDDEN;

static uintptr_t own_lo, own_hi; /* goc's code, if a shared library */

void goc__sigpanic_init(void) { goc__os_own_text(&own_lo, &own_hi); }

static const char *fault_message(int sig, int code)
{
	if (sig != SIGFPE)
		return "runtime error: invalid memory address or nil pointer dereference";
	switch (code) {
	case FPE_INTDIV:
		return "runtime error: integer divide by zero";
	case FPE_INTOVF:
		return "runtime error: integer overflow";
	default:
		return "runtime error: floating point error";
	}
}

_Noreturn static void fatal_fault(struct os_fault *f)
{
	goc__os_write_err("fatal error: unexpected signal during runtime execution\n");
	goc__print_signal(f->sig, f->code, (uintptr_t)f->addr, (uintptr_t)f->pc);
	_exit(2);
}

bool goc__sigpanic_inject(struct g *g, struct os_fault *f)
{
	uintptr_t pc = (uintptr_t)f->pc;
	if (f->code <= 0)
		return false; /* sent, not a fault */
	if (pc >= own_lo && pc < own_hi)
		fatal_fault(f);
	struct m *m = goc__getm();
	char *sp = f->sp;
	if (m->in_timer || sp < g->stack_lo + 256 || sp > (char *)g)
		fatal_fault(f);
	uintptr_t args[4] = {(uintptr_t)f->sig, (uintptr_t)(unsigned)f->code,
	                     (uintptr_t)f->addr, pc};
	return goc__os_fault_inject(f, goc__sigpanic_trampoline, args);
}

void goc__sigpanic(uintptr_t sig, uintptr_t code, uintptr_t addr, uintptr_t pc)
{
	struct panic p;
	const char *msg = fault_message((int)sig, (int)code);
	size_t n = strlen(msg) + 1;
	memcpy(p.msg, msg, n);
	p.sig = (int)sig;
	p.sig_code = (int)code;
	p.sig_addr = addr;
	p.sig_pc = pc;
	goc__panic_raise(goc__unwind_self(), &p);
}
