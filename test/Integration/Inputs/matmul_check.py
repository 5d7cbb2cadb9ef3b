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


def run(ir, paths, pipeline, out, repeat):
    cmd = ["retnet-run", ir, "--entry", "main", "--pipeline", pipeline,
           "--repeat", str(repeat), "--output", out]
    for p in paths:
        cmd += ["--input", p]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return np.load(out)


def write_case(work, rng, M, N, K, L, layer):
    x = rng.standard_normal((M, K), dtype=np.float32)
    w = rng.standard_normal((L, N, K), dtype=np.float32)
    u = rng.standard_normal((K, N), dtype=np.float32)
    names = ["x", "w", "u", "l"]
    values = [x, w, u, np.array([layer], dtype=np.int64)]
    paths = [os.path.join(work, n + ".npy") for n in names]
    for p, v in zip(paths, values):
        np.save(p, v)
    ir = os.path.join(work, "matmul.mlir")
    with open(ir, "w") as f:
        f.write(IR.format(M=M, N=N, K=K, L=L))
    return ir, paths, x, w[layer], u


def check(got, ref, K, what):
    # f32 products summed over K terms of magnitude ~1.
    tol = 1e-5 * K * max(1.0, np.abs(ref).max())
    err = np.abs(got - ref).max()
    if not err <= tol:
        raise SystemExit(f"{what}: max error {err} > {tol}")
    return err


def random_shapes(a):
    """--random COUNT shapes through the fused pipeline, each against the
    product in float64: the blocking into tasks, register blocks and panels
    follows the divisors of M and N, so they are drawn as products of a
    small factor and a multiplier (up to 520 x 320, K under 130)."""
    rng = np.random.default_rng(a.seed)
    factors = [1, 2, 3, 4, 5, 6, 7, 8, 16]

    def size(limit):
        f = int(rng.choice(factors))
        return f * int(rng.integers(1, limit // f + 1))

    for _ in range(a.random):
        M, N, K = size(520), size(320), int(rng.integers(1, 130))
        ir, paths, x, w, u = write_case(a.work, rng, M, N, K, 1, 0)
        got = run(ir, paths, "fused", os.path.join(a.work, "fused.npy"), 1)
        ref = x.astype(np.float64) @ (w.T.astype(np.float64) + u)
        check(got, ref, K, f"fused, M={M} N={N} K={K}")
    print(f"fused: ok ({a.random} shapes)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--M", type=int)
    ap.add_argument("--N", type=int)
    ap.add_argument("--K", type=int)
    ap.add_argument("--L", type=int, default=3)
    ap.add_argument("--layer", type=int, default=1)
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    if a.random:
        return random_shapes(a)
    rng = np.random.default_rng(a.M * 1000 + a.N * 10 + a.K)
    ir, paths, x, w, u = write_case(a.work, rng, a.M, a.N, a.K, a.L, a.layer)

    # Naive reference, in float64.
    ref = np.zeros((a.M, a.N))
    for i in range(a.M):
        for j in range(a.N):
            ref[i, j] = sum(float(x[i, k]) * (float(w[j, k]) + float(u[k, j]))
                            for k in range(a.K))
    for pipeline in ("reference", "fused"):
        got = run(ir, paths, pipeline, os.path.join(a.work, pipeline + ".npy"),
                  2)
        err = check(got, ref, a.K, pipeline)
        print(f"{pipeline}: ok (max error {err:.2e})")


if __name__ == "__main__":
    main()
