/*
 * db.c - the database interface (msp_db.h): picks the backend from the name
 * (a mongodb:// URI or a file path), dispatches each call, and holds what
 * both backends share: checking a filter against the supported query
 * language (so that both refuse the same things with the same message),
 * MongoDB's order of BSON values, projections and derived index names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include "msp_match.h"
#include <math.h>
#include <errno.h>
#include "db_impl.h"
#include "msp_status.h"
#include "msp_json.h"
#include "msp_meta.h"

const char *msp_db_resolve(const char *arg)
{
	if (arg && *arg)
		return arg;
	const char *e = getenv("MSPIPE_DB");
	if (e && *e)
		return e;
	return MSP_DB_DEFAULT;
}

int msp_db_fail(msp_db *db, int code, const char *fmt, ...)
{
	if (db) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(db->err, sizeof db->err, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int is_mongo_uri(const char *s)
{
	return strncmp(s, "mongodb://", 10) == 0 || strncmp(s, "mongodb+srv://", 14) == 0;
}

int msp_db_open(msp_db **out, const char *name, char *errbuf, size_t errlen)
{
	*out = NULL;
	if (!name || !*name) {
		if (errbuf)
			snprintf(errbuf, errlen, "empty database name");
		return MSP_ERR_INVAL;
	}
	msp_db *db = calloc(1, sizeof *db);
	if (!db)
		return MSP_ERR_NOMEM;
	int rc;
	if (is_mongo_uri(name)) {
		db->kind = MSP_DB_MONGO;
		rc = msp_mg_open(db, name, errbuf, errlen);
	} else {
		db->kind = MSP_DB_SQLITE;
		rc = msp_sq_open(db, name);
		if (rc && errbuf)
			snprintf(errbuf, errlen, "%s", db->err);
	}
	if (rc) {
		msp_db_close(db);
		return rc;
	}
	*out = db;
	return MSP_OK;
}

void msp_db_close(msp_db *db)
{
	if (!db)
		return;
	if (db->kind == MSP_DB_SQLITE)
		msp_sq_close(db);
	else if (db->kind == MSP_DB_MONGO)
		msp_mg_close(db);
	free(db);
}

const char *msp_db_errmsg(const msp_db *db)
{
	return db ? db->err : "no database";
}

const char *msp_db_backend(const msp_db *db)
{
	return db->kind == MSP_DB_MONGO ? "mongodb" : "sqlite";
}

/* ---------------------------------------------------------------- checks */

int msp_db_check_coll(msp_db *db, const char *coll)
{
	size_t n = coll ? strlen(coll) : 0;
	if (n == 0 || n > 100)
		return msp_db_fail(db, MSP_ERR_INVAL, "bad collection name \"%s\" (1 to 100 characters)", coll ? coll : "");
	for (size_t i = 0; i < n; i++) {
		char ch = coll[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || ch == '.'))
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "bad collection name \"%s\" (letters, digits, '_', '-', '.' only)", coll);
	}
	if (strncmp(coll, "_msp", 4) == 0 || strncasecmp(coll, "sqlite", 6) == 0 || coll[0] == '.' ||
	    strncmp(coll, "system.", 7) == 0)
		return msp_db_fail(db, MSP_ERR_INVAL, "reserved collection name \"%s\"", coll);
	return MSP_OK;
}

static int check_path(msp_db *db, const char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return msp_db_fail(db, MSP_ERR_INVAL, "empty key in filter");
	if (path[0] == '.' || path[n - 1] == '.' || strstr(path, ".."))
		return msp_db_fail(db, MSP_ERR_INVAL, "bad key \"%s\" in filter (empty path segment)", path);
	for (const char *s = path; *s; s++) {
		if (*s == '"')
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "key \"%s\": a '\"' in a queried key is not supported", path);
		if (*s == '$' && (s == path || s[-1] == '.'))
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "key \"%s\": a path segment starting with '$' is not supported", path);
	}
	return MSP_OK;
}

/* A scalar a filter may compare with. */
static int scalar_ok(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_DOUBLE: case BSON_TYPE_INT32: case BSON_TYPE_INT64: case BSON_TYPE_UTF8:
	case BSON_TYPE_BOOL: case BSON_TYPE_NULL: case BSON_TYPE_OID:
		return 1;
	default:
		return 0;
	}
}

static const char *type_name(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_DOCUMENT: return "a document";
	case BSON_TYPE_ARRAY: return "an array";
	case BSON_TYPE_DATE_TIME: return "a date";
	case BSON_TYPE_REGEX: return "a regular expression";
	case BSON_TYPE_BINARY: return "binary data";
	case BSON_TYPE_DECIMAL128: return "a decimal128";
	case BSON_TYPE_TIMESTAMP: return "a timestamp";
	default: return "a value of this type";
	}
}

static int check_regex_text(msp_db *db, const char *path, const char *re, const char *opts)
{
	if (re) {
		/* the guard of lib/match.c first: a pattern such as "a?***...*"
		 * kept regcomp busy for minutes (fuzz_sql) */
		char msg[512];
		int g = msp_regex_guard(path, re, msg, sizeof msg);
		if (g)
			return msp_db_fail(db, g, "%s", msg);
		/* the SQLite backend matches with POSIX extended regular expressions */
		regex_t rx;
		int e = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char msg[128];
			regerror(e, &rx, msg, sizeof msg);
			return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": bad regular expression \"%s\": %s", path, re, msg);
		}
		regfree(&rx);
	}
	for (const char *o = opts ? opts : ""; *o; o++)
		if (*o != 'i' && *o != 'm')
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "\"%s\": $options \"%s\" not supported (only i and m)", path, opts);
	return MSP_OK;
}

static int check_ops(msp_db *db, const char *path, bson_iter_t *ops, int under_not);

