# goc-gdb.py — gdb commands for programs that use goc, as Go ships
# runtime-gdb.py:
#
#   info goroutines          every live goroutine: id, state, wait reason
#                            ("*" marks the one the selected thread runs)
#   goroutine ID bt          the backtrace of a parked or runnable goroutine
#   goroutine ID CMD         any command, run with that goroutine's saved
#                            registers in the selected thread's place
#
# gdb loads it by itself: the static library embeds it (a
# .debug_gdb_scripts section), the shared one is installed with it as
# share/gdb/auto-load/<libdir>/libgoc.so.<version>-gdb.py. Both need gdb's
# "auto-load safe-path" to allow the program's or the library's directory.
#
# The goroutines are read the way the runtime reads them (src/allg.c):
# the struct g of every stack slot that src/stack.c has handed out, at the
# place stack.c computes; goc__dbg_stack_layout gives its constants. A
# parked goroutine's registers are those goc__ctx_switch pushed on its
# stack (src/arch/switch_*.S); `goroutine ID bt` puts them in the
# selected thread's registers for the command's time, then puts back the
# thread's own (a live process only, not a core file).

import gdb

G_STATES = {0: "idle", 1: "runnable", 2: "running", 3: "waiting", 4: "dead",
            5: "syscall"}
LIVE = (1, 2, 3, 5)


def _static(file, name):
    return gdb.parse_and_eval("'%s'::%s" % (file, name))


def _goroutines():
    """Every live goroutine's struct g, as gdb.Values (struct g *)."""
    layout = gdb.parse_and_eval("goc__dbg_stack_layout")
    guard = int(layout["guard"])
    g_size = int(layout["g_size"])
    colours = int(layout["colours"])
    step = int(layout["colour_step"])
    stacks = _static("stack.c", "global")
    gptr = gdb.lookup_type("struct g").pointer()
    out = []
    chunk = int(stacks["chunk"])
    for i in range(int(stacks["nregions"])):
        r = stacks["regions"][i]
        base = int(r["base"])
        slot = guard + int(r["stack_size"])
        n = int(r["nslots"])
        if i == int(stacks["carving"]) and chunk:
            n = (chunk - base) // slot
        for k in range(n):
            s = base + k * slot
            colour = (s // slot) % colours
            g = gdb.Value(s + slot - g_size - colour * step).cast(gptr)
            try:
                if int(g["status"]) in LIVE and int(g["is_thread"]) == 0:
                    out.append(g)
            except gdb.MemoryError:
                pass
    out.sort(key=lambda g: int(g["id"]))
    return out


def _current_g():
    try:
        m = gdb.parse_and_eval("goc__getm()")
        return int(m["curg"]) if int(m) else 0
    except gdb.error:
        return 0


class InfoGoroutines(gdb.Command):
    """List goc's goroutines: id, state and wait reason (and name)."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        reasons = gdb.parse_and_eval("goc__wait_reason_names")
        cur = _current_g()
        for g in _goroutines():
            status = int(g["status"])
            line = "%s %d %s" % ("*" if int(g) == cur else " ", int(g["id"]),
                                 G_STATES.get(status, "?"))
            if status == 3:
                line += " [%s]" % reasons[int(g["wait_reason"])].string()
            if int(g["name"]) and not int(g["is_main"]):
                line += ' "%s"' % g["name"].string()
            gdb.write(line + "\n")


# Registers of a saved context: name -> index of the word at g->sp, and
# the stack pointer after the switch returns (sp + frame size).
def _saved_registers(sp):
    arch = gdb.selected_frame().architecture().name()
    words = gdb.lookup_type("unsigned long").pointer()
    f = gdb.Value(sp).cast(words)
    if "x86-64" in arch:
        regs = {"r15": 1, "r14": 2, "r13": 3, "r12": 4, "rbx": 5, "rbp": 6,
                "pc": 7}
        out = {k: int(f[v]) for k, v in regs.items()}
        out["sp"] = sp + 8 * 8
    elif "aarch64" in arch:
        out = {"x%d" % (19 + i): int(f[i]) for i in range(10)}
        out["x29"] = int(f[10])
        out["x30"] = int(f[11])
        out["pc"] = int(f[11])
        out["sp"] = sp + 176
    else:
        raise gdb.GdbError("goroutine: unsupported architecture " + arch)
    return out


class Goroutine(gdb.Command):
    """goroutine ID CMD: run CMD (bt, info frame, ...) in goroutine ID.

The goroutine must be parked or runnable: its saved registers replace
the selected thread's for the time of CMD."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        parts = arg.split(None, 1)
        if len(parts) < 2:
            raise gdb.GdbError("usage: goroutine ID CMD (e.g. goroutine 7 bt)")
        want = int(parts[0])
        g = next((g for g in _goroutines() if int(g["id"]) == want), None)
        if g is None:
            raise gdb.GdbError("goroutine %d: no such goroutine" % want)
        if int(g["status"]) not in (1, 3):
            raise gdb.GdbError("goroutine %d is running on a thread: "
                               "select that thread instead" % want)
        if int(g["preempt_ctx"]) != 0:
            raise gdb.GdbError("goroutine %d is preempted, waiting in the "
                               "signal handler of its thread: select that "
                               "thread (its frames are below the handler's)"
                               % want)
        saved = _saved_registers(int(g["sp"]))
        gdb.execute("frame 0", to_string=True)
        own = {k: int(gdb.parse_and_eval("$" + k)) for k in saved}
        try:
            for k, v in saved.items():
                gdb.execute("set $%s = %d" % (k, v))
            gdb.execute(parts[1], from_tty)
        finally:
            gdb.execute("frame 0", to_string=True)
            for k, v in own.items():
                gdb.execute("set $%s = %d" % (k, v))


InfoGoroutines()
Goroutine()
