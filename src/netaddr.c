/*
 * netaddr.c — Go's networks and addresses, resolved to socket addresses
 * for net.c (netaddr.h).
 *
 * A network names a socket type and the address families it takes: "tcp"
 * and "udp" both, "tcp4"/"udp4" IPv4, "tcp6"/"udp6" IPv6, "unix" a path
 * ('@' first: Linux's abstract namespace, as in Go). An address splits as
 * Go's net.SplitHostPort splits it, failing where it fails (EINVAL). The
 * port is decimal, empty (0: the kernel picks one), or a service name. The
 * host, cheapest first:
 *   - empty: every interface to listen on, the loopback to dial;
 *   - an IP literal: inet_pton, no lookup. An IPv4-mapped IPv6 address is
 *     IPv4, as Go's To4 says;
 *   - a name under ".invalid": never resolves, and is not asked about
 *     (RFC 6761);
 *   - any other name: getaddrinfo, which reads files and asks DNS.
 *
 * Listening on every interface — an empty host, or "0.0.0.0" or "::" with
 * "tcp" or "udp" — is one IPv6 socket that takes IPv4 too where the
 * machine can (Go's favoriteAddrFamily). Whether it can is probed once, as
 * Go's ipStackCapabilities does: binding [::ffff:127.0.0.1] with
 * IPV6_V6ONLY off. The answer is one word, stored relaxed; threads that
 * probe at the same time find the same answer.
 *
 * getaddrinfo blocks the thread, so it runs between goc_syscall_enter and
 * goc_syscall_exit, and in a goroutine of its own (with a default-sized
 * stack, whatever the caller's) that the caller waits for on a channel.
 * Under a deadline (goc_dial's timeout) the caller stops waiting when the
 * time is up: a lookup cannot be interrupted, only abandoned, as Go's
 * are. Caller and lookup share a record (struct lookup); the last of the
 * two to be done with it frees it. A plain thread without a deadline
 * calls getaddrinfo itself.
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- networks ---------------------------------------------------------- */

struct network {
	const char *name;
	int type, protocol;
	int family; /* AF_UNSPEC: IPv4 and IPv6 */
};

static const struct network networks[] = {
	{"tcp", SOCK_STREAM, IPPROTO_TCP, AF_UNSPEC},
	{"tcp4", SOCK_STREAM, IPPROTO_TCP, AF_INET},
	{"tcp6", SOCK_STREAM, IPPROTO_TCP, AF_INET6},
	{"udp", SOCK_DGRAM, IPPROTO_UDP, AF_UNSPEC},
	{"udp4", SOCK_DGRAM, IPPROTO_UDP, AF_INET},
	{"udp6", SOCK_DGRAM, IPPROTO_UDP, AF_INET6},
	{"unix", SOCK_STREAM, 0, AF_UNIX},
};

static const struct network *network_find(const char *name)
{
	for (size_t i = 0; i < sizeof networks / sizeof networks[0]; i++)
		if (strcmp(networks[i].name, name) == 0)
			return &networks[i];
	return NULL;
}

static bool family_fits(const struct network *nw, int family)
{
	return nw->family == AF_UNSPEC || nw->family == family;
}

/* ---- what the machine has ---------------------------------------------- */

enum { STACK_PROBED = 1, STACK_IPV4 = 2, STACK_DUAL = 4 };

static int stack_caps; /* STACK_* bits once probed; 0 before */

/* A socket() error saying the family or protocol does not exist here.
 * (errno goes through goc__os_errno in this file: the callers may have
 * parked and changed threads, see os.h.) */
static bool unsupported(int err)
{
	return err == EAFNOSUPPORT || err == EPROTONOSUPPORT;
}

/* Can an IPv6 socket bind sa with IPV6_V6ONLY = v6only? -1: no socket
 * could be made to find out. */
static int probe_bind6(const char *ip, int v6only)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return unsupported(goc__os_errno()) ? 0 : -1;
	int ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) ==
	                 0 &&
	         bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* The probe; 0 when it could not tell (no descriptor left, say), so that
 * a later call asks again. */
