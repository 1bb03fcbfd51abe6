/*
 * mseed_read.c - one wf_miniseed segment (a byte range of miniSEED records)
 * to one TimeSeries, and one TimeSeries to miniSEED (see msp_mseed_read.h).
 *
 * One pass in file order reads each record's header and decodes its
 * samples straight onto the grid (msp_mseed_unpack.h); only records out of
 * time order send the decoder to two passes: headers first (the grid's
 * start and the order), then the samples.  Memory stays at the segment's
 * samples plus a few words per miniSEED record.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmseed.h>
#include "msp_mseed_read.h"
#include "msp_mseed.h"
#include "msp_mseed_unpack.h"
#include "msp_meta.h"
#include "msp_status.h"

#define ALG "msread"

/* libmseed reports problems (a failed Steim integrity check among them) only
 * through its log functions.  We route them here so that the library prints
 * nothing and a diagnostic during an unpack marks the record corrupt.  This
 * is libmseed's own global; it is set once, to the same functions, by every
 * decoder, and the message buffer is per thread. */
static __thread char diag_msg[256];
static __thread int diag_count;
static void diag_print(char *msg)
{
	if (diag_count++ == 0) {
		snprintf(diag_msg, sizeof diag_msg, "%s", msg);
		size_t n = strlen(diag_msg);
		while (n && (diag_msg[n - 1] == '\n' || diag_msg[n - 1] == ' '))
			diag_msg[--n] = '\0';
	}
}
static void log_print(char *msg) { (void)msg; }
static void quiet_libmseed(void)
{
	static __thread int done;
	if (!done) {
		ms_loginit(log_print, NULL, diag_print, NULL);
		done = 1;
	}
	diag_count = 0;
	diag_msg[0] = '\0';
}

/* One miniSEED record found by the first pass. */
typedef struct seg_rec {
	size_t off, len;
	int64_t idx;     /* grid index of its first sample */
	int64_t nsamp;
	int64_t start;
} seg_rec;

static int cmp_idx(const void *a, const void *b)
{
	const seg_rec *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->off < y->off ? -1 : (x->off > y->off);
}

/* Read the header of the record at buf[off..): the guard, then mspipe's
 * own header reader (msp_mseed_unpack.h), which reports what libmseed's
 * msr_parse reports. */
static int parse_one(const uint8_t *buf, size_t len, size_t off, msp_mseed_hdr *h, char *err,
                     size_t errlen)
{
	size_t avail = len - off;
	if (avail < MINRECLEN) {
		msp_errf(err, errlen, "%zu trailing bytes at byte %zu are not a record", avail, off);
		return MSP_ERR_DATA;
	}
	char why[200];
	int g = msp_mseed_unpack_header(buf + off, avail, h, why, sizeof why);
	if (g == MSP_ERR_TRUNCATED) {
		msp_errf(err, errlen, "record at byte %zu is cut short: %s", off, why);
		return MSP_ERR_DATA;
	}
	if (g) {
		msp_errf(err, errlen, "corrupt record at byte %zu: %s", off, why);
		return MSP_ERR_DATA;
	}
	return MSP_OK;
}

/* The encodings mspipe does not decode itself (GEOSCOPE, CDSN, SRO,
 * DWWSSN: none seen in practice) go through libmseed, as they always did;
 * the guard has checked the record first. */
static int libmseed_samples(const uint8_t *recp, const msp_mseed_hdr *h, MSRecord **msr,
                            double *x, char *why, size_t whylen)
{
	int rl = (int)h->reclen;
	quiet_libmseed();
	/* msr_parse does not write into the record it reads */
	int rc = msr_parse((char *)recp, rl, msr, rl, 1, 0);
	if (rc != MS_NOERROR || diag_count) {
		msp_errf(why, whylen, "%s", diag_count ? diag_msg : ms_errorstr(rc));
		return MSP_ERR_DATA;
	}
	if ((*msr)->numsamples != h->samplecnt) {
		msp_errf(why, whylen, "%lld of %lld samples decoded", (long long)(*msr)->numsamples,
		         (long long)h->samplecnt);
		return MSP_ERR_DATA;
	}
	int64_t n = h->samplecnt;
	switch ((*msr)->sampletype) {
	case 'i': {
		const int32_t *s = (*msr)->datasamples;
		for (int64_t k = 0; k < n; k++)
			x[k] = s[k];
		return MSP_OK;
	}
	case 'f': {
		const float *s = (*msr)->datasamples;
		for (int64_t k = 0; k < n; k++)
			x[k] = s[k];
		return MSP_OK;
	}
	case 'd':
		memcpy(x, (*msr)->datasamples, (size_t)n * sizeof(double));
		return MSP_OK;
	}
	msp_errf(why, whylen, "samples of type '%c'", (*msr)->sampletype);
	return MSP_ERR_DATA;
}

