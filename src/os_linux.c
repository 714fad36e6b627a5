/*
 * os_linux.c — os.h for Linux with glibc: the only file of the runtime
 * that makes a system call or reads /proc.
 *
 * Each function is a thin wrapper: the decisions (which guard, how many
 * Ps, what a fault means) are the callers'. What this file owns:
 *
 *  - the futex: private (FUTEX_*_PRIVATE), since every futex word lives
 *    in this process; a wait takes a relative timeout.
 *  - mappings: stack regions are MAP_NORESERVE (no commit charge until a
 *    page is touched) and MADV_NOHUGEPAGE. Older headers lack
 *    MADV_GUARD_INSTALL (its number is defined here); kernels before 6.13
 *    answer EINVAL, and the probe reports it unusable.
 *  - threads: detached, with the stack size asked for.
 *  - the fault handler: the previous SIGSEGV, SIGBUS and SIGFPE
 *    dispositions, written once at start (before any M can fault) and
 *    read only by goc__os_signal_fault_restore, from the handler; and the
 *    layout of the interrupted context, which goc__os_fault_inject edits
 *    so that the faulting goroutine resumes in a panic.
 *
 * Async-signal-safe functions use write(2) and sigaction(2) only.
 */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define PAGE 4096

/* ---- time ------------------------------------------------------------ */

void goc__os_sleep(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	nanosleep(&ts, NULL);
}

void goc__os_yield(void) { sched_yield(); }

/* ---- futex ----------------------------------------------------------- */

void goc__os_futex_wait(uint32_t *addr, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tsp = &ts;
	}
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void goc__os_futex_wake(uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* ---- address space --------------------------------------------------- */

void *goc__os_map_reserve(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Never let a stack's first touch fault in a huge page. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

void goc__os_unmap(void *p, size_t size) { munmap(p, size); }

/* A write(2) from the guarded page to a pipe must fail with EFAULT. */
bool goc__os_guard_probe(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);
	if (p == MAP_FAILED)
		return false;
	bool ok = false;
	if (goc__os_guard_install(p, PAGE)) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) == 0) {
			ok = write(fds[1], p, 1) < 0 && errno == EFAULT;
			close(fds[0]);
			close(fds[1]);
		}
	}
	munmap(p, PAGE);
	return ok;
}

bool goc__os_guard_install(void *p, size_t size)
{
	return madvise(p, size, MADV_GUARD_INSTALL) == 0;
}

bool goc__os_guard_protect(void *p, size_t size)
{
	return mprotect(p, size, PROT_NONE) == 0;
}

size_t goc__os_max_map_count(void)
{
	size_t n = 65530;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	if (f) {
		unsigned long v;
		if (fscanf(f, "%lu", &v) == 1)
			n = v;
		fclose(f);
	}
	return n;
}

/* ---- threads --------------------------------------------------------- */

/* glibc carves the program's static thread-local storage out of each
 * thread's stack: a program with large _Thread_local arrays needs bigger
 * stacks than we ask for (EINVAL). Then ask again, doubling, up to 64 MiB
 * of address space (only touched pages cost memory). */
int goc__os_thread_start(void *(*fn)(void *), void *arg, size_t stack_size)
{
	int err;
	do {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, stack_size);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_t t;
		err = pthread_create(&t, &attr, fn, arg);
		pthread_attr_destroy(&attr);
		stack_size *= 2;
	} while (err == EINVAL && stack_size <= ((size_t)64 << 20));
	return err;
}

void goc__os_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

_Noreturn void goc__os_thread_exit(void) { pthread_exit(NULL); }

bool goc__os_thread_stack(void **lo, size_t *size)
{
	pthread_attr_t attr;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return false;
	pthread_attr_getstack(&attr, lo, size);
	pthread_attr_destroy(&attr);
	return true;
}

/* A hexadecimal number at *s, which moves past it. */
static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;
	for (;; (*s)++) {
		char c = **s;
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		                               : -1;
		if (d < 0)
			return v;
		v = v * 16 + (uintptr_t)d;
	}
}

