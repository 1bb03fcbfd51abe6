/*
 * msinfo - look inside a record stream: one JSON line per record (core
 * attributes, metadata, elog, history, and with --samples the samples), or
 * with --summary a surange-style report of the whole stream.
 *
 *   records on stdin -> JSON lines (or a summary) on stdout
 */
#include <stdio.h>
#include "tool.h"
#include "msp_json.h"

enum { OPT_SAMPLES = 's', OPT_SUMMARY = 'S' };

static const mst_opt opts[] = {
	{"samples", OPT_SAMPLES, NULL, "add the samples as \"data\" (Seismogram: 3 arrays)"},
	{"summary", OPT_SUMMARY, NULL, "print count, live/dead, samples, time span, min/max/rms"},
	{0},
};

static const mst_prog prog = {
	.name = "msinfo",
	.usage = "[OPTIONS] < RECORDS",
	.summary = "Print each record of a stream as one JSON line, or a summary of the stream.",
	.description = "Each line has t0, dt, npts, live, tref, kind, metadata, elog and history;\n"
	               "t0shift and t0shift_valid appear for relative-time records.",
	.opts = opts,
	.records_in = 1,
};

int main(int argc, char **argv)
{
	int samples = 0, summary = 0;
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_SAMPLES: samples = 1; break;
		case OPT_SUMMARY: summary = 1; break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (samples && summary)
		mst_usage("--samples and --summary do not go together");

	msp_reader *in = mst_open_input();
	msp_record *rec = mst_record_new();
	msp_buf line;
	msp_summary sum;
	msp_buf_init(&line);
	msp_summary_init(&sum);
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		n++;
		if (summary) {
			msp_summary_add(&sum, rec);
		} else {
			msp_buf_reset(&line);
			if (msp_record_to_json(rec, samples, &line))
				mst_fatal("out of memory");
			msp_buf_add(&line, "\n", 1);
			mst_text(line.p, line.len);
		}
		mst_progress(n);
	}
	mst_progress_done(n);
	if (summary) {
		msp_buf_reset(&line);
		msp_summary_text(&sum, &line);
		mst_text(line.p, line.len);
	}
	msp_buf_free(&line);
	msp_record_free(rec);
	mst_close_input(in);
	mst_close_stdout();
	return 0;
}
