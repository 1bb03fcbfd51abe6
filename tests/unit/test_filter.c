/*
 * test_filter.c - Butterworth / Chebyshev-I design and SOS application.
 *
 * References, none of them this code: scipy.signal (iirfilter/zpk2sos
 * coefficients, sosfilt, sosfiltfilt, decimate's cheby1) through
 * /usr/bin/python3; the analytic Butterworth magnitude through the bilinear
 * map Omega = 4 tan(w/2); the literal sosfilt loop for the blocked kernel.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "msp_filter.h"
#include "msp_status.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double unif(void)
{
	return (double)(tap_xorshift(&rng) >> 11) / 9007199254740992.0;
}

static int have_scipy(void)
{
	return system("/usr/bin/python3 -c 'import scipy.signal' >/dev/null 2>&1") == 0;
}

typedef struct design {
	int cheby, band, order;
	double w1, w2;
} design;

static const char *bname[] = {"lowpass", "highpass", "bandpass", "bandstop"};

/* Compare our sections with scipy's for every design; returns worst error. */
static double compare_designs(const design *d, int nd, int *fails)
{
	char tmpl[] = "/tmp/test_filter.XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "import numpy as np\nfrom scipy import signal\n");
	fprintf(f, "np.set_printoptions(precision=17)\n");
	for (int i = 0; i < nd; i++) {
		const design *e = &d[i];
		if (e->band >= 2)
			fprintf(f, "W=[%.17g,%.17g]\n", e->w1, e->w2);
		else
			fprintf(f, "W=%.17g\n", e->w1);
		if (e->cheby)
			fprintf(f, "z,p,k=signal.iirfilter(%d,W,rp=0.05,btype='%s',ftype='cheby1',output='zpk')\n",
			        e->order, bname[e->band]);
		else
			fprintf(f, "z,p,k=signal.iirfilter(%d,W,btype='%s',ftype='butter',output='zpk')\n",
			        e->order, bname[e->band]);
		fprintf(f, "s=signal.zpk2sos(z,p,k)\nprint(len(s))\n"
		           "for r in s: print(' '.join('%%.17g'%%v for v in r))\n");
	}
	fclose(f);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", tmpl);
	FILE *p = popen(cmd, "r");
	double worst = 0;
	*fails = 0;
	for (int i = 0; i < nd; i++) {
		msp_sos s;
		int rc = d[i].cheby ? msp_cheby1_sos(d[i].band, d[i].order, 0.05, d[i].w1, d[i].w2, &s)
		                    : msp_butter_sos(d[i].band, d[i].order, d[i].w1, d[i].w2, &s);
		int n = -1;
		if (fscanf(p, "%d", &n) != 1 || rc || n != s.n) {
			(*fails)++;
			printf("# design %d: rc %d, sections %d vs scipy %d\n", i, rc, s.n, n);
			continue;
		}
		for (int k = 0; k < n; k++) {
			double r[6], bmax = 0;
			for (int j = 0; j < 6; j++)
				if (fscanf(p, "%lg", &r[j]) != 1)
					r[j] = NAN;
			for (int j = 0; j < 3; j++)
				bmax = fmax(bmax, fabs(r[j]));
			for (int j = 0; j < 6; j++) {
				double scale = j < 3 ? bmax : fmax(1.0, fabs(r[j]));
				double err = fabs(s.s[k][j] - r[j]) / scale;
				if (!(err <= 1e-12)) {
					(*fails)++;
					printf("# design %d (%s %s N=%d %g %g) section %d coef %d: %.17g vs scipy %.17g\n",
					       i, d[i].cheby ? "cheby1" : "butter", bname[d[i].band], d[i].order,
					       d[i].w1, d[i].w2, k, j, s.s[k][j], r[j]);
				}
				if (err > worst || err != err)
					worst = err;
			}
		}
	}
	pclose(p);
	unlink(tmpl);
	return worst;
}

/* Run python on x (binary file) and read back n doubles. */
static int scipy_filter(const char *expr, const double *x, size_t n, double *y)
{
	char in[] = "/tmp/test_filter_in.XXXXXX", out[] = "/tmp/test_filter_out.XXXXXX";
	int fi = mkstemp(in), fo = mkstemp(out);
	if (write(fi, x, n * 8) != (ssize_t)(n * 8))
		return -1;
	close(fi);
	close(fo);
	char cmd[4600];
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 -c \"import numpy as np; from scipy import signal; "
	         "x=np.fromfile('%s'); y=%s; np.asarray(y,dtype=np.float64).tofile('%s')\"",
	         in, expr, out);
	int rc = system(cmd);
	FILE *f = fopen(out, "rb");
	size_t got = f ? fread(y, 8, n, f) : 0;
	if (f)
		fclose(f);
	unlink(in);
	unlink(out);
	return rc == 0 && got == n ? 0 : -1;
}

