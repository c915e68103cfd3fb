#!/usr/bin/env python3
"""Summarises the runs of variants_grid.sh (or of any folder of run folders holding an epochs.csv) as Markdown: per
method, every run sorted by its score, the mean over epochs 0..E of the best-so-far training loss (the paper's
criterion, App. F.2: the area under the best-so-far curve); a run that stopped early (a NaN or an infinity) scores
infinity. Usage: variants_summary.py GRID_DIR [TOP]   (TOP: rows per method, default all)"""
import csv
import math
import os
import sys


def main():
    grid = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else None
    runs = []
    for entry in sorted(os.listdir(grid)):
        path = os.path.join(grid, entry, "epochs.csv")
        if os.path.exists(path):
            with open(path, newline="") as f:
                runs.append((entry, list(csv.DictReader(f))))
    epochs = max((int(r[-1]["epoch"]) for _, r in runs if r), default=0)
    by_method = {}
    for name, rows in runs:
        complete = len(rows) == epochs + 1
        score = sum(float(r["best_train_loss"]) for r in rows) / len(rows) if complete else math.inf
        by_method.setdefault(name.split("_")[0], []).append((score, name, rows, complete))
    for method, part in by_method.items():
        part.sort(key=lambda p: (p[0], p[1]))
        print("\n%s: %d runs of %d epochs; score = mean over epochs 0..%d of the best-so-far training loss\n" % (method, len(part), epochs, epochs))
        print("| run | score | best train loss | test acc %% after epoch %d | s/epoch |" % epochs)
        print("|---|---:|---:|---:|---:|")
        for score, name, rows, complete in part[:top]:
            trained = [float(r["train_seconds"]) for r in rows if int(r["epoch"]) > 0]
            score_text = "%.4f" % score if math.isfinite(score) else "∞ (stopped after epoch %d)" % (len(rows) - 1)
            print("| %s | %s | %.4f | %.2f | %s |" % (name, score_text, float(rows[-1]["best_train_loss"]), float(rows[-1]["test_accuracy_pct"]),
                                                 "%.2f" % (sum(trained) / len(trained)) if trained else ""))


if __name__ == "__main__":
    main()
