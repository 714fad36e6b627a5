/*
 * fd.c — the record of a descriptor in use (Go's pollDesc and fdMutex in
 * one), found by number in a two-level table, and the wait for readiness.
 * See fd.h for the two kinds of descriptors.
 *
 * Records are never freed: a closed one goes to a free list and its
 * generation is bumped, so the poller's events (keyed by record number
 * and generation) and a late lookup find a record that is still memory,
 * and can tell that it is no longer theirs (Go's fdseq).
 *
 * Users. ref counts the calls using the record; CLOSING is set by
 * goc_close and turns new users away with EBADF; DEAD is set when a
 * foreign record's last user leaves and it goes back to the free list. A
 * lookup that raced with that finds DEAD, or a record now serving another
 * number, and looks again.
 *
 * Waiting (Go's netpollblock): each mode has a slot, rg or wg, that holds
 * PD_NIL, PD_READY (an edge came with no waiter: the next wait returns at
 * once), PD_WAIT (a waiter is on its way to park) or the parked struct g.
 * The waiter moves NIL -> WAIT, checks for errors, parks, and publishes
 * itself (WAIT -> g) only once switched out; a readier that came in
 * between turned WAIT into READY or NIL, so the waiter readies itself.
 * Errors (closing, a deadline) are written before their wake-up and read
 * after WAIT is set, so one side always sees the other.
 *
 * goc_fd_wait for both modes waits in rg alone and marks wg PD_ALIAS, so
 * a write edge wakes the read slot's waiter: one slot, one wake-up.
 */
#include "fd.h"
#include "netpoll.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define PD_NIL ((uintptr_t)0)
#define PD_READY ((uintptr_t)1)
#define PD_WAIT ((uintptr_t)2)
#define PD_ALIAS ((uintptr_t)3)

#define REF_CLOSING ((uint64_t)1 << 63)
#define REF_DEAD ((uint64_t)1 << 62)
#define REF_COUNT (REF_DEAD - 1)

/* Descriptors up to FD_PAGES * FD_PAGE: far above any RLIMIT_NOFILE. */
#define FD_PAGE 4096
#define FD_PAGES 1024
#define PD_CHUNK 256
#define PD_CHUNKS 16384

enum pd_kind { PD_UNKNOWN, PD_OWNED, PD_POLLED, PD_BLOCKING };

struct pd {
	uintptr_t rg, wg; /* atomic: the wait slots */
	uint32_t gen;     /* atomic: bumped at each reuse */
	uint32_t index;   /* record number, for the poller's key */
	int fd;
	uint8_t kind;       /* enum pd_kind; set once, under rmu or wmu */
	uint8_t registered; /* with the poller; under reg_lock */
	uint8_t stream;     /* 1: a stream socket or a pipe, 2: not, 0: unknown */
	uint8_t drained;    /* the last read was short (stream): empty since;
	                     * under rmu */
	uint32_t hup;       /* atomic: the poller saw hang-up or an error */
	uint64_t ref;       /* atomic: REF_CLOSING | REF_DEAD | users */
	uint32_t closer;    /* goc_close waits here for the last user */
	uint8_t closer_waits;
	goc_mutex rmu, wmu; /* one read, one write call at a time */
	spinlock reg_lock;  /* registration; deadlines */
	int64_t rd, wd;     /* atomic deadlines: 0 none, -1 passed, else when */
	struct timer rt, wt;
	struct pd *next_free;
};

static struct pd **fd_table[FD_PAGES];  /* atomic pages of atomic entries */
static struct pd *pd_chunks[PD_CHUNKS]; /* atomic */
static uint32_t pd_count;               /* under pd_lock */
static struct pd *pd_free;              /* under pd_lock */
static spinlock pd_lock;

/* ---- records ------------------------------------------------------------ */

static struct pd *pd_by_index(uint32_t i)
{
	struct pd *chunk = load_acquire(&pd_chunks[i / PD_CHUNK]);
	return chunk ? &chunk[i % PD_CHUNK] : NULL;
}

static void read_deadline_fire(struct timer *t, int64_t now);
static void write_deadline_fire(struct timer *t, int64_t now);

