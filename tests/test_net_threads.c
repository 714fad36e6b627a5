/*
 * test_net_threads.c — goroutines and threads waiting on sockets.
 *
 * A goroutine waiting in goc_accept, goc_dial or goc_read is parked and
 * its thread runs the others: with one processor, a dial and the accept it
 * satisfies both proceed; 10,000 connections waited on by 10,000
 * goroutines need no more threads than processors and a handful. A plain
 * thread (and main() without goc_main) may make the same calls, which
 * block it. Name lookups run apart from the caller: on any goroutine
 * stack, and abandoned when a dial's timeout ends first. Running out of
 * descriptors is an error (EMFILE), not a crash.
 */
#include "helpers.h"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* ---- name lookups ---- */

/* Listen on host, dial it, accept, exchange and close. */
static void tcp_round_trip(const char *network, const char *host)
{
	char buf[64], addr[64];
	snprintf(addr, sizeof addr, "%s:0", host);
	int l = must_listen(network, addr);
	int c = must_dial(network, hostport(buf, sizeof buf, host, local_port(l)), 0);
	int s = must_accept(l);
	expect_exchange(c, s);
	goc_close(c);
	goc_close(s);
	goc_close(l);
}

static void listen_and_dial_localhost(void *done)
{
	tcp_round_trip("tcp4", "localhost");
	goc_wg_done(done);
}

/* The resolver does not run on the caller's stack, which may be small. */
static int host_names_resolve_from_the_smallest_stack(void)
{
	if (!resolves_localhost())
		skip("this machine does not resolve localhost to IPv4");
	goc_attr attr = {.stack_size = GOC_STACK_MIN};
	goc_wg done = {0};
	goc_wg_add(&done, 1);
	spawn_attr(&attr, listen_and_dial_localhost, &done);
	goc_wg_wait(&done);
	return 0;
}

struct lookup_dials {
	char address[64];
	_Atomic long connected, timed_out;
};

static void dial_name_with_short_timeouts(void *arg)
{
	struct lookup_dials *d = arg;
	for (int i = 0; i < 25; i++) {
		int c = goc_dial("tcp4", d->address, (i + 1) * 4 * GOC_MICROSECOND);
		if (c >= 0) {
			atomic_fetch_add(&d->connected, 1);
			goc_close(c);
			continue;
		}
		expect(test_errno() == ETIMEDOUT, "the dial failed with errno %d (%s)",
		       test_errno(), strerror(test_errno()));
		atomic_fetch_add(&d->timed_out, 1);
	}
}

/* A name lookup the timeout cuts short goes on in its goroutine, which
 * frees what the dial left to it once it is done. */
static int dial_timeout_abandons_the_name_lookup(void)
{
	if (!resolves_localhost())
		skip("this machine does not resolve localhost to IPv4");
	struct lookup_dials d = {0};
	int l = must_listen("tcp4", "127.0.0.1:0");
	hostport(d.address, sizeof d.address, "localhost", local_port(l));
	run_goroutines(8, dial_name_with_short_timeouts, &d);
	printf("%ld connected, %ld timed out\n", atomic_load(&d.connected),
	       atomic_load(&d.timed_out));
	expect_eq(atomic_load(&d.connected) + atomic_load(&d.timed_out), 8 * 25);
	wait_others_done(); /* the abandoned lookups end */
	goc_close(l);
	return 0;
}

/* ---- goroutines and threads ---- */

struct acceptor {
	int lfd;
	goc_chan *fds; /* the accepted descriptors */
};

static void accept_one(void *arg)
{
	struct acceptor *a = arg;
	int fd = goc_accept(a->lfd, NULL, NULL);
	goc_chan_send(a->fds, &fd);
}

/* With one processor, a goroutine waiting in goc_accept leaves it to the
 * others: the dial that satisfies it runs meanwhile. */
static int accept_parks_the_goroutine_not_the_thread(void)
{
	char buf[64];
	goc_maxprocs(1);
	struct acceptor a = {must_listen("tcp", "127.0.0.1:0"),
	                     make_chan(sizeof(int), 1)};
	spawn_blocked(accept_one, &a);
	int c = must_dial("tcp",
	                  hostport(buf, sizeof buf, "127.0.0.1", local_port(a.lfd)), 0);
	int s = -1;
	expect_status(goc_chan_recv_timeout(a.fds, &s, PATIENCE), GOC_OK);
	expect(s >= 0, "goc_accept failed: %s", strerror(test_errno()));
	expect_exchange(c, s);
	goc_close(c);
	goc_close(s);
	goc_close(a.lfd);
	goc_chan_release(a.fds);
	return 0;
}

/* An echo server for many clients at once, each a goroutine. */
struct echo {
	int lfd;
	long clients;
	goc_wg done;
};

static void echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[64];
	ssize_t n;
	while ((n = goc_read(fd, buf, sizeof buf)) > 0)
		if (goc_write(fd, buf, (size_t)n) != n)
			break;
	goc_close(fd);
}

