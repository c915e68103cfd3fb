#!/bin/bash
# step-rounds in several processes one after another: the MLP step's ratio to its products moves more between processes
# (each with its own memory layout and thread placement) than between the rounds of one process, so one process's median
# is not the machine's. Runs `step-rounds --network SHAPE --rounds 3` N times under one hold of the benchmark lock and
# prints, per process, the median over its rounds of SGD step / its products and MorSGD / SGD, then the median and range
# over the processes. Before each process, `core-handoff --rounds 1` measures how long a cache line takes from one core to
# the other at that moment (tens of ns when the two cores share a last-level cache, hundreds when the VM's vCPUs sit on
# different dies): the small network's step on the batch's halves hands 2 MB between the cores every step.
# Build first (dotnet build benchmarks/MoreauGen.Benchmarks -c Release); from the repository root:
#   benchmarks/step-processes.sh [N=8] [SHAPE=784-500-300-100-10] [out-prefix=benchmarks/results/step-processes-DATE]
set -u
cd "$(dirname "$0")/.."
N=${1:-8}
SHAPE=${2:-784-500-300-100-10}
R=${3:-benchmarks/results/step-processes-$(date -u +%F)}
D=benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
exec 9> "${BENCH_LOCK:-/work/wt/bench.lock}"
flock 9
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$N"); do
  dotnet $D core-handoff --rounds 1 > "$R-$i-handoff.txt" 2>&1 || echo "core-handoff before process $i failed ($R-$i-handoff.txt); going on without it"
  dotnet $D step-rounds --rounds 3 --network "$SHAPE" --csv "$R-$i.csv" > "$R-$i.txt" 2>&1 || { echo "process $i failed: $R-$i.txt"; exit 1; }
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$R" "$N" <<'PY'
import csv, statistics, sys
prefix, n = sys.argv[1], int(sys.argv[2])
steps, mors = [], []
for i in range(1, n + 1):
    rows = list(csv.DictReader(open(f"{prefix}-{i}.csv")))
    s = statistics.median(float(r["sgd_ms"]) / float(r["sgd_products_ms"]) for r in rows)
    m = statistics.median(float(r["morsgd_ms"]) / float(r["sgd_ms"]) for r in rows)
    products = statistics.median(float(r["sgd_products_ms"]) for r in rows)
    steps.append(s); mors.append(m)
    handoff = next((l.split("latency ")[1].split(" ns")[0] for l in open(f"{prefix}-{i}-handoff.txt") if l.startswith("median:")), "?")
    print(f"process {i}: SGD step / its products {s:.3f}, MorSGD / SGD {m:.3f}, products {products:.3f} ms; "
          f"one-way cache-line latency between the cores just before {handoff} ns")
print(f"over {n} processes: SGD step / its products median {statistics.median(steps):.3f} ({min(steps):.3f}-{max(steps):.3f}), "
      f"MorSGD / SGD median {statistics.median(mors):.3f} ({min(mors):.3f}-{max(mors):.3f})")
PY