static void trim(char *dst, const char *src)
{
	/* snprintf(dst, 11, "%s", src) without printf (4 a document) */
	size_t n = strnlen(src, 10);
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

/* The grid being filled: samples, how far they are filled, gaps seen. */
typedef struct grid {
	msp_record *rec;      /* its data buffer holds the samples */
	size_t cap;           /* doubles allocated in rec->data */
	int64_t filled;       /* grid positions 0..filled-1 hold data */
	int64_t t0;           /* hptime (microseconds) of grid position 0 */
	double rate;
	int64_t last_hp;      /* time of the last sample placed */
	bson_t gaps;
	const msp_mseed_opts *o;
	msp_mseed_info *info;
	int64_t decoded;      /* samples unpacked so far */
	MSRecord *msr;        /* libmseed's, for the encodings left to it */
} grid;

/* A gap may not blow a few records up into gigabytes of fill: the grid is
 * at most MSP_GRID_FILL times the samples recorded (or 2^20, if larger). */
#define MSP_GRID_FILL 100
/* the "or 2^20": a build may lower it (the fuzz build does, so that a gap
 * costs 128 KiB rather than 8 MiB of zeros per input; the logic is the same) */
#ifndef MSP_GRID_MIN
#define MSP_GRID_MIN ((int64_t)1 << 20)
#endif

static int grid_room(grid *g, int64_t need)
{
	if ((uint64_t)need > (uint64_t)1 << 31)
		return MSP_ERR_TOOBIG;
	if ((size_t)need <= g->cap)
		return MSP_OK;
	size_t ncap = g->cap ? g->cap : 4096;
	while (ncap < (size_t)need)
		ncap *= 2;
	/* msp_record_resize keeps the samples already there (realloc) */
	size_t keep = g->rec->npts;
	int rc = msp_record_resize(g->rec, MSP_TIMESERIES, ncap);
	g->rec->npts = keep;
	if (rc)
		return rc;
	g->cap = ncap;
	return MSP_OK;
}

/* Decode the record at buf[off..) (header h) straight onto grid index idx:
 * gap handling before it, overlap counted, the later samples kept. */
static int grid_place(grid *g, const uint8_t *buf, size_t off, const msp_mseed_hdr *h,
                      int64_t idx, char *err, size_t errlen)
{
	int64_t n = h->samplecnt;
	if (n <= 0)
		return MSP_OK;
	g->decoded += n;
	int64_t limit = g->decoded * MSP_GRID_FILL;
	if (idx + n > limit && idx + n > (int64_t)MSP_GRID_MIN) {
		msp_errf(err, errlen, "the records of %s lie %lld samples apart for %lld recorded: "
		       "gaps of more than %d times the data are refused", h->chan,
		       (long long)(idx + n), (long long)g->decoded, MSP_GRID_FILL);
		return MSP_ERR_DATA;
	}
	int rc = grid_room(g, idx + n);
	if (rc)
		return rc;
	double *x = g->rec->data + idx;
	char why[200];
	rc = msp_mseed_unpack_samples(buf + off, h, x, why, sizeof why);
	if (rc == MSP_ERR_UNSUPPORTED)
		rc = libmseed_samples(buf + off, h, &g->msr, x, why, sizeof why);
	if (rc) {
		msp_errf(err, errlen, "corrupt record at byte %zu: %s", off, why);
		return MSP_ERR_DATA;
	}
	double *d = g->rec->data;
	if (idx > g->filled) {
		/* a gap: grid positions filled..idx-1 have no sample */
		double dt = 1.0 / g->rate;
		if (g->o->gaps == MSP_GAPS_KILL) {
			msp_errf(err, errlen, "gap of %lld samples after %.6f (--gaps kill)",
			       (long long)(idx - g->filled),
			       (double)g->t0 / HPTMODULUS + (double)(g->filled - 1) * dt);
			return MSP_ERR_DATA;
		}
		/* the policy is tested once, not per sample: a gap can be 2^20
		 * samples, and the zero fill is then one memset */
		if (g->o->gaps == MSP_GAPS_INTERPOLATE) {
			double a = g->filled > 0 ? d[g->filled - 1] : x[0], b = x[0];
			for (int64_t k = g->filled; k < idx; k++)
				d[k] = a + (b - a) * (double)(k - g->filled + 1) / (double)(idx - g->filled + 1);
		} else {
			memset(d + g->filled, 0, (size_t)(idx - g->filled) * sizeof *d);
		}
		char key[16];
		bson_t gd;
		snprintf(key, sizeof key, "%zu", g->info->ngaps);
		bson_append_document_begin(&g->gaps, key, -1, &gd);
		/* the recorded times, not the grid's, so they are exact to the microsecond */
		BSON_APPEND_DOUBLE(&gd, "starttime", (double)g->last_hp / HPTMODULUS);
		BSON_APPEND_DOUBLE(&gd, "endtime", (double)h->starttime / HPTMODULUS);
		bson_append_document_end(&g->gaps, &gd);
		g->info->ngaps++;
	} else if (idx < g->filled) {
		g->info->noverlaps++;
	}
	if (idx + n > g->filled) {
		g->filled = idx + n;
		g->last_hp = h->starttime + (int64_t)llround((double)(n - 1) * HPTMODULUS / g->rate);
		g->rec->npts = (size_t)g->filled;
	}
	g->info->nrecords++;
	return MSP_OK;
}

/* Is this record of the segment's channel and rate?  The codes are
 * already cleaned of trailing spaces, so a plain comparison does (no
 * copies: this runs once per record). */
static int same_stream(const msp_mseed_hdr *h, const msp_mseed_info *info, double rate,
                       const msp_mseed_opts *o, size_t off, char *err, size_t errlen)
{
	if (strcmp(h->net, info->net) || strcmp(h->sta, info->sta) ||
	    strcmp(h->loc, info->loc) || strcmp(h->chan, info->chan)) {
		msp_errf(err, errlen, "record at byte %zu is %s.%s.%s.%s, not %s.%s.%s.%s: the byte "
		       "range holds more than one channel", off, h->net, h->sta,
		       h->loc, h->chan, info->net, info->sta, info->loc, info->chan);
		return 0;
	}
	if (fabs(h->samprate - rate) > o->rate_tolerance * rate) {
		msp_errf(err, errlen, "record at byte %zu has sample rate %g, not %g", off,
		       h->samprate, rate);
		return 0;
	}
	return 1;
}

int msp_mseed_decode(const uint8_t *buf, size_t len, const msp_mseed_opts *opts,
                     msp_record *rec, msp_mseed_info *info, char *err, size_t errlen)
{
	msp_mseed_info local;
	if (!info)
		info = &local;
	bson_t upd = BSON_INITIALIZER;
	int rc = msp_mseed_decode_upd(buf, len, opts, rec, info, &upd, err, errlen);
	static const char *const drop_gaps[] = {"gaps", NULL};
	if (rc == MSP_OK)
		rc = msp_meta_update(rec->meta, &upd, info->ngaps ? NULL : drop_gaps);
	bson_destroy(&upd);
	return rc;
}

int msp_mseed_decode_upd(const uint8_t *buf, size_t len, const msp_mseed_opts *opts,
                         msp_record *rec, msp_mseed_info *info, bson_t *upd, char *err,
                         size_t errlen)
{
	msp_mseed_opts defaults = {MSP_GAPS_ZERO, 1e-4};
	if (!opts)
		opts = &defaults;
	msp_mseed_info local;
	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	msp_mseed_hdr h;
	seg_rec *recs = NULL;
	size_t nrecs = 0, cap = 0;
	int rc = MSP_OK;
	grid g;
	memset(&g, 0, sizeof g);
	g.rec = rec;
	g.o = opts;
	g.info = info;
	g.cap = rec->data_cap;
	bson_init(&g.gaps);
	rec->npts = 0;

	/* One pass in file order, unpacking each record once.  A record that
	 * starts before the one before it (records out of time order) sends us
	 * to the second way below: headers first, sorted, then the samples. */
	int in_order = 1;
	int64_t prev_idx = 0;
	size_t off = 0;
	while (off < len) {
		if ((rc = parse_one(buf, len, off, &h, err, errlen)))
			goto out;
		if (info->nrecords == 0 && in_order) {
			g.rate = h.samprate;
			g.t0 = h.starttime;
			trim(info->net, h.net);
			trim(info->sta, h.sta);
			trim(info->loc, h.loc);
			trim(info->chan, h.chan);
			info->encoding = h.encoding;
			if (!(g.rate > 0) || !isfinite(g.rate)) {
				msp_errf(err, errlen, "record at byte %zu has sample rate %g", off, g.rate);
				rc = MSP_ERR_DATA;
				goto out;
			}
		} else if (!same_stream(&h, info, g.rate, opts, off, err, errlen)) {
			rc = MSP_ERR_DATA;
			goto out;
		}
		int64_t idx = llround((double)(h.starttime - g.t0) / HPTMODULUS * g.rate);
		if (idx < prev_idx) {
			in_order = 0;
			break;
		}
		prev_idx = idx;
		if ((rc = grid_place(&g, buf, off, &h, idx, err, errlen)))
			goto out;
		off += h.reclen;
	}

	if (!in_order) {
		/* pass 1: headers, to learn the earliest start and the order */
		bson_reinit(&g.gaps);
		info->ngaps = info->noverlaps = info->nrecords = 0;
		g.filled = 0;
		g.decoded = 0;
		rec->npts = 0;
		off = 0;
		while (off < len) {
			if ((rc = parse_one(buf, len, off, &h, err, errlen)))
				goto out;
			if (!same_stream(&h, info, g.rate, opts, off, err, errlen)) {
				rc = MSP_ERR_DATA;
				goto out;
			}
			if (nrecs == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				seg_rec *p = realloc(recs, ncap * sizeof *p);
				if (!p) {
					rc = MSP_ERR_NOMEM;
					goto out;
				}
				recs = p;
				cap = ncap;
			}
			recs[nrecs].off = off;
			recs[nrecs].len = h.reclen;
			recs[nrecs].nsamp = h.samplecnt;
			recs[nrecs].start = h.starttime;
			if (h.starttime < g.t0)
				g.t0 = h.starttime;
			nrecs++;
			off += h.reclen;
		}
		for (size_t i = 0; i < nrecs; i++)
			recs[i].idx = llround((double)(recs[i].start - g.t0) / HPTMODULUS * g.rate);
		qsort(recs, nrecs, sizeof *recs, cmp_idx);
		/* pass 2: samples, in time order */
		for (size_t i = 0; i < nrecs; i++) {
			if ((rc = parse_one(buf, len, recs[i].off, &h, err, errlen)) ||
			    (rc = grid_place(&g, buf, recs[i].off, &h, recs[i].idx, err, errlen)))
				goto out;
		}
	}
	if (info->nrecords == 0 || g.filled <= 0) {
		msp_errf(err, errlen, info->nrecords ? "no samples in %zu records"
		                                   : "no miniSEED record in %zu bytes",
		       info->nrecords ? info->nrecords : len);
		rc = MSP_ERR_DATA;
		goto out;
	}

	rec->kind = MSP_TIMESERIES;
	rec->npts = (size_t)g.filled;
	rec->t0 = (double)g.t0 / HPTMODULUS;
	rec->dt = 1.0 / g.rate;
	rec->tref = MSP_TREF_UTC;
	rec->t0shift = 0;
	rec->t0shift_valid = 0;
	rec->live = 1;
	char sid[48]; /* for the messages only */
	if (info->ngaps || info->noverlaps)
		snprintf(sid, sizeof sid, "%s.%s.%s.%s", info->net, info->sta, info->loc, info->chan);
	if (!BSON_APPEND_UTF8(upd, "net", info->net) || !BSON_APPEND_UTF8(upd, "sta", info->sta) ||
	    (info->loc[0] && !BSON_APPEND_UTF8(upd, "loc", info->loc)) ||
	    !BSON_APPEND_UTF8(upd, "chan", info->chan) ||
	    !BSON_APPEND_BOOL(upd, "has_gap", info->ngaps > 0) ||
	    (info->ngaps && !BSON_APPEND_ARRAY(upd, "gaps", &g.gaps))) {
		rc = MSP_ERR_NOMEM;
		goto out;
	}
	if (info->ngaps)
		msp_record_log(rec, ALG, MSP_SEV_COMPLAINT, "%zu gap(s) in %s; filled with %s",
		               info->ngaps, sid,
		               opts->gaps == MSP_GAPS_INTERPOLATE ? "a straight line" : "zeros");
	if (info->noverlaps)
		msp_record_log(rec, ALG, MSP_SEV_COMPLAINT,
		               "%zu record(s) of %s overlap earlier ones; the later samples were kept",
		               info->noverlaps, sid);
out:
	if (rc == MSP_ERR_TOOBIG) {
		msp_errf(err, errlen, "segment beyond 2^31 samples");
		rc = MSP_ERR_DATA;
	}
	bson_destroy(&g.gaps);
	if (g.msr)
		msr_free(&g.msr);
	free(recs);
	return rc;
}

/* ---- writing ---- */

typedef struct pack_ctx {
	uint8_t *p;
	size_t len, cap;
	int failed;
} pack_ctx;

static void record_handler(char *record, int reclen, void *handlerdata)
{
	pack_ctx *c = handlerdata;
	if (c->failed)
		return;
	if (c->len + (size_t)reclen > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 65536;
		while (ncap < c->len + (size_t)reclen)
			ncap *= 2;
		uint8_t *q = realloc(c->p, ncap);
		if (!q) {
			c->failed = 1;
			return;
		}
		c->p = q;
		c->cap = ncap;
	}
	memcpy(c->p + c->len, record, (size_t)reclen);
	c->len += (size_t)reclen;
}

int msp_mseed_encode(const msp_record *rec, int reclen, uint8_t **out, size_t *outlen,
                     int *encoding, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	if (rec->kind != MSP_TIMESERIES) {
		msp_errf(err, errlen, "miniSEED holds one component; this is a Seismogram");
		return MSP_ERR_UNSUPPORTED;
	}
	if (rec->tref != MSP_TREF_UTC) {
		msp_errf(err, errlen, "miniSEED needs UTC time; this record is relative");
		return MSP_ERR_DATA;
	}
	if (rec->npts == 0) {
		msp_errf(err, errlen, "no samples to write");
		return MSP_ERR_DATA;
	}
	const char *net = "", *sta = NULL, *loc = "", *chan = NULL;
	msp_meta_get_string(rec->meta, "net", &net);
	msp_meta_get_string(rec->meta, "sta", &sta);
	msp_meta_get_string(rec->meta, "loc", &loc);
	msp_meta_get_string(rec->meta, "chan", &chan);
	if (!sta || !chan) {
		msp_errf(err, errlen, "miniSEED needs sta and chan in the metadata");
		return MSP_ERR_NOTFOUND;
	}
	if (strlen(net) > 2 || strlen(sta) > 5 || strlen(loc) > 2 || strlen(chan) > 3) {
		msp_errf(err, errlen, "net.sta.loc.chan %s.%s.%s.%s too long for SEED 2", net, sta, loc,
		       chan);
		return MSP_ERR_DATA;
	}
	/* miniSEED 2 carries the rate as a 16-bit factor and multiplier: a rate
	 * they cannot hold at all (1e-40 Hz from a decoded blockette 100, say)
	 * would be written as 0 Hz, a file no reader takes back; one they hold
	 * only roughly (40.001 Hz is written 40) also gets a blockette 100
	 * below, which readers take first */
	int16_t fact = 0, mult = 0;
	double rate = 1.0 / rec->dt;
	if (!(rate > 0) || !isfinite(rate) || !((float)rate > 0) || !isfinite((float)rate) ||
	    ms_genfactmult(rate, &fact, &mult) != 0 || !(ms_nomsamprate(fact, mult) > 0)) {
		msp_errf(err, errlen, "sample rate %g Hz cannot be written in miniSEED 2", rate);
		return MSP_ERR_DATA;
	}
	int need_b100 = ms_nomsamprate(fact, mult) != rate;
	/* record start times are kept to the microsecond: below 10 us a sample
	 * the rounding would move records on the grid when read back */
	if (rec->dt < 1e-5) {
		msp_errf(err, errlen, "sample interval %g s is below the 10 us miniSEED's microsecond "
		         "times can place", rec->dt);
		return MSP_ERR_DATA;
	}
	/* every record's start must be a year readers accept (1900..2100: the
	 * guard takes a year outside for the wrong byte order) */
	double tend = rec->t0 + (double)(rec->npts - 1) * rec->dt;
	if (!(rec->t0 >= -2208988800.0) || !(tend < 4133980800.0)) {
		msp_errf(err, errlen, "times %.6f to %.6f reach outside the years 1900-2100 miniSEED "
		         "readers accept", rec->t0, tend);
		return MSP_ERR_DATA;
	}
	/* Steim2 differences are 30-bit; keep the samples well inside that. */
	int integral = 1;
	for (size_t i = 0; i < rec->npts && integral; i++) {
		double v = rec->data[i];
		if (!(v == floor(v)) || fabs(v) > 536870911.0)
			integral = 0;
		else if (i > 0 && fabs(v - rec->data[i - 1]) > 536870911.0)
			integral = 0;
	}
	quiet_libmseed();
	MSTrace *mst = mst_init(NULL);
	if (!mst)
		return MSP_ERR_NOMEM;
	snprintf(mst->network, sizeof mst->network, "%s", net);
	snprintf(mst->station, sizeof mst->station, "%s", sta);
	snprintf(mst->location, sizeof mst->location, "%s", loc);
	snprintf(mst->channel, sizeof mst->channel, "%s", chan);
	mst->dataquality = 'D';
	mst->starttime = (hptime_t)llround(rec->t0 * HPTMODULUS);
	mst->samprate = 1.0 / rec->dt;
	mst->numsamples = (int64_t)rec->npts;
	mst->samplecnt = (int64_t)rec->npts;
	int enc;
	if (integral) {
		int32_t *s = malloc(rec->npts * sizeof *s);
		if (!s) {
			mst_free(&mst);
			return MSP_ERR_NOMEM;
		}
		for (size_t i = 0; i < rec->npts; i++)
			s[i] = (int32_t)rec->data[i];
		mst->datasamples = s;
		mst->sampletype = 'i';
		enc = DE_STEIM2;
	} else {
		double *s = malloc(rec->npts * sizeof *s);
		if (!s) {
			mst_free(&mst);
			return MSP_ERR_NOMEM;
		}
		memcpy(s, rec->data, rec->npts * sizeof *s);
		mst->datasamples = s;
		mst->sampletype = 'd';
		enc = DE_FLOAT64;
	}
	/* A blockette 1001 in the template makes libmseed keep the start time to
	 * the microsecond (the fixed header alone holds 100 us). */
	MSRecord *tmpl = msr_init(NULL);
	struct blkt_1001_s b1001;
	memset(&b1001, 0, sizeof b1001);
	struct blkt_100_s b100;
	memset(&b100, 0, sizeof b100);
	b100.samprate = (float)rate;
	if (!tmpl || !msr_addblockette(tmpl, (char *)&b1001, sizeof b1001, 1001, 0) ||
	    (need_b100 && !msr_addblockette(tmpl, (char *)&b100, sizeof b100, 100, 0))) {
		if (tmpl)
			msr_free(&tmpl);
		mst_free(&mst);
		return MSP_ERR_NOMEM;
	}
	/* with a template, libmseed takes the codes from it */
	memcpy(tmpl->network, mst->network, sizeof tmpl->network);
	memcpy(tmpl->station, mst->station, sizeof tmpl->station);
	memcpy(tmpl->location, mst->location, sizeof tmpl->location);
	memcpy(tmpl->channel, mst->channel, sizeof tmpl->channel);
	tmpl->dataquality = 'D';
	pack_ctx ctx = {0};
	int64_t packed = 0;
	int n = mst_pack(mst, record_handler, &ctx, reclen, (flag)enc, 1, &packed, 1, 0, tmpl);
	msr_free(&tmpl);
	mst_free(&mst);
	if (n < 0 || ctx.failed || packed != (int64_t)rec->npts) {
		free(ctx.p);
		msp_errf(err, errlen, "libmseed could not pack the samples%s%s",
		       diag_count ? ": " : "", diag_count ? diag_msg : "");
		return ctx.failed ? MSP_ERR_NOMEM : MSP_ERR_DATA;
	}
	*out = ctx.p;
	*outlen = ctx.len;
	if (encoding)
		*encoding = enc;
	return MSP_OK;
}