static int stack_probe(void)
{
	int caps = STACK_PROBED;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd >= 0) {
		caps |= STACK_IPV4;
		close(fd);
	} else if (!unsupported(goc__os_errno())) {
		return 0;
	}
	int dual = probe_bind6("::ffff:127.0.0.1", 0);
	if (dual < 0)
		return 0;
	return dual ? caps | STACK_DUAL : caps;
}

/* Does one IPv6 socket listen on IPv4 and IPv6 (Go: supportsIPv4map() ||
 * !supportsIPv4())? */
static bool dual_stack(void)
{
	int caps = load_relaxed(&stack_caps);
	if (!caps) {
		caps = stack_probe();
		if (caps)
			store_relaxed(&stack_caps, caps);
	}
	return (caps & STACK_DUAL) || !(caps & STACK_IPV4);
}

/* ---- socket addresses -------------------------------------------------- */

static void addr_ip4(struct net_addr *a, struct in_addr ip, in_port_t port)
{
	memset(a, 0, sizeof *a);
	a->u.in4.sin_family = AF_INET;
	a->u.in4.sin_port = htons(port);
	a->u.in4.sin_addr = ip;
	a->len = sizeof a->u.in4;
}

static void addr_ip6(struct net_addr *a, const struct in6_addr *ip, uint32_t zone,
                     in_port_t port)
{
	memset(a, 0, sizeof *a);
	a->u.in6.sin6_family = AF_INET6;
	a->u.in6.sin6_port = htons(port);
	a->u.in6.sin6_addr = *ip;
	a->u.in6.sin6_scope_id = zone;
	a->len = sizeof a->u.in6;
}

/* An IPv4-mapped IPv6 address becomes the IPv4 address (Go's To4). */
static void addr_unmap(struct net_addr *a)
{
	if (a->u.sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->u.in6.sin6_addr))
		return;
	struct in_addr ip;
	memcpy(&ip, &a->u.in6.sin6_addr.s6_addr[12], sizeof ip);
	addr_ip4(a, ip, ntohs(a->u.in6.sin6_port));
}

static bool addr_is_any(const struct net_addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
}

/* Every interface, for nw: "::" for IPv6 and for the dual stack. */
static void addr_any(struct net_addr *a, const struct network *nw, in_port_t port)
{
	if (nw->family == AF_INET6 || (nw->family == AF_UNSPEC && dual_stack()))
		addr_ip6(a, &in6addr_any, 0, port);
	else
		addr_ip4(a, (struct in_addr){htonl(INADDR_ANY)}, port);
}

/* The local system, to dial an empty host. */
static void addr_loopback(struct net_addr *a, const struct network *nw, in_port_t port)
{
	if (nw->family == AF_INET6)
		addr_ip6(a, &in6addr_loopback, 0, port);
	else
		addr_ip4(a, (struct in_addr){htonl(INADDR_LOOPBACK)}, port);
}

/* An IPv6 zone, "eth0" or "2": its interface index (0 if none, as Go). */
static uint32_t zone_index(const char *zone)
{
	char *end;
	unsigned long n = strtoul(zone, &end, 10);
	if (*zone >= '0' && *zone <= '9' && *end == '\0' && n <= UINT32_MAX)
		return (uint32_t)n;
	return if_nametoindex(zone);
}

/* host as an IP literal ("10.0.0.1", "::1", "fe80::1%eth0") into *a. */
static bool ip_literal(const char *host, in_port_t port, struct net_addr *a)
{
	struct in_addr ip4;
	if (inet_pton(AF_INET, host, &ip4) == 1) {
		addr_ip4(a, ip4, port);
		return true;
	}
	char ip[INET6_ADDRSTRLEN];
	const char *zone = strchr(host, '%');
	size_t len = zone ? (size_t)(zone - host) : strlen(host);
	struct in6_addr ip6;
	if (len >= sizeof ip)
		return false;
	memcpy(ip, host, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET6, ip, &ip6) != 1)
		return false;
	addr_ip6(a, &ip6, zone ? zone_index(zone + 1) : 0, port);
	addr_unmap(a);
	return true;
}

