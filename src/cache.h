/*
 * cache.h — two-level free lists: a list per P, taken and refilled without
 * any lock, over a global pool under a spin lock that lists spill into and
 * refill from in batches. Objects are linked through their first word.
 * Used for goroutine stacks and spawn records: what one P frees, another
 * can reuse, and the most recently freed (warmest, resident) comes first.
 */
#ifndef GOC_CACHE_H
#define GOC_CACHE_H

#include "platform.h"

struct cache_node {
	struct cache_node *next;
};

struct cache_local { /* owner only */
	struct cache_node *head;
	int32_t n;
};

struct cache_pool {
	spinlock lock;
	struct cache_node *head;
	int64_t n;
};

/* An object from l, else a batch of up to `batch` from pool into l; NULL
 * when both are empty. l may be NULL (a thread without a P). */
void *goc_cache_get(struct cache_local *l, struct cache_pool *pool, int batch) GOC_HIDDEN;

/* Put x in l (in pool if l is NULL); past `max` in l, the older half goes
 * to pool. */
void goc_cache_put(struct cache_local *l, struct cache_pool *pool, void *x,
                   int max) GOC_HIDDEN;

/* Move everything in l to pool. */
void goc_cache_flush(struct cache_local *l, struct cache_pool *pool) GOC_HIDDEN;

#endif
