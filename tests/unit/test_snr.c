/*
 * test_snr.c - msp_snr against independent references: DPSS tapers against
 * scipy.signal.windows.dpss, multitaper spectra against numpy, the band
 * search and band statistics against a literal Python transcription of
 * MsPASS's EstimateBandwidth / BandwidthStatistics / VectorStatistics, the
 * filtered metrics against scipy (butter + sosfilt + hilbert), and the
 * amplitude metrics and snr() against their definitions.  The Python parts
 * run /usr/bin/python3 (numpy, scipy); they are skipped if it is missing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "msp_snr.h"
#include "msp_status.h"

static char dir[64];
static int have_py;

static uint64_t rng = 4242;
static double unif(void)
{
	return (double)(tap_xorshift(&rng) >> 11) / 9007199254740992.0;
}
static double gauss(void)
{
	return sqrt(-2 * log(unif() + 1e-300)) * cos(2 * M_PI * unif());
}

static void wr(const char *name, const double *x, size_t n)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	fwrite(x, sizeof *x, n, f);
	fclose(f);
}

static size_t rd(const char *name, double *x, size_t max)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	if (!f)
		return 0;
	size_t n = fread(x, sizeof *x, max, f);
	fclose(f);
	return n;
}

static int py(const char *script)
{
	char p[128], cmd[256];
	snprintf(p, sizeof p, "%s/s.py", dir);
	FILE *f = fopen(p, "w");
	fprintf(f, "import numpy as np, sys, os\nos.chdir(%s%s%s)\n%s", "'", dir, "'", script);
	fclose(f);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", p);
	return system(cmd);
}

static void test_amplitudes(void)
{
	double x[] = {3, -7, 1, -2, 5, 0, 4, -6, 8, -9}; /* |x| sorted: 0 1 2 3 4 5 6 7 8 9 */
	near(msp_amp_peak(x, 10), 9, 0, "peak = max|x|");
	near(msp_amp_rms(x, 10), sqrt(285.0 / 10), 1e-15, "rms");
	near(msp_amp_mad(x, 10, NULL), 5, 0, "MsPASS mad = |x| sorted at floor(0.5 n) = 5");
	near(msp_amp_perc(x, 10, 95.0, NULL), 9, 0, "perc 95 (percent) -> floor(9.5) = 9");
	near(msp_amp_perc(x, 10, 0.31, NULL), 3, 0, "perc 0.31 (fraction) -> element 3");
	near(msp_amp_perc(x, 10, 1.0, NULL), 9, 0, "perc 1.0 clamps to the last element");
	near(msp_safe_snr(2, 0), 999999.9, 0, "noise 0, signal > 0 -> 999999.9");
	near(msp_safe_snr(0, 0), -1, 0, "both 0 -> -1");
	is(msp_amp_metric_from_name("perc"), MSP_AMP_PERC, "metric names");
	is(msp_amp_metric_from_name("median"), -1, "unknown metric");

	/* snr(): rms of a sine of amplitude 3 over noise-free zeros and a known noise */
	enum { N = 4001 };
	double y[N];
	for (int i = 0; i < N; i++) {
		double t = -200 + 0.1 * i;
		y[i] = (t < -5 ? 0.5 * (i % 2 ? 1 : -1) : 3 * sin(2 * M_PI * 0.5 * t));
	}
	double s;
	is(msp_snr_time(y, N, -200, 0.1, -130, -5.5, -5, 120, MSP_AMP_RMS, MSP_AMP_RMS, 95, &s), MSP_OK,
	   "snr()");
	near(s, (3 / sqrt(2)) / 0.5, 0.02, "rms snr of a sine over +-0.5 = 4.243 (got %g)", s);
	is(msp_snr_time(y, N, -200, 0.1, -250, -5, -5, 120, 0, 0, 95, &s), MSP_ERR_DATA,
	   "window starting before the data refused");
	is(msp_snr_time(y, N, -200, 0.1, -130, -5, -5, 200.06, 0, 0, 95, &s), MSP_ERR_DATA,
	   "window ending at the last sample refused (strictly inside)");
}

