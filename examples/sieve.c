/*
 * sieve — the concurrent prime sieve: a goroutine generates 2, 3, 4, ...;
 * each prime found starts a filter goroutine that drops its multiples,
 * chained after the previous filters. The first value out of the chain is
 * always the next prime. Prints the first 20 primes.
 *
 * Go original (from the Go tour of concurrency):
 *
 *	func generate(ch chan<- int) {
 *		for i := 2; ; i++ { ch <- i }
 *	}
 *
 *	func filter(in <-chan int, out chan<- int, prime int) {
 *		for {
 *			i := <-in
 *			if i%prime != 0 { out <- i }
 *		}
 *	}
 *
 *	func main() {
 *		ch := make(chan int)
 *		go generate(ch)
 *		for i := 0; i < 20; i++ {
 *			prime := <-ch
 *			fmt.Println(prime)
 *			ch1 := make(chan int)
 *			go filter(ch, ch1, prime)
 *			ch = ch1
 *		}
 *	}
 *
 * The generator and filters run forever; main's return ends them (Go's
 * rule), and the process exit reclaims their channels.
 */
#include <goc.h>
#include <stdio.h>
#include <stdlib.h>

struct filter {
	goc_chan *in, *out;
	long prime;
};

static void generate(void *arg)
{
	goc_chan *out = arg;
	for (long i = 2;; i++)
		goc_chan_send(out, &i);
}

static void filter(void *arg)
{
	struct filter *f = arg;
	for (long i;;) {
		goc_chan_recv(f->in, &i);
		if (i % f->prime != 0)
			goc_chan_send(f->out, &i);
	}
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_chan *ch = goc_chan_make(sizeof(long), 0);
	goc_go(generate, ch);
	for (int i = 0; i < 20; i++) {
		long prime;
		goc_chan_recv(ch, &prime);
		printf("%ld\n", prime);
		/* Each filter lives as long as the program; so does its record. */
		struct filter *f = malloc(sizeof *f);
		*f = (struct filter){ch, goc_chan_make(sizeof(long), 0), prime};
		goc_go(filter, f);
		ch = f->out;
	}
	return 0;
}

GOC_MAIN(go_main)
