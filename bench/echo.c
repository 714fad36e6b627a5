/*
 * echo.c — loopback TCP through goc's poller: an echo server on
 * 127.0.0.1 (a goroutine per connection writes back what it reads, 1,024
 * bytes at a time) and C = 1,000 client goroutines that each dial once,
 * make N/C round trips of 64 bytes checked byte for byte, and close.
 * Byte j of round r of client i is (i + r + j) mod 256.
 *
 * Timed from before the first dial until every client is done. Check:
 * every reply matched, the server accepted C connections and wrote back
 * N×64 bytes. Metric: ns_per_rt; run.sh adds bytes_per_conn (peak RSS / C).
 * N is rounded down to a multiple of C (at least C).
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	CLIENTS = 1000, /* C: the clients, and so the connections */
	MSG = 64,       /* bytes per message */
	BUF = 1024,     /* the server's read buffer per connection */
};

struct server {
	int lfd;
	goc_wg handlers;    /* one count per accepted connection */
	int64_t echoed;     /* bytes written back on all connections (atomic) */
	goc_chan *accepted; /* the acceptor sends its count once lfd is closed */
};

struct conn {
	int fd;
	struct server *s;
};

struct client {
	const char *addr;
	int64_t i, rounds;
	goc_wg *done;
	bool ok;
};

/* echo_conn writes back what it reads from its connection until end of
 * file, then adds what it wrote to the server's total. */
static void echo_conn(void *arg)
{
	struct conn c = *(struct conn *)arg;
	free(arg);
	char buf[BUF];
	int64_t total = 0;
	ssize_t k;
	while ((k = goc_read(c.fd, buf, sizeof buf)) > 0) {
		if (goc_write(c.fd, buf, (size_t)k) != k)
			break;
		total += k;
	}
	goc_close(c.fd);
	__atomic_fetch_add(&c.s->echoed, total, __ATOMIC_RELAXED);
	goc_wg_done(&c.s->handlers);
}

/* accept_conns starts echo_conn for each connection until the listener is
 * closed, then reports how many it accepted. */
static void accept_conns(void *arg)
{
	struct server *s = arg;
	int64_t k = 0;
	int fd;
	while ((fd = goc_accept(s->lfd, NULL, NULL)) >= 0) {
		struct conn *c = malloc(sizeof *c);
		if (!c) {
			fprintf(stderr, "echo: out of memory\n");
			exit(3);
		}
		*c = (struct conn){fd, s};
		k++;
		goc_wg_add(&s->handlers, 1);
		bench_go(echo_conn, c);
	}
	goc_chan_send(s->accepted, &k);
}

/* read_full reads exactly n bytes; false at end of file or on an error. */
static bool read_full(int fd, unsigned char *buf, size_t n)
{
	size_t have = 0;
	while (have < n) {
		ssize_t k = goc_read(fd, buf + have, n - have);
		if (k <= 0)
			return false;
		have += (size_t)k;
	}
	return true;
}

/* round_trips makes the client's round trips on fd; true if every reply
 * matched what was sent. */
static bool round_trips(int fd, int64_t i, int64_t rounds)
{
	unsigned char msg[MSG], reply[MSG];
	for (int64_t r = 0; r < rounds; r++) {
		for (int j = 0; j < MSG; j++)
			msg[j] = (unsigned char)(i + r + j);
		if (goc_write(fd, msg, MSG) != MSG || !read_full(fd, reply, MSG) ||
		    memcmp(reply, msg, MSG) != 0)
			return false;
	}
	return true;
}

static void run_client(void *arg)
{
	struct client *c = arg;
	int fd = goc_dial("tcp", c->addr, 0);
	if (fd < 0) {
		fprintf(stderr, "echo: dial %s: %s\n", c->addr, strerror(errno));
	} else {
		c->ok = round_trips(fd, c->i, c->rounds);
		goc_close(fd);
	}
	goc_wg_done(c->done);
}

bool run_echo(int64_t n, char *out, size_t len)
{
	int64_t rounds = n < CLIENTS ? 1 : n / CLIENTS;
	char addr[64];
	struct server s = {.accepted = goc_chan_make(sizeof(int64_t), 0)};
	s.lfd = bench_listen(addr, sizeof addr);
	bench_go(accept_conns, &s);

	struct client *clients = calloc(CLIENTS, sizeof *clients);
	if (!clients) {
		fprintf(stderr, "echo: out of memory\n");
		exit(3);
	}
	goc_wg done = {0};
	int64_t start = goc_now();
	goc_wg_add(&done, CLIENTS);
	for (int64_t i = 0; i < CLIENTS; i++) {
		clients[i] = (struct client){addr, i, rounds, &done, false};
		bench_go(run_client, &clients[i]);
	}
	goc_wg_wait(&done);
	int64_t d = goc_now() - start;

	goc_close(s.lfd); /* ends accept_conns */
	int64_t accepted = 0;
	goc_chan_recv(s.accepted, &accepted);
	goc_wg_wait(&s.handlers);
	goc_chan_release(s.accepted);

	bool ok = accepted == CLIENTS && s.echoed == rounds * CLIENTS * MSG;
	for (int i = 0; i < CLIENTS; i++)
		ok = ok && clients[i].ok;
	free(clients);
	snprintf(out, len, "ns_per_rt=%.1f", per_op(d, rounds * CLIENTS));
	return ok;
}
