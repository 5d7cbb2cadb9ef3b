#!/usr/bin/env python3
"""Writes a random RetNet checkpoint (config.json + model.safetensors, with
this script's own writer), runs `retnet-compile run` in the three forms and
compares the logits with retnet_reference.py's numpy forward pass:
max |logits - reference| / max |reference| <= 1e-3 for every form.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import retnet_reference as ref  # noqa: E402

CONFIGS = {
    # gelu, unscaled embedding, no embedding norm, untied output projection.
    "a": {"decoder_embed_dim": 64, "decoder_value_embed_dim": 96,
          "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 128,
          "decoder_layers": 2, "vocab_size": 256, "activation_fn": "gelu",
          "no_scale_embedding": True, "layernorm_embedding": False,
          "share_decoder_input_output_embed": False, "recurrent_chunk_size": 4},
    # swish, sqrt(d) embedding scale, embedding norm, tied embeddings, deepnorm.
    "b": {"decoder_embed_dim": 48, "decoder_value_embed_dim": 72,
          "decoder_retention_heads": 3, "decoder_ffn_embed_dim": 80,
          "decoder_layers": 3, "vocab_size": 200, "activation_fn": "swish",
          "no_scale_embedding": False, "layernorm_embedding": True,
          "share_decoder_input_output_embed": True, "deepnorm": True,
          "layernorm_eps": 1e-5, "recurrent_chunk_size": 5,
          "some_unknown_key": "ignored"},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--T", type=int, default=13)
    ap.add_argument("--forms", default="parallel,chunkwise,recurrent")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    cfg = CONFIGS[a.config]
    rng = np.random.default_rng(a.seed)
    model = os.path.join(a.work, "model")
    os.makedirs(model, exist_ok=True)
    with open(os.path.join(model, "config.json"), "w") as f:
        json.dump(cfg, f)
    ref.write_safetensors(os.path.join(model, "model.safetensors"),
                          ref.random_weights(cfg, rng), a.dtype)
    # The reference reads back exactly what was stored (after rounding).
    weights = ref.read_safetensors(os.path.join(model, "model.safetensors"))

    tokens = rng.integers(0, cfg["vocab_size"], (a.B, a.T)).astype(np.int64)
    tok_path = os.path.join(a.work, "tokens.npy")
    np.save(tok_path, tokens.astype(np.int32 if a.seed % 2 else np.int64))
    want = ref.forward(cfg, weights, tokens)

    ok = True
    for form in a.forms.split(","):
        out = os.path.join(a.work, "logits_%s.npy" % form)
        subprocess.run(["retnet-compile", "run", "--model", model, "--tokens", tok_path,
                        "--form", form, "--logits", out], check=True)
        got = np.load(out)
        if got.shape != want.shape or got.dtype != np.float32:
            print("FAIL: %s logits %s %s, expected %s float32" % (form, got.shape, got.dtype, want.shape))
            ok = False
            continue
        rel = np.max(np.abs(got - want)) / np.max(np.abs(want))
        status = "ok" if rel <= 1e-3 else "FAIL"
        ok = ok and rel <= 1e-3
        print("%s: %s rel err %.2e" % (status, form, rel))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