static int check_value_ops(msp_db *db, const char *path, bson_iter_t *v)
{
	bson_type_t t = bson_iter_type(v);
	if (t == BSON_TYPE_DOCUMENT) {
		bson_iter_t sub;
		bson_iter_recurse(v, &sub);
		bson_iter_t probe = sub;
		if (!bson_iter_next(&probe))
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "\"%s\": equality with an empty document is not supported", path);
		if (bson_iter_key(&probe)[0] != '$')
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "\"%s\": equality with a whole subdocument is not supported "
			                   "(compare its keys with dot paths, e.g. \"%s.%s\")",
			                   path, path, bson_iter_key(&probe));
		return check_ops(db, path, &sub, 0);
	}
	if (t == BSON_TYPE_REGEX) {
		const char *opts;
		const char *re = bson_iter_regex(v, &opts);
		return check_regex_text(db, path, re, opts);
	}
	if (!scalar_ok(t))
		return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": comparison with %s is not supported", path,
		                   type_name(t));
	return MSP_OK;
}

static int check_ops(msp_db *db, const char *path, bson_iter_t *ops, int under_not)
{
	int have_regex = 0, have_options = 0;
	const char *regex_opts = NULL, *regex_text = NULL;
	while (bson_iter_next(ops)) {
		const char *op = bson_iter_key(ops);
		bson_type_t t = bson_iter_type(ops);
		if (op[0] != '$')
			return msp_db_fail(db, MSP_ERR_INVAL,
			                   "\"%s\": key \"%s\" mixed with operators (a document of operators "
			                   "must hold only $-operators)", path, op);
		if (!strcmp(op, "$eq") || !strcmp(op, "$ne")) {
			if (!scalar_ok(t))
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": %s with %s is not supported", path, op,
				                   type_name(t));
		} else if (!strcmp(op, "$gt") || !strcmp(op, "$gte") || !strcmp(op, "$lt") || !strcmp(op, "$lte")) {
			if (!(BSON_ITER_HOLDS_NUMBER(ops) || t == BSON_TYPE_UTF8 || t == BSON_TYPE_OID))
				return msp_db_fail(db, MSP_ERR_INVAL,
				                   "\"%s\": %s needs a number, a string or an ObjectId", path, op);
		} else if (!strcmp(op, "$in") || !strcmp(op, "$nin")) {
			if (t != BSON_TYPE_ARRAY)
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": %s needs an array", path, op);
			bson_iter_t a;
			bson_iter_recurse(ops, &a);
			while (bson_iter_next(&a))
				if (!scalar_ok(bson_iter_type(&a)))
					return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": %s with %s in its list is not supported",
					                   path, op, type_name(bson_iter_type(&a)));
		} else if (!strcmp(op, "$exists")) {
			if (!(t == BSON_TYPE_BOOL || BSON_ITER_HOLDS_NUMBER(ops)))
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $exists needs true or false", path);
		} else if (!strcmp(op, "$regex")) {
			if (t == BSON_TYPE_REGEX) {
				const char *o;
				regex_text = bson_iter_regex(ops, &o);
				regex_opts = o;
			} else if (t != BSON_TYPE_UTF8) {
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $regex needs a string", path);
			} else {
				regex_text = bson_iter_utf8(ops, NULL);
			}
			have_regex = 1;
		} else if (!strcmp(op, "$options")) {
			if (t != BSON_TYPE_UTF8)
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $options needs a string", path);
			regex_opts = bson_iter_utf8(ops, NULL);
			have_options = 1;
		} else if (!strcmp(op, "$not")) {
			if (under_not)
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $not inside $not is not supported", path);
			if (t == BSON_TYPE_REGEX) {
				const char *o;
				const char *r = bson_iter_regex(ops, &o);
				int rc = check_regex_text(db, path, r, o);
				if (rc)
					return rc;
				continue;
			}
			if (t != BSON_TYPE_DOCUMENT)
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $not needs a document of operators", path);
			bson_iter_t sub;
			bson_iter_recurse(ops, &sub);
			bson_iter_t probe = sub;
			if (!bson_iter_next(&probe))
				return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $not needs a non-empty document", path);
			int rc = check_ops(db, path, &sub, 1);
			if (rc)
				return rc;
		} else {
			return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": unsupported operator \"%s\"", path, op);
		}
	}
	if (have_options && !have_regex)
		return msp_db_fail(db, MSP_ERR_INVAL, "\"%s\": $options without $regex", path);
	if (have_regex)
		return check_regex_text(db, path, regex_text, regex_opts);
	return MSP_OK;
}

static int check_filter_doc(msp_db *db, const bson_t *filter, int depth)
{
	bson_iter_t it;
	if (depth > 50)
		return msp_db_fail(db, MSP_ERR_INVAL, "filter nested too deeply");
	if (!bson_iter_init(&it, filter))
		return msp_db_fail(db, MSP_ERR_INVAL, "malformed filter document");
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (k[0] == '$') {
			if (strcmp(k, "$and") && strcmp(k, "$or") && strcmp(k, "$nor"))
				return msp_db_fail(db, MSP_ERR_INVAL, "unsupported top-level operator \"%s\"", k);
			if (!BSON_ITER_HOLDS_ARRAY(&it))
				return msp_db_fail(db, MSP_ERR_INVAL, "%s needs an array of filter documents", k);
			bson_iter_t a;
			bson_iter_recurse(&it, &a);
			int n = 0;
			while (bson_iter_next(&a)) {
				if (!BSON_ITER_HOLDS_DOCUMENT(&a))
					return msp_db_fail(db, MSP_ERR_INVAL, "%s needs an array of filter documents "
					                   "(element %d is not a document)", k, n);
				uint32_t len;
				const uint8_t *data;
				bson_iter_document(&a, &len, &data);
				bson_t sub;
				if (!bson_init_static(&sub, data, len))
					return msp_db_fail(db, MSP_ERR_INVAL, "malformed filter document");
				int rc = check_filter_doc(db, &sub, depth + 1);
				if (rc)
					return rc;
				n++;
			}
			if (n == 0)
				return msp_db_fail(db, MSP_ERR_INVAL, "%s needs a non-empty array", k);
			continue;
		}
		int rc = check_path(db, k);
		if (rc)
			return rc;
		rc = check_value_ops(db, k, &it);
		if (rc)
			return rc;
	}
	return MSP_OK;
}

