/*
 * runtime.h — the runtime's internal model, in Go's terms.
 *
 *   G  a goroutine: its saved context, its stack, what it waits for.
 *      A G lives in the top bytes of its own stack, so a parked goroutine
 *      that used little stack is a single resident page.
 *   M  an OS thread. It runs goroutines while it holds a P; without one it
 *      spins looking for work or sleeps on its futex word. Its own thread
 *      stack ("g0") runs the scheduler loop when no goroutine can run.
 *   P  a processor: the right to run goroutines, and everything kept per
 *      processor so that hot paths take no global lock: the run queue
 *      (runnext slot + work-stealing deque), the stack cache, the timer
 *      heap, a batch of goroutine ids.
 *
 * At most nprocs Ps run goroutines at once. The global scheduler state
 * (struct sched) holds the idle lists, the global run queue and counters;
 * sched.lock protects the lists and the queue; the counters that hot paths
 * read (npidle, nmspinning) are atomics, written under the lock.
 *
 * Lock order (outer first): a channel or semaphore-bucket lock, a P's
 * timer lock, sched.lock. Nothing is held across a context switch except
 * through park's unlock callback, which runs on the next goroutine's
 * stack once the parked one is fully switched out.
 */
#ifndef GOC_RUNTIME_H
#define GOC_RUNTIME_H

#include "cache.h"
#include "gc_hooks.h"
#include "goc.h"
#include "mem.h"
#include "os.h"
#include "platform.h"

#include <sys/types.h>

struct m;
struct p;

/* ---- states -------------------------------------------------------------
 *
 * Every G, P and M is in exactly one named state, changed only through the
 * transition helpers at the end of this header (g_set_status, p_set_status,
 * p_cas_status, m_set_status). With GOC_CHECK_STATES defined (Debug and
 * sanitizer builds) each helper checks that the transition is one of those
 * listed here, as Go's casgstatus does, and ends the program with a fatal
 * error naming both states if it is not. */

/* A goroutine. Written by the M that runs it or switches it out, and by
 * the waker that readies it; read by anyone (dumps, the registry), so
 * relaxed atomics.
 *
 *   G_IDLE      its stack slot was reserved but it has never run
 *   G_RUNNABLE  in a run queue (or about to be put in one)
 *   G_RUNNING   on an M: g->m is that M
 *   G_WAITING   parked: it sits in some wait queue, g->wait_reason says
 *               which, and whoever takes it out readies it
 *   G_DEAD      finished; its stack is in a cache for the next spawn
 *
 *   IDLE -> RUNNABLE       first run (sched.c g_start)
 *   DEAD -> RUNNABLE       first run on a reused stack
 *   RUNNABLE -> RUNNING    an M switches to it
 *   RUNNING -> WAITING     park
 *   RUNNING -> RUNNABLE    yield
 *   RUNNING -> DEAD        exit
 *   WAITING -> RUNNABLE    ready
 *   RUNNING -> SYSCALL     goc_syscall_enter (syscall.c)
 *   SYSCALL -> RUNNING     goc_syscall_exit with a P
 *   SYSCALL -> RUNNABLE    goc_syscall_exit without one: queued */
enum g_status {
	G_IDLE,
	G_RUNNABLE,
	G_RUNNING,
	G_WAITING,
	G_DEAD,
	G_SYSCALL,
	G_NSTATUS
};

/* Why a goroutine waits: Go's waitReason, shown with Go's words in dumps
 * (dump.c). Set by the goroutine before it parks, cleared when it runs. */
enum wait_reason {
	WAIT_NONE,
	WAIT_CHAN_SEND,
	WAIT_CHAN_RECV,
	WAIT_CHAN_SEND_NIL,
	WAIT_CHAN_RECV_NIL,
	WAIT_SELECT,
	WAIT_SELECT_NO_CASES,
	WAIT_SLEEP,
	WAIT_WG,
	WAIT_MUTEX,
	WAIT_RWMUTEX_R,
	WAIT_RWMUTEX_W,
	WAIT_COND,
	WAIT_MAXPROCS,
	WAIT_IO,
	WAIT_SYSCALL,
	WAIT_NREASONS
};

/* A processor. Its status is an atomic word: changed under sched.lock
 * today, but compare-and-swap so that sysmon can take a P from a thread
 * in a system call without the lock (Go's retake).
 *
 *   P_DEAD      not in use: beyond nprocs, or not yet given out
 *   P_IDLE      on sched.pidle, no M
 *   P_RUNNING   held by an M (p->m), which runs its goroutines
 *   P_SYSCALL   held by an M that is in a system call; whoever swaps it
 *               out by CAS owns it: the M coming back, sysmon (retake),
 *               or goc_maxprocs removing it (syscall.c)
 *   P_RETIRING  running, but goc_maxprocs removed it: its M hands its work
 *               on and lets it go at its next schedule (proc.c p_retire)
 *
 *   DEAD -> IDLE           the set of Ps grows (proc.c)
 *   IDLE -> RUNNING        taken from the idle list (idle.c pidle_get)
 *   RUNNING -> IDLE        given back (idle.c pidle_put)
 *   RUNNING -> RETIRING    the set shrinks while it runs
 *   RETIRING -> RUNNING    it grows again before the P has left
 *   RETIRING -> DEAD       its M let it go
 *   IDLE -> DEAD           the set shrinks while it is idle
 *   RUNNING <-> SYSCALL    goc_syscall_enter / exit, or sysmon's retake
 *   SYSCALL -> DEAD        the set shrinks while its M is in a call, or
 *                          sysmon retires one preemption took (below)
 *   RETIRING -> SYSCALL    preemption took it from a goroutine that
 *                          computes (preempt.c) */
