/*
 * msp_snr.h - signal-to-noise measurements as MsPASS makes them
 * (python/mspasspy/algorithms/snr.py and the C++ it calls):
 *
 *  - amplitude metrics (amplitudes.cc): rms, peak, perc (sort |x|, element
 *    floor(p*n), p > 1 taken as a percentage) and "mad", which in MsPASS is
 *    the median of |x| (perc 0.5), not a median absolute deviation;
 *  - snr(): a time-domain ratio of two metrics on two windows;
 *  - FD_snr_estimator / arrival_snr: multitaper (DPSS) power spectra of a
 *    noise and a signal window (nfft = 2*npts, scaled by Parseval as
 *    MTPowerSpectrumEngine), the bandwidth search of EstimateBandwidth, the
 *    band statistics of BandwidthStatistics, and the optional metrics on the
 *    datum filtered with a Butterworth band-pass (or low-pass) at the band
 *    edges.
 *
 * DPSS tapers are computed here (the symmetric tridiagonal eigenproblem,
 * bisection and inverse iteration), normalised and signed as scipy's
 * scipy.signal.windows.dpss.  An msp_snr handle caches tapers and FFTW
 * plans per length, and keeps the message of the last failure.
 */
#ifndef MSP_SNR_H
#define MSP_SNR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ amplitudes */

enum msp_amp_metric { MSP_AMP_RMS = 0, MSP_AMP_MAD = 1, MSP_AMP_PEAK = 2, MSP_AMP_PERC = 3 };
/* "rms", "mad", "peak", "perc"; -1 if unknown. */
int msp_amp_metric_from_name(const char *name);
const char *msp_amp_metric_name(int m);

double msp_amp_rms(const double *x, size_t n);
double msp_amp_peak(const double *x, size_t n);
/* work: n doubles of scratch (NULL: allocated inside; NAN on ENOMEM). */
double msp_amp_perc(const double *x, size_t n, double p, double *work);
double msp_amp_mad(const double *x, size_t n, double *work);
double msp_amp(int metric, const double *x, size_t n, double perc, double *work);
/* s/n, with MsPASS's guards: n == 0 gives 999999.9 if s > 0, else -1. */
double msp_safe_snr(double s, double n);

/* --------------------------------------------------------------- windows */

/* MsPASS WindowData arithmetic: first = round((start-t0)/dt),
 * count = round((end-start)/dt)+1.  Returns 1 if the window lies inside
 * samples 0..npts-1 (and sets *first, *count), else 0. */
int msp_snr_window(double t0, double dt, size_t npts, double start, double end, size_t *first,
                   size_t *count);
/* Clip a window to the data (WindowData's "truncate"); 0 if no overlap. */
int msp_snr_window_truncate(double t0, double dt, size_t npts, double start, double end,
                            size_t *first, size_t *count);

/* ------------------------------------------------------------------ DPSS */

/* The first k discrete prolate spheroidal sequences of length n and
 * time-half-bandwidth nw (W = nw/n) into tapers[k][n] (row by row), unit L2
 * norm, signed as scipy (symmetric ones with positive sum, antisymmetric
 * ones starting positive).  eig (may be NULL) gets the eigenvalues of the
 * tridiagonal matrix.  MSP_ERR_INVAL for k < 1, k > n, n < 2, nw <= 0. */
int msp_dpss(int n, double nw, int k, double *tapers, double *eig);

/* --------------------------------------------------------- the estimator */

enum {
	MSP_SNR_STATS = 1,     /* snr_stats */
	MSP_SNR_ENVELOPE = 2,  /* filtered_envelope */
	MSP_SNR_L2 = 4,        /* filtered_L2 */
	MSP_SNR_LINF = 8,      /* filtered_Linf */
	MSP_SNR_MADM = 16,     /* filtered_MAD */
	MSP_SNR_PERCM = 32,    /* filtered_perc */
	MSP_SNR_ALL = 63
};
/* MsPASS's optional_metrics keyword -> bit; 0 if unknown. */
unsigned msp_snr_metric_bit(const char *keyword);

typedef struct msp_snr_opts {
	double band_cutoff_snr;  /* arrival_snr 2.0; broadband_snr_QC / FD 1.5 */
	double min_bandwidth_db; /* signal_detection_minimum_bandwidth, 6.0 */
	double f_low_zero_test;  /* <= 0: 2*tbp*df of the signal spectrum */
	double tbp;              /* 4 */
	int ntapers;             /* 6; must be <= round(2*tbp) */
	double f0;               /* 1.0 Hz: where the band search starts */
	double f_max;            /* <= 0: 0.8 Nyquist */
	int poles;               /* 3 */
	double perc;             /* 95 (percent) */
	unsigned metrics;        /* optional metrics (MSP_SNR_* bits) */
} msp_snr_opts;

