#!/usr/bin/env python3
"""Two builds of retnet-mlir side by side: did a change make the CPU code
slower? Runs each measurement for build A and build B alternately, --rounds
times, and prints the medians and B / A.

    /usr/bin/python3 bench/compare_builds.py --a OLD_BUILD --b NEW_BUILD

Measurements (same inputs for both builds):
  retention   retnet-run --pipeline fused --repeat 5 on a retention.parallel
              op, B = 1, H = 8, T = 4096, Dk = Dv = 128 (median call, ms)
  prefill     retnet-compile generate on the `base` model (d = 512,
              value = ffn = 864, 2 heads, 6 layers, vocab 32000, random
              weights), 512-token prompt: prefill tokens/s
  decode      the same run: decode ms/token over 64 steps
  prefill2048 retnet-compile generate on a 2048-token prompt (the length of
              the issue's goal): prefill seconds
  run         retnet-compile run on the same model, 2048 tokens (logits for
              every position: the output projection onto the vocabulary
              dominates): seconds
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
H, T, D = 8, 4096, 128

RETENTION = """func.func @main(%q: tensor<1x8x4096x128xf32>, %k: tensor<1x8x4096x128xf32>,
                %v: tensor<1x8x4096x128xf32>, %ld: tensor<8xf32>)
    -> tensor<1x8x4096x128xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>,
        tensor<1x8x4096x128xf32>, tensor<8xf32> -> tensor<1x8x4096x128xf32>
  return %o : tensor<1x8x4096x128xf32>
}
"""


def retention_ms(build, work):
    out = subprocess.run(
        [os.path.join(build, "bin", "retnet-run"), os.path.join(work, "ret.mlir"),
         "--entry", "main", "--pipeline", "fused", "--repeat", "5"]
        + ["--input=" + os.path.join(work, n + ".npy") for n in ("q", "k", "v", "ld")],
        check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median time over \d+ runs: ([0-9.]+) ms", out).group(1))


def generate(build, model, prompt, new_tokens=65):
    out = subprocess.run(
        [os.path.join(build, "bin", "retnet-compile"), "generate", "--model", model,
         "--prompt-tokens", prompt, "--max-new-tokens", str(new_tokens)],
        check=True, capture_output=True, text=True).stdout
    prefill = re.search(r"prefill: \d+ tokens in ([0-9.]+) s \(([0-9.]+) tokens/s", out)
    decode = float(re.search(r"([0-9.]+) ms/token", out).group(1))
    return float(prefill.group(1)), float(prefill.group(2)), decode


def run_s(build, model, tokens, work):
    out = subprocess.run(
        [os.path.join(build, "bin", "retnet-compile"), "run", "--model", model,
         "--tokens", tokens, "--logits", os.path.join(work, "logits.npy")],
        check=True, capture_output=True, text=True).stderr
    return float(re.search(r"ran \d+ token\(s\) in ([0-9.]+) s", out).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="build directory A (before)")
    ap.add_argument("--b", required=True, help="build directory B (after)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        for name in "qkv":
            np.save(os.path.join(work, name + ".npy"),
                    rng.standard_normal((1, H, T, D)).astype(np.float32) / np.sqrt(D))
        np.save(os.path.join(work, "ld.npy"),
                np.log(1 - 2.0 ** (-5 - np.arange(H))).astype(np.float32))
        with open(os.path.join(work, "ret.mlir"), "w") as f:
            f.write(RETENTION)
        json.dump(BASE, open(os.path.join(work, "base.json"), "w"))
        model = os.path.join(work, "base")
        subprocess.run([os.path.join(args.a, "bin", "retnet-compile"), "init", "--config",
                        os.path.join(work, "base.json"), "--seed", "0", "-o", model],
                       check=True, capture_output=True)
        prompt = ",".join(str(t) for t in rng.integers(0, BASE["vocab_size"], 512))
        tokens = os.path.join(work, "tokens2048.npy")
        np.save(tokens, rng.integers(0, BASE["vocab_size"], (1, 2048)).astype(np.int64))
        results = {key: {"retention": [], "prefill": [], "decode": [], "prefill2048": [],
                         "run": []}
                   for key in "ab"}
        for _ in range(args.rounds):
            for key, build in (("a", args.a), ("b", args.b)):
                results[key]["retention"].append(retention_ms(build, work))
                _, prefill, decode = generate(build, model, prompt)
                results[key]["prefill"].append(prefill)
                results[key]["decode"].append(decode)
                results[key]["prefill2048"].append(generate(build, model, tokens, 2)[0])
                results[key]["run"].append(run_s(build, model, tokens, work))
    print("| measurement | A | B | B / A |")
    print("|---|---|---|---|")
    for what, unit in (("retention", "ms"), ("prefill", "tok/s"), ("decode", "ms/token"),
                       ("prefill2048", "s"), ("run", "s")):
        a = statistics.median(results["a"][what])
        b = statistics.median(results["b"][what])
        digits = 3 if unit == "s" else 2
        print("| %s (%s) | %.*f | %.*f | %.3f |" % (what, unit, digits, a, digits, b, b / a))


if __name__ == "__main__":
    main()
