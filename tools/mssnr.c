/*
 * mssnr - MsPASS's arrival signal-to-noise estimate (arrival_snr /
 * broadband_snr_QC): multitaper spectra of a noise and a signal window set
 * around an arrival, the band where the signal stands above the noise, the
 * snr statistics inside it and time-domain metrics on the data filtered to
 * that band, written into a subdocument (default Parrival).  In QC mode, or
 * with thresholds, records that fail are killed.
 *
 *   records -> the same records with the snr subdocument (or killed)
 */
#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tool.h"
#include "msp_fftw.h"
#include "msp_meta.h"
#include "msp_snr.h"
#include "msp_window.h"

enum {
	OPT_REF = 'r', OPT_NOISE = MST_LONG + 1, OPT_SIGNAL, OPT_KEY, OPT_PHASE, OPT_CUTOFF,
	OPT_MINBW, OPT_FLZ, OPT_TBP, OPT_NTAPERS, OPT_F0, OPT_FMAX, OPT_POLES, OPT_PERC,
	OPT_METRICS, OPT_COMPONENT, OPT_QC, OPT_KILLBELOW, OPT_KEEPNULL, OPT_TD, OPT_MEASURE,
	OPT_WISDOM,
};

static const mst_opt opts[] = {
	{"ref", OPT_REF, "KEY", "arrival time key, UTC epoch seconds (default Ptime)"},
	{"noise", OPT_NOISE, "START,END", "noise window relative to the arrival (default -130,-5)"},
	{"signal", OPT_SIGNAL, "START,END", "signal window relative to the arrival (default -5,120)"},
	{"output-key", OPT_KEY, "KEY", "subdocument that receives the results (default Parrival)"},
	{"phase", OPT_PHASE, "NAME", "phase name written as \"phase\" (default P)"},
	{"band-cutoff", OPT_CUTOFF, "SNR", "snr that defines the band edges (default 2.0; --qc 1.5)"},
	{"min-bandwidth", OPT_MINBW, "DB", "least bandwidth that counts as a signal (default 6)"},
	{"f-low-zero-test", OPT_FLZ, "HZ", "low edge at or below this: low-pass (default 2*tbp*df)"},
	{"tbp", OPT_TBP, "X", "multitaper time-bandwidth product (default 4)"},
	{"ntapers", OPT_NTAPERS, "N", "number of tapers, at most round(2*tbp) (default 6)"},
	{"f0", OPT_F0, "HZ", "frequency where the band search starts (default 1)"},
	{"fmax", OPT_FMAX, "HZ", "ceiling of the high band edge (default 0.8 Nyquist)"},
	{"poles", OPT_POLES, "N", "Butterworth poles of the filtered metrics (default 3)"},
	{"perc", OPT_PERC, "P", "percentage of the perc metrics (default 95)"},
	{"metrics", OPT_METRICS, "LIST", "optional metrics: all (default), none, or MsPASS keywords"},
	{"component", OPT_COMPONENT, "N", "Seismogram component to measure, 0-2 (default 2)"},
	{"qc", OPT_QC, NULL, "broadband_snr_QC: window times and ids in the output, cutoff 1.5"},
	{"kill-below", OPT_KILLBELOW, "KEY=X", "kill records whose result KEY is below X (repeatable)"},
	{"keep-null", OPT_KEEPNULL, NULL, "do not kill records with no detectable signal"},
	{"time-domain", OPT_TD, "S[,N]", "also MsPASS snr() with metrics rms|mad|peak|perc"},
	{"measure", OPT_MEASURE, NULL, "plan FFTs with FFTW_MEASURE and save the wisdom"},
	{"wisdom", OPT_WISDOM, "FILE", "FFTW wisdom file (default $XDG_CACHE_HOME/mspipe/fftw-wisdom)"},
	{0},
};

