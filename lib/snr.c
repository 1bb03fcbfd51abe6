/*
 * snr.c - MsPASS's signal-to-noise estimators: amplitude metrics, snr(),
 * DPSS tapers, multitaper spectra (FFTW), EstimateBandwidth,
 * BandwidthStatistics and FD_snr_estimator's optional filtered metrics.
 *
 * Where MsPASS's code has an accident that changes results (the snr curve is
 * built on the signal grid with the noise spectrum sampled at the nearest
 * bin; the band statistics interpolate both spectra linearly on a frequency
 * that accumulates df), the accident is kept, so numbers compare.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "msp_snr.h"
#include "msp_filter.h"
#include "msp_status.h"

/* ------------------------------------------------------------ amplitudes */

static const char *const metric_names[] = {"rms", "mad", "peak", "perc"};

int msp_amp_metric_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, metric_names[i]) == 0)
			return i;
	return -1;
}

const char *msp_amp_metric_name(int m)
{
	return m >= 0 && m < 4 ? metric_names[m] : "unknown";
}

double msp_amp_rms(const double *x, size_t n)
{
	if (!n)
		return 0.0;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i] * x[i];
	return sqrt(s / (double)n);
}

double msp_amp_peak(const double *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double msp_amp_perc(const double *x, size_t n, double p, double *work)
{
	if (!n)
		return 0.0;
	double *w = work ? work : malloc(n * sizeof *w);
	if (!w)
		return NAN;
	for (size_t i = 0; i < n; i++)
		w[i] = fabs(x[i]);
	qsort(w, n, sizeof *w, cmp_d);
	if (p > 1.0)
		p /= 100.0;
	double fi = floor(p * (double)n);
	size_t i = fi < 0 ? 0 : (size_t)fi;
	if (i >= n)
		i = n - 1;
	double v = w[i];
	if (!work)
		free(w);
	return v;
}

double msp_amp_mad(const double *x, size_t n, double *work)
{
	return msp_amp_perc(x, n, 0.5, work);
}

double msp_amp(int metric, const double *x, size_t n, double perc, double *work)
{
	switch (metric) {
	case MSP_AMP_RMS: return msp_amp_rms(x, n);
	case MSP_AMP_MAD: return msp_amp_mad(x, n, work);
	case MSP_AMP_PEAK: return msp_amp_peak(x, n);
	case MSP_AMP_PERC: return msp_amp_perc(x, n, perc, work);
	}
	return NAN;
}

double msp_safe_snr(double s, double n)
{
	if (n == 0.0)
		return s > 0.0 ? 999999.9 : -1.0;
	return s / n;
}

/* --------------------------------------------------------------- windows */

int msp_snr_window(double t0, double dt, size_t npts, double start, double end, size_t *first,
                   size_t *count)
{
	if (!(dt > 0) || !isfinite(start) || !isfinite(end) || end < start)
		return 0;
	double is = round((start - t0) / dt), n = round((end - start) / dt) + 1;
	if (!(is >= 0) || !(is + n <= (double)npts) || n < 1)
		return 0;
	*first = (size_t)is;
	*count = (size_t)n;
	return 1;
}

int msp_snr_window_truncate(double t0, double dt, size_t npts, double start, double end,
                            size_t *first, size_t *count)
{
	if (!(dt > 0) || !isfinite(start) || !isfinite(end) || end < start || !npts)
		return 0;
	double is = round((start - t0) / dt), n = round((end - start) / dt) + 1;
	double ie = is + n; /* one past */
	if (is < 0)
		is = 0;
	if (ie > (double)npts)
		ie = (double)npts;
	if (!(ie > is))
		return 0;
	*first = (size_t)is;
	*count = (size_t)(ie - is);
	return 1;
}

/* ------------------------------------------------------------------ DPSS */

/* Numbers of eigenvalues of the tridiagonal (d, e) below x[0..m), m <= 8
 * (Sturm counts).  The points' recurrences are independent, so their
 * divisions overlap instead of waiting on each other: the DPSS of a 1-hour
 * window's 8081 samples took 20 ms one point at a time, most of it here. */
static void sturm_multi(const double *d, const double *e2, int n, const double *x, int m,
                        double pivmin, int *count)
{
	double q[8];
	int c[8];
	for (int l = 0; l < m; l++) {
		q[l] = d[0] - x[l];
		if (fabs(q[l]) < pivmin)
			q[l] = -pivmin;
		c[l] = q[l] < 0;
	}
	for (int i = 1; i < n; i++) {
		double di = d[i], ei = e2[i];
		for (int l = 0; l < m; l++) {
			double v = di - x[l] - ei / q[l];
			if (fabs(v) < pivmin)
				v = -pivmin;
			q[l] = v;
			c[l] += v < 0;
		}
	}
	for (int l = 0; l < m; l++)
		count[l] = c[l];
}

/* Solve (T - lambda I) y = r in place (r -> y): Gaussian elimination with
 * partial pivoting on the tridiagonal (LAPACK dgtsv's scheme). */
static void tri_solve(const double *d, const double *e, int n, double lambda, double *r,
                      double *b, double *c, double *c2, double tiny)
{
	for (int i = 0; i < n; i++) {
		b[i] = d[i] - lambda;
		c[i] = i + 1 < n ? e[i + 1] : 0.0;
		c2[i] = 0.0;
	}
	for (int i = 0; i < n - 1; i++) {
		double a = e[i + 1]; /* sub-diagonal of row i+1 */
		if (fabs(b[i]) >= fabs(a)) {
			if (b[i] == 0)
				b[i] = tiny;
			double m = a / b[i];
			b[i + 1] -= m * c[i];
			r[i + 1] -= m * r[i];
		} else {
			double m = b[i] / a;
			double bi1 = b[i + 1], ci1 = c[i + 1];
			b[i] = a;
			double ci = c[i];
			c[i] = bi1;
			if (i < n - 2) {
				c2[i] = ci1;
				c[i + 1] = -m * ci1;
			}
			b[i + 1] = ci - m * bi1;
			double t = r[i];
			r[i] = r[i + 1];
			r[i + 1] = t - m * r[i + 1];
		}
	}
	if (b[n - 1] == 0)
		b[n - 1] = tiny;
	r[n - 1] /= b[n - 1];
	if (n > 1)
		r[n - 2] = (r[n - 2] - c[n - 2] * r[n - 1]) / b[n - 2];
	for (int i = n - 3; i >= 0; i--)
		r[i] = (r[i] - c[i] * r[i + 1] - c2[i] * r[i + 2]) / b[i];
}

int msp_dpss(int n, double nw, int k, double *tapers, double *eig)
{
	if (n < 2 || k < 1 || k > n || !(nw > 0))
		return MSP_ERR_INVAL;
	double W = nw / n, cw = cos(2 * M_PI * W);
	double *d = malloc((size_t)n * sizeof *d), *e = malloc((size_t)n * sizeof *e),
	       *e2 = malloc((size_t)n * sizeof *e2), *b = malloc((size_t)n * sizeof *b),
	       *c = malloc((size_t)n * sizeof *c), *c2 = malloc((size_t)n * sizeof *c2);
	if (!d || !e || !e2 || !b || !c || !c2) {
		free(d), free(e), free(e2), free(b), free(c), free(c2);
		return MSP_ERR_NOMEM;
	}
	double lo = INFINITY, hi = -INFINITY, norm = 0;
	for (int i = 0; i < n; i++) {
		double h = (n - 1 - 2.0 * i) / 2.0;
		d[i] = h * h * cw;
		e[i] = i ? (double)i * (double)(n - i) / 2.0 : 0.0;
		e2[i] = e[i] * e[i];
	}
	for (int i = 0; i < n; i++) {
		double r = (i ? fabs(e[i]) : 0) + (i + 1 < n ? fabs(e[i + 1]) : 0);
		lo = fmin(lo, d[i] - r);
		hi = fmax(hi, d[i] + r);
		norm = fmax(norm, fabs(d[i]) + r);
	}
	double pivmin = 1e-300 + norm * 1e-300;
	double tiny = norm * 2.2e-16;
	/* the eigenvalues by bisection, up to 8 side by side (the same steps as
	 * one at a time: each lane stops when it would have) */
	double *lam = malloc((size_t)k * sizeof *lam);
	if (!lam) {
		free(d), free(e), free(e2), free(b), free(c), free(c2);
		return MSP_ERR_NOMEM;
	}
	for (int j0 = 0; j0 < k; j0 += 8) {
		int w = k - j0 < 8 ? k - j0 : 8, live = w, done[8] = {0}, cnt[8];
		double a[8], z[8], mid[8];
		for (int l = 0; l < w; l++) {
			a[l] = lo;
			z[l] = hi;
		}
		for (int it = 0; it < 200 && live; it++) {
			for (int l = 0; l < w; l++) {
				mid[l] = 0.5 * (a[l] + z[l]);
				if (!done[l] && (mid[l] == a[l] || mid[l] == z[l])) {
					done[l] = 1;
					live--;
				}
			}
			if (!live)
				break;
			sturm_multi(d, e2, n, mid, w, pivmin, cnt);
			for (int l = 0; l < w; l++) {
				if (done[l])
					continue;
				int m = n - 1 - (j0 + l); /* ascending index of the j-th largest */
				if (cnt[l] > m)
					z[l] = mid[l];
				else
					a[l] = mid[l];
				if (z[l] - a[l] <= 4e-16 * fmax(fabs(a[l]), fabs(z[l]))) {
					done[l] = 1;
					live--;
				}
			}
		}
		for (int l = 0; l < w; l++)
			lam[j0 + l] = 0.5 * (a[l] + z[l]);
	}
	for (int j = 0; j < k; j++) {
		double lambda = lam[j];
		if (eig)
			eig[j] = lambda;
		double *v = tapers + (size_t)j * (size_t)n;
		/* start vector: the right symmetry and no zero components */
		for (int i = 0; i < n; i++)
			v[i] = 1.0 + 0.1 * sin(0.7 * i + j);
		for (int it = 0; it < 4; it++) {
			tri_solve(d, e, n, lambda, v, b, c, c2, tiny);
			double s = 0;
			for (int i = 0; i < n; i++)
				s += v[i] * v[i];
			s = 1.0 / sqrt(s);
			for (int i = 0; i < n; i++)
				v[i] *= s;
			/* keep orthogonal to the sequences already found (close pairs) */
			for (int q = 0; q < j; q++) {
				const double *u = tapers + (size_t)q * (size_t)n;
				double p = 0;
				for (int i = 0; i < n; i++)
					p += u[i] * v[i];
				for (int i = 0; i < n; i++)
					v[i] -= p * u[i];
			}
			s = 0;
			for (int i = 0; i < n; i++)
				s += v[i] * v[i];
			s = 1.0 / sqrt(s);
			for (int i = 0; i < n; i++)
				v[i] *= s;
		}
		/* scipy's signs */
		if (j % 2 == 0) {
			double s = 0;
			for (int i = 0; i < n; i++)
				s += v[i];
			if (s < 0)
				for (int i = 0; i < n; i++)
					v[i] = -v[i];
		} else {
			double thresh = fmax(1e-7, 1.0 / n);
			for (int i = 0; i < n; i++)
				if (v[i] * v[i] > thresh) {
					if (v[i] < 0)
						for (int q = 0; q < n; q++)
							v[q] = -v[q];
					break;
				}
		}
	}
	free(d), free(e), free(e2), free(b), free(c), free(c2);
	free(lam);
	return MSP_OK;
}

/* ---------------------------------------------------------------- handle */

#define NCACHE 6

typedef struct taper_cache {
	int n, k;
	double nw;
	double *t;
	unsigned long used;
} taper_cache;

typedef struct plan_cache {
	int kind; /* 1: r2c of size n; 2: c2c backward of size n */
	size_t n;
	fftw_plan p;
	double *rin;
	fftw_complex *cin, *cout;
	unsigned long used;
} plan_cache;

/* How the multitaper spectra of one window length n are computed: FFTW's
 * real transform of nfft = 2n when 2n has only small prime factors; else,
 * with two tapers in one complex transform, Rader's algorithm when n is a
 * prime whose n - 1 is 13-smooth (rader_dims), or Bluestein's chirp-z on a
 * length M >= 3n - 1: one smooth transform, 3 of a power of two (split_len)
 * or, above 2048 samples, a multidimensional one (crt_len).  Each way the
 * result is the 2n-point DFT that MsPASS's frequency grid needs, to
 * rounding (test_snr checks each against the DFT's definition). */
typedef struct mt_plan {
	int n, k;          /* window length, tapers */
	double nw;
	size_t M;          /* Bluestein's or Rader's convolution length; 0: the direct r2c path */
	fftw_complex *q;   /* (k+1)/2 pairs x n: (t_2p + i t_2p+1) conj(chirp) */
	fftw_complex *bh;  /* M: the chirp's transform, divided by M */
	fftw_complex *a, *f; /* M each: the premultiplied input (tail kept 0) and its transform */
	fftw_complex *g;   /* M: the convolution (out of place: FFTW's in-place plan copies, ~0.7 us a transform) */
	double *pw;        /* 2n: |Z_k|^2 of a pair (the vector path) */
	size_t L;          /* > 0: M = 3L with L >= n a power of two, done as 3 transforms of L
	                    * (see mt_split); q then holds 3 twiddled copies a pair */
	fftw_complex *tw;  /* split: 2 x 2n, exp(+2 pi i r j / M) for r = 1, 2 (the inverse's combine) */
	fftw_plan fwd, bwd;
	int fma;           /* the AVX2+FMA kernels (the CPU has them): decided once, with the plan */
	/* Rader (n prime, n - 1 13-smooth; see rader_dims): M = n - 1 is the
	 * convolution length, a, f, g hold 2 of them (the even and the odd bins),
	 * q 2 premultipliers a pair (slot order), bh the kernel's transform / M */
	int rader;
	uint32_t *src;     /* M: the sample (g^-q mod n) whose product goes to a slot */
	uint32_t *fpos;    /* 2(n+1): where in acc bins j and 2n - j are (the fold, j = 0..n) */
	double *xg;        /* M: x gathered into slot order */
	double *acc;       /* 2M + 2: the pairs' |.|^2 summed, in slot order (even, odd) with
	                    * each 4's middle two swapped (rader_pos), then bins 0 and 1 */
	fftw_complex *t0;  /* (k+1)/2: a pair's taper value at sample 0 (Rader's y_0 / x_0) */
	/* Bluestein on a multidimensional convolution (crt_len): the slots of
	 * the inputs 0..n-1 and of the outputs 0..2n-1 */
	int crt;
	uint32_t *islot, *oslot;
	unsigned long used;
} mt_plan;

struct msp_snr {
	taper_cache tc[NCACHE];
	plan_cache pc[NCACHE];
	mt_plan mp[NCACHE];
	unsigned long clock;
	char err[512];
	double *work, *work2, *filt;
	size_t wcap, fcap;
	double *spec;     /* the two windows' spectra (msp_snr_fd), scap doubles */
	size_t scap;
	unsigned flags;
};

static void mt_plan_clear(mt_plan *m)
{
	if (m->fwd)
		fftw_destroy_plan(m->fwd);
	if (m->bwd)
		fftw_destroy_plan(m->bwd);
	fftw_free(m->q);
	fftw_free(m->bh);
	fftw_free(m->a);
	fftw_free(m->f);
	fftw_free(m->g);
	fftw_free(m->tw);
	free(m->pw);
	free(m->src);
	free(m->fpos);
	free(m->xg);
	free(m->acc);
	fftw_free(m->t0);
	free(m->islot);
	free(m->oslot);
	memset(m, 0, sizeof *m);
}

int msp_snr_new(msp_snr **out)
{
	msp_snr *h = calloc(1, sizeof *h);
	if (!h)
		return MSP_ERR_NOMEM;
	h->flags = FFTW_ESTIMATE;
	*out = h;
	return MSP_OK;
}

void msp_snr_free(msp_snr *h)
{
	if (!h)
		return;
	for (int i = 0; i < NCACHE; i++) {
		mt_plan_clear(&h->mp[i]);
		free(h->tc[i].t);
		if (h->pc[i].kind) {
			fftw_destroy_plan(h->pc[i].p);
			fftw_free(h->pc[i].rin);
			fftw_free(h->pc[i].cin);
			fftw_free(h->pc[i].cout);
		}
	}
	free(h->work);
	free(h->work2);
	free(h->filt);
	free(h->spec);
	free(h);
}

void msp_snr_set_fftw_flags(msp_snr *h, unsigned flags)
{
	h->flags = flags;
}

const char *msp_snr_errmsg(const msp_snr *h)
{
	return h->err;
}

static const double *get_tapers(msp_snr *h, int n, double nw, int k)
{
	int lru = 0;
	for (int i = 0; i < NCACHE; i++) {
		taper_cache *c = &h->tc[i];
		if (c->t && c->n == n && c->k == k && c->nw == nw) {
			c->used = ++h->clock;
			return c->t;
		}
		if (c->used < h->tc[lru].used)
			lru = i;
	}
	taper_cache *c = &h->tc[lru];
	free(c->t);
	c->t = malloc((size_t)n * (size_t)k * sizeof *c->t);
	if (!c->t || msp_dpss(n, nw, k, c->t, NULL)) {
		free(c->t);
		c->t = NULL;
		return NULL;
	}
	c->n = n;
	c->k = k;
	c->nw = nw;
	c->used = ++h->clock;
	return c->t;
}

static plan_cache *get_plan(msp_snr *h, int kind, size_t n)
{
	int lru = 0;
	for (int i = 0; i < NCACHE; i++) {
		plan_cache *c = &h->pc[i];
		if (c->kind == kind && c->n == n) {
			c->used = ++h->clock;
			return c;
		}
		if (c->used < h->pc[lru].used)
			lru = i;
	}
	plan_cache *c = &h->pc[lru];
	if (c->kind) {
		fftw_destroy_plan(c->p);
		fftw_free(c->rin);
		fftw_free(c->cin);
		fftw_free(c->cout);
		memset(c, 0, sizeof *c);
	}
	if (kind == 1) {
		c->rin = fftw_malloc(n * sizeof *c->rin);
		c->cout = fftw_malloc((n / 2 + 1) * sizeof *c->cout);
		if (!c->rin || !c->cout)
			goto fail;
		c->p = fftw_plan_dft_r2c_1d((int)n, c->rin, c->cout, h->flags);
		if (!c->p && (h->flags & FFTW_WISDOM_ONLY))
			c->p = fftw_plan_dft_r2c_1d((int)n, c->rin, c->cout, FFTW_ESTIMATE);
	} else {
		c->cin = fftw_malloc(n * sizeof *c->cin);
		c->cout = fftw_malloc(n * sizeof *c->cout);
		if (!c->cin || !c->cout)
			goto fail;
		c->p = fftw_plan_dft_1d((int)n, c->cin, c->cout, FFTW_BACKWARD, h->flags);
		if (!c->p && (h->flags & FFTW_WISDOM_ONLY))
			c->p = fftw_plan_dft_1d((int)n, c->cin, c->cout, FFTW_BACKWARD, FFTW_ESTIMATE);
	}
	if (!c->p)
		goto fail;
	c->kind = kind;
	c->n = n;
	c->used = ++h->clock;
	return c;
fail:
	fftw_free(c->rin);
	fftw_free(c->cin);
	fftw_free(c->cout);
	memset(c, 0, sizeof *c);
	return NULL;
}

static int ensure_work(msp_snr *h, size_t n)
{
	if (n <= h->wcap)
		return MSP_OK;
	double *a = realloc(h->work, n * sizeof *a);
	if (!a)
		return MSP_ERR_NOMEM;
	h->work = a;
	double *b = realloc(h->work2, n * sizeof *b);
	if (!b)
		return MSP_ERR_NOMEM;
	h->work2 = b;
	h->wcap = n;
	return MSP_OK;
}

/* ------------------------------------------------- multitaper transforms */

static unsigned long largest_prime(unsigned long n)
{
	unsigned long p = 1;
	for (unsigned long f = 2; f * f <= n; f++)
		while (n % f == 0) {
			p = f;
			n /= f;
		}
	return n > 1 ? n : p;
}

/* The Bluestein length: the least M >= need of the form 2^a 3^b 5^c 7^d with
 * b <= 2, and a <= 9 above 8192 (FFTW_ESTIMATE plans long powers of two and
 * of three poorly on this kind of machine: 24576 costs twice 24500). */
static size_t bluestein_len(size_t need)
{
	size_t best = 0;
	for (size_t p2 = 1; p2 <= 4 * need; p2 *= 2)
		for (size_t p3 = 1; p3 <= 9; p3 *= 3)
			for (size_t p5 = 1; p2 * p3 * p5 <= 4 * need; p5 *= 5)
				for (size_t p7 = 1; p2 * p3 * p5 * p7 <= 4 * need; p7 *= 7) {
					size_t m = p2 * p3 * p5 * p7;
					if (m < need || (m > 8192 && p2 > 512))
						continue;
					if (!best || m < best)
						best = m;
				}
	return best;
}

/* The split length for Bluestein on n samples, 0 for none: M = 3L with L
 * the power of two >= n.  As the input is zero beyond n <= L, the length-M
 * transform is 3 of length L on twiddled copies (decimation in frequency),
 * and the inverse's 2n outputs are 3 of length L combined: FFTW_ESTIMATE
 * runs powers of two near 1024 at ~2.7 ns a point (forward and backward),
 * its mixed radices such as 2688 at ~4.7 (881 samples: 3 x 1024 in 7.8 us
 * a pair against 2688 in 13). */
static size_t split_len(size_t n, size_t M)
{
	size_t L = 1;
	while (L < n)
		L *= 2;
	if (L > 4096)
		return 0;
	size_t r = M;
	while (r % 2 == 0)
		r /= 2;
	double cost_m = r == 1 ? 2.7 : r == 5 ? 3.0 : r == 3 ? 3.6 : 4.7;
	return 3.0 * 3 * (double)L < cost_m * (double)M ? L : 0;
}

/* The Bluestein length for windows of more than 2048 samples: the least
 * M >= need that is 2^a 3^b 5^c 7^d 11^e 13^f with 32 <= 2^a <= 1024, b <= 3,
 * c, d <= 2, e, f <= 1, into dims (its prime powers: coprime, so the cyclic
 * convolution of length M is the multidimensional one over dims by the
 * CRT, no twiddles), the power of two last (contiguous), the others
 * ascending.  There FFTW_ESTIMATE's one-dimensional plans run at 2.5 to 6
 * ns a point (24500: 72 us, 3 x 8192: 122 us, 3 x 4096 of the split: 26 to
 * 40 us), as their arrays leave the caches, while the multidimensional
 * ones run near 2 (5 x 7 x 11 x 64 = 24640: 50 us; 7 x 13 x 128 = 11648:
 * 22 us).  Returns M and sets *rank. */
static size_t crt_len(size_t need, int dims[8], int *rank)
{
	static const int pr[] = {3, 5, 7, 11, 13}, pmax[] = {3, 2, 2, 1, 1};
	size_t best = 0;
	int be[5] = {0}, b2 = 0;
	int e[5];
	for (int a = 5; a <= 10; a++)
		for (e[0] = 0; e[0] <= pmax[0]; e[0]++)
			for (e[1] = 0; e[1] <= pmax[1]; e[1]++)
				for (e[2] = 0; e[2] <= pmax[2]; e[2]++)
					for (e[3] = 0; e[3] <= pmax[3]; e[3]++)
						for (e[4] = 0; e[4] <= pmax[4]; e[4]++) {
							size_t m = (size_t)1 << a;
							for (int i = 0; i < 5; i++)
								for (int j = 0; j < e[i]; j++)
									m *= (size_t)pr[i];
							if (m >= need && (!best || m < best)) {
								best = m;
								b2 = a;
								memcpy(be, e, sizeof be);
							}
						}
	if (!best) { /* beyond 1024 x 27 x 25 x 49 x 11 x 13: a larger power of two */
		size_t base = (size_t)27 * 25 * 49 * 11 * 13;
		b2 = 10;
		while (((size_t)1 << b2) * base < need)
			b2++;
		best = ((size_t)1 << b2) * base;
		for (int i = 0; i < 5; i++)
			be[i] = pmax[i];
	}
	int r = 0;
	for (int i = 0; i < 5; i++)
		if (be[i]) {
			int d = 1;
			for (int j = 0; j < be[i]; j++)
				d *= pr[i];
			dims[r++] = d;
		}
	for (int i = 1; i < r; i++) /* ascending */
		for (int j = i; j > 0 && dims[j] < dims[j - 1]; j--) {
			int t = dims[j];
			dims[j] = dims[j - 1];
			dims[j - 1] = t;
		}
	dims[r++] = 1 << b2;
	*rank = r;
	return best;
}

/* the slot of index q (mod the dims' product) in the row-major array over
 * dims: its coordinates are q mod dims[i] (the CRT map) */
static size_t crt_slot(size_t q, const int *dims, int rank)
{
	size_t slot = 0;
	for (int i = 0; i < rank; i++)
		slot = slot * (size_t)dims[i] + q % (size_t)dims[i];
	return slot;
}

static fftw_plan plan_c2c(int m, fftw_complex *in, fftw_complex *out, int sign, unsigned flags)
{
	fftw_plan p = fftw_plan_dft_1d(m, in, out, sign, flags);
	if (!p && (flags & FFTW_WISDOM_ONLY))
		p = fftw_plan_dft_1d(m, in, out, sign, FFTW_ESTIMATE);
	return p;
}

/* a multidimensional transform over dims (the CRT Bluestein) */
static fftw_plan plan_nd_c2c(int rank, const int *dims, fftw_complex *in, fftw_complex *out,
                             int sign, unsigned flags)
{
	fftw_plan p = fftw_plan_dft(rank, dims, in, out, sign, flags);
	if (!p && (flags & FFTW_WISDOM_ONLY))
		p = fftw_plan_dft(rank, dims, in, out, sign, FFTW_ESTIMATE);
	return p;
}

/* howmany = 3 transforms of length l, contiguous (the split Bluestein) */
static fftw_plan plan_many_c2c(int l, fftw_complex *in, fftw_complex *out, int sign, unsigned flags)
{
	fftw_plan p = fftw_plan_many_dft(1, &l, 3, in, NULL, 1, l, out, NULL, 1, l, sign, flags);
	if (!p && (flags & FFTW_WISDOM_ONLY))
		p = fftw_plan_many_dft(1, &l, 3, in, NULL, 1, l, out, NULL, 1, l, sign, FFTW_ESTIMATE);
	return p;
}

/* Rader's algorithm applies to a window of n samples when n is a prime
 * whose n - 1 has no prime factor above 13: the DFT of 2n points of an
 * n-sample input is, bin by bin, two DFTs of n points (X_2b = DFT_n(z)_b,
 * X_2b+1 = DFT_n(z_j exp(-i pi j / n))_b), and each of those is a cyclic
 * convolution of length n - 1 (Rader).  As the factors' prime powers are
 * coprime, that convolution is a multidimensional one (Good's mapping, no
 * twiddles), which FFTW runs with its codelets: 881 samples, 880 = 5 x 11 x
 * 16, take 4 transforms of 880 points a taper pair (~1.1 us each) where
 * Bluestein takes 6 of 1024 (~1.1 us each) and more passes over larger
 * arrays.  Fills dims (ascending: the fastest order measured) and returns
 * their number, 0 when Rader does not apply. */
static int rader_dims(size_t n, int dims[8])
{
	if (n < 3 || n > 0x3fffffff || largest_prime(n) != n)
		return 0;
	size_t r = n - 1;
	int rank = 0;
	for (size_t f = 2; f <= 13 && r > 1; f++) {
		size_t d = 1;
		while (r % f == 0) {
			d *= f;
			r /= f;
		}
		if (d > 1)
			dims[rank++] = (int)d;
	}
	if (r != 1)
		return 0;
	for (int i = 1; i < rank; i++) /* insertion sort, rank <= 6 */
		for (int j = i; j > 0 && dims[j] < dims[j - 1]; j--) {
			int t = dims[j];
			dims[j] = dims[j - 1];
			dims[j - 1] = t;
		}
	return rank;
}

/* where the power of slot j goes in acc: the vector loop's horizontal adds
 * leave each 4 as 0, 2, 1, 3 and no shuffle puts them back (mt_rader_fma) */
static inline size_t rader_pos(size_t j)
{
	return (j & ~(size_t)3) | (j & 1) << 1 | (j >> 1 & 1);
}

static size_t powmod(size_t b, size_t e, size_t p)
{
	uint64_t r = 1, x = b % p;
	for (; e; e >>= 1, x = x * x % p)
		if (e & 1)
			r = r * x % p;
	return (size_t)r;
}

/* the least primitive root of the prime p */
static size_t primitive_root(size_t p)
{
	size_t f[16], nf = 0, r = p - 1;
	for (size_t d = 2; d * d <= r; d++)
		if (r % d == 0) {
			f[nf++] = d;
			while (r % d == 0)
				r /= d;
		}
	if (r > 1)
		f[nf++] = r;
	for (size_t g = 2; g < p; g++) {
		size_t i = 0;
		while (i < nf && powmod(g, (p - 1) / f[i], p) != 1)
			i++;
		if (i == nf)
			return g;
	}
	return 1; /* p = 2; not reached (p >= 3) */
}

/* The Rader plan for n samples (rank dims from rader_dims): slot s of the
 * multidimensional arrays holds index q with q mod dims[i] as its
 * coordinates, so q -> slot maps the cyclic group of n - 1 onto the product
 * of the dims' (the CRT), and a cyclic convolution of length n - 1 is the
 * multidimensional cyclic convolution of the slot arrays.  With
 * a_q = y(g^-q) and b_q = exp(-2 pi i g^q / n), DFT_n(y)(g^m) = y_0 +
 * (a * b)_m: the input slot of q reads sample g^-q, the output slot of m is
 * bin g^m.  Returns 0, or -1 on failure (m is left for mt_plan_clear). */
static int rader_setup(msp_snr *h, mt_plan *m, size_t n, int k, const double *tp, const int *dims,
                       int rank)
{
	size_t C = n - 1, np = ((size_t)k + 1) / 2, N = 2 * n;
	m->q = fftw_malloc(2 * np * C * sizeof *m->q);
	m->bh = fftw_malloc(C * sizeof *m->bh);
	m->a = fftw_malloc(2 * C * sizeof *m->a);
	m->f = fftw_malloc(2 * C * sizeof *m->f);
	m->g = fftw_malloc(2 * C * sizeof *m->g);
	m->t0 = fftw_malloc(np * sizeof *m->t0);
	m->pw = malloc(N * sizeof *m->pw);
	m->src = malloc(C * sizeof *m->src);
	m->fpos = malloc(2 * (n + 1) * sizeof *m->fpos);
	m->xg = malloc(C * sizeof *m->xg);
	m->acc = malloc((2 * C + 2) * sizeof *m->acc);
	if (!m->q || !m->bh || !m->a || !m->f || !m->g || !m->t0 || !m->pw || !m->src || !m->fpos ||
	    !m->xg || !m->acc)
		return -1;
	/* plans first: planning with FFTW_MEASURE overwrites the arrays */
	int c = (int)C;
	m->fwd = fftw_plan_many_dft(rank, dims, 2, m->a, NULL, 1, c, m->f, NULL, 1, c, FFTW_FORWARD,
	                            h->flags);
	if (!m->fwd && (h->flags & FFTW_WISDOM_ONLY))
		m->fwd = fftw_plan_many_dft(rank, dims, 2, m->a, NULL, 1, c, m->f, NULL, 1, c,
		                            FFTW_FORWARD, FFTW_ESTIMATE);
	m->bwd = fftw_plan_many_dft(rank, dims, 2, m->f, NULL, 1, c, m->g, NULL, 1, c, FFTW_BACKWARD,
	                            h->flags);
	if (!m->bwd && (h->flags & FFTW_WISDOM_ONLY))
		m->bwd = fftw_plan_many_dft(rank, dims, 2, m->f, NULL, 1, c, m->g, NULL, 1, c,
		                            FFTW_BACKWARD, FFTW_ESTIMATE);
	fftw_plan pb = fftw_plan_dft(rank, dims, m->bh, m->bh, FFTW_FORWARD, FFTW_ESTIMATE);
	if (!m->fwd || !m->bwd || !pb) {
		if (pb)
			fftw_destroy_plan(pb);
		return -1;
	}
	size_t g = primitive_root(n), gi = powmod(g, n - 2, n), gq = 1, giq = 1;
	for (size_t q = 0; q < C; q++) {
		size_t slot = crt_slot(q, dims, rank);
		m->src[slot] = (uint32_t)giq;
		/* bin 2 g^q (even) and 2 g^q + 1 (odd) of the 2n: pw as a map bin -> acc */
		m->pw[2 * gq] = (double)rader_pos(slot);
		m->pw[2 * gq + 1] = (double)rader_pos(C + slot);
		/* the angles reduced exactly (integers mod n or 2n) before the trigonometry */
		double ang = -2 * M_PI * (double)gq / (double)n;
		m->bh[slot][0] = cos(ang);
		m->bh[slot][1] = sin(ang);
		double wa = -M_PI * (double)giq / (double)n, wc = cos(wa), ws = sin(wa);
		for (size_t p = 0; p < np; p++) {
			const double *t1 = tp + 2 * p * n;
			double u = t1[giq], v = 2 * p + 1 < (size_t)k ? t1[n + giq] : 0.0;
			fftw_complex *qe = m->q + 2 * p * C, *qo = qe + C;
			qe[slot][0] = u;
			qe[slot][1] = v;
			qo[slot][0] = u * wc - v * ws; /* (u + i v) exp(-i pi j / n) */
			qo[slot][1] = u * ws + v * wc;
		}
		gq = gq * g % n;
		giq = giq * gi % n;
	}
	m->pw[0] = (double)(2 * C);
	m->pw[1] = (double)(2 * C + 1);
	for (size_t j = 0; j <= n; j++) {
		m->fpos[2 * j] = (uint32_t)m->pw[j];
		m->fpos[2 * j + 1] = (uint32_t)m->pw[j ? N - j : 0];
	}
	for (size_t p = 0; p < np; p++) {
		m->t0[p][0] = tp[2 * p * n];
		m->t0[p][1] = 2 * p + 1 < (size_t)k ? tp[(2 * p + 1) * n] : 0.0;
	}
	fftw_execute(pb);
	fftw_destroy_plan(pb);
	for (size_t j = 0; j < C; j++) {
		m->bh[j][0] /= (double)C;
		m->bh[j][1] /= (double)C;
	}
	m->M = C;
	m->rader = 1;
	return 0;
}

/* The transforms of windows of n samples with k tapers of time-bandwidth nw.
 * Made once per length (LRU of NCACHE), so a stream of equal windows pays
 * for the tapers, the chirp and the plans once. */
static mt_plan *get_mt_plan(msp_snr *h, int n, double nw, int k, const double *tp)
{
	int lru = 0;
	for (int i = 0; i < NCACHE; i++) {
		mt_plan *m = &h->mp[i];
		if (m->n == n && m->k == k && m->nw == nw) {
			m->used = ++h->clock;
			return m;
		}
		if (m->used < h->mp[lru].used)
			lru = i;
	}
	mt_plan *m = &h->mp[lru];
	mt_plan_clear(m);
	size_t N = 2 * (size_t)n;
	/* FFTW's codelets and generic passes handle factors up to ~31 at about
	 * the cost of a smooth length; beyond, its prime algorithms cost 4 to 7
	 * times that, more than Bluestein's three smooth transforms a pair, or
	 * Rader's two (of length n - 1) where it applies. */
	int dims[8], rank = largest_prime(N) > 31 ? rader_dims((size_t)n, dims) : 0;
	if (rank) {
		if (rader_setup(h, m, (size_t)n, k, tp, dims, rank))
			goto fail;
#if defined(__x86_64__)
		__builtin_cpu_init();
		m->fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	} else if (largest_prime(N) > 31) {
		size_t M, L = 0, np = ((size_t)k + 1) / 2;
		int cd[8], crank = 0;
		/* up to 2048 samples a power of two or the split's 3 stay in the
		 * caches and beat the multidimensional lengths (2048: 2.5 us, 5 x 7
		 * x 64 = 2240: 3.3); beyond, those win (crt_len) */
		if (n > 2048) {
			M = crt_len(3 * (size_t)n - 1, cd, &crank);
		} else {
			M = bluestein_len(3 * (size_t)n - 1);
			L = split_len((size_t)n, M);
			if (L)
				M = 3 * L;
		}
		m->q = fftw_malloc((L ? 3 : 1) * np * (size_t)n * sizeof *m->q);
		m->bh = fftw_malloc(M * sizeof *m->bh);
		m->a = fftw_malloc(M * sizeof *m->a);
		m->f = fftw_malloc(M * sizeof *m->f);
		m->g = fftw_malloc(M * sizeof *m->g);
		m->pw = malloc(2 * (size_t)n * sizeof *m->pw);
		if (!m->q || !m->bh || !m->a || !m->f || !m->g || !m->pw)
			goto fail;
		/* plans first: planning with FFTW_MEASURE overwrites the arrays */
		if (L) {
			m->tw = fftw_malloc(4 * (size_t)n * sizeof *m->tw);
			if (!m->tw)
				goto fail;
			m->fwd = plan_many_c2c((int)L, m->a, m->f, FFTW_FORWARD, h->flags);
			m->bwd = plan_many_c2c((int)L, m->f, m->g, FFTW_BACKWARD, h->flags);
		} else if (crank) {
			m->islot = malloc((size_t)n * sizeof *m->islot);
			m->oslot = malloc(N * sizeof *m->oslot);
			if (!m->islot || !m->oslot)
				goto fail;
			for (size_t j = 0; j < N; j++) {
				size_t sl = crt_slot(j, cd, crank);
				if (j < (size_t)n)
					m->islot[j] = (uint32_t)sl;
				m->oslot[j] = (uint32_t)sl;
			}
			m->fwd = plan_nd_c2c(crank, cd, m->a, m->f, FFTW_FORWARD, h->flags);
			m->bwd = plan_nd_c2c(crank, cd, m->f, m->g, FFTW_BACKWARD, h->flags);
			m->crt = 1;
		} else {
			m->fwd = plan_c2c((int)M, m->a, m->f, FFTW_FORWARD, h->flags);
			m->bwd = plan_c2c((int)M, m->f, m->g, FFTW_BACKWARD, h->flags);
		}
		fftw_plan pb = crank ? plan_nd_c2c(crank, cd, m->bh, m->bh, FFTW_FORWARD, FFTW_ESTIMATE)
		                     : plan_c2c((int)M, m->bh, m->bh, FFTW_FORWARD, FFTW_ESTIMATE);
		if (!m->fwd || !m->bwd || !pb) {
			if (pb)
				fftw_destroy_plan(pb);
			goto fail;
		}
		/* chirp c_j = exp(i pi j^2 / N), the angle reduced exactly (j^2 mod 2N)
		 * before the trigonometry; b holds c_j for j in -(n-1)..N-1, cyclically */
		memset(m->bh, 0, M * sizeof *m->bh);
		for (size_t j = 0; j < N; j++) {
			double ang = M_PI * (double)((uint64_t)j * j % (2 * N)) / (double)N;
			double c = cos(ang), sn = sin(ang);
			m->bh[j][0] = c;
			m->bh[j][1] = sn;
			if (j > 0 && j < (size_t)n) {
				m->bh[M - j][0] = c;
				m->bh[M - j][1] = sn;
			}
			if (j < (size_t)n)
				for (size_t p = 0; p < np; p++) {
					const double *t1 = tp + 2 * p * (size_t)n;
					double u = t1[j], v = 2 * p + 1 < (size_t)k ? t1[(size_t)n + j] : 0.0;
					/* (u + i v)(c - i sn) */
					m->q[p * (size_t)n + j][0] = u * c + v * sn;
					m->q[p * (size_t)n + j][1] = v * c - u * sn;
				}
		}
		if (crank) { /* the chirp into slot order (f free as yet) */
			memcpy(m->f, m->bh, M * sizeof *m->f);
			for (size_t j = 0; j < M; j++) {
				size_t sl = crt_slot(j, cd, crank);
				m->bh[sl][0] = m->f[j][0];
				m->bh[sl][1] = m->f[j][1];
			}
		}
		fftw_execute(pb);
		fftw_destroy_plan(pb);
		for (size_t j = 0; j < M; j++) {
			m->bh[j][0] /= (double)M;
			m->bh[j][1] /= (double)M;
		}
		if (L) {
			/* bh in the order of the 3 transforms: r L + k holds BH[3k + r] */
			memcpy(m->f, m->bh, M * sizeof *m->f);
			for (size_t r = 0; r < 3; r++)
				for (size_t kk = 0; kk < L; kk++) {
					m->bh[r * L + kk][0] = m->f[3 * kk + r][0];
					m->bh[r * L + kk][1] = m->f[3 * kk + r][1];
				}
			/* q_p twiddled by exp(-2 pi i r j / M) (the forward's r-th transform),
			 * from the last pair to the first, in place: (p, r) at (3p + r) n */
			for (size_t p = np; p-- > 0;)
				for (size_t j = 0; j < (size_t)n; j++) {
					double u = m->q[p * (size_t)n + j][0], v = m->q[p * (size_t)n + j][1];
					for (size_t r = 3; r-- > 0;) {
						double ang = 2 * M_PI * (double)(r * j % M) / (double)M;
						double c = cos(ang), sn = -sin(ang);
						m->q[(3 * p + r) * (size_t)n + j][0] = u * c - v * sn;
						m->q[(3 * p + r) * (size_t)n + j][1] = u * sn + v * c;
					}
				}
			for (size_t r = 1; r <= 2; r++)
				for (size_t j = 0; j < N; j++) {
					double ang = 2 * M_PI * (double)(r * j % M) / (double)M;
					m->tw[(r - 1) * N + j][0] = cos(ang);
					m->tw[(r - 1) * N + j][1] = sin(ang);
				}
		}
		memset(m->a, 0, M * sizeof *m->a);
		m->M = M;
		m->L = L;
#if defined(__x86_64__)
		__builtin_cpu_init();
		m->fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	}
	m->n = n;
	m->k = k;
	m->nw = nw;
	m->used = ++h->clock;
	return m;
fail:
	mt_plan_clear(m);
	return NULL;
}

/* Sum over the tapers of |DFT_2n(t x)|^2 at 0..n by Bluestein: for a pair
 * z = (t1 + i t2) x, Z_k = conj(c_k) sum_j z_j conj(c_j) c_(k-j), a cyclic
 * convolution of length M >= 3n - 1 giving every k in 0..2n-1; as t1 x and
 * t2 x are real, |X1_k|^2 + |X2_k|^2 = (|Z_k|^2 + |Z_(2n-k)|^2) / 2, and
 * |Z_k| is the convolution's modulus (the chirp factor has modulus 1). */
static inline __attribute__((always_inline)) void mt_bluestein_body(const mt_plan *m, const double *x,
                                                                  double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, M = m->M, np = ((size_t)m->k + 1) / 2;
	fftw_complex *a = m->a, *f = m->f, *g = m->g;
	const fftw_complex *bh = m->bh;
	for (size_t p = 0; p < np; p++) {
		const fftw_complex *q = m->q + p * n;
		for (size_t j = 0; j < n; j++) {
			a[j][0] = x[j] * q[j][0];
			a[j][1] = x[j] * q[j][1];
		}
		fftw_execute(m->fwd);
		for (size_t j = 0; j < M; j++) {
			double re = f[j][0] * bh[j][0] - f[j][1] * bh[j][1];
			double im = f[j][0] * bh[j][1] + f[j][1] * bh[j][0];
			f[j][0] = re;
			f[j][1] = im;
		}
		fftw_execute(m->bwd);
		for (size_t j = 0; j <= n; j++) {
			size_t r = j ? N - j : 0;
			spec[j] += 0.5 * (g[j][0] * g[j][0] + g[j][1] * g[j][1] + g[r][0] * g[r][0] +
			                  g[r][1] * g[r][1]);
		}
	}
}

#if defined(__x86_64__)
/* The same with AVX2 and FMA where the CPU has them (the pointwise loops
 * were a fifth of mssnr's time): two complex numbers a vector; the same
 * result to rounding. */
/* spec[j] += (pw[j] + pw[2n - j]) / 2 for j = 1..n, spec[0] += pw[0] (the
 * pair's two real spectra), pw[2n - j] read backwards a vector at a time */
__attribute__((target("avx2,fma"))) static void fold_avx2(double *spec, const double *pw, size_t n)
{
	size_t N = 2 * n, j;
	const __m256d half = _mm256_set1_pd(0.5);
	spec[0] += pw[0];
	for (j = 1; j + 4 <= n + 1; j += 4) {
		__m256d b = _mm256_permute4x64_pd(_mm256_loadu_pd(pw + N - j - 3), 0x1B);
		__m256d v = _mm256_mul_pd(half, _mm256_add_pd(_mm256_loadu_pd(pw + j), b));
		_mm256_storeu_pd(spec + j, _mm256_add_pd(_mm256_loadu_pd(spec + j), v));
	}
	for (; j <= n; j++)
		spec[j] += 0.5 * (pw[j] + pw[N - j]);
}

/* a = x q: the real samples times the complex premultiplier (taper pair and
 * chirp), two samples a vector */
__attribute__((target("avx2,fma"))) static inline void premul_avx2(double *a, const double *x,
                                                                  const double *q, size_t n)
{
	size_t j;
	for (j = 0; j + 2 <= n; j += 2) {
		__m256d xv = _mm256_permute4x64_pd(_mm256_castpd128_pd256(_mm_loadu_pd(x + j)), 0x50);
		_mm256_storeu_pd(a + 2 * j, _mm256_mul_pd(xv, _mm256_loadu_pd(q + 2 * j)));
	}
	for (; j < n; j++) {
		a[2 * j] = x[j] * q[2 * j];
		a[2 * j + 1] = x[j] * q[2 * j + 1];
	}
}

__attribute__((target("avx2,fma"))) static void mt_bluestein_fma(const mt_plan *m, const double *x,
                                                                 double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, M = m->M, np = ((size_t)m->k + 1) / 2, j;
	double *a = (double *)m->a, *f = (double *)m->f, *g = (double *)m->g, *pw = m->pw;
	const double *bh = (const double *)m->bh;
	for (size_t p = 0; p < np; p++) {
		premul_avx2(a, x, (const double *)(m->q + p * n), n);
		fftw_execute(m->fwd);
		/* f *= bh: (fr br - fi bi, fr bi + fi br) */
		for (j = 0; j + 2 <= M; j += 2) {
			__m256d fv = _mm256_loadu_pd(f + 2 * j), bv = _mm256_loadu_pd(bh + 2 * j);
			__m256d fre = _mm256_movedup_pd(fv), fim = _mm256_permute_pd(fv, 0xF);
			__m256d bsw = _mm256_permute_pd(bv, 0x5);
			_mm256_storeu_pd(f + 2 * j, _mm256_fmaddsub_pd(fre, bv, _mm256_mul_pd(fim, bsw)));
		}
		for (; j < M; j++) {
			double re = f[2 * j] * bh[2 * j] - f[2 * j + 1] * bh[2 * j + 1];
			double im = f[2 * j] * bh[2 * j + 1] + f[2 * j + 1] * bh[2 * j];
			f[2 * j] = re;
			f[2 * j + 1] = im;
		}
		fftw_execute(m->bwd);
		for (j = 0; j + 4 <= N; j += 4) {
			__m256d v0 = _mm256_loadu_pd(g + 2 * j), v1 = _mm256_loadu_pd(g + 2 * j + 4);
			__m256d h = _mm256_hadd_pd(_mm256_mul_pd(v0, v0), _mm256_mul_pd(v1, v1));
			_mm256_storeu_pd(pw + j, _mm256_permute4x64_pd(h, 0xD8));
		}
		for (; j < N; j++)
			pw[j] = g[2 * j] * g[2 * j] + g[2 * j + 1] * g[2 * j + 1];
		fold_avx2(spec, pw, n);
	}
}
#endif

/* |g_j|^2 for output j < 2n of the split inverse: g_j = G0 + G1 t1_j + G2 t2_j
 * with Gr = IDFT_L(G_r)[j mod L] (interleaved complex; t1, t2 the twiddles) */
static inline __attribute__((always_inline)) double split_power(const double *g, size_t L,
                                                                const double *t1, const double *t2,
                                                                size_t j)
{
	size_t i = j < L ? j : j - L;
	const double *g0 = g + 2 * i, *g1 = g + 2 * (L + i), *g2 = g + 2 * (2 * L + i);
	double re = g0[0] + g1[0] * t1[2 * j] - g1[1] * t1[2 * j + 1] + g2[0] * t2[2 * j] -
	            g2[1] * t2[2 * j + 1];
	double im = g0[1] + g1[0] * t1[2 * j + 1] + g1[1] * t1[2 * j] + g2[0] * t2[2 * j + 1] +
	            g2[1] * t2[2 * j];
	return re * re + im * im;
}

/* Bluestein with M = 3L (split_len): A[3k + r] = DFT_L(a_j w^(rj))[k] as
 * a_j = 0 for j >= n, w = exp(-2 pi i / M); the product with BH (stored in
 * that order); the inverse's outputs j < 2n <= 2L are
 * g_j = sum_r exp(2 pi i r j / M) IDFT_L(G_r)[j mod L]. */
static inline __attribute__((always_inline)) void mt_split_body(const mt_plan *m, const double *x,
                                                                double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, L = m->L, M = m->M, np = ((size_t)m->k + 1) / 2;
	double *a = (double *)m->a, *f = (double *)m->f, *pw = m->pw;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	const double *t1 = (const double *)m->tw, *t2 = (const double *)(m->tw + N);
	for (size_t p = 0; p < np; p++) {
		for (size_t r = 0; r < 3; r++) {
			const double *q = (const double *)(m->q + (3 * p + r) * n);
			double *ar = a + 2 * r * L;
			for (size_t j = 0; j < n; j++) {
				ar[2 * j] = x[j] * q[2 * j];
				ar[2 * j + 1] = x[j] * q[2 * j + 1];
			}
		}
		fftw_execute(m->fwd);
		for (size_t j = 0; j < M; j++) {
			double fr = f[2 * j], fi = f[2 * j + 1], br = bh[2 * j], bi = bh[2 * j + 1];
			f[2 * j] = fr * br - fi * bi;
			f[2 * j + 1] = fr * bi + fi * br;
		}
		fftw_execute(m->bwd);
		for (size_t j = 0; j < N; j++)
			pw[j] = split_power(g, L, t1, t2, j);
		spec[0] += pw[0];
		for (size_t j = 1; j <= n; j++)
			spec[j] += 0.5 * (pw[j] + pw[N - j]);
	}
}

#if defined(__x86_64__)
/* (a * b) for two complex numbers a vector */
__attribute__((target("avx2,fma"))) static inline __m256d cmul2(__m256d a, __m256d b)
{
	__m256d are = _mm256_movedup_pd(a), aim = _mm256_permute_pd(a, 0xF);
	return _mm256_fmaddsub_pd(are, b, _mm256_mul_pd(aim, _mm256_permute_pd(b, 0x5)));
}

/* g0 + g1 t1 + g2 t2 for two outputs */
__attribute__((target("avx2,fma"))) static inline __m256d combine2(const double *g0, const double *g1,
                                                                   const double *g2, const double *t1,
                                                                   const double *t2)
{
	__m256d s = _mm256_add_pd(cmul2(_mm256_loadu_pd(g1), _mm256_loadu_pd(t1)),
	                          cmul2(_mm256_loadu_pd(g2), _mm256_loadu_pd(t2)));
	return _mm256_add_pd(_mm256_loadu_pd(g0), s);
}

/* mt_split_body with AVX2 and FMA; the same result to rounding */
__attribute__((target("avx2,fma"))) static void mt_split_fma(const mt_plan *m, const double *x,
                                                             double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, L = m->L, M = m->M, np = ((size_t)m->k + 1) / 2, j;
	double *a = (double *)m->a, *f = (double *)m->f, *pw = m->pw;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	const double *t1 = (const double *)m->tw, *t2 = (const double *)(m->tw + N);
	for (size_t p = 0; p < np; p++) {
		for (size_t r = 0; r < 3; r++) {
			premul_avx2(a + 2 * r * L, x, (const double *)(m->q + (3 * p + r) * n), n);
		}
		fftw_execute(m->fwd);
		/* M = 3L is even */
		for (j = 0; j < M; j += 2)
			_mm256_storeu_pd(f + 2 * j, cmul2(_mm256_loadu_pd(f + 2 * j), _mm256_loadu_pd(bh + 2 * j)));
		fftw_execute(m->bwd);
		/* j < L, then L <= j < N (N <= 2L; L and N even) */
		for (j = 0; j + 4 <= N; j += 4) {
			size_t i = j < L ? j : j - L;
			if (j < L && j + 4 > L)
				break;
			__m256d v0 = combine2(g + 2 * i, g + 2 * (L + i), g + 2 * (2 * L + i), t1 + 2 * j, t2 + 2 * j);
			__m256d v1 = combine2(g + 2 * i + 4, g + 2 * (L + i) + 4, g + 2 * (2 * L + i) + 4,
			                      t1 + 2 * j + 4, t2 + 2 * j + 4);
			__m256d h = _mm256_hadd_pd(_mm256_mul_pd(v0, v0), _mm256_mul_pd(v1, v1));
			_mm256_storeu_pd(pw + j, _mm256_permute4x64_pd(h, 0xD8));
		}
		for (; j < N; j++)
			pw[j] = split_power(g, L, t1, t2, j);
		fold_avx2(spec, pw, n);
	}
}
#endif

/* mt_bluestein_body on the multidimensional convolution (crt_len): the
 * premultiplied samples go to their slots, the outputs come from theirs */
static inline __attribute__((always_inline)) void mt_crt_body(const mt_plan *m, const double *x,
                                                              double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, M = m->M, np = ((size_t)m->k + 1) / 2;
	double *a = (double *)m->a, *f = (double *)m->f, *pw = m->pw;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	const uint32_t *is = m->islot, *os = m->oslot;
	for (size_t p = 0; p < np; p++) {
		const double *q = (const double *)(m->q + p * n);
		for (size_t j = 0; j < n; j++) {
			a[2 * is[j]] = x[j] * q[2 * j];
			a[2 * is[j] + 1] = x[j] * q[2 * j + 1];
		}
		fftw_execute(m->fwd);
		for (size_t j = 0; j < M; j++) {
			double fr = f[2 * j], fi = f[2 * j + 1], br = bh[2 * j], bi = bh[2 * j + 1];
			f[2 * j] = fr * br - fi * bi;
			f[2 * j + 1] = fr * bi + fi * br;
		}
		fftw_execute(m->bwd);
		for (size_t j = 0; j < N; j++) {
			const double *v = g + 2 * os[j];
			pw[j] = v[0] * v[0] + v[1] * v[1];
		}
		spec[0] += pw[0];
		for (size_t j = 1; j <= n; j++)
			spec[j] += 0.5 * (pw[j] + pw[N - j]);
	}
}

#if defined(__x86_64__)
/* mt_crt_body with AVX2 and FMA for the product (M is even: 2^a >= 32) */
__attribute__((target("avx2,fma"))) static void mt_crt_fma(const mt_plan *m, const double *x,
                                                           double *spec)
{
	size_t n = (size_t)m->n, N = 2 * n, M = m->M, np = ((size_t)m->k + 1) / 2;
	double *a = (double *)m->a, *f = (double *)m->f, *pw = m->pw;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	const uint32_t *is = m->islot, *os = m->oslot;
	for (size_t p = 0; p < np; p++) {
		const double *q = (const double *)(m->q + p * n);
		for (size_t j = 0; j < n; j++)
			_mm_storeu_pd(a + 2 * is[j], _mm_mul_pd(_mm_set1_pd(x[j]), _mm_loadu_pd(q + 2 * j)));
		fftw_execute(m->fwd);
		for (size_t j = 0; j < M; j += 2)
			_mm256_storeu_pd(f + 2 * j, cmul2(_mm256_loadu_pd(f + 2 * j), _mm256_loadu_pd(bh + 2 * j)));
		fftw_execute(m->bwd);
		for (size_t j = 0; j < N; j++) {
			__m128d v = _mm_loadu_pd(g + 2 * os[j]);
			v = _mm_mul_pd(v, v);
			pw[j] = _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
		}
		fold_avx2(spec, pw, n);
	}
}
#endif

/* Sum over the tapers of |DFT_2n(t x)|^2 at 0..n by Rader (rader_setup):
 * per taper pair z = (t1 + i t2) x, the even bins' and the odd bins'
 * convolutions in one pair of (batched) transforms, their |y_0 + conv|^2
 * summed over the pairs in slot order, then placed on the 2n bins and
 * folded once (|X1_k|^2 + |X2_k|^2 = (|Z_k|^2 + |Z_2n-k|^2) / 2).  Bins 0
 * and 1 (the n-point DFTs' bin 0) are y_0 + the forward transforms' DC. */
/* spec[j] += (P_j + P_2n-j) / 2 for j = 1..n, spec[0] += P_0, reading the
 * powers where rader_setup's fpos says they are in acc (p0, p1: bins 0, 1) */
static inline __attribute__((always_inline)) void rader_fold(const mt_plan *m, double *spec,
                                                             double p0, double p1)
{
	size_t n = (size_t)m->n, C = m->M;
	double *acc = m->acc;
	const uint32_t *fp = m->fpos;
	acc[2 * C] = p0;
	acc[2 * C + 1] = p1;
	spec[0] += acc[fp[0]];
	for (size_t j = 1; j <= n; j++)
		spec[j] += 0.5 * (acc[fp[2 * j]] + acc[fp[2 * j + 1]]);
}

static inline __attribute__((always_inline)) void mt_rader_body(const mt_plan *m, const double *x,
                                                                double *spec)
{
	size_t C = m->M, np = ((size_t)m->k + 1) / 2;
	double *a = (double *)m->a, *f = (double *)m->f, *acc = m->acc, *xg = m->xg;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	for (size_t s = 0; s < C; s++)
		xg[s] = x[m->src[s]];
	memset(acc, 0, 2 * C * sizeof *acc);
	double p0 = 0, p1 = 0;
	for (size_t p = 0; p < np; p++) {
		const double *qe = (const double *)(m->q + 2 * p * C), *qo = qe + 2 * C;
		for (size_t s = 0; s < C; s++) {
			a[2 * s] = xg[s] * qe[2 * s];
			a[2 * s + 1] = xg[s] * qe[2 * s + 1];
			a[2 * C + 2 * s] = xg[s] * qo[2 * s];
			a[2 * C + 2 * s + 1] = xg[s] * qo[2 * s + 1];
		}
		fftw_execute(m->fwd);
		double yr = x[0] * m->t0[p][0], yi = x[0] * m->t0[p][1];
		p0 += (yr + f[0]) * (yr + f[0]) + (yi + f[1]) * (yi + f[1]);
		p1 += (yr + f[2 * C]) * (yr + f[2 * C]) + (yi + f[2 * C + 1]) * (yi + f[2 * C + 1]);
		for (size_t j = 0; j < 2 * C; j++) {
			const double *b = bh + 2 * (j < C ? j : j - C);
			double fr = f[2 * j], fi = f[2 * j + 1];
			f[2 * j] = fr * b[0] - fi * b[1];
			f[2 * j + 1] = fr * b[1] + fi * b[0];
		}
		fftw_execute(m->bwd);
		for (size_t j = 0; j < 2 * C; j++) {
			double re = yr + g[2 * j], im = yi + g[2 * j + 1];
			acc[rader_pos(j)] += re * re + im * im;
		}
	}
	rader_fold(m, spec, p0, p1);
}

#if defined(__x86_64__)
/* mt_rader_body with AVX2 and FMA; the same result to rounding.  C = n - 1
 * is even, so the vector loops have no tails. */
__attribute__((target("avx2,fma"))) static void mt_rader_fma(const mt_plan *m, const double *x,
                                                             double *spec)
{
	size_t C = m->M, np = ((size_t)m->k + 1) / 2;
	double *a = (double *)m->a, *f = (double *)m->f, *acc = m->acc, *xg = m->xg;
	const double *g = (const double *)m->g, *bh = (const double *)m->bh;
	for (size_t s = 0; s < C; s++)
		xg[s] = x[m->src[s]];
	memset(acc, 0, 2 * C * sizeof *acc);
	double p0 = 0, p1 = 0;
	for (size_t p = 0; p < np; p++) {
		const double *qe = (const double *)(m->q + 2 * p * C);
		premul_avx2(a, xg, qe, C);
		premul_avx2(a + 2 * C, xg, qe + 2 * C, C);
		fftw_execute(m->fwd);
		double yr = x[0] * m->t0[p][0], yi = x[0] * m->t0[p][1];
		p0 += (yr + f[0]) * (yr + f[0]) + (yi + f[1]) * (yi + f[1]);
		p1 += (yr + f[2 * C]) * (yr + f[2 * C]) + (yi + f[2 * C + 1]) * (yi + f[2 * C + 1]);
		for (size_t j = 0; j < C; j += 2) {
			__m256d b = _mm256_loadu_pd(bh + 2 * j);
			_mm256_storeu_pd(f + 2 * j, cmul2(_mm256_loadu_pd(f + 2 * j), b));
			_mm256_storeu_pd(f + 2 * (C + j), cmul2(_mm256_loadu_pd(f + 2 * (C + j)), b));
		}
		fftw_execute(m->bwd);
		const __m256d y = _mm256_setr_pd(yr, yi, yr, yi);
		for (size_t j = 0; j < 2 * C; j += 4) {
			__m256d v0 = _mm256_add_pd(y, _mm256_loadu_pd(g + 2 * j));
			__m256d v1 = _mm256_add_pd(y, _mm256_loadu_pd(g + 2 * j + 4));
			__m256d h = _mm256_hadd_pd(_mm256_mul_pd(v0, v0), _mm256_mul_pd(v1, v1));
			_mm256_storeu_pd(acc + j, _mm256_add_pd(_mm256_loadu_pd(acc + j), h));
		}
	}
	rader_fold(m, spec, p0, p1);
}
#endif

static void mt_bluestein(const mt_plan *m, const double *x, double *spec)
{
#if defined(__x86_64__)
	if (m->fma) {
		if (m->rader)
			mt_rader_fma(m, x, spec);
		else if (m->crt)
			mt_crt_fma(m, x, spec);
		else if (m->L)
			mt_split_fma(m, x, spec);
		else
			mt_bluestein_fma(m, x, spec);
		return;
	}
#endif
	if (m->rader)
		mt_rader_body(m, x, spec);
	else if (m->crt)
		mt_crt_body(m, x, spec);
	else if (m->L)
		mt_split_body(m, x, spec);
	else
		mt_bluestein_body(m, x, spec);
}

/* ------------------------------------------------------------ spectra */

/* sum of x[i] (sq 0) or of x[i]^2 (sq 1) in four running sums: one sum
 * waits on each addition's latency (the two sums of a window were 5% of
 * mssnr); the order differs from the plain loop's by rounding only */
static inline __attribute__((always_inline)) double sum4(const double *x, size_t n, int sq)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += sq ? x[i] * x[i] : x[i];
		s1 += sq ? x[i + 1] * x[i + 1] : x[i + 1];
		s2 += sq ? x[i + 2] * x[i + 2] : x[i + 2];
		s3 += sq ? x[i + 3] * x[i + 3] : x[i + 3];
	}
	for (; i < n; i++)
		s0 += sq ? x[i] * x[i] : x[i];
	return (s0 + s1) + (s2 + s3);
}