enum p_status { P_DEAD, P_IDLE, P_RUNNING, P_SYSCALL, P_RETIRING, P_NSTATUS };

/* A thread of the scheduler. Changed by the M itself while it holds a P,
 * and under sched.lock by whoever takes it off the idle list; read
 * without the lock by the M (relaxed atomics).
 *
 *   M_RUNNING   holds a P: runs its goroutines, or looks for them in its
 *               own and the global queue
 *   M_SPINNING  its own queues are empty: it steals from other Ps.
 *               Counted in sched.nmspinning. Holds a P, but for the moment
 *               after giving it back, when it looks at every queue once
 *               more (sched.c recheck_queues)
 *   M_IDLE      no P: on sched.midle, asleep on its note m->wake until
 *               handed one
 *   M_TSLEEPER  no P: on sched.midle, and the one M (sched.tsleeper) that
 *               sleeps in netpoll until the earliest timer (idle.c)
 *
 *   RUNNING <-> SPINNING            looks for work / found some
 *   RUNNING|SPINNING -> IDLE        stopm
 *   RUNNING|SPINNING -> TSLEEPER    stopm, when no M sleeps for the timers
 *   TSLEEPER -> IDLE                no timer left to sleep for
 *   IDLE|TSLEEPER -> RUNNING|SPINNING   handed a P (startm), or the
 *                                   timer sleeper took one for due timers */
enum m_status { M_RUNNING, M_SPINNING, M_IDLE, M_TSLEEPER, M_NSTATUS };

/* ---- goroutines -------------------------------------------------------- */

/* What run queues hold: a goroutine that has run (struct g) or one that
 * has not run yet (struct gspawn). */
enum { NODE_G, NODE_SPAWN };

struct gnode {
	struct gnode *link; /* global queue, odd-size stack cache */
	uint8_t kind;
};

/* A goroutine that has not run yet: what goc_go was asked, and the stack
 * slot reserved for it. The slot's struct g is written when it first
 * runs, by the P that runs it, so that a fresh page faults in there and
 * spawning stays cheap. */
struct gspawn {
	struct gnode node;
	uint8_t fresh; /* the slot was never used (stack.c) */
	goc_func fn;
	void *arg;
	const char *name;
	int64_t id;
	struct g *g; /* where the struct g goes */
	size_t stack_size;
	uintptr_t creator_pc; /* the goc_go call (a return address; 0: none) */
	int64_t creator_id;   /* goroutine that called it (0: a plain thread) */
};

/* A goroutine's (or a thread's) innermost frame of deferred calls and
 * newest panic (frame.h). Owner only. */
struct frame;
struct panic;
struct unwind {
	struct frame *top;
	struct panic *panic;
	/* A goroutine's own frame, on its stack, made only when a goc_defer
	 * outside any goc_call needs it (defer.c); NULL for a thread. */
	struct frame *base;
	/* goc_exit is running the deferred calls of the frames up to this
	 * depth (0: it is not); a panic recovered in one of them does not
	 * stop it (defer.c, panic.c). */
	uint32_t exiting_depth;
};

/* The first cache line holds what a switch, a park and a ready touch,
 * so that a goroutine resumed out of the caches costs one line of its
 * struct g (and its stack's); the rest is read at its start, by
 * tracebacks, or on slower paths. */
struct g {
	struct gnode node; /* node.link: global queue, free lists */
	/* Owner-only (the M running it, or the one switching it out). */
	void *sp;            /* saved context while not running */
	struct m *m;         /* M running it; NULL otherwise */
	struct m *lockedm;   /* goc_lock_thread: runs only there (lock.c) */
	uint32_t status;     /* enum g_status; atomic (g_set_status) */
	uint8_t wait_reason; /* enum wait_reason; set before parking */
	uint8_t is_thread;   /* a thread waiting in goc, not a goroutine */
	uint8_t is_main;
	uint8_t canary; /* slot guarded by a canary (stack.c) */
	/* For tracebacks (traceback.c): since when it waits
	 * (goc__coarse_now when it parked; 0: unknown). */
	int64_t wait_since;
	/* Waking. param is written by the waker before ready(), read by the
	 * G after it resumes (ready/park give the happens-before). */
	void *param;

