/*
 * os.h — every operating-system call of the runtime, behind one small
 * interface. src/os_linux.c implements it for Linux (glibc); the rest of
 * the runtime makes no system call of its own (two in sched.c wait for
 * the scheduler merge, see the futex below), so a port, a network poller
 * (epoll) or preemption (signals to threads) finds every call it must
 * change or join in this one place.
 *
 * The interface offers mechanisms, not policy: which guard a stack gets,
 * how many Ps to run, what a fault means — that stays with the caller
 * (stack.c, proc.c, signal.c). Functions report failure by their result
 * (or not at all where no caller ever looked) and print nothing, so the
 * callers keep their own error messages.
 *
 * Nothing here takes memory from mem.h, and the functions marked
 * async-signal-safe may be called from a signal handler.
 *
 * The clock is the exception to "one call behind a function": nanotime is
 * inline, because it is read on hot paths and is a vDSO call (no system
 * call), so a function call would be most of its cost.
 */
#ifndef GOC_OS_H
#define GOC_OS_H

#include "platform.h"

#include <time.h>

/* ---- time ------------------------------------------------------------ */

/* Monotonic nanoseconds (vDSO: no system call). */
static inline int64_t nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Put the calling thread to sleep for ns nanoseconds (not a goroutine:
 * the whole thread). */
void goc__os_sleep(int64_t ns) GOC_HIDDEN;

/* Give the CPU to another runnable thread, if any. */
void goc__os_yield(void) GOC_HIDDEN;

/* ---- futex ----------------------------------------------------------- */

/* Sleep while *addr == val (timeout_ns < 0: no timeout); may return early
 * (a signal, a spurious wake-up), so callers loop on their condition.
 * Process-private. */
void goc__os_futex_wait(uint32_t *addr, uint32_t val, int64_t timeout_ns) GOC_HIDDEN;
/* Wake up to n threads sleeping on addr. */
void goc__os_futex_wake(uint32_t *addr, int n) GOC_HIDDEN;

/* ---- address space (goroutine stacks) ----------------------------------- */

/* Reserve size bytes (a multiple of the page size) of read-write address
 * space. Pages become memory only when touched, with no commit charge
 * (a million reservations cost nothing until used), and never as huge
 * pages (a stack's first touch must fault in 4 KiB, not 2 MiB). NULL when
 * the address space is exhausted. */
void *goc__os_map_reserve(size_t size) GOC_HIDDEN;
/* Give back a region from goc__os_map_reserve (or a page-aligned part). */
void goc__os_unmap(void *p, size_t size) GOC_HIDDEN;

/* Does goc__os_guard_install work on this kernel (Linux 6.13+), and does
 * a guarded page really fault? A probe: maps, guards and unmaps a page. */
bool goc__os_guard_probe(void) GOC_HIDDEN;
/* Make [p, p+size) fault on any access with a marker that adds no
 * mapping (MADV_GUARD_INSTALL). false: not done. */
bool goc__os_guard_install(void *p, size_t size) GOC_HIDDEN;
/* Make [p, p+size) fault on any access by removing its permissions;
 * splits the mapping (it counts against goc__os_max_map_count). false:
 * not done. */
bool goc__os_guard_protect(void *p, size_t size) GOC_HIDDEN;
/* How many mappings the process may have (vm.max_map_count; the kernel's
 * default if it cannot be read). */
size_t goc__os_max_map_count(void) GOC_HIDDEN;

/* ---- threads --------------------------------------------------------- */

/* Start a detached thread running fn(arg) on a stack of stack_size
 * bytes. Returns 0, or an errno value. Every thread of the runtime (Ms,
 * sysmon) starts here: a collector that must know the threads whose
 * stacks it scans registers them here. */
int goc__os_thread_start(void *(*fn)(void *), void *arg, size_t stack_size) GOC_HIDDEN;
/* Name the calling thread (as debuggers and top show it; at most 15
 * characters). */
void goc__os_thread_name(const char *name) GOC_HIDDEN;
/* End the calling thread (goc_exit from a thread that is not running a
 * goroutine). */
_Noreturn void goc__os_thread_exit(void) GOC_HIDDEN;
/* The calling thread's own stack: its lowest address and size. false
 * (and *lo, *size untouched) if the system cannot tell. */
bool goc__os_thread_stack(void **lo, size_t *size) GOC_HIDDEN;
/* The mapping that holds addr: [*lo, *hi). Read from /proc/self/maps
 * with system calls alone, so it allocates nothing (tracebacks). */
bool goc__os_mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) GOC_HIDDEN;
/* CPUs this process may run on (its affinity mask), else the CPUs
 * online; at least 1. */
