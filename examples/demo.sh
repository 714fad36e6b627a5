#!/usr/bin/env bash
# demo.sh — run each example in turn, saying first what it shows.
#   examples/demo.sh BUILD_DIR/examples        (make run does this)
# Each entry is "program [arguments]|what it shows".
set -euo pipefail

bin=${1:?usage: demo.sh DIR-WITH-EXAMPLE-PROGRAMS}

demos=(
	"print_numbers|a goroutine runs beside main; main's exit ends it (Go's rule)"
	"workers|three goroutines sleep and print; the scheduler picks the order of each round"
	"sum|a goroutine sends its result to main over an unbuffered channel"
	"tour|goc_go, goc_wg, goc_sleep, goc_maxprocs, goc_numgoroutine in one page"
	"pipeline|generator -> square -> print, three stages joined by channels; close ends each"
	"sieve|the concurrent prime sieve: a chain of filter goroutines, one per prime"
	"bank|the race the notes warn about: deposits lost without a mutex, none with goc_mutex"
	"ratelimit|a worker pool paced by a Ticker: one job per 50 ms tick"
	"timeout|select over a result and a Timer: a fast worker answers, a slow one times out"
	"echo|a TCP echo server, a goroutine per connection, and three clients, on loopback"
	"gctrees|goroutines with a garbage collector (goc-gc): 160 trees built and dropped, memory stays flat"
	"httpd --self-test|an HTTP/1.1 keep-alive server and a client in one process (plain httpd serves 127.0.0.1:8080)"
)

failed=0
for d in "${demos[@]}"; do
	read -r -a cmd <<<"${d%%|*}"
	name=${cmd[0]}
	what=${d#*|}
	echo "==> ${cmd[*]}: $what"
	if [ ! -x "$bin/$name" ]; then
		echo "    (not built)"
		echo
		continue
	fi
	start=$(date +%s%N)
	if "$bin/$name" "${cmd[@]:1}"; then
		end=$(date +%s%N)
		printf '    (%s exited 0 after %d ms)\n\n' "$name" $(((end - start) / 1000000))
	else
		rc=$?
		printf '    (%s FAILED: exit status %d)\n\n' "$name" "$rc"
		failed=1
	fi
done
exit $failed