	uint32_t select_done; /* atomic: the first case to fire a select wins */
	uint32_t wake;        /* thread waiters: futex word, 1 = woken */
	int64_t id;
	goc_func fn;
	void *arg;
	const char *name;
	char *stack_lo;      /* lowest usable byte, just above the guard */
	size_t stack_size;   /* bytes from the guard to the top of the stack */
	uint8_t preempted;   /* queued by preemption, waits its turn (preempt.c);
	                    * under sched.lock */
	uint32_t lock_count; /* owner only: goc_lock_thread nesting */
	void *preempt_ctx;   /* atomic: while it waits its turn in the handler,
	                      * the signal's context (tracebacks start there) */
	/* For tracebacks: where it was started. */
	uintptr_t creator_pc;
	int64_t creator_id;
	struct unwind unwind; /* goc_call's frames, goc_panic's panics */

	/* Sanitizer fiber state (unused in plain builds). */
	void *asan_fake_stack;
	void *tsan_fiber;
};

/* ---- processors ------------------------------------------------------- */

/* Chase-Lev work-stealing deque of fixed size. The owner pushes and pops
 * at bottom (newest first: a spawn tree runs depth first, so few
 * goroutines are alive at once); thieves take one at a time from top
 * (oldest first: the biggest pieces of work). top only grows. */
#define RUNQ_SIZE 256

struct runq {
	int64_t top;                   /* atomic; thieves CAS it */
	int64_t bottom;                /* atomic; written by the owner only */
	struct gnode *ring[RUNQ_SIZE]; /* atomic slots (thieves read them) */
};

/* A timer: fn(arg) runs when `when` has passed. Lives wherever its owner
 * put it (a goc_timer, a timed wait's frame) and keeps heap_index, its
 * place in its P's heap (-1: in none), so that goc__timer_del can take it
 * out before it fires. */
enum timer_state {
	TIMER_IDLE,    /* in no heap */
	TIMER_PENDING, /* in a heap */
	TIMER_FIRING,  /* taken out to run fn; fn may set it back to IDLE once
	                * it no longer needs the timer (see goc__timer_del) */
};

struct timer {
	int64_t when;
	void (*fn)(struct timer *t, int64_t now);
	void *arg;
	struct p *p; /* the P whose heap holds it; written under that lock */
	int32_t heap_index;
	uint32_t state; /* enum timer_state; atomic */
	uint32_t seq;   /* users' generation counter */
};

/* A heap entry keeps `when` beside what it wakes, so that sifting reads
 * one array and not memory scattered over goroutine stacks. `what` is a
 * struct timer with bit 0 set, or a goroutine in goc_sleep: a sleeper
 * needs nothing but its wake-up, so firing it touches only its struct g,
 * and it cannot be deleted. */
struct timer_slot {
	int64_t when;
	uintptr_t what;
};

struct timers {
	spinlock lock;
	struct timer_slot *heap; /* 4-ary min-heap on when */
	int32_t n, cap;
	int64_t first; /* atomic: heap[0].when, or 0 when empty */
};

struct p {
	struct runq runq ALIGNED_CACHE;
	struct g *runnext ALIGNED_CACHE; /* atomic: owner xchg, thieves CAS */
	uint64_t schedtick;      /* schedules done; relaxed, sampled by sysmon */
	uint32_t fair_due;       /* atomic: sysmon asks for the oldest to run next */
	uint32_t runnext_streak; /* owner only: runnext taken in a row */
	struct m *m;             /* M holding it; atomic (sysmon reads it) */
	int32_t id;
	uint32_t status; /* enum p_status; atomic (p_set_status) */
	struct p *link;  /* idle list; under sched.lock */

	struct cache_local stacks;   /* free default stacks, by their struct g */
	struct cache_local spawns;   /* free struct gspawn */
	int64_t goid_next, goid_end; /* owner only: a batch of goroutine ids */
	int64_t nspawned, nexited;   /* owner writes, anyone reads (relaxed) */

	struct timers timers;

	struct g *timer_woken;    /* atomic: the sleeper timers last put in runnext
	                        * (sysmon only compares it, never follows it) */
	uint64_t sysmon_tick;     /* sysmon only: schedtick at its last look */
	int64_t sysmon_tick_time; /* sysmon only: when schedtick last moved */
	uint64_t fresh_starts;    /* goroutines started on never-used stacks;
	                        * owner writes, sysmon reads (relaxed) */
	uint64_t sysmon_fresh;    /* sysmon only: fresh_starts at its last look */
	uint32_t sysmon_stale;    /* atomic: sysmon saw work queued and no progress;
	                        * thieves may then take runnext too */
	uint64_t syscalltick;     /* system calls entered; owner writes, sysmon reads */
	uint64_t sysmon_syscalltick; /* sysmon only: syscalltick when first seen */
	int64_t sysmon_preempt_when; /* sysmon only: when it last asked */
	int64_t sysmon_syscall_when; /* sysmon only: when that was */
};

/* ---- threads ---------------------------------------------------------- */

/* What to do once a context switch is complete, on behalf of the
 * goroutine switched away from (prev): it is off its stack, so it is now
 * safe to make it runnable elsewhere, free its stack, or unlock the queue
 * it waits in. Runs on the M that did the switch. */
