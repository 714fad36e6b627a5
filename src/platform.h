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
#define cas(p, expect, desired)                                                        \
	__atomic_compare_exchange_n((p), (expect), (desired), false, __ATOMIC_SEQ_CST, \
	                            __ATOMIC_RELAXED)
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

void goc__spin_lock_slow(spinlock *l) GOC_HIDDEN;

static inline void spin_lock(spinlock *l)
{
	if (likely(xchg(&l->held, 1) == 0))
		return;
	goc__spin_lock_slow(l);
}

static inline bool spin_trylock(spinlock *l)
{
	return load_relaxed(&l->held) == 0 && xchg(&l->held, 1) == 0;
}

static inline void spin_unlock(spinlock *l) { store_release(&l->held, 0); }

/* A cheap per-thread pseudo-random number (xorshift). */
uint32_t goc__fastrand(void) GOC_HIDDEN;

/* Decimal form of v into buf (at least 21 bytes); returns buf. */
char *goc__fmt_int(char *buf, int64_t v) GOC_HIDDEN;

#endif
