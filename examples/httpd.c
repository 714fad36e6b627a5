/*
 * httpd — a small HTTP/1.1 server with a goroutine per connection, written
 * the way a Go server is: each connection's goroutine reads a request,
 * answers it and reads the next (keep-alive) until the client closes or
 * asks to ("Connection: close"). GET / (and HEAD /) gets a small page,
 * anything else 404.
 *
 *   httpd [addr]        serve on addr, default 127.0.0.1:8080, until
 *                       killed: open http://127.0.0.1:8080/ in a browser,
 *                       or curl -v http://127.0.0.1:8080/
 *   httpd --self-test   serve on 127.0.0.1, a free port, fetch two pages
 *                       over one connection with a goc_dial client in the
 *                       same process, print the status lines, exit
 *
 * Two things a real server needs, done as Go's net/http does them:
 *  - Running out of descriptors (accept fails with EMFILE or ENFILE) is
 *    not fatal: accept is retried after 5 ms, then 10, 20, ... up to 1 s,
 *    and the delay starts over after a success.
 *  - A connection has a deadline (goc_set_deadline): a client idle for
 *    IDLE_TIMEOUT between requests, or that slow to send one or to read
 *    the answer, is dropped, so it cannot hold its goroutine forever.
 *
 * Requests with a body are answered, then the connection is closed: this
 * server reads no bodies.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, strncasecmp */

#include <goc.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define IDLE_TIMEOUT (60 * GOC_SECOND)
#define HEAD_MAX 8192 /* request line and headers; more: 431 */

static int64_t served; /* requests answered, all connections (atomic) */

/* why names an errno value as Go does: "address already in use". */
static const char *why(int err, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* format_addr writes "ip:port", or "[ip6]:port", for a socket address. */
static void format_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, len, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
}

/* ---- requests ------------------------------------------------------- */

struct request {
	char method[16], target[256], version[16];
	int keep_alive; /* the client may send another request */
};

/* header_value copies the value of header `name` (case-insensitive) from
 * the head of a request or response (first line skipped) into out;
 * 0 if there is no such header. */
static int header_value(const char *head, size_t len, const char *name, char *out,
                        size_t outlen)
{
	size_t nlen = strlen(name);
	const char *end = head + len, *line = memchr(head, '\n', len);
	while (line && ++line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' &&
		    strncasecmp(line, name, nlen) == 0) {
			const char *v = line + nlen + 1, *e = eol;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			size_t n =
				(size_t)(e - v) < outlen ? (size_t)(e - v) : outlen - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 1;
		}
		line = eol;
	}
	return 0;
}

/* has_token says whether a comma-separated header value lists token. */
static int has_token(const char *value, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = value; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == n && strncasecmp(p, token, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* parse_request fills r from a complete head; 0, or 400 if malformed. */
static int parse_request(const char *head, size_t len, struct request *r)
{
	char line[300], extra, value[64];
	size_t n = strcspn(head, "\r\n");
	if (n >= sizeof line)
		return 400;
	memcpy(line, head, n);
	line[n] = '\0';
	if (sscanf(line, "%15s %255s %15s %c", r->method, r->target, r->version,
	           &extra) != 3 ||
	    strncmp(r->version, "HTTP/1.", 7) != 0)
		return 400;

	int http11 = strcmp(r->version, "HTTP/1.0") != 0;
	int has_conn = header_value(head, len, "Connection", value, sizeof value);
	if (http11)
		r->keep_alive = !(has_conn && has_token(value, "close"));
	else
		r->keep_alive = has_conn && has_token(value, "keep-alive");
	if ((header_value(head, len, "Content-Length", value, sizeof value) &&
	     strcmp(value, "0") != 0) ||
	    header_value(head, len, "Transfer-Encoding", value, sizeof value))
		r->keep_alive = 0; /* a body we do not read: close after answering */
	return 0;
}

/* head_len is the length of the head at the start of buf[0, n), up to and
 * including its blank line, or 0 if the blank line has not come yet. */
static size_t head_len(const char *buf, size_t n)
{
	for (size_t i = 3; i < n; i++)
		if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0)
			return i + 1;
	return 0;
}

/* read_head reads until buf holds a whole head ("\r\n\r\n") and returns
 * its length; 0 at end of file, on an error or past the deadline; -1 if
 * HEAD_MAX bytes hold no end of head. *have counts the bytes in buf, which
 * may run past the head (a pipelined request); buf[*have] is set to 0. */
static ssize_t read_head(int fd, char *buf, size_t *have)
{
	for (;;) {
		buf[*have] = '\0';
		size_t len = head_len(buf, *have);
		if (len)
			return (ssize_t)len;
		if (*have == HEAD_MAX)
			return -1;
		ssize_t n = goc_read(fd, buf + *have, HEAD_MAX - *have); /* parks */
		if (n <= 0)
			return 0;
		*have += (size_t)n;
	}
}

/* ---- responses ------------------------------------------------------ */

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Error";
	}
}