static void test_dpss(void)
{
	static const struct { int n; double nw; int k; } cases[] = {
		{101, 4, 6}, {2501, 4, 6}, {64, 2.5, 5}, {1000, 5, 8}, {7, 1.5, 3}};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		int n = cases[c].n, k = cases[c].k;
		double nw = cases[c].nw;
		double *t = malloc((size_t)n * k * sizeof *t), *ref = malloc((size_t)n * k * sizeof *ref);
		is(msp_dpss(n, nw, k, t, NULL), MSP_OK, "dpss(%d, %g, %d)", n, nw, k);
		if (!have_py) {
			free(t);
			free(ref);
			continue;
		}
		char script[512];
		snprintf(script, sizeof script,
		         "from scipy.signal.windows import dpss\n"
		         "dpss(%d, %.17g, %d).astype('<f8').tofile('dpss.bin')\n", n, nw, k);
		py(script);
		size_t got = rd("dpss.bin", ref, (size_t)n * k);
		double md = 0;
		for (size_t i = 0; i < got; i++)
			md = fmax(md, fabs(t[i] - ref[i]));
		ok(got == (size_t)n * k && md < 1e-8, "dpss(%d, %g, %d) = scipy to %.2g", n, nw, k, md);
		free(t);
		free(ref);
	}
	is(msp_dpss(1, 4, 1, NULL, NULL), MSP_ERR_INVAL, "n < 2 refused");
}

/* The ways of computing the spectra: FFTW's r2c of 2n (2n 31-smooth),
 * Rader's and Bluestein's chirp-z (a larger prime factor), with even and odd taper
 * counts, and lengths that repeat (the cached plans), against numpy's rfft. */
static void test_mtspec_lengths(msp_snr *h)
{
	/* 1019 and 3881 take Bluestein's split into 3 transforms of a power of
	 * two (split_len), 881 and 251 Rader's (prime, n - 1 13-smooth), with odd
	 * taper counts and vector tails */
	static const int ns[] = {881, 1024, 681, 3881, 881, 5, 1000, 8081, 881, 1019, 251};
	static const int ks[] = {6, 6, 5, 6, 6, 3, 7, 6, 5, 6, 7};
	if (!have_py)
		return;
	for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
		int n = ns[c], k = ks[c];
		double *x = malloc((size_t)n * sizeof *x), *spec = malloc((size_t)(n + 1) * sizeof *spec),
		       *ref = malloc((size_t)(n + 1) * sizeof *ref), df;
		for (int i = 0; i < n; i++)
			x[i] = gauss() + 3 * sin(0.3 * i) + 1e-3 * i;
		double tbp = k > 3 ? 4.0 : 2.0;
		int rc = msp_snr_mtspec(h, x, (size_t)n, 0.05, tbp, k, spec, &df);
		wr("x.bin", x, (size_t)n);
		char code[512];
		snprintf(code, sizeof code,
		         "from scipy.signal.windows import dpss\n"
		         "x = np.fromfile('x.bin'); n = len(x); dt = 0.05; nfft = 2 * n\n"
		         "t = dpss(n, %g, %d)\n"
		         "P = sum(abs(np.fft.rfft(w * x, nfft)) ** 2 for w in t)\n"
		         "df = (1 / (2 * dt)) / (nfft // 2)\n"
		         "P *= np.sum(x * x) / (P.sum() * df) / n\n"
		         "P.astype('<f8').tofile('p.bin')\n", tbp, k);
		py(code);
		size_t got = rd("p.bin", ref, (size_t)n + 1);
		double mr = 0;
		for (size_t i = 0; i < got; i++)
			mr = fmax(mr, fabs(spec[i] - ref[i]) / (fabs(ref[i]) + 1e-300 + 1e-12 * ref[0]));
		ok(rc == MSP_OK && got == (size_t)n + 1 && mr < 1e-9,
		   "multitaper psd, n=%d (2n's largest prime factor decides the method), %d tapers = numpy to %.2g",
		   n, k, mr);
		free(x);
		free(spec);
		free(ref);
	}
}

