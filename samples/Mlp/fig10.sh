#!/usr/bin/env bash
# The paper's Fig. 10 (App. F.2, Table 2) on Fashion-MNIST: AL-MSGD against SGD with batches of 256 on five MLPs, in one
# command. For each network: SGD on a small grid of steps and at Table 2's step; AL-MSGD on a small grid of
# (alpha, gamma, beta) and at Table 2's, kappa = 1e-5. `Mlp compare` draws each network's best grid runs and Table 2's
# (best-so-far training and test losses); fig10_summary.py writes OUT_DIR/summary.md: per network the area under the
# best-so-far training-loss curve of each run, each method's best grid run, whether AL-MSGD beats SGD and by how much.
# Usage:
#   samples/Mlp/fig10.sh [OUT_DIR]       # default OUT_DIR: mlp-fig10
#   EPOCHS=50 samples/Mlp/fig10.sh mlp-fig10-50     # the paper's 50 epochs
# Environment: EPOCHS (default 3), NETWORKS (default: all five), SGD_STEPS (default "2^-2 2^-4 2^-6"), AL_CELLS
# (default "2^-8:2^2:1 2^-4:2^4:0.1", each alpha:gamma:beta), PAPER (1: also run Table 2's steps; default 1).
# A run whose epochs.csv exists is not run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-mlp-fig10}")"
epochs="${EPOCHS:-3}"
networks="${NETWORKS:-500 500,300,100 500,500,500 500,400,300,200,100 500,500,500,500,500}"
sgd_steps="${SGD_STEPS:-2^-2 2^-4 2^-6}"
al_cells="${AL_CELLS:-2^-8:2^2:1 2^-4:2^4:0.1}"
# Table 2: network -> SGD step, AL-MSGD gamma, alpha, beta.
declare -A table2=(
  [500]="1 256 64 0.01" [500,300,100]="4 32 8 0.1" [500,500,500]="8 256 64 0.01"
  [500,400,300,200,100]="8 2 16 1" [500,500,500,500,500]="8 16 64 0.1")
dotnet build "$root/samples/Mlp" -c Release -v quiet -nologo
mkdir -p "$out"
rm -rf "$out/.bin" && cp -r "$root/samples/Mlp/bin/Release/net10.0" "$out/.bin"
mlp=(dotnet "$out/.bin/Mlp.dll")
echo "epochs: $epochs; load at start: $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/conditions.txt"
run() { # run DIR OPTIONS...
  local dir="$1"; shift
  [ -f "$dir/epochs.csv" ] || "${mlp[@]}" --epochs "$epochs" --batch 256 --kappa 1e-5 --overwrite --out "$dir" "$@" > "$dir.log" 2>&1 || true
}
for net in $networks; do
  read -r p_sgd p_gamma p_alpha p_beta <<< "${table2[$net]}"
  mkdir -p "$out/$net"
  for eta in $sgd_steps; do
    run "$out/$net/sgd_eta=$eta" --hidden "$net" --method sgd --sgd-step "$eta"
  done
  for cell in $al_cells; do
    IFS=: read -r a g b <<< "$cell"
    run "$out/$net/al-msgd_alpha=${a}_gamma=${g}_beta=$b" --hidden "$net" --method al-msgd --alpha "$a" --gamma "$g" --beta "$b"
  done
  if [ "${PAPER:-1}" = 1 ]; then
    run "$out/$net/table2_sgd_eta=$p_sgd" --hidden "$net" --method sgd --sgd-step "$p_sgd"
    run "$out/$net/table2_al-msgd_alpha=${p_alpha}_gamma=${p_gamma}_beta=$p_beta" --hidden "$net" --method al-msgd --alpha "$p_alpha" --gamma "$p_gamma" --beta "$p_beta"
  fi
  # The figure: each method's best grid run, and Table 2's runs that stayed finite.
  mapfile -t dirs < <(python3 "$root/samples/Mlp/fig10_summary.py" --plot-runs "$out/$net")
  "${mlp[@]}" compare --title "784-${net//,/-}-10, $epochs epochs" --out "$out/fig10_${net//,/-}.png" "${dirs[@]}"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/conditions.txt"
python3 "$root/samples/Mlp/fig10_summary.py" "$out" | tee "$out/summary.md"
