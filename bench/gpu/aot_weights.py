#!/usr/bin/env python3
"""Writes the weights file of a GPU artifact of `retnet-compile build
--target cuda` from a model directory, with numpy only: the format of
include/retnet/Runtime/AotFormat.h, the arguments of Weights::arguments()
(lib/Model/Weights.cpp), each distinct buffer stored once. The GPU's code
takes the weights as they are (no packing), so the file can be written where
the artifact runs: a GPU machine that has no LLVM, and to which a base
model's 200 MB of weights need not be copied.

    aot_weights.py ARTIFACT_DIR MODEL_DIR OUT.weights

The artifact's id, entries and layout come from its library (loaded with
ctypes: its kernels load with it, so RETNET_GPU_BACKEND applies).
"""
import ctypes
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Integration", "Inputs"))
import retnet_reference as ref  # noqa: E402

MAGIC, VERSION = 0x3130544F41544E52, 1
WEIGHT_ARGS, STATE_RANK, MAX_RANK, ALIGN = 16, 5, 8, 64
FIXED_WORDS, ENTRY_WORDS, BUFFER_WORDS = 11, 1 + WEIGHT_ARGS, 4 + MAX_RANK


def arguments(cfg, w):
    """The 16 weight arguments of @forward, as Weights::arguments() orders
    them: per-layer tensors stacked on a leading layer dimension."""
    d, L = cfg["decoder_embed_dim"], cfg["decoder_layers"]

    def stack(suffix):
        return np.stack([w["layers.%d.%s" % (i, suffix)] for i in range(L)])

    embed_norm = w.get("layernorm_embedding.weight",
                       np.ones(d, np.float32)) if cfg.get("layernorm_embedding") \
        else np.ones(d, np.float32)
    out = w.get("output_projection.weight", w["embed_tokens.weight"])
    return [w["embed_tokens.weight"], w["retnet_rel_pos.decay"], w["retnet_rel_pos.angle"],
            embed_norm, stack("retention.q_proj.weight"), stack("retention.k_proj.weight"),
            stack("retention.v_proj.weight"), stack("retention.g_proj.weight"),
            stack("retention.out_proj.weight"), stack("retention_layer_norm.weight"),
            stack("final_layer_norm.weight"), stack("ffn.fc1.weight"),
            stack("ffn.gate.weight"), stack("ffn.fc2.weight"), w["layer_norm.weight"], out]


def write(art, model, out_path):
    """Writes `out_path` for the artifact in `art` from the model directory
    `model`."""
    lib = ctypes.CDLL(os.path.join(art, "libretnet_model.so"))
    model_id = ctypes.c_int64.in_dll(lib, "retnet_model_id").value
    count = ctypes.c_int64.in_dll(lib, "retnet_model_entry_count").value
    # {int64 tokens, function pointer} pairs.
    entries = (ctypes.c_int64 * (2 * count)).in_dll(lib, "retnet_model_entries")
    tokens = [entries[2 * e] for e in range(count)]
    cfg = json.load(open(os.path.join(model, "config.json")))
    w = ref.read_safetensors(os.path.join(model, "model.safetensors"))
    missing = [k for k in ("retnet_rel_pos.decay", "retnet_rel_pos.angle") if k not in w]
    if missing:
        sys.exit("error: the checkpoint lacks %s (retnet-compile init writes "
                 "them)" % ", ".join(missing))
    args = [np.ascontiguousarray(a, dtype=np.float32) for a in arguments(cfg, w)]
    # Each distinct buffer once (equal shape and bytes: the norm gains of
    # a fresh model are all ones).
    buffers, table = [], []
    for a in args:
        same = [i for i, b in enumerate(buffers)
                if b.shape == a.shape and b.tobytes() == a.tobytes()]
        if not same:
            buffers.append(a)
        table.append(same[0] if same else len(buffers) - 1)
    # The layout the library was compiled for must be these buffers'.
    layout_words = 1 + STATE_RANK + count * WEIGHT_ARGS * (2 + MAX_RANK)
    layout = (ctypes.c_int64 * layout_words).in_dll(lib, "retnet_model_layout")
    for e in range(count):
        for i, b in enumerate(table):
            want = layout[1 + STATE_RANK + (e * WEIGHT_ARGS + i) * (2 + MAX_RANK):][:2 + MAX_RANK]
            a = buffers[b]
            have = [4, a.ndim] + list(a.shape) + [0] * (MAX_RANK - a.ndim)
            if list(want) != have:
                sys.exit("error: weight argument %d is %s, the library takes %s"
                         % (i, have, list(want)))
    H = cfg["decoder_retention_heads"]
    d, vd = cfg["decoder_embed_dim"], cfg.get("decoder_value_embed_dim", cfg["decoder_embed_dim"])
    head = [MAGIC, VERSION, model_id, cfg["vocab_size"], count,
            cfg["decoder_layers"], 1, H, d // H, vd // H, len(buffers)]
    for t in tokens:
        head += [t] + table
    records = []
    offset = (len(head) + len(buffers) * BUFFER_WORDS) * 8
    offset = (offset + ALIGN - 1) // ALIGN * ALIGN
    offsets = []
    for a in buffers:
        records += [4, a.ndim] + list(a.shape) + [0] * (MAX_RANK - a.ndim) + [offset, a.nbytes]
        offsets.append(offset)
        offset = (offset + a.nbytes + ALIGN - 1) // ALIGN * ALIGN
    with open(out_path, "wb") as f:
        f.write(struct.pack("<%dq" % (len(head) + len(records)), *(head + records)))
        for a, at in zip(buffers, offsets):
            f.write(b"\0" * (at - f.tell()))
            f.write(a.astype("<f4").tobytes())


if __name__ == "__main__":
    write(*sys.argv[1:4])
