/*
 * test_meta.c - Metadata get/set/remove/rename/merge on BSON documents and
 * the JSON conversions, including types, dot paths and missing keys.
 */
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
	bson_free(txt);
	bson_destroy(j);
	bson_destroy(j2);
	bson_destroy(sub);
	bson_destroy(dst);
	bson_destroy(d);
	return done_testing();
}
