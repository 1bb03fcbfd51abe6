/*
 * db_mongo.c - the MongoDB backend of msp_db.h, through libmongoc: a
 * mongodb://host:port/dbname URI (database "mspipe" when the URI names
 * none).  Filters go to the server as they are (after the shared check in
 * db.c, so both backends refuse the same things); a sort gets _id as its
 * last key so that equal keys come in one fixed order, as in SQLite.
 *
 * insert_many is ordered; MongoDB without a replica set has no
 * transactions, so when a batch fails part way the documents of that batch
 * already written are deleted again (by their _id), leaving nothing half
 * written.  --not-saved-as is evaluated on the client: the ids already saved
 * under the tag are loaded once into a hash set (12 bytes each) and the
 * stream is filtered, with skip and limit applied after the filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db_impl.h"
#include "msp_status.h"

#define DEFAULT_DBNAME "mspipe"

static int mg_err(msp_db *db, const char *what, const bson_error_t *e)
{
	int code = MSP_ERR_DB;
	if (e->code == 26 || strstr(e->message, "ns not found"))
		code = MSP_ERR_NOTFOUND;
	return msp_db_fail(db, code, "mongodb: %s: %s", what, e->message);
}

/* libmongoc logs to stderr by default (e.g. "Couldn't send endSessions" to a
 * server without sessions support, at the end of every run); the library
 * never prints, errors come back through the calls. */
static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *user)
{
	(void)level;
	(void)domain;
	(void)message;
	(void)user;
}

int msp_mg_open(msp_db *db, const char *name, char *errbuf, size_t errlen)
{
	bson_error_t e;
	mongoc_init();
	mongoc_log_set_handler(quiet_log, NULL);
	mongoc_uri_t *uri = mongoc_uri_new_with_error(name, &e);
	if (!uri) {
		/* the message of libmongoc does not repeat the URI, so no password leaks */
		msp_db_fail(db, MSP_ERR_INVAL, "bad MongoDB URI: %s", e.message);
		if (errbuf)
			snprintf(errbuf, errlen, "%s", db->err);
		return MSP_ERR_INVAL;
	}
	const char *dbn = mongoc_uri_get_database(uri);
	snprintf(db->dbname, sizeof db->dbname, "%s", dbn && *dbn ? dbn : DEFAULT_DBNAME);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
	db->mc = mongoc_client_new_from_uri_with_error(uri, &e);
	mongoc_uri_destroy(uri);
	if (!db->mc) {
		msp_db_fail(db, MSP_ERR_INVAL, "bad MongoDB URI: %s", e.message);
		if (errbuf)
			snprintf(errbuf, errlen, "%s", db->err);
		return MSP_ERR_INVAL;
	}
	mongoc_client_set_error_api(db->mc, MONGOC_ERROR_API_VERSION_2);
	mongoc_client_set_appname(db->mc, "mspipe");
	/* Fail at open, not at the first query, when the server is unreachable. */
	bson_t ping = BSON_INITIALIZER;
	BSON_APPEND_INT32(&ping, "ping", 1);
	bool ok = mongoc_client_command_simple(db->mc, "admin", &ping, NULL, NULL, &e);
	bson_destroy(&ping);
	if (!ok) {
		msp_db_fail(db, MSP_ERR_DB, "cannot reach the MongoDB server: %s", e.message);
		if (errbuf)
			snprintf(errbuf, errlen, "%s", db->err);
		return MSP_ERR_DB;
	}
	return MSP_OK;
}

void msp_mg_close(msp_db *db)
{
	if (db->mc)
		mongoc_client_destroy(db->mc);
	db->mc = NULL;
}

static mongoc_collection_t *coll_of(msp_db *db, const char *coll)
{
	return mongoc_client_get_collection(db->mc, db->dbname, coll);
}

/* ---------------------------------------------------------- id hash set */

typedef struct idset {
	uint8_t (*k)[12];
	uint8_t *used;
	size_t n, cap;
} idset;