int msp_snr_mtspec(msp_snr *h, const double *x, size_t n, double dt, double tbp, int ntapers,
                   double *spec, double *df)
{
	if (n < 2 || !(dt > 0) || ntapers < 1 || n > 0x3fffffff) {
		snprintf(h->err, sizeof h->err, "spectrum of %zu samples is not defined", n);
		return MSP_ERR_INVAL;
	}
	const double *tp = get_tapers(h, (int)n, tbp, ntapers);
	mt_plan *mp = tp ? get_mt_plan(h, (int)n, tbp, ntapers, tp) : NULL;
	size_t nfft = 2 * n, nf = nfft / 2 + 1;
	plan_cache *pc = mp && !mp->M ? get_plan(h, 1, nfft) : NULL;
	if (!tp || !mp || (!mp->M && !pc))
		return MSP_ERR_NOMEM;
	double var = sum4(x, n, 1);
	for (size_t j = 0; j < nf; j++)
		spec[j] = 0.0;
	if (mp->M)
		mt_bluestein(mp, x, spec);
	for (int k = 0; k < ntapers && !mp->M; k++) {
		const double *t = tp + (size_t)k * n;
		for (size_t i = 0; i < n; i++)
			pc->rin[i] = t[i] * x[i];
		memset(pc->rin + n, 0, n * sizeof *pc->rin);
		fftw_execute(pc->p);
		for (size_t j = 0; j < nf; j++)
			spec[j] += pc->cout[j][0] * pc->cout[j][0] + pc->cout[j][1] * pc->cout[j][1];
	}
	/* MTPowerSpectrumEngine (MsPASS HEAD): Parseval scaling to the sum of
	 * squares, divided by the number of samples.  The division makes the
	 * spectrum a power per sample, so a 135 s noise window and a 25 s signal
	 * window compare fairly; without it (older MsPASS) the longer window's
	 * spectrum is larger by the ratio of the lengths and SNRs come out low
	 * by its square root. */
	double d = (1.0 / (2.0 * dt)) / (double)(nf - 1);
	double ssq = sum4(spec, nf, 0);
	double scale = ssq > 0 && var > 0 ? var / (ssq * d) / (double)n : 1.0;
	size_t j = 0;
	for (; j + 4 <= nf; j += 4) { /* 4 a step: gcc -O2 leaves the plain loop scalar */
		spec[j] *= scale;
		spec[j + 1] *= scale;
		spec[j + 2] *= scale;
		spec[j + 3] *= scale;
	}
	for (; j < nf; j++)
		spec[j] *= scale;
	*df = d;
	return MSP_OK;
}

