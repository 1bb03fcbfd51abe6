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
#include "msp_taup.h"

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

/*
 * Event data sets (mssynth --dataset): station i of n sits at a known
 * distance (evenly from dist_min to dist_max degrees) and azimuth (golden
 * angle steps) from the source; its three channels are Z, N, E for even i
 * and Z, 1, 2 (horizontals at h1_az and h1_az + 90) for odd i.  The P time is
 * the first P-family arrival of the model at the distance msp_geo_delta_deg
 * gives for the rounded coordinates; each channel's amplitude is the
 * projection of a P wave of amplitude amp (msp_p_projection).
 */
typedef struct msp_synth_event {
	double lat, lon, depth_km, time, magnitude;
} msp_synth_event;

typedef struct msp_synth_channel {
	char chan[4];
	double hang, vang;     /* MsPASS orientation */
	double azimuth, dip;   /* FDSN orientation (dip -90 is up) */
	double amp;            /* P amplitude seen on this channel */
} msp_synth_channel;

typedef struct msp_synth_site {
	char sta[8];
	double lat, lon, elev;          /* degrees rounded to 1e-6, metres */
	double dist_deg, dist_m, az, baz;
	msp_arrival p;                  /* first P arrival (p.time: travel time) */
	double ptime;                   /* absolute P time, epoch s */
	msp_synth_channel ch[3];
} msp_synth_site;

int msp_synth_site_plan(msp_earth *model, const msp_synth_event *ev, int i, int n,
                        double dist_min, double dist_max, double h1_az, double amp,
                        msp_synth_site *out);

/* Append one channel of int32 counts to descriptor fd as miniSEED 2 (Steim2, 4096-byte
 * records, big-endian), start time rounded to the microsecond.  MSP_ERR_IO
 * on a write error (errno kept), MSP_ERR_FORMAT if libmseed refuses. */
int msp_synth_mseed_write(int fd, const char *net, const char *sta, const char *loc,
                          const char *chan, double t0, double dt, const int32_t *counts,
                          size_t n);

#ifdef __cplusplus
}
#endif
#endif
