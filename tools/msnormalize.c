/*
 * msnormalize - join channel, site and source attributes into each record's
 * metadata, as MsPASS's normalize with its cached matchers: each collection
 * is loaded into memory once, then every record is matched without a query.
 * A record with no match dies with an elog entry (or, with
 * --keep-unmatched, stays live with a Complaint).
 *
 *   records on stdin -> records on stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_db.h"
#include "msp_normalize.h"

enum {
	OPT_DB = MST_LONG + 1, OPT_KEEP, OPT_TOL, OPT_OFFSET, OPT_TIME_KEY
};

static const mst_opt opts[] = {
	{"db", OPT_DB, "DB", "database (default $MSPIPE_DB, mspipe.db)"},
	{"keep-unmatched", OPT_KEEP, NULL, "leave unmatched records live, with a Complaint"},
	{"source-tolerance", OPT_TOL, "S", "source: largest |origin time - test| (default 4 s)"},
	{"source-offset", OPT_OFFSET, "S",
	 "source: test = record time - S (default 0; e.g. 300 for windows from origin+300 s)"},
	{"source-time-key", OPT_TIME_KEY, "KEY",
	 "source: metadata key of the time to match (default the record's start)"},
	{0},
};

static const mst_prog prog = {
	.name = "msnormalize",
	.usage = "[OPTIONS] COLLECTION... < RECORDS > RECORDS",
	.summary = "Join channel, site or source attributes into each record (MsPASS normalize).",
	.description =
		"COLLECTION is channel, site or source.  Each is loaded once; its attributes are\n"
		"added with the collection's name as prefix (channel_lat, site_elev, source_time,\n"
		"..., channel_id).  channel and site match by net, sta, loc, chan and time;\n"
		"source by origin time; any of them by <coll>_id when the record has it.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

int main(int argc, char **argv)
{
	const char *arg, *dbname = NULL;
	int keep = 0, c;
	msp_matcher_opts mo = {4.0, 0.0, NULL};
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_DB: dbname = arg; break;
		case OPT_KEEP: keep = 1; break;
		case OPT_TOL: mo.tolerance = mst_arg_double_range("--source-tolerance", arg, 0, 1e9); break;
		case OPT_OFFSET: mo.offset = mst_arg_double("--source-offset", arg); break;
		case OPT_TIME_KEY:
			if (!*arg)
				mst_usage("--source-time-key: empty key");
			mo.time_key = arg;
			break;
		}
	}
	int ncoll = argc - optind;
	if (ncoll < 1)
		mst_usage("name at least one collection: channel, site or source");
	if (ncoll > 3)
		mst_usage("at most three collections (channel, site, source)");
	for (int i = 0; i < ncoll; i++) {
		const char *a = argv[optind + i];
		if (strcmp(a, "channel") && strcmp(a, "site") && strcmp(a, "source"))
			mst_usage("\"%s\" is not channel, site or source", a);
		for (int j = 0; j < i; j++)
			if (!strcmp(a, argv[optind + j]))
				mst_usage("collection %s named twice", a);
	}
	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();

	msp_db *db;
	char err[512];
	if (msp_db_open(&db, msp_db_resolve(dbname), err, sizeof err))
		mst_fatal("%s", err);
	msp_matcher *m[3] = {NULL, NULL, NULL};
	bson_t all = BSON_INITIALIZER;
	for (int i = 0; i < ncoll; i++) {
		const char *coll = argv[optind + i];
		if (msp_matcher_new(&m[i], coll, &mo))
			mst_fatal("out of memory");
		msp_cursor *cur;
		if (msp_db_find(db, coll, &all, NULL, &cur))
			mst_fatal("database: %s: %s", coll, msp_db_errmsg(db));
		const bson_t *doc;
		int rc;
		uint64_t skipped = 0;
		while ((rc = msp_cursor_next(cur, &doc)) == MSP_OK) {
			int a = msp_matcher_add(m[i], doc);
			if (a == MSP_ERR_NOMEM)
				mst_fatal("out of memory");
			if (a)
				skipped++;
		}
		if (rc != MSP_EOF)
			mst_fatal("database: %s: %s", coll, msp_db_errmsg(db));
		msp_cursor_close(cur);
		if (msp_matcher_finish(m[i]))
			mst_fatal("out of memory");
		mst_info(1, "%s: %zu documents loaded%s", coll, msp_matcher_count(m[i]),
		         skipped ? " (some without the keys a match needs were left out)" : "");
		if (skipped)
			mst_info(1, "%s: %llu documents left out", coll, (unsigned long long)skipped);
		if (msp_matcher_count(m[i]) == 0)
			mst_warn("%s: the collection is empty; no record will match", coll);
	}
	msp_db_close(db);

	msp_record *rec = mst_record_new();
	uint64_t n = 0, unmatched = 0;
	while (mst_read(in, rec)) {
		n++;
		if (rec->live) {
			for (int i = 0; i < ncoll && rec->live; i++) {
				int rc = msp_matcher_apply(m[i], rec, err, sizeof err);
				if (rc == MSP_ERR_NOMEM)
					mst_fatal("out of memory");
				if (rc) {
					unmatched++;
					if (keep)
						msp_record_log(rec, "msnormalize", MSP_SEV_COMPLAINT, "%s", err);
					else
						msp_record_kill(rec, "msnormalize", "%s", err);
				}
			}
			mst_history(rec);
		}
		mst_write(out, rec);
		mst_progress(n);
	}
	mst_finish_output(out);
	mst_progress_done(n);
	mst_info(1, "%llu records, %llu failed matches", (unsigned long long)n,
	         (unsigned long long)unmatched);
	for (int i = 0; i < 3; i++)
		msp_matcher_free(m[i]);
	msp_record_free(rec);
	mst_close_input(in);
	return 0;
}
