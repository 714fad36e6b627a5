#!/usr/bin/env bash
# test.sh — goc's full test matrix; `make test` runs it after scripts/deps.sh.
#
#   scripts/test.sh                  every stage, in this order
#   scripts/test.sh asan tsan        only these stages (make test STAGES="asan tsan")
#   GOC_TEST_SKIP="aarch64" scripts/test.sh     all but these
#
# Stages (each in its own build tree under build/, kept between runs so a
# rerun only rebuilds what changed):
#   format    make format-check: clang-format (.clang-format) would change
#             no file; alone: scripts/test.sh format (or make format-check)
#   gcc       gcc,   -DGOC_WERROR=ON, ctest
#   clang     clang, -DGOC_WERROR=ON, ctest
#   asan      gcc,   AddressSanitizer, GOC_TEST_SCALE=10, ctest
#   tsan      clang, ThreadSanitizer,  GOC_TEST_SCALE=10, ctest (without
#             goc-gc: TSan defers the collector's stop signals; CMakeLists.txt)
#   aarch64   cross build (cmake/aarch64-linux-gnu.cmake), GOC_TEST_SCALE=100,
#             ctest running every test under qemu-aarch64
#   valgrind  memcheck on examples/tour of the gcc tree, and on
#             examples/gctrees (goc-gc) with the collector's suppressions
#   install   cmake --install into a scratch prefix, then build and run a
#             consumer with pkg-config and with find_package(goc)
#
# ctest runs every case of every test executable as a test of its own
# (tests/CMakeLists.txt): the counts below are cases; a case that cannot
# run in a configuration (no second CPU, a sanitizer, …) counts as skipped.
#
# Any sanitizer report fails its test: ASAN_OPTIONS and TSAN_OPTIONS below
# stop at the first report with a non-zero exit status (anything already in
# the environment is appended, so it can override single settings).
# Prints a summary; exits non-zero if any stage failed.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
B=${GOC_TEST_BUILD:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CTEST_JOBS=${CTEST_JOBS:-2}
ALL_STAGES=(format gcc clang asan tsan aarch64 valgrind install)

# Leaks are checked too: LeakSanitizer scans thread stacks, and goc
# registers the live goroutines' stacks (its own mappings) as roots at
# exit (src/leak_roots.c), so what only a parked goroutine points to is
# not taken for a leak.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=23:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# TSan sleeps atexit_sleep_ms (1 s by default) at exit while other threads
# run, to watch them a little longer; every case is a process of its own,
# so 100 ms keeps the stage minutes shorter.
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:atexit_sleep_ms=100${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
# ctest prints a failing test's output; keep it readable.
export CTEST_OUTPUT_ON_FAILURE=1
export CLICOLOR=0

if [ $# -gt 0 ]; then
	stages=("$@")
else
	stages=("${ALL_STAGES[@]}")
fi
for s in "${stages[@]}"; do
	case " ${ALL_STAGES[*]} " in
	*" $s "*) ;;
	*) echo "test.sh: unknown stage '$s' (stages: ${ALL_STAGES[*]})" >&2; exit 2 ;;
	esac
done

mkdir -p "$B/test-logs"

# ---- helpers -------------------------------------------------------------

# Per stage: the outcome, tests passed / failed, seconds, a note.
declare -A S_RC S_PASS S_FAIL S_TIME S_NOTE

say() { printf '\n==> %s\n' "$*"; }

# configure_build DIR LOG CMAKE-ARGS...: configure and build one tree (only
# target $BUILD_TARGET if set); the output goes to LOG, and its tail to the
# console if something failed.
configure_build()
{
	local dir=$1 log=$2
	shift 2
	echo "    cmake $* (log: $log)"
	if ! cmake -S "$ROOT" -B "$dir" "$@" >>"$log" 2>&1; then
		echo "    configure FAILED:"
		tail -n 40 "$log" | sed 's/^/    | /'
		return 1
	fi
	if ! cmake --build "$dir" -j "$JOBS" ${BUILD_TARGET:+--target "$BUILD_TARGET"} >>"$log" 2>&1; then
		echo "    build FAILED:"
		grep -E 'error|Error|warning' "$log" | head -n 40 | sed 's/^/    | /'
		tail -n 15 "$log" | sed 's/^/    | /'
		return 1
	fi
	echo "    built"
}

# run_ctest STAGE DIR [WRAPPER...]: run the tree's tests, record the counts.
run_ctest()
{
	local stage=$1 dir=$2 log=$B/test-logs/$1.log
	shift 2
	local rc line out=$B/test-logs/$stage.ctest
	# One line a test is too much for the console (hundreds of cases): it
	# shows failures (with their output), timeouts and the summary; the
	# whole output goes to the stage's log.
	(cd "$dir" && "$@" ctest --output-on-failure -j "$CTEST_JOBS") 2>&1 | tee "$out" |
		grep --line-buffered -vE '^ *Start +[0-9]+: |^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*( Passed|\*\*\*Skipped) |^Label Time Summary:|^[a-z_0-9]+ += +[0-9.]+ sec\*proc'
	rc=${PIPESTATUS[0]}
	cat "$out" >>"$log"
	# "100% tests passed, 0 tests failed out of 12"; skipped tests count
	# as passed there, and are listed as "  12 - name (Skipped)".
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		local failed total skipped
		failed=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
		total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
		skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$out")
		S_PASS[$stage]=$((total - failed - skipped))
		S_FAIL[$stage]=$failed
		if [ "$skipped" -gt 0 ]; then
			S_NOTE[$stage]="${S_NOTE[$stage]:+${S_NOTE[$stage]}; }$skipped skipped"
		fi
		if [ "$total" -eq 0 ]; then
			S_NOTE[$stage]="no tests"
			return 1
		fi
	else
		S_FAIL[$stage]=1
		S_NOTE[$stage]="ctest ran no test"
		return 1
	fi
	return "$rc"
}

# ---- stages --------------------------------------------------------------

stage_format()
{
	local log=$B/test-logs/format.log
	if ! command -v clang-format >/dev/null; then
		echo "    needs clang-format (scripts/deps.sh format)"
		return 1
	fi
	local version
	version=$(clang-format --version)
	case "$version" in
	*" version 14."*) ;;
	*) S_NOTE[format]="not clang-format 14: may disagree with CI" ;;
	esac
	echo "    make format-check ($version)"
	make --no-print-directory format-check >"$log" 2>&1
	local rc=$? line
	grep -v '^deps:' "$log" | sed 's/^/    /'
	line=$(grep -E '^format-check: [0-9]+ of [0-9]+ files' "$log")
	if [ -z "$line" ]; then
		S_FAIL[format]=1
		return 1
	fi
	local bad n
	bad=$(sed -E 's/^format-check: ([0-9]+) of.*/\1/' <<<"$line")
	n=$(sed -E 's/.* of ([0-9]+) files.*/\1/' <<<"$line")
	S_PASS[format]=$((n - bad))
	S_FAIL[format]=$bad
	if [ "$rc" -ne 0 ]; then
		echo "    make format FILES='...' rewrites them (clang-format -i)"
	fi
	return "$rc"
}

