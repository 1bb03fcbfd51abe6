/*
 * msp_synth.h - synthetic seismograms with a known answer: Gaussian white
 * noise of a given rms plus a Ricker wavelet of a given peak amplitude at a
 * given time, projected onto sensors of known orientation.  Everything is
 * driven by a caller-owned random generator (xoshiro256**), so a seed gives
 * the same samples on every machine and there is no hidden state.
 *
 * Orientation conventions are MsPASS's: channel_hang is the azimuth of the
 * sensor axis in degrees clockwise from north, channel_vang the angle from
 * the upward vertical (Z: vang 0; horizontals: vang 90).
 */
#ifndef MSP_SYNTH_H
#define MSP_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* xoshiro256** state; seed it with msp_rng_seed (SplitMix64 expansion). */
typedef struct msp_rng {
	uint64_t s[4];
} msp_rng;

void msp_rng_seed(msp_rng *r, uint64_t seed);
/* A generator for sub-stream `index` of `seed` (records, stations, channels
 * get independent, reproducible streams whatever order they are made in). */
void msp_rng_seed2(msp_rng *r, uint64_t seed, uint64_t index);
uint64_t msp_rng_next(msp_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double msp_rng_uniform(msp_rng *r);
/* Fill x with n standard normal deviates times sigma (Box-Muller, in pairs). */
void msp_rng_normal_fill(msp_rng *r, double *x, size_t n, double sigma);

/* Ricker wavelet of peak frequency f (Hz) at time t from its centre:
 * (1 - 2 (pi f t)^2) exp(-(pi f t)^2); its peak is 1 at t = 0. */
double msp_ricker(double t, double f);
/* Half-width beyond which the Ricker wavelet is below 1e-15 of its peak. */
double msp_ricker_halfwidth(double f);

/* One synthetic trace: x[i] = noise + amp * ricker(t0 + i*dt - tw, freq).
 * The wavelet is evaluated only within its half-width (outside it adds
 * less than 1e-15 * amp).  noise_rms 0 gives no noise and uses no random
 * numbers. */
typedef struct msp_synth_trace {
	double t0;        /* time of sample 0 (epoch s or relative s) */
	double dt;        /* sample interval, s */
	double noise_rms; /* rms of the Gaussian white noise */
	double amp;       /* peak amplitude of the wavelet (may be negative) */
	double tw;        /* time of the wavelet's peak */
	double freq;      /* Ricker peak frequency, Hz */
} msp_synth_trace;

int msp_synth_fill(double *x, size_t n, const msp_synth_trace *p, msp_rng *rng);

/* Unit vector (east, north, up) of a sensor axis with MsPASS's hang/vang. */
void msp_orient_vector(double hang, double vang, double enu[3]);
/* The orientation a channel code implies: last letter Z (0, 0), N (0, 90),
 * E (90, 90), 1 (h1_az, 90), 2 (h1_az + 90, 90).  MSP_ERR_INVAL otherwise. */
int msp_orient_from_channel(const char *chan, double h1_az, double *hang, double *vang);

/* P-wave particle motion at a receiver: first motion up and away from the
 * source, for back-azimuth baz (deg, receiver to source) and incidence angle
 * inc (deg from vertical).  Returns the amplitude seen by a sensor axis of
 * orientation (hang, vang) for a P wave of total amplitude amp. */
double msp_p_projection(double amp, double baz, double inc, double hang, double vang);

/* Point at distance delta (deg) and azimuth az (deg) from (lat, lon) on a
 * sphere (the inverse of msp_geo_delta_deg's spherical distance). */
void msp_sphere_forward(double lat, double lon, double delta, double az, double *lat2,
                        double *lon2);

#ifdef __cplusplus
}
#endif
#endif
