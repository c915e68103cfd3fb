#!/usr/bin/python3
"""One SGD training step of the ConvNet sample's network, PyTorch beside MoreauGen, in one run.

The network is the paper's ConvNet (Fig. 4 bottom): Conv(1->16, 5x5, pad 2) ReLU MaxPool(2) Conv(16->20) ReLU
MaxPool Conv(20->20) ReLU MaxPool, then Linear(320 -> 10), on 32x32 images; softmax cross-entropy loss,
back-propagation and the SGD update with the l2 term mu = 1e-6 (PyTorch: SGD with weight_decay), float32,
batch 256, step 0.125 (the paper's), weights and biases from U(+-1/sqrt(fan_in)). Both sides train on the same
batch: the first 256 Fashion-MNIST training images, standardised with the training set's mean and standard
deviation and padded to 32x32 with the background value (random inputs if the data set is not installed).

MoreauGen's side is the sample's own training step, timed by `StepTimer convnet` (benchmarks/StepTimer),
interleaved round after round with the PyTorch timings as benchmarks/pytorch/side_by_side.py does for the MLP.
Also: one MorSGD step (eq. 52, two-step inner solver, the paper's alpha = gamma = 0.5) beside the SGD step, and
the bytes our steps allocate.

Run from the repository root, with Debian's python3-torch and libopenblas0-pthread installed:
    /usr/bin/python3 benchmarks/pytorch/convnet_side_by_side.py [--rounds 5] [--steps 5] [--no-build]
"""
import argparse
import os
import subprocess
import sys
import time

import torch

from side_by_side import ROOT, BATCH, L2, OurSide, load_fashion_mnist, median, openblas_core

SHAPE = "conv32x32-16-20-20-fc10"
SGD_STEP = 0.125
MORSGD = "0.5 0.5"


def build():
    torch.manual_seed(0)
    layers = []
    channels = 1
    for filters in (16, 20, 20):
        # nn.Conv2d's default initialisation is U(+-1/sqrt(fan_in)) for weights and biases, as ours.
        layers += [torch.nn.Conv2d(channels, filters, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2)]
        channels = filters
    layers += [torch.nn.Flatten(), torch.nn.Linear(320, 10)]
    return torch.nn.Sequential(*layers)


def batch():
    data = load_fashion_mnist()
    if data is None:
        g = torch.Generator().manual_seed(1)
        return torch.randn(BATCH, 1, 32, 32, generator=g), torch.randint(0, 10, (BATCH,), generator=g), "random"
    x, y = data
    # load_fashion_mnist standardises with the training set's mean and std; a black pixel becomes x.min().
    background = float(x.min())
    images = torch.full((BATCH, 1, 32, 32), background)
    images[:, 0, 2:30, 2:30] = x[:BATCH].reshape(BATCH, 28, 28)
    return images.contiguous(), y[:BATCH].contiguous(), "the first 256 Fashion-MNIST training images, padded to 32x32"


class ConvOurSide(OurSide):
    def __init__(self):
        dll = os.path.join(ROOT, "benchmarks", "StepTimer", "bin", "Release", "net10.0", "StepTimer.dll")
        self.process = subprocess.Popen(
            ["dotnet", dll, "convnet", "--batch", str(BATCH), "--warmup", "3"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)


def time_torch(model, optimizer, x, y, steps, warmup=3):
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(1000 * (time.perf_counter() - start))
    return median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per side and round (default 5)")
    parser.add_argument("--no-build", action="store_true", help="do not build benchmarks/StepTimer first")
    args = parser.parse_args()

    torch.set_num_threads(2)
    if not args.no_build:
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "benchmarks", "StepTimer"), "-c", "Release", "-v", "quiet", "-nologo"], check=True)
    print("PyTorch %s, %d threads (torch.set_num_threads(2)); BLAS: OpenBLAS %s; oneDNN (mkldnn) enabled: %s"
          % (torch.__version__, torch.get_num_threads(), openblas_core(), torch.backends.mkldnn.is_available()))
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    x, y, source = batch()
    print("batch: %s" % source)
    model = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=SGD_STEP, weight_decay=L2)

    ours = ConvOurSide()
    rows = {"torch": [], "sgd": [], "morsgd": [], "ratio": [], "mor_ratio": [], "bytes_sgd": [], "bytes_morsgd": [], "evals": [], "restarts": []}
    try:
        for r in range(args.rounds):
            t = time_torch(model, optimizer, x, y, args.steps)
            time.sleep(0.2)  # let the other side's spinning threads go to sleep
            sgd = ours.request("step %s sgd %d %r" % (SHAPE, args.steps, SGD_STEP))
            time.sleep(0.2)
            mor = ours.request("step %s morsgd %d %s" % (SHAPE, args.steps, MORSGD))
            time.sleep(0.2)
            rows["torch"].append(t)
            rows["sgd"].append(sgd["median_ms"])
            rows["morsgd"].append(mor["median_ms"])
            rows["ratio"].append(t / sgd["median_ms"])
            rows["mor_ratio"].append(mor["median_ms"] / sgd["median_ms"])
            rows["bytes_sgd"].append(sgd["allocated_bytes_per_step"])
            rows["bytes_morsgd"].append(mor["allocated_bytes_per_step"])
            rows["evals"].append(mor["evaluations_per_step"])
            rows["restarts"].append(sgd["restarts"] + mor["restarts"])
            print("round %d %s PyTorch %8.2f ms  ours SGD %8.2f ms  (x%.2f)  MorSGD %8.2f ms (%.2f x SGD)  load %.1f"
                  % (r + 1, SHAPE, t, sgd["median_ms"], t / sgd["median_ms"], mor["median_ms"], mor["median_ms"] / sgd["median_ms"],
                     os.getloadavg()[0]), flush=True)
    finally:
        ours.close()

    print("\n| network | PyTorch SGD step | ours SGD step | PyTorch / ours (range) | ours MorSGD step | MorSGD / SGD (range) | bytes per step (SGD / MorSGD) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print("| %s | %.2f ms | %.2f ms | **%.2f×** (%.2f–%.2f) | %.2f ms | **%.2f×** (%.2f–%.2f) | %d / %d |" % (
        SHAPE, median(rows["torch"]), median(rows["sgd"]), median(rows["ratio"]), min(rows["ratio"]), max(rows["ratio"]),
        median(rows["morsgd"]), median(rows["mor_ratio"]), min(rows["mor_ratio"]), max(rows["mor_ratio"]),
        max(rows["bytes_sgd"]), max(rows["bytes_morsgd"])))
    print("\nMorSGD inner-solver evaluations per step: %.1f" % median(rows["evals"]))
    print("Steps of ours that diverged and restarted (not timed): %d" % sum(rows["restarts"]))
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
