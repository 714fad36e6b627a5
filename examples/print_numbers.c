/*
 * print_numbers — a goroutine runs beside main, and main's exit ends it.
 *
 * The first program of the goroutine notes: printNumbers runs in its own
 * goroutine and prints 1..5 every 500 ms while main prints a line and
 * sleeps 3 s. When main returns the process ends, whatever the other
 * goroutines are doing (Go's rule; goc_main keeps it). Here printNumbers
 * is done after 2.5 s, so all five numbers appear.
 *
 * Go original:
 *
 *	func printNumbers() {
 *		for i := 1; i <= 5; i++ {
 *			fmt.Println(i)
 *			time.Sleep(500 * time.Millisecond)
 *		}
 *	}
 *
 *	func main() {
 *		go printNumbers()                 // 고루틴 실행 (start a goroutine)
 *		fmt.Println("main 함수 실행 중")  // "main function running"
 *		time.Sleep(3 * time.Second)       // main이 종료되면 모든 고루틴도 종료됨
 *	}                                         // (when main ends, all goroutines end)
 */
#include <goc.h>
#include <stdio.h>

static void print_numbers(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 5; i++) {
		printf("%d\n", i);
		goc_sleep(500 * GOC_MILLISECOND);
	}
}

static int go_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* fmt.Println writes at once; C's stdout is fully buffered when it is
	 * a pipe, so make it line-buffered to see each line as it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	goc_go(print_numbers, NULL);   /* go printNumbers() */
	printf("main 함수 실행 중\n"); /* "main function running" */
	goc_sleep(3 * GOC_SECOND);     /* main's return ends every goroutine */
	return 0;
}

/* int main(argc, argv) that runs go_main as the main goroutine. */
GOC_MAIN(go_main)
