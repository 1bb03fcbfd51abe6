#!/usr/bin/env python3
"""chain_py.py - the mspipe chain written with NumPy/SciPy or with ObsPy, for bench_chain.sh.
usage: chain_py.py numpy|obspy|mspass STREAM NPROC FMIN FMAX W1 W2 NOISE_END [mt]
       chain_py.py edges|mspass-edges STREAM K FMIN FMAX W1 W2 NOISE_END
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
Trace.trim.  mspass: MsPASS's own algorithms on mspasspy TimeSeries objects (UTC, the
record's t0 and dt): mspasspy.algorithms.signals.detrend(type="linear") and
filter("bandpass", corners=4) (both run ObsPy's Trace methods on a Trace converted
from and back to the TimeSeries), window.WindowData([t0 + W1, t0 + W2], truncate), and
with "mt", snr.arrival_snr (FD_snr_estimator: MsPASS's C++ MTPowerSpectrumEngine and
EstimateBandwidth) on the same noise and signal windows (from the window's start),
tbp 4, 6 tapers, band_cutoff_snr 2, optional_metrics None, null signals kept, the
two spectrum engines made once per window length and passed in (needs the venv of
scripts/mspass.sh).  Prints: traces seconds cpu_seconds (the workers' CPU
time, summed: on a loaded machine a fairer measure than the wall time).
"edges" runs the numpy chain on the first K traces in one process and prints each
trace's low and high band edges (Hz), to check against mssnr's that both chains do
the same work; "mspass-edges" prints MsPASS's (arrival_snr's Parrival) the same way.
"""
import multiprocessing as mp
import struct
import sys
import time

import numpy as np


def read_stream(path):
    """The samples of every record (stream format of man/man5/mspipe.5), with dt and t0."""
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
        t0, = struct.unpack_from("<d", buf, off + 16)
        x = np.frombuffer(buf, dtype="<f8", count=kind * npts, offset=p).copy()
        out.append((x, dt, t0))
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
    for x, dt, _ in traces:
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
    for x, dt, _ in traces:
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


ENGINES = {}


def engine(start, end, dt):
    """MsPASS's MTPowerSpectrumEngine for a window [start, end] (its length as
    WindowData cuts it), tbp 4, 6 tapers, nfft 2 n, as FD_snr_estimator makes it."""
    from mspasspy.ccore.algorithms.deconvolution import MTPowerSpectrumEngine
    n = int(round((end - start) / dt)) + 1
    if (n, dt) not in ENGINES:
        ENGINES[n, dt] = MTPowerSpectrumEngine(n, 4.0, 6, 2 * n, dt)
    return ENGINES[n, dt]


def mspass_trace(x, dt, t0, fmin, fmax, w1, w2, nend, mt):
    """One trace through MsPASS's algorithms: the windowed TimeSeries, its rms SNR
    and (with mt) arrival_snr's Parrival dict (None: no band)."""
    from mspasspy.ccore.seismic import TimeSeries, TimeReferenceType
    from mspasspy.ccore.algorithms.basic import TimeWindow
    from mspasspy.algorithms.signals import detrend, filter
    from mspasspy.algorithms.window import WindowData
    from mspasspy.algorithms.snr import arrival_snr
    ts = TimeSeries(len(x))
    ts.dt, ts.t0, ts.tref = dt, t0, TimeReferenceType.UTC
    ts.set_live()
    np.asarray(ts.data)[:] = x
    detrend(ts, type="linear")
    filter(ts, "bandpass", freqmin=fmin, freqmax=fmax, corners=4)
    ts = WindowData(ts, t0 + w1, t0 + w2, short_segment_handling="truncate")
    y = np.asarray(ts.data)
    k = int(round((nend - w1) / dt))
    noise, sig = y[:k], y[k:]
    rms = np.sqrt(np.mean(sig * sig)) / np.sqrt(np.mean(noise * noise))
    band = None
    if mt:
        # mssnr --ref starttime: the windows start at the windowed trace's t0 (given
        # as UTC times, which arrival_snr takes as they are, whatever the epoch)
        a = ts.t0
        # the spectrum engines (their Slepian tapers) made once per window length and
        # passed in, as MsPASS's docs advise and as the numpy chain caches its tapers;
        # arrival_snr would otherwise make two for every trace
        ne, se = engine(1.0, nend - w1, dt), engine(nend - w1, w2 - w1 - 1, dt)
        ts = arrival_snr(ts, noise_window=TimeWindow(a + 1.0, a + nend - w1),
                         signal_window=TimeWindow(a + nend - w1, a + w2 - w1 - 1),
                         noise_spectrum_engine=ne, signal_spectrum_engine=se,
                         band_cutoff_snr=2.0, tbp=4.0, ntapers=6, optional_metrics=None,
                         kill_null_signals=False)
        band = ts["Parrival"] if "Parrival" in ts else None
    return ts, rms, band


def work_mspass(args):
    part, nproc, lim, fmin, fmax, w1, w2, nend = args
    traces = TRACES[part::nproc][:lim]
    n = 0
    for x, dt, t0 in traces:
        mspass_trace(x, dt, t0, fmin, fmax, w1, w2, nend, MT)
        n += 1
    return n


def mspass_timed(args):
    return cpu_timed(work_mspass)(args)


def numpy_timed(args):
    return cpu_timed(work_numpy)(args)


def obspy_timed(args):
    return cpu_timed(work_obspy)(args)


WORK = {"numpy": numpy_timed, "obspy": obspy_timed, "mspass": mspass_timed}


def edges(path, k, fmin, fmax, w1, w2, nend):
    """The numpy chain's band edges for the first k traces, one line each."""
    from scipy import signal
    for x, dt, _ in read_stream(path)[:k]:
        sos = signal.butter(4, [fmin, fmax], btype="bandpass", fs=1 / dt, output="sos")
        y = signal.sosfilt(sos, signal.detrend(x, type="linear"))
        y = y[int(round(w1 / dt)):int(round(w2 / dt)) + 1]
        r = mt_snr(y, dt, 1.0, nend - w1, nend - w1, w2 - w1 - 1)
        print("none" if r is None else f"{r[0]:.9g} {r[1]:.9g}")


def mspass_edges(path, k, fmin, fmax, w1, w2, nend):
    """MsPASS's band edges (arrival_snr's Parrival) for the first k traces."""
    for x, dt, t0 in read_stream(path)[:k]:
        _, _, p = mspass_trace(x, dt, t0, fmin, fmax, w1, w2, nend, True)
        ok = p is not None and "low_f_band_edge" in p
        print(f"{p['low_f_band_edge']:.9g} {p['high_f_band_edge']:.9g}" if ok else "none")


def main():
    which, path, nproc = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fmin, fmax, w1, w2, nend = map(float, sys.argv[4:9])
    if which in ("edges", "mspass-edges"):
        (edges if which == "edges" else mspass_edges)(path, nproc, fmin, fmax, w1, w2, nend)
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