/* The spectra's transforms against the definition, without Python: each
 * taper's 2n-point DFT summed term by term in long double (angles reduced
 * exactly, j k mod 2n), the tapers from msp_dpss (checked against scipy
 * above), the same Parseval scaling.  The lengths cover each path: primes
 * whose n - 1 has no prime factor above 13 take Rader's (37 the least, 53
 * with 13, 241, 881 as in the chain, 2311 = 2 3 5 7 11 + 1 five
 * dimensions), other primes and composites with a large prime factor take
 * Bluestein's (47 and 59: n - 1 = 2 x 23 and 2 x 29; 681 = 3 x 227 the
 * power-of-two length; 1019 and 2047 = 23 x 89 the 3-way split; 2049 =
 * 3 x 683 and 2053, 2052 = 4 x 27 x 19, above 2048 the multidimensional
 * convolution of 3 x 5 x 13 x 32, see crt_len), small ones FFTW's real
 * transform (2, 31); taper counts odd (a lone last taper), even and 1. */
/* the definition: 2n-point DFTs of the tapered x summed term by term in long
 * double (angles reduced exactly, j k mod 2n), Parseval-scaled as
 * msp_snr_mtspec; the worst relative difference from spec over 0..n */
static double naive_psd_diff(const double *x, int n, const double *t, int k, const double *spec)
{
	size_t N = 2 * (size_t)n;
	double *ref = calloc((size_t)n + 1, sizeof *ref);
	long double *cs_ = malloc(N * sizeof *cs_), *sn_ = malloc(N * sizeof *sn_);
	for (size_t j = 0; j < N; j++) {
		cs_[j] = cosl(2 * 3.14159265358979323846264338327950288L * (long double)j / (long double)N);
		sn_[j] = sinl(2 * 3.14159265358979323846264338327950288L * (long double)j / (long double)N);
	}
	for (int kk = 0; kk < k; kk++)
		for (size_t b = 0; b <= (size_t)n; b++) {
			long double re = 0, im = 0;
			for (size_t j = 0; j < (size_t)n; j++) {
				long double y = (long double)t[(size_t)kk * n + j] * x[j];
				size_t a = j * b % N;
				re += y * cs_[a];
				im -= y * sn_[a];
			}
			ref[b] += (double)(re * re + im * im);
		}
	double ssq = 0, var = 0, d = (1.0 / (2.0 * 0.05)) / (double)n;
	for (int i = 0; i <= n; i++)
		ssq += ref[i];
	for (int i = 0; i < n; i++)
		var += x[i] * x[i];
	double mr = 0;
	for (int i = 0; i <= n; i++) {
		ref[i] *= var / (ssq * d) / n;
		mr = fmax(mr, fabs(spec[i] - ref[i]) / (fabs(ref[i]) + 1e-12 * ref[0]));
	}
	free(ref), free(cs_), free(sn_);
	return mr;
}

