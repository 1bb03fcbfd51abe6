/*
 * msp_meta.h - Metadata access on BSON documents.
 *
 * libbson documents are append-only; these helpers give the get/set/delete
 * view MsPASS's Metadata has.  A set rewrites the document without the key
 * and appends the new value: O(document size), fine for headers of a few
 * hundred bytes.  Keys may be dot paths ("Parrival.median_snr") for the
 * getters; setters take a top-level key.
 */
#ifndef MSP_META_H
#define MSP_META_H

#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

int msp_meta_has(const bson_t *doc, const char *key);
/* Numeric read: accepts double, int32, int64 and bool values.
 * MSP_ERR_NOTFOUND if absent, MSP_ERR_TYPE if not numeric. */
int msp_meta_get_double(const bson_t *doc, const char *key, double *out);
int msp_meta_get_int64(const bson_t *doc, const char *key, int64_t *out);
/* String read: *out points into the document (valid until it changes). */
int msp_meta_get_string(const bson_t *doc, const char *key, const char **out);
int msp_meta_get_bool(const bson_t *doc, const char *key, int *out);
/* The same reads on a value an iterator is at (the caller found the key):
 * the same conversions and MSP_ERR_TYPE cases as the getters above. */
int msp_meta_iter_double(const bson_iter_t *it, double *out);
int msp_meta_iter_int64(const bson_iter_t *it, int64_t *out);
int msp_meta_iter_string(const bson_iter_t *it, const char **out);

/* Set (replace or add) a top-level key. */
int msp_meta_set_double(bson_t *doc, const char *key, double v);
int msp_meta_set_int64(bson_t *doc, const char *key, int64_t v);
int msp_meta_set_string(bson_t *doc, const char *key, const char *v);
int msp_meta_set_bool(bson_t *doc, const char *key, int v);
int msp_meta_set_oid(bson_t *doc, const char *key, const bson_oid_t *v);
/* Set key to a copy of an iterator's value (any BSON type). */
int msp_meta_set_value(bson_t *doc, const char *key, const bson_value_t *v);
/* Set key to a subdocument. */
int msp_meta_set_document(bson_t *doc, const char *key, const bson_t *sub);
/* Remove a top-level key; MSP_OK even if absent. */
int msp_meta_remove(bson_t *doc, const char *key);
/* Rename a top-level key (MSP_ERR_NOTFOUND if absent). */
int msp_meta_rename(bson_t *doc, const char *from, const char *to);
/* Replace meta with meta minus the keys of upd and of the NULL-terminated
 * list drop (may be NULL), followed by upd: many keys set in one rebuild
 * (the setters above rebuild the document once per key). */
int msp_meta_update(bson_t *meta, const bson_t *upd, const char *const *drop);
/* Copy every key of src into dst, replacing existing keys, with an optional
 * prefix on the key names (prefix NULL or ""). */
int msp_meta_merge(bson_t *dst, const bson_t *src, const char *prefix);

/* Parse one JSON document (MongoDB relaxed or canonical extended JSON) into
 * a new bson_t; on failure returns NULL and fills err (if not NULL).  Text
 * after the document other than white space is a failure ("text after the
 * JSON document"), a second document included: libbson alone would read
 * the first of {..}{..} and drop the second. */
bson_t *msp_json_to_bson(const char *json, ssize_t len, bson_error_t *err);
/* Relaxed extended JSON of a document, malloc'd with bson_malloc (free with bson_free). */
char *msp_bson_to_json(const bson_t *doc, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