/* ----------------------------------------------------- bandwidth search */

#if defined(__x86_64__)
/* The first loop of msp_estimate_bandwidth, four frequencies a vector (a
 * tenth of mssnr's time in scalar code): snr[i] = sqrt(S[i] / N[round(i dfs
 * / dfn)]) with the same special cases and the same IEEE operations, so the
 * same values.  Returns how many it did (a multiple of 4); smax updated. */
__attribute__((target("avx2"))) static size_t snr_ratio_avx2(const double *S, size_t nfs, double dfs,
                                                             const double *N, size_t nfn, double dfn,
                                                             double *snr, double *smax)
{
	const __m256d vdfs = _mm256_set1_pd(dfs), vdfn = _mm256_set1_pd(dfn),
	              vnfn = _mm256_set1_pd((double)nfn), zero = _mm256_setzero_pd(),
	              one = _mm256_set1_pd(1.0), half = _mm256_set1_pd(0.5),
	              ceil6 = _mm256_set1_pd(1e6), four = _mm256_set1_pd(4.0);
	__m256d iv = _mm256_set_pd(3, 2, 1, 0), mx = zero;
	size_t i;
	for (i = 0; i + 4 <= nfs; i += 4) {
		__m256d q = _mm256_div_pd(_mm256_mul_pd(vdfs, iv), vdfn);
		/* round half away from zero for q >= 0: trunc, then up if the
		 * (exact) fraction is >= 0.5; q >= 2^52 is an integer already */
		__m256d t = _mm256_round_pd(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
		__m256d in = _mm256_add_pd(t, _mm256_and_pd(_mm256_cmp_pd(_mm256_sub_pd(q, t), half, _CMP_GE_OQ), one));
		__m256d inside = _mm256_cmp_pd(in, vnfn, _CMP_LT_OQ);
		__m128i idx = _mm256_cvttpd_epi32(_mm256_and_pd(in, inside));
		__m256d Nn = _mm256_mask_i32gather_pd(one, N, idx, inside, 8);
		__m256d Sn = _mm256_loadu_pd(S + i);
		__m256d v = _mm256_blendv_pd(_mm256_div_pd(Sn, Nn), ceil6, _mm256_cmp_pd(Nn, zero, _CMP_LE_OQ));
		v = _mm256_blendv_pd(v, one, _mm256_cmp_pd(Sn, zero, _CMP_LE_OQ));
		v = _mm256_blendv_pd(one, v, inside);
		__m256d r = _mm256_sqrt_pd(v);
		_mm256_storeu_pd(snr + i, r);
		mx = _mm256_max_pd(r, mx); /* a NaN r leaves mx, as the scalar > does */
		iv = _mm256_add_pd(iv, four);
	}
	double m4[4];
	_mm256_storeu_pd(m4, mx);
	for (int k = 0; k < 4; k++)
		if (m4[k] > *smax)
			*smax = m4[k];
	return i;
}
#endif

int msp_estimate_bandwidth(const double *S, size_t nfs, double dfs, const double *N, size_t nfn,
                           double dfn, double nyquist, double thr, double f0, double f_max,
                           msp_bandwidth *bw)
{
	const double SNR_CEILING = 1e6;
	memset(bw, 0, sizeof *bw);
	double ceiling = (f_max > 0) ? f_max : 0.8 * nyquist;
	double *snr = malloc((nfs ? nfs : 1) * sizeof *snr);
	if (!snr)
		return -2;
	double smax = 0;
	size_t i0v = 0;
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && nfn < 0x7fffffff)
		i0v = snr_ratio_avx2(S, nfs, dfs, N, nfn, dfn, snr, &smax);
#endif
	for (size_t i = i0v; i < nfs; i++) {
		double f = dfs * (double)i;
		double q = f / dfn, in;
		/* round() exactly (half away from zero) without the libm call, a
		 * few percent of mssnr: q - trunc(q) is exact for 0 <= q < 2^52 */
		if (q >= 0 && q < 4503599627370496.0) {
			in = (double)(int64_t)q;
			if (q - in >= 0.5)
				in += 1.0;
		} else {
			in = round(q);
		}
		double v;
		if (in < (double)nfn) {
			double Nn = N[(size_t)in], Sn = S[i];
			if (Sn <= 0.0)
				v = 1.0;
			else if (Nn <= 0.0)
				v = SNR_CEILING;
			else
				v = Sn / Nn;
		} else {
			v = 1.0;
		}
		snr[i] = sqrt(v);
		if (snr[i] > smax)
			smax = snr[i];
	}
	bw->f_range = dfs * (double)(nfs - 1);
	if (smax < thr) {
		free(snr);
		return 0;
	}
	long len = (long)nfs;
	long i0 = lround(f0 / dfs), imax = lround(ceiling / dfs);
	if (i0 >= len)
		i0 = len - 1; /* MsPASS would index past the end here */
	long i = i0;
	while (i < imax && i < len) {
		if (snr[i] <= thr)
			break;
		i++;
	}
	if (i >= len)
		i = len - 1;
	if (i > i0) {
		bw->high_f = dfs * (double)i;
		bw->high_snr = snr[i];
	} else {
		i = i0;
		while (i >= 0 && snr[i] < thr)
			i--;
		if (i < 0) {
			/* MsPASS: frequency(-1) throws and the datum is killed */
			free(snr);
			memset(bw, 0, sizeof *bw);
			return -1;
		}
		bw->high_f = dfs * (double)i;
		bw->high_snr = snr[i];
		i0 = i;
	}
	i = i0;
	while (i > 0) {
		if (snr[i] <= thr)
			break;
		i--;
	}
	bw->low_f = dfs * (double)i;
	bw->low_snr = snr[i];
	free(snr);
	return 0;
}

