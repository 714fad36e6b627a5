#include <goc.h>
#include <stdio.h>
#include <stdlib.h>

static goc_wg wg;
static long counter;

static void work(void *arg)
{
	__atomic_add_fetch(&counter, (long)(intptr_t)arg, __ATOMIC_RELAXED);
	goc_wg_done(&wg);
}

static int body(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("main id %lld, n=%lld, procs=%d\n", (long long)goc_id(),
	       (long long)goc_numgoroutine(), goc_maxprocs(0));
	int n = 100000;
	goc_wg_add(&wg, n);
	for (int i = 0; i < n; i++)
		goc_go(work, (void *)(intptr_t)1);
	goc_wg_wait(&wg);
	printf("counter %ld\n", counter);
	goc_sleep(10 * GOC_MILLISECOND);
	printf("slept, n=%lld\n", (long long)goc_numgoroutine());
	return counter == n ? 0 : 1;
}

GOC_MAIN(body)