typedef void (*after_switch_fn)(struct m *m, struct g *prev, void *arg);

#define GOC_ALTSTACK_SIZE ((size_t)64 * 1024)

struct m {
	void *g0_sp;         /* the scheduler loop's saved context */
	struct g *curg;      /* running goroutine; NULL on g0 */
	struct p *p;         /* held P */
	struct p *nextp;     /* P handed over by startm; under sched.lock */
	struct m *schedlink; /* idle list; under sched.lock */
	uint32_t status;     /* enum m_status; atomic (m_set_status) */
	uint32_t wake;       /* the note an idle M sleeps on: enum m_note */
	int32_t handoff_cpu; /* 1 + the CPU of a thread that handed us its P
	                      * and stops (preempt.c); 0: none. Under lock */
	/* Scheduling policy, owner only (sched.c): */
	bool ran_stolen;     /* running a goroutine it stole, until it switches */
	bool contended;      /* that goroutine parked on a lock: steal no more
	                       * until woken with a P */
	int32_t in_timer;    /* running a timer's function (time.c) */
	bool in_syscall;     /* between goc_syscall_enter and exit (syscall.c) */
	int32_t preempt_off; /* > 0 while goroutine code here uses the P: a
	                      * switch in progress, a ready, a spawn
	                      * (preempt.c must not take the P then) */
	int32_t tid;         /* the thread's id, for preemption signals */
	/* sysmon's preemption request (preempt.c), written before the signal:
	 * the P it means, that P's schedtick then, and whether the thread
	 * slept in the kernel (then it only lets the P go). */
	struct p *preempt_p;
	uint64_t preempt_tick;
	uint32_t preempt_asleep;
	/* atomic: its P was taken while it slept in a futex; its goroutine
	 * computes without one (preempt.c), until its next switch */
	uint32_t preempt_pless;
	int64_t sysmon_pless_when; /* sysmon only: when it first saw that */
	struct m *alllink;         /* sched.allm: every M, never freed */
	struct g *lockedg;         /* goc_lock_thread: the one goroutine it runs */
	struct g *handoff_g;       /* taken from the queue but locked to another M:
	                      * g0 hands it over (sched.c) */
	bool locked_exit;          /* that goroutine ended locked: the thread goes */
	bool main_thread;          /* the thread of goc_main: never exits */
	uint32_t note_sleeping;    /* atomic: the timer sleeper waits on its note,
	                         * not in the poller (idle.c) */
	struct g *polled;          /* goroutines the poller readied, to run once
	                   * this M holds a P again (idle.c) */
	int32_t id;

	after_switch_fn after;
	struct g *after_g;
	void *after_arg;
	void (*after_unlock)(void *); /* park's callback, run by after_park */

	uint32_t rand;
	void *g0_stack_lo; /* the thread's stack, for sanitizers */
	size_t g0_stack_size;
	void *tsan_fiber; /* g0's TSan fiber */
	void *asan_fake_stack;
	void *altstack; /* signal stack for stack-overflow reports:
	                 * GOC_ALTSTACK_SIZE bytes */
#ifdef GOC_WITH_GC
	struct m_gc gc; /* the collector's view of this thread (goc-gc) */
#endif
};

/* Values of m->wake, the futex word an idle M sleeps on (Go's note):
 * it sleeps while the word is M_ASLEEP. The waker writes the reason. */
enum m_note {
	M_ASLEEP,
	M_WAKE_WITH_P,         /* m->nextp holds a P for it */
	M_WAKE_RECHECK_TIMERS, /* the timer sleeper: an earlier timer came */
};

/* ---- the scheduler ---------------------------------------------------- */

struct sched {
	spinlock lock;
	int32_t nprocs;       /* atomic; Ps [0, nprocs) are in use */
	int32_t npidle;       /* atomic; idle Ps */
	int32_t nmspinning;   /* atomic; spinning Ms */
	int32_t nm;           /* Ms created; under lock */
	int32_t nmidle;       /* Ms on the idle list; under lock */
	int32_t nmidlelocked; /* locked Ms waiting for their G; under lock */
	int32_t retiring;     /* atomic; Ps in P_RETIRING */
	struct p *pidle;      /* idle Ps */
	struct m *midle;      /* idle Ms */
	struct p *allp[GOC_MAXPROCS_MAX]; /* created Ps, never freed */
	int32_t nallp;

	/* Global run queue: overflow, yields, goroutines from other threads. */
	struct gnode *gq_head, *gq_tail;
	int64_t gq_size;      /* atomic (read without the lock) */
	int64_t gq_preempted; /* atomic: of those, goroutines preemption queued */
	uint64_t gq_taken;    /* atomic: goroutines taken off it, ever */
	struct m *allm;       /* every M ever made (alllink); pushed under the lock */

	int64_t goid_gen;    /* atomic; ids handed out in batches */
	int64_t ext_spawned; /* atomic; goroutines started off any P */
	bool main_started;   /* goc_main ran */
	bool main_exited;    /* the main goroutine called goc_exit */

