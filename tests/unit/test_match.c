/*
 * test_match.c - the MongoDB filter matcher (lib/match.c) against MongoDB's
 * documented query semantics: implicit equality, cross-type numbers, type
 * classes, arrays, dot paths, null and missing, NaN, every operator, the
 * logical operators, regular expressions, and malformed / unsupported
 * filters (with the message naming the offending part).
 *
 * Each case is (filter JSON, document JSON, expected): 1 match, 0 no match,
 * -1 MSP_ERR_INVAL, -2 MSP_ERR_UNSUPPORTED.
 */
#include <string.h>
#include "tap.h"
#include "msp_match.h"
#include "msp_meta.h"
#include "msp_status.h"

static int run(const char *filter, const char *doc, char *err, size_t errlen)
{
	bson_error_t e;
	bson_t *f = bson_new_from_json((const uint8_t *)filter, -1, &e);
	bson_t *d = bson_new_from_json((const uint8_t *)doc, -1, &e);
	int matched = -9;
	if (!f || !d) {
		printf("# bad JSON in test: %s / %s: %s\n", filter, doc, e.message);
		bson_destroy(f);
		bson_destroy(d);
		return -9;
	}
	int rc = msp_filter_match(f, d, &matched, err, errlen);
	bson_destroy(f);
	bson_destroy(d);
	if (rc == MSP_ERR_INVAL)
		return -1;
	if (rc == MSP_ERR_UNSUPPORTED)
		return -2;
	if (rc)
		return -8;
	return matched;
}

struct tcase {
	const char *filter, *doc;
	int want;
};

