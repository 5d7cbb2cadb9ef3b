#!/usr/bin/env python3
"""The `base` model with its matrix products' weights held in f32, bf16 and
f16, side by side in one run: `retnet-compile generate` for each weight
type in turn, --rounds times, medians and ratios to f32. bf16 twice: its
products widened in registers (`--bf16-products widen`) and, on a CPU with
AVX512-BF16, as dot products that round the activations (`dot`).

    /usr/bin/python3 bench/weights_dtype.py --build build

Measurements, for each weight type (same random weights, same prompt):
  prefill     tokens/s of a --prompt-len token chunkwise prefill
  decode      ms/token over --new-tokens - 1 recurrent decode steps (the
              speed-up is the median of each round's ratio to f32)
  weights MB  bytes of the products' weights one decode step streams
  logits      max |logits - f32 logits| / max |f32 logits| of `run` on the
              prompt (chunkwise), the accuracy cost
  tokens      greedy tokens equal to f32's, of --new-tokens
This is a benchmark, not a test.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

import numpy as np

BASE = {"decoder_embed_dim": 512, "decoder_value_embed_dim": 864,
        "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 864,
        "decoder_layers": 6, "vocab_size": 32000, "recurrent_chunk_size": 64}
# (label, weight type, more options of retnet-compile)
VARIANTS = [("f32", "f32", []), ("bf16", "bf16", ["--bf16-products", "widen"]),
            ("bf16 dot", "bf16", ["--bf16-products", "dot"]), ("f16", "f16", [])]


def host_has_bf16_dot():
    with open("/proc/cpuinfo") as f:
        return any(line.startswith("flags") and "avx512_bf16" in line.split()
                   for line in f)


def product_weight_bytes(dtype):
    d, vd, f, L, V = (BASE["decoder_embed_dim"], BASE["decoder_value_embed_dim"],
                      BASE["decoder_ffn_embed_dim"], BASE["decoder_layers"],
                      BASE["vocab_size"])
    per_layer = 2 * d * d + 3 * vd * d + 3 * f * d
    return (L * per_layer + V * d) * (4 if dtype == "f32" else 2)


def generate(tool, model, prompt, dtype, options, new_tokens):
    out = subprocess.run(
        [tool, "generate", "--model", model, "--prompt-tokens", prompt,
         "--max-new-tokens", str(new_tokens), "--weights-dtype", dtype] + options,
        check=True, capture_output=True, text=True).stdout
    prefill = float(re.search(r"prefill: \d+ tokens in [0-9.]+ s \(([0-9.]+) tokens/s", out).group(1))
    decode = float(re.search(r"([0-9.]+) ms/token", out).group(1))
    tokens = re.search(r"tokens: (.*)", out).group(1).split()
    return prefill, decode, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--prompt-len", type=int, default=512)
    # Long enough that a burst of this machine's noise is a small part of it.
    ap.add_argument("--new-tokens", type=int, default=257)
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "retnet-compile")
    variants = [v for v in VARIANTS if v[0] != "bf16 dot" or host_has_bf16_dot()]
    labels = [v[0] for v in variants]
    with tempfile.TemporaryDirectory() as work:
        cfg = os.path.join(work, "base.json")
        with open(cfg, "w") as f:
            json.dump(BASE, f)
        model = os.path.join(work, "base")
        subprocess.run([tool, "init", "--config", cfg, "--seed", "0", "-o", model],
                       check=True, capture_output=True)
        prompt = ",".join(str(1 + (i * 7919) % 31999) for i in range(a.prompt_len))

        logits = {}
        for label, dt, options in variants:
            path = os.path.join(work, "logits.npy")
            subprocess.run([tool, "run", "--model", model, "--tokens", prompt,
                            "--logits", path, "--weights-dtype", dt] + options,
                           check=True, capture_output=True)
            logits[label] = np.load(path)

        prefill = {label: [] for label in labels}
        decode = {label: [] for label in labels}
        tokens = {}
        for _ in range(a.rounds):
            for label, dt, options in variants:
                p, d, t = generate(tool, model, prompt, dt, options, a.new_tokens)
                prefill[label].append(p)
                decode[label].append(d)
                tokens[label] = t

    ref = logits["f32"]
    print("| weights | prefill tok/s | decode ms/token | prefill / f32 | "
          "decode speed-up vs f32 | weights MB per decode step | "
          "logits vs f32 (of max) | greedy tokens equal to f32 |")
    print("|---|---|---|---|---|---|---|---|")
    p32 = statistics.median(prefill["f32"])
    for label, dt, _ in variants:
        p = statistics.median(prefill[label])
        d = statistics.median(decode[label])
        err = np.max(np.abs(logits[label] - ref)) / np.max(np.abs(ref))
        same = sum(x == y for x, y in zip(tokens[label], tokens["f32"]))
        speedup = statistics.median(x / y for x, y in zip(decode["f32"], decode[label]))
        print("| %s | %.1f | %.2f | %.2f | %.2f | %.1f | %.1e | %d/%d |"
              % (label, p, d, p / p32, speedup, product_weight_bytes(dt) / 1e6,
                 err, same, len(tokens["f32"])))
    print("(medians of %d alternating rounds; spread of decode ms/token: %s)"
          % (a.rounds, ", ".join("%s %.2f-%.2f" % (label, min(decode[label]),
                                                   max(decode[label]))
                                 for label in labels)))


if __name__ == "__main__":
    main()
