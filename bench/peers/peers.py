#!/usr/bin/env python3
"""retnet-compile against its peers on this CPU, side by side in one run.

Run through bench/peers/run.sh, which installs the peers into a venv and
builds the bandwidth probe. The model is the `base` shape (d = 512,
value = ffn = 864, 2 heads, 6 layers, vocab 32000, chunk 64, f32) with the
random weights of `retnet-compile init --seed 0`; every peer computes the
reference implementation (PyPI torchscale 0.3.0) with these weights:

  retnet-compile   `generate` (chunkwise prefill computing the last
                   position's logits, recurrent decode) and `run` (logits
                   of every position, chunkwise), in separate processes;
                   the times are the ones it prints (compilation excluded)
  eager            torchscale's RetNetDecoder in PyTorch eager mode
  compile          the same under torch.compile with
                   torch._inductor.config.freezing = True
  iree             the same exported with iree-turbine and compiled by
                   iree-compile for llvm-cpu (--iree-llvmcpu-target-cpu=host),
                   run by iree.runtime on the local-task driver

Prefill: tokens [1, T] through the decoder's chunkwise form, with the output
projection on the last position only (what `generate` needs) and, at
--run-length, on every position (what `run` returns). Decode: one recurrent
step (torchscale's recurrent_forward with the layer states as tensors, see
torchscale_model.py) from the states after a prompt of each --contexts
length; those states come from the parallel form. Greedy tokens are
compared with retnet-compile's. Prefill and run: every peer is compiled
and gets one warm-up call, then --reps rounds each time every peer once
(retnet-compile: a process per round whose timed call follows one warm-up
call, `--warmup 1`), and the medians are reported. Decode: the median
over --reps processes for retnet-compile, the mean step of one
--new-tokens loop for the others. Threads: 2 for everyone
(torch.set_num_threads, IREE's task topology, retnet-compile's OpenMP
workers).

The weight-streaming floor of decode is the bytes of weights a step
reads (every matrix product's weights and the gathered embedding row)
divided by the copy bandwidth (STREAM's convention) that
bench/peers/stream.c measures with both cores; the floor at its read
bandwidth, and its f32 FMA peak, are printed too.

--weights-dtype bf16 compares bf16 products: retnet-compile with
`--weights-dtype bf16` (on a CPU with AVX512-BF16, dot products that round
the activations to bf16), eager and torch.compile under
torch.autocast("cpu", dtype=torch.bfloat16) (their Linear layers in bf16,
which rounds the activations and weights the same way; the rest in f32).
IREE is left out of that comparison.

Writes --out (JSON) and prints Markdown tables with the ratios. This is a
benchmark, not a test.
"""
import contextlib
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torchscale_model as tm  # noqa: E402

BASE = {"decoder_embed_dim": 512, "decoder_value_embed_dim": 864,
        "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 864,
        "decoder_layers": 6, "vocab_size": 32000, "activation_fn": "gelu",
        "recurrent_chunk_size": 64}
THREADS = 2