/* sa, from a lookup, as an address of nw with port; false if it is none. */
static bool addr_from(struct net_addr *a, const struct network *nw,
                      const struct sockaddr *sa, socklen_t len, in_port_t port)
{
	if (sa->sa_family == AF_INET && len >= sizeof a->u.in4) {
		memcpy(&a->u.in4, sa, sizeof a->u.in4);
		addr_ip4(a, a->u.in4.sin_addr, port);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof a->u.in6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		addr_ip6(a, &in6.sin6_addr, in6.sin6_scope_id, port);
		addr_unmap(a);
	} else {
		return false;
	}
	return family_fits(nw, a->u.sa.sa_family);
}

/* ---- lookups ----------------------------------------------------------- */

/* A getaddrinfo result as an errno value. A name that does not resolve,
 * for whatever reason (no such name, no answer, a server failing), is
 * EADDRNOTAVAIL; an unknown service is a malformed address. */
static int lookup_errno(int rc, int sys)
{
	switch (rc) {
	case 0:
		return 0;
	case EAI_MEMORY:
		return ENOMEM;
	case EAI_SERVICE:
	case EAI_SOCKTYPE:
	case EAI_BADFLAGS:
		return EINVAL;
	case EAI_SYSTEM:
		if (sys == ENOMEM || sys == EMFILE || sys == ENFILE)
			return sys;
		return EADDRNOTAVAIL;
	default:
		return EADDRNOTAVAIL;
	}
}

/* getaddrinfo on this thread, as a blocking call. */
static int lookup_now(const char *host, const char *service,
                      const struct addrinfo *hints, struct addrinfo **res)
{
	goc_syscall_enter();
	int rc = getaddrinfo(host, service, hints, res);
	int sys = goc__os_errno(); /* this thread's: we may have parked before */
	goc_syscall_exit();
	return lookup_errno(rc, sys);
}

/* A lookup in a goroutine of its own, shared with the caller waiting for
 * it. refs counts the two; whoever drops it to 0 frees the record, with a
 * result the caller did not take. */
struct lookup {
	uint32_t refs;         /* atomic */
	goc_chan *done;        /* capacity 1: the lookup's errno value */
	struct addrinfo *res;  /* written by the lookup before it sends */
	struct addrinfo hints; /* copied in: */
	const char *host, *service;
	char host_buf[NI_MAXHOST], service_buf[NI_MAXSERV];
};

static void lookup_put(struct lookup *l)
{
	if (add_fetch(&l->refs, (uint32_t)-1) != 0)
		return;
	if (l->res)
		freeaddrinfo(l->res);
	goc_chan_release(l->done);
	goc__mem_free(l);
}

static void lookup_run(void *arg)
{
	struct lookup *l = arg;
	int err = lookup_now(l->host, l->service, &l->hints, &l->res);
	if (err)
		l->res = NULL;
	goc_chan_send(l->done, &err); /* room for it: never blocks */
	lookup_put(l);
}

/* Copies of the arguments (both fit: split_host_port and port_resolve
 * checked their lengths); NULL without memory. Noscan: it points only at
 * the C library's memory and at a channel, which is the runtime's. */
static struct lookup *lookup_new(const char *host, const char *service,
                                 const struct addrinfo *hints)
{
	struct lookup *l = goc__mem_alloc_noscan(sizeof *l);
	if (!l)
		return NULL;
	memset(l, 0, sizeof *l);
	if (!(l->done = goc_chan_make(sizeof(int), 1))) {
		goc__mem_free(l);
		return NULL;
	}
	l->refs = 2;
	l->hints = *hints;
	if (host)
		l->host = strcpy(l->host_buf, host);
	if (service)
		l->service = strcpy(l->service_buf, service);
	return l;
}

/* getaddrinfo in a goroutine; ETIMEDOUT if it has not answered by
 * deadline (0: none). Without a goroutine (no memory), on this thread. */
