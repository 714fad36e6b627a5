/*
 * test_random.c — random programs built from a seed, checked end to end.
 *
 * A seed (a 64-bit number) decides a whole program: a few channels
 * (unbuffered or buffered, random capacities and element sizes), senders
 * bound to one channel each, receivers that drain one or several
 * channels, and how each of them waits: plain calls, *_timeout, try_*,
 * goc_select (blocking, with a default, with a timeout, with a timer's or
 * a ticker's channel among its cases). Some senders and receivers are
 * plain pthreads, a goc_mutex guards counters every actor updates, an
 * after_func timer may join in, and references to channels are dropped by
 * whoever finishes with them.
 *
 * Free of deadlock by construction: senders only send (on their own
 * channel; the last sender of a channel closes it), receivers only
 * receive, and each receiver keeps receiving from every channel of its
 * own until all are closed. So a sender waits only for receivers that are
 * bound to come, and a receiver only for senders that have something left
 * to send.
 *
 * Every value carries its sender and its sequence number, and fills the
 * rest of its element with a pattern of both. At the end each value has
 * arrived exactly once, each receiver saw each sender's values in order,
 * and the counts (per sender, per receiver, under the mutex) agree. A
 * program that does not end within a generous bound is a hang: an alarm
 * reports its seed. Every failure names its seed; goroutines carry it in
 * their names, so a deadlock report (which lists every goroutine) shows
 * it too. `scripts/rerun-seed SEED [MAXPROCS]` runs one seed again.
 *
 * In `make test` each case runs programs for a few seconds (less under the
 * sanitizers) at GOC_MAXPROCS 1, 2 and 4. By hand (the case
 * random_programs_by_hand, which skips unless one of these is set):
 *
 *   GOC_RANDOM_SEED=S      run seed S only (GOC_RANDOM_REPEAT=N: N times)
 *   GOC_RANDOM_SEEDS=N     run N seeds from GOC_RANDOM_FIRST (default:
 *                          from the clock)
 *   GOC_RANDOM_SECONDS=T   run seeds for T seconds
 *   GOC_RANDOM_PROCS=P     at P processors (default: the CPUs)
 *   GOC_RANDOM_HANG_WAIT=1 a hung program waits for `gdb -p` instead of
 *                          ending the case
 */
#include "helpers.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>

/* ---- the generator's randomness: xorshift64*, deterministic ---- */

struct rng {
	uint64_t s;
};

static void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64's mix: nearby seeds give unrelated streams */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	r->s = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint32_t below(struct rng *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }

static bool chance(struct rng *r, uint32_t percent) { return below(r, 100) < percent; }

/* ---- a program ---- */

enum {
	MAX_STREAMS = 4,
	MAX_SENDERS_PER_STREAM = 3,
	MAX_SENDERS = MAX_STREAMS * MAX_SENDERS_PER_STREAM,
	MAX_RECEIVERS = 4,
	MAX_THREADS = 2, /* plain pthreads among the actors */
	MAX_ELEM = 64,
	TIMER_CASE = MAX_STREAMS, /* the case index of a receiver's timer */
	NIL_CASE = MAX_STREAMS + 1,
	RECV_CASES = MAX_STREAMS + 2,
};

/* The largest number of values one sender sends. */
#define MAX_VALUES SCALED(300)

/* How an actor waits for its channels: the one-channel ways first, then
 * the select ways. */
enum mode {
	PLAIN,         /* goc_chan_send / goc_chan_recv */
	TIMED,         /* *_timeout, tried again after GOC_TIMEOUT */
	TRYING,        /* try_*, yielding in between, then plain */
	SELECT,        /* goc_select */
	SELECT_TRY,    /* goc_select_try, yielding in between, then select */
	SELECT_TIMED,  /* goc_select_timeout, tried again after -1 */
	SELECT_TIMER,  /* goc_select with a timer's channel among the cases */
	SELECT_TICKER, /* goc_select with a ticker's channel among the cases */
	MODES
};