	/* Timer sleeper: at most one idle M sleeps until the earliest timer,
	 * the others sleep until woken. Under lock. */
	struct m *tsleeper;
	int64_t tsleep_until;

	/* Threads that are not Ms, blocked in goc without a deadline. */
	int32_t nthread_blocked; /* atomic */
	uint64_t thread_wakes;   /* atomic: such threads woken, ever */

	int64_t rescue_quiet_until; /* atomic: sysmon moves no deque work
	                             * before this time (sysmon.c) */
	uint32_t sysmon_watch;      /* atomic: work queued lazily; look soon */
	uint32_t sysmon_nap;        /* futex: sysmon's long sleep; 1 while in it */
	uint32_t sysmon_wake;       /* futex: sysmon sleeps on it when all is idle */
	uint32_t sysmon_idle;       /* atomic: 1 while sysmon sleeps indefinitely */
};

extern struct sched goc__sched GOC_HIDDEN;

/* ---- internal interface -----------------------------------------------
 *
 * Every declaration shared between files of src/ is here (but those of
 * the channel pair chan.c/select.c, in chan.h, and of the small modules
 * with a header of their own: cache.h, netpoll.h, sanitizer.h, arch/).
 * Internal names start with goc__, public ones with goc_. */

/* The M running on this thread (NULL: not a runtime thread). Not inlined:
 * a goroutine may resume on another thread, and a compiler may otherwise
 * keep a thread-local's address across the switch. */
struct m *goc__getm(void) GOC_HIDDEN;
void goc__setm(struct m *m) GOC_HIDDEN;

/* The running goroutine, or NULL on a thread that is not running one. */
static inline struct g *goc__getg(void)
{
	struct m *m = goc__getm();
	return m ? m->curg : NULL;
}

/* The runtime starts on first use; idempotent and cheap once done.
 * try_start returns false if it could not start a thread it needs (the
 * system monitor); runtime_start then ends the program. */
bool goc__runtime_try_start(void) GOC_HIDDEN;
void goc__runtime_start(void) GOC_HIDDEN;
extern bool goc__runtime_started GOC_HIDDEN;
static inline void runtime_ensure(void)
{
	if (unlikely(!load_acquire(&goc__runtime_started)))
		goc__runtime_start();
}

/* The same, reporting failure instead of ending the program. */
static inline bool runtime_try_ensure(void)
{
	return likely(load_acquire(&goc__runtime_started)) || goc__runtime_try_start();
}

/* Goroutine code that uses its M's P holds preemption off (preempt.c):
 * the preemption handler, on this thread, then leaves the P alone. The
 * signal fences keep the compiler from moving reads of m->p out of the
 * region. */
GOC_LOCK_TEXT static inline void preempt_disable(struct m *m)
{
	m->preempt_off++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void preempt_enable(struct m *m)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	m->preempt_off--;
}

/* ---- sched.c: running goroutines ---- */

/* Park the running goroutine (or block the calling thread) until
 * goc__ready. unlock(arg) runs once the goroutine is switched out; it is
 * where the caller releases the lock that guards its wait queue. */
void goc__park(void (*unlock)(void *arg), void *arg, enum wait_reason r) GOC_HIDDEN;

/* The G to enqueue as a waiter: the running goroutine, or the calling
 * thread's own waiter record. */
struct g *goc__waiter_self(void) GOC_HIDDEN;
/* goc__park for a caller that has goc__waiter_self()'s answer at hand. */
void goc__park_self(struct g *self, void (*unlock)(void *arg), void *arg,
                    enum wait_reason r) GOC_HIDDEN;

/* Make a parked g runnable. next: run it before the P's other work (a
 * hand-off from the running goroutine); otherwise it queues as new work. */
void goc__ready(struct g *g, bool next) GOC_HIDDEN;

/* Make n parked goroutines (not thread waiters) runnable as new work on
 * the current P, which the caller's M must hold; lazily like a spawn: no
 * M is woken, sysmon is told. */
void goc__ready_many(struct g *const *gs, int n) GOC_HIDDEN;

/* The running goroutine is about to park on a lock (sema.c): a thief that
 * stole it stops stealing for a while (policy in sched.c). */
void goc__park_on_lock(void) GOC_HIDDEN;

/* May a goroutine that wants a held lock spin for it a while (iter:
 * spins so far)? Go's sync_runtime_canSpin. */
bool goc__can_spin(int iter) GOC_HIDDEN;

void goc__yield(void) GOC_HIDDEN; /* goc_yield */
/* lock.c: on g0, the locked goroutine of m left it: wait until it is
 * runnable again and handed back with a P (or end the thread if it
 * ended); hand g, locked to another M, to that M with our P. */
struct g *goc__lockedm_wait(struct m *m) GOC_HIDDEN;
void goc__lockedm_start(struct m *m, struct g *g) GOC_HIDDEN;
bool goc__lockedm_wait_in_handler(struct m *m, struct g *g) GOC_HIDDEN;
/* Give a P that no M holds to one that runs it, or to the idle list. */
void goc__handoffp(struct p *p) GOC_HIDDEN;
/* Switch from the running goroutine cur to the M's g0, which runs
 * after(m, cur, NULL) first (syscall.c). */
