/*
 * traceback.c — goroutine tracebacks in Go's format:
 *
 *     goroutine 7 [chan receive, 2 minutes, "worker"]:
 *     goc_chan_recv(...)
 *             /src/goc/src/chan.c:412 +0x8c
 *     worker(...)
 *             /src/app/main.c:20 +0x1d
 *     created by main_fn in goroutine 1
 *             /src/app/main.c:31 +0x4a
 *
 * The header has Go's wait reason for a parked goroutine ("runnable" or
 * "running" otherwise), the minutes it has waited once a minute or more
 * (from the coarse clock read when it parked), and its name if it was
 * started with one. Then two lines a frame, newest first, with
 * `\tobject+0xoffset` where there is no line information, and where the
 * goroutine was started.
 *
 * Frames come from each goroutine's saved context (its registers at the
 * switch that parked it, g->sp), from the caller's own registers for the
 * goroutine running on this thread, or from a signal's context; a
 * goroutine running on another thread cannot be walked, and says so, as
 * in Go. Like Go, which hides runtime.gopark and what calls it, the
 * runtime's own frames are left out (GOC_TRACEBACK=system shows them):
 * those above the program's newest frame, but for a panic the goc_
 * function it called (goc_panic, as Go shows panic()), and those below
 * the goroutine's function (its entry in sched.c, the trampoline). A
 * frame is the runtime's if its source file is in goc's src/.
 *
 * GOC_TRACEBACK is Go's GOTRACEBACK: none, single (the default), all,
 * system (all, with the runtime's frames), crash (system, then abort with
 * a core); 0, 1 and 2 are read as none, single and all.
 *
 * Output goes through write(2) alone, with numbers formatted on the
 * stack: a traceback is printed on the way out of a dying program, whose
 * threads may hold stdio's locks. One traceback prints at a time; a
 * second thread that wants to print waits for the process to end.
 *
 * Printing runs on a stack of its own (1 MiB of address space, reserved
 * on first use): the symboliser needs tens of KiB, more than a signal
 * stack or an almost exhausted goroutine stack may have left. libdw's
 * symboliser allocates, under a lock the dying thread may hold, so it
 * runs in a copy of the process (print_apart.c); if that copy cannot
 * finish, the traceback is printed here with frame pointers and goc's
 * own readers of the symbol and line tables, which allocate nothing.
 */
#include "sanitizer.h"
#include "unwind.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FRAMES 100
#define PRINT_STACK_SIZE ((size_t)1 << 20)

enum level { LEVEL_NONE, LEVEL_SINGLE, LEVEL_ALL, LEVEL_SYSTEM, LEVEL_CRASH };

static enum level traceback_level(void)
{
	static const struct {
		const char *name;
		enum level level;
	} names[] = {
		{"none", LEVEL_NONE},     {"0", LEVEL_NONE},
		{"single", LEVEL_SINGLE}, {"1", LEVEL_SINGLE},
		{"all", LEVEL_ALL},       {"2", LEVEL_ALL},
		{"system", LEVEL_SYSTEM}, {"crash", LEVEL_CRASH},
	};
	const char *v = getenv("GOC_TRACEBACK");
	for (size_t i = 0; v && i < sizeof names / sizeof *names; i++)
		if (strcmp(v, names[i].name) == 0)
			return names[i].level;
	return LEVEL_SINGLE;
}

/* ---- one printer at a time ---- */

static void *printer;
static __thread char printer_self;
static bool show_runtime; /* the printer's: GOC_TRACEBACK=system */

/* false: this thread is printing already (it faulted while printing). */
static bool print_begin(enum level level)
{
	void *none = NULL;
	if (cas(&printer, &none, &printer_self)) {
		show_runtime = level == LEVEL_SYSTEM;
		return true;
	}
	if (none == &printer_self)
		return false;
	for (;;) /* another thread prints, then ends the process */
		goc__os_sleep(GOC_SECOND);
}

/* Run fn(arg) on the printing stack (on this one if it cannot be had). */
struct on_stack {
	void (*fn)(void *arg);
	void *arg;
	void *back; /* the caller's context */
};

static void on_print_stack(void *arg)
{
	struct on_stack *c = arg;
	c->fn(c->arg);
	void *unused;
	goc__ctx_switch(&unused, c->back);
	__builtin_unreachable();
}

static void run_on_print_stack(void (*fn)(void *arg), void *arg)
{
	static char *stack;
	if (!stack)
		stack = goc__os_map_reserve(PRINT_STACK_SIZE);
	if (!stack) {
		fn(arg);
		return;
	}
	struct on_stack c = {fn, arg, NULL};
	void *sp = goc__ctx_make(stack + PRINT_STACK_SIZE, on_print_stack, &c);
	goc__ctx_switch(&c.back, sp);
}

