/*
 * test_chan_programs.c — classic Go channel programs, written in C.
 *
 * Each is a small concurrent program with a known answer: the
 * concurrent prime sieve (a chain of filter goroutines), the Go tour's
 * fibonacci with a quit channel (select), a merge of sorted streams, a
 * worker pool with jobs and results channels, a buffered channel as a
 * counting semaphore, ping-pong, a ring of goroutines passing a token and
 * Rob Pike's daisy chain.
 */
#include "helpers.h"

/* ---- the prime sieve ---- */

/* Every goroutine of a program is done (and has released its channels)
 * before the case ends. */
static goc_wg all_done;

static void go_counted(goc_func fn, void *arg)
{
	goc_wg_add(&all_done, 1);
	spawn(fn, arg);
}

/* Send 2, 3, 4, … to ch until the receiver stops listening (quit closes). */
struct gen {
	goc_chan *out, *quit;
};

static void generate(void *arg)
{
	struct gen g = *(struct gen *)arg;
	free(arg);
	for (int i = 2;; i++) {
		goc_case cs[] = {GOC_CASE_SEND(g.out, &i), GOC_CASE_RECV(g.quit, NULL)};
		if (goc_select(cs, 2) == 1)
			break;
	}
	goc_chan_release(g.out);
	goc_chan_release(g.quit);
	goc_wg_done(&all_done);
}

/* Copy from in to out the values not divisible by prime. */
struct filter {
	goc_chan *in, *out, *quit;
	int prime;
};

static void filter(void *arg)
{
	struct filter f = *(struct filter *)arg;
	free(arg);
	for (;;) {
		int v;
		goc_case rcv[] = {GOC_CASE_RECV(f.in, &v), GOC_CASE_RECV(f.quit, NULL)};
		if (goc_select(rcv, 2) == 1)
			break;
		if (v % f.prime == 0)
			continue;
		goc_case snd[] = {GOC_CASE_SEND(f.out, &v),
		                  GOC_CASE_RECV(f.quit, NULL)};
		if (goc_select(snd, 2) == 1)
			break;
	}
	goc_chan_release(f.in);
	goc_chan_release(f.out);
	goc_chan_release(f.quit);
	goc_wg_done(&all_done);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		fail("out of memory");
	return p;
}

static int prime_sieve_finds_the_first_100_primes(void)
{
	enum { N = 100 };
	/* The answer, by trial division. */
	int want[N], found = 0;
	for (int n = 2; found < N; n++) {
		bool prime = true;
		for (int d = 2; d * d <= n && prime; d++)
			prime = n % d != 0;
		if (prime)
			want[found++] = n;
	}
	expect_eq(want[N - 1], 541);

	goc_chan *quit = make_chan(0, 0);
	goc_chan *ch = make_chan(sizeof(int), 0);
	struct gen *g = xmalloc(sizeof *g);
	*g = (struct gen){goc_chan_retain(ch), goc_chan_retain(quit)};
	go_counted(generate, g);
	for (int i = 0; i < N; i++) {
		int prime = 0;
		expect_status(goc_chan_recv(ch, &prime), GOC_OK);
		expect(prime == want[i], "prime %d is %d, expected %d", i + 1, prime,
		       want[i]);
		goc_chan *next = make_chan(sizeof(int), 0);
		struct filter *f = xmalloc(sizeof *f);
		*f = (struct filter){ch, goc_chan_retain(next), goc_chan_retain(quit),
		                     prime};
		go_counted(filter, f); /* ch's reference passes to the filter */
		ch = next;
	}
	goc_chan_close(quit); /* stop the whole chain */
	goc_chan_release(quit);
	goc_chan_release(ch);
	goc_wg_wait(&all_done);
	return 0;
}

/* ---- the Go tour's fibonacci with select ---- */

struct fib {
	goc_chan *c, *quit;
	int n;
	goc_wg done;
};

