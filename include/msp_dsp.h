/*
 * msp_dsp.h - per-trace signal operators of the MsPASS chain other than the
 * IIR filters (see msp_filter.h): detrend, taper, decimation and FFT
 * resampling.  Each works on one component's samples in place or into a
 * caller buffer, with the semantics of the ObsPy/scipy call MsPASS makes.
 */
#ifndef MSP_DSP_H
#define MSP_DSP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum msp_detrend_type {
	MSP_DETREND_SIMPLE = 0, /* line through the first and last sample (ObsPy 'simple') */
	MSP_DETREND_LINEAR = 1, /* least-squares line (ObsPy 'linear' = scipy detrend) */
	MSP_DETREND_DEMEAN = 2  /* mean (ObsPy 'demean'/'constant') */
};

/* Remove a trend in place.  n = 1 leaves 0; n = 0 does nothing.
 * MSP_ERR_INVAL for an unknown type. */
int msp_detrend(double *x, size_t n, int type);

enum msp_taper_type {
	MSP_TAPER_HANN = 0,   /* ObsPy Trace.taper(type='hann'): scipy hann(M) */
	MSP_TAPER_LINEAR = 1  /* ObsPy type='bartlett': scipy bartlett(M), a linear ramp */
};
enum msp_taper_side { MSP_TAPER_BOTH = 0, MSP_TAPER_LEFT = 1, MSP_TAPER_RIGHT = 2 };

/*
 * ObsPy's Trace.taper window half-length: the smallest of
 * int(fraction*n) (fraction >= 0, or < 0 for none), int(seconds/dt)
 * (seconds >= 0, or < 0 for none) and int(n/2).
 */
size_t msp_taper_length(size_t n, double dt, double fraction, double seconds);
/* Multiply x by ObsPy's taper of half-length wlen (from msp_taper_length). */
int msp_taper(double *x, size_t n, size_t wlen, int type, int side);

/*
 * MsPASS's ScipyDecimator factor: q = int(target_dt/dt) when
 * numpy.isclose(target_dt/dt, q); 0 when the data need upsampling
 * (q would be 0); -1 when the ratio is not an integer.
 */
long msp_decimation_factor(double dt, double target_dt);

/* Samples after scipy.signal.decimate by q: ceil(n/q). */
size_t msp_decimate_npts(size_t n, long q);
/*
 * scipy.signal.decimate(x, q, n=order, ftype='iir', zero_phase=True):
 * Chebyshev-I (0.05 dB ripple, corner 0.8/q) applied forward and backward
 * (sosfiltfilt, odd padding) then every q-th sample.  out holds
 * msp_decimate_npts(n, q); work holds n + 2*padlen doubles where padlen
 * is at most 3*(order+1); pass msp_decimate_work(n, order).  MSP_ERR_DATA
 * when the trace is shorter than scipy's padding (scipy raises).
 */
size_t msp_decimate_work(size_t n, int order);
int msp_decimate(const double *x, size_t n, long q, int order, double *out, double *work);

/* MsPASS ScipyResampler's output length: int((endtime - t0 + dt) * rate);
 * 0 when that is not positive, at most SIZE_MAX / 16. */
size_t msp_resample_npts(double t0, double dt, size_t npts, double rate);

/*
 * scipy.signal.resample(x, ny, window=('hann' or None)) with FFTW.  The
 * handle keeps plans and buffers for the last (nx, ny) pair, so a stream of
 * equal-length records plans once.  flags are FFTW planner flags
 * (FFTW_ESTIMATE, FFTW_MEASURE); with FFTW_WISDOM_ONLY a size the wisdom
 * does not cover is planned with FFTW_ESTIMATE instead of failing.  Wisdom
 * files are the caller's business (fftw_import_wisdom_from_filename before,
 * fftw_export_wisdom_to_filename after).
 */
typedef struct msp_fft_resampler msp_fft_resampler;
int msp_fft_resampler_new(msp_fft_resampler **out, unsigned flags);
int msp_fft_resample(msp_fft_resampler *r, const double *x, size_t nx, double *y, size_t ny,
                     int hann);
/* How many times the handle has planned (for tests and -v). */
unsigned msp_fft_resampler_plans(const msp_fft_resampler *r);
void msp_fft_resampler_free(msp_fft_resampler *r);

#ifdef __cplusplus
}
#endif
#endif