static struct pd *pd_alloc(int fd)
{
	spin_lock(&pd_lock);
	struct pd *pd = pd_free;
	if (pd) {
		pd_free = pd->next_free;
	} else if (pd_count < (uint32_t)PD_CHUNK * PD_CHUNKS) {
		uint32_t i = pd_count;
		if (i % PD_CHUNK == 0) {
			struct pd *chunk = goc__mem_alloc(PD_CHUNK * sizeof *chunk);
			if (!chunk) {
				spin_unlock(&pd_lock);
				return NULL;
			}
			memset(chunk, 0, PD_CHUNK * sizeof *chunk);
			store_release(&pd_chunks[i / PD_CHUNK], chunk);
		}
		pd_count++;
		pd = pd_by_index(i);
		pd->index = i;
	}
	spin_unlock(&pd_lock);
	if (!pd)
		return NULL;
	add_fetch(&pd->gen, 1);
	pd->fd = fd;
	pd->kind = PD_UNKNOWN;
	pd->registered = 0;
	pd->stream = 0;
	pd->drained = 0;
	store_relaxed(&pd->hup, 0);
	pd->closer_waits = 0;
	store_relaxed(&pd->rg, PD_NIL);
	store_relaxed(&pd->wg, PD_NIL);
	store_relaxed(&pd->rd, 0);
	store_relaxed(&pd->wd, 0);
	pd->rt = (struct timer){.fn = read_deadline_fire, .arg = pd, .heap_index = -1};
	pd->wt = (struct timer){.fn = write_deadline_fire, .arg = pd, .heap_index = -1};
	store_release(&pd->ref, 1);
	return pd;
}

static void pd_recycle(struct pd *pd)
{
	add_fetch(&pd->gen, 1); /* events already fetched find a stranger */
	spin_lock(&pd_lock);
	pd->next_free = pd_free;
	pd_free = pd;
	spin_unlock(&pd_lock);
}

static uint64_t pd_key(struct pd *pd)
{
	return (uint64_t)pd->index << 32 | load_relaxed(&pd->gen);
}

/* ---- the table ---------------------------------------------------------- */

static struct pd **slot_of(int fd, bool make)
{
	if (fd < 0 || fd >= FD_PAGE * FD_PAGES)
		return NULL;
	struct pd **page = load_acquire(&fd_table[fd / FD_PAGE]);
	if (!page && make) {
		struct pd **fresh = goc__mem_alloc(FD_PAGE * sizeof *fresh);
		if (!fresh)
			return NULL;
		memset(fresh, 0, FD_PAGE * sizeof *fresh);
		struct pd **none = NULL;
		if (cas(&fd_table[fd / FD_PAGE], &none, fresh)) {
			page = fresh;
		} else {
			goc__mem_free(fresh);
			page = none;
		}
	}
	return page ? &page[fd % FD_PAGE] : NULL;
}

/* Count one more user of pd; false if it is closing (*closing) or dead
 * or no longer fd's (look again). */
static bool pd_tryref(struct pd *pd, int fd, bool *closing)
{
	uint64_t ref = load_acquire(&pd->ref);
	for (;;) {
		if (ref & REF_DEAD)
			return false;
		if (ref & REF_CLOSING) {
			*closing = load_relaxed(&pd->fd) == fd;
			return false;
		}
		if (cas(&pd->ref, &ref, ref + 1))
			break;
	}
	if (load_relaxed(&pd->fd) == fd)
		return true;
	/* Not ours after all: its own users hold it, and drop the last ref. */
	add_fetch(&pd->ref, (uint64_t)-1);
	return false;
}

static void pd_unref(struct pd *pd);

/* The record of fd with one more user, made if fd has none; NULL with
 * errno EBADF if fd is being closed or not a descriptor number. */
static struct pd *pd_get(int fd)
{
	struct pd **slot = slot_of(fd, true);
	if (!slot) {
		errno = fd < 0 ? EBADF : ENOMEM;
		return NULL;
	}
	for (;;) {
		struct pd *pd = load_acquire(slot);
		if (pd) {
			bool closing = false;
			if (pd_tryref(pd, fd, &closing)) {
				if (load_acquire(slot) == pd)
					return pd;
				pd_unref(pd);
				continue;
			}
			if (closing) {
				errno = EBADF;
				return NULL;
			}
			cpu_relax(); /* dying: its last user takes it out */
			continue;
		}
		struct pd *fresh = pd_alloc(fd);
		if (!fresh) {
			errno = ENOMEM;
			return NULL;
		}
		if (cas(slot, &pd, fresh))
			return fresh;
		store_relaxed(&fresh->ref, REF_DEAD);
		pd_recycle(fresh);
	}
}

