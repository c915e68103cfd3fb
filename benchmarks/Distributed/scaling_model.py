#!/usr/bin/env python3
"""The scaling model of data-parallel training (benchmarks/RESULTS.md, "Distributed training").

Strong scaling of one step at a fixed global batch of 256 over P machines, one process per machine:
  T(P) = T1 / P + sum over the step's allreduces of [ 2(P-1)/P * bytes / bandwidth + 2(P-1) * latency ]
(a ring allreduce: 2(P-1) message steps, each moving bytes/P). T1 is the measured one-machine step (2 cores).
SGD makes one allreduce of |w| + 1 floats. Exact MorSGD makes one per layer with parameters (Phi_w at 0, |w_t| + 1),
one per inner-solver evaluation of a non-affine layer's Phi_w (|w_t| + 1; the two-step solver made one per hidden
layer per step), and one for the objective value; and, for the Phi_x solves of the ReLU layers after the first, a few
allreduces of 1-3 scalars each (the inner solver's values, inner products and tests), latency-bound: modelled as
recursive doubling, ceil(log2 P) message steps of one latency each (Open MPI's algorithm for small messages).
Prints a markdown table.
Usage: python3 benchmarks/Distributed/scaling_model.py
"""

import math

LATENCY = 20e-6  # seconds per message step (TCP over Ethernet; RDMA is ~2-5 us)
BATCH = 256
NETWORKS = {
    # name: (layer widths, measured one-machine step in ms: SGD, MorSGD; benchmarks/RESULTS.md "BenchmarkDotNet: MorSGD step against SGD step", run 3)
    "784-500-300-100-10": ([784, 500, 300, 100, 10], 4.727, 12.801),
    "784-4000-1000-4000-10": ([784, 4000, 1000, 4000, 10], 83.673, 229.799),
}
BANDWIDTHS = {"10 Gb/s": 10e9 / 8, "25 Gb/s": 25e9 / 8, "100 Gb/s": 100e9 / 8}
# Scalar allreduces per exact MorSGD step (two ReLU Phi_x solves by the two-step solver), as counted by
# `Mlp --distributed --method morsgd` on 784-500-300-100-10 (benchmarks/RESULTS.md, "Distributed training"); the large
# network has the same two solves and is assumed to make as many.
SCALAR_REDUCTIONS = 8


def messages(widths, method, evaluations_per_solve=1):
    """Float counts of the allreduces of one step."""
    layers = [widths[i] * widths[i + 1] + widths[i + 1] for i in range(len(widths) - 1)]
    if method == "SGD":
        return [sum(layers) + 1]
    hidden = layers[:-1]  # the output layer is affine: its Phi_w has a closed form
    return [n + 1 for n in layers] + [n + 1 for n in hidden for _ in range(evaluations_per_solve)] + [1]


def step_time(t1, floats, p, bandwidth, scalars=0):
    if p == 1:
        return t1, 0.0
    communication = sum(2 * (p - 1) / p * 4 * n / bandwidth + 2 * (p - 1) * LATENCY for n in floats)
    communication += scalars * math.ceil(math.log2(p)) * LATENCY
    return t1 / p + communication, communication


def main():
    print("| network | method | allreduces per step | MB per step | bandwidth | comm. at P=2 (ms) | comm. share at P=8 | speedup at P=8 | P at 50% efficiency | best P (speedup) |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, (widths, sgd_ms, morsgd_ms) in NETWORKS.items():
        for method, t1_ms in (("SGD", sgd_ms), ("exact MorSGD", morsgd_ms)):
            t1 = t1_ms / 1000
            floats = messages(widths, method)
            scalars = SCALAR_REDUCTIONS if method != "SGD" else 0
            count = f"{len(floats)} + {scalars} scalar" if scalars else f"{len(floats)}"
            for label, bandwidth in BANDWIDTHS.items():
                time = lambda p: step_time(t1, floats, p, bandwidth, scalars)
                _, comm2 = time(2)
                t8, comm8 = time(8)
                half = next((p for p in range(2, BATCH + 1) if t1 / time(p)[0] / p < 0.5), None)
                best = min(range(1, BATCH + 1), key=lambda p: time(p)[0])
                speedup = t1 / time(best)[0]
                print(f"| {name} | {method} | {count} | {4 * sum(floats) / 1e6:.2f} | {label} | {1000 * comm2:.2f} | "
                      f"{comm8 / t8:.0%} | {t1 / t8:.2f} | {half if half else '>256'} | {best} ({speedup:.1f}x) |")


if __name__ == "__main__":
    main()
