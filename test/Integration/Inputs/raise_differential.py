#!/usr/bin/env python3
"""Differential test of retention-raise on mutants of real exports.

Each mutant is a seed program (torch-mlir's exports of the reference
implementation, their TOSA exports lowered to linalg, the recurrence as a
loop) with one to three random mutations of its text: the mask's exponent
and causality, the decay per head and per row, the normalisation, reduction
and elementwise bodies, operand roles, integer and float casts, constants
and indexing maps. For every mutant that is valid IR:

  - retention-raise must succeed (no crash, no verifier error on an op it
    made);
  - if it raised something, the raised and the unraised program run through
    retnet-run on the same random inputs and must give the same numbers
    (within 1e-4 of the largest output; NaN and inf where the other has
    them), else the pass must have left the program alone. Rounding alone
    reaches 1e-5 where a row divisor's clamp lets a row sum near zero
    amplify it; every wrong raising found so far was 3e-4 or more.

Ends with one line of counts and exits non-zero on any failure, keeping the
failing mutants in --work for inspection.
"""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import struct
import subprocess
import sys

import numpy as np

TOSA_TO_LINALG = ("--pass-pipeline=builtin.module(func.func(tosa-to-linalg-named,"
                  "tosa-to-linalg,tosa-to-arith,tosa-to-tensor),canonicalize,cse)")

FLOAT_BINARY = ["addf", "subf", "mulf", "divf", "maximumf", "minimumf",
                "maxnumf", "minnumf"]
INT_BINARY = ["addi", "subi", "muli", "andi", "ori", "xori"]
MATH_UNARY = ["sqrt", "rsqrt", "absf", "exp", "log"]
CMPI = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]
CMPF = ["oeq", "one", "olt", "ole", "ogt", "oge", "ueq", "une", "ult", "ule",
        "ugt", "uge", "ord", "uno"]
CAST_PAIRS = [("sitofp", "uitofp"), ("extsi", "extui"),
              ("index_cast", "index_castui"), ("fptosi", "fptoui")]


def flt(x):
    """A float literal MLIR parses (it wants a '.' before an exponent)."""
    return "%.17e" % x


# ----------------------------------------------------------- mutations --
# Each takes the program's lines and a random generator and returns the
# mutated lines, or None where it has no site.


def op_swap(lines, rng):
    """An arith or math op of a body replaced by another of its family."""
    families = [FLOAT_BINARY, INT_BINARY, MATH_UNARY]
    sites = []
    for i, line in enumerate(lines):
        for fam in families:
            dialect = "math" if fam is MATH_UNARY else "arith"
            for m in re.finditer(r"\b%s\.(%s)\b" % (dialect, "|".join(fam)), line):
                sites.append((i, m, fam))
    if not sites:
        return None
    i, m, fam = rng.choice(sites)
    new = rng.choice([x for x in fam if x != m.group(1)])
    lines[i] = lines[i][:m.start(1)] + new + lines[i][m.end(1):]
    return lines


BINARY_LINE = re.compile(r"= (arith|math)\.(\w+) (%[\w.#]+), (%[\w.#]+)( |$)")


def operand_swap(lines, rng):
    """The two operands of a binary op (or the values of a select) swapped."""
    sites = [(i, m) for i, line in enumerate(lines) for m in [BINARY_LINE.search(line)] if m]
    sites += [(i, m) for i, line in enumerate(lines)
              for m in [re.search(r"arith\.select %[\w.]+, (%[\w.]+), (%[\w.]+)", line)] if m]
    if not sites:
        return None
    i, m = rng.choice(sites)
    a, b = (3, 4) if m.re is BINARY_LINE else (1, 2)
    line = lines[i]
    lines[i] = (line[:m.start(a)] + m.group(b) + line[m.end(a):m.start(b)] + m.group(a)
                + line[m.end(b):])
    return lines


def block_args(lines, i):
    """The (name, type) arguments of the block around line i."""
    for j in range(i, -1, -1):
        m = re.search(r"\^bb0\((.*)\):", lines[j])
        if m:
            return re.findall(r"(%[\w.]+): (\w+)", m.group(1))
        if "func.func" in lines[j]:
            break
    return []


def operand_replace(lines, rng):
    """An operand of a body op replaced by another block argument of its type,
    the `outs` argument included (which reads the output's initial value)."""
    sites = []
    for i, line in enumerate(lines):
        m = re.search(r"= (arith|math)\.\w+ (?:\w+, )?(.*) : (\w+)", line)
        if not m or "linalg" in line:
            continue
        args = block_args(lines, i)
        for op in re.finditer(r"%[\w.]+", m.group(2)):
            same = [n for n, t in args if t == m.group(3) and n != op.group(0)]
            if same:
                sites.append((i, op, same))
    if not sites:
        return None
    i, op, same = rng.choice(sites)
    lines[i] = lines[i][:op.start()] + rng.choice(same) + lines[i][op.end():]
    return lines


