/*
 * msfilter - Butterworth filtering of every live record, as MsPASS's
 * filter() (ObsPy Trace.filter): lowpass, highpass, bandpass or bandstop,
 * corners (default 4), optionally zero phase (forward then backward).
 * Seismograms are filtered component by component.  A corner the record's
 * sampling rate cannot take kills the record with an elog entry, as
 * MsPASS's wrapper does.  Dead records pass through untouched.
 *
 *   records on stdin -> filtered records on stdout
 */
#include <math.h>
#include <string.h>
#include "tool.h"
#include "msp_filter.h"

enum { OPT_LP = MST_LONG, OPT_HP, OPT_BP, OPT_BS, OPT_CORNERS, OPT_ZP };

static const mst_opt opts[] = {
	{"lowpass", OPT_LP, "HZ", "low-pass with corner HZ"},
	{"highpass", OPT_HP, "HZ", "high-pass with corner HZ"},
	{"bandpass", OPT_BP, "F1,F2", "band-pass between F1 and F2 Hz"},
	{"bandstop", OPT_BS, "F1,F2", "band-stop between F1 and F2 Hz"},
	{"corners", OPT_CORNERS, "N", "filter order, 1..32 (default 4)"},
	{"zerophase", OPT_ZP, NULL, "filter forward and backward (no phase shift, order doubled)"},
	{0},
};

static const mst_prog prog = {
	.name = "msfilter",
	.usage = "--lowpass HZ | --highpass HZ | --bandpass F1,F2 | --bandstop F1,F2 [OPTIONS] < RECORDS > RECORDS",
	.summary = "Butterworth-filter every live record (MsPASS filter, ObsPy Trace.filter).",
	.description = "Corners at or above a record's Nyquist follow ObsPy: a bandpass whose F2 is\n"
	               "at or above Nyquist becomes a highpass at F1 (a warning); any other corner at\n"
	               "or above Nyquist kills the record with an elog entry.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

static const char *band_name[] = {"lowpass", "highpass", "bandpass", "bandstop"};

int main(int argc, char **argv)
{
	const char *arg;
	int c, band = -1, corners = 4, zerophase = 0;
	double f[2] = {0, 0};
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		int b = -1;
		switch (c) {
		case OPT_LP: b = MSP_LOWPASS; f[0] = mst_arg_double("--lowpass", arg); break;
		case OPT_HP: b = MSP_HIGHPASS; f[0] = mst_arg_double("--highpass", arg); break;
		case OPT_BP: b = MSP_BANDPASS; mst_arg_double_list("--bandpass", arg, f, 2); break;
		case OPT_BS: b = MSP_BANDSTOP; mst_arg_double_list("--bandstop", arg, f, 2); break;
		case OPT_CORNERS: corners = (int)mst_arg_int("--corners", arg, 1, MSP_CORNERS_MAX); break;
		case OPT_ZP: zerophase = 1; break;
		}
		if (b >= 0) {
			if (band >= 0)
				mst_usage("give one of --lowpass, --highpass, --bandpass, --bandstop");
			band = b;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	if (band < 0)
		mst_usage("give one of --lowpass, --highpass, --bandpass, --bandstop");
	int two = band == MSP_BANDPASS || band == MSP_BANDSTOP;
	if (!(f[0] > 0) || !isfinite(f[0]) || (two && (!(f[1] > 0) || !isfinite(f[1]))))
		mst_usage("--%s: frequencies must be positive", band_name[band]);
	if (two && !(f[0] < f[1]))
		mst_usage("--%s: F1 (%g) must be below F2 (%g)", band_name[band], f[0], f[1]);

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	double cached_dt = -1;
	int cached_rc = 0, cached_changes = 0, warned = 0;
	msp_sos sos;
	while (mst_read(in, rec)) {
		if (rec->live) {
			if (rec->dt != cached_dt) {
				cached_dt = rec->dt;
				cached_rc = msp_butter_design(band, corners, f[0], f[1], 1.0 / rec->dt, &sos,
				                              &cached_changes);
			}
			if (cached_rc) {
				char fr[64];
				if (two)
					snprintf(fr, sizeof fr, "%g,%g", f[0], f[1]);
				else
					snprintf(fr, sizeof fr, "%g", f[0]);
				msp_record_kill(rec, "msfilter",
				                "%s %s Hz, %d corners: a corner is at or above Nyquist (%g Hz) "
				                "or not positive for dt %g",
				                band_name[band], fr, corners, 0.5 / rec->dt, rec->dt);
			} else {
				if ((cached_changes & MSP_FILTER_BECAME_HIGHPASS) && !warned) {
					mst_warn("bandpass high corner %g Hz is at or above Nyquist (%g Hz) for dt %g: "
					         "applying a highpass at %g Hz instead (as ObsPy does)",
					         f[1], 0.5 / rec->dt, rec->dt, f[0]);
					warned = 1;
				}
				for (int k = 0; k < rec->kind; k++)
					msp_sos_apply(&sos, msp_record_comp(rec, k), rec->npts, zerophase);
				mst_history(rec);
			}
		}
		mst_write(out, rec);
		mst_progress(++n);
	}
	mst_finish_output(out);
	mst_close_input(in);
	mst_progress_done(n);
	msp_record_free(rec);
	return 0;
}
