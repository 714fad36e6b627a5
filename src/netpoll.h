/*
 * netpoll.h — the network poller, and the idle wait that goes with it
 * (Go's netpoll.go): the last idle thread sleeps in the poller until the
 * earliest timer or a ready descriptor, whichever comes first, so one
 * system call waits for both.
 *
 * netpoll_epoll.c implements it with epoll (edge-triggered) and an
 * eventfd to break a wait. The scheduler sees only this interface:
 *
 *   goc__netpoll(until, &n) waits until the monotonic time `until` (0: do
 *   not block; INT64_MAX: no deadline) or a goc__netpoll_break, and
 *   returns the goroutines whose descriptors became ready, linked through
 *   node.link (n of them), for the caller to run. Threads that wait (not
 *   goroutines) are woken by the poller itself. A wait may end early for
 *   no reason; callers look again at what they wait for.
 *
 *   goc__netpoll_break() ends the current wait, or the next one if none
 *   is in progress (an eventfd's semantics: a break between a sleeper's
 *   last look and its wait is never lost). Cheap when one is pending.
 *
 * The descriptor side (fd.c) registers descriptors and parks and readies
 * their waiters through the rest of this header.
 */
#ifndef GOC_NETPOLL_H
#define GOC_NETPOLL_H

#include "runtime.h"

struct pd;

void goc__netpoll_init(void) GOC_HIDDEN;
struct g *goc__netpoll(int64_t until, int *n) GOC_HIDDEN;
void goc__netpoll_break(void) GOC_HIDDEN;

/* Goroutines and threads parked on a descriptor right now (atomic): while
 * there are any, someone must poll, and it is no deadlock. */
extern int32_t goc__netpoll_waiters GOC_HIDDEN;
/* 1 while a thread blocks in the poller (others need not poll); set by
 * the one thread allowed to block there (idle.c sleep_in_poller). */
extern uint32_t goc__netpoll_blocked GOC_HIDDEN;
/* When the poller last ran (nanotime; atomic), for sysmon. */
extern int64_t goc__netpoll_last GOC_HIDDEN;

/* Poll without blocking if anyone waits and no thread is blocked in the
 * poller: what find_runnable and sysmon do. NULL: nothing. */
static inline struct g *goc__netpoll_check(int *n)
{
	*n = 0;
	if (load_relaxed(&goc__netpoll_waiters) == 0 ||
	    load_relaxed(&goc__netpoll_blocked))
		return NULL;
	return goc__netpoll(0, n);
}

/* Register fd (edge-triggered, read and write; events carry key) / take
 * it out.
 * 0 or an errno value. */
int goc__netpoll_add(int fd, uint64_t key) GOC_HIDDEN;
int goc__netpoll_del(int fd) GOC_HIDDEN;

/* fd.c: the poller found pd's descriptor ready for reading (r) and/or
 * writing (w): wake its waiters. key is what was registered. Goroutines
 * to run are appended to *list. */
void goc__pd_ready_key(uint64_t key, bool r, bool w, bool hup, struct g **list,
                       int *n) GOC_HIDDEN;

#endif
