#!/usr/bin/env python3
"""Summarise benchmarks/handoff-rounds.sh: the small MLP step's ratio to its products per process, grouped by the one-way
cache-line latency between the two cores that core-handoff measured just before the process (below 100 ns: the vCPUs
shared a last-level cache; 150 ns and above: they did not), and per iteration the update sweeps inside steps against the
same sweeps repeated alone (halves-profile).

    python3 benchmarks/handoff-summary.py PREFIX [--exclude 5,7] [--csv combined.csv]

PREFIX is the out-prefix given to handoff-rounds.sh; --exclude drops iterations (e.g. one disturbed by other work);
--csv writes every step-rounds row with its iteration, process and latency into one file.
"""
import argparse
import csv
import glob
import re
import statistics


def latency_of(path):
    for line in open(path):
        if line.startswith("median:"):
            return float(re.search(r"latency (\d+) ns", line).group(1))
    return None  # core-handoff failed before this process


def phase(text, name):
    match = re.search(re.escape(name) + r"\s+([\d.]+) ms\s+([\d.]+) of the products", text)
    return float(match.group(2)) if match else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prefix")
    parser.add_argument("--exclude", default="")
    parser.add_argument("--csv")
    args = parser.parse_args()
    excluded = {int(i) for i in args.exclude.split(",") if i}

    processes, combined = [], []
    for handoff in sorted(glob.glob(f"{args.prefix}-sp-*-*-handoff.txt")):
        iteration, process = map(int, re.search(r"-sp-(\d+)-(\d+)-handoff\.txt$", handoff).groups())
        if iteration in excluded:
            continue
        latency = latency_of(handoff)
        if latency is None:
            print(f"no latency in {handoff}: process left out")
            continue
        rows = list(csv.DictReader(open(handoff.replace("-handoff.txt", ".csv"))))
        ratio = statistics.median(float(r["sgd_ms"]) / float(r["sgd_products_ms"]) for r in rows)
        processes.append((iteration, process, latency, ratio))
        combined += [{"iteration": iteration, "process": process, "latency_ns": latency, **r} for r in rows]

    print(f"{len(processes)} processes (iterations excluded: {sorted(excluded) or 'none'})")
    for label, keep in (("latency below 100 ns", lambda ns: ns < 100), ("latency 150 ns or more", lambda ns: ns >= 150)):
        ratios = sorted(r for _, _, ns, r in processes if keep(ns))
        if ratios:
            within = sum(1 for r in ratios if r <= 1.15)
            print(f"{label}: {len(ratios)} processes, SGD step / its products median {statistics.median(ratios):.3f} "
                  f"({ratios[0]:.3f}-{ratios[-1]:.3f}), {within} of {len(ratios)} at or below 1.15")

    print("iteration: latencies before its processes (ns); step / products, update sweeps alone and inside steps (halves-profile)")
    for path in sorted(glob.glob(f"{args.prefix}-hp-*.txt"), key=lambda p: int(re.search(r"-hp-(\d+)\.txt$", p).group(1))):
        iteration = int(re.search(r"-hp-(\d+)\.txt$", path).group(1))
        if iteration in excluded:
            continue
        text = open(path).read()
        latencies = " ".join(f"{ns:.0f}" for i, _, ns, _ in processes if i == iteration)
        print(f"{iteration:3d}: {latencies:>12}; step {phase(text, 'SGD step on the halves')}, "
              f"sweeps alone {phase(text, 'update sweeps, second gradient added')}, "
              f"in steps {phase(text, 'in a step: update sweeps')}")

    if args.csv:
        with open(args.csv, "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(combined[0].keys()))
            writer.writeheader()
            writer.writerows(combined)
        print(f"all rows: {args.csv}")


if __name__ == "__main__":
    main()
