/*
 * ratelimit — a worker pool that takes jobs no faster than a Ticker
 * allows: 3 workers, 10 jobs, one job released every 50 ms. The jobs are
 * spread over the workers, but they start 50 ms apart whatever the pool
 * size, because each job waits for a tick first.
 *
 * Go original:
 *
 *	jobs := make(chan int, 10)
 *	tick := time.NewTicker(50 * time.Millisecond)
 *	defer tick.Stop()
 *	for w := 1; w <= 3; w++ {
 *		go func(id int) {
 *			for j := range jobs {
 *				fmt.Printf("worker %d: job %d at %d ms\n", id, j, ms())
 *				wg.Done()
 *			}
 *		}(w)
 *	}
 *	for j := 1; j <= 10; j++ {
 *		<-tick.C // one job per tick
 *		jobs <- j
 *	}
 *	close(jobs)
 *	wg.Wait()
 */
#include <goc.h>
#include <stdio.h>

#define WORKERS 3
#define JOBS 10

static goc_chan *jobs;
static goc_wg done;
static int64_t start;

static void worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	int job;
	while (goc_chan_recv(jobs, &job) == GOC_OK) {
		printf("worker %d: job %2d at %3lld ms\n", id, job,
		       (long long)((goc_now() - start) / GOC_MILLISECOND));
		goc_wg_done(&done);
	}
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	jobs = goc_chan_make(sizeof(int), JOBS);
	goc_timer *tick = goc_ticker_make(50 * GOC_MILLISECOND);
	start = goc_now();
	for (int w = 1; w <= WORKERS; w++)
		goc_go(worker, (void *)(intptr_t)w);
	goc_wg_add(&done, JOBS);
	for (int j = 1; j <= JOBS; j++) {
		goc_chan_recv(goc_timer_chan(tick), NULL); /* <-tick.C */
		goc_chan_send(jobs, &j);
	}
	goc_chan_close(jobs);
	goc_wg_wait(&done);
	int64_t took = (goc_now() - start) / GOC_MILLISECOND;
	printf("%d jobs in %lld ms: at most one per 50 ms tick\n", JOBS,
	       (long long)took);
	goc_timer_free(tick);
	goc_chan_release(jobs);
	return took >= (JOBS - 1) * 50 ? 0 : 1;
}

GOC_MAIN(go_main)
