/*
 * sanitizer.h — telling AddressSanitizer, ThreadSanitizer and Valgrind
 * about our stacks, which they cannot see on their own.
 *
 * Every context switch is bracketed: switch_begin just before
 * goc__ctx_switch names the stack being entered; switch_end, first thing in
 * the resumed context, completes it. A context that will never resume (a
 * goroutine that exits) passes dying = true so ASan drops its fake stack.
 * In plain builds all of it compiles to nothing.
 */
#ifndef GOC_SANITIZER_H
#define GOC_SANITIZER_H

#include "runtime.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define GOC_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define GOC_TSAN 1
#include <sanitizer/tsan_interface.h>
#endif
#if defined(GOC_HAVE_VALGRIND)
#include <valgrind/valgrind.h>
#endif

static inline void san_stack_bounds(struct m *m, struct g *g, const void **lo,
                                    size_t *size)
{
	if (g) {
		*lo = g->stack_lo;
		*size = (size_t)((char *)g - g->stack_lo);
	} else {
		*lo = m->g0_stack_lo;
		*size = m->g0_stack_size;
	}
}

/* Before switching from `from` (NULL: g0) to `to` (NULL: g0) on m. */
static inline void san_switch_begin(struct m *m, struct g *from, struct g *to,
                                    bool dying)
{
	(void)m, (void)from, (void)to, (void)dying;
#ifdef GOC_ASAN
	const void *lo;
	size_t size;
	san_stack_bounds(m, to, &lo, &size);
	void **save = from ? &from->asan_fake_stack : &m->asan_fake_stack;
	__sanitizer_start_switch_fiber(dying ? NULL : save, lo, size);
#endif
#ifdef GOC_TSAN
	__tsan_switch_to_fiber(to ? to->tsan_fiber : m->tsan_fiber, 0);
#endif
}

/* First thing in the resumed context `now` (NULL: g0) on m. */
static inline void san_switch_end(struct m *m, struct g *now)
{
	(void)m, (void)now;
#ifdef GOC_ASAN
	__sanitizer_finish_switch_fiber(now ? now->asan_fake_stack : m->asan_fake_stack,
	                                NULL, NULL);
#endif
}

/* A goroutine is born on a (possibly reused) stack / has died. */
static inline void san_g_create(struct g *g)
{
	(void)g;
	g->asan_fake_stack = NULL;
#ifdef GOC_TSAN
	g->tsan_fiber = __tsan_create_fiber(0);
#endif
}

static inline void san_g_destroy(struct g *g)
{
	(void)g;
#ifdef GOC_TSAN
	__tsan_destroy_fiber(g->tsan_fiber);
	g->tsan_fiber = NULL;
#endif
#ifdef GOC_ASAN
	/* The next goroutine on this stack starts with clean shadow. */
	__asan_unpoison_memory_region(g->stack_lo, (size_t)((char *)g - g->stack_lo));
#endif
}

/* An M's own thread stack, seen from that thread. */
static inline void san_m_init(struct m *m)
{
	(void)m;
#ifdef GOC_TSAN
	m->tsan_fiber = __tsan_get_current_fiber();
#endif
}

/* A fresh stack region [lo, lo+size) was mapped. */
static inline void san_stack_register(void *lo, size_t size)
{
	(void)lo, (void)size;
#if defined(GOC_HAVE_VALGRIND)
	VALGRIND_STACK_REGISTER(lo, (char *)lo + size);
#endif
}

/* ThreadSanitizer cannot see the ordering a futex gives; these annotate
 * it where data passes through one. */
static inline void san_release(void *addr)
{
	(void)addr;
#ifdef GOC_TSAN
	__tsan_release(addr);
#endif
}

static inline void san_acquire(void *addr)
{
	(void)addr;
#ifdef GOC_TSAN
	__tsan_acquire(addr);
#endif
}

#endif