def predicate(lines, rng):
    """The predicate of a cmpi or cmpf changed."""
    sites = [(i, m, CMPI if m.group(1) == "cmpi" else CMPF)
             for i, line in enumerate(lines)
             for m in re.finditer(r"arith\.(cmpi|cmpf) (\w+),", line)]
    if not sites:
        return None
    i, m, preds = rng.choice(sites)
    new = rng.choice([p for p in preds if p != m.group(2)])
    lines[i] = lines[i][:m.start(2)] + new + lines[i][m.end(2):]
    return lines


def cast_swap(lines, rng):
    """A signed integer cast made unsigned or the other way round."""
    sites = [(i, m) for i, line in enumerate(lines)
             for m in re.finditer(r"arith\.(\w+) ", line)
             if any(m.group(1) in p for p in CAST_PAIRS)]
    if not sites:
        return None
    i, m = rng.choice(sites)
    pair = next(p for p in CAST_PAIRS if m.group(1) in p)
    new = pair[1] if m.group(1) == pair[0] else pair[0]
    lines[i] = lines[i][:m.start(1)] + new + lines[i][m.end(1):]
    return lines


def wrap_yield(lines, rng):
    """The value a linalg body yields changed before the yield: an integer
    offset or a narrowing round trip, a float scaled or offset by a little
    (also by its loop indices: a decay that varies per row), rounded to 16
    bits, or passed through a math function."""
    sites = [(i, m) for i, line in enumerate(lines)
             for m in [re.search(r"^(\s*)linalg\.yield (%[\w.]+) : (\w+)$", line)] if m]
    if not sites:
        return None
    i, m = rng.choice(sites)
    indent, x, t = m.group(1), m.group(2), m.group(3)
    n = [0]

    def fresh():
        n[0] += 1
        return "%%mut%d_%d" % (i, n[0])

    new = []

    def emit(rhs):
        name = fresh()
        new.append("%s%s = %s" % (indent, name, rhs))
        return name

    if t == "i1":
        one = emit("arith.constant true")
        y = emit("arith.xori %s, %s : i1" % (x, one))
    elif t.startswith("i") or t == "index":
        kind = rng.choice(["offset", "narrow", "square"])
        if kind == "offset" or t == "index":
            c = emit("arith.constant %d : %s" % (rng.choice([1, -1, 2]), t))
            y = emit("arith.addi %s, %s : %s" % (x, c, t))
        elif kind == "narrow":
            w = rng.choice([1, 2, 4, 8])
            tr = emit("arith.trunci %s : %s to i%d" % (x, t, w))
            y = emit("arith.%s %s : i%d to %s" % (rng.choice(["extsi", "extui"]), tr, w, t))
        else:
            y = emit("arith.muli %s, %s : %s" % (x, x, t))
    else:
        kind = rng.choice(["scale", "offset", "index", "round", "math", "math"])
        eps = 2.0 ** -rng.choice([23, 21, 18, 14, 10, 6])
        if kind == "scale":
            c = emit("arith.constant %s : %s" % (flt(1.0 + rng.choice([eps, -eps])), t))
            y = emit("arith.mulf %s, %s : %s" % (x, c, t))
        elif kind == "offset":
            c = emit("arith.constant %s : %s" % (flt(rng.choice([eps, -eps])), t))
            y = emit("arith.addf %s, %s : %s" % (x, c, t))
        elif kind == "index":
            loops = generic_loops(lines, i)
            if not loops:
                return None
            d = emit("linalg.index %d : index" % rng.randrange(loops))
            di = emit("arith.index_cast %s : index to i64" % d)
            df = emit("arith.sitofp %s : i64 to %s" % (di, t))
            c = emit("arith.constant %s : %s" % (flt(eps), t))
            e = emit("arith.mulf %s, %s : %s" % (df, c, t))
            y = emit("arith.addf %s, %s : %s" % (x, e, t))
        elif kind == "round" and t in ("f32", "f64"):
            h = rng.choice(["f16", "bf16"])
            r = emit("arith.truncf %s : %s to %s" % (x, t, h))
            y = emit("arith.extf %s : %s to %s" % (r, h, t))
        else:
            f = rng.choice(["math.sqrt", "math.absf", "arith.negf", "math.exp"])
            y = emit("%s %s : %s" % (f, x, t))
    lines[i:i + 1] = new + ["%slinalg.yield %s : %s" % (indent, y, t)]
    return lines


def generic_loops(lines, i):
    """The number of loops of the linalg.generic whose body holds line i."""
    for j in range(i, -1, -1):
        m = re.search(r"iterator_types = \[([^\]]*)\]", lines[j])
        if m:
            return len(re.findall(r'"\w+"', m.group(1)))
        if "func.func" in lines[j]:
            break
    return 0


