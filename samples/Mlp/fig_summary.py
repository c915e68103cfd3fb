#!/usr/bin/env python3
"""Summarises runs of fig9.sh / fig10.sh as one Markdown table: per run folder and method, the best-so-far training
and test losses after each epoch (or full-batch iteration), the area under the best-so-far training-loss curve (its
mean over epochs 0..E, the paper's selection criterion, App. F.2) and how the run ended (a run stopped by a NaN or an
infinity has fewer rows). Usage: fig_summary.py RUN_DIR..."""
import csv
import os
import sys


def main():
    print("| run | method | best train loss, epochs 0..E | best test loss, epochs 0..E | area (mean of best train loss) | train s/epoch |")
    print("|---|---|---|---|---:|---:|")
    for run in sys.argv[1:]:
        path = os.path.join(run, "epochs.csv")
        if not os.path.exists(path):
            print("| %s | | (no epochs.csv) | | | |" % run)
            continue
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        for method in dict.fromkeys(r["method"] for r in rows):
            part = [r for r in rows if r["method"] == method]
            best_test, best = [], float("inf")
            for r in part:
                best = min(best, float(r["test_loss"]))
                best_test.append(best)
            train = [float(r["best_train_loss"]) for r in part]
            seconds = [float(r["train_seconds"]) for r in part if int(r["epoch"]) > 0]
            print("| %s | %s | %s | %s | %.4f | %s |" % (
                os.path.basename(os.path.normpath(run)), method, ", ".join("%.4g" % v for v in train),
                ", ".join("%.4g" % v for v in best_test), sum(train) / len(train),
                "%.0f" % (sum(seconds) / len(seconds)) if seconds else ""))


if __name__ == "__main__":
    main()
