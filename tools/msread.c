/*
 * msread - the start of every chain: wf documents (JSON lines, as msquery
 * prints them) in, records out.  Each document's samples are read from the
 * file it names (miniSEED or mspipe binary) or from GridFS.  A document whose
 * data cannot be read gives a dead record with the reason in its elog
 * (MsPASS's "abortion"), and the stream goes on.
 *
 *   JSON lines (stdin or FILE...) -> records on stdout
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_meta.h"
#include "msp_wfdoc.h"
#include "msp_gridfs.h"

enum { OPT_COLLECTION = 'c', OPT_GAPS = MST_LONG + 1, OPT_DB, OPT_RATE_TOL };

static const mst_opt opts[] = {
	{"collection", OPT_COLLECTION, "COLL",
	 "the documents' collection (default: inferred from each document)"},
	{"gaps", OPT_GAPS, "POLICY", "miniSEED gaps: zero (default, as MsPASS), interpolate, kill"},
	{"rate-tolerance", OPT_RATE_TOL, "FRAC",
	 "relative sample-rate difference allowed inside a segment (default 1e-4)"},
	{"db", OPT_DB, "DB", "database for storage_mode gridfs (default $MSPIPE_DB)"},
	{0},
};

static const mst_prog prog = {
	.name = "msread",
	.usage = "[OPTIONS] [FILE...] > RECORDS",
	.summary = "Read the samples of wf documents (JSON lines) into a record stream.",
	.description =
		"Each line of FILE (or stdin) is one wf_miniseed, wf_TimeSeries or wf_Seismogram\n"
		"document.  The record's metadata is the document (without _id) plus\n"
		"<collection>_id = the document's _id and parent_collection = the collection.\n"
		"A document whose data cannot be read gives a dead record with an elog entry.",
	.opts = opts,
	.records_out = 1,
};

static const char *valid_colls[] = {"wf_miniseed", "wf_TimeSeries", "wf_Seismogram", NULL};

int main(int argc, char **argv)
{
	const char *arg, *coll = NULL, *dbname = NULL;
	int c;
	msp_wf_reader rd;
	memset(&rd, 0, sizeof rd);
	msp_filecache_init(&rd.files);
	rd.mseed.gaps = MSP_GAPS_ZERO;
	rd.mseed.rate_tolerance = 1e-4;
	rd.algorithm = "msread";
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_COLLECTION: {
			int okc = 0;
			for (int i = 0; valid_colls[i]; i++)
				okc |= strcmp(arg, valid_colls[i]) == 0;
			if (!okc)
				mst_usage("--collection: \"%s\" is not wf_miniseed, wf_TimeSeries or "
				          "wf_Seismogram", arg);
			coll = arg;
			break;
		}
		case OPT_GAPS:
			if (!strcmp(arg, "zero"))
				rd.mseed.gaps = MSP_GAPS_ZERO;
			else if (!strcmp(arg, "interpolate"))
				rd.mseed.gaps = MSP_GAPS_INTERPOLATE;
			else if (!strcmp(arg, "kill"))
				rd.mseed.gaps = MSP_GAPS_KILL;
			else
				mst_usage("--gaps: \"%s\" is not zero, interpolate or kill", arg);
			break;
		case OPT_RATE_TOL:
			rd.mseed.rate_tolerance = mst_arg_double_range("--rate-tolerance", arg, 0, 1);
			break;
		case OPT_DB: dbname = arg; break;
		}
	}
	/* GridFS is reached only when the database is MongoDB; a SQLite path
	 * leaves gridfs documents to die with a clear reason. */
	msp_gridfs *gfs = NULL;
	/* resolved as msp_db_resolve does, without opening the database */
	const char *db = dbname ? dbname : getenv("MSPIPE_DB");
	if (db && (strncmp(db, "mongodb://", 10) == 0 || strncmp(db, "mongodb+srv://", 14) == 0)) {
		char err[256];
		if (msp_gridfs_open(&gfs, db, err, sizeof err))
			mst_fatal("%s", err);
		rd.gridfs = msp_gridfs_fetch_cb;
		rd.gridfs_ctx = gfs;
	}

	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t ndocs = 0, ndead = 0;
	char *line = NULL;
	size_t linecap = 0;
	int nfiles = argc - optind;
	for (int fi = 0; fi < (nfiles ? nfiles : 1); fi++) {
		const char *path = nfiles ? argv[optind + fi] : "-";
		FILE *f = stdin;
		if (strcmp(path, "-") != 0 && !(f = fopen(path, "r")))
			mst_fatal("%s: %s", path, strerror(errno));
		const char *name = f == stdin ? "stdin" : path;
		uint64_t lineno = 0;
		ssize_t n;
		while ((n = getline(&line, &linecap, f)) >= 0) {
			lineno++;
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n == 0)
				continue;
			bson_error_t jerr;
			bson_t *doc = msp_json_to_bson(line, n, &jerr);
			if (!doc)
				mst_fatal("%s:%llu: not a JSON document (%s)", name,
				          (unsigned long long)lineno, jerr.message);
			const char *dcoll = coll ? coll : msp_wf_infer_collection(doc);
			char err[512];
			int rc = msp_wf_doc_to_record(doc, dcoll, rec, err, sizeof err);
			if (rc == MSP_ERR_NOMEM)
				mst_fatal("out of memory");
			if (rc) {
				msp_record_kill(rec, "msread", "%s", err);
				rec->npts = 0;
				msp_meta_set_bool(rec->meta, "is_abortion", 1);
			} else if (msp_wf_load_samples(&rd, doc, rec)) {
				mst_fatal("out of memory");
			}
			bson_destroy(doc);
			ndocs++;
			if (!rec->live) {
				ndead++;
				if (mst_verbose >= 2)
					mst_info(2, "%s:%llu: dead", name, (unsigned long long)lineno);
			}
			mst_history(rec);
			mst_write(out, rec);
			mst_progress(ndocs);
		}
		if (ferror(f)) /* errno: getline's failed read */
			mst_fatal("%s: read error (%s)", name, strerror(errno));
		if (f != stdin)
			fclose(f);
	}
	free(line);
	mst_finish_output(out);
	mst_progress_done(ndocs);
	mst_info(1, "%llu documents, %llu records dead, %llu file opens",
	         (unsigned long long)ndocs, (unsigned long long)ndead,
	         (unsigned long long)rd.files.opens);
	msp_filecache_close(&rd.files);
	msp_gridfs_close(gfs);
	msp_record_free(rec);
	return 0;
}