/* Does the /proc/self/maps line at s ("lo-hi perms ...") hold addr? */
static bool maps_line_holds(const char *s, uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t a = parse_hex(&s);
	if (*s++ != '-')
		return false;
	uintptr_t b = parse_hex(&s);
	if (addr < a || addr >= b)
		return false;
	*lo = a;
	*hi = b;
	return true;
}

bool goc__os_mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[4096];
	size_t have = 0;
	bool found = false;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if ((found = maps_line_holds(line, addr, lo, hi)))
				break;
			line = nl + 1;
		}
		if (found)
			break;
		have -= (size_t)(line - buf); /* a line begun: keep it */
		memmove(buf, line, have);
		if (have == sizeof buf - 1)
			have = 0; /* no line is this long */
	}
	close(fd);
	return found;
}

int goc__os_ncpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (n > INT32_MAX ? INT32_MAX : (int)n) : 1;
}

int goc__os_cpu_now(void) { return sched_getcpu(); }

/* Narrowing the mask to cpu makes the kernel migrate us at once; the
 * mask read first (a program may have narrowed this thread's own) is
 * then put back. */
void goc__os_move_to_cpu(int cpu)
{
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof all, &all) != 0 || !CPU_ISSET(cpu, &all))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) == 0)
		sched_setaffinity(0, sizeof all, &all);
}

/* Field 20 of /proc/self/stat. */
int goc__os_thread_count(void)
{
	FILE *f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	char buf[1024];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	char *s = strrchr(buf, ')'); /* the command name may hold spaces */
	int field = 2, n = 0;
	for (; s && *s; s++) {
		if (*s == ' ' && ++field == 20) {
			n = atoi(s + 1);
			break;
		}
	}
	return n;
}

/* Reads /proc/self/task/<tid>/<file> into buf (NUL-terminated); no
 * stdio, as sysmon may run while another thread holds its locks. */
static bool read_task_file(int tid, const char *file, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = 0;
	return true;
}

enum os_thread_state goc__os_thread_state(int tid)
{
	char buf[256];
	if (!read_task_file(tid, "stat", buf, sizeof buf))
		return OS_THREAD_OTHER;
	char *s = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!s || s[1] != ' ')
		return OS_THREAD_OTHER;
	if (s[2] == 'R')
		return OS_THREAD_ON_CPU;
	if (s[2] != 'S' || !read_task_file(tid, "syscall", buf, sizeof buf))
		return OS_THREAD_OTHER;
	/* "202 0x… …": the call it sleeps in, by number */
	return strtol(buf, NULL, 10) == SYS_futex ? OS_THREAD_IN_FUTEX
	                                          : OS_THREAD_OTHER;
}

/* ---- signals --------------------------------------------------------- */

static void (*fault_fn)(struct os_fault *f);
static struct sigaction old_segv, old_bus, old_fpe;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	struct os_fault f = {
		.sig = sig, .code = si->si_code, .addr = si->si_addr, .ctx = ctx};
#if defined(__x86_64__)
	f.pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
	f.sp = (void *)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	f.pc = (void *)uc->uc_mcontext.pc;
	f.sp = (void *)uc->uc_mcontext.sp;
#else
	(void)uc;
#endif
	fault_fn(&f);
}

void goc__os_signal_fault_install(void (*fn)(struct os_fault *f))
{
	fault_fn = fn;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGFPE, &sa, &old_fpe);
}

void goc__os_signal_fault_restore(int sig)
{
	sigaction(sig,
	          sig == SIGSEGV  ? &old_segv
	          : sig == SIGBUS ? &old_bus
	                          : &old_fpe,
	          NULL);
}

/* As if the interrupted code had called fn(a[0], ..., a[3]) at the
 * faulting instruction: its address becomes the return address (pushed
 * on x86-64; in the frame record {x29, pc} below sp on aarch64, with x29
 * pointing at it), so unwinders walk from fn into the faulting frame. */
