#!/usr/bin/env python3
"""The whole model on the GPU, for the day a GPU is lent: `retnet-compile
build --target cuda` against the reference implementation (torchscale 0.3.0)
on PyTorch CUDA, same weights, same prompt, greedy tokens compared.

Here, where the project is built:
    /usr/bin/python3 bench/gpu/model.py prepare --out DIR [--chip sm_90]
compiles the artifact for the `base` shape (its library, GPU runtime inside;
not its weights file, which `run` writes), the C timing program
(bench/aot/aot-timing.c) and copies the Python this needs (the weights
writer, the numpy reference's checkpoint I/O, the torchscale loader of
bench/peers, torchscale itself from build/peers-venv with its stubs): DIR
stays far below the device machine's 64 MiB.

On the GPU machine (CUDA driver, numpy, PyTorch; no LLVM or MLIR):
    python3 DIR/py/model.py run --dir DIR [--prompt 2048] [--new-tokens 64]
writes the checkpoint from a seed, the artifact's weights file from it
(aot_weights.py), runs the artifact (prefill, then decode steps) and
torchscale on CUDA (its chunkwise prefill of the last position's logits,
then its recurrent decode steps, CUDA-synchronised), and prints both and
their ratios.

With --emulate (`prepare --emulate --shape tiny`, `run --emulate`) the same
runs on the CPU emulator: a smoke test of the scripts, whose times are the
emulator's, not GPU timings; torchscale runs where torch is installed, on
--device (cpu for such a check), and is skipped otherwise.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {
    "base": {"decoder_embed_dim": 512, "decoder_value_embed_dim": 864,
             "decoder_ffn_embed_dim": 864, "decoder_retention_heads": 2,
             "decoder_layers": 6, "vocab_size": 32000},
    "tiny": {"decoder_embed_dim": 32, "decoder_value_embed_dim": 48,
             "decoder_ffn_embed_dim": 64, "decoder_retention_heads": 2,
             "decoder_layers": 2, "vocab_size": 100, "recurrent_chunk_size": 4},
}


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("error: %s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def prepare(a):
    root = os.path.dirname(os.path.dirname(HERE))
    build = os.path.abspath(a.build)
    compiler = os.path.join(build, "bin", "retnet-compile")
    os.makedirs(a.out, exist_ok=True)
    cfg = dict(SHAPES[a.shape])
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f)
    model = os.path.join(a.out, "build-model")
    sh([compiler, "init", "--config", os.path.join(a.out, "config.json"), "--seed", "1",
        "-o", model])
    target = ["--target", "cuda", "--chip", a.chip] + (["--emulate"] if a.emulate else [])
    art = os.path.join(a.out, "art")
    sh([compiler, "build", "--model", model, "--prefill-tokens", str(a.prefill), "-o", art]
       + target)
    # `run` writes the weights of its own checkpoint.
    shutil.rmtree(model)
    os.remove(os.path.join(art, "model.weights"))
    sh(["cc", "-O2", os.path.join(root, "bench", "aot", "aot-timing.c"), "-I" + art,
        "-L" + art, "-lretnet_model", "-Wl,-rpath,$ORIGIN/art",
        "-o", os.path.join(a.out, "aot-timing")])
    py = os.path.join(a.out, "py")
    os.makedirs(py, exist_ok=True)
    for src in [os.path.join(HERE, "model.py"), os.path.join(HERE, "aot_weights.py"),
                os.path.join(root, "test", "Integration", "Inputs", "retnet_reference.py"),
                os.path.join(root, "bench", "peers", "torchscale_model.py")]:
        shutil.copy(src, py)
    stubs = os.path.join(root, "test", "Dialect", "Retention", "Transforms", "Inputs",
                         "torch", "stubs")
    shutil.copytree(stubs, os.path.join(py, "stubs"), dirs_exist_ok=True)
    venv = os.path.join(build, "peers-venv", "lib")
    found = [os.path.join(venv, v, "site-packages", "torchscale")
             for v in (os.listdir(venv) if os.path.isdir(venv) else [])]
    found = [f for f in found if os.path.isdir(f)]
    if found:
        shutil.copytree(found[0], os.path.join(py, "torchscale"), dirs_exist_ok=True)
    print("prepared %s (%s, prefill %d tokens per call, %s); torchscale %s" % (
        a.out, a.shape, a.prefill, "emulator" if a.emulate else a.chip,
        "copied" if found else "not found (run bench/peers/run.sh once to install it)"))


def checkpoint(cfg, path, seed):
    """A random checkpoint in `path`, the same from the same seed anywhere."""
    import numpy as np
    import retnet_reference as ref
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f)
    w = ref.random_weights(cfg, np.random.default_rng(seed))
    H, dk = cfg["decoder_retention_heads"], cfg["decoder_embed_dim"] // cfg["decoder_retention_heads"]
    w["retnet_rel_pos.decay"] = np.log(1 - 2.0 ** (-5 - np.arange(H)))
    w["retnet_rel_pos.angle"] = np.repeat(1.0 / 10000 ** np.linspace(0, 1, dk // 2), 2)
    ref.write_safetensors(os.path.join(path, "model.safetensors"), w)


def ours(a, prompt):
    env = dict(os.environ)
    if a.emulate:
        env["RETNET_GPU_BACKEND"] = "emulator"
    out = sh([os.path.join(a.dir, "aot-timing"), os.path.join(a.dir, "art", "model.weights"),
              ",".join(map(str, prompt)), str(a.new_tokens)], env=env)
    tokens = [int(t) for t in re.search(r"tokens: ([\d ]+)", out).group(1).split()]
    prefill = float(re.search(r"prefill: \d+ tokens in ([\d.]+) s", out).group(1))
    decode = re.search(r"decode: \d+ tokens in [\d.]+ s \([\d.]+ tokens/s, ([\d.]+) ms", out)
    return tokens, prefill, float(decode.group(1)) if decode else None


def torchscale(a, prompt):
    import torch
    import torchscale_model as tm
    dev = torch.device(a.device)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()
    decoder, _ = tm.load(os.path.join(a.dir, "model"))
    # torchscale's recurrent states after the prompt (derived on the CPU,
    # not timed), then the model on the GPU.
    with torch.no_grad():
        _, states = tm.states_after(decoder, torch.tensor([prompt]))
    decoder = decoder.to(dev)
    states = [s.to(dev) for s in states]
    ids = torch.tensor([prompt], device=dev)
    prefill = tm.Prefill(decoder, last_only=True)
    with torch.no_grad():
        prefill(ids)  # warm-up
        sync()
        start = time.perf_counter()
        logits = prefill(ids)
        sync()
        prefill_s = time.perf_counter() - start
        step = tm.Step(decoder)
        tokens = [int(logits[0].argmax())]
        sync()
        start = time.perf_counter()
        for i in range(1, a.new_tokens):
            out = step(torch.tensor([[tokens[-1]]], device=dev),
                       torch.tensor(float(len(prompt) + i - 1), device=dev), *states)
            tokens.append(int(out[0][0].argmax()))
            states = list(out[1:])
        sync()
        decode_ms = 1e3 * (time.perf_counter() - start) / max(a.new_tokens - 1, 1)
    return tokens, prefill_s, decode_ms


def run(a):
    import numpy as np
    import aot_weights
    cfg = json.load(open(os.path.join(a.dir, "config.json")))
    model = os.path.join(a.dir, "model")
    checkpoint(cfg, model, a.seed)
    if a.emulate:
        os.environ["RETNET_GPU_BACKEND"] = "emulator"
    aot_weights.write(os.path.join(a.dir, "art"), model,
                      os.path.join(a.dir, "art", "model.weights"))
    prompt = list(np.random.default_rng(a.seed + 1).integers(0, cfg["vocab_size"], a.prompt))
    tokens, prefill_s, decode_ms = ours(a, prompt)
    where = "GPU emulator (not GPU timings)" if a.emulate else "GPU"
    print("retnet-compile build --target cuda, on the %s: prefill %d tokens %.4f s "
          "(%.0f tokens/s), decode %s ms/token" % (
              where, len(prompt), prefill_s, len(prompt) / prefill_s,
              "%.3f" % decode_ms if decode_ms else "-"))
    try:
        # What torchscale() imports: torch, and torchscale with its stubs.
        import torchscale_model  # noqa: F401
    except ImportError as e:
        print("torchscale on PyTorch: skipped (%s)" % e)
        return
    t_tokens, t_prefill, t_decode = torchscale(a, prompt)
    print("torchscale on PyTorch (%s): prefill %.4f s (%.0f tokens/s), decode %.3f ms/token"
          % (a.device, t_prefill, len(prompt) / t_prefill, t_decode))
    if not a.emulate:
        print("ratios (torchscale time / ours): prefill %.2fx, decode %s" % (
            t_prefill / prefill_s, "%.2fx" % (t_decode / decode_ms) if decode_ms else "-"))
    same = next((i for i, (x, y) in enumerate(zip(tokens, t_tokens)) if x != y), None)
    print("greedy tokens: %s" % ("all %d equal" % len(tokens) if same is None else
                                 "first difference at %d (of %d)" % (same, len(tokens))))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    p.add_argument("--shape", choices=sorted(SHAPES), default="base")
    p.add_argument("--chip", choices=["sm_80", "sm_90"], default="sm_90")
    p.add_argument("--prefill", type=int, default=2048, help="tokens per prefill call")
    p.add_argument("--emulate", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--prompt", type=int, default=2048)
    r.add_argument("--new-tokens", type=int, default=64)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--emulate", action="store_true")
    r.add_argument("--device", default="cuda",
                   help="torch device of torchscale (cpu: a check of the script)")
    a = ap.parse_args()
    if a.cmd == "prepare":
        prepare(a)
    else:
        sys.path[:0] = [HERE, os.path.join(HERE, "stubs")]
        run(a)


if __name__ == "__main__":
    main()
