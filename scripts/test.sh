#!/usr/bin/env bash
# Set up, build and run every test: the lit suite (IR tests and numerical
# integration tests against numpy references), the same suite on the
# ASan + UBSan build with leak detection, and a short run of each fuzz target.
# Ends with one line "N passed, N failed" over all of them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"

passed=0
failed=0
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs a lit stage ("$@"), adding the Passed and Failed/Unresolved/Timed Out
# counts of its summary; a stage that fails without a failing test (a build
# error) counts as one failure.
lit_stage() {
  local rc=0 p f
  "$@" 2>&1 | tee "$log" || rc=1
  p=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  f=$(awk -F: '/^ *(Failed|Unresolved|Timed Out) *:/ {s += $2} END {print s + 0}' "$log")
  ((rc == 0 || f > 0)) || f=1
  passed=$((passed + ${p:-0}))
  failed=$((failed + f))
  ((rc == 0)) || status=1
}

echo "==> running the test suite"
lit_stage ninja -C "$build_dir" check-retnet

echo "==> sanitizer build and test suite"
lit_stage "$root/scripts/sanitize.sh"

echo "==> fuzz smoke runs"
if "$root/scripts/fuzz.sh" --seconds "${FUZZ_SECONDS:-20}" 2>&1 | tee "$log"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi

echo "${passed} passed, ${failed} failed"
exit "$status"
