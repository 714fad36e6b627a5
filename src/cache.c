/*
 * cache.c — two-level free lists (see cache.h).
 *
 * The pool's array grows by doubling under its lock; it only ever holds
 * objects that exist, so it stays as big as the most objects ever free
 * at once (800 KiB for 100,000 stacks) and growing it is rare.
 */
#include "runtime.h"

#include <string.h>

/* Room for `more` objects in pool; under pool->lock. */
static void pool_reserve_locked(struct cache_pool *pool, int64_t more)
{
	if (pool->n + more <= pool->cap)
		return;
	int64_t cap = pool->cap ? pool->cap : 2 * CACHE_LOCAL_MAX;
	while (cap < pool->n + more)
		cap *= 2;
	size_t bytes = (size_t)cap * sizeof(void *);
	void **items = pool->items ? goc__mem_realloc(pool->items, bytes)
	                           : goc__mem_alloc_noscan(bytes); /* see mem.h */
	if (!items)
		goc__fatal("out of memory growing a free list");
	pool->items = items;
	pool->cap = cap;
}

/* Append objs[0..n) to pool. */
static void pool_push(struct cache_pool *pool, void *const *objs, int32_t n)
{
	spin_lock(&pool->lock);
	pool_reserve_locked(pool, n);
	memcpy(pool->items + pool->n, objs, (size_t)n * sizeof *objs);
	store_relaxed(&pool->n, pool->n + n);
	spin_unlock(&pool->lock);
}

void *goc__cache_get(struct cache_local *l, struct cache_pool *pool)
{
	if (l && l->n > 0)
		return l->items[--l->n];
	if (load_relaxed(&pool->n) == 0)
		return NULL;
	spin_lock(&pool->lock);
	void *x = NULL;
	if (pool->n > 0) {
		int64_t n = pool->n - 1;
		x = pool->items[n];
		if (l) { /* the most recent half-array more for l */
			int32_t take = n < CACHE_LOCAL_MAX / 2 ? (int32_t)n
			                                       : CACHE_LOCAL_MAX / 2;
			n -= take;
			memcpy(l->items, pool->items + n,
			       (size_t)take * sizeof *l->items);
			l->n = take;
		}
		store_relaxed(&pool->n, n);
	}
	spin_unlock(&pool->lock);
	return x;
}

void goc__cache_put(struct cache_local *l, struct cache_pool *pool, void *x)
{
	if (!l) {
		pool_push(pool, &x, 1);
		return;
	}
	if (l->n == CACHE_LOCAL_MAX) { /* the older half goes to pool */
		int32_t half = CACHE_LOCAL_MAX / 2;
		pool_push(pool, l->items, half);
		memmove(l->items, l->items + half, (size_t)half * sizeof *l->items);
		l->n = half;
	}
	l->items[l->n++] = x;
}

void goc__cache_flush(struct cache_local *l, struct cache_pool *pool)
{
	if (l->n > 0)
		pool_push(pool, l->items, l->n);
	l->n = 0;
}
