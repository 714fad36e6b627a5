/*
 * sysmon.c — the system monitor: a thread outside the scheduler (it holds
 * no P) that looks at the Ps every millisecond while any of them runs,
 * and sleeps while all are idle (the timer sleeper, an idle M, watches
 * the timers then), so an idle program uses no CPU.
 *
 * Today it decides when work moves to another core. The scheduler queues
 * new and readied goroutines on the running P without waking anyone
 * (sched.c); sysmon wakes an idle P when work on a P is stuck behind a
 * goroutine that keeps running (find_stale_work). It also makes sure due timers do not wait for a busy
 * P, and once per time slice asks each P to run its oldest goroutine next
 * (fairness, sched.c).
 *
 * Its period is SYSMON_PERIOD, shortened while work is queued on some P
 * and another P is idle (next_pause); the scheduler's first report of
 * work queued without a wake-up (sysmon_watch) ends a long sleep at once.
 * Then a goroutine that keeps running delays the work behind it by half a
 * millisecond at most, not milliseconds.
 *
 * It also takes the P of a thread that stays in a system call (syscall.c,
 * looking every SYSMON_WATCH while any is in one), and polls the network
 * when no thread has for POLL_FORGOTTEN, and asks a goroutine that has
 * run too long to give its P up (preempt.c; should_preempt says when).
 */
#include "runtime.h"
#include "netpoll.h"

#define SYSMON_PERIOD (1 * GOC_MILLISECOND)
#define SYSMON_WATCH (50 * GOC_MICROSECOND)
#define TIME_SLICE (10 * GOC_MILLISECOND)  /* Go's scheduling quantum */
#define STUCK_TIME (200 * GOC_MICROSECOND) /* see find_stale_work */
#define RUNNEXT_STUCK_TIME (2 * GOC_MILLISECOND)
#define FRESH_STACKS 16 /* goroutines started on new stacks between looks */
#define POLL_FORGOTTEN (10 * GOC_MILLISECOND) /* see poll_if_forgotten */
#define PREEMPT_AFTER (10 * GOC_MILLISECOND)  /* Go's forcePreemptNS */
#define PREEMPT_RETRY (1 * GOC_MILLISECOND)   /* the handler may decline */
#define PREEMPT_FOR_WAKE (1 * GOC_MILLISECOND)

/* Goroutines wait on the global queue that are not there by preemption
 * (woken from a plain thread or by a P going away), and no P is idle to
 * take them. */
static bool woken_work_waits(void)
{
	return load_relaxed(&goc__sched.npidle) == 0 &&
	       load_relaxed(&goc__sched.gq_size) >
	               load_relaxed(&goc__sched.gq_preempted);
}

static bool timer_due(struct p *p, int64_t now)
{
	int64_t first = load_relaxed(&p->timers.first);
	return first != 0 && first <= now;
}

/* p's runnext holds a sleeper its timer woke (sched.c's ready_many), not
 * a goroutine the running one readied: a mutex waiter its unlock woke
 * waits there too, while the unlocker takes the lock again and runs on,
 * and preempting for it would only move the P back and forth. A sleeper
 * that ran, slept again and was readied by other means since still
 * matches: one preemption too early, no harm. */
static bool sleeper_in_runnext(struct p *p)
{
	struct g *next = load_relaxed(&p->runnext);
	return next && next == load_relaxed(&p->timer_woken);
}

/* Whether any goroutine waits that p's thread could run instead: on p
 * (its deque, runnext, a due timer) or on the global queue (preempted
 * goroutines included: they wait their turn). */
static bool others_wait(struct p *p, int64_t now)
{
	return load_relaxed(&goc__sched.gq_size) > 0 ||
	       load_acquire(&p->runq.bottom) > load_acquire(&p->runq.top) ||
	       load_relaxed(&p->runnext) != NULL || timer_due(p, now);
}

