/*
 * mssynth - synthetic data with a known answer, for tests, examples and
 * benchmarks.  Deterministic: the same --seed gives the same bytes.
 *
 *   --stream:  records (noise + a Ricker "P" wavelet) on stdout, with the
 *              ground truth in each record's metadata (synth_*)
 *   --dataset: an event data set in a directory (miniSEED, FDSN station and
 *              event text files, ground truth as JSON lines); see dataset.c
 *              functions below
 *
 * The signal model lives in lib/synth.c; this file maps options to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tool.h"
#include "msp_synth.h"
#include "msp_meta.h"
#include "msp_parse.h"
#include "msp_json.h"

enum {
	OPT_STREAM = MST_LONG, OPT_DATASET, OPT_NPTS, OPT_DT, OPT_KIND, OPT_T0, OPT_STEP,
	OPT_NOISE, OPT_AMP, OPT_FREQ, OPT_WTIME, OPT_POFF, OPT_BAZ, OPT_INC, OPT_H1,
	OPT_NET, OPT_STA, OPT_LOC, OPT_CHAN, OPT_KILL, OPT_STATIONS, OPT_DMIN, OPT_DMAX,
	OPT_SLAT, OPT_SLON, OPT_SDEPTH, OPT_OTIME, OPT_MAG, OPT_PRE, OPT_PERSTATION,
	OPT_COUNT = 'n', OPT_SEED = 's',
};

static const mst_opt opts[] = {
	{"stream", OPT_STREAM, NULL, "write synthetic records to stdout"},
	{"dataset", OPT_DATASET, "DIR", "write an event data set (miniSEED, station/event files) into DIR"},
	{"seed", OPT_SEED, "N", "random seed (default 1); the same seed gives the same data"},
	{"count", OPT_COUNT, "N", "--stream: number of records (default 1)"},
	{"npts", OPT_NPTS, "N", "samples per component (default 2000; dataset: (pre+120)/dt)"},
	{"dt", OPT_DT, "S", "sample interval in seconds (default 0.05)"},
	{"kind", OPT_KIND, "ts|seis", "--stream: TimeSeries (default) or 3-component Seismogram"},
	{"t0", OPT_T0, "TIME", "--stream: start of the first record (default 2011-03-11T06:00:00Z)"},
	{"step", OPT_STEP, "S", "--stream: t0 step between records (default npts*dt: contiguous)"},
	{"noise", OPT_NOISE, "RMS", "rms of the Gaussian white noise (default 1; 0 for none)"},
	{"amp", OPT_AMP, "A", "peak amplitude of the P wavelet (default 10; dataset: counts, 1000)"},
	{"freq", OPT_FREQ, "HZ", "peak frequency of the Ricker wavelet (default 1)"},
	{"wavelet-time", OPT_WTIME, "TIME", "--stream: absolute time of the wavelet's peak"},
	{"ptime-offset", OPT_POFF, "S", "--stream: wavelet this many s after each t0 (default: mid-record)"},
	{"baz", OPT_BAZ, "DEG", "--stream: back-azimuth of the P wave (default 0)"},
	{"incidence", OPT_INC, "DEG", "--stream: incidence angle of the P wave from vertical (default 0)"},
	{"h1-azimuth", OPT_H1, "DEG", "azimuth of channels ending in 1 (2 is +90; default 30)"},
	{"net", OPT_NET, "NET", "network code (default XX)"},
	{"sta", OPT_STA, "STA", "--stream: station code (default SYN)"},
	{"loc", OPT_LOC, "LOC", "location code (default empty)"},
	{"chan", OPT_CHAN, "LIST", "--stream: channel codes; TimeSeries cycle through them (default BHZ; seis: BHE,BHN,BHZ)"},
	{"kill-every", OPT_KILL, "K", "--stream: kill every K-th record (dead records for tests)"},
	{"stations", OPT_STATIONS, "N", "--dataset: number of stations (default 6)"},
	{"dist-min", OPT_DMIN, "DEG", "--dataset: distance of the nearest station (default 10)"},
	{"dist-max", OPT_DMAX, "DEG", "--dataset: distance of the farthest station (default 90)"},
	{"source-lat", OPT_SLAT, "DEG", "--dataset: source latitude (default 38.2963)"},
	{"source-lon", OPT_SLON, "DEG", "--dataset: source longitude (default 142.498)"},
	{"source-depth", OPT_SDEPTH, "KM", "--dataset: source depth (default 19.7)"},
	{"origin-time", OPT_OTIME, "TIME", "--dataset: origin time (default 2011-03-11T05:46:23.2)"},
	{"magnitude", OPT_MAG, "M", "--dataset: magnitude written to the event file (default 7.0)"},
	{"pre", OPT_PRE, "S", "--dataset: traces start this many s before P (default 60)"},
	{"per-channel", OPT_PERSTATION, NULL, "--dataset: one miniSEED file per channel (default: per station)"},
	{0},
};

static const mst_prog prog = {
	.name = "mssynth",
	.usage = "--stream [OPTIONS] > RECORDS | --dataset DIR [OPTIONS]",
	.summary = "Make synthetic seismograms with a known answer (noise plus a P wavelet).",
	.description =
		"Each trace is Gaussian white noise plus a Ricker wavelet of known amplitude at a\n"
		"known time; the truth travels in the metadata (synth_ptime, synth_amp, ...) or,\n"
		"for --dataset, in DIR/truth.jsonl.  The same --seed always gives the same data.",
	.opts = opts,
	.records_out = 1,
};

/* Options shared by both modes. */
typedef struct synth_opts {
	uint64_t seed;
	int64_t count, npts, kill_every;
	double dt, t0, step, noise, amp, freq, wtime, poff, baz, inc, h1;
	int have_step, have_wtime, have_poff, have_amp, kind;
	const char *net, *sta, *loc, *chan;
	/* dataset */
	const char *dir;
	int64_t stations;
	double dmin, dmax, slat, slon, sdepth, otime, mag, pre;
	int per_channel;
} synth_opts;

