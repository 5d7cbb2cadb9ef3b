#!/usr/bin/env python3
"""Runs Inputs/recurrence-loop.mlir (S = gamma S + k_t^T v_t; o_t = q_t S
over 5 positions, gamma = [0.95, 0.5]) as written and after retention-raise
through a CPU pipeline, and compares both with a naive numpy recurrence."""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("loop")
    ap.add_argument("--pipeline", choices=["reference", "fused"], required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(3)
    arrays = {"q": rng.standard_normal((2, 2, 5, 4)), "k": rng.standard_normal((2, 2, 5, 4)),
              "v": rng.standard_normal((2, 2, 5, 3)), "s0": rng.standard_normal((2, 2, 4, 3))}
    paths = []
    for name, x in arrays.items():
        paths.append(os.path.join(a.work, name + ".npy"))
        np.save(paths[-1], x.astype(np.float32))
    q, k, v, s = (arrays[n].astype(np.float32).astype(np.float64) for n in ("q", "k", "v", "s0"))
    gamma = np.array([0.95, 0.5], dtype=np.float32).astype(np.float64)
    o_ref = np.zeros((2, 2, 5, 3))
    for t in range(5):
        s = gamma[None, :, None, None] * s + k[:, :, t, :, None] * v[:, :, t, None, :]
        o_ref[:, :, t] = np.einsum("bhi,bhij->bhj", q[:, :, t], s)

    raised = os.path.join(a.work, "raised.mlir")
    subprocess.run(["retnet-opt", a.loop, "--retention-raise", "-o", raised], check=True)
    with open(raised) as f:
        if "retention.recurrent" not in f.read():
            sys.exit("FAIL: nothing raised")
    ok = True
    for label, src in (("as written", a.loop), ("raised", raised)):
        outs = [os.path.join(a.work, n) for n in ("o.npy", "s.npy")]
        cmd = ["retnet-run", src, "--entry", "recurrence", "--pipeline", a.pipeline]
        for p in paths:
            cmd += ["--input", p]
        for p in outs:
            cmd += ["--output", p]
        subprocess.run(cmd, check=True)
        for name, got, want in (("o", np.load(outs[0]), o_ref), ("state", np.load(outs[1]), s)):
            err = np.abs(got - want).max() / np.abs(want).max()
            good = err <= 1e-5
            ok = ok and good
            print("%s: %s %s %s: %s rel err %.2e" % ("PASS" if good else "FAIL", label,
                                                      a.pipeline, name, name, err))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
