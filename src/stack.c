/*
 * stack.c — goroutine stacks.
 *
 * A stack is a slot of address space: a guard region at the bottom, the
 * usable stack above it, and the goroutine's struct g in the top bytes.
 * Only pages a goroutine touches become memory (MAP_NORESERVE: a million
 * reservations cost no commit charge), and a fresh page costs a fault
 * that is expensive on virtual machines, so:
 *
 *  - a freed stack keeps its pages and goes to its P's cache, most
 *    recently used first; a spawn takes the most recent one, whose pages
 *    are resident and warm. No system call on this path.
 *  - per-P caches spill to and refill from a global cache in batches
 *    (cache.h), so stacks freed on one P serve spawns on another;
 *  - fresh default stacks are carved from chunks of slots, one mmap per
 *    chunk, so the mapping count stays low. Each chunk is twice the size
 *    of the one before, up to CHUNK_SLOTS_MAX: a mapping call takes the
 *    process's mmap lock for writing, and page faults of other threads
 *    wait behind it, so a program that starts a hundred thousand
 *    goroutines must not make a thousand of them.
 *
 * Guards, best first: MADV_GUARD_INSTALL (Linux 6.13+: a fault-on-access
 * marker that adds no mapping), mprotect(PROT_NONE) while the process
 * stays within its mapping budget (each splits a mapping; the kernel
 * allows vm.max_map_count of them), and past that a canary: the guard
 * region stays ordinary memory that nothing but an overflow writes, so it
 * must read as zeros. Nothing reads it while all is well: a read of an
 * untouched page costs a resident page on some kernels (those that map no
 * shared zero page), and a canary word written at the bottom of the stack
 * took a second page from every goroutine. Instead a switch checks that
 * the stack pointer is still above the stack's bottom (sched.c), and a
 * fault anywhere scans the region of every running goroutine
 * (goc__stack_guard_dirty): an overflow that goes on into a neighbour's
 * slot may make the neighbour fault first. A slot keeps its guard for
 * life; g->canary marks the slots without one. GOC_STACK_GUARD=
 * mprotect|canary forces a weaker kind (for tests).
 *
 * A slot is reserved when a goroutine is spawned (so that running out of
 * address space is an error goc_go can return), but a fresh slot is not
 * written until the goroutine first runs (goc__stack_init_fresh): its
 * first page faults in on the P that runs it, not on the spawner. The
 * stack fields of the struct g survive reuse; the scheduler sets the
 * others per spawn.
 *
 * Stacks of other sizes (goc_attr) get one mmap each and a small global
 * cache keyed by size.
 *
 * Every mapping, guard and probe goes through os.h; this file keeps the
 * policy. It is also the one place that knows where all stacks are: the
 * chunks carved so far (today only the current one is remembered) and
 * the odd-size mappings. goc-gc's collector scans the live goroutines'
 * stacks as roots by walking them (goc__stack_each_stopped, gc.c). Stack
 * memory never comes from mem.h.
 */
#include "runtime.h"
#include "sanitizer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096
#define GUARD_SIZE ((size_t)64 * 1024) /* big frames must not jump past it */
#define CHUNK_SLOTS_MIN 64
#define CHUNK_SLOTS_MAX 4096 /* 1.25 GiB of address space */
#define ODD_CACHE_MAX 64     /* cached stacks of non-default sizes */

struct region {
	char *base;
	size_t nslots;
	size_t stack_size;
};

enum guard_kind { GUARD_MADVISE, GUARD_MPROTECT, GUARD_CANARY };
static const char *const guard_names[] = {"madvise", "mprotect", "canary"};

/* Values of *fresh from goc__stack_alloc. */
enum { SLOT_USED, SLOT_FRESH, SLOT_FRESH_CANARY };

static struct {
	spinlock lock; /* guards everything below but pool */
	enum guard_kind kind;
	bool kind_known;
	size_t mprotect_budget; /* guards mprotect may still install */
	char *chunk;            /* slots not yet handed out: [chunk, chunk_end) */
	char *chunk_end;
	size_t chunk_slots; /* slots in the next chunk */
	struct g *odd;      /* free stacks of other sizes */
	int nodd;
	struct cache_pool pool; /* free default stacks (their struct g) */

