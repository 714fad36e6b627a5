/*
 * skynet.c — spawning and channel traffic in a tree: 1,111,111 goroutines
 * for N = 1,000,000 leaves. A leaf sends its number to its parent; an
 * inner node makes an unbuffered channel, spawns 10 children over the
 * tenths of its range and sends the sum of their 10 values on. Metrics:
 * ns (total), sum.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

struct node {
	goc_chan *parent;
	int64_t num, size;
};

/* A node's args live on its parent's stack: the parent waits for all its
 * children's values, so it outlives their reading them. */
static void skynet(void *arg)
{
	struct node self = *(struct node *)arg;
	if (self.size == 1) {
		goc_chan_send(self.parent, &self.num);
		return;
	}
	goc_chan *c = goc_chan_make(sizeof(int64_t), 0);
	struct node kids[10];
	int64_t tenth = self.size / 10;
	for (int64_t i = 0; i < 10; i++) {
		kids[i] = (struct node){c, self.num + i * tenth, tenth};
		bench_go(skynet, &kids[i]);
	}
	int64_t sum = 0, v;
	for (int i = 0; i < 10; i++) {
		goc_chan_recv(c, &v);
		sum += v;
	}
	goc_chan_release(c);
	goc_chan_send(self.parent, &sum);
}

bool run_skynet(int64_t n, char *out, size_t len)
{
	int64_t p = 1;
	while (p < n)
		p *= 10;
	if (p != n) {
		fprintf(stderr, "skynet: -n must be a power of 10\n");
		exit(2);
	}
	int64_t start = goc_now();
	goc_chan *c = goc_chan_make(sizeof(int64_t), 0);
	struct node root = {c, 0, n};
	bench_go(skynet, &root);
	int64_t sum;
	goc_chan_recv(c, &sum);
	int64_t d = goc_now() - start;
	goc_chan_release(c);
	snprintf(out, len, "ns=%lld sum=%lld", (long long)d, (long long)sum);
	return sum == sum_below(n);
}
