/*
 * test_db.c - the SQLite backend of msp_db.h through the public interface:
 * insert_many / find / count / distinct / update / delete / indexes, all-or-
 * nothing batches, type brackets (a number never equals a string or a
 * boolean, {k: v} matches an array holding v), values and keys with quotes
 * and SQL text, ObjectId equality, index use by the query plan, and the
 * filter checks (unsupported operators named).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "msp_db.h"
#include "msp_meta.h"
#include "msp_status.h"
#include "msp_json.h"
#include "msp_match.h"

bson_t *msp_db_json_parse(const char *json, size_t len); /* lib/json_internal.h */
int msp_db_double_decimal(double v, char *t);            /* lib/db_impl.h */

static bson_t *J(const char *s)
{
	bson_error_t e;
	bson_t *b = bson_new_from_json((const uint8_t *)s, -1, &e);
	if (!b) {
		fprintf(stderr, "bad test JSON %s: %s\n", s, e.message);
		exit(2);
	}
	return b;
}

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
	return tap_xorshift(&rs);
}

/* A random document of the types the database stores; special: it holds a
 * type the fast reader leaves to libbson (dates, NaN, $-keys). */
static void random_doc(bson_t *d, int depth, int *special)
{
	int n = (int)(rnd() % 6);
	for (int i = 0; i < n; i++) {
		char key[32];
		int kind = (int)(rnd() % 12);
		snprintf(key, sizeof key, "%s%d", rnd() % 9 ? "k" : "k\"é\t", i);
		switch (kind) {
		case 0: BSON_APPEND_INT32(d, key, (int32_t)rnd()); break;
		case 1: BSON_APPEND_INT64(d, key, (int64_t)rnd()); break;
		case 2: {
			double v;
			uint64_t b = rnd();
			memcpy(&v, &b, 8);
			if (v != v || v - v != 0)
				*special = 1;
			BSON_APPEND_DOUBLE(d, key, rnd() % 2 ? v : (double)(int64_t)(rnd() % 100000) / 100.0);
			break;
		}
		case 3: {
			char str[40];
			int len = (int)(rnd() % 12);
			static const char *pieces[] = {"a", "\"", "\\", "\n", "\x01", "é", "中", "😀", "/", "\x7f", " ", "'"};
			str[0] = 0;
			for (int k = 0; k < len && strlen(str) < 30; k++)
				strcat(str, pieces[rnd() % 12]);
			BSON_APPEND_UTF8(d, key, str);
			break;
		}
		case 4: BSON_APPEND_BOOL(d, key, rnd() % 2); break;
		case 5: BSON_APPEND_NULL(d, key); break;
		case 6: {
			bson_oid_t o;
			bson_oid_init(&o, NULL);
			BSON_APPEND_OID(d, key, &o);
			break;
		}
		case 7: case 8:
			if (depth < 3) {
				bson_t c;
				if (kind == 7) {
					BSON_APPEND_DOCUMENT_BEGIN(d, key, &c);
					random_doc(&c, depth + 1, special);
					bson_append_document_end(d, &c);
				} else {
					BSON_APPEND_ARRAY_BEGIN(d, key, &c);
					bson_t tmp = BSON_INITIALIZER;
					random_doc(&tmp, depth + 1, special);
					bson_iter_t it;
					uint32_t k = 0;
					bson_iter_init(&it, &tmp);
					while (bson_iter_next(&it)) {
						char ib[16];
						const char *kp;
						bson_uint32_to_string(k++, &kp, ib, sizeof ib);
						bson_append_iter(&c, kp, -1, &it);
					}
					bson_destroy(&tmp);
					bson_append_array_end(d, &c);
				}
			}
			break;
		case 9: BSON_APPEND_DATE_TIME(d, key, (int64_t)(rnd() % 4000000000000ULL)); *special = 1; break;
		case 10: BSON_APPEND_INT32(d, "$dollar", 1); *special = 1; break;
		default: BSON_APPEND_DOUBLE(d, key, (double)(rnd() % 1000)); break;
		}
	}
}