static const char *const mode_names[MODES] = {
	"plain",      "timed",        "trying",       "select",
	"select_try", "select_timed", "select_timer", "select_ticker"};

/* A channel and the senders that feed it. */
struct stream {
	goc_chan *c;
	size_t cap;
	int senders;
	_Atomic int senders_left; /* the sender that brings it to 0 closes */
};

struct program;

/* A sender or a receiver, run by a goroutine or a plain thread. */
struct actor {
	struct program *p;
	struct rng rng; /* its own choices at run time (timeouts, yields) */
	bool is_sender;
	int id; /* index among the program's senders or receivers */
	enum mode mode;
	bool thread;
	pthread_t tid;
	char name[64];
	goc_timer *timer; /* SELECT_TIMER, SELECT_TICKER */
	/* a sender: its stream and how many values it sends */
	int stream;
	uint32_t nvalues;
	/* a receiver: its streams, the last sequence number seen of each
	 * sender, and how many values it received */
	int nstreams;
	int streams[MAX_STREAMS];
	int64_t last_seq[MAX_SENDERS];
	long received;
};

struct program {
	uint64_t seed;
	int procs;
	size_t elem_size;
	int nstreams, nsenders, nreceivers;
	bool release_early; /* main drops its references once all have started */
	bool after_func;
	struct stream streams[MAX_STREAMS];
	struct actor senders[MAX_SENDERS];
	struct actor receivers[MAX_RECEIVERS];
	_Atomic uint8_t *seen; /* arrivals of value (sender, seq) */
	long total;            /* values the senders send */
	goc_wg done;           /* every actor (and the after_func) */
	goc_mutex mu;          /* guards the two counts below */
	long sent_counted, received_counted;
	_Atomic long after_func_runs;
};

/* Fail the case, naming the seed. */
__attribute__((format(printf, 4, 5))) _Noreturn static void
program_fail(const struct program *p, const char *file, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	test_fail_at(file, line,
	             "seed %" PRIu64 " at GOC_MAXPROCS=%d: %s "
	             "(rerun: scripts/rerun-seed %" PRIu64 " %d)",
	             p->seed, p->procs, msg, p->seed, p->procs);
}

#define bad(p, ...) program_fail((p), __FILE__, __LINE__, __VA_ARGS__)
#define check(p, cond, ...)                                                            \
	do {                                                                           \
		if (!(cond))                                                           \
			bad((p), __VA_ARGS__);                                         \
	} while (0)

/* ---- building a program from its seed ---- */

static void actor_init(struct program *p, struct actor *a, struct rng *r,
                       bool is_sender, int id)
{
	a->p = p;
	rng_seed(&a->rng, rng_next(r));
	a->is_sender = is_sender;
	a->id = id;
	a->mode = (enum mode)below(r, MODES);
	snprintf(a->name, sizeof a->name, "seed %" PRIu64 " %s %d (%s)", p->seed,
	         is_sender ? "sender" : "receiver", id, mode_names[a->mode]);
	for (int s = 0; s < MAX_SENDERS; s++)
		a->last_seq[s] = -1;
}

/* A receiver takes some of the streams; every stream gets at least one. */
static void assign_streams(struct program *p, struct rng *r)
{
	for (int s = 0; s < p->nstreams; s++) {
		int first = (int)below(r, (uint32_t)p->nreceivers);
		for (int k = 0; k < p->nreceivers; k++) {
			struct actor *a = &p->receivers[k];
			if (k == first || chance(r, 25))
				a->streams[a->nstreams++] = s;
		}
	}
}

