/*
 * test_db_walk.c - how the SQLite backend reads a find's result: the set
 * and order fixed at the first msp_cursor_next, the documents read a chunk
 * at a time in short read transactions.  A second handle on the same file
 * writes while a cursor is open: the write-ahead log must stay bounded (the
 * old cursor, one open statement, held its snapshot to the end and the log
 * grew by everything written), a document changed since the start comes as
 * it is now, one deleted is left out and counted (also when its rowid was
 * given to a new document, or the document moved to another rowid), and the
 * keys of a large result go to an unlinked file in $TMPDIR.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "tap.h"
#include "msp_db.h"
#include "msp_meta.h"
#include "msp_status.h"

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

/* n documents {k: first+i, pad: <padlen characters>} in batches of 500 */
static int insert_k(msp_db *db, const char *coll, int first, int n, int padlen)
{
	char *pad = malloc((size_t)padlen + 1);
	memset(pad, 'x', (size_t)padlen);
	pad[padlen] = 0;
	bson_t *b[500];
	int rc = MSP_OK;
	for (int i = 0; i < n && !rc;) {
		int m = 0;
		for (; m < 500 && i < n; m++, i++) {
			b[m] = bson_new();
			BSON_APPEND_INT32(b[m], "k", first + i);
			BSON_APPEND_UTF8(b[m], "pad", pad);
		}
		rc = msp_db_insert_many(db, coll, (const bson_t *const *)b, (size_t)m, NULL);
		for (int j = 0; j < m; j++)
			bson_destroy(b[j]);
	}
	free(pad);
	if (rc)
		printf("# insert: %s\n", msp_db_errmsg(db));
	return rc;
}

static int64_t fsize(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0 : (int64_t)st.st_size;
}

static int get_k(const bson_t *d)
{
	int64_t k = -999999;
	msp_meta_get_int64(d, "k", &k);
	return (int)k;
}

static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Read all of {k: {$gte: 0}} (sorted by k, or not) with reader while writer
 * inserts 60 documents of 1 KB every 10 read: the largest WAL seen. */
static int64_t wal_while_reading(msp_db *reader, msp_db *writer, const char *wal, int sorted, int *nread,
                                 int *inorder)
{
	bson_t *f = J("{\"k\": {\"$gte\": 0}}"), *s = J("{\"k\": 1}");
	msp_find_opts o = {.sort = sorted ? s : NULL};
	msp_cursor *c;
	int64_t maxwal = 0;
	*nread = 0;
	*inorder = 1;
	if (msp_db_find(reader, "src", f, &o, &c) == MSP_OK) {
		const bson_t *d;
		while (msp_cursor_next(c, &d) == MSP_OK) {
			if (get_k(d) != *nread)
				*inorder = 0;
			if (++*nread % 10 == 0 && insert_k(writer, "out", 0, 60, 1000))
				break;
			int64_t w = fsize(wal);
			if (w > maxwal)
				maxwal = w;
		}
		msp_cursor_close(c);
	}
	bson_destroy(f);
	bson_destroy(s);
	return maxwal;
}

/* One changed, three deleted (one of them the document of the largest rowid,
 * whose rowid a new document then takes), one moved to another rowid:
 * reading resumes after the writer's changes.  sorted: 0 none (chunks read
 * by rowid ranges), 1 by k (the same), 2 by -k (chunks read by a list of
 * rowids; the smallest k is deleted instead of the largest, read first). */
