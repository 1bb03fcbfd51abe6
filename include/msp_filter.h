/*
 * msp_filter.h - IIR filters as cascades of second-order sections (SOS):
 * Butterworth and Chebyshev-I design that reproduces scipy.signal.iirfilter
 * (zpk, bilinear transform with prewarping, zpk2sos with 'nearest' pairing)
 * section by section, ObsPy's Trace.filter rules for corners at or above
 * Nyquist, and a fast exact-in-exact-arithmetic application of a cascade.
 *
 * A section is {b0, b1, b2, a0, a1, a2} with a0 = 1, applied in direct form
 * II transposed exactly as scipy.signal.sosfilt does.
 */
#ifndef MSP_FILTER_H
#define MSP_FILTER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most sections a design can have (a band filter of corners N has N sections). */
#define MSP_SOS_MAX 32
/* Largest corners (order) accepted by the designs. */
#define MSP_CORNERS_MAX 32

typedef struct msp_sos {
	int n;                       /* number of sections */
	double s[MSP_SOS_MAX][6];    /* b0 b1 b2 a0 a1 a2 per section, scipy's order */
} msp_sos;

enum msp_band {
	MSP_LOWPASS = 0,
	MSP_HIGHPASS = 1,
	MSP_BANDPASS = 2,
	MSP_BANDSTOP = 3
};

/* What msp_butter_design changed, following ObsPy (bits in *changes). */
#define MSP_FILTER_BECAME_HIGHPASS 1 /* bandpass with freqmax >= Nyquist: highpass(freqmin) */
#define MSP_FILTER_CLAMPED 2         /* a corner above Nyquist was set to Nyquist */

/*
 * scipy.signal.iirfilter(order, Wn, btype, ftype='butter', output='sos'):
 * w1 (and w2 for band filters) are normalised to Nyquist, 0 < w < 1 and
 * w1 < w2.  MSP_ERR_RANGE when a frequency is outside (0, 1) or reversed,
 * MSP_ERR_INVAL for a bad band or order (1..MSP_CORNERS_MAX).
 */
int msp_butter_sos(int band, int order, double w1, double w2, msp_sos *out);
/* The same with ftype='cheby1' and passband ripple rp dB (scipy.signal.cheby1). */
int msp_cheby1_sos(int band, int order, double rp, double w1, double w2, msp_sos *out);

/*
 * A Butterworth design in Hz with ObsPy's Trace.filter rules
 * (obspy.signal.filter: bandpass, bandstop, lowpass, highpass):
 *   fe = fs/2; low = f1/fe; high = f2/fe;
 *   bandpass: high >= 1 - 1e-6 -> highpass(f1) (*changes |= BECAME_HIGHPASS);
 *             low > 1 -> error;
 *   bandstop: high > 1 -> high = 1 (CLAMPED); low > 1 -> error;
 *   lowpass:  f > 1 -> f = 1 (CLAMPED);  highpass: f > 1 -> error.
 * then scipy's iirfilter, which refuses any normalised corner not in (0, 1):
 * a clamped corner therefore fails too, as it does in ObsPy (ValueError),
 * and MsPASS kills the datum.  Returns MSP_OK or MSP_ERR_RANGE (corner at or
 * above Nyquist, or not positive, or reversed band) or MSP_ERR_INVAL.
 * f2 is ignored for lowpass and highpass.  changes may be NULL.
 */
int msp_butter_design(int band, int corners, double f1, double f2, double fs,
                      msp_sos *out, int *changes);

/*
 * Filter x[0..n) in place with zero initial state: scipy.signal.sosfilt.
 * zerophase: forward, then backward over the forward output (ObsPy's
 * zerophase; doubles the order, no phase shift).  Uses a blocked,
 * vectorised evaluation (see filter.c) for long inputs; the result equals
 * msp_sos_filter_zi's to rounding.  Needs no heap memory.
 */
void msp_sos_apply(const msp_sos *sos, double *x, size_t n, int zerophase);

/*
 * scipy's sosfilt loop literally, in place: zi[k][0..1] is section k's state
 * (initial on entry, final on return); zi NULL means zero initial state.
 * The reference the fast path is tested against.
 */
void msp_sos_filter_zi(const msp_sos *sos, double *x, size_t n, double (*zi)[2]);

/* scipy.signal.sosfilt_zi: the steady state of each section for a unit step. */
void msp_sos_zi(const msp_sos *sos, double (*zi)[2]);

/* Padding scipy.signal.sosfiltfilt uses by default (padtype 'odd'). */
size_t msp_sosfiltfilt_padlen(const msp_sos *sos);
/*
 * scipy.signal.sosfiltfilt(sos, x) with padtype 'odd' and the default
 * padlen, in place.  work must hold n + 2*padlen doubles.  MSP_ERR_DATA when
 * n <= padlen (scipy raises there too).
 */
int msp_sosfiltfilt(const msp_sos *sos, double *x, size_t n, double *work);

/* |H(e^{i w})| of the cascade at w radians/sample (0..pi). */
double msp_sos_gain(const msp_sos *sos, double w);

#ifdef __cplusplus
}
#endif
#endif
