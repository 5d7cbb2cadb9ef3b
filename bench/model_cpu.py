#!/usr/bin/env python3
"""Prefill and decode speed of the `base` RetNet shape on this CPU:
retnet-compile against the same model computed with numpy on OpenBLAS.

    /usr/bin/python3 bench/model_cpu.py [--build build] [--contexts 128,2048]

The model (d = 512, value = ffn = 864, 2 heads, 6 layers, vocab 32000,
random weights from `retnet-compile init --seed 0`) prefills a prompt of
each context length with the chunkwise form (C = 64) and then decodes
--new-tokens tokens greedily with the recurrent form. Both implementations
run in float32 on the two cores (OpenBLAS's threads, the async runtime's
workers). The numpy implementation is written here: chunkwise prefill and
recurrent decode with matmuls on OpenBLAS. Times exclude compilation and
weight loading. This is a benchmark, not a test.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "Integration", "Inputs"))
import retnet_reference as ref  # noqa: E402

BASE = {"decoder_embed_dim": 512, "decoder_value_embed_dim": 864,
        "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 864,
        "decoder_layers": 6, "vocab_size": 32000, "activation_fn": "gelu",
        "recurrent_chunk_size": 64}


class NumpyRetNet:
    """The torchscale decoder in float32 numpy: chunkwise prefill, recurrent
    decode (unnormalised state, closed-form row sums)."""

    def __init__(self, cfg, w):
        f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
        self.cfg = cfg
        self.d, self.H, self.L = cfg["decoder_embed_dim"], cfg["decoder_retention_heads"], cfg["decoder_layers"]
        self.dk = self.d // self.H
        self.dv = cfg["decoder_value_embed_dim"] // self.H
        self.embed = f32(w["embed_tokens.weight"])
        self.out = f32(w["output_projection.weight"].T)
        self.final = f32(w["layer_norm.weight"])
        self.layers = []
        for l in range(self.L):
            p = "layers.%d." % l
            self.layers.append({k: f32(w[p + n].T) for k, n in [
                ("q", "retention.q_proj.weight"), ("k", "retention.k_proj.weight"),
                ("v", "retention.v_proj.weight"), ("g", "retention.g_proj.weight"),
                ("o", "retention.out_proj.weight"), ("fc1", "ffn.fc1.weight"),
                ("gate", "ffn.gate.weight"), ("fc2", "ffn.fc2.weight")]})
            self.layers[-1]["ln1"] = f32(w[p + "retention_layer_norm.weight"])
            self.layers[-1]["ln2"] = f32(w[p + "final_layer_norm.weight"])
        self.ld = np.log(1 - 2.0 ** (-5 - np.arange(self.H)))
        angle = np.repeat(1.0 / 10000 ** np.linspace(0, 1, self.dk // 2), 2)
        self.angle = angle
        self.eps = np.float32(cfg.get("layernorm_eps", 1e-6))

    def norm(self, x, w=None):
        y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps)
        return y if w is None else y * w

    def rotary(self, x, pos):
        n = pos + np.arange(x.shape[1])
        sin = np.sin(n[:, None] * self.angle).astype(np.float32)
        cos = np.cos(n[:, None] * self.angle).astype(np.float32)
        rot = np.stack((-x[..., 1::2], x[..., ::2]), axis=-1).reshape(x.shape)
        return x * cos + rot * sin

    def retention(self, q, k, v, S, pos, chunk):
        """q, k [H, T, dk], v [H, T, dv], S [H, dk, dv]; returns o, S."""
        T = q.shape[1]
        o = np.empty((self.H, T, self.dv), np.float32)
        for j in range(0, T, chunk):
            L = min(chunk, T - j)
            a = np.arange(L)
            dist = a[:, None] - a[None, :]
            G = np.where(dist >= 0, np.exp(np.maximum(dist, 0)[None] * self.ld[:, None, None]), 0).astype(np.float32)
            qc, kc, vc = q[:, j:j + L], k[:, j:j + L], v[:, j:j + L]
            xi = np.exp((a + 1)[None, :, None] * self.ld[:, None, None]).astype(np.float32)
            zeta = np.exp((L - 1 - a)[None, :, None] * self.ld[:, None, None]).astype(np.float32)
            n = pos + j + a
            rowsum = np.expm1((n[None] + 1) * self.ld[:, None]) / np.expm1(self.ld)[:, None]
            o[:, j:j + L] = ((qc @ kc.transpose(0, 2, 1)) * G @ vc + (qc * xi) @ S) \
                * (1 / np.sqrt(rowsum)).astype(np.float32)[:, :, None]
            S = np.exp(L * self.ld).astype(np.float32)[:, None, None] * S + (kc * zeta).transpose(0, 2, 1) @ vc
        return o, S

    def forward(self, tokens, states, pos, chunk):
        T = len(tokens)
        x = self.embed[tokens]
        new_states = []
        for lw, S in zip(self.layers, states):
            h = self.norm(x, lw["ln1"])
            q = self.rotary((h @ lw["q"]).reshape(T, self.H, self.dk).transpose(1, 0, 2), pos)
            k = self.rotary((h @ lw["k"]).reshape(T, self.H, self.dk).transpose(1, 0, 2), pos) * np.float32(self.dk ** -0.5)
            v = (h @ lw["v"]).reshape(T, self.H, self.dv).transpose(1, 0, 2)
            g = h @ lw["g"]
            o, S = self.retention(q, k, v, S, pos, chunk)
            o = self.norm(o).transpose(1, 0, 2).reshape(T, -1)
            x = x + (g / (1 + np.exp(-g)) * o) @ lw["o"]
            h = self.norm(x, lw["ln2"])
            x = x + (gelu(h @ lw["fc1"]) * (h @ lw["gate"])) @ lw["fc2"]
            new_states.append(S)
        x = self.norm(x, self.final)
        return x @ self.out, new_states


def gelu(x):
    """Exact-erf GELU with erf from Abramowitz & Stegun 7.1.26 (|error| <
    1.5e-7): numpy has no erf, and a Python-level math.erf loop would make
    the baseline unfairly slow."""
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1 / (1 + np.float32(0.3275911) * z)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (
        np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    erf = np.sign(x) * (1 - poly * np.exp(-z * z))
    return np.float32(0.5) * x * (1 + erf)


def numpy_generate(model, prompt, new_tokens, chunk):
    states = [np.zeros((model.H, model.dk, model.dv), np.float32) for _ in range(model.L)]
    t0 = time.perf_counter()
    logits, states = model.forward(prompt, states, 0, chunk)
    prefill = time.perf_counter() - t0
    tokens = [int(np.argmax(logits[-1]))]
    t0 = time.perf_counter()
    for i in range(1, new_tokens):
        logits, states = model.forward(np.array([tokens[-1]]), states, len(prompt) + i - 1, chunk)
        tokens.append(int(np.argmax(logits[-1])))
    decode = time.perf_counter() - t0
    return tokens, prefill, decode


def compiled_generate(build, model_dir, prompt, new_tokens):
    out = subprocess.run([os.path.join(build, "bin", "retnet-compile"), "generate", "--model", model_dir,
                          "--prompt-tokens", ",".join(map(str, prompt)),
                          "--max-new-tokens", str(new_tokens)],
                         check=True, capture_output=True, text=True).stdout
    tokens = [int(t) for t in re.search(r"tokens: (.*)", out).group(1).split()]
    prefill = float(re.search(r"prefill: \d+ tokens in ([0-9.]+) s", out).group(1))
    decode = float(re.search(r"decode: \d+ tokens in ([0-9.]+) s", out).group(1))
    return tokens, prefill, decode


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--contexts", default="128,512,2048")
    ap.add_argument("--new-tokens", type=int, default=65)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        cfg_path = os.path.join(work, "base.json")
        json.dump(BASE, open(cfg_path, "w"))
        model_dir = os.path.join(work, "base")
        subprocess.run([os.path.join(a.build, "bin", "retnet-compile"), "init", "--config", cfg_path,
                        "--seed", "0", "-o", model_dir], check=True, capture_output=True)
        weights = ref.read_safetensors(os.path.join(model_dir, "model.safetensors"))
        model = NumpyRetNet(BASE, weights)
        rng = np.random.default_rng(0)
        print("| context | compiled prefill tok/s | numpy prefill tok/s | prefill speed-up "
              "| compiled decode ms/token | numpy decode ms/token | decode speed-up "
              "| greedy tokens equal |")
        print("|---|---|---|---|---|---|---|---|")
        steps = a.new_tokens - 1
        for T in [int(c) for c in a.contexts.split(",")]:
            prompt = rng.integers(0, BASE["vocab_size"], T)
            ct, cp, cd = compiled_generate(a.build, model_dir, prompt, a.new_tokens)
            nt, np_, nd = numpy_generate(model, prompt, a.new_tokens, BASE["recurrent_chunk_size"])
            same = sum(x == y for x, y in zip(ct, nt))
            print("| %d | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %d/%d |" % (
                T, T / cp, T / np_, np_ / cp, 1e3 * cd / steps, 1e3 * nd / steps, nd / cd,
                same, len(ct)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
