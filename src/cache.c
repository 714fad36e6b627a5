/*
 * cache.c — two-level free lists (see cache.h).
 */
#include "cache.h"

static void pool_push_list(struct cache_pool *pool, struct cache_node *head,
                           struct cache_node *tail, int64_t n)
{
	spin_lock(&pool->lock);
	tail->next = pool->head;
	store_relaxed(&pool->head, head);
	pool->n += n;
	spin_unlock(&pool->lock);
}

void *goc_cache_get(struct cache_local *l, struct cache_pool *pool, int batch)
{
	struct cache_node *x;
	if (l && (x = l->head)) {
		l->head = x->next;
		l->n--;
		return x;
	}
	if (!load_relaxed(&pool->head))
		return NULL;
	spin_lock(&pool->lock);
	x = pool->head;
	if (!x) {
		spin_unlock(&pool->lock);
		return NULL;
	}
	store_relaxed(&pool->head, x->next);
	pool->n--;
	if (l) { /* take a batch more for l */
		struct cache_node **cut = &pool->head;
		int n = 0;
		while (n < batch && *cut) {
			cut = &(*cut)->next;
			n++;
		}
		l->head = pool->head;
		l->n = n;
		store_relaxed(&pool->head, *cut);
		pool->n -= n;
		*cut = NULL;
	}
	spin_unlock(&pool->lock);
	return x;
}

/* Move all but the `keep` most recent objects of l to pool. */
static void spill(struct cache_local *l, struct cache_pool *pool, int keep)
{
	struct cache_node **cut = &l->head;
	for (int i = 0; i < keep && *cut; i++)
		cut = &(*cut)->next;
	struct cache_node *head = *cut, *tail = head;
	if (!head)
		return;
	*cut = NULL;
	int n = 1;
	while (tail->next) {
		tail = tail->next;
		n++;
	}
	l->n -= n;
	pool_push_list(pool, head, tail, n);
}

void goc_cache_put(struct cache_local *l, struct cache_pool *pool, void *x, int max)
{
	struct cache_node *node = x;
	if (!l) {
		pool_push_list(pool, node, node, 1);
		return;
	}
	node->next = l->head;
	l->head = node;
	if (++l->n > max)
		spill(l, pool, max / 2);
}

void goc_cache_flush(struct cache_local *l, struct cache_pool *pool)
{
	spill(l, pool, 0);
}