static int mssynth_dataset(const synth_opts *o); /* below */

#define MAXCHAN 16

static int split_channels(const char *list, char chans[MAXCHAN][8])
{
	int n = 0;
	const char *p = list;
	while (*p) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == 0 || len > 7 || n == MAXCHAN)
			return -1;
		memcpy(chans[n], p, len);
		chans[n][len] = '\0';
		n++;
		if (!q)
			break;
		p = q + 1;
		if (!*p)
			return -1;
	}
	return n;
}

static void append_base(bson_t *m, const synth_opts *o, const char *chan)
{
	BSON_APPEND_UTF8(m, "net", o->net);
	BSON_APPEND_UTF8(m, "sta", o->sta);
	BSON_APPEND_UTF8(m, "loc", o->loc);
	if (chan)
		BSON_APPEND_UTF8(m, "chan", chan);
}

static int run_stream(const synth_opts *o)
{
	char chans[MAXCHAN][8];
	const char *list = o->chan ? o->chan : (o->kind == MSP_SEISMOGRAM ? "BHE,BHN,BHZ" : "BHZ");
	int nchan = split_channels(list, chans);
	if (nchan < 1)
		mst_usage("--chan: \"%s\" is not a list of channel codes", list);
	if (o->kind == MSP_SEISMOGRAM && nchan != 3)
		mst_usage("--chan: a Seismogram needs exactly 3 channels, not %d", nchan);
	double hang[MAXCHAN], vang[MAXCHAN];
	for (int c = 0; c < nchan; c++)
		if (msp_orient_from_channel(chans[c], o->h1, &hang[c], &vang[c]))
			mst_usage("--chan: %s: the last letter must be Z, N, E, 1 or 2 (it gives the orientation)",
			          chans[c]);

	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	double step = o->have_step ? o->step : (double)o->npts * o->dt;
	double poff = o->have_poff ? o->poff : 0.5 * (double)(o->npts - 1) * o->dt;
	for (int64_t i = 0; i < o->count; i++) {
		/* TimeSeries cycle through the channels at the same t0, then step */
		int64_t slot = o->kind == MSP_SEISMOGRAM ? i : i / nchan;
		int c = o->kind == MSP_SEISMOGRAM ? 0 : (int)(i % nchan);
		double t0 = o->t0 + (double)slot * step;
		double tw = o->have_wtime ? o->wtime : t0 + poff;
		msp_rng rng;
		msp_rng_seed2(&rng, o->seed, (uint64_t)i);
		msp_record_clear(rec);
		if (msp_record_resize(rec, o->kind, (size_t)o->npts))
			mst_fatal("out of memory for %lld samples", (long long)o->npts);
		rec->t0 = t0;
		rec->dt = o->dt;
		bson_t *m = rec->meta;
		msp_synth_trace tr = {.t0 = t0, .dt = o->dt, .noise_rms = o->noise, .tw = tw, .freq = o->freq};
		if (o->kind == MSP_SEISMOGRAM) {
			double ca[3];
			bson_t arr;
			append_base(m, o, NULL);
			for (int k = 0; k < 3; k++) {
				ca[k] = msp_p_projection(o->amp, o->baz, o->inc, hang[k], vang[k]);
				tr.amp = ca[k];
				if (msp_synth_fill(msp_record_comp(rec, k), (size_t)o->npts, &tr, &rng))
					mst_fatal("bad synthetic parameters");
			}
			/* MsPASS's tmatrix: row k is component k's unit vector in (E, N, Z) */
			BSON_APPEND_ARRAY_BEGIN(m, "tmatrix", &arr);
			for (int k = 0; k < 9; k++) {
				char key[4];
				double enu[3];
				msp_orient_vector(hang[k / 3], vang[k / 3], enu);
				snprintf(key, sizeof key, "%d", k);
				BSON_APPEND_DOUBLE(&arr, key, enu[k % 3]);
			}
			bson_append_array_end(m, &arr);
			BSON_APPEND_ARRAY_BEGIN(m, "synth_chan_amp", &arr);
			for (int k = 0; k < 3; k++) {
				char key[4];
				snprintf(key, sizeof key, "%d", k);
				BSON_APPEND_DOUBLE(&arr, key, ca[k]);
			}
			bson_append_array_end(m, &arr);
		} else {
			append_base(m, o, chans[c]);
			BSON_APPEND_DOUBLE(m, "channel_hang", hang[c]);
			BSON_APPEND_DOUBLE(m, "channel_vang", vang[c]);
			tr.amp = msp_p_projection(o->amp, o->baz, o->inc, hang[c], vang[c]);
			if (msp_synth_fill(rec->data, (size_t)o->npts, &tr, &rng))
				mst_fatal("bad synthetic parameters");
			BSON_APPEND_DOUBLE(m, "synth_chan_amp", tr.amp);
		}
		BSON_APPEND_DOUBLE(m, "starttime", t0);
		BSON_APPEND_DOUBLE(m, "delta", o->dt);
		BSON_APPEND_DOUBLE(m, "sampling_rate", 1.0 / o->dt);
		BSON_APPEND_INT64(m, "npts", o->npts);
		BSON_APPEND_DOUBLE(m, "synth_ptime", tw);
		BSON_APPEND_DOUBLE(m, "synth_amp", o->amp);
		BSON_APPEND_DOUBLE(m, "synth_freq", o->freq);
		BSON_APPEND_DOUBLE(m, "synth_noise_rms", o->noise);
		BSON_APPEND_DOUBLE(m, "synth_baz", o->baz);
		BSON_APPEND_DOUBLE(m, "synth_incidence", o->inc);
		BSON_APPEND_INT64(m, "synth_seed", (int64_t)o->seed);
		BSON_APPEND_INT64(m, "synth_index", i);
		if (o->kill_every && (i + 1) % o->kill_every == 0)
			msp_record_kill(rec, "mssynth", "killed on request (--kill-every %lld)",
			                (long long)o->kill_every);
		mst_history(rec);
		mst_write(out, rec);
		mst_progress((uint64_t)i + 1);
	}
	mst_finish_output(out);
	mst_progress_done((uint64_t)o->count);
	msp_record_free(rec);
	return 0;
}

