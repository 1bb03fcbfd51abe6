/*
 * fuzz_sql.c - libFuzzer target for the SQLite backend's translation of
 * MongoDB filters into SQL (lib/db_sqlite.c), against an in-memory database.
 *
 * Input: "FILTER\nDOC\nDOC..." (JSON).  The documents are inserted into a
 * fresh collection, the filter runs through msp_db_find and msp_db_count,
 * and then:
 *   - nothing the input says can change the schema: the collection still
 *     holds every inserted document and the bookkeeping tables are there
 *     (keys and values reach SQL as bound parameters, never as text);
 *   - find and count agree;
 *   - with FUZZ_SQL_STRICT=1 in the environment, the documents found are
 *     exactly those the in-memory matcher (lib/match.c) accepts (MongoDB
 *     semantics on both sides); off by default, since the two are checked
 *     against each other by tests/db_property.bats on generated cases and
 *     the fuzzer's job here is memory safety and injection.  Inputs whose
 *     documents hold a BSON regex value are left out of that comparison:
 *     MongoDB (and lib/match.c) match a $regex against an equal stored
 *     regex, while the SQLite backend keeps such a value as extended JSON
 *     and does not (a known difference: wf documents never hold regexes;
 *     found by this target, fuzz/regress/fuzz_sql/regex-value).
 *
 * Speed (the target ran at 1-2.8k exec/s): one database for the whole run,
 * and the collection "c" is emptied between inputs (its rows and its
 * _msp_shape rows: the state is then that of a new collection, so an input
 * replays alike) instead of dropped and created again, which changed the
 * schema and made SQLite parse it and re-prepare every statement; an input
 * without documents queries a collection that never exists, as before.
 * SQLite's page buffers come from one static block (SQLITE_CONFIG_PAGECACHE;
 * mspipe never sees a page, and SQLite itself is not instrumented) and its
 * allocation statistics are off.  This Debian SQLite is built without
 * lookaside, so every small object it makes (~540 per input) is a malloc,
 * and ASan's malloc (stack trace, quarantine, fill) was half the run time:
 * SQLite's other allocations come from size-class free lists (sq_malloc
 * below) that keep ASan's view of them: only the bytes SQLite asked for
 * are addressable, a freed block is poisoned and waits behind SQ_QUAR
 * others of its class before reuse (a small quarantine), so a read past a
 * column's text or of a finalized row by mspipe still stops the target.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "../lib/db_impl.h"
#include "msp_db.h"
#include "msp_match.h"
#include "msp_status.h"

static msp_db *db;
static int strict;

/* ---- SQLite's allocator (see the top) ---- */
#include <sanitizer/asan_interface.h>

#define SQ_NCLASS 13   /* 16 B .. 64 KiB; larger blocks are plain mallocs */
#define SQ_QUAR 64     /* freed blocks of a class that wait before reuse */
#define SQ_RING 1024   /* freed blocks kept per class (beyond: given back) */
typedef struct sq_hdr {
	int32_t cls;  /* size class, or -1 for a plain malloc */
	int32_t size; /* bytes asked for */
	int64_t pad;
} sq_hdr;
/* Free blocks in rings outside the blocks (LeakSanitizer does not follow
 * pointers kept in poisoned memory). */
static struct {
	sq_hdr *b[SQ_RING];
	int first, n;
} sq_free[SQ_NCLASS];

/* The allocator's branches are not the target's: no coverage feedback
 * from them (it would reward inputs for the sizes SQLite allocates). */
#define SQ_FN static __attribute__((no_sanitize("coverage")))

SQ_FN int sq_class(int n)
{
	if (n <= 16)
		return 0;
	int c = 32 - __builtin_clz((unsigned)(n - 1)) - 4; /* 16 << c >= n */
	return c < SQ_NCLASS ? c : -1;
}

SQ_FN sq_hdr *sq_pop(int c)
{
	sq_hdr *h = sq_free[c].b[sq_free[c].first];
	sq_free[c].first = (sq_free[c].first + 1) % SQ_RING;
	sq_free[c].n--;
	return h;
}

SQ_FN void *sq_malloc(int n)
{
	if (n <= 0)
		n = 1;
	int c = sq_class(n);
	size_t cap = c >= 0 ? (size_t)16 << c : (size_t)n;
	sq_hdr *h = c >= 0 && sq_free[c].n > SQ_QUAR ? sq_pop(c) : malloc(sizeof *h + cap);
	if (!h)
		return NULL;
	ASAN_UNPOISON_MEMORY_REGION(h, sizeof *h);
	h->cls = c;
	h->size = n;
	ASAN_POISON_MEMORY_REGION(h, sizeof *h + cap);
	ASAN_UNPOISON_MEMORY_REGION(h + 1, (size_t)n);
	return h + 1;
}

SQ_FN sq_hdr *sq_head(void *p)
{
	sq_hdr *h = (sq_hdr *)p - 1;
	ASAN_UNPOISON_MEMORY_REGION(h, sizeof *h);
	return h;
}

SQ_FN int sq_size(void *p)
{
	sq_hdr *h = sq_head(p);
	int n = h->size;
	ASAN_POISON_MEMORY_REGION(h, sizeof *h);
	return n;
}

SQ_FN void sq_freep(void *p)
{
	if (!p)
		return;
	sq_hdr *h = sq_head(p);
	int c = h->cls;
	if (c >= 0 && sq_free[c].n == SQ_RING) {
		sq_hdr *old = sq_pop(c);
		ASAN_UNPOISON_MEMORY_REGION(old, sizeof *old + ((size_t)16 << c));
		free(old);
	}
	if (c < 0) {
		ASAN_UNPOISON_MEMORY_REGION(h, sizeof *h + (size_t)h->size);
		free(h);
		return;
	}
	sq_free[c].b[(sq_free[c].first + sq_free[c].n) % SQ_RING] = h;
	sq_free[c].n++;
	ASAN_POISON_MEMORY_REGION(h, sizeof *h + ((size_t)16 << c));
}