stage_gcc()
{
	configure_build "$B/test-gcc" "$B/test-logs/gcc.log" \
		-DCMAKE_C_COMPILER=gcc -DGOC_WERROR=ON || return 1
	run_ctest gcc "$B/test-gcc"
}

stage_clang()
{
	configure_build "$B/test-clang" "$B/test-logs/clang.log" \
		-DCMAKE_C_COMPILER=clang -DGOC_WERROR=ON || return 1
	run_ctest clang "$B/test-clang"
}

stage_asan()
{
	configure_build "$B/test-asan" "$B/test-logs/asan.log" \
		-DCMAKE_C_COMPILER=gcc -DGOC_SANITIZE=address -DGOC_TEST_SCALE=10 \
		-DGOC_BUILD_BENCH=OFF || return 1
	echo "    ASAN_OPTIONS=$ASAN_OPTIONS"
	run_ctest asan "$B/test-asan"
}

stage_tsan()
{
	local dir=$B/test-tsan
	configure_build "$dir" "$B/test-logs/tsan.log" \
		-DCMAKE_C_COMPILER=clang -DGOC_SANITIZE=thread -DGOC_TEST_SCALE=10 \
		-DGOC_BUILD_BENCH=OFF || return 1
	# TSan (LLVM 14) needs a memory layout that some kernels' ASLR breaks
	# ("FATAL: ThreadSanitizer: unexpected memory mapping"). Try a tiny
	# TSan program; if it fails that way, run the tests with ASLR off.
	local wrap=()
	printf 'int main(void) { return 0; }\n' >"$dir/tsan_probe.c"
	if clang -fsanitize=thread "$dir/tsan_probe.c" -o "$dir/tsan_probe" >>"$B/test-logs/tsan.log" 2>&1; then
		if ! "$dir/tsan_probe" >>"$B/test-logs/tsan.log" 2>&1; then
			if setarch "$(uname -m)" -R "$dir/tsan_probe" >>"$B/test-logs/tsan.log" 2>&1; then
				wrap=(setarch "$(uname -m)" -R)
				S_NOTE[tsan]="ASLR off (setarch -R)"
				echo "    TSan needs ASLR off on this kernel: running under setarch -R"
			else
				echo "    a plain TSan program fails here, with or without ASLR:"
				tail -n 5 "$B/test-logs/tsan.log" | sed 's/^/    | /'
			fi
		fi
	fi
	echo "    TSAN_OPTIONS=$TSAN_OPTIONS"
	run_ctest tsan "$dir" "${wrap[@]}"
}

