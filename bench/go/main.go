// Command anchors runs the Go side of the reference workloads that
// ../README.md describes.
//
// Usage:
//
//	anchors <workload> [-n N]
//
// A run prints one line, "<workload> <metric>=<value> ... check=<ok|FAIL>",
// and exits with status 1 when the check fails. The http servers print
// "listening on HOST:PORT" before it.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type workload struct {
	name     string
	defaultN int
	run      func(n int) (metrics string, ok bool)
}

// workloads are listed in the order of WORKLOADS.md.
var workloads = []workload{
	{"skynet", 1_000_000, runSkynet},
	{"spawn", 1_000_000, runSpawn},
	{"pingpong", 1_000_000, runPingpong},
	{"ring", 1_000_000, runRing},
	{"buffered", 10_000_000, runBuffered},
	{"mpmc", 10_000_000, runMPMC},
	{"select", 4_000_000, runSelect},
	{"mutex", 10_000_000, runMutex},
	{"parked", 1_000_000, runParked},
	{"timers", 100_000, runTimers},
	{"parallel", 50_000_000, runParallel},
	{"echo", 1_000_000, runEcho},
	{"http", 5, runHTTP},
	{"http_nethttp", 5, runHTTPNetHTTP},
	{"spinlat", 2_000_000_000, runSpinlat},
	{"binarytrees", 21, runBinarytrees},
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	for _, w := range workloads {
		if w.name != os.Args[1] {
			continue
		}
		flags := flag.NewFlagSet(w.name, flag.ExitOnError)
		n := flags.Int("n", w.defaultN, "main count")
		flags.Parse(os.Args[2:])

		metrics, ok := w.run(*n)
		check := "ok"
		if !ok {
			check = "FAIL"
		}
		fmt.Printf("%s %s check=%s\n", w.name, metrics, check)
		if !ok {
			os.Exit(1)
		}
		return
	}
	usage()
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: anchors <workload> [-n N]\nworkloads:")
	for _, w := range workloads {
		fmt.Fprintf(os.Stderr, "  %-12s (default -n %d)\n", w.name, w.defaultN)
	}
	os.Exit(2)
}

// perOp returns the mean nanoseconds per operation when n operations took d.
func perOp(d time.Duration, n int) float64 {
	return float64(d.Nanoseconds()) / float64(n)
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 {
	return float64(d.Nanoseconds()) / 1e6
}

// span returns the half-open range [lo, hi) of part i when the values
// 0..n-1 are split into k nearly equal parts.
func span(n, k, i int) (lo, hi int) {
	return i * n / k, (i + 1) * n / k
}

// sumBelow returns 0 + 1 + ... + (n-1).
func sumBelow(n int) int {
	return n * (n - 1) / 2
}

// us returns d in microseconds.
func us(d time.Duration) float64 {
	return float64(d.Nanoseconds()) / 1e3
}
