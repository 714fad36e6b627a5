/*
 * mem_gc.c — mem.h on the Boehm-Demers-Weiser collector, for goc-gc (in
 * place of mem.c). Every runtime allocation is uncollectable: freed
 * explicitly or never, as in plain goc. Scanned memory is
 * GC_MALLOC_UNCOLLECTABLE, so the collector traces what it points to
 * (a channel's buffer, goc_go's and goc_after_func's arguments in spawn
 * records and timers) at no cost beyond the scan: these are roots without
 * a GC_add_roots call each. Noscan memory is the atomic kind, never
 * looked into. mem.h lists each site and why it is which.
 *
 * No runtime allocation starts a collection: each is made with
 * collections disabled (GC_disable, a counter). A collection scans every
 * goroutine stack, and the runtime allocates in proportion to goroutines
 * (a spawn record slab per 64 spawns): a program that spawns a million
 * goroutines and never calls goc_gc_alloc would otherwise collect again
 * and again while it spawns, each time over more stacks. Collections come
 * from the program's own allocations, as in Go, where the runtime's
 * memory is not on the garbage-collected heap.
 *
 * The collector must start on the main thread, before any other thread
 * runs (Boehm takes the thread that initialises it for the primordial
 * one and that thread's stack for its stack): a constructor does it,
 * here because this file is linked into every program that links
 * goc-gc.
 */
#define GC_THREADS
#include "mem.h"

#include <gc/gc.h>
#include <stdbool.h>
#include <string.h>

void goc__gc_init(void) GOC_HIDDEN; /* gc.c */

__attribute__((constructor)) static void mem_gc_start(void) { goc__gc_init(); }

static void *uncollectable(size_t size, bool scanned)
{
	GC_disable();
	void *p = scanned ? GC_MALLOC_UNCOLLECTABLE(size ? size : 1)
	                  : GC_MALLOC_ATOMIC_UNCOLLECTABLE(size ? size : 1);
	GC_enable();
	return p;
}

void *goc__mem_alloc(size_t size) { return uncollectable(size, true); }

/* Boehm has no aligned uncollectable kind: over-allocate and align in
 * the block (the collector keeps and scans all of it; goc__mem_free finds
 * the block's start with GC_base). */
void *goc__mem_alloc_aligned(size_t align, size_t size)
{
	size_t rounded = (size + align - 1) & ~(align - 1);
	if (rounded < size || rounded + align < rounded)
		return NULL;
	char *p = uncollectable(rounded + align, true);
	if (!p)
		return NULL;
	return (void *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

void *goc__mem_alloc_noscan(size_t size) { return uncollectable(size, false); }

void *goc__mem_realloc(void *p, size_t size)
{
	if (!p)
		return goc__mem_alloc(size);
	GC_disable();
	void *q = GC_REALLOC(p, size ? size : 1); /* keeps p's kind */
	GC_enable();
	return q;
}

void goc__mem_free(void *p)
{
	if (p)
		GC_FREE(GC_base(p));
}
