/* traceback_age.h — see traceback_age.c. */
#ifndef GOC_TRACEBACK_AGE_H
#define GOC_TRACEBACK_AGE_H

#include <stdint.h>

/* Every parked goroutine has waited ns more than it has. */
void age_parked_goroutines(int64_t ns);

#endif