	/* Every mapping of slots, for goc__stack_each (allg.c): the chunks
	 * of default slots, and each slot of another size. */
	struct region *regions;
	size_t nregions, regions_cap;
	size_t carving; /* regions[carving] holds [chunk, chunk_end) */
} global;

static size_t slot_size(size_t stack_size) { return GUARD_SIZE + stack_size; }

size_t goc__stack_round(size_t size)
{
	if (size == 0)
		return GOC_STACK_DEFAULT;
	if (size < GOC_STACK_MIN)
		size = GOC_STACK_MIN;
	return (size + PAGE - 1) & ~(size_t)(PAGE - 1);
}

static size_t sizeof_g_rounded(void)
{
	return (sizeof(struct g) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
}

/* The struct g sits at the top of the slot, cache-line aligned, lowered
 * by the slot's colour: (slot number mod STACK_COLOURS) * COLOUR_STEP.
 * Slots are a multiple of the page size apart, so without it every
 * goroutine's hottest lines (its struct g, the frames of a parked
 * goroutine) would share one page offset and so the same few cache sets;
 * a ring of 1,000 goroutines then misses the cache on every hop. The
 * colour stays inside the top page, so a parked goroutine still touches
 * one page. */
#define STACK_COLOURS 8
#define COLOUR_STEP 256

static struct g *g_of_slot(char *slot, size_t stack_size)
{
	size_t colour = ((uintptr_t)slot / slot_size(stack_size)) % STACK_COLOURS;
	return (struct g *)(slot + slot_size(stack_size) - sizeof_g_rounded() -
	                    colour * COLOUR_STEP);
}

/* For debuggers (gdb/goc-gdb.py finds goroutines as goc__stack_each
 * does): where g_of_slot puts a slot's struct g. */
const struct {
	size_t guard, g_size, colours, colour_step;
} goc__dbg_stack_layout GOC_HIDDEN = {
	GUARD_SIZE,
	(sizeof(struct g) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1),
	STACK_COLOURS,
	COLOUR_STEP,
};

/* The top of the slot holding g: the page boundary just above it. */
static char *slot_top(struct g *g)
{
	uintptr_t top = (uintptr_t)g + sizeof_g_rounded() + PAGE - 1;
	return (char *)(top & ~(uintptr_t)(PAGE - 1));
}

static void guard_choose_locked(void)
{
	if (global.kind_known)
		return;
	const char *force = getenv("GOC_STACK_GUARD");
	/* Half the mapping budget for guards (each mprotect guard may cost two
	 * mappings); the rest stays for the program. */
	global.mprotect_budget = goc__os_max_map_count() / 4;
	if (force && strcmp(force, "mprotect") == 0)
		global.kind = GUARD_MPROTECT;
	else if (force && strcmp(force, "canary") == 0)
		global.kind = GUARD_CANARY;
	else
		global.kind = goc__os_guard_probe() ? GUARD_MADVISE : GUARD_MPROTECT;
	global.kind_known = true;
	if (getenv("GOC_DEBUG"))
		fprintf(stderr, "goc: stack guard: %s\n", guard_names[global.kind]);
}

/* Set once a slot has only a canary: the fault path's scan is needed from
 * then on (signal.c), and never before. */
static bool canaries_used;

/* Protect the guard region of a fresh slot without touching the stack
 * itself; under global.lock. Returns SLOT_FRESH, or SLOT_FRESH_CANARY when
 * only a canary can guard it. */
static uint8_t guard_install_locked(char *slot)
{
	if (global.kind == GUARD_MADVISE && goc__os_guard_install(slot, GUARD_SIZE))
		return SLOT_FRESH;
	if (global.kind != GUARD_CANARY && global.mprotect_budget > 0 &&
	    goc__os_guard_protect(slot, GUARD_SIZE)) {
		global.kind = GUARD_MPROTECT;
		global.mprotect_budget--;
		return SLOT_FRESH;
	}
	global.kind = GUARD_CANARY;
	store_relaxed(&canaries_used, true);
	return SLOT_FRESH_CANARY;
}

bool goc__stack_canaries_used(void) { return load_relaxed(&canaries_used); }

void goc__stack_init_fresh(struct g *g, size_t size, uint8_t fresh)
{
	memset(g, 0, sizeof *g);
	g->node.kind = NODE_G;
	g->stack_lo = slot_top(g) - size;
	g->stack_size = size;
	san_stack_register(g->stack_lo, size); /* once per slot, for Valgrind */
	g->canary = fresh == SLOT_FRESH_CANARY;
}

/* Record a new mapping of slots; false if out of memory. Under
 * global.lock. */
static bool region_add(char *base, size_t nslots, size_t stack_size)
{
	if (global.nregions == global.regions_cap) {
		size_t cap = global.regions_cap ? 2 * global.regions_cap : 16;
		struct region *r =
			global.regions
				? goc__mem_realloc(global.regions, cap * sizeof *r)
				: goc__mem_alloc_noscan(cap * sizeof *r);
		if (!r)
			return false;
		global.regions = r;
		global.regions_cap = cap;
	}
	global.regions[global.nregions++] = (struct region){base, nslots, stack_size};
	return true;
}

/* Forget the mapping at base (about to be unmapped); under global.lock. */
static void region_remove(char *base)
{
	for (size_t i = 0; i < global.nregions; i++) {
		if (global.regions[i].base != base)
			continue;
		global.regions[i] = global.regions[--global.nregions];
		if (global.carving == global.nregions)
			global.carving = i; /* it moved */
		return;
	}
}

/* A never-used slot of the default size; under global.lock. */
static struct g *carve_locked(uint8_t *fresh)
{
	size_t slot = slot_size(GOC_STACK_DEFAULT);
	if (global.chunk == global.chunk_end) {
		size_t n = global.chunk_slots ? global.chunk_slots : CHUNK_SLOTS_MIN;
		char *c = goc__os_map_reserve(slot * n);
		/* Short of address space (ulimit -v): smaller chunks, down to
		 * one slot, before telling goc_go ENOMEM. */
		while (!c && n > 1) {
			n /= 2;
			c = goc__os_map_reserve(slot * n);
		}
		if (c && !region_add(c, n, GOC_STACK_DEFAULT)) {
			goc__os_unmap(c, slot * n);
			c = NULL;
		}
		if (!c)
			return NULL;
		global.carving = global.nregions - 1;
		global.chunk = c;
		global.chunk_end = c + slot * n;
		global.chunk_slots = n < CHUNK_SLOTS_MAX ? 2 * n : n;
	}
	char *s = global.chunk;
	global.chunk += slot;
	*fresh = guard_install_locked(s);
	return g_of_slot(s, GOC_STACK_DEFAULT);
}

/* A free slot of a size other than the default; under global.lock. */
static struct g *odd_take_locked(size_t size)
{
	for (struct g **link = &global.odd; *link;
	     link = (struct g **)&(*link)->node.link) {
		struct g *g = *link;
		if (g->stack_size == size) {
			*link = (struct g *)g->node.link;
			global.nodd--;
			return g;
		}
	}
	return NULL;
}

static struct g *odd_alloc(size_t size, uint8_t *fresh)
{
	spin_lock(&global.lock);
	guard_choose_locked();
	struct g *g = odd_take_locked(size);
	spin_unlock(&global.lock);
	if (g)
		return g;
	char *s = goc__os_map_reserve(slot_size(size));
	if (!s)
		return NULL;
	spin_lock(&global.lock);
	if (!region_add(s, 1, size)) {
		spin_unlock(&global.lock);
		goc__os_unmap(s, slot_size(size));
		return NULL;
	}
	*fresh = guard_install_locked(s);
	spin_unlock(&global.lock);
	return g_of_slot(s, size);
}

static void odd_free(struct g *g)
{
	spin_lock(&global.lock);
	if (global.nodd < ODD_CACHE_MAX) {
		g->node.link = (struct gnode *)global.odd;
		global.odd = g;
		global.nodd++;
		spin_unlock(&global.lock);
		return;
	}
	region_remove(g->stack_lo - GUARD_SIZE);
	spin_unlock(&global.lock);
	goc__os_unmap(g->stack_lo - GUARD_SIZE, slot_size(g->stack_size));
}

struct g *goc__stack_alloc(struct p *p, size_t size, uint8_t *fresh)
{
	struct g *g;
	*fresh = SLOT_USED;
	if (unlikely(size != GOC_STACK_DEFAULT)) {
		g = odd_alloc(size, fresh);
	} else {
		g = goc__cache_get(p ? &p->stacks : NULL, &global.pool);
		if (!g) {
			spin_lock(&global.lock);
			guard_choose_locked();
			g = carve_locked(fresh);
			spin_unlock(&global.lock);
		}
	}
	if (unlikely(!g))
		errno = ENOMEM;
	return g;
}

void goc__stack_free(struct p *p, struct g *g)
{
	if (unlikely(g->stack_size != GOC_STACK_DEFAULT))
		odd_free(g);
	else
		goc__cache_put(p ? &p->stacks : NULL, &global.pool, g);
}

void goc__stack_cache_flush(struct p *p) { goc__cache_flush(&p->stacks, &global.pool); }

/* Zeros from lo for n bytes (n a multiple of 8)? The region may hold an
 * overflowing goroutine's frames, which the sanitizers would report. */
__attribute__((no_sanitize("address", "thread"))) static bool all_zero(const char *lo,
                                                                       size_t n)
{
	uint64_t any = 0;
	for (const volatile uint64_t *w = (const void *)lo; n; n -= 8)
		any |= *w++;
	return any == 0;
}

/* From a fault handler, of a goroutine running on any thread: has it
 * written its guard region (a canary slot's)? Its struct g may have been
 * overwritten by another goroutine's overflow, so its fields count only
 * if they describe the slot the struct sits in. */
__attribute__((no_sanitize("thread"))) bool goc__stack_guard_dirty(struct g *g)
{
	/* Plain reads, which no_sanitize leaves uninstrumented (atomics it
	 * would still check). */
	size_t size = *(volatile size_t *)&g->stack_size;
	char *lo = *(char *volatile *)&g->stack_lo;
	if (!*(volatile uint8_t *)&g->canary || size < GOC_STACK_MIN ||
	    size > (size_t)1 << 40 || lo != slot_top(g) - size)
		return false;
	return !all_zero(lo - GUARD_SIZE, GUARD_SIZE);
}

bool goc__stack_guard_hit(struct g *g, void *addr)
{
	char *a = addr, *lo = g->stack_lo - GUARD_SIZE;
	return a >= lo && a < g->stack_lo;
}

/* The struct g of every slot handed out so far, in or out of use. A slot
 * reserved but never run reads as zeros (G_IDLE): its page, if never
 * touched, is the kernel's zero page and costs no memory. Under
 * global.lock, a leaf: fn must take no lock of this file. */
void goc__stack_each(void (*fn)(struct g *g, void *arg), void *arg)
{
	spin_lock(&global.lock);
	for (size_t i = 0; i < global.nregions; i++) {
		struct region *r = &global.regions[i];
		size_t slot = slot_size(r->stack_size), n = r->nslots;
		if (i == global.carving && global.chunk) /* slots not all handed out */
			n = (size_t)(global.chunk - r->base) / slot;
		for (size_t k = 0; k < n; k++)
			fn(g_of_slot(r->base + k * slot, r->stack_size), arg);
	}
	spin_unlock(&global.lock);
}

/* The walk of goc__stack_each without the lock, for a collector that has
 * stopped every other thread (one of them may hold it), and with the
 * bounds of each slot's stack taken from the region: a fresh slot's
 * struct g is not written yet, but a thread stopped on its way into it
 * may already run there. */
void goc__stack_each_stopped(void (*fn)(struct g *g, char *lo, char *hi, void *arg),
                             void *arg)
{
	for (size_t i = 0; i < global.nregions; i++) {
		struct region *r = &global.regions[i];
		size_t slot = slot_size(r->stack_size), n = r->nslots;
		if (i == global.carving && global.chunk)
			n = (size_t)(global.chunk - r->base) / slot;
		for (size_t k = 0; k < n; k++) {
			char *base = r->base + k * slot;
			fn(g_of_slot(base, r->stack_size), base + GUARD_SIZE,
			   base + slot, arg);
		}
	}
}
