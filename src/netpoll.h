/*
 * netpoll.h — the idle wait: where the last idle thread sleeps until the
 * earliest timer, and, once the network poller lands, until a descriptor
 * is ready (Go's netpoll.go; Redis's ae.c picks ae_epoll.c the same way).
 *
 * One implementation is linked in: netpoll_futex.c today (a futex word; no
 * descriptor is ever ready), netpoll_epoll.c with the poller. The
 * scheduler sees only this interface:
 *
 *   goc__netpoll(until, ready, max) waits until the monotonic time `until`
 *   (0: do not block; INT64_MAX: no deadline) or a goc__netpoll_break,
 *   and returns how many goroutines it stored in ready[] (at most max):
 *   those whose descriptors became ready. A wait may end early for no
 *   reason; callers look again at what they wait for.
 *
 *   goc__netpoll_break() ends the current wait, or the next one if none
 *   is in progress (so a break between a sleeper's last look and its wait
 *   is never lost: an eventfd's semantics). Cheap when nobody waits.
 *
 * At most one thread waits at a time: the timer sleeper (idle.c).
 */
#ifndef GOC_NETPOLL_H
#define GOC_NETPOLL_H

#include "runtime.h"

void goc__netpoll_init(void) GOC_HIDDEN;
int goc__netpoll(int64_t until, struct g **ready, int max) GOC_HIDDEN;
void goc__netpoll_break(void) GOC_HIDDEN;

#endif
