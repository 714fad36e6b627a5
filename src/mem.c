/*
 * mem.c — mem.h on the C library's allocator: scanned and noscan memory
 * are the same thing here (nothing scans), zeroing is calloc's or an
 * explicit memset. A garbage-collected build replaces this file with one
 * that maps scanned memory to GC_MALLOC_UNCOLLECTABLE and noscan memory to
 * GC_MALLOC_ATOMIC_UNCOLLECTABLE (see mem.h for why each site is which).
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

void *goc__mem_alloc(size_t size) { return calloc(1, size); }

void *goc__mem_alloc_aligned(size_t align, size_t size)
{
	size_t rounded = (size + align - 1) & ~(align - 1);
	if (rounded < size)
		return NULL;
	void *p = aligned_alloc(align, rounded);
	if (p)
		memset(p, 0, rounded);
	return p;
}

void *goc__mem_alloc_noscan(size_t size) { return malloc(size); }

void *goc__mem_realloc(void *p, size_t size) { return realloc(p, size); }

void goc__mem_free(void *p) { free(p); }