/* The record of fd if it has one, with one more user; NULL otherwise. */
static struct pd *pd_find(int fd, bool *closing)
{
	struct pd **slot = slot_of(fd, false);
	*closing = false;
	for (;;) {
		struct pd *pd = slot ? load_acquire(slot) : NULL;
		if (!pd)
			return NULL;
		if (pd_tryref(pd, fd, closing)) {
			if (load_acquire(slot) == pd)
				return pd;
			pd_unref(pd);
			continue;
		}
		if (*closing)
			return NULL;
		cpu_relax();
	}
}

/* The record leaves the table: unregister, close if closing, recycle. */
static void pd_retire(struct pd *pd, bool close_fd)
{
	struct pd **slot = slot_of(pd->fd, false);
	goc__timer_del(&pd->rt);
	goc__timer_del(&pd->wt);
	if (pd->registered)
		goc__netpoll_del(pd->fd);
	struct pd *self = pd;
	cas(slot, &self, NULL);
	if (close_fd)
		close(pd->fd);
	pd_recycle(pd);
}

/* One user fewer. The last user of a closing record wakes goc_close or
 * closes for it; the last user of a foreign one retires it. */
static void pd_unref(struct pd *pd)
{
	uint64_t ref = load_acquire(&pd->ref);
	for (;;) {
		uint64_t count = ref & REF_COUNT;
		bool last = count == 1;
		bool closing = ref & REF_CLOSING;
		bool keep = load_relaxed(&pd->kind) == PD_OWNED && !closing;
		uint64_t next = last && !keep ? (ref - 1) | REF_DEAD : ref - 1;
		if (!cas(&pd->ref, &ref, next))
			continue;
		if (!last || keep)
			return;
		if (closing && load_acquire(&pd->closer_waits)) {
			goc__semrelease(&pd->closer, false);
			return;
		}
		pd_retire(pd, closing);
		return;
	}
}

/* ---- waiting ------------------------------------------------------------ */

static uintptr_t *slot_for(struct pd *pd, int mode)
{
	return mode == GOC_READ ? &pd->rg : &pd->wg;
}

/* Why a call in `mode` cannot go on: EBADF, ETIMEDOUT, or 0. */
static int pd_error(struct pd *pd, int mode, bool deadlines)
{
	if (load_seq(&pd->ref) & REF_CLOSING)
		return EBADF;
	if (deadlines && load_seq(mode == GOC_READ ? &pd->rd : &pd->wd) < 0)
		return ETIMEDOUT;
	return 0;
}

/* Wake the waiter of `mode`: ioready marks the slot READY for the next
 * wait if nobody waits; otherwise (an error) only a parked waiter is
 * taken. Returns the goroutine or thread to ready. */
static struct g *pd_unblock(struct pd *pd, int mode, bool ioready)
{
	uintptr_t *gpp = slot_for(pd, mode);
	if (mode == GOC_WRITE && load_acquire(gpp) == PD_ALIAS)
		gpp = &pd->rg;
	uintptr_t old = load_acquire(gpp);
	for (;;) {
		if (old == PD_READY || old == PD_ALIAS)
			return NULL;
		if (old == PD_NIL && !ioready)
			return NULL;
		if (cas(gpp, &old, ioready ? PD_READY : PD_NIL))
			return old > PD_ALIAS ? (struct g *)old : NULL;
	}
}

struct commit {
	uintptr_t *gpp;
	struct g *g;
};

/* After the waiter is switched out: publish it, unless a readier came. */
static void commit_wait(void *arg)
{
	struct commit *c = arg;
	uintptr_t wait = PD_WAIT;
	if (!cas(c->gpp, &wait, (uintptr_t)c->g))
		goc__ready(c->g, false);
}

/* Park until the slot of `mode` is made ready or an error is posted.
 * 0: ready (or woken: try again); else the error. */
static int pd_wait(struct pd *pd, int mode, bool deadlines)
{
	uintptr_t *gpp = slot_for(pd, mode);
	uintptr_t old = load_acquire(gpp);
	for (;;) {
		if (old == PD_READY) {
			if (cas(gpp, &old, PD_NIL))
				return 0;
			continue;
		}
		if (old != PD_NIL)
			goc__fatal("netpoll: two waiters on one descriptor");
		if (cas(gpp, &old, PD_WAIT))
			break;
	}
	int err = pd_error(pd, mode, deadlines);
	if (!err) {
		struct commit c = {gpp, goc__waiter_self()};
		add_fetch(&goc__netpoll_waiters, 1);
		if (c.g->is_thread && !load_relaxed(&goc__sched.tsleeper))
			goc__wakep(); /* someone must poll for us */
		goc__park_self(c.g, commit_wait, &c, WAIT_IO);
		add_fetch(&goc__netpoll_waiters, -1);
	}
	old = xchg(gpp, PD_NIL);
	if (old > PD_ALIAS)
		goc__fatal("netpoll: corrupted wait slot");
	return err ? err : pd_error(pd, mode, deadlines);
}