static uint64_t h12(const uint8_t *k)
{
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 12; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

static int idset_add(idset *s, const uint8_t *k)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 1024;
		uint8_t (*nk)[12] = calloc(nc, 12);
		uint8_t *nu = calloc(nc, 1);
		if (!nk || !nu) {
			free(nk);
			free(nu);
			return MSP_ERR_NOMEM;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->used[i])
				continue;
			size_t j = h12(s->k[i]) & (nc - 1);
			while (nu[j])
				j = (j + 1) & (nc - 1);
			memcpy(nk[j], s->k[i], 12);
			nu[j] = 1;
		}
		free(s->k);
		free(s->used);
		s->k = nk;
		s->used = nu;
		s->cap = nc;
	}
	size_t j = h12(k) & (s->cap - 1);
	while (s->used[j]) {
		if (!memcmp(s->k[j], k, 12))
			return MSP_OK;
		j = (j + 1) & (s->cap - 1);
	}
	memcpy(s->k[j], k, 12);
	s->used[j] = 1;
	s->n++;
	return MSP_OK;
}

static int idset_has(const idset *s, const uint8_t *k)
{
	if (!s->cap)
		return 0;
	size_t j = h12(k) & (s->cap - 1);
	while (s->used[j]) {
		if (!memcmp(s->k[j], k, 12))
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

static void idset_free(idset *s)
{
	if (!s)
		return;
	free(s->k);
	free(s->used);
	free(s);
}

/* The ids of coll already saved under tag (see msp_find_opts.not_saved_as). */
static int load_saved(msp_db *db, const char *coll, const char *tag, idset **out)
{
	static const char *colls[] = {"wf_TimeSeries", "wf_Seismogram", "cemetery"};
	char key[160];
	snprintf(key, sizeof key, "%s_id", coll);
	idset *s = calloc(1, sizeof *s);
	if (!s)
		return MSP_ERR_NOMEM;
	int rc = MSP_OK;
	/* the queried collection too: wf_TimeSeries -> wf_TimeSeries steps */
	for (int i = 0; i < 3 && !rc; i++) {
		mongoc_collection_t *mc = coll_of(db, colls[i]);
		bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, proj;
		BSON_APPEND_UTF8(&filter, "data_tag", tag);
		BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
		BSON_APPEND_INT32(&proj, key, 1);
		bson_append_document_end(&opts, &proj);
		mongoc_cursor_t *cur = mongoc_collection_find_with_opts(mc, &filter, &opts, NULL);
		const bson_t *d;
		bson_iter_t it;
		while (!rc && mongoc_cursor_next(cur, &d))
			if (bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_OID(&it))
				rc = idset_add(s, bson_iter_oid(&it)->bytes);
		bson_error_t e;
		if (!rc && mongoc_cursor_error(cur, &e))
			rc = mg_err(db, "reading saved ids", &e);
		mongoc_cursor_destroy(cur);
		mongoc_collection_destroy(mc);
		bson_destroy(&filter);
		bson_destroy(&opts);
	}
	if (rc) {
		idset_free(s);
		return rc;
	}
	*out = s;
	return MSP_OK;
}

/* ---------------------------------------------------------- find */

int msp_mg_find(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, msp_cursor *c)
{
	bson_t opts = BSON_INITIALIZER;
	bson_t empty = BSON_INITIALIZER;
	int client_side = o && o->not_saved_as;
	if (o && o->sort) {
		bson_t s;
		bson_iter_t it;
		int have_id = 0;
		BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &s);
		bson_iter_init(&it, o->sort);
		while (bson_iter_next(&it)) {
			if (!strcmp(bson_iter_key(&it), "_id"))
				have_id = 1;
			BSON_APPEND_INT32(&s, bson_iter_key(&it), (int32_t)bson_iter_as_int64(&it));
		}
		if (!have_id)
			BSON_APPEND_INT32(&s, "_id", 1);
		bson_append_document_end(&opts, &s);
	}
	if (o && o->projection && !client_side)
		BSON_APPEND_DOCUMENT(&opts, "projection", o->projection);
	if (o && o->projection && client_side)
		c->proj = bson_copy(o->projection); /* the _id is needed to filter: project here */
	if (o && !client_side && o->limit > 0)
		BSON_APPEND_INT64(&opts, "limit", o->limit);
	if (o && !client_side && o->skip > 0)
		BSON_APPEND_INT64(&opts, "skip", o->skip);
	if (client_side) {
		idset *s = NULL;
		int rc = load_saved(db, coll, o->not_saved_as, &s);
		if (rc) {
			bson_destroy(&opts);
			return rc;
		}
		c->skipset = s;
		c->cskip = o->skip;
		c->climit = o->limit;
		/* the _id is needed to filter; a projection without it keeps it here */
	}
	c->mcoll = coll_of(db, coll);
	c->mcur = mongoc_collection_find_with_opts(c->mcoll, filter ? filter : &empty, &opts, NULL);
	bson_destroy(&opts);
	bson_t *err_doc = NULL;
	(void)err_doc;
	if (c->skipset) {
		/* own the set's memory through a wrapper that free() releases in msp_cursor_close */
		idset *s = c->skipset;
		size_t bytes = sizeof(idset) + s->cap * 13;
		uint8_t *blob = malloc(bytes ? bytes : 1);
		if (!blob) {
			idset_free(s);
			c->skipset = NULL;
			return MSP_ERR_NOMEM;
		}
		idset *ns = (idset *)blob;
		ns->n = s->n;
		ns->cap = s->cap;
		ns->k = (uint8_t(*)[12])(blob + sizeof(idset));
		ns->used = blob + sizeof(idset) + s->cap * 12;
		if (s->cap) {
			memcpy(ns->k, s->k, s->cap * 12);
			memcpy(ns->used, s->used, s->cap);
		}
		idset_free(s);
		c->skipset = ns;
	}
	return MSP_OK;
}

int msp_mg_next(msp_cursor *c)
{
	if (c->cur) {
		bson_destroy(c->cur);
		c->cur = NULL;
	}
	bson_free(c->json);
	c->json = NULL;
	if (!c->mcur)
		return MSP_EOF;
	const bson_t *d;
	for (;;) {
		if (c->skipset && c->climit > 0 && c->nout >= c->climit)
			return MSP_EOF;
		if (!mongoc_cursor_next(c->mcur, &d)) {
			bson_error_t e;
			if (mongoc_cursor_error(c->mcur, &e))
				return mg_err(c->db, "reading a query result", &e);
			return MSP_EOF;
		}
		if (c->skipset) {
			bson_iter_t it;
			if (bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it) &&
			    idset_has(c->skipset, bson_iter_oid(&it)->bytes))
				continue;
			if (c->cskip > 0) {
				c->cskip--;
				continue;
			}
			c->nout++;
		}
		break;
	}
	c->cur = c->proj ? msp_db_project(d, c->proj) : bson_copy(d);
	return c->cur ? MSP_OK : MSP_ERR_NOMEM;
}

