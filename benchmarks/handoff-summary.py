#!/usr/bin/env python3
"""Summarise benchmarks/handoff-rounds.sh: the small MLP step's ratio to its products per process, grouped by the one-way
cache-line latency between the two cores that core-handoff measured just before the process (below 100 ns: the vCPUs
shared a last-level cache; 150-400 ns: they did not; the rest is reported apart), and per iteration the update sweeps inside steps against the
same sweeps repeated alone (halves-profile).

    python3 benchmarks/handoff-summary.py PREFIX [PREFIX ...] [--exclude 5,7] [--csv combined.csv]

PREFIX is the out-prefix given to handoff-rounds.sh (several runs: several prefixes); --exclude drops iterations of the
first prefix (e.g. one disturbed by other work); --csv writes every step-rounds row with its run, iteration, process and
latency into one file.
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


def read_rates_of(path):
    """GB/s of reading 2 MB right after the other thread wrote it, and after this thread did (core-handoff's medians)."""
    for line in open(path):
        if line.startswith("median:"):
            match = re.search(r"other thread wrote ([\d.]+) GB/s, after itself ([\d.]+) GB/s", line)
            return float(match.group(1)), float(match.group(2))
    return None, None


def phase(text, name):
    """A halves-profile line as "ms (share of the products)"."""
    match = re.search(re.escape(name) + r"\s+([\d.]+) ms\s+([\d.]+) of the products", text)
    return f"{match.group(1)} ms ({match.group(2)})" if match else "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prefixes", nargs="+")
    parser.add_argument("--exclude", default="")
    parser.add_argument("--csv")
    args = parser.parse_args()
    excluded = {int(i) for i in args.exclude.split(",") if i}

    processes, combined = [], []
    for run, prefix in enumerate(args.prefixes):
        skip = excluded if run == 0 else set()
        for handoff in sorted(glob.glob(f"{prefix}-sp-*-*-handoff.txt")):
            iteration, process = map(int, re.search(r"-sp-(\d+)-(\d+)-handoff\.txt$", handoff).groups())
            if iteration in skip:
                continue
            latency = latency_of(handoff)
            if latency is None:
                print(f"no latency in {handoff}: process left out")
                continue
            try:
                rows = list(csv.DictReader(open(handoff.replace("-handoff.txt", ".csv"))))
            except FileNotFoundError:
                print(f"no step-rounds CSV beside {handoff}: process left out")
                continue
            ratio = statistics.median(float(r["sgd_ms"]) / float(r["sgd_products_ms"]) for r in rows)
            processes.append((run, iteration, process, latency, ratio))
            other, itself = read_rates_of(handoff)
            combined += [{"run": run, "iteration": iteration, "process": process, "latency_ns": latency,
                          "read_after_other_gbs": other, "read_after_itself_gbs": itself, **r} for r in rows]

    print(f"{len(processes)} processes in {len(args.prefixes)} run(s) (iterations of the first excluded: {sorted(excluded) or 'none'})")
    groups = (("latency below 100 ns", lambda ns: ns < 100), ("latency 150-400 ns", lambda ns: 150 <= ns <= 400))
    unclassified = [ns for *_, ns, _ in processes if not any(keep(ns) for _, keep in groups)]
    if unclassified:
        # 100-150 ns fits neither state; above 400 ns a third thread held a core (the bounce never yields)
        print(f"in neither group: {len(unclassified)} processes, latencies {', '.join(f'{ns:.0f}' for ns in unclassified)} ns")
    for label, keep in groups:
        ratios = sorted(r for *_, ns, r in processes if keep(ns))
        if ratios:
            within = sum(1 for r in ratios if r <= 1.15)
            rounds = [r for r in combined if keep(r["latency_ns"])]
            step = statistics.median(float(r["sgd_ms"]) for r in rounds)
            products = statistics.median(float(r["sgd_products_ms"]) for r in rounds)
            latencies = [r["latency_ns"] for r in rounds]
            other = statistics.median(r["read_after_other_gbs"] for r in rounds)
            itself = statistics.median(r["read_after_itself_gbs"] for r in rounds)
            print(f"{label}: {len(ratios)} processes, SGD step / its products median {statistics.median(ratios):.3f} "
                  f"({ratios[0]:.3f}-{ratios[-1]:.3f}), {within} of {len(ratios)} at or below 1.15; "
                  f"over their {len(rounds)} rounds the step {step:.3f} ms and its products {products:.3f} ms (medians); "
                  f"latency {min(latencies):.0f}-{max(latencies):.0f} ns, 2 MB read after the other core wrote it "
                  f"{other:.1f} GB/s, after the same core {itself:.1f} GB/s (medians)")

    print("run iteration: latencies before its processes (ns); halves-profile's step, its products, update sweeps alone and inside steps")
    for run, prefix in enumerate(args.prefixes):
        skip = excluded if run == 0 else set()
        for path in sorted(glob.glob(f"{prefix}-hp-*.txt"), key=lambda p: int(re.search(r"-hp-(\d+)\.txt$", p).group(1))):
            iteration = int(re.search(r"-hp-(\d+)\.txt$", path).group(1))
            if iteration in skip:
                continue
            text = open(path).read()
            latencies = " ".join(f"{ns:.0f}" for r, i, _, ns, _ in processes if r == run and i == iteration)
            print(f"{run} {iteration:3d}: {latencies:>12}; step {phase(text, 'SGD step on the halves')}, "
                  f"products {phase(text, 'its products at the whole batch, each alone')}, "
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