static void program_build(struct program *p, uint64_t seed, int procs)
{
	struct rng r;
	rng_seed(&r, seed);
	memset(p, 0, sizeof *p);
	p->seed = seed;
	p->procs = procs;
	static const size_t sizes[] = {8, 8, 16, 24, MAX_ELEM};
	p->elem_size = sizes[below(&r, sizeof sizes / sizeof sizes[0])];
	p->nstreams = 1 + (int)below(&r, MAX_STREAMS);
	p->nreceivers = 1 + (int)below(&r, MAX_RECEIVERS);
	p->release_early = chance(&r, 50);
	p->after_func = chance(&r, 30);
	for (int s = 0; s < p->nstreams; s++) {
		struct stream *st = &p->streams[s];
		st->cap = chance(&r, 40)   ? 0
		          : chance(&r, 70) ? 1 + below(&r, 4)
		                           : 1 + below(&r, 64);
		st->senders = 1 + (int)below(&r, MAX_SENDERS_PER_STREAM);
		atomic_store(&st->senders_left, st->senders);
		for (int k = 0; k < st->senders; k++) {
			struct actor *a = &p->senders[p->nsenders];
			actor_init(p, a, &r, true, p->nsenders++);
			a->stream = s;
			/* mostly short, sometimes the longest */
			a->nvalues = chance(&r, 20)
			                     ? (uint32_t)MAX_VALUES
			                     : below(&r, (uint32_t)MAX_VALUES + 1);
			p->total += a->nvalues;
		}
	}
	for (int k = 0; k < p->nreceivers; k++)
		actor_init(p, &p->receivers[k], &r, false, k);
	assign_streams(p, &r);
	/* a few actors are plain threads */
	int threads = chance(&r, 40) ? 1 + (int)below(&r, MAX_THREADS) : 0;
	for (int t = 0; t < threads; t++) {
		int k = (int)below(&r, (uint32_t)(p->nsenders + p->nreceivers));
		if (k < p->nsenders)
			p->senders[k].thread = true;
		else
			p->receivers[k - p->nsenders].thread = true;
	}
	p->seen = calloc((size_t)MAX_SENDERS * (size_t)MAX_VALUES, 1);
	check(p, p->seen, "out of memory");
}

/* ---- values ---- */

static uint8_t pattern(uint32_t sender, uint32_t seq, size_t i)
{
	return (uint8_t)(sender * 31u + seq * 7u + (uint32_t)i * 13u + 1u);
}

static void value_make(const struct program *p, uint32_t sender, uint32_t seq,
                       uint8_t *elem)
{
	memcpy(elem, &sender, 4);
	memcpy(elem + 4, &seq, 4);
	for (size_t i = 8; i < p->elem_size; i++)
		elem[i] = pattern(sender, seq, i);
}

static bool all_zero(const uint8_t *elem, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (elem[i])
			return false;
	return true;
}

/* A receiver got elem from stream s: check it and count it. */
static void value_arrived(struct actor *a, int s, const uint8_t *elem)
{
	struct program *p = a->p;
	uint32_t sender, seq;
	memcpy(&sender, elem, 4);
	memcpy(&seq, elem + 4, 4);
	check(p, sender < (uint32_t)p->nsenders,
	      "receiver %d got a value from sender %u, which does not exist", a->id,
	      sender);
	const struct actor *from = &p->senders[sender];
	check(p, seq < from->nvalues,
	      "receiver %d got value %u of sender %u, which sends only %u", a->id, seq,
	      sender, from->nvalues);
	check(p, from->stream == s,
	      "receiver %d got sender %u's value %u on channel %d, but it sends on %d",
	      a->id, sender, seq, s, from->stream);
	for (size_t i = 8; i < p->elem_size; i++)
		check(p, elem[i] == pattern(sender, seq, i),
		      "byte %zu of sender %u's value %u arrived as %u, not %u", i,
		      sender, seq, elem[i], pattern(sender, seq, i));
	check(p, (int64_t)seq > a->last_seq[sender],
	      "receiver %d got sender %u's value %u after its value %" PRId64
	      " (out of order)",
	      a->id, sender, seq, a->last_seq[sender]);
	a->last_seq[sender] = seq;
	uint8_t before =
		atomic_fetch_add(&p->seen[sender * (size_t)MAX_VALUES + seq], 1);
	check(p, before == 0, "sender %u's value %u arrived twice", sender, seq);
	a->received++;
	goc_mutex_lock(&p->mu);
	p->received_counted++;
	goc_mutex_unlock(&p->mu);
}

