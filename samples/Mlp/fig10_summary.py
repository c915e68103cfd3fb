#!/usr/bin/env python3
"""Summarises a fig10.sh output folder. Per network (a subfolder such as 500,300,100) and run (a subfolder holding
epochs.csv; Table 2's runs are named table2_*): the area under the best-so-far training-loss curve (its mean over epochs
0..E, the paper's selection criterion, App. F.2; infinite for a run stopped by a NaN or an infinity), each method's best
grid run and whether AL-MSGD beats SGD on it, and by how much (relative to SGD's area). Usage:
  fig10_summary.py OUT_DIR                 # Markdown tables
  fig10_summary.py --plot-runs NET_DIR     # the run folders to draw: each method's best grid run, then Table 2's finite runs"""
import csv
import math
import os
import sys


def area(run_dir):
    """(area, epochs completed) of a run; area is infinite when the run stopped early or has no epochs.csv."""
    path = os.path.join(run_dir, "epochs.csv")
    if not os.path.exists(path):
        return math.inf, -1
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    log = run_dir.rstrip("/") + ".log"
    planned = None
    if os.path.exists(log):
        with open(log) as f:
            text = f.read()
        if "non-finite" in text or "diverged" in text:
            planned = math.inf
    values = [float(r["best_train_loss"]) for r in rows]
    if planned is math.inf or any(not math.isfinite(v) for v in values):
        return math.inf, len(rows) - 1
    return sum(values) / len(values), len(rows) - 1


def runs(net_dir):
    names = sorted(d for d in os.listdir(net_dir) if os.path.isdir(os.path.join(net_dir, d)))
    return [(n, os.path.join(net_dir, n), "al-msgd" if "al-msgd" in n else "sgd", n.startswith("table2_")) for n in names]


def best(items, method):
    grid = [(area(p)[0], n, p) for n, p, m, t in items if m == method and not t]
    return min(grid) if grid else (math.inf, None, None)


def fmt(a, epochs=0):
    if epochs < 0:
        return "— (no epochs.csv: not run or not finished)"
    return "∞ (non-finite)" if math.isinf(a) else "%.4f" % a


def plot_runs(net_dir):
    items = runs(net_dir)
    chosen = [best(items, m)[2] for m in ("sgd", "al-msgd")]
    chosen += [p for n, p, m, t in items if t and math.isfinite(area(p)[0])]
    print("\n".join(p for p in chosen if p))


def summary(out):
    nets = sorted((d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)) and not d.startswith(".")),
                  key=lambda d: (d.count(","), d))
    print("| network | run | epochs | area |")
    print("|---|---|---:|---:|")
    verdicts = []
    for net in nets:
        items = runs(os.path.join(out, net))
        for n, p, m, t in items:
            a, e = area(p)
            print("| (%s) | %s | %s | %s |" % (net, n, e if e >= 0 else "", fmt(a, e)))
        (sa, sn, _), (aa, an, _) = best(items, "sgd"), best(items, "al-msgd")
        t2 = {m: area(p)[0] for n, p, m, t in items if t}
        if math.isfinite(sa) and math.isfinite(aa):
            gap = (sa - aa) / sa * 100
            verdict = ("**yes**, area %.2f%% below SGD's" % gap) if aa < sa else ("no: SGD's area %.2f%% below" % ((aa - sa) / aa * 100))
        else:
            verdict = "undecided (a method has no finite run)"
        verdicts.append("| (%s) | %s: %s | %s: %s | %s | %s | %s |" % (
            net, an, fmt(aa), sn, fmt(sa), verdict, fmt(t2.get("al-msgd", math.inf)), fmt(t2.get("sgd", math.inf))))
    print()
    print("| network | best AL-MSGD (grid): area | best SGD (grid): area | AL-MSGD beats SGD? | Table 2 AL-MSGD area | Table 2 SGD area |")
    print("|---|---|---|---|---:|---:|")
    print("\n".join(verdicts))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--plot-runs":
        plot_runs(sys.argv[2])
    else:
        summary(sys.argv[1])
