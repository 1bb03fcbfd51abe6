/*
 * meta.c - Metadata get/set/remove on BSON documents, and JSON conversion.
 */
#include <string.h>
#include "msp_meta.h"
#include "msp_status.h"
#include "json_internal.h"
#include "elbuf.h"

static int find(const bson_t *doc, const char *key, bson_iter_t *it)
{
	bson_iter_t top;
	if (!bson_iter_init(&top, doc))
		return 0;
	if (strchr(key, '.'))
		return bson_iter_find_descendant(&top, key, it);
	if (!bson_iter_find(&top, key))
		return 0;
	*it = top;
	return 1;
}

int msp_meta_has(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	return find(doc, key, &it);
}

int msp_meta_iter_double(const bson_iter_t *it, double *out)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_DOUBLE: *out = bson_iter_double(it); return MSP_OK;
	case BSON_TYPE_INT32: *out = bson_iter_int32(it); return MSP_OK;
	case BSON_TYPE_INT64: *out = (double)bson_iter_int64(it); return MSP_OK;
	case BSON_TYPE_BOOL: *out = bson_iter_bool(it); return MSP_OK;
	default: return MSP_ERR_TYPE;
	}
}

int msp_meta_get_double(const bson_t *doc, const char *key, double *out)
{
	bson_iter_t it;
	if (!find(doc, key, &it))
		return MSP_ERR_NOTFOUND;
	return msp_meta_iter_double(&it, out);
}

int msp_meta_iter_int64(const bson_iter_t *it, int64_t *out)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32: *out = bson_iter_int32(it); return MSP_OK;
	case BSON_TYPE_INT64: *out = bson_iter_int64(it); return MSP_OK;
	case BSON_TYPE_BOOL: *out = bson_iter_bool(it); return MSP_OK;
	case BSON_TYPE_DOUBLE: {
		double d = bson_iter_double(it);
		/* range first: converting NaN or a double beyond int64 is undefined
		 * (found by fuzz_wfdoc with npts 5e84) */
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != (double)(int64_t)d)
			return MSP_ERR_TYPE;
		*out = (int64_t)d;
		return MSP_OK;
	}
	default: return MSP_ERR_TYPE;
	}
}

int msp_meta_get_int64(const bson_t *doc, const char *key, int64_t *out)
{
	bson_iter_t it;
	if (!find(doc, key, &it))
		return MSP_ERR_NOTFOUND;
	return msp_meta_iter_int64(&it, out);
}

int msp_meta_iter_string(const bson_iter_t *it, const char **out)
{
	if (!BSON_ITER_HOLDS_UTF8(it))
		return MSP_ERR_TYPE;
	*out = bson_iter_utf8(it, NULL);
	return MSP_OK;
}

int msp_meta_get_string(const bson_t *doc, const char *key, const char **out)
{
	bson_iter_t it;
	if (!find(doc, key, &it))
		return MSP_ERR_NOTFOUND;
	return msp_meta_iter_string(&it, out);
}

int msp_meta_get_bool(const bson_t *doc, const char *key, int *out)
{
	bson_iter_t it;
	if (!find(doc, key, &it))
		return MSP_ERR_NOTFOUND;
	if (!BSON_ITER_HOLDS_BOOL(&it))
		return MSP_ERR_TYPE;
	*out = bson_iter_bool(&it);
	return MSP_OK;
}

/* Copy doc without key into a fresh document, then swap it in. */
static int without(bson_t *doc, const char *key)
{
	bson_iter_t it;
	bson_t tmp = BSON_INITIALIZER;
	int found = 0;
	if (!bson_iter_init(&it, doc))
		return MSP_ERR_FORMAT;
	while (bson_iter_next(&it)) {
		if (strcmp(bson_iter_key(&it), key) == 0) {
			found = 1;
			continue;
		}
		if (!bson_append_iter(&tmp, NULL, 0, &it)) {
			bson_destroy(&tmp);
			return MSP_ERR_NOMEM;
		}
	}
	if (found) {
		bson_reinit(doc);
		bson_concat(doc, &tmp);
	}
	bson_destroy(&tmp);
	return MSP_OK;
}

int msp_meta_remove(bson_t *doc, const char *key)
{
	return without(doc, key);
}

#define SETTER(name, type, append)                                    \
	int name(bson_t *doc, const char *key, type v)                \
	{                                                             \
		int rc = without(doc, key);                           \
		if (rc)                                               \
			return rc;                                    \
		return append ? MSP_OK : MSP_ERR_NOMEM;               \
	}

SETTER(msp_meta_set_double, double, bson_append_double(doc, key, -1, v))
SETTER(msp_meta_set_int64, int64_t, bson_append_int64(doc, key, -1, v))
SETTER(msp_meta_set_string, const char *, bson_append_utf8(doc, key, -1, v, -1))
SETTER(msp_meta_set_bool, int, bson_append_bool(doc, key, -1, v != 0))
SETTER(msp_meta_set_oid, const bson_oid_t *, bson_append_oid(doc, key, -1, v))
SETTER(msp_meta_set_value, const bson_value_t *, bson_append_value(doc, key, -1, v))
SETTER(msp_meta_set_document, const bson_t *, bson_append_document(doc, key, -1, v))

