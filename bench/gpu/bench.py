#!/usr/bin/env python3
"""Checks and times the retention kernels compiled by bench/gpu/compile.py.

On a machine with an NVIDIA GPU (CUDA driver, numpy; PyTorch for the
peers; no LLVM or MLIR needed):
    python3 bench.py --artifacts bench-gpu
checks each form against a float64 numpy reference written here (every
decode configuration and the first sequence length of each chunkwise and
parallel shape), then times the kernels with CUDA events (host-device
copies excluded): chunkwise forward against
torch.nn.functional.scaled_dot_product_attention (causal) and, when its
package is installed, flash-linear-attention's chunked retention; the
decode step as GB/s of state moved against the card's bandwidth.

With --emulate (CI, artifacts from compile.py --emulate) the same code runs
the kernels on the CPU emulator: every configuration is checked; its times
are the emulator's, not GPU timings.
"""
import argparse
import ctypes
import json
import os
import sys

import numpy as np

# Unit roundoff of the input types: the tensor-core kernels round operands
# of mma.sync to it (see test/Integration/Inputs/retention_check.py).
UNIT = {"f16": 2.0 ** -11, "bf16": 2.0 ** -8}
PEAK_GBS = {"H100": 3350.0, "H200": 4800.0, "A100": 2039.0}