int msp_db_check_filter(msp_db *db, const bson_t *filter)
{
	if (!filter)
		return MSP_OK;
	return check_filter_doc(db, filter, 0);
}

int msp_db_coll_check(const char *coll, char *errbuf, size_t errlen)
{
	msp_db tmp;
	memset(&tmp, 0, sizeof tmp);
	int rc = msp_db_check_coll(&tmp, coll);
	if (rc && errbuf)
		snprintf(errbuf, errlen, "%s", tmp.err);
	return rc;
}

int msp_db_filter_check(const bson_t *filter, char *errbuf, size_t errlen)
{
	msp_db tmp;
	memset(&tmp, 0, sizeof tmp);
	int rc = msp_db_check_filter(&tmp, filter);
	if (rc && errbuf)
		snprintf(errbuf, errlen, "%s", tmp.err);
	return rc;
}

int msp_db_check_sort(msp_db *db, const bson_t *sort)
{
	bson_iter_t it;
	if (!sort)
		return MSP_OK;
	if (!bson_iter_init(&it, sort))
		return msp_db_fail(db, MSP_ERR_INVAL, "malformed sort document");
	while (bson_iter_next(&it)) {
		int rc = check_path(db, bson_iter_key(&it));
		if (rc)
			return rc;
		if (!BSON_ITER_HOLDS_NUMBER(&it) || (bson_iter_as_int64(&it) != 1 && bson_iter_as_int64(&it) != -1))
			return msp_db_fail(db, MSP_ERR_INVAL, "sort key \"%s\" needs 1 or -1", bson_iter_key(&it));
	}
	return MSP_OK;
}

int msp_db_check_projection(msp_db *db, const bson_t *proj)
{
	bson_iter_t it;
	int incl = -1;
	if (!proj)
		return MSP_OK;
	if (!bson_iter_init(&it, proj))
		return msp_db_fail(db, MSP_ERR_INVAL, "malformed projection");
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		int rc = check_path(db, k);
		if (rc)
			return rc;
		if (!(BSON_ITER_HOLDS_NUMBER(&it) || BSON_ITER_HOLDS_BOOL(&it)))
			return msp_db_fail(db, MSP_ERR_INVAL, "projection of \"%s\" needs 1 or 0", k);
		int v = bson_iter_as_bool(&it);
		if (!strcmp(k, "_id"))
			continue;
		if (incl >= 0 && incl != v)
			return msp_db_fail(db, MSP_ERR_INVAL, "projection mixes included and excluded keys (\"%s\")", k);
		incl = v;
	}
	return MSP_OK;
}

/* ---------------------------------------------------------------- values */

static int bracket(bson_type_t t)
{
	switch (t) {
	case BSON_TYPE_MINKEY: return 0;
	case BSON_TYPE_EOD: case BSON_TYPE_UNDEFINED: case BSON_TYPE_NULL: return 1;
	case BSON_TYPE_DOUBLE: case BSON_TYPE_INT32: case BSON_TYPE_INT64: case BSON_TYPE_DECIMAL128: return 2;
	case BSON_TYPE_SYMBOL: case BSON_TYPE_UTF8: return 3;
	case BSON_TYPE_DOCUMENT: return 4;
	case BSON_TYPE_ARRAY: return 5;
	case BSON_TYPE_BINARY: return 6;
	case BSON_TYPE_OID: return 7;
	case BSON_TYPE_BOOL: return 8;
	case BSON_TYPE_DATE_TIME: return 9;
	case BSON_TYPE_TIMESTAMP: return 10;
	case BSON_TYPE_REGEX: return 11;
	case BSON_TYPE_MAXKEY: return 100;
	default: return 50;
	}
}

static double num_of(const bson_value_t *v)
{
	switch (v->value_type) {
	case BSON_TYPE_DOUBLE: return v->value.v_double;
	case BSON_TYPE_INT32: return v->value.v_int32;
	case BSON_TYPE_INT64: return (double)v->value.v_int64;
	default: return 0;
	}
}

static int cmp_bytes(const void *a, size_t na, const void *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	if (c)
		return c < 0 ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

int msp_db_value_cmp(const bson_value_t *a, const bson_value_t *b)
{
	int ba = bracket(a->value_type), bb = bracket(b->value_type);
	if (ba != bb)
		return ba < bb ? -1 : 1;
	switch (ba) {
	case 2:
		if (a->value_type == BSON_TYPE_INT64 && b->value_type == BSON_TYPE_INT64)
			return a->value.v_int64 < b->value.v_int64 ? -1 : a->value.v_int64 > b->value.v_int64;
		{
			double x = num_of(a), y = num_of(b);
			return x < y ? -1 : x > y;
		}
	case 3:
		return cmp_bytes(a->value.v_utf8.str, a->value.v_utf8.len, b->value.v_utf8.str, b->value.v_utf8.len);
	case 4: case 5:
		return cmp_bytes(a->value.v_doc.data, a->value.v_doc.data_len, b->value.v_doc.data,
		                 b->value.v_doc.data_len);
	case 6:
		return cmp_bytes(a->value.v_binary.data, a->value.v_binary.data_len, b->value.v_binary.data,
		                 b->value.v_binary.data_len);
	case 7:
		return cmp_bytes(a->value.v_oid.bytes, 12, b->value.v_oid.bytes, 12);
	case 8:
		return (a->value.v_bool > b->value.v_bool) - (a->value.v_bool < b->value.v_bool);
	case 9:
		return a->value.v_datetime < b->value.v_datetime ? -1 : a->value.v_datetime > b->value.v_datetime;
	default:
		return 0;
	}
}

static int cmp_values_qsort(const void *a, const void *b)
{
	return msp_db_value_cmp(a, b);
}

bson_t *msp_db_sorted_unique(bson_value_t *vals, size_t n)
{
	if (n > 1) /* qsort(NULL, 0) is undefined: a distinct that found nothing */
		qsort(vals, n, sizeof *vals, cmp_values_qsort);
	bson_t *out = bson_new();
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && msp_db_value_cmp(&vals[i - 1], &vals[i]) == 0)
			continue;
		char key[24];
		const char *kp;
		bson_uint32_to_string((uint32_t)k, &kp, key, sizeof key);
		bson_append_value(out, kp, -1, &vals[i]);
		k++;
	}
	return out;
}

