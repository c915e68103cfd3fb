#!/usr/bin/env python3
"""Cuts runs stopped by a time limit (fig9.sh with TIME_LIMIT) to the epochs all of them completed, so that their areas
(the mean of the best-so-far training loss over epochs 0..E, App. F.2) cover the same epochs. Rewrites each RUN_DIR's
epochs.csv in place, keeping the rows with epoch <= E, and prints E. A run stopped early by a NaN or an infinity would
cut the others too: check the runs' logs. Usage: cut_epochs.py RUN_DIR..."""
import csv
import os
import sys


def main():
    runs = [os.path.join(run, "epochs.csv") for run in sys.argv[1:] if os.path.exists(os.path.join(run, "epochs.csv"))]
    tables = {}
    for path in runs:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            tables[path] = (reader.fieldnames, list(reader))
    if not tables:
        sys.exit("cut_epochs.py: no epochs.csv in %s" % " ".join(sys.argv[1:]))
    common = min(max(int(r["epoch"]) for r in rows) for _, rows in tables.values())
    for path, (fields, rows) in tables.items():
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(r for r in rows if int(r["epoch"]) <= common)
    print(common)


if __name__ == "__main__":
    main()
