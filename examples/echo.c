/*
 * echo — a TCP echo server and three clients in one process, over
 * loopback: goc_listen, goc_accept, goc_dial, goc_read, goc_write,
 * goc_set_read_deadline and goc_close. The server runs a goroutine per
 * connection, as a Go server does; a goroutine waiting to read is parked,
 * and its thread runs the others.
 *
 * Go original (roughly):
 *
 *	func main() {
 *		ln, _ := net.Listen("tcp", "127.0.0.1:0")
 *		fmt.Println("server: listening on", ln.Addr())
 *		var conns sync.WaitGroup
 *		go serve(ln, &conns)
 *		var wg sync.WaitGroup
 *		for i := 1; i <= 3; i++ {
 *			wg.Add(1)
 *			go client(ln.Addr().String(), i, &wg)
 *		}
 *		wg.Wait()
 *		ln.Close() // Accept fails: the server stops
 *		conns.Wait()
 *	}
 *
 *	func echo(c net.Conn) { defer c.Close(); io.Copy(c, c) }
 */
#include <goc.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CLIENTS 3

static goc_wg server_done; /* the accept loop and every connection */
static int64_t echoed;     /* bytes the server wrote back (atomic) */
static int64_t accepted;   /* connections the server took (atomic) */

/* format_addr writes "a.b.c.d:port" for an IPv4 socket address. */
static void format_addr(const struct sockaddr_in *sa, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
	snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
}

/* echo_conn writes back what it reads until the client hangs up. */
static void echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	char who[32] = "?", buf[512];
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0)
		format_addr(&peer, who, sizeof who);
	printf("server: %s connected\n", who);

	int64_t total = 0;
	ssize_t n;
	while ((n = goc_read(fd, buf, sizeof buf)) > 0) { /* parks until data */
		if (goc_write(fd, buf, (size_t)n) != n)
			break;
		total += n;
	}
	printf("server: %s hung up after %lld bytes\n", who, (long long)total);
	goc_close(fd);
	__atomic_fetch_add(&echoed, total, __ATOMIC_RELAXED);
	goc_wg_done(&server_done);
}

/* serve accepts connections until the listener is closed. */
static void serve(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;
	while ((fd = goc_accept(lfd, NULL, NULL)) >= 0) {
		__atomic_fetch_add(&accepted, 1, __ATOMIC_RELAXED);
		goc_wg_add(&server_done, 1);
		if (goc_go(echo_conn, (void *)(intptr_t)fd) != 0) {
			perror("goc_go");
			goc_close(fd);
			goc_wg_done(&server_done);
		}
	}
	/* goc_close(lfd) woke the goroutine parked in goc_accept: EBADF,
	 * Go's "use of closed network connection". */
	printf("server: accept: %s, so the server stops\n",
	       errno == EBADF ? "listener closed" : strerror(errno));
	goc_wg_done(&server_done);
}

/* read_full reads exactly n bytes; false at end of file or on an error. */
static int read_full(int fd, char *buf, size_t n)
{
	size_t have = 0;
	while (have < n) {
		ssize_t k = goc_read(fd, buf + have, n - have);
		if (k <= 0)
			return 0;
		have += (size_t)k;
	}
	return 1;
}

/* say sends msg and reads it back; true if it came back unchanged. */
static int say(int fd, int id, const char *msg)
{
	size_t n = strlen(msg);
	char back[128];
	if (goc_write(fd, msg, n) != (ssize_t)n || !read_full(fd, back, n))
		return 0;
	back[n] = '\0';
	printf("client %d: sent \"%s\", got \"%s\"\n", id, msg, back);
	return memcmp(back, msg, n) == 0;
}

/* wait_for_nothing reads with a read deadline 50 ms away: nothing comes,
 * so goc_read fails with ETIMEDOUT (Go: SetReadDeadline, os.ErrDeadlineExceeded). */
static void wait_for_nothing(int fd, int id)
{
	char c;
	goc_set_read_deadline(fd, goc_now() + 50 * GOC_MILLISECOND);
	if (goc_read(fd, &c, 1) < 0 && errno == ETIMEDOUT)
		printf("client %d: nothing more to read: timed out after 50 ms\n", id);
	goc_set_read_deadline(fd, 0);
}

struct client {
	const char *addr;
	int id;
	goc_wg *done;
};

static void client(void *arg)
{
	struct client *c = arg;
	char msg[64];
	int fd = goc_dial("tcp", c->addr, GOC_SECOND); /* parks while connecting */
	if (fd < 0) {
		printf("client %d: dial %s: %s\n", c->id, c->addr, strerror(errno));
	} else {
		snprintf(msg, sizeof msg, "hello from client %d", c->id);
		say(fd, c->id, msg);
		snprintf(msg, sizeof msg, "goodbye from client %d", c->id);
		say(fd, c->id, msg);
		if (c->id == CLIENTS)
			wait_for_nothing(fd, c->id);
		goc_close(fd);
	}
	goc_wg_done(c->done);
}

/* listen_loopback listens on 127.0.0.1, a free port, and names it. */
static int listen_loopback(char *addr, size_t len)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int lfd = goc_listen("tcp", "127.0.0.1:0"); /* port 0: any free one */
	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	format_addr(&sa, addr, len);
	return lfd;
}

static int run(int argc, char **argv)
{
	(void)argc, (void)argv;
	char addr[32];
	int lfd = listen_loopback(addr, sizeof addr);
	if (lfd < 0) {
		perror("listen tcp 127.0.0.1:0");
		return 1;
	}
	printf("server: listening on %s\n", addr);
	goc_wg_add(&server_done, 1);
	goc_go(serve, (void *)(intptr_t)lfd);

	goc_wg clients = {0};
	struct client cs[CLIENTS];
	goc_wg_add(&clients, CLIENTS);
	for (int i = 0; i < CLIENTS; i++) {
		cs[i] = (struct client){addr, i + 1, &clients};
		goc_go(client, &cs[i]);
	}
	goc_wg_wait(&clients);

	goc_close(lfd); /* wakes serve's goc_accept */
	goc_wg_wait(&server_done);
	printf("server: %lld connections, %lld bytes echoed\n",
	       (long long)__atomic_load_n(&accepted, __ATOMIC_RELAXED),
	       (long long)__atomic_load_n(&echoed, __ATOMIC_RELAXED));
	return 0;
}

GOC_MAIN(run)
