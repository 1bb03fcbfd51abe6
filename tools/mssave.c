/*
 * mssave - the end of every chain: records in; samples appended to one file
 * per process, documents inserted in batches (wf_TimeSeries, wf_Seismogram,
 * elog, history), dead records buried in the cemetery; the saved documents'
 * ids out as JSON lines.
 *
 * Durable and exactly once: a batch's sample bytes are fdatasync'd before the
 * transaction that inserts the documents pointing at them commits, and a
 * record whose source document already has a saved document (or a cemetery
 * entry) with the same data_tag is skipped, so re-running a crashed chain
 * neither duplicates nor loses a record.
 *
 *   records on stdin -> database + sample file; ids (JSON lines) on stdout
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tool.h"
#include "msp_bloom.h"
#include "msp_db.h"
#include "msp_meta.h"
#include "msp_mseed_read.h"
#include "msp_samplefile.h"
#include "msp_wfdoc.h"

enum {
	OPT_DB = MST_LONG + 1, OPT_TAG, OPT_DIR, OPT_DFILE, OPT_FORMAT, OPT_COLLECTION, OPT_BATCH,
	OPT_CREMATE, OPT_HISTORY, OPT_SOURCE_KEY, OPT_RECLEN, OPT_QUIET = 'q'
};

static const mst_opt opts[] = {
	{"db", OPT_DB, "DB", "database: SQLite file or mongodb:// URI (default $MSPIPE_DB, mspipe.db)"},
	{"tag", OPT_TAG, "TAG", "data_tag of every saved document (and the key of re-runs)"},
	{"dir", OPT_DIR, "DIR", "directory of the sample file (default $MSPIPE_WFDIR, else ./wf)"},
	{"dfile", OPT_DFILE, "NAME", "sample file name (default TAG-TIME-HOST-PID.bin or .mseed)"},
	{"format", OPT_FORMAT, "FMT", "binary (default, MsPASS's) or mseed"},
	{"collection", OPT_COLLECTION, "COLL",
	 "wf_TimeSeries or wf_Seismogram (default: by each record's kind)"},
	{"batch", OPT_BATCH, "N", "documents per transaction (default 500)"},
	{"cremate", OPT_CREMATE, NULL, "drop dead records instead of burying them in cemetery"},
	{"history", OPT_HISTORY, NULL, "save each record's processing history (history collection)"},
	{"source-key", OPT_SOURCE_KEY, "KEY",
	 "key holding the source document's id (default parent_collection + \"_id\")"},
	{"reclen", OPT_RECLEN, "BYTES", "--format mseed: record length, 256..65536 (default 4096)"},
	{"quiet", OPT_QUIET, NULL, "do not print the saved documents' ids"},
	{0},
};

static const mst_prog prog = {
	.name = "mssave",
	.usage = "[OPTIONS] < RECORDS [> IDS]",
	.summary = "Save records: samples to a file, documents to the database, the dead to cemetery.",
	.description =
		"Each live record becomes one wf_TimeSeries or wf_Seismogram document whose samples\n"
		"are in one file per mssave process; each dead record one cemetery document.\n"
		"A record whose source document was already saved with the same --tag is skipped.",
	.opts = opts,
	.records_in = 1,
};

/* One pending document and where it goes. */
typedef struct pending {
	bson_t *doc;
	int coll;        /* index into COLLS */
	bson_oid_t id;
	int print;       /* print the id when committed */
} pending;

enum { C_TS, C_SEIS, C_CEM, C_ELOG, C_HIST, NCOLL };
static const char *COLLS[NCOLL] = {"wf_TimeSeries", "wf_Seismogram", "cemetery", "elog",
                                   "history"};

static msp_db *db;
static msp_samplefile sf;
static pending *batch;
static size_t nbatch, capbatch;
static int quiet;
static double *inter;    /* a Seismogram's samples interleaved */
static size_t capinter;
static uint64_t nsaved, nburied, ncremated, nskipped, nbatches;

/* Committed documents are kept for the next records (bson_reinit keeps a
 * document's buffer): a document cost a bson_new and 3-4 reallocs as it
 * grew, and a free of each at the commit.  At most the documents of two
 * batches (the one in flight and the one being filled) are ever out. */
static bson_t **pool;
static size_t npool, cappool;

