/*
 * platform.c — the operating-system calls behind platform.h: the futex,
 * the slow path of the spin lock, async-signal-safe output. Linux only.
 */
#include "platform.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void goc__futex_wait(uint32_t *addr, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tsp = &ts;
	}
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void goc__futex_wake(uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* Spin with pause a while (the holder is running and about to release),
 * then give the CPU away between tries (the holder may be descheduled). */
void goc__spin_lock_slow(spinlock *l)
{
	for (int i = 0;; i++) {
		if (load_relaxed(&l->held) == 0 && xchg(&l->held, 1) == 0)
			return;
		if (i < 64)
			cpu_relax();
		else
			sched_yield();
	}
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

void goc__write_err(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(2, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
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
