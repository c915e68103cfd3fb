#!/usr/bin/env python3
"""Summarises the runs of grid.sh as Markdown tables: per run the mean over epochs 0..E of the best-so-far training
loss (the selection score, as App. E.2.2 chooses steps by the curves), the final best training loss, the test accuracy
per epoch, the mean training time per epoch, and how the run ended. Usage: grid_summary.py GRID_DIR"""
import csv
import math
import os
import re
import sys


def read(run_dir):
    path = os.path.join(run_dir, "epochs.csv")
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def score(rows):
    return sum(float(r["best_train_loss"]) for r in rows) / len(rows)


def describe(name, rows, log_path, epochs):
    if rows is None:
        return None
    trained = [r for r in rows if int(r["epoch"]) > 0]
    ended = "" if len(rows) == epochs + 1 else "stopped (non-finite) after epoch %d" % (len(rows) - 1)
    if ended == "" and os.path.exists(log_path):
        with open(log_path) as f:
            m = re.search(r"line search failed in (\d+) steps", f.read())
            if m:
                ended = "line search failed in %s steps" % m.group(1)
    return {
        "name": name,
        "score": score(rows) if len(rows) == epochs + 1 else math.inf,
        "final": float(rows[-1]["best_train_loss"]),
        # test_accuracy_pct (percent) in current epochs.csv files; test_accuracy (a fraction) in older ones.
        "acc": [float(r["test_accuracy_pct"]) if "test_accuracy_pct" in r else 100 * float(r["test_accuracy"]) for r in rows[1:]],
        "seconds": sum(float(r["train_seconds"]) for r in trained) / len(trained) if trained else math.nan,
        "ended": ended,
    }


def main():
    grid = sys.argv[1]
    runs = {}
    for entry in sorted(os.listdir(grid)):
        full = os.path.join(grid, entry)
        if os.path.isdir(full):
            runs[entry] = read(full)
    epochs = max((len(r) - 1 for r in runs.values() if r), default=0)
    table = []
    for name, rows in runs.items():
        d = describe(name, rows, full_log(grid, name), epochs)
        if d:
            table.append(d)
    for method in ("sgd", "morsgd"):
        part = [d for d in table if d["name"].startswith(method + "_")]
        if not part:
            continue
        best = min(part, key=lambda d: d["score"])
        print("\n%s (%d epochs; score = mean over epochs 0..%d of the best-so-far training loss; * = chosen)\n" % (method, epochs, epochs))
        print("| run | score | best train loss | test acc % per epoch | s/epoch | note |")
        print("|---|---:|---:|---|---:|---|")
        for d in sorted(part, key=lambda d: key_of(d["name"])):
            mark = " *" if d is best else ""
            acc = ", ".join("%.2f" % a for a in d["acc"])
            score_text = "%.4f" % d["score"] if math.isfinite(d["score"]) else "∞"
            print("| %s%s | %s | %.4f | %s | %.2f | %s |" % (d["name"], mark, score_text, d["final"], acc, d["seconds"], d["ended"]))
    morsgd_matrix(table, epochs)


def morsgd_matrix(table, epochs):
    """MorSGD's scores as a gamma x alpha matrix (the best test accuracy after the last epoch in brackets)."""
    cells = {}
    for d in table:
        m = re.match(r"morsgd_alpha=2\^(-?\d+)_gamma=2\^(-?\d+)$", d["name"])
        if m:
            cells[(int(m.group(2)), int(m.group(1)))] = d
    if not cells:
        return
    alphas = sorted({a for _, a in cells})
    gammas = sorted({g for g, _ in cells})
    print("\nmorsgd scores (rows gamma, columns alpha; in brackets the test accuracy %% after epoch %d; ∞ = stopped on a NaN/∞)\n" % epochs)
    print("| γ \\ α | " + " | ".join("2^%d" % a for a in alphas) + " |")
    print("|---|" + "---:|" * len(alphas))
    for g in gammas:
        row = []
        for a in alphas:
            d = cells.get((g, a))
            if d is None:
                row.append("")
            elif math.isfinite(d["score"]):
                row.append("%.4f (%.1f)" % (d["score"], d["acc"][-1]))
            else:
                row.append("∞")
        print("| 2^%d | " % g + " | ".join(row) + " |")


def full_log(grid, name):
    return os.path.join(grid, name + ".log")


def key_of(name):
    return [float(x) for x in re.findall(r"\^(-?\d+)", name)][::-1]


if __name__ == "__main__":
    main()
