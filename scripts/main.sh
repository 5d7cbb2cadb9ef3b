#!/usr/bin/env bash
# The main job: set up, then compile and run the bundled example, which
# computes retention in its parallel, chunkwise and recurrent forms and prints
# the largest difference between them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
echo "==> retnet-opt examples/retention-forms.mlir --retention-to-llvm | retnet-run - --entry main"
"$build_dir/bin/retnet-opt" "$root/examples/retention-forms.mlir" --retention-to-llvm |
  "$build_dir/bin/retnet-run" - --entry main