/* ------------------------------------------------------------ projection */

/* Does path p (a projection key) select key `k` at this level (given the
 * prefix already matched)?  Returns 2 for an exact match, 1 when p goes
 * deeper inside k, 0 otherwise. */
static int path_hits(const char *p, const char *k)
{
	size_t n = strlen(k);
	if (strncmp(p, k, n))
		return 0;
	if (p[n] == 0)
		return 2;
	if (p[n] == '.')
		return 1;
	return 0;
}

static void project_level(const bson_t *src, bson_t *dst, const char **paths, size_t np, int incl, int top,
                          int keep_id)
{
	bson_iter_t it;
	if (!bson_iter_init(&it, src))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (top && !strcmp(k, "_id")) {
			if (keep_id)
				bson_append_iter(dst, k, -1, &it);
			continue;
		}
		int exact = 0, deeper = 0;
		for (size_t i = 0; i < np; i++) {
			int h = path_hits(paths[i], k);
			if (h == 2)
				exact = 1;
			else if (h == 1)
				deeper = 1;
		}
		if (exact) { /* the key itself is named: kept whole, or left out whole */
			if (incl)
				bson_append_iter(dst, k, -1, &it);
			continue;
		}
		if (deeper && BSON_ITER_HOLDS_DOCUMENT(&it)) {
			/* a path goes below this key: project the subdocument the same way */
			const char *sub[64];
			size_t ns = 0, kl = strlen(k);
			for (size_t i = 0; i < np && ns < 64; i++)
				if (path_hits(paths[i], k) == 1)
					sub[ns++] = paths[i] + kl + 1;
			uint32_t len;
			const uint8_t *data;
			bson_iter_document(&it, &len, &data);
			bson_t in, out;
			if (bson_init_static(&in, data, len)) {
				bson_append_document_begin(dst, k, -1, &out);
				project_level(&in, &out, sub, ns, incl, 0, 0);
				bson_append_document_end(dst, &out);
			}
			continue;
		}
		if (!incl) /* not named: kept by an exclusion, dropped by an inclusion */
			bson_append_iter(dst, k, -1, &it);
	}
}

bson_t *msp_db_project(const bson_t *doc, const bson_t *proj)
{
	const char *paths[256];
	size_t np = 0;
	int incl = -1, keep_id = 1;
	bson_iter_t it;
	if (bson_iter_init(&it, proj)) {
		while (bson_iter_next(&it) && np < 256) {
			const char *k = bson_iter_key(&it);
			int v = bson_iter_as_bool(&it);
			if (!strcmp(k, "_id")) {
				keep_id = v;
				continue;
			}
			incl = v;
			paths[np++] = k;
		}
	}
	if (incl < 0) /* only _id given */
		incl = keep_id ? 1 : 0;
	if (incl == 0 && np == 0 && !keep_id) {
		/* {_id: 0}: everything but _id */
		incl = 0;
	}
	bson_t *out = bson_new();
	project_level(doc, out, paths, np, incl, 1, keep_id);
	return out;
}

void msp_db_index_name(const bson_t *keys, char *out, size_t outlen)
{
	bson_iter_t it;
	size_t n = 0;
	out[0] = 0;
	if (!bson_iter_init(&it, keys))
		return;
	while (bson_iter_next(&it)) {
		int w = snprintf(out + n, outlen - n, "%s%s_%d", n ? "_" : "", bson_iter_key(&it),
		                 (int)bson_iter_as_int64(&it));
		if (w < 0 || (size_t)w >= outlen - n)
			break;
		n += (size_t)w;
	}
}

/* ---------------------------------------------------------------- dispatch */

#define DISPATCH(db, sq, mg) ((db)->kind == MSP_DB_MONGO ? (mg) : (sq))

int msp_db_find(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *opts, msp_cursor **out)
{
	*out = NULL;
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (!rc && opts)
		rc = msp_db_check_sort(db, opts->sort);
	if (!rc && opts)
		rc = msp_db_check_projection(db, opts->projection);
	if (!rc && opts && (opts->limit < 0 || opts->skip < 0))
		rc = msp_db_fail(db, MSP_ERR_INVAL, "negative limit or skip");
	if (rc)
		return rc;
	/* The cursor holds a bson_t, which is declared 128-byte aligned: calloc's
	 * 16 bytes are not enough (UBSan stops every find in SANITIZE=1 builds). */
	msp_cursor *c = aligned_alloc(_Alignof(msp_cursor), sizeof *c);
	if (!c)
		return MSP_ERR_NOMEM;
	memset(c, 0, sizeof *c);
	c->db = db;
	rc = DISPATCH(db, msp_sq_find(db, coll, filter, opts, c), msp_mg_find(db, coll, filter, opts, c));
	if (rc) {
		msp_cursor_close(c);
		return rc;
	}
	*out = c;
	return MSP_OK;
}

int msp_cursor_next(msp_cursor *c, const bson_t **doc)
{
	int rc = c->db->kind == MSP_DB_MONGO ? msp_mg_next(c) : msp_sq_next(c);
	if (rc == MSP_OK)
		*doc = c->cur;
	return rc;
}

