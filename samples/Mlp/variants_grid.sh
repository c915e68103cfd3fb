#!/usr/bin/env bash
# The step grids of the paper's variants (App. F.2, samples/Mlp/RESULTS.md "Variants"): AL-MSGD over
# (beta, gamma, alpha) at kappa = KAPPA (default 1e-5, the paper's), TP over (kappa, eta) and ProxProp over
# (gamma, alpha) at kappa = 1, eta = 1. Every run starts from the same seed on the default network; a run whose
# epochs.csv exists is skipped. Then a summary (variants_summary.py). Usage, from anywhere:
#   samples/Mlp/variants_grid.sh [OUT_DIR]        # default OUT_DIR: mlp-variants-grid
# Environment: EPOCHS (default 2), TRAIN_LIMIT (default 5000; "all" for the whole set), HIDDEN (default 500,300,100),
# AL_GRID (space-separated BETA:GAMMA_EXPONENTS:ALPHA_EXPONENTS, exponents comma-separated; the default centres each
# beta's grid where gamma*beta and alpha*beta are near MorSGD's grid pick gamma = 2^2, alpha = 2^-8), TP_KAPPAS, TP_ETA_EXPONENTS, PP_GAMMA_EXPONENTS, PP_ALPHA_EXPONENTS,
# METHODS (default "al-msgd tp proxprop"), EXTRA (more options for every run).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-mlp-variants-grid}")"
epochs="${EPOCHS:-2}"
hidden="${HIDDEN:-500,300,100}"
kappa="${KAPPA:-1e-5}"
limit=()
[ "${TRAIN_LIMIT:-5000}" = all ] || limit=(--train-limit "${TRAIN_LIMIT:-5000}")
al_grid="${AL_GRID:-1:1,2,3:-10,-9,-8,-7 0.1:4,5,6:-6,-5,-4,-3 0.01:7,8,9:-3,-2,-1,0}"
tp_kappas="${TP_KAPPAS:-0.01 1}"
tp_etas="${TP_ETA_EXPONENTS:--8 -6 -4 -2 0}"
pp_gammas="${PP_GAMMA_EXPONENTS:--2 2}"
pp_alphas="${PP_ALPHA_EXPONENTS:--8 -6 -4 -2 0}"
methods="${METHODS:-al-msgd tp proxprop}"
extra="${EXTRA:-}"

dotnet build "$root/samples/Mlp" -c Release -v quiet -nologo
mkdir -p "$out"
# Run from a copy of the build, so that rebuilding the sample during the grid does not change the runs.
rm -rf "$out/.bin" && cp -r "$root/samples/Mlp/bin/Release/net10.0" "$out/.bin"
run() { # run NAME OPTIONS...
  local name="$1"; shift
  [ -f "$out/$name/epochs.csv" ] || dotnet "$out/.bin/Mlp.dll" --hidden "$hidden" --epochs "$epochs" "${limit[@]}" --out "$out/$name" --overwrite \
    "$@" $extra > "$out/$name.log" 2>&1 || true
}
for m in $methods; do
  case "$m" in
    al-msgd)
      for cell in $al_grid; do
        IFS=: read -r b gs as <<< "$cell"
        for g in ${gs//,/ }; do for a in ${as//,/ }; do
          run "al-msgd_beta=${b}_gamma=2^${g}_alpha=2^${a}" --method al-msgd --kappa "$kappa" --beta "$b" --gamma "2^$g" --alpha "2^$a"
        done; done
      done ;;
    tp)
      for k in $tp_kappas; do for e in $tp_etas; do
        run "tp_kappa=${k}_eta=2^${e}" --method tp --kappa "$k" --target-step "2^$e"
      done; done ;;
    proxprop)
      for g in $pp_gammas; do for a in $pp_alphas; do
        run "proxprop_gamma=2^${g}_alpha=2^${a}" --method proxprop --kappa 1 --gamma "2^$g" --alpha "2^$a"
      done; done ;;
  esac
done
python3 "$root/samples/Mlp/variants_summary.py" "$out"
