/*
 * io.c — goc_read, goc_write and goc_pipe: POSIX calls that park the
 * goroutine instead of blocking the thread (fd.c does the waiting).
 *
 * goc_write writes everything, as Go's Write does: one operation that
 * resumes where it stopped after each wait, under the descriptor's write
 * lock, so concurrent writers never interleave. SIGPIPE: a socket is
 * written with send(MSG_NOSIGNAL); anything else with SIGPIPE blocked in
 * the thread for the call, and a SIGPIPE the call raised is taken back
 * before it is unblocked, so a write to a gone reader fails with EPIPE
 * and never ends the process.
 */
#include "fd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static ssize_t read_op(int fd, void *arg)
{
	struct iovec *v = arg;
	ssize_t r;
	while ((r = read(fd, v->iov_base, v->iov_len)) < 0 && errno == EINTR) {
	}
	return r;
}

GOC_API ssize_t goc_read(int fd, void *buf, size_t n)
{
	struct iovec v = {buf, n};
	return goc__fd_io(fd, GOC_READ | GOC__FD_PLAIN_READ, read_op, &v);
}

struct write_state {
	const char *buf;
	size_t n, done;
	bool not_socket; /* send said ENOTSOCK once: use write */
};

/* write(2) with SIGPIPE held back, for pipes and the like. */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t n)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t r = write(fd, buf, n);
	int err = errno;
	if (r < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return r;
}

static ssize_t write_some(struct write_state *w, int fd)
{
	const char *p = w->buf + w->done;
	size_t n = w->n - w->done;
	if (!w->not_socket) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r >= 0 || errno != ENOTSOCK)
			return r;
		w->not_socket = true;
	}
	return write_no_sigpipe(fd, p, n);
}

static ssize_t write_op(int fd, void *arg)
{
	struct write_state *w = arg;
	do {
		ssize_t r = write_some(w, fd);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1; /* EAGAIN: fd.c waits and calls again */
		}
		w->done += (size_t)r; /* a datagram goes whole or not at all */
	} while (w->done < w->n);
	return (ssize_t)w->done;
}

GOC_API ssize_t goc_write(int fd, const void *buf, size_t n)
{
	struct write_state w = {.buf = buf, .n = n};
	ssize_t r = goc__fd_io(fd, GOC_WRITE, write_op, &w);
	if (r < 0 && w.done > 0)
		return (ssize_t)w.done; /* errno tells why it stopped */
	return r;
}

GOC_API int goc_errno(void) { return goc__os_errno(); }

GOC_API int goc_pipe(int fds[2])
{
	int p[2];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	if (goc__fd_own(p[0]) != 0 || goc__fd_own(p[1]) != 0) {
		int err = errno;
		goc_close(p[0]);
		goc_close(p[1]);
		errno = err;
		return -1;
	}
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}