static const struct tcase cases[] = {
	/* implicit equality and the empty filter */
	{"{}", "{}", 1},
	{"{}", "{\"a\": 1}", 1},
	{"{\"sta\": \"ANMO\"}", "{\"sta\": \"ANMO\"}", 1},
	{"{\"sta\": \"ANMO\"}", "{\"sta\": \"anmo\"}", 0},
	{"{\"sta\": \"ANMO\"}", "{\"net\": \"IU\"}", 0},
	{"{\"sta\": \"ANMO\", \"net\": \"IU\"}", "{\"net\": \"IU\", \"sta\": \"ANMO\"}", 1},
	{"{\"sta\": \"ANMO\", \"net\": \"II\"}", "{\"net\": \"IU\", \"sta\": \"ANMO\"}", 0},
	/* numbers compare across int32, int64 and double */
	{"{\"a\": 1}", "{\"a\": 1.0}", 1},
	{"{\"a\": 1.0}", "{\"a\": {\"$numberLong\": \"1\"}}", 1},
	{"{\"a\": {\"$numberLong\": \"9007199254740993\"}}", "{\"a\": 9007199254740992.0}", 0},
	{"{\"a\": {\"$gt\": {\"$numberLong\": \"9007199254740992\"}}}", "{\"a\": {\"$numberLong\": \"9007199254740993\"}}", 1},
	{"{\"a\": {\"$lt\": 9007199254740994.0}}", "{\"a\": {\"$numberLong\": \"9007199254740993\"}}", 1},
	{"{\"a\": 1.5}", "{\"a\": 1}", 0},
	/* different type classes never match; $ne / $nin do */
	{"{\"a\": 1}", "{\"a\": \"1\"}", 0},
	{"{\"a\": {\"$gt\": 0}}", "{\"a\": \"1\"}", 0},
	{"{\"a\": {\"$lt\": \"z\"}}", "{\"a\": 5}", 0},
	{"{\"a\": {\"$ne\": 1}}", "{\"a\": \"1\"}", 1},
	{"{\"a\": {\"$nin\": [1, 2]}}", "{\"a\": \"1\"}", 1},
	{"{\"a\": true}", "{\"a\": 1}", 0},
	{"{\"a\": {\"$gt\": false}}", "{\"a\": true}", 1},
	/* comparisons */
	{"{\"a\": {\"$gt\": 1}}", "{\"a\": 2}", 1},
	{"{\"a\": {\"$gt\": 2}}", "{\"a\": 2}", 0},
	{"{\"a\": {\"$gte\": 2}}", "{\"a\": 2.0}", 1},
	{"{\"a\": {\"$lt\": 2}}", "{\"a\": 1.999}", 1},
	{"{\"a\": {\"$lte\": 2}}", "{\"a\": 2.0001}", 0},
	{"{\"a\": {\"$gt\": 1, \"$lt\": 3}}", "{\"a\": 2}", 1},
	{"{\"a\": {\"$gt\": 1, \"$lt\": 3}}", "{\"a\": 3}", 0},
	{"{\"a\": {\"$gt\": 1}}", "{}", 0},
	{"{\"a\": {\"$eq\": 2}}", "{\"a\": 2}", 1},
	{"{\"a\": {\"$eq\": 2}}", "{\"a\": 3}", 0},
	{"{\"sta\": {\"$gt\": \"ANMO\"}}", "{\"sta\": \"COR\"}", 1},
	{"{\"sta\": {\"$gt\": \"ANMO\"}}", "{\"sta\": \"ANMOX\"}", 1},
	{"{\"sta\": {\"$gt\": \"ANMO\"}}", "{\"sta\": \"AN\"}", 0},
	{"{\"sta\": {\"$lt\": \"b\"}}", "{\"sta\": \"B\"}", 1}, /* bytewise: 'B' < 'b' */
	{"{\"t\": {\"$gte\": {\"$date\": \"2011-03-11T00:00:00Z\"}}}", "{\"t\": {\"$date\": \"2011-03-12T00:00:00Z\"}}", 1},
	{"{\"t\": {\"$gte\": {\"$date\": \"2011-03-11T00:00:00Z\"}}}", "{\"t\": 1299801600000}", 0},
	{"{\"id\": {\"$oid\": \"5f1a2b3c4d5e6f7081920a1b\"}}", "{\"id\": {\"$oid\": \"5f1a2b3c4d5e6f7081920a1b\"}}", 1},
	{"{\"id\": {\"$oid\": \"5f1a2b3c4d5e6f7081920a1b\"}}", "{\"id\": {\"$oid\": \"5f1a2b3c4d5e6f7081920a1c\"}}", 0},
	{"{\"id\": {\"$oid\": \"5f1a2b3c4d5e6f7081920a1b\"}}", "{\"id\": \"5f1a2b3c4d5e6f7081920a1b\"}", 0},
	/* NaN equals NaN and compares to nothing else */
	{"{\"a\": NaN}", "{\"a\": NaN}", 1},
	{"{\"a\": NaN}", "{\"a\": 1}", 0},
	{"{\"a\": {\"$gte\": NaN}}", "{\"a\": NaN}", 1},
	{"{\"a\": {\"$gt\": NaN}}", "{\"a\": NaN}", 0},
	{"{\"a\": {\"$lt\": 5}}", "{\"a\": NaN}", 0},
	{"{\"a\": {\"$gt\": -1e308}}", "{\"a\": NaN}", 0},
	{"{\"a\": {\"$ne\": NaN}}", "{\"a\": 1}", 1},
	{"{\"a\": {\"$gt\": 5}}", "{\"a\": Infinity}", 1},
	/* null and missing */
	{"{\"a\": null}", "{}", 1},
	{"{\"a\": null}", "{\"a\": null}", 1},
	{"{\"a\": null}", "{\"a\": 0}", 0},
	{"{\"a\": null}", "{\"a\": [1, null]}", 1},
	{"{\"a\": {\"$ne\": null}}", "{}", 0},
	{"{\"a\": {\"$ne\": null}}", "{\"a\": 0}", 1},
	{"{\"a\": {\"$eq\": null}}", "{}", 1},
	{"{\"a\": {\"$gte\": null}}", "{}", 1},
	{"{\"a\": {\"$gt\": null}}", "{\"a\": null}", 0},
	{"{\"a\": {\"$in\": [null]}}", "{}", 1},
	{"{\"a\": {\"$nin\": [null]}}", "{}", 0},
	{"{\"a\": {\"$ne\": 5}}", "{}", 1},
	{"{\"a\": {\"$nin\": [5]}}", "{}", 1},
	{"{\"a.b\": null}", "{\"a\": 5}", 1},
	{"{\"a.b\": null}", "{\"a\": {\"b\": 1}}", 0},
	/* $exists */
	{"{\"a\": {\"$exists\": true}}", "{\"a\": null}", 1},
	{"{\"a\": {\"$exists\": true}}", "{\"b\": 1}", 0},
	{"{\"a\": {\"$exists\": false}}", "{\"b\": 1}", 1},
	{"{\"a\": {\"$exists\": false}}", "{\"a\": 0}", 0},
	{"{\"a\": {\"$exists\": 1}}", "{\"a\": 0}", 1},
	{"{\"a\": {\"$exists\": 0}}", "{\"a\": 0}", 0},
	{"{\"a.b\": {\"$exists\": true}}", "{\"a\": {\"b\": null}}", 1},
	{"{\"a.b\": {\"$exists\": true}}", "{\"a\": {\"c\": 1}}", 0},
	/* $in / $nin */
	{"{\"sta\": {\"$in\": [\"ANMO\", \"COR\"]}}", "{\"sta\": \"COR\"}", 1},
	{"{\"sta\": {\"$in\": [\"ANMO\", \"COR\"]}}", "{\"sta\": \"KIP\"}", 0},
	{"{\"sta\": {\"$in\": []}}", "{\"sta\": \"KIP\"}", 0},
	{"{\"sta\": {\"$nin\": []}}", "{\"sta\": \"KIP\"}", 1},
	{"{\"sta\": {\"$nin\": [\"ANMO\", \"COR\"]}}", "{\"sta\": \"KIP\"}", 1},
	{"{\"sta\": {\"$nin\": [\"ANMO\", \"COR\"]}}", "{\"sta\": \"ANMO\"}", 0},
	{"{\"a\": {\"$in\": [1, \"x\"]}}", "{\"a\": 1.0}", 1},
	{"{\"sta\": {\"$in\": [{\"$regex\": \"^A\"}, \"COR\"]}}", "{\"sta\": \"ANMO\"}", 1},
	{"{\"a\": {\"$in\": [[1, 2]]}}", "{\"a\": [1, 2]}", 1},
	{"{\"a\": {\"$in\": [2, 7]}}", "{\"a\": [1, 2]}", 1},
	/* arrays: any element, or the whole array */
	{"{\"a\": 2}", "{\"a\": [1, 2, 3]}", 1},
	{"{\"a\": 4}", "{\"a\": [1, 2, 3]}", 0},
	{"{\"a\": [1, 2, 3]}", "{\"a\": [1, 2, 3]}", 1},
	{"{\"a\": [1, 2]}", "{\"a\": [1, 2, 3]}", 0},
	{"{\"a\": [2, 1]}", "{\"a\": [1, 2]}", 0},
	{"{\"a\": [1, 2]}", "{\"a\": [[1, 2], 3]}", 1},
	{"{\"a\": 1}", "{\"a\": [[1, 2], 3]}", 0}, /* one level of arrays only */
	{"{\"a\": {\"$gt\": 2}}", "{\"a\": [1, 5]}", 1},
	{"{\"a\": {\"$gt\": 5}}", "{\"a\": [1, 5]}", 0},
	{"{\"a\": {\"$gt\": 1, \"$lt\": 2}}", "{\"a\": [0, 3]}", 1}, /* each op by any element */
	{"{\"a\": {\"$ne\": 2}}", "{\"a\": [1, 2]}", 0},
	{"{\"a\": {\"$ne\": 4}}", "{\"a\": [1, 2]}", 1},
	{"{\"a\": {\"$exists\": true}}", "{\"a\": []}", 1},
	{"{\"a\": []}", "{\"a\": []}", 1},
	/* dot paths through documents and arrays */
	{"{\"Parrival.snr\": {\"$gt\": 3}}", "{\"Parrival\": {\"snr\": 4.5}}", 1},
	{"{\"Parrival.snr\": {\"$gt\": 3}}", "{\"Parrival\": {\"snr\": 2}}", 0},
	{"{\"a.b.c\": 1}", "{\"a\": {\"b\": {\"c\": 1}}}", 1},
	{"{\"a.b\": 1}", "{\"a\": [{\"b\": 0}, {\"b\": 1}]}", 1},
	{"{\"a.b\": 2}", "{\"a\": [{\"b\": 0}, {\"b\": 1}]}", 0},
	{"{\"a.1\": 5}", "{\"a\": [4, 5]}", 1},
	{"{\"a.0\": 5}", "{\"a\": [4, 5]}", 0},
	{"{\"a.1.b\": 1}", "{\"a\": [{\"b\": 0}, {\"b\": 1}]}", 1},
	{"{\"a.b\": 1}", "{\"a\": 1}", 0},
	{"{\"a.b\": null}", "{\"a\": [{\"b\": 1}, {\"c\": 1}]}", 1},
	{"{\"a.b\": {\"$exists\": false}}", "{\"a\": [{\"b\": 1}, {\"c\": 1}]}", 0},
	/* embedded documents: exact, field order matters, numbers cross types */
	{"{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {\"x\": 1, \"y\": 2}}", 1},
	{"{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {\"y\": 2, \"x\": 1}}", 0},
	{"{\"a\": {\"x\": 1}}", "{\"a\": {\"x\": 1.0}}", 1},
	{"{\"a\": {\"x\": 1}}", "{\"a\": {\"x\": 1, \"y\": 2}}", 0},
	{"{\"a\": {}}", "{\"a\": {}}", 1},
	{"{\"a\": {\"$gt\": {\"x\": 1}}}", "{\"a\": {\"x\": 2}}", 1},
	/* $not */
	{"{\"a\": {\"$not\": {\"$gt\": 5}}}", "{\"a\": 3}", 1},
	{"{\"a\": {\"$not\": {\"$gt\": 5}}}", "{\"a\": 7}", 0},
	{"{\"a\": {\"$not\": {\"$gt\": 5}}}", "{}", 1},
	{"{\"a\": {\"$not\": {\"$gt\": 5}}}", "{\"a\": \"x\"}", 1},
	{"{\"sta\": {\"$not\": {\"$regex\": \"^A\"}}}", "{\"sta\": \"COR\"}", 1},
	{"{\"sta\": {\"$not\": {\"$regex\": \"^A\"}}}", "{\"sta\": \"ANMO\"}", 0},
	{"{\"a\": {\"$not\": {\"$gt\": 1, \"$lt\": 3}}}", "{\"a\": 2}", 0},
	{"{\"a\": {\"$not\": {\"$gt\": 1, \"$lt\": 3}}}", "{\"a\": 4}", 1},
	/* $regex (POSIX ERE) and regex values */
	{"{\"sta\": {\"$regex\": \"^AN\"}}", "{\"sta\": \"ANMO\"}", 1},
	{"{\"sta\": {\"$regex\": \"MO$\"}}", "{\"sta\": \"ANMO\"}", 1},
	{"{\"sta\": {\"$regex\": \"NM\"}}", "{\"sta\": \"ANMO\"}", 1}, /* unanchored: a search */
	{"{\"sta\": {\"$regex\": \"^an\"}}", "{\"sta\": \"ANMO\"}", 0},
	{"{\"sta\": {\"$regex\": \"^an\", \"$options\": \"i\"}}", "{\"sta\": \"ANMO\"}", 1},
	{"{\"chan\": {\"$regex\": \"^(BH|HH)[ZNE12]$\"}}", "{\"chan\": \"HHN\"}", 1},
	{"{\"chan\": {\"$regex\": \"^(BH|HH)[ZNE12]$\"}}", "{\"chan\": \"LHZ\"}", 0},
	{"{\"a\": {\"$regex\": \"1\"}}", "{\"a\": 1}", 0},
	{"{\"a\": {\"$regex\": \"^x\"}}", "{\"a\": [\"y\", \"xz\"]}", 1},
	{"{\"a\": {\"$regex\": \"^b\", \"$options\": \"m\"}}", "{\"a\": \"a\\nb\"}", 1},
	{"{\"a\": {\"$regex\": \"^b\"}}", "{\"a\": \"a\\nb\"}", 0},
	{"{\"a\": {\"$eq\": {\"$regex\": \"^x\"}}}", "{\"a\": \"xyz\"}", 0}, /* $eq: the regex value itself */
	{"{\"a\": {\"$eq\": {\"$regex\": \"^x\"}}}", "{\"a\": {\"$regex\": \"^x\"}}", 1},
	/* logical operators */
	{"{\"$and\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 1, \"b\": 2}", 1},
	{"{\"$and\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 1, \"b\": 3}", 0},
	{"{\"$or\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 0, \"b\": 2}", 1},
	{"{\"$or\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 0, \"b\": 3}", 0},
	{"{\"$nor\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 0, \"b\": 3}", 1},
	{"{\"$nor\": [{\"a\": 1}, {\"b\": 2}]}", "{\"a\": 1}", 0},
	{"{\"$or\": [{\"a\": 1}, {\"$and\": [{\"b\": 2}, {\"c\": {\"$exists\": true}}]}], \"d\": 4}",
	 "{\"b\": 2, \"c\": 0, \"d\": 4}", 1},
	{"{\"$or\": [{}], \"a\": 1}", "{\"a\": 1}", 1},
	{"{\"$nor\": [{}]}", "{\"a\": 1}", 0},
	/* malformed filters: usage errors */
	{"{\"$and\": []}", "{}", -1},
	{"{\"$and\": {\"a\": 1}}", "{}", -1},
	{"{\"$or\": [1, 2]}", "{}", -1},
	{"{\"a\": {\"$in\": 5}}", "{}", -1},
	{"{\"a\": {\"$nin\": \"x\"}}", "{}", -1},
	{"{\"a\": {\"$exists\": \"yes\"}}", "{}", -1},
	{"{\"a\": {\"$not\": 5}}", "{}", -1},
	{"{\"a\": {\"$not\": {}}}", "{}", -1},
	{"{\"a\": {\"$not\": {\"b\": 1}}}", "{}", -1},
	{"{\"a\": {\"$gt\": 1, \"b\": 2}}", "{}", -1},
	{"{\"a\": {\"$regex\": \"(\"}}", "{}", -1},
	{"{\"a\": {\"$in\": [{\"$gt\": 1}]}}", "{}", -1},
	{"{\"\": 1}", "{}", -1},
	{"{\"a..b\": 1}", "{}", -1},
	{"{\"a.\": 1}", "{}", -1},
	/* outside the subset: refused, never ignored */
	{"{\"a\": {\"$size\": 2}}", "{}", -2},
	{"{\"a\": {\"$elemMatch\": {\"b\": 1}}}", "{}", -2},
	{"{\"a\": {\"$all\": [1]}}", "{}", -2},
	{"{\"a\": {\"$type\": \"string\"}}", "{}", -2},
	{"{\"$where\": \"this.a == 1\"}", "{}", -2},
	{"{\"$expr\": {\"$gt\": [\"$a\", 1]}}", "{}", -2},
	{"{\"a\": {\"$regex\": \"x\", \"$options\": \"x\"}}", "{}", -2},
	/* regular expressions that would take regcomp gigabytes or regexec ages */
	{"{\"a\": {\"$regex\": \"^b2+++++++++++++++++++++++++++++++++++++++2\"}}", "{}", -2},
	{"{\"a\": {\"$regex\": \"a+?\"}}", "{}", -2},
	{"{\"a\": {\"$regex\": \"a{2}*\"}}", "{}", -2},
	{"{\"a\": {\"$regex\": \"(a)\\\\1\"}}", "{}", -2},
	{"{\"a\": {\"$regex\": \"((a{255}){255}){255}\"}}", "{}", -1},
	{"{\"a\": {\"$regex\": \"(((((((((((((((((((((a*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*)*\"}}", "{}", -1},
	{"{\"a\": {\"$regex\": \"x{99999999999999999999}\"}}", "{}", -1},
	{"{\"a\": {\"$regex\": \"((a*){100}){100}\"}}", "{}", -1}, /* 790 MB in glibc's regcomp */
	{"{\"a\": {\"$regex\": \"((a*){20}){20}\"}}", "{\"a\": \"a\"}", 1}, /* 1344 positions, 3 MB: allowed */
	/* ... while ordinary ones pass the guard */
	{"{\"a\": {\"$regex\": \"^(a{2,3}|[]x[:alpha:]]+){1,20}\\\\.[0-9]?$\"}}", "{\"a\": \"aaa]]b.5\"}", 1},
	{"{\"a\": {\"$regex\": \"^a{1,5}$\"}}", "{\"a\": \"aaaaaa\"}", 0},
};

