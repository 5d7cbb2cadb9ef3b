#!/usr/bin/env python3
"""An independent numpy implementation of the torchscale RetNetDecoder
forward pass (parallel form, float64), with its own safetensors reader and
writer, for checking retnet-compile. It follows the reference code's
formulation: the decay mask D built densely and row-normalised by
sqrt(D.sum(-1)), the score rows divided by clamp(sum |score|, 1, 5e4), the
per-head RMSNorm, the swish gate and the GLU feed-forward.
"""
import json
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16}


def to_bf16_bits(x):
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: dict name -> float array; stored as dtype (F32, F16, BF16)."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        if dtype == "BF16":
            data = to_bf16_bits(array).tobytes()
        else:
            data = np.ascontiguousarray(array, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        chunk = data[b:end]
        if e["dtype"] == "BF16":
            arr = from_bf16_bits(np.frombuffer(chunk, np.uint16))
        else:
            arr = np.frombuffer(chunk, DTYPES[e["dtype"]])
        out[name] = arr.astype(np.float64).reshape(e["shape"])
    return out


def random_weights(cfg, rng):
    d, vd, f, V = (cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"],
                   cfg["decoder_ffn_embed_dim"], cfg["vocab_size"])
    w = {"embed_tokens.weight": rng.standard_normal((V, d)) * d ** -0.5}
    if cfg.get("layernorm_embedding"):
        w["layernorm_embedding.weight"] = 1 + 0.1 * rng.standard_normal(d)
    lin = lambda o, i: rng.uniform(-1, 1, (o, i)) / np.sqrt(i)
    for l in range(cfg["decoder_layers"]):
        p = "layers.%d." % l
        w[p + "retention.q_proj.weight"] = lin(d, d)
        w[p + "retention.k_proj.weight"] = lin(d, d)
        w[p + "retention.v_proj.weight"] = lin(vd, d)
        w[p + "retention.g_proj.weight"] = lin(vd, d)
        w[p + "retention.out_proj.weight"] = lin(d, vd)
        w[p + "retention_layer_norm.weight"] = 1 + 0.1 * rng.standard_normal(d)
        w[p + "ffn.fc1.weight"] = lin(f, d)
        w[p + "ffn.gate.weight"] = lin(f, d)
        w[p + "ffn.fc2.weight"] = lin(d, f)
        w[p + "final_layer_norm.weight"] = 1 + 0.1 * rng.standard_normal(d)
    w["layer_norm.weight"] = 1 + 0.1 * rng.standard_normal(d)
    if not cfg.get("share_decoder_input_output_embed"):
        w["output_projection.weight"] = rng.standard_normal((V, d)) * d ** -0.5
    return w


def rms_norm(x, weight, eps):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y if weight is None else y * weight


def theta_shift(x, sin, cos):
    rot = np.stack((-x[..., 1::2], x[..., ::2]), axis=-1).reshape(x.shape)
    return x * cos + rot * sin


def forward(cfg, w, tokens, inputs=lambda z: z):
    """Logits [B, T, V] of the torchscale decoder, parallel form. `inputs`
    maps the activation operand of every product by a weight (e.g. rounds
    it, as products on 16-bit dot-product units do)."""
    d, H, L = cfg["decoder_embed_dim"], cfg["decoder_retention_heads"], cfg["decoder_layers"]
    vd = cfg["decoder_value_embed_dim"]
    dk, dv = d // H, vd // H
    eps = cfg.get("layernorm_eps", 1e-6)
    B, T = tokens.shape
    alpha = (2.0 * L) ** 0.25 if cfg.get("deepnorm") else 1.0
    act = cfg.get("activation_fn", "gelu")

    scale = 1.0 if cfg.get("no_scale_embedding", True) else np.sqrt(d)
    x = scale * w["embed_tokens.weight"][tokens]
    if cfg.get("layernorm_embedding"):
        x = rms_norm(x, w["layernorm_embedding.weight"], eps)

    angle = 1.0 / 10000 ** np.linspace(0, 1, dk // 2)
    angle = np.repeat(angle, 2)
    decay = np.log(1 - 2.0 ** (-5 - np.arange(H)))
    n = np.arange(T)
    sin, cos = np.sin(n[:, None] * angle), np.cos(n[:, None] * angle)
    dist = n[:, None] - n[None, :]
    mask = np.where(dist >= 0, np.exp(np.maximum(dist, 0)[None] * decay[:, None, None]), 0.0)
    mask = mask / np.sqrt(mask.sum(-1, keepdims=True))

    silu = lambda z: z / (1 + np.exp(-z))
    from math import erf
    gelu = np.vectorize(lambda z: 0.5 * z * (1 + erf(z / np.sqrt(2))))
    for l in range(L):
        p = "layers.%d." % l
        h = rms_norm(x, w[p + "retention_layer_norm.weight"], eps)
        hi = inputs(h)
        q = hi @ w[p + "retention.q_proj.weight"].T
        k = hi @ w[p + "retention.k_proj.weight"].T * dk ** -0.5
        v = hi @ w[p + "retention.v_proj.weight"].T
        g = hi @ w[p + "retention.g_proj.weight"].T
        q = theta_shift(q.reshape(B, T, H, dk).transpose(0, 2, 1, 3), sin, cos)
        k = theta_shift(k.reshape(B, T, H, dk).transpose(0, 2, 1, 3), sin, cos)
        v = v.reshape(B, T, H, dv).transpose(0, 2, 1, 3)
        qk = (q @ k.transpose(0, 1, 3, 2)) * mask
        qk = qk / np.clip(np.abs(qk).sum(-1, keepdims=True), 1, 5e4)
        o = (qk @ v).transpose(0, 2, 1, 3)
        o = rms_norm(o, None, eps).reshape(B, T, vd)
        o = inputs(silu(g) * o) @ w[p + "retention.out_proj.weight"].T
        x = x * alpha + o
        h = rms_norm(x, w[p + "final_layer_norm.weight"], eps)
        hi = inputs(h)
        a = hi @ w[p + "ffn.fc1.weight"].T
        a = silu(a) if act == "swish" else gelu(a)
        f = inputs(a * (hi @ w[p + "ffn.gate.weight"].T)) @ w[p + "ffn.fc2.weight"].T
        x = x * alpha + f
    x = rms_norm(x, w["layer_norm.weight"], eps)
    out = w.get("output_projection.weight", w["embed_tokens.weight"])
    return inputs(x) @ out.T
