/*
 * test_preempt.c — a goroutine that computes without calling goc does not
 * keep the others, timers or goc_maxprocs waiting for more than about
 * 20 ms (Go's asynchronous preemption), at one processor and at two; and
 * preemption is safe in the middle of malloc, stdio and a pthread mutex
 * that other goroutines want; a goroutine asleep where sysmon cannot see
 * it (a raw blocking read) does not strand a preempted one for good.
 * GOC_DEBUG=asyncpreemptoff=1 turns it off.
 */
#include "helpers.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

static _Atomic bool stop;

/* Pure computation: steps of xorshift64. */
static uint64_t xorshift(uint64_t x, int steps)
{
	for (int i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/* Pure computation, no goc call, until told to stop. */
static void spin(void *arg)
{
	_Atomic uint64_t *work = arg;
	uint64_t x = 88172645463325252ull, n = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		x = xorshift(x, 1000);
		n++;
	}
	atomic_store(work, n + (x & 1));
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* How late 1 ms sleeps wake: late[0..wakes) sorted. */
static void wake_lateness(int64_t *late, int wakes)
{
	for (int i = 0; i < wakes; i++) {
		int64_t t0 = goc_now();
		goc_sleep(GOC_MILLISECOND);
		late[i] = goc_now() - t0 - GOC_MILLISECOND;
	}
	qsort(late, (size_t)wakes, sizeof *late, by_value);
}

static int sleeper_wakes_on_time_beside_spinners(int procs)
{
	goc_maxprocs(procs);
	enum { SPINNERS = 4 };
	static _Atomic uint64_t work[SPINNERS];
	for (int i = 0; i < SPINNERS; i++)
		spawn(spin, &work[i]);
	goc_sleep(30 * GOC_MILLISECOND); /* let them settle */
	enum { WAKES = 100 };
	int64_t late[WAKES];
	wake_lateness(late, WAKES);
	atomic_store(&stop, true);
	/* Without preemption the sleeper would not wake at all. The bounds
	 * leave room for a loaded machine (the suite runs two at a time). */
	expect(late[WAKES / 2] < 20 * GOC_MILLISECOND, "median wake %lld us late",
	       (long long)(late[WAKES / 2] / 1000));
	expect(late[WAKES - 1] < 250 * GOC_MILLISECOND, "worst wake %lld us late",
	       (long long)(late[WAKES - 1] / 1000));
	return 0;
}

static int sleeper_wakes_beside_spinners_on_one_processor(void)
{
	return sleeper_wakes_on_time_beside_spinners(1);
}

static int sleeper_wakes_beside_spinners_on_two_processors(void)
{
	return sleeper_wakes_on_time_beside_spinners(2);
}

static int spinners_get_fair_shares(int procs)
{
	goc_maxprocs(procs);
	enum { SPINNERS = 4 };
	static _Atomic uint64_t work[SPINNERS];
	for (int i = 0; i < SPINNERS; i++)
		spawn(spin, &work[i]);
	goc_sleep(1000 * GOC_MILLISECOND);
	atomic_store(&stop, true);
	for (int i = 0; i < SPINNERS; i++)
		eventually(atomic_load(&work[i]) != 0, 10);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < SPINNERS; i++) {
		uint64_t w = atomic_load(&work[i]);
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	expect(hi < 3 * lo, "shares from %llu to %llu", (unsigned long long)lo,
	       (unsigned long long)hi);
	return 0;
}

static int four_spinners_share_one_processor(void)
{
	return spinners_get_fair_shares(1);
}

static int four_spinners_share_two_processors(void)
{
	return spinners_get_fair_shares(2);
}

static int shrink_returns_while_goroutines_spin(void)
{
	goc_maxprocs(2);
	static _Atomic uint64_t work[2];
	spawn(spin, &work[0]);
	spawn(spin, &work[1]);
	goc_sleep(30 * GOC_MILLISECOND);
	int64_t t0 = goc_now();
	goc_maxprocs(1);
	int64_t took = goc_now() - t0;
	atomic_store(&stop, true);
	expect(took < 60 * GOC_MILLISECOND, "goc_maxprocs(1) took %lld ms",
	       (long long)(took / GOC_MILLISECOND));
	expect_eq(goc_maxprocs(0), 1);
	return 0;
}

/* With goc_maxprocs(1), goroutines compute one at a time even when
 * preempted (each waits its turn for the processor), so the process uses
 * about one CPU however many spin. */
static int one_processor_bounds_parallelism_with_preemption(void)
{
	if (cpu_count() < 2)
		test_skip("needs two CPUs to run in parallel at all");
	if (TEST_SANITIZED)
		test_skip("under a sanitizer a preempted goroutine runs beside the "
		          "processor");
	goc_maxprocs(1);
	static _Atomic uint64_t work[4];
	for (int i = 0; i < 4; i++)
		spawn(spin, &work[i]);
	goc_sleep(50 * GOC_MILLISECOND); /* every one preempted at least once */
	int64_t wall0 = goc_now(), cpu0 = process_cpu_time();
	goc_sleep(500 * GOC_MILLISECOND);
	int64_t wall = goc_now() - wall0, cpu = process_cpu_time() - cpu0;
	atomic_store(&stop, true);
	/* Two CPUs' worth if preempted goroutines ran beside the processor. */
	expect(cpu < wall * 13 / 10, "%lld ms of CPU in %lld ms",
	       (long long)(cpu / GOC_MILLISECOND), (long long)(wall / GOC_MILLISECOND));
	return 0;
}

/* Computes mostly inside a pthread mutex that others want: a preempted
 * holder waits its turn holding it, while the others sleep on it in the
 * kernel (their processors are taken from them then, and their goroutines
 * wait their turn once they compute again). */
static pthread_mutex_t contended = PTHREAD_MUTEX_INITIALIZER;

static void spin_in_mutex(void *arg)
{
	_Atomic uint64_t *work = arg;
	uint64_t x = 88172645463325252ull, n = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		pthread_mutex_lock(&contended);
		x = xorshift(x, 100000);
		pthread_mutex_unlock(&contended);
		x = xorshift(x, 100000);
		n++;
	}
	atomic_store(work, n + (x & 1));
}

static int one_processor_bounds_parallelism_around_a_pthread_mutex(void)
{
	if (cpu_count() < 2)
		test_skip("needs two CPUs to run in parallel at all");
	/* qemu-user shows the host's system call numbers in /proc, so a
	 * thread asleep in a futex is not known for one (preempt.c). */
	if (TEST_EMULATED)
		test_skip("under an emulator /proc shows the host's system calls");
	if (TEST_SANITIZED)
		test_skip("under a sanitizer a preempted goroutine runs beside the "
		          "processor");
	goc_maxprocs(1);
	static _Atomic uint64_t work[4];
	for (int i = 0; i < 4; i++)
		spawn(spin_in_mutex, &work[i]);
	goc_sleep(50 * GOC_MILLISECOND);
	int64_t wall0 = goc_now(), cpu0 = process_cpu_time();
	goc_sleep(500 * GOC_MILLISECOND);
	int64_t wall = goc_now() - wall0, cpu = process_cpu_time() - cpu0;
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		eventually(atomic_load(&work[i]) != 0, 10);
	expect(cpu < wall * 13 / 10, "%lld ms of CPU in %lld ms",
	       (long long)(cpu / GOC_MILLISECOND), (long long)(wall / GOC_MILLISECOND));
	return 0;
}

/* ---- safety: preempted in the middle of libc and of a pthread mutex ---- */

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long counter;
static goc_mutex goc_shared;
static long goc_counter;

static void soak(void *arg)
{
	goc_wg *wg = arg;
	char buf[64];
	/* 15 s a processor count (30 s in all), less under the sanitizers. */
	int64_t until = goc_now() + SCALED(15000) * GOC_MILLISECOND;
	while (goc_now() < until) {
		for (int i = 0; i < 100; i++) {
			void *p = malloc((size_t)(i * 37 % 4000) + 1);
			snprintf(buf, sizeof buf, "%d %p", i, p);
			free(p);
			pthread_mutex_lock(&shared);
			counter++;
			pthread_mutex_unlock(&shared);
			/* and in goc's own code, its locks and switches */
			goc_mutex_lock(&goc_shared);
			goc_counter++;
			goc_mutex_unlock(&goc_shared);
			if (i % 10 == 0)
				goc_yield();
		}
	}
	goc_wg_done(wg);
}

static int soak_in_malloc_stdio_and_a_pthread_mutex(void)
{
	for (int procs = 1; procs <= 2; procs++) {
		goc_maxprocs(procs);
		goc_wg wg = {0};
		goc_wg_add(&wg, 4);
		for (int i = 0; i < 4; i++)
			spawn(soak, &wg);
		goc_wg_wait(&wg);
	}
	expect(atomic_load(&counter) > 0, "no progress");
	return 0;
}

/* A program's own signal handler, async-signal-safe, runs on the
 * interrupted threads as often as the timer fires while goroutines are
 * preempted; nothing fails with EINTR inside goc. */
static _Atomic int alarms; /* lock-free: async-signal-safe */

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&alarms, 1, memory_order_relaxed);
}

