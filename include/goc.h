/*
 * goc.h — Go's concurrency model for C: goroutines, channels, select,
 * sync primitives and timers on an M:N work-stealing scheduler.
 *
 * This is the only header a program includes. Everything declared here is
 * documented where it is declared; nothing under src/ is meant for users.
 *
 * Conventions that hold for every function below:
 *
 *  - A blocking call parks the calling goroutine, never the OS thread it
 *    runs on: the thread goes on running other goroutines. Called from an
 *    OS thread that is not running a goroutine (a plain pthread, or main()
 *    before goc_main), the same call blocks that thread until it can
 *    proceed. The runtime starts itself on first use.
 *  - Zero-initialised goc_wg, goc_mutex, goc_rwmutex, goc_once and goc_cond
 *    are ready to use (goc_mutex mu = {0};), as in Go. They may live on a
 *    goroutine's stack: once the last user's call (goc_wg_wait, unlock, …)
 *    has returned, goc never touches the object again.
 *  - exit() from any goroutine or thread ends the process (Go: os.Exit).
 *  - Misuse that Go answers with a panic is a goc panic: the first line on
 *    stderr is "panic: <Go's message> [goroutine N]", then the process
 *    exits with status 2.
 *  - Tracebacks are Go's: "goroutine 7 [chan receive, 2 minutes, "name"]:",
 *    then per frame "fn(...)" and "\tfile:line +0xoff" (or
 *    "\tobject+0xoff" without debug information), then "created by fn in
 *    goroutine M". GOC_TRACEBACK (Go's GOTRACEBACK): none, single (the
 *    default: the panicking goroutine), all, system (with goc's own
 *    frames), crash (all, then abort with a core). The deadlock error
 *    prints every goroutine; SIGQUIT prints "SIGQUIT: quit", a blank line
 *    and every goroutine, and exits with status 2 (unless the program set
 *    its own SIGQUIT disposition before goc started). With libdw, the
 *    dying process symbolises its frames in a child process of its own
 *    (no SIGCHLD), so a lock the crash left held (malloc's) cannot hang
 *    it; if that child cannot finish within 5 s, goc's own readers of
 *    the symbol and line tables, which allocate nothing, print them.
 *  - Durations are int64_t nanoseconds.
 *  - errno is per thread, and a goroutine that waited may resume on
 *    another one: goc sets errno on the thread a call returns on. glibc
 *    lets the compiler keep errno's address from before a call, so in a
 *    function that reads errno both before and after a goc call that can
 *    wait, read it after through goc_errno().
 *
 * Limits (each fails loudly, never silently):
 *  - GOC_STACK_DEFAULT is the stack of every goroutine unless goc_attr says
 *    otherwise; GOC_STACK_MIN is the smallest (smaller requests are rounded
 *    up), GOC_STACK_MAX the largest (larger ones fail with EINVAL).
 *    Running past the end of a stack prints
 *    "goroutine N: stack overflow (stack size S)" and exits with status 2.
 *  - GOC_MAXPROCS_MAX processors at most: goc_maxprocs clamps to it.
 *  - Out of memory or address space: goc_go returns -1 with errno ENOMEM.
 *
 * Symbols: everything the library exports starts with goc_ or GOC_.
 */
#ifndef GOC_H
#define GOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#define GOC_NORETURN [[noreturn]]
#else
#define GOC_NORETURN _Noreturn
#endif

#define GOC_VERSION_MAJOR 0
#define GOC_VERSION_MINOR 1
#define GOC_VERSION_PATCH 0

/* ---------------------------------------------------------------------- */
/* Conventions                                                             */
/* ---------------------------------------------------------------------- */

/* Status codes returned by channel operations; all distinct. */
enum {
	GOC_OK = 0,         /* the operation happened */
	GOC_CLOSED = 1,     /* receive: the channel is closed and drained */
	GOC_WOULDBLOCK = 2, /* try_*: the plain call would have blocked */
	GOC_TIMEOUT = 3,    /* *_timeout: the time ran out first */
};

/* Durations, in nanoseconds (Go: time.Nanosecond, …). */
#define GOC_NANOSECOND ((int64_t)1)
#define GOC_MICROSECOND ((int64_t)1000)
#define GOC_MILLISECOND ((int64_t)1000000)
#define GOC_SECOND ((int64_t)1000000000)

