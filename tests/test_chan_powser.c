/*
 * test_chan_powser.c — Doug McIlroy's power series over channels.
 *
 * A power series f0 + f1 x + f2 x² + … is a stream of exact rational
 * coefficients flowing through a channel, and every operation on series
 * (add, scale, multiply, integrate, differentiate, split) is a goroutine
 * reading the series it consumes and producing one of its own. Recursive
 * definitions become feedback loops: exp is the series E with
 * E = 1 + ∫E, so the integrator reads its own output back through a
 * split.
 *
 * A series is demand-driven, as in McIlroy's design: it is a pair of
 * unbuffered channels, req (signal-only) and dat (coefficients). The
 * consumer asks on req for the next coefficient and receives it on dat;
 * the producer computes a coefficient only when asked. So nothing is
 * computed that nobody asked for: feedback loops do not run away, the
 * rationals stay small, and split can let one output run ahead of the
 * other (it keeps what the slower one has not taken yet). With a bare
 * channel of coefficients, every producer would compute its next one
 * before being asked, and split could not tell which output wants more:
 * around a feedback loop it would have to read ahead without end or hold
 * back the output that is ahead. Each series has exactly one producer
 * and one consumer.
 *
 * Between requests every goroutine waits for a request on its output.
 * Each case ends by tearing its network down: main closes a stop
 * channel that every blocking operation of an operator also waits on, so
 * every goroutine ends; main waits for them (a WaitGroup), then releases
 * every channel.
 *
 * The checks, on the first N coefficients (degrees 0 to N - 1):
 *   - E = 1 + ∫E has the coefficients 1/n!            (exp x)
 *   - E·E has the coefficients 2^n/n!                  (exp 2x)
 *   - dE/dx = E                                        (1/n! again)
 *   - U = 1 + x·U has the coefficients 1, 1, 1, …      (1/(1-x))
 *   - U·U has the coefficients 1, 2, 3, …              (1/(1-x)²)
 *   - (1 + x)(1 - x) = 1 - x², from monomials
 *   - S = ∫C, C = 1 - ∫S give sin x and cos x:
 *       S: 0, 1, 0, -1/6, 0, 1/120, …   C: 1, 0, -1/2, 0, 1/24, …
 *   - S·S + C·C = 1
 * and all of them again with one processor. Rational arithmetic is
 * checked for overflow: a computation that ran away would fail loudly.
 */
#include "helpers.h"

/* Coefficients checked per series: degrees 0 .. N - 1 (11! < 2^26). */
enum { N = 12 };

/* ---- exact rationals ---- */

/* num/den with den > 0 and gcd(|num|, den) = 1: equal values have equal
 * fields. */
typedef struct rat {
	int64_t num, den;
} rat;

static int64_t checked_mul(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		fail("rational arithmetic overflowed: %lld * %lld", (long long)a,
		     (long long)b);
	return r;
}

static int64_t checked_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		fail("rational arithmetic overflowed: %lld + %lld", (long long)a,
		     (long long)b);
	return r;
}

