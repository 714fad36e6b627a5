/*
 * syscall.c — what bracketing a blocking call costs when the call returns
 * at once: N goc_syscall_enter() + goc_syscall_exit() pairs in the main
 * goroutine with nothing between them, so no processor is ever handed off.
 * This is the price every blocking-mode read or write, and every call a
 * program brackets itself, pays on top of the system call. goc only (Go's
 * entersyscall is not public); target: ns_per_call <= 25.
 * Check: errno survives every pair (goc_syscall_exit keeps it).
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>

bool run_syscall(int64_t n, char *out, size_t len)
{
	int64_t start = goc_now();
	errno = EINTR;
	for (int64_t i = 0; i < n; i++) {
		goc_syscall_enter();
		goc_syscall_exit();
	}
	bool ok = goc_errno() == EINTR; /* errno's thread may have changed */
	int64_t d = goc_now() - start;
	snprintf(out, len, "ns_per_call=%.2f", per_op(d, n));
	return ok;
}
