/*
 * detrend.c - ObsPy Trace.detrend as MsPASS calls it: 'simple' removes the
 * line through the first and last samples (ObsPy's arithmetic order),
 * 'linear' the least-squares line in closed form (centred abscissa, so the
 * normal equations decouple), 'demean' the mean (two-pass).
 */
#include "msp_dsp.h"
#include "msp_status.h"

static double mean(const double *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	double m = s / (double)n, c = 0;
	for (size_t i = 0; i < n; i++)
		c += x[i] - m;
	return m + c / (double)n;
}

int msp_detrend(double *x, size_t n, int type)
{
	if (type < MSP_DETREND_SIMPLE || type > MSP_DETREND_DEMEAN)
		return MSP_ERR_INVAL;
	if (n == 0)
		return MSP_OK;
	if (n == 1) {
		x[0] = 0;
		return MSP_OK;
	}
	if (type == MSP_DETREND_SIMPLE) {
		double x1 = x[0], d = x[n - 1] - x[0], m = (double)(n - 1);
		for (size_t i = 0; i < n; i++)
			x[i] -= x1 + (double)i * d / m;
	} else if (type == MSP_DETREND_DEMEAN) {
		double m = mean(x, n);
		for (size_t i = 0; i < n; i++)
			x[i] -= m;
	} else {
		/* y = a + b (i - c), c = (n-1)/2: the centred abscissa decouples the
		 * normal equations, a = mean(x), b = sum((i-c) x) / sum((i-c)^2),
		 * and sum((i-c)^2) = n (n^2-1) / 12.  One pass for both sums, on
		 * x - x[0] so that an offset does not cost digits. */
		double x0 = x[0], c = ((double)n - 1) / 2;
		double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
		/* four partial sums each: one running sum waits on its previous
		 * addition every sample; the same sums to rounding */
		size_t i = 0;
		for (; i + 4 <= n; i += 4) {
			double v0 = x[i] - x0, v1 = x[i + 1] - x0, v2 = x[i + 2] - x0, v3 = x[i + 3] - x0;
			double t = (double)i - c;
			a0 += v0;
			a1 += v1;
			a2 += v2;
			a3 += v3;
			b0 += t * v0;
			b1 += (t + 1) * v1;
			b2 += (t + 2) * v2;
			b3 += (t + 3) * v3;
		}
		for (; i < n; i++) {
			double v = x[i] - x0;
			a0 += v;
			b0 += ((double)i - c) * v;
		}
		double s1 = (a0 + a1) + (a2 + a3), s2 = (b0 + b1) + (b2 + b3);
		double nn = (double)n, sxx = nn * (nn * nn - 1) / 12;
		double a = x0 + s1 / nn, b = s2 / sxx;
		for (i = 0; i < n; i++)
			x[i] -= a + b * ((double)i - c);
	}
	return MSP_OK;
}