int msp_meta_rename(bson_t *doc, const char *from, const char *to)
{
	bson_iter_t it;
	bson_t tmp = BSON_INITIALIZER;
	int found = 0;
	if (!bson_iter_init(&it, doc))
		return MSP_ERR_FORMAT;
	if (strcmp(from, to) == 0)
		return msp_meta_has(doc, from) ? MSP_OK : MSP_ERR_NOTFOUND;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, to) == 0)
			continue; /* the renamed key replaces it */
		if (strcmp(k, from) == 0) {
			found = 1;
			bson_append_iter(&tmp, to, -1, &it);
		} else {
			bson_append_iter(&tmp, NULL, 0, &it);
		}
	}
	if (found) {
		bson_reinit(doc);
		bson_concat(doc, &tmp);
	}
	bson_destroy(&tmp);
	return found ? MSP_OK : MSP_ERR_NOTFOUND;
}

int msp_meta_update(bson_t *meta, const bson_t *upd, const char *const *drop)
{
	bson_iter_t it, f;
	/* upd's keys listed once (it is small: the keys one step sets), not
	 * searched in the BSON again for every key of meta */
	enum { NK = 32 };
	const char *uk[NK];
	uint32_t ul[NK];
	int nu = 0, many = 0;
	if (bson_iter_init(&f, upd))
		while (bson_iter_next(&f)) {
			if (nu == NK) {
				many = 1;
				break;
			}
			uk[nu] = bson_iter_key(&f);
			ul[nu++] = bson_iter_key_len(&f);
		}
	/* the kept elements and upd's as bytes (what bson_append_iter and
	 * bson_concat write), then one copy into meta */
	msp_elbuf out;
	msp_elbuf_init(&out);
	if (bson_iter_init(&it, meta))
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			int skip = 0;
			if (many) {
				skip = bson_iter_init_find(&f, upd, k);
			} else {
				uint32_t kl = bson_iter_key_len(&it);
				for (int i = 0; i < nu && !skip; i++)
					skip = ul[i] == kl && memcmp(uk[i], k, kl) == 0;
			}
			for (int i = 0; !skip && drop && drop[i]; i++)
				skip = !strcmp(k, drop[i]);
			if (!skip)
				msp_elbuf_element(&out, &it);
		}
	msp_elbuf_elements(&out, upd);
	if (out.failed) {
		msp_elbuf_commit(&out, meta); /* frees; meta unchanged */
		return MSP_ERR_NOMEM;
	}
	bson_reinit(meta);
	return msp_elbuf_commit(&out, meta);
}

int msp_meta_merge(bson_t *dst, const bson_t *src, const char *prefix)
{
	bson_iter_t it;
	char key[512];
	if (!bson_iter_init(&it, src))
		return MSP_ERR_FORMAT;
	while (bson_iter_next(&it)) {
		snprintf(key, sizeof key, "%s%s", prefix ? prefix : "", bson_iter_key(&it));
		int rc = without(dst, key);
		if (rc)
			return rc;
		if (!bson_append_iter(dst, key, -1, &it))
			return MSP_ERR_NOMEM;
	}
	return MSP_OK;
}

/* The offset of the first byte that is not white space after the first
 * top-level JSON object in json[0..len) (strings and escapes respected),
 * len when there is none; the text starts with that object (after white
 * space): libbson's bson_new_from_json reads it and stops. */
static size_t json_after_doc(const char *json, size_t len)
{
	size_t i = 0;
	while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n'))
		i++;
	long depth = 0;
	int in_str = 0;
	for (; i < len; i++) {
		char c = json[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0) {
				i++;
				break;
			}
		}
	}
	while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n'))
		i++;
	return i < len ? i : len;
}

bson_t *msp_json_to_bson(const char *json, ssize_t len, bson_error_t *err)
{
	bson_error_t local;
	/* the plain JSON msquery prints, read ~5 times faster than libbson
	 * reads it; anything else (extended-JSON wrappers, non-ASCII, errors)
	 * is libbson's, with its messages */
	if (json && len >= 0) {
		bson_t *d = msp_json_parse_strict(json, (size_t)len);
		if (d)
			return d;
	}
	bson_t *d = bson_new_from_json((const uint8_t *)json, len, err ? err : &local);
	size_t n = len >= 0 ? (size_t)len : strlen(json);
	if (d && json_after_doc(json, n) < n) {
		bson_destroy(d);
		if (err)
			bson_set_error(err, BSON_ERROR_JSON, BSON_JSON_ERROR_READ_INVALID_PARAM,
			               "text after the JSON document (one document a line)");
		return NULL;
	}
	return d;
}

char *msp_bson_to_json(const bson_t *doc, size_t *len)
{
	return bson_as_relaxed_extended_json(doc, len);
}