static double relerr(const double *a, const double *b, size_t n)
{
	double m = 0, e = 0;
	for (size_t i = 0; i < n; i++) {
		m = fmax(m, fabs(b[i]));
		e = fmax(e, fabs(a[i] - b[i]));
	}
	return m > 0 ? e / m : e;
}

/* Analytic |H| of a digital Butterworth (bilinear, fs = 2 convention). */
static double butter_mag(int band, int order, double w1, double w2, double w)
{
	double om = 4 * tan(w / 2);
	double wa = 4 * tan(M_PI * w1 / 2), wb = 4 * tan(M_PI * w2 / 2);
	double x;
	switch (band) {
	case MSP_LOWPASS: x = om / wa; break;
	case MSP_HIGHPASS: x = wa / om; break;
	case MSP_BANDPASS: x = (om * om - wa * wb) / (om * (wb - wa)); break;
	default: x = om * (wb - wa) / (wa * wb - om * om); break;
	}
	return 1 / sqrt(1 + pow(x * x, order));
}

static void sos_text(const msp_sos *s, char *buf, size_t len)
{
	size_t o = 0;
	o += (size_t)snprintf(buf + o, len - o, "[");
	for (int k = 0; k < s->n && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s[%.17g,%.17g,%.17g,%.17g,%.17g,%.17g]",
		                      k ? "," : "", s->s[k][0], s->s[k][1], s->s[k][2], s->s[k][3],
		                      s->s[k][4], s->s[k][5]);
	snprintf(buf + o, len - o, "]");
}

