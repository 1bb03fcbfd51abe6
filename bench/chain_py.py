#!/usr/bin/env python3
"""chain_py.py - the mspipe chain written with NumPy/SciPy or with ObsPy, for bench_chain.sh.

usage: chain_py.py numpy|obspy STREAM NPROC FMIN FMAX W1 W2 NOISE_END

Reads the records of an mspipe stream file (the samples mspipe decoded from the same
miniSEED; this reading is NOT timed), then times, in NPROC processes, per trace:
linear detrend, 4-corner Butterworth band-pass (sosfilt), the window [W1, W2] s after
the trace start, and an rms SNR (signal after NOISE_END s over noise before it).
numpy: scipy.signal.detrend, butter(output='sos'), sosfilt, slicing (what ObsPy and
MsPASS call underneath).  obspy: Trace.detrend('linear'), Trace.filter('bandpass'),
Trace.trim.  Prints: traces seconds.
"""
import multiprocessing as mp
import struct
import sys
import time

import numpy as np


def read_stream(path):
    """The samples of every record (stream format of man/man5/mspipe.5), with dt."""
    out = []
    with open(path, "rb") as f:
        buf = f.read()
    off = 0
    while off < len(buf):
        magic = buf[off:off + 4]
        if magic == b"MSPE":
            off += 24
            continue
        if magic != b"MSPR":
            raise SystemExit(f"not an mspipe record at byte {off}")
        kind, = struct.unpack_from("<H", buf, off + 6)
        meta_len, = struct.unpack_from("<I", buf, off + 12)
        dt, = struct.unpack_from("<d", buf, off + 24)
        npts, = struct.unpack_from("<Q", buf, off + 40)
        elog_len, hist_len = struct.unpack_from("<II", buf, off + 48)
        p = off + 64 + meta_len + elog_len + hist_len
        x = np.frombuffer(buf, dtype="<f8", count=kind * npts, offset=p).copy()
        out.append((x, dt))
        off = p + 8 * kind * npts + 4
    return out


TRACES = []   # filled before the pool forks: the workers inherit it, nothing is pickled


def work_numpy(args):
    part, nproc, lim, fmin, fmax, w1, w2, nend = args
    traces = TRACES[part::nproc][:lim]
    from scipy import signal
    sos_cache = {}
    snrs = []
    for x, dt in traces:
        if dt not in sos_cache:
            sos_cache[dt] = signal.butter(4, [fmin, fmax], btype="bandpass", fs=1 / dt, output="sos")
        y = signal.detrend(x, type="linear")
        y = signal.sosfilt(sos_cache[dt], y)
        y = y[int(round(w1 / dt)):int(round(w2 / dt)) + 1]
        k = int(round((nend - w1) / dt))
        noise, sig = y[:k], y[k:]
        snrs.append(np.sqrt(np.mean(sig * sig)) / np.sqrt(np.mean(noise * noise)))
    return len(snrs)


def work_obspy(args):
    part, nproc, lim, fmin, fmax, w1, w2, nend = args
    traces = TRACES[part::nproc][:lim]
    from obspy import Trace, UTCDateTime
    n = 0
    t0 = UTCDateTime(0)
    for x, dt in traces:
        tr = Trace(data=x.copy(), header={"delta": dt, "starttime": t0})
        tr.detrend("linear")
        tr.filter("bandpass", freqmin=fmin, freqmax=fmax, corners=4)
        tr.trim(t0 + w1, t0 + w2)
        k = int(round((nend - w1) / dt))
        noise, sig = tr.data[:k], tr.data[k:]
        _ = np.sqrt(np.mean(sig * sig)) / np.sqrt(np.mean(noise * noise))
        n += 1
    return n


def main():
    which, path, nproc = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fmin, fmax, w1, w2, nend = map(float, sys.argv[4:9])
    TRACES.extend(read_stream(path))
    fn = work_numpy if which == "numpy" else work_obspy
    ctx = mp.get_context("fork")
    with ctx.Pool(nproc) as pool:
        pool.map(fn, [(i, nproc, 1, fmin, fmax, w1, w2, nend) for i in range(nproc)])  # warm up imports
        t = time.perf_counter()
        n = sum(pool.map(fn, [(i, nproc, len(TRACES), fmin, fmax, w1, w2, nend) for i in range(nproc)]))
        el = time.perf_counter() - t
    print(n, f"{el:.4f}")


if __name__ == "__main__":
    main()
