#!/usr/bin/env bash
# Run goc's goc-bench and the Go programs of go/ side by side on the
# workloads of README.md: for each workload the two run alternately (goc,
# Go, goc, Go, ...) RUNS times each (default 5), one timed run at a time
# under a lock shared with the other benchmark runners (BENCH_LOCK, default
# /tmp/bench.lock). Prints a Markdown table: per metric each side's median
# and min–max, the ratio of the medians goc/Go, the median peak RSS, how
# busy other processes kept the CPUs, and how many checks passed. Each
# run's own line goes to stderr.
# The machine may be shared with programs that do not take the lock: with
# MAX_OTHERS=P, a run during which they used more than P% of the CPUs is
# discarded and run again (at most 10×RUNS tries per side and workload).
# A run that crashes counts as check=crashed; one still running after
# TIMEOUT seconds (default 300) is killed and counts as check=timeout.
# http and http_nethttp are servers: each run starts one, loads it with wrk
# (Debian package wrk) for HTTP_SECONDS s (default 5), then stops it.
# Workloads that one side lacks run on the other alone: http_nethttp is
# Go's net/http (informative), syscall is goc's blocking-call bracket.
#
# It builds what it needs: the Go programs with go build into a temporary
# directory; goc-bench with CMake, Release, in build-bench/ at the top of
# the repository, unless GOC_BENCH names a goc-bench binary to use.
#
# goc-gc: binarytrees runs goc-bench-gc, the workloads linked with goc-gc
# (the collector's library); GC=1 runs every workload's goc side with it,
# and VS=goc puts plain goc-bench in Go's place, so that
#   GC=1 VS=goc bench/run.sh parked buffered
# compares goc-gc with goc (its "goc" columns are goc-gc, "Go" plain goc).
# VS=path puts that goc-bench in Go's place: another revision's, built by
# bench/baseline.sh, so that
#   VS=$(bench/baseline.sh c12fd02) bench/run.sh pingpong ring
# compares this tree with that revision (its "Go" columns).
#
# Usage: [RUNS=5] [MAX_OTHERS=P] [GOC_BENCH=path] [TIMEOUT=300] [HTTP_SECONDS=5] \
#          [GC=1] [VS=goc|path] bench/run.sh [workload ...]   (default: all)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-5}
max_others=${MAX_OTHERS:-}
lock=${BENCH_LOCK:-/tmp/bench.lock}
limit=${TIMEOUT:-300}
parked_n=1000000 # parked's N, passed explicitly: bytes_per_g = peak RSS / N
echo_clients=1000 # echo's C: bytes_per_conn = peak RSS / C
http_secs=${HTTP_SECONDS:-5} # http's N: seconds of load
all=(skynet spawn pingpong ring buffered mpmc select mutex parked timers parallel echo http
  http_nethttp spinlat defer syscall binarytrees)
go_only=(http_nethttp)
goc_only=(syscall)

for tool in go cmake flock timeout /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 2; }
done
(($#)) || set -- "${all[@]}"
for w in "$@"; do
  [[ " ${all[*]} " == *" $w "* ]] || { echo "unknown workload '$w'; known: ${all[*]}" >&2; exit 2; }
  [[ $w != http* ]] || command -v wrk >/dev/null || { echo "run.sh: $w needs wrk (Debian package wrk)" >&2; exit 2; }
done

# runs_on SIDE WORKLOAD: whether SIDE (goc or go) has a version of WORKLOAD.
runs_on() {
  case $1 in
  goc) [[ " ${go_only[*]} " != *" $2 "* ]] ;;
  go) [[ " ${goc_only[*]} " != *" $2 "* ]] ;;
  esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- build ----
(cd "$here/go" && go build -o "$tmp/anchors" .)
if [[ -n ${GOC_BENCH:-} ]]; then
  goc_bench=$(cd "$(dirname "$GOC_BENCH")" && pwd)/$(basename "$GOC_BENCH")
else
  build=$root/build-bench
  if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
        -DGOC_BUILD_TESTS=OFF -DGOC_BUILD_EXAMPLES=OFF &&
      cmake --build "$build" --target goc-bench goc-bench-gc -j "$(nproc)"; } >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    echo "run.sh: building goc-bench failed" >&2
    exit 2
  fi
  goc_bench=$build/bench/goc-bench
