#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages only), configures and builds.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#
#   BUILD_DIR   build directory (default: build)
#   BUILD_TYPE  CMake build type (default: Release)
#
# Also installs the GPU emulator's engine, Intel's OpenCL CPU runtime from
# PyPI, into a venv under the build folder ($BUILD_DIR/emulator) and writes
# the ICD file through which the runtime finds it (retnet-run --emulate).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-Release}

packages=(
  cmake ninja-build g++ ccache
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  clang-22 libclang-rt-22-dev libomp-22-dev
  python3 python3-numpy python3-venv
  ocl-icd-libopencl1 ocl-icd-opencl-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

llvm=/usr/lib/llvm-22
if [ ! -f "$build_dir/build.ninja" ]; then
  echo "==> configuring $build_dir"
  cmake -G Ninja -S "$root" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE="$build_type" \
    -DMLIR_DIR=$llvm/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=$llvm/bin/lit
fi
echo "==> building"
ninja -C "$build_dir" retnet-opt retnet-run retnet-compile

# The GPU emulator's engine (test-only, ~850 MB): a venv in the build folder,
# never the system Python.
emu=$build_dir/emulator
if [ ! -f "$emu/icd/intel-cpu.icd" ]; then
  echo "==> installing the GPU emulator's OpenCL CPU runtime into $emu/venv"
  /usr/bin/python3 -m venv "$emu/venv"
  "$emu/venv/bin/pip" install -q --disable-pip-version-check \
    intel-opencl-rt intel-cmplr-lib-rt
  lib=$(find "$emu/venv" -name libintelocl.so -print -quit)
  [ -n "$lib" ] || { echo "error: libintelocl.so not found in $emu/venv" >&2; exit 1; }
  mkdir -p "$emu/icd"
  echo "$lib" > "$emu/icd/intel-cpu.icd"
fi
