#!/usr/bin/env python3
"""Compiles the retention kernels that bench/gpu/bench.py checks and times
into self-contained artifacts: one shared library per configuration (the
host code of `retention-to-cuda`, its kernels embedded as a fatbin for
sm_80 and sm_90, or as emulator objects with --emulate), the runtime it
calls (libretnet_runtime.so: needs libc, libstdc++ and, for CUDA,
libcuda.so.1 only; no LLVM or MLIR) and manifest.json.

Runs where this project is built:
    /usr/bin/python3 bench/gpu/compile.py --out bench-gpu [--emulate]
then copy the folder to a machine with an NVIDIA GPU and run bench.py there.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def configs(emulate):
    """(name, form, B, H, T, D, dtype) of every artifact."""
    if emulate:  # tiny shapes: the emulator runs these in CI
        return [("chunkwise_b1h2d32_t64", "chunkwise", 1, 2, 64, 32, "bf16"),
                ("chunkwise_b1h2d32_t100", "chunkwise", 1, 2, 100, 32, "bf16"),
                ("parallel_b1h2d32_t48", "parallel", 1, 2, 48, 32, "bf16"),
                ("decode_b1h2d32", "recurrent", 1, 2, 1, 32, "bf16"),
                ("decode_b4h2d32", "recurrent", 4, 2, 1, 32, "bf16")]
    out = []
    for B, H, D in ((4, 8, 256), (8, 32, 128)):
        for T in (2048, 4096, 8192, 16384):
            out.append(("chunkwise_b%dh%dd%d_t%d" % (B, H, D, T), "chunkwise",
                        B, H, T, D, "bf16"))
        out.append(("parallel_b%dh%dd%d_t2048" % (B, H, D), "parallel",
                    B, H, 2048, D, "bf16"))
    for B in (1, 64, 256):
        out.append(("decode_b%dh8d128" % B, "recurrent", B, 8, 1, 128, "bf16"))
    return out


def tensor(shape, elem):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + elem + ">"


def module(form, B, H, T, D, elem, scale):
    """The retention op as a function with a C interface. Arguments: q, k,
    v, log_decay[, state, position]; results: o[, final state]."""
    x, ld, s = tensor((B, H, T, D), elem), tensor((H,), "f32"), tensor((B, H, D, D), "f32")
    attr = "{scale = %r : f32}" % scale
    if form == "parallel":
        return ("func.func @main(%%q: %s, %%k: %s, %%v: %s, %%ld: %s) -> %s "
                "attributes {llvm.emit_c_interface} {\n"
                "  %%o = retention.parallel %%q, %%k, %%v decay(%%ld) %s : %s, %s, %s, %s -> %s\n"
                "  return %%o : %s\n}\n" % (x, x, x, ld, x, attr, x, x, x, ld, x, x))
    if form == "chunkwise":
        return ("func.func @main(%%q: %s, %%k: %s, %%v: %s, %%ld: %s, %%s: %s, %%p: index) "
                "-> (%s, %s) attributes {llvm.emit_c_interface} {\n"
                "  %%o, %%s1 = retention.chunkwise %%q, %%k, %%v decay(%%ld) init(%%s) at(%%p) "
                "chunk(64) %s : %s, %s, %s, %s, %s -> %s, %s\n"
                "  return %%o, %%s1 : %s, %s\n}\n"
                % (x, x, x, ld, s, x, s, attr, x, x, x, ld, s, x, s, x, s))
    return ("func.func @main(%%q: %s, %%k: %s, %%v: %s, %%ld: %s, %%s: %s, %%p: index) "
            "-> (%s, %s) attributes {llvm.emit_c_interface} {\n"
            "  %%o, %%s1 = retention.recurrent %%q, %%k, %%v decay(%%ld) state(%%s) at(%%p) "
            "%s : %s, %s, %s, %s, %s -> %s\n"
            "  return %%o, %%s1 : %s, %s\n}\n"
            % (x, x, x, ld, s, x, s, attr, x, x, x, ld, s, x, x, s))


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("error: %s failed:\n%s" % (" ".join(cmd), r.stderr))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="artifact folder (created)")
    ap.add_argument("--emulate", action="store_true",
                    help="tiny shapes, kernels for the CPU emulator")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--llvm-bin", default="/usr/lib/llvm-22/bin",
                    help="mlir-translate, llc and clang of LLVM 22")
    ap.add_argument("--only", help="compile only configurations whose name contains this")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tools = {"opt": os.path.join(a.build, "bin", "retnet-opt"),
             "translate": os.path.join(a.llvm_bin, "mlir-translate"),
             "llc": os.path.join(a.llvm_bin, "llc"), "cc": os.path.join(a.llvm_bin, "clang")}
    runtime = os.path.join(a.build, "lib", "libretnet_runtime.so")
    shutil.copy(runtime, a.out)
    fmt = "emulator" if a.emulate else "fatbin"
    manifest = {"backend": "emulator" if a.emulate else "cuda", "configs": []}
    for name, form, B, H, T, D, dtype in configs(a.emulate):
        if a.only and a.only not in name:
            continue
        base = os.path.join(a.out, name)
        scale = float(D) ** -0.5
        with open(base + ".mlir", "w") as f:
            f.write(module(form, B, H, T, D, dtype, scale))
        run([tools["opt"], base + ".mlir", "-o", base + ".llvm.mlir",
             "--pass-pipeline=builtin.module(retention-to-cuda{format=%s})" % fmt])
        run([tools["translate"], "--mlir-to-llvmir", base + ".llvm.mlir", "-o", base + ".ll"])
        run([tools["llc"], "-O2", "-relocation-model=pic", "-filetype=obj",
             base + ".ll", "-o", base + ".o"])
        run([tools["cc"], "-shared", base + ".o", "-o", os.path.join(a.out, "lib%s.so" % name),
             "-L" + os.path.dirname(runtime), "-lretnet_runtime", "-Wl,-rpath,$ORIGIN"])
        for ext in (".llvm.mlir", ".ll", ".o"):
            os.remove(base + ext)
        manifest["configs"].append({"name": name, "form": form, "B": B, "H": H, "T": T,
                                    "D": D, "dtype": dtype, "scale": scale,
                                    "library": "lib%s.so" % name})
        print("compiled", name)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
