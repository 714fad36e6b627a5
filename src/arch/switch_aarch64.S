/*
 * switch_aarch64.S — context switch for AArch64 (AAPCS64).
 *
 * Saved on the stack being left, in a 176-byte frame: x19-x28, the frame
 * pointer x29 and link register x30, d8-d15 (the callee-saved halves of
 * v8-v15) and FPCR. The stack pointer goes to *save_sp (x0); x1 is the
 * stack to resume, whose x30 is where the switch "returns".
 *
 * A fresh context (goc__ctx_make) holds the same frame with x30 pointing at
 * goc__ctx_trampoline, x19 = entry, x20 = arg, x29 = 0.
 */
	.text
	.globl goc__ctx_switch
	.hidden goc__ctx_switch
	.type goc__ctx_switch, %function
	.p2align 4
goc__ctx_switch:
	.cfi_startproc
	sub sp, sp, #176
	stp x19, x20, [sp, #0]
	stp x21, x22, [sp, #16]
	stp x23, x24, [sp, #32]
	stp x25, x26, [sp, #48]
	stp x27, x28, [sp, #64]
	stp x29, x30, [sp, #80]
	stp d8, d9, [sp, #96]
	stp d10, d11, [sp, #112]
	stp d12, d13, [sp, #128]
	stp d14, d15, [sp, #144]
	mrs x9, fpcr
	str x9, [sp, #160]
	mov x9, sp
	str x9, [x0]
	mov sp, x1
	ldr x9, [sp, #160]
	msr fpcr, x9
	ldp x19, x20, [sp, #0]
	ldp x21, x22, [sp, #16]
	ldp x23, x24, [sp, #32]
	ldp x25, x26, [sp, #48]
	ldp x27, x28, [sp, #64]
	ldp x29, x30, [sp, #80]
	ldp d8, d9, [sp, #96]
	ldp d10, d11, [sp, #112]
	ldp d12, d13, [sp, #128]
	ldp d14, d15, [sp, #144]
	add sp, sp, #176
	ret
	.cfi_endproc
	.size goc__ctx_switch, .-goc__ctx_switch

	.globl goc__ctx_trampoline
	.hidden goc__ctx_trampoline
	.type goc__ctx_trampoline, %function
	.p2align 4
goc__ctx_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov x0, x20
	blr x19
	brk #0
	.cfi_endproc
	.size goc__ctx_trampoline, .-goc__ctx_trampoline

/* goc__ctx_save(frame): frame[0..21] as goc__ctx_switch stores them
 * (FPCR left zero), frame[22] = sp, which a return leaves unchanged. */
	.globl goc__ctx_save
	.hidden goc__ctx_save
	.type goc__ctx_save, %function
	.p2align 4
goc__ctx_save:
	.cfi_startproc
	stp x19, x20, [x0, #0]
	stp x21, x22, [x0, #16]
	stp x23, x24, [x0, #32]
	stp x25, x26, [x0, #48]
	stp x27, x28, [x0, #64]
	stp x29, x30, [x0, #80]
	stp d8, d9, [x0, #96]
	stp d10, d11, [x0, #112]
	stp d12, d13, [x0, #128]
	stp d14, d15, [x0, #144]
	str xzr, [x0, #160]
	str xzr, [x0, #168]
	mov x9, sp
	str x9, [x0, #176]
	ret
	.cfi_endproc
	.size goc__ctx_save, .-goc__ctx_save

	.section .note.GNU-stack,"",%progbits
