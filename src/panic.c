/*
 * panic.c — goc_panic and goc_recover (Go's panic and recover), and the
 * runtime's fatal errors.
 *
 * A panic is a record on goc_panic's own stack (frame.h): everything it
 * does happens below it, so its message lives until it is recovered or
 * the program ends. It runs the innermost frame's deferred calls, newest
 * first, each in a frame of its own, then pops that frame and goes on to
 * the enclosing one, as Go's gopanic does; the C frames in between are
 * simply abandoned. A deferred call that the panic runs may recover it:
 * goc_recover checks that the innermost frame is that of the deferred
 * call the newest panic is running, and that it was not recovered yet.
 * When the deferred call returns, the panic jumps to the frame whose call
 * recovered it (frame.h: no system call); that frame's goc_call runs its
 * remaining deferred calls and returns 1.
 *
 * A panic in a deferred call starts a new record below the old one,
 * linked to it: the chain that Go prints. A recovery at frame f drops
 * every panic that was unwinding f or a frame inside it (their stacks are
 * left by the jump); an older panic whose deferred call recovered a newer
 * one goes on.
 *
 * Not recovered, the chain is printed oldest first, "panic: <msg>
 * [recovered] [goroutine N]" with the later ones indented by a tab, then
 * a fault's signal line, a blank line, and the traceback (dump.c); the
 * process exits with status 2, flushing stdio as exit() does.
 *
 * A fatal error is the runtime's own ("fatal error: all goroutines are
 * asleep - deadlock!"): it may be raised with runtime locks held, so it
 * runs no deferred call, cannot be recovered, flushes stdio and leaves
 * with _exit.
 */
#include "frame.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV: segmentation violation";
	case SIGBUS:
		return "SIGBUS: bus error";
	case SIGFPE:
		return "SIGFPE: floating-point exception";
	default:
		return "signal";
	}
}

static char *fmt_hex(char buf[24], uintptr_t v)
{
	static const char digits[] = "0123456789abcdef";
	char *s = buf + 23;
	*s = 0;
	do {
		*--s = digits[v & 15];
		v >>= 4;
	} while (v);
	*--s = 'x';
	*--s = '0';
	return s;
}

void goc__print_signal(int sig, int code, uintptr_t addr, uintptr_t pc)
{
	char b[24];
	goc__os_write_err("[signal ");
	goc__os_write_err(signal_name(sig));
	goc__os_write_err(" code=");
	goc__os_write_err(fmt_hex(b, (uintptr_t)(unsigned)code));
	goc__os_write_err(" addr=");
	goc__os_write_err(fmt_hex(b, addr));
	goc__os_write_err(" pc=");
	goc__os_write_err(fmt_hex(b, pc));
	goc__os_write_err("]\n");
}

/* The chain, oldest first; returns the newest panic that came from a
 * fault, if any. */
static const struct panic *print_chain(const struct panic *p, const char *id)
{
	const struct panic *fault = NULL;
	if (p->link) {
		fault = print_chain(p->link, id);
		goc__os_write_err("\t");
	}
	goc__os_write_err("panic: ");
	goc__os_write_err(p->msg);
	if (p->recovered)
		goc__os_write_err(" [recovered]");
	goc__os_write_err(" [goroutine ");
	goc__os_write_err(id);
	goc__os_write_err("]\n");
	return p->sig ? p : fault;
}

/* Set by the first panic that ends the program: another one at the same
 * time waits for the exit instead of mixing its lines in (Go's paniclk). */
static uint32_t dying;

