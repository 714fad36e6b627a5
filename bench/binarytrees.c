/*
 * binarytrees.c — the Computer Language Benchmarks Game's binary-trees on
 * goc-gc (only in goc-bench-gc): a stretch tree of depth N+1 built,
 * counted and dropped; a long-lived tree of depth N; then for each depth
 * d = 4, 6, ..., N a goroutine of its own builds, counts and drops
 * 2^(N-d+4) trees of depth d while the main goroutine waits; last, the
 * long-lived tree is counted. Nodes come from goc_gc_alloc and are never
 * freed by hand. The benchmark's lines are formatted in memory and
 * compared with the known ones. Metric: ms (wall); run.sh adds peak_mib.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_DEPTH 4

struct tree {
	struct tree *left, *right;
};

static struct tree *bottom_up(int d)
{
	struct tree *t = goc_gc_alloc(sizeof *t);
	if (d > 0) {
		t->left = bottom_up(d - 1);
		t->right = bottom_up(d - 1);
	}
	return t;
}

static int64_t count(const struct tree *t)
{
	if (!t->left)
		return 1;
	return 1 + count(t->left) + count(t->right);
}

struct depth_job {
	int depth, max_depth;
	int64_t sum;
	goc_wg *wg;
};

static void trees_of_depth(void *arg)
{
	struct depth_job *j = arg;
	int64_t sum = 0;
	for (int64_t k = (int64_t)1 << (j->max_depth - j->depth + MIN_DEPTH); k > 0;
	     k--)
		sum += count(bottom_up(j->depth));
	j->sum = sum;
	goc_wg_done(j->wg);
}

/* The benchmark's output for these counts, into buf. */
static void lines(char *buf, size_t len, int max_depth, int64_t stretch,
                  const int64_t *sums, int64_t long_lived)
{
	size_t at =
		(size_t)snprintf(buf, len, "stretch tree of depth %d\t check: %lld\n",
	                         max_depth + 1, (long long)stretch);
	for (int d = MIN_DEPTH, i = 0; d <= max_depth; d += 2, i++)
		at += (size_t)snprintf(
			buf + at, len - at, "%lld\t trees of depth %d\t check: %lld\n",
			1LL << (max_depth - d + MIN_DEPTH), d, (long long)sums[i]);
	snprintf(buf + at, len - at, "long lived tree of depth %d\t check: %lld\n",
	         max_depth, (long long)long_lived);
}

static int64_t nodes(int d) { return ((int64_t)1 << (d + 1)) - 1; }

bool run_binarytrees(int64_t n, char *out, size_t len)
{
	int max_depth = n < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : (int)n;
	int ndepths = (max_depth - MIN_DEPTH) / 2 + 1;
	struct depth_job *jobs = calloc((size_t)ndepths, sizeof *jobs);
	int64_t *sums = calloc((size_t)ndepths, sizeof *sums);
	int64_t *want = calloc((size_t)ndepths, sizeof *want);
	static char got[4096], expected[4096];
	goc_wg wg = {0};

	int64_t start = goc_now();
	int64_t stretch = count(bottom_up(max_depth + 1));
	struct tree *long_lived = bottom_up(max_depth);
	goc_wg_add(&wg, ndepths);
	for (int i = 0; i < ndepths; i++) {
		jobs[i] = (struct depth_job){MIN_DEPTH + 2 * i, max_depth, 0, &wg};
		bench_go(trees_of_depth, &jobs[i]);
	}
	goc_wg_wait(&wg);
	for (int i = 0; i < ndepths; i++)
		sums[i] = jobs[i].sum;
	lines(got, sizeof got, max_depth, stretch, sums, count(long_lived));
	int64_t d = goc_now() - start;

	for (int i = 0; i < ndepths; i++) {
		int depth = MIN_DEPTH + 2 * i;
		want[i] =
			((int64_t)1 << (max_depth - depth + MIN_DEPTH)) * nodes(depth);
	}
	lines(expected, sizeof expected, max_depth, nodes(max_depth + 1), want,
	      nodes(max_depth));
	free(jobs), free(sums), free(want);
	snprintf(out, len, "ms=%.1f", (double)d / 1e6);
	return strcmp(got, expected) == 0;
}