/* PowerSpectrum::power(f): linear interpolation, 0 at and beyond the last bin. */
static double power_at(const double *P, size_t nf, double df, double f)
{
	long lo = (long)(f / df);
	if (lo >= (long)nf - 1 || lo < 0)
		return 0.0;
	double slope = (P[lo + 1] - P[lo]) / df;
	return P[lo] + slope * (f - df * (double)lo);
}

static double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2] + v[n / 2 - 1]) / 2;
}

int msp_bandwidth_stats(const double *S, size_t nfs, double dfs, const double *N, size_t nfn,
                        double dfn, double nyquist, const msp_bandwidth *bw, double out[6])
{
	for (int k = 0; k < 6; k++)
		out[k] = 0.0;
	if (bw->f_range <= 0.0)
		return 0;
	size_t cap = 64, n = 0;
	double *v = malloc(cap * sizeof *v);
	if (!v)
		return 0;
	for (double f = bw->low_f; f < bw->high_f && f < nyquist; f += dfs) {
		double sa = sqrt(fmax(0.0, power_at(S, nfs, dfs, f)));
		double na = sqrt(fmax(0.0, power_at(N, nfn, dfn, f)));
		double r;
		if (sa <= 0.0)
			r = 0.0;
		else if (na <= 0)
			r = 999999.0;
		else
			r = sa / na;
		if (n == cap) {
			cap *= 2;
			double *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				return 0;
			}
			v = nv;
		}
		v[n++] = r;
	}
	if (n <= 1) { /* VectorStatistics throws: MsPASS logs and skips */
		free(v);
		return 0;
	}
	qsort(v, n, sizeof *v, cmp_d);
	double mean = 0;
	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	double q1, q3;
	if (n < 4) {
		q1 = v[0];
		q3 = v[n - 1];
	} else {
		size_t a = (n - 1) / 4, b = 3 * (n - 1) / 4;
		switch (n % 4) {
		case 0: q1 = v[a]; q3 = v[b]; break;
		case 1: q1 = 0.75 * v[a] + 0.25 * v[a + 1]; q3 = 0.75 * v[b] + 0.25 * v[b + 1]; break;
		case 2: q1 = (v[a] + v[a + 1]) / 2.0; q3 = (v[b] + v[b + 1]) / 2.0; break;
		default: q1 = 0.25 * v[a] + 0.75 * v[a + 1]; q3 = 0.25 * v[b] + 0.75 * v[b + 1]; break;
		}
	}
	out[0] = median_sorted(v, n);
	out[1] = v[n - 1];
	out[2] = v[0];
	out[3] = q1;
	out[4] = q3;
	out[5] = mean;
	free(v);
	return 1;
}

