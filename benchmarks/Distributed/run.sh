#!/usr/bin/env bash
# Data-parallel training on this machine (benchmarks/RESULTS.md, "Distributed training"):
#  1. an in-place MPI_Allreduce over 2 local processes at the message sizes of one SGD step (|w| + 1 floats) and of one
#     exact MorSGD step's traffic, for 784-500-300-100-10 and 784-4000-1000-4000-10;
#  2. `Mlp --distributed` for SGD and exact MorSGD on both networks, 1 process × 2 threads against 2 processes × 1
#     thread (DOTNET_PROCESSOR_COUNT=1 sizes the GEMM worker pool), the same global batch of 256.
# The second epoch's line is the one to read (the first includes JIT warm-up). `uptime` is printed before every run.
# With an argument, only the training runs whose "network method" matches it (a grep pattern) are made, e.g.
# `bash benchmarks/Distributed/run.sh '784-500-300-100-10 morsgd'`.
set -euo pipefail
only=${1:-}
cd "$(dirname "$0")/../.."
dotnet build samples/Mlp/Mlp.csproj -c Release -v q -nologo >/dev/null
dotnet build benchmarks/Distributed/MpiAllreduce.csproj -c Release -v q -nologo >/dev/null
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca pml ob1 --mca btl self,vader)
mlp=samples/Mlp/bin/Release/net10.0/Mlp.dll

if [ -z "$only" ]; then
  echo "== allreduce alone"; uptime
  "${mpi[@]}" -np 2 dotnet benchmarks/Distributed/bin/Release/net10.0/MpiAllreduce.dll 573911 1146811 11185011 22329011
fi

run() { # network-name hidden steps method [extra options]
  local name=$1 hidden=$2 steps=$3 method=$4; shift 4
  if [ -n "$only" ] && ! echo "$name $method" | grep -q -- "$only"; then return; fi
  for layout in "1 2" "2 1"; do
    set -- $layout "$@"; local processes=$1 threads=$2; shift 2
    echo "== $name $method, $processes process(es) x $threads thread(s)"; uptime
    "${mpi[@]}" -np "$processes" -x DOTNET_PROCESSOR_COUNT="$threads" dotnet "$mlp" --distributed --hidden "$hidden" \
      --method "$method" --epochs 2 --max-steps "$steps" --batch 256 "$@" 2>&1 | grep -v '^\s*$'
  done
}
run 784-500-300-100-10 500,300,100 30 sgd
run 784-500-300-100-10 500,300,100 30 morsgd
run 784-4000-1000-4000-10 4000,1000,4000 6 sgd --sgd-step 2^-4
run 784-4000-1000-4000-10 4000,1000,4000 6 morsgd --alpha 2^-4 --gamma 1