static int lookup_apart(const char *host, const char *service,
                        const struct addrinfo *hints, int64_t deadline,
                        struct addrinfo **res)
{
	struct lookup *l = lookup_new(host, service, hints);
	if (l && goc_go(lookup_run, l) != 0) {
		l->refs = 1;
		lookup_put(l);
		l = NULL;
	}
	if (!l)
		return lookup_now(host, service, hints, res);
	int err = ETIMEDOUT, st;
	if (deadline)
		st = goc_chan_recv_timeout(l->done, &err, deadline - goc_now());
	else
		st = goc_chan_recv(l->done, &err);
	if (st == GOC_OK && !err) {
		*res = l->res;
		l->res = NULL;
	}
	lookup_put(l);
	return err;
}

/* getaddrinfo(host, service) as an errno value, giving up at deadline
 * (0: none); host or service may be NULL. A goroutine's own stack may be
 * too small for the C library's resolver (GOC_STACK_MIN: 16 KiB, about
 * what a DNS lookup takes), so a goroutine never calls it itself (Go
 * calls it on the thread's stack); a plain thread does, without a
 * deadline. */
static int lookup(const char *host, const char *service, const struct addrinfo *hints,
                  int64_t deadline, struct addrinfo **res)
{
	if (deadline && deadline <= goc_now())
		return ETIMEDOUT;
	if (!deadline && goc_id() == 0)
		return lookup_now(host, service, hints, res);
	return lookup_apart(host, service, hints, deadline, res);
}

/* ---- address syntax ---------------------------------------------------- */

/* Go's net.SplitHostPort: "host:port", "[host]:port"; the host (without
 * brackets) into host[NI_MAXHOST], *port pointing into a. */
static int split_host_port(const char *a, char *host, const char **port)
{
	const char *colon = strrchr(a, ':');
	const char *h = a, *h_end = colon, *no_open = a, *no_close = a;
	if (!colon)
		return EINVAL; /* missing port */
	if (a[0] == '[') {
		const char *end = strchr(a, ']');
		if (!end || end + 1 != colon)
			return EINVAL; /* missing ']' or port, too many colons */
		h = a + 1, h_end = end;
		no_open = a + 1, no_close = end + 1;
	} else if (memchr(a, ':', (size_t)(colon - a))) {
		return EINVAL; /* too many colons */
	}
	if (strchr(no_open, '[') || strchr(no_close, ']'))
		return EINVAL; /* unexpected '[' or ']' */
	size_t len = (size_t)(h_end - h);
	if (len >= NI_MAXHOST)
		return EINVAL;
	memcpy(host, h, len);
	host[len] = '\0';
	*port = colon + 1;
	return 0;
}

/* A service name's port for nw's socket type ("http": 80). */
static int service_lookup(const struct network *nw, const char *name, int64_t deadline,
                          in_port_t *port)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE,
	                         .ai_family = AF_INET,
	                         .ai_socktype = nw->type,
	                         .ai_protocol = nw->protocol};
	struct addrinfo *res;
	if (strlen(name) >= NI_MAXSERV)
		return EINVAL;
	int err = lookup(NULL, name, &hints, deadline, &res);
	if (err)
		return err == ETIMEDOUT || err == ENOMEM ? err
		                                         : EINVAL; /* unknown port */
	struct sockaddr_in sa;
	memcpy(&sa, res->ai_addr, sizeof sa);
	*port = ntohs(sa.sin_port);
	freeaddrinfo(res);
	return 0;
}

/* "": 0; "8080": 8080; "99999": EINVAL; "http": looked up. */
static int port_resolve(const struct network *nw, const char *s, int64_t deadline,
                        in_port_t *port)
{
	unsigned long n = 0;
	size_t i = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		if ((n = n * 10 + (unsigned long)(s[i] - '0')) > 65535)
			return EINVAL;
	if (s[i] == '\0') {
		*port = (in_port_t)n;
		return 0;
	}
	return service_lookup(nw, s, deadline, port);
}

