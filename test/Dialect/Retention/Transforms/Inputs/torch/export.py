#!/usr/bin/env python3
"""Exports the reference RetNet retention (torchscale 0.3.0) with torch-mlir.

Run through scripts/export-torch.sh, which installs torch, torch-mlir and
torchscale into a venv and runs this file with it. Writes, next to this file,
for each module NAME:

  NAME.linalg.mlir   torch_mlir.fx.export_and_import(..., "linalg-on-tensors")
  NAME.tosa.mlir     the same with output_type="tosa" (not for near-misses)
  NAME.{q,k,v}.npy   the inputs (NAME.x.npy for the full layer), float32
  NAME.out.npy       PyTorch's output for them, float32

Modules (all f32, eval mode, fixed seeds):

  core             the retention core as torchscale 0.3.0 computes it in
                   parallel mode: the decay mask from RetNetRelPos.forward
                   (computed inside forward from the decay buffer), then
                   MultiScaleRetention.parallel_forward's math on
                   q, k: [B,H,T,Dk], v: [B,H,T,Dv] -> [B,H,T,Dv]
                   config B=1 H=2 T=16 Dk=8 Dv=8
  core_b2h3t33     the same, B=2 H=3 T=33 Dk=16 Dv=8
  core_abssum      core with the normalisation of later torchscale versions:
                   qk / qk.abs().sum(-1).clamp(min=1, max=5e4) (0.3.0 has
                   qk / qk.sum(-1).abs().clamp(min=1))
  core_no_absnorm  core without the normalisation: (qk * mask) @ v
  layer            torchscale's MultiScaleRetention.forward, parallel mode,
                   with RetNetRelPos computed inside forward; x: [1,16,32]
                   (decoder_embed_dim=32, decoder_value_embed_dim=48,
                   decoder_retention_heads=2)
  near-misses (linalg only, must NOT be raised):
  noncausal        mask exp(|n-m| * decay) (no tril), normalised the same way
  wrongdecay       a random positive causal mask (not gamma^(n-m)),
                   normalised the same way
  posdecay         gamma depending on the query position n:
                   exp((n-m) * decay_h * (1 + n/T)) on n >= m

With --bench, also writes the T=2048 core (B=1 H=2 Dk=Dv=256) linalg export
with its .npy files into BUILD_DIR/torch-export (not committed).

Each .mlir file is checked to parse with Debian's stock mlir-opt (LLVM 22)
when it is installed, and is run (lowered to loops and JIT-compiled with the
MLIR inside torch-mlir; TOSA through tosa-to-linalg) on the saved inputs
against PyTorch's output (skip with --no-run). The re-typed core is checked
against torchscale's own MultiScaleRetention.parallel_forward.
"""

import argparse
import importlib.metadata
import math
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "stubs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch_mlir import fx  # noqa: E402
from torchscale.architecture.config import RetNetConfig  # noqa: E402
from torchscale.architecture.retnet import RetNetRelPos  # noqa: E402
from torchscale.component.multiscale_retention import MultiScaleRetention  # noqa: E402

VERSIONS = {p: importlib.metadata.version(p) for p in ("torch", "torch-mlir", "torchscale")}


def rel_pos_for(heads, key_dim):
    """torchscale's RetNetRelPos for `heads` heads of key_dim (the angle
    buffer only feeds sin/cos, which the cores do not use)."""
    args = RetNetConfig(decoder_embed_dim=heads * key_dim, decoder_retention_heads=heads)
    return RetNetRelPos(args)


def parallel_core(q, k, v, mask, norm):
    """MultiScaleRetention.parallel_forward's math (torchscale 0.3.0) on
    q, k: [B,H,T,Dk], v: [B,H,T,Dv]. norm: "ts030" (0.3.0's line),
    "abssum" (later torchscale) or None."""
    qk_mat = q @ k.transpose(-1, -2)
    qk_mat = qk_mat * mask
    if norm == "ts030":
        qk_mat = qk_mat / qk_mat.detach().sum(dim=-1, keepdim=True).abs().clamp(min=1)
    elif norm == "abssum":
        qk_mat = qk_mat / qk_mat.detach().abs().sum(dim=-1, keepdim=True).clamp(min=1, max=5e4)
    return torch.matmul(qk_mat, v)