void goc__switch_to_g0(struct m *m, struct g *cur, after_switch_fn after) GOC_HIDDEN;
/* Make the goroutines of list (linked through node.link, from the
 * poller) runnable: on m's P if it holds one, else on the global queue.
 * Returns the first, not queued but runnable, when take_first. */
struct g *goc__inject(struct m *m, struct g *list, bool take_first) GOC_HIDDEN;
void goc__schedule(void) GOC_HIDDEN; /* on g0; never returns */
int goc__spawn_main(struct p *p, goc_func fn, void *arg) GOC_HIDDEN;

/* ---- runq.c: run queues ---- */

void goc__globq_put(struct gnode *n) GOC_HIDDEN;       /* takes sched.lock */
void goc__globq_put_preempted(struct g *g) GOC_HIDDEN; /* takes sched.lock */
bool goc__globq_remove(struct g *g) GOC_HIDDEN;        /* takes sched.lock */
void goc__globq_put_batch(struct gnode *head, struct gnode *tail, int n) GOC_HIDDEN;
struct gnode *goc__globq_get_locked(void) GOC_HIDDEN;
bool goc__runq_put(struct p *p, struct gnode *n) GOC_HIDDEN; /* false: full */
struct gnode *goc__runq_pop(struct p *p) GOC_HIDDEN;
struct gnode *goc__runq_steal(struct p *victim) GOC_HIDDEN;
bool goc__runq_empty(struct p *p) GOC_HIDDEN;
void goc__runq_spill(struct p *p, struct gnode *n) GOC_HIDDEN;

/* ---- idle.c: idle Ps and Ms, waking and sleeping ---- */

void goc__wakep(void) GOC_HIDDEN;
void goc__startm(struct p *p, bool spinning) GOC_HIDDEN;
bool goc__startm_idle(struct p *p) GOC_HIDDEN;
void goc__stopm(struct m *m) GOC_HIDDEN;               /* sleep until given a P */
void goc__m_take_nextp_locked(struct m *m) GOC_HIDDEN; /* woken with a P */
bool goc__p_take_idle(struct m *m) GOC_HIDDEN;         /* false: no idle P */
struct p *goc__pidle_get(void) GOC_HIDDEN;             /* under sched.lock */
void goc__pidle_put(struct p *p) GOC_HIDDEN;           /* under sched.lock */
void goc__pidle_remove(struct p *p) GOC_HIDDEN;        /* under sched.lock */
/* m found no work: give its P back unless work came meanwhile; true if
 * m holds none now (it should then stopm). */
bool goc__p_release(struct m *m) GOC_HIDDEN;
/* A timer at `when` became the earliest of its P, which is running (the
 * caller's) or may be idle: make sure someone wakes for it. */
void goc__timers_wake(int64_t when, bool running) GOC_HIDDEN;

/* ---- proc.c: Ms and Ps, resizing, deadlock ---- */

struct m *goc__m_new_current(void) GOC_HIDDEN;         /* make this thread an M */
void goc__newm(struct p *p, bool spinning) GOC_HIDDEN; /* a thread for p */
void goc__p_retire(struct m *m) GOC_HIDDEN;            /* m's P leaves; m keeps none */
void goc__p_retire_detached(struct p *p) GOC_HIDDEN;   /* the same, for a P without M */
void goc__check_dead(void) GOC_HIDDEN;                 /* under sched.lock */
int64_t goc__next_goid(struct p *p) GOC_HIDDEN;

/* ---- sysmon.c ---- */

int goc__sysmon_start(void) GOC_HIDDEN; /* 0, or an errno value */
/* syscall.c: take the Ps of Ms long in a system call; true if any P is
 * in one. */
bool goc__retake(int64_t now) GOC_HIDDEN;
/* preempt.c: install the preemption signal (once); ask the M running p to
 * let it go (sysmon). */
void goc__preempt_init(void) GOC_HIDDEN;
void goc__preempt(struct p *p, uint64_t tick) GOC_HIDDEN;
void goc__preempt_pless(int64_t now) GOC_HIDDEN;
/* A hand-over of preemption: the thread giving its P away and stopping
 * marks the one it wakes (under sched.lock, before the wake); that one,
 * once it has the P, moves to the giver's CPU if the kernel woke it on
 * another. */
void goc__handoff_mark(struct m *to) GOC_HIDDEN;
void goc__handoff_follow(struct m *m) GOC_HIDDEN;
extern bool goc__async_preempt_off GOC_HIDDEN;
void goc__sysmon_kick(void) GOC_HIDDEN;
void goc__sysmon_watch_slow(void) GOC_HIDDEN;
/* SIGQUIT: sysmon prints the dump (goc__traceback_quit), woken from any
 * sleep; async-signal-safe. Only once goc__sysmon_running is set. */
void goc__sysmon_quit(void) GOC_HIDDEN;
extern uint32_t goc__sysmon_running GOC_HIDDEN;