bool goc__os_fault_inject(struct os_fault *f, void (*fn)(void), const uintptr_t a[4])
{
	ucontext_t *uc = f->ctx;
#if defined(__x86_64__)
	greg_t *r = uc->uc_mcontext.gregs;
	r[REG_RSP] -= 8;
	*(greg_t *)r[REG_RSP] = r[REG_RIP];
	r[REG_RIP] = (greg_t)fn;
	r[REG_RDI] = (greg_t)a[0];
	r[REG_RSI] = (greg_t)a[1];
	r[REG_RDX] = (greg_t)a[2];
	r[REG_RCX] = (greg_t)a[3];
	return true;
#elif defined(__aarch64__)
	mcontext_t *mc = &uc->uc_mcontext;
	uint64_t sp = (mc->sp - 16) & ~(uint64_t)15;
	((uint64_t *)sp)[0] = mc->regs[29];
	((uint64_t *)sp)[1] = mc->pc;
	mc->regs[29] = sp;
	mc->regs[30] = mc->pc;
	mc->sp = sp;
	mc->pc = (uint64_t)fn;
	for (int i = 0; i < 4; i++)
		mc->regs[i] = a[i];
	return true;
#else
	(void)uc, (void)fn, (void)a;
	return false;
#endif
}

/* The executable segments of the object this code is in, if it is a
 * shared library (not the program itself). */
struct own_text {
	uintptr_t self, lo, hi;
};

static int find_own_text(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct own_text *t = arg;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0; /* the program: goc linked statically */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && t->self >= lo &&
		    t->self < hi) {
			t->lo = lo;
			t->hi = hi;
			return 1;
		}
	}
	return 0;
}

bool goc__os_own_text(uintptr_t *lo, uintptr_t *hi)
{
	struct own_text t = {(uintptr_t)&find_own_text, 0, 0};
	dl_iterate_phdr(find_own_text, &t);
	*lo = t.lo;
	*hi = t.hi;
	return t.hi != 0;
}

uintptr_t goc__os_context_pc(const void *ucontext)
{
	const ucontext_t *uc = ucontext;
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

static void (*quit_fn)(void *ucontext);

static void on_quit(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	quit_fn(ctx);
}

void goc__os_signal_quit_install(void (*fn)(void *ucontext))
{
	struct sigaction sa, old;
	if (sigaction(SIGQUIT, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
	    old.sa_handler != SIG_DFL)
		return;
	quit_fn = fn;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_quit;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, NULL);
}

void goc__os_signal_block_quit(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void goc__os_signal_block_all(void)
{
	sigset_t set;
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

_Noreturn void goc__os_crash(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGABRT);
	_exit(2);
}

/* Preemption: SIGURG, as Go (a signal programs rarely use, whose default
 * is to be ignored, so one that arrives late or elsewhere harms no one). */
static void (*preempt_fn)(void *ucontext);

static void on_preempt(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	int saved = errno;
	preempt_fn(ctx);
	errno = saved;
}

void goc__os_signal_preempt_install(void (*fn)(void *ucontext))
{
	preempt_fn = fn;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_preempt;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGURG, &sa, NULL);
}

int goc__os_thread_id(void) { return (int)syscall(SYS_gettid); }

void goc__os_thread_preempt(int tid)
{
	syscall(SYS_tgkill, (int)getpid(), tid, SIGURG);
}

/* The signal stack the thread had before ours (a sanitizer's), put back
 * before the thread exits: the sanitizer frees the one it finds then. */
static _Thread_local stack_t altstack_before;

bool goc__os_signal_altstack(void *stack, size_t size)
{
	stack_t ss = {.ss_sp = stack, .ss_size = size, .ss_flags = 0};
	return sigaltstack(&ss, &altstack_before) == 0;
}

void goc__os_signal_altstack_restore(void) { sigaltstack(&altstack_before, NULL); }

/* ---- output ---------------------------------------------------------- */

__attribute__((noinline)) int goc__os_errno(void) { return errno; }

__attribute__((noinline)) void goc__os_set_errno(int e) { errno = e; }

void goc__os_write_err(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(2, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}