class Core(nn.Module):
    """The decay mask of RetNetRelPos.forward (parallel mode, torchscale's
    own code, run inside forward) and the parallel retention on it."""

    def __init__(self, heads, key_dim, norm="ts030"):
        super().__init__()
        self.rel_pos = rel_pos_for(heads, key_dim)
        self.norm = norm

    def forward(self, q, k, v):
        (_sin, _cos), mask = self.rel_pos(q.shape[2])
        return parallel_core(q, k, v, mask, self.norm)


class NonCausal(nn.Module):
    """Near-miss: exp(|n-m| * decay) with no causal cut, normalised by the
    square root of its row sums."""

    def __init__(self, heads, key_dim):
        super().__init__()
        self.register_buffer("decay", rel_pos_for(heads, key_dim).decay.clone())

    def forward(self, q, k, v):
        index = torch.arange(q.shape[2]).to(self.decay)
        mask = torch.exp((index[:, None] - index[None, :]).abs() * self.decay[:, None, None])
        mask = mask / mask.sum(dim=-1, keepdim=True).sqrt()
        return parallel_core(q, k, v, mask, "ts030")


class WrongDecay(nn.Module):
    """Near-miss: a random positive causal mask (no gamma^(n-m) structure),
    normalised by the square root of its row sums."""

    def __init__(self, heads, slen, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("weights", torch.rand(heads, slen, slen, generator=g) + 0.5)

    def forward(self, q, k, v):
        mask = torch.tril(self.weights)
        mask = mask / mask.sum(dim=-1, keepdim=True).sqrt()
        return parallel_core(q, k, v, mask, "ts030")


class PosDecay(nn.Module):
    """Near-miss: the decay rate depends on the query position n:
    mask[h,n,m] = exp((n-m) * decay_h * (1 + n/T)) for n >= m, else 0."""

    def __init__(self, heads, key_dim):
        super().__init__()
        self.register_buffer("decay", rel_pos_for(heads, key_dim).decay.clone())

    def forward(self, q, k, v):
        slen = q.shape[2]
        index = torch.arange(slen).to(self.decay)
        causal = torch.tril(torch.ones(slen, slen).to(self.decay))
        mask = torch.masked_fill(index[:, None] - index[None, :], ~causal.bool(), float("inf"))
        rate = self.decay[:, None] * (1 + index / slen)[None, :]  # [H, T]
        mask = torch.exp(mask * rate[:, :, None])
        mask = torch.nan_to_num(mask)
        mask = mask / mask.sum(dim=-1, keepdim=True).sqrt()
        return parallel_core(q, k, v, mask, "ts030")


class Layer(nn.Module):
    """torchscale's MultiScaleRetention forward in parallel mode, with its
    rel_pos from RetNetRelPos computed inside forward."""

    def __init__(self, args):
        super().__init__()
        self.rel_pos = RetNetRelPos(args)
        self.retention = MultiScaleRetention(
            args, args.decoder_embed_dim, args.decoder_value_embed_dim, args.decoder_retention_heads
        )

    def forward(self, x):
        rel_pos = self.rel_pos(x.shape[1])
        return self.retention(x, rel_pos)


def qkv(seed, b, h, t, dk, dv):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(b, h, t, dk, generator=g),
        torch.randn(b, h, t, dk, generator=g),
        torch.randn(b, h, t, dv, generator=g),
    )


def check_against_torchscale(b, h, t, dk, dv, inputs, out):
    """The re-typed core must agree with torchscale's parallel_forward."""
    q, k, v = inputs
    args = RetNetConfig(decoder_embed_dim=h * dk, decoder_value_embed_dim=h * dv, decoder_retention_heads=h)
    msr = MultiScaleRetention(args, h * dk, h * dv, h)
    (_, _), mask = RetNetRelPos(args)(t)
    ref = msr.parallel_forward(q, k, v.transpose(1, 2).reshape(b, t, h * dv), mask).transpose(1, 2)
    err = (ref - out).abs().max().item()
    if err > 1e-6:
        raise SystemExit(f"core B={b} H={h} T={t}: differs from torchscale's parallel_forward by {err}")