FLOAT_CONST = re.compile(r"arith\.constant (-?[0-9][0-9.e+-]*|0x[0-9A-Fa-f]+) : (f32|f64)")
INT_CONST = re.compile(r"arith\.constant (-?[0-9]+) : (i\d+|index)")
DENSE_CONST = re.compile(r"dense<(-?[0-9][0-9.e+-]*)>")


def constant(lines, rng):
    """A scalar or splat constant changed: to 0, -0, 1, a near neighbour..."""
    sites = [(i, m, "f") for i, line in enumerate(lines)
             for m in FLOAT_CONST.finditer(line)]
    sites += [(i, m, "i") for i, line in enumerate(lines)
              for m in INT_CONST.finditer(line) if "index" not in m.group(2)]
    sites += [(i, m, "d") for i, line in enumerate(lines)
              for m in DENSE_CONST.finditer(line)]
    if not sites:
        return None
    i, m, kind = rng.choice(sites)
    if kind == "i":
        new = str(rng.choice([0, 1, -1, 2, int(m.group(1)) + 1]))
    else:
        old = m.group(1)
        value = (struct.unpack(">f" if len(old) <= 10 else ">d",
                               bytes.fromhex(old[2:]))[0] if old.startswith("0x")
                 else float(old))
        choices = [0.0, -0.0, 1.0, 0.5, 2.0, 1e-30, -1.0]
        if np.isfinite(value) and value != 0.0:
            choices += [value * (1.0 + 2.0 ** -rng.choice([20, 12, 6]))] * 3
        new = flt(rng.choice(choices))
    lines[i] = lines[i][:m.start(1)] + new + lines[i][m.end(1):]
    return lines