/* ---------------------------------------------------------------------- */
/* Program and goroutines                                                  */
/* ---------------------------------------------------------------------- */

/* The body of a goroutine. */
typedef void (*goc_func)(void *arg);

/* Attributes of a new goroutine (goc_go_attr). Zero-initialise, then set. */
typedef struct goc_attr {
	size_t stack_size; /* bytes; 0 = GOC_STACK_DEFAULT */
	const char *name;  /* shown in tracebacks (goroutine 7 [sleep, "name"]:);
	                    * not copied, must outlive the goroutine */
} goc_attr;

/* Stack sizes. Stacks are reserved address space: only the pages a
 * goroutine touches are memory. A goroutine that has not started yet
 * holds its stack already (it is taken from a per-processor cache). */
#define GOC_STACK_DEFAULT ((size_t)256 * 1024)
#define GOC_STACK_MIN ((size_t)16 * 1024)
#define GOC_STACK_MAX ((size_t)1024 * 1024 * 1024)

/* The main goroutine's stack: C programs put large arrays in main(), so it
 * is as large as a thread's usual stack. */
#define GOC_MAIN_STACK_SIZE ((size_t)8 * 1024 * 1024)

/* The most processors goc_maxprocs accepts; larger values are clamped. */
#define GOC_MAXPROCS_MAX 1024

/*
 * goc_main — start the runtime and run fn(argc, argv) as the main
 * goroutine (id 1, also when goroutines were started before it).
 * When fn returns, the process exits with its value (stdio flushed, as
 * exit() does), whatever other goroutines are doing — Go's rule. Never
 * returns. Call it once, from main().
 * Go: func main() { … }
 */
int goc_main(int (*fn)(int argc, char **argv), int argc, char **argv);

/* GOC_MAIN(fn) defines int main(int argc, char **argv) that runs fn as the
 * main goroutine. */
#define GOC_MAIN(fn)                                                                   \
	int main(int argc, char **argv) { return goc_main((fn), argc, argv); }

/*
 * goc_go — start fn(arg) in a new goroutine and return at once, without
 * waiting for it to run. Returns 0, or -1 with errno:
 *   EINVAL  fn is NULL;
 *   ENOMEM  no memory or address space for its stack;
 *   EAGAIN  the runtime is not started yet (this is the first goroutine
 *           of a program without goc_main) and the system refused the
 *           thread it starts with (its monitor); a later call tries again.
 * Once the runtime runs, goc_go starts no OS thread itself: the runtime
 * starts them when there is work for them, and if the system refuses one
 * then (pthread_create fails, or there is no memory for its record), the
 * process ends with "fatal error: cannot start a thread for the
 * scheduler" (or "out of memory allocating a thread") and exit status 2,
 * as Go's does: the goroutine was already promised to run.
 * When the calling goroutine has filled its processor's run queue, goc_go
 * lets the queued goroutines run before it returns (a spawning loop is
 * paced by the goroutines it starts, so queued goroutines stay bounded).
 * Callable from any thread.
 * Go: go fn(arg)
 */
int goc_go(goc_func fn, void *arg);

/*
 * goc_go_attr — goc_go with attributes (attr may be NULL: the defaults).
 * attr->stack_size below GOC_STACK_MIN is rounded up to it, and any size
 * is rounded up to whole pages; above GOC_STACK_MAX fails with EINVAL.
 */
int goc_go_attr(const goc_attr *attr, goc_func fn, void *arg);

/*
 * goc_yield — let other goroutines run; the caller stays runnable and
 * resumes later. On a thread that is not a goroutine: sched_yield().
 * Go: runtime.Gosched()
 */
void goc_yield(void);

/*
 * goc_exit — end the calling goroutine at once (Go: runtime.Goexit), after
 * running the deferred calls of all its frames, innermost first. It is
 * not a panic: goc_recover in those calls returns NULL, and a panic that
 * one of them raises and another recovers does not stop the exit, as in
 * Go since 1.14 (the frame that recovered it does not resume).
 * From the main goroutine the others go on, and when none is left the
 * process ends with "fatal error: no goroutines (main called goc_exit) -
 * deadlock!" and status 2, as in Go. On a thread that is not a goroutine
 * it ends that thread (pthread_exit).
 */