int msp_mg_count(msp_db *db, const char *coll, const bson_t *filter, const msp_find_opts *o, int64_t *n)
{
	bson_t empty = BSON_INITIALIZER;
	*n = 0;
	if (o && o->not_saved_as) {
		msp_find_opts fo = *o;
		fo.sort = NULL;
		bson_t proj = BSON_INITIALIZER;
		BSON_APPEND_INT32(&proj, "_id", 1);
		fo.projection = &proj;
		msp_cursor *c;
		int rc = msp_db_find(db, coll, filter, &fo, &c);
		bson_destroy(&proj);
		if (rc)
			return rc;
		const bson_t *d;
		while ((rc = msp_cursor_next(c, &d)) == MSP_OK)
			(*n)++;
		msp_cursor_close(c);
		return rc == MSP_EOF ? MSP_OK : rc;
	}
	bson_t opts = BSON_INITIALIZER;
	if (o && o->limit > 0)
		BSON_APPEND_INT64(&opts, "limit", o->limit);
	if (o && o->skip > 0)
		BSON_APPEND_INT64(&opts, "skip", o->skip);
	mongoc_collection_t *mc = coll_of(db, coll);
	bson_error_t e;
	int64_t r = mongoc_collection_count_documents(mc, filter ? filter : &empty, &opts, NULL, NULL, &e);
	mongoc_collection_destroy(mc);
	bson_destroy(&opts);
	if (r < 0)
		return mg_err(db, "count", &e);
	*n = r;
	return MSP_OK;
}

