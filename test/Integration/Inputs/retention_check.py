#!/usr/bin/env python3
"""Runs one retention op through retnet-opt and retnet-run and compares it
with a naive numpy reference written here, independently of the compiler.

The reference follows ../shared/reference/retnet-math.md literally: the decay
mask D[n, m] = gamma^(n-m) built entry by entry, the row sum
sum_{i=0..n} gamma^i accumulated term by term (not the closed form the
compiler uses), everything in float64 from the exact inputs the compiler sees.

Exit status 0 and a 'PASS' line when every output is within tolerance.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

# ---------------------------------------------------------------- inputs --


def to_bf16_bits(x):
    """Round float32 to bfloat16 (nearest even), returned as uint16 bits."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def quantize(x, dtype):
    """Returns (array stored in the .npy file, exact float64 value it holds)."""
    if dtype == "f32":
        stored = x.astype(np.float32)
        return stored, stored.astype(np.float64)
    if dtype == "f16":
        stored = x.astype(np.float16)
        return stored, stored.astype(np.float64)
    stored = to_bf16_bits(x.astype(np.float32))
    return stored, from_bf16_bits(stored).astype(np.float64)


def decays(kind, heads):
    """log(gamma) per head, as float32 (what the compiler receives)."""
    schedule = [1.0 - 2.0 ** (-5 - h) for h in range(heads)]
    if kind == "schedule":
        gammas = schedule
    elif kind == "half":
        gammas = [0.5] * heads
    elif kind == "near1":
        gammas = [1.0 - 2.0 ** -12] * heads
    elif kind == "mixed":
        cycle = [0.5, 1.0 - 2.0 ** -12]
        gammas = [cycle[h] if h < 2 else schedule[h] for h in range(heads)]
    elif kind == "zero":
        gammas = [0.0] * heads  # log(gamma) = -inf: o[n] = (q[n] . k[n]) v[n]
    elif kind == "one":
        gammas = [1.0] * heads
    elif kind == "edges":
        cycle = [0.0, 1.0, 0.5]
        gammas = [cycle[h % 3] for h in range(heads)]
    else:
        raise SystemExit("unknown decay kind " + kind)
    with np.errstate(divide="ignore"):
        return np.log(np.array(gammas, dtype=np.float64)).astype(np.float32)


# ------------------------------------------------------------- reference --


def reference(q, k, v, log_decay, scale, normalize, state0, position, row_divisor=None):
    """Naive retention in float64. Returns (o, final unnormalised state).
    row_divisor (kind, lo, hi): each row of o divided by the clamped sum of
    the absolute values of its weights (sum_of_abs) or the absolute value of
    their sum (abs_of_sum); parallel form only."""
    B, H, T, Dk = q.shape
    Dv = v.shape[3]
    o = np.zeros((B, H, T, Dv))
    final = np.zeros((B, H, Dk, Dv))
    n = np.arange(T)
    for h in range(H):
        gamma = np.exp(np.float64(log_decay[h]))
        D = np.zeros((T, T))
        for row in range(T):
            D[row, : row + 1] = gamma ** (row - np.arange(row + 1))
        if position + T <= 1 << 20:
            # Row sums sum_{i=0..p+n} gamma^i, accumulated term by term.
            powers = gamma ** np.arange(position + T)
            rowsum = np.cumsum(powers)[position + n]
        else:
            # Too many terms to add: the geometric series' closed form, with
            # the term count p + n + 1 an exact Python integer (positions up
            # to 2^64 - 1, read unsigned).
            count = [position + row + 1 for row in range(T)]
            rowsum = np.array([float(c) if gamma == 1.0 else
                               (1.0 - gamma ** c) / (1.0 - gamma) for c in count])
        norm = 1.0 / np.sqrt(rowsum) if normalize else np.ones(T)
        for b in range(B):
            scores = scale * (q[b, h] @ k[b, h].T)
            inner = (scores * D) @ v[b, h]
            cross = scale * (gamma ** (n + 1))[:, None] * (q[b, h] @ state0[b, h])
            o[b, h] = (inner + cross) * norm[:, None]
            if row_divisor:
                kind, lo, hi = row_divisor
                weights = scores * D * norm[:, None]
                total = np.abs(weights).sum(axis=1) if kind == "sum_of_abs" \
                    else np.abs(weights.sum(axis=1))
                o[b, h] /= np.clip(total, lo, hi)[:, None]
            weights = gamma ** (T - 1 - n)
            final[b, h] = gamma ** T * state0[b, h] + (k[b, h] * weights[:, None]).T @ v[b, h]
    return o, final


