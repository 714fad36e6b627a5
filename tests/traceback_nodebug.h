/* traceback_nodebug.h — see traceback_nodebug.c. */
#ifndef GOC_TRACEBACK_NODEBUG_H
#define GOC_TRACEBACK_NODEBUG_H

/* fn(arg) + 1, from a frame without line information. */
int call_without_debug_info(int (*fn)(int), int arg);

#endif
