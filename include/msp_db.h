/*
 * msp_db.h - one database interface, two backends: SQLite (a file path; the
 * default) and MongoDB (a mongodb:// URI, through libmongoc).
 *
 * Collections hold BSON documents with MsPASS's names and schemas.  Queries
 * are MongoDB filter documents; the SQLite backend translates the supported
 * subset into SQL with every value bound as a parameter.  An unsupported
 * operator is MSP_ERR_INVAL with a message naming it.
 */
#ifndef MSP_DB_H
#define MSP_DB_H

#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_db msp_db;
typedef struct msp_cursor msp_cursor;

/* The database a tool uses when neither --db nor MSPIPE_DB names one. */
#define MSP_DB_DEFAULT "mspipe.db"

/* Resolve the database name: arg if not NULL, else $MSPIPE_DB, else MSP_DB_DEFAULT. */
const char *msp_db_resolve(const char *arg);
/* Open by path or mongodb:// URI.  On failure *out is NULL and errbuf
 * (if not NULL) holds a message with any password masked. */
int msp_db_open(msp_db **out, const char *path_or_uri, char *errbuf, size_t errlen);
void msp_db_close(msp_db *db);
/* Last error message of this handle (never contains a URI password). */
const char *msp_db_errmsg(const msp_db *db);
/* "sqlite" or "mongodb". */
const char *msp_db_backend(const msp_db *db);

/* Options of a find. */
typedef struct msp_find_opts {
	const bson_t *sort;        /* {key: 1|-1, ...} in order, or NULL */
	const bson_t *projection;  /* {key: 1, ...} or {key: 0, ...}, or NULL */
	int64_t limit;             /* 0: no limit */
	int64_t skip;
	/* Restart support: leave out documents whose _id is the value of
	 * "<coll>_id" in a wf_TimeSeries, wf_Seismogram or cemetery document
	 * with data_tag equal to this (NULL: no such condition). */
	const char *not_saved_as;
} msp_find_opts;

/* What a cursor's result is (SQLite): the set and the order of the matching
 * documents are taken at the first msp_cursor_next, in one read transaction
 * (only their keys are kept, in memory up to 1024 and beyond that in an
 * unlinked file in $TMPDIR, else /tmp).  The documents themselves are then
 * read in chunks of about 256 KiB, each in its own short read transaction,
 * so that the cursor holds no snapshot between chunks and writers'
 * checkpoints keep the write-ahead log small however long the caller takes.
 * A document changed after the first call comes as it is when its chunk is
 * read (even if it no longer matches the filter); one deleted since is left
 * out and counted by msp_cursor_vanished.  Inside a transaction of the
 * caller (msp_db_begin) every read is part of it.  MongoDB: the server's
 * cursor, as it is. */
int msp_db_find(msp_db *db, const char *coll, const bson_t *filter,
                const msp_find_opts *opts, msp_cursor **out);
/* Documents of the result deleted between the first msp_cursor_next and
 * the reading of their chunk (left out of the result); 0 with MongoDB. */
int64_t msp_cursor_vanished(const msp_cursor *c);
/* MSP_OK with *doc (owned by the cursor, valid until the next call), MSP_EOF, or an error. */
int msp_cursor_next(msp_cursor *c, const bson_t **doc);
void msp_cursor_close(msp_cursor *c);
/* The current document as relaxed extended JSON (after a successful
 * msp_cursor_next; valid until the next call).  Cheaper than converting
 * the bson_t yourself: the SQLite backend keeps documents as this text. */
int msp_cursor_json(msp_cursor *c, const char **json, size_t *len);
/* Next document as relaxed extended JSON only (no bson_t is made when the
 * backend keeps text): MSP_OK, MSP_EOF or an error. */
int msp_cursor_next_json(msp_cursor *c, const char **json, size_t *len);

int msp_db_count(msp_db *db, const char *coll, const bson_t *filter, int64_t *count);
/* Count with the skip, limit and not_saved_as of opts (sort and projection ignored). */
int msp_db_count_opts(msp_db *db, const char *coll, const bson_t *filter,
                      const msp_find_opts *opts, int64_t *count);
