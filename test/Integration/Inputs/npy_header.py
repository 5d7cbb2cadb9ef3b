"""Writes an .npy file (f32) whose header claims SHAPE but holds 64 bytes
of data: for tests of the reader's size checks.

Usage: npy_header.py OUT.npy "(d0, d1, ...)"
"""
import sys

out, shape = sys.argv[1], sys.argv[2]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))
    f.write(header.encode("latin1"))
    f.write(b"\0" * 64)