/* respond writes one whole response in a single goc_write and returns
 * status, or 0 if it could not. body_len counts for Content-Length even
 * when body is NULL (HEAD). */
static int respond(int fd, int status, const char *type, const char *body,
                   size_t body_len, const struct request *r)
{
	char date[64], out[4096];
	struct tm tm;
	time_t now = time(NULL);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
	const char *conn = !r || !r->keep_alive ? "Connection: close\r\n"
	                   : strcmp(r->version, "HTTP/1.0") == 0
	                           ? "Connection: keep-alive\r\n"
	                           : "";
	int n = snprintf(out, sizeof out,
	                 "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\n%s\r\n%s",
	                 status, reason(status), date, type, body_len, conn,
	                 body ? body : "");
	if (n < 0 || (size_t)n >= sizeof out)
		return 0;
	return goc_write(fd, out, (size_t)n) == n ? status : 0; /* all, or fails */
}

/* answer serves one parsed request and returns the status it sent, or 0
 * if it could not; count is the request's number on its connection. */
static int answer(int fd, const struct request *r, long count)
{
	char page[1024];
	int head = strcmp(r->method, "HEAD") == 0;
	if ((head || strcmp(r->method, "GET") == 0) && strcmp(r->target, "/") == 0) {
		int n = snprintf(page, sizeof page,
		                 "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
		                 "<title>goc httpd</title></head><body>\n"
		                 "<h1>Hello from goc</h1>\n"
		                 "<p>A goroutine of its own serves each connection. "
		                 "This is request %ld on yours; %lld goroutines are "
		                 "running.</p>\n</body></html>\n",
		                 count, (long long)goc_numgoroutine());
		return respond(fd, 200, "text/html; charset=utf-8", head ? NULL : page,
		               (size_t)n, r);
	}
	static const char missing[] = "404 page not found\n"; /* net/http's */
	return respond(fd, 404, "text/plain; charset=utf-8", head ? NULL : missing,
	               sizeof missing - 1, r);
}

/* ---- connections ---------------------------------------------------- */

/* peer_name writes the client's "ip:port" of a connection. */
static void peer_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		snprintf(out, len, "?");
	else
		format_addr(&ss, out, len);
}

/* serve_conn answers the requests of one connection, in order, until the
 * client closes it, asks to, or stays idle past the deadline. */
static void serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[HEAD_MAX + 1], peer[64];
	size_t have = 0;
	struct request r;
	peer_name(fd, peer, sizeof peer);
	for (long count = 1;; count++) {
		goc_set_deadline(fd, goc_now() + IDLE_TIMEOUT);
		ssize_t len = read_head(fd, buf, &have);
		if (len == 0)
			break; /* closed, failed or idle too long */
		int status = len < 0 ? 431 : parse_request(buf, (size_t)len, &r);
		if (status != 0) {
			respond(fd, status, "text/plain; charset=utf-8", "", 0, NULL);
			printf("httpd: %s: bad request, %d\n", peer, status);
			break;
		}
		status = answer(fd, &r, count);
		if (!status)
			break;
		__atomic_fetch_add(&served, 1, __ATOMIC_RELAXED);
		printf("httpd: %s \"%s %s %s\" %d\n", peer, r.method, r.target,
		       r.version, status);
		if (!r.keep_alive)
			break;
		have -= (size_t)len; /* keep what follows: a pipelined request */
		memmove(buf, buf + len, have);
	}
	goc_close(fd);
}

/* retry_delay is net/http's back-off for a failed accept: 5 ms, doubling
 * up to 1 s. */
static int64_t retry_delay(int64_t last)
{
	int64_t d = last ? 2 * last : 5 * GOC_MILLISECOND;
	return d > GOC_SECOND ? GOC_SECOND : d;
}

/* accept_loop starts serve_conn for each connection; returns only if
 * accepting fails for good (not for lack of descriptors or memory). */
