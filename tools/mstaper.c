/*
 * mstaper - taper the ends of every live record as ObsPy's Trace.taper does:
 * a Hann (cosine) or linear (Bartlett) ramp over a fraction of the record or
 * a number of seconds (the shorter wins, never more than half the record),
 * at both ends or one.  Seismograms are tapered component by component; dead
 * records pass through untouched.
 *
 *   records on stdin -> tapered records on stdout
 */
#include <string.h>
#include "tool.h"
#include "msp_dsp.h"

enum { OPT_TYPE = 't', OPT_FRAC = 'f', OPT_SEC = 's', OPT_SIDE = MST_LONG };

static const mst_opt opts[] = {
	{"type", OPT_TYPE, "TYPE", "hann (cosine, default) or linear"},
	{"fraction", OPT_FRAC, "P", "taper length at each end as a fraction of the record, 0..0.5"},
	{"seconds", OPT_SEC, "S", "taper length at each end in seconds"},
	{"side", OPT_SIDE, "SIDE", "both (default), left or right"},
	{0},
};

static const mst_prog prog = {
	.name = "mstaper",
	.usage = "--fraction P | --seconds S [OPTIONS] < RECORDS > RECORDS",
	.summary = "Taper the ends of every live record (ObsPy Trace.taper).",
	.description = "With both --fraction and --seconds the shorter taper is used.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

int main(int argc, char **argv)
{
	const char *arg;
	int c, type = MSP_TAPER_HANN, side = MSP_TAPER_BOTH;
	double frac = -1, sec = -1;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_TYPE:
			if (strcmp(arg, "hann") == 0 || strcmp(arg, "cosine") == 0)
				type = MSP_TAPER_HANN;
			else if (strcmp(arg, "linear") == 0)
				type = MSP_TAPER_LINEAR;
			else
				mst_usage("--type: \"%s\" is not hann or linear", arg);
			break;
		case OPT_FRAC: frac = mst_arg_double_range("--fraction", arg, 0, 0.5); break;
		case OPT_SEC: sec = mst_arg_double_range("--seconds", arg, 0, 1e12); break;
		case OPT_SIDE:
			if (strcmp(arg, "both") == 0)
				side = MSP_TAPER_BOTH;
			else if (strcmp(arg, "left") == 0)
				side = MSP_TAPER_LEFT;
			else if (strcmp(arg, "right") == 0)
				side = MSP_TAPER_RIGHT;
			else
				mst_usage("--side: \"%s\" is not both, left or right", arg);
			break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	if (frac < 0 && sec < 0)
		mst_usage("give --fraction or --seconds");
	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		if (rec->live) {
			size_t w = msp_taper_length(rec->npts, rec->dt, frac, sec);
			for (int k = 0; k < rec->kind; k++)
				msp_taper(msp_record_comp(rec, k), rec->npts, w, type, side);
			mst_history(rec);
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
