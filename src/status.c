/*
 * status.c — the names of the G, P and M states and of the wait reasons,
 * and the table of legal transitions that GOC_CHECK_STATES builds check
 * (runtime.h lists them with each enum; this table is that list, as bits).
 *
 * A check that fails is a runtime bug, not a user's: it ends the program
 * with a fatal error naming the kind and both states, before the bad
 * state can do harm elsewhere. The check reads the status it replaces
 * without a lock, so it holds only where the transition's owner is
 * unique, which runtime.h promises for each kind.
 */
#include "runtime.h"

#define BIT(s) (1u << (s))

static const uint32_t g_next[G_NSTATUS] = {
	[G_IDLE] = BIT(G_RUNNABLE),
	[G_RUNNABLE] = BIT(G_RUNNING),
	[G_RUNNING] = BIT(G_WAITING) | BIT(G_RUNNABLE) | BIT(G_DEAD) | BIT(G_SYSCALL),
	[G_WAITING] = BIT(G_RUNNABLE),
	[G_DEAD] = BIT(G_RUNNABLE),
	[G_SYSCALL] = BIT(G_RUNNING) | BIT(G_RUNNABLE),
};

static const uint32_t p_next[P_NSTATUS] = {
	[P_DEAD] = BIT(P_IDLE),
	[P_IDLE] = BIT(P_RUNNING) | BIT(P_DEAD),
	[P_RUNNING] = BIT(P_IDLE) | BIT(P_RETIRING) | BIT(P_SYSCALL),
	[P_SYSCALL] = BIT(P_RUNNING) | BIT(P_DEAD),
	[P_RETIRING] = BIT(P_RUNNING) | BIT(P_DEAD) | BIT(P_SYSCALL),
};

static const uint32_t m_next[M_NSTATUS] = {
	[M_RUNNING] = BIT(M_SPINNING) | BIT(M_IDLE) | BIT(M_TSLEEPER),
	[M_SPINNING] = BIT(M_RUNNING) | BIT(M_IDLE) | BIT(M_TSLEEPER),
	[M_IDLE] = BIT(M_RUNNING) | BIT(M_SPINNING),
	[M_TSLEEPER] = BIT(M_IDLE) | BIT(M_RUNNING) | BIT(M_SPINNING),
};

static const char *const g_names[G_NSTATUS] = {
	[G_IDLE] = "idle",       [G_RUNNABLE] = "runnable", [G_RUNNING] = "running",
	[G_WAITING] = "waiting", [G_DEAD] = "dead",         [G_SYSCALL] = "syscall",
};

static const char *const p_names[P_NSTATUS] = {
	[P_DEAD] = "dead",       [P_IDLE] = "idle",         [P_RUNNING] = "running",
	[P_SYSCALL] = "syscall", [P_RETIRING] = "retiring",
};

static const char *const m_names[M_NSTATUS] = {
	[M_RUNNING] = "running",
	[M_SPINNING] = "spinning",
	[M_IDLE] = "idle",
	[M_TSLEEPER] = "timer sleeper",
};

/* Go's words for the same waits (runtime2.go's waitReasonStrings). Not
 * static: gdb/goc-gdb.py reads it, and a compiler may fold a static
 * table into its one user. */
const char *const goc__wait_reason_names[WAIT_NREASONS] GOC_HIDDEN = {
	[WAIT_NONE] = "",
	[WAIT_CHAN_SEND] = "chan send",
	[WAIT_CHAN_RECV] = "chan receive",
	[WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
	[WAIT_CHAN_RECV_NIL] = "chan receive (nil chan)",
	[WAIT_SELECT] = "select",
	[WAIT_SELECT_NO_CASES] = "select (no cases)",
	[WAIT_SLEEP] = "sleep",
	[WAIT_WG] = "sync.WaitGroup.Wait",
	[WAIT_MUTEX] = "sync.Mutex.Lock",
	[WAIT_RWMUTEX_R] = "sync.RWMutex.RLock",
	[WAIT_RWMUTEX_W] = "sync.RWMutex.Lock",
	[WAIT_COND] = "sync.Cond.Wait",
	[WAIT_MAXPROCS] = "GOMAXPROCS",
	[WAIT_IO] = "IO wait",
	[WAIT_SYSCALL] = "syscall",
};

static const struct {
	const char *kind;
	const uint32_t *next;
	const char *const *names;
	uint32_t n;
} kinds[] = {
	[STATUS_G] = {"goroutine", g_next, g_names, G_NSTATUS},
	[STATUS_P] = {"processor", p_next, p_names, P_NSTATUS},
	[STATUS_M] = {"thread", m_next, m_names, M_NSTATUS},
};

const char *goc__status_name(enum status_kind kind, uint32_t status)
{
	return status < kinds[kind].n ? kinds[kind].names[status] : "?";
}

const char *goc__wait_reason_name(enum wait_reason r)
{
	return (unsigned)r < WAIT_NREASONS ? goc__wait_reason_names[r] : "?";
}

void goc__status_check(enum status_kind kind, uint32_t from, uint32_t to)
{
	if (from < kinds[kind].n && to < kinds[kind].n &&
	    (kinds[kind].next[from] & BIT(to)))
		return;
	goc__stack_overflow_if_any(); /* what smashed the status, if it was */
	goc__os_write_err("runtime: bad ");
	goc__os_write_err(kinds[kind].kind);
	goc__os_write_err(" status transition ");
	goc__os_write_err(goc__status_name(kind, from));
	goc__os_write_err(" -> ");
	goc__os_write_err(goc__status_name(kind, to));
	goc__os_write_err("\n");
	goc__fatal("bad status transition");
}