static void echo_serve(void *arg)
{
	struct echo *e = arg;
	for (long i = 0; i < e->clients; i++) {
		int fd = goc_accept(e->lfd, NULL, NULL);
		if (fd < 0)
			fail("goc_accept failed: %s", strerror(test_errno()));
		spawn(echo_conn, (void *)(intptr_t)fd);
	}
}

static void echo_client(void *arg)
{
	struct echo *e = arg;
	char buf[64];
	int c = must_dial("tcp",
	                  hostport(buf, sizeof buf, "127.0.0.1", local_port(e->lfd)),
	                  10 * GOC_SECOND);
	for (int i = 0; i < 10; i++) {
		expect_write(c, "hello");
		expect_read(c, "hello");
	}
	goc_close(c);
	goc_wg_done(&e->done);
}

static int echo_server_serves_many_clients_at_once(void)
{
	struct echo e = {.lfd = must_listen("tcp", "127.0.0.1:0"),
	                 .clients = SCALED(500)};
	spawn(echo_serve, &e);
	goc_wg_add(&e.done, e.clients);
	for (long i = 0; i < e.clients; i++)
		spawn(echo_client, &e);
	goc_wg_wait(&e.done);
	goc_close(e.lfd);
	return 0;
}

/* listen, dial, accept, exchange and close on the calling thread. */
static void round_trip_here(void)
{
	char buf[64];
	tcp_round_trip("tcp", "127.0.0.1");
	int u = must_listen("udp", "127.0.0.1:0");
	int uc = must_dial("udp", hostport(buf, sizeof buf, "127.0.0.1", local_port(u)),
	                   0);
	expect_eq(goc_sendto(uc, "ping", 4, 0, NULL, 0), 4);
	expect_eq(goc_recvfrom(u, buf, sizeof buf, 0, NULL, NULL), 4);
	goc_close(uc);
	goc_close(u);
	if (!resolves_localhost())
		return;
	/* A name, looked up here or (under a timeout) apart. */
	int l = must_listen("tcp4", "localhost:0");
	hostport(buf, sizeof buf, "localhost", local_port(l));
	goc_close(must_dial("tcp4", buf, 0));
	goc_close(must_dial("tcp4", buf, 10 * GOC_SECOND));
	goc_close(must_accept(l));
	goc_close(must_accept(l));
	goc_close(l);
}

static void *round_trip_thread(void *arg)
{
	(void)arg;
	expect_eq(goc_id(), 0);
	round_trip_here();
	return NULL;
}

static int calls_from_a_plain_thread_work(void)
{
	/* A goroutine waits in accept while a plain thread dials. */
	char buf[64];
	struct acceptor a = {must_listen("tcp", "127.0.0.1:0"),
	                     make_chan(sizeof(int), 1)};
	spawn(accept_one, &a);
	thread_join(thread_start(round_trip_thread, NULL));
	int c = must_dial("tcp",
	                  hostport(buf, sizeof buf, "127.0.0.1", local_port(a.lfd)), 0);
	int s = -1;
	expect_status(goc_chan_recv_timeout(a.fds, &s, PATIENCE), GOC_OK);
	expect_exchange(c, s);
	goc_close(c);
	goc_close(s);
	goc_close(a.lfd);
	goc_chan_release(a.fds);
	return 0;
}

static int calls_without_goc_main_work(void)
{
	round_trip_here();
	return 0;
}

/* ---- many connections, few threads ---- */

static int thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	expect(f != NULL, "/proc/self/status is unreadable");
	char line[256];
	int n = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	expect_gt(n, 0);
	return n;
}

/* Raise the soft descriptor limit to the hard one; false if that is less
 * than `need`. */
static bool raise_nofile(rlim_t need)
{
	struct rlimit r;
	expect_eq(getrlimit(RLIMIT_NOFILE, &r), 0);
	r.rlim_cur = r.rlim_max;
	expect_eq(setrlimit(RLIMIT_NOFILE, &r), 0);
	return r.rlim_max == RLIM_INFINITY || r.rlim_max >= need;
}

struct many {
	int lfd;
	long n;
	_Atomic long accepted, waiting;
	goc_wg served;
};

struct conn_arg {
	struct many *m;
	int fd;
};

/* One connection: wait for a byte, send it back, wait for the end. */
static void serve_conn(void *arg)
{
	struct conn_arg ca = *(struct conn_arg *)arg;
	free(arg);
	char b;
	atomic_fetch_add(&ca.m->waiting, 1);
	if (goc_read(ca.fd, &b, 1) != 1 || goc_write(ca.fd, &b, 1) != 1)
		fail("connection %d: the byte did not go round: %s", ca.fd,
		     strerror(test_errno()));
	while (goc_read(ca.fd, &b, 1) > 0)
		;
	goc_close(ca.fd);
	goc_wg_done(&ca.m->served);
}

