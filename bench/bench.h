/*
 * bench.h — what the workloads of goc-bench share with main.c.
 *
 * Each workload runs in the main goroutine, does the work README.md
 * defines (the same as go/), writes its metrics ("name=value ...") into
 * out and returns whether its check passed. main.c prints the line.
 */
#ifndef BENCH_H
#define BENCH_H

#include <goc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef bool bench_fn(int64_t n, char *out, size_t len);

bench_fn run_skynet;
bench_fn run_binarytrees; /* goc-bench-gc only */
bench_fn run_spawn;
bench_fn run_pingpong;
bench_fn run_ring;
bench_fn run_buffered;
bench_fn run_mpmc;
bench_fn run_select;
bench_fn run_mutex;
bench_fn run_parked;
bench_fn run_timers;
bench_fn run_parallel;
bench_fn run_echo;
bench_fn run_http;
bench_fn run_yield;
bench_fn run_syscall;
bench_fn run_spinlat;

/* bench_go — goc_go, exiting with a message if it fails. */
void bench_go(goc_func fn, void *arg);

/* per_op — mean nanoseconds per operation when n operations took ns. */
double per_op(int64_t ns, int64_t n);

/* span — part i of 0..n-1 split into k nearly equal parts: [*lo, *hi). */
void span(int64_t n, int64_t k, int64_t i, int64_t *lo, int64_t *hi);

/* sum_below — 0 + 1 + ... + (n-1). */
int64_t sum_below(int64_t n);

/* start_as_go — start as a Go program does (io.c): the soft limit on open
 * files raised to the hard one, SIGPIPE ignored. */
void start_as_go(void);

/* bench_listen — goc_listen on 127.0.0.1, port 0, exiting with a message
 * if it fails; writes "127.0.0.1:PORT" into addr. */
int bench_listen(char *addr, size_t len);

#endif /* BENCH_H */