/* ---- output: a line at a time, through write(2) ---- */

struct line {
	char buf[512];
	size_t n;
};

static void put(struct line *l, const char *s)
{
	size_t k = strlen(s);
	if (k > sizeof l->buf - 1 - l->n)
		k = sizeof l->buf - 1 - l->n;
	memcpy(l->buf + l->n, s, k);
	l->n += k;
}

static void put_int(struct line *l, int64_t v)
{
	char b[24];
	put(l, goc__fmt_int(b, v));
}

static void put_hex(struct line *l, uint64_t v)
{
	char b[20], *p = b + sizeof b;
	*--p = 0;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	put(l, "0x");
	put(l, p);
}

static void end_line(struct line *l)
{
	l->buf[l->n++] = '\n';
	l->buf[l->n] = 0;
	goc__os_write_err(l->buf);
	l->n = 0;
}

/* ---- frames ---- */

/* The unwinder and symboliser: libdw's where the library has it, which
 * allocates, and so runs only in a copy of the process (print_apart.c);
 * the one that allocates nothing where that copy fails. */
#ifdef GOC_UNWIND_DW
static unwind_fn *unwind = goc__unwind_dw;
static code_info_fn *code_info = goc__code_info_dw;
#else
static unwind_fn *unwind = goc__unwind_fp;
static code_info_fn *code_info = goc__code_info_fp;
#endif

/* Where the goroutine's function was called from (sched.c's g_entry),
 * and below it the context's first frame (arch/). */
void goc__ctx_trampoline(void) GOC_HIDDEN;

static bool in_trampoline(uintptr_t pc)
{
	uintptr_t t = (uintptr_t)goc__ctx_trampoline;
	return pc >= t && pc < t + 32;
}

/* Is this code the runtime's own? Its source files are this file's
 * neighbours (a build with debug information knows where each frame's
 * line is); without line information, the shared library's code is, and
 * in a program linked with the static library only the exported names
 * tell. */
static bool is_runtime(const struct code_info *ci)
{
	static const char here[] = __FILE__;
	const char *slash = strrchr(here, '/');
	if (ci->file && slash)
		return strncmp(ci->file, here, (size_t)(slash - here) + 1) == 0;
#ifdef GOC_SHARED_LIBRARY
	static struct code_info self;
	if (!self.object)
		code_info((uintptr_t)goc__traceback_panic, false, &self);
	if (ci->object && self.object && strcmp(ci->object, self.object) == 0)
		return true;
#endif
	return ci->func && strncmp(ci->func, "goc_", 4) == 0;
}

static bool is_api(const char *func)
{
	return func && strncmp(func, "goc_", 4) == 0 && func[4] != '_';
}

/* A function's name without what the compiler appended to a copy it
 * specialised ("worker.constprop.0"): C names have no dots. */
static void put_func(struct line *l, const char *func)
{
	if (!func) {
		put(l, "?");
		return;
	}
	const char *dot = strchr(func, '.');
	size_t k = dot ? (size_t)(dot - func) : strlen(func);
	if (k > sizeof l->buf - 1 - l->n)
		k = sizeof l->buf - 1 - l->n;
	memcpy(l->buf + l->n, func, k);
	l->n += k;
}

/* "\tfile:line +0xoff", or "\tobject+0xoff". */
static void put_place(struct line *l, const struct code_info *ci, uintptr_t pc)
{
	put(l, "\t");
	if (ci->file) {
		put(l, ci->file);
		put(l, ":");
		put_int(l, ci->line);
		if (ci->func) {
			put(l, " +");
			put_hex(l, ci->func_off);
		}
	} else if (ci->object) {
		put(l, ci->object);
		put(l, "+");
		put_hex(l, ci->obj_off);
	} else {
		put(l, "?+");
		put_hex(l, pc);
	}
	end_line(l);
}

/* pcs[0] is exact (a signal's pc) or a return address like the rest.
 * Unless all: the runtime's frames at the top are left out, but for
 * keep_api the goc_ function the program called (goc_panic, as Go shows
 * panic), and so are the runtime's frames below the goroutine's
 * function. */
