#!/usr/bin/python3
# compare_traces.py TRACES.jsonl < RECORDS.jsonl - every live record (msinfo
# --samples) against libmseed's traces (mseed_dump) of the same file (the
# record's dfile, else any file): the record's start is the
# start of a trace of its channel to the microsecond; every trace of that
# channel inside the record's span sits at index round((start - t0) * rate)
# with identical samples; every sample no trace covers is 0 (a zero-filled gap).
# Prints "N records match libmseed" or the first difference; exit 1 on one.
import json, sys

traces = {}
for line in open(sys.argv[1]):
    t = json.loads(line)
    traces.setdefault(t['sid'], []).append(t)
n = bad = 0
for line in sys.stdin:
    r = json.loads(line)
    if not r['live']:
        continue
    m = r['metadata']
    sid = '%s_%s_%s_%s' % (m['net'], m['sta'], m.get('loc', ''), m['chan'])
    t0us = round(r['t0'] * 1e6)
    x = r['data']
    end_us = t0us + round((len(x) - 1) * r['dt'] * 1e6)
    f = m.get('dfile')
    same = [t for t in traces.get(sid, []) if t['file'] == f] or traces.get(sid, [])
    inside = [t for t in same if t0us <= t['start_us'] <= end_us]
    covered = [False] * len(x)
    ok = any(t['start_us'] == t0us for t in inside)
    why = 'no libmseed trace of %s starts at %d us' % (sid, t0us)
    for t in inside:
        i = round((t['start_us'] - t0us) / 1e6 * t['rate'])
        s = t['samples']
        if i + len(s) > len(x) or x[i:i + len(s)] != [float(v) for v in s]:
            ok, why = False, '%s: trace at %d us differs' % (sid, t['start_us'])
            break
        for k in range(i, i + len(s)):
            covered[k] = True
    if ok and any(not c and v != 0 for c, v in zip(covered, x)):
        ok, why = False, '%s: a sample outside every trace is not 0' % sid
    if not ok:
        print(why)
        bad += 1
    n += 1
print('%d records match libmseed' % n if not bad else '%d of %d records differ' % (bad, n))
sys.exit(1 if bad or n == 0 else 0)
