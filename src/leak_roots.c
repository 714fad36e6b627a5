/*
 * leak_roots.c — goroutine stacks as LeakSanitizer roots (ASan builds;
 * elsewhere this file is empty).
 *
 * LeakSanitizer looks for pointers in globals, thread stacks and
 * registers, but goroutine stacks are goc's own mappings: what only a
 * parked goroutine points to (the prime sieve's filters) would be
 * reported as leaked. So at exit, just before LeakSanitizer's own check
 * (an atexit handler registered after its one runs before it), every
 * live goroutine's stack is registered as a root region: from a little
 * below its saved stack pointer to the top for a parked goroutine, the
 * whole stack for one running on a thread (its stack pointer is not
 * known here).
 *
 * Why at exit, not as stacks are mapped or handed out: registering and
 * unregistering is a lock and a linear search in LeakSanitizer's list,
 * too slow for a million goroutines, and a whole chunk of slots would
 * make it read gigabytes of untouched address space. At exit only the
 * live goroutines count, and only the part of their stacks in use.
 */
#include "runtime.h"
#include "sanitizer.h"

#ifdef GOC_ASAN
#include <sanitizer/lsan_interface.h>
#include <stdlib.h>

/* Below a parked goroutine's saved stack pointer: the red zone, and what
 * a frame resumed meanwhile may have written. */
#define BELOW_SP ((uintptr_t)1024)

static void register_stack(struct g *g, void *arg)
{
	(void)arg;
	uintptr_t lo = (uintptr_t)g->stack_lo, hi = (uintptr_t)g;
	uint32_t status = load_relaxed(&g->status);
	uintptr_t sp = (uintptr_t)g->sp;
	bool parked = status == G_WAITING || status == G_RUNNABLE;
	if (parked && sp > lo && sp < hi && sp - lo > BELOW_SP)
		lo = sp - BELOW_SP;
	__lsan_register_root_region((void *)lo, hi - lo);
}

static void register_stacks(void) { goc__allg_each(register_stack, NULL); }

void goc__leak_roots_init(void) { atexit(register_stacks); }

#else

void goc__leak_roots_init(void) {}

#endif
