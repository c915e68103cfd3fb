#!/usr/bin/python3
"""One SGD training step of the MLP sample's networks, PyTorch beside MoreauGen, in one run.

The step is the same on both sides: forward through affine+ReLU hidden layers and an affine output layer, the
paper's squared loss (batch mean of ||y_hat - onehot||^2), back-propagation, and the SGD update with the l2 term
mu = 1e-6 (PyTorch: SGD with weight_decay), float32, batch 256, from U(+-1/sqrt(fan_in)) weights and biases.
Both sides train on the same batch: the first 256 Fashion-MNIST training images, standardised with the training
set's mean and standard deviation (random inputs if the data set is not installed).

MoreauGen's side is the sample's own training step, timed by `StepTimer mlp --serve` (benchmarks/StepTimer):
this script keeps that process open and interleaves its requests with the PyTorch timings, round after round, so
that both sides see the same machine load. Each round times STEPS steps per side after warm-up steps; the ratio
of a round is PyTorch's median step over ours; the table reports the median over rounds (and the range).
Also: one MorSGD step of the sample (paper's eq. 52, two-step inner solver) beside its SGD step, the bytes our
steps allocate, and one full Fashion-MNIST SGD epoch of the default network on both sides.

Run from the repository root, with Debian's python3-torch and libopenblas0-pthread installed, and with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in that command alone, so that OpenBLAS picks its own kernels for this
CPU (a forced Haswell core type puts PyTorch's GEMM on AVX2 kernels):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/pytorch/side_by_side.py \
        [--rounds 5] [--no-build] [--no-epoch] [--json FILE]
The script prints openblas_get_corename() and torch.__config__.show(), and writes every round's raw figures with
them to the JSON file (default: side_by_side.json in the current directory).
"""
import argparse
import ctypes
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = "/usr/share/datasets/fashion-mnist"
NETWORKS = ["784-500-300-100-10", "784-4000-1000-4000-10"]
BATCH = 256
# Steps (they do not change the work of a step, but the steps must not diverge on the one batch): the sample's
# defaults on the small network (MlpSettings: eta = 2^-2; MorSGD alpha = 2^-8, gamma = 4), and 2^-4 (gamma = 1)
# on the large one, where those diverge.
STEPS = {NETWORKS[0]: (0.25, "2^-8 4"), NETWORKS[1]: (0.0625, "2^-4 1")}
L2 = 1e-6


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion_mnist():
    """Training images as the sample uses them: [0, 1], then one scalar mean and std of the training set."""
    images = os.path.join(DATA, "train-images-idx3-ubyte.gz")
    labels = os.path.join(DATA, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        return None
    x = read_idx(images).reshape(-1, 784).astype(np.float64) / 255.0
    mean, std = x.mean(), x.std()
    x = ((x - mean) / std).astype(np.float32)
    y = read_idx(labels).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def build(shape):
    sizes = [int(s) for s in shape.split("-")]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))  # U(+-1/sqrt(fan_in)) weights and biases
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class TorchSide:
    def __init__(self, data):
        self.data = data
        self.models = {}

    def batch(self, classes=10):
        if self.data is not None:
            return self.data[0][:BATCH].contiguous(), self.data[1][:BATCH].contiguous()
        g = torch.Generator().manual_seed(1)
        return torch.randn(BATCH, 784, generator=g) / 784 ** 0.5 * 2, torch.randint(0, classes, (BATCH,), generator=g)

    def model(self, shape):
        if shape not in self.models:
            torch.manual_seed(0)
            model = build(shape)
            optimizer = torch.optim.SGD(model.parameters(), lr=STEPS[shape][0], weight_decay=L2)
            self.models[shape] = (model, optimizer)
        return self.models[shape]

    @staticmethod
    def step(model, optimizer, x, y):
        optimizer.zero_grad()
        out = model(x)
        onehot = torch.nn.functional.one_hot(y, out.shape[1]).to(out.dtype)
        loss = ((out - onehot) ** 2).sum(dim=1).mean()
        loss.backward()
        optimizer.step()
        return loss

    def time_steps(self, shape, steps, warmup):
        model, optimizer = self.model(shape)
        x, y = self.batch()
        for _ in range(warmup):
            self.step(model, optimizer, x, y)
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            self.step(model, optimizer, x, y)
            times.append(1000 * (time.perf_counter() - start))
        return times

    def time_epoch(self, shape):
        torch.manual_seed(0)
        model = build(shape)
        optimizer = torch.optim.SGD(model.parameters(), lr=STEPS[shape][0], weight_decay=L2)
        x, y = self.data

        def epoch():
            order = torch.randperm(x.shape[0])
            for start in range(0, x.shape[0], BATCH):
                index = order[start:start + BATCH]
                self.step(model, optimizer, x[index], y[index])

        epoch()  # warm-up epoch
        start = time.perf_counter()
        epoch()
        return time.perf_counter() - start


