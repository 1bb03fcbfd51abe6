/*
 * filter.c - IIR design and application as second-order sections.
 *
 * Design follows scipy.signal (1.10) step by step so that the sections come
 * out the same as scipy's, section by section: analog prototype (buttap,
 * cheb1ap), lp2lp/lp2hp/lp2bp/lp2bs_zpk, bilinear_zpk with prewarping
 * (fs = 2), and zpk2sos with 'nearest' pairing (_cplxreal,
 * _nearest_real_complex_idx, worst pole = closest to the unit circle goes
 * last).  Complex division uses numpy's (Smith's) formula and products are
 * taken left to right as numpy does, so the coefficients agree with scipy's
 * to a few ulps.
 *
 * Application: a cascade is serial twice over - each section's recursion
 * depends on its previous output, and each section on the one before.
 * msp_sos_apply breaks the first dependence by linearity: a block of W*L
 * samples is cut into W chunks of L samples that run side by side in the W
 * lanes of a vector, each from a zero state; then the true state entering
 * chunk j is carried across the chunks in a short serial pass (2x2 state
 * transition over L steps), and each chunk is corrected by the zero-input
 * response to that state (two precomputed sequences).  The block stays in
 * L1 while all sections pass over it.  The arithmetic is exact in exact
 * arithmetic; in floating point it agrees with the literal sosfilt loop to
 * rounding (tests check 1e-9 relative against scipy).
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "msp_filter.h"
#include "msp_status.h"

typedef double complex cplx;

/* glibc defines CMPLX for GCC only; clang (the fuzz build) has the builtin. */
#ifndef CMPLX
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif

/* ---------------------------------------------------------------- design */

/* numpy's complex division (Smith's method), to match its rounding. */
static cplx cdiv(cplx a, cplx b)
{
	double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
	double rr, ri;
	if (fabs(br) >= fabs(bi)) {
		if (br == 0 && bi == 0) {
			rr = ar / fabs(br);
			ri = ai / fabs(br);
		} else {
			double rat = bi / br, scl = 1.0 / (br + bi * rat);
			rr = (ar + ai * rat) * scl;
			ri = (ai - ar * rat) * scl;
		}
	} else {
		double rat = br / bi, scl = 1.0 / (bi + br * rat);
		rr = (ar * rat + ai) * scl;
		ri = (ai * rat - ar) * scl;
	}
	return CMPLX(rr, ri);
}

static cplx cmul(cplx a, cplx b)
{
	double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
	return CMPLX(ar * br - ai * bi, ar * bi + ai * br);
}

/* numpy.prod: left to right. */
static cplx cprod(const cplx *v, int n)
{
	if (n == 0)
		return 1.0;
	cplx r = v[0];
	for (int i = 1; i < n; i++)
		r = cmul(r, v[i]);
	return r;
}

#define ZMAX (2 * MSP_CORNERS_MAX + 4)

typedef struct zpk {
	cplx z[ZMAX], p[ZMAX];
	int nz, np;
	double k;
} zpk;

static void buttap(int n, zpk *f)
{
	f->nz = 0;
	f->np = n;
	f->k = 1.0;
	/* numpy: -exp(1j*pi*m/(2*N)); the division by a complex 2N is a
	 * multiplication by 1/(2N) in Smith's formula. */
	double scl = 1.0 / (2.0 * n);
	for (int i = 0; i < n; i++) {
		int m = -n + 1 + 2 * i;
		double th = (M_PI * m) * scl;
		f->p[i] = -CMPLX(cos(th), sin(th));
		if (m == 0)
			f->p[i] = CMPLX(-1.0, -0.0);
	}
}

static void cheb1ap(int n, double rp, zpk *f)
{
	f->nz = 0;
	f->np = n;
	double eps = sqrt(pow(10.0, 0.1 * rp) - 1.0);
	double mu = 1.0 / n * asinh(1 / eps);
	for (int i = 0; i < n; i++) {
		int m = -n + 1 + 2 * i;
		double th = M_PI * m / (2 * n);
		f->p[i] = -csinh(CMPLX(mu, th));
	}
	cplx mp[ZMAX];
	for (int i = 0; i < n; i++)
		mp[i] = -f->p[i];
	f->k = creal(cprod(mp, n));
	if (n % 2 == 0)
		f->k = f->k / sqrt(1 + eps * eps);
}

static void lp2lp(zpk *f, double wo)
{
	int degree = f->np - f->nz;
	for (int i = 0; i < f->nz; i++)
		f->z[i] = cmul(wo, f->z[i]);
	for (int i = 0; i < f->np; i++)
		f->p[i] = cmul(wo, f->p[i]);
	f->k = f->k * pow(wo, degree);
}