int msp_sq_next_json(msp_cursor *c, const char **json, size_t *len);

int msp_cursor_next_json(msp_cursor *c, const char **json, size_t *len)
{
	if (c->db->kind == MSP_DB_SQLITE)
		return msp_sq_next_json(c, json, len);
	int rc = msp_mg_next(c);
	if (rc)
		return rc;
	return msp_cursor_json(c, json, len);
}

int msp_cursor_json(msp_cursor *c, const char **json, size_t *len)
{
	if (!c->json) {
		if (!c->cur)
			return MSP_ERR_INVAL;
		msp_buf b;
		msp_buf_init(&b);
		msp_db_json_append(&b, c->cur, 0);
		msp_buf_add(&b, "", 1);
		if (b.failed) {
			msp_buf_free(&b);
			return MSP_ERR_NOMEM;
		}
		c->json = bson_strdup(b.p);
		msp_buf_free(&b);
		if (!c->json)
			return MSP_ERR_NOMEM;
	}
	*json = c->json;
	if (len)
		*len = strlen(c->json);
	return MSP_OK;
}

void msp_cursor_close(msp_cursor *c)
{
	if (!c)
		return;
	if (c->st)
		sqlite3_finalize(c->st);
	msp_sq_cursor_free(c);
	if (c->mcur)
		mongoc_cursor_destroy(c->mcur);
	if (c->mcoll)
		mongoc_collection_destroy(c->mcoll);
	if (c->proj)
		bson_destroy(c->proj);
	if (c->cur)
		bson_destroy(c->cur);
	bson_free(c->json);
	if (c->skipset)
		free(c->skipset);
	free(c);
}

int64_t msp_cursor_vanished(const msp_cursor *c)
{
	return c ? c->vanished : 0;
}

int msp_db_count(msp_db *db, const char *coll, const bson_t *filter, int64_t *count)
{
	return msp_db_count_opts(db, coll, filter, NULL, count);
}

int msp_db_count_opts(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *opts,
                      int64_t *count)
{
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_count(db, coll, filter, opts, count), msp_mg_count(db, coll, filter, opts, count));
}

int msp_db_distinct(msp_db *db, const char *coll, const char *key, const bson_t *filter, bson_t **values)
{
	*values = NULL;
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (!rc)
		rc = check_path(db, key);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_distinct(db, coll, key, filter, values),
	                msp_mg_distinct(db, coll, key, filter, values));
}

int msp_db_insert_many(msp_db *db, const char *coll, const bson_t *const *docs, size_t n, bson_oid_t *ids)
{
	int rc = msp_db_check_coll(db, coll);
	if (rc)
		return rc;
	if (n == 0)
		return MSP_OK;
	return DISPATCH(db, msp_sq_insert_many(db, coll, docs, n, ids), msp_mg_insert_many(db, coll, docs, n, ids));
}

static int check_update(msp_db *db, const bson_t *update)
{
	bson_iter_t it;
	int n = 0;
	if (!update || !bson_iter_init(&it, update))
		return msp_db_fail(db, MSP_ERR_INVAL, "malformed update document");
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, "$set") && strcmp(k, "$unset"))
			return msp_db_fail(db, MSP_ERR_INVAL, "unsupported update operator \"%s\" (only $set and $unset)", k);
		if (!BSON_ITER_HOLDS_DOCUMENT(&it))
			return msp_db_fail(db, MSP_ERR_INVAL, "%s needs a document", k);
		bson_iter_t s;
		bson_iter_recurse(&it, &s);
		while (bson_iter_next(&s)) {
			const char *f = bson_iter_key(&s);
			if (!strcmp(f, "_id"))
				return msp_db_fail(db, MSP_ERR_INVAL, "%s of _id is not allowed", k);
			if (strchr(f, '.') || f[0] == '$' || !*f)
				return msp_db_fail(db, MSP_ERR_INVAL, "%s of \"%s\": only top-level keys", k, f);
			n++;
		}
	}
	if (n == 0)
		return msp_db_fail(db, MSP_ERR_INVAL, "empty update document");
	return MSP_OK;
}

int msp_db_update(msp_db *db, const char *coll, const bson_t *filter, const bson_t *update, int64_t *nmodified)
{
	int64_t dummy;
	if (!nmodified)
		nmodified = &dummy;
	*nmodified = 0;
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (!rc)
		rc = check_update(db, update);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_update(db, coll, filter, update, nmodified),
	                msp_mg_update(db, coll, filter, update, nmodified));
}

int msp_db_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndeleted)
{
	int64_t dummy;
	if (!ndeleted)
		ndeleted = &dummy;
	*ndeleted = 0;
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_delete(db, coll, filter, ndeleted), msp_mg_delete(db, coll, filter, ndeleted));
}

static int check_index_keys(msp_db *db, const bson_t *keys)
{
	bson_iter_t it;
	int n = 0;
	if (!keys || !bson_iter_init(&it, keys))
		return msp_db_fail(db, MSP_ERR_INVAL, "malformed index keys");
	while (bson_iter_next(&it)) {
		int rc = check_path(db, bson_iter_key(&it));
		if (rc)
			return rc;
		if (!BSON_ITER_HOLDS_NUMBER(&it) || (bson_iter_as_int64(&it) != 1 && bson_iter_as_int64(&it) != -1))
			return msp_db_fail(db, MSP_ERR_INVAL, "index key \"%s\" needs 1 or -1", bson_iter_key(&it));
		n++;
	}
	if (n == 0)
		return msp_db_fail(db, MSP_ERR_INVAL, "an index needs at least one key");
	return MSP_OK;
}

