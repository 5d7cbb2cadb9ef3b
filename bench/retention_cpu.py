#!/usr/bin/env python3
"""Chunkwise retention forward on this CPU: the optimised (tiled, decay-fused)
lowering against the reference lowering and against numpy on OpenBLAS.

    /usr/bin/python3 bench/retention_cpu.py [--T 512,1024,...] [--build build]

B = 1, H = 8, Dk = Dv = 128, f32, RetNet decay schedule. For each T it runs
  fused        retnet-run --pipeline fused     on a retention.parallel op
               (retention-tile makes it chunkwise, C = 64)
  ref-par      retnet-run --pipeline reference on the same parallel op
               (dense T x T scores: quadratic memory, skipped above --ref-max-T)
  ref-chunk    retnet-run --pipeline reference on a chunkwise op (C = 64)
  numpy        a chunkwise implementation in numpy, matmuls on OpenBLAS
each in its own process: the median of --repeat calls (retnet-run's own
--repeat timer, compilation excluded) and the peak resident memory of the
process (inputs, JIT and outputs included). Ratios are against 'fused' and
come from one run of this script. This is a benchmark, not a test; the
numerical tests live in test/Integration.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

H, D, CHUNK = 8, 128, 64

NUMPY_RUNNER = textwrap.dedent("""
    import sys, time, resource
    import numpy as np
    work, repeat, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    q, k, v = (np.load(work + "/%s.npy" % n) for n in "qkv")
    ld = np.load(work + "/ld.npy").astype(np.float64)
    B, H, T, D = q.shape

    def retention(q, k, v):
        gamma = np.exp(ld)[None, :, None, None]                # [1,H,1,1]
        n = np.arange(T)
        rowsum = np.expm1((n[None, :] + 1) * ld[:, None]) / np.expm1(ld)[:, None]
        norm = (1.0 / np.sqrt(rowsum)).astype(np.float32)[None, :, :, None]
        o = np.empty_like(v)
        S = np.zeros((B, H, D, v.shape[3]), np.float32)
        for j in range(0, T, chunk):
            L = min(chunk, T - j)
            a = np.arange(L)
            dist = a[:, None] - a[None, :]
            G = np.where(dist >= 0, np.exp(np.maximum(dist, 0)[None] * ld[:, None, None]), 0)
            qc, kc, vc = q[:, :, j:j+L], k[:, :, j:j+L], v[:, :, j:j+L]
            inner = ((qc @ kc.transpose(0, 1, 3, 2)) * G.astype(np.float32)) @ vc
            xi = np.exp((a + 1)[None, :] * ld[:, None]).astype(np.float32)[None, :, :, None]
            cross = (qc * xi) @ S
            o[:, :, j:j+L] = (inner + cross) * norm[:, :, j:j+L]
            zeta = np.exp((L - 1 - a)[None, :] * ld[:, None]).astype(np.float32)[None, :, :, None]
            S = (gamma ** L).astype(np.float32) * S + (kc * zeta).transpose(0, 1, 3, 2) @ vc
        return o

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        o = retention(q, k, v)
        times.append((time.perf_counter() - t0) * 1e3)
    np.save(work + "/o_numpy.npy", o)
    print("median time: %.3f ms" % sorted(times)[len(times) // 2])
""")


def measure(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (median ms, peak MiB)."""
    out = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB %M"] + cmd, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), out.stdout, out.stderr))
    ms = float(re.search(r"median time[^:]*: ([0-9.]+) ms", out.stdout).group(1))
    kb = int(re.search(r"PEAK_KB (\d+)", out.stderr).group(1))
    return ms, kb / 1024.0


def module(form, T):
    t = "tensor<1x%dx%dx%dxf32>" % (H, T, D)
    s = "tensor<1x%dx%dx%dxf32>" % (H, D, D)
    ld = "tensor<%dxf32>" % H
    if form == "parallel":
        return ("func.func @main(%%q: %s, %%k: %s, %%v: %s, %%ld: %s) -> %s {\n"
                "  %%o = retention.parallel %%q, %%k, %%v decay(%%ld) : %s, %s, %s, %s -> %s\n"
                "  return %%o : %s\n}\n" % (t, t, t, ld, t, t, t, t, ld, t, t))
    return ("func.func @main(%%q: %s, %%k: %s, %%v: %s, %%ld: %s) -> %s {\n"
            "  %%o, %%s = retention.chunkwise %%q, %%k, %%v decay(%%ld) chunk(%d)"
            " : %s, %s, %s, %s -> %s, %s\n"
            "  return %%o : %s\n}\n" % (t, t, t, ld, t, CHUNK, t, t, t, ld, t, s, t))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--T", default="512,1024,2048,4096,8192,16384")
    ap.add_argument("--ref-max-T", type=int, default=4096,
                    help="largest T for the reference lowerings (O(T^2) parallel form)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    a = ap.parse_args()
    run = os.path.join(a.build, "bin", "retnet-run")
    rng = np.random.default_rng(0)
    ld = np.log(1.0 - 2.0 ** (-5.0 - np.arange(H))).astype(np.float32)

    rows = []
    for T in [int(x) for x in a.T.split(",")]:
        with tempfile.TemporaryDirectory() as work:
            for n in "qkv":
                np.save(os.path.join(work, n + ".npy"),
                        (rng.standard_normal((1, H, T, D)) / np.sqrt(D)).astype(np.float32))
            np.save(os.path.join(work, "ld.npy"), ld)
            args = []
            for n in ["q", "k", "v", "ld"]:
                args += ["--input", os.path.join(work, n + ".npy")]
            for form in ["parallel", "chunkwise"]:
                with open(os.path.join(work, form + ".mlir"), "w") as f:
                    f.write(module(form, T))
            rep = ["--repeat", str(a.repeat)]
            res = {}
            res["fused"] = measure([run, os.path.join(work, "parallel.mlir"), "--pipeline", "fused",
                                    "--output", os.path.join(work, "o.npy")] + args + rep)
            if T <= a.ref_max_T:
                res["ref-par"] = measure([run, os.path.join(work, "parallel.mlir"),
                                          "--pipeline", "reference"] + args + ["--repeat", "1"])
                res["ref-chunk"] = measure([run, os.path.join(work, "chunkwise.mlir"),
                                            "--pipeline", "reference"] + args + ["--repeat", "1"])
            with open(os.path.join(work, "numpy_runner.py"), "w") as f:
                f.write(NUMPY_RUNNER)
            res["numpy"] = measure([sys.executable, os.path.join(work, "numpy_runner.py"),
                                    work, str(a.repeat), str(CHUNK)])
            o = np.load(os.path.join(work, "o.npy"))
            o_np = np.load(os.path.join(work, "o_numpy.npy"))
            res["err"] = float(np.max(np.abs(o - o_np)) / np.max(np.abs(o_np)))
            rows.append((T, res))
            print_row(T, res)
            sys.stdout.flush()


def print_row(T, res):
    if not hasattr(print_row, "header"):
        print_row.header = True
        print("| T | fused ms | ref-par ms | ref-chunk ms | numpy+OpenBLAS ms "
              "| ref-par / fused | ref-chunk / fused | numpy / fused "
              "| peak MiB fused / ref-par / ref-chunk / numpy | fused vs numpy rel err |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    f = res["fused"][0]
    def cell(key):
        return "%.1f" % res[key][0] if key in res else "skipped"
    def ratio(key):
        return "%.2f" % (res[key][0] / f) if key in res else "-"
    def mem(key):
        return "%.0f" % res[key][1] if key in res else "-"
    print("| %d | %.1f | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s | %.1e |" % (
        T, f, cell("ref-par"), cell("ref-chunk"), cell("numpy"), ratio("ref-par"),
        ratio("ref-chunk"), ratio("numpy"), mem("fused"), mem("ref-par"),
        mem("ref-chunk"), mem("numpy"), res["err"]))


if __name__ == "__main__":
    main()