static int a_program_signal_handler_beside_preemption(void)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every_ms = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &every_ms, NULL);
	goc_maxprocs(1);
	static _Atomic uint64_t work[2];
	spawn(spin, &work[0]);
	spawn(spin, &work[1]);
	int64_t late[50];
	wake_lateness(late, 50);
	atomic_store(&stop, true);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	eventually(atomic_load(&work[0]) != 0 && atomic_load(&work[1]) != 0, 10);
	expect(atomic_load(&alarms) > 0, "no alarm handled");
	expect(late[25] < 20 * GOC_MILLISECOND, "median wake %lld us late",
	       (long long)(late[25] / 1000));
	return 0;
}

static int asyncpreemptoff_keeps_it_off(void)
{
	/* Only that it is read and the program runs: without preemption a
	 * spinner keeps its processor, which no bound can test quickly. */
	goc_maxprocs(2);
	static _Atomic uint64_t work;
	spawn(spin, &work);
	goc_sleep(20 * GOC_MILLISECOND);
	atomic_store(&stop, true);
	eventually(atomic_load(&work) != 0, 10);
	return 0;
}

/* A goroutine blocked in a raw read() keeps its processor (it did not
 * tell goc: goc_syscall_enter), asleep where sysmon cannot ask it to let
 * go. The writer it waits for, preempted meanwhile, must not wait for
 * that processor for good: it gives up its turn and writes. */