def mlir_opt():
    for c in ("/usr/lib/llvm-22/bin/mlir-opt", "/usr/bin/mlir-opt-22"):
        if os.access(c, os.X_OK):
            return c
    return shutil.which("mlir-opt-22")


RUNNER_UTILS = "/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so"


def run_exported(asm, output_type, inputs, out_rank):
    """Runs an exported module with the MLIR bundled in torch-mlir (its JIT,
    naive loops) and returns main's result as a numpy array."""
    import ctypes

    from torch_mlir import ir
    from torch_mlir.execution_engine import ExecutionEngine
    from torch_mlir.passmanager import PassManager
    from torch_mlir.runtime import np_to_memref as n2m

    with ir.Context():
        m = ir.Module.parse(asm)
        m.body.operations[0].attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
        pre = ""
        if output_type == "tosa":
            pre = "func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),"
        PassManager.parse(
            "builtin.module(" + pre + "one-shot-bufferize{bufferize-function-boundaries "
            "function-boundary-type-conversion=identity-layout-map},"
            "func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,"
            "func.func(convert-math-to-llvm),convert-math-to-libm,finalize-memref-to-llvm,"
            "convert-arith-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)"
        ).run(m.operation)
        # memrefCopy comes from MLIR's C runner utils (Debian's LLVM 22 has them).
        libs = [RUNNER_UTILS] if os.path.exists(RUNNER_UTILS) else []
        ee = ExecutionEngine(m, opt_level=2, shared_libs=libs)
    res = n2m.make_nd_memref_descriptor(out_rank, n2m.as_ctype(np.float32))()
    descs = [n2m.get_ranked_memref_descriptor(np.ascontiguousarray(x.numpy())) for x in inputs]
    ee.invoke("main", ctypes.pointer(ctypes.pointer(res)), *[ctypes.pointer(ctypes.pointer(d)) for d in descs])
    return np.array(n2m.ranked_memref_to_numpy(ctypes.pointer(res)), copy=True)


