#!/usr/bin/env python3
"""Writes a random RetNet checkpoint (config.json + model.safetensors, with
this script's own writer), runs `retnet-compile run` in the three forms and
compares the logits with retnet_reference.py's numpy forward pass:
max |logits - reference| / max |reference| <= 1e-3 for every form.

With --weights-dtype bf16|f16 the compiler holds the matrix products'
weights in 16 bits. The reference then rounds exactly those weights the
same way (to nearest even; the embedding table and norm gains stay f32) and
the 1e-3 bound still applies: the kernels must compute the same function.
The distance to the f32-weight reference is printed and bounded by
(2L + 1) u, u the 16-bit type's unit roundoff: a first-order estimate.
--rounded-activations: the products round their activation operand to the
16-bit weight type as well (the GPU's mma.sync products; on the CPU,
AVX512-BF16 dot products, --bf16-products dot). The reference rounds each
product's activation operand the same way (to nearest even), so the 1e-3
bound against it still applies; the distance to the f32-weight reference is
bounded by (6L + 2) u (the same first-order argument as below, derived in
the code).
--run-args passes more options to `retnet-compile run` (e.g. the GPU target);
--aot-emulate builds the artifact for the GPU and runs it on the emulator.
With --aot-cc, also `retnet-compile build` (batch 1): the artifact's C API,
in a C program compiled with that command, prefills the tokens in calls of
the --prefill-tokens lengths and decode steps; its logits of the last position
must be within the same 1e-3. A
weight rounded to nearest is off by at most u relative, independently of
the others, so each stage of the residual path (the retention block and the
FFN of every layer, then the output projection) perturbs what it adds by
about u relative at most; the 2L + 1 stages' perturbations at most add up.
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


PRODUCTS = ("retention.q_proj.weight", "retention.k_proj.weight",
            "retention.v_proj.weight", "retention.g_proj.weight",
            "retention.out_proj.weight", "ffn.fc1.weight", "ffn.gate.weight",
            "ffn.fc2.weight")


def round_to(x, dtype):
    """x rounded to nearest even in bf16 or f16, back as float32."""
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float32)
    return ref.from_bf16_bits(ref.to_bf16_bits(x))


def round_activations(x, dtype):
    """An activation operand as the products with 16-bit weights round it:
    to bf16, or for f16 to its 11 significant bits without f16's range (the
    GPU scales rows by powers of two before rounding, so that none becomes
    infinite; below f16's normal range the two differ by under 2^-24)."""
    if dtype == "bf16":
        return round_to(x, dtype)
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.round(m * 2048.0) / 2048.0, e).astype(np.float32)


