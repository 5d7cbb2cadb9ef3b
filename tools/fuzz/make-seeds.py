#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into OUT/<target>/:
well-formed inputs of each format (so the fuzzer starts past the magic
numbers and into the checks) and a few broken ones.

Usage: make-seeds.py OUT RETNET_COMPILE
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

out, retnet_compile = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(descr, shape, data, version=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    lenbytes = 2 if version == 1 else 4
    pad = (64 - (6 + 2 + lenbytes + len(header) + 1) % 64) % 64
    header += " " * pad + "\n"
    return (b"\x93NUMPY" + bytes([version, 0]) +
            len(header).to_bytes(lenbytes, "little") + header.encode() + data)


# GPU emulator objects: magic, kernel table (name, argument words with the
# pointer bit), SPIR-V; and truncations of one.
def emulator_object(kernels, spirv):
    out = b"RNEMU001" + struct.pack("<I", len(kernels))
    for name, args in kernels:
        out += struct.pack("<I", len(name)) + name + struct.pack("<I", len(args))
        out += b"".join(struct.pack("<I", a) for a in args)
    return out + struct.pack("<I", len(spirv)) + spirv


obj = emulator_object([(b"main_kernel", [0x80000008, 0x80000008, 8, 4])],
                      b"\x03\x02\x23\x07" + b"\0" * 16)
put("fuzz-emulator-binary", "one-kernel", obj)
put("fuzz-emulator-binary", "two-kernels",
    emulator_object([(b"a", []), (b"b", [4] * 3)], b""))
put("fuzz-emulator-binary", "truncated", obj[:-5])
put("fuzz-emulator-binary", "wrong-magic", b"\x7fELF" + obj[4:])

# .npy: every dtype, versions 1 and 2, scalars, empty arrays, truncation.
put("fuzz-npy", "f32", npy("<f4", "(2, 3)", struct.pack("<6f", *range(6))))
put("fuzz-npy", "f16", npy("<f2", "(4,)", b"\0" * 8))
put("fuzz-npy", "u2", npy("<u2", "(1, 1, 2)", b"\0" * 4))
put("fuzz-npy", "i32", npy("<i4", "()", b"\1\0\0\0"))
put("fuzz-npy", "i64", npy("<i8", "(0, 3)", b"", version=2))
put("fuzz-npy", "trunc", npy("<f4", "(5,)", b"\0" * 7))
put("fuzz-npy", "fortran", npy("<f4", "(2,)", b"\0" * 8).replace(b"False", b"True "))

# safetensors: the checkpoint of the fuzz target's fixed model, and configs.
config = {"decoder_embed_dim": 8, "decoder_value_embed_dim": 8,
          "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 8,
          "decoder_layers": 1, "vocab_size": 4}
with tempfile.TemporaryDirectory() as tmp:
    cfg = os.path.join(tmp, "c.json")
    json.dump(config, open(cfg, "w"))
    subprocess.run([retnet_compile, "init", "--config", cfg, "-o",
                    os.path.join(tmp, "m")], check=True, capture_output=True)
    ckpt = open(os.path.join(tmp, "m", "model.safetensors"), "rb").read()
put("fuzz-safetensors", "model", ckpt)
(n,) = struct.unpack("<Q", ckpt[:8])
put("fuzz-safetensors", "header-only", ckpt[:8 + n])
put("fuzz-safetensors", "empty-header", struct.pack("<Q", 2) + b"{}")

for name in ("default-model.json", "base.json"):
    put("fuzz-config", name, open(os.path.join(root, "examples", name)).read())
put("fuzz-config", "tiny", json.dumps(config))
put("fuzz-config", "swish-deepnorm", json.dumps(dict(
    config, activation_fn="swish", deepnorm=True, layernorm_embedding=True,
    no_scale_embedding=False, share_decoder_input_output_embed=True,
    recurrent_chunk_size=2)))

# Weights files of ahead-of-time artifacts (Runtime/AotFormat.h) for the
# fuzz target's library: its id, entries of 2 and 1 tokens, two buffers.
def aot_weights(vocab=4, state=(1, 1, 2, 2, 2), entries=(2, 1)):
    max_rank, fixed = 8, 11
    buffers = [(4, (2, 3)), (2, (4,))]
    words = [0x3130544f41544e52, 1, 0x5eed, vocab, len(entries), *state, len(buffers)]
    for e, tokens in enumerate(entries):
        words += [tokens] + [(e + i) % 2 for i in range(16)]
    header = (len(words) + len(buffers) * (4 + max_rank)) * 8
    offset = (header + 63) // 64 * 64
    records, data = [], b""
    for elem, shape in buffers:
        size = elem * (shape[0] * (shape[1] if len(shape) > 1 else 1))
        records += [elem, len(shape), *shape, *[0] * (max_rank - len(shape)), offset, size]
        data += b"\0" * (offset - header - len(data)) + bytes(range(size))
        offset = (offset + size + 63) // 64 * 64
    return struct.pack("<%dq" % (len(words) + len(records)), *words, *records) + data


good = aot_weights()
put("fuzz-aot-weights", "good", good)
put("fuzz-aot-weights", "truncated", good[:-7])
put("fuzz-aot-weights", "big-state", aot_weights(state=(1 << 20, 1, 1 << 20, 1, 1)))
put("fuzz-aot-weights", "other-id", good[:16] + struct.pack("<q", 7) + good[24:])
put("fuzz-aot-weights", "other-entries", aot_weights(entries=(4, 1)))

# Retention: the target decodes any bytes; a few lengths and patterns.
for i, data in enumerate([b"", b"\0" * 16, b"\xff" * 32, bytes(range(64)),
                          bytes(range(255, 0, -3))]):
    put("fuzz-retention", "seed%d" % i, data)
