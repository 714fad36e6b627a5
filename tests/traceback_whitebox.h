/* traceback_whitebox.h — see traceback_whitebox.c. */
#ifndef GOC_TRACEBACK_WHITEBOX_H
#define GOC_TRACEBACK_WHITEBOX_H

#include <stdint.h>

/* Every parked goroutine has waited ns more than it has. */
void age_parked_goroutines(int64_t ns);

/* The failing goroutine's traceback from a signal handler's context. */
void traceback_from_signal(void *ucontext);

#endif
