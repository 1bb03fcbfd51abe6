#!/usr/bin/python3
# wfdocs.py - a minimal, independent wf_miniseed document maker for the msread
# tests: one document per run of records with the same net.sta.loc.chan in a
# file (MsPASS's index_mseed_file without time-tear splitting), from the SEED 2
# fixed header and blockette 1000 read here with struct, not with mspipe.
# Usage: wfdocs.py FILE... > docs.jsonl   (an _id per document, deterministic)
import json, os, struct, sys, calendar, hashlib

def rec_info(b):
    be = 1900 <= struct.unpack('>H', b[20:22])[0] <= 2100
    e = '>' if be else '<'
    year, doy, hh, mm, ss, _, frac = struct.unpack(e + 'HHBBBBH', b[20:30])
    nsamp, fac, mult = struct.unpack(e + 'Hhh', b[30:36])
    tcorr, = struct.unpack(e + 'i', b[40:44])
    act = b[36]
    boff, = struct.unpack(e + 'H', b[46:48])
    reclen = None; usec = 0
    while boff:
        typ, nxt = struct.unpack(e + 'HH', b[boff:boff + 4])
        if typ == 1000:
            reclen = 1 << b[boff + 6]
        if typ == 1001:
            usec = struct.unpack('b', b[boff + 5:boff + 6])[0]
        boff = nxt
    if fac > 0 and mult > 0: rate = fac * mult
    elif fac > 0 and mult < 0: rate = -fac / mult
    elif fac < 0 and mult > 0: rate = -mult / fac
    else: rate = 1.0 / (fac * mult)
    t = calendar.timegm((year, 1, 1, hh, mm, ss)) + (doy - 1) * 86400
    us = frac * 100 + usec
    if not (act & 0x02):
        us += tcorr * 100
    sid = tuple(b[i:j].decode().strip() for i, j in ((18, 20), (8, 13), (13, 15), (15, 18)))
    return sid, t * 1000000 + us, rate, nsamp, reclen

for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    path = os.path.abspath(path)
    off = 0; seg = None; segs = []
    while off < len(data):
        sid, t, rate, n, rl = rec_info(data[off:off + 256])
        # a record that goes back in time starts a new segment (a new window)
        pred = seg and seg['last_t'] + round(seg['last_n'] * 1e6 / seg['rate'])
        if seg and seg['sid'] == sid and t >= pred - 0.5e6 / rate:
            seg['end'] = off + rl; seg['last_t'] = t; seg['last_n'] = n
        else:
            seg = dict(sid=sid, foff=off, end=off + rl, t0=t, rate=rate, last_t=t, last_n=n)
            segs.append(seg)
        off += rl
    for s in segs:
        net, sta, loc, chan = s['sid']
        last = s['last_t'] + round((s['last_n'] - 1) * 1e6 / s['rate'])
        npts = round((last - s['t0']) / 1e6 * s['rate']) + 1
        oid = hashlib.sha1(('%s:%d' % (path, s['foff'])).encode()).hexdigest()[:24]
        d = {'_id': {'$oid': oid}, 'net': net, 'sta': sta, 'chan': chan}
        if loc: d['loc'] = loc
        d.update(sampling_rate=s['rate'], delta=1.0 / s['rate'], starttime=s['t0'] / 1e6,
                 npts=npts, endtime=s['t0'] / 1e6 + (npts - 1) / s['rate'],
                 foff=s['foff'], nbytes=s['end'] - s['foff'], storage_mode='file',
                 format='mseed', dir=os.path.dirname(path), dfile=os.path.basename(path),
                 time_standard='UTC')
        print(json.dumps(d))
