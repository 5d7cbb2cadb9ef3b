#!/usr/bin/env python3
"""Runs x @ w^T + x @ u through retnet-run with both CPU pipelines and
compares with numpy. w is a layer of stacked torch Linear weights [L, N, K]
and u a plain [K, N] matrix, both function arguments: the fused pipeline
packs them through the entry's preparer (@main_prepare), which the runner
calls before @main, so this checks the packing, its move out of @main and
the runtime's preparer contract together.
"""
import argparse
import os
import subprocess

import numpy as np

IR = """func.func @main(%x: tensor<{M}x{K}xf32>, %w: tensor<{L}x{N}x{K}xf32>,
                %u: tensor<{K}x{N}xf32>, %l: index) -> tensor<{M}x{N}xf32> {{
  %s = tensor.extract_slice %w[%l, 0, 0] [1, {N}, {K}] [1, 1, 1]
      : tensor<{L}x{N}x{K}xf32> to tensor<{N}x{K}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %s : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>)
      outs(%c : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %r = linalg.matmul ins(%x, %u : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>)
      outs(%y : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %r : tensor<{M}x{N}xf32>
}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--M", type=int, required=True)
    ap.add_argument("--N", type=int, required=True)
    ap.add_argument("--K", type=int, required=True)
    ap.add_argument("--L", type=int, default=3)
    ap.add_argument("--layer", type=int, default=1)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(a.M * 1000 + a.N * 10 + a.K)
    x = rng.standard_normal((a.M, a.K), dtype=np.float32)
    w = rng.standard_normal((a.L, a.N, a.K), dtype=np.float32)
    u = rng.standard_normal((a.K, a.N), dtype=np.float32)
    names = ["x", "w", "u", "l"]
    values = [x, w, u, np.array([a.layer], dtype=np.int64)]
    paths = [os.path.join(a.work, n + ".npy") for n in names]
    for p, v in zip(paths, values):
        np.save(p, v)
    ir = os.path.join(a.work, "matmul.mlir")
    with open(ir, "w") as f:
        f.write(IR.format(M=a.M, N=a.N, K=a.K, L=a.L))

    # Naive reference, in float64.
    ref = np.zeros((a.M, a.N))
    for i in range(a.M):
        for j in range(a.N):
            ref[i, j] = sum(float(x[i, k]) * (float(w[a.layer, j, k]) +
                                              float(u[k, j]))
                            for k in range(a.K))
    for pipeline in ("reference", "fused"):
        out = os.path.join(a.work, pipeline + ".npy")
        cmd = ["retnet-run", ir, "--entry", "main", "--pipeline", pipeline,
               "--repeat", "2", "--output", out]
        for p in paths:
            cmd += ["--input", p]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        got = np.load(out)
        # f32 products summed over K terms of magnitude ~1.
        tol = 1e-5 * a.K * max(1.0, np.abs(ref).max())
        err = np.abs(got - ref).max()
        if not err <= tol:
            raise SystemExit(f"{pipeline}: max error {err} > {tol}")
        print(f"{pipeline}: ok (max error {err:.2e})")


if __name__ == "__main__":
    main()