static void lp2hp(zpk *f, double wo)
{
	int degree = f->np - f->nz;
	cplx mz[ZMAX] = {0}, mp[ZMAX] = {0};
	for (int i = 0; i < f->nz; i++)
		mz[i] = -f->z[i];
	for (int i = 0; i < f->np; i++)
		mp[i] = -f->p[i];
	double k = f->k * creal(cdiv(cprod(mz, f->nz), cprod(mp, f->np)));
	for (int i = 0; i < f->nz; i++)
		f->z[i] = cdiv(wo, f->z[i]);
	for (int i = 0; i < f->np; i++)
		f->p[i] = cdiv(wo, f->p[i]);
	for (int i = 0; i < degree; i++)
		f->z[f->nz++] = 0;
	f->k = k;
}

/* x +- sqrt(x^2 - wo^2) for each x, all "+" first then all "-" (numpy's concatenate). */
static int shift_pairs(cplx *v, int n, double wo)
{
	cplx t[ZMAX];
	for (int i = 0; i < n; i++) {
		cplx s = csqrt(cmul(v[i], v[i]) - wo * wo);
		t[i] = v[i] + s;
		t[n + i] = v[i] - s;
	}
	memcpy(v, t, sizeof(cplx) * 2 * n);
	return 2 * n;
}

static void lp2bp(zpk *f, double wo, double bw)
{
	int degree = f->np - f->nz;
	for (int i = 0; i < f->nz; i++)
		f->z[i] = cmul(f->z[i], bw) / 2;
	for (int i = 0; i < f->np; i++)
		f->p[i] = cmul(f->p[i], bw) / 2;
	f->nz = shift_pairs(f->z, f->nz, wo);
	f->np = shift_pairs(f->p, f->np, wo);
	for (int i = 0; i < degree; i++)
		f->z[f->nz++] = 0;
	f->k = f->k * pow(bw, degree);
}

static void lp2bs(zpk *f, double wo, double bw)
{
	int degree = f->np - f->nz;
	cplx mz[ZMAX] = {0}, mp[ZMAX] = {0};
	for (int i = 0; i < f->nz; i++)
		mz[i] = -f->z[i];
	for (int i = 0; i < f->np; i++)
		mp[i] = -f->p[i];
	double k = f->k * creal(cdiv(cprod(mz, f->nz), cprod(mp, f->np)));
	for (int i = 0; i < f->nz; i++)
		f->z[i] = cdiv(bw / 2, f->z[i]);
	for (int i = 0; i < f->np; i++)
		f->p[i] = cdiv(bw / 2, f->p[i]);
	f->nz = shift_pairs(f->z, f->nz, wo);
	f->np = shift_pairs(f->p, f->np, wo);
	for (int i = 0; i < degree; i++)
		f->z[f->nz++] = CMPLX(0.0, wo);
	for (int i = 0; i < degree; i++)
		f->z[f->nz++] = CMPLX(0.0, -wo);
	f->k = k;
}

static void bilinear(zpk *f, double fs)
{
	int degree = f->np - f->nz;
	double fs2 = 2.0 * fs;
	cplx a[ZMAX] = {0}, b[ZMAX] = {0};
	for (int i = 0; i < f->nz; i++)
		a[i] = fs2 - f->z[i];
	for (int i = 0; i < f->np; i++)
		b[i] = fs2 - f->p[i];
	double k = f->k * creal(cdiv(cprod(a, f->nz), cprod(b, f->np)));
	for (int i = 0; i < f->nz; i++)
		f->z[i] = cdiv(fs2 + f->z[i], fs2 - f->z[i]);
	for (int i = 0; i < f->np; i++)
		f->p[i] = cdiv(fs2 + f->p[i], fs2 - f->p[i]);
	for (int i = 0; i < degree; i++)
		f->z[f->nz++] = -1.0;
	f->k = k;
}

/* Stable sort of v[0..n) by key (insertion sort: numpy's lexsort is stable,
 * and its argsort on these short arrays is an insertion sort as well). */
static void sort_by(cplx *v, double *key, int n)
{
	for (int i = 1; i < n; i++) {
		cplx tv = v[i];
		double tk = key[i];
		int j = i - 1;
		while (j >= 0 && key[j] > tk) {
			v[j + 1] = v[j];
			key[j + 1] = key[j];
			j--;
		}
		v[j + 1] = tv;
		key[j + 1] = tk;
	}
}

/* scipy's _cplxreal: one of each conjugate pair (imag > 0, averaged with its
 * partner) followed by the real values, written back into v; returns the count. */