stage_aarch64()
{
	if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
		echo "    needs gcc-aarch64-linux-gnu and qemu-user (scripts/deps.sh)"
		return 1
	fi
	configure_build "$B/test-aarch64" "$B/test-logs/aarch64.log" \
		-DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" \
		-DGOC_TEST_SCALE=100 -DGOC_BUILD_BENCH=OFF -DGOC_GC=OFF || return 1
	S_NOTE[aarch64]="without goc-gc (no arm64 libgc-dev)"
	run_ctest aarch64 "$B/test-aarch64"
}

stage_valgrind()
{
	local log=$B/test-logs/valgrind.log
	# The gcc tree's plain -O2 -g build; built here if that stage did not run.
	# examples/tour: 1000 goroutines that sleep, a WaitGroup; small and
	# stable. GOC_VALGRIND_PROG=tests/test_wg (say) picks another program.
	local rel=${GOC_VALGRIND_PROG:-examples/tour}
	local prog=$B/test-gcc/$rel target=${rel##*/}
	[ "$target" = tour ] && target=example_tour
	BUILD_TARGET=$target configure_build "$B/test-gcc" "$log" \
		-DCMAKE_C_COMPILER=gcc -DGOC_WERROR=ON || return 1
	S_NOTE[valgrind]=${prog#"$B/test-gcc/"}
	valgrind_run "$log" "$prog" || return 1
	# goc-gc: the collector scans conservatively (uninitialised words,
	# stacks below their pointer); its suppressions hide only reports
	# raised inside libgc. Two rounds of gctrees: collections while
	# goroutines run on every thread.
	if [ -z "${GOC_VALGRIND_PROG:-}" ] &&
		BUILD_TARGET=example_gctrees configure_build "$B/test-gcc" "$log" \
			-DCMAKE_C_COMPILER=gcc -DGOC_WERROR=ON 2>/dev/null &&
		[ -x "$B/test-gcc/examples/gctrees" ]; then
		S_NOTE[valgrind]+=", examples/gctrees"
		valgrind_run "$log" --suppressions="$ROOT/scripts/valgrind-boehm.supp" \
			"$B/test-gcc/examples/gctrees" 2 || return 1
	fi
	return 0
}

# valgrind_run LOG [VALGRIND-OPTIONS...] PROGRAM [ARGS...]: one memcheck
# run; counts a pass or a failure.
valgrind_run()
{
	local log=$1
	shift
	echo "    valgrind --error-exitcode=1 --leak-check=no $*"
	if valgrind -q --error-exitcode=1 --leak-check=no "$@" >>"$log" 2>"$log.err"; then
		S_PASS[valgrind]=$((${S_PASS[valgrind]:-0} + 1))
		return 0
	fi
	local n
	n=$(grep -c '^==[0-9]*== [A-Z]' "$log.err")
	echo "    memcheck FAILED (about $n error lines); first report:"
	head -n 30 "$log.err" | sed 's/^/    | /'
	echo "    (all of it: $log.err)"
	S_FAIL[valgrind]=1
	return 1
}

# pc_consumer PKG: build scripts/install-check's consumer for PKG (goc:
# consumer.c, goc-gc: consumer_gc.c) with pkg-config's flags and run it.
# Uses stage_install's dir, pc, libdir and log.
pc_consumer() {
	local src=consumer${1#goc}
	src=${src//-/_}
	local flags
	# shellcheck disable=SC2086 # $flags is pkg-config's words
	flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs "$1") &&
		echo "    cc -std=c11 -pedantic -Wall -Wextra -Werror $src.c $flags" &&
		cc -std=c11 -pedantic -Wall -Wextra -Werror "scripts/install-check/$src.c" \
			$flags -o "$dir/consumer-pc/$src" >>"$log" 2>&1 &&
		LD_LIBRARY_PATH=$libdir "$dir/consumer-pc/$src"
}

stage_install()
{
	local log=$B/test-logs/install.log
	local dir=$B/test-install
	mkdir -p "$dir"
	local prefix
	prefix=$(cd "$dir" && pwd)/prefix
	rm -rf "$prefix" "$dir/consumer-cmake" "$dir/consumer-pc"
	configure_build "$dir/build" "$log" -DCMAKE_INSTALL_PREFIX="$prefix" \
		-DGOC_BUILD_TESTS=OFF -DGOC_BUILD_EXAMPLES=OFF -DGOC_BUILD_BENCH=OFF || return 1
	if ! cmake --install "$dir/build" >>"$log" 2>&1; then
		echo "    cmake --install FAILED"
		tail -n 20 "$log" | sed 's/^/    | /'
		return 1
	fi
	local pc
	pc=$(find "$prefix" -name goc.pc | head -n 1)
	if [ -z "$pc" ]; then
		echo "    no goc.pc installed under $prefix"
		return 1
	fi
	local libdir
	libdir=$(dirname "$(dirname "$pc")")
	local ok=0 bad=0

	# 1. pkg-config, against the shared library; strict C11 for the header;
	# goc-gc too when it was built.
	mkdir -p "$dir/consumer-pc"
	local pkg
	for pkg in goc goc-gc; do
		[ -f "$(dirname "$pc")/$pkg.pc" ] || continue
		if pc_consumer "$pkg"; then
			ok=$((ok + 1))
		else
			echo "    pkg-config $pkg consumer FAILED"
			tail -n 10 "$log" | sed 's/^/    | /'
			bad=$((bad + 1))
		fi
	done

	# 2. find_package(goc): goc::goc (static) and goc::goc_shared, and
	# goc::goc_gc and goc::goc_gc_shared when built.
	echo "    find_package(goc) with CMAKE_PREFIX_PATH=$prefix"
	if cmake -S scripts/install-check -B "$dir/consumer-cmake" \
		-DCMAKE_PREFIX_PATH="$prefix" >>"$log" 2>&1 &&
		cmake --build "$dir/consumer-cmake" >>"$log" 2>&1 &&
		"$dir/consumer-cmake/consumer_static" &&
		"$dir/consumer-cmake/consumer_shared" &&
		{ [ ! -f "$(dirname "$pc")/goc-gc.pc" ] ||
			{ "$dir/consumer-cmake/consumer_gc_static" &&
				"$dir/consumer-cmake/consumer_gc_shared"; }; }; then
		ok=$((ok + 1))
	else
		echo "    CMake consumer FAILED"
		tail -n 20 "$log" | sed 's/^/    | /'
		bad=$((bad + 1))
	fi
	S_PASS[install]=$ok
	S_FAIL[install]=$bad
	[ "$bad" -eq 0 ]
}

# ---- run -----------------------------------------------------------------

skip=" ${GOC_TEST_SKIP:-} "
t0=$(date +%s)
for s in "${stages[@]}"; do
	if [[ "$skip" == *" $s "* ]]; then
		S_RC[$s]=skip
		continue
	fi
	say "stage $s"
	: >"$B/test-logs/$s.log"
	start=$(date +%s)
	"stage_$s"
	rc=$?
	S_TIME[$s]=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then S_RC[$s]=ok; else S_RC[$s]=FAILED; fi
	# A stage that failed before counting anything counts as one failure.
	if [ $rc -ne 0 ] && [ "${S_FAIL[$s]:-0}" -eq 0 ]; then S_FAIL[$s]=1; fi
done

say "summary (logs: $B/test-logs/)"
tp=0 tf=0 failed_stages=()
for s in "${stages[@]}"; do
	if [ "${S_RC[$s]}" = skip ]; then
		printf '  %-9s %-7s\n' "$s" "skipped"
		continue
	fi
	p=${S_PASS[$s]:-0} f=${S_FAIL[$s]:-0}
	tp=$((tp + p)) tf=$((tf + f))
	[ "${S_RC[$s]}" = ok ] || failed_stages+=("$s")
	printf '  %-9s %-7s %4ss  %3d passed, %d failed%s\n' "$s" "${S_RC[$s]}" \
		"${S_TIME[$s]}" "$p" "$f" "${S_NOTE[$s]:+  (${S_NOTE[$s]})}"
done
echo "  total time $(($(date +%s) - t0))s"
if [ ${#failed_stages[@]} -gt 0 ]; then
	echo "  FAILED stages: ${failed_stages[*]}"
fi
echo "tests: $tp passed, $tf failed"
[ ${#failed_stages[@]} -eq 0 ]
