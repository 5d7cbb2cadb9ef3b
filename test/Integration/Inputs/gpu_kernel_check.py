#!/usr/bin/env python3
"""Runs one of the hand-written GPU kernels in Inputs/gpu on the emulator
(retnet-run --target cuda --emulate) and compares its result with numpy.
Prints PASS or FAIL with the largest error; exits 1 on FAIL.

  mma-ptx-layout       mma.sync, fragments per the PTX ISA tables
  mma-ptx-layout-bf16  the same for bf16 (nvvm.mma.sync, .b32 registers)
  ldmatrix-ptx-layout  ldmatrix x4 / x2.trans from shared memory, mma.sync
  mma-vector-contract  a vector.contract lowered by upstream
                       convert-vector-to-gpu{use-nvgpu} (MLIR's layouts)
  shared-barrier       shared memory across warps behind a barrier

--shim compiles with another shim (the negative control with swapped mma
registers); --remove-barrier deletes the gpu.barrier (the other control).
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def to_bf16_bits(x):
    """Round float32 to bfloat16 (nearest even), returned as uint16 bits."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--shim")
    ap.add_argument("--remove-barrier", action="store_true")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu")
    with open(os.path.join(here, a.kernel + ".mlir")) as f:
        src = f.read()
    if a.remove_barrier:
        assert "gpu.barrier" in src
        src = "\n".join(l for l in src.splitlines() if "gpu.barrier" not in l)
    kernel = os.path.join(a.work, a.kernel + ".mlir")
    with open(kernel, "w") as f:
        f.write(src)

    rng = np.random.default_rng(7)
    if a.kernel == "shared-barrier":
        x = rng.standard_normal(256).astype(np.float32)
        inputs, want = [x], x[::-1].astype(np.float64)
    else:
        bf16 = a.kernel.endswith("-bf16")
        A = rng.standard_normal((16, 16)).astype(np.float16)
        C = rng.standard_normal((16, 8)).astype(np.float32)
        if a.kernel == "mma-vector-contract":
            B = rng.standard_normal((8, 16)).astype(np.float16)  # [N, K]
            Bkn = B.astype(np.float64).T
        else:
            B = rng.standard_normal((16, 8)).astype(np.float16)  # [K, N]
            Bkn = B.astype(np.float64)
        Amk = A.astype(np.float64)
        if bf16:  # stored as bits, holding the values they round to
            A = to_bf16_bits(rng.standard_normal((16, 16)))
            B = to_bf16_bits(rng.standard_normal((16, 8)))
            Amk = from_bf16_bits(A).astype(np.float64)
            Bkn = from_bf16_bits(B).astype(np.float64)
        inputs = [A, B, C]
        # Naive product in float64.
        want = np.zeros((16, 8))
        for i in range(16):
            for j in range(8):
                want[i, j] = C[i, j] + sum(Amk[i, k] * Bkn[k, j]
                                           for k in range(16))
    paths = []
    for n, x in enumerate(inputs):
        p = os.path.join(a.work, "in%d.npy" % n)
        np.save(p, x)
        paths.append(p)

    passes = []
    if a.kernel == "mma-vector-contract":
        passes.append("--convert-vector-to-gpu=use-nvgpu")
    if a.shim:
        passes.append("--pass-pipeline=builtin.module(retention-to-cuda"
                      "{format=emulator emulator-shim=%s})" % a.shim)
    if passes:
        lowered = os.path.join(a.work, "lowered.mlir")
        src_path = kernel
        for p in passes:  # one retnet-opt per pass: --pass-pipeline is exclusive
            out = subprocess.run(["retnet-opt", src_path, p], check=True,
                                 capture_output=True, text=True).stdout
            with open(lowered, "w") as f:
                f.write(out)
            src_path = lowered
        kernel = lowered
    out = os.path.join(a.work, "out.npy")
    cmd = ["retnet-run", kernel, "--entry", "main", "--target", "cuda",
           "--emulate", "--output", out]
    for p in paths:
        cmd += ["--input", p]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    got = np.load(out).astype(np.float64)
    err = np.abs(got - want)
    worst = float(np.nanmax(err)) if np.isfinite(err).any() else float("nan")
    # f16 and bf16 products are exact in f32; the f32 sum of 16 terms plus C errs by
    # at most a few ulps of the largest partial sum.
    ok = bool(np.all(np.isfinite(got)) and np.all(err <= 1e-5 * (1 + np.abs(want).max())))
    print("%s: %s max error %.3g" % ("PASS" if ok else "FAIL", a.kernel,
                                     worst if np.all(np.isfinite(got)) else float("nan")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
