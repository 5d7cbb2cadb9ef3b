#!/usr/bin/env python3
"""Per-kernel statistics of the model on the GPU, compiled but not run.

For each shape (the `base` model and a 1.3B one) and step (a decode step,
and generate's prefill of 2048 tokens), compiles @forward with
retention-graph-to-cuda (`retnet-compile emit --config`, then retnet-opt)
and reports for every kernel module:

* ptxas's registers, shared memory and spills (`ptxas -v` for --chip);
* launches per step (kernels in the layer loop run once per layer);
* the bytes of the buffers the launch reads or writes, each counted once:
  the compulsory global traffic, a lower bound (the SIMT products re-read
  their operands through the caches);

and per step: those bytes against the weight bytes (the decode floor: every
weight read once), and the device memory: weights, states and every buffer
the step allocates (an upper bound: buffers freed early are counted too).

    /usr/bin/python3 bench/gpu/model_kernels.py --build build [--chip sm_90]
        [--weights-dtype bf16]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "Target", "Inputs"))
from ptxas_check import unescape  # noqa: E402
from model import SHAPES as MODEL_SHAPES  # noqa: E402

SHAPES = {
    "base": MODEL_SHAPES["base"],
    "1.3B": {"decoder_embed_dim": 2048, "decoder_value_embed_dim": 3456,
             "decoder_ffn_embed_dim": 3456, "decoder_retention_heads": 8,
             "decoder_layers": 24, "vocab_size": 32000},
}
STEPS = [("decode step", ["--form", "recurrent"]),
         ("prefill 2048", ["--form", "chunkwise", "--seq", "2048",
                           "--last-logits-only"])]
BYTES = {"f32": 4, "f16": 2, "bf16": 2, "i64": 8, "i32": 4, "index": 8,
         "i1": 1, "i8": 1}


def memref_bytes(t):
    """Bytes of `memref<AxBxf32, ...>`."""
    m = re.match(r"memref<((?:\d+x)*)(\w+)", t)
    n = 1
    for d in m.group(1).split("x")[:-1]:
        n *= int(d)
    return n * BYTES[m.group(2)]


MEMREF = r"memref<[^>]*(?:<[^>]*>[^>]*)*>"


def forward_body(outlined):
    """The host code of @forward after kernel outlining: its lines, each with
    whether it lies in the layer loop (the only loop of the host code: the
    lines indented deeper than the function's body)."""
    lines = outlined[outlined.index("func.func @forward"):].splitlines()[1:]
    body = []
    for line in lines:
        if line.startswith("  }"):
            break
        body.append((line, len(line) - len(line.lstrip()) > 4))
    return body


def launches(body, layers):
    """(kernel module, launches per step, bytes per launch, buffer shapes)
    of @forward."""
    out = []
    for line, in_loop in body:
        m = re.search(r"gpu\.launch_func\s+@(\w+)::", line)
        if not m:
            continue
        args = re.search(r"args\((.*)\)\s*$", line).group(1)
        # Each buffer once, however many arguments it is.
        buffers = dict(re.findall(r"(%[\w.#]+) : (" + MEMREF + ")", args))
        shapes = ", ".join(re.match(r"memref<([^,>]*)", t).group(1)
                           for t in buffers.values())
        out.append((m.group(1), layers if in_loop else 1,
                    sum(memref_bytes(t) for t in buffers.values()), shapes))
    return out


def allocations(body):
    """An upper bound on the device buffers @forward holds at once: what it
    allocates outside the layer loop plus one iteration's (the deallocation
    pipeline frees a layer's buffers in its iteration)."""
    return sum(memref_bytes(m.group(1))
               for line, _ in body
               for m in [re.search(r"= gpu\.alloc .*: (" + MEMREF + ")", line)] if m)


def ptxas(final, toolkit, chip):
    """Kernel module -> (registers, shared bytes, spill bytes)."""
    found = re.findall(r'gpu\.binary @(\w+)\s*\[#gpu\.object<#nvvm\.target<[^>]*>,\s*'
                       r'(?:properties = \{[^}]*\},\s*)?assembly = "((?:[^"\\]|\\.)*)"',
                       final)
    stats = {}
    for name, ptx in found:
        with tempfile.NamedTemporaryFile("w", suffix=".ptx") as f:
            f.write(unescape(ptx))
            f.flush()
            out = subprocess.run([os.path.join(toolkit, "bin", "ptxas"), "-arch=" + chip,
                                  "-v", f.name, "-o", "/dev/null"],
                                 capture_output=True, text=True, check=True).stderr
        regs = int(re.search(r"Used (\d+) registers", out).group(1))
        smem = re.search(r"(\d+) bytes smem", out)
        spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", out)
        stats[name] = (regs, int(smem.group(1)) if smem else 0,
                       int(spills.group(1)) + int(spills.group(2)))
    return stats


def sizes(cfg, product_bytes):
    """Bytes of the weights (the products' of `product_bytes` each, the
    rest f32), of the embedding table, and of the state."""
    d, vd, f = (cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"],
                cfg["decoder_ffn_embed_dim"])
    L, H, V = cfg["decoder_layers"], cfg["decoder_retention_heads"], cfg["vocab_size"]
    products = L * (2 * d * d + 3 * d * vd + 3 * d * f) + V * d
    weights = product_bytes * products + 4 * (L * 2 * d + V * d + d)
    state = 4 * L * H * (d // H) * (vd // H)
    return weights, 4 * V * d, state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--chip", default="sm_80", choices=["sm_80", "sm_90"])
    ap.add_argument("--toolkit", default="/usr/local/cuda")
    ap.add_argument("--weights-dtype", default="f32", choices=["f32", "bf16", "f16"],
                    help="the products' weights (16 bits: on tensor cores)")
    a = ap.parse_args()
    bin_dir = os.path.join(a.build, "bin")
    print("chip %s, ptxas of %s, %s weights\n" % (a.chip, a.toolkit, a.weights_dtype))
    print("| shape | step | kernel modules / launches | registers | shared bytes "
          "(max) | spill bytes | weights read, MB (floor) | buffers touched, MB "
          "(x floor) | device memory, MB (at most) |")
    print("|---|---|---|---|---|---|---|---|---|")
    kernels = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape, cfg in SHAPES.items():
            path = os.path.join(tmp, shape + ".json")
            with open(path, "w") as f:
                json.dump(cfg, f)
            weights, table, state = sizes(cfg, 4 if a.weights_dtype == "f32" else 2)
            d = cfg["decoder_embed_dim"]
            for step, args in STEPS:
                tokens = 2048 if "--seq" in args else 1
                ir = subprocess.run([os.path.join(bin_dir, "retnet-compile"), "emit",
                                     "--config", path, "--weights-dtype", a.weights_dtype]
                                    + args,
                                    capture_output=True, text=True, check=True).stdout
                run = subprocess.run(
                    [os.path.join(bin_dir, "retnet-opt"), "-",
                     "--pass-pipeline=builtin.module(retention-graph-to-cuda"
                     "{format=isa chip=%s})" % a.chip,
                     "--mlir-print-ir-after=gpu-kernel-outlining"],
                    input=ir, capture_output=True, text=True, check=True)
                body = forward_body(run.stderr)
                rows = launches(body, cfg["decoder_layers"])
                # The first launch is the embedding gather: it is given the
                # whole table and reads a row per token.
                name, n, b, shapes = rows[0]
                rows[0] = (name, n, b - table + 4 * d * tokens, shapes)
                stats = ptxas(run.stdout, a.toolkit, a.chip)
                moved = sum(n * b for _, n, b, _ in rows)
                floor = weights - table + 4 * d * tokens
                regs = [r for r, _, _ in stats.values()]
                print("| %s | %s | %d / %d | %d-%d | %d | %d | %.0f | %.0f (%.2fx) | %.0f |" %
                      (shape, step, len(stats), sum(n for _, n, _, _ in rows),
                       min(regs), max(regs), max(sm for _, sm, _ in stats.values()),
                       sum(sp for _, _, sp in stats.values()), floor / 1e6,
                       moved / 1e6, moved / floor,
                       (weights + state + allocations(body)) / 1e6))
                kernels.append((shape, step, rows, stats, moved))
    for shape, step, rows, stats, moved in kernels:
        print("\n%s, %s: every kernel, in launch order (buffers: the shapes "
              "of those it is given; the gather's table counts one row per "
              "token)\n" % (shape, step))
        print("| kernel | launches | registers | shared | spills | MB per step "
              "(share) | buffers |")
        print("|---|---|---|---|---|---|---|")
        for name, n, b, shapes in rows:
            regs, smem, spill = stats[name]
            print("| %s | %d | %d | %d | %d | %.2f (%.1f%%) | %s |" %
                  (name, n, regs, smem, spill, n * b / 1e6, 100.0 * n * b / moved,
                   shapes))


if __name__ == "__main__":
    main()
