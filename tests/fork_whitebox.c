/*
 * fork_whitebox.c — white-box help for test_fork, built with the
 * runtime's internal header (src/runtime.h): a spin lock of the runtime's
 * own kind that a test can leave taken on a thread fork does not copy.
 * No runtime lock is held that long on purpose; this one stands for any
 * of them caught by fork in the middle of an operation.
 */
#include "fork_whitebox.h"

#include "runtime.h"

static spinlock lock;

void runtime_lock_take(void) { spin_lock(&lock); }

void runtime_lock_give(void) { spin_unlock(&lock); }