/* ------------------------------------------------------------ estimator */

void msp_snr_opts_default(msp_snr_opts *o)
{
	o->band_cutoff_snr = 2.0;
	o->min_bandwidth_db = 6.0;
	o->f_low_zero_test = 0.0;
	o->tbp = 4.0;
	o->ntapers = 6;
	o->f0 = 1.0;
	o->f_max = 0.0;
	o->poles = 3;
	o->perc = 95.0;
	o->metrics = MSP_SNR_ALL;
}

unsigned msp_snr_metric_bit(const char *k)
{
	static const struct { const char *name; unsigned bit; } t[] = {
		{"snr_stats", MSP_SNR_STATS}, {"filtered_envelope", MSP_SNR_ENVELOPE},
		{"filtered_L2", MSP_SNR_L2}, {"filtered_Linf", MSP_SNR_LINF},
		{"filtered_MAD", MSP_SNR_MADM}, {"filtered_perc", MSP_SNR_PERCM},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(k, t[i].name) == 0)
			return t[i].bit;
	return 0;
}

/* |analytic signal| of x[0..n) (scipy.signal.hilbert, n-point FFT) into env. */
static int envelope(msp_snr *h, const double *x, size_t n, double *env)
{
	if (n == 0)
		return MSP_OK;
	plan_cache *f = get_plan(h, 1, n);
	if (!f)
		return MSP_ERR_NOMEM;
	memcpy(f->rin, x, n * sizeof *x);
	fftw_execute(f->p);
	/* copy the half spectrum before the backward plan may evict f */
	size_t nh = n / 2 + 1;
	double *re = malloc(2 * nh * sizeof *re);
	if (!re)
		return MSP_ERR_NOMEM;
	for (size_t j = 0; j < nh; j++) {
		re[2 * j] = f->cout[j][0];
		re[2 * j + 1] = f->cout[j][1];
	}
	plan_cache *b = get_plan(h, 2, n);
	if (!b) {
		free(re);
		return MSP_ERR_NOMEM;
	}
	for (size_t j = 0; j < n; j++) {
		double w;
		if (j == 0 || (n % 2 == 0 && j == n / 2))
			w = 1.0;
		else if (j < (n + 1) / 2)
			w = 2.0;
		else
			w = 0.0;
		b->cin[j][0] = w ? w * re[2 * j] : 0.0;
		b->cin[j][1] = w ? w * re[2 * j + 1] : 0.0;
	}
	free(re);
	fftw_execute(b->p);
	for (size_t j = 0; j < n; j++)
		env[j] = hypot(b->cout[j][0], b->cout[j][1]) / (double)n;
	return MSP_OK;
}