def round_products(cfg, weights, dtype):
    """The weights with the matrix products' weights rounded to dtype: the
    projections of every layer and the output projection (for tied
    embeddings a rounded copy of the table, which itself stays f32)."""
    w = dict(weights)
    for l in range(cfg["decoder_layers"]):
        for name in PRODUCTS:
            key = "layers.%d.%s" % (l, name)
            w[key] = round_to(w[key], dtype)
    out = w.get("output_projection.weight", w["embed_tokens.weight"])
    w["output_projection.weight"] = round_to(out, dtype)
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--T", type=int, default=13)
    ap.add_argument("--forms", default="parallel,chunkwise,recurrent")
    ap.add_argument("--weights-dtype", choices=["f32", "bf16", "f16"], default="f32")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounded-activations", action="store_true",
                    help="the products also round their activations to the "
                         "weights' 16-bit type (mma.sync, AVX512-BF16 dot "
                         "products)")
    ap.add_argument("--final-norm-gain", type=float, default=1.0,
                    help="multiplies the final norm's gains: activations of the "
                         "output projection beyond f16's range for large values")
    ap.add_argument("--run-args", default="",
                    help="more options of retnet-compile run, space-separated")
    ap.add_argument("--aot-cc", help="C compiler command for the artifact's test program")
    ap.add_argument("--aot-program", help="the C source of that program")
    ap.add_argument("--aot-emulate", action="store_true",
                    help="build the artifact for the GPU and run it on the emulator")
    ap.add_argument("--prefill-tokens", default="4", help="lengths, comma-separated")
    a = ap.parse_args()

    if a.rounded_activations and a.weights_dtype == "f32":
        ap.error("--rounded-activations needs 16-bit weights")
    cfg = CONFIGS[a.config]
    rng = np.random.default_rng(a.seed)
    model = os.path.join(a.work, "model")
    os.makedirs(model, exist_ok=True)
    with open(os.path.join(model, "config.json"), "w") as f:
        json.dump(cfg, f)
    initial = ref.random_weights(cfg, rng)
    initial["layer_norm.weight"] = initial["layer_norm.weight"] * a.final_norm_gain
    ref.write_safetensors(os.path.join(model, "model.safetensors"), initial, a.dtype)
    # The reference reads back exactly what was stored (after rounding).
    weights = ref.read_safetensors(os.path.join(model, "model.safetensors"))

    tokens = rng.integers(0, cfg["vocab_size"], (a.B, a.T)).astype(np.int64)
    tok_path = os.path.join(a.work, "tokens.npy")
    np.save(tok_path, tokens.astype(np.int32 if a.seed % 2 else np.int64))
    want32 = ref.forward(cfg, weights, tokens)
    want = want32
    # Unit roundoff: 8 and 11 significand bits.
    unit = {"f32": 0.0, "bf16": 2.0 ** -8, "f16": 2.0 ** -11}[a.weights_dtype]
    L = cfg["decoder_layers"]
    f32_tolerance = (2 * L + 1) * unit
    # With --rounded-activations each product also rounds its activation
    # operand to the weights' type: u relative per element, the same
    # first-order argument as for the weights, with two products in series
    # in each stage (a projection, then out_proj or fc2, each rounding its
    # input): 2u per stage of 2L, u for the output projection.
    inputs = lambda z: z
    if a.rounded_activations:
        f32_tolerance += (4 * L + 1) * unit
        inputs = lambda z: round_activations(np.asarray(z, dtype=np.float32),
                                             a.weights_dtype)
    same_tolerance = 1e-3
    if a.weights_dtype != "f32":
        want = ref.forward(cfg, round_products(cfg, weights, a.weights_dtype), tokens,
                           inputs)

    ok = True
    for form in a.forms.split(","):
        out = os.path.join(a.work, "logits_%s.npy" % form)
        subprocess.run(["retnet-compile", "run", "--model", model, "--tokens", tok_path,
                        "--form", form, "--logits", out,
                        "--weights-dtype", a.weights_dtype] + a.run_args.split(),
                       check=True)
        got = np.load(out)
        if got.shape != want.shape or got.dtype != np.float32:
            print("FAIL: %s logits %s %s, expected %s float32" % (form, got.shape, got.dtype, want.shape))
            ok = False
            continue
        rel = np.max(np.abs(got - want)) / np.max(np.abs(want))
        status = "ok" if rel <= same_tolerance else "FAIL"
        ok = ok and rel <= same_tolerance
        print("%s: %s rel err %.2e (tolerance %.1e)" % (status, form, rel, same_tolerance))
        if a.weights_dtype != "f32":
            rel32 = np.max(np.abs(got - want32)) / np.max(np.abs(want32))
            status = "ok" if rel32 <= f32_tolerance else "FAIL"
            ok = ok and rel32 <= f32_tolerance
            print("%s: %s vs f32 weights rel err %.2e = %.2f u (tolerance %.1e)"
                  % (status, form, rel32, rel32 / unit, f32_tolerance))
    if a.aot_cc:
        art = os.path.join(a.work, "artifact")
        subprocess.run(["retnet-compile", "build", "--model", model, "--target", "cpu",
                        "--prefill-tokens", a.prefill_tokens, "-o", art,
                        "--weights-dtype", a.weights_dtype] + a.run_args.split(),
                       check=True)
        program = os.path.join(a.work, "aot-generate")
        subprocess.run(a.aot_cc.split() + [a.aot_program, "-I" + art, "-L" + art,
                       "-lretnet_model", "-Wl,-rpath," + art, "-o", program], check=True)
        env = dict(os.environ)
        if a.aot_emulate:
            env["RETNET_GPU_BACKEND"] = "emulator"
        out = subprocess.run([program, os.path.join(art, "model.weights"),
                              ",".join(str(t) for t in tokens[0]), "1", "logits"],
                             check=True, capture_output=True, text=True, env=env).stdout
        got = np.array([float(x) for x in out.split()], dtype=np.float32)
        last = want[0, -1]
        rel = np.max(np.abs(got - last)) / np.max(np.abs(last)) if got.shape == last.shape else np.inf
        ok = ok and rel <= same_tolerance
        print("%s: artifact (prefill calls of %s tokens) last logits rel err %.2e"
              % ("ok" if rel <= same_tolerance else "FAIL", a.prefill_tokens, rel))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
