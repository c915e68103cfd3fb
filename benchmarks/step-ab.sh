#!/usr/bin/env bash
# Before/after comparison of the MLP step (step-rounds: SGD step / its products, MorSGD / SGD) for two commits of this
# repository, run in alternation so that both see the same machine: builds each commit's benchmark program in its own
# clone, then runs the two programs turn about (before first in odd runs, after first in even ones), each run under the
# shared benchmark lock with core-handoff before it, and prints one line per run and the medians per side.
#
#   benchmarks/step-ab.sh <before-commit> <after-commit> [runs=4] [rounds=3] [network=784-500-300-100-10] [out-dir=benchmarks/results/step-ab]
#
# Writes <out-dir>/step-ab-<before|after>-<run>.{csv,txt} (step-rounds' raw rounds and output), -handoff.txt beside each,
# and step-ab.txt (the lines and the medians).
set -euo pipefail
before=${1:?before commit}
after=${2:?after commit}
runs=${3:-4}
rounds=${4:-3}
network=${5:-784-500-300-100-10}
repo=$(git rev-parse --show-toplevel)
out=$(realpath -m "${6:-$repo/benchmarks/results/step-ab}") # absolute: the runs start in /tmp
lock=${BENCH_LOCK:-/work/wt/bench.lock}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in before after; do
  commit=${!side}
  git clone -q --no-checkout "$repo" "$work/$side"
  git -C "$work/$side" checkout -q "$commit"
  if ! dotnet build "$work/$side/benchmarks/MoreauGen.Benchmarks" -c Release -v q -nologo > "$work/$side.build.txt" 2>&1; then
    cat "$work/$side.build.txt" >&2
    echo "the build of $side ($commit) failed" >&2
    exit 1
  fi
done
dotnet build-server shutdown > /dev/null 2>&1 || true

mkdir -p "$out"
summary=$out/step-ab.txt
echo "before $before, after $after, $network, $runs runs of $rounds rounds; load at start: $(cut -d' ' -f1-3 /proc/loadavg)" > "$summary"
for run in $(seq 1 "$runs"); do
  order="before after"
  [ $((run % 2)) -eq 0 ] && order="after before"
  for side in $order; do
    dll=$work/$side/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
    base=$out/step-ab-$side-$run
    (cd /tmp && flock "$lock" bash -c "dotnet '$dll' core-handoff --rounds 1 > '$base-handoff.txt' 2>&1; \
       dotnet '$dll' step-rounds --rounds $rounds --network $network --csv '$base.csv' > '$base.txt' 2>&1")
    handoff=$(grep -oE 'one-way latency [0-9]+ ns' "$base-handoff.txt" | head -1 || true)
    # round,network,sgd_ms,sgd_products_ms,morsgd_ms,...: medians over the run's rounds
    line=$(python3 - "$base.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sgd = statistics.median(float(r["sgd_ms"]) for r in rows)
products = statistics.median(float(r["sgd_products_ms"]) for r in rows)
ratio = statistics.median(float(r["sgd_ms"]) / float(r["sgd_products_ms"]) for r in rows)
mor = statistics.median(float(r["morsgd_ms"]) / float(r["sgd_ms"]) for r in rows)
print(f"SGD {sgd:.3f} ms, products {products:.3f} ms, SGD/products {ratio:.3f}, MorSGD/SGD {mor:.3f}")
PY
)
    echo "run $run $side: $line; $handoff" | tee -a "$summary"
  done
done
python3 - "$summary" <<'PY' | tee -a "$summary"
import re, statistics, sys
sides = {"before": [], "after": []}
for line in open(sys.argv[1]):
    m = re.match(r"run \d+ (before|after): SGD ([\d.]+) ms, products ([\d.]+) ms, SGD/products ([\d.]+), MorSGD/SGD ([\d.]+)", line)
    if m:
        sides[m.group(1)].append(tuple(float(g) for g in m.groups()[1:]))
for side, values in sides.items():
    if values:
        cols = list(zip(*values))
        print(f"{side}: medians over runs: SGD {statistics.median(cols[0]):.3f} ms, SGD/products {statistics.median(cols[2]):.3f} "
              f"({min(cols[2]):.3f}-{max(cols[2]):.3f}), MorSGD/SGD {statistics.median(cols[3]):.3f} ({min(cols[3]):.3f}-{max(cols[3]):.3f})")
PY
