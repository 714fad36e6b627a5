/*
 * cache.h — two-level free lists: an array per P, taken from and refilled
 * without any lock, over a global array under a spin lock that per-P
 * arrays spill into and refill from in batches. Used for goroutine stacks
 * and spawn records: what one P frees, another can reuse, and the most
 * recently freed (warmest, resident) comes first.
 *
 * Arrays of pointers, not lists linked through the objects: a free stack
 * that has not been used for a while is cold (out of the caches and the
 * TLB), and moving a batch of a linked list would touch every one of them.
 * Here an object's memory is touched only by whoever takes it to use it.
 */
#ifndef GOC_CACHE_H
#define GOC_CACHE_H

#include "platform.h"

#define CACHE_LOCAL_MAX 256 /* a P spills half of its array when full */

struct cache_local { /* owner only */
	int32_t n;
	void *items[CACHE_LOCAL_MAX];
};

struct cache_pool {
	spinlock lock;
	int64_t n; /* atomic: read without the lock to skip empty pools */
	int64_t cap;
	void **items;
};

/* An object from l, else (refilling l with up to half its size from pool)
 * from pool; NULL when both are empty. l may be NULL (a thread without a
 * P). */
void *goc__cache_get(struct cache_local *l, struct cache_pool *pool) GOC_HIDDEN;

/* Put x in l (in pool if l is NULL); a full l moves its older half to
 * pool first. */
void goc__cache_put(struct cache_local *l, struct cache_pool *pool, void *x) GOC_HIDDEN;

/* Move everything in l to pool. */
void goc__cache_flush(struct cache_local *l, struct cache_pool *pool) GOC_HIDDEN;

#endif