/* ---- waiting, in each actor's way ---- */

/* A short time: mostly microseconds, now and then nothing. */
static int64_t short_wait(struct actor *a)
{
	return chance(&a->rng, 10) ? 0 : (int64_t)below(&a->rng, 200) * GOC_MICROSECOND;
}

/* Now and then let others run, or sleep a little. */
static void dawdle(struct actor *a)
{
	if (chance(&a->rng, 10))
		goc_yield();
	else if (chance(&a->rng, 1))
		goc_sleep((int64_t)below(&a->rng, 100) * GOC_MICROSECOND);
}

/* A timer or ticker case fired: count it, re-arm a timer. */
static void timer_fired(struct actor *a, int status)
{
	check(a->p, status == GOC_OK, "a timer's channel reported %s",
	      status_name(status));
	if (a->mode == SELECT_TIMER)
		goc_timer_reset(a->timer, short_wait(a) + GOC_MICROSECOND);
}

static void timer_start(struct actor *a)
{
	if (a->mode == SELECT_TIMER)
		a->timer = must(goc_timer_make(short_wait(a)));
	else if (a->mode == SELECT_TICKER)
		a->timer = must(goc_ticker_make(50 * GOC_MICROSECOND + short_wait(a)));
}

enum { PATIENT_TRIES = 64 }; /* try_* misses before waiting for good */

/* Send elem on c in a's way; returns once it is sent. */
static void send_value(struct actor *a, goc_chan *c, const uint8_t *elem)
{
	struct program *p = a->p;
	int64_t when;
	goc_case cs[3] = {
		GOC_CASE_SEND(c, (void *)elem), GOC_CASE_RECV(NULL, NULL),
		GOC_CASE_RECV(a->timer ? goc_timer_chan(a->timer) : NULL, &when)};
	int st, k, tries = 0;
	switch (a->mode) {
	case PLAIN:
		st = goc_chan_send(c, elem);
		break;
	case TIMED:
		while ((st = goc_chan_send_timeout(c, elem, short_wait(a))) ==
		       GOC_TIMEOUT)
			;
		break;
	case TRYING:
		while ((st = goc_chan_try_send(c, elem)) == GOC_WOULDBLOCK) {
			if (++tries == PATIENT_TRIES) {
				st = goc_chan_send(c, elem);
				break;
			}
			goc_yield();
		}
		break;
	case SELECT:
		k = goc_select(cs, 2);
		check(p, k == 0, "a select with one send case returned %d", k);
		st = cs[0].status;
		break;
	case SELECT_TRY:
		while ((k = goc_select_try(cs, 2)) == -1) {
			if (++tries == PATIENT_TRIES) {
				k = goc_select(cs, 2);
				break;
			}
			goc_yield();
		}
		check(p, k == 0, "a select with one send case returned %d", k);
		st = cs[0].status;
		break;
	case SELECT_TIMED:
		while ((k = goc_select_timeout(cs, 2, short_wait(a))) == -1)
			;
		check(p, k == 0, "a select with one send case returned %d", k);
		st = cs[0].status;
		break;
	default: /* SELECT_TIMER, SELECT_TICKER */
		while ((k = goc_select(cs, 3)) == 2)
			timer_fired(a, cs[2].status);
		check(p, k == 0, "a select with one send case returned %d", k);
		st = cs[0].status;
		break;
	}
	check(p, st == GOC_OK, "sender %d's send returned %s", a->id, status_name(st));
}

