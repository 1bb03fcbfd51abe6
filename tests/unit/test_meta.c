/*
 * test_meta.c - Metadata get/set/remove/rename/merge on BSON documents and
 * the JSON conversions, including types, dot paths and missing keys.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_meta.h"
#include "msp_status.h"

static int count_keys(const bson_t *d)
{
	bson_iter_t it;
	int n = 0;
	if (bson_iter_init(&it, d))
		while (bson_iter_next(&it))
			n++;
	return n;
}

static int key_at(const bson_t *d, int k, const char *want)
{
	bson_iter_t it;
	int i = 0;
	if (!bson_iter_init(&it, d))
		return 0;
	while (bson_iter_next(&it))
		if (i++ == k)
			return strcmp(bson_iter_key(&it), want) == 0;
	return 0;
}

/* libbson's reading of one JSON document a line: bson_new_from_json, and
 * refused when libbson's stream reader finds anything (a second document
 * or junk) after the first */
static bson_t *libbson_one_doc(const char *t, size_t n, bson_error_t *e)
{
	bson_t *b = bson_new_from_json((const uint8_t *)t, (ssize_t)n, e);
	if (!b)
		return NULL;
	bson_json_reader_t *rd = bson_json_data_reader_new(true, n ? n : 1);
	bson_t first = BSON_INITIALIZER, second = BSON_INITIALIZER;
	bson_error_t e2;
	bson_json_data_reader_ingest(rd, (const uint8_t *)t, n);
	int r1 = bson_json_reader_read(rd, &first, &e2), r2 = r1 == 1 ? bson_json_reader_read(rd, &second, &e2) : 0;
	bson_json_reader_destroy(rd);
	bson_destroy(&first);
	bson_destroy(&second);
	if (r2 != 0) {
		bson_destroy(b);
		snprintf(e->message, sizeof e->message, "text after the JSON document (one document a line)");
		return NULL;
	}
	return b;
}

/* msp_json_to_bson (its fast reader, with libbson behind it) against
 * libbson's reader alone: both refuse, or both give the same bytes. */
static int json_same(const char *t, size_t n, const char *what, int verbose)
{
	bson_error_t e1, e2;
	bson_t *a = msp_json_to_bson(t, (ssize_t)n, &e1);
	bson_t *b = libbson_one_doc(t, n, &e2);
	int same = (a == NULL) == (b == NULL) &&
	           (!a || (a->len == b->len && memcmp(bson_get_data(a), bson_get_data(b), a->len) == 0)) &&
	           (a || strcmp(e1.message, e2.message) == 0);
	if (!same && verbose)
		fprintf(stderr, "# %s: %.*s: fast %s, libbson %s\n", what, (int)n, t, a ? "accepts" : e1.message,
		        b ? "accepts" : e2.message);
	if (a)
		bson_destroy(a);
	if (b)
		bson_destroy(b);
	return same;
}

static uint64_t jrng = 0x9E3779B97F4A7C15ull;
static uint64_t jnext(void)
{
	return tap_xorshift(&jrng);
}

