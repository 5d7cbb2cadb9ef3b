#!/usr/bin/env bash
# retnet-compile against PyTorch eager, torch.compile (freezing) and IREE on
# this CPU, in one run (see peers.py for what is measured). A benchmark, not
# a test: it takes about half an hour on two cores.
#
#   bench/peers/run.sh [peers.py options, e.g. --lengths 512,2048 --reps 5]
#
#   BUILD_DIR  build directory (default: build); built by scripts/setup.sh
#              if needed. The peers go into a venv, $BUILD_DIR/peers-venv
#              (several GB: PyPI's torch wheel pulls in the CUDA libraries),
#              never into the system Python.
#   OUT_DIR    where results.json, peers-prefill.png and peers-decode.png go
#              (default: $BUILD_DIR/peers)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
out=${OUT_DIR:-$build_dir/peers}
venv=$build_dir/peers-venv
py=$venv/bin/python

TORCH_VERSION=2.15.0
IREE_VERSION=3.13.0
IREE_TURBINE_VERSION=3.9.0
TORCHSCALE_VERSION=0.3.0

BUILD_DIR=$build_dir "$root/scripts/setup.sh"

# The plots use Debian's matplotlib with the system Python.
if ! dpkg-query -W -f='${Status}' python3-matplotlib 2>/dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends python3-matplotlib
fi

if [ ! -x "$py" ]; then
  echo "==> creating $venv"
  /usr/bin/python3 -m venv "$venv"
fi
pip_q() { "$py" -m pip -q --disable-pip-version-check "$@"; }
installed() {
  "$py" - "$1" "$2" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]) == sys.argv[2] else 1)
PY
}
if ! installed torch "$TORCH_VERSION" || ! installed iree-base-compiler "$IREE_VERSION" ||
   ! installed iree-base-runtime "$IREE_VERSION" || ! installed iree-turbine "$IREE_TURBINE_VERSION"; then
  echo "==> installing the peers into $venv"
  pip_q install "torch==$TORCH_VERSION" "iree-base-compiler==$IREE_VERSION" \
    "iree-base-runtime==$IREE_VERSION" "iree-turbine==$IREE_TURBINE_VERSION" numpy
fi
if ! installed torchscale "$TORCHSCALE_VERSION"; then
  echo "==> installing torchscale==$TORCHSCALE_VERSION (--no-deps) into $venv"
  pip_q install --no-deps "torchscale==$TORCHSCALE_VERSION"
fi

mkdir -p "$out"
cc -O3 -march=native -ffast-math -fopenmp "$root/bench/peers/stream.c" -o "$out/stream"
"$py" "$root/bench/peers/peers.py" --build "$build_dir" --probe "$out/stream" \
  --out "$out/results.json" "$@"
/usr/bin/python3 "$root/bench/peers/plot.py" "$out/results.json" "$out"
echo "==> $out/results.json, $out/peers-prefill.png, $out/peers-decode.png"
