/*
 * gridfs.c - read sample data from MongoDB GridFS (see msp_gridfs.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mongoc/mongoc.h>
#include "msp_gridfs.h"
#include "msp_status.h"

struct msp_gridfs {
	mongoc_client_t *client;
	mongoc_gridfs_bucket_t *bucket;
};

int msp_gridfs_open(msp_gridfs **out, const char *uri, char *err, size_t errlen)
{
	*out = NULL;
	if (strncmp(uri, "mongodb://", 10) != 0 && strncmp(uri, "mongodb+srv://", 14) != 0) {
		msp_errf(err, errlen, "GridFS needs a MongoDB database (mongodb:// URI)");
		return MSP_ERR_UNSUPPORTED;
	}
	mongoc_init(); /* idempotent after the first call */
	/* the library prints nothing: libmongoc's own warnings (such as a server
	 * without endSessions) are dropped; errors come back as statuses */
	mongoc_log_set_handler(NULL, NULL);
	bson_error_t e;
	mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &e);
	if (!u) {
		msp_errf(err, errlen, "bad MongoDB URI: %s", e.message);
		return MSP_ERR_INVAL;
	}
	const char *dbname = mongoc_uri_get_database(u);
	msp_gridfs *g = calloc(1, sizeof *g);
	if (!g) {
		mongoc_uri_destroy(u);
		return MSP_ERR_NOMEM;
	}
	g->client = mongoc_client_new_from_uri(u);
	if (!g->client) {
		mongoc_uri_destroy(u);
		free(g);
		msp_errf(err, errlen, "cannot make a MongoDB client");
		return MSP_ERR_DB;
	}
	mongoc_database_t *db = mongoc_client_get_database(g->client, dbname ? dbname : "mspass");
	g->bucket = mongoc_gridfs_bucket_new(db, NULL, NULL, &e);
	mongoc_database_destroy(db);
	mongoc_uri_destroy(u);
	if (!g->bucket) {
		msp_errf(err, errlen, "GridFS bucket: %s", e.message);
		mongoc_client_destroy(g->client);
		free(g);
		return MSP_ERR_DB;
	}
	*out = g;
	return MSP_OK;
}

void msp_gridfs_close(msp_gridfs *g)
{
	if (!g)
		return;
	mongoc_gridfs_bucket_destroy(g->bucket);
	mongoc_client_destroy(g->client);
	free(g);
}

int msp_gridfs_fetch_cb(void *ctx, const bson_value_t *id, uint8_t **buf, size_t *len, char *err,
                        size_t errlen)
{
	msp_gridfs *g = ctx;
	bson_error_t e;
	*buf = NULL;
	*len = 0;
	mongoc_stream_t *s = mongoc_gridfs_bucket_open_download_stream(g->bucket, id, &e);
	if (!s) {
		msp_errf(err, errlen, "GridFS: %s", e.message);
		return MSP_ERR_NOTFOUND;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = malloc(cap);
	for (;;) {
		if (!p) {
			mongoc_stream_destroy(s);
			return MSP_ERR_NOMEM;
		}
		if (n == cap) {
			uint8_t *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				mongoc_stream_destroy(s);
				return MSP_ERR_NOMEM;
			}
			p = q;
			cap *= 2;
		}
		ssize_t r = mongoc_stream_read(s, p + n, cap - n, 1, 0);
		if (r < 0) {
			free(p);
			mongoc_stream_destroy(s);
			msp_errf(err, errlen, "GridFS: read failed");
			return MSP_ERR_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	mongoc_stream_destroy(s);
	*buf = p;
	*len = n;
	return MSP_OK;
}
