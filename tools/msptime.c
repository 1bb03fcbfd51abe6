/*
 * msptime - post the theoretical arrival times of seismic phases on every
 * live record (MsPASS tutorial's set_PStime, MCXcorStacking's _set_phases):
 * from the source (source_lat, source_lon, source_depth, source_time) to the
 * receiver (channel_lat/channel_lon, else site_lat/site_lon) in the iasp91
 * (or ak135) Earth model, computed by lib/taup.c; the geometry on the WGS84
 * ellipsoid by lib/geo.c.
 *
 *   records on stdin -> the same records with Ptime, rayp_P, ... on stdout
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tool.h"
#include "msp_meta.h"
#include "msp_taup.h"

enum { OPT_PHASE = 'p', OPT_MODEL = 'm', OPT_DISTANCE = MST_LONG };

static const mst_opt opts[] = {
	{"phase", OPT_PHASE, "LIST", "phases, comma-separated (default P): P, S (first of the family), pP, PcP, ..."},
	{"model", OPT_MODEL, "MODEL", "Earth model: iasp91 (default) or ak135"},
	{"distance", OPT_DISTANCE, "HOW", "sphere (default: ObsPy locations2degrees, as TauP) or geodesic (WGS84 km / 111.195, as MsPASS set_PStime)"},
	{0},
};

static const mst_prog prog = {
	.name = "msptime",
	.usage = "[--phase LIST] [--model iasp91|ak135] [--distance sphere|geodesic] < RECORDS > RECORDS",
	.summary = "Post theoretical arrival times (Ptime, Stime, ...) from source and receiver coordinates.",
	.description = "Reads source_lat, source_lon, source_depth (km), source_time and the receiver's\n"
	               "channel_lat/channel_lon (else site_lat/site_lon); posts, for each phase X,\n"
	               "Xtime (epoch s) and rayp_X (s/deg), and epicentral_distance, dist (deg),\n"
	               "dist_km, esaz and seaz (deg).  Records without the keys, or without an\n"
	               "arrival of a phase, are killed with an elog entry.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

#define MAXPH 16

/* Set a number: appended in place when the key is new (the usual case),
 * else through msp_meta_set_double, which rewrites the document. */
static int put(bson_t *doc, const char *key, double v)
{
	if (!msp_meta_has(doc, key))
		return bson_append_double(doc, key, -1, v) ? MSP_OK : MSP_ERR_NOMEM;
	return msp_meta_set_double(doc, key, v);
}

/* A number from the metadata: 1 and *v, or 0 with the reason in why. */
static int get_num(const msp_record *rec, const char *key, double *v, char *why, size_t n)
{
	int st = msp_meta_get_double(rec->meta, key, v);
	if (st == MSP_ERR_NOTFOUND) {
		snprintf(why, n, "missing %s", key);
		return 0;
	}
	if (st || !isfinite(*v)) {
		snprintf(why, n, "%s is not a finite number", key);
		return 0;
	}
	return 1;
}

/* The receiver: channel_* when both are there, else site_*. */
static int get_receiver(const msp_record *rec, double *lat, double *lon, char *why, size_t n)
{
	if (msp_meta_has(rec->meta, "channel_lat") || msp_meta_has(rec->meta, "channel_lon"))
		return get_num(rec, "channel_lat", lat, why, n) && get_num(rec, "channel_lon", lon, why, n);
	if (msp_meta_has(rec->meta, "site_lat") || msp_meta_has(rec->meta, "site_lon"))
		return get_num(rec, "site_lat", lat, why, n) && get_num(rec, "site_lon", lon, why, n);
	snprintf(why, n, "missing receiver coordinates (channel_lat/channel_lon or site_lat/site_lon)");
	return 0;
}

