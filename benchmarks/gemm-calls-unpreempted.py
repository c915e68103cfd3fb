#!/usr/bin/env python3
"""The calls of a gemm-calls CSV that no other process preempted (the process's threads waited < 50 us on a run queue
during the call): per side, how many, their median and fastest time and the median's GFLOP/s, beside the median of all calls.

    benchmarks/gemm-calls-unpreempted.py benchmarks/results/gemm4-calls-*.csv
"""
import csv
import statistics
import sys

for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    flops = float(rows[0]["gflops"]) * float(rows[0]["ms"]) * 1e6
    print(path)
    for side in dict.fromkeys(r["side"] for r in rows):
        calls = [r for r in rows if r["side"] == side]
        quiet = [float(r["ms"]) for r in calls if float(r["run_delay_us"]) < 50]
        every = statistics.median(float(r["ms"]) for r in calls)
        if not quiet:
            print(f"  {side:28s} no call unpreempted; median of all {every:.3f} ms")
            continue
        median = statistics.median(quiet)
        print(f"  {side:28s} unpreempted {len(quiet):3d}/{len(calls)}: median {median:.3f} ms ({flops / median / 1e6:.0f} GFLOP/s),"
              f" fastest {min(quiet):.3f}; median of all {every:.3f} ms")
