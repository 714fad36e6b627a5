/*
 * platform.h — the compiler facilities the runtime leans on everywhere:
 * atomics, a spin lock, symbol visibility, branch hints, a cheap random
 * number. The operating system is os.h's (the futex, the clock, threads).
 *
 * Atomics are GCC/Clang __atomic builtins on plain integers, so that the
 * public header can hold plain fields (C++ cannot include <stdatomic.h>
 * types) and ThreadSanitizer still sees every access.
 *
 * The spin lock guards short critical sections (a channel, a semaphore
 * bucket, a timer heap): acquire is one exchange, release one store. A
 * holder that the kernel deschedules is waited for by yielding the CPU
 * (goc__os_yield) after a short spin, so a lock never burns a whole time
 * slice.
 */
#ifndef GOC_PLATFORM_H
#define GOC_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GOC_API __attribute__((visibility("default")))
#define GOC_HIDDEN __attribute__((visibility("hidden")))
/* Code that may hold a lock taken with spin_lock_own: the preemption
 * handler tells from the interrupted address, not from a count, that
 * the thread may hold one (preempt.c). Such a lock is taken and released
 * only by code in this section, and code that holds one and calls out of
 * the section (libc's memcpy) counts the call (locks_held_inc). The
 * helpers such code calls are in it too, for builds that do not inline
 * them. A channel's lock, the hottest, is taken this way. */
#define GOC_LOCK_TEXT __attribute__((section("goc_lock_text")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define CACHE_LINE 64
#define ALIGNED_CACHE __attribute__((aligned(CACHE_LINE)))

#define load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_seq(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define store_seq(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define add_fetch(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
/* A failed cas acquires too: callers use the value it found (a page another
 * thread published, say) as if they had loaded it with load_acquire. */
#define cas(p, expect, desired)                                                        \
	__atomic_compare_exchange_n((p), (expect), (desired), false, __ATOMIC_SEQ_CST, \
	                            __ATOMIC_ACQUIRE)
#define fence_seq() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

typedef struct spinlock {
	uint32_t held;
} spinlock;

/* How many spin locks this thread holds. Preemption (preempt.c) makes a
 * goroutine wait for a processor inside a signal handler only while its
 * thread holds none: the thread that would hand it one may want the same
 * lock. Reached through the thread pointer read anew each time (goc's
 * own locks_held_here), not through the thread-local's address: a
 * goroutine may resume on another thread between two locks, and
 * compilers keep a thread-local's address across calls. The variable's
 * offset from the thread pointer is the same in every thread. */
extern __thread int32_t goc__locks_held __attribute__((tls_model("initial-exec")));
#if defined(__x86_64__)
GOC_LOCK_TEXT static inline int32_t *locks_held_here(void)
{
	char *tp;
	intptr_t off;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
	__asm__("movq goc__locks_held@gottpoff(%%rip), %0" : "=r"(off));
	return (int32_t *)(tp + off);
}
#elif defined(__aarch64__)
GOC_LOCK_TEXT static inline int32_t *locks_held_here(void)
{
	char *tp;
	intptr_t off;
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
	__asm__("adrp %0, :gottprel:goc__locks_held\n\t"
	        "ldr %0, [%0, #:gottprel_lo12:goc__locks_held]"
	        : "=r"(off));
	return (int32_t *)(tp + off);
}
#else
int32_t *goc__locks_held_here(void) GOC_HIDDEN; /* not inlined */
#define locks_held_here goc__locks_held_here
#endif

/* Count a lock in or out, in the thread the code runs on now. On x86-64
 * one instruction on the %fs-relative slot (a signal sees it done or not;
 * the offset's load is shared between a lock and its unlock); elsewhere
 * through locks_held_here. Either way a compiler barrier: the count
 * stays on its side of the exchange or the release. */
#if defined(__x86_64__)
GOC_LOCK_TEXT static inline intptr_t locks_held_offset(void)
{
	intptr_t off;
	__asm__("movq goc__locks_held@gottpoff(%%rip), %0" : "=r"(off));
	return off;
}

GOC_LOCK_TEXT static inline void locks_held_inc(void)
{
	__asm__ volatile("incl %%fs:(%0)" : : "r"(locks_held_offset()) : "memory");
}

GOC_LOCK_TEXT static inline void locks_held_dec(void)
{
	__asm__ volatile("decl %%fs:(%0)" : : "r"(locks_held_offset()) : "memory");
}
#else
GOC_LOCK_TEXT static inline void locks_held_inc(void)
{
	++*locks_held_here();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

GOC_LOCK_TEXT static inline void locks_held_dec(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	--*locks_held_here();
}
#endif

void goc__spin_lock_slow(spinlock *l) GOC_HIDDEN;

/* A lock counted only while it waits: for code that holds it only in
 * the lock section (GOC_LOCK_TEXT, at the top). */
void goc__spin_lock_own_slow(spinlock *l) GOC_HIDDEN;

GOC_LOCK_TEXT static inline void spin_lock_own(spinlock *l)
{
	if (unlikely(xchg(&l->held, 1) != 0))
		goc__spin_lock_own_slow(l);
}

GOC_LOCK_TEXT static inline void spin_unlock_own(spinlock *l)
{
	store_release(&l->held, 0);
}

/* The count covers the lock from before it is taken to after it is
 * released: a signal between the exchange and the count (or the release
 * and the count) would otherwise find the lock held and the count zero,
 * and the handler would wait with the lock held. */
static inline void spin_lock(spinlock *l)
{
	locks_held_inc();
	if (unlikely(xchg(&l->held, 1) != 0))
		goc__spin_lock_slow(l);
}

static inline bool spin_trylock(spinlock *l)
{
	locks_held_inc();
	if (load_relaxed(&l->held) == 0 && xchg(&l->held, 1) == 0)
		return true;
	locks_held_dec();
	return false;
}

static inline void spin_unlock(spinlock *l)
{
	store_release(&l->held, 0);
	locks_held_dec();
}

/* A cheap per-thread pseudo-random number (xorshift). */
uint32_t goc__fastrand(void) GOC_HIDDEN;

/* Decimal form of v into buf (at least 21 bytes); returns buf. */
char *goc__fmt_int(char *buf, int64_t v) GOC_HIDDEN;

#endif