/* Names under the special-use domain "invalid." never resolve. */
static bool name_is_invalid(const char *host)
{
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	return (n == 7 && strncasecmp(host, "invalid", 7) == 0) ||
	       (n > 8 && strncasecmp(host + n - 8, ".invalid", 8) == 0);
}

/* ---- resolution -------------------------------------------------------- */

/* To listen on a name, its first IPv4 address if it has one, else its
 * first (Go: addrs.first(isIPv4)). */
static void addrs_keep_one(struct net_addrs *out)
{
	for (int i = 0; i < out->n; i++)
		if (out->addr[i].u.sa.sa_family == AF_INET) {
			out->addr[0] = out->addr[i];
			break;
		}
	out->n = 1;
}

static int name_resolve(const struct network *nw, const char *host, in_port_t port,
                        enum net_mode mode, int64_t deadline, struct net_addrs *out)
{
	struct addrinfo hints = {.ai_family = nw->family,
	                         .ai_socktype = nw->type,
	                         .ai_protocol = nw->protocol};
	struct addrinfo *res;
	int err = lookup(host, NULL, &hints, deadline, &res);
	if (err)
		return err;
	for (struct addrinfo *ai = res; ai && out->n < NET_MAXADDRS; ai = ai->ai_next)
		if (addr_from(&out->addr[out->n], nw, ai->ai_addr, ai->ai_addrlen,
		              port))
			out->n++;
	freeaddrinfo(res);
	if (out->n == 0)
		return EADDRNOTAVAIL; /* no address of nw's family */
	if (mode == NET_LISTEN)
		addrs_keep_one(out);
	return 0;
}

static int host_resolve(const struct network *nw, const char *host, in_port_t port,
                        enum net_mode mode, int64_t deadline, struct net_addrs *out)
{
	struct net_addr *a = &out->addr[0];
	if (host[0] == '\0') {
		if (mode == NET_LISTEN)
			addr_any(a, nw, port);
		else
			addr_loopback(a, nw, port);
	} else if (ip_literal(host, port, a)) {
		if (!family_fits(nw, a->u.sa.sa_family))
			return EADDRNOTAVAIL; /* "tcp4" and "::1" */
		/* "0.0.0.0:80" with "tcp" listens on IPv6 as well (Go). */
		if (mode == NET_LISTEN && nw->family == AF_UNSPEC && addr_is_any(a))
			addr_any(a, nw, port);
	} else if (name_is_invalid(host)) {
		return EADDRNOTAVAIL;
	} else {
		return name_resolve(nw, host, port, mode, deadline, out);
	}
	out->n = 1;
	return 0;
}

/* A unix socket's path; '@' first names one in the abstract namespace. */
static int unix_resolve(const char *path, struct net_addrs *out)
{
	struct net_addr *a = &out->addr[0];
	size_t n = strlen(path), max = sizeof a->u.un.sun_path;
	bool abstract = path[0] == '@';
	if (n == 0 || n > max || (n == max && !abstract))
		return EINVAL;
	a->u.un.sun_family = AF_UNIX;
	memcpy(a->u.un.sun_path, path, n);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	if (abstract) {
		a->u.un.sun_path[0] = '\0';
		a->len--; /* its name is the bytes given, no terminator */
	}
	out->n = 1;
	return 0;
}

int goc__net_resolve(const char *network, const char *address, enum net_mode mode,
                     int64_t deadline, struct net_addrs *out)
{
	const struct network *nw = network ? network_find(network) : NULL;
	if (!nw || !address)
		return EINVAL;
	*out = (struct net_addrs){.type = nw->type,
	                          .protocol = nw->protocol,
	                          .v6only = nw->family == AF_INET6};
	if (nw->family == AF_UNIX)
		return unix_resolve(address, out);
	char host[NI_MAXHOST];
	const char *service;
	in_port_t port;
	int err = split_host_port(address, host, &service);
	if (!err)
		err = port_resolve(nw, service, deadline, &port);
	if (!err)
		err = host_resolve(nw, host, port, mode, deadline, out);
	return err;
}