static void test_mtspec_naive(msp_snr *h)
{
	/* the later tests' random inputs stay those they were written with */
	uint64_t keep = rng;
	static const struct { int n, k; double nw; } cs[] = {
		{37, 6, 4},  {53, 5, 4},   {241, 6, 4}, {881, 6, 4}, {881, 1, 4},  {2311, 6, 4},
		{47, 4, 2},  {59, 6, 4},   {681, 6, 4}, {1019, 5, 4}, {2, 1, 0.5}, {31, 3, 2},
		{241, 2, 2}, {37, 7, 4},   {881, 6, 4},  {2047, 6, 4}, {2049, 5, 4}, {2053, 6, 4}};
	for (size_t c = 0; c < sizeof cs / sizeof *cs; c++) {
		int n = cs[c].n, k = cs[c].k;
		double *x = malloc((size_t)n * sizeof *x), *t = malloc((size_t)n * k * sizeof *t);
		double *spec = malloc(((size_t)n + 1) * sizeof *spec), df;
		for (int i = 0; i < n; i++)
			x[i] = gauss() + 2 * cos(0.7 * i) + 1e-2 * i;
		int rc = msp_snr_mtspec(h, x, (size_t)n, 0.05, cs[c].nw, k, spec, &df);
		msp_dpss(n, cs[c].nw, k, t, NULL);
		double mr = naive_psd_diff(x, n, t, k, spec);
		ok(rc == MSP_OK && mr < 1e-10, "psd n=%d, %d tapers, nw %g = the DFT's definition to %.2g", n,
		   k, cs[c].nw, mr);
		free(x), free(t), free(spec);
	}
	/* every length from 32 to 260, 6 tapers: each path, every Rader prime
	 * (37 41 43 53 61 71 73 79 89 97 109 113 127 131 151 157 163 181 193 199
	 * 211 241 251) and the others between them, the cached plans' LRU
	 * turning over */
	double worst = 0;
	int wn = 0, fails = 0;
	for (int n = 32; n <= 260; n++) {
		double *x = malloc((size_t)n * sizeof *x), *t = malloc((size_t)n * 6 * sizeof *t);
		double *spec = malloc(((size_t)n + 1) * sizeof *spec), df;
		for (int i = 0; i < n; i++)
			x[i] = gauss() + sin(0.21 * i);
		fails += msp_snr_mtspec(h, x, (size_t)n, 0.05, 4, 6, spec, &df) != MSP_OK;
		msp_dpss(n, 4, 6, t, NULL);
		double mr = naive_psd_diff(x, n, t, 6, spec);
		if (!(mr <= worst))
			worst = mr, wn = n;
		free(x), free(t), free(spec);
	}
	ok(fails == 0 && worst < 1e-10, "psd of every n in 32..260 = the DFT's definition (worst %.2g, n=%d)",
	   worst, wn);
	rng = keep;
}

static void test_mtspec(msp_snr *h)
{
	enum { N = 777 };
	double x[N], spec[N + 1], ref[N + 1], df;
	for (int i = 0; i < N; i++)
		x[i] = gauss() + 3 * sin(0.3 * i);
	is(msp_snr_mtspec(h, x, N, 0.05, 4, 6, spec, &df), MSP_OK, "mtspec");
	near(df, 1.0 / (2 * N * 0.05), 1e-15, "df = 1/(2 n dt)");
	if (!have_py)
		return;
	wr("x.bin", x, N);
	py("from scipy.signal.windows import dpss\n"
	   "x = np.fromfile('x.bin'); n = len(x); dt = 0.05; nfft = 2 * n\n"
	   "t = dpss(n, 4, 6)\n"
	   "P = sum(abs(np.fft.rfft(w * x, nfft)) ** 2 for w in t)\n"
	   "df = (1 / (2 * dt)) / (nfft // 2)\n"
	   "P *= np.sum(x * x) / (P.sum() * df) / n\n"
	   "P.astype('<f8').tofile('p.bin')\n");
	size_t got = rd("p.bin", ref, N + 1);
	double mr = 0;
	for (size_t i = 0; i < got; i++)
		mr = fmax(mr, fabs(spec[i] - ref[i]) / (fabs(ref[i]) + 1e-300 + 1e-12 * ref[0]));
	ok(got == N + 1 && mr < 1e-9, "multitaper psd = numpy (Parseval-scaled) to %.2g", mr);
	/* Parseval, per sample (MsPASS HEAD): sum(P) df = mean of x^2 */
	double s = 0, v = 0;
	for (int i = 0; i <= N; i++)
		s += spec[i];
	for (int i = 0; i < N; i++)
		v += x[i] * x[i];
	near(s * df, v / N, 1e-9 * v / N, "sum(psd) df = mean square of x");
}

