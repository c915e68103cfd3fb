#!/usr/bin/env bash
# Builds the solution and runs every test project under tests/, then prints a plain closing line
# "N passed, N failed" summed from the TRX results. Exits non-zero on any failure.
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter Name~Pullback]
set -uo pipefail
cd "$(dirname "$0")"

results="$PWD/TestResults"
rm -rf "$results"

# The distributed tests start jobs with mpirun: install Open MPI when it is missing (CI runs as root on a fresh machine).
if ! command -v mpirun >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
  else
    echo "mpirun is missing and this is not root: install Open MPI (apt-get install openmpi-bin libopenmpi-dev)." >&2
  fi
fi

dotnet build MoreauGen.sln -c Release
status=$?

if [ "$status" -eq 0 ]; then
  for project in tests/*/*.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" -c Release --no-build \
      --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
  done
fi

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or a test host failed before a test could report: count that as a failure.
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
