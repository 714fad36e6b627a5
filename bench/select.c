/*
 * select.c — goc_select over several channels: 4 producers send 0..N-1
 * between them, each on its own unbuffered channel, which it then closes;
 * the main goroutine selects over the 4 receive cases, disabling a case
 * (ch = NULL) once its channel is closed, until none is left. Checks count
 * and sum. Metric: ns_per_msg.
 */
#include "bench.h"

#include <stdio.h>

enum { PRODUCERS = 4 };

struct producer {
	goc_chan *c;
	int64_t lo, hi;
};

/* The consumer sees the close, so it may release the channel then. */
static void produce(void *arg)
{
	struct producer *p = arg;
	for (int64_t i = p->lo; i < p->hi; i++)
		goc_chan_send(p->c, &i);
	goc_chan_close(p->c);
}

bool run_select(int64_t n, char *out, size_t len)
{
	int64_t start = goc_now();
	struct producer ps[PRODUCERS];
	goc_case cases[PRODUCERS];
	int64_t v;
	for (int i = 0; i < PRODUCERS; i++) {
		ps[i].c = goc_chan_make(sizeof(int64_t), 0);
		span(n, PRODUCERS, i, &ps[i].lo, &ps[i].hi);
		bench_go(produce, &ps[i]);
		cases[i] = GOC_CASE_RECV(ps[i].c, &v);
	}

	int64_t count = 0, sum = 0;
	for (int open = PRODUCERS; open > 0;) {
		int i = goc_select(cases, PRODUCERS);
		if (cases[i].status == GOC_CLOSED) {
			cases[i].ch = NULL; /* never chosen again */
			open--;
			continue;
		}
		count++;
		sum += v;
	}
	int64_t d = goc_now() - start;
	for (int i = 0; i < PRODUCERS; i++)
		goc_chan_release(ps[i].c);
	snprintf(out, len, "ns_per_msg=%.1f", per_op(d, n));
	return count == n && sum == sum_below(n);
}