/* MongoDB's null and missing semantics, as its own test suite states them
 * (mongodb/mongo jstests/core/query/null_query_semantics.js, MongoDB 8.0+
 * where null no longer matches undefined): 19 documents, and for each
 * query the set of documents it must return, as a bit mask over them. */
static const char *const null_docs[] = {
	"{\"a\": {}}",                                   /* 1 a_empty_subobject */
	"{\"a\": null}",                                 /* 2 a_null */
	"{\"a\": 4}",                                    /* 3 a_number */
	"{\"a\": {\"b\": \"hi\"}}",                      /* 4 a_subobject_b_not_null */
	"{\"a\": {\"b\": null}}",                        /* 5 a_subobject_b_null */
	"{\"a\": {\"b\": {\"$undefined\": true}}}",        /* 6 a_subobject_b_undefined */
	"{\"a\": {\"$undefined\": true}}",               /* 7 a_undefined */
	"{}",                                            /* 8 no_a */
	"{\"a\": [[]]}",                                 /* 9 a_double_array */
	"{\"a\": []}",                                   /* 10 a_empty_array */
	"{\"a\": [{\"b\": null}, {\"b\": {\"$undefined\": true}}, {\"b\": null}, {}]}", /* 11 */
	"{\"a\": [{\"b\": 1}, {\"b\": 3}, {\"b\": \"string\"}]}",                     /* 12 */
	"{\"a\": [{\"b\": null}, {\"b\": 3}, {\"b\": null}]}",                        /* 13 */
	"{\"a\": [{\"b\": {\"$undefined\": true}}, {\"b\": 3}]}",                      /* 14 */
	"{\"a\": [{\"b\": 3}, {}]}",                                                /* 15 */
	"{\"a\": [null, null]}",                                                    /* 16 */
	"{\"a\": [1, \"string\", 4]}",                                              /* 17 */
	"{\"a\": [1, \"string\", null, 4]}",                                        /* 18 */
	"{\"a\": [1, \"string\", {\"$undefined\": true}, 4]}",                      /* 19 */
};