GOC_NORETURN void goc_exit(void);

/* goc_id — the running goroutine's id (ids start at 1 and are never
 * reused; the main goroutine is 1); 0 on a thread that is not running a
 * goroutine. */
int64_t goc_id(void);

/*
 * goc_numgoroutine — the number of live goroutines, main included, the
 * runtime's own helpers excluded (1 at the start of goc_main). A snapshot:
 * other processors may change it while it is read.
 * Go: runtime.NumGoroutine()
 */
int64_t goc_numgoroutine(void);

/*
 * goc_maxprocs — with n > 0, set the number of processors (P) that run
 * goroutines at once and return the previous number; with n <= 0, only
 * return it. n above GOC_MAXPROCS_MAX is clamped. The change has taken
 * effect when the call returns: a processor being removed first finishes
 * the goroutine it runs up to that goroutine's next blocking call or
 * yield. Default: the number of CPUs the process may run on (its affinity
 * mask), or the environment variable GOC_MAXPROCS.
 * Go: runtime.GOMAXPROCS(n)
 */
int goc_maxprocs(int n);

/* ---------------------------------------------------------------------- */
/* Panic, defer, recover                                                   */
/* ---------------------------------------------------------------------- */

/*
 * Deferred calls belong to a frame. Each goroutine's function runs in
 * one; goc_call(fn, arg) runs fn(arg) in a new frame nested in the
 * current one. A plain thread (or main before goc_main) has a base frame
 * for goc_defers made outside any goc_call; its calls run when the thread
 * calls goc_exit or a panic unwinds it (not when the thread's start
 * function returns).
 *
 * goc_call — run fn(arg) in a new frame. Returns 0 when fn returned, 1
 * when a panic inside it was recovered by one of this frame's deferred
 * calls (in Go, the function whose deferred call recovered returns
 * normally to its caller). Cheap: no allocation, no system call.
 */
int goc_call(goc_func fn, void *arg);

/*
 * goc_defer — add fn(arg) to the current frame. When the frame ends (its
 * function returns, panics, or the goroutine calls goc_exit) its deferred
 * calls run, last added first, each in a frame of its own (its own
 * goc_defers run when it returns). The first few of a frame take no
 * allocation; more take one per 32.
 */
void goc_defer(goc_func fn, void *arg);

/*
 * goc_panic — panic with a printf-formatted message (kept up to 1,023
 * bytes). Go: panic(…). The deferred calls of the current frame run, then
 * those of each enclosing frame; the C frames in between are left with a
 * longjmp (only deferred calls clean up). A panic inside a deferred call
 * replaces the current one. The runtime's own panics (send on closed
 * channel, close of a closed or nil channel, negative WaitGroup counter,
 * unlock of an unlocked Mutex or RWMutex, …) and faults in goroutine code
 * (SIGSEGV, SIGBUS, SIGFPE: "runtime error: invalid memory address or nil
 * pointer dereference", "runtime error: integer divide by zero") behave
 * the same.
 *
 * Not recovered, a panic ends the program: stderr gets each panic of the
 * chain, oldest first, "panic: <message>[ [recovered]] [goroutine N]",
 * the later ones indented by a tab (a fault adds Go's "[signal …]" line),
 * then a blank line and the traceback; exit status 2, stdio flushed.
 * Fatal errors (deadlock, stack overflow, out of memory, "fatal error:
 * …") cannot be recovered.
 */