/* A goroutine that has run PREEMPT_AFTER without its P scheduling gives
 * the P up (preempt.c) if another goroutine waits for it: alone, it would
 * only be queued and run again, at the price of a hand-over (a signal,
 * thread wake-ups: where Go switches goroutines in place, goc moves the
 * P). So does one that has run PREEMPT_FOR_WAKE while a timer of its P
 * is due, a sleeper its timer woke waits to run next, or a goroutine
 * woken from outside waits on the global queue: a sleeper would
 * otherwise wait out the whole slice, as in Go. */
static bool should_preempt(struct p *p, int64_t now, int64_t stuck_for)
{
	uint32_t status = p_status(p);
	if ((status != P_RUNNING && status != P_RETIRING) ||
	    now - p->sysmon_preempt_when < PREEMPT_RETRY)
		return false;
	if (status == P_RETIRING)
		return true; /* goc_maxprocs waits for it */
	if (stuck_for >= PREEMPT_AFTER)
		return others_wait(p, now);
	if (stuck_for < PREEMPT_FOR_WAKE)
		return false;
	return timer_due(p, now) || sleeper_in_runnext(p) || woken_work_waits();
}

/* Look at every P; true if some work waits that an idle P could take: a
 * P that has not scheduled for STUCK_TIME while goroutines wait in its
 * deque is stuck behind a goroutine that computes. Its runnext — usually
 * a goroutine the running one readied, such as a mutex waiter it woke —
 * is taken from it only after RUNNEXT_STUCK_TIME (p->sysmon_stale): moved
 * sooner, that waiter would contend with its waker from another core,
 * where it mostly runs anyway once the waker blocks (Go leaves it there
 * for a whole time slice). A P that started FRESH_STACKS goroutines on
 * never-used stacks since the last look is faulting in memory, which
 * another core does as well in parallel: its deque is shared at once.
 * After a rescued goroutine parked on a mutex at
 * once (it wanted the lock the stuck goroutine holds), deque rescues pause
 * for a time slice (rescue_quiet_until, set in sched.c). A shorter pause
 * (a page fault, the hypervisor
 * taking the CPU away) is not worth moving goroutines for. A P that keeps
 * switching is left alone even with work queued: its goroutines are
 * talking to each other (through channels, locks), and spreading them
 * over cores only moves their cache lines back and forth (see
 * docs/design.md). *queued tells whether any work waits at all, and
 * *stale_at the earliest time some would be found stale, if the P it
 * waits on schedules no more (INT64_MAX: none); *asked, whether it asked
 * a goroutine to give its P up. */
static bool find_stale_work(int64_t now, bool *queued, int64_t *stale_at, bool *asked)
{
	bool stale = false;
	int32_t n = load_acquire(&goc__sched.nallp); /* retiring Ps too */
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		if (!p)
			continue;
		uint64_t tick = load_relaxed(&p->schedtick);
		if (tick != p->sysmon_tick) {
			p->sysmon_tick = tick;
			p->sysmon_tick_time = now;
		}
		int64_t stuck_for = now - p->sysmon_tick_time;
		if (should_preempt(p, now, stuck_for)) {
			p->sysmon_preempt_when = now;
			goc__preempt(p, tick); /* preempt.c */
			*asked = true; /* look again soon: the P comes back to retake */
		}
		bool in_deque =
			load_acquire(&p->runq.bottom) > load_acquire(&p->runq.top);
		bool in_runnext = load_relaxed(&p->runnext) != NULL;
		/* When each kind of work queued on p is stale if p schedules
		 * no more; the earliest tells sysmon when to look again. */
		int64_t quiet = load_relaxed(&goc__sched.rescue_quiet_until);
		int64_t deque_at = p->sysmon_tick_time + STUCK_TIME;
		deque_at = deque_at > quiet ? deque_at : quiet;
		int64_t runnext_at = p->sysmon_tick_time + RUNNEXT_STUCK_TIME;
		if (in_deque && deque_at < *stale_at)
			*stale_at = deque_at;
		if (in_runnext && runnext_at < *stale_at)
			*stale_at = runnext_at;
		bool take_runnext = in_runnext && now >= runnext_at;
		*queued = *queued || in_deque || in_runnext;
		store_relaxed(&p->sysmon_stale, take_runnext);
		uint64_t fresh = load_relaxed(&p->fresh_starts);
		bool faulting = fresh - p->sysmon_fresh >= FRESH_STACKS;
		/* Starting goroutines on new stacks: the next look may find
		 * it faulting, so look as soon as before. */
		if (in_deque && fresh != p->sysmon_fresh &&
		    now + SYSMON_WATCH < *stale_at)
			*stale_at = now + SYSMON_WATCH;
		p->sysmon_fresh = fresh;
		bool take_deque = in_deque && (faulting || now >= deque_at);
		stale = stale || take_runnext || take_deque;
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
	int32_t n = load_acquire(&goc__sched.nprocs);
	for (int32_t i = 0; i < n; i++) {
		struct p *p = load_acquire(&goc__sched.allp[i]);
		if (p && !load_relaxed(&p->fair_due))
			store_relaxed(&p->fair_due, 1);
	}
}

