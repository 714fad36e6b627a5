#!/usr/bin/env bash
# Build goc-bench as it was at an earlier revision, to run beside this
# tree's (VS=path in run.sh): a git worktree of REV in build-bench-REV/src,
# built Release in build-bench-REV/build. Prints the binary's path.
# Built once per revision; a later call only prints the path.
#
# Usage: bench/baseline.sh REV
set -euo pipefail

(($# == 1)) || { echo "usage: bench/baseline.sh REV" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rev=$(git -C "$root" rev-parse --short "$1^{commit}")
dir=$root/build-bench-$rev
bin=$dir/build/bench/goc-bench
if [[ ! -x $bin ]]; then
  if [[ ! -d $dir/src ]]; then
    git -C "$root" worktree add --detach "$dir/src" "$rev" >&2
  fi
  { cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
      -DGOC_BUILD_TESTS=OFF -DGOC_BUILD_EXAMPLES=OFF &&
    cmake --build "$dir/build" --target goc-bench -j "$(nproc)"; } >"$dir/build.log" 2>&1 ||
    { cat "$dir/build.log" >&2; echo "baseline.sh: building $rev failed" >&2; exit 2; }
fi
echo "$bin"