int main(void)
{
	msp_sos s;
	/* Bad designs. */
	is(msp_butter_sos(MSP_LOWPASS, 0, 0.1, 0, &s), MSP_ERR_INVAL, "order 0 refused");
	is(msp_butter_sos(MSP_LOWPASS, MSP_CORNERS_MAX + 1, 0.1, 0, &s), MSP_ERR_INVAL, "order too high refused");
	is(msp_butter_sos(MSP_BANDPASS, 4, 0.3, 0.1, &s), MSP_ERR_RANGE, "reversed band refused");
	is(msp_butter_sos(MSP_BANDPASS, 4, 0.1, 1.0, &s), MSP_ERR_RANGE, "band edge at Nyquist refused");
	is(msp_butter_sos(MSP_LOWPASS, 4, 0.0, 0, &s), MSP_ERR_RANGE, "corner 0 refused");
	is(msp_butter_sos(MSP_LOWPASS, 4, NAN, 0, &s), MSP_ERR_RANGE, "NaN corner refused");
	int ch;
	/* ObsPy's rules, fs = 20 Hz, Nyquist 10 Hz. */
	is(msp_butter_design(MSP_BANDPASS, 4, 1, 10, 20, &s, &ch), MSP_OK, "bandpass to Nyquist designs");
	is(ch, MSP_FILTER_BECAME_HIGHPASS, "... as a highpass (ObsPy)");
	msp_sos h;
	msp_butter_design(MSP_HIGHPASS, 4, 1, 0, 20, &h, NULL);
	ok(memcmp(&h.s, &s.s, sizeof(double) * 6 * (size_t)h.n) == 0 && h.n == s.n, "... equal to highpass(freqmin)");
	is(msp_butter_design(MSP_BANDPASS, 4, 1, 9.99999, 20, &s, &ch), MSP_OK, "freqmax within 1e-6 of Nyquist");
	is(ch, MSP_FILTER_BECAME_HIGHPASS, "... becomes highpass too (ObsPy's -1e-6)");
	is(msp_butter_design(MSP_BANDPASS, 4, 11, 12, 20, &s, &ch), MSP_ERR_RANGE, "both corners above Nyquist: highpass(11) fails");
	is(msp_butter_design(MSP_BANDPASS, 4, 9.9, 9.99, 20, &s, &ch), MSP_OK, "band below Nyquist designs");
	is(ch, 0, "... unchanged");
	is(msp_butter_design(MSP_HIGHPASS, 4, 11, 0, 20, &s, &ch), MSP_ERR_RANGE, "highpass above Nyquist fails");
	is(msp_butter_design(MSP_HIGHPASS, 4, 10, 0, 20, &s, &ch), MSP_ERR_RANGE, "highpass at Nyquist fails");
	is(msp_butter_design(MSP_LOWPASS, 4, 12, 0, 20, &s, &ch), MSP_ERR_RANGE,
	   "lowpass above Nyquist: clamped to Nyquist, then scipy refuses Wn=1");
	is(ch, MSP_FILTER_CLAMPED, "... and says it clamped");
	is(msp_butter_design(MSP_BANDSTOP, 4, 1, 12, 20, &s, &ch), MSP_ERR_RANGE, "bandstop high edge above Nyquist fails the same way");
	is(msp_butter_design(MSP_BANDPASS, 4, 3, 2, 20, &s, &ch), MSP_ERR_RANGE, "reversed band fails");
	is(msp_butter_design(MSP_LOWPASS, 4, 1, 0, 0, &s, &ch), MSP_ERR_RANGE, "fs 0 fails");

	/* Analytic magnitude from an impulse through the tool's path. */
	{
		struct { int band, order; double w1, w2; int zp; } m[] = {
			{MSP_LOWPASS, 4, 0.2, 0, 0}, {MSP_HIGHPASS, 3, 0.05, 0, 0},
			{MSP_BANDPASS, 4, 0.05, 0.3, 0}, {MSP_BANDSTOP, 2, 0.2, 0.4, 0},
			{MSP_LOWPASS, 5, 0.1, 0, 1}, {MSP_BANDPASS, 2, 0.02, 0.15, 1},
		};
		size_t n = 1 << 15;
		double *x = malloc(n * sizeof *x);
		for (size_t t = 0; t < sizeof m / sizeof m[0]; t++) {
			msp_butter_sos(m[t].band, m[t].order, m[t].w1, m[t].w2, &s);
			memset(x, 0, n * sizeof *x);
			size_t at = m[t].zp ? n / 2 : 0;
			x[at] = 1;
			msp_sos_apply(&s, x, n, m[t].zp);
			double worst = 0;
			for (int k = 1; k < 200; k++) {
				double w = M_PI * k / 200.0, re = 0, im = 0;
				for (size_t i = 0; i < n; i++) {
					re += x[i] * cos(w * ((double)i - (double)at));
					im -= x[i] * sin(w * ((double)i - (double)at));
				}
				double a = butter_mag(m[t].band, m[t].order, m[t].w1, m[t].w2, w);
				if (m[t].zp)
					a *= a;
				worst = fmax(worst, fabs(sqrt(re * re + im * im) - a));
				worst = fmax(worst, fabs(msp_sos_gain(&s, w) - butter_mag(m[t].band, m[t].order, m[t].w1, m[t].w2, w)));
			}
			ok(worst < 1e-6, "impulse magnitude = analytic Butterworth (%s N=%d%s): max error %.2g",
			   bname[m[t].band], m[t].order, m[t].zp ? " zerophase" : "", worst);
		}
		free(x);
	}

	/* The blocked kernel against the literal sosfilt loop. */
	{
		size_t lens[] = {1, 100, 4095, 4096, 4097, 2048 * 7 + 13, 100000};
		double worst = 0;
		for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
			size_t n = lens[t];
			double *a = malloc(n * 8), *b = malloc(n * 8);
			for (int band = 0; band < 4; band++) {
				msp_butter_sos(band, 4, 0.01, 0.2, &s);
				for (size_t i = 0; i < n; i++)
					a[i] = b[i] = (unif() - 0.5) * 1e4 + 3e5;
				msp_sos_apply(&s, a, n, 0);
				msp_sos_filter_zi(&s, b, n, NULL);
				worst = fmax(worst, relerr(a, b, n));
			}
			free(a);
			free(b);
		}
		ok(worst < 1e-10, "blocked cascade = literal sosfilt loop (max rel error %.2g)", worst);
	}

	/* The short-input cascade (one specialisation per section count, 1 to 8,
	 * and the literal loop beyond) against the literal loop. */
	{
		size_t n = 2000;
		double worst = 0;
		double *a = malloc(n * 8), *b = malloc(n * 8);
		for (int order = 1; order <= 10; order++)
			for (int band = 0; band < 4; band++) {
				msp_butter_sos(band, order, 0.01, 0.2, &s);
				for (size_t i = 0; i < n; i++)
					a[i] = b[i] = (unif() - 0.5) * 1e4 + 3e5;
				msp_sos_apply(&s, a, n, 0);
				msp_sos_filter_zi(&s, b, n, NULL);
				worst = fmax(worst, relerr(a, b, n));
			}
		free(a);
		free(b);
		ok(worst < 1e-10, "short-input cascade, 1 to 20 sections = literal sosfilt loop (max rel error %.2g)", worst);
	}

	/* Zero phase keeps a symmetric pulse symmetric. */
	{
		size_t n = 20001;
		double *x = calloc(n, 8);
		for (size_t i = 0; i < n; i++) {
			double t = ((double)i - 10000) / 50.0;
			x[i] = exp(-t * t) * cos(3 * t);
		}
		msp_butter_sos(MSP_BANDPASS, 4, 0.01, 0.1, &s);
		msp_sos_apply(&s, x, n, 1);
		double asym = 0, m = 0;
		for (size_t i = 0; i < n; i++) {
			asym = fmax(asym, fabs(x[i] - x[n - 1 - i]));
			m = fmax(m, fabs(x[i]));
		}
		ok(asym / m < 1e-9, "zerophase keeps a symmetric pulse symmetric (rel %.2g)", asym / m);
		free(x);
	}

	if (!have_scipy()) {
		ok(1, "# SKIP no /usr/bin/python3 with scipy");
		return done_testing();
	}

	/* Coefficients against scipy, many designs. */
	{
		design d[600];
		int nd = 0;
		double ws[] = {0.001, 0.0123, 0.05, 0.1, 0.25, 0.4, 0.5, 0.61, 0.8, 0.95, 0.999};
		int nws = sizeof ws / sizeof ws[0];
		for (int order = 1; order <= 10; order++)
			for (int i = 0; i < nws; i++) {
				d[nd++] = (design){0, MSP_LOWPASS, order, ws[i], 0};
				d[nd++] = (design){0, MSP_HIGHPASS, order, ws[i], 0};
				int j = (i + 3 + order) % nws;
				double a = fmin(ws[i], ws[j]), b = fmax(ws[i], ws[j]);
				if (a < b) {
					d[nd++] = (design){0, MSP_BANDPASS, order, a, b};
					d[nd++] = (design){0, MSP_BANDSTOP, order, a, b};
				}
			}
		for (int q = 2; q <= 13; q++)
			d[nd++] = (design){1, MSP_LOWPASS, 8, 0.8 / q, 0};
		d[nd++] = (design){0, MSP_BANDPASS, 16, 0.01, 0.3};
		d[nd++] = (design){0, MSP_LOWPASS, 23, 0.3, 0};
		int fails;
		double worst = compare_designs(d, nd, &fails);
		ok(fails == 0, "%d designs: sections equal scipy's zpk2sos(iirfilter) to 1e-12 (worst %.2g)", nd, worst);
	}

	/* Output against scipy.signal.sosfilt / sosfiltfilt. */
	{
		size_t n = 72000;
		double *x = malloc(n * 8), *y = malloc(n * 8), *r = malloc(n * 8);
		double *work = malloc((n + 1000) * 8);
		for (size_t i = 0; i < n; i++)
			x[i] = 1000 * sin(0.01 * (double)i) + (unif() - 0.5) * 300 + 5e4;
		struct { int band, order; double w1, w2; } c[] = {
			{MSP_BANDPASS, 4, 0.002, 0.15}, {MSP_LOWPASS, 4, 0.1, 0}, {MSP_HIGHPASS, 2, 0.001, 0},
			{MSP_BANDSTOP, 3, 0.1, 0.2}, {MSP_LOWPASS, 5, 0.3, 0},
		};
		char expr[4000], sx[1200];
		for (size_t t = 0; t < sizeof c / sizeof c[0]; t++) {
			msp_butter_sos(c[t].band, c[t].order, c[t].w1, c[t].w2, &s);
			sos_text(&s, sx, sizeof sx);
			for (int zp = 0; zp < 2; zp++) {
				memcpy(y, x, n * 8);
				msp_sos_apply(&s, y, n, zp);
				if (zp)
					snprintf(expr, sizeof expr, "signal.sosfilt(%s, signal.sosfilt(%s, x)[::-1])[::-1]", sx, sx);
				else
					snprintf(expr, sizeof expr, "signal.sosfilt(%s, x)", sx);
				int rc = scipy_filter(expr, x, n, r);
				double e = rc ? 1 : relerr(y, r, n);
				ok(e < 1e-9, "%s N=%d%s = scipy sosfilt (rel %.2g)", bname[c[t].band], c[t].order,
				   zp ? " zerophase" : "", e);
			}
		}
		msp_cheby1_sos(MSP_LOWPASS, 8, 0.05, 0.8 / 5, 0, &s);
		memcpy(y, x, n * 8);
		ok(msp_sosfiltfilt(&s, y, n, work) == MSP_OK, "sosfiltfilt runs");
		sos_text(&s, sx, sizeof sx);
		snprintf(expr, sizeof expr, "signal.sosfiltfilt(%s, x)", sx);
		int rc = scipy_filter(expr, x, n, r);
		double e = rc ? 1 : relerr(y, r, n);
		ok(e < 1e-9, "sosfiltfilt (cheby1 8, q=5) = scipy (rel %.2g)", e);
		free(x);
		free(y);
		free(r);
		free(work);
	}
	return done_testing();
}
