/*
 * print_apart.c — a traceback printed by a copy of the process, so that
 * a lock held forever cannot keep it from being printed.
 *
 * libdw reads symbols and line tables through malloc (unwind_dw.c). The
 * dying thread may hold malloc's lock: it faulted inside malloc, or inside
 * code that malloc's lock covers, or SIGQUIT came during a malloc. So may
 * a thread that will never run again: a preempted goroutine's, waiting
 * in its handler, or the thread a SIGQUIT stopped. A symboliser running
 * in the dying process would then wait for that lock forever, and the
 * program would hang instead of reporting.
 *
 * So the symbolising runs in a child: a copy of the printing thread alone
 * with all memory as it was, made with the raw clone system call. glibc's
 * fork() would take malloc's locks itself on the way (and run the
 * program's atfork handlers), and so would hang where this must not. The
 * child prints into a memory file; once it has finished, the parent
 * copies that to stderr. A child whose output stops growing for STALL
 * (it waits on a lock that nobody in it will release), or that dies, is
 * killed, and the caller prints in place without libdw: frame pointers,
 * and goc's own readers of the symbol and line tables (unwind_fp.c),
 * which allocate nothing.
 *
 * The child gets no exit signal (a SIGCHLD the program did not cause
 * could reach its handler) and dies with its parent thread. It never
 * schedules: it prints and ends.
 */
#include "runtime.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALL (5 * GOC_SECOND) /* the symboliser's first lines take < 1 s */
#define POLL_EVERY GOC_MILLISECOND

/* A page both processes see: the child says it has printed everything. */
struct outcome {
	uint32_t printed;
};

/* A copy of this process with this thread alone (fork's child, without
 * fork's locks and handlers). */
static pid_t clone_process(void)
{
	return (pid_t)syscall(SYS_clone, 0 /* no flags, no exit signal */, NULL, NULL,
	                      NULL, NULL);
}

_Noreturn static void child(int out, struct outcome *o, pid_t parent,
                            void (*print)(void *arg), void *arg)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the parent is gone already */
		_exit(1);
	/* A fault here ends the child; the parent then prints without it. */
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP};
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		signal(fatal[i], SIG_DFL);
	if (dup2(out, 2) < 0)
		_exit(1);
	print(arg);
	store_release(&o->printed, 1);
	_exit(0);
}

/* Wait until the child has printed, died, or stalled. True: printed. */
static bool await_child(pid_t pid, int out, struct outcome *o)
{
	off_t size = 0;
	int64_t grew = nanotime();
	bool ended = false;
	while (!load_acquire(&o->printed)) {
		int status;
		pid_t w = waitpid(pid, &status, WNOHANG | __WALL);
		if (w == pid || (w < 0 && errno == ECHILD)) {
			ended = true;
			break;
		}
		struct stat st;
		if (fstat(out, &st) == 0 && st.st_size != size) {
			size = st.st_size;
			grew = nanotime();
		} else if (nanotime() - grew > STALL) {
			break;
		}
		goc__os_sleep(POLL_EVERY);
	}
	bool printed = load_acquire(&o->printed);
	if (!ended) {
		if (!printed)
			kill(pid, SIGKILL);
		int status;
		while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
		}
	}
	return printed;
}

/* Copy what the child wrote to stderr. */
static void copy_out(int out)
{
	char buf[4096];
	off_t at = 0;
	ssize_t n;
	while ((n = pread(out, buf, sizeof buf, at)) > 0) {
		at += n;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(2, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return;
			done += w;
		}
	}
}

bool goc__print_apart(void (*print)(void *arg), void *arg)
{
	int err = errno;
	int out = memfd_create("goc-traceback", MFD_CLOEXEC);
	if (out < 0)
		return false;
	struct outcome *o = mmap(NULL, sizeof *o, PROT_READ | PROT_WRITE,
	                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bool printed = false;
	if (o != MAP_FAILED) {
		pid_t parent = getpid();
		pid_t pid = clone_process();
		if (pid == 0)
			child(out, o, parent, print, arg);
		if (pid > 0 && (printed = await_child(pid, out, o)))
			copy_out(out);
		munmap(o, sizeof *o);
	}
	close(out);
	errno = err;
	return printed;
}