static unsigned set_of(const int *ids)
{
	unsigned m = 0;
	for (; *ids; ids++)
		m |= 1u << (*ids - 1);
	return m;
}

static void null_semantics(void)
{
	static const int eq_null[] = {2, 8, 16, 18, 0};
	static const int ne_null[] = {1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 17, 19, 0};
	static const int nin_null_empty[] = {1, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 17, 19, 0};
	static const int nin_null_re[] = {1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 0};
	static const int dot_eq_null[] = {1, 2, 3, 5, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 19, 0};
	static const int dot_ne_null[] = {4, 6, 12, 14, 0};
	static const int dot_nin_null_re[] = {4, 6, 14, 0};
	static const int exists_false[] = {8, 0};
	static const int dot_exists_false[] = {1, 2, 3, 7, 8, 0};
	static const struct {
		const char *filter;
		const int *want;
		int ndocs; /* the query is stated on the first ndocs documents */
	} q[] = {
		{"{\"a\": {\"$eq\": null}}", eq_null, 19},
		{"{\"a\": null}", eq_null, 19},
		{"{\"a\": {\"$ne\": null}}", ne_null, 19},
		{"{\"a\": {\"$not\": {\"$gte\": null}}}", ne_null, 19},
		{"{\"a\": {\"$in\": [null, 75]}}", eq_null, 19},
		{"{\"$or\": [{\"a\": null}, {\"a\": 75}]}", eq_null, 19},
		{"{\"a\": {\"$nin\": [null, 75]}}", ne_null, 19},
		{"{\"a\": {\"$nin\": [null, []]}}", nin_null_empty, 19},
		{"{\"a\": {\"$nin\": [null, {\"$regex\": \"^str.*\"}]}}", nin_null_re, 19},
		{"{\"a\": {\"$exists\": false}}", exists_false, 8},
		{"{\"a.b\": {\"$eq\": null}}", dot_eq_null, 19},
		{"{\"a.b\": {\"$ne\": null}}", dot_ne_null, 19},
		{"{\"a.b\": {\"$in\": [null, 75]}}", dot_eq_null, 19},
		{"{\"$or\": [{\"a.b\": null}, {\"a.b\": 75}]}", dot_eq_null, 19},
		{"{\"a.b\": {\"$nin\": [null, 75]}}", dot_ne_null, 19},
		{"{\"a.b\": {\"$nin\": [null, {\"$regex\": \"^str.*\"}]}}", dot_nin_null_re, 19},
		{"{\"a.b\": {\"$exists\": false}}", dot_exists_false, 8},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		unsigned got = 0, want = set_of(q[i].want);
		int bad = 0;
		for (int d = 0; d < q[i].ndocs; d++) {
			int r = run(q[i].filter, null_docs[d], NULL, 0);
			if (r < 0)
				bad = 1;
			if (r == 1)
				got |= 1u << d;
		}
		if (!ok(!bad && got == want, "MongoDB null semantics: %s", q[i].filter))
			printf("#   got mask %#x, want %#x\n", got, want);
	}
	ok(run("{\"a\": {\"$undefined\": true}}", "{}", NULL, 0) == -1, "undefined is not a query value");
	ok(run("{\"a\": {\"$in\": [{\"$undefined\": true}]}}", "{}", NULL, 0) == -1, "... nor in $in");
}

