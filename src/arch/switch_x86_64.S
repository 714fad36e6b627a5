/*
 * switch_x86_64.S — context switch for x86-64 (System V ABI).
 *
 * Saved on the stack being left, top to bottom: the return address (pushed
 * by the call), rbp, rbx, r12-r15, then MXCSR and the x87 control word in
 * one 8-byte slot (both are callee-saved by the ABI). The stack pointer is
 * stored into *save_sp (rdi); rsi is the stack to resume. rbp is pushed
 * first, as a normal prologue does, so frame-pointer walks stay intact.
 *
 * A fresh context (goc__ctx_make) holds the same frame with the return
 * address pointing at goc__ctx_trampoline, rbx = entry, r12 = arg, rbp = 0.
 */
	.text
	.globl goc__ctx_switch
	.hidden goc__ctx_switch
	.type goc__ctx_switch, @function
	.p2align 4
goc__ctx_switch:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.cfi_endproc
	.size goc__ctx_switch, .-goc__ctx_switch

	.globl goc__ctx_trampoline
	.hidden goc__ctx_trampoline
	.type goc__ctx_trampoline, @function
	.p2align 4
goc__ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq %r12, %rdi
	callq *%rbx
	ud2
	.cfi_endproc
	.size goc__ctx_trampoline, .-goc__ctx_trampoline

/* goc__ctx_save(frame): frame[0..7] as goc__ctx_switch pushes them (the
 * control words left zero), frame[8] = the caller's rsp after the return. */
	.globl goc__ctx_save
	.hidden goc__ctx_save
	.type goc__ctx_save, @function
	.p2align 4
goc__ctx_save:
	.cfi_startproc
	movq $0, 0(%rdi)
	movq %r15, 8(%rdi)
	movq %r14, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r12, 32(%rdi)
	movq %rbx, 40(%rdi)
	movq %rbp, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 64(%rdi)
	ret
	.cfi_endproc
	.size goc__ctx_save, .-goc__ctx_save

	.section .note.GNU-stack,"",@progbits
