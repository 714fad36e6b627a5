/*
 * test_net.c — sockets: goc_listen, goc_accept, goc_dial, goc_recvfrom,
 * goc_sendto, with Go's networks and addresses.
 *
 * Loopback only: 127.0.0.1, ::1 (cases that need it skip on a machine
 * without IPv6) and unix sockets in a fresh directory. A listener on port
 * 0 gets a free port, read back with getsockname. Descriptors goc makes
 * are non-blocking and close-on-exec; TCP connections have TCP_NODELAY;
 * listeners SO_REUSEADDR. Errors are Go's, as errno: EINVAL for an
 * unknown network or a malformed address, EADDRNOTAVAIL for a host that
 * does not resolve, ECONNREFUSED, ETIMEDOUT, EPIPE (never SIGPIPE).
 * Goroutines and threads waiting on sockets: test_net_threads.c.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>

/* ---- helpers (and helpers.h's sockets) ---- */

static struct sockaddr_storage local_addr(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	expect(getsockname(fd, (struct sockaddr *)&ss, &len) == 0, "getsockname: %s",
	       strerror(test_errno()));
	return ss;
}

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int getopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;
	expect(getsockopt(fd, level, name, &v, &len) == 0, "getsockopt: %s",
	       strerror(test_errno()));
	return v;
}

/* Can this machine bind ::1? */
static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
	                          .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

#define skip_without_ipv6()                                                            \
	do {                                                                           \
		if (!have_ipv6())                                                      \
			skip("this machine cannot bind ::1");                          \
	} while (0)

/* Listen on `address` (port 0), dial `dial_host` at its port, accept:
 * the connection works both ways. */
static void expect_connects(const char *network, const char *address,
                            const char *dial_network, const char *dial_host)
{
	char buf[128];
	int l = must_listen(network, address);
	int c = must_dial(dial_network,
	                  hostport(buf, sizeof buf, dial_host, local_port(l)), 0);
	int s = must_accept(l);
	expect_exchange(c, s);
	expect_eq(goc_close(c), 0);
	expect_eq(goc_close(s), 0);
	expect_eq(goc_close(l), 0);
}

/* ---- TCP ---- */

static int tcp_listen_dial_accept_exchange(void)
{
	char buf[64];
	int l = must_listen("tcp", "127.0.0.1:0");
	int port = local_port(l);
	expect_gt(port, 0);
	int c = must_dial("tcp", hostport(buf, sizeof buf, "127.0.0.1", port), 0);
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int s = goc_accept(l, (struct sockaddr *)&peer, &len);
	expect(s >= 0, "goc_accept failed: %s", strerror(test_errno()));
	/* The accepted peer is the dialing socket. */
	expect_eq(len, sizeof(struct sockaddr_in));
	expect_eq(peer.ss_family, AF_INET);
	expect_eq(port_of(&peer), local_port(c));
	expect_exchange(c, s);
	goc_close(c);
	goc_close(s);
	goc_close(l);
	return 0;
}

static int accept_truncates_the_address_and_reports_its_length(void)
{
	char buf[64];
	int l = must_listen("tcp4", "127.0.0.1:0");
	int c = must_dial("tcp4", hostport(buf, sizeof buf, "127.0.0.1", local_port(l)),
	                  0);
	struct sockaddr_in peer;
	memset(&peer, 0xee, sizeof peer);
	socklen_t len = 4; /* family and port only */
	int s = goc_accept(l, (struct sockaddr *)&peer, &len);
	expect(s >= 0, "goc_accept failed: %s", strerror(test_errno()));
	expect_eq(len, sizeof peer);
	expect_eq(peer.sin_family, AF_INET);
	expect_eq(ntohs(peer.sin_port), local_port(c));
	expect_eq(peer.sin_addr.s_addr, 0xeeeeeeeeu); /* not written */
	goc_close(c);
	goc_close(s);
	goc_close(l);
	return 0;
}

