#!/usr/bin/env bash
# The step grids of samples/ConvNet/RESULTS.md (paper App. E.2.2: powers of two around the paper's picks): SGD's eta,
# and MorSGD's (alpha, gamma) including the paper's pick (2^-1, 2^-1), each run from the same seed, then the MLP
# sample's summary (samples/Mlp/grid_summary.py). Usage, from anywhere:
#   samples/ConvNet/grid.sh [OUT_DIR]        # default OUT_DIR: convnet-grid
# Environment: EPOCHS (default 2), TRAIN_LIMIT (default 6000, the default run's), SGD_EXPONENTS, ALPHA_EXPONENTS,
# GAMMA_EXPONENTS (space-separated exponents e of 2^e, run in that order), EXTRA (more options for every run),
# BIN (an already built samples/ConvNet/bin/Release/net10.0 to use instead of building).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-convnet-grid}")"
epochs="${EPOCHS:-2}"
limit="${TRAIN_LIMIT:-6000}"
sgd_exponents="${SGD_EXPONENTS:--5 -4 -3 -2 -1 0}"
alpha_exponents="${ALPHA_EXPONENTS:--3 -2 -1 0 1}"
gamma_exponents="${GAMMA_EXPONENTS:--2 -1 0}"
extra="${EXTRA:-}"

bin="${BIN:-}"
if [ -z "$bin" ]; then
  dotnet build "$root/samples/ConvNet" -c Release -v quiet -nologo
  bin="$root/samples/ConvNet/bin/Release/net10.0"
fi
mkdir -p "$out"
# Run from a copy of the build, so that rebuilding the sample during the grid does not change the runs.
rm -rf "$out/.bin" && cp -r "$bin" "$out/.bin"
convnet=(dotnet "$out/.bin/ConvNet.dll" --train-limit "$limit" --epochs "$epochs")
for e in $sgd_exponents; do
  dir="$out/sgd_eta=2^$e"
  [ -f "$dir/epochs.csv" ] || "${convnet[@]}" --method sgd --sgd-step "2^$e" --out "$dir" --overwrite $extra > "$dir.log" 2>&1 || true
done
for g in $gamma_exponents; do
  for a in $alpha_exponents; do
    dir="$out/morsgd_alpha=2^${a}_gamma=2^$g"
    [ -f "$dir/epochs.csv" ] || "${convnet[@]}" --method morsgd --alpha "2^$a" --gamma "2^$g" --out "$dir" --overwrite $extra > "$dir.log" 2>&1 || true
  done
done
python3 "$root/samples/Mlp/grid_summary.py" "$out"
