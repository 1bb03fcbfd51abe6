/*
 * db_bench.c - figures for bench_db.sh, through the library (libmspipe.a):
 *   db_bench insert DB N BATCH   N wf_miniseed-like documents into DB with
 *        msp_db_insert_many (one transaction per batch); next to it, in the
 *        same run, raw SQLite inserts of the same JSON texts (prepared
 *        INSERT, one transaction per batch, no translation): docs/s of both.
 *   db_bench latency DB Q        Q indexed queries (sta = ? and starttime in
 *        a 10-hour range) through msp_db_find: mean and median latency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "msp_db.h"

static const char *STA[] = {"ANMO", "COR", "PFO", "KIP", "HRV", "TUC", "CCM", "SSPA", "WCI", "WVT",
                            "MAJO", "INCN", "ULN", "TATO", "YSS", "ERM", "MDJ", "BJT", "HIA", "XAN"};

/* CPU time of this process: the machine is shared, wall time is not a
 * fair measure (inserts here are CPU-bound: WAL, synchronous=NORMAL). */
static double cpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static bson_t *make_doc(long i)
{
	bson_t *d = bson_new();
	char dfile[64];
	BSON_APPEND_UTF8(d, "net", "IU");
	BSON_APPEND_UTF8(d, "sta", STA[i % 20]);
	BSON_APPEND_UTF8(d, "chan", (i / 20) % 3 == 0 ? "BHZ" : (i / 20) % 3 == 1 ? "BHN" : "BHE");
	BSON_APPEND_UTF8(d, "loc", "00");
	BSON_APPEND_DOUBLE(d, "sampling_rate", 20.0);
	BSON_APPEND_DOUBLE(d, "delta", 0.05);
	BSON_APPEND_DOUBLE(d, "starttime", 1.3e9 + 3600.0 * (double)(i / 60));
	BSON_APPEND_DOUBLE(d, "last_packet_time", 1.3e9 + 3600.0 * (double)(i / 60) + 3590.0);
	BSON_APPEND_INT32(d, "npts", 72000);
	BSON_APPEND_DOUBLE(d, "endtime", 1.3e9 + 3600.0 * (double)(i / 60) + 3599.95);
	BSON_APPEND_INT64(d, "foff", 4096 * (i % 1000));
	BSON_APPEND_INT64(d, "nbytes", 90112);
	BSON_APPEND_UTF8(d, "storage_mode", "file");
	BSON_APPEND_UTF8(d, "format", "mseed");
	BSON_APPEND_UTF8(d, "dir", "/data/waveforms/2011/070");
	snprintf(dfile, sizeof dfile, "day%ld.mseed", i / 1000);
	BSON_APPEND_UTF8(d, "dfile", dfile);
	BSON_APPEND_UTF8(d, "time_standard", "UTC");
	return d;
}

