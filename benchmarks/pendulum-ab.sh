#!/usr/bin/env bash
# Before/after comparison of the pendulum harness (pendulum-rounds) for two commits of this repository, run in
# alternation so that both see the same machine load: builds each commit's benchmark program in its own clone, then
# runs the two programs turn about, each run under the shared benchmark lock, and prints one line per run.
#
#   benchmarks/pendulum-ab.sh <before-commit> <after-commit> [runs=5] [rounds=5] [out-dir=benchmarks/results]
#
# Writes <out-dir>/pendulum-ab-<before|after>-<run>.csv (the harness's raw rounds) and pendulum-ab.txt (the lines).
# With SAME_HARNESS=1 the before build takes the after commit's harness (Pendulum/PendulumRounds.cs and Rounds.cs), so
# that only the library code differs between the two programs (e.g. when the after commit also changed the warm-up).
set -euo pipefail
before=${1:?before commit}
after=${2:?after commit}
runs=${3:-5}
rounds=${4:-5}
repo=$(git rev-parse --show-toplevel)
out=${5:-$repo/benchmarks/results}
lock=${BENCH_LOCK:-/work/wt/bench.lock}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in before after; do
  commit=${!side}
  git clone -q --no-checkout "$repo" "$work/$side"
  git -C "$work/$side" checkout -q "$commit"
  if [ "$side" = before ] && [ "${SAME_HARNESS:-0}" = 1 ]; then
    for f in benchmarks/MoreauGen.Benchmarks/Pendulum/PendulumRounds.cs benchmarks/MoreauGen.Benchmarks/Rounds.cs; do
      git -C "$repo" show "$after:$f" > "$work/before/$f"
    done
  fi
  dotnet build "$work/$side/benchmarks/MoreauGen.Benchmarks" -c Release -v q -nologo > "$work/$side.build.txt"
done

mkdir -p "$out"
{
  echo "before $before, after $after (same harness: ${SAME_HARNESS:-0}); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  for run in $(seq 1 "$runs"); do
    for side in before after; do
      dll=$work/$side/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
      line=$(flock "$lock" dotnet "$dll" pendulum-rounds --rounds "$rounds" --csv "$out/pendulum-ab-$side-$run.csv" | grep -E '^\| \*\*')
      echo "$side run $run: MorGD/GD, generated/hand-written Φx $line"
    done
  done
  echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/pendulum-ab.txt"