GOC_NORETURN void goc_panic(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/*
 * goc_recover — in a deferred call run by a panic, stop the panic: returns
 * its message (valid until that deferred call returns); the frame's
 * remaining deferred calls run, and that frame's goc_call returns 1.
 * Only a deferred call that the panic itself runs can recover it, and
 * only once: a second goc_recover in it, and goc_recover anywhere else
 * (outside deferred calls, in a call made by a deferred call, in a
 * deferred call run by a normal frame end) return NULL. Recovery in the
 * main goroutine's own frame ends the program as if its function had
 * returned 0; in another goroutine's own frame, the goroutine ends; in a
 * thread's base frame, the thread ends (pthread_exit).
 */
const char *goc_recover(void);

/* ---------------------------------------------------------------------- */
/* Channels                                                                */
/* ---------------------------------------------------------------------- */

typedef struct goc_chan goc_chan;

/*
 * goc_chan_make — a channel of elements of elem_size bytes (0: a
 * signal-only channel) with a buffer of cap elements (0: unbuffered, the
 * sender waits for a receiver). Returns one reference, or NULL with errno
 * ENOMEM (no memory) or EINVAL (elem_size * cap overflows).
 * Go: make(chan T, cap)
 */
goc_chan *goc_chan_make(size_t elem_size, size_t cap);

/* goc_chan_retain — take one more reference to c; returns c. NULL: NULL. */
goc_chan *goc_chan_retain(goc_chan *c);

/*
 * goc_chan_release — drop one reference; the last one frees the channel.
 * A channel stays valid while a goroutine is blocked on it, and goc never
 * touches a channel after an operation a peer has observed, so the
 * receiver of the last value may release it at once. Releasing NULL does
 * nothing; releasing a freed channel panics where it can be detected
 * ("goc_chan_release of unreferenced channel").
 */
void goc_chan_release(goc_chan *c);

/*
 * goc_chan_send — copy elem_size bytes from elem into the channel,
 * waiting (parking) until a receiver or a buffer slot takes them. Returns
 * GOC_OK. Panics "send on closed channel" if c is closed (also when it is
 * closed while the sender waits). A NULL c blocks forever.
 * Go: c <- v
 */
int goc_chan_send(goc_chan *c, const void *elem);

/*
 * goc_chan_recv — wait for a value and copy it to elem (elem may be NULL
 * to discard it). Returns GOC_OK, or GOC_CLOSED once c is closed and
 * drained (then *elem is zero-filled). A NULL c blocks forever.
 * Go: v, ok := <-c
 */
int goc_chan_recv(goc_chan *c, void *elem);

/* goc_chan_try_send / goc_chan_try_recv — as send and recv, but never
 * block: GOC_WOULDBLOCK where they would have. Go: select with default. */
int goc_chan_try_send(goc_chan *c, const void *elem);
int goc_chan_try_recv(goc_chan *c, void *elem);

/* goc_chan_send_timeout / goc_chan_recv_timeout — as send and recv, but
 * give up after ns nanoseconds with GOC_TIMEOUT (ns <= 0: as try_*, with
 * GOC_TIMEOUT for GOC_WOULDBLOCK). Go: select with time.After. */
int goc_chan_send_timeout(goc_chan *c, const void *elem, int64_t ns);
int goc_chan_recv_timeout(goc_chan *c, void *elem, int64_t ns);

/*
 * goc_chan_close — close c: waiting receivers get GOC_CLOSED, waiting
 * senders panic "send on closed channel", buffered values can still be
 * received. Panics "close of closed channel" or "close of nil channel".
 * Go: close(c)
 */
void goc_chan_close(goc_chan *c);

/* goc_chan_len / goc_chan_cap — values buffered now / buffer size (0 for
 * NULL). Go: len(c), cap(c) */
size_t goc_chan_len(const goc_chan *c);
size_t goc_chan_cap(const goc_chan *c);

/* ---------------------------------------------------------------------- */
/* Select                                                                  */
/* ---------------------------------------------------------------------- */

enum { GOC_SEND = 1, GOC_RECV = 2 };

/* One case of a select: a send of *elem on ch, or a receive into elem
 * (NULL discards). status is set on the chosen case. */
typedef struct goc_case {
	goc_chan *ch;
	int dir;
	void *elem;
	int status;
} goc_case;

#define GOC_CASE_SEND(ch, elem) ((goc_case){(ch), GOC_SEND, (elem), 0})
#define GOC_CASE_RECV(ch, elem) ((goc_case){(ch), GOC_RECV, (elem), 0})

/*
 * goc_select — wait until one of the n cases can proceed, perform it and
 * return its index. Among ready cases one is chosen uniformly at random.
 * The chosen receive case's status is GOC_OK or GOC_CLOSED; a chosen send
 * case's is GOC_OK. Cases with a NULL ch are never chosen; with n == 0 (or
 * only NULL channels) it blocks forever. A send case on a closed channel
 * panics "send on closed channel". Up to GOC_SELECT_STACK_CASES cases use
 * no heap memory. Go: select { … }
 */
int goc_select(goc_case *cases, size_t n);

/* goc_select_try — as goc_select, but returns -1 at once when no case is
 * ready. Go: select with default. */
int goc_select_try(goc_case *cases, size_t n);

/* goc_select_timeout — as goc_select, but returns -1 after ns nanoseconds
 * (ns <= 0: as goc_select_try). */
int goc_select_timeout(goc_case *cases, size_t n, int64_t ns);

#define GOC_SELECT_STACK_CASES 16

/* ---------------------------------------------------------------------- */
/* Sync                                                                    */
/* ---------------------------------------------------------------------- */

/* The fields below are private: zero-initialise, never touch. */

/* A WaitGroup waits for a collection of goroutines to finish.
 * Go: sync.WaitGroup */
typedef struct goc_wg {
	uint64_t state_; /* counter (high 32 bits) and waiters (low 32) */
	uint32_t sema_;
} goc_wg;

/* goc_wg_add — add delta (may be negative) to the counter; when it reaches
 * zero, every goroutine blocked in goc_wg_wait is released. Panics
 * "sync: negative WaitGroup counter" if it goes below zero. Go: wg.Add */
void goc_wg_add(goc_wg *wg, int64_t delta);

/* goc_wg_done — goc_wg_add(wg, -1). Go: wg.Done */
void goc_wg_done(goc_wg *wg);

/* goc_wg_wait — wait (parking) until the counter is zero. Go: wg.Wait */
void goc_wg_wait(goc_wg *wg);

/* A mutual exclusion lock, fair under contention (Go's starvation mode: a
 * waiter that waited over 1 ms gets the lock handed to it). Not tied to a
 * goroutine: another goroutine may unlock it. Go: sync.Mutex */
typedef struct goc_mutex {
	int32_t state_;
	uint32_t sema_;
} goc_mutex;

/* goc_mutex_lock — lock m, waiting (parking) while it is held. */
void goc_mutex_lock(goc_mutex *m);
/* goc_mutex_trylock — lock m if it is free; true if it did. */
bool goc_mutex_trylock(goc_mutex *m);
/* goc_mutex_unlock — unlock m. Panics "sync: unlock of unlocked mutex". */
void goc_mutex_unlock(goc_mutex *m);

/* A reader/writer lock: any number of readers or one writer. Once a writer
 * waits, new readers wait too, so writers are not starved.
 * Go: sync.RWMutex */
typedef struct goc_rwmutex {
	goc_mutex w_;
	uint32_t writer_sem_;
	uint32_t reader_sem_;
	int32_t reader_count_;
	int32_t reader_wait_;
} goc_rwmutex;

/* goc_rwmutex_rlock — lock m for reading, waiting (parking) while a writer
 * holds it or waits for it; any number of readers may hold it at once.
 * Not recursive: a reader that read-locks again while a writer waits
 * deadlocks, as in Go. Go: rw.RLock */
void goc_rwmutex_rlock(goc_rwmutex *m);
/* goc_rwmutex_runlock — undo one goc_rwmutex_rlock; the last reader a
 * waiting writer waits for lets it in. Panics "sync: RUnlock of unlocked
 * RWMutex" if m is not read-locked. Go: rw.RUnlock */
void goc_rwmutex_runlock(goc_rwmutex *m);
/* goc_rwmutex_lock — lock m for writing, waiting (parking) until no other
 * writer holds it and every reader has left; readers that arrive while it
 * waits wait behind it. Go: rw.Lock */
void goc_rwmutex_lock(goc_rwmutex *m);
/* goc_rwmutex_unlock — unlock a write-locked m and let the readers that
 * waited for it in. Panics "sync: Unlock of unlocked RWMutex" if m is not
 * write-locked. Go: rw.Unlock */
void goc_rwmutex_unlock(goc_rwmutex *m);

/* Once runs a function exactly once. Go: sync.Once */
typedef struct goc_once {
	uint32_t done_;
	goc_mutex m_;
} goc_once;

/* goc_once_do — run fn(arg) if no call on o has run it yet; concurrent
 * callers wait until that first call has returned. */
void goc_once_do(goc_once *o, goc_func fn, void *arg);

/* A condition variable. Go: sync.Cond (the mutex is passed to wait). */
typedef struct goc_cond {
	uint32_t wait_;   /* ticket of the next waiter */
	uint32_t notify_; /* ticket of the next waiter to be notified */
	uint32_t lock_;
	void *head_;
	void *tail_;
} goc_cond;

/* goc_cond_wait — unlock m, wait (parking) for a signal or broadcast, lock
 * m again before returning. As in Go, re-check the condition in a loop. */
void goc_cond_wait(goc_cond *c, goc_mutex *m);
/* goc_cond_signal — wake the longest-waiting waiter, if any. */
void goc_cond_signal(goc_cond *c);
/* goc_cond_broadcast — wake every waiter. */
void goc_cond_broadcast(goc_cond *c);

/* ---------------------------------------------------------------------- */
/* Time                                                                    */
/* ---------------------------------------------------------------------- */

/* goc_now — monotonic clock, nanoseconds. */
int64_t goc_now(void);

/* goc_sleep — pause the calling goroutine (not its thread) for at least ns
 * nanoseconds; ns <= 0 returns at once. Go: time.Sleep */
void goc_sleep(int64_t ns);

typedef struct goc_timer goc_timer;

/* goc_timer_make — a timer that fires once, ns from now: it delivers
 * goc_now() (an int64_t) on goc_timer_chan. NULL with errno ENOMEM.
 * Go: time.NewTimer */
goc_timer *goc_timer_make(int64_t ns);

/* goc_ticker_make — a ticker that fires every period ns; a slow receiver
 * loses ticks, they are never queued. Panics if period <= 0
 * ("non-positive interval for goc_ticker_make"), as Go's does.
 * Go: time.NewTicker */
goc_timer *goc_ticker_make(int64_t period);

/* goc_timer_chan — the channel a timer delivers on (it belongs to the
 * timer: do not release it); NULL for an after_func timer. Go: t.C */
goc_chan *goc_timer_chan(goc_timer *t);

/* goc_timer_stop — stop t; true if it stopped a pending firing (a running
 * ticker: true). Once it returns, no value from before it is received.
 * A NULL t panics ("goc_timer_stop of a nil timer"), as Go's nil *Timer.
 * Go 1.23: t.Stop() */
bool goc_timer_stop(goc_timer *t);

/* goc_timer_reset — re-arm t to fire ns from now (a ticker: set its
 * period); no stale value from before it is received after it returns.
 * Panics "non-positive interval for goc_timer_reset of a ticker" if t is a
 * ticker and ns <= 0, and "goc_timer_reset of a nil timer" if t is NULL.
 * Go 1.23: t.Reset(d) */
void goc_timer_reset(goc_timer *t, int64_t ns);

/* goc_timer_free — stop t and free it (and its channel); t may be NULL.
 * Using t afterwards is undefined; where it can be detected (the freed
 * memory still holds the timer's mark), goc_timer_stop, goc_timer_reset,
 * goc_timer_chan and goc_timer_free panic with "<function> of freed
 * timer 0x…" instead. */
void goc_timer_free(goc_timer *t);

/* goc_after_func — run fn(arg) in its own goroutine ns from now. The
 * returned timer can be stopped, reset (re-armed) and must be freed.
 * Go: time.AfterFunc */
goc_timer *goc_after_func(int64_t ns, goc_func fn, void *arg);

/* ---------------------------------------------------------------------- */
/* I/O                                                                     */
/* ---------------------------------------------------------------------- */

/*
 * POSIX conventions: descriptors are plain ints, failure is -1 with errno.
 * A goroutine waiting for I/O is parked and its thread runs other
 * goroutines; readiness comes from one poller (epoll) that the scheduler
 * consults, as Go's netpoller. From a plain thread these calls block that
 * thread, with the same results and deadlines.
 *
 * Descriptors made by goc_listen, goc_accept, goc_dial and goc_pipe are
 * non-blocking and close-on-exec, registered with the poller once; close
 * them with goc_close. Any other descriptor is used as it is (goc never
 * changes its mode): one in non-blocking mode is polled, one in blocking
 * mode (a regular file, a terminal) is read and written through a
 * blocking call (goc_syscall_enter). goc keeps nothing of such a
 * descriptor once no call uses it.
 *
 * Networks and addresses are Go's: "tcp", "tcp4", "tcp6", "udp", "udp4",
 * "udp6", "unix"; "host:port", "[::1]:port", ":port", a path for "unix".
 * Port 0 or an empty port picks a free one. An unknown network or a
 * malformed address fails with EINVAL, a host that does not resolve with
 * EADDRNOTAVAIL.
 */
enum { GOC_READ = 1, GOC_WRITE = 2 };

/* goc_listen — a listening stream socket (SO_REUSEADDR, the system's
 * maximum backlog) or, for udp*, a bound datagram socket. ":port" listens
 * on every interface, IPv4 and IPv6 through one dual-stack socket where
 * the machine has IPv6. Go: net.Listen, net.ListenPacket */
int goc_listen(const char *network, const char *address);

/* goc_accept — the next connection on lfd (non-blocking, close-on-exec,
 * TCP_NODELAY); addr/addrlen as accept(2), may be NULL. Uses the read
 * deadline of lfd. Go: Listener.Accept */
int goc_accept(int lfd, struct sockaddr *addr, socklen_t *addrlen);

/* goc_dial — a connected socket; -1 with ETIMEDOUT once timeout ns
 * (<= 0: none) have passed, over resolution and every address tried in
 * order. Go: net.DialTimeout */
int goc_dial(const char *network, const char *address, int64_t timeout);

/* goc_pipe — pipe2(fds, O_NONBLOCK | O_CLOEXEC), both ends polled. */
int goc_pipe(int fds[2]);

/* goc_read — the bytes read, 0 at end of file, or -1 with errno. */
ssize_t goc_read(int fd, void *buf, size_t n);

/* goc_write — write all n bytes, waiting as often as needed; returns n, or
 * when an error or a deadline stops it the bytes written before (errno
 * set), or -1 if none. One datagram on a datagram socket. Concurrent
 * writes on one descriptor do not interleave. A write whose reader is gone
 * fails with EPIPE, never SIGPIPE. */
ssize_t goc_write(int fd, const void *buf, size_t n);

/* goc_recvfrom, goc_sendto — recvfrom(2) and sendto(2) that wait; they use
 * the read and the write deadline. */
ssize_t goc_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                     socklen_t *fromlen);
ssize_t goc_sendto(int fd, const void *buf, size_t n, int flags,
                   const struct sockaddr *to, socklen_t tolen);