def seconds(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class RetnetCompile:
    name = "retnet-compile"

    def __init__(self, build, model_dir, work, weights_dtype):
        self.exe = os.path.join(build, "bin", "retnet-compile")
        self.model_dir, self.work = model_dir, work
        self.options = ["--threads", str(THREADS), "--weights-dtype", weights_dtype]
        # Timed after one warm-up call, as the other peers are: the first
        # call of a process also faults in its buffers' fresh pages, which
        # on this KVM guest costs up to 0.25 s when the harness's own
        # process holds several GB (measured 2026-12-06).
        self.warm = ["--warmup", "1"]

    def _tokens_file(self, tokens):
        path = os.path.join(self.work, "tokens-%d.npy" % tokens.shape[1])
        np.save(path, tokens.numpy().astype(np.int64))
        return path

    def generate(self, tokens, new_tokens):
        out = subprocess.run([self.exe, "generate", "--model", self.model_dir,
                              "--prompt-tokens", self._tokens_file(tokens),
                              "--max-new-tokens", str(new_tokens)] + self.options + self.warm,
                             check=True, capture_output=True, text=True).stdout
        ids = [int(t) for t in re.search(r"tokens: (.*)", out).group(1).split()]
        prefill = float(re.search(r"prefill: \d+ tokens in ([0-9.]+) s", out).group(1))
        decode = re.search(r"decode: (\d+) tokens in ([0-9.]+) s", out)
        return ids, prefill, float(decode.group(2)) / int(decode.group(1))

    def run(self, tokens):
        logits = os.path.join(self.work, "logits.npy")
        err = subprocess.run([self.exe, "run", "--model", self.model_dir,
                              "--tokens", self._tokens_file(tokens), "--logits", logits]
                             + self.options + self.warm,
                             check=True, capture_output=True, text=True).stderr
        return float(re.search(r"ran \d+ token\(s\) in ([0-9.]+) s", err).group(1))


class TorchPeer:
    """eager or torch.compile(freezing) on the torchscale modules."""

    def __init__(self, name, decoder, weights_dtype):
        self.name, self.decoder = name, decoder
        self.bf16 = weights_dtype == "bf16"
        self.compile_seconds = 0.0
        if name == "compile":
            torch._inductor.config.freezing = True
            # One static graph per prefill length, not a dynamic one.
            torch._dynamo.config.cache_size_limit = 64

    def _prepare(self, module, *args):
        """The module as this peer runs it, after a first call (which is
        torch.compile's compilation)."""
        fn = module if self.name == "eager" else torch.compile(module, dynamic=False)
        t0 = time.perf_counter()
        with self._mode():
            fn(*args)
        if self.name == "compile":
            self.compile_seconds += time.perf_counter() - t0
        return fn

    def _mode(self):
        """No autograd; with bf16 weights, autocast's bf16 products."""
        stack = contextlib.ExitStack()
        stack.enter_context(torch.no_grad())
        if self.bf16:
            stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
        return stack

    def prefill(self, tokens, last_only):
        """A prefill call, compiled and warmed up."""
        fn = self._prepare(tm.Prefill(self.decoder, last_only), tokens)

        def call():
            with self._mode():
                fn(tokens)
        # A second call: torch.compile was seen to recompile on it.
        t0 = time.perf_counter()
        call()
        if self.name == "compile":
            self.compile_seconds += time.perf_counter() - t0
        return call

    def decode(self, first, position, states, steps):
        fn = self._prepare(tm.Step(self.decoder), torch.tensor([[first]]),
                           torch.tensor(float(position)), *states)
        ids, t0 = [first], time.perf_counter()
        with self._mode():
            for i in range(steps):
                out = fn(torch.tensor([[ids[-1]]]), torch.tensor(float(position + i)), *states)
                states = out[1:]
                ids.append(int(out[0].argmax()))
        return ids, (time.perf_counter() - t0) / steps


class IreePeer:
    name = "iree"

    def __init__(self, decoder, work):
        import iree.runtime as rt
        from iree.turbine import aot
        self.rt, self.aot, self.decoder, self.work = rt, aot, decoder, work
        rt.flags.parse_flags("--task_topology_max_group_count=%d" % THREADS)
        self.config = rt.Config("local-task")
        self.compile_seconds = 0.0
        self._steps = {}

    def _compile(self, module, args, tag):
        t0 = time.perf_counter()
        exported = self.aot.export(module, args=args)
        exported.session.set_flags("--iree-llvmcpu-target-cpu=host")
        path = os.path.join(self.work, tag + ".vmfb")
        exported.compile(save_to=path, target_backends="llvm-cpu")
        ctx = self.rt.SystemContext(config=self.config)
        ctx.add_vm_module(self.rt.VmModule.mmap(ctx.instance, path))
        self.compile_seconds += time.perf_counter() - t0
        return ctx.modules.module["main"]

    def prefill(self, tokens, last_only):
        """A prefill call, compiled and warmed up."""
        fn = self._compile(tm.Prefill(self.decoder, last_only), (tokens,),
                           "prefill-%d-%s" % (tokens.shape[1], last_only))
        arg = tokens.numpy()
        fn(arg).to_host()
        return lambda: fn(arg).to_host()

    def decode(self, first, position, states, steps):
        if "step" not in self._steps:
            example = (torch.tensor([[first]]), torch.tensor(float(position)), *states)
            self._steps["step"] = self._compile(tm.Step(self.decoder), example, "step")
        fn = self._steps["step"]
        states = [s.numpy() for s in states]
        fn(np.array([[first]]), np.array(float(position), np.float32), *states)
        ids, t0 = [first], time.perf_counter()
        for i in range(steps):
            out = fn(np.array([[ids[-1]]]), np.array(float(position + i), np.float32), *states)
            states = out[1:]
            ids.append(int(np.argmax(out[0].to_host())))
        return ids, (time.perf_counter() - t0) / steps


def stream_bandwidth(probe):
    out = subprocess.run([probe], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def step_weight_bytes(cfg, product_bytes):
    """Bytes of weights a decode step reads: the products' weights held in
    product_bytes per element, and the gathered f32 embedding row."""
    d, dv, f = cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"], cfg["decoder_ffn_embed_dim"]
    # q, k: d x d; v, g: d x dv; out: dv x d; fc1, gate: d x ffn; fc2: ffn x d
    per_layer = 2 * d * d + 2 * d * dv + dv * d + 2 * d * f + f * d
    return product_bytes * (cfg["decoder_layers"] * per_layer + cfg["vocab_size"] * d) + 4 * d


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--probe", required=True, help="the compiled stream.c")
    ap.add_argument("--peers", default="retnet-compile,eager,compile,iree")
    ap.add_argument("--lengths", default="128,256,512,1024,2048,4096,8192",
                    help="prefill lengths")
    ap.add_argument("--run-length", type=int, default=2048,
                    help="length at which logits of every position are also timed")
    ap.add_argument("--contexts", default="128,2048,8192", help="decode contexts")
    ap.add_argument("--new-tokens", type=int, default=33)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--weights-dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(THREADS)
    peers = a.peers.split(",")
    lengths = [int(x) for x in a.lengths.split(",")]
    contexts = [int(x) for x in a.contexts.split(",")]
    if a.weights_dtype == "bf16" and "iree" in peers:
        raise SystemExit("--weights-dtype bf16 compares retnet-compile, eager and compile only")
    results = {"config": BASE, "threads": THREADS, "torch": torch.__version__,
               "weights_dtype": a.weights_dtype,
               "prefill": {}, "run": {}, "decode": {}, "tokens_equal": {}, "compile_s": {}}

    with tempfile.TemporaryDirectory() as work:
        cfg_path = os.path.join(work, "base.json")
        json.dump(BASE, open(cfg_path, "w"))
        model_dir = os.path.join(work, "base")
        subprocess.run([os.path.join(a.build, "bin", "retnet-compile"), "init", "--config",
                        cfg_path, "--seed", "0", "-o", model_dir], check=True, capture_output=True)
        decoder, cfg = tm.load(model_dir)
        rng = np.random.default_rng(0)
        prompts = {T: torch.from_numpy(rng.integers(0, cfg["vocab_size"], (1, T)))
                   for T in sorted(set(lengths + contexts + [a.run_length]))}
        ours = RetnetCompile(a.build, model_dir, work, a.weights_dtype)
        others = []
        for p in peers:
            if p in ("eager", "compile"):
                others.append(TorchPeer(p, decoder, a.weights_dtype))
            elif p == "iree":
                others.append(IreePeer(decoder, work))
            elif p != "retnet-compile":
                raise SystemExit("unknown peer " + p)

        bw = stream_bandwidth(a.probe)
        results["bandwidth"] = bw
        results["step_weight_bytes"] = step_weight_bytes(
            cfg, 2 if a.weights_dtype == "bf16" else 4)

        def record(table, peer, key, value):
            results[table].setdefault(peer, {})[str(key)] = value
            print("%-8s %-15s %6s %.4f" % (table, peer, key, value), flush=True)

        reference_ids = {}
        for C in contexts:
            logits, states = tm.states_after(decoder, prompts[C])
            first = int(logits.argmax())
            if "retnet-compile" in peers:
                times = [ours.generate(prompts[C], a.new_tokens) for _ in range(a.reps)]
                reference_ids[C] = times[0][0]
                record("decode", ours.name, C, statistics.median(t[2] for t in times))
            for peer in others:
                ids, per_step = peer.decode(first, C, states, a.new_tokens - 1)
                record("decode", peer.name, C, per_step)
                if C in reference_ids:
                    same = sum(x == y for x, y in zip(ids, reference_ids[C]))
                    results["tokens_equal"].setdefault(peer.name, {})[str(C)] = [same, len(ids)]
        def side_by_side(table, T, ours_seconds, last_only):
            # Every peer compiled and warmed up first, then --reps rounds,
            # each timing every peer once: the machine's drift is shared.
            calls = [(peer.name, peer.prefill(prompts[T], last_only)) for peer in others]
            times = {}
            for _ in range(a.reps):
                if "retnet-compile" in peers:
                    times.setdefault(ours.name, []).append(ours_seconds(prompts[T]))
                for name, call in calls:
                    times.setdefault(name, []).append(seconds(call))
            for name, ts in times.items():
                record(table, name, T, statistics.median(ts))

        for T in lengths:
            side_by_side("prefill", T, lambda t: ours.generate(t, 2)[1], True)
        side_by_side("run", a.run_length, ours.run, False)
        for peer in others:
            results["compile_s"][peer.name] = getattr(peer, "compile_seconds", 0.0)

    json.dump(results, open(a.out, "w"), indent=1)
    report(results)


def report(r):
    peers = list(r["prefill"])
    base = "retnet-compile"

    def row(table, key):
        cells = []
        for p in peers:
            v = r[table].get(p, {}).get(str(key))
            cells.append("-" if v is None else ("%.3f s" % v if table != "decode" else "%.2f ms" % (1e3 * v)))
        ratios = []
        for p in peers:
            if p == base or base not in r[table] or str(key) not in r[table].get(p, {}):
                continue
            ratios.append("%.2fx" % (r[table][p][str(key)] / r[table][base][str(key)]))
        return "| %s | %s | %s |" % (key, " | ".join(cells), " | ".join(ratios))

    others = [p for p in peers if p != base]
    head = "| | %s | %s |" % (" | ".join(peers), " | ".join("%s / ours" % p for p in others))
    sep = "|---" * (1 + len(peers) + len(others)) + "|"
    for table, title in (("prefill", "generate prefill (last position's logits), seconds"),
                         ("run", "run (logits of every position), seconds"),
                         ("decode", "decode, ms/token, by context")):
        print("\n%s\n\n%s\n%s" % (title, head, sep))
        for key in sorted(r[table].get(base, r[table][peers[0]]), key=int):
            print(row(table, key))
    bw = r["bandwidth"]
    floor = r["step_weight_bytes"] / (bw["copy_gbs"] * 1e9)
    read_floor = r["step_weight_bytes"] / (bw["read_gbs"] * 1e9)
    print("\nbandwidth (2 threads): copy %.1f GB/s, read %.1f GB/s; FMA peak %.0f GFLOP/s. "
          "A decode step reads %.1f MB of weights: floor %.2f ms/token at the copy bandwidth "
          "(%.2f ms at the read bandwidth)" % (bw["copy_gbs"], bw["read_gbs"], bw["fma_gflops"],
                                               r["step_weight_bytes"] / 1e6, 1e3 * floor,
                                               1e3 * read_floor))
    for C, v in sorted(r["decode"].get(base, {}).items(), key=lambda kv: int(kv[0])):
        print("  context %s: retnet-compile decode = %.2fx the floor (%.2fx the read floor)"
              % (C, v / floor, v / read_floor))
    print("greedy tokens equal to retnet-compile's:", json.dumps(r["tokens_equal"]))
    print("peer compile seconds (all shapes):", json.dumps(r["compile_s"]))


if __name__ == "__main__":
    main()