void goc__pd_ready_key(uint64_t key, bool r, bool w, bool hup, struct g **list, int *n)
{
	struct pd *pd = pd_by_index((uint32_t)(key >> 32));
	if (!pd || load_acquire(&pd->gen) != (uint32_t)key)
		return; /* the record was reused since */
	if (hup)
		store_release(&pd->hup, 1);
	struct g *gs[2] = {r ? pd_unblock(pd, GOC_READ, true) : NULL,
	                   w ? pd_unblock(pd, GOC_WRITE, true) : NULL};
	for (int i = 0; i < 2; i++) {
		struct g *g = gs[i];
		if (!g)
			continue;
		if (g->is_thread) {
			goc__ready(g, false);
			continue;
		}
		g->node.link = &(*list)->node;
		*list = g;
		++*n;
	}
}

/* ---- registration ------------------------------------------------------- */

/* 0, or -1 with errno err, set through os.h: we may have parked. */
static int result_of(int err)
{
	if (!err)
		return 0;
	goc__os_set_errno(err);
	return -1;
}

/* Register pd's descriptor unless it is (again, if `again`: a record left
 * by a descriptor closed with close() is taken for a new one with its
 * number, whose registration went with the old file). */
static int pd_register_as(struct pd *pd, bool again)
{
	int err = 0;
	spin_lock(&pd->reg_lock);
	if (!pd->registered || again) {
		runtime_ensure(); /* the poller */
		err = goc__netpoll_add(pd->fd, pd_key(pd));
		if (err == EEXIST)
			err = 0;
		pd->registered = err == 0;
	}
	spin_unlock(&pd->reg_lock);
	return err;
}

static int pd_register(struct pd *pd) { return pd_register_as(pd, false); }

/* What kind of descriptor pd is, found out on first use. 0 or errno. */
static int pd_classify(struct pd *pd)
{
	if (load_relaxed(&pd->kind) != PD_UNKNOWN)
		return 0;
	int flags = fcntl(pd->fd, F_GETFL);
	if (flags < 0)
		return errno;
	store_relaxed(&pd->kind, flags & O_NONBLOCK ? PD_POLLED : PD_BLOCKING);
	return 0;
}

int goc__fd_own(int fd)
{
	struct pd *pd = pd_get(fd);
	if (!pd)
		return -1;
	int err = pd_register_as(pd, true);
	if (!err)
		store_relaxed(&pd->kind, PD_OWNED);
	pd_unref(pd);
	return result_of(err);
}

/* ---- calls -------------------------------------------------------------- */

/* Is there surely nothing to read (see GOC__FD_PLAIN_READ)? Under rmu. */
static bool pd_surely_empty(struct pd *pd)
{
	return pd->drained && !load_acquire(&pd->hup) &&
	       load_acquire(&pd->rg) != PD_READY;
}

static bool is_stream(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return false;
	if (S_ISFIFO(st.st_mode))
		return true;
	int type = 0;
	socklen_t len = sizeof type;
	return S_ISSOCK(st.st_mode) &&
	       getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_STREAM;
}

/* After a plain read of r bytes of n: empty now if it was short. */
static void pd_note_read(struct pd *pd, int fd, ssize_t r, size_t n)
{
	if (!pd->stream)
		pd->stream = is_stream(fd) ? 1 : 2;
	pd->drained = pd->stream == 1 && r > 0 && (size_t)r < n;
}