static void fib_consumer(void *arg)
{
	struct fib *f = arg;
	for (int i = 0; i < f->n; i++) {
		long v;
		goc_chan_recv(f->c, &v);
	}
	goc_chan_send(f->quit, NULL);
	goc_wg_done(&f->done);
}

static int fibonacci_with_a_quit_channel(void)
{
	struct fib f = {make_chan(sizeof(long), 0), make_chan(0, 0), 50, {0}};
	goc_wg_add(&f.done, 1);
	spawn(fib_consumer, &f);
	long x = 0, y = 1, sent = 0;
	for (;;) {
		goc_case cs[] = {GOC_CASE_SEND(f.c, &x), GOC_CASE_RECV(f.quit, NULL)};
		int i = goc_select(cs, 2);
		if (i == 1)
			break;
		sent++;
		long t = x + y;
		x = y;
		y = t;
	}
	goc_wg_wait(&f.done);
	expect_eq(sent, 50);
	expect_eq(x, 12586269025L); /* fib(50) */
	goc_chan_release(f.c);
	goc_chan_release(f.quit);
	return 0;
}

/* ---- merging sorted streams ---- */

/* Send start, start + step, … below limit, then close. */
struct seq {
	goc_chan *out;
	long start, step, limit;
};

static void emit_sequence(void *arg)
{
	struct seq s = *(struct seq *)arg;
	free(arg);
	for (long v = s.start; v < s.limit; v += s.step)
		goc_chan_send(s.out, &v);
	goc_chan_close(s.out);
	goc_chan_release(s.out);
	goc_wg_done(&all_done);
}

/* Merge two sorted streams into one, then close it. */
struct merge {
	goc_chan *a, *b, *out;
};

static void merge2(void *arg)
{
	struct merge m = *(struct merge *)arg;
	free(arg);
	long va, vb;
	bool has_a = goc_chan_recv(m.a, &va) == GOC_OK;
	bool has_b = goc_chan_recv(m.b, &vb) == GOC_OK;
	while (has_a || has_b) {
		if (has_a && (!has_b || va <= vb)) {
			goc_chan_send(m.out, &va);
			has_a = goc_chan_recv(m.a, &va) == GOC_OK;
		} else {
			goc_chan_send(m.out, &vb);
			has_b = goc_chan_recv(m.b, &vb) == GOC_OK;
		}
	}
	goc_chan_close(m.out);
	goc_chan_release(m.a);
	goc_chan_release(m.b);
	goc_chan_release(m.out);
	goc_wg_done(&all_done);
}

static goc_chan *start_sequence(long start, long step, long limit)
{
	goc_chan *c = make_chan(sizeof(long), (size_t)(start % 3)); /* mixed caps */
	struct seq *s = xmalloc(sizeof *s);
	*s = (struct seq){goc_chan_retain(c), start, step, limit};
	go_counted(emit_sequence, s);
	return c;
}

/* A balanced tree of merges over streams[lo, hi). */
static goc_chan *merge_tree(goc_chan **streams, int lo, int hi)
{
	if (hi - lo == 1)
		return streams[lo];
	int mid = (lo + hi) / 2;
	goc_chan *out = make_chan(sizeof(long), 0);
	struct merge *m = xmalloc(sizeof *m);
	*m = (struct merge){merge_tree(streams, lo, mid), merge_tree(streams, mid, hi),
	                    goc_chan_retain(out)};
	go_counted(merge2, m);
	return out;
}

static int merge_of_sorted_streams_is_sorted_and_complete(void)
{
	/* 8 streams: v ≡ k (mod 8) for k = 0..7, below LIMIT: together every
	 * number below LIMIT exactly once. */
	enum { STREAMS = 8 };
	long limit = SCALED(80000);
	goc_chan *streams[STREAMS];
	for (int k = 0; k < STREAMS; k++)
		streams[k] = start_sequence(k, STREAMS, limit);
	goc_chan *all = merge_tree(streams, 0, STREAMS);
	long v, next = 0;
	while (goc_chan_recv(all, &v) == GOC_OK) {
		expect(v == next, "the merged stream gave %ld where %ld was next", v,
		       next);
		next++;
	}
	expect_eq(next, limit);
	goc_chan_release(all);
	goc_wg_wait(&all_done);
	return 0;
}

