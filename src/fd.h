/*
 * fd.h — descriptors as the I/O calls see them (fd.c): a record per
 * descriptor in use, found by number, that counts the calls using it,
 * serialises reads and writes, holds the deadlines, and parks a call that
 * would block until the poller (netpoll_epoll.c) says the descriptor is
 * ready.
 *
 * Two kinds of descriptors:
 *   - owned: made by goc (goc_listen, goc_accept, goc_dial, goc_pipe), or
 *     given a deadline: non-blocking, registered with the poller once,
 *     edge-triggered, for their whole life; closed by goc_close.
 *   - foreign: anything else. Their record lives only while a call uses
 *     them. Non-blocking ones are polled with a one-shot registration
 *     for the wait; blocking ones run the call as a blocking system call
 *     (goc_syscall_enter/exit).
 *
 * The socket code (net.c) creates descriptors, owns them with
 * goc__fd_own, and runs its operations through goc__fd_io.
 */
#ifndef GOC_FD_H
#define GOC_FD_H

#include "runtime.h"

#include <sys/types.h>

/* Register fd, which goc made non-blocking and close-on-exec, with the
 * poller: from now on it is owned (goc_close closes it). 0, or -1 with
 * errno (the caller still owns and closes fd). */
int goc__fd_own(int fd) GOC_HIDDEN;

/* An operation on a descriptor: a non-blocking system call. It returns
 * what the call returns; -1 with errno EAGAIN means "wait and try again". */
typedef ssize_t (*goc__fd_op)(int fd, void *arg);

/* Run op on fd until it does not fail with EAGAIN, waiting for `mode`
 * (GOC_READ or GOC_WRITE) in between, under the descriptor's deadline for
 * that mode and its read or write lock (calls of one mode run one at a
 * time). Returns op's result, or -1 with errno: EBADF (not open, or
 * closed by goc_close meanwhile), ETIMEDOUT (the deadline). */
ssize_t goc__fd_io(int fd, int mode, goc__fd_op op, void *arg) GOC_HIDDEN;

/* With GOC_READ: op is a plain read into the struct iovec arg. After a
 * short read of a stream socket or a pipe, nothing is left to read until
 * the poller reports new data, so the next call waits for it first and
 * saves the read that would fail with EAGAIN. */
#define GOC__FD_PLAIN_READ 0x100

#endif
