/*
 * rwmutex.c — goc_rwmutex, Go's sync.RWMutex.
 *
 * reader_count_ counts readers holding or waiting for the lock; a writer
 * subtracts RWMUTEX_MAX_READERS from it, so readers that arrive later see
 * a negative count and wait on reader_sem_ (writers are not starved).
 * reader_wait_ counts the readers the writer still waits for: each
 * departing one decrements it and the last wakes the writer on
 * writer_sem_. Writers exclude each other with the inner mutex w_.
 */
#include "runtime.h"

#define RWMUTEX_MAX_READERS (1 << 30)

GOC_API void goc_rwmutex_rlock(goc_rwmutex *rw)
{
	if (add_fetch(&rw->reader_count_, 1) < 0)
		goc__semacquire(&rw->reader_sem_, WAIT_RWMUTEX_R, false);
}

GOC_API void goc_rwmutex_runlock(goc_rwmutex *rw)
{
	int32_t r = add_fetch(&rw->reader_count_, -1);
	if (r >= 0)
		return;
	if (r + 1 == 0 || r + 1 == -RWMUTEX_MAX_READERS) {
		add_fetch(&rw->reader_count_, 1); /* as it was, if recovered */
		goc_panic("sync: RUnlock of unlocked RWMutex");
	}
	/* A writer waits: the last reader it waits for wakes it. */
	if (add_fetch(&rw->reader_wait_, -1) == 0)
		goc__semrelease(&rw->writer_sem_, false);
}

GOC_API void goc_rwmutex_lock(goc_rwmutex *rw)
{
	goc_mutex_lock(&rw->w_);
	/* Announce the writer; r = readers active at this instant. */
	int32_t r = add_fetch(&rw->reader_count_, -RWMUTEX_MAX_READERS) +
	            RWMUTEX_MAX_READERS;
	if (r != 0 && add_fetch(&rw->reader_wait_, r) != 0)
		goc__semacquire(&rw->writer_sem_, WAIT_RWMUTEX_W, false);
}

GOC_API void goc_rwmutex_unlock(goc_rwmutex *rw)
{
	int32_t r = add_fetch(&rw->reader_count_, RWMUTEX_MAX_READERS);
	if (r >= RWMUTEX_MAX_READERS) {
		add_fetch(&rw->reader_count_, -RWMUTEX_MAX_READERS); /* as it was */
		goc_panic("sync: Unlock of unlocked RWMutex");
	}
	for (int32_t i = 0; i < r; i++) /* readers that waited for us */
		goc__semrelease(&rw->reader_sem_, false);
	goc_mutex_unlock(&rw->w_);
}