static int64_t gcd64(int64_t a, int64_t b)
{
	a = a < 0 ? checked_mul(a, -1) : a;
	b = b < 0 ? checked_mul(b, -1) : b;
	while (b != 0) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static rat rat_make(int64_t num, int64_t den)
{
	if (den == 0)
		fail("a rational with denominator 0 (%lld/0)", (long long)num);
	if (den < 0) {
		num = checked_mul(num, -1);
		den = checked_mul(den, -1);
	}
	int64_t g = gcd64(num, den); /* >= 1: den > 0 */
	return (rat){num / g, den / g};
}

static rat integer(int64_t n) { return (rat){n, 1}; }

static rat rat_add(rat a, rat b)
{
	int64_t g = gcd64(a.den, b.den);
	return rat_make(checked_add(checked_mul(a.num, b.den / g),
	                            checked_mul(b.num, a.den / g)),
	                checked_mul(a.den / g, b.den));
}

static rat rat_mul(rat a, rat b)
{
	return rat_make(checked_mul(a.num, b.num), checked_mul(a.den, b.den));
}

static bool rat_eq(rat a, rat b) { return a.num == b.num && a.den == b.den; }

/* ---- series: the demand protocol ---- */

typedef struct series {
	goc_chan *req; /* signal-only: "send me the next coefficient" */
	goc_chan *dat; /* rat: the coefficients, in order */
} series;

/* The network of the running case: its goroutines, its channels, and
 * the signal that ends the goroutines. */
static struct network {
	goc_wg running; /* its operator goroutines */
	goc_chan *stop; /* closed: every operator goroutine ends */
	goc_mutex mu;   /* guards chans */
	goc_chan **chans;
	size_t len, cap;
} net;

static goc_chan *network_chan(size_t elem_size)
{
	goc_chan *c = make_chan(elem_size, 0);
	goc_mutex_lock(&net.mu);
	if (net.len == net.cap) {
		net.cap = net.cap ? 2 * net.cap : 64;
		net.chans = realloc(net.chans, net.cap * sizeof *net.chans);
		if (!net.chans)
			fail("out of memory");
	}
	net.chans[net.len++] = c;
	goc_mutex_unlock(&net.mu);
	return c;
}

/* Main only, before a case builds its network. */
static void network_start(void) { net.stop = make_chan(0, 0); }

/* Main only: end every goroutine of the network, release its channels
 * (no goroutine touches them any more: the WaitGroup orders their last
 * operations before the releases). */
static void network_tear_down(void)
{
	goc_chan_close(net.stop);
	goc_wg_wait(&net.running);
	for (size_t i = 0; i < net.len; i++)
		goc_chan_release(net.chans[i]);
	goc_chan_release(net.stop);
	free(net.chans);
	net = (struct network){0};
}

static series series_new(void)
{
	return (series){network_chan(0), network_chan(sizeof(rat))};
}

/* The network is torn down: the calling operator goroutine ends. */
_Noreturn static void stopped(void)
{
	goc_wg_done(&net.running);
	goc_exit();
}

/* One channel operation; but if the network is torn down meanwhile, the
 * calling operator goroutine ends here. */
static void op_or_stop(goc_case c)
{
	goc_case cs[] = {c, GOC_CASE_RECV(net.stop, NULL)};
	if (goc_select(cs, 2) == 1)
		stopped();
	expect_status(cs[0].status, GOC_OK);
}

/* Consumer: ask for the next coefficient (without waiting for it). */
static void ask(series s) { op_or_stop(GOC_CASE_SEND(s.req, NULL)); }

/* Consumer: ask for the next coefficient and wait for it. */
static rat get(series s)
{
	rat r;
	ask(s);
	op_or_stop(GOC_CASE_RECV(s.dat, &r));
	return r;
}

/* Producer: wait until the consumer asks for the next coefficient. */
static void await_demand(series s) { op_or_stop(GOC_CASE_RECV(s.req, NULL)); }

/* Producer: hand over the coefficient the consumer asked for. */
static void deliver(series s, rat v) { op_or_stop(GOC_CASE_SEND(s.dat, &v)); }

/* ---- operators: one goroutine each ---- */

/* What an operator goroutine works on; it takes ownership at start. */
struct op {
	series in[2], out[2];
	rat c;     /* a constant: coefficient, factor, constant of integration */
	int64_t k; /* a degree */
};

static void start(goc_func body, struct op o)
{
	struct op *p = malloc(sizeof *p);
	if (!p)
		fail("out of memory");
	*p = o;
	goc_wg_add(&net.running, 1);
	spawn(body, p);
}

static struct op take(void *arg)
{
	struct op o = *(struct op *)arg;
	free(arg);
	return o;
}

/* c·x^k: k zeros, c, then zeros forever. */
static void monomial_body(void *arg)
{
	struct op o = take(arg);
	for (int64_t n = 0;; n++) {
		await_demand(o.out[0]);
		deliver(o.out[0], n == o.k ? o.c : integer(0));
	}
}

/* F + G, coefficient by coefficient. */
static void add_body(void *arg)
{
	struct op o = take(arg);
	for (;;) {
		await_demand(o.out[0]);
		rat f = get(o.in[0]);
		deliver(o.out[0], rat_add(f, get(o.in[1])));
	}
}

/* c·F. */
static void scale_body(void *arg)
{
	struct op o = take(arg);
	for (;;) {
		await_demand(o.out[0]);
		deliver(o.out[0], rat_mul(o.c, get(o.in[0])));
	}
}

/* x·F = 0 + f0 x + f1 x² + … */
static void times_x_body(void *arg)
{
	struct op o = take(arg);
	await_demand(o.out[0]);
	deliver(o.out[0], integer(0));
	for (;;) {
		await_demand(o.out[0]);
		deliver(o.out[0], get(o.in[0]));
	}
}

/* dF/dx = f1 + 2 f2 x + 3 f3 x² + … */
static void derivative_body(void *arg)
{
	struct op o = take(arg);
	for (int64_t n = 1;; n++) {
		await_demand(o.out[0]);
		if (n == 1)
			(void)get(o.in[0]); /* f0 drops out */
		deliver(o.out[0], rat_mul(integer(n), get(o.in[0])));
	}
}

/* c + ∫F = c + f0 x + f1/2 x² + f2/3 x³ + … */
static void integrate_body(void *arg)
{
	struct op o = take(arg);
	await_demand(o.out[0]);
	deliver(o.out[0], o.c);
	for (int64_t n = 1;; n++) {
		await_demand(o.out[0]);
		deliver(o.out[0], rat_mul(rat_make(1, n), get(o.in[0])));
	}
}

/* out[0] is F: the end of a feedback loop (see define). */
static void define_body(void *arg)
{
	struct op o = take(arg);
	for (;;) {
		await_demand(o.out[0]);
		deliver(o.out[0], get(o.in[0]));
	}
}

/* Coefficients read from the input that one output has not taken yet
 * (on the split goroutine's stack: nothing to free when it ends). */
enum { QUEUE = 64 };

struct queue {
	rat v[QUEUE];
	size_t head, len; /* v[head], … v[head + len - 1], modulo QUEUE */
};

static void push(struct queue *q, rat v)
{
	if (q->len == QUEUE)
		fail("a split output is %d coefficients behind the other", QUEUE);
	q->v[(q->head + q->len++) % QUEUE] = v;
}

static bool empty(const struct queue *q) { return q->len == 0; }

static rat pop(struct queue *q)
{
	rat v = q->v[q->head];
	q->head = (q->head + 1) % QUEUE;
	q->len--;
	return v;
}

/*
 * F into two copies, out[0] and out[1]. A coefficient is read from F when
 * an output asks for one it does not have yet, and queued for the other
 * output: either may run up to QUEUE coefficients ahead of the other.
 * While its request to F is unanswered, split still serves the other
 * output from its queue — in a feedback loop, that other output is how
 * the answer gets computed.
 */
static void split_body(void *arg)
{
	struct op o = take(arg);
	struct queue q[2] = {{.len = 0}, {.len = 0}};
	bool asking[2] = {false, false}; /* out[i] waits for a coefficient */
	bool pending = false;            /* our request to F is unanswered */
	for (;;) {
		for (int i = 0; i < 2; i++) {
			if (asking[i] && !empty(&q[i])) {
				deliver(o.out[i], pop(&q[i]));
				asking[i] = false;
			}
		}
		if ((asking[0] || asking[1]) && !pending) {
			ask(o.in[0]);
			pending = true;
		}
		rat v;
		goc_case cs[] = {
			GOC_CASE_RECV(asking[0] ? NULL : o.out[0].req, NULL),
			GOC_CASE_RECV(asking[1] ? NULL : o.out[1].req, NULL),
			GOC_CASE_RECV(pending ? o.in[0].dat : NULL, &v),
			GOC_CASE_RECV(net.stop, NULL),
		};
		int i = goc_select(cs, 4);
		if (i == 3)
			stopped();
		expect_status(cs[i].status, GOC_OK);
		if (i < 2) {
			asking[i] = true;
		} else {
			push(&q[0], v);
			push(&q[1], v);
			pending = false;
		}
	}
}

/* Constructors: start the operator, return the series it produces. */

static series monomial(rat c, int64_t k)
{
	series out = series_new();
	start(monomial_body, (struct op){.out = {out}, .c = c, .k = k});
	return out;
}

static series constant(rat c) { return monomial(c, 0); }

static series unary(goc_func body, series f, rat c)
{
	series out = series_new();
	start(body, (struct op){.in = {f}, .out = {out}, .c = c});
	return out;
}

static series scale(rat c, series f) { return unary(scale_body, f, c); }
static series times_x(series f) { return unary(times_x_body, f, integer(0)); }
static series derivative(series f) { return unary(derivative_body, f, integer(0)); }
static series integrate(rat c, series f) { return unary(integrate_body, f, c); }

static series add(series f, series g)
{
	series out = series_new();
	start(add_body, (struct op){.in = {f, g}, .out = {out}});
	return out;
}

static void split(series f, series *a, series *b)
{
	*a = series_new();
	*b = series_new();
	start(split_body, (struct op){.in = {f}, .out = {*a, *b}});
}

/* Recursive definitions: make the series first, use it, then define it
 * as an expression of itself. */
static void define(series name, series value)
{
	start(define_body, (struct op){.in = {value}, .out = {name}});
}

static series mul(series f, series g);

/*
 * F·G. With F = f0 + x F' and G = g0 + x G':
 *   F·G = f0 g0 + x (f0 G' + g0 F') + x² F'·G'
 * so, with W = f0 G' + g0 F' and P = F'·G', coefficient 1 is w0 and
 * coefficient n >= 2 is w(n-1) + p(n-2). The splits of F' and G', W and
 * the product P (this operator again, one level down) are built only when
 * coefficient 1 is asked for, and P computes nothing until it is asked:
 * the recursion goes only as deep as the coefficients asked for need.
 */
static void mul_body(void *arg)
{
	struct op o = take(arg);
	series out = o.out[0];
	await_demand(out);
	rat f0 = get(o.in[0]), g0 = get(o.in[1]);
	deliver(out, rat_mul(f0, g0));

	await_demand(out);
	series f1, f2, g1, g2;
	split(o.in[0], &f1, &f2); /* F' */
	split(o.in[1], &g1, &g2); /* G' */
	series w = add(scale(f0, g1), scale(g0, f1));
	series p = mul(f2, g2);
	deliver(out, get(w));
	for (;;) {
		await_demand(out);
		rat wn = get(w);
		deliver(out, rat_add(wn, get(p)));
	}
}

static series mul(series f, series g)
{
	series out = series_new();
	start(mul_body, (struct op){.in = {f, g}, .out = {out}});
	return out;
}

/* ---- the classic series ---- */

/* exp x: E = 1 + ∫E. */
static series exp_series(void)
{
	series e = series_new(), fed_back, result;
	split(e, &fed_back, &result);
	define(e, integrate(integer(1), fed_back));
	return result;
}

/* 1/(1 - x): U = 1 + x·U. */
static series geometric_series(void)
{
	series u = series_new(), fed_back, result;
	split(u, &fed_back, &result);
	define(u, add(constant(integer(1)), times_x(fed_back)));
	return result;
}

/* sin x and cos x: S = ∫C, C = 1 - ∫S. */
static void sin_cos_series(series *sin_out, series *cos_out)
{
	series s = series_new(), c = series_new(), s_back, c_back;
	split(s, &s_back, sin_out);
	split(c, &c_back, cos_out);
	define(s, integrate(integer(0), c_back));
	define(c, integrate(integer(1), scale(integer(-1), s_back)));
}

/* The square of a series, through a split. */
static series square(series f)
{
	series a, b;
	split(f, &a, &b);
	return mul(a, b);
}

/* ---- the expected coefficients ---- */

static int64_t factorial(int64_t n)
{
	int64_t r = 1;
	for (int64_t i = 2; i <= n; i++)
		r = checked_mul(r, i);
	return r;
}

static rat inverse_factorial(int64_t n) { return rat_make(1, factorial(n)); }
static rat two_to_n_over_factorial(int64_t n)
{
	return rat_make(INT64_C(1) << n, factorial(n));
}
static rat all_ones(int64_t n)
{
	(void)n;
	return integer(1);
}
static rat n_plus_one(int64_t n) { return integer(n + 1); }
static rat just_one(int64_t n) { return integer(n == 0); }
static rat one_minus_x_squared(int64_t n)
{
	return integer(n == 0 ? 1 : n == 2 ? -1 : 0);
}

/* sin: x - x³/3! + x⁵/5! - …   cos: 1 - x²/2! + x⁴/4! - … */
static rat sin_coefficient(int64_t n)
{
	if (n % 2 == 0)
		return integer(0);
	return rat_make((n / 2) % 2 ? -1 : 1, factorial(n));
}

static rat cos_coefficient(int64_t n)
{
	if (n % 2 == 1)
		return integer(0);
	return rat_make((n / 2) % 2 ? -1 : 1, factorial(n));
}

/* The first N coefficients of s are want(0), want(1), … */
static void expect_series(series s, const char *name, rat (*want)(int64_t))
{
	for (int64_t n = 0; n < N; n++) {
		rat got = get(s), w = want(n);
		expect(rat_eq(got, w),
		       "coefficient %lld of %s is %lld/%lld, expected %lld/%lld",
		       (long long)n, name, (long long)got.num, (long long)got.den,
		       (long long)w.num, (long long)w.den);
	}
}

/* ---- cases ---- */

static int rationals_are_exact_and_normalised(void)
{
	expect(rat_eq(rat_make(-2, -4), rat_make(1, 2)), "-2/-4 is not 1/2");
	expect(rat_eq(rat_make(3, -6), rat_make(-1, 2)), "3/-6 is not -1/2");
	expect(rat_eq(rat_make(0, 7), integer(0)), "0/7 is not 0/1");
	expect(rat_eq(rat_add(rat_make(1, 2), rat_make(1, 3)), rat_make(5, 6)),
	       "1/2 + 1/3 is not 5/6");
	expect(rat_eq(rat_add(rat_make(1, 6), rat_make(-1, 6)), integer(0)),
	       "1/6 - 1/6 is not 0");
	expect(rat_eq(rat_mul(rat_make(2, 3), rat_make(9, 4)), rat_make(3, 2)),
	       "2/3 · 9/4 is not 3/2");
	return 0;
}

static int exp_is_one_plus_its_own_integral(void)
{
	network_start();
	expect_series(exp_series(), "E = 1 + ∫E", inverse_factorial);
	network_tear_down();
	return 0;
}

static int exp_squared_is_exp_of_2x(void)
{
	network_start();
	expect_series(square(exp_series()), "E·E", two_to_n_over_factorial);
	network_tear_down();
	return 0;
}

static int derivative_of_exp_is_exp(void)
{
	network_start();
	expect_series(derivative(exp_series()), "dE/dx", inverse_factorial);
	network_tear_down();
	return 0;
}

static int geometric_series_is_one_plus_x_times_itself(void)
{
	network_start();
	expect_series(geometric_series(), "U = 1 + x·U", all_ones);
	network_tear_down();
	return 0;
}

static int geometric_series_squared_counts_up(void)
{
	network_start();
	expect_series(square(geometric_series()), "U·U", n_plus_one);
	network_tear_down();
	return 0;
}

static int product_of_polynomials(void)
{
	network_start();
	series one_plus_x = add(constant(integer(1)), monomial(integer(1), 1));
	series one_minus_x = add(constant(integer(1)), monomial(integer(-1), 1));
	expect_series(mul(one_plus_x, one_minus_x), "(1 + x)(1 - x)",
	              one_minus_x_squared);
	network_tear_down();
	return 0;
}

/* All of sin first, then all of cos: split keeps what cos's side has not
 * taken yet. */
static int sin_and_cos_from_their_integrals(void)
{
	network_start();
	series s, c;
	sin_cos_series(&s, &c);
	expect_series(s, "S = ∫C", sin_coefficient);
	expect_series(c, "C = 1 - ∫S", cos_coefficient);
	network_tear_down();
	return 0;
}

static int sin_squared_plus_cos_squared_is_one(void)
{
	network_start();
	series s, c;
	sin_cos_series(&s, &c);
	expect_series(add(square(s), square(c)), "S·S + C·C", just_one);
	network_tear_down();
	return 0;
}

static int every_identity_on_one_processor(void)
{
	expect_eq(goc_maxprocs(0), 1);
	exp_is_one_plus_its_own_integral();
	exp_squared_is_exp_of_2x();
	derivative_of_exp_is_exp();
	geometric_series_is_one_plus_x_times_itself();
	geometric_series_squared_counts_up();
	product_of_polynomials();
	sin_and_cos_from_their_integrals();
	sin_squared_plus_cos_squared_is_one();
	return 0;
}

static const struct test_case cases[] = {
	CASE(rationals_are_exact_and_normalised),
	CASE(exp_is_one_plus_its_own_integral),
	CASE(exp_squared_is_exp_of_2x),
	CASE(derivative_of_exp_is_exp),
	CASE(geometric_series_is_one_plus_x_times_itself),
	CASE(geometric_series_squared_counts_up),
	CASE(product_of_polynomials),
	CASE(sin_and_cos_from_their_integrals),
	CASE(sin_squared_plus_cos_squared_is_one),
	CASE(every_identity_on_one_processor, .env = {"GOC_MAXPROCS=1"}),
};

TEST_MAIN(cases)