int msp_mg_distinct(msp_db *db, const char *coll, const char *key, const bson_t *filter, bson_t **values)
{
	bson_t cmd = BSON_INITIALIZER, reply;
	bson_error_t e;
	BSON_APPEND_UTF8(&cmd, "distinct", coll);
	BSON_APPEND_UTF8(&cmd, "key", key);
	if (filter)
		BSON_APPEND_DOCUMENT(&cmd, "query", filter);
	bool ok = mongoc_client_read_command_with_opts(db->mc, db->dbname, &cmd, NULL, NULL, &reply, &e);
	bson_destroy(&cmd);
	if (!ok) {
		bson_destroy(&reply);
		return mg_err(db, "distinct", &e);
	}
	bson_iter_t it, a;
	size_t n = 0, cap = 0;
	bson_value_t *vals = NULL;
	if (bson_iter_init_find(&it, &reply, "values") && BSON_ITER_HOLDS_ARRAY(&it)) {
		bson_iter_recurse(&it, &a);
		while (bson_iter_next(&a)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				vals = realloc(vals, cap * sizeof *vals);
			}
			vals[n++] = *bson_iter_value(&a);
		}
	}
	*values = msp_db_sorted_unique(vals, n);
	free(vals);
	bson_destroy(&reply);
	return MSP_OK;
}

/* ---------------------------------------------------------- writes */

int msp_mg_insert_many(msp_db *db, const char *coll, const bson_t *const *docs, size_t n, bson_oid_t *ids)
{
	bson_t **own = calloc(n, sizeof *own);
	bson_oid_t *oids = calloc(n, sizeof *oids);
	int rc = MSP_OK;
	if (!own || !oids) {
		free(own);
		free(oids);
		return MSP_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, docs[i], "_id")) {
			if (!BSON_ITER_HOLDS_OID(&it)) {
				rc = msp_db_fail(db, MSP_ERR_TYPE, "document %zu of the batch: _id must be an ObjectId", i);
				break;
			}
			bson_oid_copy(bson_iter_oid(&it), &oids[i]);
			own[i] = bson_copy(docs[i]);
		} else {
			bson_oid_init(&oids[i], NULL);
			own[i] = bson_new();
			BSON_APPEND_OID(own[i], "_id", &oids[i]);
			bson_concat(own[i], docs[i]);
		}
	}
	if (!rc) {
		mongoc_collection_t *mc = coll_of(db, coll);
		bson_t reply, opts = BSON_INITIALIZER;
		bson_error_t e;
		BSON_APPEND_BOOL(&opts, "ordered", true);
		if (!mongoc_collection_insert_many(mc, (const bson_t **)own, n, &opts, &reply, &e)) {
			rc = mg_err(db, "insert", &e);
			/* Undo the part of the batch that was written (ordered: the documents
			 * before the first failed one, i.e. insertedCount of them). */
			bson_iter_t it;
			int64_t done = 0;
			if (bson_iter_init_find(&it, &reply, "insertedCount"))
				done = bson_iter_as_int64(&it);
			if (done > 0) {
				bson_t f = BSON_INITIALIZER, in, arr;
				BSON_APPEND_DOCUMENT_BEGIN(&f, "_id", &in);
				BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
				for (int64_t i = 0; i < done && (size_t)i < n; i++) {
					char k[24];
					const char *kp;
					bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
					BSON_APPEND_OID(&arr, kp, &oids[i]);
				}
				bson_append_array_end(&in, &arr);
				bson_append_document_end(&f, &in);
				bson_error_t e2;
				if (!mongoc_collection_delete_many(mc, &f, NULL, NULL, &e2)) {
					char tmp[sizeof db->err];
					snprintf(tmp, sizeof tmp, "%s", db->err);
					msp_db_fail(db, MSP_ERR_DB, "%s; undoing the %lld documents written also failed: %s",
					            tmp, (long long)done, e2.message);
				}
				bson_destroy(&f);
			}
		}
		bson_destroy(&reply);
		bson_destroy(&opts);
		mongoc_collection_destroy(mc);
	}
	if (!rc && ids)
		memcpy(ids, oids, n * sizeof *oids);
	for (size_t i = 0; i < n; i++)
		if (own[i])
			bson_destroy(own[i]);
	free(own);
	free(oids);
	return rc;
}

