/*
 * msptime_gen.c - input for bench/bench_msptime.sh: N TimeSeries records of
 * NPTS samples with source and receiver coordinates, EVENTS events (each its
 * own depth, 0..700 km) in runs of consecutive records as a database query
 * sorted by event gives them, receivers scattered over the globe
 * (deterministic: a 64-bit LCG).
 *   msptime_gen N EVENTS NPTS > RECORDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "msp_meta.h"
#include "msp_record.h"
#include "msp_stream.h"

static unsigned long long state = 88172645463325252ULL;
static double uni(void)
{
	state = state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(state >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	long n = atol(argv[1]), events = atol(argv[2]), npts = atol(argv[3]);
	msp_writer *w;
	msp_record *rec = msp_record_new();
	if (!rec || msp_writer_open(&w, STDOUT_FILENO, "stdout") || msp_record_resize(rec, 1, (size_t)npts))
		return 1;
	double slat = 0, slon = 0, sdep = 0, stime = 0;
	for (long i = 0; i < n; i++) {
		if (i % ((n + events - 1) / events) == 0) {
			slat = uni() * 180 - 90;
			slon = uni() * 360 - 180;
			sdep = uni() * 700;
			stime = 1.3e9 + uni() * 1e8;
		}
		for (long k = 0; k < npts; k++)
			rec->data[k] = uni();
		rec->t0 = stime;
		rec->dt = 0.05;
		bson_reinit(rec->meta);
		msp_meta_set_string(rec->meta, "net", "XX");
		msp_meta_set_string(rec->meta, "sta", "S");
		msp_meta_set_double(rec->meta, "source_lat", slat);
		msp_meta_set_double(rec->meta, "source_lon", slon);
		msp_meta_set_double(rec->meta, "source_depth", sdep);
		msp_meta_set_double(rec->meta, "source_time", stime);
		msp_meta_set_double(rec->meta, "channel_lat", uni() * 180 - 90);
		msp_meta_set_double(rec->meta, "channel_lon", uni() * 360 - 180);
		if (msp_writer_put(w, rec))
			return 1;
	}
	if (msp_writer_finish(w))
		return 1;
	msp_writer_close(w);
	msp_record_free(rec);
	return 0;
}