/* goc_fd_wait — park until fd is ready for one of events (GOC_READ,
 * GOC_WRITE): 0, or -1 with ETIMEDOUT after timeout ns (0: look once,
 * < 0: no limit). Level-triggered: end of file, errors and hang-up count
 * as ready, and so does data that came before the call. Ignores the
 * descriptor's deadlines; works in either mode. EINVAL for no events. */
int goc_fd_wait(int fd, int events, int64_t timeout);

/* Deadlines, Go's SetDeadline: `when` is an absolute goc_now() time, 0
 * removes it. Past it, waiting and new calls fail with ETIMEDOUT; a change
 * reaches calls already waiting. Only for polled descriptors (others: -1
 * with ENOTSUP). */
int goc_set_deadline(int fd, int64_t when);
int goc_set_read_deadline(int fd, int64_t when);
int goc_set_write_deadline(int fd, int64_t when);

/* goc_errno — errno of the thread running the caller now (see the
 * conventions at the top: a call the compiler cannot fold away). */
int goc_errno(void);

/* goc_close — wake every goroutine waiting on fd (their calls fail with
 * EBADF), close it, and return once those calls have returned, so the
 * number is not reused under them. A call blocked on a blocking-mode
 * descriptor cannot be woken: that descriptor closes when the call
 * returns. */
