/*
 * workers — three goroutines share the scheduler; their lines interleave
 * in an order nobody promises.
 *
 * From the goroutine notes on the runtime: three workers each print
 * "Worker <id>: <i>" three times, 500 ms apart, while main sleeps 2 s so
 * that it does not end them early. The order of the lines within each
 * 500 ms round is up to the scheduler.
 *
 * Go original:
 *
 *	func worker(id int) {
 *		for i := 0; i < 3; i++ {
 *			fmt.Printf("Worker %d: %d\n", id, i)
 *			time.Sleep(time.Millisecond * 500)
 *		}
 *	}
 *
 *	func main() {
 *		for i := 1; i <= 3; i++ {
 *			go worker(i) // 런타임 스케줄러가 관리하는 고루틴
 *		}                    // (a goroutine managed by the runtime scheduler)
 *		time.Sleep(2 * time.Second) // main 종료 방지 (keep main from ending)
 *	}
 */
#include <goc.h>
#include <stdint.h>
#include <stdio.h>

static void worker(void *arg)
{
	/* Go copies id into the goroutine; in C a small integer travels in
	 * the void * argument itself, so no memory has to outlive the loop. */
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < 3; i++) {
		printf("Worker %d: %d\n", id, i);
		goc_sleep(500 * GOC_MILLISECOND);
	}
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, even to a pipe */

	for (int i = 1; i <= 3; i++)
		goc_go(worker, (void *)(intptr_t)i); /* go worker(i) */

	goc_sleep(2 * GOC_SECOND); /* keep main (and so the process) alive */
	return 0;
}

GOC_MAIN(go_main)
