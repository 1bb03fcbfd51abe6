#!/usr/bin/env python3
"""chain_py.py - the mspipe chain written with NumPy/SciPy or with ObsPy, for bench_chain.sh.

usage: chain_py.py numpy|obspy STREAM NPROC FMIN FMAX W1 W2 NOISE_END [mt]

Reads the records of an mspipe stream file (the samples mspipe decoded from the same
miniSEED; this reading is NOT timed), then times, in NPROC processes, per trace:
linear detrend, 4-corner Butterworth band-pass (sosfilt), the window [W1, W2] s after
the trace start, and an rms SNR (signal after NOISE_END s over noise before it);
with "mt", also the band-limited SNR as MsPASS's arrival_snr computes it: multitaper
power spectra (DPSS, time-bandwidth 4, 6 tapers, nfft = 2 n, scipy's dpss and numpy's
rfft, as MsPASS's MTPowerSpectrumEngine) of the noise and signal windows, sqrt(S/N)
on the signal grid and its median inside the filter band (the work mssnr does).
numpy: scipy.signal.detrend, butter(output='sos'), sosfilt, slicing (what ObsPy and
MsPASS call underneath).  obspy: Trace.detrend('linear'), Trace.filter('bandpass'),
Trace.trim.  Prints: traces seconds cpu_seconds (the workers' CPU time, summed: on a
loaded machine a fairer measure than the wall time).
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


MT = False
TAPERS = {}


def mt_spectrum(x):
    """Multitaper power spectrum, Parseval-scaled per sample (MsPASS HEAD)."""
    from scipy.signal.windows import dpss
    n = len(x)
    if n not in TAPERS:
        TAPERS[n] = dpss(n, 4.0, 6)
    t = TAPERS[n]
    p = (np.abs(np.fft.rfft(t * x, 2 * n, axis=1)) ** 2).sum(axis=0)
    return p * (np.sum(x * x) / (p.sum() * n))


def mt_snr(noise, sig, dt, fmin, fmax):
    ps, pn = mt_spectrum(sig), mt_spectrum(noise)
    fs = np.fft.rfftfreq(2 * len(sig), dt)
    fn = np.fft.rfftfreq(2 * len(noise), dt)
    r = np.sqrt(np.maximum(ps, 0) / np.maximum(np.interp(fs, fn, pn), 1e-300))
    band = (fs >= fmin) & (fs <= fmax)
    return float(np.median(r[band]))


def cpu_timed(fn):
    """fn's result and the CPU seconds the worker spent in it."""
    def run(args):
        c = time.process_time()
        n = fn(args)
        return n, time.process_time() - c
    return run


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
        if MT:
            mt_snr(noise, sig, dt, fmin, fmax)
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
        if MT:
            mt_snr(noise, sig, dt, fmin, fmax)
        n += 1
    return n


def numpy_timed(args):
    return cpu_timed(work_numpy)(args)


def obspy_timed(args):
    return cpu_timed(work_obspy)(args)


WORK = {"numpy": numpy_timed, "obspy": obspy_timed}


def main():
    which, path, nproc = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fmin, fmax, w1, w2, nend = map(float, sys.argv[4:9])
    global MT
    MT = len(sys.argv) > 9 and sys.argv[9] == "mt"
    TRACES.extend(read_stream(path))
    fn = WORK[which]
    ctx = mp.get_context("fork")
    with ctx.Pool(nproc) as pool:
        pool.map(fn, [(i, nproc, 1, fmin, fmax, w1, w2, nend) for i in range(nproc)])  # warm up imports
        t = time.perf_counter()
        r = pool.map(fn, [(i, nproc, len(TRACES), fmin, fmax, w1, w2, nend) for i in range(nproc)])
        el = time.perf_counter() - t
    print(sum(x[0] for x in r), f"{el:.4f}", f"{sum(x[1] for x in r):.4f}")


if __name__ == "__main__":
    main()
