/*
 * main.c — goc-bench, goc's side of the reference workloads (README.md).
 *
 * Usage: goc-bench <workload> [-n N]    run one workload
 *        goc-bench -l                   list the workloads
 *
 * A run prints one line, "<workload> <metric>=<value> ... check=<ok|FAIL>",
 * as go/ does, and exits with status 1 when the check fails. The http
 * server prints "listening on HOST:PORT" before it.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct workload {
	const char *name;
	int64_t default_n;
	bench_fn *run;
};

/* In the order of README.md. */
/* clang-format off */
static const struct workload workloads[] = {
	{"skynet", 1000000, run_skynet},
	{"spawn", 1000000, run_spawn},
	{"pingpong", 1000000, run_pingpong},
	{"ring", 1000000, run_ring},
	{"buffered", 10000000, run_buffered},
	{"mpmc", 10000000, run_mpmc},
	{"select", 4000000, run_select},
	{"mutex", 10000000, run_mutex},
	{"parked", 1000000, run_parked},
	{"timers", 100000, run_timers},
	{"parallel", 50000000, run_parallel},
	{"echo", 1000000, run_echo},
	{"http", 5, run_http},              /* a server: run.sh loads it with wrk */
	{"spinlat", 2000000000, run_spinlat},
	{"yield", 10000000, run_yield},     /* goc only, */
	{"syscall", 10000000, run_syscall}, /* not reference workloads */
#ifdef GOC_BENCH_GC
	{"binarytrees", 21, run_binarytrees}, /* goc-bench-gc only */
#endif
	{NULL, 0, NULL},
};
/* clang-format on */

void bench_go(goc_func fn, void *arg)
{
	if (goc_go(fn, arg) != 0) {
		fprintf(stderr, "goc_go: %s\n", strerror(errno));
		exit(3);
	}
}

double per_op(int64_t ns, int64_t n) { return (double)ns / (double)n; }

void span(int64_t n, int64_t k, int64_t i, int64_t *lo, int64_t *hi)
{
	*lo = i * n / k;
	*hi = (i + 1) * n / k;
}

int64_t sum_below(int64_t n) { return n * (n - 1) / 2; }

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: goc-bench <workload> [-n N]\n"
	                "       goc-bench -l\nworkloads:\n");
	for (const struct workload *w = workloads; w->name; w++)
		fprintf(stderr, "  %-9s (default -n %lld)\n", w->name,
		        (long long)w->default_n);
	exit(2);
}

/* parse_n — the N of "-n N" or "-n=N" in argv[0..argc), or dflt. */
static int64_t parse_n(int argc, char **argv, int64_t dflt)
{
	int64_t n = dflt;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		if (a[0] == '-' && a[1] == '-')
			a++;
		if (strcmp(a, "-n") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(a, "-n=", 3) == 0)
			v = a + 3;
		else
			usage();
		char *end;
		errno = 0;
		long long x = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || x < 1) {
			fprintf(stderr, "invalid value \"%s\" for -n\n", v);
			usage();
		}
		n = x;
	}
	return n;
}

static int bench_main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (const struct workload *w = workloads; w->name; w++)
			printf("%s\n", w->name);
		return 0;
	}
	if (argc < 2)
		usage();
	const struct workload *w = workloads;
	while (w->name && strcmp(w->name, argv[1]) != 0)
		w++;
	if (!w->name)
		usage();
	int64_t n = parse_n(argc - 2, argv + 2, w->default_n);

	start_as_go();
	char metrics[256];
	bool ok = w->run(n, metrics, sizeof metrics);
	printf("%s %s check=%s\n", w->name, metrics, ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}

GOC_MAIN(bench_main)
