/* consumer.c — a program built against an installed goc, the way a user's
 * would be (scripts/test.sh, stage install): ten goroutines, a WaitGroup,
 * a sleep. Prints "consumer ok" and exits 0 when all is well. */
#include <goc.h>
#include <stdint.h>
#include <stdio.h>

static goc_wg wg;
static int64_t sum;

static void work(void *arg)
{
	goc_sleep(GOC_MILLISECOND);
	__atomic_fetch_add(&sum, (int64_t)(intptr_t)arg, __ATOMIC_RELAXED);
	goc_wg_done(&wg);
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_wg_add(&wg, 10);
	for (int i = 1; i <= 10; i++)
		if (goc_go(work, (void *)(intptr_t)i) != 0)
			return 1;
	goc_wg_wait(&wg);
	if (sum != 55) {
		printf("consumer: sum %lld, want 55\n", (long long)sum);
		return 1;
	}
	printf("consumer ok (goc %d.%d.%d)\n", GOC_VERSION_MAJOR, GOC_VERSION_MINOR,
	       GOC_VERSION_PATCH);
	return 0;
}

GOC_MAIN(go_main)
