/*
 * unwind.h — the frames of a stack and the names of its code, for
 * tracebacks (traceback.c). Two implementations, chosen when the library
 * is configured (CMakeLists.txt):
 *
 *   unwind_dw.c  elfutils' libdw: unwinds through the CFI (.eh_frame,
 *                .debug_frame) of every object, so frames of code built
 *                without frame pointers are found too, and gives function
 *                names from the symbol tables and file:line from DWARF
 *                line tables (docs/design.md says why libdw);
 *   unwind_fp.c  without libdw: follows the frame-pointer chain and asks
 *                the dynamic linker for names (exported symbols only) and
 *                objects: tracebacks then show object+offset.
 *
 * Memory is read only inside the ranges the caller names (the stack being
 * walked, the signal stack), so a corrupt or changing stack gives a short
 * traceback, never a fault. Nothing here takes a stdio lock; what libdw
 * allocates is discussed in unwind_dw.c.
 */
#ifndef GOC_UNWIND_H
#define GOC_UNWIND_H

#include "arch/context.h"
#include "runtime.h"

/* Readable memory for the unwinder: [lo, hi). */
struct mem_range {
	uintptr_t lo, hi;
};

#define UNWIND_RANGES_MAX 3

/* Walk the stack whose registers are r: pcs[0] = r->pc, then the return
 * address of each caller, at most max. Returns how many. */
int goc__unwind(const struct ctx_regs *r, const struct mem_range *ranges, int nranges,
                uintptr_t *pcs, int max) GOC_HIDDEN;

/* What is known of the code at an address. Strings live until exit. */
struct code_info {
	const char *func;   /* NULL: unknown */
	uintptr_t func_off; /* pc - the function's entry */
	const char *file;   /* NULL: no line information */
	int line;
	const char *object; /* the loaded file, NULL: unknown */
	uintptr_t obj_off;  /* pc - the object's load bias */
};

/* Describe pc; a return address (not the pc of a signal context) is
 * looked up one byte back, in the call it returns from. */
void goc__code_info(uintptr_t pc, bool is_return, struct code_info *ci) GOC_HIDDEN;

#endif
