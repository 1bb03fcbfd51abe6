/*
 * msresample - bring every live record to one sampling rate, as MsPASS's
 * resample(d, ScipyDecimator(R), ScipyResampler(R)): an integer factor
 * decimates (order-8 Chebyshev-I antialias filter, forward and backward,
 * then every q-th sample); any other ratio (including upsampling) is FFT
 * resampled (scipy.signal.resample, Hann-windowed spectrum by default).
 * --method decimate or fft forces one operator, with MsPASS's semantics
 * (the decimator kills what it cannot do).  Seismograms are resampled
 * component by component; dead records pass through untouched.
 *
 * FFTW plans are kept across records of one length.  With --measure the
 * plans are measured (FFTW_MEASURE, seconds per new length) and the wisdom
 * is saved; later runs that find the wisdom file use it (sizes it does not
 * cover are estimated).  Without wisdom plans are estimated (FFTW_ESTIMATE).
 *
 *   records on stdin -> resampled records on stdout
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fftw3.h>
#include "tool.h"
#include "msp_fftw.h"
#include "msp_dsp.h"
#include "msp_meta.h"

enum { OPT_RATE = 'r', OPT_METHOD = 'm', OPT_WINDOW = MST_LONG, OPT_ORDER, OPT_MEASURE, OPT_WISDOM };

static const mst_opt opts[] = {
	{"rate", OPT_RATE, "HZ", "target sampling rate in samples per second (required)"},
	{"method", OPT_METHOD, "M", "auto (default: decimate when the factor is an integer, else fft), decimate, fft"},
	{"window", OPT_WINDOW, "W", "fft: spectral window hann (default, as MsPASS) or none"},
	{"order", OPT_ORDER, "N", "decimate: Chebyshev-I order (default 8)"},
	{"measure", OPT_MEASURE, NULL, "plan FFTs with FFTW_MEASURE and save the wisdom"},
	{"wisdom", OPT_WISDOM, "FILE", "FFTW wisdom file (default $XDG_CACHE_HOME/mspipe/fftw-wisdom)"},
	{0},
};

static const mst_prog prog = {
	.name = "msresample",
	.usage = "--rate HZ [OPTIONS] < RECORDS > RECORDS",
	.summary = "Resample every live record to one rate (MsPASS resample: decimator or FFT resampler).",
	.description = "A record already at the rate passes unchanged (method auto).  The decimator\n"
	               "kills records it cannot decimate (upsampling, non-integer factor, a trace\n"
	               "shorter than the filter's padding) with an elog entry.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

enum { M_AUTO, M_DECIMATE, M_FFT };

int main(int argc, char **argv)
{
	const char *arg, *wisdom_opt = NULL;
	int c, method = M_AUTO, hann = 1, order = 8, measure = 0;
	double rate = -1;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_RATE: rate = mst_arg_double("--rate", arg); break;
		case OPT_METHOD:
			if (strcmp(arg, "auto") == 0)
				method = M_AUTO;
			else if (strcmp(arg, "decimate") == 0)
				method = M_DECIMATE;
			else if (strcmp(arg, "fft") == 0)
				method = M_FFT;
			else
				mst_usage("--method: \"%s\" is not auto, decimate or fft", arg);
			break;
		case OPT_WINDOW:
			if (strcmp(arg, "hann") == 0)
				hann = 1;
			else if (strcmp(arg, "none") == 0)
				hann = 0;
			else
				mst_usage("--window: \"%s\" is not hann or none", arg);
			break;
		case OPT_ORDER: order = (int)mst_arg_int("--order", arg, 1, 32); break;
		case OPT_MEASURE: measure = 1; break;
		case OPT_WISDOM: wisdom_opt = arg; break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	if (rate < 0)
		mst_usage("give --rate");
	if (!(rate > 0) || !isfinite(rate))
		mst_usage("--rate: must be a positive number of samples per second");
	double target_dt = 1.0 / rate;

	char *wisdom = wisdom_opt ? strdup(wisdom_opt) : msp_wisdom_default_path();
	int have_wisdom;
	if (msp_wisdom_load(wisdom, &have_wisdom) && wisdom_opt)
		mst_fatal("%s: not an FFTW wisdom file", wisdom);
	unsigned flags = msp_wisdom_flags(measure, have_wisdom);
	mst_info(1, "FFT planning: %s%s", measure ? "FFTW_MEASURE" : have_wisdom ? "wisdom" : "FFTW_ESTIMATE",
	         have_wisdom ? " (wisdom loaded)" : "");
	msp_fft_resampler *rs;
	if (msp_fft_resampler_new(&rs, flags))
		mst_fatal("out of memory");

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	double *buf = NULL, *work = NULL;
	size_t bufcap = 0, workcap = 0;
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		if (!rec->live)
			goto write;
		long q = msp_decimation_factor(rec->dt, target_dt);
		int use;
		if (method == M_AUTO) {
			if (q == 1)
				goto write;
			use = q > 1 ? M_DECIMATE : M_FFT;
		} else {
			use = method;
		}
		size_t ny;
		if (use == M_DECIMATE) {
			if (q <= 0) {
				if (q == 0)
					msp_record_kill(rec, "ScipyDecimator.resample",
					                "Data sample interval=%g is smaller than target dt=%g.  "
					                "This operator can only downsample", rec->dt, target_dt);
				else
					msp_record_kill(rec, "ScipyDecimator.resample",
					                "Data sample interval=%g is not an integer multiple of %g",
					                rec->dt, target_dt);
				goto write;
			}
			ny = msp_decimate_npts(rec->npts, q);
		} else {
			ny = msp_resample_npts(rec->t0, rec->dt, rec->npts, rate);
			if (ny == 0 || rec->npts == 0) {
				msp_record_kill(rec, "ScipyResampler.resample", "no samples at %g sps", rate);
				goto write;
			}
			/* a record the stream's readers would refuse (MSPIPE_MAX_RECORD)
			 * dies here, with the reason, instead of downstream or in malloc */
			uint64_t docs = (uint64_t)rec->meta->len + rec->elog->len + rec->history->len;
			uint64_t bound = msp_reader_max_record(in);
			if (!msp_record_fits(bound, rec->kind, ny, docs)) {
				msp_record_kill(rec, "ScipyResampler.resample",
				                "%zu samples at %g sps would become %zu at %g sps (%.3g GB a component), "
				                "beyond the record bound of %llu bytes (MSPIPE_MAX_RECORD)",
				                rec->npts, 1.0 / rec->dt, ny, rate, (double)ny * 8 / 1e9,
				                (unsigned long long)bound);
				goto write;
			}
		}
		size_t need = (size_t)rec->kind * ny;
		if (need > bufcap) {
			free(buf);
			bufcap = need;
			if (!(buf = malloc(bufcap * sizeof *buf)))
				mst_fatal("out of memory");
		}
		int rc = MSP_OK;
		for (int k = 0; k < rec->kind && rc == MSP_OK; k++) {
			const double *x = msp_record_comp(rec, k);
			if (use == M_DECIMATE) {
				size_t wn = msp_decimate_work(rec->npts, order);
				if (wn > workcap) {
					free(work);
					workcap = wn;
					if (!(work = malloc(workcap * sizeof *work)))
						mst_fatal("out of memory");
				}
				rc = msp_decimate(x, rec->npts, q, order, buf + (size_t)k * ny, work);
			} else {
				rc = msp_fft_resample(rs, x, rec->npts, buf + (size_t)k * ny, ny, hann);
			}
		}
		if (rc == MSP_ERR_NOMEM)
			mst_fatal("out of memory");
		if (rc) {
			msp_record_kill(rec, use == M_DECIMATE ? "ScipyDecimator.resample" : "ScipyResampler.resample",
			                "%s: %s (npts %zu)",
			                use == M_DECIMATE ? "record shorter than the decimation filter's padding"
			                                  : "FFT resampling failed",
			                msp_strerror(rc), rec->npts);
			goto write;
		}
		if (msp_record_resize(rec, rec->kind, ny))
			mst_fatal("out of memory");
		memcpy(rec->data, buf, need * sizeof *buf);
		rec->dt = target_dt;
		msp_meta_set_double(rec->meta, "sampling_rate", rate);
		if (msp_meta_has(rec->meta, "delta"))
			msp_meta_set_double(rec->meta, "delta", target_dt);
		if (msp_meta_has(rec->meta, "npts"))
			msp_meta_set_int64(rec->meta, "npts", (int64_t)ny);
		mst_history(rec);
	write:
		mst_write(out, rec);
		mst_progress(++n);
	}
	mst_finish_output(out);
	mst_close_input(in);
	mst_progress_done(n);
	mst_info(1, "FFT plans made: %u", msp_fft_resampler_plans(rs));
	if (measure && wisdom && msp_wisdom_save(wisdom))
		mst_warn("%s: cannot save FFTW wisdom: %s", wisdom, strerror(errno));
	msp_fft_resampler_free(rs);
	msp_record_free(rec);
	free(buf);
	free(work);
	free(wisdom);
	return 0;
}