int goc__os_ncpu(void) GOC_HIDDEN;
/* The CPU this thread runs on (-1 if unknown). */
int goc__os_cpu_now(void) GOC_HIDDEN;
/* Move this thread to cpu now, if its affinity allows it, and leave its
 * affinity as it was. Async-signal-safe. */
void goc__os_move_to_cpu(int cpu) GOC_HIDDEN;
/* Threads in this process (0 if unknown). */
int goc__os_thread_count(void) GOC_HIDDEN;

/* ---- signals --------------------------------------------------------- */

/* A fault as the handler sees it: signal, si_code, faulting address,
 * and the interrupted pc and stack pointer; ctx is the context the
 * handler returns to. */
struct os_fault {
	int sig, code;
	void *addr, *pc, *sp;
	void *ctx;
};

/* Call fn on a fault (SIGSEGV, SIGBUS, SIGFPE), on the thread's alternate
 * signal stack. fn runs in a signal handler; if it returns, the faulting
 * instruction runs again, so it must either not return, or first put back
 * the previous disposition (goc__os_signal_fault_restore), or redirect
 * the context (goc__os_fault_inject). Installed once, at start. */
void goc__os_signal_fault_install(void (*fn)(struct os_fault *f)) GOC_HIDDEN;
/* Put back the disposition sig had before goc__os_signal_fault_install.
 * Async-signal-safe. */
void goc__os_signal_fault_restore(int sig) GOC_HIDDEN;
/* Make the faulting context resume as a call of fn(a[0..3]) made at the
 * faulting instruction, on the same stack (Go's sigpanic injection); fn
 * never returns. false: not supported on this machine. */
bool goc__os_fault_inject(struct os_fault *f, void (*fn)(void),
                          const uintptr_t a[4]) GOC_HIDDEN;
/* The executable range of goc's own code when it is a shared library;
 * false when it is linked into the program. */
bool goc__os_own_text(uintptr_t *lo, uintptr_t *hi) GOC_HIDDEN;
/* The interrupted address in a signal handler's context (0: unknown). */
uintptr_t goc__os_context_pc(const void *ucontext) GOC_HIDDEN;
/* Call fn(the signal's ucontext_t) on SIGQUIT, on the alternate signal
 * stack, unless the program has a disposition of its own for it already
 * (a handler, or SIG_IGN). */
void goc__os_signal_quit_install(void (*fn)(void *ucontext)) GOC_HIDDEN;
/* Block SIGQUIT in the calling thread (sysmon: it prints SIGQUIT's dump,
 * so the signal must go to another thread). */
void goc__os_signal_block_quit(void) GOC_HIDDEN;
/* Block every signal on this thread: a dying thread must not stop in a
 * handler (preemption's waits for a processor) before it has exited. */
void goc__os_signal_block_all(void) GOC_HIDDEN;
/* End the process with SIGABRT and a core dump (GOC_TRACEBACK=crash),
 * whatever handler or mask the program set. Async-signal-safe. */
_Noreturn void goc__os_crash(void) GOC_HIDDEN;
/* Make [stack, stack+size) the calling thread's alternate signal stack.
 * false: not done (a fault then has no stack to be reported on). */
bool goc__os_signal_altstack(void *stack, size_t size) GOC_HIDDEN;
/* Put back the signal stack the thread had before (before it exits). */
void goc__os_signal_altstack_restore(void) GOC_HIDDEN;
/* The preemption signal: fn runs in the interrupted thread (on its
 * alternate stack, with errno kept); goc__os_thread_preempt sends it to a
 * thread of this process. Async-signal-safe. */
void goc__os_signal_preempt_install(void (*fn)(void *ucontext)) GOC_HIDDEN;
void goc__os_thread_preempt(int tid) GOC_HIDDEN;
int goc__os_thread_id(void) GOC_HIDDEN;
/* What thread tid is doing: running or ready to run, asleep in a futex
 * (a lock, a condition variable: a call that SA_RESTART restarts), or
 * anything else (another system call, stopped, gone). */
enum os_thread_state { OS_THREAD_ON_CPU, OS_THREAD_IN_FUTEX, OS_THREAD_OTHER };
enum os_thread_state goc__os_thread_state(int tid) GOC_HIDDEN;

/* ---- output ---------------------------------------------------------- */

/* Write a message to stderr with write(2): async-signal-safe, and safe
 * while other threads hold stdio locks. */
void goc__os_write_err(const char *s) GOC_HIDDEN;

/* errno, read or set through a call the compiler cannot see into. errno
 * is thread-local and its address comes from a function the C library
 * declares const, so a compiler may compute it once per function; a
 * goroutine that parked in between may be on another thread by then.
 * Code that touches errno after it may have parked uses these. */
int goc__os_errno(void) GOC_HIDDEN;
void goc__os_set_errno(int e) GOC_HIDDEN;

#endif