static int cplxreal(cplx *v, int n)
{
	if (n == 0)
		return 0;
	double tol = 100 * DBL_EPSILON;
	/* lexsort((abs(imag), real)): by real, then |imag|; two stable passes. */
	double key[ZMAX];
	for (int i = 0; i < n; i++)
		key[i] = fabs(cimag(v[i]));
	sort_by(v, key, n);
	for (int i = 0; i < n; i++)
		key[i] = creal(v[i]);
	sort_by(v, key, n);

	double zr[ZMAX];
	cplx zp[ZMAX], zn[ZMAX];
	int nr = 0, npos = 0, nneg = 0;
	for (int i = 0; i < n; i++) {
		if (fabs(cimag(v[i])) <= tol * cabs(v[i]))
			zr[nr++] = creal(v[i]);
		else if (cimag(v[i]) > 0)
			zp[npos++] = v[i];
		else if (cimag(v[i]) < 0)
			zn[nneg++] = v[i];
	}
	if (npos != nneg)
		return -1;
	/* Runs of (nearly) equal real part are sorted by |imag|. */
	int i = 0;
	while (i < npos - 1) {
		if (creal(zp[i + 1]) - creal(zp[i]) <= tol * cabs(zp[i])) {
			int start = i;
			while (i < npos - 1 && creal(zp[i + 1]) - creal(zp[i]) <= tol * cabs(zp[i]))
				i++;
			int len = i - start + 1;
			for (int j = 0; j < len; j++)
				key[j] = fabs(cimag(zp[start + j]));
			sort_by(zp + start, key, len);
			for (int j = 0; j < len; j++)
				key[j] = fabs(cimag(zn[start + j]));
			sort_by(zn + start, key, len);
		}
		i++;
	}
	int m = 0;
	for (int j = 0; j < npos; j++)
		v[m++] = (zp[j] + conj(zn[j])) / 2;
	for (int j = 0; j < nr; j++)
		v[m++] = zr[j];
	return m;
}

static int isreal(cplx c) { return cimag(c) == 0; }

static void del(cplx *v, int *n, int idx)
{
	memmove(v + idx, v + idx + 1, sizeof(cplx) * (size_t)(*n - idx - 1));
	(*n)--;
}

/* argmin |1 - |p||, first of equals; over the indices with mask (or all). */
static int idx_worst(const cplx *p, int n, int real_only)
{
	int best = -1;
	double bv = 0;
	for (int i = 0; i < n; i++) {
		if (real_only && !isreal(p[i]))
			continue;
		double v = fabs(1 - cabs(p[i]));
		if (best < 0 || v < bv) {
			best = i;
			bv = v;
		}
	}
	return best;
}

/* scipy's _nearest_real_complex_idx; which: 0 any, 1 real, 2 complex. */
static int nearest_idx(const cplx *fro, int n, cplx to, int which)
{
	int order[ZMAX];
	double key[ZMAX];
	for (int i = 0; i < n; i++) {
		order[i] = i;
		key[i] = cabs(fro[i] - to);
	}
	for (int i = 1; i < n; i++) {
		int t = order[i];
		double tk = key[i];
		int j = i - 1;
		while (j >= 0 && key[j] > tk) {
			order[j + 1] = order[j];
			key[j + 1] = key[j];
			j--;
		}
		order[j + 1] = t;
		key[j + 1] = tk;
	}
	for (int i = 0; i < n; i++) {
		int r = isreal(fro[order[i]]);
		if (which == 0 || (which == 1 && r) || (which == 2 && !r))
			return order[i];
	}
	return -1;
}

/* numpy.poly of up to two roots, real part (the roots are real or a conjugate pair). */
static void poly2(const cplx *r, int n, double out[3], int *len)
{
	if (n == 0) {
		out[0] = 1;
		*len = 1;
	} else if (n == 1) {
		out[0] = 1;
		out[1] = creal(-r[0]);
		*len = 2;
	} else {
		out[0] = 1;
		out[1] = creal(-r[1] + -r[0]);
		out[2] = creal(cmul(-r[0], -r[1]));
		*len = 3;
	}
}

static void single_sos(double sec[6], const cplx *z, int nz, const cplx *p, int np)
{
	double b[3], a[3];
	int nb, na;
	poly2(z, nz, b, &nb);
	poly2(p, np, a, &na);
	for (int i = 0; i < 6; i++)
		sec[i] = 0;
	for (int i = 0; i < nb; i++)
		sec[3 - nb + i] = b[i];
	for (int i = 0; i < na; i++)
		sec[6 - na + i] = a[i];
}

