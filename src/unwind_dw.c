/*
 * unwind_dw.c — unwind.h with elfutils' libdw (libdwfl).
 *
 * One Dwfl session for the process, made on first use: its modules are
 * the objects the dynamic linker has loaded (dl_iterate_phdr, not
 * /proc/self/maps, which libdwfl would read through stdio), each opened
 * by libdwfl when first looked at; objects loaded later are added when an
 * address falls in none of the known ones. The session is attached to
 * "threads" of our own making: one, whose initial registers are those of
 * the context being walked, and whose memory reads stay inside the
 * ranges given (so a stale or corrupt stack ends the walk instead of
 * faulting). libdw then unwinds through each object's CFI, and falls back
 * to the frame-pointer chain where there is none.
 *
 * What libdw allocates: the session, the modules' ELF and DWARF data
 * (read lazily, per compilation unit) and a frame per step, all through
 * malloc, whose lock the dying thread may hold (a fault inside malloc, a
 * SIGQUIT arriving during one). So traceback.c calls this only in a
 * child process (print_apart.c), where a lock held forever costs a
 * timeout, not the traceback. Nothing here touches stdio.
 *
 * Callers serialise (traceback.c prints one traceback at a time), so the
 * one request below needs no lock.
 */
#include "unwind.h"

#include <elfutils/libdwfl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Dwfl *dwfl;
static spinlock dwfl_lock; /* making the session */
static bool dwfl_attached;

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static int report_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size, (void)arg;
	const char *path = info->dlpi_name;
	char exe[4096];
	if (!path || !*path) { /* the main program */
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0)
			return 0;
		exe[n] = 0;
		path = exe;
	}
	if (path[0] != '/')
		return 0; /* linux-vdso.so.1: no file */
	dwfl_report_elf(dwfl, path, path, -1, info->dlpi_addr, false);
	return 0;
}

static void report_objects(void)
{
	dwfl_report_begin_add(dwfl);
	dl_iterate_phdr(report_object, NULL);
	dwfl_report_end(dwfl, NULL, NULL);
}

static bool session(void)
{
	if (load_acquire(&dwfl))
		return true;
	spin_lock(&dwfl_lock);
	if (!dwfl) {
		Dwfl *d = dwfl_begin(&dwfl_callbacks);
		if (d) {
			dwfl = d;
			report_objects();
			store_release(&dwfl, d);
		}
	}
	spin_unlock(&dwfl_lock);
	return dwfl != NULL;
}

static Dwfl_Module *module_of(uintptr_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	if (!mod) { /* loaded since: look again */
		report_objects();
		mod = dwfl_addrmodule(dwfl, pc);
	}
	return mod;
}

/* ---- unwinding ---- */

static struct {
	const struct ctx_regs *regs;
	const struct mem_range *ranges;
	int nranges;
	uintptr_t *pcs;
	int max, n;
} req;

static bool readable(uintptr_t addr)
{
	for (int i = 0; i < req.nranges; i++)
		if (addr >= req.ranges[i].lo && addr + 8 <= req.ranges[i].hi)
			return true;
	return false;
}

static pid_t cb_next_thread(Dwfl *d, void *arg, void **thread_argp)
{
	(void)d, (void)arg, (void)thread_argp;
	return 0; /* we name the one thread we walk (cb_get_thread) */
}

static bool cb_get_thread(Dwfl *d, pid_t tid, void *arg, void **thread_argp)
{
	(void)d, (void)tid, (void)arg;
	*thread_argp = &req;
	return true;
}

static bool cb_memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)d, (void)arg;
	if (addr % 8 != 0 || !readable((uintptr_t)addr))
		return false;
	*result = *(const Dwarf_Word *)(uintptr_t)addr;
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	(void)arg;
	const struct ctx_regs *r = req.regs;
	for (int n = 0; n < CTX_DWARF_REGS; n++) {
		if (!(r->valid & ((uint64_t)1 << n)))
			continue;
		Dwarf_Word v = r->reg[n];
		if (!dwfl_thread_state_registers(thread, n, 1, &v))
			return false;
	}
	dwfl_thread_state_register_pc(thread, r->pc);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	(void)arg;
	Dwarf_Addr pc;
	if (req.n >= req.max || !dwfl_frame_pc(frame, &pc, NULL) || pc == 0)
		return DWARF_CB_ABORT;
	req.pcs[req.n++] = (uintptr_t)pc;
	return DWARF_CB_OK;
}

int goc__unwind_dw(const struct ctx_regs *r, const struct mem_range *ranges,
                   int nranges, uintptr_t *pcs, int max)
{
	if (max <= 0)
		return 0;
	pcs[0] = (uintptr_t)r->pc;
	if (!session())
		return 1;
	if (!dwfl_attached) {
		/* The ELF of any module tells libdw the machine. */
		if (!dwfl_attach_state(dwfl, NULL, getpid(), &thread_callbacks, NULL))
			return 1;
		dwfl_attached = true;
	}
	req.regs = r;
	req.ranges = ranges;
	req.nranges = nranges;
	req.pcs = pcs;
	req.max = max;
	req.n = 0;
	dwfl_getthread_frames(dwfl, 1, on_frame, NULL);
	return req.n > 0 ? req.n : 1;
}

/* ---- names ---- */

/* The line of at when libdwfl cannot find its compilation unit: it looks
 * units up in .debug_aranges, which clang does not emit (unless
 * -gdwarf-aranges). Ask each unit whether it holds the address. */
static const char *line_by_units(Dwfl_Module *mod, Dwarf_Addr at, int *lineno)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	while (dw &&
	       dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		if (dwarf_haspc(&cudie, at - bias) <= 0)
			continue;
		Dwarf_Line *line = dwarf_getsrc_die(&cudie, at - bias);
		if (line && dwarf_lineno(line, lineno) == 0)
			return dwarf_linesrc(line, NULL, NULL);
		return NULL;
	}
	return NULL;
}

void goc__code_info_dw(uintptr_t pc, bool is_return, struct code_info *ci)
{
	memset(ci, 0, sizeof *ci);
	uintptr_t at = is_return && pc > 0 ? pc - 1 : pc;
	if (!session())
		return;
	Dwfl_Module *mod = module_of(at);
	if (!mod)
		return;
	Dwarf_Addr bias = 0;
	ci->object = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (dwfl_module_getelf(mod, &bias))
		ci->obj_off = pc - (uintptr_t)bias;
	GElf_Off off = 0;
	GElf_Sym sym;
	ci->func = dwfl_module_addrinfo(mod, at, &off, &sym, NULL, NULL, NULL);
	if (ci->func)
		ci->func_off = (uintptr_t)off + (pc - at);
	Dwfl_Line *line = dwfl_module_getsrc(mod, at);
	int lineno = 0;
	if (line)
		ci->file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	else
		ci->file = line_by_units(mod, at, &lineno);
	ci->line = lineno;
}
