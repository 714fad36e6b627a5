/*
 * unwind_fp.c — unwind.h without libdw: the frame-pointer chain, and the
 * symbol tables of the objects.
 *
 * Every frame built with a frame pointer holds, at the frame pointer, the
 * caller's frame pointer and then the return address (x86-64 and
 * AArch64 alike). goc is built with frame pointers, so a goroutine's
 * stack can be walked through goc's frames and every frame of code built
 * the same way; a frame without one ends the walk early or skips a
 * caller. Names come from each object's symbol table (elf_symbols.c),
 * else from dladdr (exported symbols only), and file:line from its DWARF
 * line table (dwarf_lines.c); without one, tracebacks show
 * object+offset, which addr2line turns into file:line.
 */
#include "unwind.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

static bool readable(const struct mem_range *ranges, int n, uintptr_t addr, size_t size)
{
	for (int i = 0; i < n; i++)
		if (addr >= ranges[i].lo && addr + size <= ranges[i].hi)
			return true;
	return false;
}

#ifdef CTX_DWARF_LR
/* The entry of the function holding the address at, from its object's
 * symbol table; false if unknown. */
static bool function_entry(uintptr_t at, uintptr_t *entry)
{
	Dl_info info;
	struct link_map *map = NULL;
	uintptr_t start;
	if (!dladdr1((void *)at, &info, (void **)&map, RTLD_DL_LINKMAP) || !map ||
	    !goc__elf_function(map, at - (uintptr_t)map->l_addr, &start))
		return false;
	*entry = (uintptr_t)map->l_addr + start;
	return true;
}
#endif

/* On AArch64 a leaf function saves no frame record: stopped in one (a
 * fault), the frame pointer is still its caller's, whose record holds the
 * caller's own return address, and the caller is found only in the link
 * register. Is that what r shows? Then the link register returns into
 * another function than pc's, and not where the record says (a function
 * that saved its record and has called since holds in it a return into
 * itself). Returns that caller's return address, or 0. */
static uintptr_t caller_in_link_register(const struct ctx_regs *r,
                                         const struct mem_range *ranges, int nranges,
                                         uintptr_t fp)
{
#ifdef CTX_DWARF_LR
	uintptr_t lr = (uintptr_t)r->reg[CTX_DWARF_LR];
	if (!(r->valid & (UINT64_C(1) << CTX_DWARF_LR)) || lr == 0)
		return 0;
	if (fp % 8 == 0 && readable(ranges, nranges, fp, 16) &&
	    ((const uintptr_t *)fp)[1] == lr)
		return 0;
	uintptr_t here, caller;
	bool other = function_entry((uintptr_t)r->pc, &here) &&
	             function_entry(lr - 1, &caller) && here != caller;
	return other ? lr : 0;
#else
	(void)r, (void)ranges, (void)nranges, (void)fp;
	return 0; /* x86-64: the return address is on the stack */
#endif
}

int goc__unwind_fp(const struct ctx_regs *r, const struct mem_range *ranges,
                   int nranges, uintptr_t *pcs, int max)
{
	if (max <= 0)
		return 0;
	int n = 0;
	pcs[n++] = (uintptr_t)r->pc;
	uintptr_t fp = (uintptr_t)r->reg[CTX_DWARF_FP];
	uintptr_t lr = caller_in_link_register(r, ranges, nranges, fp);
	if (lr && n < max)
		pcs[n++] = lr;
	while (n < max && fp % 8 == 0 && readable(ranges, nranges, fp, 16)) {
		const uintptr_t *rec = (const uintptr_t *)fp;
		if (rec[1] == 0)
			break;
		pcs[n++] = rec[1];
		if (rec[0] <= fp) /* frames get older upwards */
			break;
		fp = rec[0];
	}
	return n;
}

void goc__code_info_fp(uintptr_t pc, bool is_return, struct code_info *ci)
{
	memset(ci, 0, sizeof *ci);
	uintptr_t at = is_return && pc > 0 ? pc - 1 : pc;
	Dl_info info;
	struct link_map *map = NULL;
	if (!dladdr1((void *)at, &info, (void **)&map, RTLD_DL_LINKMAP))
		return;
	ci->object = info.dli_fname;
	uintptr_t start;
	if (map) {
		ci->obj_off = pc - (uintptr_t)map->l_addr;
		if (!goc__dwarf_line(map, at - (uintptr_t)map->l_addr, &ci->file,
		                     &ci->line))
			ci->file = NULL;
		ci->func = goc__elf_function(map, at - (uintptr_t)map->l_addr, &start);
		if (ci->func) {
			ci->func_off = pc - (uintptr_t)map->l_addr - start;
			return;
		}
	}
	if (info.dli_sname) {
		ci->func = info.dli_sname;
		ci->func_off = pc - (uintptr_t)info.dli_saddr;
	}
}
