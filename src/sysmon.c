/*
 * sysmon.c — the system monitor: a thread outside the scheduler (it holds
 * no P) that looks at the Ps every millisecond while any of them runs,
 * and sleeps while all are idle (the timer sleeper, an idle M, watches
 * the timers then), so an idle program uses no CPU.
 *
 * Today it rescues work that waits behind a goroutine that does not block:
 * a P that made no schedule since the last look while it has goroutines
 * queued (runnext included, which readies leave there without waking
 * anyone) is marked stale and an idle P is woken to steal from it. It
 * also makes sure due timers do not wait for a busy P, and once per time
 * slice asks each P to run its oldest goroutine next (fairness, sched.c).
 *
 * Its period is SYSMON_PERIOD, shortened to SYSMON_WATCH while the
 * scheduler reports work queued without a wake-up (sysmon_watch) and a
 * P is idle: then a goroutine that keeps running delays the work behind
 * it by tens of microseconds at most, not milliseconds.
 *
 * The seams for later work live here too: preempting a goroutine that
 * runs too long, and handing off the P of an M blocked in a system call.
 */
#include "runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYSMON_PERIOD (1 * GOC_MILLISECOND)
#define SYSMON_WATCH (50 * GOC_MICROSECOND)
#define TIME_SLICE (10 * GOC_MILLISECOND) /* Go's scheduling quantum */

static bool has_queued_work(struct p *p)
{
	return load_relaxed(&p->runnext) != NULL ||
	       load_acquire(&p->runq.bottom) > load_acquire(&p->runq.top);
}

/* Look at every running P; true if some work waits that an idle P could
 * take. */
static bool find_stale_work(void)
{
	bool stale = false;
	int32_t n = load_acquire(&goc_sched.nprocs);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc_sched.allp[i]);
		if (!p)
			continue;
		uint64_t tick = load_relaxed(&p->schedtick);
		if (tick == p->sysmon_tick && has_queued_work(p)) {
			store_relaxed(&p->sysmon_stale, 1);
			stale = true;
		} else {
			p->sysmon_tick = tick;
			store_relaxed(&p->sysmon_stale, 0);
		}
	}
	return stale;
}

/* Once per time slice, each P runs its oldest goroutine next (sched.c). */
static void ask_fairness(void)
{
	static int64_t last;
	int64_t now = nanotime();
	if (now - last < TIME_SLICE)
		return;
	last = now;
	int32_t n = load_acquire(&goc_sched.nprocs);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc_sched.allp[i]);
		if (p && !load_relaxed(&p->fair_due))
			store_relaxed(&p->fair_due, 1);
	}
}

static bool timers_overdue(void)
{
	int64_t first = goc_timers_earliest(NULL);
	return first && first + SYSMON_PERIOD < nanotime();
}

static bool all_idle(void)
{
	return load_seq(&goc_sched.npidle) == load_seq(&goc_sched.nprocs);
}

/* Sleep until a P starts running again (goc_sysmon_kick). */
static void wait_for_work(void)
{
	store_seq(&goc_sched.sysmon_idle, 1);
	if (all_idle()) {
		while (load_acquire(&goc_sched.sysmon_wake) == 0)
			goc_futex_wait(&goc_sched.sysmon_wake, 0, -1);
	}
	store_seq(&goc_sched.sysmon_idle, 0);
	store_relaxed(&goc_sched.sysmon_wake, 0);
}

void goc_sysmon_kick(void)
{
	if (load_seq(&goc_sched.sysmon_idle)) {
		store_release(&goc_sched.sysmon_wake, 1);
		goc_futex_wake(&goc_sched.sysmon_wake, 1);
	}
}

static void *sysmon_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "goc-sysmon");
	store_relaxed(&goc_sched.sysmon_tid, (pid_t)syscall(SYS_gettid));
	for (;;) {
		bool watch = xchg(&goc_sched.sysmon_watch, 0) != 0;
		struct timespec period = {0, watch ? SYSMON_WATCH : SYSMON_PERIOD};
		nanosleep(&period, NULL);
		if (all_idle()) {
			wait_for_work();
			continue;
		}
		ask_fairness();
		if ((find_stale_work() || timers_overdue()) &&
		    load_relaxed(&goc_sched.npidle) > 0)
			goc_wakep();
	}
	return NULL;
}

void goc_sysmon_start(void) GOC_HIDDEN;
void goc_sysmon_start(void)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	if (pthread_create(&t, &attr, sysmon_main, NULL) != 0)
		goc_fatal("cannot start the system monitor thread");
	pthread_attr_destroy(&attr);
}