SQ_FN void *sq_realloc(void *p, int n)
{
	void *q = sq_malloc(n);
	if (q && p) {
		int o = sq_size(p);
		memcpy(q, p, (size_t)(o < n ? o : n));
		sq_freep(p);
	}
	return q;
}

SQ_FN int sq_roundup(int n) { return n; }
SQ_FN int sq_init(void *a) { (void)a; return 0; }
SQ_FN void sq_shutdown(void *a) { (void)a; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	static uint64_t pages[2048 * 4608 / 8]; /* 2048 pages of 4 KiB + header */
	static const sqlite3_mem_methods mm = {sq_malloc, sq_freep, sq_realloc, sq_size,
	                                       sq_roundup, sq_init, sq_shutdown, NULL};
	sqlite3_config(SQLITE_CONFIG_MALLOC, &mm);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, pages, 4608, 2048);
	if (msp_db_open(&db, ":memory:", err, sizeof err) != MSP_OK)
		abort();
	const char *s = getenv("FUZZ_SQL_STRICT");
	strict = s && *s == '1';
	return 0;
}

#define MAXDOCS 8

static int has_regex(const bson_t *d, int depth)
{
	bson_iter_t it;
	if (depth > 100 || !bson_iter_init(&it, d))
		return 0;
	while (bson_iter_next(&it)) {
		if (BSON_ITER_HOLDS_REGEX(&it))
			return 1;
		if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
			const uint8_t *p;
			uint32_t n;
			bson_t sub;
			if (BSON_ITER_HOLDS_DOCUMENT(&it))
				bson_iter_document(&it, &n, &p);
			else
				bson_iter_array(&it, &n, &p);
			if (bson_init_static(&sub, p, n) && has_regex(&sub, depth + 1))
				return 1;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *nl = memchr(p, '\n', size);
	if (!nl)
		return 0;
	bson_error_t e;
	bson_t *filter = bson_new_from_json((const uint8_t *)p, nl - p, &e);
	if (!filter)
		return 0;
	bson_t *docs[MAXDOCS];
	size_t nd = 0;
	p = nl + 1;
	while (p < end && nd < MAXDOCS) {
		const char *q = memchr(p, '\n', (size_t)(end - p));
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
		bson_t *d = bson_new_from_json((const uint8_t *)p, (ssize_t)n, &e);
		if (d) {
			/* the backend gives each document its own _id */
			bson_t *d2 = bson_new();
			bson_copy_to_excluding_noinit(d, d2, "_id", NULL);
			bson_destroy(d);
			docs[nd++] = d2;
		}
		p += n + 1;
	}
	int cmp = strict;
	for (size_t i = 0; i < nd; i++)
		if (has_regex(docs[i], 0))
			cmp = 0;
	/* a new, empty collection "c" (see the top); "none" is never created */
	const char *coll = nd ? "c" : "none";
	if (msp_sq_exec(db, "DELETE FROM _msp_shape WHERE coll='c'") != MSP_OK)
		abort();
	sqlite3_exec(db->sq, "DELETE FROM c", NULL, NULL, NULL); /* fails before "c" exists */
	bson_oid_t ids[MAXDOCS];
	int irc = nd ? msp_db_insert_many(db, coll, (const bson_t *const *)docs, nd, ids) : MSP_OK;
	if (irc == MSP_OK) {
		msp_cursor *c;
		int64_t found = 0, counted = -1;
		int frc = msp_db_find(db, coll, filter, NULL, &c);
		if (frc == MSP_OK) {
			const bson_t *d;
			int rc;
			while ((rc = msp_cursor_next(c, &d)) == MSP_OK) {
				found++;
				if (cmp) {
					int m = 0;
					if (msp_filter_match(filter, d, &m, NULL, 0) == MSP_OK && !m) {
						fprintf(stderr, "SQL found a document the matcher refuses\n");
						abort();
					}
				}
			}
			msp_cursor_close(c);
			if (msp_db_count(db, coll, filter, &counted) != MSP_OK || counted != found)
				abort(); /* find and count use one translation */
			if (cmp) {
				/* the matcher sees each document as stored: with the _id
				 * the backend gave it ({"_id": {"$ne": null}} matches all) */
				int64_t want = 0;
				for (size_t i = 0; i < nd; i++) {
					int m = 0;
					bson_t *withid = bson_new();
					BSON_APPEND_OID(withid, "_id", &ids[i]);
					bson_concat(withid, docs[i]);
					if (msp_filter_match(filter, withid, &m, NULL, 0) == MSP_OK && m)
						want++;
					bson_destroy(withid);
				}
				if (want != found) {
					fprintf(stderr, "SQL found %lld, the matcher %lld\n", (long long)found,
					        (long long)want);
					abort();
				}
			}
		} else if (!msp_db_errmsg(db)[0]) {
			abort(); /* a refusal says why */
		}
		/* the input cannot have changed what is stored */
		bson_t empty = BSON_INITIALIZER;
		int64_t all = -1;
		if (msp_db_count(db, coll, &empty, &all) != MSP_OK || all != (int64_t)nd)
			abort();
		bson_t *colls = NULL;
		if (msp_db_list_collections(db, &colls) != MSP_OK)
			abort();
		bson_destroy(colls);
	}
	for (size_t i = 0; i < nd; i++)
		bson_destroy(docs[i]);
	bson_destroy(filter);
	return 0;
}