/* The monotonic clock to the second, as sysmon last read it (0 before
 * it first did): a wait's start for tracebacks, at the cost of a load
 * of a line written once a second. */
extern int64_t goc__coarse_now GOC_HIDDEN;

/* Work was queued without waking anyone: sysmon should look soon. */
static inline void goc__sysmon_watch(void)
{
	if (load_relaxed(&goc__sched.npidle) > 0 &&
	    !load_relaxed(&goc__sched.sysmon_watch))
		goc__sysmon_watch_slow();
}

/* ---- allg.c: the registry of live goroutines; traceback.c ---- */

/* Calls fn(g, arg) for every goroutine that has run and not exited, under
 * stack.c's lock: fn must not park, nor start or end goroutines.
 * Goroutines spawned but not yet run are in run queues only. */
void goc__allg_each(void (*fn)(struct g *g, void *arg), void *arg) GOC_HIDDEN;
/* Every goroutine with its frames, in Go's format, with write(2) only
 * (the deadlock error); nothing with GOC_TRACEBACK=none, and with crash
 * the process then aborts. */
void goc__dump_goroutines(void) GOC_HIDDEN;
/* The traceback that follows an unrecovered panic's lines (the failing
 * goroutine, or more as GOC_TRACEBACK says; crash aborts after it); the
 * caller then exits. */
void goc__traceback_panic(void) GOC_HIDDEN;
/* The same, for a fault turned into a panic while still in the signal
 * handler: the failing goroutine's frames start at the faulting
 * instruction of ucontext (the handler's third argument). */
void goc__traceback_panic_at(void *ucontext) GOC_HIDDEN;
/* SIGQUIT's handler: the dump ("SIGQUIT: quit", every goroutine, the
 * interrupted one from the signal's context) is printed by sysmon, which
 * calls goc__traceback_quit; the process exits with status 2. */
_Noreturn void goc__traceback_sigquit(void *ucontext) GOC_HIDDEN;
_Noreturn void goc__traceback_quit(void) GOC_HIDDEN;
/* print_apart.c: run print(arg), which writes to fd 2, in a copy of the
 * process, whose locks may be held forever without hanging this one.
 * True: it printed everything, now on fd 2. False (no copy could be
 * made, or it stalled or died): nothing was printed; print in place,
 * without allocating. */
bool goc__print_apart(void (*print)(void *arg), void *arg) GOC_HIDDEN;

/* leak_roots.c: in ASan builds, goroutine stacks are LeakSanitizer roots
 * at exit. Once, at start. */
void goc__leak_roots_init(void) GOC_HIDDEN;

/* ---- stack.c: stacks ----
 * A stack is known by the struct g in its top bytes. alloc reserves one;
 * if *fresh comes back true the slot was never used and its struct g is
 * not written yet: stack_init_fresh does that on first run. p may be NULL
 * (a thread without a P). */
struct g *goc__stack_alloc(struct p *p, size_t size, uint8_t *fresh) GOC_HIDDEN;
void goc__stack_init_fresh(struct g *g, size_t size, uint8_t fresh) GOC_HIDDEN;
void goc__stack_free(struct p *p, struct g *g) GOC_HIDDEN;
void goc__stack_cache_flush(struct p *p) GOC_HIDDEN;
size_t goc__stack_round(size_t size) GOC_HIDDEN;
bool goc__stack_guard_dirty(struct g *g) GOC_HIDDEN;
bool goc__stack_canaries_used(void) GOC_HIDDEN;
bool goc__stack_guard_hit(struct g *g, void *addr) GOC_HIDDEN;
/* fn(g, arg) for the struct g of every slot ever handed out (allg.c). */
void goc__stack_each(void (*fn)(struct g *g, void *arg), void *arg) GOC_HIDDEN;
/* The same without the lock, with each slot's stack [lo, hi), for a
 * collector that has stopped the world (gc.c). */
void goc__stack_each_stopped(void (*fn)(struct g *g, char *lo, char *hi, void *arg),
                             void *arg) GOC_HIDDEN;

/* ---- signal.c ---- */

void goc__signal_init(void) GOC_HIDDEN;
void goc__signal_thread_init(struct m *m) GOC_HIDDEN;
/* Report g's stack overflow and exit 2 (or a running goroutine's whose
 * overflow g suffered, under a canary guard). */
_Noreturn void goc__stack_overflow(struct g *g) GOC_HIDDEN;
/* Before a fatal error: an overflow under a canary guard corrupts what
 * the runtime then trips on; report the overflow instead, if there is
 * one. */
void goc__stack_overflow_if_any(void) GOC_HIDDEN;

/* ---- time.c: timers ----
 * goc__timer_del returns true if it took t out of its heap before it
 * fired; if t is firing, it first waits until fn has set t->state back to
 * TIMER_IDLE, so t may be freed when it returns (a timer that can be
 * deleted while firing must have an fn that does that). */