static int tcp4_listens_and_dials_on_ipv4(void)
{
	int l = must_listen("tcp4", "127.0.0.1:0");
	expect_eq(local_addr(l).ss_family, AF_INET);
	goc_close(l);
	expect_connects("tcp4", "127.0.0.1:0", "tcp4", "127.0.0.1");
	expect_connects("tcp4", ":0", "tcp4", "127.0.0.1");
	return 0;
}

static int tcp6_listens_and_dials_on_ipv6(void)
{
	skip_without_ipv6();
	int l = must_listen("tcp6", "[::1]:0");
	expect_eq(local_addr(l).ss_family, AF_INET6);
	expect_eq(getopt_int(l, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	goc_close(l);
	expect_connects("tcp6", "[::1]:0", "tcp6", "::1");
	expect_connects("tcp", "[::1]:0", "tcp", "::1");
	/* "tcp6" on every interface takes IPv6 only. */
	l = must_listen("tcp6", ":0");
	expect_eq(getopt_int(l, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	goc_close(l);
	return 0;
}

static int any_port_listener_is_dual_stack(void)
{
	char buf[64];
	int l = must_listen("tcp", ":0");
	int port = local_port(l);
	if (have_ipv6()) {
		/* One IPv6 socket that takes IPv4 as well. */
		expect_eq(local_addr(l).ss_family, AF_INET6);
		expect_eq(getopt_int(l, IPPROTO_IPV6, IPV6_V6ONLY), 0);
		int c6 = must_dial("tcp6", hostport(buf, sizeof buf, "::1", port), 0);
		int s6 = must_accept(l);
		expect_exchange(c6, s6);
		goc_close(c6);
		goc_close(s6);
	}
	int c4 = must_dial("tcp4", hostport(buf, sizeof buf, "127.0.0.1", port), 0);
	int s4 = must_accept(l);
	expect_exchange(c4, s4);
	/* Dialing ":port" reaches the local system. */
	snprintf(buf, sizeof buf, ":%d", port);
	int c = must_dial("tcp", buf, 0);
	int s = must_accept(l);
	expect_exchange(c, s);
	goc_close(c4);
	goc_close(s4);
	goc_close(c);
	goc_close(s);
	goc_close(l);
	/* So does "0.0.0.0:0" with "tcp", as in Go. */
	l = must_listen("tcp", "0.0.0.0:0");
	if (have_ipv6())
		expect_eq(local_addr(l).ss_family, AF_INET6);
	goc_close(l);
	return 0;
}

static int port_zero_or_empty_picks_a_free_port(void)
{
	int a = must_listen("tcp", "127.0.0.1:0");
	int b = must_listen("tcp", "127.0.0.1:");
	int u = must_listen("udp", "127.0.0.1:");
	expect_gt(local_port(a), 0);
	expect_gt(local_port(b), 0);
	expect_gt(local_port(u), 0);
	expect_ne(local_port(a), local_port(b));
	goc_close(a);
	goc_close(b);
	goc_close(u);
	return 0;
}

static int host_names_are_resolved(void)
{
	if (!resolves_localhost())
		skip("this machine does not resolve localhost to IPv4");
	char buf[64];
	int l = must_listen("tcp4", "localhost:0");
	expect_eq(local_addr(l).ss_family, AF_INET);
	hostport(buf, sizeof buf, "localhost", local_port(l));
	/* With a timeout the lookup runs apart; without, on this goroutine. */
	int c1 = must_dial("tcp4", buf, 10 * GOC_SECOND);
	int c2 = must_dial("tcp4", buf, 0);
	int s1 = must_accept(l);
	int s2 = must_accept(l);
	expect_exchange(c1, s1);
	expect_exchange(c2, s2);
	goc_close(c1);
	goc_close(c2);
	goc_close(s1);
	goc_close(s2);
	goc_close(l);
	return 0;
}

static int service_names_are_ports(void)
{
	struct servent *se = getservbyname("domain", "udp");
	if (!se)
		skip("no service \"domain\" in the services database");
	/* A UDP dial only records its peer: nothing is sent. */
	int c = must_dial("udp4", "127.0.0.1:domain", 0);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	expect_eq(getpeername(c, (struct sockaddr *)&peer, &len), 0);
	expect_eq(ntohs(peer.sin_port), 53);
	goc_close(c);
	return 0;
}

/* ---- unix ---- */

static int unix_sockets_listen_dial_accept(void)
{
	char dir[] = "/tmp/goc-test-net-XXXXXX", path[128];
	expect(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(test_errno()));
	snprintf(path, sizeof path, "%s/sock", dir);
	int l = must_listen("unix", path);
	struct stat st;
	expect(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "no socket at %s", path);
	int c = must_dial("unix", path, GOC_SECOND);
	int s = must_accept(l);
	expect_exchange(c, s);
	/* The path is taken while the socket file exists, as in Go. */
	expect_fails_with(goc_listen("unix", path), EADDRINUSE);
	goc_close(c);
	goc_close(s);
	goc_close(l);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int unix_sockets_in_the_abstract_namespace(void)
{
	char name[64];
	snprintf(name, sizeof name, "@goc-test-net-%d", (int)getpid());
	int l = must_listen("unix", name);
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	expect_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	expect_eq(sa.sun_path[0], '\0');
	expect(memcmp(sa.sun_path + 1, name + 1, strlen(name) - 1) == 0,
	       "it is bound to another name");
	int c = must_dial("unix", name, 0);
	int s = must_accept(l);
	expect_exchange(c, s);
	goc_close(c);
	goc_close(s);
	goc_close(l);
	return 0;
}

/* ---- UDP ---- */

struct datagram {
	int fd;
	char buf[64];
	ssize_t n;
	struct sockaddr_storage from;
	socklen_t fromlen;
	goc_wg done;
};

static void receive_datagram(void *arg)
{
	struct datagram *d = arg;
	d->fromlen = sizeof d->from;
	d->n = goc_recvfrom(d->fd, d->buf, sizeof d->buf, 0,
	                    (struct sockaddr *)&d->from, &d->fromlen);
	goc_wg_done(&d->done);
}

static void expect_datagram_round_trip(const char *network, const char *address,
                                       const char *dial_network, const char *host)
{
	char buf[64];
	int srv = must_listen(network, address);
	expect_eq(getopt_int(srv, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	int c = must_dial(dial_network,
	                  hostport(buf, sizeof buf, host, local_port(srv)), 0);
	/* The server waits before anything is sent. */
	struct datagram d = {.fd = srv};
	goc_wg_add(&d.done, 1);
	spawn(receive_datagram, &d);
	goc_sleep(ms(20));
	expect_eq(goc_sendto(c, "ping", 4, 0, NULL, 0), 4);
	goc_wg_wait(&d.done);
	expect(d.n == 4 && memcmp(d.buf, "ping", 4) == 0,
	       "the server received %zd bytes (errno %s)", d.n, strerror(test_errno()));
	expect_eq(port_of(&d.from), local_port(c));
	/* Reply to the sender's address. */
	expect_eq(goc_sendto(srv, "pong", 4, 0, (struct sockaddr *)&d.from, d.fromlen),
	          4);
	char reply[8];
	expect_eq(goc_recvfrom(c, reply, sizeof reply, 0, NULL, NULL), 4);
	expect(memcmp(reply, "pong", 4) == 0, "the reply was \"%.4s\"", reply);
	goc_close(c);
	goc_close(srv);
}

static int udp_sendto_recvfrom_round_trip(void)
{
	expect_datagram_round_trip("udp", "127.0.0.1:0", "udp", "127.0.0.1");
	expect_datagram_round_trip("udp4", "127.0.0.1:0", "udp4", "127.0.0.1");
	expect_datagram_round_trip("udp", ":0", "udp4", "127.0.0.1");
	if (have_ipv6()) {
		expect_datagram_round_trip("udp6", "[::1]:0", "udp6", "::1");
		expect_datagram_round_trip("udp", ":0", "udp6", "::1");
	}
	return 0;
}

/* ---- failures ---- */

/* A port bound but not listening: TCP connections to it are refused, and
 * no other socket can take it meanwhile. */
static int closed_port(int *holder)
{
	*holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	expect(bind(*holder, (struct sockaddr *)&sa, sizeof sa) == 0, "bind: %s",
	       strerror(test_errno()));
	return local_port(*holder);
}

static int dial_to_a_closed_port_is_refused(void)
{
	char buf[64];
	int holder, port = closed_port(&holder);
	hostport(buf, sizeof buf, "127.0.0.1", port);
	expect_fails_with(goc_dial("tcp", buf, 0), ECONNREFUSED);
	int64_t start = goc_now();
	expect_fails_with(goc_dial("tcp", buf, 5 * GOC_SECOND), ECONNREFUSED);
	expect_quick(start);
	close(holder);
	return 0;
}

static void dial_expecting_timeout(void *address)
{
	int64_t start = goc_now();
	expect_fails_with(goc_dial("tcp", address, ms(200)), ETIMEDOUT);
	expect_took(start, ms(200));
}

/* A listener whose queue is full drops new connection requests (Linux): a
 * dial to it waits, and its timeout ends the wait. */
static int dial_times_out_when_the_listener_queue_is_full(void)
{
	enum { TRIES = 16 };
	char buf[64];
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	expect(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 0) == 0,
	       "a listener with backlog 0: %s", strerror(test_errno()));
	hostport(buf, sizeof buf, "127.0.0.1", local_port(l));
	int conns[TRIES], n = 0;
	for (; n < TRIES; n++) {
		int64_t start = goc_now();
		conns[n] = goc_dial("tcp", buf, ms(300));
		if (conns[n] < 0) {
			expect_eq(test_errno(), ETIMEDOUT);
			expect_took(start, ms(300));
			break;
		}
	}
	/* While it stays full, every dial times out, many at once too. */
	if (n < TRIES)
		run_goroutines(SCALED(20), dial_expecting_timeout, buf);
	for (int i = 0; i < n; i++)
		goc_close(conns[i]);
	close(l);
	if (n == TRIES)
		skip("this network stack queues connections beyond a full backlog");
	return 0;
}

static int dial_with_a_tiny_timeout_never_hangs(void)
{
	char buf[64];
	int l = must_listen("tcp", "127.0.0.1:0");
	hostport(buf, sizeof buf, "127.0.0.1", local_port(l));
	for (int i = 0; i < 100; i++) {
		int64_t start = goc_now();
		int c = goc_dial("tcp", buf, 1);
		expect(c >= 0 || test_errno() == ETIMEDOUT,
		       "the dial failed with errno %d (%s), not ETIMEDOUT",
		       test_errno(), strerror(test_errno()));
		expect_quick(start);
		if (c >= 0)
			goc_close(c);
	}
	goc_close(l);
	return 0;
}

static int malformed_addresses_are_einval(void)
{
	static const char *const bad[][2] = {
		{"tcp", ""},
		{"tcp", "127.0.0.1"},
		{"tcp", "127.0.0.1:99999"},
		{"tcp", "127.0.0.1:65536"},
		{"tcp", "[::1"},
		{"tcp", "[::1]"},
		{"tcp", "[::1]x:80"},
		{"tcp", "::1:80"},
		{"tcp", "host:port:x"},
		{"tcp", "a[b:80"},
		{"tcp", "a]b:80"},
		{"tcp", "127.0.0.1:no-such-service-anywhere"},
		{"tcpx", "127.0.0.1:80"},
		{"TCP", "127.0.0.1:80"},
		{"", "127.0.0.1:80"},
		{"ip", "127.0.0.1:80"},
		{"unix", ""},
		{NULL, "127.0.0.1:80"},
		{"tcp", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *nw = bad[i][0], *addr = bad[i][1];
		errno = 0;
		int fd = goc_dial(nw, addr, GOC_SECOND);
		expect(fd == -1 && test_errno() == EINVAL,
		       "goc_dial(\"%s\", \"%s\") returned %d with errno %d (%s)",
		       nw ? nw : "(null)", addr ? addr : "(null)", fd, test_errno(),
		       strerror(test_errno()));
		errno = 0;
		fd = goc_listen(nw, addr);
		expect(fd == -1 && test_errno() == EINVAL,
		       "goc_listen(\"%s\", \"%s\") returned %d with errno %d (%s)",
		       nw ? nw : "(null)", addr ? addr : "(null)", fd, test_errno(),
		       strerror(test_errno()));
	}
	/* A unix path longer than a socket address holds. */
	char path[200];
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	expect_fails_with(goc_listen("unix", path), EINVAL);
	return 0;
}

static int hosts_that_do_not_resolve_are_eaddrnotavail(void)
{
	expect_fails_with(goc_dial("tcp", "nonexistent.invalid:80", 0), EADDRNOTAVAIL);
	expect_fails_with(goc_dial("tcp", "nonexistent.invalid:80", GOC_SECOND),
	                  EADDRNOTAVAIL);
	expect_fails_with(goc_listen("tcp", "nonexistent.invalid:0"), EADDRNOTAVAIL);
	expect_fails_with(goc_dial("udp", "NONEXISTENT.INVALID.:53", 0), EADDRNOTAVAIL);
	/* An address of the other family: none fits. */
	expect_fails_with(goc_dial("tcp4", "[::1]:80", 0), EADDRNOTAVAIL);
	expect_fails_with(goc_dial("tcp6", "127.0.0.1:80", 0), EADDRNOTAVAIL);
	expect_fails_with(goc_listen("udp4", "[::]:0"), EADDRNOTAVAIL);
	return 0;
}

/* ---- descriptors ---- */

static void expect_nonblocking_cloexec(int fd, const char *what)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	expect(fl >= 0 && (fl & O_NONBLOCK), "the %s descriptor is blocking", what);
	expect(fdfl >= 0 && (fdfl & FD_CLOEXEC),
	       "the %s descriptor is not close-on-exec", what);
}

static int descriptors_are_nonblocking_cloexec_with_go_options(void)
{
	char buf[64];
	int l = must_listen("tcp", "127.0.0.1:0");
	expect_nonblocking_cloexec(l, "listening");
	expect_eq(getopt_int(l, SOL_SOCKET, SO_REUSEADDR), 1);
	expect_eq(getopt_int(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	int c = must_dial("tcp", hostport(buf, sizeof buf, "127.0.0.1", local_port(l)),
	                  0);
	int s = must_accept(l);
	expect_nonblocking_cloexec(c, "dialed");
	expect_nonblocking_cloexec(s, "accepted");
	expect(getopt_int(c, IPPROTO_TCP, TCP_NODELAY) != 0,
	       "the dialed socket delays");
	expect(getopt_int(s, IPPROTO_TCP, TCP_NODELAY) != 0,
	       "the accepted socket delays");
	goc_close(c);
	goc_close(s);
	goc_close(l);

	int u = must_listen("udp", "127.0.0.1:0");
	expect_nonblocking_cloexec(u, "UDP");
	expect_eq(getopt_int(u, SOL_SOCKET, SO_BROADCAST), 1);
	int uc = must_dial("udp", hostport(buf, sizeof buf, "127.0.0.1", local_port(u)),
	                   0);
	expect_nonblocking_cloexec(uc, "dialed UDP");
	goc_close(uc);
	goc_close(u);

	char name[64];
	snprintf(name, sizeof name, "@goc-test-net-fd-%d", (int)getpid());
	int ul = must_listen("unix", name);
	int ucl = must_dial("unix", name, 0);
	int uas = must_accept(ul);
	expect_nonblocking_cloexec(ul, "unix listening");
	expect_nonblocking_cloexec(ucl, "unix dialed");
	expect_nonblocking_cloexec(uas, "unix accepted");
	goc_close(ucl);
	goc_close(uas);
	goc_close(ul);
	return 0;
}

/* ---- EPIPE, not SIGPIPE ---- */

static int writes_to_a_closed_peer_fail_with_epipe(void)
{
	char buf[64];
	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would end the case */

	/* After our own shutdown, a write is EPIPE at once. */
	int l = must_listen("tcp", "127.0.0.1:0");
	int c = must_dial("tcp", hostport(buf, sizeof buf, "127.0.0.1", local_port(l)),
	                  0);
	int s = must_accept(l);
	expect_eq(shutdown(c, SHUT_WR), 0);
	expect_fails_with(goc_sendto(c, "x", 1, 0, NULL, 0), EPIPE);
	expect_fails_with(goc_write(c, "x", 1), EPIPE);

	/* A peer that closed: the first write may still go; then EPIPE (or
	 * ECONNRESET, once its reset has come). */
	goc_close(s);
	int err = 0;
	for (int i = 0; i < 100 && !err; i++) {
		if (goc_sendto(c, "x", 1, 0, NULL, 0) < 0)
			err = test_errno();
		else
			goc_sleep(ms(10));
	}
	/* c was shut down for writing: reuse another connection. */
	int c2 = must_dial("tcp", hostport(buf, sizeof buf, "127.0.0.1", local_port(l)),
	                   0);
	int s2 = must_accept(l);
	goc_close(s2);
	err = 0;
	for (int i = 0; i < 100 && !err; i++) {
		if (goc_sendto(c2, "x", 1, 0, NULL, 0) < 0)
			err = test_errno();
		else
			goc_sleep(ms(10));
	}
	expect(err == EPIPE || err == ECONNRESET,
	       "writes to a closed TCP peer ended with errno %d (%s)", err,
	       strerror(err));
	goc_close(c);
	goc_close(c2);
	goc_close(l);

	/* A unix stream whose peer is gone: EPIPE. */
	char name[64];
	snprintf(name, sizeof name, "@goc-test-net-pipe-%d", (int)getpid());
	int ul = must_listen("unix", name);
	int uc = must_dial("unix", name, 0);
	goc_close(must_accept(ul));
	expect_fails_with(goc_sendto(uc, "x", 1, 0, NULL, 0), EPIPE);
	expect_fails_with(goc_write(uc, "x", 1), EPIPE);
	goc_close(uc);
	goc_close(ul);
	return 0;
}

static const struct test_case cases[] = {
	CASE(tcp_listen_dial_accept_exchange),
	CASE(accept_truncates_the_address_and_reports_its_length),
	CASE(tcp4_listens_and_dials_on_ipv4),
	CASE(tcp6_listens_and_dials_on_ipv6),
	CASE(any_port_listener_is_dual_stack),
	CASE(port_zero_or_empty_picks_a_free_port),
	CASE(host_names_are_resolved),
	CASE(service_names_are_ports),
	CASE(unix_sockets_listen_dial_accept),
	CASE(unix_sockets_in_the_abstract_namespace),
	CASE(udp_sendto_recvfrom_round_trip),
	CASE(dial_to_a_closed_port_is_refused),
	CASE(dial_times_out_when_the_listener_queue_is_full),
	CASE(dial_with_a_tiny_timeout_never_hangs),
	CASE(malformed_addresses_are_einval),
	CASE(hosts_that_do_not_resolve_are_eaddrnotavail),
	CASE(descriptors_are_nonblocking_cloexec_with_go_options),
	CASE(writes_to_a_closed_peer_fail_with_epipe),
};

TEST_MAIN(cases)
