#!/usr/bin/env bash
# The step-size grids of samples/Mlp/RESULTS.md (paper App. E.2.2: powers of two): SGD's eta, and MorSGD's
# (alpha, gamma) including the paper's pick (2, 1), each run for EPOCHS epochs (default 5) on the default network
# from the same seed, then a summary (grid_summary.py). Usage, from anywhere:
#   samples/Mlp/grid.sh [OUT_DIR]        # default OUT_DIR: mlp-grid
# Environment: EPOCHS, SGD_EXPONENTS, ALPHA_EXPONENTS, GAMMA_EXPONENTS (space-separated exponents e of 2^e),
# EXTRA (more options for every run, e.g. "--loss cross-entropy").
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-mlp-grid}")"
epochs="${EPOCHS:-5}"
sgd_exponents="${SGD_EXPONENTS:--6 -5 -4 -3 -2 -1 0 1}"
alpha_exponents="${ALPHA_EXPONENTS:--7 -6 -5 -4 -3 -2 -1 0 1 2 3}"
gamma_exponents="${GAMMA_EXPONENTS:--3 -2 -1 0 1}"
extra="${EXTRA:-}"

dotnet build "$root/samples/Mlp" -c Release -v quiet -nologo
mkdir -p "$out"
# Run from a copy of the build, so that rebuilding the sample during the grid does not change the runs.
rm -rf "$out/.bin" && cp -r "$root/samples/Mlp/bin/Release/net10.0" "$out/.bin"
mlp=(dotnet "$out/.bin/Mlp.dll")
for e in $sgd_exponents; do
  dir="$out/sgd_eta=2^$e"
  [ -f "$dir/epochs.csv" ] || "${mlp[@]}" --method sgd --sgd-step "2^$e" --epochs "$epochs" --out "$dir" $extra > "$out/sgd_eta=2^$e.log" 2>&1 || true
done
for g in $gamma_exponents; do
  for a in $alpha_exponents; do
    dir="$out/morsgd_alpha=2^${a}_gamma=2^$g"
    [ -f "$dir/epochs.csv" ] || "${mlp[@]}" --method morsgd --alpha "2^$a" --gamma "2^$g" --epochs "$epochs" --out "$dir" $extra > "$dir.log" 2>&1 || true
  done
done
python3 "$root/samples/Mlp/grid_summary.py" "$out"
