#!/usr/bin/env bash
# Runs the libFuzzer targets of the sanitizer build (scripts/sanitize.sh
# builds them) from fresh seed corpora (tools/fuzz/make-seeds.py). Exits
# non-zero when a target crashes, leaks, trips a sanitizer or times out;
# the reproducer is left in the working directory (crash-*, leak-*, ...).
#
#   scripts/fuzz.sh [--seconds N | --runs N] [TARGET ...]
#
# Default: 20 seconds each of fuzz-npy, fuzz-emulator-binary,
# fuzz-safetensors, fuzz-config, fuzz-aot-weights and
# fuzz-retention (the CI smoke run). docs/reliability.md records longer runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ASAN_BUILD_DIR:-$root/build-asan}
limit=(-max_total_time=20)
targets=()
while (($#)); do
  case "$1" in
  --seconds) limit=(-max_total_time="$2"); shift 2 ;;
  --runs) limit=(-runs="$2"); shift 2 ;;
  *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(fuzz-npy fuzz-emulator-binary fuzz-safetensors fuzz-config
                               fuzz-aot-weights fuzz-retention)

. "$root/scripts/sanitizer-env.sh"

work=$build_dir/fuzz
rm -rf "$work/seeds"
/usr/bin/python3 "$root/tools/fuzz/make-seeds.py" "$work/seeds" "$build_dir/bin/retnet-compile"
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t"
  echo "==> $t ${limit[*]}"
  status=0
  dict=()
  [ -f "$root/tools/fuzz/$t.dict" ] && dict=(-dict="$root/tools/fuzz/$t.dict")
  (cd "$work" && "$build_dir/bin/$t" "${limit[@]}" "${dict[@]}" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 "corpus/$t" "seeds/$t") \
    >"$work/$t.log" 2>&1 || status=$?
  grep -E '^#[0-9]+.*(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)' \
    "$work/$t.log" || true
  if ((status != 0)); then
    tail -40 "$work/$t.log" >&2
    echo "error: $t failed (exit $status); the reproducer is in $work" >&2
    exit 1
  fi
done
echo "fuzz: all targets ran clean"