/* arrival_snr's defaults (band_cutoff_snr 2.0, all six optional metrics). */
void msp_snr_opts_default(msp_snr_opts *o);

typedef struct msp_snr_result {
	int have_band;           /* bandwidth >= min_bandwidth_db: the keys below are set */
	double bandwidth_db;     /* always computed (0 when no band) */
	double low_f_band_edge, high_f_band_edge, low_f_band_edge_snr, high_f_band_edge_snr;
	double spectrum_frequency_range, bandwidth_fraction;
	unsigned have;           /* MSP_SNR_* bits of the optional metrics computed */
	int stats_are_valid;
	double median_snr, maximum_snr, minimum_snr, q1_4_snr, q3_4_snr, mean_snr;
	double snr_filtered_envelope_peak, snr_filtered_rms, snr_filtered_peak;
	double snr_filtered_mad, snr_filtered_perc;
	int lowpass;             /* filter_type "lowpass" (else "bandpass") */
	double signal_df, noise_df; /* spectral sampling of the two windows */
	char complaint[256];     /* a non-fatal problem (MsPASS logs a Complaint), or "" */
} msp_snr_result;

typedef struct msp_snr msp_snr;
int msp_snr_new(msp_snr **out);
void msp_snr_free(msp_snr *h);
const char *msp_snr_errmsg(const msp_snr *h);
/* FFTW planner flags for new plans (default FFTW_ESTIMATE).  With
 * FFTW_WISDOM_ONLY a size the loaded wisdom does not cover is planned with
 * FFTW_ESTIMATE.  Wisdom files are the caller's business. */
void msp_snr_set_fftw_flags(msp_snr *h, unsigned flags);

/* Multitaper power spectral density of x[0..n) (MTPowerSpectrumEngine with
 * nfft = 2n): nf = n + 1 values into spec, df = 1/(2n dt) into *df. */
int msp_snr_mtspec(msp_snr *h, const double *x, size_t n, double dt, double tbp, int ntapers,
                   double *spec, double *df);

/* EstimateBandwidth on power spectra S (nfs points, step dfs) and N (nfn,
 * dfn); nyquist of S; f_max <= 0 for 0.8*nyquist.  Fills low/high edges,
 * their snr and f_range (all zero when no point reaches the threshold).
 * Returns 0, or -1 when the downward search runs off the spectrum (MsPASS
 * then fails and kills). */
typedef struct msp_bandwidth {
	double low_f, high_f, low_snr, high_snr, f_range;
} msp_bandwidth;
int msp_estimate_bandwidth(const double *S, size_t nfs, double dfs, const double *N, size_t nfn,
                           double dfn, double nyquist, double threshold, double f0, double f_max,
                           msp_bandwidth *bw);
/* BandwidthStatistics: out = {median, maximum, minimum, q1_4, q3_4, mean};
 * returns 1 when valid, 0 when not (f_range <= 0 or fewer than 2 points). */
int msp_bandwidth_stats(const double *S, size_t nfs, double dfs, const double *N, size_t nfn,
                        double dfn, double nyquist, const msp_bandwidth *bw, double out[6]);

/* FD_snr_estimator on samples x[0..npts) starting at t0 with interval dt;
 * windows in the same time frame.  MSP_OK with the result (have_band says
 * whether a signal was detected); MSP_ERR_DATA when a window is not inside
 * the data or the band search fails (message in the handle);
 * MSP_ERR_INVAL for inconsistent options (ntapers > round(2 tbp)). */
int msp_snr_fd(msp_snr *h, const double *x, size_t npts, double t0, double dt, double noise_start,
               double noise_end, double signal_start, double signal_end, const msp_snr_opts *o,
               msp_snr_result *r);

/* MsPASS snr(): metric(signal window)/metric(noise window).  Windows must lie
 * strictly inside the data (t0 < start, end < t0 + (npts-0.5)dt, MsPASS's
 * _window_invalid); MSP_ERR_DATA otherwise. */
int msp_snr_time(const double *x, size_t npts, double t0, double dt, double noise_start,
                 double noise_end, double signal_start, double signal_end, int noise_metric,
                 int signal_metric, double perc, double *snr);

#ifdef __cplusplus
}
#endif
#endif
