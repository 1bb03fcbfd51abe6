/*
 * resample.c - MsPASS's two resamplers: ScipyDecimator (scipy.signal.decimate,
 * order-8 Chebyshev-I applied forward and backward, then every q-th sample)
 * and ScipyResampler (scipy.signal.resample: FFT, spectrum cut or zero
 * padded, optional periodic Hann window folded as scipy folds it).
 *
 * FFT plans are the expensive part (seconds with FFTW_MEASURE on these
 * machines), so a msp_fft_resampler keeps its plans and aligned buffers for
 * the last (nx, ny) pair and a stream of equal-length records plans once.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "msp_dsp.h"
#include "msp_filter.h"
#include "msp_status.h"

long msp_decimation_factor(double dt, double target_dt)
{
	double f = target_dt / dt;
	if (!isfinite(f) || f > 1e9)
		return -1;
	long q = (long)f;
	/* numpy.isclose(a, b): |a - b| <= 1e-8 + 1e-5 * |b| */
	if (fabs(f - (double)q) <= 1e-8 + 1e-5 * fabs((double)q))
		return q;
	return q == 0 ? 0 : -1;
}

size_t msp_decimate_npts(size_t n, long q)
{
	return q > 0 ? (n + (size_t)q - 1) / (size_t)q : 0;
}

size_t msp_decimate_work(size_t n, int order)
{
	return n + 6 * ((size_t)order + 2);
}

int msp_decimate(const double *x, size_t n, long q, int order, double *out, double *work)
{
	if (q < 1 || order < 1 || order > MSP_CORNERS_MAX)
		return MSP_ERR_INVAL;
	msp_sos sos;
	int rc = msp_cheby1_sos(MSP_LOWPASS, order, 0.05, 0.8 / (double)q, 0, &sos);
	if (rc)
		return rc;
	size_t pad = msp_sosfiltfilt_padlen(&sos);
	if (n <= pad)
		return MSP_ERR_DATA;
	/* sosfiltfilt works in place; keep x intact by filtering a copy held in
	 * the tail of work (work = [ext (n + 2 pad)]; the copy goes to out when
	 * q == 1, else into a temporary slice). */
	double *y = malloc(n * sizeof *y);
	if (!y)
		return MSP_ERR_NOMEM;
	memcpy(y, x, n * sizeof *y);
	rc = msp_sosfiltfilt(&sos, y, n, work);
	if (rc == MSP_OK)
		for (size_t i = 0, k = 0; i < n; i += (size_t)q)
			out[k++] = y[i];
	free(y);
	return rc;
}

size_t msp_resample_npts(double t0, double dt, size_t npts, double rate)
{
	double endtime = t0 + dt * ((double)npts - 1.0);
	double span = endtime - t0 + dt;
	double v = span * rate;
	if (!(v > 0) || !isfinite(v))
		return 0;
	/* no record holds more than SIZE_MAX / 16 samples (8 bytes each): the
	 * count is capped there, where the conversion would be undefined */
	double cap = (double)(SIZE_MAX / 16);
	return v < cap ? (size_t)v : (size_t)cap;
}

struct msp_fft_resampler {
	unsigned flags;
	size_t nx, ny;
	double *in, *out;
	fftw_complex *X, *Y;
	double *w;            /* folded Hann weights, nx/2+1 */
	fftw_plan fwd, inv;
	unsigned nplans;
};

int msp_fft_resampler_new(msp_fft_resampler **out, unsigned flags)
{
	msp_fft_resampler *r = calloc(1, sizeof *r);
	if (!r)
		return MSP_ERR_NOMEM;
	r->flags = flags;
	*out = r;
	return MSP_OK;
}

static void release(msp_fft_resampler *r)
{
	if (r->fwd)
		fftw_destroy_plan(r->fwd);
	if (r->inv)
		fftw_destroy_plan(r->inv);
	fftw_free(r->in);
	fftw_free(r->out);
	fftw_free(r->X);
	fftw_free(r->Y);
	free(r->w);
	r->fwd = r->inv = NULL;
	r->in = r->out = NULL;
	r->X = r->Y = NULL;
	r->w = NULL;
	r->nx = r->ny = 0;
}