static int pipe_fds[2];

static void compute_then_write(void *arg)
{
	(void)arg;
	int64_t until = goc_now() + 60 * GOC_MILLISECOND;
	uint64_t x = 88172645463325252ull;
	while (goc_now() < until)
		x = xorshift(x, 1000);
	char c = (char)(x | 1);
	expect(write(pipe_fds[1], &c, 1) == 1, "write: %s", strerror(errno));
}

static int a_raw_blocking_call_does_not_strand_a_preempted_goroutine(void)
{
	goc_maxprocs(1);
	expect(pipe(pipe_fds) == 0, "pipe: %s", strerror(errno));
	spawn(compute_then_write, NULL);
	goc_sleep(20 * GOC_MILLISECOND); /* the writer computes, is preempted */
	char c = 0;
	expect(read(pipe_fds[0], &c, 1) == 1, "read: %s", strerror(errno));
	expect(c != 0, "nothing read");
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

static const struct test_case cases[] = {
	CASE(sleeper_wakes_beside_spinners_on_one_processor),
	CASE(sleeper_wakes_beside_spinners_on_two_processors),
	CASE(four_spinners_share_one_processor),
	CASE(four_spinners_share_two_processors),
	CASE(shrink_returns_while_goroutines_spin),
	CASE(one_processor_bounds_parallelism_with_preemption),
	CASE(one_processor_bounds_parallelism_around_a_pthread_mutex),
	CASE(a_program_signal_handler_beside_preemption),
	CASE(soak_in_malloc_stdio_and_a_pthread_mutex, .timeout = 90),
	CASE(a_raw_blocking_call_does_not_strand_a_preempted_goroutine),
	CASE(asyncpreemptoff_keeps_it_off, .env = {"GOC_DEBUG=asyncpreemptoff=1"}),
};

TEST_MAIN(cases)
