/*
 * io.c — what the I/O workloads (echo, http) share: a listener on
 * loopback and the way a Go program starts.
 *
 * A Go program raises its soft limit on open files to the hard limit and
 * lets a write to a closed connection fail with EPIPE instead of ending
 * the process; WORKLOADS.md asks the C side to start the same way, so
 * goc-bench does it before every workload (it costs nothing to the others).
 */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

void start_as_go(void)
{
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	signal(SIGPIPE, SIG_IGN);
}

int bench_listen(char *addr, size_t len)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = goc_listen("tcp", "127.0.0.1:0");
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		fprintf(stderr, "listen tcp 127.0.0.1:0: %s\n", strerror(errno));
		exit(3);
	}
	snprintf(addr, len, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
	return fd;
}