static bson_t *doc_new(void)
{
	if (npool) {
		bson_t *d = pool[--npool];
		bson_reinit(d);
		return d;
	}
	return bson_new();
}

static void doc_done(bson_t *d)
{
	if (npool == cappool) {
		size_t ncap = cappool ? cappool * 2 : 256;
		bson_t **p = realloc(pool, ncap * sizeof *p);
		if (!p) {
			bson_destroy(d);
			return;
		}
		pool = p;
		cappool = ncap;
	}
	pool[npool++] = d;
}

static void push(bson_t *doc, int coll, const bson_oid_t *id, int print)
{
	if (nbatch == capbatch) {
		size_t ncap = capbatch ? capbatch * 2 : 256;
		pending *p = realloc(batch, ncap * sizeof *p);
		if (!p)
			mst_fatal("out of memory");
		batch = p;
		capbatch = ncap;
	}
	batch[nbatch].doc = doc;
	batch[nbatch].coll = coll;
	batch[nbatch].id = *id;
	batch[nbatch].print = print;
	nbatch++;
}

/*
 * The re-run check in bounded memory.  A source counts as already saved when
 * the database holds a document of the record's collection or a cemetery
 * entry with this data_tag and this source id, or when a batch not yet
 * committed holds one.  Asking the database for every record would cost a
 * query each, so a Bloom filter holds every source known saved under the
 * tag (those in the database, streamed into it once per collection and key,
 * and those this run saves): its "certainly not" settles almost every new
 * source for a few memory reads, and only its "maybe" (a re-run, or a false
 * positive: about 1e-7 with 100 k sources, 2% with a million) asks the
 * database (through an index on the key and data_tag once they are many).
 * Memory: the filter's fixed 1 MiB and the sources of the two uncommitted
 * batches, the same for a thousand records as for ten million (an exact set
 * of every source grew by about 120 bytes a record).
 */
#define SEEN_LOG2_BITS 23
#define SEEN_PROBES 6
static msp_bloom *seen;

/* the (collection, key) pairs whose saved sources are in the filter */
typedef struct loaded {
	int coll;
	char key[256];
	uint64_t asked;  /* "maybe"s settled in coll through this key */
	int indexed;     /* the (key, data_tag) index was asked for */
	struct loaded *next;
} loaded;
static loaded *loads;

/* The exact sources of an uncommitted batch: (collection, key, value) as
 * bytes, in an open-addressing table (at most a batch's records). */
typedef struct idset {
	char **slot; /* a 2-byte length, then the bytes; NULL when free */
	size_t cap, n;
} idset;
static idset pend_cur, pend_infl; /* the batch being filled, the one syncing */

/* The bytes that identify a value: its type and its payload; 0 if the type
 * cannot be a source id. */
static size_t value_bytes(const bson_value_t *v, char *out, size_t cap)
{
	const void *p;
	size_t n;
	switch (v->value_type) {
	case BSON_TYPE_OID: p = v->value.v_oid.bytes; n = 12; break;
	case BSON_TYPE_INT64: p = &v->value.v_int64; n = 8; break;
	case BSON_TYPE_INT32: p = &v->value.v_int32; n = 4; break;
	case BSON_TYPE_UTF8: p = v->value.v_utf8.str; n = v->value.v_utf8.len; break;
	default: return 0;
	}
	if (n + 1 > cap)
		return 0;
	out[0] = (char)v->value_type;
	memcpy(out + 1, p, n);
	return n + 1;
}

static uint64_t hash_bytes(const char *b, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
	return h;
}

static size_t slot_len(const char *e)
{
	return (size_t)(uint8_t)e[0] | (size_t)(uint8_t)e[1] << 8;
}

/* 1 if found; with add, insert when absent. */
static int idset_find(idset *s, const char *b, size_t n, int add)
{
	if (add && (s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		char **ns = calloc(ncap, sizeof *ns);
		if (!ns)
			mst_fatal("out of memory");
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = hash_bytes(s->slot[i] + 2, slot_len(s->slot[i])) & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = s->slot[i];
			}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	if (!s->cap)
		return 0;
	size_t j = hash_bytes(b, n) & (s->cap - 1);
	while (s->slot[j]) {
		if (slot_len(s->slot[j]) == n && !memcmp(s->slot[j] + 2, b, n))
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	if (add) {
		char *e = malloc(n + 2);
		if (!e)
			mst_fatal("out of memory");
		e[0] = (char)(n & 0xff);
		e[1] = (char)(n >> 8);
		memcpy(e + 2, b, n);
		s->slot[j] = e;
		s->n++;
	}
	return 0;
}

/* Empty the set, keeping its table (a batch's worth) for the next batch. */
static void idset_clear(idset *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slot[i]);
		s->slot[i] = NULL;
	}
	s->n = 0;
}