def decay_blob(lines, rng):
    """One value of a dense_resource f32 blob (the decay) changed: a little,
    a lot, to 0, to -inf or to a growth."""
    sites = [(i, m) for i, line in enumerate(lines)
             for m in [re.search(r'(\w+float32\w*): "0x([0-9A-Fa-f]+)"', line)] if m]
    if not sites:
        return None
    i, m = rng.choice(sites)
    raw = bytes.fromhex(m.group(2))
    head, values = raw[:4], list(struct.unpack("<%df" % ((len(raw) - 4) // 4), raw[4:]))
    j = rng.randrange(len(values))
    values[j] = rng.choice([values[j] * (1 + 2.0 ** -rng.choice([20, 14, 8, 3])),
                            0.0, float("-inf"), -values[j], values[j] * 2])
    blob = (head + struct.pack("<%df" % len(values), *values)).hex().upper()
    lines[i] = lines[i][:m.start(2)] + blob + lines[i][m.end(2):]
    return lines


def affine_map(lines, rng):
    """An indexing map's results permuted, or one replaced by 0."""
    sites = [(i, m) for i, line in enumerate(lines)
             for m in [re.search(r"affine_map<\(([^)]*)\) -> \(([^)]*)\)>", line)] if m]
    sites = [(i, m) for i, m in sites if "," in m.group(2)]
    if not sites:
        return None
    i, m = rng.choice(sites)
    results = [r.strip() for r in m.group(2).split(",")]
    if rng.random() < 0.5:
        a, b = rng.sample(range(len(results)), 2)
        results[a], results[b] = results[b], results[a]
    else:
        results[rng.randrange(len(results))] = "0"
    lines[i] = lines[i][:m.start(2)] + ", ".join(results) + lines[i][m.end(2):]
    return lines


def argument_role(lines, rng):
    """One use of a function argument replaced by another argument of the
    same type (k read as q, v as k...)."""
    sig = next((l for l in lines if "func.func" in l), "")
    args = re.findall(r"(%[\w]+): (tensor<[^>]*>)", sig)
    sites = []
    for i, line in enumerate(lines):
        if "func.func" in line:
            continue
        for m in re.finditer(r"(%[\w]+)\b", line):
            t = dict(args).get(m.group(1))
            if t:
                others = [n for n, u in args if u == t and n != m.group(1)]
                if others:
                    sites.append((i, m, others))
    if not sites:
        return None
    i, m, others = rng.choice(sites)
    lines[i] = lines[i][:m.start(1)] + rng.choice(others) + lines[i][m.end(1):]
    return lines


MUTATIONS = [op_swap, operand_swap, operand_replace, predicate, cast_swap,
             wrap_yield, wrap_yield, constant, decay_blob, affine_map, argument_role]


def mutate(text, rng):
    lines = text.split("\n")
    applied = []
    count = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
    tries = 0
    while len(applied) < count and tries < 20:
        tries += 1
        mutation = rng.choice(MUTATIONS)
        out = mutation(list(lines), rng)
        if out is not None:
            lines = out
            applied.append(mutation.__name__)
    return "\n".join(lines), applied


# ------------------------------------------------------------- running --


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return -1, "timed out"


def signature(text):
    """The entry's name, argument shapes and result count."""
    m = re.search(r"func\.func @(\w+)\((.*?)\)\s*->\s*(\(.*?\)|tensor<[^>]*>)", text, re.S)
    name, args, results = m.group(1), m.group(2), m.group(3)
    shapes = [tuple(int(d) for d in s.split("x")) for s in
              re.findall(r"tensor<([0-9x]+)xf32>", args)]
    return name, shapes, len(re.findall(r"tensor<", results))


def outputs_agree(a, b):
    """Same NaN/inf pattern and finite values within 1e-4 of the largest."""
    if a.shape != b.shape:
        return False, "shapes %s and %s" % (a.shape, b.shape)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        return False, "non-finite values differ (%d vs %d)" % ((~fa).sum(), (~fb).sum())
    if not fa.any():
        return True, "all non-finite alike"
    peak = max(np.abs(a[fa]).max(), np.abs(b[fb]).max())
    err = np.abs(a[fa] - b[fb]).max()
    if err > 1e-4 * peak and err > 1e-30:
        return False, "max difference %.3g of the largest output %.3g" % (err, peak)
    return True, "max difference %.2g of %.3g" % (err, peak)


def check(index, seed_path, seed_text, rng_seed, work, keep):
    rng = random.Random(rng_seed)
    text, applied = mutate(seed_text, rng)
    d = os.path.join(work, "m%05d" % index)
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "mutant.mlir")
    with open(src, "w") as f:
        f.write(text)
    what = "%s %s" % (os.path.basename(seed_path), "+".join(applied))

    def done(status, detail=""):
        if status != "fail" and not keep:
            shutil.rmtree(d, ignore_errors=True)
        return status, what, detail, d

    rc, out = run(["retnet-opt", src, "-o", os.devnull])
    if rc != 0:
        return done("invalid")
    raised = os.path.join(d, "raised.mlir")
    rc, out = run(["retnet-opt", src, "--retention-raise", "-o", raised])
    if rc != 0:
        return done("fail", "retention-raise failed:\n" + out[-2000:])
    with open(raised) as f:
        if not re.search(r"retention\.(parallel|recurrent)", f.read()):
            return done("left")
    name, shapes, results = signature(text)
    np_rng = np.random.default_rng(rng_seed)
    inputs = []
    for j, shape in enumerate(shapes):
        path = os.path.join(d, "in%d.npy" % j)
        np.save(path, np_rng.standard_normal(shape).astype(np.float32))
        inputs += ["--input", path]
    got = {}
    for label, program in (("unraised", src), ("raised", raised)):
        outs = [os.path.join(d, "%s%d.npy" % (label, r)) for r in range(results)]
        cmd = ["retnet-run", program, "--entry", name, "--pipeline", "reference"] + inputs
        for o in outs:
            cmd += ["--output", o]
        rc, out = run(cmd)
        if rc != 0:
            if label == "unraised":
                return done("unrunnable")
            return done("fail", "the raised program failed to run:\n" + out[-2000:])
        got[label] = [np.load(o).astype(np.float64) for o in outs]
    for r in range(results):
        ok, detail = outputs_agree(got["unraised"][r], got["raised"][r])
        if not ok:
            return done("fail", "result %d: %s" % (r, detail))
    return done("raised", detail)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", nargs="+", help="linalg (.mlir) or TOSA (.tosa.mlir) programs")
    ap.add_argument("--mutants", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep every mutant's files")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    seeds = []
    for path in a.seeds:
        if path.endswith(".tosa.mlir"):
            lowered = os.path.join(a.work, os.path.basename(path)[:-10] + ".tosa-linalg.mlir")
            rc, out = run(["retnet-opt", path, TOSA_TO_LINALG, "-o", lowered])
            if rc != 0:
                sys.exit("error: lowering %s: %s" % (path, out))
            path = lowered
        with open(path) as f:
            seeds.append((path, f.read()))
    counts = {"invalid": 0, "left": 0, "raised": 0, "unrunnable": 0, "fail": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = [pool.submit(check, i, *seeds[i % len(seeds)],
                               a.seed * 1000003 + i, a.work, a.keep)
                   for i in range(a.mutants)]
        for fut in futures:
            status, what, detail, d = fut.result()
            counts[status] += 1
            if status == "fail":
                print("FAIL: %s (%s): %s" % (what, d, detail))
    print("%d mutants: %d invalid IR, %d left alone, %d raised and equal, "
          "%d unrunnable, %d failed" % (a.mutants, counts["invalid"], counts["left"],
                                        counts["raised"], counts["unrunnable"],
                                        counts["fail"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
