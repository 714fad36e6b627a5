/*
 * platform.c — the out-of-line parts of platform.h: the slow path of the
 * spin lock, the per-thread random numbers, integer formatting for
 * messages that must not use stdio. No system call of its own: the spin
 * lock yields and fastrand seeds itself through os.h.
 */
#include "platform.h"
#include "os.h"
#include "runtime.h" /* goc__forked_child */

__thread int32_t goc__locks_held __attribute__((tls_model("initial-exec")));

#if !defined(__x86_64__) && !defined(__aarch64__)
__attribute__((noinline)) int32_t *goc__locks_held_here(void)
{
	return &goc__locks_held;
}
#endif

/* In a child of fork, a lock taken for a second is held by a thread
 * that fork did not copy (fork.c). */
static void held_for_good(int64_t *since)
{
	int64_t now = nanotime();
	if (*since == 0)
		*since = now;
	else if (now - *since > 1000000000)
		goc__fork_child_stuck(true);
}

/* Spin with pause a while (the holder is running and about to release),
 * then give the CPU away between tries (the holder may be descheduled). */
void goc__spin_lock_slow(spinlock *l)
{
	int64_t since = 0;
	for (unsigned i = 0;; i++) {
		if (load_relaxed(&l->held) == 0 && xchg(&l->held, 1) == 0)
			return;
		if (i < 64) {
			cpu_relax();
			continue;
		}
		goc__os_yield();
		if (unlikely(goc__forked_child) && (i & 1023) == 0)
			held_for_good(&since);
	}
}

/* Counted while it waits: the wait leaves the section, and the caller
 * may hold another lock of its kind. */
GOC_LOCK_TEXT void goc__spin_lock_own_slow(spinlock *l)
{
	locks_held_inc();
	goc__spin_lock_slow(l);
	locks_held_dec();
}

uint32_t goc__fastrand(void)
{
	static __thread uint32_t state __attribute__((tls_model("initial-exec")));
	uint32_t x = state;
	if (unlikely(x == 0))
		x = (uint32_t)(uintptr_t)&state ^ (uint32_t)nanotime() ^ 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	state = x;
	return x;
}

char *goc__fmt_int(char *buf, int64_t v)
{
	char tmp[24];
	int i = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	char *p = buf;
	if (v < 0)
		*p++ = '-';
	while (i)
		*p++ = tmp[--i];
	*p = 0;
	return buf;
}
