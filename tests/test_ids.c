/*
 * test_ids.c — goroutine ids: 1 for main, unique, never reused.
 *
 * Ids are handed out in per-processor batches (as Go's goidcache), so
 * across processors a later goroutine may get a smaller id; on one
 * processor they increase in spawn order.
 */
#include "helpers.h"

struct idlog {
	int64_t *ids;
	long n;
	goc_wg done;
};

static struct idlog *idlog_new(long n)
{
	struct idlog *l = calloc(1, sizeof *l);
	expect(l != NULL, "out of memory");
	l->ids = calloc((size_t)n, sizeof *l->ids);
	expect(l->ids != NULL, "out of memory for %ld ids", n);
	l->n = n;
	return l;
}

static void idlog_free(struct idlog *l)
{
	free(l->ids);
	free(l);
}

static goc_wg *current_wg;

/* Each goroutine writes its id into the slot it was given. */
static void write_id_and_done(void *slot)
{
	*(int64_t *)slot = goc_id();
	goc_wg_done(current_wg);
}

/* Start goroutines for slots [from, to) of l and wait for them. */
static void fill(struct idlog *l, long from, long to)
{
	current_wg = &l->done;
	goc_wg_add(&l->done, to - from);
	for (long i = from; i < to; i++)
		spawn(write_id_and_done, &l->ids[i]);
	goc_wg_wait(&l->done);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Every id is above 1 (main's) and no two are equal. */
static void expect_unique_ids(int64_t *ids, long n)
{
	qsort(ids, (size_t)n, sizeof *ids, cmp_id);
	expect(ids[0] > 1, "the smallest id is %lld", (long long)ids[0]);
	for (long i = 1; i < n; i++)
		expect(ids[i] != ids[i - 1], "id %lld was given twice",
		       (long long)ids[i]);
}

static int ids_are_unique(void)
{
	struct idlog *l = idlog_new(SCALED(100000));
	fill(l, 0, l->n);
	expect_unique_ids(l->ids, l->n);
	idlog_free(l);
	return 0;
}

static int ids_are_never_reused_after_goroutines_exit(void)
{
	/* Round after round, the stacks of finished goroutines are reused;
	 * their ids are not. */
	enum { ROUNDS = 20 };
	struct idlog *l = idlog_new(SCALED(20000) * ROUNDS);
	long per = l->n / ROUNDS;
	for (int r = 0; r < ROUNDS; r++) {
		fill(l, r * per, (r + 1) * per);
		eventually(goc_numgoroutine() == 1, 10); /* all of them gone */
	}
	expect_unique_ids(l->ids, ROUNDS * per);
	idlog_free(l);
	return 0;
}

static int ids_increase_in_spawn_order_on_one_processor(void)
{
	goc_maxprocs(1);
	struct idlog *l = idlog_new(SCALED(10000));
	fill(l, 0, l->n);
	for (long i = 1; i < l->n; i++)
		expect(l->ids[i] > l->ids[i - 1],
		       "goroutine %ld got id %lld after goroutine %ld got %lld", i,
		       (long long)l->ids[i], i - 1, (long long)l->ids[i - 1]);
	idlog_free(l);
	return 0;
}

/* Several goroutines and a plain thread spawn at once, on every P. */
enum { SPAWNERS = 8 };

struct spawner {
	int64_t *ids;
	long n;
	goc_wg done;
	goc_wg *all;
};

struct child {
	int64_t *slot;
	goc_wg *done;
};

static void child_writes_id(void *arg)
{
	struct child *c = arg;
	*c->slot = goc_id();
	goc_wg_done(c->done);
}

static void spawn_children(struct spawner *s)
{
	struct child *cs = calloc((size_t)s->n, sizeof *cs);
	expect(cs != NULL, "out of memory");
	goc_wg_add(&s->done, s->n);
	for (long i = 0; i < s->n; i++) {
		cs[i] = (struct child){&s->ids[i], &s->done};
		spawn(child_writes_id, &cs[i]);
	}
	goc_wg_wait(&s->done);
	free(cs);
}

static void spawner_goroutine(void *arg)
{
	struct spawner *s = arg;
	spawn_children(s);
	goc_wg_done(s->all);
}

static void *spawner_thread(void *arg)
{
	spawn_children(arg);
	return NULL;
}

static int ids_are_unique_across_concurrent_spawners(void)
{
	long per = SCALED(20000);
	struct idlog *l = idlog_new(per * (SPAWNERS + 1));
	struct spawner s[SPAWNERS + 1];
	goc_wg all = {0};
	for (int i = 0; i <= SPAWNERS; i++)
		s[i] = (struct spawner){.ids = &l->ids[i * per], .n = per, .all = &all};
	pthread_t t = thread_start(spawner_thread, &s[SPAWNERS]);
	goc_wg_add(&all, SPAWNERS);
	for (int i = 0; i < SPAWNERS; i++)
		spawn(spawner_goroutine, &s[i]);
	goc_wg_wait(&all);
	thread_join(t);
	expect_unique_ids(l->ids, l->n);
	idlog_free(l);
	return 0;
}

static int id_is_0_on_a_plain_thread(void)
{
	expect_eq(goc_id(), 0);
	return 0;
}

static void *report_id(void *arg)
{
	*(int64_t *)arg = goc_id();
	return NULL;
}

static int id_is_0_on_a_thread_started_by_a_goroutine(void)
{
	int64_t id = -1;
	thread_join(thread_start(report_id, &id));
	expect_eq(id, 0);
	expect_eq(goc_id(), 1);
	return 0;
}

static const struct test_case cases[] = {
	CASE(ids_are_unique),
	CASE(ids_are_never_reused_after_goroutines_exit, .timeout = 60),
	CASE(ids_increase_in_spawn_order_on_one_processor),
	CASE(ids_are_unique_across_concurrent_spawners),
	PLAIN_CASE(id_is_0_on_a_plain_thread),
	CASE(id_is_0_on_a_thread_started_by_a_goroutine),
};

TEST_MAIN(cases)
