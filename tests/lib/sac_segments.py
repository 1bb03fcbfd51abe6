#!/usr/bin/python3
# sac_segments.py - one line per SAC file in DIR, read from the SAC binary
# header with struct (independent of mspipe): "NET.STA.LOC.CHAN START NPTS"
# with START in epoch seconds to 6 decimals.  Used to compare msindex's
# segments with what mseed2sac wrote.   Usage: sac_segments.py DIR
import calendar, os, struct, sys

d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith('.SAC'):
        continue
    h = open(os.path.join(d, name), 'rb').read(632)
    # Header byte order: nvhdr (int 6, word 76) is 6.
    e = '<' if struct.unpack('<i', h[76 * 4:77 * 4])[0] == 6 else '>'
    f = struct.unpack(e + '70f', h[:280])
    i = struct.unpack(e + '40i', h[280:440])
    s = h[440:]
    def ch(off, n):
        v = s[off:off + n].decode('ascii', 'replace').strip()
        return '' if v == '-12345' else v
    sta, net, loc, chan = ch(0, 8), ch(168, 8), ch(24, 8), ch(160, 8)
    b = f[5]
    year, jday, hh, mm, ss, msec = i[0:6]
    npts = i[9]
    t0 = calendar.timegm((year, 1, 1, hh, mm, ss)) + (jday - 1) * 86400 + msec / 1000.0 + b
    print('%s.%s.%s.%s %.6f %d' % (net, sta, loc, chan, t0, npts))