int msp_db_create_index(msp_db *db, const char *coll, const bson_t *keys, const char *name, int unique)
{
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = check_index_keys(db, keys);
	if (!rc && name && (!*name || strlen(name) > 120 || strchr(name, '"')))
		rc = msp_db_fail(db, MSP_ERR_INVAL, "bad index name \"%s\"", name);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_create_index(db, coll, keys, name, unique),
	                msp_mg_create_index(db, coll, keys, name, unique));
}

int msp_db_list_indexes(msp_db *db, const char *coll, bson_t **out)
{
	*out = NULL;
	int rc = msp_db_check_coll(db, coll);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_list_indexes(db, coll, out), msp_mg_list_indexes(db, coll, out));
}

int msp_db_drop_index(msp_db *db, const char *coll, const char *name)
{
	int rc = msp_db_check_coll(db, coll);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_drop_index(db, coll, name), msp_mg_drop_index(db, coll, name));
}

int msp_db_list_collections(msp_db *db, bson_t **out)
{
	*out = NULL;
	return DISPATCH(db, msp_sq_list_collections(db, out), msp_mg_list_collections(db, out));
}

int msp_db_drop_collection(msp_db *db, const char *coll)
{
	int rc = msp_db_check_coll(db, coll);
	if (rc)
		return rc;
	return DISPATCH(db, msp_sq_drop_collection(db, coll), msp_mg_drop_collection(db, coll));
}

int msp_db_begin(msp_db *db)
{
	if (db->kind == MSP_DB_MONGO)
		return MSP_OK;
	if (db->in_txn)
		return msp_db_fail(db, MSP_ERR_INVAL, "a transaction is already open");
	int rc = msp_sq_exec(db, "BEGIN IMMEDIATE");
	if (!rc)
		db->in_txn = 1;
	return rc;
}

int msp_db_commit(msp_db *db)
{
	if (db->kind == MSP_DB_MONGO)
		return MSP_OK;
	if (!db->in_txn)
		return msp_db_fail(db, MSP_ERR_INVAL, "no open transaction");
	int rc = msp_sq_exec(db, "COMMIT");
	if (!rc)
		db->in_txn = 0;
	return rc;
}

int msp_db_rollback(msp_db *db)
{
	if (db->kind == MSP_DB_MONGO)
		return MSP_OK;
	if (!db->in_txn)
		return MSP_OK;
	db->in_txn = 0;
	return msp_sq_exec(db, "ROLLBACK");
}

int msp_db_query_plan(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *opts, char **plan)
{
	*plan = NULL;
	if (db->kind == MSP_DB_MONGO)
		return msp_db_fail(db, MSP_ERR_UNSUPPORTED, "query plans are shown for SQLite only");
	int rc = msp_db_check_coll(db, coll);
	if (!rc)
		rc = msp_db_check_filter(db, filter);
	if (rc)
		return rc;
	return msp_sq_explain(db, coll, filter, opts, plan);
}

/* ------------------------------------------------------------ filter JSON */

/* libbson 1.23's JSON reader turns {"$regex": P, "$options": O} into a BSON
 * regular expression, and in doing so keeps the options of one $regex for
 * the next one in the same text ({"a": {"$regex": "x", "$options": "i"},
 * "b": {"$regex": "y"}} gives b the option i) and refuses {"$regex": P,
 * "$ne": V}.  So the keys "$regex" and "$options" are renamed in the text
 * (a \x01 in front) before libbson reads it, and renamed back after. */
static const char MARK = '\x01';

static void unmark_doc(bson_iter_t *it, bson_t *dst);

static const char *unmarked(const char *s)
{
	if (s[0] == MARK && (!strcmp(s + 1, "$regex") || !strcmp(s + 1, "$options")))
		return s + 1;
	return s;
}

static void unmark_doc(bson_iter_t *it, bson_t *dst)
{
	while (bson_iter_next(it)) {
		const char *k = unmarked(bson_iter_key(it));
		if (BSON_ITER_HOLDS_DOCUMENT(it) || BSON_ITER_HOLDS_ARRAY(it)) {
			bson_iter_t sub;
			bson_t child;
			int arr = BSON_ITER_HOLDS_ARRAY(it);
			bson_iter_recurse(it, &sub);
			if (arr)
				bson_append_array_begin(dst, k, -1, &child);
			else
				bson_append_document_begin(dst, k, -1, &child);
			unmark_doc(&sub, &child);
			if (arr)
				bson_append_array_end(dst, &child);
			else
				bson_append_document_end(dst, &child);
		} else if (BSON_ITER_HOLDS_UTF8(it)) {
			const char *v = bson_iter_utf8(it, NULL);
			const char *u = unmarked(v);
			if (u != v)
				bson_append_utf8(dst, k, -1, u, -1);
			else
				bson_append_iter(dst, k, -1, it);
		} else {
			bson_append_iter(dst, k, -1, it);
		}
	}
}

bson_t *msp_db_filter_parse(const char *json, char *errbuf, size_t errlen)
{
	size_t n = strlen(json);
	char *t = malloc(2 * n + 64);
	if (!t) {
		if (errbuf)
			snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (json[i] != '"') {
			t[o++] = json[i++];
			continue;
		}
		/* a string token: find its end */
		size_t j = i + 1;
		while (j < n && json[j] != '"') {
			if (json[j] == '\\' && j + 1 < n)
				j++;
			j++;
		}
		size_t len = j - i - 1;
		if ((len == 6 && !memcmp(json + i + 1, "$regex", 6)) || (len == 8 && !memcmp(json + i + 1, "$options", 8))) {
			memcpy(t + o, "\"\\u0001", 7);
			o += 7;
			memcpy(t + o, json + i + 1, len);
			o += len;
			t[o++] = '"';
		} else {
			size_t end = j < n ? j + 1 : n;
			memcpy(t + o, json + i, end - i);
			o += end - i;
		}
		i = j < n ? j + 1 : n;
	}
	t[o] = 0;
	bson_error_t e;
	bson_t *raw = msp_json_to_bson(t, (ssize_t)o, &e); /* {..}{..} refused, not cut */
	free(t);
	if (!raw) {
		if (errbuf)
			snprintf(errbuf, errlen, "%s", e.message);
		return NULL;
	}
	bson_t *out = bson_new();
	bson_iter_t it;
	if (bson_iter_init(&it, raw))
		unmark_doc(&it, out);
	bson_destroy(raw);
	return out;
}

