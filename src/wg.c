/*
 * wg.c — goc_wg, Go's sync.WaitGroup.
 *
 * state_ packs the counter (high 32 bits, signed) and the number of
 * waiters (low 32) in one word, so that Add and Wait agree on both with a
 * single atomic operation. When the counter drops to zero with waiters,
 * Add resets the word and releases the semaphore once per waiter. Nothing
 * touches the WaitGroup after the last waiter is released.
 *
 * ThreadSanitizer (LLVM 14) sometimes loses the order from an earlier
 * Done's atomic add, through the last Done's, to Wait's return, and then
 * reports the waiter's reuse of the memory as a race (about one run in 60
 * of test_chan_stress's close race). san_release/san_acquire state the
 * order outright; they compile to nothing outside TSan builds.
 */
#include "runtime.h"
#include "sanitizer.h"

GOC_API void goc_wg_add(goc_wg *wg, int64_t delta)
{
	san_release(wg);
	uint64_t state = add_fetch(&wg->state_, (uint64_t)delta << 32);
	int32_t v = (int32_t)(state >> 32);
	uint32_t w = (uint32_t)state;
	if (v < 0)
		goc_panic("sync: negative WaitGroup counter");
	if (w != 0 && delta > 0 && (int64_t)v == delta)
		goc_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
	if (v > 0 || w == 0)
		return;
	/* Counter zero, waiters present: nobody may change the state now. */
	if (load_seq(&wg->state_) != state)
		goc_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
	store_seq(&wg->state_, 0);
	for (; w != 0; w--)
		goc__semrelease(&wg->sema_, false);
}

GOC_API void goc_wg_done(goc_wg *wg) { goc_wg_add(wg, -1); }

GOC_API void goc_wg_wait(goc_wg *wg)
{
	uint64_t state = load_seq(&wg->state_);
	for (;;) {
		if ((int32_t)(state >> 32) == 0) {
			san_acquire(wg);
			return;
		}
		if (cas(&wg->state_, &state, state + 1))
			break;
	}
	goc__semacquire(&wg->sema_, WAIT_WG, false);
	san_acquire(wg);
	if (load_seq(&wg->state_) != 0)
		goc_panic(
			"sync: WaitGroup is reused before previous Wait has returned");
}
