#!/usr/bin/env python3
"""chain_py.py - the mspipe chain written with NumPy/SciPy or with ObsPy, for bench_chain.sh.
usage: chain_py.py numpy|obspy STREAM NPROC FMIN FMAX W1 W2 NOISE_END [mt]
       chain_py.py edges STREAM K FMIN FMAX W1 W2 NOISE_END
Reads the records of an mspipe stream file (the samples mspipe decoded from the same
miniSEED; this reading is NOT timed), then times, in NPROC processes, per trace:
linear detrend, 4-corner Butterworth band-pass (sosfilt), the window [W1, W2] s after
the trace start, and an rms SNR (signal after NOISE_END s over noise before it);
with "mt", also the band-limited SNR the way mssnr computes it for the chain's
options (--noise 1,NOISE_END-W1 --signal NOISE_END-W1,W2-W1-1 --metrics none): the
same two windows (MsPASS's rounding of window bounds), multitaper power spectra
(DPSS, time-bandwidth 4, 6 tapers, nfft = 2 n, scipy's dpss and scipy.fft's rfft (faster here than numpy's), as
MsPASS's MTPowerSpectrumEngine), SNR = sqrt(S/N) on the signal grid and MsPASS's
EstimateBandwidth search for the band edges (vectorized with NumPy here; MsPASS runs
it as a Python loop), the bandwidth in dB and its fraction of the spectrum.
numpy: scipy.signal.detrend, butter(output='sos'), sosfilt, slicing (what ObsPy and
MsPASS call underneath).  obspy: Trace.detrend('linear'), Trace.filter('bandpass'),
Trace.trim.  Prints: traces seconds cpu_seconds (the workers' CPU time, summed: on a
loaded machine a fairer measure than the wall time).
"edges" runs the numpy chain on the first K traces in one process and prints each
trace's low and high band edges (Hz), to check against mssnr's that both chains do
the same work.
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


def mt_spectrum(x, dt):
    """Multitaper power spectral density, Parseval-scaled per sample (MsPASS HEAD's
    MTPowerSpectrumEngine: the sum of squares over df, divided by n)."""
    from scipy.signal.windows import dpss
    from scipy import fft as sfft
    n = len(x)
    if n not in TAPERS:
        TAPERS[n] = dpss(n, 4.0, 6)
    t = TAPERS[n]
    p = (np.abs(sfft.rfft(t * x, 2 * n, axis=1)) ** 2).sum(axis=0)
    df = 1.0 / (2 * n * dt)
    return p * (np.sum(x * x) / (p.sum() * df * n))


def window(y, dt, start, end):
    """msp_snr_window / MsPASS: first = round(start/dt), n = round((end-start)/dt) + 1."""
    first = int(round(start / dt))
    return y[first:first + int(round((end - start) / dt)) + 1]


def estimate_bandwidth(S, dfs, N, dfn, nyquist, thr=2.0, f0=1.0):
    """MsPASS's EstimateBandwidth (mssnr's msp_estimate_bandwidth): (low, high) in Hz,
    (0, 0) when no frequency reaches thr, None when nothing at or below f0 does."""
    nfs, nfn = len(S), len(N)
    idx = np.floor(dfs * np.arange(nfs) / dfn + 0.5)
    inside = idx < nfn
    Nn = N[np.where(inside, idx, 0).astype(np.intp)]
    v = np.where(S <= 0, 1.0, np.where(Nn <= 0, 1e6, S / np.where(Nn <= 0, 1.0, Nn)))
    snr = np.sqrt(np.where(inside, v, 1.0))
    if snr.max() < thr:
        return 0.0, 0.0
    i0 = min(int(round(f0 / dfs)), nfs - 1)
    imax = int(round(0.8 * nyquist / dfs))
    below = np.flatnonzero(snr[i0:min(imax, nfs)] <= thr)
    i = min(i0 + (int(below[0]) if below.size else max(min(imax, nfs) - i0, 0)), nfs - 1)
    if i <= i0:
        above = np.flatnonzero(snr[:i0 + 1] >= thr)
        if not above.size:
            return None
        i = i0 = int(above[-1])
    high = dfs * i
    below = np.flatnonzero(snr[1:i0 + 1] <= thr)
    low = dfs * (int(below[-1]) + 1 if below.size else 0)
    return low, high


def mt_snr(y, dt, ns, ne, ss, se):
    """mssnr --noise ns,ne --signal ss,se --metrics none: the band edges, the
    bandwidth in dB and its fraction (None: no band)."""
    noise, sig = window(y, dt, ns, ne), window(y, dt, ss, se)
    ps, pn = mt_spectrum(sig, dt), mt_spectrum(noise, dt)
    dfs, dfn = 1.0 / (2 * len(sig) * dt), 1.0 / (2 * len(noise) * dt)
    band = estimate_bandwidth(ps, dfs, pn, dfn, 0.5 / dt)
    if band is None or band[1] <= 0:
        return None
    low, high = band
    frange = dfs * (len(ps) - 1)
    db = 20 * np.log10(high / dfs) if low <= 0 else 20 * np.log10(high / low)
    return (low, high, db, (high - low) / frange) if db >= 6.0 else None


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
            mt_snr(y, dt, 1.0, nend - w1, nend - w1, w2 - w1 - 1)
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
            mt_snr(tr.data, dt, 1.0, nend - w1, nend - w1, w2 - w1 - 1)
        n += 1
    return n


def numpy_timed(args):
    return cpu_timed(work_numpy)(args)


def obspy_timed(args):
    return cpu_timed(work_obspy)(args)


WORK = {"numpy": numpy_timed, "obspy": obspy_timed}


def edges(path, k, fmin, fmax, w1, w2, nend):
    """The numpy chain's band edges for the first k traces, one line each."""
    from scipy import signal
    for x, dt in read_stream(path)[:k]:
        sos = signal.butter(4, [fmin, fmax], btype="bandpass", fs=1 / dt, output="sos")
        y = signal.sosfilt(sos, signal.detrend(x, type="linear"))
        y = y[int(round(w1 / dt)):int(round(w2 / dt)) + 1]
        r = mt_snr(y, dt, 1.0, nend - w1, nend - w1, w2 - w1 - 1)
        print("none" if r is None else f"{r[0]:.9g} {r[1]:.9g}")


def main():
    which, path, nproc = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fmin, fmax, w1, w2, nend = map(float, sys.argv[4:9])
    if which == "edges":
        edges(path, nproc, fmin, fmax, w1, w2, nend)
        return
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