/* ------------------------------------------------------------ JSON out */

/* msp_buf_add, inlined when there is room: a document is written in ~100
 * pieces of a few bytes, and the call per piece cost more than the copy. */
static inline void jadd(msp_buf *b, const char *s, size_t n)
{
	if (!b->failed && b->len + n < b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else {
		msp_buf_add(b, s, n);
	}
}

#define LIT(b, s) jadd((b), (s), sizeof(s) - 1)

/* Documents as MongoDB relaxed extended JSON, in libbson's layout
 * ({ "k" : v, ... }), written here because libbson's writer takes ~19 us a
 * document (doubles through "%.20g", byte-wise string building), which
 * would cap inserts at ~50k documents/s.  Doubles are written in the
 * shortest form that reads back to the same value, with ".0" when that form
 * looks like an integer (so 1.0 stays a double); rare types (dates, binary,
 * decimal128, ...) go through libbson. */
static void json_str(msp_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	LIT(b, "\"");
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jadd(b, s + run, i - run);
		run = i + 1;
		char e[8];
		switch (c) {
		case '"': LIT(b, "\\\""); break;
		case '\\': LIT(b, "\\\\"); break;
		case '\b': LIT(b, "\\b"); break;
		case '\f': LIT(b, "\\f"); break;
		case '\n': LIT(b, "\\n"); break;
		case '\r': LIT(b, "\\r"); break;
		case '\t': LIT(b, "\\t"); break;
		default:
			e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15];
			jadd(b, e, 6);
		}
	}
	jadd(b, s + run, n - run);
	LIT(b, "\"");
}

/* The fewest decimals k such that v*10^k is an integer m below 2^53 and
 * m/10^k reads back as v (both operations correctly rounded, so the
 * decimal text m*10^-k converts to v), written as m*10^-k in fixed
 * notation ("5.0", "0.05", "1299822700.4517") into t (40 bytes, not
 * terminated); its length, or 0 when v has no such form. */
int msp_db_double_decimal(double v, char *t)
{
	int n = 0;
	if (!(fabs(v) < 9007199254740992.0))
		return 0;
	double p = 1;
	for (int k = 0; k <= 17; k++, p *= 10) {
		double x = v * p;
		if (fabs(x) >= 9007199254740992.0)
			break;
		int64_t m = (int64_t)x;
		if ((double)m != x || (double)m / p != v)
			continue;
		uint64_t u = m < 0 ? (uint64_t)(-m) : (uint64_t)m;
		char d[40];
		int nd = 0;
		do {
			d[nd++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		while (nd <= k)
			d[nd++] = '0';
		if (m < 0)
			t[n++] = '-';
		for (int i = nd - 1; i >= k; i--)
			t[n++] = d[i];
		t[n++] = '.';
		if (k == 0)
			t[n++] = '0';
		for (int i = k - 1; i >= 0; i--)
			t[n++] = d[i];
		return n;
	}
	return 0;
}

/*
 * The text of the loop below (the first of "%.15g", "%.16g", "%.17g" that
 * reads back as v) without printf or strtod, for 1e-7 <= |v| < 2^53: v is
 * f / 2^s (f the 53-bit significand), so v's P-digit decimal D / 10^k (k =
 * P-1-X, X v's decimal exponent) comes from the exact 128-bit integer
 * f * 10^k, rounded to nearest-even as printf rounds; it reads back as v
 * when it lies inside v's rounding interval, which is an exact comparison
 * of the remainder too (a tie goes to the even significand, as strtod
 * does).  0 when v is outside the range (then the loop).
 */
static int g_shortest(double v, char *out)
{
	typedef unsigned __int128 u128;
	double a = fabs(v);
	if (!(a >= 1e-7 && a < 9007199254740992.0))
		return 0;
	int e2;
	uint64_t f = (uint64_t)ldexp(frexp(a, &e2), 53);
	int s = 53 - e2; /* 1..77 */
	if (s < 1)
		return 0;
	u128 p10[23];
	p10[0] = 1;
	for (int i = 1; i < 23; i++)
		p10[i] = p10[i - 1] * 10;
	int x = (int)floor(log10(a));
	uint64_t d = 0;
	for (int prec = 15; prec <= 17; prec++) {
		u128 n, r, half = (u128)1 << (s - 1);
		for (int tries = 0;; tries++) {
			int k = prec - 1 - x;
			if (k < 0 || k > 22 || tries > 2)
				return 0;
			n = (u128)f * p10[k];
			u128 q = n >> s;
			if (q >= p10[prec])
				x++;
			else if (q < p10[prec - 1])
				x--;
			else
				break;
		}
		int k = prec - 1 - x;
		d = (uint64_t)(n >> s);
		r = n & (((u128)1 << s) - 1);
		int up = r > half || (r == half && (d & 1));
		/* how far the decimal is from v, in units of 1 / (10^k 2^s):
		 * v's interval is 10^k / 2 on either side (10^k / 4 below a power
		 * of 2) */
		u128 dist = up ? ((u128)1 << s) - r : r;
		int inside;
		if (up || dist == 0)
			inside = 2 * dist < p10[k] || (2 * dist == p10[k] && !(f & 1));
		else if (f == (uint64_t)1 << 52)
			inside = 4 * dist < p10[k] || (4 * dist == p10[k] && !(f & 1));
		else
			inside = 2 * dist < p10[k] || (2 * dist == p10[k] && !(f & 1));
		d += (uint64_t)up;
		int xd = x;
		if (d == (uint64_t)p10[prec]) { /* 99..9 rounded up to 10..0 */
			d /= 10;
			xd++;
		}
		if (!inside && prec < 17)
			continue;
		/* "%.{prec}g": digits of d, trailing zeros dropped */
		char dg[20];
		for (int i = prec - 1; i >= 0; i--, d /= 10)
			dg[i] = (char)('0' + d % 10);
		int nd = prec;
		while (nd > 1 && dg[nd - 1] == '0')
			nd--;
		int o = 0;
		if (v < 0)
			out[o++] = '-';
		if (xd < -4 || xd >= prec) {
			out[o++] = dg[0];
			if (nd > 1) {
				out[o++] = '.';
				for (int i = 1; i < nd; i++)
					out[o++] = dg[i];
			}
			out[o++] = 'e';
			out[o++] = xd < 0 ? '-' : '+';
			int ax = xd < 0 ? -xd : xd;
			if (ax >= 100)
				out[o++] = (char)('0' + ax / 100);
			out[o++] = (char)('0' + ax / 10 % 10);
			out[o++] = (char)('0' + ax % 10);
		} else if (xd >= 0) {
			for (int i = 0; i <= xd; i++)
				out[o++] = dg[i];
			if (nd > xd + 1) {
				out[o++] = '.';
				for (int i = xd + 1; i < nd; i++)
					out[o++] = dg[i];
			}
		} else {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = 0; i < -xd - 1; i++)
				out[o++] = '0';
			for (int i = 0; i < nd; i++)
				out[o++] = dg[i];
		}
		out[o] = '\0';
		return o;
	}
	return 0;
}

static void json_double(msp_buf *b, double v)
{
	if (v != v) {
		LIT(b, "{ \"$numberDouble\" : \"NaN\" }");
		return;
	}
	if (v - v != 0) {
		if (v > 0)
			LIT(b, "{ \"$numberDouble\" : \"Infinity\" }");
		else
			LIT(b, "{ \"$numberDouble\" : \"-Infinity\" }");
		return;
	}
	char t[40];
	int n = 0;
	if (v == 0) {
		if (signbit(v))
			LIT(b, "-0.0");
		else
			LIT(b, "0.0");
		return;
	}
	if ((n = msp_db_double_decimal(v, t)) > 0) {
		jadd(b, t, (size_t)n);
		return;
	}
	n = g_shortest(v, t);
	if (n == 0)
		for (int prec = 15; prec <= 17; prec++) {
			n = snprintf(t, sizeof t, "%.*g", prec, v);
			if (prec == 17 || strtod(t, NULL) == v)
				break;
		}
	jadd(b, t, (size_t)n);
	if (strspn(t, "0123456789-") == (size_t)n)
		LIT(b, ".0");
}

static void json_doc(msp_buf *b, const bson_t *doc, int as_array, int depth);

/* An integer in decimal, as "%lld" writes it, without printf's cost
 * (npts, foff and nbytes are in every wf document). */
static void json_int(msp_buf *b, int64_t v)
{
	char d[24];
	int n = (int)sizeof d;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--n] = '-';
	jadd(b, d + n, sizeof d - (size_t)n);
}