static void error_messages(void)
{
	char err[256];
	int r = run("{\"sta\": {\"$size\": 2}}", "{}", err, sizeof err);
	ok(r == -2 && strstr(err, "$size") && strstr(err, "sta"), "unsupported operator named: %s", err);
	r = run("{\"net\": {\"$in\": 5}}", "{}", err, sizeof err);
	ok(r == -1 && strstr(err, "$in") && strstr(err, "net"), "bad $in named: %s", err);
	r = run("{\"$or\": []}", "{}", err, sizeof err);
	ok(r == -1 && strstr(err, "$or"), "empty $or named: %s", err);
	r = run("{\"a\": {\"$gt\": 1, \"b\": 2}}", "{}", err, sizeof err);
	ok(r == -1 && strstr(err, "\"b\""), "plain key among operators named: %s", err);
	r = run("{\"a\": {\"$regex\": \"[\"}}", "{}", err, sizeof err);
	ok(r == -1 && strstr(err, "regular expression"), "regcomp error reported: %s", err);
	r = run("{\"$text\": {\"$search\": \"x\"}}", "{}", err, sizeof err);
	ok(r == -2 && strstr(err, "$text"), "top-level operator named: %s", err);
	/* a tiny buffer is still terminated */
	char small[8];
	run("{\"sta\": {\"$size\": 2}}", "{}", small, sizeof small);
	ok(strlen(small) == 7, "message cut to the buffer");
	/* NULL err is accepted */
	ok(run("{\"a\": {\"$size\": 1}}", "{}", NULL, 0) == -2, "NULL error buffer");
}

