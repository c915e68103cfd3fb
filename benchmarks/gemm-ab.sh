#!/usr/bin/env bash
# A/B comparison of the GEMM harness (gemm-rounds: ours beside OpenBLAS in one process) for two git refs of this
# repository, run in alternation so that both see the same machine load: builds each ref's benchmark program in its own
# clone, then runs the two programs turn about (A, B, A, B, …), each run under the shared benchmark lock with the
# OpenBLAS variables unset in that command alone, and prints per shape the median ratio ours/OpenBLAS of every run and
# the median over the runs of each side.
#
#   benchmarks/gemm-ab.sh <ref-a> <ref-b> [pairs=4] [rounds=7] [out-dir=benchmarks/results] [name=gemm-ab]
#
# Writes <out-dir>/<name>-{a,b}-<run>.txt (each run's whole output), <name>-{a,b}-<run>.csv (its raw rounds) and
# <name>.txt (the table).
# GEMM_AB_ARGS adds arguments to every run (e.g. "--shapes 256x500x784-Bt,1024x1024x1024").
# Only the table, from runs already made: benchmarks/gemm-ab.sh --table <prefix-a> <prefix-b> <pairs> reads
# <prefix-a>1.txt … and <prefix-b>1.txt ….
set -euo pipefail

# The table: one row per shape, the median ratio ours/OpenBLAS of each run (bold in gemm-rounds' table), a then b.
table() {
  local prefix_a=$1 prefix_b=$2 pairs=$3 files=()
  for run in $(seq 1 "$pairs"); do files+=(side=a "${prefix_a}$run.txt" side=b "${prefix_b}$run.txt"); done
  awk '
    function median(list, n,    i, j, t, v) {
      for (i = 1; i <= n; i++) v[i] = list[i]
      for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    /^\| [0-9]+x[0-9]+x[0-9]+[^,|]*\|/ && /\*\*/ {
      split($0, cells, "|"); shape = cells[2]; gsub(/^ +| +$/, "", shape)
      ratio = cells[5]; sub(/^[^*]*\*\*/, "", ratio); sub(/\*\*.*/, "", ratio)
      if (!(shape in seen)) { seen[shape] = 1; order[++shapes] = shape }
      count[shape, side]++; value[shape, side, count[shape, side]] = ratio + 0
    }
    END {
      print "| shape | A: ours/OpenBLAS per run | B: ours/OpenBLAS per run | median A | median B |"
      print "|---|---|---|---:|---:|"
      for (s = 1; s <= shapes; s++) {
        shape = order[s]; line = "| " shape
        for (k = 1; k <= 2; k++) {
          side = k == 1 ? "a" : "b"; n = count[shape, side]; text = ""
          for (i = 1; i <= n; i++) { list[i] = value[shape, side, i]; text = text (i > 1 ? " / " : "") sprintf("%.2f", list[i]) }
          med[k] = median(list, n); line = line " | " text
        }
        printf "%s | %.2f | %.2f |\n", line, med[1], med[2]
      }
    }' "${files[@]}"
}

if [ "${1:-}" = --table ]; then
  table "${2:?prefix a}" "${3:?prefix b}" "${4:?pairs}"
  exit 0
fi
ref_a=${1:?ref a}
ref_b=${2:?ref b}
pairs=${3:-4}
rounds=${4:-7}
repo=$(git rev-parse --show-toplevel)
out=$(realpath -m "${5:-$repo/benchmarks/results}") # absolute: the runs start in a temporary directory
name=${6:-gemm-ab}
lock=${BENCH_LOCK:-/work/wt/bench.lock}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in a b; do
  ref_var=ref_$side
  git clone -q --no-checkout "$repo" "$work/$side"
  git -C "$work/$side" checkout -q "$(git -C "$repo" rev-parse "${!ref_var}")"
  dotnet build "$work/$side/benchmarks/MoreauGen.Benchmarks" -c Release -v q -nologo > "$work/$side.build.txt"
done

mkdir -p "$out"
for run in $(seq 1 "$pairs"); do
  for side in a b; do
    dll=$work/$side/benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll
    # shellcheck disable=SC2086 # GEMM_AB_ARGS is split into arguments on purpose
    (cd "$work" && flock "$lock" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dotnet "$dll" gemm-rounds --rounds "$rounds" \
        --csv "$out/$name-$side-$run.csv" ${GEMM_AB_ARGS:-}) > "$out/$name-$side-$run.txt"
    echo "run $run, $side: $(grep -m1 'load average at start' "$out/$name-$side-$run.txt")" >&2
  done
done

{
  echo "A = $ref_a ($(git -C "$repo" rev-parse --short "$ref_a")), B = $ref_b ($(git -C "$repo" rev-parse --short "$ref_b")); $pairs alternating pairs of gemm-rounds --rounds $rounds ${GEMM_AB_ARGS:-}"
  echo "$(head -1 "$out/$name-a-1.txt")"
  echo "load at start of the first run / end of the last: $(grep -m1 'load average at start' "$out/$name-a-1.txt" | cut -d: -f2) / $(grep -m1 'load average at end' "$out/$name-b-$pairs.txt" | cut -d: -f2)"
  echo
  table "$out/$name-a-" "$out/$name-b-" "$pairs"
} | tee "$out/$name.txt"
