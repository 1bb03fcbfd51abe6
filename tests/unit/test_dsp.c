/*
 * test_dsp.c - detrend, taper, decimation factor, FFT resampling: closed
 * forms (a line is removed exactly, a mean is zero, detrend twice = once),
 * ObsPy's taper lengths, MsPASS's numpy.isclose factor rule, scipy.signal
 * .resample's exactness on band-limited periodic signals, FFT plans reused
 * across records of one length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "tap.h"
#include "msp_dsp.h"
#include "msp_status.h"

static double maxabs(const double *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(x[i]));
	return m;
}

int main(void)
{
	size_t n = 1001;
	double *x = malloc(n * 8), *y = malloc(n * 8);
	/* A line plus a zero-mean, zero-slope wiggle. */
	for (size_t i = 0; i < n; i++)
		x[i] = 3.5 + 0.25 * (double)i;
	memcpy(y, x, n * 8);
	msp_detrend(y, n, MSP_DETREND_LINEAR);
	ok(maxabs(y, n) < 1e-12, "linear detrend removes a line exactly (%.2g)", maxabs(y, n));
	memcpy(y, x, n * 8);
	msp_detrend(y, n, MSP_DETREND_SIMPLE);
	ok(maxabs(y, n) < 1e-12, "simple detrend removes a line exactly (%.2g)", maxabs(y, n));
	uint64_t r = 7;
	for (size_t i = 0; i < n; i++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		x[i] = 1e5 + (double)(r >> 11) / 9007199254740992.0 * 100 + 0.01 * (double)i;
	}
	for (int t = 0; t < 3; t++) {
		memcpy(y, x, n * 8);
		msp_detrend(y, n, t);
		double *z = malloc(n * 8);
		memcpy(z, y, n * 8);
		msp_detrend(z, n, t);
		double e = 0;
		for (size_t i = 0; i < n; i++)
			e = fmax(e, fabs(z[i] - y[i]));
		ok(e <= 1e-12 * maxabs(y, n), "detrend type %d twice equals once (%.2g)", t, e);
		free(z);
	}
	memcpy(y, x, n * 8);
	msp_detrend(y, n, MSP_DETREND_DEMEAN);
	double s = 0, sx = 0;
	for (size_t i = 0; i < n; i++)
		s += y[i];
	ok(fabs(s / (double)n) < 1e-11, "demean leaves mean 0 (%.2g)", s / (double)n);
	memcpy(y, x, n * 8);
	msp_detrend(y, n, MSP_DETREND_LINEAR);
	s = 0;
	for (size_t i = 0; i < n; i++) {
		s += y[i];
		sx += y[i] * ((double)i - 500);
	}
	ok(fabs(s) < 1e-8 && fabs(sx) < 1e-5, "linear detrend residual is orthogonal to 1 and t (%.2g %.2g)", s, sx);
	memcpy(y, x, n * 8);
	msp_detrend(y, n, MSP_DETREND_SIMPLE);
	ok(y[0] == 0 && fabs(y[n - 1]) < 1e-9, "simple detrend zeroes both ends");
	double one = 5;
	msp_detrend(&one, 1, MSP_DETREND_LINEAR);
	ok(one == 0, "one sample detrends to 0");
	is(msp_detrend(x, n, 9), MSP_ERR_INVAL, "unknown detrend type refused");

	/* Taper lengths (ObsPy's rule) and shape. */
	is(msp_taper_length(1000, 0.05, 0.05, -1), 50, "fraction 0.05 of 1000 -> 50");
	is(msp_taper_length(1000, 0.05, -1, 2.0), 40, "2 s at 20 sps -> 40");
	is(msp_taper_length(1000, 0.05, 0.05, 1.0), 20, "shorter of fraction and seconds");
	is(msp_taper_length(1001, 0.05, 0.5, -1), 500, "never more than int(n/2)");
	is(msp_taper_length(1000, 0.05, 0.0333, -1), 33, "int() truncates");
	for (size_t i = 0; i < n; i++)
		y[i] = 1;
	size_t w = msp_taper_length(n, 0.05, 0.1, -1);
	ok(msp_taper(y, n, w, MSP_TAPER_HANN, MSP_TAPER_BOTH) == MSP_OK && y[0] == 0 && y[n - 1] == 0 &&
	       y[w] == 1 && y[n / 2] == 1 && fabs(y[w / 2] - 0.5) < 0.02,
	   "hann taper: 0 at the ends, 1 inside, 1/2 half-way");
	for (size_t i = 0; i < n; i++)
		y[i] = 1;
	msp_taper(y, n, w, MSP_TAPER_LINEAR, MSP_TAPER_LEFT);
	ok(y[0] == 0 && fabs(y[10] - 10.0 / (double)w) < 1e-12 && y[n - 1] == 1,
	   "linear taper, left side only: a ramp k/wlen");
	is(msp_taper(y, 10, 6, MSP_TAPER_HANN, MSP_TAPER_BOTH), MSP_ERR_INVAL, "taper longer than half refused");

	/* MsPASS's decimation factor. */
	is(msp_decimation_factor(0.01, 0.05), 5, "100 -> 20 sps: q 5");
	is(msp_decimation_factor(0.05, 0.05), 1, "same rate: q 1");
	is(msp_decimation_factor(0.04, 0.1), -1, "25 -> 10 sps: not an integer (-1)");
	is(msp_decimation_factor(0.05, 0.025), 0, "upsampling: 0");
	is(msp_decimation_factor(1.0 / 40, 1.0 / 20), 2, "40 -> 20 sps (inexact binary ratio): q 2");
	is(msp_decimation_factor(0.01, 0.05 * (1 + 1e-7)), 5, "ratio within numpy.isclose: q 5");
	is(msp_decimation_factor(0.01, 0.0501), -1, "ratio 5.01: -1");
	is(msp_decimate_npts(1001, 5), 201, "decimated npts = ceil(n/q)");
	is(msp_resample_npts(0, 0.05, 1000, 8), 400, "resampled npts = int(span * rate)");

	/* FFT resampling: exact for a periodic signal band-limited below both Nyquists. */
	{
		msp_fft_resampler *rs;
		ok(msp_fft_resampler_new(&rs, FFTW_ESTIMATE) == MSP_OK, "resampler made");
		size_t na = 400, nb = 1000;
		double *a = malloc(na * 8), *b = malloc(nb * 8), *c = malloc(na * 8);
		for (size_t i = 0; i < na; i++)
			a[i] = cos(2 * M_PI * 3 * (double)i / (double)na) + 0.5 * sin(2 * M_PI * 37 * (double)i / (double)na) + 2;
		msp_fft_resample(rs, a, na, b, nb, 0);
		double e = 0;
		for (size_t i = 0; i < nb; i++) {
			double t = (double)i * (double)na / (double)nb;
			double want = cos(2 * M_PI * 3 * t / (double)na) + 0.5 * sin(2 * M_PI * 37 * t / (double)na) + 2;
			e = fmax(e, fabs(b[i] - want));
		}
		ok(e < 1e-12, "upsampling a band-limited periodic signal is exact (%.2g)", e);
		msp_fft_resample(rs, b, nb, c, na, 0);
		e = 0;
		for (size_t i = 0; i < na; i++)
			e = fmax(e, fabs(c[i] - a[i]));
		ok(e < 1e-6, "up and back down recovers it (%.2g)", e);
		unsigned p = msp_fft_resampler_plans(rs);
		for (int k = 0; k < 5; k++)
			msp_fft_resample(rs, b, nb, c, na, 1);
		is(msp_fft_resampler_plans(rs), p, "records of one length reuse the plans");
		msp_fft_resample(rs, b, nb - 1, c, na, 1);
		is(msp_fft_resampler_plans(rs), p + 1, "a new length plans again");
		is(msp_fft_resample(rs, b, 0, c, na, 1), MSP_ERR_INVAL, "empty input refused");
		msp_fft_resampler_free(rs);
		free(a);
		free(b);
		free(c);
	}
	/* Decimation of a short trace fails as scipy does. */
	{
		double v[20] = {0}, o[10], wk[100];
		is(msp_decimate(v, 20, 2, 8, o, wk), MSP_ERR_DATA, "trace within the filter padding refused");
	}
	free(x);
	free(y);
	return done_testing();
}