/* MsPASS's Python, transcribed: the reference for the band search and stats. */
static const char *mspass_py =
    "def est(S, dfs, N, dfn, nyq, thr, f0, fmax):\n"
    "    ceil = fmax if fmax else 0.8 * nyq\n"
    "    snr = np.zeros(len(S))\n"
    "    for i in range(len(S)):\n"
    "        f = i * dfs; i_n = int(round(f / dfn))\n"
    "        if i_n < len(N):\n"
    "            Nn = N[i_n]; Sn = S[i]\n"
    "            if Sn <= 0: snr[i] = 1.0\n"
    "            elif Nn <= 0: snr[i] = 1e6\n"
    "            else: snr[i] = Sn / Nn\n"
    "        else: snr[i] = 1.0\n"
    "    snr = np.sqrt(snr)\n"
    "    fr = (len(S) - 1) * dfs\n"
    "    if np.max(snr) < thr: return [0, 0, 0, 0, fr]\n"
    "    i0 = int(round(f0 / dfs)); imax = int(round(ceil / dfs)); i = i0\n"
    "    while i < imax:\n"
    "        if snr[i] <= thr: break\n"
    "        i += 1\n"
    "    if i >= len(snr): i = len(snr) - 1\n"
    "    if i > i0: hf = i * dfs; hs = snr[i]\n"
    "    else:\n"
    "        i = i0\n"
    "        while snr[i] < thr and i >= 0: i -= 1\n"
    "        if i < 0: return [0, 0, 0, 0, 0]\n"
    "        hf = i * dfs; hs = snr[i]; i0 = i\n"
    "    i = i0\n"
    "    while i > 0:\n"
    "        if snr[i] <= thr: break\n"
    "        i -= 1\n"
    "    return [i * dfs, hf, snr[i], hs, fr]\n"
    "def power(P, df, f):\n"
    "    lo = int(f / df)\n"
    "    if lo >= len(P) - 1: return 0.0\n"
    "    return P[lo] + (P[lo + 1] - P[lo]) / df * (f - lo * df)\n"
    "def q(d, which):\n"
    "    n = len(d)\n"
    "    if n < 4: return d[0] if which == 1 else d[n - 1]\n"
    "    k = (n - 1) // 4 if which == 1 else 3 * (n - 1) // 4\n"
    "    r = n % 4\n"
    "    if r == 0: return d[k]\n"
    "    if r == 1: return 0.75 * d[k] + 0.25 * d[k + 1]\n"
    "    if r == 2: return (d[k] + d[k + 1]) / 2.0\n"
    "    return 0.25 * d[k] + 0.75 * d[k + 1]\n"
    "def stats(S, dfs, N, dfn, nyq, bw):\n"
    "    v = []; f = bw[0]\n"
    "    while f < bw[1] and f < nyq:\n"
    "        sa = np.sqrt(max(0, power(S, dfs, f))); na = np.sqrt(max(0, power(N, dfn, f)))\n"
    "        v.append(0.0 if sa <= 0 else (999999.0 if na <= 0 else sa / na)); f += dfs\n"
    "    d = sorted(v); n = len(d)\n"
    "    med = d[n // 2] if n % 2 else (d[n // 2] + d[n // 2 - 1]) / 2\n"
    "    return [med, d[-1], d[0], q(d, 1), q(d, 3), sum(d) / n]\n";