fi
goc_bench_gc=$(dirname "$goc_bench")/goc-bench-gc
declare -A bin=([goc]=$goc_bench [go]=$tmp/anchors)
[[ ${GC:-} == 1 ]] && bin[goc]=$goc_bench_gc
[[ ${VS:-go} == goc ]] && bin[go]=$goc_bench
if [[ ${VS:-go} == */* ]]; then
  [[ -x $VS ]] || { echo "run.sh: VS=$VS is not a program" >&2; exit 2; }
  bin[go]=$VS
fi
# bin_for SIDE WORKLOAD: the program that runs WORKLOAD on SIDE.
bin_for() {
  if [[ $1 == goc && $2 == binarytrees ]]; then echo "$goc_bench_gc"; else echo "${bin[$1]}"; fi
}

# busy_ticks: set ticks to the CPU time (user, nice, system, irq, softirq) of
# all processes, in clock ticks; it starts no process, so it adds nothing to it.
busy_ticks() { local _ u n s i q; read -r _ u n s _ _ i q _ </proc/stat; ticks=$((u + n + s + i + q)); }
hz=$(getconf CLK_TCK)
cores=$(nproc)
exec 9>"$lock"

# serve SIDE WORKLOAD: in place of a plain run, one run of SIDE's server
# WORKLOAD under load, as README.md's http says: the server, its standard
# input a FIFO, prints "listening on HOST:PORT"; wrk loads it; closing the
# FIFO stops it. Leaves in $tmp/out the workload's line (req_per_s from
# wrk; check=FAIL if wrk saw an error, or more responses than the server
# says it served), in $tmp/time the server's peak RSS and wall time and the
# CPU time of server and wrk together. Returns as a plain run would: 0 for
# check=ok, 1 for check=FAIL, the server's status if it crashed.
serve() {
  local side=$1 w=$2 pid addr='' i last rps answered served ok=ok wu=0 ws=0 rc=0
  rm -f "$tmp/fifo" "$tmp/wrk.time" && mkfifo "$tmp/fifo"
  : >"$tmp/srv" && : >"$tmp/wrk"
  exec 8<>"$tmp/fifo" # a writer, so that the server's open does not wait
  /usr/bin/time -f '%M %e %U %S' -o "$tmp/time" \
    timeout --foreground -k 10 "$limit" "${bin[$side]}" "$w" -n "$http_secs" \
    <"$tmp/fifo" >"$tmp/srv" 2>"$tmp/err" 8>&- 9>&- &
  pid=$!
  for ((i = 0; i < 100; i++)); do # up to 10 s to start
    addr=$(sed -n 's/^listening on //p' "$tmp/srv")
    [[ $addr ]] || ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.1
  done
  if [[ $addr ]]; then
    /usr/bin/time -f '%U %S' -o "$tmp/wrk.time" timeout $((http_secs + 30)) \
      wrk -t1 -c100 -d"${http_secs}s" "http://$addr/" >"$tmp/wrk" 2>&1 8>&- 9>&- || ok=FAIL
  fi
  exec 8>&- # end of input: the server prints its line and exits
  wait "$pid" || rc=$?
  last=$(tail -n1 "$tmp/srv")
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk")
  answered=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$tmp/wrk")
  served=$(sed -n 's/.* served=\([0-9]*\).*/\1/p' <<<"$last")
  grep -qE 'Socket errors|Non-2xx' "$tmp/wrk" && ok=FAIL
  [[ $last == "$w "*' check=ok' && $rps && ${answered:-0} -gt 0 && ${served:-0} -ge ${answered:-0} ]] || ok=FAIL
  [[ $ok == ok ]] || sed "s/^/[$side] $w wrk: /" "$tmp/wrk" >&2
  [[ $last == "$w "*' check='* ]] && echo "$w${rps:+ req_per_s=$rps} check=$ok" >"$tmp/out"
  [[ -s $tmp/wrk.time ]] && read -r wu ws < <(tail -n1 "$tmp/wrk.time")
  awk -v wu="$wu" -v ws="$ws" 'END { if (NF == 4) print $1, $2, $3 + wu, $4 + ws }' "$tmp/time" >"$tmp/time.all"
  mv "$tmp/time.all" "$tmp/time"
  ((rc == 0 || rc == 1)) || return "$rc"
  [[ $ok == ok ]]
}

# run_one SIDE WORKLOAD: one timed run of SIDE (goc or go); appends its line
# to $tmp/WORKLOAD.SIDE, or returns 1 if it is discarded (MAX_OTHERS).
run_one() {
  local side=$1 w=$2 args=() rc=0 line='' rss='' wall='' user='' sys='' others='' b0 b1
  [[ $w == parked ]] && args=(-n "$parked_n")
  : >"$tmp/out" && : >"$tmp/err" && : >"$tmp/time"
  flock 9
  busy_ticks && b0=$ticks
  if [[ $w == http* ]]; then
    serve "$side" "$w" || rc=$?
  else
    /usr/bin/time -f '%M %e %U %S' -o "$tmp/time" \
      timeout --foreground -k 10 "$limit" "$(bin_for "$side" "$w")" "$w" "${args[@]}" \
      >"$tmp/out" 2>"$tmp/err" || rc=$?
  fi
  busy_ticks && b1=$ticks
  flock -u 9
  read -r line <"$tmp/out" || true
  read -r rss wall user sys < <(tail -n1 "$tmp/time") || true

  # Trust the line only if the exit status agrees with its check.
  if ((rc != 0)) && awk -v e="${wall:-$limit}" -v t="$limit" 'BEGIN { exit !(e >= t) }'; then
    line="$w check=timeout"
  elif ! [[ ($rc == 0 && $line == "$w "*" check=ok") || ($rc == 1 && $line == "$w "*" check=FAIL") ]]; then
    line="$w check=crashed"
  fi
  if [[ $line == *" check=crashed" || $line == *" check=timeout" ]]; then
    echo "[$side] $w exited with status $rc" >&2
  fi
  [[ ! -s $tmp/err ]] || { echo "[$side] $w stderr (last lines):"; tail -n5 "$tmp/err"; } >&2
  if [[ $rss =~ ^[0-9]+$ && $wall =~ ^[0-9.]+$ ]]; then
    # share of all CPUs that other processes used during the run, in percent
    # (approximate: the machine's CPU time is counted in ticks)
    others=$(awk -v b=$((b1 - b0)) -v hz="$hz" -v c="$cores" -v e="$wall" -v u="$user" -v s="$sys" \
      'BEGIN { if (e < 0.01) e = 0.01; printf "%.0f", 100 * (b / hz - u - s) / (e * c) }')
    line+=" peak_rss_kib=$rss others_cpu_pct=$others"
    [[ $w == parked ]] && line+=" bytes_per_g=$((rss * 1024 / parked_n))"
    [[ $w == echo ]] && line+=" bytes_per_conn=$((rss * 1024 / echo_clients))"
    [[ $w == binarytrees ]] && line+=" peak_mib=$((rss / 1024))"
    if [[ $max_others ]] && ((others > max_others)); then
      echo "[$side] $line (discarded)" >&2
      sleep 5
      return 1
    fi
  fi
  echo "$line" >>"$tmp/$w.$side"
  echo "[$side] $line" >&2
}

# ---- timed runs: goc and Go alternately ----
start=$SECONDS
for w in "$@"; do
  declare -A kept=([goc]=0 [go]=0) tries=([goc]=0 [go]=0)
  : >"$tmp/$w.goc" && : >"$tmp/$w.go"
  while :; do
    ran=0
    for side in goc go; do
      runs_on "$side" "$w" || continue
      ((kept[$side] < runs && tries[$side] < 10 * runs)) || continue
      ran=1
      tries[$side]=$((tries[$side] + 1))
      if run_one "$side" "$w"; then kept[$side]=$((kept[$side] + 1)); fi
    done
    ((ran)) || break
  done
done
elapsed=$((SECONDS - start))

# ---- table ----
vals() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2" | sort -g; } # metric $1 of file $2, sorted
median() { awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "–" }'; } # lower middle if even
range() { awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) print lo "–" hi; else print "–" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "–" || b == "–" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'; }
checks() { # "ok/runs", then how many crashed or timed out, if any; "–" if no runs
  local bad
  [[ -s $1 ]] || { echo "–"; return; }
  bad=$(sed -n 's/.* check=\(crashed\|timeout\).*/\1/p' "$1" | sort | uniq -c | awk '{ printf ", %s %s", $1, $2 }')
  echo "$(grep -c ' check=ok' "$1" || true)/$(wc -l <"$1")${bad:+ (${bad#, })}"
}

rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
vs="$(go version)"
[[ ${VS:-go} == goc ]] && vs="plain goc (in the Go columns)"
[[ ${VS:-go} == */* ]] && vs="$VS (in the Go columns)"
echo "goc${GC:+-gc} $rev vs $vs, nproc $cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $runs runs each, goc and Go alternating${max_others:+, runs with others above $max_others% CPU redone}"
echo
echo "| workload | metric | goc median | Go median | goc/Go | goc min–max | Go min–max | peak RSS KiB goc | peak RSS KiB Go | others' CPU % (max) | checks ok goc | checks ok Go |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for w in "$@"; do
  c=$tmp/$w.goc g=$tmp/$w.go
  rss_c=$(vals peak_rss_kib "$c" | median) rss_g=$(vals peak_rss_kib "$g" | median)
  others=$(cat "$c" "$g" | sed -n 's/.* others_cpu_pct=\([^ ]*\).*/\1/p' | sort -g | tail -n1)
  keys=$(cat "$c" "$g" | grep -o ' [a-z0-9_]*=' | tr -d ' =' | awk '!seen[$0]++' |
    grep -vxE 'check|peak_rss_kib|others_cpu_pct' || true)
  [[ -n $keys ]] || keys="(no metric)"
  for k in $keys; do
    mc=$(vals "$k" "$c" | median) mg=$(vals "$k" "$g" | median)
    echo "| $w | $k | $mc | $mg | $(ratio "$mc" "$mg") | $(vals "$k" "$c" | range) | $(vals "$k" "$g" | range) | $rss_c | $rss_g | ${others:-–} | $(checks "$c") | $(checks "$g") |"
  done
done
echo
echo "timed runs took ${elapsed}s of wall time (including lock waits and redone runs)"
