/*
 * gctrees — goroutines with a garbage collector (link goc-gc): four
 * workers build binary trees from goc_gc_alloc, check them and drop them,
 * handing each to a keeper goroutine over a channel; nothing is freed by
 * hand. The program allocates several times the memory it ever holds
 * (it prints both as it goes), because the collector
 * finds what is still reachable (the keeper's trees, the one in the
 * channel, each worker's tree under construction on its goroutine's
 * stack) and reuses the rest.
 *
 * Go original (roughly):
 *
 *	type node struct{ left, right *node }
 *	func build(d int) *node { ... }          // &node{build(d-1), build(d-1)}
 *	func main() {
 *		kept := make(chan *node, 1)
 *		for w := 0; w < 4; w++ {
 *			go func() { for r := 0; r < rounds; r++ { ...; kept <- build(16) } }()
 *		}
 *		... // the keeper holds the last 8 trees it received
 *		var m runtime.MemStats; runtime.ReadMemStats(&m); fmt.Println(...)
 *	}
 */
#include <goc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WORKERS 4
#define ROUNDS 40 /* per worker; argv[1] may say fewer (valgrind runs 2) */
#define DEPTH 16  /* 131,071 nodes of 16 bytes: a 2 MiB tree (4 MiB in blocks) */
#define KEEP 8

struct node {
	struct node *left, *right;
};

static struct node *build(int depth)
{
	struct node *n = goc_gc_alloc(sizeof *n);
	if (depth > 0) {
		n->left = build(depth - 1);
		n->right = build(depth - 1);
	}
	return n;
}

static long count(const struct node *n)
{
	return n ? 1 + count(n->left) + count(n->right) : 0;
}

static long rss_mib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * sysconf(_SC_PAGESIZE) >> 20;
}

static goc_chan *kept; /* of struct node * */
static goc_wg workers;
static int rounds = ROUNDS;

static void worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < rounds; r++) {
		struct node *t = build(DEPTH);
		if (count(t) != (2L << DEPTH) - 1)
			printf("a tree lost nodes!\n");
		goc_chan_send(kept, &t); /* the keeper takes it; the rest is garbage */
	}
	goc_wg_done(&workers);
}

static void closer(void *arg)
{
	(void)arg;
	goc_wg_wait(&workers);
	goc_chan_close(kept);
}

static int run(int argc, char **argv)
{
	if (argc > 1 && atoi(argv[1]) > 0)
		rounds = atoi(argv[1]);
	kept = goc_chan_make(sizeof(struct node *), 1);
	goc_wg_add(&workers, WORKERS);
	for (int w = 0; w < WORKERS; w++)
		goc_go(worker, NULL);
	goc_go(closer, NULL);

	/* The keeper: the last KEEP trees stay reachable from this array on
	 * the main goroutine's stack; older ones become garbage. */
	struct node *last[KEEP] = {0};
	long received = 0, peak = 0;
	struct node *t;
	while (goc_chan_recv(kept, &t) == 0) {
		last[received % KEEP] = t;
		received++;
		if (received % 40 == 0 || received == WORKERS * rounds) {
			long rss = rss_mib();
			peak = rss > peak ? rss : peak;
			printf("%3ld trees built (%4ld MiB allocated), resident now %ld MiB\n",
			       received, received * ((2L << DEPTH) - 1) * 32 >> 20,
			       rss);
		}
	}
	long nodes = 0;
	for (int i = 0; i < KEEP; i++)
		nodes += count(last[i]);
	goc_gc_collect();
	printf("kept %d trees (%ld nodes, all there); peak resident %ld MiB for %ld MiB "
	       "allocated\n",
	       KEEP, nodes, peak, received * ((2L << DEPTH) - 1) * 32 >> 20);
	return nodes == KEEP * ((2L << DEPTH) - 1) ? 0 : 1;
}

GOC_MAIN(run)
