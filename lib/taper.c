/*
 * taper.c - ObsPy Trace.taper: a symmetric window of 2*wlen (+1) points
 * (scipy hann or bartlett) whose halves scale the ends, ones in between.
 * The half-length follows ObsPy's choice (smallest of fraction*n,
 * seconds*rate and n/2, each truncated).
 */
#include <math.h>
#include "msp_dsp.h"
#include "msp_status.h"

size_t msp_taper_length(size_t n, double dt, double fraction, double seconds)
{
	size_t w = n / 2;
	if (fraction >= 0) {
		double v = fraction * (double)n;
		if (v < (double)w)
			w = (size_t)v;
	}
	if (seconds >= 0 && dt > 0) {
		double v = seconds * (1.0 / dt);
		if (v < (double)w)
			w = (size_t)v;
	}
	return w;
}

/* Point k of a symmetric window of m points (scipy.signal.windows). */
static double win(int type, size_t k, size_t m)
{
	if (m == 1)
		return 1;
	double d = (double)(m - 1);
	if (type == MSP_TAPER_HANN)
		return 0.5 - 0.5 * cos(2 * M_PI * (double)k / d);
	double r = 2.0 * (double)k / d;
	return (double)k <= d / 2 ? r : 2.0 - r;
}

int msp_taper(double *x, size_t n, size_t wlen, int type, int side)
{
	if ((type != MSP_TAPER_HANN && type != MSP_TAPER_LINEAR) || side < 0 || side > 2 ||
	    2 * wlen > n)
		return MSP_ERR_INVAL;
	size_t m = 2 * wlen == n ? 2 * wlen : 2 * wlen + 1;
	for (size_t k = 0; k < wlen; k++) {
		if (side != MSP_TAPER_RIGHT)
			x[k] *= win(type, k, m);
		if (side != MSP_TAPER_LEFT)
			x[n - wlen + k] *= win(type, m - wlen + k, m);
	}
	return MSP_OK;
}
