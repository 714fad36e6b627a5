/*
 * fork.c — what a child of fork() may do with goc.
 *
 * fork() copies the calling thread only. In the child, goc's other
 * threads are gone: the Ms that ran goroutines, sysmon, and with them the
 * goroutines they were running and any goc lock they held. Nothing can
 * wake a goroutine that waits on those, so the child would hang without
 * a word. POSIX lets the child of a multithreaded process call only
 * async-signal-safe functions before exec; goc keeps that rule, and makes
 * the two ways of breaking it that would hang loud instead:
 *
 *  - the one M left finds no goroutine to run and would sleep
 *    (goc__stopm): no other thread is left to hand it one; or a plain
 *    thread (not a goroutine) would wait (sched.c's thread_park): the
 *    Ms that would run its wakers are gone;
 *  - a goc spin lock stays taken for a second (goc__spin_lock_slow): a
 *    thread that fork did not copy holds it.
 *
 * Each ends the child with a fatal error and status 2. What the child
 * can still do: run the forking goroutine on, start goroutines that run
 * when it waits, use channels among them, and allocate and collect in
 * goc-gc. A goroutine left in a run queue bound to a thread the child
 * lacks (locked to it, or preempted and waiting in its handler) is lost
 * with that thread: the scheduler drops it (sched.c) instead of handing
 * the child's P to a thread that is not there. The flag costs nothing on
 * a hot path: only those slow paths read it.
 */
#include "runtime.h"

#include <pthread.h>

bool goc__forked_child;

static void in_the_child(void) { goc__forked_child = true; }

void goc__fork_init(void) { pthread_atfork(NULL, NULL, in_the_child); }

_Noreturn void goc__fork_child_stuck(bool on_a_lock)
{
	if (on_a_lock)
		goc__fatal("a goc lock is held by a thread that fork() did not copy "
		           "(a child of fork may not wait in goc; exec instead)");
	goc__fatal("no goroutine can run in a child of fork(), and goc's other "
	           "threads were not copied (a child of fork may not wait in goc; "
	           "exec instead)");
}