int main(int argc, char **argv)
{
	synth_opts o = {
		.seed = 1, .count = 1, .npts = 2000, .dt = 0.05, .t0 = 1299823200.0, .noise = 1.0,
		.amp = 10.0, .freq = 1.0, .h1 = 30.0, .kind = MSP_TIMESERIES, .net = "XX", .sta = "SYN",
		.loc = "", .stations = 6, .dmin = 10.0, .dmax = 90.0, .slat = 38.2963, .slon = 142.498,
		.sdepth = 19.7, .otime = 1299822383.2, .mag = 7.0, .pre = 60.0,
	};
	int stream = 0, have_npts = 0, have_noise = 0;
	const char *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_STREAM: stream = 1; break;
		case OPT_DATASET: o.dir = arg; break;
		case OPT_SEED: o.seed = (uint64_t)mst_arg_int("--seed", arg, 0, INT64_MAX); break;
		case OPT_COUNT: o.count = mst_arg_int("--count", arg, 0, INT64_MAX); break;
		case OPT_NPTS: o.npts = mst_arg_int("--npts", arg, 0, 1LL << 34); have_npts = 1; break;
		case OPT_DT: o.dt = mst_arg_double_range("--dt", arg, 1e-9, 1e9); break;
		case OPT_KIND:
			if (strcmp(arg, "ts") == 0 || strcmp(arg, "TimeSeries") == 0)
				o.kind = MSP_TIMESERIES;
			else if (strcmp(arg, "seis") == 0 || strcmp(arg, "Seismogram") == 0)
				o.kind = MSP_SEISMOGRAM;
			else
				mst_usage("--kind: \"%s\" is neither ts nor seis", arg);
			break;
		case OPT_T0: o.t0 = mst_arg_time("--t0", arg); break;
		case OPT_STEP: o.step = mst_arg_double("--step", arg); o.have_step = 1; break;
		case OPT_NOISE: o.noise = mst_arg_double_range("--noise", arg, 0, 1e300); have_noise = 1; break;
		case OPT_AMP: o.amp = mst_arg_double("--amp", arg); o.have_amp = 1; break;
		case OPT_FREQ: o.freq = mst_arg_double_range("--freq", arg, 1e-9, 1e9); break;
		case OPT_WTIME: o.wtime = mst_arg_time("--wavelet-time", arg); o.have_wtime = 1; break;
		case OPT_POFF: o.poff = mst_arg_double("--ptime-offset", arg); o.have_poff = 1; break;
		case OPT_BAZ: o.baz = mst_arg_double_range("--baz", arg, -360, 360); break;
		case OPT_INC: o.inc = mst_arg_double_range("--incidence", arg, 0, 90); break;
		case OPT_H1: o.h1 = mst_arg_double_range("--h1-azimuth", arg, -360, 360); break;
		case OPT_NET: o.net = arg; break;
		case OPT_STA: o.sta = arg; break;
		case OPT_LOC: o.loc = arg; break;
		case OPT_CHAN: o.chan = arg; break;
		case OPT_KILL: o.kill_every = mst_arg_int("--kill-every", arg, 1, INT64_MAX); break;
		case OPT_STATIONS: o.stations = mst_arg_int("--stations", arg, 1, 100000); break;
		case OPT_DMIN: o.dmin = mst_arg_double_range("--dist-min", arg, 0, 180); break;
		case OPT_DMAX: o.dmax = mst_arg_double_range("--dist-max", arg, 0, 180); break;
		case OPT_SLAT: o.slat = mst_arg_double_range("--source-lat", arg, -90, 90); break;
		case OPT_SLON: o.slon = mst_arg_double_range("--source-lon", arg, -180, 360); break;
		case OPT_SDEPTH: o.sdepth = mst_arg_double_range("--source-depth", arg, 0, 800); break;
		case OPT_OTIME: o.otime = mst_arg_time("--origin-time", arg); break;
		case OPT_MAG: o.mag = mst_arg_double_range("--magnitude", arg, -3, 10); break;
		case OPT_PRE: o.pre = mst_arg_double_range("--pre", arg, 0, 1e7); break;
		case OPT_PERSTATION: o.per_channel = 1; break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\"", argv[optind]);
	if (stream == !!o.dir)
		mst_usage("say what to make: --stream or --dataset DIR (one of them)");
	if (o.have_wtime && o.have_poff)
		mst_usage("--wavelet-time and --ptime-offset do not go together");
	if (stream)
		return run_stream(&o);
	if (!have_npts)
		o.npts = 0; /* dataset: derived from the P times unless given */
	if (!o.have_amp)
		o.amp = 1000.0;
	if (!have_noise)
		o.noise = 50.0;
	if (o.dmin > o.dmax)
		mst_usage("--dist-min %g is beyond --dist-max %g", o.dmin, o.dmax);
	return mssynth_dataset(&o);
}