/* scipy's zpk2sos(z, p, k) for a digital filter, pairing 'nearest'. */
static int zpk2sos(zpk *f, msp_sos *out)
{
	cplx *z = f->z, *p = f->p;
	int nz = f->nz, np = f->np;
	if (nz == 0 && np == 0) {
		out->n = 1;
		double s[6] = {f->k, 0, 0, 1, 0, 0};
		memcpy(out->s[0], s, sizeof s);
		return MSP_OK;
	}
	while (np < nz)
		p[np++] = 0;
	while (nz < np)
		z[nz++] = 0;
	int nsec = (np + 1) / 2;
	if (nsec > MSP_SOS_MAX)
		return MSP_ERR_INVAL;
	if (np % 2 == 1) {
		p[np++] = 0;
		z[nz++] = 0;
	}
	nz = cplxreal(z, nz);
	np = cplxreal(p, np);
	if (nz < 0 || np < 0)
		return MSP_ERR_INVAL;
	out->n = nsec;
	for (int si = nsec - 1; si >= 0; si--) {
		int i1 = idx_worst(p, np, 0);
		cplx p1 = p[i1];
		del(p, &np, i1);
		int nrealp = 0, nrealz = 0;
		for (int i = 0; i < np; i++)
			nrealp += isreal(p[i]);
		for (int i = 0; i < nz; i++)
			nrealz += isreal(z[i]);
		if (isreal(p1) && nrealp == 0) {
			int zi = nearest_idx(z, nz, p1, 1);
			if (zi < 0)
				return MSP_ERR_INVAL;
			cplx zz[2] = {z[zi], 0}, pp[2] = {p1, 0};
			del(z, &nz, zi);
			single_sos(out->s[si], zz, 2, pp, 2);
		} else if (np + 1 == nz && !isreal(p1) && nrealp == 1 && nrealz == 1) {
			int zi = nearest_idx(z, nz, p1, 2);
			if (zi < 0)
				return MSP_ERR_INVAL;
			cplx zz[2] = {z[zi], conj(z[zi])}, pp[2] = {p1, conj(p1)};
			del(z, &nz, zi);
			single_sos(out->s[si], zz, 2, pp, 2);
		} else {
			cplx p2;
			if (isreal(p1)) {
				int i2 = idx_worst(p, np, 1);
				if (i2 < 0)
					return MSP_ERR_INVAL;
				p2 = p[i2];
				del(p, &np, i2);
			} else {
				p2 = conj(p1);
			}
			cplx pp[2] = {p1, p2};
			if (nz > 0) {
				int zi = nearest_idx(z, nz, p1, 0);
				cplx z1 = z[zi];
				del(z, &nz, zi);
				if (!isreal(z1)) {
					cplx zz[2] = {z1, conj(z1)};
					single_sos(out->s[si], zz, 2, pp, 2);
				} else if (nz > 0) {
					int zj = nearest_idx(z, nz, p1, 1);
					if (zj < 0)
						return MSP_ERR_INVAL;
					cplx zz[2] = {z1, z[zj]};
					del(z, &nz, zj);
					single_sos(out->s[si], zz, 2, pp, 2);
				} else {
					single_sos(out->s[si], &z1, 1, pp, 2);
				}
			} else {
				single_sos(out->s[si], NULL, 0, pp, 2);
			}
		}
	}
	for (int i = 0; i < 3; i++)
		out->s[0][i] *= f->k;
	return MSP_OK;
}

/* scipy.signal.iirfilter for a digital filter from a prototype. */
static int iirfilter(zpk *f, int band, double w1, double w2, msp_sos *out)
{
	int two = band == MSP_BANDPASS || band == MSP_BANDSTOP;
	if (!(w1 > 0) || (two && !(w2 > 0)))
		return MSP_ERR_RANGE;
	if (two && !(w1 < w2))
		return MSP_ERR_RANGE;
	if (!(w1 < 1) || (two && !(w2 < 1)))
		return MSP_ERR_RANGE;
	double fs = 2.0;
	double wa = 2 * fs * tan(M_PI * w1 / fs);
	double wb = two ? 2 * fs * tan(M_PI * w2 / fs) : 0;
	switch (band) {
	case MSP_LOWPASS:
		lp2lp(f, wa);
		break;
	case MSP_HIGHPASS:
		lp2hp(f, wa);
		break;
	case MSP_BANDPASS:
		lp2bp(f, sqrt(wa * wb), wb - wa);
		break;
	case MSP_BANDSTOP:
		lp2bs(f, sqrt(wa * wb), wb - wa);
		break;
	default:
		return MSP_ERR_INVAL;
	}
	bilinear(f, fs);
	return zpk2sos(f, out);
}

