/*
 * msdetrend - remove a trend from every live record, as MsPASS's detrend()
 * (ObsPy Trace.detrend): simple (line through the first and last sample,
 * MsPASS's default), linear (least squares) or demean (constant).
 * Seismograms are detrended component by component; dead records pass
 * through untouched.
 *
 *   records on stdin -> detrended records on stdout
 */
#include <string.h>
#include "tool.h"
#include "msp_dsp.h"

enum { OPT_TYPE = 't' };

static const mst_opt opts[] = {
	{"type", OPT_TYPE, "TYPE", "simple (default), linear, demean (or constant)"},
	{0},
};

static const mst_prog prog = {
	.name = "msdetrend",
	.usage = "[--type simple|linear|demean] < RECORDS > RECORDS",
	.summary = "Remove a trend from every live record (MsPASS detrend, ObsPy Trace.detrend).",
	.description = NULL,
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

int main(int argc, char **argv)
{
	const char *arg;
	int c, type = MSP_DETREND_SIMPLE;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		if (c == OPT_TYPE) {
			if (strcmp(arg, "simple") == 0)
				type = MSP_DETREND_SIMPLE;
			else if (strcmp(arg, "linear") == 0)
				type = MSP_DETREND_LINEAR;
			else if (strcmp(arg, "demean") == 0 || strcmp(arg, "constant") == 0)
				type = MSP_DETREND_DEMEAN;
			else
				mst_usage("--type: \"%s\" is not simple, linear, demean or constant", arg);
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		if (rec->live) {
			for (int k = 0; k < rec->kind; k++)
				msp_detrend(msp_record_comp(rec, k), rec->npts, type);
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