static void sender_run(struct actor *a)
{
	struct program *p = a->p;
	struct stream *s = &p->streams[a->stream];
	uint8_t elem[MAX_ELEM];
	timer_start(a);
	for (uint32_t seq = 0; seq < a->nvalues; seq++) {
		value_make(p, (uint32_t)a->id, seq, elem);
		send_value(a, s->c, elem);
		if (chance(&a->rng, 50)) {
			goc_mutex_lock(&p->mu);
			p->sent_counted++;
			goc_mutex_unlock(&p->mu);
		} else {
			while (!goc_mutex_trylock(&p->mu))
				goc_yield();
			p->sent_counted++;
			goc_mutex_unlock(&p->mu);
		}
		dawdle(a);
	}
	if (atomic_fetch_sub(&s->senders_left, 1) == 1)
		goc_chan_close(s->c);
	goc_chan_release(s->c);
	goc_timer_free(a->timer);
}

/* The next open stream of a from i on (i itself if it is open). */
static int next_open(const struct actor *a, const bool *open, int i)
{
	while (!open[i])
		i = (i + 1) % a->nstreams;
	return i;
}

/* Receive in one of the one-channel ways (PLAIN, TIMED, TRYING), taking
 * the open streams in turn from *next. Returns the index (in a->streams)
 * of the stream it received from and sets *status. */
static int receive_one_channel(struct actor *a, const bool *open, int *next,
                               uint8_t *elem, int *status)
{
	struct program *p = a->p;
	int i = next_open(a, open, *next);
	if (a->mode == PLAIN) {
		*status = goc_chan_recv(p->streams[a->streams[i]].c, elem);
		return i;
	}
	if (a->mode == TIMED) {
		while ((*status = goc_chan_recv_timeout(p->streams[a->streams[i]].c,
		                                        elem, short_wait(a))) ==
		       GOC_TIMEOUT)
			*next = i = next_open(a, open, (i + 1) % a->nstreams);
		return i;
	}
	for (int tries = 0; tries < PATIENT_TRIES; tries++) { /* TRYING */
		for (int j = 0; j < a->nstreams; j++) {
			i = (*next + j) % a->nstreams;
			if (!open[i])
				continue;
			*status = goc_chan_try_recv(p->streams[a->streams[i]].c, elem);
			if (*status != GOC_WOULDBLOCK) {
				*next = (i + 1) % a->nstreams;
				return i;
			}
		}
		goc_yield();
	}
	i = next_open(a, open, *next);
	*status = goc_chan_recv(p->streams[a->streams[i]].c, elem);
	return i;
}

/* Receive through a select over every open stream of a (and its timer's
 * channel, and a nil channel), in one of the select ways. */
static int receive_by_select(struct actor *a, const bool *open, uint8_t *elem,
                             int *status)
{
	struct program *p = a->p;
	goc_case cs[RECV_CASES];
	for (int i = 0; i < MAX_STREAMS; i++)
		cs[i] = GOC_CASE_RECV(
			i < a->nstreams && open[i] ? p->streams[a->streams[i]].c : NULL,
			elem);
	int64_t when;
	cs[TIMER_CASE] =
		GOC_CASE_RECV(a->timer ? goc_timer_chan(a->timer) : NULL, &when);
	cs[NIL_CASE] = GOC_CASE_RECV(NULL, elem);
	int k, tries = 0;
	switch (a->mode) {
	case SELECT:
		k = goc_select(cs, RECV_CASES);
		break;
	case SELECT_TRY:
		while ((k = goc_select_try(cs, RECV_CASES)) == -1) {
			if (++tries == PATIENT_TRIES) {
				k = goc_select(cs, RECV_CASES);
				break;
			}
			goc_yield();
		}
		break;
	case SELECT_TIMED:
		while ((k = goc_select_timeout(cs, RECV_CASES, short_wait(a))) == -1)
			;
		break;
	default: /* SELECT_TIMER, SELECT_TICKER */
		while ((k = goc_select(cs, RECV_CASES)) == TIMER_CASE)
			timer_fired(a, cs[TIMER_CASE].status);
		break;
	}
	check(p, k >= 0 && k < a->nstreams && open[k],
	      "receiver %d's select returned case %d", a->id, k);
	*status = cs[k].status;
	return k;
}