void goc__timer_add(struct p *p, struct timer *t) GOC_HIDDEN;
bool goc__timer_del(struct timer *t) GOC_HIDDEN;
struct p *goc__timer_home(void) GOC_HIDDEN; /* the current P, else P 0 */
int64_t goc__timers_run(struct p *p, int64_t now) GOC_HIDDEN;
int64_t goc__timers_earliest(void) GOC_HIDDEN; /* 0: no timer anywhere */
void goc__timers_move(struct p *from, struct p *to) GOC_HIDDEN;

/* ---- panic.c, defer.c, sigpanic.c: panic, defer, recover ---- */

/* The running goroutine's struct unwind (NULL: the thread's own), set
 * by the switch to it (sched.c switch_from, execute) so that goc_call
 * and goc_defer find their frame with one thread-local load.
 * Read it afresh after anything that may switch. */
extern __thread struct unwind *goc__unwind_cur GOC_HIDDEN
	__attribute__((tls_model("initial-exec")));
/* The calling goroutine or thread ends (goc_exit): every frame's deferred
 * calls run, innermost first. */
void goc__unwind_exit(void) GOC_HIDDEN;
/* The goroutine's function returned leaving its own frame, u->top, with
 * deferred calls: they run (defer.c). */
void goc__frame_end_goroutine(struct unwind *u) GOC_HIDDEN;
/* The running goroutine's function has returned, or a panic was
 * recovered in its own frame: it ends (sched.c). */
_Noreturn void goc__goroutine_return(void) GOC_HIDDEN;
/* The main goroutine's frame ended: exit with what its function returned
 * (0 if a panic in it was recovered). proc.c */
_Noreturn void goc__main_exit(void) GOC_HIDDEN;
/* Faults in goroutine code become panics (sigpanic.c). inject is called
 * by signal.c's handler: true if the context now resumes into the panic;
 * false if the fault is not goroutine code's. A fault in goc's own code
 * is fatal there. */
void goc__sigpanic_init(void) GOC_HIDDEN;
bool goc__sigpanic_inject(struct g *g, struct os_fault *f) GOC_HIDDEN;

_Noreturn void goc__fatal(const char *msg) GOC_HIDDEN;

/* fork.c: true in a child of fork() (set by an atfork handler that
 * goc__fork_init installs when the runtime starts); the child's goc
 * would wait for good, so it ends instead. */
extern bool goc__forked_child GOC_HIDDEN;
void goc__fork_init(void) GOC_HIDDEN;
_Noreturn void goc__fork_child_stuck(bool on_a_lock) GOC_HIDDEN;
/* The same, followed by a dump of every goroutine (Go's deadlock error);
 * only where no goroutine runs and no registry lock is held. */
_Noreturn void goc__fatal_dump(const char *msg) GOC_HIDDEN;
/* Go's "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0
 * pc=0x...]" line on stderr; async-signal-safe. */
void goc__print_signal(int sig, int code, uintptr_t addr, uintptr_t pc) GOC_HIDDEN;

/* ---- sema.c: semaphores keyed by address (Go's runtime_Semacquire) ---- */

void goc__semacquire(uint32_t *addr, enum wait_reason r, bool lifo) GOC_HIDDEN;
void goc__semrelease(uint32_t *addr, bool handoff) GOC_HIDDEN;

/* ---- status.c: state transitions ----
 * The one way to change a G's, P's or M's status. Checked against the
 * transitions listed with each enum when GOC_CHECK_STATES is defined. */

enum status_kind { STATUS_G, STATUS_P, STATUS_M };

const char *goc__status_name(enum status_kind kind, uint32_t status) GOC_HIDDEN;
const char *goc__wait_reason_name(enum wait_reason r) GOC_HIDDEN;
void goc__status_check(enum status_kind kind, uint32_t from, uint32_t to) GOC_HIDDEN;

#ifdef GOC_CHECK_STATES
#define STATUS_CHECK(kind, from, to) goc__status_check((kind), (from), (to))
#else
#define STATUS_CHECK(kind, from, to) ((void)0)
#endif

GOC_LOCK_TEXT static inline void g_set_status(struct g *g, enum g_status to)
{
	STATUS_CHECK(STATUS_G, load_relaxed(&g->status), to);
	store_relaxed(&g->status, (uint32_t)to);
}

static inline enum p_status p_status(struct p *p)
{
	return (enum p_status)load_relaxed(&p->status);
}

static inline void p_set_status(struct p *p, enum p_status to)
{
	STATUS_CHECK(STATUS_P, load_relaxed(&p->status), to);
	store_release(&p->status, (uint32_t)to);
}

/* For the holder of a P racing a thief (sysmon): true if it was `from`. */
static inline bool p_cas_status(struct p *p, enum p_status from, enum p_status to)
{
	STATUS_CHECK(STATUS_P, from, to);
	uint32_t expect = from;
	return cas(&p->status, &expect, (uint32_t)to);
}

static inline enum m_status m_status(struct m *m)
{
	return (enum m_status)load_relaxed(&m->status);
}

static inline void m_set_status(struct m *m, enum m_status to)
{
	STATUS_CHECK(STATUS_M, load_relaxed(&m->status), to);
	store_relaxed(&m->status, (uint32_t)to);
}

#endif
