/*
 * timeout — waiting for a result, but not forever: select over the result
 * channel and a Timer's channel. A fast worker (30 ms) beats a 100 ms
 * timeout; a slow one (300 ms) does not, and main goes on without it.
 *
 * Go original:
 *
 *	result := make(chan string, 1)
 *	go func() { time.Sleep(d); result <- "done" }()
 *	timer := time.NewTimer(100 * time.Millisecond)
 *	defer timer.Stop()
 *	select {
 *	case r := <-result:
 *		fmt.Println("got", r)
 *	case <-timer.C:
 *		fmt.Println("timed out")
 *	}
 */
#include <goc.h>
#include <stdio.h>

struct job {
	int64_t work;     /* how long the worker takes */
	goc_chan *result; /* buffered: the worker never blocks on a late send */
};

static void worker(void *arg)
{
	struct job *j = arg;
	goc_sleep(j->work);
	int64_t answer = 42;
	goc_chan_send(j->result, &answer);
	goc_chan_release(j->result); /* the worker's reference */
}

/* Ask a worker that takes `work`; wait at most 100 ms for the answer. */
static void ask(int64_t work)
{
	static struct job jobs[2];
	static int next;
	struct job *j = &jobs[next++];
	j->work = work;
	j->result = goc_chan_make(sizeof(int64_t), 1);
	goc_chan_retain(j->result); /* one reference for the worker */
	goc_go(worker, j);

	goc_timer *timer = goc_timer_make(100 * GOC_MILLISECOND);
	int64_t answer, fired;
	goc_case cases[] = {
		GOC_CASE_RECV(j->result, &answer),
		GOC_CASE_RECV(goc_timer_chan(timer), &fired),
	};
	switch (goc_select(cases, 2)) {
	case 0:
		printf("worker taking %3lld ms: got %lld\n",
		       (long long)(work / GOC_MILLISECOND), (long long)answer);
		break;
	case 1:
		printf("worker taking %3lld ms: timed out after 100 ms\n",
		       (long long)(work / GOC_MILLISECOND));
		break;
	}
	goc_timer_free(timer);
	goc_chan_release(j->result); /* ours; the worker still holds one */
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	ask(30 * GOC_MILLISECOND);
	ask(300 * GOC_MILLISECOND);
	return 0;
}

GOC_MAIN(go_main)