static void receiver_run(struct actor *a)
{
	struct program *p = a->p;
	bool open[MAX_STREAMS] = {0};
	for (int i = 0; i < a->nstreams; i++)
		open[i] = true;
	int left = a->nstreams, next = 0;
	uint8_t elem[MAX_ELEM];
	timer_start(a);
	while (left > 0) {
		int st;
		memset(elem, 0xa5, sizeof elem);
		int i = a->mode < SELECT
		                ? receive_one_channel(a, open, &next, elem, &st)
		                : receive_by_select(a, open, elem, &st);
		int s = a->streams[i];
		if (st == GOC_CLOSED) {
			check(p, all_zero(elem, p->elem_size),
			      "receiver %d's element is not zero-filled after the close of "
			      "channel %d",
			      a->id, s);
			check(p, atomic_load(&p->streams[s].senders_left) == 0,
			      "channel %d reported closed while %d of its senders were "
			      "still sending",
			      s, atomic_load(&p->streams[s].senders_left));
			open[i] = false;
			left--;
			goc_chan_release(p->streams[s].c);
		} else {
			check(p, st == GOC_OK, "receiver %d's receive returned %s",
			      a->id, status_name(st));
			value_arrived(a, s, elem);
		}
		dawdle(a);
	}
	goc_timer_free(a->timer);
}

static void actor_run(void *arg)
{
	struct actor *a = arg;
	if (a->is_sender)
		sender_run(a);
	else
		receiver_run(a);
	goc_wg_done(&a->p->done);
}

static void *actor_thread(void *arg)
{
	actor_run(arg);
	return NULL;
}

static void after_func_ran(void *arg)
{
	struct program *p = arg;
	atomic_fetch_add(&p->after_func_runs, 1);
	goc_wg_done(&p->done);
}

/* ---- running and checking a program ---- */

static void actor_start(struct actor *a)
{
	if (a->thread) {
		a->tid = thread_start(actor_thread, a);
	} else {
		goc_attr attr = {0, a->name};
		spawn_attr(&attr, actor_run, a);
	}
}

static void program_check(struct program *p)
{
	check(p, atomic_load(&p->after_func_runs) == (p->after_func ? 1 : 0),
	      "the after_func ran %ld times", atomic_load(&p->after_func_runs));
	long received = 0;
	for (int k = 0; k < p->nreceivers; k++)
		received += p->receivers[k].received;
	for (int s = 0; s < p->nsenders; s++)
		for (uint32_t seq = 0; seq < p->senders[s].nvalues; seq++)
			check(p,
			      atomic_load(&p->seen[s * (size_t)MAX_VALUES + seq]) == 1,
			      "sender %d's value %u of %u never arrived", s, seq,
			      p->senders[s].nvalues);
	check(p, received == p->total, "%ld values received of %ld sent", received,
	      p->total);
	check(p, p->sent_counted == p->total && p->received_counted == p->total,
	      "the counts kept under the mutex are %ld sent and %ld received, of %ld",
	      p->sent_counted, p->received_counted, p->total);
}

