"""Plots for docs/benchmarks.md from the benchmarks' JSON output.

    .venv/bin/python bench/plot.py [--boots bench/results/boot_at_once.json]
        [--inventory bench/results/inventory_listing.json] [--out docs]

boot_at_once.json comes from `bench/guest_module.py --parts e --json ...`, inventory_listing.json
from `bench/inventory_listing.py --json ...`. Writes docs/bench-boot-at-once.png and
docs/bench-inventory-listing.png.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RESULTS = os.path.join(ROOT, "bench", "results")


def plot_boots(path, out):
    with open(path) as handle:
        data = json.load(handle)
    counts = sorted(int(count) for count in data["at_once"])
    figures = {count: data["at_once"][str(count)] for count in counts}
    all_up = [statistics.median(figures[count]["all"]) for count in counts]
    first = [statistics.median(each[0] for each in figures[count]["each"]) for count in counts]
    ideal = [all_up[0] * max(1.0, count / data["cores"]) for count in counts]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(counts, all_up, "o-", label="last guest answers SSH")
    ax.plot(counts, first, "s--", label="first guest answers SSH")
    ax.plot(counts, ideal, ":", color="grey", label="1 guest's time × guests / %d cores" % data["cores"])
    ax.set_xticks(counts)
    ax.set_xlabel("guests started at once")
    ax.set_ylabel("seconds from start (median of %s rounds)" % data["rounds"])
    ax.set_title("Boot to SSH under QEMU TCG, %d cores" % data["cores"])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    target = os.path.join(out, "bench-boot-at-once.png")
    fig.savefig(target, dpi=100)
    return target


def plot_inventory(path, out):
    with open(path) as handle:
        data = json.load(handle)
    fig, ax = plt.subplots(figsize=(6, 4))
    series = [
        ("test:///default", "parse_s", "plugin parse, test driver"),
        ("qemu:///system", "parse_s", "plugin parse, qemu:///system"),
        ("qemu:///system", "process_s", "ansible-inventory --list process, qemu:///system"),
    ]
    for uri, key, label in series:
        rows = sorted((row["guests"], row[key]) for row in data["rows"] if row["uri"] == uri and row[key] is not None)
        if rows:
            ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label=label)
    ax.axhline(2.0, color="grey", linestyle=":", label="target for 200 guests (2 s)")
    ax.set_xlabel("defined guests")
    ax.set_ylabel("seconds (median of %d)" % data["runs"])
    ax.set_title("libvirt_guests inventory listing")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    target = os.path.join(out, "bench-inventory-listing.png")
    fig.savefig(target, dpi=100)
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boots", default=os.path.join(RESULTS, "boot_at_once.json"))
    parser.add_argument("--inventory", default=os.path.join(RESULTS, "inventory_listing.json"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs"))
    args = parser.parse_args()
    for plot, path in ((plot_boots, args.boots), (plot_inventory, args.inventory)):
        if os.path.exists(path):
            print("wrote", plot(path, args.out))
        else:
            print("no %s: that plot is not made" % path)


if __name__ == "__main__":
    main()