static int64_t count(msp_db *db, const char *coll, const char *filter)
{
	bson_t *f = J(filter);
	int64_t n = -1;
	int rc = msp_db_count(db, coll, f, &n);
	bson_destroy(f);
	if (rc) {
		printf("# count %s: %s\n", filter, msp_db_errmsg(db));
		return -100 + rc;
	}
	/* find must agree with count */
	msp_cursor *c;
	f = J(filter);
	if (msp_db_find(db, coll, f, NULL, &c) == MSP_OK) {
		const bson_t *d;
		int64_t m = 0;
		while (msp_cursor_next(c, &d) == MSP_OK)
			m++;
		msp_cursor_close(c);
		if (m != n)
			printf("# find gave %lld, count %lld for %s\n", (long long)m, (long long)n, filter);
		if (m != n)
			n = -1;
	}
	bson_destroy(f);
	return n;
}

static void insert_json(msp_db *db, const char *coll, const char *const *docs, int n)
{
	bson_t *b[64];
	for (int i = 0; i < n; i++)
		b[i] = J(docs[i]);
	int rc = msp_db_insert_many(db, coll, (const bson_t *const *)b, (size_t)n, NULL);
	if (rc)
		printf("# insert: %s\n", msp_db_errmsg(db));
	for (int i = 0; i < n; i++)
		bson_destroy(b[i]);
}

/* The text of a double in a stored document as db.c wrote it before its
 * printf-free formatter (the reference): its exact-decimal form when v has
 * one (msp_db_double_decimal, unchanged), else the shortest of
 * %.15g..%.17g that reads back, with ".0" when that looks like an integer. */
static int ref_double(double v, char *t)
{
	int n = 0;
	if (v == 0)
		return sprintf(t, signbit(v) ? "-0.0" : "0.0");
	if ((n = msp_db_double_decimal(v, t)) > 0) {
		t[n] = 0;
		return n;
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(t, 40, "%.*g", prec, v);
		if (prec == 17 || strtod(t, NULL) == v)
			break;
	}
	if (strspn(t, "0123456789-") == (size_t)n)
		n += sprintf(t + n, ".0");
	return n;
}

