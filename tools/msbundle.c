/*
 * msbundle - TimeSeries to Seismogram: each run of records from one sensor
 * (same net, sta, loc and first two channel letters) that overlap in time
 * becomes one three-component record, as MsPASS's bundle_seed_data.
 *
 *   TimeSeries sorted by net, sta, loc, time, chan -> Seismograms
 */
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_bundle.h"
#include "msp_rotate.h"

enum { OPT_ENZ = MST_LONG + 1 };

static const mst_opt opts[] = {
	{"to-enz", OPT_ENZ, NULL, "rotate each Seismogram to east, north, up"},
	{0},
};

static const mst_prog prog = {
	.name = "msbundle",
	.usage = "[OPTIONS] < TIMESERIES > SEISMOGRAMS",
	.summary = "Bundle three-component TimeSeries into Seismograms (MsPASS bundle_seed_data).",
	.description =
	    "A group is a run of consecutive TimeSeries with the same net, sta, loc and first two\n"
	    "letters of chan whose time spans overlap (sort with msquery --sort\n"
	    "net,sta,loc,starttime,chan).  Orientation comes from channel_hang and channel_vang\n"
	    "(msnormalize channel).  A group that cannot be bundled becomes a dead Seismogram\n"
	    "with an elog entry.  Dead records and Seismograms pass through.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

static msp_record **grp;
static size_t ngrp, capgrp;
static double gstart, gend;
static msp_writer *out;
static msp_record *seis;
static int to_enz;
static uint64_t nseis, ndead;

static void flush(void)
{
	if (!ngrp)
		return;
	char err[512];
	int rc = msp_bundle(grp, (int)ngrp, seis, err, sizeof err);
	if (rc == MSP_ERR_NOMEM)
		mst_fatal("out of memory");
	if (rc == MSP_OK && to_enz) {
		rc = msp_rotate_to_standard(seis, err, sizeof err);
		if (rc == MSP_ERR_NOMEM)
			mst_fatal("out of memory");
		if (rc)
			msp_record_kill(seis, "msbundle", "--to-enz: %s", err);
	}
	if (rc == MSP_ERR_DATA || !seis->live)
		ndead++;
	else if (rc)
		mst_fatal("%s", msp_strerror(rc));
	mst_history(seis);
	mst_write(out, seis);
	nseis++;
	ngrp = 0;
}

static msp_record *slot(void)
{
	if (ngrp == capgrp) {
		size_t nc = capgrp ? 2 * capgrp : 8;
		msp_record **g = realloc(grp, nc * sizeof *g);
		if (!g)
			mst_fatal("out of memory");
		for (size_t i = capgrp; i < nc; i++)
			g[i] = mst_record_new();
		grp = g;
		capgrp = nc;
	}
	return grp[ngrp];
}

int main(int argc, char **argv)
{
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1)
		if (c == OPT_ENZ)
			to_enz = 1;
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	msp_reader *in = mst_open_input();
	out = mst_open_output();
	seis = mst_record_new();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		mst_progress(++n);
		if (!rec->live || rec->kind != MSP_TIMESERIES) {
			mst_write(out, rec);
			continue;
		}
		double t0 = rec->t0, t1 = msp_record_endtime(rec), tol = rec->dt / 2;
		if (ngrp && !(msp_bundle_same_sensor(rec, grp[0]) && rec->tref == grp[0]->tref &&
		              t0 <= gend + tol && t1 >= gstart - tol))
			flush();
		msp_record *s = slot();
		if (msp_record_copy(s, rec))
			mst_fatal("out of memory");
		if (!ngrp) {
			gstart = t0;
			gend = t1;
		} else {
			gstart = t0 < gstart ? t0 : gstart;
			gend = t1 > gend ? t1 : gend;
		}
		ngrp++;
	}
	flush();
	mst_progress_done(n);
	mst_finish_output(out);
	mst_close_input(in);
	mst_info(1, "%llu records in, %llu Seismograms out (%llu dead)", (unsigned long long)n,
	         (unsigned long long)nseis, (unsigned long long)ndead);
	for (size_t i = 0; i < capgrp; i++)
		msp_record_free(grp[i]);
	free(grp);
	msp_record_free(seis);
	msp_record_free(rec);
	return 0;
}