static void idset_free(idset *s)
{
	idset_clear(s);
	free(s->slot);
	s->slot = NULL;
	s->cap = 0;
}

/* key NUL value: the filter's string for a source */
static size_t seen_bytes(const char *key, const char *b, size_t n, char *out)
{
	size_t kl = strlen(key);
	memcpy(out, key, kl + 1);
	memcpy(out + kl + 1, b, n);
	return kl + 1 + n;
}

/* coll, then the filter's string: a pending set's entry */
static size_t pend_bytes(int coll, const char *key, const char *b, size_t n, char *out)
{
	out[0] = (char)coll;
	return 1 + seen_bytes(key, b, n, out + 1);
}

/* the filter for tag */
static void data_tag_filter(bson_t *filter, const char *tag)
{
	if (tag)
		BSON_APPEND_UTF8(filter, "data_tag", tag);
	else
		BSON_APPEND_NULL(filter, "data_tag");
}

/* Put the sources saved under the tag in coll into the filter, once per
 * (coll, key), with the indexes the checks use. */
static void load_saved(int coll, const char *key, const char *tag)
{
	for (loaded *l = loads; l; l = l->next)
		if (l->coll == coll && !strcmp(l->key, key))
			return;
	loaded *l = calloc(1, sizeof *l);
	if (!l)
		mst_fatal("out of memory");
	l->coll = coll;
	snprintf(l->key, sizeof l->key, "%s", key);
	l->next = loads;
	loads = l;
	if (!seen && msp_bloom_new(&seen, SEEN_LOG2_BITS, SEEN_PROBES))
		mst_fatal("out of memory");
	/* The query below reads only this tag's documents with an index on
	 * data_tag; without one it scans the whole collection, once per process:
	 * a cost that grows with every run saved before and is paid again by
	 * every partition (45 ms a process with 80k documents).  Best effort: an
	 * index that cannot be made only slows the check. */
	bson_t ikeys = BSON_INITIALIZER;
	BSON_APPEND_INT32(&ikeys, "data_tag", 1);
	(void)msp_db_create_index(db, COLLS[coll], &ikeys, NULL, 0);
	bson_destroy(&ikeys);
	bson_t filter = BSON_INITIALIZER, proj = BSON_INITIALIZER;
	data_tag_filter(&filter, tag);
	BSON_APPEND_INT32(&proj, key, 1);
	msp_find_opts fo;
	memset(&fo, 0, sizeof fo);
	fo.projection = &proj;
	msp_cursor *cur;
	if (msp_db_find(db, COLLS[coll], &filter, &fo, &cur))
		mst_fatal("database: %s: %s", COLLS[coll], msp_db_errmsg(db));
	const bson_t *d;
	int rc;
	while ((rc = msp_cursor_next(cur, &d)) == MSP_OK) {
		bson_iter_t it;
		char b[256], sb[520];
		size_t n;
		if (bson_iter_init_find(&it, d, key) &&
		    (n = value_bytes(bson_iter_value(&it), b, sizeof b)))
			msp_bloom_add(seen, sb, seen_bytes(key, b, n, sb));
	}
	if (rc != MSP_EOF)
		mst_fatal("database: %s: %s", COLLS[coll], msp_db_errmsg(db));
	msp_cursor_close(cur);
	bson_destroy(&filter);
	bson_destroy(&proj);
}

/* Does coll hold a document with this tag and key = v?  (A "maybe" of the
 * filter: one indexed query.) */
