#!/usr/bin/env bash
# Set up, build and run every test (the lit suite: IR tests and numerical
# integration tests against numpy references).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
echo "==> running the test suite"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ninja -C "$build_dir" check-retnet 2>&1 | tee "$log" || status=$?
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -1)
failed=$(awk -F: '/^ *(Failed|Unresolved|Timed Out) *:/ {s += $2} END {print s + 0}' "$log")
echo "${passed:-0} passed, ${failed} failed"
exit "$status"