_Noreturn static void panic_unrecovered(struct panic *p)
{
	char id[24];
	uint32_t alive = 0;
	/* From here to the exit the thread is as in a blocking system call:
	 * sysmon gives its P to the goroutines that still run (one that
	 * loses the race below sleeps for good; printing may be slow), and
	 * the preemption handler leaves it alone (it neither waits for a
	 * turn nor holds up the exit; Go's startpanic stops preemption). */
	goc_syscall_enter();
	struct g *g = goc__getg();
	if (g && load_relaxed(&g->status) == G_SYSCALL)
		g_set_status(g, G_RUNNING); /* to the traceback, it runs */
	if (!cas(&dying, &alive, 1))
		for (;;)
			goc__os_futex_wait(&dying, 1, -1);
	fflush(stdout);
	const struct panic *fault = print_chain(p, goc__fmt_int(id, goc_id()));
	if (fault)
		goc__print_signal(fault->sig, fault->sig_code, fault->sig_addr,
		                  fault->sig_pc);
	goc__os_write_err("\n");
	goc__traceback_panic();
	exit(2);
}

/* p was recovered in a deferred call of f, which has returned: drop the
 * panics that were unwinding f or frames inside it, and resume in f. */
_Noreturn static void panic_land(struct unwind *u, struct frame *f)
{
	bool base = goc__frame_is_thread_base(f);
	while (u->panic && (base || u->panic->unwinding->depth >= f->depth))
		u->panic = u->panic->link;
	if (u->exiting_depth && f->depth <= u->exiting_depth)
		goc_exit(); /* a frame goc_exit is ending: it goes on */
	if (base) {
		/* No goc_call to return to: the thread ends, as a goroutine
		 * whose own frame recovered does. */
		goc__frame_end(u, f);
		goc__os_thread_exit();
	}
	if (f->kind == FRAME_LITE) {
		/* A deferred call's frame: its remaining calls run, then it
		 * returns into its parent's end, through the parent's buffer. */
		goc__frame_end(u, f);
		f = f->parent;
	} else {
		f->recovered = true;
	}
#ifdef GOC_ASAN
	__asan_handle_no_return();
#endif
	if (f->kind == FRAME_GOROUTINE) {
		/* The goroutine's function returns, in effect: the rest of
		 * its deferred calls run, and it ends from here. */
		goc__frame_end(u, f);
		goc__goroutine_return();
	}
	FRAME_LONGJMP(f->jb);
}

void goc__panic_raise(struct unwind *u, struct panic *p)
{
	p->link = u->panic;
	p->recovered = false;
	p->running = false;
	u->panic = p;
	for (struct frame *f; (f = u->top) != NULL;) {
		p->unwinding = f;
		while (f->n) {
			struct defer_rec d = goc__frame_pop(f);
			p->running = true;
			goc__frame_call(u, d.fn, d.arg);
			p->running = false;
			if (p->recovered)
				panic_land(u, f);
		}
		u->top = f->parent;
	}
	panic_unrecovered(p);
}

GOC_API _Noreturn void goc_panic(const char *fmt, ...)
{
	struct panic p;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p.msg, sizeof p.msg, fmt ? fmt : "(null)", ap);
	va_end(ap);
	p.sig = 0;
	goc__panic_raise(goc__unwind_self(), &p);
}

GOC_API const char *goc_recover(void)
{
	struct unwind *u = goc__unwind_self();
	struct panic *p = u->panic;
	if (!p || p->recovered || !p->running || !u->top ||
	    u->top->parent != p->unwinding)
		return NULL;
	p->recovered = true;
	return p->msg;
}

static void fatal_line(const char *msg)
{
	fflush(stdout);
	goc__os_write_err("fatal error: ");
	goc__os_write_err(msg);
	goc__os_write_err("\n");
}

_Noreturn void goc__fatal(const char *msg)
{
	goc__os_signal_block_all(); /* no preemption on the way out */
	goc__stack_overflow_if_any();
	fatal_line(msg);
	_exit(2);
}

_Noreturn void goc__fatal_dump(const char *msg)
{
	goc__os_signal_block_all(); /* no preemption on the way out */
	goc__stack_overflow_if_any();
	fatal_line(msg);
	goc__os_write_err("\n");
	goc__dump_goroutines();
	_exit(2);
}
