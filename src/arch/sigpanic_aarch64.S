/*
 * sigpanic_aarch64.S — where a goroutine that faulted resumes
 * (sigpanic.c). The signal handler stored a frame record {x29, faulting
 * pc} just below the stack pointer, pointed x29 and sp at it, set x30 to
 * the faulting pc, and put the fault's details in x0-x3: the frame of a
 * call made at the faulting instruction, which unwinders walk through.
 * Marked a signal frame: the return address is the faulting instruction
 * itself, not the one after a call.
 */
	.text
	.globl goc__sigpanic_trampoline
	.hidden goc__sigpanic_trampoline
	.type goc__sigpanic_trampoline, %function
	.p2align 4
goc__sigpanic_trampoline:
	.cfi_startproc
	.cfi_signal_frame
	.cfi_def_cfa x29, 16
	.cfi_offset x29, -16
	.cfi_offset x30, -8
	bl goc__sigpanic
	brk #0
	.cfi_endproc
	.size goc__sigpanic_trampoline, .-goc__sigpanic_trampoline

	.section .note.GNU-stack,"",@progbits
