#!/usr/bin/env bash
# Builds the project with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# (and the libFuzzer targets) in build-asan/, then runs the whole lit suite on
# it with leak detection on. Run after scripts/setup.sh (it installs clang).
#
#   ASAN_BUILD_DIR  build directory (default: build-asan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ASAN_BUILD_DIR:-$root/build-asan}
llvm=/usr/lib/llvm-22

if [ ! -f "$build_dir/build.ninja" ]; then
  echo "==> configuring $build_dir (clang-22, ASan + UBSan, fuzz targets)"
  cmake -G Ninja -S "$root" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=$llvm/bin/clang -DCMAKE_CXX_COMPILER=$llvm/bin/clang++ \
    -DRETNET_SANITIZE=ON -DRETNET_FUZZ=ON \
    -DMLIR_DIR=$llvm/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=$llvm/bin/lit
fi
echo "==> building the sanitizer build"
ninja -C "$build_dir" retnet-opt retnet-run retnet-compile \
  fuzz-npy fuzz-emulator-binary fuzz-safetensors fuzz-config fuzz-aot-weights \
  fuzz-retention

. "$root/scripts/sanitizer-env.sh"
echo "==> running the test suite under ASan + UBSan (leak detection on)"
ninja -C "$build_dir" check-retnet