/* A filter built in C with $regex as a string and $options (as drivers send it). */
static void c_built(void)
{
	bson_t *f = BCON_NEW("sta", "{", "$regex", BCON_UTF8("^a"), "$options", BCON_UTF8("i"), "}");
	bson_t *d = BCON_NEW("sta", BCON_UTF8("ANMO"));
	int m = -1;
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_OK && m == 1, "C-built $regex + $options");
	bson_destroy(f);
	f = BCON_NEW("sta", "{", "$options", BCON_UTF8("i"), "}");
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_ERR_INVAL, "$options without $regex");
	bson_destroy(f);
	f = BCON_NEW("sta", "{", "$regex", BCON_INT32(5), "}");
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_ERR_INVAL, "$regex with a number");
	bson_destroy(f);
	f = BCON_NEW("sta", "{", "$not", BCON_REGEX("^C", ""), "}");
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_OK && m == 1, "$not with a regex value");
	bson_destroy(f);
	/* int32 vs int64 vs double across the 2^53 boundary, exactly */
	f = BCON_NEW("a", BCON_INT64(INT64_MAX));
	bson_destroy(d);
	d = BCON_NEW("a", BCON_DOUBLE(9223372036854775808.0));
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_OK && m == 0, "INT64_MAX != 2^63 as double");
	bson_destroy(f);
	f = BCON_NEW("a", "{", "$lt", BCON_DOUBLE(9223372036854775808.0), "}");
	bson_destroy(d);
	d = BCON_NEW("a", BCON_INT64(INT64_MAX));
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_OK && m == 1, "INT64_MAX < 2^63");
	bson_destroy(f);
	bson_destroy(d);
}

