/*
 * tour — the goroutine API in one page, for a C programmer who knows Go:
 * goc_go, goc_wg, goc_sleep, goc_maxprocs, goc_numgoroutine.
 *
 * Go original (roughly):
 *
 *	func main() {
 *		fmt.Println("procs:", runtime.GOMAXPROCS(0))
 *		var wg sync.WaitGroup
 *		var total atomic.Int64
 *		for i := 1; i <= 1000; i++ {
 *			wg.Add(1)
 *			go func(n int) {
 *				defer wg.Done()
 *				time.Sleep(100 * time.Millisecond)
 *				total.Add(int64(n))
 *			}(i)
 *		}
 *		fmt.Println("goroutines:", runtime.NumGoroutine())
 *		wg.Wait()
 *		fmt.Println("total:", total.Load(), "goroutines:", runtime.NumGoroutine())
 *	}
 */
#include <goc.h>
#include <stdint.h>
#include <stdio.h>

#define N 1000

static goc_wg wg;     /* zero-initialised = ready, like var wg sync.WaitGroup */
static int64_t total; /* shared: touched only with atomics */

/* A goroutine body is void fn(void *). There are no closures: what Go
 * captures is passed in arg (here a small integer in the pointer). */
static void add(void *arg)
{
	int64_t n = (int64_t)(intptr_t)arg;
	goc_sleep(100 * GOC_MILLISECOND); /* parks the goroutine, not the thread */
	__atomic_fetch_add(&total, n, __ATOMIC_RELAXED);
	goc_wg_done(&wg); /* no defer in C: call it on every way out */
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* goc_maxprocs(0) reads GOMAXPROCS; goc_maxprocs(n) would set it. */
	printf("procs: %d (OS threads running goroutines at once)\n", goc_maxprocs(0));

	goc_wg_add(&wg, N); /* add before starting, as in Go */
	for (int i = 1; i <= N; i++) {
		if (goc_go(add, (void *)(intptr_t)i) != 0) { /* go add(i) */
			perror("goc_go"); /* unlike Go, a spawn can fail (ENOMEM) */
			return 1;
		}
	}
	/* The N are asleep in goc_sleep now (unless starting them took over
	 * 100 ms), each on its own small stack: 1001 with main. */
	printf("goroutines: %lld\n", (long long)goc_numgoroutine());

	goc_wg_wait(&wg); /* wg.Wait() */
	/* As in Go, a goroutine that called goc_wg_done may not have returned
	 * yet, so the count below can still be a little above 1. */
	printf("total: %lld (expected %d), goroutines: %lld\n",
	       (long long)__atomic_load_n(&total, __ATOMIC_RELAXED), N * (N + 1) / 2,
	       (long long)goc_numgoroutine());
	return 0; /* like returning from Go's main: the process exits */
}

GOC_MAIN(go_main)