static void accept_all(void *arg)
{
	struct many *m = arg;
	for (long i = 0; i < m->n; i++) {
		struct conn_arg *ca = malloc(sizeof *ca);
		expect(ca != NULL, "out of memory");
		ca->m = m;
		ca->fd = goc_accept(m->lfd, NULL, NULL);
		if (ca->fd < 0)
			fail("accept %ld of %ld failed: %s", i, m->n,
			     strerror(test_errno()));
		atomic_fetch_add(&m->accepted, 1);
		spawn(serve_conn, ca);
	}
}

/* The clients, in a child process of plain system calls (it was forked
 * from a process with threads): connect n sockets, say so on `ready`,
 * wait for `go`, then send a byte on each, read them back, and close all. */
static _Noreturn void clients(int port, long n, int *fds, int ready, int go)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char b = 'x';
	for (long i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 ||
		    connect(fds[i], (struct sockaddr *)&sa, sizeof sa) < 0)
			_exit(10);
	}
	if (write(ready, &b, 1) != 1 || read(go, &b, 1) != 1)
		_exit(11);
	for (long i = 0; i < n; i++)
		if (write(fds[i], &b, 1) != 1)
			_exit(12);
	for (long i = 0; i < n; i++)
		if (read(fds[i], &b, 1) != 1)
			_exit(13);
	for (long i = 0; i < n; i++)
		close(fds[i]);
	_exit(0);
}

static int ten_thousand_connections_need_few_threads(void)
{
	long n = SCALED(10000);
	if (!raise_nofile((rlim_t)n + 200))
		skip("the descriptor limit (hard) is below %ld", n + 200);
	struct many m = {.lfd = must_listen("tcp4", "127.0.0.1:0"), .n = n};
	goc_wg_add(&m.served, n);
	int *fds = malloc((size_t)n * sizeof *fds), ready[2], go[2];
	expect(fds && pipe(ready) == 0 && pipe(go) == 0, "setup: %s",
	       strerror(test_errno()));
	spawn(accept_all, &m);
	pid_t pid = fork();
	expect(pid >= 0, "fork: %s", strerror(test_errno()));
	if (pid == 0)
		clients(local_port(m.lfd), n, fds, ready[1], go[0]);
	char b;
	expect(goc_fd_wait(ready[0], GOC_READ, 60 * GOC_SECOND) == 0 &&
	               read(ready[0], &b, 1) == 1,
	       "the clients did not connect within 60 s, or they ended");
	eventually(atomic_load(&m.waiting) == n, 60);
	goc_sleep(ms(50));
	int threads = thread_count(), limit = goc_maxprocs(0) + 8;
	printf("%ld connections, %d goroutines waiting, %d threads\n", n,
	       (int)goc_numgoroutine(), threads);
	expect(threads <= limit,
	       "at most %d threads (processors and a handful), but there are %d", limit,
	       threads);
	expect_eq(write(go[1], &b, 1), 1);
	goc_wg_wait(&m.served);
	int status;
	expect_eq(waitpid(pid, &status, 0), pid);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the clients ended with status %#x", status);
	goc_close(m.lfd);
	free(fds);
	return 0;
}

/* ---- running out of descriptors ---- */

static int emfile_is_an_error_not_a_crash(void)
{
	enum { LIMIT = 256 };
	char buf[64];
	int l = must_listen("tcp4", "127.0.0.1:0");
	hostport(buf, sizeof buf, "127.0.0.1", local_port(l));
	int c = must_dial("tcp4", buf, 0); /* waits in the queue */
	struct rlimit r = {LIMIT, LIMIT};
	expect_eq(setrlimit(RLIMIT_NOFILE, &r), 0);
	int fill[LIMIT], n = 0;
	while (n < LIMIT && (fill[n] = dup(0)) >= 0)
		n++;
	expect(n < LIMIT && test_errno() == EMFILE, "dup never failed with EMFILE");
	expect_fails_with(goc_accept(l, NULL, NULL), EMFILE);
	expect_fails_with(goc_dial("tcp4", buf, 0), EMFILE);
	expect_fails_with(goc_listen("tcp4", "127.0.0.1:0"), EMFILE);
	/* One descriptor free: the waiting connection is accepted. */
	close(fill[--n]);
	int s = must_accept(l);
	expect_exchange(c, s);
	while (n > 0)
		close(fill[--n]);
	goc_close(c);
	goc_close(s);
	goc_close(l);
	return 0;
}

static const struct test_case cases[] = {
	CASE(host_names_resolve_from_the_smallest_stack),
	CASE(dial_timeout_abandons_the_name_lookup),
	CASE(accept_parks_the_goroutine_not_the_thread),
	CASE(echo_server_serves_many_clients_at_once),
	CASE(calls_from_a_plain_thread_work),
	PLAIN_CASE(calls_without_goc_main_work),
	CASE(ten_thousand_connections_need_few_threads, .timeout = 120),
	CASE(emfile_is_an_error_not_a_crash),
};

TEST_MAIN(cases)