static int bench_insert(const char *path, long n, long batch)
{
	char err[512];
	msp_db *db;
	if (msp_db_open(&db, path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	bson_t **docs = calloc((size_t)batch, sizeof *docs);
	double build = 0, t0 = now(), t, cbuild = 0, c0 = cpu(), ct;
	size_t bytes = 0;
	for (long i = 0; i < n; i += batch) {
		long m = n - i < batch ? n - i : batch;
		t = now();
		ct = cpu();
		for (long k = 0; k < m; k++)
			docs[k] = make_doc(i + k);
		build += now() - t;
		cbuild += cpu() - ct;
		if (msp_db_insert_many(db, "wf_miniseed", (const bson_t *const *)docs, (size_t)m, NULL)) {
			fprintf(stderr, "insert: %s\n", msp_db_errmsg(db));
			return 1;
		}
		for (long k = 0; k < m; k++) {
			bytes += docs[k]->len;
			bson_destroy(docs[k]);
		}
	}
	double total = now() - t0 - build, ctotal = cpu() - c0 - cbuild;
	msp_db_close(db);
	printf("msp_db_insert_many: %ld docs (%.0f B BSON each), batch %ld: wall %.2f s (%.0f docs/s), "
	       "CPU %.2f s (%.0f docs/s)\n", n, (double)bytes / (double)n, batch, total, (double)n / total, ctotal,
	       (double)n / ctotal);

	/* Baseline: the same JSON texts, raw prepared INSERTs, same batching. */
	char raw[1024];
	snprintf(raw, sizeof raw, "%s.raw", path);
	remove(raw);
	sqlite3 *sq;
	sqlite3_open(raw, &sq);
	sqlite3_exec(sq, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                 "CREATE TABLE wf(id TEXT PRIMARY KEY, doc TEXT)", NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(sq, "INSERT INTO wf(id, doc) VALUES(?, ?)", -1, &st, NULL);
	char **texts = calloc((size_t)batch, sizeof *texts);
	char (*ids)[25] = calloc((size_t)batch, 25);
	double conv = 0, cconv = 0;
	t0 = now();
	c0 = cpu();
	for (long i = 0; i < n; i += batch) {
		long m = n - i < batch ? n - i : batch;
		t = now();
		ct = cpu();
		for (long k = 0; k < m; k++) {
			bson_t *d = make_doc(i + k);
			bson_oid_t oid;
			bson_oid_init(&oid, NULL);
			bson_oid_to_string(&oid, ids[k]);
			texts[k] = bson_as_relaxed_extended_json(d, NULL);
			bson_destroy(d);
		}
		conv += now() - t;
		cconv += cpu() - ct;
		sqlite3_exec(sq, "BEGIN", NULL, NULL, NULL);
		for (long k = 0; k < m; k++) {
			sqlite3_bind_text(st, 1, ids[k], 24, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, texts[k], -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL);
		for (long k = 0; k < m; k++)
			bson_free(texts[k]);
	}
	double rawt = now() - t0 - conv, crawt = cpu() - c0 - cconv;
	sqlite3_finalize(st);
	sqlite3_close(sq);
	remove(raw);
	printf("raw sqlite INSERT (baseline, JSON made outside the timing): wall %.2f s (%.0f docs/s), "
	       "CPU %.2f s (%.0f docs/s); msp_db / raw (CPU) = %.2f\n", rawt, (double)n / rawt, crawt,
	       (double)n / crawt, crawt / ctotal);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench_latency(const char *path, long q)
{
	char err[512];
	msp_db *db;
	if (msp_db_open(&db, path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int64_t total;
	bson_t empty = BSON_INITIALIZER;
	msp_db_count(db, "wf_miniseed", &empty, &total);
	double *lat = calloc((size_t)q, sizeof *lat);
	long rows = 0;
	srand(1);
	for (long i = 0; i < q; i++) {
		double t = 1.3e9 + 3600.0 * (double)(rand() % (int)(total / 60 > 10 ? total / 60 - 10 : 1));
		bson_t *f = BCON_NEW("sta", BCON_UTF8(STA[rand() % 20]), "starttime", "{", "$gte", BCON_DOUBLE(t), "$lt",
		                     BCON_DOUBLE(t + 36000.0), "}");
		double a = now();
		msp_cursor *c;
		if (msp_db_find(db, "wf_miniseed", f, NULL, &c)) {
			fprintf(stderr, "find: %s\n", msp_db_errmsg(db));
			return 1;
		}
		const bson_t *d;
		while (msp_cursor_next(c, &d) == 0)
			rows++;
		msp_cursor_close(c);
		lat[i] = now() - a;
		bson_destroy(f);
	}
	double sum = 0;
	for (long i = 0; i < q; i++)
		sum += lat[i];
	qsort(lat, (size_t)q, sizeof *lat, cmp_d);
	printf("indexed query (sta = ? AND starttime in 10 h) on %lld docs: %ld queries, %.1f rows each, "
	       "mean %.0f us, median %.0f us, p95 %.0f us\n",
	       (long long)total, q, (double)rows / (double)q, 1e6 * sum / (double)q, 1e6 * lat[q / 2],
	       1e6 * lat[q * 95 / 100]);
	msp_db_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "insert"))
		return bench_insert(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "latency"))
		return bench_latency(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: db_bench insert DB N BATCH | latency DB Q\n");
	return 2;
}
