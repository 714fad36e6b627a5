/*
 * once.c — goc_once, Go's sync.Once: done_ is set, with release order,
 * only after fn has returned, so a caller that sees it set also sees
 * everything fn did. Callers that find it unset serialise on the mutex;
 * the first runs fn, the others wait for it and then return.
 */
#include "runtime.h"

GOC_API void goc_once_do(goc_once *o, goc_func fn, void *arg)
{
	if (likely(load_acquire(&o->done_)))
		return;
	goc_mutex_lock(&o->m_);
	if (!o->done_) {
		fn(arg);
		store_release(&o->done_, 1);
	}
	goc_mutex_unlock(&o->m_);
}
