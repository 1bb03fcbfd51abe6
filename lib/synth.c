/*
 * synth.c - synthetic traces with a known answer (see msp_synth.h): a
 * seeded xoshiro256** generator owned by the caller, Gaussian noise by
 * Box-Muller, a Ricker wavelet, sensor orientation and P-wave projection,
 * and the spherical forward problem used to place stations.
 */
#include <math.h>
#include <string.h>
#include "msp_synth.h"
#include "msp_status.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void msp_rng_seed(msp_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void msp_rng_seed2(msp_rng *r, uint64_t seed, uint64_t index)
{
	/* mix the index through SplitMix64 so that nearby indices give unrelated streams */
	uint64_t x = index ^ 0x6a09e667f3bcc909ull;
	uint64_t h = splitmix64(&x);
	msp_rng_seed(r, seed ^ h);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t msp_rng_next(msp_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double msp_rng_uniform(msp_rng *r)
{
	return (double)(msp_rng_next(r) >> 11) * 0x1.0p-53;
}

void msp_rng_normal_fill(msp_rng *r, double *x, size_t n, double sigma)
{
	size_t i = 0;
	for (; i + 1 < n; i += 2) {
		/* u1 in (0, 1] so that log never sees 0 */
		double u1 = (double)((msp_rng_next(r) >> 11) + 1) * 0x1.0p-53;
		double u2 = msp_rng_uniform(r);
		double rad = sigma * sqrt(-2.0 * log(u1));
		double s, c;
		sincos(2.0 * M_PI * u2, &s, &c);
		x[i] = rad * c;
		x[i + 1] = rad * s;
	}
	if (i < n) {
		double u1 = (double)((msp_rng_next(r) >> 11) + 1) * 0x1.0p-53;
		double u2 = msp_rng_uniform(r);
		x[i] = sigma * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	}
}

double msp_ricker(double t, double f)
{
	double a = M_PI * f * t;
	a *= a;
	return (1.0 - 2.0 * a) * exp(-a);
}

double msp_ricker_halfwidth(double f)
{
	/* (pi f t)^2 = 40 gives exp(-40) * 79 < 1e-15 */
	return sqrt(40.0) / (M_PI * f);
}

int msp_synth_fill(double *x, size_t n, const msp_synth_trace *p, msp_rng *rng)
{
	if (!(p->dt > 0.0) || !isfinite(p->t0) || !isfinite(p->tw) || !(p->freq > 0.0) ||
	    !(p->noise_rms >= 0.0) || !isfinite(p->amp))
		return MSP_ERR_INVAL;
	if (p->noise_rms > 0.0)
		msp_rng_normal_fill(rng, x, n, p->noise_rms);
	else
		memset(x, 0, n * sizeof *x);
	if (p->amp == 0.0 || n == 0)
		return MSP_OK;
	double hw = msp_ricker_halfwidth(p->freq);
	double first = ceil((p->tw - hw - p->t0) / p->dt);
	double last = floor((p->tw + hw - p->t0) / p->dt);
	if (last < 0.0 || first > (double)(n - 1))
		return MSP_OK;
	size_t i0 = first < 0.0 ? 0 : (size_t)first;
	size_t i1 = last > (double)(n - 1) ? n - 1 : (size_t)last;
	for (size_t i = i0; i <= i1; i++)
		x[i] += p->amp * msp_ricker(p->t0 + (double)i * p->dt - p->tw, p->freq);
	return MSP_OK;
}

/* sin and cos of degrees, exact at multiples of 90 (so that a vertical
 * sensor has no 6e-17 horizontal part) */
static double sind(double d)
{
	double r = fmod(d, 360.0);
	if (r == 0.0 || r == 180.0 || r == -180.0)
		return 0.0;
	if (r == 90.0 || r == -270.0)
		return 1.0;
	if (r == 270.0 || r == -90.0)
		return -1.0;
	return sin(d * DEG);
}
static double cosd(double d) { return sind(d + 90.0); }

void msp_orient_vector(double hang, double vang, double enu[3])
{
	enu[0] = sind(vang) * sind(hang);
	enu[1] = sind(vang) * cosd(hang);
	enu[2] = cosd(vang);
}

int msp_orient_from_channel(const char *chan, double h1_az, double *hang, double *vang)
{
	size_t n = chan ? strlen(chan) : 0;
	if (n == 0)
		return MSP_ERR_INVAL;
	switch (chan[n - 1]) {
	case 'Z': *hang = 0.0; *vang = 0.0; break;
	case 'N': *hang = 0.0; *vang = 90.0; break;
	case 'E': *hang = 90.0; *vang = 90.0; break;
	case '1': *hang = fmod(h1_az, 360.0); *vang = 90.0; break;
	case '2': *hang = fmod(h1_az + 90.0, 360.0); *vang = 90.0; break;
	default: return MSP_ERR_INVAL;
	}
	if (*hang < 0)
		*hang += 360.0;
	return MSP_OK;
}

double msp_p_projection(double amp, double baz, double inc, double hang, double vang)
{
	double u[3], p[3];
	msp_orient_vector(hang, vang, u);
	/* away from the source is the direction baz + 180 */
	p[0] = -sind(inc) * sind(baz);
	p[1] = -sind(inc) * cosd(baz);
	p[2] = cosd(inc);
	return amp * (u[0] * p[0] + u[1] * p[1] + u[2] * p[2]);
}

void msp_sphere_forward(double lat, double lon, double delta, double az, double *lat2,
                        double *lon2)
{
	double p1 = lat * DEG, d = delta * DEG, a = az * DEG;
	double sp2 = sin(p1) * cos(d) + cos(p1) * sin(d) * cos(a);
	if (sp2 > 1.0)
		sp2 = 1.0;
	if (sp2 < -1.0)
		sp2 = -1.0;
	double p2 = asin(sp2);
	double l2 = lon * DEG + atan2(sin(a) * sin(d) * cos(p1), cos(d) - sin(p1) * sp2);
	double lo = fmod(l2 / DEG + 540.0, 360.0) - 180.0;
	*lat2 = p2 / DEG;
	*lon2 = lo;
}