int msp_mg_update(msp_db *db, const char *coll, const bson_t *filter, const bson_t *update, int64_t *nmod)
{
	bson_t empty = BSON_INITIALIZER, reply;
	bson_error_t e;
	mongoc_collection_t *mc = coll_of(db, coll);
	bool ok = mongoc_collection_update_many(mc, filter ? filter : &empty, update, NULL, &reply, &e);
	mongoc_collection_destroy(mc);
	int rc = MSP_OK;
	if (!ok) {
		rc = mg_err(db, "update", &e);
	} else {
		bson_iter_t it;
		if (bson_iter_init_find(&it, &reply, "modifiedCount"))
			*nmod = bson_iter_as_int64(&it);
	}
	bson_destroy(&reply);
	return rc;
}

int msp_mg_delete(msp_db *db, const char *coll, const bson_t *filter, int64_t *ndel)
{
	bson_t empty = BSON_INITIALIZER, reply;
	bson_error_t e;
	mongoc_collection_t *mc = coll_of(db, coll);
	bool ok = mongoc_collection_delete_many(mc, filter ? filter : &empty, NULL, &reply, &e);
	mongoc_collection_destroy(mc);
	int rc = MSP_OK;
	if (!ok) {
		rc = mg_err(db, "delete", &e);
	} else {
		bson_iter_t it;
		if (bson_iter_init_find(&it, &reply, "deletedCount"))
			*ndel = bson_iter_as_int64(&it);
	}
	bson_destroy(&reply);
	return rc;
}

int msp_mg_create_index(msp_db *db, const char *coll, const bson_t *keys, const char *name, int unique)
{
	char derived[256];
	if (!name) {
		msp_db_index_name(keys, derived, sizeof derived);
		name = derived;
	}
	bson_t cmd = BSON_INITIALIZER, arr, ix, reply;
	BSON_APPEND_UTF8(&cmd, "createIndexes", coll);
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &ix);
	BSON_APPEND_DOCUMENT(&ix, "key", keys);
	BSON_APPEND_UTF8(&ix, "name", name);
	if (unique)
		BSON_APPEND_BOOL(&ix, "unique", true);
	bson_append_document_end(&arr, &ix);
	bson_append_array_end(&cmd, &arr);
	bson_error_t e;
	bool ok = mongoc_client_write_command_with_opts(db->mc, db->dbname, &cmd, NULL, &reply, &e);
	bson_destroy(&cmd);
	bson_destroy(&reply);
	return ok ? MSP_OK : mg_err(db, "create index", &e);
}

typedef struct ixent {
	char *name;
	bson_t *keys;
} ixent;

static int cmp_ix(const void *a, const void *b)
{
	const ixent *x = a, *y = b;
	/* _id_ first, then by name: the order of the SQLite backend */
	int xi = !strcmp(x->name, "_id_"), yi = !strcmp(y->name, "_id_");
	if (xi != yi)
		return yi - xi;
	return strcmp(x->name, y->name);
}

