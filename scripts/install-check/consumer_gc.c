/* consumer_gc.c — a program built against an installed goc-gc
 * (scripts/test.sh, stage install): goroutines allocate from the
 * collector, one collection, the blocks checked. Prints "consumer_gc ok". */
#include <goc.h>
#include <stdio.h>
#include <string.h>

static goc_wg wg;
static char *blocks[10];

static void work(void *arg)
{
	int i = (int)(long)arg;
	blocks[i] = goc_gc_alloc(64);
	memset(blocks[i], 'a' + i, 64);
	goc_wg_done(&wg);
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_wg_add(&wg, 10);
	for (long i = 0; i < 10; i++)
		goc_go(work, (void *)i);
	goc_wg_wait(&wg);
	goc_gc_collect();
	for (int i = 0; i < 10; i++)
		if (blocks[i][63] != 'a' + i)
			return 1;
	printf("consumer_gc ok\n");
	return 0;
}

GOC_MAIN(go_main)
