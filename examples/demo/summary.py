#!/usr/bin/env python3
"""summary.py - the demo's closing report, read back from the database with msquery.

usage: summary.py OUT T0 T1 T2 T3 T4 T5   (stage start times, epoch seconds)
Records in, live and dead per pass with the reasons of the dead (grouped by the
algorithm and the message without its numbers), time per stage and throughput.
"""
import collections
import json
import re
import subprocess
import sys

out = sys.argv[1]
t = [float(x) for x in sys.argv[2:8]]


def q(*args):
    r = subprocess.run(["msquery", *args], check=True, capture_output=True, text=True)
    return r.stdout


def count(coll, flt):
    return int(q("--count", coll, json.dumps(flt)).strip())


def reasons(tag):
    c = collections.Counter()
    for line in q("cemetery", json.dumps({"data_tag": tag}), "--fields", "logdata").splitlines():
        logs = json.loads(line).get("logdata") or [{}]
        last = logs[-1]
        msg = re.sub(r"(?<![\w.])[-+]?\d[\d.e+-]*", "N", last.get("error_message", "?"))
        c[f"{last.get('algorithm', '?')}: {msg[:90]}"] += 1
    return c


explain = json.load(open(f"{out}/explain.json"))
n_in = explain["count"]
samples = explain["samples"]
live1 = count("wf_TimeSeries", {"data_tag": "demo"})
dead1 = count("cemetery", {"data_tag": "demo"})
live2 = count("wf_Seismogram", {"data_tag": "demo3c"})
dead2 = count("cemetery", {"data_tag": "demo3c"})
stacks = count("wf_Seismogram", {"data_tag": "demo-stack"}) + count("wf_TimeSeries", {"data_tag": "demo-stack"})
chain_s = t[3] - t[2]

print(f"records in           {n_in} miniSEED segments, {samples / 1e6:.2f} M samples")
print(f"first pass           {live1} live TimeSeries saved, {dead1} dead (buried in cemetery)")
for why, k in reasons("demo").most_common(8):
    print(f"   {k:6d}  {why}")
print(f"second pass          {live2} live Seismograms saved, {dead2} dead")
for why, k in reasons("demo3c").most_common(5):
    print(f"   {k:6d}  {why}")
print(f"stacks               {stacks} (one per event, merged from partial stacks)")
print(f"accounted for        {live1 + dead1} of {n_in} records in the first pass")
print("time                 data %.1f s, index %.1f s, chain %.1f s, second pass %.1f s, plots %.1f s"
      % (t[1] - t[0], t[2] - t[1], chain_s, t[4] - t[3], t[5] - t[4]))
print("chain throughput     %.0f records/s, %.1f M samples/s (read to save, all partitions)"
      % (n_in / chain_s, samples / chain_s / 1e6))
