#!/usr/bin/env bash
# How much a GEMM's calls lose when another core streams through memory (the L3 and memory traffic of another process or
# another tenant of the host), for two blockings in one run: gemm-calls on one thread pinned to CPU 0, its sides taking
# turns call by call, first alone, then with a NumPy copy of 64 MB → 64 MB looping on CPU 1, then alone again. Build first
# (dotnet build benchmarks/MoreauGen.Benchmarks -c Release); run from the repository root:
#
#   benchmarks/gemm-contention.sh [out-prefix=benchmarks/results/gemm-contention] [variants=auto-dk0] [shape=1024x1024x1024] [calls=100]
#
# Writes <prefix>-{alone1,streamed,alone2}.{txt,csv}. Needs 2 CPUs, /usr/bin/python3 with NumPy, taskset.
set -euo pipefail
prefix=${1:-benchmarks/results/gemm-contention}
variants=${2:-auto-dk0}
shape=${3:-1024x1024x1024}
calls=${4:-100}
lock=${BENCH_LOCK:-/work/wt/bench.lock}
dll=benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
calls_run() {
  taskset -c 0 dotnet "$dll" gemm-calls --shape "$shape" --calls "$calls" --threads 1 --probe 0 --variants "$variants" --csv "$prefix-$1.csv" > "$prefix-$1.txt"
}
exec 9> "$lock"
flock 9
calls_run alone1
taskset -c 1 /usr/bin/python3 -c '
import numpy as np
a = np.ones(1 << 24, np.float32); b = np.empty_like(a)
while True: np.copyto(b, a)' &
stream=$!
trap 'kill $stream 2>/dev/null || true' EXIT
sleep 1
calls_run streamed
kill $stream; wait $stream 2>/dev/null || true
calls_run alone2
for run in alone1 streamed alone2; do echo "== $run"; grep -E '^\| ours|load average' "$prefix-$run.txt" | grep -v -E 'fifth|middle'; done
