/*
 * preempt.c — a goroutine that computes for PREEMPT_AFTER without a goc
 * call loses its processor (Go's asynchronous preemption, by hand-off).
 *
 * sysmon sees a P that has not scheduled for PREEMPT_AFTER and signals
 * its thread (SIGURG). The handler does not switch goroutines: C gives no
 * safe point for that (the goroutine may hold malloc's lock, stdio's, or
 * a pthread mutex that the next goroutine on this thread would want). It
 * only detaches the P: marks it P_SYSCALL, as if the goroutine had
 * entered a blocking call, and forgets it (m->p = NULL). sysmon then
 * hands the P to another thread (syscall.c's retake), which runs the
 * goroutines queued behind. The hog runs on as a plain thread, which the
 * kernel time-slices with the others, until its next goc call that needs
 * a P (park, yield, exit): that call switches to the thread's g0, which
 * takes an idle P or sleeps until given one. Calls that only use a P if
 * there is one (ready, spawn, timers) do as a plain thread does.
 *
 * The one hazard left is goc itself: the handler must not take the P
 * while goc code on this thread is using it (a switch, a ready, a spawn).
 * Those regions raise m->preempt_off (Go's m.locks), and the handler does
 * nothing then; sysmon asks again a moment later.
 *
 * GOC_DEBUG=asyncpreemptoff=1 turns it off, as Go's GODEBUG does.
 */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

bool goc__async_preempt_off;

/* In the interrupted thread, on its signal stack. Async-signal-safe:
 * atomics and plain stores to this thread's own M. */
static void on_preempt(void)
{
	struct m *m = goc__getm();
	if (!m || !m->curg || m->preempt_off || m->in_syscall)
		return;
	struct p *p = m->p;
	if (!p)
		return;
	/* The tick first: once marked, the P may be another M's at once. */
	store_relaxed(&p->syscalltick, p->syscalltick + 1);
	if (!p_cas_status(p, P_RUNNING, P_SYSCALL) &&
	    !p_cas_status(p, P_RETIRING, P_SYSCALL))
		return;
	m->p = NULL;
}

/* GOC_DEBUG is Go's GODEBUG: comma-separated name=value. */
static bool debug_set(const char *name)
{
	const char *env = getenv("GOC_DEBUG");
	size_t len = strlen(name);
	for (const char *s = env; s && *s;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n > len && strncmp(s, name, len) == 0 && s[len] == '=')
			return strncmp(s + len + 1, "0", n - len - 1) != 0;
		s = end ? end + 1 : NULL;
	}
	return false;
}

void goc__preempt_init(void)
{
	goc__async_preempt_off = debug_set("asyncpreemptoff");
	if (!goc__async_preempt_off)
		goc__os_signal_preempt_install(on_preempt);
}

/* Only a thread that computes is signalled. One asleep in the kernel is
 * in a system call that goc does not know of (a raw read, usleep): a
 * signal would cut short the calls that SA_RESTART does not restart
 * (sleeps, poll, select) with EINTR, which C code rarely expects. Such a
 * P stays with its thread, as it would without preemption, and sysmon
 * moves the work queued on it elsewhere. */
void goc__preempt(struct p *p)
{
	struct m *m = load_acquire(&p->m);
	if (!m || goc__async_preempt_off)
		return;
	int tid = load_relaxed(&m->tid);
	if (goc__os_thread_on_cpu(tid))
		goc__os_thread_preempt(tid);
}
