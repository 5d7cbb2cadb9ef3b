#!/usr/bin/env python3
"""Raises a torch-mlir export with retention-raise, runs it through a CPU
pipeline with retnet-run and compares with PyTorch's own output, saved by
scripts/export-torch.sh beside the export (<name>.out.npy)."""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("export", help="<dir>/<name>.linalg.mlir or <dir>/<name>.tosa.mlir "
                    "(raised with the tosa-to-retention pipeline)")
    ap.add_argument("--inputs", default="q,k,v", help="names of the .npy inputs")
    ap.add_argument("--pipeline", choices=["reference", "fused", "emulator"], required=True,
                    help="a CPU pipeline, or the GPU kernels on the CPU emulator")
    ap.add_argument("--tol", type=float, default=1e-5,
                    help="max |ours - PyTorch| relative to max |PyTorch|")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    tosa = a.export.endswith(".tosa.mlir")
    base = a.export[:-len(".tosa.mlir" if tosa else ".linalg.mlir")]
    name = os.path.basename(base)
    raised = os.path.join(a.work, name + ".raised.mlir")
    subprocess.run(["retnet-opt", a.export, "-o", raised,
                    "--tosa-to-retention" if tosa else "--retention-raise"], check=True)
    with open(raised) as f:
        if "retention.parallel" not in f.read():
            sys.exit("FAIL: %s: nothing raised" % name)
    out = os.path.join(a.work, name + ".o.npy")
    cmd = ["retnet-run", raised, "--entry", "main", "--output", out]
    cmd += (["--target", "cuda", "--emulate"] if a.pipeline == "emulator"
            else ["--pipeline", a.pipeline])
    for i in a.inputs.split(","):
        cmd += ["--input", "%s.%s.npy" % (base, i)]
    subprocess.run(cmd, check=True)
    got = np.load(out).astype(np.float64)
    want = np.load(base + ".out.npy").astype(np.float64)
    if got.shape != want.shape:
        sys.exit("FAIL: %s: shape %s, PyTorch %s" % (name, got.shape, want.shape))
    err = np.abs(got - want).max() / np.abs(want).max()
    print("%s: %s %s: max error %.2e of PyTorch's largest output"
          % ("PASS" if err <= a.tol else "FAIL", name, a.pipeline, err))
    return 0 if err <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
