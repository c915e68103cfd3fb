#!/bin/bash
# The small MLP step's ratio to its products against how the VM's two vCPUs share their caches at the time: N iterations,
# each `benchmarks/step-processes.sh 3` (which runs core-handoff before each process) and `halves-profile --rounds 1`
# (the step's phases alone and inside steps), with a pause between iterations so the machine's state can change.
# Summarise with benchmarks/handoff-summary.py. Build first (dotnet build benchmarks/MoreauGen.Benchmarks -c Release);
# from the repository root:
#   benchmarks/handoff-rounds.sh [N=20] [out-prefix=/tmp/handoff-DATE] [pause seconds=45]
# Nothing else may run meanwhile (builds do not take the benchmark lock).
set -u -o pipefail
N=${1:-20}
R=$(realpath -m "${2:-/tmp/handoff-$(date -u +%F-%H%M)}")
PAUSE=${3:-45}
cd "$(dirname "$0")/.."
D=$PWD/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
if compgen -G "$R-*" > /dev/null; then
  echo "files $R-* exist already: give another prefix" >&2
  exit 1
fi
mkdir -p "$(dirname "$R")"
for i in $(seq 1 "$N"); do
  echo "=== $(date -u +%H:%M:%S) iteration $i"
  bash benchmarks/step-processes.sh 3 784-500-300-100-10 "$R-sp-$i" 2>&1 | tail -4 || { echo "step-processes failed in iteration $i" >&2; exit 1; }
  (cd "$(dirname "$R")" && flock "${BENCH_LOCK:-/work/wt/bench.lock}" dotnet "$D" halves-profile --rounds 1 --network 784-500-300-100-10 > "$R-hp-$i.txt" 2>&1)
  grep -E "step on the halves|each alone|in a step" "$R-hp-$i.txt"
  [ "$i" -lt "$N" ] && sleep "$PAUSE"
done
echo done
