#!/usr/bin/env bash
# How far P processes of exact MorSGD are from one process on the same global batches (benchmarks/RESULTS.md,
# "Distributed training"): runs the distributed tests' worker (tests/MoreauGen.Distributed.Tests/Program.cs, 6 steps,
# global batch 10, double) with -np 1 and -np P and prints max |a − b|/(1 + |b|) over the final parameters and every
# rank's inner-solver iterations and evaluations.
# Usage: bash benchmarks/Distributed/exactness.sh NETWORK SOLVER P [REDUCTION]
#   NETWORK tanh|relu|mix|smooth, SOLVER two-step|gradient-descent|lbfgs, REDUCTION all (default) | none.
set -euo pipefail
cd "$(dirname "$0")/../.."
network=$1 solver=$2 processes=$3 reduction=${4:-all}
dotnet build tests/MoreauGen.Distributed.Tests/MoreauGen.Distributed.Tests.csproj -c Release -v q -nologo >/dev/null
dll=tests/MoreauGen.Distributed.Tests/bin/Release/net10.0/MoreauGen.Distributed.Tests.dll
mpi=(mpirun --allow-run-as-root --oversubscribe --mca pml ob1 --mca btl self,vader)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for p in 1 "$processes"; do
  "${mpi[@]}" -np "$p" dotnet "$dll" worker --method morsgd --network "$network" --solver "$solver" --reduction "$reduction" \
    --precision double --steps 6 --batch 10 --seed 7 --out "$out/$p.txt" >/dev/null
done
python3 - "$out/1.txt" "$out/$processes.txt" "$network" "$solver" "$processes" "$reduction" <<'PY'
import sys
one, many = ([float(v) for v in open(f).read().split("\n")[1].split()] for f in sys.argv[1:3])
counts = [open(f).read().split("\n")[3].split() for f in sys.argv[1:3]]
difference = max(abs(b - a) / (1 + abs(a)) for a, b in zip(one, many))
print(f"{sys.argv[3]}/{sys.argv[4]}, {sys.argv[5]} processes (reduction {sys.argv[6]}) vs 1: parameters differ by {difference:.2e}; "
      f"solver iterations, evaluations: 1 process {counts[0][0]}, {counts[0][1]}; per rank {' | '.join(', '.join(counts[1][i:i + 2]) for i in range(0, len(counts[1]), 2))}")
PY