class OurSide:
    def __init__(self):
        dll = os.path.join(ROOT, "benchmarks", "StepTimer", "bin", "Release", "net10.0", "StepTimer.dll")
        self.process = subprocess.Popen(
            ["dotnet", dll, "mlp", "--serve", "--batch", str(BATCH), "--warmup", "3", "--data", DATA],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def request(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if reply.get("kind") == "error":
            raise RuntimeError(reply["message"])
        return reply

    def close(self):
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def median(values):
    return statistics.median(values)


def openblas_core():
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_num_threads.restype = ctypes.c_int
        with open("/proc/self/maps") as maps:  # the BLAS torch itself loaded
            loaded = sorted({line.split()[-1] for line in maps if "blas" in line and line.split()[-1].startswith("/")})
        return "%s, %d threads (%s)" % (lib.openblas_get_corename().decode(), lib.openblas_get_num_threads(), ", ".join(loaded))
    except OSError:
        return "libopenblas.so.0 not found: install libopenblas0-pthread, or PyTorch runs on the reference BLAS"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--steps", type=int, nargs=2, default=[20, 5], metavar=("SMALL", "LARGE"),
                        help="timed steps per side and round for the two networks (default 20 5)")
    parser.add_argument("--no-build", action="store_true", help="do not build benchmarks/StepTimer first")
    parser.add_argument("--no-epoch", action="store_true", help="skip the full Fashion-MNIST epoch")
    parser.add_argument("--json", default="side_by_side.json", help="raw output file (default side_by_side.json)")
    args = parser.parse_args()

    torch.set_num_threads(2)
    if not args.no_build:
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "benchmarks", "StepTimer"), "-c", "Release", "-v", "quiet", "-nologo"], check=True)
    forced = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    print("PyTorch %s, %d threads (torch.set_num_threads(2)); BLAS: OpenBLAS %s" % (torch.__version__, torch.get_num_threads(), openblas_core()))
    print("OpenBLAS environment: %s" % (", ".join("%s=%s" % kv for kv in forced.items()) if forced
                                        else "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS picks its kernels)"))
    print("torch.__config__.show():\n" + torch.__config__.show())
    load_start = os.getloadavg()
    print("load average at start: %.2f %.2f %.2f" % load_start)
    data = load_fashion_mnist()
    print("batch: %s" % ("the first 256 Fashion-MNIST training images" if data is not None else "random (Fashion-MNIST not installed)"))

    torch_side = TorchSide(data)
    ours = OurSide()
    results = {shape: {"torch": [], "sgd": [], "morsgd": [], "ratio": [], "mor_ratio": [], "bytes_sgd": [], "bytes_morsgd": [], "evals": []}
               for shape in NETWORKS}
    try:
        for r in range(args.rounds):
            for shape, steps in zip(NETWORKS, args.steps):
                t = median(torch_side.time_steps(shape, steps, warmup=3))
                time.sleep(0.2)  # let the other side's spinning threads go to sleep
                sgd = ours.request("step %s sgd %d %r" % (shape, steps, STEPS[shape][0]))
                time.sleep(0.2)
                mor = ours.request("step %s morsgd %d %s" % (shape, steps, STEPS[shape][1]))
                time.sleep(0.2)
                row = results[shape]
                row["torch"].append(t)
                row["sgd"].append(sgd["median_ms"])
                row["morsgd"].append(mor["median_ms"])
                row["ratio"].append(t / sgd["median_ms"])
                row["mor_ratio"].append(mor["median_ms"] / sgd["median_ms"])
                row["bytes_sgd"].append(sgd["allocated_bytes_per_step"])
                row["bytes_morsgd"].append(mor["allocated_bytes_per_step"])
                row["evals"].append(mor["evaluations_per_step"])
                row.setdefault("restarts", []).append(sgd["restarts"] + mor["restarts"])
                print("round %d %-22s PyTorch %8.2f ms  ours SGD %8.2f ms  (x%.2f)  MorSGD %8.2f ms (%.2f x SGD)  load %.1f"
                      % (r + 1, shape, t, sgd["median_ms"], t / sgd["median_ms"], mor["median_ms"], mor["median_ms"] / sgd["median_ms"],
                         os.getloadavg()[0]), flush=True)

        epoch = None
        if not args.no_epoch and data is not None:
            ours_epoch = ours.request("epoch %s" % NETWORKS[0])["seconds"]
            time.sleep(0.2)
            torch_epoch = torch_side.time_epoch(NETWORKS[0])
            epoch = (torch_epoch, ours_epoch)
    finally:
        ours.close()

    print("\n| network | PyTorch SGD step | ours SGD step | PyTorch / ours (range) | ours MorSGD step | MorSGD / SGD (range) | bytes per step (SGD / MorSGD) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for shape in NETWORKS:
        row = results[shape]
        print("| %s | %.2f ms | %.2f ms | **%.2f×** (%.2f–%.2f) | %.2f ms | **%.2f×** (%.2f–%.2f) | %d / %d |" % (
            shape, median(row["torch"]), median(row["sgd"]), median(row["ratio"]), min(row["ratio"]), max(row["ratio"]),
            median(row["morsgd"]), median(row["mor_ratio"]), min(row["mor_ratio"]), max(row["mor_ratio"]),
            max(row["bytes_sgd"]), max(row["bytes_morsgd"])))
    print("\nMorSGD inner-solver evaluations per step: " + ", ".join("%s: %.1f" % (s, median(results[s]["evals"])) for s in NETWORKS))
    print("Steps of ours that diverged and restarted (not timed): " + ", ".join("%s: %d" % (s, sum(results[s]["restarts"])) for s in NETWORKS))
    if epoch is not None:
        print("One Fashion-MNIST SGD epoch of %s (235 steps of batch 256, after a warm-up epoch): PyTorch %.2f s, ours %.2f s (PyTorch / ours %.2f×)"
              % (NETWORKS[0], epoch[0], epoch[1], epoch[0] / epoch[1]))
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    with open(args.json, "w") as f:
        json.dump({"torch_version": torch.__version__, "torch_config": torch.__config__.show(), "openblas": openblas_core(),
                   "openblas_environment": forced, "load_start": load_start, "load_end": os.getloadavg(),
                   "rounds": args.rounds, "steps": dict(zip(NETWORKS, args.steps)), "results": results,
                   "epoch_seconds": None if epoch is None else {"torch": epoch[0], "ours": epoch[1]}}, f, indent=1)
    print("raw results: %s" % args.json)


if __name__ == "__main__":
    sys.exit(main())
