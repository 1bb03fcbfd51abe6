/*
 * test_normalize.c - the matchers' rules, on hand-made documents: channel by
 * net/sta/loc/chan and the first interval that holds t0 (ends inclusive),
 * site without chan, source by nearest origin time within the tolerance after
 * the offset, any of them by <coll>_id, relative time refused, dead records
 * untouched.
 */
#include <string.h>
#include "tap.h"
#include "msp_normalize.h"
#include "msp_meta.h"
#include "msp_status.h"

static bson_t *J(const char *json)
{
	bson_error_t e;
	bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
	if (!b)
		printf("# bad JSON %s: %s\n", json, e.message);
	return b;
}

static void add(msp_matcher *m, const char *json)
{
	bson_t *b = J(json);
	msp_matcher_add(m, b);
	bson_destroy(b);
}

static msp_record *rec_at(const char *net, const char *sta, const char *loc, const char *chan,
                          double t0)
{
	msp_record *r = msp_record_new();
	msp_meta_set_string(r->meta, "net", net);
	msp_meta_set_string(r->meta, "sta", sta);
	if (loc)
		msp_meta_set_string(r->meta, "loc", loc);
	msp_meta_set_string(r->meta, "chan", chan);
	r->t0 = t0;
	r->dt = 0.05;
	return r;
}

static double D(const msp_record *r, const char *k)
{
	double v = -999;
	msp_meta_get_double(r->meta, k, &v);
	return v;
}