static void test_bandwidth(void)
{
	/* spectra shaped like teleseismic P over microseism noise, on two grids */
	enum { NS = 2501, NN = 2001, TRIALS = 12 };
	double S[NS], Nn[NN], out[TRIALS * 11], ref[TRIALS * 11];
	double dfs = 10.0 / (NS - 1), dfn = 10.0 / (NN - 1), nyq = 10.0;
	double params[TRIALS * 4];
	for (int t = 0; t < TRIALS; t++) {
		double fc = 0.2 + 2.5 * unif(), amp = pow(10, 3 * unif() - 0.5);
		double thr = t % 3 == 0 ? 1.5 : 2.0, f0 = t % 4 == 0 ? 3.0 : 1.0;
		for (int i = 0; i < NN; i++) {
			double f = i * dfn;
			Nn[i] = 1.0 / (1 + f * f) + 50 * exp(-pow((f - 0.2) / 0.05, 2)) +
			        0.05 * fabs(gauss());
		}
		for (int i = 0; i < NS; i++) {
			double f = i * dfs;
			S[i] = 1.0 / (1 + f * f) + amp * exp(-pow((f - fc) / (0.5 + fc), 2)) +
			       0.05 * fabs(gauss());
		}
		if (t == 5)
			for (int i = 0; i < NS; i++)
				S[i] = 0.01 * Nn[i * (NN - 1) / (NS - 1)]; /* no signal anywhere */
		char nm[32];
		snprintf(nm, sizeof nm, "S%d.bin", t);
		wr(nm, S, NS);
		snprintf(nm, sizeof nm, "N%d.bin", t);
		wr(nm, Nn, NN);
		params[t * 4] = thr;
		params[t * 4 + 1] = f0;
		msp_bandwidth bw;
		int rc = msp_estimate_bandwidth(S, NS, dfs, Nn, NN, dfn, nyq, thr, f0, 0, &bw);
		double st[6] = {0};
		int valid = rc == 0 ? msp_bandwidth_stats(S, NS, dfs, Nn, NN, dfn, nyq, &bw, st) : 0;
		double *o = out + t * 11;
		o[0] = bw.low_f, o[1] = bw.high_f, o[2] = bw.low_snr, o[3] = bw.high_snr, o[4] = bw.f_range;
		for (int k = 0; k < 6; k++)
			o[5 + k] = valid ? st[k] : 0;
	}
	if (!have_py) {
		ok(1, "# skip bandwidth reference (no python3)");
		return;
	}
	wr("params.bin", params, TRIALS * 4);
	char script[8192];
	snprintf(script, sizeof script,
	         "%s"
	         "par = np.fromfile('params.bin').reshape(-1, 4); res = []\n"
	         "for t in range(%d):\n"
	         "    S = np.fromfile('S%%d.bin' %% t); N = np.fromfile('N%%d.bin' %% t)\n"
	         "    dfs = 10.0 / (len(S) - 1); dfn = 10.0 / (len(N) - 1)\n"
	         "    bw = est(S, dfs, N, dfn, 10.0, par[t][0], par[t][1], None)\n"
	         "    st = stats(S, dfs, N, dfn, 10.0, bw) if bw[4] > 0 and bw[1] > bw[0] + dfs else [0] * 6\n"
	         "    res += list(bw) + list(st)\n"
	         "np.array(res, dtype='<f8').tofile('bw.bin')\n",
	         mspass_py, TRIALS);
	py(script);
	size_t got = rd("bw.bin", ref, TRIALS * 11);
	int nband = 0;
	for (int t = 0; t < TRIALS && got == TRIALS * 11; t++) {
		double md = 0;
		for (int k = 0; k < 11; k++)
			md = fmax(md, fabs(out[t * 11 + k] - ref[t * 11 + k]) / (1 + fabs(ref[t * 11 + k])));
		nband += out[t * 11 + 1] > 0;
		ok(md < 1e-12, "trial %d: band %.4f-%.4f Hz, median snr %.3f = MsPASS's Python (%.2g)", t,
		   out[t * 11], out[t * 11 + 1], out[t * 11 + 5], md);
	}
	ok(got == TRIALS * 11 && nband >= TRIALS / 2, "reference ran; %d trials found a band", nband);
	ok(out[5 * 11 + 1] == 0 && out[5 * 11 + 4] > 0, "no signal: zero band, f_range kept");

	/* the special cases of the snr ratio, in the vector loop and its tail:
	 * S = 0 gives snr 1, N = 0 gives sqrt(1e6), beyond N's grid snr 1 */
	double s13[13], n13[13];
	for (int i = 0; i < 13; i++)
		s13[i] = 4, n13[i] = 1;
	s13[2] = 0;
	n13[10] = 0;
	msp_bandwidth b1, b2;
	int r1 = msp_estimate_bandwidth(s13, 13, 1.0, n13, 13, 1.0, 12.0, 1.5, 5.0, 0, &b1);
	ok(r1 == 0 && b1.low_f == 2 && b1.low_snr == 1 && b1.high_f == 10 && b1.high_snr == 1000,
	   "S = 0: snr 1 (low edge 2 Hz); N = 0: snr 1000 (high edge 10 Hz, snr %g)", b1.high_snr);
	int r2 = msp_estimate_bandwidth(s13, 13, 1.0, n13, 8, 1.0, 12.0, 1.5, 5.0, 0, &b2);
	ok(r2 == 0 && b2.high_f == 8 && b2.high_snr == 1 && b2.low_f == 2,
	   "beyond the noise grid snr is 1: high edge %g Hz", b2.high_f);
}