static const mst_prog prog = {
	.name = "mssnr",
	.usage = "[OPTIONS] < RECORDS > RECORDS",
	.summary = "Measure arrival signal-to-noise ratios as MsPASS's arrival_snr / broadband_snr_QC.",
	.description =
	    "Windows are relative to the arrival time in --ref (UTC records; relative records are\n"
	    "taken as already aligned on it unless the key and a valid time shift say otherwise).\n"
	    "A window not inside the data, a missing arrival time or no detectable signal kills\n"
	    "the record with an elog entry.  Dead records pass through untouched.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

typedef struct threshold {
	char key[64];
	double min;
} threshold;

static void parse_window(const char *opt, const char *arg, double w[2])
{
	mst_arg_double_list(opt, arg, w, 2);
	if (!(w[1] > w[0]))
		mst_usage("%s: END must be after START", opt);
}

static void put(bson_t *d, const char *k, double v)
{
	BSON_APPEND_DOUBLE(d, k, v);
}

/* A number in the result subdocument, for --kill-below. */
static int sub_number(const bson_t *sub, const char *key, double *v)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, sub, key))
		return 0;
	if (BSON_ITER_HOLDS_NUMBER(&it) || BSON_ITER_HOLDS_BOOL(&it)) {
		*v = BSON_ITER_HOLDS_BOOL(&it) ? bson_iter_bool(&it) : bson_iter_as_double(&it);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *arg, *ref = "Ptime", *outkey = "Parrival", *phase = "P", *wisdom_opt = NULL;
	int measure = 0;
	double noise[2] = {-130, -5}, signal[2] = {-5, 120};
	int c, component = 2, qc = 0, keep_null = 0, cutoff_set = 0;
	int td_s = -1, td_n = -1;
	threshold th[32];
	int nth = 0;
	msp_snr_opts o;
	msp_snr_opts_default(&o);
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_REF: ref = arg; break;
		case OPT_NOISE: parse_window("--noise", arg, noise); break;
		case OPT_SIGNAL: parse_window("--signal", arg, signal); break;
		case OPT_KEY:
			if (!*arg || strchr(arg, '.'))
				mst_usage("--output-key: \"%s\" is not a top-level key", arg);
			outkey = arg;
			break;
		case OPT_PHASE: phase = arg; break;
		case OPT_CUTOFF:
			o.band_cutoff_snr = mst_arg_double_range("--band-cutoff", arg, 0, 1e6);
			cutoff_set = 1;
			break;
		case OPT_MINBW: o.min_bandwidth_db = mst_arg_double_range("--min-bandwidth", arg, 0, 1e3); break;
		case OPT_FLZ: o.f_low_zero_test = mst_arg_double_range("--f-low-zero-test", arg, 0, 1e6); break;
		case OPT_TBP: o.tbp = mst_arg_double_range("--tbp", arg, 0.5, 1e3); break;
		case OPT_NTAPERS: o.ntapers = (int)mst_arg_int("--ntapers", arg, 1, 2000); break;
		case OPT_F0: o.f0 = mst_arg_double_range("--f0", arg, 0, 1e6); break;
		case OPT_FMAX: o.f_max = mst_arg_double_range("--fmax", arg, 1e-9, 1e6); break;
		case OPT_POLES: o.poles = (int)mst_arg_int("--poles", arg, 1, 16); break;
		case OPT_PERC: o.perc = mst_arg_double_range("--perc", arg, 1e-9, 100); break;
		case OPT_METRICS: {
			o.metrics = 0;
			if (!strcmp(arg, "all")) {
				o.metrics = MSP_SNR_ALL;
				break;
			}
			if (!strcmp(arg, "none"))
				break;
			char *dup = strdup(arg), *p = dup, *tok;
			while ((tok = strsep(&p, ","))) {
				unsigned b = msp_snr_metric_bit(tok);
				if (!b)
					mst_usage("--metrics: \"%s\" is not snr_stats, filtered_envelope, "
					          "filtered_L2, filtered_Linf, filtered_MAD or filtered_perc", tok);
				o.metrics |= b;
			}
			free(dup);
			break;
		}
		case OPT_COMPONENT: component = (int)mst_arg_int("--component", arg, 0, 2); break;
		case OPT_QC: qc = 1; break;
		case OPT_MEASURE: measure = 1; break;
		case OPT_WISDOM: wisdom_opt = arg; break;
		case OPT_KEEPNULL: keep_null = 1; break;
		case OPT_KILLBELOW: {
			const char *eq = strchr(arg, '=');
			if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof th[0].key)
				mst_usage("--kill-below: \"%s\" is not KEY=VALUE", arg);
			if (nth == 32)
				mst_usage("--kill-below: at most 32 thresholds");
			memcpy(th[nth].key, arg, (size_t)(eq - arg));
			th[nth].key[eq - arg] = '\0';
			th[nth].min = mst_arg_double("--kill-below", eq + 1);
			nth++;
			break;
		}
		case OPT_TD: {
			char *dup = strdup(arg), *comma = strchr(dup, ',');
			if (comma)
				*comma = '\0';
			td_s = msp_amp_metric_from_name(dup);
			td_n = comma ? msp_amp_metric_from_name(comma + 1) : td_s;
			if (td_s < 0 || td_n < 0)
				mst_usage("--time-domain: \"%s\" is not METRIC[,METRIC] of rms, mad, peak, perc", arg);
			free(dup);
			break;
		}
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (o.ntapers > (int)lround(2 * o.tbp))
		mst_usage("--ntapers %d is more than round(2*tbp) = %ld", o.ntapers, lround(2 * o.tbp));
	if (qc && !cutoff_set)
		o.band_cutoff_snr = 1.5;

	msp_snr *h;
	if (msp_snr_new(&h))
		mst_fatal("out of memory");
	/* FFTW_ESTIMATE unless wisdom (as msresample) */
	char *wisdom = wisdom_opt ? strdup(wisdom_opt) : msp_wisdom_default_path();
	int have_wisdom;
	if (msp_wisdom_load(wisdom, &have_wisdom) && wisdom_opt)
		mst_fatal("%s: not an FFTW wisdom file", wisdom);
	msp_snr_set_fftw_flags(h, msp_wisdom_flags(measure, have_wisdom));
	mst_info(1, "FFT planning: %s", measure ? "FFTW_MEASURE" : have_wisdom ? "wisdom" : "FFTW_ESTIMATE");
	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0, nkilled = 0;
	const char *alg = qc ? "broadband_snr_QC" : "arrival_snr";
	while (mst_read(in, rec)) {
		mst_progress(++n);
		if (!rec->live) {
			mst_write(out, rec);
			continue;
		}
		/* the arrival in the record's own time frame */
		double t_arr = 0, t_utc = NAN;
		char err[512];
		int have_key = msp_meta_get_double(rec->meta, ref, &t_utc) == MSP_OK && isfinite(t_utc);
		if (rec->tref == MSP_TREF_UTC || have_key || qc) {
			int rc = msp_record_ref_time(rec, ref, &t_arr, err, sizeof err);
			if (rc) {
				msp_record_kill(rec, alg, "arrival time: %s", err);
				goto done;
			}
		}
		const double *x = rec->kind == MSP_SEISMOGRAM ? msp_record_comp(rec, component) : rec->data;
		msp_snr_result r;
		int rc = msp_snr_fd(h, x, rec->npts, rec->t0, rec->dt, t_arr + noise[0], t_arr + noise[1],
		                    t_arr + signal[0], t_arr + signal[1], &o, &r);
		if (rc == MSP_ERR_NOMEM)
			mst_fatal("out of memory");
		if (rc) {
			msp_record_kill(rec, alg, "FD_snr_estimator: %s", msp_snr_errmsg(h));
			goto done;
		}
		/* MsPASS's snr(), when asked: independent of the band search */
		double td = NAN;
		if (td_s >= 0 &&
		    msp_snr_time(x, rec->npts, rec->t0, rec->dt, t_arr + noise[0], t_arr + noise[1],
		                 t_arr + signal[0], t_arr + signal[1], td_n, td_s, o.perc, &td) != MSP_OK) {
			td = NAN;
			msp_record_log(rec, alg, MSP_SEV_COMPLAINT,
			               "snr(): windows not strictly inside the data: time_domain_snr not "
			               "computed");
		}
		if (!r.have_band) {
			char why[320];
			if (r.complaint[0])
				snprintf(why, sizeof why, "%s", r.complaint);
			else
				snprintf(why, sizeof why, "Estimated bandwidth=%g below detection minimum=%g",
				         r.bandwidth_db, o.min_bandwidth_db);
			if (keep_null) {
				msp_record_log(rec, alg, MSP_SEV_COMPLAINT, "%s: no band-limited snr metrics",
				               why);
				if (isfinite(td)) {
					bson_t sub;
					bson_init(&sub);
					put(&sub, "time_domain_snr", td);
					char k[64];
					snprintf(k, sizeof k, "%s/%s", msp_amp_metric_name(td_s),
					         msp_amp_metric_name(td_n));
					BSON_APPEND_UTF8(&sub, "time_domain_metrics", k);
					BSON_APPEND_UTF8(&sub, "phase", phase);
					if (msp_meta_set_document(rec->meta, outkey, &sub))
						mst_fatal("out of memory");
					bson_destroy(&sub);
				}
			} else {
				msp_record_kill(rec, alg,
				                "%s: FD_snr_estimator flagged this datum as having no "
				                "detectable signal", why);
			}
			goto done;
		}
		if (r.complaint[0])
			msp_record_log(rec, alg, MSP_SEV_COMPLAINT, "%s", r.complaint);
		bson_t sub;
		bson_init(&sub);
		put(&sub, "low_f_band_edge", r.low_f_band_edge);
		put(&sub, "high_f_band_edge", r.high_f_band_edge);
		put(&sub, "low_f_band_edge_snr", r.low_f_band_edge_snr);
		put(&sub, "high_f_band_edge_snr", r.high_f_band_edge_snr);
		put(&sub, "spectrum_frequency_range", r.spectrum_frequency_range);
		put(&sub, "bandwidth", r.bandwidth_db);
		put(&sub, "bandwidth_fraction", r.bandwidth_fraction);
		if (o.metrics) {
			BSON_APPEND_UTF8(&sub, "filter_type", r.lowpass ? "lowpass" : "bandpass");
			BSON_APPEND_INT64(&sub, "filter_number_poles", o.poles);
		}
		if (r.have & MSP_SNR_STATS) {
			put(&sub, "median_snr", r.median_snr);
			put(&sub, "maximum_snr", r.maximum_snr);
			put(&sub, "minimum_snr", r.minimum_snr);
			put(&sub, "q1_4_snr", r.q1_4_snr);
			put(&sub, "q3_4_snr", r.q3_4_snr);
			put(&sub, "mean_snr", r.mean_snr);
			BSON_APPEND_BOOL(&sub, "stats_are_valid", 1);
		}
		if (r.have & MSP_SNR_ENVELOPE)
			put(&sub, "snr_filtered_envelope_peak", r.snr_filtered_envelope_peak);
		if (r.have & MSP_SNR_L2)
			put(&sub, "snr_filtered_rms", r.snr_filtered_rms);
		if (r.have & MSP_SNR_LINF)
			put(&sub, "snr_filtered_peak", r.snr_filtered_peak);
		if (r.have & MSP_SNR_MADM)
			put(&sub, "snr_filtered_mad", r.snr_filtered_mad);
		if (r.have & MSP_SNR_PERCM) {
			put(&sub, "snr_filtered_perc", r.snr_filtered_perc);
			put(&sub, "snr_perc", o.perc);
		}
		if (isfinite(td)) {
			char k[64];
			put(&sub, "time_domain_snr", td);
			snprintf(k, sizeof k, "%s/%s", msp_amp_metric_name(td_s), msp_amp_metric_name(td_n));
			BSON_APPEND_UTF8(&sub, "time_domain_metrics", k);
		}
		BSON_APPEND_UTF8(&sub, "phase", phase);
		if (qc) {
			put(&sub, "snr_arrival_time", t_utc);
			put(&sub, "snr_signal_window_start", t_utc + signal[0]);
			put(&sub, "snr_signal_window_end", t_utc + signal[1]);
			put(&sub, "snr_noise_window_start", t_utc + noise[0]);
			put(&sub, "snr_noise_window_end", t_utc + noise[1]);
			const char *ids[2] = {"source_id",
			                      rec->kind == MSP_SEISMOGRAM ? "site_id" : "channel_id"};
			for (int k = 0; k < 2; k++) {
				bson_iter_t it;
				if (bson_iter_init_find(&it, rec->meta, ids[k]))
					bson_append_iter(&sub, ids[k], -1, &it);
			}
		}
		if (msp_meta_set_document(rec->meta, outkey, &sub))
			mst_fatal("out of memory");
		for (int k = 0; k < nth; k++) {
			double v;
			if (!sub_number(&sub, th[k].key, &v))
				msp_record_kill(rec, alg, "QC: %s was not measured", th[k].key);
			else if (v < th[k].min)
				msp_record_kill(rec, alg, "QC: %s=%g is below %g", th[k].key, v, th[k].min);
		}
		bson_destroy(&sub);
	done:
		if (!rec->live)
			nkilled++;
		mst_history(rec);
		mst_write(out, rec);
	}
	mst_progress_done(n);
	mst_finish_output(out);
	mst_close_input(in);
	msp_snr_free(h);
	if (measure && wisdom && msp_wisdom_save(wisdom))
		mst_warn("%s: cannot save FFTW wisdom: %s", wisdom, strerror(errno));
	free(wisdom);
	msp_record_free(rec);
	mst_info(1, "%llu records, %llu killed", (unsigned long long)n, (unsigned long long)nkilled);
	return 0;
}