static double median_abs(const double *x, size_t n, double *work)
{
	if (!n)
		return 0.0;
	for (size_t i = 0; i < n; i++)
		work[i] = fabs(x[i]);
	qsort(work, n, sizeof *work, cmp_d);
	return median_sorted(work, n);
}

static int filtered_metrics(msp_snr *h, const double *x, size_t npts, double t0, double dt,
                            double ns, double ne, double ss, double se, const msp_snr_opts *o,
                            msp_snr_result *r)
{
	double fl = r->low_f_band_edge, fh = r->high_f_band_edge;
	double fcut = o->f_low_zero_test > 0 ? o->f_low_zero_test : 2.0 * o->tbp * r->signal_df;
	int lowcorner = fl > fcut;
	msp_sos sos;
	int rc = lowcorner ? msp_butter_design(MSP_BANDPASS, o->poles, fl, fh, 1.0 / dt, &sos, NULL)
	                   : msp_butter_design(MSP_LOWPASS, o->poles, fh, 0, 1.0 / dt, &sos, NULL);
	r->lowpass = !lowcorner;
	if (rc) {
		snprintf(r->complaint, sizeof r->complaint,
		         "Butterworth design failed for band %g-%g Hz: filtered metrics not computed", fl,
		         fh);
		return MSP_OK;
	}
	if (npts > h->fcap) {
		double *f = realloc(h->filt, npts * sizeof *f);
		if (!f)
			return MSP_ERR_NOMEM;
		h->filt = f;
		h->fcap = npts;
	}
	memcpy(h->filt, x, npts * sizeof *x);
	msp_sos_apply(&sos, h->filt, npts, 0);
	size_t nf, nn, sf, sn;
	if (!msp_snr_window_truncate(t0, dt, npts, ns, ne, &nf, &nn) ||
	    !msp_snr_window_truncate(t0, dt, npts, ss, se, &sf, &sn)) {
		snprintf(r->complaint, sizeof r->complaint, "filtered windows outside the data");
		return MSP_OK;
	}
	const double *nx = h->filt + nf, *sx = h->filt + sf;
	if ((rc = ensure_work(h, npts)))
		return rc;
	double *w = h->work, *w2 = h->work2;
	double perc = o->perc / 100.0;
	if (o->metrics & MSP_SNR_ENVELOPE) {
		if ((rc = envelope(h, nx, nn, w2)))
			return rc;
		double namp = median_abs(w2, nn, w);
		if ((rc = envelope(h, sx, sn, w2)))
			return rc;
		double samp = msp_amp_peak(w2, sn);
		r->snr_filtered_envelope_peak = msp_safe_snr(samp, namp);
		r->have |= MSP_SNR_ENVELOPE;
	}
	if (o->metrics & MSP_SNR_L2) {
		r->snr_filtered_rms = msp_safe_snr(msp_amp_rms(sx, sn), msp_amp_rms(nx, nn));
		r->have |= MSP_SNR_L2;
	}
	if (o->metrics & MSP_SNR_MADM) {
		double namp = msp_amp_mad(nx, nn, w), samp = msp_amp_mad(sx, sn, w);
		r->snr_filtered_mad = msp_safe_snr(samp, namp);
		r->have |= MSP_SNR_MADM;
	}
	if (o->metrics & MSP_SNR_LINF) {
		double namp = msp_amp_perc(nx, nn, perc, w), samp = msp_amp_peak(sx, sn);
		r->snr_filtered_peak = msp_safe_snr(samp, namp);
		r->have |= MSP_SNR_LINF;
	}
	if (o->metrics & MSP_SNR_PERCM) {
		double namp = msp_amp_mad(nx, nn, w), samp = msp_amp_perc(sx, sn, perc, w);
		r->snr_filtered_perc = msp_safe_snr(samp, namp);
		r->have |= MSP_SNR_PERCM;
	}
	return MSP_OK;
}