static void json_value(msp_buf *b, const bson_iter_t *it, int depth)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8: {
		uint32_t len;
		const char *s = bson_iter_utf8(it, &len);
		json_str(b, s, len);
		return;
	}
	case BSON_TYPE_DOUBLE: json_double(b, bson_iter_double(it)); return;
	case BSON_TYPE_INT32: json_int(b, bson_iter_int32(it)); return;
	case BSON_TYPE_INT64: json_int(b, bson_iter_int64(it)); return;
	case BSON_TYPE_BOOL:
		if (bson_iter_bool(it))
			LIT(b, "true");
		else
			LIT(b, "false");
		return;
	case BSON_TYPE_NULL: LIT(b, "null"); return;
	case BSON_TYPE_OID: {
		char hex[25];
		bson_oid_to_string(bson_iter_oid(it), hex);
		LIT(b, "{ \"$oid\" : \"");
		jadd(b, hex, 24);
		LIT(b, "\" }");
		return;
	}
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		if (depth < 100) {
			uint32_t len;
			const uint8_t *data;
			bson_t sub;
			if (BSON_ITER_HOLDS_ARRAY(it))
				bson_iter_array(it, &len, &data);
			else
				bson_iter_document(it, &len, &data);
			if (bson_init_static(&sub, data, len)) {
				json_doc(b, &sub, BSON_ITER_HOLDS_ARRAY(it), depth + 1);
				return;
			}
		}
		/* too deep or malformed: let libbson say it */
		__attribute__((fallthrough));
	default: {
		bson_t one = BSON_INITIALIZER;
		bson_append_iter(&one, "v", 1, it);
		size_t len;
		char *s = bson_as_relaxed_extended_json(&one, &len);
		bson_destroy(&one);
		/* s is '{ "v" : VALUE }' */
		if (s && len > 10)
			jadd(b, s + 8, len - 10);
		else
			b->failed = 1;
		bson_free(s);
	}
	}
}

static void json_doc(msp_buf *b, const bson_t *doc, int as_array, int depth)
{
	bson_iter_t it;
	int first = 1;
	jadd(b, as_array ? "[ " : "{ ", 2);
	if (bson_iter_init(&it, doc)) {
		while (bson_iter_next(&it)) {
			if (!first)
				LIT(b, ", ");
			first = 0;
			if (!as_array) {
				json_str(b, bson_iter_key(&it), bson_iter_key_len(&it));
				LIT(b, " : ");
			}
			json_value(b, &it, depth);
		}
	}
	jadd(b, as_array ? " ]" : " }", 2);
}

int msp_db_json_append(msp_buf *b, const bson_t *doc, int as_array)
{
	json_doc(b, doc, as_array, 0);
	return b->failed ? MSP_ERR_NOMEM : MSP_OK;
}

