/*
 * traceback_nodebug.c — code built without debug information, for
 * test_traceback: a frame of it has a name but no file:line, so the
 * traceback shows its object and offset.
 */
#include "traceback_nodebug.h"

__attribute__((noinline)) int call_without_debug_info(int (*fn)(int), int arg)
{
	int r = fn(arg);
	__asm__ __volatile__("" ::: "memory"); /* no tail call */
	return r + 1;
}
