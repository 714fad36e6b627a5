/*
 * net.c — sockets: goc_listen, goc_accept, goc_dial, goc_recvfrom and
 * goc_sendto. Go's net package, its netFD layer and its defaults.
 *
 * Every socket is non-blocking and close-on-exec from the socket() or
 * accept4() call that makes it (no moment in which an exec elsewhere could
 * inherit it), then handed to the descriptor layer with goc__fd_own
 * (fd.c), which registers it with the poller once. Until then an error
 * closes it with close(); once owned, with goc_close.
 *
 * Waiting is the descriptor layer's: accept, recvfrom and sendto are
 * goc__fd_io operations — a non-blocking call, retried when the poller
 * says the descriptor is ready, under its read or write deadline. A
 * connect in progress waits with goc_fd_wait for the socket to become
 * writable and then reads SO_ERROR, as Go's netFD.connect does.
 *
 * Go's choices, kept:
 *   - listeners: SO_REUSEADDR, the system's largest backlog
 *     (net.core.somaxconn, read once); IPV6_V6ONLY only for "tcp6" and
 *     "udp6", so ":port" is one dual-stack socket (netaddr.c);
 *   - TCP_NODELAY on every TCP connection, accepted or dialed (its
 *     failure is ignored, as Go ignores it); SO_BROADCAST on UDP sockets;
 *   - dial tries the addresses of a name in order, each with an equal
 *     share of the time left but at least 2 s of it (partialDeadline), and
 *     fails with the first error; a TCP socket that connected to itself
 *     (a local port with no listener, which the kernel may pick as the
 *     source) is dialed again, twice at most (dialTCP);
 *   - accept retries ECONNABORTED (a connection reset in the queue); any
 *     other error, EMFILE included, is the caller's;
 *   - sends never raise SIGPIPE (MSG_NOSIGNAL): EPIPE instead.
 *
 * errno: a call that waits may come back on another thread, so this file
 * reads and sets errno through goc__os_errno and goc__os_set_errno (os.h),
 * but in the operations, which run one system call and never wait.
 */
#include "fd.h"
#include "netaddr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A dialed address gets at least this much of the time left (Go). */
#define DIAL_SANE_MINIMUM (2 * GOC_SECOND)

/* Close a socket not owned yet (close) or owned (goc_close), keeping
 * errno for the caller. */
static void close_raw(int fd)
{
	int e = goc__os_errno();
	close(fd);
	goc__os_set_errno(e);
}

static void close_owned(int fd)
{
	int e = goc__os_errno();
	goc_close(fd);
	goc__os_set_errno(e);
}

static int setopt(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value);
}

static int resolve(const char *network, const char *address, enum net_mode mode,
                   int64_t deadline, struct net_addrs *as)
{
	int err = goc__net_resolve(network, address, mode, deadline, as);
	if (err) {
		goc__os_set_errno(err);
		return -1;
	}
	return 0;
}

/* A socket for addresses of `family`, with Go's options for every socket;
 * -1 with errno. Not owned yet. */
static int socket_open(const struct net_addrs *as, int family)
{
	int fd = socket(family, as->type | SOCK_NONBLOCK | SOCK_CLOEXEC, as->protocol);
	if (fd < 0)
		return -1;
	if ((family == AF_INET6 &&
	     setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, as->v6only) < 0) ||
	    (as->protocol == IPPROTO_UDP &&
	     setopt(fd, SOL_SOCKET, SO_BROADCAST, 1) < 0)) {
		close_raw(fd);
		return -1;
	}
	return fd;
}

