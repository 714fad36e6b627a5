/*
 * gdb_scripts.S — the gdb commands (gdb/goc-gdb.py) inside the library,
 * so that gdb loads them for any program that links goc statically too:
 * an inline Python script in a .debug_gdb_scripts section (gdb's manual,
 * "dotdebug_gdb_scripts section"). A mergeable string section, so the
 * copy from each object that carries it is kept once.
 *
 * An archive member is linked only when something refers to it:
 * traceback.c refers to goc__gdb_scripts_anchor.
 */
	.pushsection .debug_gdb_scripts, "MS", %progbits, 1
	.byte 4 /* an inline Python script: its name on the first line */
	.ascii "gdb.inlined-script.goc\n"
	.incbin GOC_GDB_SCRIPT
	.byte 0
	.popsection

	.section .rodata
	.globl goc__gdb_scripts_anchor
	.hidden goc__gdb_scripts_anchor
goc__gdb_scripts_anchor:
	.byte 0

	.section .note.GNU-stack, "", %progbits