int main(int argc, char **argv)
{
	const char *arg, *model = "iasp91", *phase_list = "P";
	int c, geodesic = 0;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_PHASE: phase_list = arg; break;
		case OPT_MODEL: model = arg; break;
		case OPT_DISTANCE:
			if (!strcmp(arg, "sphere"))
				geodesic = 0;
			else if (!strcmp(arg, "geodesic"))
				geodesic = 1;
			else
				mst_usage("--distance: \"%s\" is not sphere or geodesic", arg);
			break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);

	/* the phases and the keys they post */
	char names[MAXPH][16], tkey[MAXPH][32], pkey[MAXPH][32];
	int nph = 0;
	for (const char *s = phase_list;;) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= sizeof names[0])
			mst_usage("--phase: bad phase list \"%s\"", phase_list);
		if (nph == MAXPH)
			mst_usage("--phase: more than %d phases", MAXPH);
		memcpy(names[nph], s, len);
		names[nph][len] = 0;
		if (!msp_earth_phase_valid(names[nph]))
			mst_usage("--phase: unknown phase \"%s\"", names[nph]);
		for (int i = 0; i < nph; i++)
			if (!strcmp(names[i], names[nph]))
				mst_usage("--phase: \"%s\" given twice", names[nph]);
		snprintf(tkey[nph], sizeof tkey[nph], "%.15stime", names[nph]);
		snprintf(pkey[nph], sizeof pkey[nph], "rayp_%.15s", names[nph]);
		nph++;
		s += len;
		if (!*s)
			break;
		s++;
	}
	msp_earth *earth;
	int st = msp_earth_open(&earth, model);
	if (st == MSP_ERR_NOTFOUND)
		mst_usage("--model: \"%s\" is not iasp91 or ak135", model);
	if (st)
		mst_fatal("cannot open the %s model: %s", model, msp_strerror(st));

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0, killed = 0;
	while (mst_read(in, rec)) {
		n++;
		if (!rec->live) {
			mst_write(out, rec);
			mst_progress(n);
			continue;
		}
		char why[256];
		double slat, slon, sdep, stime, rlat, rlon;
		int okk = get_num(rec, "source_lat", &slat, why, sizeof why) &&
		          get_num(rec, "source_lon", &slon, why, sizeof why) &&
		          get_num(rec, "source_depth", &sdep, why, sizeof why) &&
		          get_num(rec, "source_time", &stime, why, sizeof why) &&
		          get_receiver(rec, &rlat, &rlon, why, sizeof why);
		if (okk && (fabs(slat) > 90 || fabs(rlat) > 90)) {
			snprintf(why, sizeof why, "latitude out of [-90, 90] (source %g, receiver %g)", slat, rlat);
			okk = 0;
		}
		double dist_m = 0, esaz = 0, seaz = 0, delta = 0;
		msp_arrival arr[MAXPH];
		if (okk) {
			msp_geo_inverse(slat, slon, rlat, rlon, &dist_m, &esaz, &seaz);
			/* MsPASS's set_PStime: kilometers2degrees(gps2dist_azimuth),
			 * km over the degree of a 6371 km sphere */
			delta = geodesic ? dist_m / 1000.0 / (2 * M_PI * 6371.0 / 360.0)
			                 : msp_geo_delta_deg(slat, slon, rlat, rlon);
			if (delta > 180)
				delta = 180; /* the km of a near-antipodal path, a hair over */
			for (int i = 0; okk && i < nph; i++) {
				st = msp_earth_first(earth, sdep, delta, names[i], &arr[i]);
				if (st == MSP_ERR_NOTFOUND) {
					snprintf(why, sizeof why, "no %.15s arrival at %.3f deg from a %g km deep source in %.20s",
					         names[i], delta, sdep, model);
					okk = 0;
				} else if (st == MSP_ERR_RANGE) {
					snprintf(why, sizeof why, "source_depth %g km is outside the model's mantle and crust (0 to the core)",
					         sdep);
					okk = 0;
				} else if (st) {
					snprintf(why, sizeof why, "travel time: %s", msp_strerror(st));
					okk = 0;
				}
			}
		}
		if (!okk) {
			if (msp_record_kill(rec, "msptime", "%s", why))
				mst_fatal("out of memory");
			killed++;
			mst_info(1, "record %llu killed: %s", (unsigned long long)n, why);
		} else {
			st = put(rec->meta, "epicentral_distance", delta);
			st |= put(rec->meta, "dist", delta);
			st |= put(rec->meta, "dist_km", dist_m / 1000.0);
			st |= put(rec->meta, "esaz", esaz);
			st |= put(rec->meta, "seaz", seaz);
			for (int i = 0; i < nph; i++) {
				st |= put(rec->meta, tkey[i], stime + arr[i].time);
				st |= put(rec->meta, pkey[i], arr[i].rayp);
			}
			if (st)
				mst_fatal("out of memory");
		}
		mst_history(rec);
		mst_write(out, rec);
		mst_progress(n);
	}
	mst_finish_output(out);
	mst_close_input(in);
	mst_progress_done(n);
	if (killed)
		mst_info(1, "%llu of %llu records killed", (unsigned long long)killed, (unsigned long long)n);
	msp_record_free(rec);
	msp_earth_close(earth);
	return 0;
}