static void changed_deleted(const char *path, msp_db *reader, msp_db *writer, int sorted, int as_json)
{
	bson_t *all = J("{}");
	msp_db_drop_collection(writer, "cd");
	insert_k(writer, "cd", 0, 5000, 50);
	bson_t *f = J("{\"k\": {\"$gte\": 0}}"), *s = J(sorted == 2 ? "{\"k\": -1}" : "{\"k\": 1}");
	msp_find_opts o = {.sort = sorted ? s : NULL};
	msp_cursor *c;
	int sg = sorted == 2 ? -1 : 1, last = sorted == 2 ? 0 : 4999;
	char mode[40];
	snprintf(mode, sizeof mode, "%s%s", as_json ? "json, " : "",
	         sorted == 2 ? "sorted by -k" : sorted ? "sorted" : "unsorted");
	ok(msp_db_find(reader, "cd", f, &o, &c) == MSP_OK, "%s: find", mode);
	const bson_t *d;
	const char *js;
	size_t jl;
	int n = 0, bad = 0, changed_ok = 0, moved_ok = 0, out_of_filter = 0, intruder = 0, prev = -1;
	int rc;
	/* the first 10 documents, then the changes */
	for (int i = 0; i < 10; i++) {
		rc = as_json ? msp_cursor_next_json(c, &js, &jl) : msp_cursor_next(c, &d);
		if (rc != MSP_OK)
			break;
		n++;
	}
	is(n, 10, "%s: 10 documents before the changes", mode);
	bson_t *q;
	int64_t nd = 0, nm = 0;
	q = J(sorted == 2 ? "{\"k\": {\"$in\": [3000, 3001, 0]}}" : "{\"k\": {\"$in\": [3000, 3001, 4999]}}");
	ok(msp_db_delete(writer, "cd", q, &nd) == MSP_OK && nd == 3, "%s: 3 deleted by the writer", mode);
	bson_destroy(q);
	bson_t *nw = J("{\"k\": 777777, \"intruder\": true}");
	ok(msp_db_insert_many(writer, "cd", (const bson_t *const *)&nw, 1, NULL) == MSP_OK,
	   "%s: a new document (takes the largest rowid, freed by the delete)", mode);
	bson_destroy(nw);
	q = J("{\"k\": 4000}");
	bson_t *u = J("{\"$set\": {\"pad\": \"changed\"}}");
	ok(msp_db_update(writer, "cd", q, u, &nm) == MSP_OK && nm == 1, "%s: one changed", mode);
	bson_destroy(q);
	bson_destroy(u);
	q = J("{\"k\": 4500}");
	u = J("{\"$set\": {\"k\": -1}}");
	ok(msp_db_update(writer, "cd", q, u, &nm) == MSP_OK && nm == 1, "%s: one changed out of the filter", mode);
	bson_destroy(q);
	bson_destroy(u);
	/* document k=2000 moves to another rowid (as a VACUUM may do) */
	sqlite3 *raw;
	int moved = sqlite3_open(path, &raw) == SQLITE_OK &&
	            sqlite3_exec(raw, "UPDATE cd SET rowid = rowid + 1000000 WHERE json_extract(doc, '$.k') = 2000",
	                         NULL, NULL, NULL) == SQLITE_OK &&
	            sqlite3_changes(raw) == 1;
	sqlite3_close(raw);
	ok(moved, "%s: one moved to another rowid", mode);
	prev = sg * (sorted == 2 ? 4990 : 9);
	while ((rc = as_json ? msp_cursor_next_json(c, &js, &jl) : msp_cursor_next(c, &d)) == MSP_OK) {
		bson_t *own = NULL;
		if (as_json) {
			bson_error_t e;
			own = bson_new_from_json((const uint8_t *)js, (ssize_t)jl, &e);
			if (!own) {
				bad++;
				continue;
			}
			d = own;
		}
		int k = get_k(d);
		bson_iter_t it;
		const char *pad = bson_iter_init_find(&it, d, "pad") && BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, NULL) : "";
		if (bson_iter_init_find(&it, d, "intruder"))
			intruder++;
		else if (k == -1)
			out_of_filter++, prev = sg * 4500; /* in the place of k=4500 */
		else if (k == 4000 && !strcmp(pad, "changed"))
			changed_ok++, prev = sg * k;
		else if (k == 2000)
			moved_ok++, prev = sg * k;
		else if (sg * k <= prev || k == 3000 || k == 3001 || k == last || strlen(pad) != 50)
			bad++;
		else
			prev = sg * k;
		n++;
		if (own)
			bson_destroy(own);
	}
	is(rc, MSP_EOF, "%s: read to the end", mode);
	is(n, 4997, "%s: 5000 at the start, 3 deleted", mode);
	is(msp_cursor_vanished(c), 3, "%s: the 3 deleted counted", mode);
	is(bad, 0, "%s: the others in order, unchanged, none deleted", mode);
	is(intruder, 0, "%s: the document that took a deleted one's rowid is not in the result", mode);
	is(changed_ok, 1, "%s: the changed document as it is now", mode);
	is(out_of_filter, 1, "%s: the one changed out of the filter, as it is now, in its place", mode);
	is(moved_ok, 1, "%s: the moved document found by its _id", mode);
	msp_cursor_close(c);
	bson_destroy(f);
	bson_destroy(s);
	bson_destroy(all);
}

