/*
 * defer.c — frames and deferred calls: goc_call, goc_defer, and the
 * deferred calls that goc_exit runs.
 *
 * goc_call puts a struct frame on its own C stack, links it as the
 * innermost frame of the goroutine (or thread), and saves a jump buffer
 * for a panic recovered in this frame to land in. goc_defer appends to
 * the innermost frame: the first few calls go into the frame itself, so
 * a call that defers a little allocates nothing; more spill into chunks
 * from the heap, freed as they empty. At the frame's end (fn returned, or
 * a recovered panic landed) its deferred calls run newest first, each in
 * a frame of its own, so that a deferred call's goc_defers run when it
 * returns and a panic in it finds the rest of this frame's calls still
 * waiting. Nothing here makes a system call: see frame.h for the jump.
 *
 * A thread that is not running a goroutine keeps its frames in a
 * thread-local; a goc_defer outside any goc_call goes to the thread's
 * base frame, whose calls run when the thread calls goc_exit or panics.
 */
#include "frame.h"

static __thread struct unwind thread_unwind __attribute__((tls_model("initial-exec")));
static __thread struct frame thread_base __attribute__((tls_model("initial-exec")));

__thread struct unwind *goc__unwind_cur __attribute__((tls_model("initial-exec")));

struct unwind *goc__unwind_self(void)
{
	struct unwind *u = goc__unwind_cur;
	return likely(u) ? u : &thread_unwind;
}

bool goc__frame_is_thread_base(struct frame *f) { return f == &thread_base; }

/* The frame a goc_defer outside any goc_call joins: the goroutine's own
 * (the space is reserved by goc__frame_run_goroutine), or the thread's
 * base frame. */
static struct frame *base_frame(struct unwind *u)
{
	struct frame *f = u->base;
	if (f) {
		f->depth = 1;
		f->n = 0;
		f->kind = FRAME_GOROUTINE;
		f->recovered = false;
	} else {
		f = &thread_base;
		f->depth = 0;
	}
	f->parent = NULL;
	u->top = f;
	return f;
}

/* The slow path of goc_defer: a thread's first, or a frame's fifth. */
__attribute__((noinline)) static void defer_slow(goc_func fn, void *arg)
{
	struct unwind *u = goc__unwind_self();
	struct frame *f = u->top;
	if (!f)
		f = base_frame(u);
	if (f->n < FRAME_INLINE_DEFERS) {
		f->inl[f->n++] = (struct defer_rec){fn, arg};
		return;
	}
	uint32_t i = f->n - FRAME_INLINE_DEFERS;
	if (i % DEFER_CHUNK == 0) {
		struct defer_chunk *c = goc__mem_alloc(sizeof *c);
		if (!c)
			goc__fatal("out of memory for a deferred call");
		c->prev = i ? f->chunks : NULL; /* chunks is set from the first */
		f->chunks = c;
	}
	f->chunks->recs[i % DEFER_CHUNK] = (struct defer_rec){fn, arg};
	f->n++;
}

GOC_API void goc_defer(goc_func fn, void *arg)
{
	struct unwind *u = goc__unwind_cur;
	struct frame *f;
	if (likely(u && (f = u->top) && f->n < FRAME_INLINE_DEFERS)) {
		f->inl[f->n++] = (struct defer_rec){fn, arg};
		return;
	}
	defer_slow(fn, arg);
}

struct defer_rec goc__frame_pop(struct frame *f)
{
	uint32_t n = --f->n;
	if (likely(n < FRAME_INLINE_DEFERS))
		return f->inl[n];
	uint32_t i = n - FRAME_INLINE_DEFERS;
	struct defer_chunk *c = f->chunks;
	struct defer_rec d = c->recs[i % DEFER_CHUNK];
	if (i % DEFER_CHUNK == 0) {
		f->chunks = c->prev;
		goc__mem_free(c);
	}
	return d;
}

void goc__frame_end(struct unwind *u, struct frame *f)
{
	while (f->n) {
		struct defer_rec d = goc__frame_pop(f);
		goc__frame_call(u, d.fn, d.arg);
	}
	u->top = f->parent;
}

/* A nil function: Go's nil function call. */
_Noreturn static void call_nil(void)
{
	goc_panic("runtime error: invalid memory address or nil pointer dereference");
}

/* The end of f, a frame of goc__frame_call (whose jump buffer is live):
 * each deferred call runs in a lite frame, which saves no jump buffer of
 * its own. A panic recovered in one lands in f's (panic.c), whose landing
 * runs this again for the calls left. */
/* Inlined, but not under the sanitizers, whose redzones (ASan) or larger
 * jump buffers (TSan) would make every goc_call's stack frame, and a
 * goroutine's first one, several times larger while fn runs. */
#if defined(GOC_ASAN) || defined(GOC_TSAN)
#define FRAME_END_INLINE __attribute__((noinline))
#else
#define FRAME_END_INLINE inline __attribute__((always_inline))
#endif

static FRAME_END_INLINE void frame_end_lite(struct unwind *u, struct frame *f)
{
	while (f->n) {
		struct defer_rec d = goc__frame_pop(f);
		struct frame c;
		c.parent = f;
		c.depth = f->depth + 1;
		c.n = 0;
		c.kind = FRAME_LITE;
		u->top = &c;
		if (unlikely(!d.fn))
			call_nil();
		d.fn(d.arg);
		if (unlikely(c.n))
			goc__frame_end(u, &c);
		u->top = f;
	}
	u->top = f->parent;
}

/* Not inlined: the jump buffer belongs to this function's stack frame,
 * which must stay the same from the save to the landing. */
__attribute__((noinline)) int goc__frame_call(struct unwind *u, goc_func fn, void *arg)
{
	struct frame f;
	f.parent = u->top;
	f.depth = f.parent ? f.parent->depth + 1 : 1;
	f.n = 0;
	f.kind = FRAME_CALL;
	f.recovered = false;
	u->top = &f;
	/* Back here from a jump when a panic was recovered in this frame or
	 * in the lite frame of one of its deferred calls (panic.c): u->top is
	 * f again, and the deferred calls left run. */
	if (!FRAME_SETJMP(f.jb)) {
		if (unlikely(!fn))
			call_nil();
		fn(arg);
	}
	frame_end_lite(u, &f);
	return f.recovered;
}

/* A goroutine's own frame is made by its first goc_defer outside any
 * goc_call (base_frame), in space sched.c's g_entry reserves; most
 * goroutines defer nothing there and never pay for it. It saves no jump
 * buffer: a panic recovered in it ends the goroutine (panic.c), as its
 * function's return would, so it has nowhere to land. */
void goc__frame_end_goroutine(struct unwind *u) { frame_end_lite(u, u->top); }

GOC_API int goc_call(goc_func fn, void *arg)
{
	return goc__frame_call(goc__unwind_self(), fn, arg);
}

/* goc_exit's deferred calls. As in Go since 1.14, exiting is not a panic
 * that a recovery can cancel: a panic raised by one of these calls and
 * recovered by another resumes the exit, not the frame that recovered it
 * (panic.c's panic_land calls goc_exit again, which goes on from the
 * calls left). */
void goc__unwind_exit(void)
{
	struct unwind *u = goc__unwind_self();
	if (!u->exiting_depth && u->top)
		u->exiting_depth = u->top->depth;
	while (u->top)
		goc__frame_end(u, u->top);
	u->panic = NULL;
	u->exiting_depth = 0;
}
