/*
 * sigpanic_x86_64.S — where a goroutine that faulted resumes
 * (sigpanic.c). The signal handler pushed the faulting pc as a return
 * address and put the fault's details in rdi, rsi, rdx, rcx; the stack
 * pointer may be anywhere, so a frame is made (unwinders then walk into
 * the faulting function) and the stack aligned before calling
 * goc__sigpanic. Marked a signal frame: the return address is the
 * faulting instruction itself, not the one after a call.
 */
	.text
	.globl goc__sigpanic_trampoline
	.hidden goc__sigpanic_trampoline
	.type goc__sigpanic_trampoline, @function
	.p2align 4
goc__sigpanic_trampoline:
	.cfi_startproc
	.cfi_signal_frame
	pushq %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset rbp, -16
	movq %rsp, %rbp
	.cfi_def_cfa_register rbp
	andq $-16, %rsp
	callq goc__sigpanic
	ud2
	.cfi_endproc
	.size goc__sigpanic_trampoline, .-goc__sigpanic_trampoline

	.section .note.GNU-stack,"",@progbits