/* 1 if the stored text of {"a": v} has ref_double's text */
static int double_text_ok(msp_buf *jb, double v)
{
	char want[80], ref[48];
	ref_double(v, ref);
	snprintf(want, sizeof want, "{ \"a\" : %s }", ref);
	bson_t *d = bson_new();
	BSON_APPEND_DOUBLE(d, "a", v);
	msp_buf_reset(jb);
	msp_db_json_append(jb, d, 0);
	bson_destroy(d);
	if (strcmp(jb->p, want) == 0)
		return 1;
	printf("# %.17g: %s, want %s\n", v, jb->p, want);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/mspdbtestXXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256];
	snprintf(path, sizeof path, "%s/t.db", dir);
	msp_db *db;
	char err[256];
	ok(msp_db_open(&db, path, err, sizeof err) == MSP_OK, "open %s", path);
	ok(!strcmp(msp_db_backend(db), "sqlite"), "backend is sqlite");

	const char *docs[] = {
		"{\"sta\": \"ANMO\", \"net\": \"IU\", \"npts\": 100, \"starttime\": 1.5, \"loc\": \"00\"}",
		"{\"sta\": \"COR\", \"net\": \"IU\", \"npts\": 200, \"starttime\": 2.5}",
		"{\"sta\": \"PFO\", \"net\": \"II\", \"npts\": 300, \"starttime\": 3.5, \"flag\": true}",
		"{\"sta\": 5, \"net\": \"II\", \"npts\": \"400\", \"flag\": 1, \"tags\": [\"a\", \"b\", 7]}",
		"{\"sta\": \"it's\", \"net\": \"'); DROP TABLE wf; --\", \"npts\": 1.0e3, \"sub\": {\"x\": 1, \"y\": \"z\"}}",
		"{\"sta\": \"Zürich \\\"q\\\"\", \"k'ey\": \"v\", \"we ird.\": 1, \"n\": null}",
	};
	insert_json(db, "wf", docs, 6);
	is(count(db, "wf", "{}"), 6, "6 documents");
	is(count(db, "wf", "{\"net\": \"IU\"}"), 2, "equality on a string");
	is(count(db, "wf", "{\"npts\": {\"$gte\": 200}}"), 3, "$gte on numbers skips the string \"400\"");
	is(count(db, "wf", "{\"npts\": {\"$lt\": 1000}}"), 3, "$lt: 100, 200, 300 (1000.0 is not < 1000)");
	is(count(db, "wf", "{\"npts\": 1000}"), 1, "int equals double 1.0e3");
	is(count(db, "wf", "{\"npts\": \"400\"}"), 1, "string \"400\" found as a string only");
	is(count(db, "wf", "{\"sta\": 5}"), 1, "number 5 does not match strings");
	is(count(db, "wf", "{\"flag\": true}"), 1, "true does not match 1");
	is(count(db, "wf", "{\"flag\": 1}"), 1, "1 does not match true");
	is(count(db, "wf", "{\"tags\": \"b\"}"), 1, "{k: v} matches an array holding v");
	is(count(db, "wf", "{\"tags\": 7}"), 1, "array element numbers");
	is(count(db, "wf", "{\"tags\": {\"$ne\": \"b\"}}"), 5, "$ne over arrays: no element equal");
	is(count(db, "wf", "{\"loc\": {\"$exists\": false}}"), 5, "$exists false");
	is(count(db, "wf", "{\"n\": null}"), 6, "null matches null and missing");
	is(count(db, "wf", "{\"sub.x\": 1}"), 1, "dot path");
	is(count(db, "wf", "{\"sub.y\": {\"$regex\": \"^z$\"}}"), 1, "$regex on a dot path");
	is(count(db, "wf", "{\"sta\": {\"$regex\": \"^[A-Z]{3,4}$\"}}"), 3, "$regex ERE");
	is(count(db, "wf", "{\"sta\": {\"$regex\": \"^anmo\", \"$options\": \"i\"}}"), 1, "$regex with i");
	is(count(db, "wf", "{\"net\": \"'); DROP TABLE wf; --\"}"), 1, "SQL text as a value, verbatim");
	is(count(db, "wf", "{\"sta\": \"it's\"}"), 1, "quote in a value");
	is(count(db, "wf", "{\"sta\": \"Zürich \\\"q\\\"\"}"), 1, "unicode and double quotes in a value");
	is(count(db, "wf", "{\"k'ey\": \"v\"}"), 1, "quote in a key");
	is(count(db, "wf", "{\"$or\": [{\"sta\": \"ANMO\"}, {\"npts\": {\"$gt\": 250}}]}"), 3, "$or");
	is(count(db, "wf", "{\"$nor\": [{\"sta\": \"ANMO\"}, {\"net\": \"II\"}]}"), 3, "$nor");
	is(count(db, "wf", "{\"npts\": {\"$not\": {\"$gt\": 150}}}"), 3, "$not matches missing and other types");
	is(count(db, "wf", "{\"sta\": {\"$in\": [\"ANMO\", \"COR\", 5]}}"), 3, "$in mixed");
	is(count(db, "wf", "{\"sta\": {\"$nin\": [\"ANMO\", \"COR\"]}}"), 4, "$nin");
	is(count(db, "wf", "{\"$and\": [{\"net\": \"IU\"}, {\"npts\": {\"$in\": [100, 300]}}]}"), 1, "$and + $in");

	/* ObjectId equality, on _id and on another key */
	msp_cursor *c;
	const bson_t *d;
	bson_t *f = J("{\"sta\": \"COR\"}");
	ok(msp_db_find(db, "wf", f, NULL, &c) == MSP_OK && msp_cursor_next(c, &d) == MSP_OK, "find COR");
	bson_destroy(f);
	bson_iter_t it;
	bson_oid_t oid;
	ok(bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it), "a stored document has an ObjectId _id");
	bson_oid_copy(bson_iter_oid(&it), &oid);
	msp_cursor_close(c);
	char hex[25], q[200];
	bson_oid_to_string(&oid, hex);
	snprintf(q, sizeof q, "{\"_id\": {\"$oid\": \"%s\"}}", hex);
	is(count(db, "wf", q), 1, "_id equality");
	snprintf(q, sizeof q, "{\"_id\": {\"$ne\": {\"$oid\": \"%s\"}}}", hex);
	is(count(db, "wf", q), 5, "_id $ne");
	char ch[200];
	snprintf(ch, sizeof ch, "{\"channel_id\": {\"$oid\": \"%s\"}, \"x\": 1}", hex);
	const char *cd[] = {ch, "{\"channel_id\": \"x\"}"};
	insert_json(db, "wf2", cd, 2);
	snprintf(q, sizeof q, "{\"channel_id\": {\"$oid\": \"%s\"}}", hex);
	is(count(db, "wf2", q), 1, "ObjectId equality on another key");

	/* duplicate _id: the whole batch fails, nothing written */
	snprintf(q, sizeof q, "{\"_id\": {\"$oid\": \"%s\"}, \"dup\": 1}", hex);
	const char *bad[] = {"{\"new\": 1}", "{\"new\": 2}", q};
	bson_t *bb[3];
	for (int i = 0; i < 3; i++)
		bb[i] = J(bad[i]);
	int rc = msp_db_insert_many(db, "wf", (const bson_t *const *)bb, 3, NULL);
	ok(rc != MSP_OK, "duplicate _id fails the batch: %s", msp_db_errmsg(db));
	for (int i = 0; i < 3; i++)
		bson_destroy(bb[i]);
	is(count(db, "wf", "{}"), 6, "nothing of the failed batch was written");

	/* sort, skip, limit, projection */
	bson_t *s = J("{\"npts\": -1}");
	bson_t *p = J("{\"sta\": 1, \"_id\": 0}");
	f = J("{\"npts\": {\"$gt\": 0}}");
	msp_find_opts o = {.sort = s, .projection = p, .limit = 2, .skip = 1};
	ok(msp_db_find(db, "wf", f, &o, &c) == MSP_OK, "find with options");
	const char *got[3] = {0};
	char *js[3] = {0};
	int k = 0;
	while (k < 3 && msp_cursor_next(c, &d) == MSP_OK)
		js[k++] = bson_as_relaxed_extended_json(d, NULL);
	msp_cursor_close(c);
	is(k, 2, "limit 2");
	got[0] = js[0] ? js[0] : "";
	got[1] = js[1] ? js[1] : "";
	ok(!strcmp(got[0], "{ \"sta\" : \"PFO\" }"), "sort -1, skip 1, projection: %s", got[0]);
	ok(!strcmp(got[1], "{ \"sta\" : \"COR\" }"), "second: %s", got[1]);
	for (int i = 0; i < 3; i++)
		bson_free(js[i]);
	bson_destroy(s);
	bson_destroy(p);
	bson_destroy(f);

	/* distinct */
	bson_t *vals;
	f = J("{}");
	ok(msp_db_distinct(db, "wf", "net", f, &vals) == MSP_OK, "distinct");
	char *vj = bson_as_relaxed_extended_json(vals, NULL);
	ok(!strcmp(vj, "{ \"0\" : \"'); DROP TABLE wf; --\", \"1\" : \"II\", \"2\" : \"IU\" }"), "distinct net: %s", vj);
	bson_free(vj);
	bson_destroy(vals);
	ok(msp_db_distinct(db, "wf", "tags", f, &vals) == MSP_OK, "distinct on an array key");
	vj = bson_as_relaxed_extended_json(vals, NULL);
	ok(!strcmp(vj, "{ \"0\" : 7, \"1\" : \"a\", \"2\" : \"b\" }"), "distinct unwinds arrays, numbers first: %s", vj);
	bson_free(vj);
	bson_destroy(vals);
	bson_destroy(f);

	/* update and delete */
	f = J("{\"net\": \"IU\"}");
	bson_t *u = J("{\"$set\": {\"done\": true}, \"$unset\": {\"loc\": 1}}");
	int64_t nm = 0;
	ok(msp_db_update(db, "wf", f, u, &nm) == MSP_OK && nm == 2, "update 2");
	bson_destroy(u);
	bson_destroy(f);
	is(count(db, "wf", "{\"done\": true, \"loc\": {\"$exists\": true}}"), 0, "$set and $unset applied");
	is(count(db, "wf", "{\"done\": true}"), 2, "$set applied");

	/* indexes: created, listed, used by the plan, dropped */
	bson_t *keys = J("{\"sta\": 1, \"npts\": -1}");
	ok(msp_db_create_index(db, "wf", keys, NULL, 0) == MSP_OK, "create index");
	bson_destroy(keys);
	bson_t *ix;
	ok(msp_db_list_indexes(db, "wf", &ix) == MSP_OK, "list indexes");
	vj = bson_as_relaxed_extended_json(ix, NULL);
	ok(strstr(vj, "\"sta_1_npts_-1\" : { \"sta\" : 1, \"npts\" : -1 }") != NULL, "index listed: %s", vj);
	bson_free(vj);
	bson_destroy(ix);
	char *plan;
	f = J("{\"sta\": \"PFO\", \"npts\": {\"$gt\": 10}}");
	ok(msp_db_query_plan(db, "wf", f, NULL, &plan) == MSP_OK && strstr(plan, "USING INDEX"), "plan uses the index: %s",
	   plan ? plan : "");
	free(plan);
	bson_destroy(f);
	ok(msp_db_drop_index(db, "wf", "sta_1_npts_-1") == MSP_OK, "drop index");
	ok(msp_db_drop_index(db, "wf", "nope") == MSP_ERR_NOTFOUND, "drop a missing index: not found");

	/* errors name the offending part */
	const char *badf[] = {"{\"a\": {\"$where\": 1}}", "{\"$where\": \"x\"}", "{\"a\": {\"$gt\": [1]}}",
	                      "{\"a\": {\"b\": 1}}", "{\"a\": {\"$in\": 5}}", "{\"a\": {\"$regex\": \"(\"}}",
	                      "{\"$or\": []}", "{\"a\": {\"$gt\": 1, \"b\": 2}}"};
	const char *want[] = {"$where", "$where", "$gt", "subdocument", "$in", "regular expression", "$or", "\"b\""};
	for (size_t i = 0; i < sizeof badf / sizeof *badf; i++) {
		int64_t n;
		f = J(badf[i]);
		rc = msp_db_count(db, "wf", f, &n);
		ok(rc == MSP_ERR_INVAL && strstr(msp_db_errmsg(db), want[i]), "refused %s: %s", badf[i], msp_db_errmsg(db));
		bson_destroy(f);
	}
	int64_t n;
	f = J("{}");
	ok(msp_db_count(db, "a\"b", f, &n) == MSP_ERR_INVAL, "bad collection name refused");
	ok(msp_db_count(db, "nothere", f, &n) == MSP_OK && n == 0, "missing collection counts 0");
	bson_destroy(f);

	bson_t *cl;
	ok(msp_db_list_collections(db, &cl) == MSP_OK, "list collections");
	vj = bson_as_relaxed_extended_json(cl, NULL);
	ok(!strcmp(vj, "{ \"wf\" : 6, \"wf2\" : 2 }"), "collections: %s", vj);
	bson_free(vj);
	bson_destroy(cl);
	ok(msp_db_drop_collection(db, "wf2") == MSP_OK, "drop collection");

	/* doubles in the stored text: the same text as the printf loop gave */
	{
		msp_buf jb;
		msp_buf_init(&jb);
		int bad = 0, n = 0;
		/* ties at 15 and 16 digits, powers of 2 and of 10 and their neighbours */
		for (int j = 0; j < 2000 && bad < 10; j++) {
			double t[] = {4503599627370496.0 + j + 0.5, 1125899906842624.0 + j * 0.25 + 0.125,
			              (double)(j + 1) * 0.5, ldexp(1, j % 80 - 27), ldexp(1, j % 80 - 27) * 3,
			              pow(10, j % 24 - 8), nextafter(pow(10, j % 24 - 8), 0),
			              nextafter(pow(10, j % 24 - 8), 1e300), 1e-7 * (1 + j * 1e-3),
			              9007199254740991.0 - j * 0.5, 0.1 * j, 1.0 / (j + 3), -1.0 / (j + 7)};
			for (size_t i = 0; i < sizeof t / sizeof t[0]; i++, n++)
				bad += !double_text_ok(&jb, t[i]);
		}
		/* random significands at every decimal exponent, and random bits */
		for (int j = 0; j < 200000 && bad < 10; j++, n++) {
			double v;
			if (j % 4 == 3) {
				uint64_t u = rnd();
				memcpy(&v, &u, 8);
				if (!isfinite(v))
					continue;
			} else {
				v = (double)(rnd() >> 11) / 9007199254740992.0 * pow(10, (int)(rnd() % 30) - 10);
			}
			if (j & 1)
				v = -v;
			bad += !double_text_ok(&jb, v);
		}
		ok(bad == 0, "%d doubles: the stored text is the printf loop's (%d differ)", n, bad);
		msp_buf_free(&jb);
	}

	/* the fast JSON reader gives what libbson gives, or leaves the text to it */
	{
		int same = 0, fast = 0, fallback_ok = 0, total = 3000;
		msp_buf jb;
		msp_buf_init(&jb);
		for (int i = 0; i < total; i++) {
			bson_t *doc = bson_new();
			int special = 0;
			random_doc(doc, 0, &special);
			msp_buf_reset(&jb);
			msp_db_json_append(&jb, doc, 0);
			bson_t *a = msp_db_json_parse(jb.p, jb.len);
			bson_t *b = bson_new_from_json((const uint8_t *)jb.p, (ssize_t)jb.len, NULL);
			if (a) {
				fast++;
				if (b && bson_equal(a, b) && bson_equal(a, doc))
					same++;
				else
					printf("# fast reader differs on %s\n", jb.p);
			} else if (special && b) {
				fallback_ok++;
			} else {
				printf("# fast reader refused %s\n", jb.p);
			}
			if (a)
				bson_destroy(a);
			if (b)
				bson_destroy(b);
			bson_destroy(doc);
		}
		msp_buf_free(&jb);
		ok(same == fast && fast + fallback_ok == total && fast > total / 3,
		   "fast JSON reader: %d of %d documents read, all equal to libbson's and the original; %d left to libbson",
		   fast, total, fallback_ok);
		const char *badj[] = {"{", "{\"a\": }", "{\"a\": 1,}", "{\"a\": \"\\u0000\"}", "{\"a\": 1} x",
		                      "{\"a\": 99999999999999999999}", "{\"$date\": 1}", "[1]", "{\"a\": \"\\ud800\"}"};
		int refused = 0;
		for (size_t i = 0; i < sizeof badj / sizeof *badj; i++) {
			bson_t *a = msp_db_json_parse(badj[i], strlen(badj[i]));
			refused += a == NULL;
			if (a)
				bson_destroy(a);
		}
		is(refused, (int)(sizeof badj / sizeof *badj), "fast JSON reader refuses malformed or unusual text");
	}

	/* doubles: random bit patterns and short decimals survive the JSON text
	 * bit for bit, and SQLite's json_extract reads the same value (equality) */
	{
		enum { ND = 4000 };
		static double vals[ND];
		bson_t *dd[ND];
		uint64_t s = 88172645463325252ULL;
		for (int i = 0; i < ND; i++) {
			double v;
			do {
				tap_xorshift(&s);
				uint64_t bits = s;
				memcpy(&v, &bits, 8);
				if (i % 2)
					v = (double)(int64_t)(s % 2000000001) / 1000.0 - 1e6 + 1.3e9 * (i % 3);
			} while (v != v || v - v != 0);
			vals[i] = v;
			dd[i] = bson_new();
			BSON_APPEND_DOUBLE(dd[i], "v", v);
			BSON_APPEND_INT32(dd[i], "i", i);
		}
		ok(msp_db_insert_many(db, "dbl", (const bson_t *const *)dd, ND, NULL) == MSP_OK, "insert %d doubles", ND);
		for (int i = 0; i < ND; i++)
			bson_destroy(dd[i]);
		bson_t *srt = J("{\"i\": 1}");
		msp_find_opts fo = {.sort = srt};
		f = J("{}");
		int same = 0, found = 0;
		if (msp_db_find(db, "dbl", f, &fo, &c) == MSP_OK) {
			for (int i = 0; i < ND && msp_cursor_next(c, &d) == MSP_OK; i++) {
				double v;
				if (msp_meta_get_double(d, "v", &v) == MSP_OK && !memcmp(&v, &vals[i], 8))
					same++;
				bson_iter_t vi;
				if (bson_iter_init_find(&vi, d, "v") && !BSON_ITER_HOLDS_DOUBLE(&vi))
					same = -ND;
			}
			msp_cursor_close(c);
		}
		bson_destroy(f);
		bson_destroy(srt);
		is(same, ND, "every double read back bit for bit, as a double");
		for (int i = 0; i < ND; i += 7) {
			bson_t *q = bson_new();
			BSON_APPEND_DOUBLE(q, "v", vals[i]);
			int64_t cnt = 0;
			msp_db_count(db, "dbl", q, &cnt);
			found += cnt >= 1;
			bson_destroy(q);
		}
		is(found, (ND + 6) / 7, "SQLite finds each double by equality");
	}
	{
		/* Positional array paths, as MongoDB reads them: "a.0" is element
		 * 0 of an array a (and key "0" of a's documents); "a.0.b" is key b
		 * of element 0.  The SQLite backend read "a.0" only as a key (fuzz_sql
		 * found {"a.0": n} -- libbson's parser makes the bare n a 0.0 -- not
		 * matching {"a": [0]}).  Each count is MongoDB's, and lib/match.c
		 * must give the same. */
		static const char *docs[] = {
			"{\"k\": 1, \"a\": [0]}",
			"{\"k\": 2, \"a\": [1, 0]}",
			"{\"k\": 3, \"a\": [[0], \"x\"]}",
			"{\"k\": 4, \"a\": [{\"0\": 0, \"b\": 1}, {\"b\": 2}]}",
			"{\"k\": 5, \"a\": {\"0\": 0, \"b\": 1}}",
			"{\"k\": 6, \"a\": [{\"b\": [1, 5]}, true]}",
			"{\"k\": 7, \"a\": []}",
			"{\"k\": 8}",
		};
		insert_json(db, "pos", docs, 8);
		/* "pos2": the same without doc 3, whose array holds an array (a
		 * path going on past [0] there is refused, see below) */
		const char *docs2[] = {docs[0], docs[1], docs[3], docs[4], docs[5], docs[6], docs[7]};
		insert_json(db, "pos2", docs2, 7);
		static const struct {
			const char *coll, *f;
			int n;
		} cases[] = {
			{"pos", "{\"a.0\": 0}", 4},                    /* 1, 3 ([0] holds 0), 4 (key "0"), 5 */
			{"pos", "{\"a.0\": 0.0}", 4},
			{"pos", "{\"a.1\": 0}", 1},                    /* 2 */
			{"pos", "{\"a.1\": \"x\"}", 1},                /* 3 */
			{"pos", "{\"a.00\": 0}", 0},                   /* not an index: no key "00" */
			{"pos", "{\"a.0\": {\"$gt\": 0}}", 1},          /* 2 */
			{"pos", "{\"a.0\": {\"$ne\": 0}}", 4},          /* 2, 6, 7, 8 */
			{"pos", "{\"a.0\": {\"$in\": [1, \"y\"]}}", 1},  /* 2 */
			{"pos", "{\"a.0\": {\"$exists\": true}}", 6},   /* 1-6 */
			{"pos", "{\"a.0\": {\"$exists\": false}}", 2},  /* 7, 8 */
			{"pos", "{\"a.1\": true}", 1},                 /* 6 */
			{"pos2", "{\"a.0.b\": 1}", 2},                 /* 4 (element 0's b), 6 ([1, 5] holds 1) */
			{"pos2", "{\"a.1.b\": 2}", 1},                 /* 4 */
			{"pos2", "{\"a.0.b\": 5}", 1},                 /* 6 */
			{"pos2", "{\"a.0.b\": {\"$lt\": 2}}", 2},       /* 4, 6 */
			{"pos2", "{\"a.0.b\": {\"$exists\": false}}", 5}, /* 1, 2, 5 (a.0 is 0), 7, 8 */
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			int two = !strcmp(cases[i].coll, "pos2");
			bson_t *f = J(cases[i].f);
			int64_t want = 0;
			for (int j = 0; j < (two ? 7 : 8); j++) {
				bson_t *d = J(two ? docs2[j] : docs[j]);
				int m = 0;
				msp_filter_match(f, d, &m, NULL, 0);
				want += m;
				bson_destroy(d);
			}
			bson_destroy(f);
			int64_t got = count(db, cases[i].coll, cases[i].f);
			ok(got == cases[i].n && want == cases[i].n, "positional %s in %s: SQLite %lld, matcher %lld, MongoDB %d",
			   cases[i].f, cases[i].coll, (long long)got, (long long)want, cases[i].n);
		}
		/* Non-finite doubles (stored as {"$numberDouble": ...}): NaN equals
		 * NaN only, the infinities lie beyond every number (fuzz_sql: {"c":
		 * NaN} did not find a stored NaN).  Each count is lib/match.c's too. */
		static const char *nf[] = {
			"{\"c\": 7}", "{\"c\": NaN}", "{\"c\": Infinity}", "{\"c\": -Infinity}",
			"{\"c\": \"x\"}", "{\"c\": [1, Infinity]}", "{\"c\": [NaN]}", "{\"d\": 1}",
		};
		insert_json(db, "nf", nf, 8);
		static const struct {
			const char *f;
			int n;
		} nfc[] = {
			{"{\"c\": NaN}", 2},                          /* NaN, [NaN] */
			{"{\"c\": {\"$ne\": NaN}}", 6},
			{"{\"c\": {\"$gte\": NaN}}", 2},
			{"{\"c\": {\"$lt\": NaN}}", 0},
			{"{\"c\": Infinity}", 2},                     /* Infinity, [1, Infinity] */
			{"{\"c\": {\"$gt\": 5}}", 3},                  /* 7, Infinity, [1, Infinity] */
			{"{\"c\": {\"$lt\": 5}}", 2},                  /* -Infinity, [1, ...] */
			{"{\"c\": {\"$lt\": Infinity}}", 3},           /* 7, -Infinity, [1, ...] */
			{"{\"c\": {\"$lte\": Infinity}}", 4},
			{"{\"c\": {\"$gt\": -Infinity}}", 3},          /* 7, Infinity, [1, Infinity] */
			{"{\"c\": {\"$in\": [NaN, 7]}}", 3},
			{"{\"$nor\": [{\"c\": NaN}]}", 6},
		};
		for (size_t i = 0; i < sizeof nfc / sizeof nfc[0]; i++) {
			bson_t *f = J(nfc[i].f);
			int64_t want = 0;
			for (int j = 0; j < 8; j++) {
				bson_t *d = J(nf[j]);
				int m = 0;
				msp_filter_match(f, d, &m, NULL, 0);
				want += m;
				bson_destroy(d);
			}
			bson_destroy(f);
			int64_t got = count(db, "nf", nfc[i].f);
			ok(got == nfc[i].n && want == nfc[i].n, "non-finite %s: SQLite %lld, matcher %lld, MongoDB %d", nfc[i].f,
			   (long long)got, (long long)want, nfc[i].n);
		}
		bson_t *f = J("{\"a.0.b\": 1}");
		int64_t n = 0;
		ok(msp_db_count(db, "pos", f, &n) == MSP_ERR_UNSUPPORTED && strstr(msp_db_errmsg(db), "two levels of arrays"),
		   "a path past an element that may be an array is refused: %s", msp_db_errmsg(db));
		bson_destroy(f);
	}
	msp_db_close(db);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}