static void test_fd(msp_snr *h)
{
	/* unit noise everywhere, a 1 Hz Ricker of amplitude 100 at 10 s: arrival_snr defaults */
	enum { N = 6001 };
	double x[N], dt = 0.05, t0 = -150;
	for (int i = 0; i < N; i++) {
		double t = t0 + i * dt;
		x[i] = gauss();
		double a = M_PI * M_PI * (t - 10) * (t - 10);
		x[i] += 100 * (1 - 2 * a) * exp(-a);
	}
	msp_snr_opts o;
	msp_snr_opts_default(&o);
	msp_snr_result r;
	is(msp_snr_fd(h, x, N, t0, dt, -130, -5, -5, 120, &o, &r), MSP_OK, "FD estimate");
	ok(r.have_band && r.low_f_band_edge < 0.7 && r.high_f_band_edge > 1.5 &&
	   r.high_f_band_edge < 3.5 && r.bandwidth_db > 6,
	   "band %.3f-%.3f Hz (%.1f dB) around the 1 Hz Ricker's peak",
	   r.low_f_band_edge, r.high_f_band_edge, r.bandwidth_db);
	ok(r.have == MSP_SNR_ALL && r.stats_are_valid, "all six optional metrics computed");
	ok(r.median_snr > 2 && r.maximum_snr >= r.q3_4_snr && r.q3_4_snr >= r.median_snr &&
	   r.median_snr >= r.q1_4_snr && r.q1_4_snr >= r.minimum_snr, "stats ordered (median %.2f)",
	   r.median_snr);
	ok(r.snr_filtered_rms > 2 && r.snr_filtered_envelope_peak > r.snr_filtered_rms,
	   "filtered rms %.2f, envelope %.2f", r.snr_filtered_rms, r.snr_filtered_envelope_peak);
	/* the filtered metrics against scipy on the same samples and band */
	if (have_py) {
		wr("fx.bin", x, N);
		double band[3] = {r.low_f_band_edge, r.high_f_band_edge, r.lowpass};
		wr("band.bin", band, 3);
		py("from scipy.signal import butter, sosfilt, hilbert\n"
		   "x = np.fromfile('fx.bin'); fl, fh, lp = np.fromfile('band.bin'); dt = 0.05; t0 = -150\n"
		   "sos = butter(3, fh, 'lowpass', fs=1/dt, output='sos') if lp else "
		   "butter(3, [fl, fh], 'bandpass', fs=1/dt, output='sos')\n"
		   "y = sosfilt(sos, x)\n"
		   "def win(a, b):\n"
		   "    i = int(round((a - t0) / dt)); n = int(round((b - a) / dt)) + 1\n"
		   "    return y[i:i + n]\n"
		   "nz = win(-130, -5); sg = win(-5, 120)\n"
		   "def perc(v, p):\n"
		   "    a = np.sort(np.abs(v)); i = min(int(np.floor(p * len(a))), len(a) - 1); return a[i]\n"
		   "rms = lambda v: np.sqrt(np.mean(v * v))\n"
		   "out = [np.max(np.abs(hilbert(sg))) / np.median(np.abs(hilbert(nz))),\n"
		   "       rms(sg) / rms(nz), np.max(np.abs(sg)) / perc(nz, 0.95),\n"
		   "       perc(sg, 0.5) / perc(nz, 0.5), perc(sg, 0.95) / perc(nz, 0.5)]\n"
		   "np.array(out, dtype='<f8').tofile('fm.bin')\n");
		double ref[5];
		size_t got = rd("fm.bin", ref, 5);
		double mine[5] = {r.snr_filtered_envelope_peak, r.snr_filtered_rms, r.snr_filtered_peak,
		                  r.snr_filtered_mad, r.snr_filtered_perc};
		double md = 0;
		for (int k = 0; k < 5; k++)
			md = fmax(md, fabs(mine[k] - ref[k]) / ref[k]);
		ok(got == 5 && md < 1e-9, "filtered envelope/rms/peak/mad/perc = scipy to %.2g", md);
	}
	/* pure noise: no band, or a band too narrow */
	for (int i = 0; i < N; i++)
		x[i] = gauss();
	msp_snr_fd(h, x, N, t0, dt, -130, -5, -5, 120, &o, &r);
	ok(!r.have_band, "white noise: no signal detected (%.2f dB)", r.bandwidth_db);
	is(msp_snr_fd(h, x, N, t0, dt, -160, -5, -5, 120, &o, &r), MSP_ERR_DATA,
	   "noise window before the data: error");
	ok(strstr(msp_snr_errmsg(h), "noise window") != NULL, "... %s", msp_snr_errmsg(h));
	o.ntapers = 9;
	is(msp_snr_fd(h, x, N, t0, dt, -130, -5, -5, 120, &o, &r), MSP_ERR_INVAL,
	   "ntapers > round(2 tbp) refused");
}

