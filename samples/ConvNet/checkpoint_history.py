#!/usr/bin/python3
"""Prints the per-epoch history a ConvNet (or MLP) checkpoint holds, as a Markdown table.

The sample writes epochs.csv only when a run ends; a long run's checkpoint (saved after every epoch) already holds
the records epoch by epoch (the metadata key "history": epoch, train loss, train accuracy, test loss, test accuracy,
train seconds, evaluation seconds; see samples/Mlp/Training.cs). Usage:
    /usr/bin/python3 samples/ConvNet/checkpoint_history.py OUT/sgd.ckpt [OUT/morsgd.ckpt ...]
"""
import re
import sys


def history(path):
    data = open(path, "rb").read()
    at = data.find(b"history")
    if at < 0:
        raise SystemExit("%s: no training history" % path)
    length = int.from_bytes(data[at + 7:at + 11], "little")
    text = data[at + 11:at + 11 + length].decode("ascii")
    method = re.search(rb"method\x03\x00\x00\x00(sgd)|method\x06\x00\x00\x00(morsgd)", data)
    name = (method.group(1) or method.group(2)).decode() if method else path
    return name, [record.split(",") for record in text.split(";")]


def main(paths):
    print("| method | epoch | train loss | train acc % | test loss | test acc % | train s | eval s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for path in paths:
        name, records = history(path)
        for e, train_loss, train_acc, test_loss, test_acc, train_s, eval_s in records:
            print("| %s | %s | %.4f | %.2f | %.4f | %.2f | %.0f | %.0f |" % (
                name, e, float(train_loss), 100 * float(train_acc), float(test_loss), 100 * float(test_acc), float(train_s), float(eval_s)))


if __name__ == "__main__":
    main(sys.argv[1:])
