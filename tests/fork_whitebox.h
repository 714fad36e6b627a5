/* fork_whitebox.h — see fork_whitebox.c. */
#ifndef GOC_FORK_WHITEBOX_H
#define GOC_FORK_WHITEBOX_H

/* Take one of the runtime's spin locks (a test's own) and keep it. */
void runtime_lock_take(void);
void runtime_lock_give(void);

#endif