static bool timers_overdue(void)
{
	int64_t first = goc__timers_earliest();
	return first && first + SYSMON_PERIOD < nanotime();
}

static bool all_idle(void)
{
	/* A P being removed still runs until its M lets it go. */
	return load_seq(&goc__sched.npidle) == load_seq(&goc__sched.nprocs) &&
	       load_seq(&goc__sched.retiring) == 0;
}

/* Nothing runs, and nothing waits on the global queue (where a goroutine
 * preempted without a P queues itself: preempt.c). */
static bool nothing_to_watch(void)
{
	return all_idle() && load_seq(&goc__sched.gq_size) == 0;
}

/* Sleep until a P starts running again (goc__sysmon_kick). */
static void wait_for_work(void)
{
	store_seq(&goc__sched.sysmon_idle, 1);
	if (nothing_to_watch()) {
		while (load_acquire(&goc__sched.sysmon_wake) == 0)
			goc__os_futex_wait(&goc__sched.sysmon_wake, 0, -1);
	}
	store_seq(&goc__sched.sysmon_idle, 0);
	store_relaxed(&goc__sched.sysmon_wake, 0);
}

/* The long sleep, SYSMON_PERIOD, cut short by goc__sysmon_watch_slow. */
static void nap(void)
{
	store_seq(&goc__sched.sysmon_nap, 1);
	if (!load_seq(&goc__sched.sysmon_watch))
		goc__os_futex_wait(&goc__sched.sysmon_nap, 1, SYSMON_PERIOD);
	store_relaxed(&goc__sched.sysmon_nap, 0);
}

/* The first report of lazily queued work ends a long sleep: stranded work
 * is then found in tens of microseconds, not a millisecond. */
void goc__sysmon_watch_slow(void)
{
	if (xchg(&goc__sched.sysmon_watch, 1) == 0 &&
	    load_seq(&goc__sched.sysmon_nap) && xchg(&goc__sched.sysmon_nap, 0))
		goc__os_futex_wake(&goc__sched.sysmon_nap, 1);
}

void goc__sysmon_kick(void)
{
	if (load_seq(&goc__sched.sysmon_idle)) {
		store_release(&goc__sched.sysmon_wake, 1);
		goc__os_futex_wake(&goc__sched.sysmon_wake, 1);
	}
}

/* Every thread busy running goroutines, none looking for work: nobody
 * polls the network. After POLL_FORGOTTEN sysmon does (Go's sysmon), and
 * queues what it finds on the global queue. */
static void poll_if_forgotten(int64_t now)
{
	if (load_relaxed(&goc__netpoll_waiters) == 0 ||
	    load_relaxed(&goc__netpoll_blocked) ||
	    now - load_relaxed(&goc__netpoll_last) < POLL_FORGOTTEN)
		return;
	int n;
	struct g *list = goc__netpoll(0, &n);
	if (list)
		goc__inject(NULL, list, false);
}