int main(void)
{
	bson_t *d = bson_new();
	double x;
	int64_t n;
	const char *s;
	int b;

	ok(msp_meta_set_double(d, "delta", 0.025) == MSP_OK, "set double");
	ok(msp_meta_set_int64(d, "npts", 72000) == MSP_OK, "set int64");
	ok(msp_meta_set_string(d, "sta", "ANMO") == MSP_OK, "set string");
	ok(msp_meta_set_bool(d, "live", 1) == MSP_OK, "set bool");
	is(count_keys(d), 4, "four keys");
	ok(msp_meta_get_double(d, "delta", &x) == MSP_OK && x == 0.025, "get double");
	ok(msp_meta_get_int64(d, "npts", &n) == MSP_OK && n == 72000, "get int64");
	ok(msp_meta_get_string(d, "sta", &s) == MSP_OK && strcmp(s, "ANMO") == 0, "get string");
	ok(msp_meta_get_bool(d, "live", &b) == MSP_OK && b == 1, "get bool");
	/* numeric reads accept every numeric type */
	ok(msp_meta_get_double(d, "npts", &x) == MSP_OK && x == 72000.0, "int64 read as double");
	ok(msp_meta_get_double(d, "live", &x) == MSP_OK && x == 1.0, "bool read as double");
	ok(msp_meta_set_double(d, "whole", 12.0) == MSP_OK &&
	   msp_meta_get_int64(d, "whole", &n) == MSP_OK && n == 12, "integral double read as int64");
	ok(msp_meta_get_int64(d, "delta", &n) == MSP_ERR_TYPE, "fractional double is not an int64");
	ok(msp_meta_get_double(d, "sta", &x) == MSP_ERR_TYPE, "string is not a number");
	ok(msp_meta_get_string(d, "npts", &s) == MSP_ERR_TYPE, "number is not a string");
	ok(msp_meta_get_bool(d, "npts", &b) == MSP_ERR_TYPE, "number is not a bool");
	ok(msp_meta_get_double(d, "nothing", &x) == MSP_ERR_NOTFOUND, "missing key: NOTFOUND (double)");
	ok(msp_meta_get_string(d, "nothing", &s) == MSP_ERR_NOTFOUND, "missing key: NOTFOUND (string)");
	ok(!msp_meta_has(d, "nothing") && msp_meta_has(d, "sta"), "has");

	/* replacing keeps one key, at the end, with the new type */
	ok(msp_meta_set_string(d, "delta", "fast") == MSP_OK, "replace double by string");
	is(count_keys(d), 5, "still five keys after a replace");
	ok(key_at(d, 4, "delta"), "the replaced key moves to the end");
	ok(msp_meta_get_string(d, "delta", &s) == MSP_OK && strcmp(s, "fast") == 0, "new value read back");

	/* remove */
	ok(msp_meta_remove(d, "delta") == MSP_OK && !msp_meta_has(d, "delta"), "remove");
	ok(msp_meta_remove(d, "delta") == MSP_OK, "remove of an absent key is OK");
	is(count_keys(d), 4, "four keys after remove");

	/* rename */
	ok(msp_meta_rename(d, "sta", "station") == MSP_OK, "rename");
	ok(!msp_meta_has(d, "sta") && msp_meta_get_string(d, "station", &s) == MSP_OK &&
	   strcmp(s, "ANMO") == 0, "renamed value kept");
	ok(msp_meta_rename(d, "sta", "x") == MSP_ERR_NOTFOUND, "rename of an absent key");
	ok(msp_meta_rename(d, "npts", "whole") == MSP_OK && count_keys(d) == 3 &&
	   msp_meta_get_int64(d, "whole", &n) == MSP_OK && n == 72000, "rename onto an existing key replaces it");

	/* subdocuments and dot paths */
	bson_t *sub = bson_new();
	msp_meta_set_double(sub, "median_snr", 12.5);
	msp_meta_set_string(sub, "phase", "P");
	ok(msp_meta_set_document(d, "Parrival", sub) == MSP_OK, "set subdocument");
	ok(msp_meta_get_double(d, "Parrival.median_snr", &x) == MSP_OK && x == 12.5, "dot path read");
	ok(msp_meta_get_string(d, "Parrival.phase", &s) == MSP_OK && s[0] == 'P', "dot path string");
	ok(msp_meta_get_double(d, "Parrival.nothing", &x) == MSP_ERR_NOTFOUND, "dot path missing");

	/* merge with a prefix */
	bson_t *dst = bson_new();
	msp_meta_set_double(dst, "site_lat", 1.0);
	ok(msp_meta_merge(dst, sub, "site_") == MSP_OK, "merge with prefix");
	ok(msp_meta_get_double(dst, "site_median_snr", &x) == MSP_OK && x == 12.5, "merged key with prefix");
	ok(msp_meta_merge(dst, sub, NULL) == MSP_OK && msp_meta_has(dst, "phase"), "merge without prefix");
	ok(msp_meta_merge(dst, sub, NULL) == MSP_OK && count_keys(dst) == 5, "merging again replaces, not duplicates");

	/* oid and value setters */
	bson_oid_t oid;
	bson_oid_init_from_string(&oid, "5f1b2c3d4e5f60718293a4b5");
	ok(msp_meta_set_oid(dst, "_id", &oid) == MSP_OK, "set oid");
	bson_iter_t it;
	ok(bson_iter_init_find(&it, dst, "_id") && BSON_ITER_HOLDS_OID(&it) &&
	   bson_oid_equal(bson_iter_oid(&it), &oid), "oid read back");
	bson_value_t v = {.value_type = BSON_TYPE_INT32, .value.v_int32 = -3};
	ok(msp_meta_set_value(dst, "k", &v) == MSP_OK && msp_meta_get_int64(dst, "k", &n) == MSP_OK && n == -3,
	   "set value (int32) read as int64");

	/* JSON both ways */
	bson_error_t err;
	bson_t *j = msp_json_to_bson("{\"sta\": \"COR\", \"t\": 1299822383.2, \"n\": 5, "
	                             "\"id\": {\"$oid\": \"5f1b2c3d4e5f60718293a4b5\"}, \"a\": [1, 2]}",
	                             -1, &err);
	ok(j != NULL, "parse relaxed extended JSON");
	ok(j && msp_meta_get_double(j, "t", &x) == MSP_OK && x == 1299822383.2, "JSON double exact");
	ok(j && msp_meta_get_int64(j, "n", &n) == MSP_OK && n == 5, "JSON integer");
	ok(j && bson_iter_init_find(&it, j, "id") && BSON_ITER_HOLDS_OID(&it), "JSON $oid is an ObjectId");
	size_t len;
	char *txt = j ? msp_bson_to_json(j, &len) : NULL;
	bson_t *j2 = txt ? msp_json_to_bson(txt, (ssize_t)len, &err) : NULL;
	ok(j2 && bson_equal(j, j2), "JSON round trip gives the same BSON");
	ok(msp_json_to_bson("{\"a\": ", -1, &err) == NULL, "truncated JSON refused");
	ok(msp_json_to_bson("not json", -1, NULL) == NULL, "garbage refused (NULL err allowed)");
	/* doubles beyond int64 (and NaN) are not int64s; converting them was
	 * undefined (fuzz_wfdoc: a document with nbytes 5e84) */
	bson_t *big = msp_json_to_bson("{\"a\": 5e84, \"b\": 9223372036854775808.0, \"c\": -9223372036854775808.0, \"d\": {\"$numberDouble\": \"NaN\"}}", -1, &err);
	ok(big && msp_meta_get_int64(big, "a", &n) == MSP_ERR_TYPE, "5e84 is not an int64");
	ok(big && msp_meta_get_int64(big, "b", &n) == MSP_ERR_TYPE, "2^63 is not an int64");
	ok(big && msp_meta_get_int64(big, "c", &n) == MSP_OK && n == INT64_MIN, "-2^63 is an int64");
	ok(big && msp_meta_get_int64(big, "d", &n) == MSP_ERR_TYPE, "NaN is not an int64");
	bson_destroy(big);

	/* the fast reader accepts only what libbson accepts, as the same BSON */
	{
		static const char *const cases[] = {
			"{ \"_id\" : { \"$oid\" : \"6b0175591ba209c0ee0983c1\" }, \"net\" : \"XX\", \"sampling_rate\" : 20.0, "
			"\"starttime\" : 1299822700.4517, \"npts\" : 2000, \"foff\" : 0, \"time_standard\" : \"UTC\" }",
			"{}", "{ }", " {} ", "{}\n", "{} x", "{}{}", "{\"a\":\"}{\"} {\"b\":1}", "{\"a\":[1,{\"b\":\"]\"}]}  ", "{\"a\":\"\\\"}\"}{}", "{\"a\":1}\t\r\n", "[]", "[1]", "", "   ", "{", "}", "{\"a\":1,}",
			"{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "{\"a\":True}", "{\"a\":tru}", "{\"a\":nul}",
			"{\"a\":true,\"b\":false,\"c\":null}", "{\"a\":[],\"b\":{},\"c\":[{}],\"d\":[[1,[2]],{\"x\":[3]}]}",
			"{\"a\":1,\"a\":2}", "{\"\":1}", "{\"a.b\":1}", "{\"$oid\":\"6b0175591ba209c0ee0983c1\"}",
			"{\"a\":{\"$date\":0}}", "{\"a\":{\"$numberLong\":\"5\"}}", "{\"a\":{\"b\":1,\"$c\":2}}",
			"{\"a\":{\"$oid\":\"6B0175591BA209C0EE0983C1\"}}", "{\"a\":{\"$oid\":\"6b0175591ba209c0ee0983c\"}}",
			"{\"a\":{\"$oid\":\"6b0175591ba209c0ee0983c1\",\"x\":1}}", "{\"a\":{\"$oid\":5}}",
			"{\"a\":\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\"}", "{\"a\":\"\\ud83d\"}",
			"{\"a\":\"\\ude00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}",
			"{\"a\":\"\xc3\xa9\"}", "{\"\xc3\xa9\":1}", "{\"a\":\"\xff\"}", "{\"a\":\"\x01\"}",
			"{\"a\":\"tab\there\"}", "{\"a\"\t:\r\n1 }", "{\"a\":\f1}", "{\"a\":\v1}",
			"{\"a\":0}", "{\"a\":-0}", "{\"a\":01}", "{\"a\":-01}", "{\"a\":1.}", "{\"a\":.5}",
			"{\"a\":1.e5}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":1E5}", "{\"a\":1e-5}", "{\"a\":-}",
			"{\"a\":--1}", "{\"a\":+1}", "{\"a\":1-2}", "{\"a\":1.5e308}", "{\"a\":1e309}", "{\"a\":-1e309}",
			"{\"a\":1e-400}", "{\"a\":4.9e-324}", "{\"a\":2.2250738585072014e-308}", "{\"a\":-0.0}",
			"{\"a\":2147483647}", "{\"a\":2147483648}", "{\"a\":-2147483648}", "{\"a\":-2147483649}",
			"{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}", "{\"a\":-9223372036854775808}",
			"{\"a\":-9223372036854775809}", "{\"a\":123456789012345678901234567890}", "{\"a\":0.1}",
			"{\"a\":1.7976931348623157e308}", "{\"a\":1.0000000000000002}", "{\"a\":0.30000000000000004}",
			"{\"a\":1e2}", "{\"a\":1E+2}", "{\"a\":0e0}", "{\"a\":00}", "{\"a\":0x10}", "{\"a\":NaN}",
			"{\"a\":Infinity}", "{\"a\":1 2}", "{\"a\":[1,]}", "{\"a\":[,1]}",
			"{\"a\\u0062\":1,\"k\\\"q\":{\"x\\ty\":[1,{\"\\u00e9\":\"v\\n\"}]},\"z\":\"\"}",
			"{\"\\u0000\":1}", "{\"a\\u0000b\":1}", "{\"\\u0024x\":1}", "{\"k\":\"a\\\\b\"}",
		};
		int bad = 0;
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
			bad += !json_same(cases[i], strlen(cases[i]), "case", 1);
		/* nesting: within the fast reader's depth, and beyond it */
		for (int depth = 80; depth <= 200; depth += 10) {
			char t[1600];
			size_t n = 0;
			for (int d = 0; d < depth; d++)
				n += (size_t)sprintf(t + n, "{\"a\":");
			n += (size_t)sprintf(t + n, "1");
			for (int d = 0; d < depth; d++)
				t[n++] = '}';
			bad += !json_same(t, n, "depth", 1);
		}
		ok(bad == 0, "%zu crafted texts and 13 nestings: the fast reader agrees with libbson (%d differ)",
		   sizeof cases / sizeof cases[0], bad);
		/* doubles written with every precision read back to the same bits */
		bad = 0;
		for (int i = 0; i < 20000; i++) {
			uint64_t u = jnext();
			double d;
			memcpy(&d, &u, 8);
			if (!isfinite(d))
				continue;
			char t[80];
			int n = snprintf(t, sizeof t, "{\"a\":%.*g}", 1 + (int)(jnext() % 17), d);
			bad += !json_same(t, (size_t)n, "double", 1);
		}
		ok(bad == 0, "20000 random doubles read the same (%d differ)", bad);
		/* the short decimals the reader converts itself (<= 15 digits,
		 * exponent within 22), and their neighbours with 16-17 digits */
		bad = 0;
		for (int i = 0; i < 40000; i++) {
			double d = (double)(jnext() >> 11) / 9007199254740992.0 * pow(10, (int)(jnext() % 40) - 20);
			if (jnext() & 1)
				d = -d;
			char t[80];
			int n = snprintf(t, sizeof t, "{\"a\":%.*g, \"b\":%.*f}", 1 + (int)(jnext() % 17), d,
			                 (int)(jnext() % 23), d);
			bad += !json_same(t, (size_t)n, "short double", bad < 10);
		}
		ok(bad == 0, "40000 short decimals read the same (%d differ)", bad);
		/* random edits of a msquery line: at most a handful of bytes */
		const char *base = cases[0];
		size_t bl = strlen(base);
		static const char alphabet[] = "{}[]\":,.-+eE0123456789 \\u$\"tfn\x80\xc3\x01";
		bad = 0;
		int accepted = 0;
		for (int i = 0; i < 30000; i++) {
			char t[600];
			size_t n = bl;
			memcpy(t, base, n);
			int edits = 1 + (int)(jnext() % 3);
			for (int k = 0; k < edits; k++) {
				size_t at = (size_t)(jnext() % n);
				char c = alphabet[jnext() % (sizeof alphabet - 1)];
				switch (jnext() % 3) {
				case 0: t[at] = c; break;
				case 1: memmove(t + at, t + at + 1, n - at - 1); n--; break;
				default: memmove(t + at + 1, t + at, n - at); t[at] = c; n++; break;
				}
			}
			bson_t *a = msp_json_to_bson(t, (ssize_t)n, NULL);
			accepted += a != NULL;
			if (a)
				bson_destroy(a);
			bad += !json_same(t, n, "edit", bad < 10);
		}
		ok(bad == 0, "30000 edited msquery lines (%d read): the fast reader agrees with libbson (%d differ)",
		   accepted, bad);
	}
	bson_free(txt);
	bson_destroy(j);
	bson_destroy(j2);
	bson_destroy(sub);
	bson_destroy(dst);
	bson_destroy(d);
	return done_testing();
}
