#!/usr/bin/python3
"""Trains the ConvNet sample's network with PyTorch's SGD in the sample's setting, to tell whether the sample's test
accuracy after 5 epochs is a property of the setting or of our implementation.

The setting (paper §4, Fig. 4 bottom; App. E.1.2, E.2.2; samples/ConvNet/RESULTS.md): Conv(1->16, 5x5, pad 2) ReLU
MaxPool(2) Conv(16->20) ReLU MaxPool Conv(20->20) ReLU MaxPool Linear(320 -> 10), softmax cross-entropy, float32,
mini-batches of 256 drawn without replacement in a new random order each epoch, plain SGD at the paper's step
0.125 with the l2 term mu = 1e-6 (weight_decay; no momentum, no decay), Fashion-MNIST padded from 28x28 to 32x32
with the value of a black pixel. Choices the paper leaves open, as options:
  --init he       the convolutions from U(+-sqrt(6/fan_in)) with zero biases, the output layer from U(+-1/sqrt(fan_in))
                  (the sample's default); --init default: PyTorch's default U(+-1/sqrt(fan_in)) everywhere
  --scale standardise   pixels in [0, 1], then the training set's one mean and standard deviation (the sample's);
                  --scale unit: pixels in [0, 1] only
After each epoch (and before the first) it prints the loss and accuracy on the whole training and test sets.

Run from the repository root with Debian's python3-torch and dataset-fashion-mnist installed:
    /usr/bin/python3 benchmarks/pytorch/convnet_accuracy.py [--epochs 5] [--init he] [--scale standardise] [--seed 0]
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch

from side_by_side import DATA, L2, read_idx

BATCH = 256
SGD_STEP = 0.125


def load(scale):
    sets = {}
    for name, prefix in (("train", "train"), ("test", "t10k")):
        x = read_idx(os.path.join(DATA, prefix + "-images-idx3-ubyte.gz")).astype(np.float64) / 255.0
        y = read_idx(os.path.join(DATA, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
        sets[name] = [x, y]
    mean, std = (sets["train"][0].mean(), sets["train"][0].std()) if scale == "standardise" else (0.0, 1.0)
    out = {}
    for name, (x, y) in sets.items():
        x = (x - mean) / std
        background = (0.0 - mean) / std
        padded = np.full((x.shape[0], 1, 32, 32), background, dtype=np.float32)
        padded[:, 0, 2:30, 2:30] = x
        out[name] = (torch.from_numpy(padded), torch.from_numpy(y))
    return out, mean, std


def build(init, seed):
    torch.manual_seed(seed)
    layers = []
    channels = 1
    for filters in (16, 20, 20):
        conv = torch.nn.Conv2d(channels, filters, 5, padding=2)
        if init == "he":
            bound = math.sqrt(6.0 / (channels * 25))
            torch.nn.init.uniform_(conv.weight, -bound, bound)
            torch.nn.init.zeros_(conv.bias)
        layers += [conv, torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2)]
        channels = filters
    layers += [torch.nn.Flatten(), torch.nn.Linear(320, 10)]  # U(+-1/sqrt(320)) for weights and bias: PyTorch's default
    return torch.nn.Sequential(*layers)


def evaluate(model, x, y):
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    total, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, x.shape[0], 1000):
            scores = model(x[start:start + 1000])
            total += float(loss_fn(scores, y[start:start + 1000]))
            correct += int((scores.argmax(1) == y[start:start + 1000]).sum())
    return total / x.shape[0], 100.0 * correct / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--init", choices=["he", "default"], default="he")
    parser.add_argument("--scale", choices=["standardise", "unit"], default="standardise")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step", type=float, default=SGD_STEP, help="SGD's step (default: the paper's 0.125)")
    args = parser.parse_args()

    torch.set_num_threads(2)
    data, mean, std = load(args.scale)
    xtr, ytr = data["train"]
    xte, yte = data["test"]
    model = build(args.init, args.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.step, weight_decay=L2)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(args.seed)
    print("PyTorch %s, %d threads; init %s, scale %s (mean %.4f, std %.4f), step %g, batch %d, seed %d; load average %.2f %.2f %.2f"
          % (torch.__version__, torch.get_num_threads(), args.init, args.scale, mean, std, args.step, BATCH, args.seed,
             *os.getloadavg()))
    print("| epoch | train loss | train acc % | test loss | test acc % | train s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for epoch in range(args.epochs + 1):
        seconds = 0.0
        if epoch > 0:
            start = time.perf_counter()
            perm = torch.randperm(xtr.shape[0], generator=order)
            for b in range(0, xtr.shape[0], BATCH):
                idx = perm[b:b + BATCH]
                optimizer.zero_grad()
                loss = loss_fn(model(xtr[idx]), ytr[idx])
                loss.backward()
                optimizer.step()
            seconds = time.perf_counter() - start
        tr = evaluate(model, xtr, ytr)
        te = evaluate(model, xte, yte)
        print("| %d | %.4f | %.2f | %.4f | %.2f | %.1f |" % (epoch, tr[0], tr[1], te[0], te[1], seconds), flush=True)
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