static void program_run(struct program *p)
{
	struct rng r;
	rng_seed(&r, p->seed ^ 0x5eed);
	for (int s = 0; s < p->nstreams; s++)
		p->streams[s].c = make_chan(p->elem_size, p->streams[s].cap);
	/* each actor holds a reference to each of its channels */
	for (int k = 0; k < p->nsenders; k++)
		goc_chan_retain(p->streams[p->senders[k].stream].c);
	for (int k = 0; k < p->nreceivers; k++)
		for (int i = 0; i < p->receivers[k].nstreams; i++)
			goc_chan_retain(p->streams[p->receivers[k].streams[i]].c);
	int n = p->nsenders + p->nreceivers;
	struct actor *order[MAX_SENDERS + MAX_RECEIVERS];
	for (int k = 0; k < n; k++)
		order[k] = k < p->nsenders ? &p->senders[k]
		                           : &p->receivers[k - p->nsenders];
	for (int k = n - 1; k > 0; k--) { /* start them in a random order */
		int j = (int)below(&r, (uint32_t)k + 1);
		struct actor *t = order[k];
		order[k] = order[j];
		order[j] = t;
	}
	goc_wg_add(&p->done, n + (p->after_func ? 1 : 0));
	goc_timer *after = NULL;
	if (p->after_func)
		after = must(goc_after_func((int64_t)below(&r, 300) * GOC_MICROSECOND,
		                            after_func_ran, p));
	for (int k = 0; k < n; k++)
		actor_start(order[k]);
	if (p->release_early)
		for (int s = 0; s < p->nstreams; s++)
			goc_chan_release(p->streams[s].c);
	goc_wg_wait(&p->done);
	for (int k = 0; k < n; k++)
		if (order[k]->thread)
			thread_join(order[k]->tid);
	if (!p->release_early)
		for (int s = 0; s < p->nstreams; s++)
			goc_chan_release(p->streams[s].c);
	goc_timer_free(after);
	program_check(p);
	free((void *)p->seen);
}

/* ---- the watchdog: a program that does not end is a hang ---- */

/* Generous: a program takes milliseconds, under TSan maybe a second. */
#define HANG_SECONDS (TEST_SANITIZED ? 120 : 60)

static char hang_report[256];
static size_t hang_report_len;
static bool hang_waits_for_debugger; /* GOC_RANDOM_HANG_WAIT set */

static volatile sig_atomic_t hang_seen;

/* First the seed, then SIGQUIT: the runtime prints every goroutine with
 * its wait (and exits). Should that not end the process, the next alarm
 * does. */
static void hang_alarm(int sig)
{
	(void)sig;
	if (!hang_seen) {
		hang_seen = 1;
		ssize_t r = write(STDERR_FILENO, hang_report, hang_report_len);
		(void)r;
		while (hang_waits_for_debugger)
			pause(); /* keep the hung program for gdb -p */
		fflush(stdout);  /* not async-signal-safe, but the case is over */
		alarm(10);
		kill(getpid(), SIGQUIT);
		return;
	}
	_exit(TEST_FAILED);
}

/* An alarm (not a goc timer: a pending timer would keep the runtime from
 * reporting a deadlock) ends the case if the program hangs. */
static void watch_program(const struct program *p)
{
	int n = snprintf(hang_report, sizeof hang_report,
	                 "FAIL: seed %" PRIu64 " at GOC_MAXPROCS=%d did not end within "
	                 "%d s (a hang; rerun: scripts/rerun-seed %" PRIu64 " %d)\n",
	                 p->seed, p->procs, HANG_SECONDS, p->seed, p->procs);
	hang_report_len = n > 0 ? (size_t)n : 0;
	hang_waits_for_debugger = getenv("GOC_RANDOM_HANG_WAIT") != NULL;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = hang_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(HANG_SECONDS);
}

/* One line a program on stdout (shown when a case fails): when the
 * runtime itself ends the process (a deadlock report, a crash), the last
 * line names the program it was running. */
static void program_describe(const struct program *p)
{
	int threads = 0;
	for (int k = 0; k < p->nsenders; k++)
		threads += p->senders[k].thread;
	for (int k = 0; k < p->nreceivers; k++)
		threads += p->receivers[k].thread;
	printf("seed %" PRIu64 ": %d channels of %zu-byte values (caps", p->seed,
	       p->nstreams, p->elem_size);
	for (int s = 0; s < p->nstreams; s++)
		printf(" %zu", p->streams[s].cap);
	printf("), %d senders, %d receivers, %d plain threads, %ld values\n",
	       p->nsenders, p->nreceivers, threads, p->total);
}

