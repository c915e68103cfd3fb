#!/bin/bash
set -o pipefail
cd /tmp/final
H() { dotnet /work/wt/dense/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll core-handoff --rounds 1 2>&1 | tail -1; }
for i in 1 2; do
  echo "== iteration $i $(date -u +%H:%M:%S)"
  H > columns-$i-handoff.txt
  dotnet /work/wt/dense/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll step-columns --rounds 5 --network 784-500-300-100-10 --csv columns-$i.csv > columns-$i.txt 2>&1
  H > rows-$i-handoff.txt
  dotnet /tmp/wt-rows/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll step-dense --rounds 5 --network 784-500-300-100-10 --csv rows-$i.csv > rows-$i.txt 2>&1
  H > kc-$i-handoff.txt
  MG_KC=392 dotnet /work/wt/kc/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll step-halves --rounds 5 --network 784-500-300-100-10 --csv kc392-$i.csv > kc392-$i.txt 2>&1
done
echo "== done $(date -u +%H:%M:%S)"
