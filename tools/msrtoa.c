/*
 * msrtoa - switch relative-time records back to UTC (MsPASS's rtoa).
 *
 *   records (relative) -> records (UTC)
 *
 * t0 becomes t0 + t0shift; after msator alone this is the original t0 bit
 * for bit.  UTC records pass unchanged.  A relative record whose shift is not
 * valid (and not above 100 s, MsPASS's rule) cannot be placed in UTC: it is
 * killed with an elog entry (MsPASS raises Invalid, and its wrapper kills).
 */
#include "msp_window.h"
#include "tool.h"

static const mst_opt opts[] = {
	{0},
};

static const mst_prog prog = {
	.name = "msrtoa",
	.usage = "[OPTIONS] < RECORDS > RECORDS",
	.summary = "Switch relative-time records back to UTC (MsPASS rtoa).",
	.description =
		"t0 becomes t0 + t0shift (exactly the t0 before msator).  UTC records pass\n"
		"unchanged; a relative record with no valid shift is killed.  Metadata\n"
		"mirrors present (starttime, time_standard, starttime_shift,\n"
		"utc_convertible) follow the change.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

int main(int argc, char **argv)
{
	const char *arg;
	mst_init(&prog, argc, argv);
	while (mst_getopt(argc, argv, &arg) != -1)
		;
	if (optind < argc)
		mst_usage("unexpected operand \"%s\"", argv[optind]);

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		if (rec->live && rec->tref == MSP_TREF_RELATIVE) {
			int rc = msp_record_rtoa(rec);
			if (rc == MSP_ERR_NOMEM)
				mst_fatal("out of memory");
			if (rc)
				msp_record_kill(rec, "msrtoa", "time shift to UTC is not defined "
				                               "(relative data that were never absolute)");
			else if (msp_record_sync_time_mirrors(rec))
				mst_fatal("out of memory");
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
