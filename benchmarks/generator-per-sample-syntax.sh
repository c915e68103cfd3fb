#!/usr/bin/env bash
# The per-sample shapes' cold runs with every body bound (--bound: the parse before the syntax reader of per-sample
# bodies) and with the shipped generator, back to back in one benchmark-lock slot, then the unrelated-edit keystroke at
# 100 small layers; the load average before and after each part (BENCH_LOCK names the lock file).
# Usage: benchmarks/generator-per-sample-syntax.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/results/generator-per-sample-syntax.txt}"
dotnet build benchmarks/MoreauGen.GeneratorBenchmarks -c Release >/dev/null
run() { dotnet run -c Release --no-build --project benchmarks/MoreauGen.GeneratorBenchmarks -- "$@"; }
flock "${BENCH_LOCK:-/work/wt/bench.lock}" bash -c "$(declare -f run)"'
  echo "load: $(uptime)"; run --phases --bound --shapes fresh,overwrite,loop --sizes 1000,5000,10000 --reps 3
  echo "load: $(uptime)"; run --phases --shapes fresh,overwrite,loop --sizes 1000,5000,10000 --reps 3
  echo "load: $(uptime)"; run --shapes none --layers 100 --reps 3
  echo "load: $(uptime)"' | tee "$out"
