/*
 * unwind.h — the frames of a stack and the names of its code, for
 * tracebacks (traceback.c). Two implementations:
 *
 *   unwind_dw.c  elfutils' libdw, where the library was configured with
 *                it (CMakeLists.txt defines GOC_UNWIND_DW): unwinds
 *                through the CFI (.eh_frame, .debug_frame) of every
 *                object, so frames of code built without frame pointers
 *                are found too, and gives function names from the symbol
 *                tables and file:line from DWARF line tables
 *                (docs/design.md says why libdw). It allocates with
 *                malloc, so a traceback uses it only in a process of its
 *                own (print_apart.c);
 *   unwind_fp.c  always built: follows the frame-pointer chain, names
 *                functions from their objects' symbol tables
 *                (elf_symbols.c) and places them as object+offset. It
 *                allocates nothing: the answer where libdw cannot be
 *                used.
 *
 * Memory is read only inside the ranges the caller names (the stack being
 * walked, the signal stack), so a corrupt or changing stack gives a short
 * traceback, never a fault. Nothing here takes a stdio lock.
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
typedef int unwind_fn(const struct ctx_regs *r, const struct mem_range *ranges,
                      int nranges, uintptr_t *pcs, int max);

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
typedef void code_info_fn(uintptr_t pc, bool is_return, struct code_info *ci);

/* elf_symbols.c: the function of map's object holding the address off
 * (from the object's load bias), from its file's symbol table; NULL if
 * unknown, else *start is the function's entry (from the bias). It
 * allocates nothing. */
struct link_map;
const char *goc__elf_function(const struct link_map *map, uintptr_t off,
                              uintptr_t *start) GOC_HIDDEN;

/* elf_symbols.c: the contents of the section called name in the file of
 * map's object; NULL if it has none (or only a compressed one). */
const unsigned char *goc__elf_section(const struct link_map *map, const char *name,
                                      size_t *size) GOC_HIDDEN;
/* dwarf_lines.c: the source file and line of the code at off (from the
 * load bias) of map's object, from its DWARF line table. It allocates
 * nothing; the file name lives until exit. */
bool goc__dwarf_line(const struct link_map *map, uintptr_t off, const char **file,
                     int *line) GOC_HIDDEN;

unwind_fn goc__unwind_fp GOC_HIDDEN;
code_info_fn goc__code_info_fp GOC_HIDDEN;
#ifdef GOC_UNWIND_DW
unwind_fn goc__unwind_dw GOC_HIDDEN;
code_info_fn goc__code_info_dw GOC_HIDDEN;
#endif

#endif