static int db_has(int coll, const char *key, const bson_value_t *v, const char *tag)
{
	/* A few "maybe"s (false positives, a repeat in the stream) are looked up
	 * through the data_tag index, reading the tag's documents; many (a
	 * re-run) are worth an index on (key, data_tag).  It is made only then:
	 * every insert would pay for keeping it up to date (3 us a record of the
	 * chain).  The key leads, so a query on data_tag alone keeps the
	 * data_tag index and its order (SQLite returns equal keys in insertion
	 * order; from an index led by data_tag, it returned them by source id). */
	for (loaded *l = loads; l; l = l->next)
		if (l->coll == coll && !strcmp(l->key, key) && ++l->asked > 16 && !l->indexed) {
			l->indexed = 1;
			bson_t skeys = BSON_INITIALIZER;
			BSON_APPEND_INT32(&skeys, key, 1);
			BSON_APPEND_INT32(&skeys, "data_tag", 1);
			(void)msp_db_create_index(db, COLLS[coll], &skeys, NULL, 0);
			bson_destroy(&skeys);
		}
	bson_t filter = BSON_INITIALIZER, proj = BSON_INITIALIZER;
	data_tag_filter(&filter, tag);
	BSON_APPEND_VALUE(&filter, key, v);
	BSON_APPEND_INT32(&proj, "_id", 1);
	msp_find_opts fo;
	memset(&fo, 0, sizeof fo);
	fo.projection = &proj;
	fo.limit = 1;
	msp_cursor *cur;
	if (msp_db_find(db, COLLS[coll], &filter, &fo, &cur))
		mst_fatal("database: %s: %s", COLLS[coll], msp_db_errmsg(db));
	const bson_t *d;
	int rc = msp_cursor_next(cur, &d);
	if (rc != MSP_OK && rc != MSP_EOF)
		mst_fatal("database: %s: %s", COLLS[coll], msp_db_errmsg(db));
	msp_cursor_close(cur);
	bson_destroy(&filter);
	bson_destroy(&proj);
	return rc == MSP_OK;
}

static uint64_t nmaybe; /* the filter's "maybe"s, each settled by the database */

/* Was this source already saved (or buried) under this tag? */
static int already_saved(const char *tag, const char *key, const bson_value_t *v, int wfcoll)
{
	char b[256], sb[520], pb[521];
	size_t n = value_bytes(v, b, sizeof b);
	if (!n)
		return 0;
	load_saved(wfcoll, key, tag);
	load_saved(C_CEM, key, tag);
	if (!msp_bloom_maybe(seen, sb, seen_bytes(key, b, n, sb)))
		return 0;
	nmaybe++;
	size_t pn = pend_bytes(wfcoll, key, b, n, pb);
	return idset_find(&pend_cur, pb, pn, 0) || idset_find(&pend_infl, pb, pn, 0) ||
	       db_has(wfcoll, key, v, tag) || db_has(C_CEM, key, v, tag);
}

/* Remember a source saved in this run (under the collection it went to):
 * in the filter, and exactly until its batch is committed. */
static void note_saved(const char *key, const bson_value_t *v, int coll)
{
	char b[256], sb[520], pb[521];
	size_t n = value_bytes(v, b, sizeof b);
	if (!n)
		return;
	msp_bloom_add(seen, sb, seen_bytes(key, b, n, sb));
	idset_find(&pend_cur, pb, pend_bytes(coll, key, b, n, pb), 1);
}

static void free_sets(void)
{
	while (loads) {
		loaded *l = loads;
		loads = l->next;
		free(l);
	}
	msp_bloom_free(seen);
	seen = NULL;
	idset_free(&pend_cur);
	idset_free(&pend_infl);
}

/* Insert the documents of b[0..n) in one transaction and print the ids;
 * the sample bytes they point at must be durable already. */
