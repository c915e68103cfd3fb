#!/usr/bin/env bash
# The paper's Fig. 9 (App. F.2) on Fashion-MNIST: AL-MGD against GD with the whole training set as the batch, and
# AL-MSGD against SGD with batches of 256, on the (500, 300, 100) MLP, for kappa in {0, 1e-5, 1e-3}. Each setting is
# one run of the sample; `Mlp compare` draws them together (best-so-far training and test losses). Usage:
#   samples/Mlp/fig9.sh [OUT_DIR]        # default OUT_DIR: mlp-fig9
#   ITERATIONS=100 EPOCHS=100 samples/Mlp/fig9.sh mlp-fig9-100   # the paper's counts
# It ends with OUT_DIR/summary.md (fig_summary.py: best-so-far losses and the area of every run).
# Environment: ITERATIONS (full-batch iterations, default 10), EPOCHS (mini-batch epochs, default 3), ALPHA, GAMMA,
# BETA (AL-MSGD's steps, default 2^-8, 2^2, 1: MorSGD's grid pick, at which kappa = 0 is MorSGD), SGD_STEP (default
# 2^-2), KAPPAS (default "0 1e-5 1e-3"), PARTS (default "batch minibatch"), TIME_LIMIT (e.g. 45m: a part's runs start
# together and each is stopped by SIGTERM after that long, saving the epochs it completed; then cut_epochs.py cuts them
# all to the epochs every run completed, written to OUT_DIR/conditions.txt).
#   PARTS=minibatch EPOCHS=100 TIME_LIMIT=45m samples/Mlp/fig9.sh mlp-fig9-256   # as many of the paper's 100 epochs as fit
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-mlp-fig9}")"
alpha="${ALPHA:-2^-8}" gamma="${GAMMA:-2^2}" beta="${BETA:-1}" sgd="${SGD_STEP:-2^-2}"
kappas="${KAPPAS:-0 1e-5 1e-3}"
dotnet build "$root/samples/Mlp" -c Release -v quiet -nologo
mkdir -p "$out"
rm -rf "$out/.bin" && cp -r "$root/samples/Mlp/bin/Release/net10.0" "$out/.bin"
mlp=(dotnet "$out/.bin/Mlp.dll")
echo "iterations: ${ITERATIONS:-10}, epochs: ${EPOCHS:-3}; load at start: $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/conditions.txt"
for part in ${PARTS:-batch minibatch}; do
  if [ "$part" = batch ]; then size=60000 count="${ITERATIONS:-10}" x="iteration k"; else size=256 count="${EPOCHS:-3}" x="epoch k"; fi
  common=(--hidden 500,300,100 --batch "$size" --epochs "$count" --overwrite)
  mkdir -p "$out/$part"
  dirs=()
  limited=()
  [ -z "${TIME_LIMIT:-}" ] || limited=(timeout "$TIME_LIMIT")
  run() { # run DIR OPTIONS...: in the background with a time limit, else in turn
    local dir="$1"; shift
    dirs+=("$dir")
    [ ! -f "$dir/epochs.csv" ] || return 0
    if [ -n "${TIME_LIMIT:-}" ]; then
      { "${limited[@]}" "${mlp[@]}" "${common[@]}" "$@" --out "$dir" > "$dir.log" 2>&1 || true; } &
    else
      "${mlp[@]}" "${common[@]}" "$@" --out "$dir" > "$dir.log" 2>&1 || true
    fi
  }
  for k in $kappas; do
    run "$out/$part/al-msgd_kappa=$k" --method al-msgd --alpha "$alpha" --gamma "$gamma" --beta "$beta" --kappa "$k"
  done
  run "$out/$part/sgd" --method sgd --sgd-step "$sgd"
  if [ -n "${TIME_LIMIT:-}" ]; then
    wait
    echo "$part: runs started together, each stopped after $TIME_LIMIT; cut to $x = 0..$(python3 "$root/samples/Mlp/cut_epochs.py" "${dirs[@]}"), which every run completed" >> "$out/conditions.txt"
  fi
  "${mlp[@]}" compare --title "784-500-300-100-10, batch $size" --x-label "$x" --out "$out/fig9_$part.png" "${dirs[@]}"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/conditions.txt"
python3 "$root/samples/Mlp/fig_summary.py" "$out"/batch/*/ "$out"/minibatch/*/ | tee "$out/summary.md"
