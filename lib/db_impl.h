/*
 * db_impl.h - private to the database layer (lib/db*.c): the handle, the
 * cursor, the two backends' entry points, and the helpers both share
 * (filter checking, BSON value ordering, projection).
 */
#ifndef MSP_DB_IMPL_H
#define MSP_DB_IMPL_H

#include <stdarg.h>
#include <time.h>
#include <sqlite3.h>
#include <mongoc/mongoc.h>
#include "msp_db.h"
#include "json_internal.h"

enum { MSP_DB_SQLITE = 1, MSP_DB_MONGO = 2 };

struct msp_db {
	int kind;
	char err[1024];
	/* SQLite */
	sqlite3 *sq;
	int in_txn;            /* inside msp_db_begin .. commit/rollback */
	sqlite3_stmt *ins_stmt;/* cached INSERT of the last collection */
	int busy_ms;           /* how long to wait for another's lock */
	struct timespec busy_t0; /* when the current wait began */
	char ins_coll[128];
	/* MongoDB */
	mongoc_client_t *mc;
	char dbname[128];
};

struct msp_cursor {
	msp_db *db;
	/* SQLite */
	sqlite3_stmt *st;
	/* MongoDB */
	mongoc_cursor_t *mcur;
	mongoc_collection_t *mcoll;
	/* both */
	bson_t *proj;          /* projection applied here (SQLite), or NULL */
	bson_t *cur;           /* the current document (owned) */
	bson_t view;           /* the current document when not parsed (mongo) */
	char *json;            /* the current JSON text (owned, bson_free) */
	/* client-side --not-saved-as (MongoDB) */
	void *skipset;
	int64_t cskip, climit, nout;
	/* SQLite: the keys of the result and the chunk being served (db_sqlite.c) */
	struct msp_sq_walk *walk;
	int64_t vanished;      /* matched at the start, deleted before read */
};

/* Set the handle's error message; returns code. */
int msp_db_fail(msp_db *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Collection names: letters, digits, '_', '.', '-'; 1..100 chars; not starting with "_msp" or "sqlite". */
int msp_db_check_coll(msp_db *db, const char *coll);
/* Check a filter against the supported language (both backends).  MSP_ERR_INVAL naming the offending part. */
int msp_db_check_filter(msp_db *db, const bson_t *filter);
int msp_db_check_sort(msp_db *db, const bson_t *sort);
int msp_db_check_projection(msp_db *db, const bson_t *proj);

/* Apply a projection to doc, giving a new document. */
bson_t *msp_db_project(const bson_t *doc, const bson_t *proj);

/* SQLite backend (db_sqlite.c). */
int msp_sq_open(msp_db *db, const char *path);
void msp_sq_close(msp_db *db);
int msp_sq_find(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, msp_cursor *c);
int msp_sq_next(msp_cursor *c);
void msp_sq_cursor_free(msp_cursor *c);
int msp_sq_count(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, int64_t *n);
int msp_sq_distinct(msp_db *db, const char *coll, const char *key, const bson_t *filter, bson_t **values);
int msp_sq_insert_many(msp_db *db, const char *coll, const bson_t *const *docs, size_t n, bson_oid_t *ids);
int msp_sq_update(msp_db *db, const char *coll, const bson_t *filter, const bson_t *update, int64_t *nmod);
int msp_sq_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndel);
int msp_sq_create_index(msp_db *db, const char *coll, const bson_t *keys, const char *name, int unique);
int msp_sq_list_indexes(msp_db *db, const char *coll, bson_t **out);
int msp_sq_drop_index(msp_db *db, const char *coll, const char *name);
int msp_sq_list_collections(msp_db *db, bson_t **out);
int msp_sq_drop_collection(msp_db *db, const char *coll);
int msp_sq_exec(msp_db *db, const char *sql);
int msp_sq_explain(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, char **plan);

/* MongoDB backend (db_mongo.c). */
int msp_mg_open(msp_db *db, const char *uri, char *errbuf, size_t errlen);
void msp_mg_close(msp_db *db);
int msp_mg_find(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, msp_cursor *c);
int msp_mg_next(msp_cursor *c);
int msp_mg_count(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, int64_t *n);
int msp_mg_distinct(msp_db *db, const char *coll, const char *key, const bson_t *filter, bson_t **values);
int msp_mg_insert_many(msp_db *db, const char *coll, const bson_t *const *docs, size_t n, bson_oid_t *ids);
int msp_mg_update(msp_db *db, const char *coll, const bson_t *filter, const bson_t *update, int64_t *nmod);
int msp_mg_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndel);
int msp_mg_create_index(msp_db *db, const char *coll, const bson_t *keys, const char *name, int unique);
int msp_mg_list_indexes(msp_db *db, const char *coll, bson_t **out);
int msp_mg_drop_index(msp_db *db, const char *coll, const char *name);
int msp_mg_list_collections(msp_db *db, bson_t **out);
int msp_mg_drop_collection(msp_db *db, const char *coll);

/* msp_db_json_parse: json_internal.h */

/* A double's exact short decimal form as the stored JSON writes it (see
 * db.c); 0 when it has none (then the shortest %.15g..%.17g form). */
int msp_db_double_decimal(double v, char *t);

/* Sort an array document of values by msp_db_value_cmp and drop duplicates. */
bson_t *msp_db_sorted_unique(bson_value_t *vals, size_t n);
/* Derived index name, MongoDB style: "k1_1_k2_-1". */
void msp_db_index_name(const bson_t *keys, char *out, size_t outlen);

#endif