# ---------------------------------------------------------------- IR text --


def ttype(shape, elem):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + elem + ">"


def build_module(form, B, H, T, Dk, Dv, elem, chunk, scale, normalize, with_state,
                 only_o, constant_decay, row_divisor=None):
    q_t = ttype((B, H, T, Dk), elem)
    v_t = ttype((B, H, T, Dv), elem)
    ld_t = ttype((H,), "f32")
    s_t = ttype((B, H, Dk, Dv), "f32")
    attrs = []
    if scale != 1.0:
        attrs.append("scale = %r : f32" % scale)
    if not normalize:
        attrs.append("normalization = #retention.normalization<none>")
    if row_divisor:
        kind, lo, hi = row_divisor
        attrs.append("row_divisor = #retention.row_divisor<%s, min = %r%s>"
                     % (kind, lo, "" if hi == float("inf") else ", max = %r" % hi))
    attr = (" {" + ", ".join(attrs) + "}") if attrs else ""
    args = "%%q: %s, %%k: %s, %%v: %s, %%ld: %s" % (q_t, q_t, v_t, ld_t)
    types = "%s, %s, %s, %s" % (q_t, q_t, v_t, ld_t)
    text = module_text(form, args, types, q_t, v_t, s_t, chunk, attr, with_state, only_o)
    if constant_decay is None:
        return text
    # The decay becomes a constant inside @main instead of an argument.
    # Hexadecimal bit patterns: exact, and they spell -inf (gamma = 0) too.
    values = ", ".join("0x%08X" % np.float32(x).view(np.uint32) for x in constant_decay)
    text = text.replace(", %%ld: %s" % ld_t, "", 1)
    head, body = text.split("{\n", 1)
    return "%s{\n  %%ld = arith.constant dense<[%s]> : %s\n%s" % (head, values, ld_t, body)


def module_text(form, args, types, q_t, v_t, s_t, chunk, attr, with_state, only_o):
    if form == "parallel":
        return (
            "func.func @main(%s) -> %s {\n"
            "  %%o = retention.parallel %%q, %%k, %%v decay(%%ld)%s : %s -> %s\n"
            "  return %%o : %s\n}\n" % (args, v_t, attr, types, v_t, v_t))
    if form == "chunkwise":
        extra_args, init = "", ""
        if with_state:
            extra_args = ", %%s0: %s, %%p: index" % s_t
            init = " init(%s0) at(%p)"
            types += ", " + s_t
        results, ret = ("%s, %s" % (v_t, s_t), "%o, %s")
        if only_o:
            results, ret = (v_t, "%o")
        return (
            "func.func @main(%s%s) -> (%s) {\n"
            "  %%o, %%s = retention.chunkwise %%q, %%k, %%v decay(%%ld)%s chunk(%d)%s"
            " : %s -> %s, %s\n"
            "  return %s : %s\n}\n"
            % (args, extra_args, results, init, chunk, attr, types, v_t, s_t, ret, results))
    assert form == "recurrent"
    return (
        "func.func @main(%s, %%s0: %s, %%p: index) -> (%s, %s) {\n"
        "  %%o, %%s = retention.recurrent %%q, %%k, %%v decay(%%ld) state(%%s0) at(%%p)%s"
        " : %s, %s -> %s\n"
        "  return %%o, %%s : %s, %s\n}\n"
        % (args, s_t, v_t, s_t, attr, types, s_t, v_t, v_t, s_t))


def alias_operands(text, alias, q_t, s_t):
    """One SSA value %x for q, k and v (and the state with 'qkvs')."""
    text = text.replace("%%q: %s, %%k: %s, %%v: %s" % (q_t, q_t, q_t), "%%x: %s" % q_t)
    text = text.replace("%q, %k, %v decay", "%x, %x, %x decay")
    if alias == "qkvs":
        assert q_t == s_t, "aliasing the state needs T == Dk == Dv and f32"
        text = text.replace(", %%s0: %s" % s_t, "")
        text = text.replace("init(%s0)", "init(%x)").replace("state(%s0)", "state(%x)")
    return text


def tile_library(tile):
    """A transform library tiling every retention op with scf.forall."""
    return (
        "module attributes {transform.with_named_sequence} {\n"
        "  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {\n"
        "    %ops = transform.structured.match interface{TilingInterface} in %root"
        " : (!transform.any_op) -> !transform.any_op\n"
        "    %tiled, %loop = transform.structured.tile_using_forall %ops tile_sizes [" + tile + "]"
        " : (!transform.any_op) -> (!transform.any_op, !transform.any_op)\n"
        "    transform.yield\n  }\n}\n")


def load(path, dtype):
    x = np.load(path)
    if dtype == "bf16":
        return from_bf16_bits(x).astype(np.float64)
    return x.astype(np.float64)


def compare(dtype, outputs, o_ref, s_ref, o_extra=None, s_extra=None):
    """Checks the .npy outputs against the reference; returns (ok, report).
    o_extra, s_extra: element-wise error bounds added for the rounding a
    kernel does inside (see main)."""
    # Tolerances. f32: accumulation error only. f16/bf16 outputs are rounded
    # once from the f32 result, at most half an ulp: 2^-11 resp. 2^-8 of the
    # value (unit roundoff), plus the f32 accumulation error.
    unit_roundoff = {"f32": 0.0, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}[dtype]
    checks = [("o", load(outputs[0], dtype), o_ref, unit_roundoff, o_extra)]
    if len(outputs) > 1:
        checks.append(("state", load(outputs[1], "f32"), s_ref, 0.0, s_extra))
    ok = True
    report = []
    for name, got, want, u, extra in checks:
        if got.shape != want.shape:
            print("FAIL: %s has shape %s, expected %s" % (name, got.shape, want.shape))
            return False, name + " has the wrong shape"
        peak = np.max(np.abs(want))
        err = np.abs(got - want)
        bound = u * np.abs(want) + 1e-5 * peak
        if extra is not None:
            bound = bound + extra
        rel = np.max(err) / peak
        if not np.all(np.isfinite(got)) or np.any(err > bound):
            worst = np.unravel_index(np.argmax(err - bound), err.shape)
            print("FAIL: %s at %s: got %r, want %r (rel err %.3g)"
                  % (name, worst, got[worst], want[worst], rel))
            ok = False
        report.append("%s rel err %.2e" % (name, rel))
    return ok, ", ".join(report)


