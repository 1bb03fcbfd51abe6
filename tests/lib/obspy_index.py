#!/usr/bin/env python3
# obspy_index.py - what MsPASS would store for the files given, computed with
# ObsPy (the reader MsPASS's save_inventory / save_catalog use), one canonical
# line per document, for comparison with msindex's database.
#   obspy_index.py channel FILE.xml...   net.sta.loc.chan lat lon elev_km edepth hang vang start end
#   obspy_index.py source FILE.xml...    event_id time lat lon depth_km magnitude magnitude_type
#   obspy_index.py traces FILE.mseed...  net.sta.loc.chan start npts (one per contiguous trace)
# Run with the ObsPy venv's python (scripts/pyref.sh).
import sys
import obspy

OPEN_END = obspy.UTCDateTime(2051, 1, 1).timestamp


def ts(t, default):
    return default if t is None else t.timestamp


def f(x):
    return 'none' if x is None else '%.6f' % x


kind, files = sys.argv[1], sys.argv[2:]
out = []
if kind == 'channel':
    for path in files:
        inv = obspy.read_inventory(path)
        for net in inv:
            for sta in net:
                for ch in sta:
                    vang = None if ch.dip is None else ch.dip + 90.0
                    out.append('%s.%s.%s.%s %s %s %s %s %s %s %s %s' % (
                        net.code, sta.code, ch.location_code, ch.code,
                        f(ch.latitude), f(ch.longitude), f(ch.elevation / 1000.0),
                        f(ch.depth), f(ch.azimuth), f(vang),
                        f(ts(ch.start_date, 0.0)), f(ts(ch.end_date, OPEN_END))))
elif kind == 'source':
    for path in files:
        for ev in obspy.read_events(path):
            o = ev.preferred_origin() or ev.origins[0]
            m = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
            eid = str(ev.resource_id).split('eventid=')[-1]
            depth = 0.0 if o.depth is None else o.depth / 1000.0
            out.append('%s %s %s %s %s %s %s' % (
                eid, f(o.time.timestamp), f(o.latitude), f(o.longitude), f(depth),
                f(m.mag if m else None), (m.magnitude_type if m else 'none')))
elif kind == 'traces':
    for path in files:
        for tr in obspy.read(path, format='MSEED'):
            out.append('%s %.6f %d' % (tr.id, tr.stats.starttime.timestamp, tr.stats.npts))
else:
    sys.exit('obspy_index.py: unknown kind %s' % kind)
print('\n'.join(sorted(set(out))))
