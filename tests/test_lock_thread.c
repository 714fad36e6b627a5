/*
 * test_lock_thread.c — goc_lock_thread / goc_unlock_thread, Go's
 * LockOSThread / UnlockOSThread: while locked (calls nest) a goroutine runs
 * only on its thread and no other goroutine runs there; one that ends
 * locked takes its thread with it; on a plain thread both do nothing.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int tid(void) { return (int)syscall(SYS_gettid); }

static void wander(void)
{
	static goc_chan *c;
	if (!c)
		c = goc_chan_make(sizeof(int), 1);
	int v = 1;
	goc_yield();
	goc_sleep(GOC_MILLISECOND);
	goc_chan_send(c, &v);
	goc_chan_recv(c, &v);
}

static int locked_goroutine_stays_on_its_thread(void)
{
	goc_lock_thread();
	int mine = tid();
	for (int i = 0; i < 50; i++) {
		wander();
		expect_eq(tid(), mine);
	}
	goc_unlock_thread();
	return 0;
}

static _Atomic int locked_tid;
static _Atomic bool done;
static _Atomic long intrusions, visits;

static void visitor(void *arg)
{
	goc_wg *wg = arg;
	while (!atomic_load(&done)) {
		if (tid() == atomic_load(&locked_tid))
			atomic_fetch_add(&intrusions, 1);
		atomic_fetch_add(&visits, 1);
		goc_yield();
	}
	goc_wg_done(wg);
}

static void locked_sleeper(void *arg)
{
	goc_wg *wg = arg;
	goc_lock_thread();
	atomic_store(&locked_tid, tid());
	for (int i = 0; i < 100; i++) {
		goc_sleep(GOC_MILLISECOND / 4);
		expect_eq(tid(), atomic_load(&locked_tid));
	}
	atomic_store(&done, true);
	goc_unlock_thread();
	goc_wg_done(wg);
}

static int no_other_goroutine_runs_on_a_locked_thread(void)
{
	goc_wg wg = {0};
	goc_wg_add(&wg, 9);
	spawn(locked_sleeper, &wg);
	for (int i = 0; i < 8; i++)
		spawn(visitor, &wg);
	goc_wg_wait(&wg);
	expect(atomic_load(&visits) > 0, "no visits");
	expect_eq(atomic_load(&intrusions), 0);
	return 0;
}

static int locks_nest(void)
{
	goc_lock_thread();
	goc_lock_thread();
	int mine = tid();
	goc_unlock_thread(); /* still locked once */
	for (int i = 0; i < 20; i++) {
		wander();
		expect_eq(tid(), mine);
	}
	goc_unlock_thread();
	goc_unlock_thread(); /* without a lock: harmless */
	wander();
	return 0;
}

static bool task_exists(int t)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d", t);
	return access(path, F_OK) == 0;
}

static void end_locked(void *arg)
{
	goc_lock_thread();
	*(_Atomic int *)arg = tid();
}

static int goroutine_ending_locked_takes_its_thread(void)
{
	/* goc_main's own thread is kept (asleep, as Go keeps its main
	 * thread): try until one ends on another thread. */
	for (int attempt = 0; attempt < 3; attempt++) {
		_Atomic int t = 0;
		spawn(end_locked, &t);
		eventually(atomic_load(&t) != 0, 5);
		if (atomic_load(&t) == getpid())
			continue;
		eventually(!task_exists(atomic_load(&t)), 5);
		wander(); /* the program goes on with the others */
		return 0;
	}
	fail("every goroutine ran on goc_main's thread");
}

static void *plain(void *arg)
{
	(void)arg;
	goc_lock_thread();
	goc_unlock_thread();
	goc_unlock_thread();
	return (void *)1;
}

static int plain_thread_calls_do_nothing(void)
{
	expect(thread_join(thread_start(plain, NULL)) == (void *)1, "plain thread");
	return 0;
}

static int locked_main_blocked_forever_is_a_deadlock(void)
{
	skip_unless_deadlocks_detectable();
	goc_lock_thread();
	goc_chan *c = goc_chan_make(sizeof(int), 0);
	int v;
	goc_chan_recv(c, &v);
	fail("received from a channel nobody sends on");
}

static const struct test_case cases[] = {
	CASE(locked_goroutine_stays_on_its_thread),
	CASE(no_other_goroutine_runs_on_a_locked_thread),
	CASE(locks_nest),
	CASE(goroutine_ending_locked_takes_its_thread),
	CASE(plain_thread_calls_do_nothing),
	CASE(locked_main_blocked_forever_is_a_deadlock, .status = 2, .err = DEADLOCK),
};

TEST_MAIN(cases)