static void accept_loop(int lfd)
{
	int64_t delay = 0;
	for (;;) {
		int fd = goc_accept(lfd, NULL, NULL); /* parks until a client comes */
		if (fd >= 0) {
			delay = 0;
			if (goc_go(serve_conn, (void *)(intptr_t)fd) != 0)
				goc_close(fd); /* no memory for a goroutine: drop it */
			continue;
		}
		/* goc_errno, not errno: this loop waits (goc_accept, goc_sleep),
		 * and the compiler may keep errno's address from an earlier
		 * round, on a thread this goroutine has left since. */
		int err = goc_errno();
		if (err == EINTR || err == ECONNABORTED)
			continue;
		char msg[128];
		if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
			printf("httpd: accept: %s\n", why(err, msg, sizeof msg));
			return;
		}
		delay = retry_delay(delay);
		printf("httpd: accept: %s; retrying in %lld ms\n",
		       why(err, msg, sizeof msg), (long long)(delay / GOC_MILLISECOND));
		goc_sleep(delay);
	}
}

static void accept_loop_go(void *arg) { accept_loop((int)(intptr_t)arg); }

/* ---- listening ------------------------------------------------------ */

/* listen_on listens on addr and names the address it got (addr may say
 * port 0); on failure it says why, in Go's words:
 * "httpd: listen 127.0.0.1:8080: address already in use". */
static int listen_on(const char *addr, char *actual, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int lfd = goc_listen("tcp", addr);
	if (lfd < 0) {
		char msg[128];
		fprintf(stderr, "httpd: listen %s: %s\n", addr,
		        why(errno, msg, sizeof msg));
		return -1;
	}
	if (getsockname(lfd, (struct sockaddr *)&ss, &sl) != 0)
		snprintf(actual, len, "%s", addr);
	else
		format_addr(&ss, actual, len);
	return lfd;
}

/* ---- the self-test client ------------------------------------------- */

/* fetch sends GET target on fd and reads the whole response; prints its
 * status line and returns the status, or 0 if no response came. */
static int fetch(int fd, const char *host, const char *target, int last)
{
	char req[512], buf[HEAD_MAX + 1], value[32];
	size_t have = 0;
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n",
	                 target, host, last ? "Connection: close\r\n" : "");
	if (goc_write(fd, req, (size_t)n) != n)
		return 0;
	ssize_t head = read_head(fd, buf, &have);
	if (head <= 0)
		return 0;
	size_t body = 0;
	if (header_value(buf, (size_t)head, "Content-Length", value, sizeof value))
		sscanf(value, "%zu", &body);
	while (have < (size_t)head + body && have < HEAD_MAX) {
		ssize_t k = goc_read(fd, buf + have, HEAD_MAX - have);
		if (k <= 0)
			return 0;
		have += (size_t)k;
	}
	int status = 0;
	sscanf(buf, "HTTP/1.%*d %d", &status);
	printf("self-test: GET %s -> %.*s (%zu bytes of body)\n", target,
	       (int)strcspn(buf, "\r\n"), buf, body);
	return status;
}

/* self_test serves on a free loopback port and fetches / and /missing
 * over one keep-alive connection; the second asks the server to close. */
static int self_test(void)
{
	char addr[64];
	int lfd = listen_on("127.0.0.1:0", addr, sizeof addr);
	if (lfd < 0 || goc_go(accept_loop_go, (void *)(intptr_t)lfd) != 0)
		return 1;
	printf("httpd: serving http://%s/\n", addr);

	int fd = goc_dial("tcp", addr, 5 * GOC_SECOND);
	if (fd < 0) {
		char msg[128];
		printf("self-test: dial %s: %s\n", addr, why(errno, msg, sizeof msg));
		return 1;
	}
	goc_set_deadline(fd, goc_now() + 5 * GOC_SECOND); /* never hang */
	int ok =
		fetch(fd, addr, "/", 0) == 200 && fetch(fd, addr, "/missing", 1) == 404;
	char c;
	if (ok && goc_read(fd, &c, 1) == 0)
		printf("self-test: the server closed the connection, as asked\n");
	goc_close(fd);
	printf("self-test: %s (%lld requests served)\n", ok ? "ok" : "FAILED",
	       (long long)__atomic_load_n(&served, __ATOMIC_RELAXED));
	return ok ? 0 : 1; /* returning ends the server with the process */
}

static int run(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* log lines show up at once */
	if (argc == 2 && strcmp(argv[1], "--self-test") == 0)
		return self_test();
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: httpd [addr]   (default 127.0.0.1:8080)\n"
		                "       httpd --self-test\n");
		return 2;
	}
	const char *addr = argc == 2 ? argv[1] : "127.0.0.1:8080";
	char actual[64];
	int lfd = listen_on(addr, actual, sizeof actual);
	if (lfd < 0)
		return 1;
	printf("httpd: serving http://%s/ (Ctrl-C stops it)\n", actual);
	accept_loop(lfd);
	return 1;
}

GOC_MAIN(run)
