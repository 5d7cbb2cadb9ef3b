#!/usr/bin/env python3
"""Plots a bench/peers results file (Debian's python3-matplotlib):

    /usr/bin/python3 bench/peers/plot.py RESULTS.json OUT_DIR

writes OUT_DIR/peers-prefill.png (generate's prefill time against the prompt
length) and OUT_DIR/peers-decode.png (decode ms/token against the context,
with the weight-streaming floor).
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def series(table):
    for peer, points in table.items():
        keys = sorted(points, key=int)
        yield peer, [int(k) for k in keys], [points[k] for k in keys]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    r = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    shape = "base shape, f32, %d threads" % r["threads"]

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for peer, x, y in series(r["prefill"]):
        ax.plot(x, y, marker="o", label=peer)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("prompt tokens T")
    ax.set_ylabel("prefill seconds (last position's logits)")
    ax.set_title("Prefill against T (%s)" % shape)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "peers-prefill.png"), dpi=100)

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    top = 0
    for peer, x, y in series(r["decode"]):
        ax.plot(x, [1e3 * v for v in y], marker="o", label=peer)
        top = max(top, 1e3 * max(y))
    for key, style, what in (("copy_gbs", "--", "copy"), ("read_gbs", ":", "read")):
        floor = 1e3 * r["step_weight_bytes"] / (r["bandwidth"][key] * 1e9)
        ax.axhline(floor, color="gray", linestyle=style,
                   label="weights / %s bandwidth (%.2f ms)" % (what, floor))
    ax.set_xscale("log", base=2)
    # Headroom above the lines for the legend.
    ax.set_ylim(0, 1.5 * top)
    ax.set_xlabel("context (tokens before the decoded one)")
    ax.set_ylabel("decode ms/token")
    ax.set_title("Decode against context (%s)" % shape)
    ax.grid(True, alpha=0.3)
    ax.legend(ncol=2, loc="upper center", fontsize="small")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "peers-decode.png"), dpi=100)


if __name__ == "__main__":
    main()