def to_bf16_bits(x):
    """Round to nearest even; finite inputs only (no carry out of 32 bits)."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def descriptor(rank):
    class Memref(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return Memref


def as_memref(a):
    d = descriptor(a.ndim)()
    d.allocated = d.aligned = a.ctypes.data
    d.offset = 0
    for i, (n, s) in enumerate(zip(a.shape, a.strides)):
        d.sizes[i], d.strides[i] = n, s // a.itemsize
    return d


class Kernel:
    """One artifact: its C interface _mlir_ciface_main, results malloc'd by
    the callee, copied out and freed here."""

    def __init__(self, folder, config, libc):
        self.c = config
        self.lib = ctypes.CDLL(os.path.join(folder, config["library"]))
        self.fn = self.lib._mlir_ciface_main
        self.libc = libc
        self.stateful = config["form"] != "parallel"

    def __call__(self, q, k, v, ld, state=None, position=0):
        B, H, T, D = q.shape
        args = [as_memref(q), as_memref(k), as_memref(v), as_memref(ld)]
        if self.stateful:
            class Results(ctypes.Structure):
                _fields_ = [("o", descriptor(4)), ("s", descriptor(4))]
            res = Results()
            args += [as_memref(state), ctypes.c_int64(position)]
        else:
            res = descriptor(4)()
        self.fn(ctypes.byref(res), *[ctypes.byref(a) if not isinstance(a, ctypes.c_int64)
                                     else a for a in args])
        outs = [res.o, res.s] if self.stateful else [res]
        arrays = []
        for d, dtype in zip(outs, (np.uint16, np.float32)):
            n = int(np.prod(list(d.sizes)))
            buf = (ctypes.c_char * (n * np.dtype(dtype).itemsize)).from_address(d.aligned)
            arrays.append(np.frombuffer(buf, dtype=dtype).reshape(list(d.sizes)).copy())
            self.libc.free(ctypes.c_void_p(d.allocated))
        return arrays


def reference(q, k, v, log_decay, scale, state0, position):
    """Retention in float64, chunk by chunk (the chunkwise form of
    docs/retnet-math), normalised by the closed-form row sums."""
    B, H, T, D = q.shape
    g = np.exp(log_decay.astype(np.float64))
    S = state0.astype(np.float64).copy()
    o = np.zeros(q.shape)
    for c0 in range(0, T, 64):
        L = min(64, T - c0)
        i = np.arange(L)
        dist = i[:, None] - i[None, :]
        decay = np.where(dist >= 0, g[:, None, None] ** np.maximum(dist, 0), 0.0)
        qc, kc, vc = q[:, :, c0:c0 + L], k[:, :, c0:c0 + L], v[:, :, c0:c0 + L]
        inner = ((qc @ kc.transpose(0, 1, 3, 2)) * decay) @ vc
        xi = g[:, None] ** (i + 1)
        cross = (qc * xi[None, :, :, None]) @ S
        o[:, :, c0:c0 + L] = scale * (inner + cross)
        zeta = g[:, None] ** (L - 1 - i)
        S = (g ** L)[None, :, None, None] * S + \
            (kc * zeta[None, :, :, None]).transpose(0, 1, 3, 2) @ vc
    n = position + np.arange(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        rowsum = np.where(g[:, None] == 1.0, n + 1.0,
                          -np.expm1((n + 1) * np.log(g)[:, None]) / -np.expm1(np.log(g))[:, None])
    rowsum = np.where(g[:, None] == 0.0, 1.0, rowsum)
    return o / np.sqrt(rowsum)[None, :, :, None], S


def inputs(c, rng):
    B, H, T, D = c["B"], c["H"], c["T"], c["D"]
    bits = [to_bf16_bits(rng.standard_normal((B, H, T, D), dtype=np.float32) * np.float32(s))
            for s in (D ** -0.5, 1.0, 1.0)]
    ld = np.log(1.0 - 2.0 ** (-5.0 - np.arange(H))).astype(np.float32)
    state = rng.standard_normal((B, H, D, D)).astype(np.float32) if c["form"] != "parallel" \
        else np.zeros((B, H, D, D), np.float32)
    position = 100 if c["form"] != "parallel" else 0
    return bits, ld, state, position


def check(kernel, c, rng):
    (qb, kb, vb), ld, state, position = inputs(c, rng)
    outs = kernel(qb, kb, vb, ld, state, position)
    q, k, v = (from_bf16_bits(x) for x in (qb, kb, vb))
    o_ref, s_ref = reference(q, k, v, ld, c["scale"], state, position)
    o_abs, s_abs = reference(np.abs(q), np.abs(k), np.abs(v), ld, c["scale"],
                             np.abs(state), position)
    u = UNIT[c["dtype"]]
    # Three roundings of mma operands in the cross term, one in the scores
    # (the tensor-core kernels), the output's own rounding, f32 sums.
    got = from_bf16_bits(outs[0])
    bound = 3 * u * o_abs + u * np.abs(o_ref) + 1e-4 * np.abs(o_ref).max()
    ok = bool(np.all(np.isfinite(got)) and np.all(np.abs(got - o_ref) <= bound))
    report = "o max rel err %.2e" % (np.abs(got - o_ref).max() / np.abs(o_ref).max())
    if kernel.stateful:
        sbound = u * s_abs + 1e-4 * np.abs(s_ref).max()
        ok = ok and bool(np.all(np.abs(outs[1] - s_ref) <= sbound))
        report += ", state %.2e" % (np.abs(outs[1] - s_ref).max() / np.abs(s_ref).max())
    return ok, report


def time_kernel(runtime, kernel, c, rng, repeat):
    (qb, kb, vb), ld, state, position = inputs(c, rng)
    kernel(qb, kb, vb, ld, state, position)  # warm-up: module load, caches
    runtime.retnetGpuSetTiming(True)
    runtime.retnetGpuKernelMilliseconds()
    for _ in range(repeat):
        kernel(qb, kb, vb, ld, state, position)
    ms = runtime.retnetGpuKernelMilliseconds() / repeat
    runtime.retnetGpuSetTiming(False)
    return ms


def torch_peers(c, repeat):
    """Times of the peers on the same shapes (causal SDPA; flash-linear-
    attention's chunked retention when installed), or reasons they are absent."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        return {"sdpa": "unavailable (%s)" % e}
    if not torch.cuda.is_available():
        return {"sdpa": "unavailable (no CUDA device for PyTorch)"}
    B, H, T, D = c["B"], c["H"], c["T"], c["D"]
    q, k, v = (torch.randn(B, H, T, D, device="cuda", dtype=torch.bfloat16) for _ in range(3))

    def timed(fn):
        fn()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(repeat):
            fn()
        stop.record()
        torch.cuda.synchronize()
        return start.elapsed_time(stop) / repeat

    peers = {"sdpa": timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))}
    try:
        from fla.ops.retention import chunk_retention
        qt, kt, vt = (x.transpose(1, 2).contiguous() for x in (q, k, v))  # [B, T, H, D]
        s0 = torch.randn(B, H, D, D, device="cuda", dtype=torch.float32)
        # Like the kernel timed here: an initial state in, the final state out.
        peers["fla"] = timed(lambda: chunk_retention(qt, kt, vt, initial_state=s0,
                                                     output_final_state=True))
    except Exception as e:  # not installed, or an API this script does not know
        peers["fla"] = "unavailable (%s)" % str(e).splitlines()[0][:80]
    return peers


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--emulate", action="store_true",
                    help="run the artifacts of compile.py --emulate on the CPU emulator")
    ap.add_argument("--repeat", type=int, default=0, help="timed calls (default 10; 1 emulated)")
    ap.add_argument("--only", help="run only configurations whose name contains this")
    a = ap.parse_args()
    with open(os.path.join(a.artifacts, "manifest.json")) as f:
        manifest = json.load(f)
    if (manifest["backend"] == "emulator") != a.emulate:
        sys.exit("error: these artifacts are for the %s; %s --emulate"
                 % (manifest["backend"], "run with" if a.emulate is False else "run without"))
    # Read by the runtime when the first artifact loads its kernels.
    os.environ["RETNET_GPU_BACKEND"] = manifest["backend"]
    runtime = ctypes.CDLL(os.path.join(a.artifacts, "libretnet_runtime.so"))
    runtime.retnetGpuKernelMilliseconds.restype = ctypes.c_double
    runtime.retnetGpuSetTiming.argtypes = [ctypes.c_bool]
    libc = ctypes.CDLL(None)
    repeat = a.repeat or (1 if a.emulate else 10)
    rng = np.random.default_rng(0)
    checked_shapes = set()
    checks = failed = 0
    label = "emulator ms (CPU, not a GPU timing)" if a.emulate else "kernel ms"
    for c in manifest["configs"]:
        if a.only and a.only not in c["name"]:
            continue
        kernel = Kernel(a.artifacts, c, libc)
        shape = (c["form"], c["B"], c["H"], c["D"])
        if a.emulate or c["form"] == "recurrent" or shape not in checked_shapes:
            checked_shapes.add(shape)
            ok, report = check(kernel, c, rng)
            checks += 1
            failed += not ok
            print("%s: check %s: %s" % ("PASS" if ok else "FAIL", c["name"], report))
        ms = time_kernel(runtime, kernel, c, rng, repeat)
        line = "time %s: %s %.3f" % (c["name"], label, ms)
        if c["form"] == "recurrent":
            B, H, D = c["B"], c["H"], c["D"]
            gbytes = (2 * B * H * D * D * 4 + 4 * B * H * D * 2) / 1e9
            line += ", %.1f GB/s of state and tokens" % (gbytes / (ms / 1e3))
            if not a.emulate:
                try:
                    import torch
                    name = torch.cuda.get_device_name()
                    peak = next((v for k, v in PEAK_GBS.items() if k in name), None)
                    if peak:
                        line += " (%.0f%% of %s's %.0f GB/s)" % (
                            100 * gbytes / (ms / 1e3) / peak, name, peak)
                except Exception:
                    pass
        elif not a.emulate and c["form"] == "chunkwise":
            for peer, t in torch_peers(c, repeat).items():
                line += "; %s %s" % (peer, "%.3f ms (%.2fx)" % (t, t / ms)
                                     if isinstance(t, float) else t)
        print(line)
    print("%s: %d of %d checks failed" % ("FAIL" if failed else "PASS", failed, checks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
