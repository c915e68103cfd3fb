#!/usr/bin/env bash
# The paper's Fig. 10 (App. F.2, Table 2) on Fashion-MNIST: AL-MSGD against SGD with batches of 256 on five MLPs.
# For each network: SGD at the sample's grid step and at Table 2's, AL-MSGD at the variants grid's pick and at Table 2's
# (alpha, gamma, beta), kappa = 1e-5. `Mlp compare` draws each network's runs (best-so-far training and test losses).
# Usage:
#   samples/Mlp/fig10.sh [OUT_DIR]       # default OUT_DIR: mlp-fig10
# Environment: EPOCHS (default 3), ALPHA, GAMMA, BETA (the grid's AL-MSGD pick), SGD_STEP (the grid's SGD step),
# NETWORKS (default: all five), PAPER (1: also run Table 2's steps; default 1).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-mlp-fig10}")"
epochs="${EPOCHS:-3}"
alpha="${ALPHA:-2^-8}" gamma="${GAMMA:-2^2}" beta="${BETA:-1}" sgd="${SGD_STEP:-2^-2}"
networks="${NETWORKS:-500 500,300,100 500,500,500 500,400,300,200,100 500,500,500,500,500}"
# Table 2: network -> SGD step, AL-MSGD gamma, alpha, beta.
declare -A table2=(
  [500]="1 256 64 0.01" [500,300,100]="4 32 8 0.1" [500,500,500]="8 256 64 0.01"
  [500,400,300,200,100]="8 2 16 1" [500,500,500,500,500]="8 16 64 0.1")
dotnet build "$root/samples/Mlp" -c Release -v quiet -nologo
mkdir -p "$out"
rm -rf "$out/.bin" && cp -r "$root/samples/Mlp/bin/Release/net10.0" "$out/.bin"
mlp=(dotnet "$out/.bin/Mlp.dll")
run() { # run DIR OPTIONS...
  local dir="$1"; shift
  [ -f "$dir/epochs.csv" ] || "${mlp[@]}" --epochs "$epochs" --batch 256 --kappa 1e-5 --overwrite --out "$dir" "$@" > "$dir.log" 2>&1 || true
}
for net in $networks; do
  read -r p_sgd p_gamma p_alpha p_beta <<< "${table2[$net]}"
  mkdir -p "$out/$net"
  dirs=("$out/$net/sgd" "$out/$net/al-msgd")
  run "$out/$net/al-msgd" --hidden "$net" --method al-msgd --alpha "$alpha" --gamma "$gamma" --beta "$beta"
  run "$out/$net/sgd" --hidden "$net" --method sgd --sgd-step "$sgd"
  if [ "${PAPER:-1}" = 1 ]; then
    run "$out/$net/al-msgd-table2" --hidden "$net" --method al-msgd --alpha "$p_alpha" --gamma "$p_gamma" --beta "$p_beta"
    run "$out/$net/sgd-table2" --hidden "$net" --method sgd --sgd-step "$p_sgd"
    dirs+=("$out/$net/sgd-table2" "$out/$net/al-msgd-table2")
  fi
  "${mlp[@]}" compare --title "784-${net//,/-}-10" --out "$out/fig10_${net//,/-}.png" "${dirs[@]}"
done