def export(name, module, inputs, input_names, config, out_dir, output_types, problems, run_check=True):
    module.eval()
    with torch.no_grad():
        out = module(*inputs)
    os.makedirs(out_dir, exist_ok=True)
    for n, x in zip(input_names, inputs):
        np.save(os.path.join(out_dir, f"{name}.{n}.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, f"{name}.out.npy"), out.numpy().astype(np.float32))
    opt = mlir_opt()
    for output_type, suffix in output_types:
        path = os.path.join(out_dir, f"{name}.{suffix}.mlir")
        try:
            m = fx.export_and_import(module, *inputs, output_type=output_type, func_name="main")
        except Exception as e:  # report and go on with the others
            problems.append(f"{name} ({output_type}): export failed: {type(e).__name__}: {e}")
            print(f"  {path}: EXPORT FAILED ({type(e).__name__})", file=sys.stderr)
            continue
        asm = m.operation.get_asm(enable_debug_info=False, large_elements_limit=None)
        header = (
            f"// Exported by scripts/export-torch.sh: torch {VERSIONS['torch']}, "
            f"torch-mlir {VERSIONS['torch-mlir']}, torchscale {VERSIONS['torchscale']}; "
            f"module {name}, config {config}; output_type={output_type}\n"
        )
        with open(path, "w") as f:
            f.write(header + asm)
        status = "written"
        if opt:
            r = subprocess.run([opt, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                problems.append(f"{path}: {os.path.basename(opt)} does not parse it:\n{r.stderr.strip()}")
                status = "written; DOES NOT PARSE with " + opt
            else:
                status = "written; parses with " + opt
        if run_check:
            try:
                got = run_exported(asm, output_type, inputs, out.dim())
                err = float(np.abs(got - out.numpy()).max())
                tol = 1e-5 * max(1.0, float(out.abs().max()))
                if not err <= tol:
                    problems.append(f"{path}: its result differs from PyTorch's by {err} (tolerance {tol})")
                status += f"; runs (JIT) within {err:.1e} of PyTorch"
            except Exception as e:
                problems.append(f"{path}: running it failed: {type(e).__name__}: {e}")
                status += "; RUN FAILED"
        print(f"  {os.path.relpath(path)} ({os.path.getsize(path)} bytes): {status}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--out-dir", default=HERE, help="where the committed files go (default: next to this file)")
    ap.add_argument("--bench", action="store_true", help="also write the T=2048 core into BUILD_DIR/torch-export")
    ap.add_argument("--only", nargs="*", help="export only these module names")
    ap.add_argument("--no-run", action="store_true",
                    help="skip running each export (MLIR JIT from torch-mlir) against PyTorch's output")
    a = ap.parse_args()

    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)
    both = [("linalg-on-tensors", "linalg"), ("tosa", "tosa")]
    linalg = [("linalg-on-tensors", "linalg")]
    problems = []

    def cfg(b, h, t, dk, dv):
        return f"B={b} H={h} T={t} Dk={dk} Dv={dv}"

    jobs = []
    for name, (b, h, t, dk, dv), seed in (("core", (1, 2, 16, 8, 8), 1), ("core_b2h3t33", (2, 3, 33, 16, 8), 2)):
        jobs.append((name, lambda h=h, dk=dk: Core(h, dk), (b, h, t, dk, dv), seed, both, True))
    jobs.append(("core_abssum", lambda: Core(2, 8, "abssum"), (1, 2, 16, 8, 8), 3, both, False))
    jobs.append(("core_no_absnorm", lambda: Core(2, 8, None), (1, 2, 16, 8, 8), 4, both, False))
    jobs.append(("noncausal", lambda: NonCausal(2, 8), (1, 2, 16, 8, 8), 5, linalg, False))
    jobs.append(("wrongdecay", lambda: WrongDecay(2, 16, seed=100), (1, 2, 16, 8, 8), 6, linalg, False))
    jobs.append(("posdecay", lambda: PosDecay(2, 8), (1, 2, 16, 8, 8), 7, linalg, False))

    for name, make, (b, h, t, dk, dv), seed, types, check in jobs:
        if a.only and name not in a.only:
            continue
        print(f"==> {name} ({cfg(b, h, t, dk, dv)})")
        torch.manual_seed(seed)
        module = make()
        inputs = qkv(seed, b, h, t, dk, dv)
        if check:
            with torch.no_grad():
                check_against_torchscale(b, h, t, dk, dv, inputs, module.eval()(*inputs))
        export(name, module, inputs, ("q", "k", "v"), cfg(b, h, t, dk, dv), a.out_dir, types, problems, not a.no_run)

    if not a.only or "layer" in a.only:
        print("==> layer")
        torch.manual_seed(8)
        args = RetNetConfig(decoder_embed_dim=32, decoder_value_embed_dim=48, decoder_retention_heads=2)
        layer = Layer(args)
        x = torch.randn(1, 16, 32, generator=torch.Generator().manual_seed(8))
        config = "decoder_embed_dim=32 decoder_value_embed_dim=48 decoder_retention_heads=2, x: [1,16,32]"
        export("layer", layer, (x,), ("x",), config, a.out_dir, both, problems, not a.no_run)

    if a.bench:
        b, h, t, dk, dv = 1, 2, 2048, 256, 256
        print(f"==> core_t2048 ({cfg(b, h, t, dk, dv)})")
        torch.manual_seed(9)
        export("core_t2048", Core(h, dk), qkv(9, b, h, t, dk, dv), ("q", "k", "v"), cfg(b, h, t, dk, dv),
               os.path.join(a.build_dir, "torch-export"), linalg, problems, not a.no_run)

    if problems:
        print("\nproblems:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