static void run_seed(uint64_t seed, int procs)
{
	struct program *p = malloc(sizeof *p);
	if (!p)
		fail("out of memory for a program");
	program_build(p, seed, procs);
	program_describe(p);
	watch_program(p);
	program_run(p);
	alarm(0);
	free(p);
}

/* ---- the cases ---- */

struct plan {
	uint64_t first; /* the first seed */
	long seeds;     /* how many; 0: as many as the time allows */
	double seconds; /* the time for them */
	long repeat;    /* runs of each seed */
};

static void run_plan(const struct plan *pl)
{
	int procs = goc_maxprocs(0);
	int64_t until = goc_now() + (int64_t)(pl->seconds * GOC_SECOND);
	long n = 0;
	uint64_t seed = pl->first;
	printf("random programs from seed %" PRIu64 " at GOC_MAXPROCS=%d\n", pl->first,
	       procs);
	for (;; seed++, n++) {
		if (pl->seeds > 0 ? n >= pl->seeds : goc_now() >= until)
			break;
		for (long i = 0; i < pl->repeat; i++)
			run_seed(seed, procs);
	}
	printf("%ld programs (seeds %" PRIu64 "..%" PRIu64 "), each run %ld times, "
	       "all correct\n",
	       n, pl->first, seed - 1, pl->repeat);
}

/* A few seconds of programs: fewer, smaller ones under the sanitizers. */
static int random_programs(void)
{
	struct plan pl = {
		.first = 1, .seconds = GOC_TEST_SCALE > 1 ? 3 : 5, .repeat = 1};
	run_plan(&pl);
	return 0;
}

static int random_programs_at_1_processor(void) { return random_programs(); }
static int random_programs_at_2_processors(void) { return random_programs(); }
static int random_programs_at_4_processors(void) { return random_programs(); }

static long env_long(const char *name, long otherwise)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : otherwise;
}

/* By hand: GOC_RANDOM_SEED, _SEEDS, _SECONDS, _FIRST, _REPEAT, _PROCS. */
static int random_programs_by_hand(void)
{
	const char *one = getenv("GOC_RANDOM_SEED");
	long seeds = env_long("GOC_RANDOM_SEEDS", 0);
	long seconds = env_long("GOC_RANDOM_SECONDS", 0);
	if (!one && seeds <= 0 && seconds <= 0)
		skip("set GOC_RANDOM_SEED, GOC_RANDOM_SEEDS or GOC_RANDOM_SECONDS");
	long procs = env_long("GOC_RANDOM_PROCS", 0);
	if (procs > 0)
		goc_maxprocs((int)procs);
	struct plan pl = {.repeat = env_long("GOC_RANDOM_REPEAT", 1)};
	if (one) {
		pl.first = strtoull(one, NULL, 10);
		pl.seeds = 1;
	} else {
		pl.first = (uint64_t)env_long("GOC_RANDOM_FIRST",
		                              (long)(goc_now() % 1000000000) + 1);
		pl.seeds = seeds;
		pl.seconds = seconds > 0 ? (double)seconds : 1e9;
	}
	if (pl.repeat < 1)
		pl.repeat = 1;
	run_plan(&pl);
	return 0;
}

static const struct test_case cases[] = {
	CASE(random_programs_at_1_processor, .env = {"GOC_MAXPROCS=1"}, .timeout = 200),
	CASE(random_programs_at_2_processors, .env = {"GOC_MAXPROCS=2"},
             .timeout = 200),
	CASE(random_programs_at_4_processors, .env = {"GOC_MAXPROCS=4"},
             .timeout = 200),
	CASE(random_programs_by_hand, .timeout = 1000000),
};

TEST_MAIN(cases)
