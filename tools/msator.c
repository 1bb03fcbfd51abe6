/*
 * msator - switch records to time relative to a reference (MsPASS's ator).
 *
 *   records (UTC) -> records (relative to KEY or TIME), shift kept
 *
 * The reference is the UTC time in metadata key KEY (--ref Ptime) or a
 * fixed time (--shift TIME).  t0 becomes t0 - reference and the reference is
 * kept as the record's t0shift, so that msrtoa restores UTC exactly (bit for
 * bit: see msp_record_ator).  Records already in relative time with a valid
 * shift are re-referenced (back to UTC, then to the new reference); without
 * a valid shift, and without KEY, a record is killed.
 */
#include <math.h>
#include <stdio.h>
#include "msp_window.h"
#include "tool.h"

enum { OPT_REF = 'r', OPT_SHIFT = 's' };

static const mst_opt opts[] = {
	{"ref", OPT_REF, "KEY", "make time relative to the UTC time in metadata KEY (e.g. Ptime)"},
	{"shift", OPT_SHIFT, "TIME", "make time relative to TIME (ISO 8601 UTC or epoch seconds)"},
	{0},
};

static const mst_prog prog = {
	.name = "msator",
	.usage = "--ref KEY | --shift TIME < RECORDS > RECORDS",
	.summary = "Switch records to time relative to a reference (MsPASS ator).",
	.description =
		"t0 becomes t0 - reference; the reference is kept as t0shift so that msrtoa\n"
		"restores UTC exactly.  Relative-time records with a valid shift are\n"
		"re-referenced; a record without KEY, or relative without a valid shift,\n"
		"is killed.  Metadata mirrors present (starttime, time_standard,\n"
		"starttime_shift, utc_convertible) follow the change.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

int main(int argc, char **argv)
{
	const char *arg, *ref = NULL;
	int c, have_shift = 0;
	double shift = 0;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_REF:
			if (!*arg)
				mst_usage("--ref: empty key");
			ref = arg;
			break;
		case OPT_SHIFT:
			shift = mst_arg_time("--shift", arg);
			have_shift = 1;
			break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected operand \"%s\"", argv[optind]);
	if (!ref == !have_shift)
		mst_usage("give exactly one of --ref KEY and --shift TIME");

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	char err[256];
	while (mst_read(in, rec)) {
		if (rec->live) {
			double s = shift;
			int rc = ref ? msp_meta_get_time(rec->meta, ref, &s, err, sizeof err) : MSP_OK;
			if (rc) {
				msp_record_kill(rec, "msator", "%s", err);
			} else if (rec->tref == MSP_TREF_RELATIVE && msp_record_rtoa(rec)) {
				msp_record_kill(rec, "msator", "cannot re-reference relative-time data: "
				                               "its time shift to UTC is not defined");
			} else if ((rc = msp_record_ator(rec, s))) {
				if (rc == MSP_ERR_NOMEM)
					mst_fatal("out of memory");
				msp_record_kill(rec, "msator", "bad time shift %g", s);
			} else if (msp_record_sync_time_mirrors(rec)) {
				mst_fatal("out of memory");
			}
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
