# obspy_compare.py MODE ARGS - ObsPy (the reader MsPASS uses) against mspipe.
#   read RECORDS.json DOCS.json: each msread record equals ObsPy's reading of
#     its document's byte range (obspy.read of foff..foff+nbytes, then
#     Stream.merge(method=0, fill_value=0), as MsPASS's _read_data_from_dfile)
#     sample by sample, start time to the microsecond.
#   mseed FILE RECORDS.json: ObsPy reads mssave's miniSEED FILE; its traces are
#     the records (codes, start to the microsecond, samples).
# Run with the ObsPy venv's python (scripts/pyref.sh).  Prints "N ok".
import io, json, sys
import numpy as np
import obspy

mode = sys.argv[1]
if mode == 'read':
    recs = [json.loads(l) for l in open(sys.argv[2])]
    docs = [json.loads(l) for l in open(sys.argv[3])]
    assert len(recs) == len(docs)
    for r, d in zip(recs, docs):
        with open(d['dir'] + '/' + d['dfile'], 'rb') as f:
            f.seek(d['foff'])
            st = obspy.read(io.BytesIO(f.read(d['nbytes'])), format='MSEED')
        st.merge(method=0, fill_value=0)
        assert len(st) == 1, (d['dfile'], len(st))
        tr = st[0]
        x = np.array(r['data'], dtype=np.float64)
        assert np.array_equal(tr.data.astype(np.float64), x), d['dfile']
        assert round(tr.stats.starttime.timestamp * 1e6) == round(r['t0'] * 1e6), d['dfile']
        assert abs(tr.stats.delta - r['dt']) < 1e-12
    print('%d ok' % len(recs))
else:
    st = obspy.read(sys.argv[2], format='MSEED')
    recs = [json.loads(l) for l in open(sys.argv[3])]
    assert len(st) == len(recs), (len(st), len(recs))
    n = 0
    for r in recs:
        m = r['metadata']
        t0 = round(r['t0'] * 1e6)
        tr = [t for t in st if t.stats.station == m['sta'] and t.stats.channel == m['chan']
              and t.stats.location == m.get('loc', '') and round(t.stats.starttime.timestamp * 1e6) == t0]
        assert len(tr) == 1, (m['sta'], m['chan'], t0)
        assert np.array_equal(tr[0].data.astype(np.float64), np.array(r['data'], dtype=np.float64))
        n += 1
    print('%d ok' % n)
