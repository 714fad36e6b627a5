/*
 * mem.h — every heap allocation of the runtime. src/mem.c implements it
 * with the C library's malloc; a build with a garbage collector (Boehm's,
 * say) replaces mem.c alone.
 *
 * What a collector needs to know. No runtime allocation is ever
 * collected: each is freed explicitly (goc__mem_free) or lives as long as
 * the process, so a collector build allocates all of them uncollectable
 * (GC_MALLOC_UNCOLLECTABLE). What differs is whether the collector must
 * look inside for pointers to the program's objects: "scanned" memory
 * may hold the only reference to one (a value in a channel buffer, the
 * argument of a goroutine not started yet); "noscan" memory holds no
 * pointer a collector needs (GC_MALLOC_ATOMIC_UNCOLLECTABLE), and is not
 * cleared, as a collector's atomic memory is not.
 *
 * Where the runtime allocates, and why each is or is not scanned:
 *
 *   chan.c goc_chan_make — a channel, header and buffer; freed by its
 *       last release. Scanned: the buffer holds the values sent, often
 *       pointers, and the waiter queues point at the program's buffers.
 *   sched.c spawn_alloc — slabs of 64 spawn records, recycled through
 *       the caches, never freed. Scanned: a record holds goc_go's fn, arg
 *       and name until the goroutine first runs, and arg may be the only
 *       reference to what it works on. (A recycled record keeps its last
 *       arg until reused, so under a collector it keeps that object
 *       alive a while; clearing it is for the collector's own change.)
 *   timer.c timer_new — a goc_timer; freed by goc_timer_free. Scanned:
 *       goc_after_func's arg, the timer's channel.
 *   time.c heap_push — a P's timer heap; grows, never freed. Scanned: it
 *       indexes everything a timer will wake (goc_timer objects, goroutines in
 *       goc_sleep). Those are runtime memory today, but the heap is where
 *       a collector would look first if one became collectable. A timer
 *       is named with bit 0 set: an interior pointer, which Boehm's
 *       collector recognises unless GC_all_interior_pointers is off.
 *   select.c goc__select_impl — the scratch of a select with more than
 *       GOC_SELECT_STACK_CASES cases; freed when it returns. Scanned: its
 *       waiters, queued on channels, point at the program's buffers.
 *   proc.c p_new — a P, cache-line aligned; never freed. Scanned: it
 *       holds runtime pointers only today (run queue, caches, timer heap),
 *       but it is small, and a field added later must not hide one.
 *   proc.c m_alloc — an M; never freed. Scanned, as a P: it holds the
 *       running goroutine and the argument of a switch in progress.
 *   cache.c pool_reserve_locked — the global arrays of free stacks and
 *       free spawn records; grow, never freed. Noscan: they point only at
 *       stack slots and spawn slabs, memory never collected (and the
 *       slabs are scanned on their own account).
 *   signal.c goc__signal_thread_init — an M's alternate signal stack;
 *       never freed. Noscan: frames live there only while a fault is
 *       being reported.
 *   netaddr.c lookup_new — a host-name lookup that runs in a goroutine
 *       of its own (which goc_dial's timeout may abandon); freed by
 *       whichever of the caller and the lookup is done with it last. Noscan: it points only
 *       at the C library's memory (the lookup's answer) and at a channel,
 *       which is the runtime's.
 *
 * Not here: goroutine stacks. They are address space mapped by stack.c
 * through os.h, and a collector must scan every live goroutine's stack
 * and every M's thread stack as roots; stack.c is the one place that
 * knows all stack chunks (see its opening comment), and every runtime
 * thread starts in goc__os_thread_start.
 *
 * Failure: every function returns NULL when memory is exhausted and the
 * caller decides (ENOMEM from a public call, goc__fatal inside the
 * scheduler). None of these calls is on a hot path — a channel or timer
 * is made, a slab serves 64 spawns, an array doubles, a select has more
 * cases than fit on its stack — so they are plain calls into mem.c, which
 * is what lets a build swap that file alone.
 */
#ifndef GOC_MEM_H
#define GOC_MEM_H

#include "platform.h"

/* size zeroed bytes, scanned. NULL: out of memory. */
void *goc__mem_alloc(size_t size) GOC_HIDDEN;

/* size zeroed bytes at a multiple of align (a power of two; size is
 * rounded up to a multiple of it), scanned. NULL: out of memory. */
void *goc__mem_alloc_aligned(size_t align, size_t size) GOC_HIDDEN;

/* size bytes, not cleared, never scanned: for memory that holds no
 * pointer to the program's objects. NULL: out of memory. */
void *goc__mem_alloc_noscan(size_t size) GOC_HIDDEN;

/* Resize p (from any goc__mem_alloc*) to size bytes, keeping its kind and
 * its contents up to the smaller size; bytes beyond are not cleared.
 * p == NULL allocates scanned memory. NULL: out of memory, p untouched. */
void *goc__mem_realloc(void *p, size_t size) GOC_HIDDEN;

/* Free p (from any goc__mem_alloc*, or NULL). */
void goc__mem_free(void *p) GOC_HIDDEN;

#endif
