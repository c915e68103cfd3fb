#!/usr/bin/env python3
"""Shares of a frame's time by its direct callees, from a dotnet-trace profile converted to Speedscope.

    ~/.dotnet/tools/dotnet-trace collect --profile dotnet-sampled-thread-time -o run.nettrace -- \
        benchmarks/MoreauGen.GeneratorBenchmarks/bin/Release/net10.0/MoreauGen.GeneratorBenchmarks --phases --shapes overwrite --sizes 10000 --reps 5
    ~/.dotnet/tools/dotnet-trace convert run.nettrace --format Speedscope -o run.json
    python3 benchmarks/trace-shares.py run.speedscope.json "MoreauGen.Generator.Parsing.BodyParser.Parse(" [depth]

Prints, for the outermost occurrence of the frame whose name starts with the given prefix, the share of its time
spent under each callee path of the given depth (default 1). With "inclusive" as the depth, and optionally a second
prefix, the inclusive share of every frame below it, leaving out the stacks that pass through the second prefix
(e.g. "Microsoft.CodeAnalysis.CSharp.MemberSemanticModel.GetOperationWorker": the parser's own walk alone).
"""
import collections
import json
import sys

profile = json.load(open(sys.argv[1]))
root = sys.argv[2]
inclusive = len(sys.argv) > 3 and sys.argv[3] == "inclusive"
depth = 1 if inclusive or len(sys.argv) <= 3 else int(sys.argv[3])
exclude = sys.argv[4] if inclusive and len(sys.argv) > 4 else None
frames = [f["name"].split("!")[-1] for f in profile["shared"]["frames"]]
stacks = collections.Counter()
for thread in profile["profiles"]:
    stack, last = [], None
    for event in thread["events"]:
        if last is not None and stack:
            stacks[tuple(stack)] += event["at"] - last
        last = event["at"]
        if event["type"] == "O":
            stack.append(event["frame"])
        else:
            stack.pop()

callees, total = collections.Counter(), 0.0
for stack, weight in stacks.items():
    names = [frames[i] for i in stack]
    at = next((i for i, n in enumerate(names) if n.startswith(root)), None)
    if at is None:
        continue
    below = names[at + 1:]
    if exclude is not None and any(n.startswith(exclude) for n in below):
        continue
    total += weight
    if inclusive:
        for name in set(below):
            callees[(name,)] += weight
    else:
        callees[tuple(below[:depth]) or ("<self>",)] += weight

print(f"{root}: {total:.1f} ms of samples")
for path, weight in callees.most_common():
    if weight / total > 0.005:
        print(f"{100 * weight / total:5.1f} %  " + " > ".join(p[:110] for p in path))