int main(void)
{
	char dir[] = "/tmp/mspwalkXXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256], wal[300], tmpd[300];
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(tmpd, sizeof tmpd, "%s/tmp", dir);
	mkdir(tmpd, 0700);
	setenv("TMPDIR", tmpd, 1);
	msp_db *reader, *writer;
	char err[256];
	ok(msp_db_open(&writer, path, err, sizeof err) == MSP_OK, "open the writer");
	ok(msp_db_open(&reader, path, err, sizeof err) == MSP_OK, "open the reader");

	/* 3000 documents to read; 18000 of 1 KB (18 MB) written meanwhile */
	insert_k(writer, "src", 0, 3000, 20);
	for (int sorted = 0; sorted < 2; sorted++) {
		int n, inorder;
		bson_t *all = J("{}");
		int64_t before = 0, after = 0;
		msp_db_count(writer, "out", all, &before);
		int64_t w = wal_while_reading(reader, writer, wal, sorted, &n, &inorder);
		msp_db_count(writer, "out", all, &after);
		bson_destroy(all);
		const char *mode = sorted ? "sorted" : "unsorted";
		is(n, 3000, "%s: all 3000 read while the writer wrote", mode);
		ok(inorder, "%s: in the order of k", mode);
		is(after - before, 18000, "%s: the writer wrote 18000 documents of 1 KB", mode);
		ok(w < 8000000, "%s: the WAL stayed below 8 MB (largest %lld bytes)", mode, (long long)w);
	}

	/* changes between the start and a document's chunk */
	for (int as_json = 0; as_json < 2; as_json++)
		for (int sorted = 0; sorted < 3; sorted++)
			changed_deleted(path, reader, writer, sorted, as_json);

	/* keys beyond the first 1024 go to an unlinked file in $TMPDIR */
	{
		bson_t *f = J("{}"), *s = J("{\"k\": -1}");
		msp_find_opts o = {.sort = s};
		msp_cursor *c;
		const bson_t *d;
		int n = 0, inorder = 1, seen_tmp = -1;
		ok(msp_db_find(reader, "src", f, &o, &c) == MSP_OK, "large result: find");
		while (msp_cursor_next(c, &d) == MSP_OK) {
			if (get_k(d) != 2999 - n)
				inorder = 0;
			if (n++ == 0)
				seen_tmp = dir_entries(tmpd);
		}
		msp_cursor_close(c);
		is(n, 3000, "large result: all 3000");
		ok(inorder, "large result: in the order of the sort");
		is(seen_tmp, 0, "large result: the file of keys has no name in $TMPDIR");

		/* skip and limit with a projection, across chunks */
		bson_t *p = J("{\"k\": 1, \"_id\": 0}");
		msp_find_opts o2 = {.sort = s, .projection = p, .skip = 100, .limit = 2500};
		ok(msp_db_find(reader, "src", f, &o2, &c) == MSP_OK, "skip/limit: find");
		n = 0;
		inorder = 1;
		while (msp_cursor_next(c, &d) == MSP_OK) {
			if (get_k(d) != 2899 - n || bson_count_keys(d) != 1)
				inorder = 0;
			n++;
		}
		msp_cursor_close(c);
		is(n, 2500, "skip 100, limit 2500: 2500");
		ok(inorder, "skip/limit: the right ones, projected");

		/* no place for the file: an error naming the directory, not a crash */
		setenv("TMPDIR", "/nonexistent/dir", 1);
		ok(msp_db_find(reader, "src", f, &o, &c) == MSP_OK, "no temporary directory: find");
		int rc = msp_cursor_next(c, &d);
		is(rc, MSP_ERR_IO, "no temporary directory: an I/O error at the first document");
		ok(strstr(msp_db_errmsg(reader), "/nonexistent/dir") != NULL, "the message names the directory: %s",
		   msp_db_errmsg(reader));
		is(msp_cursor_next(c, &d), MSP_ERR_IO, "no temporary directory: the next call fails again (no partial result)");
		msp_cursor_close(c);
		setenv("TMPDIR", tmpd, 1);

		/* inside the caller's transaction: every read joins it */
		ok(msp_db_begin(reader) == MSP_OK, "transaction: begin");
		ok(msp_db_find(reader, "src", f, &o, &c) == MSP_OK, "transaction: find");
		n = 0;
		while (msp_cursor_next(c, &d) == MSP_OK)
			n++;
		msp_cursor_close(c);
		is(n, 3000, "transaction: all 3000");
		ok(msp_db_commit(reader) == MSP_OK, "transaction: commit");
		bson_destroy(f);
		bson_destroy(s);
		bson_destroy(p);
	}

	msp_db_close(reader);
	msp_db_close(writer);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}
