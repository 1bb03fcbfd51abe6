#!/usr/bin/env python3
"""canon.py - a canonical dump of saved records, for "same result" comparisons.

usage: msread < DOCS | msinfo --samples | canon.py > OUT
Drops what legitimately differs between runs of the same work (ids, file names
and offsets, tags, process ids, history), sorts the records by net, sta, loc,
chan and t0, and prints one JSON line each with the samples exactly as read.
"""
import json
import sys

VOLATILE = {"_id", "dir", "dfile", "foff", "nbytes", "data_tag", "elog_id",
            "history_object_id", "wf_TimeSeries_id", "wf_Seismogram_id", "cemetery_id"}
recs = []
for line in sys.stdin:
    r = json.loads(line)
    md = {k: v for k, v in r["metadata"].items() if k not in VOLATILE}
    elog = [{k: v for k, v in e.items() if k != "pid"} for e in r["elog"]]
    key = tuple(str(md.get(k, "")) for k in ("net", "sta", "loc", "chan")) + (r["t0"],)
    recs.append((key, {"t0": r["t0"], "dt": r["dt"], "npts": r["npts"], "live": r["live"],
                       "metadata": md, "elog": elog, "data": r.get("data")}))
recs.sort(key=lambda x: x[0])
for _, r in recs:
    print(json.dumps(r, sort_keys=True))