void msp_fft_resampler_free(msp_fft_resampler *r)
{
	if (!r)
		return;
	release(r);
	free(r);
}

unsigned msp_fft_resampler_plans(const msp_fft_resampler *r) { return r->nplans; }

static int plan(msp_fft_resampler *r, size_t nx, size_t ny)
{
	release(r);
	r->in = fftw_alloc_real(nx);
	r->out = fftw_alloc_real(ny);
	r->X = fftw_alloc_complex(nx / 2 + 1);
	r->Y = fftw_alloc_complex(ny / 2 + 1);
	r->w = malloc((nx / 2 + 1) * sizeof *r->w);
	if (!r->in || !r->out || !r->X || !r->Y || !r->w) {
		release(r);
		return MSP_ERR_NOMEM;
	}
	r->fwd = fftw_plan_dft_r2c_1d((int)nx, r->in, r->X, r->flags);
	r->inv = fftw_plan_dft_c2r_1d((int)ny, r->Y, r->out, r->flags);
	if ((!r->fwd || !r->inv) && (r->flags & FFTW_WISDOM_ONLY)) {
		/* No wisdom for this size: estimate rather than measure for seconds. */
		if (r->fwd)
			fftw_destroy_plan(r->fwd);
		if (r->inv)
			fftw_destroy_plan(r->inv);
		r->fwd = fftw_plan_dft_r2c_1d((int)nx, r->in, r->X, FFTW_ESTIMATE);
		r->inv = fftw_plan_dft_c2r_1d((int)ny, r->Y, r->out, FFTW_ESTIMATE);
	}
	if (!r->fwd || !r->inv) {
		release(r);
		return MSP_ERR_UNSUPPORTED;
	}
	/* scipy: W = ifftshift(get_window('hann', nx)) (periodic Hann), then
	 * folded for a real input: W[k] = (W[k] + W[nx-k]) / 2 for k >= 1. */
	size_t h = nx / 2;
	for (size_t k = 0; k <= nx / 2; k++) {
		double a = 0.5 - 0.5 * cos(2 * M_PI * (double)((k + h) % nx) / (double)nx);
		if (k > 0) {
			double b = 0.5 - 0.5 * cos(2 * M_PI * (double)((nx - k + h) % nx) / (double)nx);
			a = (a + b) * 0.5;
		}
		r->w[k] = a;
	}
	r->nx = nx;
	r->ny = ny;
	r->nplans++;
	return MSP_OK;
}

int msp_fft_resample(msp_fft_resampler *r, const double *x, size_t nx, double *y, size_t ny,
                     int hann)
{
	if (nx == 0 || ny == 0 || nx > 0x7fffffff || ny > 0x7fffffff)
		return MSP_ERR_INVAL;
	if (nx != r->nx || ny != r->ny) {
		int rc = plan(r, nx, ny);
		if (rc)
			return rc;
	}
	memcpy(r->in, x, nx * sizeof *x);
	fftw_execute(r->fwd);
	size_t ky = ny / 2 + 1;
	memset(r->Y, 0, ky * sizeof *r->Y);
	size_t n = nx < ny ? nx : ny, nyq = n / 2 + 1;
	for (size_t k = 0; k < nyq; k++) {
		double s = hann ? r->w[k] : 1.0;
		r->Y[k][0] = r->X[k][0] * s;
		r->Y[k][1] = r->X[k][1] * s;
	}
	if (n % 2 == 0) {
		if (ny < nx) {
			r->Y[n / 2][0] *= 2;
			r->Y[n / 2][1] *= 2;
		} else if (nx < ny) {
			r->Y[n / 2][0] *= 0.5;
			r->Y[n / 2][1] *= 0.5;
		}
	}
	/* A c2r transform reads the Nyquist term as real (so does numpy's irfft). */
	if (ny % 2 == 0)
		r->Y[ny / 2][1] = 0;
	r->Y[0][1] = 0;
	fftw_execute(r->inv);
	/* irfft's 1/ny, then scipy's ny/nx. */
	double scale = (1.0 / (double)ny) * ((double)ny / (double)nx);
	for (size_t i = 0; i < ny; i++)
		y[i] = r->out[i] * scale;
	return MSP_OK;
}
