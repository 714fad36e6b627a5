/*
 * sum — a goroutine hands its result to main over an unbuffered channel.
 *
 * From the channel notes: sum(3, 4) runs in a goroutine and sends 7 on
 * ch; main's receive waits until it arrives, so no WaitGroup or sleep is
 * needed. The send and the receive meet: an unbuffered channel is also a
 * synchronisation point.
 *
 * Go original:
 *
 *	func sum(a int, b int, ch chan int) {
 *		ch <- a + b // 채널로 값 전송 (send the value on the channel)
 *	}
 *
 *	func main() {
 *		ch := make(chan int)
 *		go sum(3, 4, ch)
 *		res := <-ch // 채널에서 값 수신 (receive the value from the channel)
 *		fmt.Println("sum:", res)
 *	}
 */
#include <goc.h>
#include <stdio.h>

/* Go passes a, b and ch by value; C passes one void *, so they travel in
 * a struct. It can live on main's stack: main waits in goc_chan_recv until
 * sum has sent, and sum reads nothing from it after that. */
struct sum_args {
	int a, b;
	goc_chan *ch;
};

static void sum(void *arg)
{
	struct sum_args *s = arg;
	int total = s->a + s->b;
	goc_chan_send(s->ch, &total); /* ch <- a + b */
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	goc_chan *ch = goc_chan_make(sizeof(int), 0); /* make(chan int) */
	if (!ch) {
		perror("goc_chan_make");
		return 1;
	}

	struct sum_args args = {.a = 3, .b = 4, .ch = ch};
	goc_go(sum, &args); /* go sum(3, 4, ch) */

	int res;
	goc_chan_recv(ch, &res); /* res := <-ch */
	printf("sum: %d\n", res);

	/* Go's garbage collector frees channels; in C the last reference is
	 * released by hand. */
	goc_chan_release(ch);
	return 0;
}

GOC_MAIN(go_main)