static void nodelay(int fd) { (void)setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

/* ---- listen -------------------------------------------------------------- */

/* net.core.somaxconn, or SOMAXCONN if it cannot be read (Go's
 * maxListenerBacklog). */
static int somaxconn(void)
{
	char buf[32];
	int fd = open("/proc/sys/net/core/somaxconn", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SOMAXCONN;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return SOMAXCONN;
	buf[n] = '\0';
	char *end;
	long v = strtol(buf, &end, 10);
	if (end == buf || v <= 0)
		return SOMAXCONN;
	return v > INT_MAX ? INT_MAX : (int)v;
}

static int backlog(void)
{
	static int max; /* 0 until read; racing readers store the same value */
	int n = load_relaxed(&max);
	if (!n) {
		n = somaxconn();
		store_relaxed(&max, n);
	}
	return n;
}

static int bind_listen(int fd, const struct net_addrs *as)
{
	const struct net_addr *a = &as->addr[0];
	bool stream = as->type == SOCK_STREAM;
	if (stream && setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
		return -1;
	if (bind(fd, &a->u.sa, a->len) < 0)
		return -1;
	return stream ? listen(fd, backlog()) : 0;
}

GOC_API int goc_listen(const char *network, const char *address)
{
	struct net_addrs as;
	if (resolve(network, address, NET_LISTEN, 0, &as) < 0)
		return -1;
	int fd = socket_open(&as, as.addr[0].u.sa.sa_family);
	if (fd < 0)
		return -1;
	if (bind_listen(fd, &as) < 0 || goc__fd_own(fd) < 0) {
		close_raw(fd);
		return -1;
	}
	return fd;
}

/* ---- accept -------------------------------------------------------------- */

struct accept_op {
	struct sockaddr_storage addr;
	socklen_t len;
};

static ssize_t accept_op(int lfd, void *arg)
{
	struct accept_op *a = arg;
	for (;;) {
		a->len = sizeof a->addr;
		int fd = accept4(lfd, (struct sockaddr *)&a->addr, &a->len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0 || (errno != EINTR && errno != ECONNABORTED))
			return fd;
	}
}

GOC_API int goc_accept(int lfd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct accept_op a;
	if (addr && !addrlen) {
		/* accept(2) says EFAULT too, but after taking the connection */
		goc__os_set_errno(EFAULT);
		return -1;
	}
	int fd = (int)goc__fd_io(lfd, GOC_READ, accept_op, &a);
	if (fd < 0)
		return -1;
	if (a.addr.ss_family == AF_INET || a.addr.ss_family == AF_INET6)
		nodelay(fd);
	if (goc__fd_own(fd) < 0) {
		close_raw(fd);
		return -1;
	}
	if (addr) {
		memcpy(addr, &a.addr, a.len < *addrlen ? a.len : *addrlen);
		*addrlen = a.len;
	}
	return fd;
}

/* ---- dial ---------------------------------------------------------------- */

static int so_error(int fd)
{
	int err;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return goc__os_errno();
	return err;
}

static bool connected(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	return getpeername(fd, (struct sockaddr *)&peer, &len) == 0;
}

/* Connect fd to a, waiting until `until` (0: no limit). */
static int connect_wait(int fd, const struct net_addr *a, int64_t until)
{
	if (connect(fd, &a->u.sa, a->len) == 0)
		return 0;
	int err = goc__os_errno();
	if (err != EINPROGRESS && err != EALREADY && err != EINTR)
		return -1;
	for (;;) {
		int64_t left = until ? until - goc_now() : -1;
		if (until && left <= 0) {
			goc__os_set_errno(ETIMEDOUT);
			return -1;
		}
		if (goc_fd_wait(fd, GOC_WRITE, left) < 0)
			return -1;
		switch (err = so_error(fd)) {
		case 0: /* a wake-up before the end: check, as Go does */
			if (connected(fd))
				return 0;
			break;
		case EINPROGRESS:
		case EALREADY:
		case EINTR:
			break;
		case EISCONN:
			return 0;
		default:
			goc__os_set_errno(err);
			return -1;
		}
	}
}

static int dial_once(const struct net_addrs *as, const struct net_addr *a,
                     int64_t until)
{
	int fd = socket_open(as, a->u.sa.sa_family);
	if (fd < 0)
		return -1;
	if (goc__fd_own(fd) < 0) {
		close_raw(fd);
		return -1;
	}
	if (connect_wait(fd, a, until) < 0) {
		close_owned(fd);
		return -1;
	}
	if (as->protocol == IPPROTO_TCP)
		nodelay(fd);
	return fd;
}

static bool self_connected(int fd)
{
	struct sockaddr_storage self, peer;
	socklen_t self_len = sizeof self, peer_len = sizeof peer;
	if (getsockname(fd, (struct sockaddr *)&self, &self_len) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0)
		return false;
	return self_len == peer_len && memcmp(&self, &peer, self_len) == 0;
}

/* dial_once, and for TCP Go's two more tries when the kernel connected the
 * socket to itself or found no free source port (EADDRNOTAVAIL). */
static int dial_addr(const struct net_addrs *as, const struct net_addr *a,
                     int64_t until)
{
	int fd = dial_once(as, a, until);
	for (int i = 0; i < 2 && as->protocol == IPPROTO_TCP; i++) {
		if (fd >= 0 ? !self_connected(fd) : goc__os_errno() != EADDRNOTAVAIL)
			break;
		if (fd >= 0)
			goc_close(fd);
		fd = dial_once(as, a, until);
	}
	return fd;
}

/* When to give up on the next of `left` addresses (Go's partialDeadline):
 * 0 without a deadline, -1 when none is left. */
static int64_t partial_deadline(int64_t deadline, int left)
{
	if (!deadline)
		return 0;
	int64_t now = goc_now(), remain = deadline - now;
	if (remain <= 0)
		return -1;
	int64_t share = remain / left;
	if (share < DIAL_SANE_MINIMUM)
		share = remain < DIAL_SANE_MINIMUM ? remain : DIAL_SANE_MINIMUM;
	return now + share;
}

GOC_API int goc_dial(const char *network, const char *address, int64_t timeout)
{
	int64_t deadline = timeout > 0 ? goc_now() + timeout : 0;
	struct net_addrs as;
	if (resolve(network, address, NET_DIAL, deadline, &as) < 0)
		return -1;
	int first = 0;
	for (int i = 0; i < as.n; i++) {
		int64_t until = partial_deadline(deadline, as.n - i);
		if (until < 0) {
			first = first ? first : ETIMEDOUT;
			break;
		}
		int fd = dial_addr(&as, &as.addr[i], until);
		if (fd >= 0)
			return fd;
		first = first ? first : goc__os_errno();
	}
	goc__os_set_errno(first);
	return -1;
}

/* ---- datagrams ----------------------------------------------------------- */

struct recvfrom_op {
	void *buf;
	size_t n;
	int flags;
	struct sockaddr *from;
	socklen_t *fromlen;
};

static ssize_t recvfrom_op(int fd, void *arg)
{
	struct recvfrom_op *o = arg;
	ssize_t r;
	do
		r = recvfrom(fd, o->buf, o->n, o->flags, o->from, o->fromlen);
	while (r < 0 && errno == EINTR);
	return r;
}

GOC_API ssize_t goc_recvfrom(int fd, void *buf, size_t n, int flags,
                             struct sockaddr *from, socklen_t *fromlen)
{
	struct recvfrom_op o = {buf, n, flags, from, fromlen};
	return goc__fd_io(fd, GOC_READ, recvfrom_op, &o);
}

struct sendto_op {
	const void *buf;
	size_t n;
	int flags;
	const struct sockaddr *to;
	socklen_t tolen;
};

static ssize_t sendto_op(int fd, void *arg)
{
	struct sendto_op *o = arg;
	ssize_t r;
	do
		r = sendto(fd, o->buf, o->n, o->flags | MSG_NOSIGNAL, o->to, o->tolen);
	while (r < 0 && errno == EINTR);
	return r;
}

GOC_API ssize_t goc_sendto(int fd, const void *buf, size_t n, int flags,
                           const struct sockaddr *to, socklen_t tolen)
{
	struct sendto_op o = {buf, n, flags, to, tolen};
	return goc__fd_io(fd, GOC_WRITE, sendto_op, &o);
}