int msp_snr_fd(msp_snr *h, const double *x, size_t npts, double t0, double dt, double ns,
               double ne, double ss, double se, const msp_snr_opts *o, msp_snr_result *r)
{
	memset(r, 0, sizeof *r);
	h->err[0] = '\0';
	if (o->ntapers < 1 || o->ntapers > (int)lround(2 * o->tbp)) {
		snprintf(h->err, sizeof h->err, "ntapers=%d inconsistent with tbp=%g: must be <= %ld",
		         o->ntapers, o->tbp, lround(2 * o->tbp));
		return MSP_ERR_INVAL;
	}
	size_t nf0, nn, sf0, sn;
	if (!msp_snr_window(t0, dt, npts, ns, ne, &nf0, &nn)) {
		/* said relative to the record's start: epoch seconds in %g are unreadable */
		snprintf(h->err, sizeof h->err,
		         "noise window %.3f to %.3f s from the record start is not inside the data (0 to %.3f s)",
		         ns - t0, ne - t0, dt * ((double)npts - 1));
		return MSP_ERR_DATA;
	}
	if (!msp_snr_window(t0, dt, npts, ss, se, &sf0, &sn)) {
		snprintf(h->err, sizeof h->err,
		         "signal window %.3f to %.3f s from the record start is not inside the data (0 to %.3f s)",
		         ss - t0, se - t0, dt * ((double)npts - 1));
		return MSP_ERR_DATA;
	}
	if (nn < 2 || sn < 2 || (size_t)o->ntapers > nn || (size_t)o->ntapers > sn) {
		snprintf(h->err, sizeof h->err, "windows too short for %d tapers", o->ntapers);
		return MSP_ERR_DATA;
	}
	/* in the handle rather than allocated and freed for each trace */
	if (nn + sn + 2 > h->scap) {
		double *b = realloc(h->spec, (nn + sn + 2) * sizeof *b);
		if (!b)
			return MSP_ERR_NOMEM;
		h->spec = b;
		h->scap = nn + sn + 2;
	}
	double *N = h->spec, *S = h->spec + nn + 1;
	double dfn, dfs;
	int rc = msp_snr_mtspec(h, x + nf0, nn, dt, o->tbp, o->ntapers, N, &dfn);
	if (!rc)
		rc = msp_snr_mtspec(h, x + sf0, sn, dt, o->tbp, o->ntapers, S, &dfs);
	if (rc) {
		return rc;
	}
	r->noise_df = dfn;
	r->signal_df = dfs;
	double nyq = 1.0 / (2.0 * dt);
	msp_bandwidth bw;
	if (msp_estimate_bandwidth(S, sn + 1, dfs, N, nn + 1, dfn, nyq, o->band_cutoff_snr, o->f0,
	                           o->f_max, &bw) == -1) {
		/* MsPASS: frequency(-1) throws, FD_snr_estimator returns no result */
		snprintf(r->complaint, sizeof r->complaint,
		         "EstimateBandwidth: no frequency at or below f0=%g Hz reaches snr %g", o->f0,
		         o->band_cutoff_snr);
		return MSP_OK;
	}
	double bwdb;
	if (bw.low_f <= 0.0)
		bwdb = bw.high_f > 0.0 ? 20.0 * log10(bw.high_f / dfs) : 0.0;
	else
		bwdb = bw.f_range > 0 ? 20.0 * log10(bw.high_f / bw.low_f) : 0.0;
	r->bandwidth_db = bwdb;
	if (bwdb < o->min_bandwidth_db) {
		return MSP_OK; /* no signal detected: have_band stays 0 */
	}
	r->have_band = 1;
	r->low_f_band_edge = bw.low_f;
	r->high_f_band_edge = bw.high_f;
	r->low_f_band_edge_snr = bw.low_snr;
	r->high_f_band_edge_snr = bw.high_snr;
	r->spectrum_frequency_range = bw.f_range;
	r->bandwidth_fraction = bw.f_range > 0 ? (bw.high_f - bw.low_f) / bw.f_range : 0.0;
	if (o->metrics & MSP_SNR_STATS) {
		double st[6];
		r->stats_are_valid = msp_bandwidth_stats(S, sn + 1, dfs, N, nn + 1, dfn, nyq, &bw, st);
		if (r->stats_are_valid) {
			r->median_snr = st[0];
			r->maximum_snr = st[1];
			r->minimum_snr = st[2];
			r->q1_4_snr = st[3];
			r->q3_4_snr = st[4];
			r->mean_snr = st[5];
			r->have |= MSP_SNR_STATS;
		} else {
			snprintf(r->complaint, sizeof r->complaint,
			         "BandwidthStatistics marked snr_stats data invalid");
		}
	}
	if (o->metrics & ~(unsigned)MSP_SNR_STATS)
		return filtered_metrics(h, x, npts, t0, dt, ns, ne, ss, se, o, r);
	return MSP_OK;
}

int msp_snr_time(const double *x, size_t npts, double t0, double dt, double ns, double ne,
                 double ss, double se, int nm, int sm, double perc, double *snr)
{
	double upper = t0 + ((double)npts - 0.5) * dt;
	if (!(t0 < ns && ne < upper) || !(t0 < ss && se < upper))
		return MSP_ERR_DATA;
	size_t nf, nn, sf, sn;
	if (!msp_snr_window(t0, dt, npts, ns, ne, &nf, &nn) ||
	    !msp_snr_window(t0, dt, npts, ss, se, &sf, &sn))
		return MSP_ERR_DATA;
	double *w = malloc((nn > sn ? nn : sn) * sizeof *w + 1);
	if (!w)
		return MSP_ERR_NOMEM;
	double namp = msp_amp(nm, x + nf, nn, perc, w), samp = msp_amp(sm, x + sf, sn, perc, w);
	free(w);
	*snr = msp_safe_snr(samp, namp);
	return MSP_OK;
}
