/*
 * panic.c — goc_panic (Go's panic without recover, for now) and the
 * runtime's fatal errors.
 *
 * A panic prints "panic: <message> [goroutine N]" and exits with status
 * 2, flushing stdio as exit() does. A fatal error is the runtime's own
 * ("fatal error: all goroutines are asleep - deadlock!"): it may be raised
 * with runtime locks held, so it flushes stdio and leaves with _exit.
 */
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

GOC_API _Noreturn void goc_panic(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt ? fmt : "(null)", ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "panic: %s [goroutine %lld]\n\n", msg, (long long)goc_id());
	fflush(stderr);
	goc__traceback_panic();
	exit(2);
}

static void fatal_line(const char *msg)
{
	fflush(stdout);
	goc__os_write_err("fatal error: ");
	goc__os_write_err(msg);
	goc__os_write_err("\n");
}

_Noreturn void goc__fatal(const char *msg)
{
	fatal_line(msg);
	_exit(2);
}

_Noreturn void goc__fatal_dump(const char *msg)
{
	fatal_line(msg);
	goc__os_write_err("\n");
	goc__dump_goroutines();
	_exit(2);
}