static void print_frames(const uintptr_t *pcs, int n, bool exact, bool all,
                         bool keep_api)
{
	struct line l = {.n = 0};
	struct code_info ci[MAX_FRAMES];
	int end = n;
	for (int i = 0; i < n; i++) {
		if (in_trampoline(pcs[i])) {
			end = i > 0 ? i - 1 : i; /* and sched.c's g_entry */
			break;
		}
		code_info(pcs[i], i > 0 || !exact, &ci[i]);
	}
	int start = 0;
	if (!all) {
		while (start < end && is_runtime(&ci[start]))
			start++;
		if (keep_api && start > 0 && start < end && is_api(ci[start - 1].func))
			start--;
		if (start == end) /* nothing but the runtime: show it */
			start = 0;
		else
			while (end > start && is_runtime(&ci[end - 1]))
				end--;
	}
	for (int i = start; i < end; i++) {
		put_func(&l, ci[i].func);
		put(&l, "(...)");
		end_line(&l);
		put_place(&l, &ci[i], pcs[i]);
	}
	if (n == MAX_FRAMES && end == n) {
		put(&l, "...additional frames elided...");
		end_line(&l);
	}
}

/* The frames of the stack in [stack.lo, stack.hi) from registers r. */
static void print_stack(const struct ctx_regs *r, struct mem_range stack, bool exact,
                        bool keep_api)
{
	uintptr_t pcs[MAX_FRAMES];
	int n = unwind(r, &stack, 1, pcs, MAX_FRAMES);
	print_frames(pcs, n, exact, show_runtime, keep_api);
}

static void print_header(struct g *g)
{
	struct line l = {.n = 0};
	uint32_t status = load_relaxed(&g->status);
	put(&l, "goroutine ");
	put_int(&l, g->id);
	put(&l, " [");
	if (status == G_WAITING) {
		put(&l, goc__wait_reason_name((enum wait_reason)g->wait_reason));
		int64_t since = g->wait_since, now = load_relaxed(&goc__coarse_now);
		if (since != 0 && now - since >= 60 * GOC_SECOND) {
			put(&l, ", ");
			put_int(&l, (now - since) / (60 * GOC_SECOND));
			put(&l, " minutes");
		}
	} else {
		put(&l, goc__status_name(STATUS_G, status));
	}
	if (g->name && !g->is_main) {
		put(&l, ", \"");
		put(&l, g->name);
		put(&l, "\"");
	}
	put(&l, "]:");
	end_line(&l);
}

static void print_created_by(struct g *g)
{
	if (g->is_main || !g->creator_pc)
		return;
	struct line l = {.n = 0};
	struct code_info ci;
	code_info(g->creator_pc, true, &ci);
	put(&l, "created by ");
	put_func(&l, ci.func);
	if (g->creator_id) {
		put(&l, " in goroutine ");
		put_int(&l, g->creator_id);
	}
	end_line(&l);
	put_place(&l, &ci, g->creator_pc);
}

/* How to find g's registers: its saved context, or those given. */
struct start {
	const struct ctx_regs *regs; /* NULL: g->sp */
	bool exact;                  /* regs->pc is a signal's pc */
	bool keep_api;               /* show the goc_ call it is in (a panic) */
	/* Without a goroutine: the thread whose regs these are (a panic on a
	 * plain thread), named before printing, since print_apart.c's copy
	 * is another process; 0 otherwise. */
	int thread_id;
};

static void print_goroutine(struct g *g, const struct start *st)
{
	print_header(g);
	uint32_t status = load_relaxed(&g->status);
	struct ctx_regs saved;
	const struct ctx_regs *r = st ? st->regs : NULL;
	bool exact = st && st->exact;
	/* Preempted, it waits in the signal handler: its frames start at
	 * that signal's context, not at its last switch (nor where another
	 * signal, SIGQUIT, found its thread waiting). */
	void *preempt_ctx = status == G_RUNNABLE ? load_acquire(&g->preempt_ctx) : NULL;
	if (preempt_ctx) {
		goc__ctx_regs_signal(preempt_ctx, &saved);
		r = &saved;
		exact = true;
	} else if (!r && (status == G_WAITING || status == G_RUNNABLE) && g->sp) {
		goc__ctx_regs_saved(g->sp, &saved);
		r = &saved;
	}
	if (r) {
		struct mem_range stack = {(uintptr_t)g->stack_lo, (uintptr_t)g};
		print_stack(r, stack, exact, st && st->keep_api);
	} else {
		goc__os_write_err(
			"\tgoroutine running on other thread; stack unavailable\n");
	}
	print_created_by(g);
}

/* A panic on a thread that is not a goroutine: its own frames, under a
 * header that names the thread (Go has no such threads to name). */
static void print_thread(const struct start *st)
{
	struct line l = {.n = 0};
	put(&l, "thread ");
	put_int(&l, st->thread_id);
	put(&l, " [running, not a goroutine]:");
	end_line(&l);
	/* the mapping its stack pointer is in: pthread_getattr_np would
	 * allocate */
	struct mem_range stack;
	if (!goc__os_mapping_of((uintptr_t)st->regs->reg[CTX_DWARF_SP], &stack.lo,
	                        &stack.hi)) {
		goc__os_write_err("\tstack unavailable\n");
		return;
	}
	print_stack(st->regs, stack, st->exact, st->keep_api);
}