/* ------------------------------------------------------------ --dataset */

static void dataset_path(char *buf, size_t n, const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void dataset_path(char *buf, size_t n, const char *dir, const char *fmt, ...)
{
	char tail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof tail, fmt, ap);
	va_end(ap);
	if ((size_t)snprintf(buf, n, "%s/%s", dir, tail) >= n)
		mst_fatal("%s: path too long", dir);
}

/* Output files of a data set: bytes gather in a buffer and go out with
 * write(2) (checked, so that a full disk is an error and so that fault
 * injection through write(2) reaches them), at 1 MiB and at close. */
typedef struct dsfile {
	int fd;
	const char *path;
	msp_buf b;
} dsfile;

static void ds_flush(dsfile *f)
{
	if (f->b.failed)
		mst_fatal("out of memory");
	size_t off = 0;
	while (off < f->b.len) {
		ssize_t k = write(f->fd, f->b.p + off, f->b.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			mst_fatal("%s: write error (%s)", f->path, strerror(errno));
		off += (size_t)k;
	}
	msp_buf_reset(&f->b);
}

static void ds_open(dsfile *f, const char *path)
{
	f->path = path;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (f->fd < 0)
		mst_fatal("%s: %s", path, strerror(errno));
	msp_buf_init(&f->b);
}

static void ds_printf(dsfile *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ds_printf(dsfile *f, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		mst_fatal("internal error: line too long for %s", f->path);
	msp_buf_add(&f->b, tmp, (size_t)n);
	if (f->b.len >= 1 << 20)
		ds_flush(f);
}

static void ds_add(dsfile *f, const char *p, size_t n)
{
	msp_buf_add(&f->b, p, n);
	if (f->b.len >= 1 << 20)
		ds_flush(f);
}

static void ds_close(dsfile *f)
{
	ds_flush(f);
	if (close(f->fd) != 0)
		mst_fatal("%s: write error (%s)", f->path, strerror(errno));
	msp_buf_free(&f->b);
}

static int mssynth_dataset(const synth_opts *o)
{
	char path[4096], wfpath[4096], tbuf[40];
	const char *dir = o->dir;
	/* Steim2 differences must fit in 30 bits */
	if (fabs(o->amp) * 2 + 20 * o->noise > 5e8)
		mst_usage("--amp/--noise: counts this large do not fit miniSEED Steim2 (keep |amp| < 2.5e8)");
	if (mkdir(dir, 0777) && errno != EEXIST)
		mst_fatal("%s: %s", dir, strerror(errno));
	dataset_path(path, sizeof path, dir, "waveforms");
	if (mkdir(path, 0777) && errno != EEXIST)
		mst_fatal("%s: %s", path, strerror(errno));
	msp_earth *model;
	if (msp_earth_open(&model, "iasp91"))
		mst_fatal("cannot open the iasp91 model");
	msp_synth_event ev = {.lat = o->slat, .lon = o->slon > 180 ? o->slon - 360 : o->slon,
	                      .depth_km = o->sdepth, .time = o->otime, .magnitude = o->mag};
	char evid[32];
	snprintf(evid, sizeof evid, "mssynth-%llu", (unsigned long long)o->seed);

	char evpath[4096], stpath[4096], trpath[4096];
	dataset_path(evpath, sizeof evpath, dir, "events.txt");
	dsfile evf, stf, trf;
	ds_open(&evf, evpath);
	ds_printf(&evf, "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|"
	             "ContributorID|MagType|Magnitude|MagAuthor|EventLocationName\n");
	msp_format_time(ev.time, tbuf, sizeof tbuf);
	tbuf[strlen(tbuf) - 1] = '\0'; /* FDSN text times carry no Z */
	ds_printf(&evf, "%s|%s|%.6f|%.6f|%.3f|mssynth|mssynth|mssynth|%s|Mw|%.1f|mssynth|"
	             "SYNTHETIC EVENT (mssynth seed %llu)\n",
	        evid, tbuf, ev.lat, ev.lon, ev.depth_km, evid, ev.magnitude,
	        (unsigned long long)o->seed);
	ds_close(&evf);

	dataset_path(stpath, sizeof stpath, dir, "stations.txt");
	dataset_path(trpath, sizeof trpath, dir, "truth.jsonl");
	ds_open(&stf, stpath);
	ds_open(&trf, trpath);
	ds_printf(&stf, "#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|"
	             "Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime\n");

	size_t npts = o->npts ? (size_t)o->npts : (size_t)llround((o->pre + 120.0) / o->dt);
	double *x = malloc((npts ? npts : 1) * sizeof *x);
	int32_t *counts = malloc((npts ? npts : 1) * sizeof *counts);
	msp_buf line;
	msp_buf_init(&line);
	if (!x || !counts)
		mst_fatal("out of memory for %zu samples", npts);
	for (int i = 0; i < (int)o->stations; i++) {
		msp_synth_site site;
		int rc = msp_synth_site_plan(model, &ev, i, (int)o->stations, o->dmin, o->dmax, o->h1,
		                             o->amp, &site);
		if (rc)
			mst_fatal("station %d: no P arrival at %.3f degrees (%s)", i + 1,
			          msp_geo_delta_deg(ev.lat, ev.lon, site.lat, site.lon), msp_strerror(rc));
		/* whole 100 us: miniSEED 2 start times are exact at that resolution
		 * without blockette 1001, so every reader agrees on t0 */
		double t0 = round(1e4 * (site.ptime - o->pre)) / 1e4;
		int wf = -1;
		for (int c = 0; c < 3; c++) {
			const msp_synth_channel *ch = &site.ch[c];
			if (wf < 0) {
				if (o->per_channel)
					dataset_path(wfpath, sizeof wfpath, dir, "waveforms/%s.%s.%s.%s.mseed",
					             o->net, site.sta, o->loc, ch->chan);
				else
					dataset_path(wfpath, sizeof wfpath, dir, "waveforms/%s.%s.%s.mseed", o->net,
					             site.sta, o->loc);
				wf = open(wfpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
				if (wf < 0)
					mst_fatal("%s: %s", wfpath, strerror(errno));
			}
			msp_rng rng;
			msp_rng_seed2(&rng, o->seed, (uint64_t)i * 3 + (uint64_t)c);
			msp_synth_trace tr = {.t0 = t0, .dt = o->dt, .noise_rms = o->noise, .amp = ch->amp,
			                      .tw = site.ptime, .freq = o->freq};
			if (msp_synth_fill(x, npts, &tr, &rng))
				mst_fatal("bad synthetic parameters");
			for (size_t k = 0; k < npts; k++)
				counts[k] = (int32_t)lrint(x[k]);
			rc = msp_synth_mseed_write(wf, o->net, site.sta, o->loc, ch->chan, t0, o->dt,
			                           counts, npts);
			if (rc == MSP_ERR_IO)
				mst_fatal("%s: write error (%s)", wfpath, strerror(errno));
			if (rc)
				mst_fatal("%s: miniSEED packing failed (%s)", wfpath, msp_strerror(rc));
			char st0[40];
			msp_format_time(t0, st0, sizeof st0);
			ds_printf(&stf, "%s|%s|%s|%s|%.6f|%.6f|%.1f|0|%g|%g|mssynth synthetic|1|1|M/S|%.9g|"
			             "2000-01-01T00:00:00|\n",
			        o->net, site.sta, o->loc, ch->chan, site.lat, site.lon, site.elev, ch->azimuth,
			        ch->dip, 1.0 / o->dt);
			const char *rel = wfpath + strlen(dir) + 1;
			msp_buf_reset(&line);
			msp_buf_addf(&line, "{\"net\":\"%s\",\"sta\":\"%s\",\"loc\":\"%s\",\"chan\":\"%s\","
			                    "\"file\":\"%s\",\"source_id\":\"%s\"",
			             o->net, site.sta, o->loc, ch->chan, rel, evid);
#define NUM(k, v) do { msp_buf_add(&line, ",\"" k "\":", sizeof(k) + 3); msp_buf_add_double(&line, (v)); } while (0)
			NUM("channel_lat", site.lat);
			NUM("channel_lon", site.lon);
			NUM("channel_elev", site.elev);
			NUM("channel_hang", ch->hang);
			NUM("channel_vang", ch->vang);
			NUM("source_lat", ev.lat);
			NUM("source_lon", ev.lon);
			NUM("source_depth", ev.depth_km);
			NUM("source_time", ev.time);
			NUM("source_magnitude", ev.magnitude);
			NUM("dist_deg", site.dist_deg);
			NUM("dist_km", site.dist_m / 1000.0);
			NUM("az", site.az);
			NUM("baz", site.baz);
			msp_buf_addf(&line, ",\"phase\":\"%s\"", site.p.phase);
			NUM("ptime", site.ptime);
			NUM("ptravel", site.p.time);
			NUM("rayp", site.p.rayp);
			NUM("incidence", site.p.incident);
			NUM("amp_p", o->amp);
			NUM("amp", ch->amp);
			NUM("noise_rms", o->noise);
			NUM("freq", o->freq);
			NUM("starttime", t0);
			msp_buf_addf(&line, ",\"starttime_iso\":\"%s\",\"npts\":%zu", st0, npts);
			NUM("dt", o->dt);
			NUM("sampling_rate", 1.0 / o->dt);
			msp_buf_addf(&line, ",\"seed\":%llu}\n", (unsigned long long)o->seed);
#undef NUM
			if (line.failed)
				mst_fatal("out of memory");
			ds_add(&trf, line.p, line.len);
			if (o->per_channel || c == 2) {
				if (close(wf) != 0)
					mst_fatal("%s: write error (%s)", wfpath, strerror(errno));
				wf = -1;
			}
		}
		mst_progress((uint64_t)i + 1);
	}
	mst_progress_done((uint64_t)o->stations);
	ds_close(&stf);
	ds_close(&trf);
	msp_buf_free(&line);
	free(x);
	free(counts);
	msp_earth_close(model);
	return 0;
}
