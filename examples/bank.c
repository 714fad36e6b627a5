/*
 * bank — why the notes say "use a mutex or channels to avoid races".
 *
 * 1,000 goroutines each deposit 1 into a shared balance, 1,000 times. The
 * first round updates the balance with no lock: "balance = balance + 1" is
 * a read, an add and a write, and two goroutines on two processors can
 * read the same old value, so deposits are lost (the result is usually
 * below 1,000,000). The second round does the same under a goc_mutex and
 * always ends at exactly 1,000,000.
 *
 * Go original:
 *
 *	var mu sync.Mutex
 *	balance := 0
 *	for i := 0; i < 1000; i++ {
 *		wg.Add(1)
 *		go func() {
 *			defer wg.Done()
 *			for j := 0; j < 1000; j++ {
 *				mu.Lock()
 *				balance++
 *				mu.Unlock()
 *			}
 *		}()
 *	}
 *	wg.Wait()
 *
 * The unlocked round reads and writes the balance with separate atomic
 * operations: each one is well defined in C (a plain "balance++" from two
 * threads would be undefined behaviour), but nothing stops another
 * goroutine between the read and the write — the race the notes mean.
 */
#include <goc.h>
#include <stdio.h>

#define ACCOUNTS_HOLDERS 1000
#define DEPOSITS 1000

static long balance;
static goc_mutex mu; /* zero value: unlocked */
static goc_wg wg;

static void deposit_racy(void *arg)
{
	(void)arg;
	for (int j = 0; j < DEPOSITS; j++) {
		long seen = __atomic_load_n(&balance, __ATOMIC_RELAXED);
		/* Not one step: another goroutine may store in between. */
		__atomic_store_n(&balance, seen + 1, __ATOMIC_RELAXED);
		if (j % 64 == 0)
			goc_yield(); /* let others interleave, as preemption would */
	}
	goc_wg_done(&wg);
}

static void deposit_locked(void *arg)
{
	(void)arg;
	for (int j = 0; j < DEPOSITS; j++) {
		goc_mutex_lock(&mu);
		balance++;
		goc_mutex_unlock(&mu);
		if (j % 64 == 0)
			goc_yield();
	}
	goc_wg_done(&wg);
}

static long run(goc_func deposit)
{
	balance = 0;
	goc_wg_add(&wg, ACCOUNTS_HOLDERS);
	for (int i = 0; i < ACCOUNTS_HOLDERS; i++)
		goc_go(deposit, NULL);
	goc_wg_wait(&wg);
	return balance;
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	long expected = (long)ACCOUNTS_HOLDERS * DEPOSITS;
	long racy = run(deposit_racy);
	printf("without the mutex: balance %ld of %ld (%ld deposits lost)\n", racy,
	       expected, expected - racy);
	long locked = run(deposit_locked);
	printf("with the mutex:    balance %ld of %ld\n", locked, expected);
	return locked == expected ? 0 : 1;
}

GOC_MAIN(go_main)
