/*
 * synthset.c - the layout of a synthetic event data set (see msp_synth.h):
 * where each station is, how its channels point, and when and how strongly
 * the P wave arrives there.  Kept apart from synth.c because it needs the
 * travel-time model (lib/taup.c) and the geodesy (lib/geo.c).
 */
#include <errno.h>
#include <libmseed.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "msp_synth.h"
#include "msp_status.h"

static double round6(double x) { return round(x * 1e6) / 1e6; }

int msp_synth_site_plan(msp_earth *model, const msp_synth_event *ev, int i, int n,
                        double dist_min, double dist_max, double h1_az, double amp,
                        msp_synth_site *out)
{
	if (i < 0 || n < 1 || i >= n || n > 99999 || !(dist_min <= dist_max))
		return MSP_ERR_INVAL;
	memset(out, 0, sizeof *out);
	snprintf(out->sta, sizeof out->sta, n <= 9999 ? "S%04d" : "S%05d", i + 1);
	double delta = n == 1 ? dist_min : dist_min + (dist_max - dist_min) * i / (n - 1);
	/* golden-angle azimuths: every station in a different direction */
	double az = fmod(17.0 + 137.50776405003785 * i, 360.0);
	double lat, lon;
	msp_sphere_forward(ev->lat, ev->lon, delta, az, &lat, &lon);
	out->lat = round6(lat);
	out->lon = round6(lon);
	out->elev = (double)((i * 137) % 2000);
	/* the truth is what the written coordinates give, not the plan */
	out->dist_deg = msp_geo_delta_deg(ev->lat, ev->lon, out->lat, out->lon);
	int rc = msp_geo_inverse(ev->lat, ev->lon, out->lat, out->lon, &out->dist_m, &out->az,
	                         &out->baz);
	if (rc)
		return rc;
	rc = msp_earth_first(model, ev->depth_km, out->dist_deg, "P", &out->p);
	if (rc)
		return rc;
	out->ptime = ev->time + out->p.time;
	static const char *const names[2][3] = {{"BHZ", "BHN", "BHE"}, {"BHZ", "BH1", "BH2"}};
	for (int c = 0; c < 3; c++) {
		msp_synth_channel *ch = &out->ch[c];
		snprintf(ch->chan, sizeof ch->chan, "%s", names[i % 2][c]);
		msp_orient_from_channel(ch->chan, h1_az, &ch->hang, &ch->vang);
		ch->azimuth = ch->hang;
		ch->dip = ch->vang - 90.0;
		ch->amp = msp_p_projection(amp, out->baz, out->p.incident, ch->hang, ch->vang);
	}
	return MSP_OK;
}

typedef struct mseed_sink {
	int fd;
	int failed, err;
} mseed_sink;

static void mseed_put(char *rec, int len, void *p)
{
	mseed_sink *s = p;
	size_t off = 0;
	while (!s->failed && off < (size_t)len) {
		ssize_t k = write(s->fd, rec + off, (size_t)len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			s->failed = 1;
			s->err = errno;
		} else {
			off += (size_t)k;
		}
	}
}

/* libmseed logs to stderr by default; the library must not print */
static void quiet(char *msg) { (void)msg; }

int msp_synth_mseed_write(int fd, const char *net, const char *sta, const char *loc,
                          const char *chan, double t0, double dt, const int32_t *counts,
                          size_t n)
{
	if (n == 0)
		return MSP_OK;
	if (!(dt > 0) || !isfinite(t0))
		return MSP_ERR_INVAL;
	MSTrace *mst = mst_init(NULL);
	/* mst_pack frees (or shifts) the samples it has packed: give it a copy */
	int32_t *copy = malloc(n * sizeof *copy);
	if (!mst || !copy) {
		free(copy);
		mst_free(&mst);
		return MSP_ERR_NOMEM;
	}
	memcpy(copy, counts, n * sizeof *copy);
	ms_loginit(quiet, NULL, quiet, NULL);
	snprintf(mst->network, sizeof mst->network, "%s", net);
	snprintf(mst->station, sizeof mst->station, "%s", sta);
	snprintf(mst->location, sizeof mst->location, "%s", loc);
	snprintf(mst->channel, sizeof mst->channel, "%s", chan);
	mst->dataquality = 'D';
	mst->starttime = (hptime_t)llround(t0 * 1e6);
	mst->samprate = 1.0 / dt;
	mst->datasamples = copy;
	mst->numsamples = (int64_t)n;
	/* libmseed 2.19 fails with "Sample counts do not match" unless samplecnt is set */
	mst->samplecnt = (int64_t)n;
	mst->sampletype = 'i';
	mseed_sink sink = {fd, 0, 0};
	int64_t packed = 0;
	int nrec = mst_pack(mst, mseed_put, &sink, 4096, DE_STEIM2, 1, &packed, 1, 0, NULL);
	mst_free(&mst); /* frees what is left of the copy */
	if (sink.failed) {
		errno = sink.err;
		return MSP_ERR_IO;
	}
	if (nrec < 0 || packed != (int64_t)n)
		return MSP_ERR_FORMAT;
	return MSP_OK;
}
