/*
 * netaddr.h — Go's networks and addresses as socket addresses
 * (netaddr.c), for the code that makes the sockets (net.c).
 *
 * goc__net_resolve turns ("tcp", "example.com:80") into the socket type
 * and protocol to make and the addresses to bind or connect to, in the
 * order to try them. It never makes a socket of its own but for a probe,
 * once, of whether the machine has IPv6 (netaddr.c).
 */
#ifndef GOC_NETADDR_H
#define GOC_NETADDR_H

#include "runtime.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Addresses kept from one name lookup; a name with more is cut short. */
#define NET_MAXADDRS 8

/* What the addresses are for: an empty host means every interface to
 * listen on, and the local system to dial. */
enum net_mode { NET_LISTEN, NET_DIAL };

struct net_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
	} u;
	socklen_t len;
};

struct net_addrs {
	int type;     /* SOCK_STREAM or SOCK_DGRAM */
	int protocol; /* IPPROTO_TCP, IPPROTO_UDP, or 0 (unix) */
	bool v6only;  /* AF_INET6 sockets take IPv6 alone ("tcp6", "udp6");
	               * otherwise ":port" listens on IPv4 through them too */
	int n;        /* 1 to listen; to dial, 1 to NET_MAXADDRS */
	struct net_addr addr[NET_MAXADDRS];
};

/* Resolve network and address for mode, giving up name resolution at
 * `deadline` (a goc_now() time; 0: none). Returns 0, or an errno value:
 * EINVAL (an unknown network, a malformed address or port), EADDRNOTAVAIL
 * (the host does not resolve, or to no address of the network's family),
 * ETIMEDOUT (the deadline passed during resolution), ENOMEM. Host names
 * are resolved with getaddrinfo, a blocking call made inside
 * goc_syscall_enter/exit; IP literals never block. */
int goc__net_resolve(const char *network, const char *address, enum net_mode mode,
                     int64_t deadline, struct net_addrs *out) GOC_HIDDEN;

#endif
