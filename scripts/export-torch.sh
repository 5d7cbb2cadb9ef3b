#!/usr/bin/env bash
# Exports the reference RetNet retention layer (torchscale 0.3.0) with
# torch-mlir into test/Dialect/Retention/Transforms/Inputs/torch/: the inputs
# of the retention-raise tests (see export.py there for what each file is).
#
#   BUILD_DIR   build directory (default: build); the venv goes in
#               $BUILD_DIR/torch-venv
#   --bench     also write the T=2048 core export into $BUILD_DIR/torch-export
#   other arguments are passed on to export.py
#
# Installs, from PyPI only, into the venv (never the system Python): torch
# (PyPI's Linux wheel, which pulls in the CUDA libraries: several GB), the
# torch-mlir wheel, numpy, and torchscale with --no-deps (its fairscale and
# timm imports are served by the stubs next to export.py). Idempotent: a
# second run installs nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
venv=$build_dir/torch-venv
py=$venv/bin/python

# torch-mlir on PyPI declares no torch version (it tracks torch nightlies);
# torch 2.15.0 is the PyPI release of the same month and imports it cleanly.
TORCH_VERSION=2.15.0
TORCH_MLIR_VERSION=20261001
TORCHSCALE_VERSION=0.3.0

if [ ! -x "$py" ]; then
  echo "==> creating $venv"
  mkdir -p "$build_dir"
  /usr/bin/python3 -m venv "$venv"
fi

pip_q() { "$py" -m pip -q --disable-pip-version-check "$@"; }

# installed NAME VERSION: whether the venv has exactly that version.
installed() {
  "$py" - "$1" "$2" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]) == sys.argv[2] else 1)
EOF
}

if ! installed torch "$TORCH_VERSION" || ! installed torch-mlir "$TORCH_MLIR_VERSION" ||
   ! "$py" -c "import numpy" 2>/dev/null; then
  echo "==> installing torch==$TORCH_VERSION torch-mlir==$TORCH_MLIR_VERSION numpy into $venv"
  pip_q install "torch==$TORCH_VERSION" "torch-mlir==$TORCH_MLIR_VERSION" numpy
fi
if ! installed torchscale "$TORCHSCALE_VERSION"; then
  echo "==> installing torchscale==$TORCHSCALE_VERSION (--no-deps) into $venv"
  pip_q install --no-deps "torchscale==$TORCHSCALE_VERSION"
fi

exec "$py" "$root/test/Dialect/Retention/Transforms/Inputs/torch/export.py" \
  --build-dir "$build_dir" "$@"
