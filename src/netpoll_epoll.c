/*
 * netpoll_epoll.c — the poller on Linux: one epoll instance, descriptors
 * registered edge-triggered for read and write once (a ready descriptor
 * then costs no epoll_ctl per operation), and an eventfd to break a wait.
 * See netpoll.h.
 *
 * The wait uses epoll_pwait2 where the kernel has it (Linux 5.11), for a
 * timeout in nanoseconds: the timer sleeper waits here for the earliest
 * timer, and epoll_wait's milliseconds would make every short timer late.
 * Older kernels get epoll_wait with the timeout rounded up.
 *
 * An event carries the key its registration was made with: a record
 * number and its generation (fd.c), so an event for a record since reused
 * for another descriptor wakes nobody.
 */
#include "netpoll.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EVENTS_MAX 128
#define BREAK_KEY UINT64_MAX

int32_t goc__netpoll_waiters;
uint32_t goc__netpoll_blocked;
int64_t goc__netpoll_last;

static int epfd = -1;
static int breakfd = -1;
static uint32_t break_pending; /* atomic: a break is written, not consumed */
static bool no_pwait2;         /* the kernel lacks epoll_pwait2 */

void goc__netpoll_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (epfd < 0 || breakfd < 0)
		goc__fatal("netpoll: cannot create epoll or eventfd");
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = BREAK_KEY};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, breakfd, &ev) != 0)
		goc__fatal("netpoll: cannot register the eventfd");
}

int goc__netpoll_add(int fd, uint64_t key)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.u64 = key,
	};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int goc__netpoll_del(int fd)
{
	struct epoll_event ev = {0};
	return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev) == 0 ? 0 : errno;
}

static int wait_events(struct epoll_event *evs, int64_t until)
{
	if (until == 0)
		return epoll_wait(epfd, evs, EVENTS_MAX, 0);
	if (until == INT64_MAX)
		return epoll_wait(epfd, evs, EVENTS_MAX, -1);
	int64_t left = until - nanotime();
	if (left <= 0)
		return epoll_wait(epfd, evs, EVENTS_MAX, 0);
#ifdef SYS_epoll_pwait2
	if (!load_relaxed(&no_pwait2)) {
		struct timespec ts = {left / GOC_SECOND, left % GOC_SECOND};
		long r = syscall(SYS_epoll_pwait2, epfd, evs, EVENTS_MAX, &ts, NULL, 0);
		if (r >= 0 || errno != ENOSYS)
			return (int)r;
		store_relaxed(&no_pwait2, true);
	}
#endif
	int64_t ms = (left + GOC_MILLISECOND - 1) / GOC_MILLISECOND;
	return epoll_wait(epfd, evs, EVENTS_MAX, ms > INT32_MAX ? INT32_MAX : (int)ms);
}

static void consume_break(void)
{
	uint64_t v;
	while (read(breakfd, &v, sizeof v) < 0 && errno == EINTR) {
	}
	store_seq(&break_pending, 0);
}

struct g *goc__netpoll(int64_t until, int *n)
{
	struct epoll_event evs[EVENTS_MAX];
	struct g *list = NULL;
	*n = 0;
	int k = wait_events(evs, until);
	store_relaxed(&goc__netpoll_last, nanotime());
	for (int i = 0; i < k; i++) {
		uint64_t key = evs[i].data.u64;
		if (key == BREAK_KEY) {
			consume_break();
			continue;
		}
		uint32_t e = evs[i].events;
		bool r = e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
		bool w = e & (EPOLLOUT | EPOLLHUP | EPOLLERR);
		bool hup = e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
		goc__pd_ready_key(key, r, w, hup, &list, n);
	}
	return list;
}

void goc__netpoll_break(void)
{
	if (xchg(&break_pending, 1) != 0)
		return;
	uint64_t one = 1;
	while (write(breakfd, &one, sizeof one) < 0 && errno == EINTR) {
	}
}