/* A compiled filter is reusable and independent of the caller's copy. */
static void compiled(void)
{
	bson_error_t e;
	bson_t *f = bson_new_from_json((const uint8_t *)"{\"npts\": {\"$gte\": 100}, \"sta\": {\"$regex\": \"^A\"}}", -1, &e);
	msp_filter *mf = NULL;
	ok(msp_filter_compile(f, &mf, NULL, 0) == MSP_OK && mf, "compile");
	bson_destroy(f); /* the compiled filter keeps its own copy */
	int hits = 0;
	for (int i = 0; i < 200; i++) {
		bson_t *d = BCON_NEW("npts", BCON_INT32(i), "sta", BCON_UTF8(i % 2 ? "ANMO" : "COR"));
		hits += msp_filter_eval(mf, d);
		bson_destroy(d);
	}
	is(hits, 50, "compiled filter evaluated 200 times");
	msp_filter_free(mf);
	ok(1, "free");
	/* validate */
	f = bson_new_from_json((const uint8_t *)"{\"a\": {\"$gt\": 1}}", -1, &e);
	ok(msp_filter_validate(f, NULL, 0) == MSP_OK, "validate accepts a good filter");
	bson_destroy(f);
}

/* Paths reaching many values (more than the inline buffer). */
static void many_values(void)
{
	bson_t *d = bson_new();
	bson_t arr, el;
	bson_append_array_begin(d, "a", -1, &arr);
	for (int i = 0; i < 100; i++) {
		char k[8];
		snprintf(k, sizeof k, "%d", i);
		bson_append_document_begin(&arr, k, -1, &el);
		BSON_APPEND_INT32(&el, "b", i);
		bson_append_document_end(&arr, &el);
	}
	bson_append_array_end(d, &arr);
	bson_t *f = BCON_NEW("a.b", BCON_INT32(99));
	int m = 0;
	ok(msp_filter_match(f, d, &m, NULL, 0) == MSP_OK && m == 1, "100 values on one path");
	bson_destroy(f);
	bson_destroy(d);
}

static void value_compare(void)
{
	bson_value_t a = {.value_type = BSON_TYPE_INT32, .value.v_int32 = 3};
	bson_value_t b = {.value_type = BSON_TYPE_DOUBLE, .value.v_double = 3.0};
	bson_value_t s = {.value_type = BSON_TYPE_UTF8, .value.v_utf8 = {.str = (char *)"x", .len = 1}};
	int c = 9;
	ok(msp_bson_value_compare(&a, &b, &c) == 1 && c == 0, "int32 3 == double 3");
	ok(msp_bson_value_compare(&a, &s, &c) == 0 && c < 0, "numbers sort before strings");
}

int main(void)
{
	char err[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		int got = run(cases[i].filter, cases[i].doc, err, sizeof err);
		if (!ok(got == cases[i].want, "%s on %s -> %d", cases[i].filter, cases[i].doc, cases[i].want))
			printf("#   got %d (%s)\n", got, err);
	}
	null_semantics();
	error_messages();
	c_built();
	compiled();
	many_values();
	value_compare();
	return done_testing();
}
