/*
 * context.h — the one interface between the scheduler and the machine: a
 * saved execution context is a stack pointer; everything else a switch
 * must keep (callee-saved registers, the floating-point control words) is
 * pushed on the stack being left.
 *
 * goc__ctx_switch saves the caller's context into *save_sp and resumes the
 * context to_sp; it returns when someone switches back to *save_sp. It
 * makes no system call (no signal mask, unlike swapcontext).
 *
 * goc__ctx_make prepares a fresh stack so that the first switch to it
 * calls entry(arg) with an aligned stack and a terminated frame chain
 * (backtraces in gdb end there). entry must never return.
 */
#ifndef GOC_ARCH_CONTEXT_H
#define GOC_ARCH_CONTEXT_H

#include "../platform.h"

void goc__ctx_switch(void **save_sp, void *to_sp) GOC_HIDDEN;
void *goc__ctx_make(void *stack_top, void (*entry)(void *), void *arg) GOC_HIDDEN;

/* ---- reading a context, for tracebacks and debuggers ----
 *
 * The registers an unwinder starts from, by DWARF register number (the
 * numbering of the CFI it reads): the pc, the stack pointer, the frame
 * pointer and the callee-saved registers; `valid` has bit n set for each
 * register n known. A context saved by goc__ctx_switch knows exactly
 * those, which is all that unwinding through CFI needs. */
#if defined(__x86_64__)
#define CTX_DWARF_REGS 17 /* rax .. r15, rip */
#define CTX_DWARF_SP 7
#define CTX_DWARF_FP 6
#define CTX_FRAME_WORDS 8 /* what goc__ctx_switch pushes, return address included */
#elif defined(__aarch64__)
#define CTX_DWARF_REGS 32 /* x0 .. x30, sp */
#define CTX_DWARF_SP 31
#define CTX_DWARF_FP 29
#define CTX_DWARF_LR 30
#define CTX_FRAME_WORDS 22
#endif

struct ctx_regs {
	uint64_t pc;
	uint64_t reg[CTX_DWARF_REGS];
	uint64_t valid; /* bit n: reg[n] is known */
};

/* The registers of a context saved by goc__ctx_switch (a parked or
 * runnable goroutine's g->sp): its pc is the return address into the
 * function that switched. */
void goc__ctx_regs_saved(void *sp, struct ctx_regs *r) GOC_HIDDEN;
/* Stores what goc__ctx_switch would push (the same layout), then the
 * stack pointer the caller has once it returns (switch_*.S). */
void goc__ctx_save(uint64_t *frame) GOC_HIDDEN;
/* The registers of such a frame. */
void goc__ctx_regs_frame(const uint64_t *frame, uint64_t sp_after,
                         struct ctx_regs *r) GOC_HIDDEN;

/* The calling function's own registers, its pc just after the call
 * inside: valid while that function's frame lives. */
static inline __attribute__((always_inline)) void ctx_regs_here(struct ctx_regs *r)
{
	uint64_t f[CTX_FRAME_WORDS + 1];
	goc__ctx_save(f);
	goc__ctx_regs_frame(f, f[CTX_FRAME_WORDS], r);
}
/* The registers a signal interrupted (the handler's ucontext_t): its pc
 * is the interrupted instruction itself. */
void goc__ctx_regs_signal(void *ucontext, struct ctx_regs *r) GOC_HIDDEN;

#endif
