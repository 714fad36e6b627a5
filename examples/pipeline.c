/*
 * pipeline — three stages joined by channels: a generator sends 1..10, a
 * squarer squares what it receives, main prints the squares. Each stage
 * closes its output when its input is exhausted, so the end of the data
 * flows down the pipeline and every stage finishes by itself.
 *
 * Go original:
 *
 *	func gen(n int) <-chan int {
 *		out := make(chan int)
 *		go func() {
 *			for i := 1; i <= n; i++ { out <- i }
 *			close(out)
 *		}()
 *		return out
 *	}
 *
 *	func square(in <-chan int) <-chan int {
 *		out := make(chan int)
 *		go func() {
 *			for v := range in { out <- v * v }
 *			close(out)
 *		}()
 *		return out
 *	}
 *
 *	func main() {
 *		for v := range square(gen(10)) { fmt.Println(v) }
 *	}
 */
#include <goc.h>
#include <stdio.h>

struct stage {
	goc_chan *in, *out;
	long n;
};

static void generate(void *arg)
{
	struct stage *s = arg;
	for (long i = 1; i <= s->n; i++)
		goc_chan_send(s->out, &i);
	goc_chan_close(s->out);
}

static void square(void *arg)
{
	struct stage *s = arg;
	long v;
	while (goc_chan_recv(s->in, &v) == GOC_OK) { /* for v := range in */
		long sq = v * v;
		goc_chan_send(s->out, &sq);
	}
	goc_chan_close(s->out);
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_chan *numbers = goc_chan_make(sizeof(long), 0);
	goc_chan *squares = goc_chan_make(sizeof(long), 0);
	struct stage gen = {NULL, numbers, 10}, sq = {numbers, squares, 0};
	goc_go(generate, &gen);
	goc_go(square, &sq);
	long v;
	while (goc_chan_recv(squares, &v) == GOC_OK)
		printf("%ld\n", v);
	goc_chan_release(numbers);
	goc_chan_release(squares);
	return 0;
}

GOC_MAIN(go_main)
