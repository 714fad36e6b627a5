/*
 * frame.h — the records behind goc_call, goc_defer, goc_panic and
 * goc_recover, shared by defer.c (frames), panic.c (panics) and
 * sigpanic.c (faults turned into panics).
 *
 * A frame is a struct on the C stack of the goc_call that made it: the
 * link to the enclosing frame, its deferred calls (a few inline, more in
 * chunks from the heap), and a jump buffer that a recovered panic jumps
 * to. A panic is a struct on the stack of goc_panic: its message, whether
 * it was recovered, and the frame whose deferred calls it is running.
 * Each goroutine keeps the innermost frame and the newest panic in its
 * struct g (struct unwind); a thread that is not running a goroutine
 * keeps them in a thread-local of its own, with a base frame for
 * goc_defers made outside any goc_call.
 *
 * The jump saves no signal mask (no system call): __builtin_setjmp, which
 * stores three words (frame pointer, stack pointer, landing address) and
 * lets the compiler save the callee-saved registers the function uses.
 * With a clang that lacks the builtin for the target, it is libc's
 * _setjmp, which also saves no signal mask. ThreadSanitizer gets the
 * builtin too: its _setjmp interceptor, on goroutine stacks that move
 * between threads, corrupted a goroutine's registers (a test's channel
 * pointer, in test_chan_programs), and a panic's jump is rare enough that
 * the frames TSan does not see leaving cost it nothing.
 */
#ifndef GOC_FRAME_H
#define GOC_FRAME_H

#include "runtime.h"
#include "sanitizer.h"

#if defined(__clang__) && !defined(__x86_64__)
#include <setjmp.h>
typedef jmp_buf frame_jmp;
#define FRAME_SETJMP(b) _setjmp(b)
#define FRAME_LONGJMP(b) _longjmp((b), 1)
#else
typedef void *frame_jmp[5];
#define FRAME_SETJMP(b) __builtin_setjmp(b)
#define FRAME_LONGJMP(b) __builtin_longjmp((b), 1)
#endif

/* Deferred calls kept in the frame itself; more go to chunks. */
#define FRAME_INLINE_DEFERS 4
#define DEFER_CHUNK 32

/* A panic message keeps this many bytes, its terminating zero included. */
#define PANIC_MSG_MAX 1024

struct defer_rec {
	goc_func fn;
	void *arg;
};

struct defer_chunk {
	struct defer_chunk *prev; /* the chunk filled before this one */
	struct defer_rec recs[DEFER_CHUNK];
};

enum frame_kind {
	FRAME_CALL,      /* goc_call's: a panic recovered here lands in its buffer */
	FRAME_LITE,      /* a deferred call's, without a jump buffer: a panic
	             * recovered here lands in the parent's (defer.c) */
	FRAME_GOROUTINE, /* a goroutine's own, without one: a panic
	                  * recovered here ends the goroutine (panic.c) */
};

struct frame {
	struct frame *parent;
	uint32_t depth; /* parent's + 1; a thread's base frame is 0 */
	uint32_t n;     /* deferred calls waiting to run */
	uint8_t kind;   /* enum frame_kind */
	bool recovered; /* a panic was recovered here: goc_call returns 1 */
	/* Calls beyond the inline ones, newest chunk first; not set until
	 * there are some. */
	struct defer_chunk *chunks;
	struct defer_rec inl[FRAME_INLINE_DEFERS];
	frame_jmp jb; /* where a panic recovered in this frame lands */
};

struct panic {
	struct panic *link;      /* the panic this one replaced, or NULL */
	struct frame *unwinding; /* the frame whose deferred calls it runs */
	bool running;            /* in one of unwinding's deferred calls */
	bool recovered;
	int sig; /* a fault's signal (sigpanic.c), else 0 */
	int sig_code;
	uintptr_t sig_addr, sig_pc;
	char msg[PANIC_MSG_MAX];
};

/* The calling goroutine's frames and panics, or the calling thread's. */
struct unwind *goc__unwind_self(void) GOC_HIDDEN;

/* Run fn(arg) in a new frame: 0 when it returned, 1 when a panic in it was
 * recovered by one of the frame's deferred calls (goc_call). */
int goc__frame_call(struct unwind *u, goc_func fn, void *arg) GOC_HIDDEN;
/* Take f's newest deferred call (f->n > 0). */
struct defer_rec goc__frame_pop(struct frame *f) GOC_HIDDEN;
/* f ends: its deferred calls run, last added first; u->top becomes its
 * parent. */
void goc__frame_end(struct unwind *u, struct frame *f) GOC_HIDDEN;
/* Is f the thread's base frame (no goc_call to land in)? */
bool goc__frame_is_thread_base(struct frame *f) GOC_HIDDEN;

/* Unwind with p, filled in by the caller (message, signal); never
 * returns: recovered, it jumps to the frame that recovered it. */
_Noreturn void goc__panic_raise(struct unwind *u, struct panic *p) GOC_HIDDEN;

#endif
