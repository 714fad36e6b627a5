/*
 * http.c — the server of the http workload: a minimal HTTP/1.1 keep-alive
 * server on 127.0.0.1, port 0, that run.sh loads with wrk.
 *
 * It prints "listening on HOST:PORT" first. A goroutine per connection
 * reads into a 4,096-byte buffer and, for each end of request headers
 * ("\r\n\r\n", found by a plain byte scan), writes one fixed 78-byte
 * response and counts it; headers that overflow the buffer end the
 * connection and fail the check. It serves until its standard input ends,
 * then reports served=<count>. N (wrk's seconds of load) is run.sh's
 * business: the server ignores it. run.sh turns wrk's Requests/sec into
 * the metric, req_per_s.
 */
#define _GNU_SOURCE /* memmem */

#include "bench.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char response[] = "HTTP/1.1 200 OK\r\n"
			       "Content-Type: text/plain\r\n"
			       "Content-Length: 13\r\n"
			       "\r\n"
			       "Hello, World!";
_Static_assert(sizeof response - 1 == 78, "the workload's response is 78 bytes");

enum { BUF = 4096 }; /* the read buffer per connection */

static int64_t served; /* responses written (atomic) */
static int64_t bad;    /* connections ended by headers too long (atomic) */

/* answer writes the response once for each complete request in buf[0,
 * have) and returns the bytes they took, or -1 if a write failed. */
static ssize_t answer(int fd, const char *buf, size_t have)
{
	size_t p = 0;
	const char *end;
	while ((end = memmem(buf + p, have - p, "\r\n\r\n", 4)) != NULL) {
		if (goc_write(fd, response, sizeof response - 1) != sizeof response - 1)
			return -1;
		__atomic_fetch_add(&served, 1, __ATOMIC_RELAXED);
		p = (size_t)(end - buf) + 4;
	}
	return (ssize_t)p;
}

/* serve_conn answers the requests on one connection until end of file. */
static void serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[BUF];
	size_t have = 0; /* bytes in buf not yet answered */
	ssize_t k, used;
	while ((k = goc_read(fd, buf + have, BUF - have)) > 0) {
		have += (size_t)k;
		if ((used = answer(fd, buf, have)) < 0)
			break;
		have -= (size_t)used;
		memmove(buf, buf + used, have);
		if (have == BUF) {
			__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	goc_close(fd);
}

static void accept_conns(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;
	while ((fd = goc_accept(lfd, NULL, NULL)) >= 0)
		bench_go(serve_conn, (void *)(intptr_t)fd);
}

/* wait_for_eof reads standard input until it ends: the runner's signal to
 * stop. (A blocking descriptor: goc_read hands the processor off while it
 * waits.) */
static void wait_for_eof(void)
{
	char buf[256];
	while (goc_read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
}

bool run_http(int64_t n, char *out, size_t len)
{
	(void)n;
	char addr[64];
	int lfd = bench_listen(addr, sizeof addr);
	printf("listening on %s\n", addr);
	fflush(stdout);
	bench_go(accept_conns, (void *)(intptr_t)lfd);
	wait_for_eof();
	snprintf(out, len, "served=%lld",
	         (long long)__atomic_load_n(&served, __ATOMIC_RELAXED));
	return __atomic_load_n(&bad, __ATOMIC_RELAXED) == 0;
}