static void test_known_ratio(msp_snr *h)
{
	/* white noise of rms 1 before -5 s and of rms 4 after: the amplitude snr
	 * is 4 at every frequency.  With 15 tapers (tbp 8) the spectral ratio
	 * varies little enough that the walk from f0 never meets the 1.5 cutoff:
	 * the band is 0 to 0.8 Nyquist, and the band statistics and the filtered
	 * rms ratio are 4.  (With 6 tapers and cutoff 2, MsPASS's walk stops at
	 * random places where the ratio of two chi-square(12) spectra dips.) */
	enum { N = 6001 };
	double x[N], dt = 0.05, t0 = -150;
	double med = 0, mean = 0, rms = 0;
	int runs = 10, bands = 0;
	for (int k = 0; k < runs; k++) {
		for (int i = 0; i < N; i++)
			x[i] = gauss() * (t0 + i * dt >= -5 ? 4.0 : 1.0);
		msp_snr_opts o;
		msp_snr_opts_default(&o);
		o.tbp = 8;
		o.ntapers = 15;
		o.band_cutoff_snr = 1.5;
		msp_snr_result r;
		msp_snr_fd(h, x, N, t0, dt, -130, -5, -5, 120, &o, &r);
		bands += r.have_band && r.low_f_band_edge == 0 && fabs(r.high_f_band_edge - 8.0) < 0.01;
		med += r.median_snr / runs;
		mean += r.mean_snr / runs;
		rms += r.snr_filtered_rms / runs;
	}
	ok(bands == runs, "flat snr 4: band 0 to 0.8 Nyquist every time (%d/%d)", bands, runs);
	near(med, 4.0, 0.12, "median_snr %.3f = 4 within 3%%", med);
	near(mean, 4.0, 0.12, "mean_snr %.3f = 4 within 3%%", mean);
	near(rms, 4.0, 0.12, "snr_filtered_rms %.3f = 4 within 3%%", rms);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_snr.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	have_py = access("/usr/bin/python3", X_OK) == 0 &&
	          system("/usr/bin/python3 -c 'import scipy.signal' 2>/dev/null") == 0;
	if (!have_py)
		printf("# /usr/bin/python3 with scipy not found: reference comparisons skipped\n");
	msp_snr *h;
	msp_snr_new(&h);
	test_amplitudes();
	test_dpss();
	test_mtspec(h);
	test_mtspec_naive(h);
	test_mtspec_lengths(h);
	test_bandwidth();
	test_fd(h);
	test_known_ratio(h);
	msp_snr_free(h);
	char cmd[128];
	snprintf(cmd, sizeof cmd, getenv("KEEP") ? "true %s" : "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}