int64_t goc__coarse_now ALIGNED_CACHE;

/* Written only when it moves by a second: parking goroutines read it. */
static void coarse_clock(int64_t now)
{
	int64_t s = now - now % GOC_SECOND;
	if (s != load_relaxed(&goc__coarse_now))
		store_relaxed(&goc__coarse_now, s);
}

/* SIGQUIT's dump is printed here, not in the signal handler: the
 * symboliser allocates, and the interrupted thread may hold malloc's lock
 * (traceback.c). Never delivered here, so that this thread is free. */
uint32_t goc__sysmon_running;
static uint32_t quit_asked;

void goc__sysmon_quit(void)
{
	store_seq(&quit_asked, 1);
	store_release(&goc__sched.sysmon_wake, 1);
	goc__os_futex_wake(&goc__sched.sysmon_wake, 1);
	store_seq(&goc__sched.sysmon_nap, 0);
	goc__os_futex_wake(&goc__sched.sysmon_nap, 1);
}

static void check_quit(void)
{
	if (unlikely(load_seq(&quit_asked)))
		goc__traceback_quit();
}

/* How long to sleep before the next look: SYSMON_WATCH while a thread
 * is in a system call (its P is taken after RETAKE_AFTER) or was just
 * asked to give its P up (it may come back to retake). While work
 * waits on some P and another P is idle, until the earliest time a look
 * could find it stale, and at most STUCK_TIME: work queued since, on this
 * P or another, has no clock yet; STUCK_TIME too when work was queued
 * lazily since the last look, to start its clock. So work stuck behind a
 * goroutine that stops switching moves after STUCK_TIME to twice that.
 * Else the long sleep, SYSMON_PERIOD. Looking every SYSMON_WATCH instead
 * while work waits, as sysmon once did, costs a server that switches
 * thousands of times a second on one P, its sibling idle, a wake-up of
 * sysmon every SYSMON_WATCH for looks that find nothing (measured: 14 %
 * of a CPU under http's load). */
static int64_t next_pause(bool look_soon, bool queued, int64_t stale_at)
{
	bool reported = xchg(&goc__sched.sysmon_watch, 0);
	if (look_soon)
		return SYSMON_WATCH;
	if (!queued || load_relaxed(&goc__sched.npidle) == 0)
		return reported ? STUCK_TIME : SYSMON_PERIOD;
	int64_t left = stale_at - nanotime();
	return left < SYSMON_WATCH ? SYSMON_WATCH
	       : left > STUCK_TIME ? STUCK_TIME
	                           : left;
}

static void *sysmon_main(void *arg)
{
	(void)arg;
	goc__os_thread_name("goc-sysmon");
	goc__os_signal_block_quit();
	store_release(&goc__sysmon_running, 1);
	coarse_clock(nanotime());
	bool queued = false;    /* work was queued on some P at the last look */
	bool look_soon = false; /* some P was in a system call, or asked to go */
	int64_t stale_at = INT64_MAX;
	for (;;) {
		check_quit();
		int64_t pause = next_pause(look_soon, queued, stale_at);
		if (pause < SYSMON_PERIOD)
			goc__os_sleep(pause);
		else
			nap();
		check_quit();
		if (nothing_to_watch()) {
			wait_for_work();
			coarse_clock(nanotime());
			continue;
		}
		ask_fairness();
		int64_t now = nanotime();
		coarse_clock(now);
		look_soon = goc__retake(now);
		if (!goc__async_preempt_off)
			goc__preempt_pless(now);
		poll_if_forgotten(now);
		queued = false;
		stale_at = INT64_MAX;
		if ((find_stale_work(nanotime(), &queued, &stale_at, &look_soon) ||
		     timers_overdue() || load_relaxed(&goc__sched.gq_size) > 0) &&
		    load_relaxed(&goc__sched.npidle) > 0)
			goc__wakep();
	}
	return NULL;
}

int goc__sysmon_start(void)
{
	return goc__os_thread_start(sysmon_main, NULL, 64 * 1024);
}