int msp_mg_list_indexes(msp_db *db, const char *coll, bson_t **out)
{
	mongoc_collection_t *mc = coll_of(db, coll);
	mongoc_cursor_t *cur = mongoc_collection_find_indexes_with_opts(mc, NULL);
	ixent *ix = NULL;
	size_t n = 0, cap = 0;
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t nm, k;
		if (bson_iter_init_find(&nm, d, "name") && BSON_ITER_HOLDS_UTF8(&nm) && bson_iter_init_find(&k, d, "key") &&
		    BSON_ITER_HOLDS_DOCUMENT(&k)) {
			uint32_t len;
			const uint8_t *data;
			bson_t kd;
			bson_iter_document(&k, &len, &data);
			if (!bson_init_static(&kd, data, len))
				continue;
			/* key values as int32 1/-1 whatever numeric type the server used */
			bson_t *norm = bson_new();
			bson_iter_t ki;
			bson_iter_init(&ki, &kd);
			while (bson_iter_next(&ki))
				BSON_APPEND_INT32(norm, bson_iter_key(&ki), bson_iter_as_int64(&ki) < 0 ? -1 : 1);
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				ix = realloc(ix, cap * sizeof *ix);
			}
			ix[n].name = strdup(bson_iter_utf8(&nm, NULL));
			ix[n].keys = norm;
			n++;
		}
	}
	bson_error_t e;
	int rc = MSP_OK;
	if (mongoc_cursor_error(cur, &e) && !strstr(e.message, "ns does not exist") && e.code != 26)
		rc = mg_err(db, "list indexes", &e);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(mc);
	if (n)
		qsort(ix, n, sizeof *ix, cmp_ix);
	bson_t *o = bson_new();
	for (size_t i = 0; i < n; i++) {
		BSON_APPEND_DOCUMENT(o, ix[i].name, ix[i].keys);
		free(ix[i].name);
		bson_destroy(ix[i].keys);
	}
	free(ix);
	if (rc) {
		bson_destroy(o);
		return rc;
	}
	*out = o;
	return MSP_OK;
}

int msp_mg_drop_index(msp_db *db, const char *coll, const char *name)
{
	mongoc_collection_t *mc = coll_of(db, coll);
	bson_error_t e;
	bool ok = mongoc_collection_drop_index_with_opts(mc, name, NULL, &e);
	mongoc_collection_destroy(mc);
	if (!ok) {
		if (e.code == 27 || strstr(e.message, "not found") || strstr(e.message, "index not found"))
			return msp_db_fail(db, MSP_ERR_NOTFOUND, "no index %s on %s", name, coll);
		return mg_err(db, "drop index", &e);
	}
	return MSP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int msp_mg_list_collections(msp_db *db, bson_t **out)
{
	mongoc_database_t *d = mongoc_client_get_database(db->mc, db->dbname);
	bson_error_t e;
	char **names = mongoc_database_get_collection_names_with_opts(d, NULL, &e);
	mongoc_database_destroy(d);
	if (!names)
		return mg_err(db, "list collections", &e);
	size_t n = 0;
	while (names[n])
		n++;
	qsort(names, n, sizeof *names, cmp_str);
	bson_t *o = bson_new();
	int rc = MSP_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!strncmp(names[i], "system.", 7))
			continue;
		int64_t c = 0;
		rc = msp_mg_count(db, names[i], NULL, NULL, &c);
		BSON_APPEND_INT64(o, names[i], c);
	}
	bson_strfreev(names);
	if (rc) {
		bson_destroy(o);
		return rc;
	}
	*out = o;
	return MSP_OK;
}

int msp_mg_drop_collection(msp_db *db, const char *coll)
{
	mongoc_collection_t *mc = coll_of(db, coll);
	bson_error_t e;
	bool ok = mongoc_collection_drop_with_opts(mc, NULL, &e);
	mongoc_collection_destroy(mc);
	if (!ok) {
		if (e.code == 26 || strstr(e.message, "ns not found"))
			return msp_db_fail(db, MSP_ERR_NOTFOUND, "no collection %s", coll);
		return mg_err(db, "drop", &e);
	}
	return MSP_OK;
}
