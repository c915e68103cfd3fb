#!/bin/bash
# Every timing command of the goals in RESULTS.md, one after another, on an idle machine (nothing else running):
# raw outputs go to benchmarks/results/quiet-DATE-NAME.{txt,csv}. Build first:
#   dotnet build benchmarks/MoreauGen.Benchmarks -c Release && dotnet build benchmarks/MoreauGen.GeneratorBenchmarks -c Release \
#     && dotnet build benchmarks/StepTimer -c Release
# Usage: benchmarks/quiet-rounds.sh [DATE]   (default: today, UTC)
set -u
cd "$(dirname "$0")/.."
D=benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
R=benchmarks/results/quiet-${1:-$(date -u +%F)}
run() { name=$1; shift; echo "== $name $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"; ( "$@" ) > $R-$name.txt 2>&1; echo "   rc=$? $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
# Whether the two cores share a last-level cache at the start and at the end (the small MLP step's ratio depends on it).
run core-handoff-start dotnet $D core-handoff --rounds 3
run conv-rounds dotnet $D conv-rounds
run convnet-side-by-side env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/pytorch/convnet_side_by_side.py --rounds 11 --steps 3 --no-build
run step-rounds dotnet $D step-rounds --rounds 5 --csv $R-step-rounds.csv
run pendulum-rounds dotnet $D pendulum-rounds --rounds 15 --csv $R-pendulum-rounds.csv
run step-profile dotnet $D step-profile --rounds 3
run construct-rounds dotnet $D construct-rounds --rounds 5
run control-flow-rounds dotnet $D control-flow-rounds --rounds 5
run scratch-rounds dotnet $D scratch-rounds 1024 15
run variant-rounds dotnet $D variant-rounds --rounds 5 --calls 15 --first-steps 0 --csv $R-variant-rounds.csv
run gemm-rounds env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dotnet $D gemm-rounds --rounds 7 --variants rows,columns-own --csv $R-gemm-rounds.csv
run generator dotnet benchmarks/MoreauGen.GeneratorBenchmarks/bin/Release/net10.0/MoreauGen.GeneratorBenchmarks.dll --phases --shapes fresh,overwrite,loop,batched --sizes 1000,5000,10000 --reps 3
run core-handoff-end dotnet $D core-handoff --rounds 3
echo done
