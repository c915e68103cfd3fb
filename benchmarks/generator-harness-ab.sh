#!/bin/bash
# The generator harness at an older commit beside this checkout's, alternating, under the benchmark lock: the same
# --phases command with each, ROUNDS times (default 2). Builds the older harness in a scratch clone under /tmp. With
# BENCH_LOCK set to a file, every timed run holds flock on it (so that no other timed run overlaps).
# Raw output: benchmarks/results/generator-harness-ab-NAME.txt.
# Usage: benchmarks/generator-harness-ab.sh OLD_COMMIT NAME [ROUNDS] [harness options...]
#   e.g. benchmarks/generator-harness-ab.sh 0f93765 2026-12-06 2 --phases --shapes fresh,overwrite,loop,batched --sizes 1000,5000,10000 --reps 3
set -eu
cd "$(dirname "$0")/.."
old=$1 name=$2 rounds=${3:-2}
shift 3 || shift $#
options=("$@")
[ ${#options[@]} -gt 0 ] || options=(--phases --shapes fresh,overwrite,loop,batched --sizes 1000,5000,10000 --reps 3)
scratch=/tmp/generator-harness-$old
[ -d "$scratch" ] || git clone -q --shared "$PWD" "$scratch"
git -C "$scratch" checkout -q "$old"
dotnet build "$scratch/benchmarks/MoreauGen.GeneratorBenchmarks" -c Release > /dev/null
dotnet build benchmarks/MoreauGen.GeneratorBenchmarks -c Release > /dev/null
out=$PWD/benchmarks/results/generator-harness-ab-$name.txt
declare -A dll=([old]=$scratch/benchmarks/MoreauGen.GeneratorBenchmarks/bin/Release/net10.0/MoreauGen.GeneratorBenchmarks.dll
                [new]=$PWD/benchmarks/MoreauGen.GeneratorBenchmarks/bin/Release/net10.0/MoreauGen.GeneratorBenchmarks.dll)
{
  echo "old = $old, new = $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + uncommitted changes'); options: ${options[*]}"
  for round in $(seq "$rounds"); do
    for side in old new; do
      echo "== $side harness, round $round, $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
      if [ -n "${BENCH_LOCK:-}" ]; then (cd /tmp && flock "$BENCH_LOCK" dotnet "${dll[$side]}" "${options[@]}")
      else (cd /tmp && dotnet "${dll[$side]}" "${options[@]}"); fi
    done
  done
  echo "== end $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out" 2>&1
echo "$out"
