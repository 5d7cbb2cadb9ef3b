#!/usr/bin/env python3
"""Static SASS counts of the retention kernels (no GPU needed): compiles
each configuration with retention-to-cuda to PTX, assembles it with ptxas
for the chip, disassembles the cubin with cuobjdump --dump-sass and counts,
in the kernel's main loop (the backward branch whose body holds the most
tensor-core instructions: for the chunkwise kernel one 16-row chunk, for
the parallel kernel one 16 x 16 key block), tensor-core instructions
(HMMA), ldmatrix (LDSM), global loads (LDG, and LDGSTS: cp.async) and
stores (bytes per warp: instruction width x 32 lanes), and local-memory
spills in the whole kernel.

cuobjdump and nvdisasm come from PyPI (nvidia-cuda-cuobjdump,
nvidia-cuda-nvdisasm) into build/gpu-tools on first use; ptxas from the
CUDA toolkit (/usr/local/cuda).

    /usr/bin/python3 bench/gpu/sass.py [--chip sm_90]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compile import ROOT, module  # noqa: E402

CONFIGS = [  # name, form, B, H, T, D, dtype
    ("chunkwise bf16 D=128", "chunkwise", 4, 8, 2048, 128, "bf16"),
    ("chunkwise f16 D=128", "chunkwise", 4, 8, 2048, 128, "f16"),
    ("chunkwise bf16 D=256", "chunkwise", 4, 8, 2048, 256, "bf16"),
    ("parallel bf16 D=128", "parallel", 4, 8, 256, 128, "bf16"),
]
WIDTH = {"U8": 1, "S8": 1, "U16": 2, "S16": 2, "64": 8, "128": 16}


def tools(build):
    """cuobjdump and nvdisasm, fetched from PyPI into build/gpu-tools."""
    folder = os.path.join(build, "gpu-tools")
    bindir = os.path.join(folder, "nvidia", "cu13", "bin")
    if not os.path.exists(os.path.join(bindir, "nvdisasm")):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "-d", folder, "nvidia-cuda-cuobjdump", "nvidia-cuda-nvdisasm"],
                       check=True)
        for wheel in glob.glob(os.path.join(folder, "*.whl")):
            zipfile.ZipFile(wheel).extractall(folder)
        for tool in ("cuobjdump", "nvdisasm"):
            os.chmod(os.path.join(bindir, tool), 0o755)
    return bindir


def ptx_of(text):
    m = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', text)
    raw = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda x: chr(int(x.group(1), 16)), raw)


def width(op):
    parts = op.split(".")
    return next((WIDTH[p] for p in parts[1:] if p in WIDTH), 4)


def main_loop(sass):
    """(instructions, registers) of the loop body with the most HMMA."""
    lines = [(int(m.group(1), 16), m.group(2).strip()) for m in
             re.finditer(r"/\*([0-9a-f]{4,})\*/\s+([^;]*);", sass)]
    best = None
    for addr, ins in lines:
        b = re.search(r"BRA (?:P\d, )?0x([0-9a-f]+)", ins)
        if b and int(b.group(1), 16) < addr:
            body = [i for a, i in lines if int(b.group(1), 16) <= a <= addr]
            key = (sum("HMMA" in i for i in body), len(body))
            if best is None or key > best[0]:
                best = (key, body)
    return best[1] if best else []


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chip", default="sm_90")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--cuda", default="/usr/local/cuda")
    a = ap.parse_args()
    bindir = tools(a.build)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
    print("| kernel (%s) | registers | shared memory | spill instructions | loop body: "
          "HMMA | LDSM | global load bytes / warp | global store bytes / warp |" % a.chip)
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, form, B, H, T, D, dtype in CONFIGS:
            src = os.path.join(tmp, "k.mlir")
            with open(src, "w") as f:
                f.write(module(form, B, H, T, D, dtype, float(D) ** -0.5))
            out = subprocess.run(
                [os.path.join(a.build, "bin", "retnet-opt"), src,
                 "--pass-pipeline=builtin.module(retention-to-cuda{format=isa chip=%s})"
                 % a.chip], check=True, capture_output=True, text=True).stdout
            with open(os.path.join(tmp, "k.ptx"), "w") as f:
                f.write(ptx_of(out))
            cubin = os.path.join(tmp, "k.cubin")
            info = subprocess.run([os.path.join(a.cuda, "bin", "ptxas"), "-arch=" + a.chip,
                                   "-v", os.path.join(tmp, "k.ptx"), "-o", cubin],
                                  check=True, capture_output=True, text=True).stderr
            regs = re.search(r"Used (\d+) registers", info).group(1)
            smem = re.search(r"(\d+) bytes smem", info)
            sass = subprocess.run(["cuobjdump", "--dump-sass", cubin], env=env, check=True,
                                  capture_output=True, text=True).stdout
            body = main_loop(sass)
            ops = [i.split()[1] if i.startswith("@") else i.split()[0] for i in body]
            everything = re.findall(r"/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9.]*)", sass)
            spills = sum(op.startswith(("LDL", "STL")) for op in everything)
            hmma = sum(op.startswith("HMMA") for op in ops)
            ldsm = sum(op.startswith("LDSM") for op in ops)
            # LDGSTS: cp.async, global to shared; LDGDEPBAR: its commit.
            loads = 32 * sum(width(op) for op in ops
                             if op.startswith("LDG") and not op.startswith("LDGDEPBAR"))
            stores = 32 * sum(width(op) for op in ops if op.startswith("STG"))
            print("| %s | %s | %s | %d | %d | %d | %d | %d |"
                  % (name, regs, smem.group(1) if smem else "0", spills, hmma, ldsm,
                     loads, stores))


if __name__ == "__main__":
    main()