static void commit_docs(pending *b, size_t n)
{
	if (n == 0)
		return;
	if (msp_db_begin(db))
		mst_fatal("database: %s", msp_db_errmsg(db));
	/* elog and history first, so no wf document points at a missing one
	 * even on MongoDB, where each insert_many commits by itself */
	static const int order[NCOLL] = {C_ELOG, C_HIST, C_TS, C_SEIS, C_CEM};
	const bson_t **docs = malloc(n * sizeof *docs);
	if (!docs)
		mst_fatal("out of memory");
	for (int o = 0; o < NCOLL; o++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (b[i].coll == order[o])
				docs[k++] = b[i].doc;
		if (k && msp_db_insert_many(db, COLLS[order[o]], docs, k, NULL)) {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", msp_db_errmsg(db));
			msp_db_rollback(db);
			mst_fatal("database: insert into %s: %s", COLLS[order[o]], msg);
		}
	}
	free(docs);
	if (msp_db_commit(db))
		mst_fatal("database: commit: %s", msp_db_errmsg(db));
	nbatches++;
	for (size_t i = 0; i < n; i++) {
		if (b[i].print && !quiet) {
			char hex[25];
			bson_oid_to_string(&b[i].id, hex);
			printf("{\"_id\": {\"$oid\": \"%s\"}, \"collection\": \"%s\"}\n", hex,
			       COLLS[b[i].coll]);
		}
		doc_done(b[i].doc);
	}
	if (!quiet && fflush(stdout)) {
		if (errno == EPIPE)
			quiet = 1; /* nobody reads the ids any more; the saving goes on */
		else
			mst_fatal("stdout: write error (%s)", strerror(errno));
	}
}

/*
 * The fdatasync of a full batch runs in a thread while the next records are
 * read, prepared and appended to the file (it took 5-25 ms a batch, during
 * which the whole pipeline upstream stalled behind mssave).  The order that
 * makes a crash harmless is kept: the batch's documents are committed only
 * once the thread's fdatasync, called after the last of their bytes was
 * written, has returned; bytes appended while it runs belong to the next
 * batch, which commits only after a sync of its own.  They go straight to
 * the file: holding them in memory until the sync ended cost up to 16 MiB
 * (the longer the run, the slower its slowest sync: peak RSS grew with the
 * records), and a cap on that memory made mssave wait for the disk.  On
 * ext4 an append does not wait for an fdatasync of the same file in
 * flight; on a file system whose fsync holds the inode lock it would, and
 * mssave would stall as with a synchronous fdatasync, no worse.
 */
static struct {
	pthread_t th;
	int running, err;
	int64_t upto;        /* file size the sync covers */
	pending *docs;       /* the batch waiting for it */
	size_t n, cap;
} inflight;

static double sync_wait; /* seconds this process stood still for fdatasync */


static void *sync_thread(void *arg)
{
	(void)arg;
	inflight.err = fdatasync(sf.fd) ? errno : 0;
	return NULL;
}

/* Wait for the sync in flight (if any), then commit its batch.  With poll,
 * only if the sync has finished: 1 if nothing is in flight on return. */
static int finish_inflight(int poll)
{
	if (!inflight.running)
		return 1;
	double t0 = mst_now();
	if (poll ? pthread_tryjoin_np(inflight.th, NULL) != 0 : pthread_join(inflight.th, NULL) != 0)
		return 0;
	sync_wait += mst_now() - t0;
	inflight.running = 0;
	if (inflight.err)
		mst_fatal("%s/%s: fdatasync: %s", sf.dir, sf.dfile, strerror(inflight.err));
	sf.syncs++;
	if (sf.synced < inflight.upto)
		sf.synced = inflight.upto;
	commit_docs(inflight.docs, inflight.n);
	inflight.n = 0;
	idset_clear(&pend_infl);
	return 1;
}

/* Commit the batch: samples durable first, then the documents in one
 * transaction; with async, the sync and the commit happen later (above). */
static void flush_batch(int async)
{
	finish_inflight(0);
	if (nbatch == 0)
		return;
	if (async && sf.fd >= 0 && sf.synced < sf.size) {
		if (nbatch > inflight.cap) {
			pending *p = realloc(inflight.docs, nbatch * sizeof *p);
			if (!p)
				mst_fatal("out of memory");
			inflight.docs = p;
			inflight.cap = nbatch;
		}
		memcpy(inflight.docs, batch, nbatch * sizeof *batch);
		inflight.n = nbatch;
		inflight.upto = sf.size;
		inflight.err = 0;
		if (pthread_create(&inflight.th, NULL, sync_thread, NULL) == 0) {
			inflight.running = 1;
			nbatch = 0;
			/* its sources go with it (the in-flight set is empty: the
			 * previous one was committed above) */
			idset t = pend_infl;
			pend_infl = pend_cur;
			pend_cur = t;
			return;
		}
		inflight.n = 0; /* no thread: do it here */
	}
	char err[512];
	double t0 = mst_now();
	if (msp_samplefile_sync(&sf, err, sizeof err))
		mst_fatal("%s", err);
	sync_wait += mst_now() - t0;
	commit_docs(batch, nbatch);
	nbatch = 0;
	idset_clear(&pend_cur);
}