/* ---- worker pool ---- */

struct pool {
	goc_chan *jobs, *results;
	goc_wg workers;
};

static void worker(void *arg)
{
	struct pool *p = arg;
	long job;
	while (goc_chan_recv(p->jobs, &job) == GOC_OK) {
		long r = job * job;
		goc_chan_send(p->results, &r);
	}
	goc_wg_done(&p->workers);
}

static void close_results_when_done(void *arg)
{
	struct pool *p = arg;
	goc_wg_wait(&p->workers);
	goc_chan_close(p->results);
}

static void submit_jobs(void *arg)
{
	struct pool *p = arg;
	long n = SCALED(100000);
	for (long j = 1; j <= n; j++)
		goc_chan_send(p->jobs, &j);
	goc_chan_close(p->jobs);
}

static int worker_pool_computes_every_job_once(void)
{
	struct pool p = {
		make_chan(sizeof(long), 100), make_chan(sizeof(long), 100), {0}};
	enum { WORKERS = 16 };
	goc_wg_add(&p.workers, WORKERS);
	for (int i = 0; i < WORKERS; i++)
		spawn(worker, &p);
	spawn(submit_jobs, &p);
	spawn(close_results_when_done, &p);
	long n = SCALED(100000), count = 0;
	unsigned long long sum = 0, r;
	long v;
	while (goc_chan_recv(p.results, &v) == GOC_OK) {
		sum += (unsigned long long)v;
		count++;
	}
	r = (unsigned long long)n * (n + 1) * (2 * n + 1) / 6; /* sum of squares */
	expect_eq(count, n);
	expect(sum == r, "the results sum to %llu, expected %llu", sum, r);
	goc_chan_release(p.jobs);
	goc_chan_release(p.results);
	return 0;
}

/* ---- a buffered channel as a counting semaphore ---- */

struct limited {
	goc_chan *sem;
	_Atomic int inside, most;
	goc_wg done;
};

static void limited_work(void *arg)
{
	struct limited *l = arg;
	goc_chan_send(l->sem, NULL); /* acquire */
	int now = atomic_fetch_add(&l->inside, 1) + 1;
	int most = atomic_load(&l->most);
	while (now > most && !atomic_compare_exchange_weak(&l->most, &most, now)) {
	}
	goc_sleep(ms(1));
	atomic_fetch_sub(&l->inside, 1);
	goc_chan_recv(l->sem, NULL); /* release */
	goc_wg_done(&l->done);
}

static int buffered_channel_limits_concurrency(void)
{
	enum { LIMIT = 3, TASKS = 200 };
	struct limited l = {make_chan(0, LIMIT), 0, 0, {0}};
	goc_wg_add(&l.done, TASKS);
	for (int i = 0; i < TASKS; i++)
		spawn(limited_work, &l);
	goc_wg_wait(&l.done);
	expect_le(atomic_load(&l.most), LIMIT);
	expect_ge(atomic_load(&l.most), 1);
	expect_eq(goc_chan_len(l.sem), 0);
	goc_chan_release(l.sem);
	return 0;
}

/* ---- ping-pong ---- */

struct table {
	goc_chan *ping, *pong;
	long rounds;
};

static void player(void *arg)
{
	struct table *t = arg;
	for (long i = 0; i < t->rounds; i++) {
		long ball;
		expect_status(goc_chan_recv(t->ping, &ball), GOC_OK);
		expect(ball == 2 * i, "the ball came back as %ld, expected %ld", ball,
		       2 * i);
		ball++;
		goc_chan_send(t->pong, &ball);
	}
}

