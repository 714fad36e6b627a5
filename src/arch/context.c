/*
 * context.c — building the first frame of a fresh stack, so that the
 * first goc__ctx_switch to it lands in goc__ctx_trampoline, which calls
 * entry(arg). The frame mirrors what goc__ctx_switch pops (see the .S file
 * of each architecture); the floating-point control words are copied from
 * the creating thread, as a new thread would inherit them.
 */
#include "context.h"

#include <string.h>
#include <ucontext.h>

void goc__ctx_trampoline(void) GOC_HIDDEN;
static void reg_set(struct ctx_regs *r, int n, uint64_t v)
{
	r->reg[n] = v;
	r->valid |= (uint64_t)1 << n;
}

void goc__ctx_regs_saved(void *sp, struct ctx_regs *r)
{
	goc__ctx_regs_frame(sp, (uint64_t)(uintptr_t)sp + CTX_FRAME_WORDS * 8, r);
}

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

/* DWARF numbers: rbx 3, rbp 6, rsp 7, r12-r15 12-15. */
void goc__ctx_regs_frame(const uint64_t *f, uint64_t sp_after, struct ctx_regs *r)
{
	memset(r, 0, sizeof *r);
	reg_set(r, 15, f[1]);
	reg_set(r, 14, f[2]);
	reg_set(r, 13, f[3]);
	reg_set(r, 12, f[4]);
	reg_set(r, 3, f[5]);
	reg_set(r, CTX_DWARF_FP, f[6]);
	reg_set(r, CTX_DWARF_SP, sp_after);
	r->pc = f[7];
}

void goc__ctx_regs_signal(void *ucontext, struct ctx_regs *r)
{
	static const int dwarf_of_greg[][2] = {
		{0, REG_RAX},  {1, REG_RDX},  {2, REG_RCX},  {3, REG_RBX},
		{4, REG_RSI},  {5, REG_RDI},  {6, REG_RBP},  {7, REG_RSP},
		{8, REG_R8},   {9, REG_R9},   {10, REG_R10}, {11, REG_R11},
		{12, REG_R12}, {13, REG_R13}, {14, REG_R14}, {15, REG_R15},
	};
	const greg_t *gr = ((ucontext_t *)ucontext)->uc_mcontext.gregs;
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < sizeof dwarf_of_greg / sizeof *dwarf_of_greg; i++)
		reg_set(r, dwarf_of_greg[i][0], (uint64_t)gr[dwarf_of_greg[i][1]]);
	r->pc = (uint64_t)gr[REG_RIP];
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

void goc__ctx_regs_frame(const uint64_t *f, uint64_t sp_after, struct ctx_regs *r)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i <= 10; i++) /* x19 .. x29 */
		reg_set(r, 19 + i, f[i]);
	reg_set(r, 30, f[11]);
	reg_set(r, CTX_DWARF_SP, sp_after);
	r->pc = f[11];
}

void goc__ctx_regs_signal(void *ucontext, struct ctx_regs *r)
{
	const mcontext_t *mc = &((ucontext_t *)ucontext)->uc_mcontext;
	memset(r, 0, sizeof *r);
	for (int i = 0; i <= 30; i++)
		reg_set(r, i, mc->regs[i]);
	reg_set(r, CTX_DWARF_SP, mc->sp);
	r->pc = mc->pc;
}

#else
#error "goc: no context switch for this architecture (x86-64 and aarch64 only)"
#endif