/* Append a record's sample bytes (also while a sync is in flight: above);
 * *foff receives where they are in the file.  A sync that has finished
 * meanwhile has its batch committed now rather than at the next batch. */
static void save_bytes(const void *p, size_t n, int64_t *foff)
{
	if (inflight.running)
		finish_inflight(1);
	char err[512];
	if (msp_samplefile_append(&sf, p, n, foff, err, sizeof err)) {
		/* the batch in flight points only at bytes written before: it
		 * still commits once (and if) its sync succeeds, so what is saved
		 * does not depend on how far that sync had got */
		finish_inflight(0);
		mst_fatal("%s", err);
	}
}

static int value_equal(const bson_value_t *a, const bson_value_t *b)
{
	if (a->value_type != b->value_type)
		return 0;
	switch (a->value_type) {
	case BSON_TYPE_OID: return bson_oid_equal(&a->value.v_oid, &b->value.v_oid);
	case BSON_TYPE_UTF8:
		return a->value.v_utf8.len == b->value.v_utf8.len &&
		       !memcmp(a->value.v_utf8.str, b->value.v_utf8.str, a->value.v_utf8.len);
	case BSON_TYPE_INT64: return a->value.v_int64 == b->value.v_int64;
	case BSON_TYPE_INT32: return a->value.v_int32 == b->value.v_int32;
	case BSON_TYPE_DOUBLE: return a->value.v_double == b->value.v_double;
	default: return 0;
	}
}

