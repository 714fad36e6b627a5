/*
 * gdb_goroutines.c — the program gdb_check.cmake debugs to test the gdb
 * commands (gdb/goc-gdb.py): two parked goroutines, one named, and a
 * function to break in once they have parked.
 */
#include <goc.h>

static goc_chan *never_sent;
static goc_wg never_done;

__attribute__((noinline)) static void receiver(void *arg)
{
	(void)arg;
	int v;
	goc_chan_recv(never_sent, &v);
	__asm__ __volatile__("" ::: "memory"); /* keep the frame: no tail call */
}

__attribute__((noinline)) static void wg_waiter(void *arg)
{
	(void)arg;
	goc_wg_wait(&never_done);
	__asm__ __volatile__("" ::: "memory");
}

/* gdb breaks here. */
__attribute__((noinline)) void gdb_stop_here(void) { __asm__ __volatile__(""); }

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	never_sent = goc_chan_make(sizeof(int), 0);
	goc_wg_add(&never_done, 1);
	goc_attr named = {0};
	named.name = "the waiter";
	if (goc_go(receiver, NULL) != 0 || goc_go_attr(&named, wg_waiter, NULL) != 0)
		return 1;
	while (goc_numgoroutine() < 3)
		goc_yield();
	goc_sleep(50 * GOC_MILLISECOND); /* both have parked */
	gdb_stop_here();
	return 0;
}

GOC_MAIN(go_main)