int goc_close(int fd);

/* ---------------------------------------------------------------------- */
/* Blocking calls and threads                                              */
/* ---------------------------------------------------------------------- */

/* goc_syscall_enter, goc_syscall_exit — bracket a call that may block the
 * thread (a file read, getaddrinfo, a database client's blocking call):
 * Go's entersyscall/exitsyscall. If the thread is still inside after about
 * 20 us its processor goes to another thread, so the other goroutines
 * keep running; on exit the goroutine takes a processor back. No other
 * goc call in between. goc_syscall_exit keeps errno. Both do nothing on a
 * plain thread. */
void goc_syscall_enter(void);
void goc_syscall_exit(void);

/* goc_lock_thread, goc_unlock_thread — Go's LockOSThread/UnlockOSThread:
 * while locked (calls nest), the goroutine runs only on this thread and no
 * other goroutine runs there. A goroutine that ends locked takes its
 * thread with it. Nothing on a plain thread; an unlock without a lock is
 * harmless. */
void goc_lock_thread(void);
void goc_unlock_thread(void);

/*
 * Preemption: a goroutine that computes for about 10 ms without a goc call
 * (1 ms when a timer is due or a woken goroutine waits) gives its
 * processor to the goroutines queued behind it, and waits its turn for
 * one, on its own thread, keeping its stack and any lock it holds; then it
 * computes on. goc_maxprocs still bounds how many goroutines compute at
 * once. A goroutine whose thread sleeps in a lock (a pthread mutex held
 * by a preempted one) lets its processor go too. Preemption is a signal
 * (SIGURG, as in Go): a program's own SIGURG handler would take it away.
 * GOC_DEBUG=asyncpreemptoff=1 turns it off.
 */