static void expect_ping_pong(size_t cap)
{
	struct table t = {make_chan(sizeof(long), cap), make_chan(sizeof(long), cap),
	                  SCALED(100000)};
	spawn(player, &t);
	for (long i = 0; i < t.rounds; i++) {
		long ball = 2 * i;
		goc_chan_send(t.ping, &ball);
		expect_status(goc_chan_recv(t.pong, &ball), GOC_OK);
		expect(ball == 2 * i + 1, "the ball came back as %ld, expected %ld",
		       ball, 2 * i + 1);
	}
	goc_chan_release(t.ping);
	goc_chan_release(t.pong);
}

static int ping_pong_unbuffered(void)
{
	expect_ping_pong(0);
	return 0;
}

static int ping_pong_buffered(void)
{
	expect_ping_pong(1);
	return 0;
}

/* ---- a ring of goroutines passing a token ---- */

enum { RING = 1000 };

struct ring_node {
	goc_chan *in, *out;
	long laps;
};

static void pass_token(void *arg)
{
	struct ring_node *n = arg;
	for (long i = 0; i < n->laps; i++) {
		long token;
		goc_chan_recv(n->in, &token);
		token++;
		goc_chan_send(n->out, &token);
	}
}

static int token_goes_round_a_ring_of_1000_goroutines(void)
{
	static struct ring_node nodes[RING];
	goc_chan *links[RING + 1];
	for (int i = 0; i < RING; i++)
		links[i] = make_chan(sizeof(long), 0);
	links[RING] = links[0]; /* main sits between the last and the first */
	long laps = SCALED(100);
	/* main is node 0: it sends on links[0]; node i reads links[i - 1]… */
	for (int i = 1; i < RING; i++) {
		nodes[i] = (struct ring_node){links[i - 1], links[i], laps};
		spawn(pass_token, &nodes[i]);
	}
	long token = 0;
	for (long lap = 0; lap < laps; lap++) {
		goc_chan_send(links[0], &token);
		expect_status(goc_chan_recv(links[RING - 1], &token), GOC_OK);
		token++; /* main's own hop */
		expect(token == (lap + 1) * RING,
		       "after lap %ld the token is %ld, expected %ld", lap + 1, token,
		       (lap + 1) * RING);
	}
	for (int i = 0; i < RING; i++)
		goc_chan_release(links[i]);
	return 0;
}

/* ---- Rob Pike's daisy chain ---- */

struct link {
	goc_chan *left, *right;
};

static void whisper(void *arg)
{
	struct link l = *(struct link *)arg;
	free(arg);
	long v;
	goc_chan_recv(l.right, &v);
	v++;
	goc_chan_send(l.left, &v);
	goc_chan_release(l.left);
	goc_chan_release(l.right);
	goc_wg_done(&all_done);
}

static int daisy_chain_of_whispers(void)
{
	long n = SCALED(10000);
	goc_chan *leftmost = make_chan(sizeof(long), 0);
	goc_chan *left = goc_chan_retain(leftmost);
	for (long i = 0; i < n; i++) {
		goc_chan *right = make_chan(sizeof(long), 0);
		struct link *l = xmalloc(sizeof *l);
		*l = (struct link){left, goc_chan_retain(right)};
		go_counted(whisper, l);
		left = right;
	}
	long one = 1, v = 0;
	goc_chan_send(left, &one);
	goc_chan_release(left);
	expect_status(goc_chan_recv(leftmost, &v), GOC_OK);
	expect_eq(v, n + 1);
	goc_chan_release(leftmost);
	goc_wg_wait(&all_done);
	return 0;
}

static const struct test_case cases[] = {
	CASE(prime_sieve_finds_the_first_100_primes),
	CASE(fibonacci_with_a_quit_channel),
	CASE(merge_of_sorted_streams_is_sorted_and_complete),
	CASE(worker_pool_computes_every_job_once, .timeout = 60),
	CASE(buffered_channel_limits_concurrency),
	CASE(ping_pong_unbuffered, .timeout = 60),
	CASE(ping_pong_buffered, .timeout = 60),
	CASE(token_goes_round_a_ring_of_1000_goroutines, .timeout = 60),
	CASE(daisy_chain_of_whispers),
};

TEST_MAIN(cases)