static int check_design(int band, int order, msp_sos *out)
{
	if (!out || band < MSP_LOWPASS || band > MSP_BANDSTOP || order < 1 || order > MSP_CORNERS_MAX)
		return MSP_ERR_INVAL;
	return MSP_OK;
}

int msp_butter_sos(int band, int order, double w1, double w2, msp_sos *out)
{
	int rc = check_design(band, order, out);
	if (rc)
		return rc;
	zpk f;
	buttap(order, &f);
	return iirfilter(&f, band, w1, w2, out);
}

int msp_cheby1_sos(int band, int order, double rp, double w1, double w2, msp_sos *out)
{
	int rc = check_design(band, order, out);
	if (rc)
		return rc;
	if (!(rp >= 0) || !isfinite(rp))
		return MSP_ERR_RANGE;
	zpk f;
	cheb1ap(order, rp, &f);
	return iirfilter(&f, band, w1, w2, out);
}

int msp_butter_design(int band, int corners, double f1, double f2, double fs,
                      msp_sos *out, int *changes)
{
	int dummy;
	if (!changes)
		changes = &dummy;
	*changes = 0;
	if (!(fs > 0) || !isfinite(fs) || !isfinite(f1) || !isfinite(f2))
		return MSP_ERR_RANGE;
	double fe = 0.5 * fs;
	double low = f1 / fe, high = f2 / fe;
	switch (band) {
	case MSP_BANDPASS:
		if (high - 1.0 > -1e-6) {
			*changes |= MSP_FILTER_BECAME_HIGHPASS;
			return msp_butter_design(MSP_HIGHPASS, corners, f1, 0, fs, out, NULL);
		}
		if (low > 1)
			return MSP_ERR_RANGE;
		return msp_butter_sos(band, corners, low, high, out);
	case MSP_BANDSTOP:
		if (high > 1) {
			high = 1.0;
			*changes |= MSP_FILTER_CLAMPED;
		}
		if (low > 1)
			return MSP_ERR_RANGE;
		return msp_butter_sos(band, corners, low, high, out);
	case MSP_LOWPASS:
		if (low > 1) {
			low = 1.0;
			*changes |= MSP_FILTER_CLAMPED;
		}
		return msp_butter_sos(band, corners, low, 0, out);
	case MSP_HIGHPASS:
		if (low > 1)
			return MSP_ERR_RANGE;
		return msp_butter_sos(band, corners, low, 0, out);
	}
	return MSP_ERR_INVAL;
}

/* ----------------------------------------------------------- application */

void msp_sos_filter_zi(const msp_sos *sos, double *x, size_t n, double (*zi)[2])
{
	double z[MSP_SOS_MAX][2];
	int ns = sos->n;
	for (int s = 0; s < ns; s++) {
		z[s][0] = zi ? zi[s][0] : 0;
		z[s][1] = zi ? zi[s][1] : 0;
	}
	for (size_t i = 0; i < n; i++) {
		double xc = x[i];
		for (int s = 0; s < ns; s++) {
			const double *c = sos->s[s];
			double xn = c[0] * xc + z[s][0];
			z[s][0] = c[1] * xc - c[4] * xn + z[s][1];
			z[s][1] = c[2] * xc - c[5] * xn;
			xc = xn;
		}
		x[i] = xc;
	}
	if (zi)
		for (int s = 0; s < ns; s++) {
			zi[s][0] = z[s][0];
			zi[s][1] = z[s][1];
		}
}

/* Block geometry: LANES chunks of CHUNK samples; a block of LANES*CHUNK =
 * 2048 doubles (16 KiB) stays in L1 through every section.  The lanes are
 * two vectors of 8 (registers on AVX-512, pairs of registers on AVX2). */
#define LANES 16
#define CHUNK 128
#define BLOCK (LANES * CHUNK)

typedef double v8 __attribute__((vector_size(64)));

/* Per section: zero-input output for unit initial states, and the 2x2
 * state transition over one chunk. */
typedef struct sec_plan {
	double g0[CHUNK], g1[CHUNK];
	double phi[2][2]; /* state after CHUNK steps: phi[r][c] from unit state c */
} sec_plan;

static void plan_section(const double *c, sec_plan *pl)
{
	for (int col = 0; col < 2; col++) {
		double u0 = col == 0, u1 = col == 1;
		double *g = col == 0 ? pl->g0 : pl->g1;
		for (int i = 0; i < CHUNK; i++) {
			double y = u0;
			/* Flush what would become subnormal: slow to multiply, and
			 * its contribution is below 1e-300 of the carried state. */
			if (fabs(y) < 1e-300)
				y = u0 = 0;
			if (fabs(u1) < 1e-300)
				u1 = 0;
			g[i] = y;
			u0 = u1 - c[4] * y;
			u1 = -c[5] * y;
		}
		pl->phi[0][col] = u0;
		pl->phi[1][col] = u1;
	}
}

