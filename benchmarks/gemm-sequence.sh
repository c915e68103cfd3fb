#!/bin/bash
# gemm-rounds at the end of a sequence of other benchmarks, as in quiet-rounds.sh (where 1024³ ran slower than alone):
# conv-rounds and step-rounds first, then gemm-rounds with the old depth blocking as a variant (auto-dk0), all under
# one hold of the benchmark lock so that nothing else's timed run slips in between. Build first
# (dotnet build benchmarks/MoreauGen.Benchmarks -c Release); run from the repository root:
#   benchmarks/gemm-sequence.sh [out-prefix=benchmarks/results/gemm-sequence-DATE]
set -u
cd "$(dirname "$0")/.."
D=benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
R=${1:-benchmarks/results/gemm-sequence-$(date -u +%F)}
exec 9> "${BENCH_LOCK:-/work/wt/bench.lock}"
flock 9
run() { name=$1; shift; echo "== $name $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"; ( "$@" ) > $R-$name.txt 2>&1; echo "   rc=$? $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
run conv-rounds dotnet $D conv-rounds
run step-rounds dotnet $D step-rounds --rounds 5 --csv $R-step-rounds.csv
run gemm-rounds env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dotnet $D gemm-rounds --rounds 7 --variants auto-dk0 --csv $R-gemm-rounds.csv
grep -E '1024x1024x1024|1024³' $R-gemm-rounds.txt
