#!/usr/bin/env bash
# Publishes the pendulum sample with Native AOT, checks that the publish gives no warning and that the native binary's
# output equals the JIT build's for the same fixed options, then measures start-up time and size.
# Usage (from anywhere): benchmarks/aot/run.sh [work folder, default /tmp/moreaugen-aot]
# Figures and the command's output: benchmarks/RESULTS.md, "Native AOT".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/moreaugen-aot}"
runs=11
options=(--horizons 50 100 --iterations 50 --grid -4..8)
rm -rf "$work"
mkdir -p "$work"

"$root/benchmarks/aot/install-toolchain.sh"

echo "== publish (Native AOT, linux-x64)"
if ! dotnet publish "$root/samples/Pendulum/Pendulum.csproj" -c Release -r linux-x64 -p:PublishAot=true \
    -o "$work/aot" >"$work/publish.log" 2>&1; then
  cat "$work/publish.log"
  exit 1
fi
warnings=$(grep -cE 'warning [A-Z]+[0-9]+' "$work/publish.log" || true)
echo "publish warnings: $warnings"
grep -E 'warning [A-Z]+[0-9]+' "$work/publish.log" | sort -u || true

echo "== build (JIT)"
dotnet build "$root/samples/Pendulum/Pendulum.csproj" -c Release -o "$work/jit" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

echo "== same options, both builds: ${options[*]}"
dotnet "$work/jit/Pendulum.dll" "${options[@]}" -o "$work/jit-out" >"$work/jit.txt"
"$work/aot/Pendulum" "${options[@]}" -o "$work/aot-out" >"$work/aot.txt"
# Progress lines arrive in thread order and the closing line holds wall times: compare everything else.
strip() { grep -vE 'runs: [0-9]+% |iterations in [0-9.]+ s' "$1"; }
same=yes
diff <(strip "$work/jit.txt") <(strip "$work/aot.txt") >/dev/null || { echo "console output differs"; same=no; }
for file in curves.csv grid.csv; do
  cmp -s "$work/jit-out/$file" "$work/aot-out/$file" || { echo "$file differs"; same=no; }
done
echo "console tables, curves.csv and grid.csv identical: $same ($(wc -l <"$work/jit-out/curves.csv") curve rows)"

# Median wall time of $runs runs of a command, in milliseconds.
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

echo "== start-up and a short run (median of $runs, ms)"
echo "load: $(uptime)"
short=(--horizons 50 --iterations 10 --no-grid -o "$work/short-out")
printf '%-34s %8s %8s\n' "" "JIT" "AOT"
printf '%-34s %8s %8s\n' "--version (start-up)" "$(median_ms dotnet "$work/jit/Pendulum.dll" --version)" "$(median_ms "$work/aot/Pendulum" --version)"
printf '%-34s %8s %8s\n' "${short[*]:0:5}" "$(median_ms dotnet "$work/jit/Pendulum.dll" "${short[@]}")" "$(median_ms "$work/aot/Pendulum" "${short[@]}")"
echo "load: $(uptime)"

echo "== size"
echo "Pendulum (native executable): $(stat -c %s "$work/aot/Pendulum") bytes"
echo "native libraries beside it: $(find "$work/aot" -name '*.so' -printf '%f %s bytes; ')"
echo "JIT build folder (framework-dependent, all files): $(du -sb "$work/jit" | cut -f1) bytes"

[ "$warnings" -eq 0 ] && [ "$same" = yes ]
