/*
 * context.c — building the first frame of a fresh stack, so that the
 * first goc__ctx_switch to it lands in goc__ctx_trampoline, which calls
 * entry(arg). The frame mirrors what goc__ctx_switch pops (see the .S file
 * of each architecture); the floating-point control words are copied from
 * the creating thread, as a new thread would inherit them.
 */
#include "context.h"

#include <string.h>

void goc__ctx_trampoline(void) GOC_HIDDEN;

#if defined(__x86_64__)

void *goc__ctx_make(void *stack_top, void (*entry)(void *), void *arg)
{
	/* Slots, lowest address first: fp control, r15, r14, r13, r12, rbx,
	 * rbp, return address. After the switch pops them and returns, rsp
	 * sits at the top, 16-byte aligned, as the trampoline's call needs. */
	uintptr_t top = (uintptr_t)stack_top & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)top - 8;
	uint32_t mxcsr;
	uint16_t fpucw;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	__asm__ __volatile__("fnstcw %0" : "=m"(fpucw));
	memset(sp, 0, 8 * sizeof *sp);
	sp[0] = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
	sp[4] = (uint64_t)(uintptr_t)arg;   /* r12 */
	sp[5] = (uint64_t)(uintptr_t)entry; /* rbx */
	sp[6] = 0;                          /* rbp: end of the frame chain */
	sp[7] = (uint64_t)(uintptr_t)goc__ctx_trampoline;
	return sp;
}

#elif defined(__aarch64__)

void *goc__ctx_make(void *stack_top, void (*entry)(void *), void *arg)
{
	uintptr_t top = (uintptr_t)stack_top & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 176);
	uint64_t fpcr;
	__asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
	memset(sp, 0, 176);
	sp[0] = (uint64_t)(uintptr_t)entry; /* x19 */
	sp[1] = (uint64_t)(uintptr_t)arg;   /* x20 */
	sp[10] = 0;                         /* x29: end of the frame chain */
	sp[11] = (uint64_t)(uintptr_t)goc__ctx_trampoline; /* x30 */
	sp[20] = fpcr;
	return sp;
}

#else
#error "goc: no context switch for this architecture (x86-64 and aarch64 only)"
#endif