# ------------------------------------------------------------------ main --


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--form", choices=["parallel", "chunkwise", "recurrent"], required=True)
    ap.add_argument("--passes", default="",
                    help="retnet-opt passes applied before running, e.g. "
                         "--retention-parallel-to-chunkwise=chunk-size=16")
    ap.add_argument("--pipeline", choices=["reference", "fused", "both", "emulator"],
                    default="both",
                    help="retnet-run lowering(s) to check (default: both CPU "
                         "pipelines; emulator: the GPU kernels, retention-to-cuda, "
                         "run on the CPU emulator)")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--H", type=int, default=2)
    ap.add_argument("--T", type=int, required=True)
    ap.add_argument("--dk", type=int, default=16)
    ap.add_argument("--dv", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--decay", default="schedule")
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--no-normalize", action="store_true")
    ap.add_argument("--row-divisor", metavar="KIND,MIN[,MAX]",
                    type=lambda s: (s.split(",")[0], float(s.split(",")[1]),
                                    float(s.split(",")[2]) if s.count(",") > 1 else float("inf")),
                    help="parallel form: rows divided by a clamped sum over their weights "
                         "(KIND sum_of_abs or abs_of_sum)")
    ap.add_argument("--state", action="store_true",
                    help="non-zero initial state and position (chunkwise; "
                         "recurrent always takes a state)")
    ap.add_argument("--position", type=int, default=0)
    ap.add_argument("--constant-decay", action="store_true",
                    help="the decay is an arith.constant in the module")
    ap.add_argument("--only-o", action="store_true",
                    help="chunkwise: return the output only, not the state")
    ap.add_argument("--alias", choices=["qkv", "qkvs"],
                    help="pass one SSA value as q, k and v (qkvs: also as the "
                         "initial state; needs T == dk == dv and f32)")
    ap.add_argument("--tile", metavar="B,H,E",
                    help="tile the op with transform.structured.tile_using_forall "
                         "before running")
    ap.add_argument("--magnitude", metavar="NAME=X,...", default="",
                    help="q, k, v or state (with --state) drawn from X * [1, 1.25) "
                         "instead of the normal distribution: values at the edge "
                         "of a type's range")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", required=True, help="scratch directory")
    a = ap.parse_args()

    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    B, H, T, Dk, Dv = a.B, a.H, a.T, a.dk, a.dv
    magnitude = {kv.split("=")[0]: float(kv.split("=")[1])
                 for kv in a.magnitude.split(",") if kv}

    def draw(name, shape, std=1.0):
        if name in magnitude:
            return magnitude[name] * (1.0 + 0.25 * rng.random(shape))
        return rng.standard_normal(shape) * std

    q_s, q = quantize(draw("q", (B, H, T, Dk), 1 / np.sqrt(Dk)), a.dtype)
    k_s, k = quantize(draw("k", (B, H, T, Dk)), a.dtype)
    v_s, v = quantize(draw("v", (B, H, T, Dv)), a.dtype)
    if a.alias:
        assert Dk == Dv, "--alias needs dk == dv"
        k_s, k, v_s, v = q_s, q, q_s, q
    ld = decays(a.decay, H)
    with_state = a.state or a.form == "recurrent"
    position = a.position if with_state else 0
    state0 = np.zeros((B, H, Dk, Dv))
    if a.state:
        state0 = draw("state", (B, H, Dk, Dv)).astype(np.float32).astype(np.float64)
    if a.alias == "qkvs":
        state0 = q

    scale = float(np.float32(a.scale))
    o_ref, s_ref = reference(q, k, v, ld, scale, not a.no_normalize, state0, position,
                             a.row_divisor)
    # The emulator runs the GPU kernels (see convert-retention-to-gpu). f16
    # and bf16 ops with Dk a multiple of 16 take tensor-core kernels, which
    # round operands of mma.sync to the input type (unit roundoff u: 2^-11
    # for f16, 2^-8 for bf16) inside:
    # - chunkwise ops with Dv a multiple of 16: Q * xi, the state S (read
    #   from its f32 accumulators), the decayed scores P and K * zeta. Each
    #   output term is a sum of products of non-negative decays and the
    #   operands, so every rounding costs at most u times the same sum over
    #   absolute values: the reference run on |q|, |k|, |v|, |state|. The
    #   cross term (Q xi) S carries three such roundings (Q xi, S, and K zeta
    #   inside S), the inner term one: o within 3u o_abs, the state within
    #   u s_abs (K zeta).
    # - parallel ops (and chunkwise ones that are the parallel function)
    #   with Dv a multiple of 8: P only, o within u o_abs.
    parallel_function = a.form == "parallel" or (
        a.form == "chunkwise" and a.only_o and not a.state)
    tiles = a.dtype in ("f16", "bf16") and Dk % 16 == 0 and not a.passes
    u = {"f32": 0.0, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}[a.dtype]
    o_extra = s_extra = None
    if tiles and (a.form == "chunkwise" and Dv % 16 == 0
                  or parallel_function and Dv % 8 == 0):
        o_abs, s_abs = reference(np.abs(q), np.abs(k), np.abs(v), ld, abs(scale),
                                 not a.no_normalize, np.abs(state0), position)
        if a.form == "chunkwise" and Dv % 16 == 0:
            o_extra, s_extra = 3 * u * o_abs, u * s_abs
        else:
            o_extra = u * o_abs

    inputs = {"x": q_s} if a.alias else {"q": q_s, "k": k_s, "v": v_s}
    if not a.constant_decay:
        inputs["ld"] = ld
    if with_state:
        if a.alias != "qkvs":
            inputs["s0"] = state0.astype(np.float32)
        # An index: positions from 2^63 on as the int64 of the same bits.
        inputs["p"] = np.array(position, dtype=np.uint64).view(np.int64)
    paths = []
    for name, arr in inputs.items():
        path = os.path.join(a.work, name + ".npy")
        np.save(path, arr)
        paths.append(path)

    elem = {"f32": "f32", "f16": "f16", "bf16": "bf16"}[a.dtype]
    src = build_module(a.form, B, H, T, Dk, Dv, elem, a.chunk, a.scale,
                       not a.no_normalize, a.state, a.only_o,
                       ld if a.constant_decay else None, a.row_divisor)
    if a.alias:
        src = alias_operands(src, a.alias, ttype((B, H, T, Dk), elem),
                             ttype((B, H, Dk, Dv), "f32"))
    mlir_path = os.path.join(a.work, "main.mlir")
    with open(mlir_path, "w") as f:
        f.write(src)

    passes = a.passes.split()
    if a.tile:
        library = os.path.join(a.work, "tile.mlir")
        with open(library, "w") as f:
            f.write(tile_library(a.tile))
        passes = ["--transform-preload-library=transform-library-paths=" + library,
                  "--transform-interpreter", "--canonicalize"] + passes
    lowered = subprocess.run(["retnet-opt", mlir_path] + passes,
                             check=True, capture_output=True, text=True).stdout
    pipelines = ["reference", "fused"] if a.pipeline == "both" else [a.pipeline]
    if "func.func" not in lowered:
        # Already lowered to the LLVM dialect by --passes: both pipelines
        # would run the same code, so it is run and reported once.
        pipelines = ["pre-lowered"]
    ok = True
    report = []
    for pipeline in pipelines:
        outputs = [os.path.join(a.work, "o.npy")]
        if a.form != "parallel" and not a.only_o:
            outputs.append(os.path.join(a.work, "s.npy"))
        run = ["retnet-run", "-", "--entry", "main"]
        if pipeline == "emulator":
            run += ["--target", "cuda", "--emulate"]
        elif pipeline != "pre-lowered":
            run += ["--pipeline", pipeline]
        for p in paths:
            run += ["--input", p]
        for p in outputs:
            run += ["--output", p]
        subprocess.run(run, input=lowered, check=True, text=True)
        emulated = pipeline == "emulator"
        pipeline_ok, pipeline_report = compare(
            a.dtype, outputs, o_ref, s_ref, o_extra if emulated else None,
            s_extra if emulated else None)
        ok = ok and pipeline_ok
        report.append("%s: %s" % (pipeline, pipeline_report))
    print("%s: %s %s T=%d %s" % ("PASS" if ok else "FAIL", a.form, " ".join(passes), T,
                                 "; ".join(report)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
