#!/usr/bin/env bash
# deps.sh — install the Debian 12 packages that building and testing goc
# needs, only those that are missing. Idempotent: when everything is there
# it runs no apt-get at all and takes a fraction of a second.
#
#   scripts/deps.sh            everything `make test` needs
#   scripts/deps.sh build      only what `make build` / `make run` need
#   scripts/deps.sh format     clang-format, for `make format`
#   scripts/deps.sh bench      adds Go, time(1) and wrk, for bench/run.sh
#
# Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

build_pkgs=(cmake gcc make pkg-config libdw-dev libgc-dev)
test_pkgs=(
	cmake gcc clang make pkg-config
	libdw-dev                      # tracebacks: unwinding and file:line (elfutils)
	gdb                            # the gdb commands' test (gdb -batch)
	libgc-dev                      # goc-gc: the Boehm-Demers-Weiser collector
	clang-format                   # format stage (clang-format 14 on Debian 12)
	valgrind                       # memcheck stage; also valgrind/valgrind.h
	libclang-rt-14-dev             # clang's ASan/TSan runtimes
	qemu-user                      # runs the aarch64 tests
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
)

case "${1:-test}" in
build) want=("${build_pkgs[@]}") ;;
test) want=("${test_pkgs[@]}") ;;
format) want=(clang-format) ;;
bench) want=("${build_pkgs[@]}" golang-go time wrk) ;;
*)
	echo "usage: $0 [build|test|format|bench]" >&2
	exit 2
	;;
esac

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all present (${want[*]})"
	exit 0
fi

if ! command -v apt-get >/dev/null; then
	echo "deps: missing ${missing[*]}, and this is not a Debian system;" \
	     "install them by hand" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps: missing ${missing[*]}; run as root or install sudo" >&2
		exit 1
	fi
	sudo=(sudo)
fi

echo "deps: installing ${missing[*]}"
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
for p in "${missing[@]}"; do
	installed "$p" || { echo "deps: $p did not install" >&2; exit 1; }
done