/* Distinct values of key among matching documents, as a BSON array document
 * {"0": v0, "1": v1, ...} in ascending order (caller destroys). */
int msp_db_distinct(msp_db *db, const char *coll, const char *key,
                    const bson_t *filter, bson_t **values);

/* Insert documents in one batch (one transaction / one insert_many): all or
 * nothing.  A document without _id gets a new ObjectId; ids (if not NULL)
 * receives n ids. */
int msp_db_insert_many(msp_db *db, const char *coll, const bson_t *const *docs,
                       size_t n, bson_oid_t *ids);
/* Update matching documents with a {$set: {...}} / {$unset: {...}} document. */
int msp_db_update(msp_db *db, const char *coll, const bson_t *filter,
                  const bson_t *update, int64_t *nmodified);
int msp_db_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndeleted);

/* Index on one or more keys, {key: 1, ...}; name may be NULL (derived). */
int msp_db_create_index(msp_db *db, const char *coll, const bson_t *keys,
                        const char *name, int unique);
/* Index names and their keys as a document {name: {key: 1, ...}, ...}. */
int msp_db_list_indexes(msp_db *db, const char *coll, bson_t **out);
int msp_db_drop_index(msp_db *db, const char *coll, const char *name);
/* Collection names with counts as {name: count, ...}. */
int msp_db_list_collections(msp_db *db, bson_t **out);
int msp_db_drop_collection(msp_db *db, const char *coll);

/* Explicit transactions for batched writes across collections (SQLite: BEGIN
 * IMMEDIATE ... COMMIT; MongoDB: no-op, batches are one insert_many each). */
int msp_db_begin(msp_db *db);
int msp_db_commit(msp_db *db);
int msp_db_rollback(msp_db *db);

/* SQLite only: the query plan (EXPLAIN QUERY PLAN lines) and the SQL of a
 * find, malloc'd; MSP_ERR_UNSUPPORTED on MongoDB.  For tests of index use. */
int msp_db_query_plan(msp_db *db, const char *coll, const bson_t *filter,
                      const msp_find_opts *opts, char **plan);
/* Is this a valid filter of the supported language?  MSP_ERR_INVAL with a
 * message naming the offending part in errbuf. */
int msp_db_filter_check(const bson_t *filter, char *errbuf, size_t errlen);
/* Append a document (or with as_array, an array document) as MongoDB
 * relaxed extended JSON in libbson's layout, doubles in their shortest
 * round-trip form (1.0 keeps its ".0").  What the database layer stores and
 * prints; faster than libbson's writer.  MSP_ERR_NOMEM if b failed. */
struct msp_buf;
int msp_db_json_append(struct msp_buf *b, const bson_t *doc, int as_array);
/* Is this a valid collection name (letters, digits, _ . -; not reserved)?
 * MSP_ERR_INVAL with a message in errbuf. */
int msp_db_coll_check(const char *coll, char *errbuf, size_t errlen);
/* Parse a filter (or any query document) from JSON.  Use this rather than
 * bson_new_from_json: libbson 1.23 turns {"$regex": P, "$options": O} into a
 * BSON regex and carries one regex's options over to the next one.  NULL
 * with a message in errbuf when the text is not a JSON document. */
bson_t *msp_db_filter_parse(const char *json, char *errbuf, size_t errlen);
/* MongoDB's order of two BSON values: type brackets (null < numbers <
 * strings < documents < arrays < binary < ObjectId < bool < date), numbers
 * compared across int32/int64/double; <0, 0, >0. */
int msp_db_value_cmp(const bson_value_t *a, const bson_value_t *b);
/* Copy in to out (outlen bytes, always NUL-terminated) with the password of
 * every URI in it ("scheme://user:PASSWORD@host") replaced by "***", so a
 * MongoDB URI's password never reaches a message, a history entry or a
 * saved document.  Returns the length of the full result (as snprintf). */
size_t msp_mask_passwords(const char *in, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif
