#!/usr/bin/env python3
"""break_model.py GOOD_DIR OUT_DIR CASE: copies a model directory and breaks
it in one way (CASE), for the driver's error tests."""
import json
import os
import shutil
import struct
import sys

good, out, case = sys.argv[1:4]
shutil.copytree(good, out, dirs_exist_ok=True)
ckpt = os.path.join(out, "model.safetensors")
conf = os.path.join(out, "config.json")
raw = open(ckpt, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]


def write(header, data):
    text = json.dumps(header).encode()
    with open(ckpt, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def edit_config(**kv):
    c = json.load(open(conf))
    for k, v in kv.items():
        if v is None:
            c.pop(k)
        else:
            c[k] = v
    json.dump(c, open(conf, "w"))


name = "layers.1.ffn.fc1.weight"
if case == "truncated-data":
    open(ckpt, "wb").write(raw[:len(raw) - 100])
elif case == "truncated-header":
    open(ckpt, "wb").write(raw[:8 + n // 2])
elif case == "tiny-file":
    open(ckpt, "wb").write(raw[:5])
elif case == "offsets-out-of-range":
    header[name]["data_offsets"][1] += 1 << 20
    write(header, data)
elif case == "overlap":
    other = "layers.1.ffn.gate.weight"
    header[other]["data_offsets"] = list(header[name]["data_offsets"])
    write(header, data)
elif case == "bad-dtype":
    header[name]["dtype"] = "F64"
    write(header, data)
elif case == "span-mismatch":
    header[name]["shape"] = [3, 5]
    write(header, data)
elif case == "wrong-shape":
    b, e = header[name]["data_offsets"]
    header[name]["shape"] = list(reversed(header[name]["shape"]))
    write(header, data)
elif case == "overflowing-shape":
    # 2^40 * 2^40 * 16 wraps to 0 elements in 64 bits.
    header[name]["shape"] = [1 << 40, 1 << 40, 16]
    b, e = header[name]["data_offsets"]
    header[name]["data_offsets"] = [b, b]
    write(header, data)
elif case == "missing-tensor":
    del header[name]
    write(header, data)
elif case == "bad-json-header":
    text = b"{not json" + b" " * (n - 9)
    open(ckpt, "wb").write(raw[:8] + text + data)
elif case == "missing-key":
    edit_config(decoder_layers=None)
elif case == "heads-not-dividing":
    edit_config(decoder_retention_heads=3)
elif case == "moe":
    edit_config(moe_freq=2)
elif case == "activation":
    edit_config(activation_fn="relu")
elif case == "post-norm":
    edit_config(decoder_normalize_before=False)
elif case == "bad-config-json":
    open(conf, "w").write("{\"decoder_embed_dim\": 32,")
elif case == "negative-dim":
    edit_config(decoder_ffn_embed_dim=-4)
elif case.startswith("weight="):
    # One weight of layer 1's fc1 (an f32 tensor) set to the value given.
    begin = header[name]["data_offsets"][0] + 4 * 5
    data = data[:begin] + struct.pack("<f", float(case[7:])) + data[begin + 4:]
    write(header, data)
elif case == "huge-dim":
    edit_config(vocab_size=1 << 40)
elif case == "huge-model":
    edit_config(vocab_size=1 << 20, decoder_embed_dim=1 << 14)
else:
    sys.exit("unknown case " + case)