/* ---- which goroutines ---- */

struct others {
	struct g *skip;
	bool any; /* a goroutine printed already: separate with a blank line */
};

static void print_other(struct g *g, void *arg)
{
	struct others *o = arg;
	if (g == o->skip)
		return;
	if (o->any)
		goc__os_write_err("\n");
	o->any = true;
	print_goroutine(g, NULL);
}

/* The running goroutine cur first (from st), then the rest if all. */
static void print_goroutines(struct g *cur, const struct start *st, bool all)
{
	struct others o = {cur, false};
	if (cur && cur->id != 0) {
		print_goroutine(cur, st);
		o.any = true;
	} else if (!cur && st && st->thread_id) {
		print_thread(st);
		o.any = true;
	}
	if (all)
		goc__allg_each(print_other, &o);
}

/* What to print: the goroutine cur first (from st), then the rest if
 * all. */
struct job {
	struct g *cur;
	struct start st;
	bool all;
};

static void print_job(void *arg)
{
	struct job *j = arg;
	print_goroutines(j->cur, &j->st, j->all);
}

#if defined(GOC_UNWIND_DW) && !defined(GOC_ASAN) && !defined(GOC_TSAN)
#define PRINT_APART 1
static void print_job_on_print_stack(void *arg) { run_on_print_stack(print_job, arg); }
#endif

/* Print j with libdw in a copy of the process, else in place without it.
 * Under the sanitizers, whose runtimes a bare copy of the process would
 * confuse, in place with libdw. */
static void print_job_safely(struct job *j)
{
#ifdef PRINT_APART
	if (goc__print_apart(print_job_on_print_stack, j))
		return;
	unwind = goc__unwind_fp;
	code_info = goc__code_info_fp;
#endif
	run_on_print_stack(print_job, j);
}

/* Print from the caller's own registers (a function, not inlined: its
 * frame must live while the printing stack reads the caller's). */
static __attribute__((noinline)) void print_here(bool all, bool thread)
{
	struct ctx_regs regs;
	ctx_regs_here(&regs);
	struct job j = {goc__getg(),
	                {&regs, false, true, thread ? goc__os_thread_id() : 0},
	                all};
	print_job_safely(&j);
}

void goc__dump_goroutines(void)
{
	enum level level = traceback_level();
	if (level == LEVEL_NONE || !print_begin(level))
		return;
	print_here(true, false);
	if (level == LEVEL_CRASH)
		goc__os_crash();
}

/* gdb_scripts.S: referring to it links the gdb commands in. */
extern const char goc__gdb_scripts_anchor[] GOC_HIDDEN;

void goc__traceback_panic(void)
{
	__asm__ __volatile__("" : : "r"(goc__gdb_scripts_anchor));
	enum level level = traceback_level();
	if (level == LEVEL_NONE || !print_begin(level))
		return;
	print_here(level >= LEVEL_ALL, true);
	if (level == LEVEL_CRASH)
		goc__os_crash();
}

void goc__traceback_panic_at(void *ucontext)
{
	enum level level = traceback_level();
	if (level == LEVEL_NONE || !print_begin(level))
		return;
	struct ctx_regs regs;
	goc__ctx_regs_signal(ucontext, &regs);
	struct job j = {goc__getg(), {&regs, true, false, false}, level >= LEVEL_ALL};
	print_job_safely(&j);
	if (level == LEVEL_CRASH)
		goc__os_crash();
}

/* SIGQUIT: what the handler saw, for sysmon to print. */
static uint32_t quit_taken;
static struct ctx_regs quit_regs;
static struct g *quit_g; /* the goroutine the signal interrupted */

_Noreturn void goc__traceback_quit(void)
{
	enum level level = traceback_level();
	if (!print_begin(level))
		_exit(2);
	goc__os_write_err("SIGQUIT: quit\n\n");
	if (level != LEVEL_NONE) {
		struct job j = {quit_g, {&quit_regs, true, false, false}, true};
		print_job_safely(&j);
	}
	if (level == LEVEL_CRASH)
		goc__os_crash();
	_exit(2);
}

/* The handler keeps the interrupted thread here, its goroutine's stack
 * as it was, until sysmon has printed and ended the process (or prints
 * itself if sysmon is not there). */
_Noreturn void goc__traceback_sigquit(void *ucontext)
{
	if (xchg(&quit_taken, 1) == 0) {
		goc__ctx_regs_signal(ucontext, &quit_regs);
		quit_g = goc__getg();
		if (!load_acquire(&goc__sysmon_running))
			goc__traceback_quit();
		goc__sysmon_quit();
	}
	for (;;)
		goc__os_sleep(GOC_SECOND);
}
