#!/usr/bin/env python3
"""The `base` model's ahead-of-time artifact (`retnet-compile build`, its
own thread pool) against the JIT (`retnet-compile generate`, OpenMP), each
on one thread and on all cores, side by side in one run: --rounds
alternating rounds, medians and ratios to the JIT with the same threads.

    /usr/bin/python3 bench/aot/compare.py --build build

Measurements (same random weights, same prompt, same greedy tokens checked):
  prefill   tokens/s of a --prompt-len token prefill (the artifact: the
            longest of its --prefill-tokens calls that fit, the rest in
            decode steps; the JIT: one chunkwise call compiled for the
            prompt's length)
  decode    ms/token over --new-tokens - 1 decode steps
and the seconds `build` took. This is a benchmark, not a test.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

BASE = {"decoder_embed_dim": 512, "decoder_value_embed_dim": 864,
        "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 864,
        "decoder_layers": 6, "vocab_size": 32000, "recurrent_chunk_size": 64}


def parse(out):
    tokens = re.search(r"tokens: ([0-9 ]+)", out).group(1).split()
    prefill = float(re.search(r"prefill: \d+ tokens in [0-9.]+ s \(([0-9.]+) tokens/s", out).group(1))
    decode = float(re.search(r"([0-9.]+) ms/token", out).group(1))
    return tokens, prefill, decode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--prompt-len", type=int, default=512)
    ap.add_argument("--new-tokens", type=int, default=129)
    ap.add_argument("--prefill-tokens", default="512,64,8",
                    help="the artifact's prefill lengths")
    ap.add_argument("--cc", default="cc")
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "retnet-compile")
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as work:
        cfg = os.path.join(work, "base.json")
        json.dump(BASE, open(cfg, "w"))
        model = os.path.join(work, "base")
        subprocess.run([tool, "init", "--config", cfg, "--seed", "0", "-o", model],
                       check=True, capture_output=True)
        art = os.path.join(work, "artifact")
        start = time.perf_counter()
        subprocess.run([tool, "build", "--model", model, "--target", "cpu",
                        "--prefill-tokens", a.prefill_tokens, "-o", art],
                       check=True, capture_output=True)
        build_s = time.perf_counter() - start
        program = os.path.join(work, "aot-timing")
        subprocess.run([a.cc, "-O2", os.path.join(here, "aot-timing.c"), "-I" + art,
                        "-L" + art, "-lretnet_model", "-Wl,-rpath," + art, "-o", program],
                       check=True)
        prompt = ",".join(str((i * 7919 + 1) % BASE["vocab_size"]) for i in range(a.prompt_len))
        aot = [program, os.path.join(art, "model.weights"), prompt, str(a.new_tokens)]
        jit = [tool, "generate", "--model", model, "--prompt-tokens", prompt,
               "--max-new-tokens", str(a.new_tokens)]
        # name: (command, RETNET_NUM_THREADS, the JIT run it is compared with)
        runs = {
            "artifact, 1 thread": (aot, "1", "JIT, 1 thread"),
            "JIT, 1 thread": (jit + ["--threads", "1"], None, "JIT, 1 thread"),
            "artifact, all cores": (aot, None, "JIT, all cores"),
            "JIT, all cores": (jit, None, "JIT, all cores"),
        }
        results = {name: ([], []) for name in runs}
        tokens = {}
        for _ in range(a.rounds):
            for name, (cmd, threads, _) in runs.items():
                env = dict(os.environ)
                env.pop("RETNET_NUM_THREADS", None)
                if threads:
                    env["RETNET_NUM_THREADS"] = threads
                out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                                     env=env).stdout
                t, p, d = parse(out)
                tokens[name] = t
                results[name][0].append(p)
                results[name][1].append(d)
    print("| | prefill tok/s | decode ms/token | prefill / JIT's | "
          "decode speed-up vs JIT's | greedy tokens equal to the JIT's |")
    print("|---|---|---|---|---|---|")
    for name, (p, d) in results.items():
        ref = runs[name][2]
        p0 = statistics.median(results[ref][0])
        d0 = statistics.median(results[ref][1])
        same = sum(x == y for x, y in zip(tokens[name], tokens[ref]))
        print("| %s | %.1f | %.2f | %.2f | %.2f | %d/%d |"
              % (name, statistics.median(p), statistics.median(d),
                 statistics.median(p) / p0, d0 / statistics.median(d), same, len(tokens[ref])))
    print("(medians of %d alternating rounds, %d-token prompt, %d decode steps; "
          "build took %.1f s)" % (a.rounds, a.prompt_len, a.new_tokens - 1, build_s))


if __name__ == "__main__":
    main()
