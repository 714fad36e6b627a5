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

#endif