ssize_t goc__fd_io(int fd, int mode, goc__fd_op op, void *arg)
{
	bool plain_read = mode & GOC__FD_PLAIN_READ;
	mode &= ~GOC__FD_PLAIN_READ;
	struct pd *pd = pd_get(fd);
	if (!pd)
		return -1;
	goc_mutex *mu = mode == GOC_READ ? &pd->rmu : &pd->wmu;
	goc_mutex_lock(mu);
	ssize_t r = -1;
	int err = pd_error(pd, mode, true);
	if (!err)
		err = pd_classify(pd);
	if (err) {
		errno = err;
	} else if (load_relaxed(&pd->kind) == PD_BLOCKING) {
		goc_syscall_enter();
		r = op(fd, arg);
		goc_syscall_exit(); /* keeps errno */
	} else {
		/* We may park: errno only through goc__os_errno (os.h). */
		bool skip = plain_read && pd_surely_empty(pd);
		for (;;) {
			if (!skip) {
				r = op(fd, arg);
				if (r >= 0 || goc__os_errno() != EAGAIN)
					break;
			}
			skip = false;
			err = pd_register(pd);
			if (!err)
				err = pd_wait(pd, mode, true);
			if (err) {
				goc__os_set_errno(err);
				r = -1;
				break;
			}
		}
		if (plain_read) {
			int keep = goc__os_errno();
			pd_note_read(pd, fd, r, ((struct iovec *)arg)->iov_len);
			goc__os_set_errno(keep);
		}
	}
	err = goc__os_errno();
	goc_mutex_unlock(mu);
	pd_unref(pd);
	goc__os_set_errno(err);
	return r;
}

/* Is fd ready for events right now (level)? 1, 0, or -1 with errno. Not
 * inlined: its errno must be this thread's (os.h). */
__attribute__((noinline)) static int ready_now(int fd, int events)
{
	struct pollfd p = {.fd = fd};
	if (events & GOC_READ)
		p.events |= POLLIN | POLLRDHUP;
	if (events & GOC_WRITE)
		p.events |= POLLOUT;
	int k;
	while ((k = poll(&p, 1, 0)) < 0 && errno == EINTR) {
	}
	if (k < 0)
		return -1;
	if (k > 0 && (p.revents & POLLNVAL)) {
		errno = EBADF;
		return -1;
	}
	return k > 0;
}

struct fd_wait_timer {
	struct timer t;
	struct pd *pd;
	int mode;
	uint32_t expired; /* atomic */
};

static void fd_wait_expire(struct timer *t, int64_t now)
{
	(void)now;
	struct fd_wait_timer *w = (struct fd_wait_timer *)t;
	store_seq(&w->expired, 1);
	struct g *g = pd_unblock(w->pd, w->mode, false);
	store_release(&t->state, TIMER_IDLE);
	if (g)
		goc__ready(g, false);
}

/* The wait of goc_fd_wait on a record whose locks we hold. */
static int fd_wait_locked(struct pd *pd, int events, int64_t timeout)
{
	int mode = events & GOC_READ ? GOC_READ : GOC_WRITE;
	int err = pd_register(pd);
	if (err == EPERM)
		return 0; /* a regular file: always ready */
	if (err)
		return err;
	if (events == (GOC_READ | GOC_WRITE))
		store_release(&pd->wg, PD_ALIAS);
	/* A READY left from before is stale: the level decides. Edges from
	 * now on wake us. */
	uintptr_t ready = PD_READY;
	cas(&pd->rg, &ready, PD_NIL);
	ready = PD_READY;
	cas(&pd->wg, &ready, PD_NIL);
	struct fd_wait_timer w = {
		.t = {.fn = fd_wait_expire, .heap_index = -1}, .pd = pd, .mode = mode};
	if (timeout > 0) {
		int64_t now = nanotime();
		w.t.when = timeout > INT64_MAX - now ? INT64_MAX : now + timeout;
		goc__timer_add(goc__timer_home(), &w.t);
	}
	for (;;) {
		int k = ready_now(pd->fd, events);
		if (k != 0) {
			err = k < 0 ? goc__os_errno() : 0;
			break;
		}
		if (load_seq(&w.expired)) {
			err = ETIMEDOUT;
			break;
		}
		err = pd_wait(pd, mode, false);
		if (err)
			break;
	}
	if (timeout > 0)
		goc__timer_del(&w.t);
	if (events == (GOC_READ | GOC_WRITE)) {
		uintptr_t alias = PD_ALIAS;
		cas(&pd->wg, &alias, PD_NIL);
	}
	return err;
}