int main(void)
{
	char err[256];
	msp_matcher *ch;
	msp_matcher *bad;
	ok(msp_matcher_new(&bad, "station", NULL) == MSP_ERR_INVAL && !bad, "unknown collection refused");
	ok(msp_matcher_new(&ch, "channel", NULL) == MSP_OK, "channel matcher");
	add(ch, "{\"_id\":{\"$oid\":\"000000000000000000000001\"},\"net\":\"IU\",\"sta\":\"ANMO\",\"loc\":\"00\",\"chan\":\"BHZ\",\"lat\":1,\"lon\":2,\"elev\":3,\"hang\":0,\"vang\":0,\"starttime\":100,\"endtime\":200}");
	add(ch, "{\"_id\":{\"$oid\":\"000000000000000000000002\"},\"net\":\"IU\",\"sta\":\"ANMO\",\"loc\":\"00\",\"chan\":\"BHZ\",\"lat\":10,\"lon\":2,\"elev\":3,\"hang\":0,\"vang\":0,\"starttime\":200,\"endtime\":300}");
	add(ch, "{\"_id\":{\"$oid\":\"000000000000000000000003\"},\"net\":\"IU\",\"sta\":\"ANMO\",\"loc\":\"00\",\"chan\":\"BHZ\",\"lat\":20,\"lon\":2,\"elev\":3,\"hang\":0,\"vang\":0,\"starttime\":150,\"endtime\":250}");
	add(ch, "{\"_id\":{\"$oid\":\"000000000000000000000004\"},\"net\":\"IU\",\"sta\":\"ANMO\",\"loc\":\"\",\"chan\":\"BHE\",\"lat\":30,\"lon\":2,\"elev\":3,\"hang\":90,\"vang\":90,\"starttime\":0,\"endtime\":1e10}");
	ok(msp_matcher_finish(ch) == MSP_OK && msp_matcher_count(ch) == 4, "4 channels loaded");

	msp_record *r = rec_at("IU", "ANMO", "00", "BHZ", 200);
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_OK, "t0 = endtime of the first and starttime of the second: matches");
	near(D(r, "channel_lat"), 1, 0, "the FIRST interval in load order wins (inclusive ends)");
	bson_iter_t it;
	ok(bson_iter_init_find(&it, r->meta, "channel_id") && BSON_ITER_HOLDS_OID(&it), "channel_id is an ObjectId");
	ok(msp_meta_has(r->meta, "channel_hang") && msp_meta_has(r->meta, "channel_vang") &&
	   msp_meta_has(r->meta, "channel_starttime"), "hang, vang, starttime loaded");
	msp_record_free(r);

	r = rec_at("IU", "ANMO", "00", "BHZ", 160);
	msp_matcher_apply(ch, r, err, sizeof err);
	near(D(r, "channel_lat"), 1, 0, "t0 in two intervals: the first loaded");
	msp_record_free(r);
	r = rec_at("IU", "ANMO", "00", "BHZ", 260);
	msp_matcher_apply(ch, r, err, sizeof err);
	near(D(r, "channel_lat"), 10, 0, "t0 only in the second");
	msp_record_free(r);
	r = rec_at("IU", "ANMO", "00", "BHZ", 300.5);
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_ERR_NOTFOUND && strstr(err, "no time range"), "outside every interval: no match (%s)", err);
	msp_record_free(r);
	r = rec_at("IU", "ANMO", NULL, "BHE", 5);
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_OK && D(r, "channel_hang") == 90, "absent loc matches loc \"\"");
	msp_record_free(r);
	r = rec_at("IU", "ANMO", "00", "BHZ", 150);
	r->tref = MSP_TREF_RELATIVE;
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_ERR_NOTFOUND, "relative time: no match (%s)", err);
	msp_record_free(r);
	r = rec_at("XX", "ANMO", "00", "BHZ", 150);
	r->live = 0;
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_OK && !msp_meta_has(r->meta, "channel_lat"), "dead record left alone");
	msp_record_free(r);
	r = rec_at("XX", "NONE", "00", "BHZ", 150);
	bson_oid_t oid;
	bson_oid_init_from_string(&oid, "000000000000000000000003");
	msp_meta_set_oid(r->meta, "channel_id", &oid);
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_OK && D(r, "channel_lat") == 20, "channel_id present: ObjectIdMatcher");
	bson_oid_init_from_string(&oid, "0000000000000000000000ff");
	msp_meta_set_oid(r->meta, "channel_id", &oid);
	ok(msp_matcher_apply(ch, r, err, sizeof err) == MSP_ERR_NOTFOUND, "unknown channel_id: no match (%s)", err);
	msp_record_free(r);
	msp_matcher_free(ch);

	msp_matcher *site;
	msp_matcher_new(&site, "site", NULL);
	add(site, "{\"_id\":{\"$oid\":\"000000000000000000000011\"},\"net\":\"IU\",\"sta\":\"ANMO\",\"loc\":\"00\",\"lat\":5,\"lon\":6,\"elev\":1.8,\"starttime\":0,\"endtime\":1e10}");
	msp_matcher_finish(site);
	r = rec_at("IU", "ANMO", "00", "BHZ", 160);
	ok(msp_matcher_apply(site, r, err, sizeof err) == MSP_OK && D(r, "site_elev") == 1.8 && !msp_meta_has(r->meta, "site_hang"), "site by net/sta/loc, no hang");
	msp_record_free(r);
	msp_matcher_free(site);

	msp_matcher *src;
	msp_matcher_opts o = {4.0, 300.0, NULL};
	msp_matcher_new(&src, "source", &o);
	add(src, "{\"_id\":{\"$oid\":\"000000000000000000000021\"},\"lat\":1,\"lon\":2,\"depth\":10,\"time\":1000,\"magnitude\":6.1}");
	add(src, "{\"_id\":{\"$oid\":\"000000000000000000000022\"},\"lat\":3,\"lon\":4,\"depth\":20,\"time\":1005}");
	add(src, "{\"_id\":{\"$oid\":\"000000000000000000000023\"},\"lat\":5,\"lon\":6,\"depth\":30,\"time\":990}");
	msp_matcher_finish(src);
	r = rec_at("A", "B", NULL, "C", 1303.1);
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_OK, "origin time match after the offset");
	near(D(r, "source_time"), 1005, 0, "nearest of two within 4 s (1003.1: 1005 not 1000)");
	ok(!msp_meta_has(r->meta, "source_magnitude"), "magnitude only when the source has one");
	msp_record_free(r);
	r = rec_at("A", "B", NULL, "C", 1302.0);
	msp_matcher_apply(src, r, err, sizeof err);
	near(D(r, "source_time"), 1000, 0, "1002.0: 1000 (2 s) over 1005 (3 s)");
	near(D(r, "source_magnitude"), 6.1, 0, "magnitude loaded");
	near(D(r, "source_depth"), 10, 0, "depth loaded");
	msp_record_free(r);
	r = rec_at("A", "B", NULL, "C", 1294.0);
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_OK && D(r, "source_time") == 990, "tolerance inclusive: |990 - 994| = 4");
	msp_record_free(r);
	r = rec_at("A", "B", NULL, "C", 1280.0);
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_ERR_NOTFOUND, "beyond the tolerance: no match (%s)", err);
	msp_record_free(r);
	r = rec_at("A", "B", NULL, "C", 5);
	r->tref = MSP_TREF_RELATIVE;
	r->t0shift = 1295;
	r->t0shift_valid = 1;
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_OK && D(r, "source_time") == 1000, "relative with a valid shift: its UTC start");
	msp_record_free(r);
	msp_matcher_free(src);

	msp_matcher_opts ok_key = {4.0, 0.0, "origin_guess"};
	msp_matcher_new(&src, "source", &ok_key);
	add(src, "{\"_id\":{\"$oid\":\"000000000000000000000031\"},\"lat\":1,\"lon\":2,\"depth\":10,\"time\":5000}");
	msp_matcher_finish(src);
	r = rec_at("A", "B", NULL, "C", 1.0);
	msp_meta_set_double(r->meta, "origin_guess", 5003.0);
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_OK && D(r, "source_time") == 5000,
	   "--source-time-key: the metadata time is matched, not t0");
	msp_record_free(r);
	r = rec_at("A", "B", NULL, "C", 5000.0);
	ok(msp_matcher_apply(src, r, err, sizeof err) == MSP_ERR_NOTFOUND && strstr(err, "origin_guess"),
	   "time key missing: no match (%s)", err);
	msp_record_free(r);
	msp_matcher_free(src);
	return done_testing();
}
