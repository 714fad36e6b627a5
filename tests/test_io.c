/*
 * test_io.c — goc_read, goc_write, goc_pipe, goc_fd_wait, deadlines and
 * goc_close on pipes and socket pairs (the socket calls have test_net.c),
 * and blocking calls (goc_syscall_enter/exit) that must not stop the other
 * goroutines.
 *
 * A goroutine waiting for I/O parks; its thread runs others. Deadlines
 * are absolute goc_now() times and reach waiting calls; goc_close wakes
 * waiters with EBADF. Descriptors goc did not make keep their mode.
 */
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- reading and writing ---- */

struct pipe_end {
	int fd;
	size_t n;
	unsigned char *buf;
	_Atomic long result; /* eventually() polls it */
	_Atomic int err;
};

static void write_all(void *arg)
{
	struct pipe_end *e = arg;
	ssize_t r = goc_write(e->fd, e->buf, e->n);
	e->err = test_errno();
	e->result = r;
}

static void read_all(void *arg)
{
	struct pipe_end *e = arg;
	size_t got = 0;
	while (got < e->n) {
		ssize_t r = goc_read(e->fd, e->buf + got, e->n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	e->result = (ssize_t)got;
}

static int pipe_carries_a_message_between_goroutines(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	unsigned char out[5] = "hello", in[5] = {0};
	struct pipe_end r = {fds[0], sizeof in, in, 0, 0};
	struct pipe_end w = {fds[1], sizeof out, out, 0, 0};
	spawn(read_all, &r); /* reader first: it parks */
	goc_sleep(5 * GOC_MILLISECOND);
	spawn(write_all, &w);
	eventually(r.result == 5, 5);
	eventually(w.result == 5, 5); /* stored after the reader may be done */
	expect(memcmp(in, out, 5) == 0, "bytes differ");
	expect_eq(goc_close(fds[0]), 0);
	expect_eq(goc_close(fds[1]), 0);
	return 0;
}

static int megabytes_arrive_intact_through_partial_writes(void)
{
	enum { N = 8 << 20 };
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	unsigned char *out = malloc(N), *in = calloc(1, N);
	for (size_t i = 0; i < N; i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	struct pipe_end w = {fds[1], N, out, 0, 0};
	struct pipe_end r = {fds[0], N, in, 0, 0};
	spawn(write_all, &w);
	read_all(&r);
	eventually(w.result == N, 10);
	expect_eq(r.result, N);
	expect(memcmp(in, out, N) == 0, "bytes differ");
	goc_close(fds[0]);
	goc_close(fds[1]);
	free(out);
	free(in);
	return 0;
}

static int read_at_end_of_file_returns_zero(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	expect_eq(goc_close(fds[1]), 0);
	char c;
	expect_eq(goc_read(fds[0], &c, 1), 0);
	goc_close(fds[0]);
	return 0;
}

struct short_then_end {
	int fd;
	_Atomic int stage;
};

static void read_short_then_end(void *arg)
{
	struct short_then_end *s = arg;
	char buf[100];
	s->stage = goc_read(s->fd, buf, sizeof buf) == 3 ? 1 : -1;
	s->stage = goc_read(s->fd, buf, sizeof buf) == 0 ? 2 : -2;
}

/* A short read leaves the descriptor known empty; an end of file that
 * came with the data must still be seen, waiting or not. */
static int end_of_file_after_a_short_read_is_seen(void)
{
	for (int waiting = 0; waiting < 2; waiting++) {
		for (int kind = 0; kind < 2; kind++) {
			int fds[2];
			if (kind == 0)
				expect_eq(goc_pipe(fds), 0);
			else
				expect_eq(socketpair(AF_UNIX,
				                     SOCK_STREAM | SOCK_NONBLOCK, 0,
				                     fds),
				          0);
			struct short_then_end s = {fds[0], 0};
			if (waiting) {
				spawn(read_short_then_end, &s);
				goc_sleep(5 * GOC_MILLISECOND);
			}
			expect_eq(write(fds[1], "abc", 3), 3);
			kind == 0 ? goc_close(fds[1]) : close(fds[1]);
			if (!waiting)
				spawn(read_short_then_end, &s);
			eventually(s.stage == 2 || s.stage < 0, 5);
			expect_eq(s.stage, 2);
			kind == 0 ? goc_close(fds[0]) : close(fds[0]);
		}
	}
	return 0;
}

static int write_to_a_gone_reader_fails_with_epipe(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	goc_close(fds[0]);
	expect_eq(goc_write(fds[1], "x", 1), -1);
	expect_eq(test_errno(), EPIPE);
	int sv[2];
	expect_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	expect_eq(goc_write(sv[1], "x", 1), -1);
	expect_eq(test_errno(), EPIPE);
	close(sv[1]);
	goc_close(fds[1]);
	return 0;
}

static int calls_on_a_bad_descriptor_fail_with_ebadf(void)
{
	char c;
	expect_eq(goc_read(-1, &c, 1), -1);
	expect_eq(test_errno(), EBADF);
	expect_eq(goc_write(1000000, &c, 1), -1);
	expect_eq(test_errno(), EBADF);
	expect_eq(goc_close(999), -1);
	expect_eq(test_errno(), EBADF);
	expect_eq(goc_fd_wait(999, GOC_READ, 0), -1);
	expect_eq(test_errno(), EBADF);
	expect_eq(goc_fd_wait(0, 0, 0), -1);
	expect_eq(test_errno(), EINVAL);
	expect_eq(goc_errno(), EINVAL); /* the public accessor */
	return 0;
}

struct block_writer {
	int fd;
	unsigned char mark;
};

enum { BLOCK = 64 << 10, WRITERS = 4, BLOCKS_EACH = 8 };

static void write_blocks(void *arg)
{
	struct block_writer *w = arg;
	unsigned char *buf = malloc(BLOCK);
	memset(buf, w->mark, BLOCK);
	for (int i = 0; i < BLOCKS_EACH; i++)
		expect_eq(goc_write(w->fd, buf, BLOCK), BLOCK);
	free(buf);
}

static int concurrent_writes_do_not_interleave(void)
{
	int sv[2];
	expect_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct block_writer w[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct block_writer){sv[0], (unsigned char)('a' + i)};
		spawn(write_blocks, &w[i]);
	}
	size_t total = (size_t)BLOCK * WRITERS * BLOCKS_EACH;
	unsigned char *in = malloc(total);
	size_t got = 0;
	while (got < total) {
		ssize_t r = goc_read(sv[1], in + got, total - got);
		expect(r > 0, "read %zd", r);
		got += (size_t)r;
	}
	for (size_t b = 0; b < total; b += BLOCK)
		for (size_t i = 1; i < BLOCK; i++)
			expect(in[b + i] == in[b], "block at %zu interleaved", b);
	free(in);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static int foreign_descriptors_keep_their_mode(void)
{
	int sv[2];
	expect_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0); /* blocking */
	int nb[2];
	expect_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, nb), 0);
	char c;
	expect_eq(goc_write(sv[0], "x", 1), 1);
	expect_eq(goc_read(sv[1], &c, 1), 1);
	expect_eq(goc_write(nb[0], "y", 1), 1);
	expect_eq(goc_read(nb[1], &c, 1), 1);
	expect_eq(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	expect_eq(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
	expect(fcntl(nb[0], F_GETFL) & O_NONBLOCK, "lost O_NONBLOCK");
	expect(fcntl(nb[1], F_GETFL) & O_NONBLOCK, "lost O_NONBLOCK");
	/* goc keeps nothing: close() and a new descriptor with the number. */
	int num = nb[1];
	close(nb[1]);
	int again[2];
	expect_eq(pipe(again), 0);
	expect(again[0] == num || again[1] == num, "number not reused");
	expect_eq(goc_write(again[1], "z", 1), 1);
	expect_eq(goc_read(again[0], &c, 1), 1);
	expect_eq(c, 'z');
	close(again[0]);
	close(again[1]);
	close(sv[0]);
	close(sv[1]);
	close(nb[0]);
	return 0;
}

/* ---- deadlines ---- */

static int read_past_its_deadline_times_out(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	int64_t t0 = goc_now();
	expect_eq(goc_set_read_deadline(fds[0], t0 + 20 * GOC_MILLISECOND), 0);
	char c;
	expect_eq(goc_read(fds[0], &c, 1), -1);
	expect_eq(test_errno(), ETIMEDOUT);
	expect(goc_now() - t0 >= 20 * GOC_MILLISECOND, "woke early");
	/* Past it, new calls fail even when they could complete. */
	expect_eq(goc_write(fds[1], "x", 1), 1);
	expect_eq(goc_read(fds[0], &c, 1), -1);
	expect_eq(test_errno(), ETIMEDOUT);
	expect_eq(goc_set_read_deadline(fds[0], 0), 0);
	expect_eq(goc_read(fds[0], &c, 1), 1);
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static void read_one(void *arg)
{
	struct pipe_end *e = arg;
	char c;
	ssize_t r = goc_read(e->fd, &c, 1);
	e->err = test_errno();
	e->result = r;
}

static int deadline_change_reaches_a_waiting_reader(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	expect_eq(goc_set_read_deadline(fds[0], goc_now() + 60 * GOC_SECOND), 0);
	struct pipe_end e = {fds[0], 0, NULL, 1, 0};
	spawn(read_one, &e);
	goc_sleep(10 * GOC_MILLISECOND);
	expect_eq(e.result, 1); /* still waiting */
	expect_eq(goc_set_read_deadline(fds[0], goc_now() + 10 * GOC_MILLISECOND), 0);
	eventually(e.result == -1, 5);
	expect_eq(e.err, ETIMEDOUT);
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static int deadline_in_the_past_wakes_a_waiting_writer(void)
{
	int sv[2];
	expect_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	static unsigned char big[4 << 20];
	struct pipe_end e = {sv[0], sizeof big, big, 0, 0};
	spawn(write_all, &e);
	goc_sleep(10 * GOC_MILLISECOND);
	expect_eq(goc_set_write_deadline(sv[0], goc_now() - 1), 0);
	eventually(e.result != 0, 5);
	long wrote = e.result;
	expect(wrote > 0 && wrote < (long)sizeof big, "wrote %ld", wrote);
	expect_eq(e.err, ETIMEDOUT);
	goc_close(sv[0]);
	close(sv[1]);
	return 0;
}

static int deadline_on_a_blocking_descriptor_is_not_supported(void)
{
	int fds[2];
	expect_eq(pipe(fds), 0);
	expect_eq(goc_set_deadline(fds[0], goc_now() + GOC_SECOND), -1);
	expect_eq(test_errno(), ENOTSUP);
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/* ---- close ---- */

static int close_wakes_a_blocked_reader_with_ebadf(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	struct pipe_end e = {fds[0], 0, NULL, 1, 0};
	spawn(read_one, &e);
	goc_sleep(10 * GOC_MILLISECOND);
	expect_eq(goc_close(fds[0]), 0);
	/* goc_close returned once the woken call had; the reader stores its
	 * result after that. */
	eventually(e.result != 1, 5);
	expect_eq(e.result, -1);
	expect_eq(e.err, EBADF);
	expect_eq(fcntl(fds[0], F_GETFD), -1); /* the number is closed */
	goc_close(fds[1]);
	return 0;
}

struct blocking_reader {
	int fd;
	_Atomic bool started;
	_Atomic long result;
};

static void read_blocking(void *arg)
{
	struct blocking_reader *b = arg;
	char c;
	b->started = true;
	b->result = goc_read(b->fd, &c, 1) + 10;
}

static int close_of_a_blocking_descriptor_waits_for_the_call(void)
{
	int fds[2];
	expect_eq(pipe(fds), 0);
	struct blocking_reader b = {fds[0], false, 0};
	spawn(read_blocking, &b);
	eventually(b.started, 5);        /* a loaded machine may start it late */
	goc_sleep(20 * GOC_MILLISECOND); /* it is in read(2) now */
	expect_eq(goc_close(fds[0]), 0); /* returns at once */
	expect(fcntl(fds[0], F_GETFD) != -1, "closed under the call");
	expect_eq(b.result, 0);
	expect_eq(write(fds[1], "x", 1), 1);
	eventually(b.result == 11, 5);
	eventually(fcntl(fds[0], F_GETFD) == -1, 5); /* closed once it returned */
	close(fds[1]);
	return 0;
}

static int close_twice_fails_with_ebadf(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	expect_eq(goc_close(fds[0]), 0);
	expect_eq(goc_close(fds[0]), -1);
	expect_eq(test_errno(), EBADF);
	goc_close(fds[1]);
	return 0;
}

/* ---- goc_fd_wait ---- */

static int fd_wait_sees_data_that_came_before(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	expect_eq(goc_fd_wait(fds[1], GOC_WRITE, -1), 0);
	expect_eq(goc_fd_wait(fds[0], GOC_READ, 0), -1);
	expect_eq(test_errno(), ETIMEDOUT);
	expect_eq(goc_write(fds[1], "x", 1), 1);
	expect_eq(goc_fd_wait(fds[0], GOC_READ, -1), 0);
	expect_eq(goc_fd_wait(fds[0], GOC_READ, 0), 0);
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static int fd_wait_counts_hang_up_as_ready(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	goc_close(fds[1]);
	expect_eq(goc_fd_wait(fds[0], GOC_READ, -1), 0);
	goc_close(fds[0]);
	return 0;
}

static int fd_wait_times_out(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	int64_t t0 = goc_now();
	expect_eq(goc_fd_wait(fds[0], GOC_READ, 20 * GOC_MILLISECOND), -1);
	expect_eq(test_errno(), ETIMEDOUT);
	expect(goc_now() - t0 >= 20 * GOC_MILLISECOND, "woke early");
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static void write_later(void *arg)
{
	goc_sleep(10 * GOC_MILLISECOND);
	expect_eq(goc_write(*(int *)arg, "x", 1), 1);
}

static int fd_wait_on_a_foreign_descriptor_keeps_its_mode(void)
{
	int fds[2];
	expect_eq(pipe(fds), 0); /* blocking */
	spawn(write_later, &fds[1]);
	expect_eq(goc_fd_wait(fds[0], GOC_READ | GOC_WRITE, 5 * GOC_SECOND), 0);
	expect_eq(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
	char c;
	expect_eq(goc_read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/* ---- blocking calls do not stop the others ---- */

static _Atomic int ticks;

static void tick(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++) {
		atomic_fetch_add(&ticks, 1);
		goc_yield();
	}
}

static void sleep_in_a_syscall(void *arg)
{
	(void)arg;
	goc_syscall_enter();
	usleep(100 * 1000);
	goc_syscall_exit();
}

static int syscall_section_does_not_stop_the_others(void)
{
	goc_maxprocs(1);
	spawn(sleep_in_a_syscall, NULL);
	goc_sleep(GOC_MILLISECOND); /* let it enter */
	int64_t t0 = goc_now();
	tick(NULL);
	expect(goc_now() - t0 < 80 * GOC_MILLISECOND, "the others waited for the call");
	return 0;
}

static int syscall_exit_keeps_errno(void)
{
	goc_syscall_enter();
	errno = ERANGE;
	goc_syscall_exit();
	expect_eq(test_errno(), ERANGE);
	return 0;
}

static void syscalls_in_a_loop(void *arg)
{
	goc_wg *wg = arg;
	for (int i = 0; i < 20; i++) {
		goc_syscall_enter();
		usleep((useconds_t)(i % 3) * 100);
		goc_syscall_exit();
		if (i % 4 == 0)
			goc_yield();
	}
	goc_wg_done(wg);
}

static int many_syscall_sections_on_few_processors_all_finish(void)
{
	for (int procs = 1; procs <= 2; procs++) {
		goc_maxprocs(procs);
		goc_wg wg = {0};
		long n = SCALED(200);
		goc_wg_add(&wg, n);
		for (long i = 0; i < n; i++)
			spawn(syscalls_in_a_loop, &wg);
		goc_wg_wait(&wg);
	}
	return 0;
}

static void sleep_long_in_a_syscall(void *arg)
{
	goc_wg *wg = arg;
	goc_syscall_enter();
	usleep(300 * 1000);
	goc_syscall_exit();
	goc_wg_done(wg);
}

static int maxprocs_does_not_wait_for_a_goroutine_in_a_syscall(void)
{
	goc_maxprocs(2);
	goc_wg wg = {0};
	goc_wg_add(&wg, 1);
	spawn(sleep_long_in_a_syscall, &wg);
	goc_sleep(20 * GOC_MILLISECOND);
	int64_t t0 = goc_now();
	goc_maxprocs(1);
	expect(goc_now() - t0 < 200 * GOC_MILLISECOND,
	       "goc_maxprocs waited for the call");
	goc_wg_wait(&wg); /* and the call comes back to a processor */
	return 0;
}

struct blocked_read {
	int fd;
	_Atomic long result;
};

static void read_blocking_pipe(void *arg)
{
	struct blocked_read *b = arg;
	char c;
	b->result = goc_read(b->fd, &c, 1);
}

static int blocking_pipe_read_does_not_stop_the_others(void)
{
	goc_maxprocs(1);
	int fds[2];
	expect_eq(pipe(fds), 0);
	struct blocked_read b = {fds[0], 0};
	spawn(read_blocking_pipe, &b);
	goc_sleep(5 * GOC_MILLISECOND);
	tick(NULL);
	expect_eq(b.result, 0);
	expect_eq(write(fds[1], "x", 1), 1);
	eventually(b.result == 1, 5);
	close(fds[0]);
	close(fds[1]);
	return 0;
}

static int regular_file_is_read_through_a_blocking_call(void)
{
	char path[] = "/tmp/goc-test-io-XXXXXX";
	int fd = mkstemp(path);
	expect(fd >= 0, "mkstemp");
	unlink(path);
	expect_eq(goc_write(fd, "abc", 3), 3);
	expect_eq(lseek(fd, 0, SEEK_SET), 0);
	char buf[4] = {0};
	expect_eq(goc_read(fd, buf, 3), 3);
	expect(strcmp(buf, "abc") == 0, "read %s", buf);
	expect_eq(goc_fd_wait(fd, GOC_READ, 0), 0);
	expect_eq(goc_close(fd), 0);
	return 0;
}

/* ---- plain threads ---- */

static void *thread_reads(void *arg)
{
	int fd = *(int *)arg;
	char c = 0;
	ssize_t r = goc_read(fd, &c, 1);
	return (void *)(intptr_t)(r == 1 && c == 'z');
}

static void *thread_read_times_out(void *arg)
{
	int fd = *(int *)arg;
	char c;
	int64_t t0 = goc_now();
	goc_set_read_deadline(fd, t0 + 20 * GOC_MILLISECOND);
	ssize_t r = goc_read(fd, &c, 1);
	bool ok = r == -1 && test_errno() == ETIMEDOUT &&
	          goc_now() - t0 >= 20 * GOC_MILLISECOND;
	goc_syscall_enter(); /* nothing on a plain thread */
	goc_syscall_exit();
	return (void *)(intptr_t)ok;
}

static int plain_thread_read_has_deadlines(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	pthread_t t = thread_start(thread_read_times_out, &fds[0]);
	expect(thread_join(t) == (void *)1, "no ETIMEDOUT on the thread");
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static int plain_thread_waits_for_a_pipe(void)
{
	int fds[2];
	expect_eq(goc_pipe(fds), 0);
	pthread_t t = thread_start(thread_reads, &fds[0]);
	goc_sleep(10 * GOC_MILLISECOND);
	expect_eq(goc_write(fds[1], "z", 1), 1);
	expect(thread_join(t) == (void *)1, "the thread read wrong");
	goc_close(fds[0]);
	goc_close(fds[1]);
	return 0;
}

static int many_goroutines_wait_on_pipes_with_few_threads(void)
{
	enum { N = 1000 };
	static int fds[N][2];
	static struct pipe_end e[N];
	for (int i = 0; i < N; i++) {
		expect_eq(goc_pipe(fds[i]), 0);
		e[i] = (struct pipe_end){fds[i][0], 0, NULL, 0, 0};
		spawn(read_one, &e[i]);
	}
	goc_sleep(20 * GOC_MILLISECOND);
	for (int i = 0; i < N; i++)
		expect_eq(goc_write(fds[i][1], "x", 1), 1);
	for (int i = 0; i < N; i++)
		eventually(e[i].result == 1, 10);
	for (int i = 0; i < N; i++) {
		goc_close(fds[i][0]);
		goc_close(fds[i][1]);
	}
	return 0;
}

static const struct test_case cases[] = {
	CASE(pipe_carries_a_message_between_goroutines),
	CASE(megabytes_arrive_intact_through_partial_writes),
	CASE(read_at_end_of_file_returns_zero),
	CASE(end_of_file_after_a_short_read_is_seen),
	CASE(write_to_a_gone_reader_fails_with_epipe),
	CASE(calls_on_a_bad_descriptor_fail_with_ebadf),
	CASE(read_past_its_deadline_times_out),
	CASE(deadline_change_reaches_a_waiting_reader),
	CASE(deadline_in_the_past_wakes_a_waiting_writer),
	CASE(deadline_on_a_blocking_descriptor_is_not_supported),
	CASE(close_wakes_a_blocked_reader_with_ebadf),
	CASE(close_twice_fails_with_ebadf),
	CASE(close_of_a_blocking_descriptor_waits_for_the_call),
	CASE(concurrent_writes_do_not_interleave),
	CASE(foreign_descriptors_keep_their_mode),
	CASE(fd_wait_counts_hang_up_as_ready),
	CASE(plain_thread_read_has_deadlines),
	CASE(fd_wait_sees_data_that_came_before),
	CASE(fd_wait_times_out),
	CASE(fd_wait_on_a_foreign_descriptor_keeps_its_mode),
	CASE(syscall_section_does_not_stop_the_others),
	CASE(syscall_exit_keeps_errno),
	CASE(many_syscall_sections_on_few_processors_all_finish),
	CASE(maxprocs_does_not_wait_for_a_goroutine_in_a_syscall),
	CASE(blocking_pipe_read_does_not_stop_the_others),
	CASE(regular_file_is_read_through_a_blocking_call),
	CASE(plain_thread_waits_for_a_pipe),
	CASE(many_goroutines_wait_on_pipes_with_few_threads),
};

TEST_MAIN(cases)