GOC_API int goc_fd_wait(int fd, int events, int64_t timeout)
{
	if (!(events & (GOC_READ | GOC_WRITE)) || (events & ~(GOC_READ | GOC_WRITE))) {
		errno = EINVAL;
		return -1;
	}
	int k = ready_now(fd, events);
	if (k != 0)
		return k > 0 ? 0 : -1;
	if (timeout == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	struct pd *pd = pd_get(fd);
	if (!pd)
		return -1;
	if (events & GOC_READ)
		goc_mutex_lock(&pd->rmu);
	if (events & GOC_WRITE)
		goc_mutex_lock(&pd->wmu);
	int err = pd_error(pd, GOC_READ, false);
	if (!err)
		err = fd_wait_locked(pd, events, timeout);
	if (events & GOC_WRITE)
		goc_mutex_unlock(&pd->wmu);
	if (events & GOC_READ)
		goc_mutex_unlock(&pd->rmu);
	pd_unref(pd);
	return result_of(err);
}

/* ---- deadlines ---------------------------------------------------------- */

static void deadline_fire(struct pd *pd, struct timer *t, int mode)
{
	store_seq(mode == GOC_READ ? &pd->rd : &pd->wd, (int64_t)-1);
	struct g *g = pd_unblock(pd, mode, false);
	store_release(&t->state, TIMER_IDLE);
	if (g)
		goc__ready(g, false);
}

static void read_deadline_fire(struct timer *t, int64_t now)
{
	(void)now;
	deadline_fire(t->arg, t, GOC_READ);
}

static void write_deadline_fire(struct timer *t, int64_t now)
{
	(void)now;
	deadline_fire(t->arg, t, GOC_WRITE);
}

static void set_one_deadline(struct pd *pd, int mode, int64_t when)
{
	struct timer *t = mode == GOC_READ ? &pd->rt : &pd->wt;
	int64_t *d = mode == GOC_READ ? &pd->rd : &pd->wd;
	goc__timer_del(t);
	bool passed = when != 0 && when <= nanotime();
	store_seq(d, passed ? (int64_t)-1 : when);
	if (when != 0 && !passed) {
		t->when = when;
		goc__timer_add(goc__timer_home(), t);
	}
	if (passed) {
		struct g *g = pd_unblock(pd, mode, false);
		if (g)
			goc__ready(g, false);
	}
}

static int set_deadline(int fd, int modes, int64_t when)
{
	struct pd *pd = pd_get(fd);
	if (!pd)
		return -1;
	int err = pd_error(pd, GOC_READ, false);
	if (!err)
		err = pd_classify(pd);
	if (!err && load_relaxed(&pd->kind) == PD_BLOCKING)
		err = ENOTSUP;
	if (!err && load_relaxed(&pd->kind) == PD_POLLED) {
		/* A foreign non-blocking descriptor given a deadline is owned
		 * from now on: the deadline must outlive this call. */
		err = pd_register(pd);
		if (!err)
			store_relaxed(&pd->kind, PD_OWNED);
	}
	if (!err) {
		spin_lock(&pd->reg_lock);
		if (modes & GOC_READ)
			set_one_deadline(pd, GOC_READ, when);
		if (modes & GOC_WRITE)
			set_one_deadline(pd, GOC_WRITE, when);
		spin_unlock(&pd->reg_lock);
	}
	pd_unref(pd);
	return result_of(err);
}

GOC_API int goc_set_deadline(int fd, int64_t when)
{
	return set_deadline(fd, GOC_READ | GOC_WRITE, when);
}

GOC_API int goc_set_read_deadline(int fd, int64_t when)
{
	return set_deadline(fd, GOC_READ, when);
}

GOC_API int goc_set_write_deadline(int fd, int64_t when)
{
	return set_deadline(fd, GOC_WRITE, when);
}

/* ---- close -------------------------------------------------------------- */

GOC_API int goc_close(int fd)
{
	bool closing;
	struct pd *pd = pd_find(fd, &closing);
	if (!pd) {
		if (closing) {
			errno = EBADF;
			return -1;
		}
		return close(fd);
	}
	uint64_t ref = load_acquire(&pd->ref);
	do {
		if (ref & REF_CLOSING) {
			pd_unref(pd);
			goc__os_set_errno(EBADF);
			return -1;
		}
	} while (!cas(&pd->ref, &ref, ref | REF_CLOSING));
	struct g *r = pd_unblock(pd, GOC_READ, false);
	struct g *w = pd_unblock(pd, GOC_WRITE, false);
	if (r)
		goc__ready(r, false);
	if (w)
		goc__ready(w, false);
	/* A call blocked in a blocking-mode descriptor cannot be woken: its
	 * return closes it. Polled calls return soon: wait for them. */
	bool wait = load_relaxed(&pd->kind) != PD_BLOCKING;
	store_release(&pd->closer_waits, wait);
	ref = add_fetch(&pd->ref, (uint64_t)-1);
	if ((ref & REF_COUNT) != 0) {
		if (!wait)
			return 0;
		goc__semacquire(&pd->closer, WAIT_IO, false);
	}
	store_release(&pd->ref, REF_CLOSING | REF_DEAD);
	pd_retire(pd, true);
	return 0;
}
