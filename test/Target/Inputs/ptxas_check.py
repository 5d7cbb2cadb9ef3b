#!/usr/bin/env python3
"""Reads retnet-opt output holding `gpu.binary` ops compiled to PTX
(format=isa) on stdin, assembles each with `ptxas -v` for the binary's chip
and prints ptxas's resource report (registers, shared memory, spills)."""
import re
import subprocess
import sys
import tempfile


def unescape(s):
    # MLIR prints non-printable bytes of a string attribute as \XX (hex).
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                  s.replace('\\"', '"').replace("\\\\", "\\"))


def main():
    toolkit = sys.argv[1]
    text = sys.stdin.read()
    found = re.findall(r'gpu\.binary @(\w+)\s*\[#gpu\.object<#nvvm\.target<chip = "(sm_\d+)"'
                       r'[^>]*>,\s*(?:properties = \{[^}]*\},\s*)?assembly = "((?:[^"\\]|\\.)*)"',
                       text)
    if not found:
        raise SystemExit("no PTX gpu.binary in the input")
    for name, chip, ptx in found:
        with tempfile.NamedTemporaryFile("w", suffix=".ptx") as f:
            f.write(unescape(ptx))
            f.flush()
            out = subprocess.run([toolkit + "/bin/ptxas", "-arch=" + chip, "-v",
                                  f.name, "-o", "/dev/null"],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            print("binary", name, chip)
            print(out.stderr.strip())


if __name__ == "__main__":
    main()