int main(int argc, char **argv)
{
	const char *arg, *dbname = NULL, *tag = NULL, *dir = NULL, *dfile = NULL;
	const char *source_key = NULL;
	int format_mseed = 0, cremate = 0, history = 0, force_coll = -1, c;
	int64_t batch_size = 500, reclen = 4096;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_DB: dbname = arg; break;
		case OPT_TAG:
			if (!*arg)
				mst_usage("--tag: empty tag");
			tag = arg;
			break;
		case OPT_DIR:
			if (!*arg)
				mst_usage("--dir: empty directory name");
			dir = arg;
			break;
		case OPT_DFILE:
			if (!*arg || strchr(arg, '/'))
				mst_usage("--dfile: \"%s\" is not a file name", arg);
			dfile = arg;
			break;
		case OPT_FORMAT:
			if (!strcmp(arg, "mseed"))
				format_mseed = 1;
			else if (strcmp(arg, "binary"))
				mst_usage("--format: \"%s\" is not binary or mseed", arg);
			break;
		case OPT_COLLECTION:
			if (!strcmp(arg, "wf_TimeSeries"))
				force_coll = C_TS;
			else if (!strcmp(arg, "wf_Seismogram"))
				force_coll = C_SEIS;
			else
				mst_usage("--collection: \"%s\" is not wf_TimeSeries or wf_Seismogram", arg);
			break;
		case OPT_BATCH: batch_size = mst_arg_int("--batch", arg, 1, 1000000); break;
		case OPT_CREMATE: cremate = 1; break;
		case OPT_HISTORY: history = 1; break;
		case OPT_SOURCE_KEY:
			if (!*arg)
				mst_usage("--source-key: empty key");
			source_key = arg;
			break;
		case OPT_RECLEN:
			reclen = mst_arg_int("--reclen", arg, 256, 65536);
			if (reclen & (reclen - 1))
				mst_usage("--reclen: %lld is not a power of 2", (long long)reclen);
			break;
		case OPT_QUIET: quiet = 1; break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (!dir) {
		const char *env = getenv("MSPIPE_WFDIR");
		dir = env && *env ? env : "wf";
	}
	const char *dbpath = msp_db_resolve(dbname);
	char err[512];
	if (msp_db_open(&db, dbpath, err, sizeof err))
		mst_fatal("%s", err);
	msp_reader *in = mst_open_input();
	msp_record *rec = mst_record_new();
	msp_samplefile_init(&sf);
	char dfile_buf[PATH_MAX];
	if (!dfile) {
		char host[64] = "host";
		gethostname(host, sizeof host - 1);
		host[sizeof host - 1] = '\0';
		for (char *p = host; *p; p++)
			if (*p == '/' || *p == '.')
				*p = '_';
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		char ts[32];
		strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
		snprintf(dfile_buf, sizeof dfile_buf, "%s-%s-%s-%ld.%s", tag ? tag : "untagged", ts,
		         host, (long)getpid(), format_mseed ? "mseed" : "bin");
		for (char *p = dfile_buf; *p; p++)
			if (*p == '/')
				*p = '_';
		dfile = dfile_buf;
	}
	char last_key[256] = "";
	bson_value_t last_src;
	int have_last = 0, last_skipped = 0, warned_nosrc = 0;
	uint64_t n = 0;
	while (mst_read(in, rec)) {
		n++;
		int wfcoll = force_coll >= 0 ? force_coll : rec->kind == MSP_SEISMOGRAM ? C_SEIS : C_TS;
		/* the source: the id of the document the record came from */
		char key[256];
		const char *parent = NULL;
		if (source_key)
			snprintf(key, sizeof key, "%s", source_key);
		else if (msp_meta_get_string(rec->meta, MSP_PARENT_KEY, &parent) == MSP_OK)
			snprintf(key, sizeof key, "%s_id", parent);
		else
			key[0] = '\0';
		bson_iter_t sit;
		int have_src = key[0] && bson_iter_init_find(&sit, rec->meta, key);
		const bson_value_t *src = have_src ? bson_iter_value(&sit) : NULL;
		int skip = 0;
		if (!have_src) {
			if (!warned_nosrc++)
				mst_info(1, "record %llu has no source id%s%s: records without one are "
				         "saved without the re-run check", (unsigned long long)n,
				         key[0] ? " in " : "", key);
			have_last = 0;
		} else if (have_last && !strcmp(key, last_key) && value_equal(src, &last_src)) {
			/* several consecutive records from one source (windows of one
			 * trace): one decision for the group, and never split it
			 * across batches, so a crash saves all of it or none */
			skip = last_skipped;
		} else {
			if ((int64_t)nbatch >= batch_size)
				flush_batch(1);
			skip = already_saved(tag, key, src, wfcoll);
			if (!skip)
				note_saved(key, src, wfcoll);
			if (have_last)
				bson_value_destroy(&last_src);
			bson_value_copy(src, &last_src);
			snprintf(last_key, sizeof last_key, "%s", key);
			have_last = 1;
			last_skipped = skip;
		}
		if (!have_src && (int64_t)nbatch >= batch_size)
			flush_batch(1);
		if (skip) {
			nskipped++;
			mst_progress(n);
			continue;
		}
		if (history)
			mst_history(rec);
		if (!rec->live) {
			if (cremate) {
				ncremated++;
				mst_progress(n);
				continue;
			}
			bson_oid_t id;
			bson_oid_init(&id, NULL);
			bson_t *doc = doc_new();
			if (msp_wf_cemetery_doc(rec, &id, tag, doc))
				mst_fatal("out of memory");
			push(doc, C_CEM, &id, 0);
			nburied++;
			mst_progress(n);
			continue;
		}
		if (force_coll >= 0 && (force_coll == C_SEIS) != (rec->kind == MSP_SEISMOGRAM))
			mst_fatal("record %llu is a %s; --collection %s holds only %s",
			          (unsigned long long)n,
			          rec->kind == MSP_SEISMOGRAM ? "Seismogram" : "TimeSeries",
			          COLLS[force_coll], force_coll == C_SEIS ? "Seismograms" : "TimeSeries");
		if (sf.fd < 0 && msp_samplefile_create(&sf, dir, dfile, err, sizeof err))
			mst_fatal("%s", err);
		msp_wf_storage st = {"file", sf.dir, sf.dfile, 0, 0, format_mseed ? "mseed" : "binary"};
		double keep_t0 = rec->t0;
		if (format_mseed) {
			uint8_t *buf;
			size_t len;
			int rc = msp_mseed_encode(rec, (int)reclen, &buf, &len, NULL, err, sizeof err);
			if (rc == MSP_ERR_NOMEM)
				mst_fatal("out of memory");
			if (rc) {
				/* cannot be written as miniSEED: bury it with the reason */
				msp_record_kill(rec, "mssave", "%s", err);
				bson_oid_t id;
				bson_oid_init(&id, NULL);
				bson_t *doc = doc_new();
				if (msp_wf_cemetery_doc(rec, &id, tag, doc))
					mst_fatal("out of memory");
				push(doc, C_CEM, &id, 0);
				nburied++;
				continue;
			}
			save_bytes(buf, len, &st.foff);
			st.nbytes = (int64_t)len;
			free(buf);
			/* the document tells the time miniSEED holds: microseconds */
			rec->t0 = (double)llround(rec->t0 * 1e6) / 1e6;
		} else {
			/* the binary layout: a Seismogram's components interleaved */
			size_t ns = msp_record_nsamples(rec);
			const double *d = rec->data;
			if (rec->kind == MSP_SEISMOGRAM) {
				if (ns > capinter) {
					double *q = realloc(inter, ns * sizeof *q);
					if (!q)
						mst_fatal("out of memory");
					inter = q;
					capinter = ns;
				}
				msp_interleave3(rec->data, rec->npts, inter);
				d = inter;
			}
			save_bytes(d, ns * sizeof(double), &st.foff);
			st.nbytes = (int64_t)(ns * sizeof(double));
		}
		bson_oid_t id, elog_id, hist_id;
		bson_oid_init(&id, NULL);
		int has_elog = rec->nelog > 0;
		if (has_elog) {
			/* MsPASS saves the elog before the wf document and so links it
			 * to the input's id; here it names the saved document */
			bson_oid_init(&elog_id, NULL);
			bson_t *edoc = doc_new();
			if (msp_wf_elog_doc(rec, &elog_id, COLLS[wfcoll], &id, tag, edoc))
				mst_fatal("out of memory");
			push(edoc, C_ELOG, &elog_id, 0);
		}
		bson_t *doc = doc_new();
		if (msp_wf_record_to_doc(rec, &st, tag, &id, has_elog ? &elog_id : NULL, doc))
			mst_fatal("out of memory");
		if (history && rec->nhistory > 0) {
			bson_oid_init(&hist_id, NULL);
			bson_t *hdoc = doc_new();
			char k[64];
			BSON_APPEND_OID(hdoc, "_id", &hist_id);
			bson_append_array(hdoc, "processes", -1, rec->history);
			snprintf(k, sizeof k, "%s_id", COLLS[wfcoll]);
			BSON_APPEND_OID(hdoc, k, &id);
			if (tag)
				BSON_APPEND_UTF8(hdoc, "data_tag", tag);
			push(hdoc, C_HIST, &hist_id, 0);
			BSON_APPEND_OID(doc, "history_object_id", &hist_id);
		}
		rec->t0 = keep_t0;
		push(doc, wfcoll, &id, 1);
		nsaved++;
		mst_progress(n);
	}
	flush_batch(0);
	mst_progress_done(n);
	if (have_last)
		bson_value_destroy(&last_src);
	mst_info(1, "%llu records: %llu saved, %llu buried, %llu cremated, %llu skipped (saved "
	         "before); %llu batches, %llu fsyncs (%.3f s waited for), %lld bytes to %s/%s",
	         (unsigned long long)n, (unsigned long long)nsaved, (unsigned long long)nburied,
	         (unsigned long long)ncremated, (unsigned long long)nskipped,
	         (unsigned long long)nbatches, (unsigned long long)sf.syncs, sync_wait,
	         (long long)sf.size, sf.dir ? sf.dir : dir, sf.dfile ? sf.dfile : dfile);
	if (seen)
		mst_info(2, "re-run check: %llu sources in a %d KiB filter, %llu asked the database "
		         "(false-positive rate now %.2g)", (unsigned long long)msp_bloom_count(seen),
		         1 << (SEEN_LOG2_BITS - 13), (unsigned long long)nmaybe, msp_bloom_fp_rate(seen));
	msp_samplefile_close(&sf);
	msp_record_free(rec);
	free(batch);
	while (npool)
		bson_destroy(pool[--npool]);
	free(pool);
	free(inflight.docs);
	free(inter);
	free_sets();
	mst_close_input(in);
	msp_db_close(db);
	mst_close_stdout();
	return 0;
}