/* 8x8 transpose in registers: r[k][c] -> r[c][k]. */
static inline __attribute__((always_inline)) void transpose8(v8 *r)
{
	/* __builtin_shufflevector: GCC >= 12 and clang alike. */
	v8 t[8], u[8];
	for (int k = 0; k < 8; k += 2) {
		t[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 2, 10, 4, 12, 6, 14);
		t[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 1, 9, 3, 11, 5, 13, 7, 15);
	}
	for (int k = 0; k < 8; k += 4) {
		u[k] = __builtin_shufflevector(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
		u[k + 2] = __builtin_shufflevector(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
		u[k + 1] = __builtin_shufflevector(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
		u[k + 3] = __builtin_shufflevector(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
	}
	for (int k = 0; k < 4; k++) {
		r[k] = __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
		r[k + 4] = __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
	}
}

/* t[2*i + h] holds sample i of lanes 8h..8h+7; lane j is x[j*CHUNK ..]. */
static inline __attribute__((always_inline)) void to_lanes(const double *x, v8 *t)
{
	for (int h = 0; h < 2; h++)
		for (int ib = 0; ib < CHUNK; ib += 8) {
			v8 r[8];
			for (int k = 0; k < 8; k++)
				memcpy(&r[k], x + (size_t)(8 * h + k) * CHUNK + ib, sizeof(v8));
			transpose8(r);
			for (int c = 0; c < 8; c++)
				t[2 * (ib + c) + h] = r[c];
		}
}

/* Back to samples, adding the last section's pending correction. */
static inline __attribute__((always_inline)) void
from_lanes(const v8 *t, double *x, const sec_plan *p, const v8 *in0, const v8 *in1)
{
	for (int h = 0; h < 2; h++)
		for (int ib = 0; ib < CHUNK; ib += 8) {
			v8 r[8];
			for (int c = 0; c < 8; c++)
				r[c] = t[2 * (ib + c) + h] + p->g0[ib + c] * in0[h] + p->g1[ib + c] * in1[h];
			transpose8(r);
			for (int k = 0; k < 8; k++)
				memcpy(x + (size_t)(8 * h + k) * CHUNK + ib, &r[k], sizeof(v8));
		}
}

/* One section over the block from zero state; the previous section's
 * correction (p0, c0, c1) is added as its output is read.  Leaves the
 * zero-state final states in f0, f1. */
static inline __attribute__((always_inline)) void
section_pass(v8 *t, const double *c, const sec_plan *pp, const v8 *c0, const v8 *c1, v8 *f0, v8 *f1)
{
	const double b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
	v8 z0a = {0}, z1a = {0}, z0b = {0}, z1b = {0};
	for (int i = 0; i < CHUNK; i++) {
		v8 xa = t[2 * i], xb = t[2 * i + 1];
		if (pp) {
			xa += pp->g0[i] * c0[0] + pp->g1[i] * c1[0];
			xb += pp->g0[i] * c0[1] + pp->g1[i] * c1[1];
		}
		v8 ya = b0 * xa + z0a, yb = b0 * xb + z0b;
		v8 ua = b1 * xa + z1a, ub = b1 * xb + z1b;
		z0a = ua - a1 * ya;
		z0b = ub - a1 * yb;
		z1a = b2 * xa - a2 * ya;
		z1b = b2 * xb - a2 * yb;
		t[2 * i] = ya;
		t[2 * i + 1] = yb;
	}
	f0[0] = z0a;
	f0[1] = z0b;
	f1[0] = z1a;
	f1[1] = z1b;
}

/* One block of BLOCK samples through every section; cs carries each
 * section's state from the previous block and on to the next. */
static inline __attribute__((always_inline)) void
block_body(const msp_sos *sos, const sec_plan *pl, double *x, double (*cs)[2], v8 *t)
{
	v8 in0[2] = {{0}}, in1[2] = {{0}}, f0[2], f1[2];
	to_lanes(x, t);
	for (int s = 0; s < sos->n; s++) {
		if (s == 0)
			section_pass(t, sos->s[s], NULL, in0, in1, f0, f1);
		else
			section_pass(t, sos->s[s], &pl[s - 1], in0, in1, f0, f1);
		/* The true state entering each chunk, carried serially. */
		double s0 = cs[s][0], s1 = cs[s][1];
		const sec_plan *p = &pl[s];
		for (int j = 0; j < LANES; j++) {
			in0[j / 8][j % 8] = s0;
			in1[j / 8][j % 8] = s1;
			double n0 = f0[j / 8][j % 8] + (p->phi[0][0] * s0 + p->phi[0][1] * s1);
			double n1 = f1[j / 8][j % 8] + (p->phi[1][0] * s0 + p->phi[1][1] * s1);
			s0 = n0;
			s1 = n1;
		}
		cs[s][0] = s0;
		cs[s][1] = s1;
	}
	from_lanes(t, x, &pl[sos->n - 1], in0, in1);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f,avx2,fma")))
static void block_avx512(const msp_sos *sos, const sec_plan *pl, double *x, double (*cs)[2], v8 *t)
{
	block_body(sos, pl, x, cs, t);
}

__attribute__((target("avx2,fma")))
static void block_avx2(const msp_sos *sos, const sec_plan *pl, double *x, double (*cs)[2], v8 *t)
{
	block_body(sos, pl, x, cs, t);
}

#define MSP_HAVE_X86_PATHS 1
#endif

static void block_plain(const msp_sos *sos, const sec_plan *pl, double *x, double (*cs)[2], v8 *t)
{
	block_body(sos, pl, x, cs, t);
}

/* The sample-by-sample cascade for inputs too short for blocks (2000-sample
 * windows) and for the blocks' tail.  msp_sos_filter_zi, scipy's loop as
 * written, keeps each state in memory and puts three operations between one
 * state and the next (b1 x - a1 y + z1 after y); here the section count is a
 * constant (states in registers) and b1 x + z1 is formed before y, so the
 * recurrence waits on one multiply-add (with FMA) per section and sample.
 * The same result to rounding. */
static inline __attribute__((always_inline)) void
cascade(const msp_sos *sos, double *x, size_t n, double (*cs)[2], const int NS)
{
	double b0[8], b1[8], b2[8], a1[8], a2[8], z0[8], z1[8];
#pragma GCC unroll 8
	for (int s = 0; s < NS; s++) {
		b0[s] = sos->s[s][0];
		b1[s] = sos->s[s][1];
		b2[s] = sos->s[s][2];
		a1[s] = sos->s[s][4];
		a2[s] = sos->s[s][5];
		z0[s] = cs[s][0];
		z1[s] = cs[s][1];
	}
	for (size_t i = 0; i < n; i++) {
		double xc = x[i];
#pragma GCC unroll 8
		for (int s = 0; s < NS; s++) {
			double u = b1[s] * xc + z1[s];
			double y = b0[s] * xc + z0[s];
			z0[s] = u - a1[s] * y;
			z1[s] = b2[s] * xc - a2[s] * y;
			xc = y;
		}
		x[i] = xc;
	}
#pragma GCC unroll 8
	for (int s = 0; s < NS; s++) {
		cs[s][0] = z0[s];
		cs[s][1] = z1[s];
	}
}

static inline __attribute__((always_inline)) void
cascade_any(const msp_sos *sos, double *x, size_t n, double (*cs)[2])
{
	switch (sos->n) {
	case 1: cascade(sos, x, n, cs, 1); break;
	case 2: cascade(sos, x, n, cs, 2); break;
	case 3: cascade(sos, x, n, cs, 3); break;
	case 4: cascade(sos, x, n, cs, 4); break;
	case 5: cascade(sos, x, n, cs, 5); break;
	case 6: cascade(sos, x, n, cs, 6); break;
	case 7: cascade(sos, x, n, cs, 7); break;
	case 8: cascade(sos, x, n, cs, 8); break;
	default: msp_sos_filter_zi(sos, x, n, cs); break;
	}
}

#ifdef MSP_HAVE_X86_PATHS
__attribute__((target("avx2,fma")))
static void cascade_fma(const msp_sos *sos, double *x, size_t n, double (*cs)[2])
{
	cascade_any(sos, x, n, cs);
}
#endif

static void cascade_plain(const msp_sos *sos, double *x, size_t n, double (*cs)[2])
{
	cascade_any(sos, x, n, cs);
}

static void sos_scalar(const msp_sos *sos, double *x, size_t n, double (*cs)[2])
{
#if defined(MSP_HAVE_X86_PATHS) && !defined(MSP_FILTER_TEST_ISA)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		cascade_fma(sos, x, n, cs);
		return;
	}
#elif defined(MSP_HAVE_X86_PATHS)
	__builtin_cpu_init();
	if (msp_filter_test_isa >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		cascade_fma(sos, x, n, cs);
		return;
	}
#endif
	cascade_plain(sos, x, n, cs);
}

/* Forward pass from state cs (updated). */
static void sos_run(const msp_sos *sos, double *x, size_t n, double (*cs)[2])
{
	if (n < 2 * BLOCK || sos->n < 1) {
		sos_scalar(sos, x, n, cs);
		return;
	}
	sec_plan pl[MSP_SOS_MAX];
	v8 t[2 * CHUNK];
	for (int s = 0; s < sos->n; s++)
		plan_section(sos->s[s], &pl[s]);
	void (*block)(const msp_sos *, const sec_plan *, double *, double (*)[2], v8 *) = block_plain;
#ifdef MSP_HAVE_X86_PATHS
	__builtin_cpu_init();
#ifdef MSP_FILTER_TEST_ISA
	/* tests/unit/test_filter_isa.c compiles this file with each path forced. */
	if (msp_filter_test_isa == 2 && __builtin_cpu_supports("avx512f"))
		block = block_avx512;
	else if (msp_filter_test_isa == 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		block = block_avx2;
#else
	if (__builtin_cpu_supports("avx512f"))
		block = block_avx512;
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		block = block_avx2;
#endif
#endif
	size_t i = 0;
	for (; i + BLOCK <= n; i += BLOCK)
		block(sos, pl, x + i, cs, t);
	sos_scalar(sos, x + i, n - i, cs);
}

static void reverse(double *x, size_t n)
{
	for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
		double t = x[i];
		x[i] = x[j];
		x[j] = t;
	}
}

void msp_sos_apply(const msp_sos *sos, double *x, size_t n, int zerophase)
{
	double cs[MSP_SOS_MAX][2];
	memset(cs, 0, sizeof cs);
	sos_run(sos, x, n, cs);
	if (zerophase) {
		memset(cs, 0, sizeof cs);
		reverse(x, n);
		sos_run(sos, x, n, cs);
		reverse(x, n);
	}
}

void msp_sos_zi(const msp_sos *sos, double (*zi)[2])
{
	double scale = 1.0;
	for (int s = 0; s < sos->n; s++) {
		const double *c = sos->s[s];
		double b0 = c[0] / c[3], b1 = c[1] / c[3], b2 = c[2] / c[3];
		double a1 = c[4] / c[3], a2 = c[5] / c[3];
		/* lfilter_zi: solve (I - A^T) zi = b[1:] - a[1:]*b0 in closed form. */
		double z0 = (b1 - a1 * b0 + (b2 - a2 * b0)) / (1 + a1 + a2);
		double z1 = b2 - a2 * b0 - a2 * z0;
		zi[s][0] = scale * z0;
		zi[s][1] = scale * z1;
		scale *= (c[0] + c[1] + c[2]) / (c[3] + c[4] + c[5]);
	}
}

size_t msp_sosfiltfilt_padlen(const msp_sos *sos)
{
	int nb2 = 0, na2 = 0;
	for (int s = 0; s < sos->n; s++) {
		nb2 += sos->s[s][2] == 0;
		na2 += sos->s[s][5] == 0;
	}
	int ntaps = 2 * sos->n + 1 - (nb2 < na2 ? nb2 : na2);
	return (size_t)ntaps * 3;
}

int msp_sosfiltfilt(const msp_sos *sos, double *x, size_t n, double *work)
{
	size_t e = msp_sosfiltfilt_padlen(sos);
	if (n <= e)
		return MSP_ERR_DATA;
	double *ext = work;
	size_t m = n + 2 * e;
	for (size_t i = 0; i < e; i++)
		ext[i] = 2 * x[0] - x[e - i];
	memcpy(ext + e, x, n * sizeof *x);
	for (size_t i = 0; i < e; i++)
		ext[e + n + i] = 2 * x[n - 1] - x[n - 2 - i];
	double zi[MSP_SOS_MAX][2], cs[MSP_SOS_MAX][2];
	msp_sos_zi(sos, zi);
	for (int s = 0; s < sos->n; s++) {
		cs[s][0] = zi[s][0] * ext[0];
		cs[s][1] = zi[s][1] * ext[0];
	}
	sos_run(sos, ext, m, cs);
	double y0 = ext[m - 1];
	for (int s = 0; s < sos->n; s++) {
		cs[s][0] = zi[s][0] * y0;
		cs[s][1] = zi[s][1] * y0;
	}
	reverse(ext, m);
	sos_run(sos, ext, m, cs);
	reverse(ext, m);
	memcpy(x, ext + e, n * sizeof *x);
	return MSP_OK;
}

double msp_sos_gain(const msp_sos *sos, double w)
{
	cplx e1 = cexp(-I * w), e2 = cexp(-2 * I * w);
	cplx h = 1;
	for (int s = 0; s < sos->n; s++) {
		const double *c = sos->s[s];
		h *= (c[0] + c[1] * e1 + c[2] * e2) / (c[3] + c[4] * e1 + c[5] * e2);
	}
	return cabs(h);
}