/*
 * fork(): the child has only the thread that called fork. goc's other
 * threads stay behind, with the goroutines they were running, those
 * bound to them (locked, or preempted and waiting for a processor), and
 * any goc lock they held. As POSIX says of every threaded program, the child
 * should exec (or _exit) soon. Until then the forking goroutine runs on,
 * and goroutines it starts run while it waits for them; plain system
 * calls work, and in goc-gc allocation and collection. What would wait
 * for good ends the child with status 2 instead of hanging: when no
 * goroutine is left to run (it waits on one that fork left behind, or
 * sleeps), or a thread that is not a goroutine waits in goc, "fatal
 * error: no goroutine can run in a child of fork() …";
 * when a goc lock stays taken for a second, "fatal error: a goc lock is
 * held by a thread that fork() did not copy …".
 */

/* ---------------------------------------------------------------------- */
/* Garbage collection: only in the library goc-gc                          */
/* ---------------------------------------------------------------------- */

/* These two are defined only by goc-gc (pkg-config goc-gc, CMake
 * goc::goc_gc): goc plus the Boehm-Demers-Weiser collector, a tracing,
 * conservative, non-moving collector. A program that links plain goc and
 * calls them does not link. goc-gc runs every goc program unchanged.
 *
 * Roots: global data, every thread's stack and registers, every
 * goroutine's stack (running, runnable or parked), the arguments of
 * goc_go and goc_after_func, channel buffers and values in flight.
 * Memory from malloc is not scanned: a collected block referenced only
 * from there may be freed. Allocation is safe from every goroutine and
 * thread at once (each thread allocates from its own free lists; a
 * thread that is not goc's is made known to the collector on its first
 * call, until it exits), and a collection never waits for a parked
 * goroutine: the world it stops is the threads.
 *
 * The collector stops threads with signals (SIGPWR and SIGXCPU on
 * Linux): during a collection a thread's blocking call that a signal
 * interrupts even with SA_RESTART (nanosleep, poll, epoll_wait, ...) may
 * fail with EINTR, as in any program using this collector; goc's own
 * calls retry.
 *
 * GOC_GC_DIVISOR=n (environment) sets the collector's free-space divisor
 * (default 3: a collection once a third of the heap's size has been
 * allocated since the last; more collects more often in less memory);
 * GC_MARKERS=n the number of marking threads (default: one per CPU). */

/* goc_gc_alloc — n bytes, zeroed, freed once unreachable (n may be 0: a
 * unique pointer). Out of memory is Go's fatal error "fatal error: out of
 * memory" (exit status 2). Never NULL. */
void *goc_gc_alloc(size_t n);

/* goc_gc_collect — a full collection now (Go's runtime.GC). */
void goc_gc_collect(void);

#ifdef __cplusplus
}
#endif

#endif /* GOC_H */
