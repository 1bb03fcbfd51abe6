/*
 * msindex - index a data set into the database in one command: each file's
 * kind is found from its content.
 *
 *   miniSEED          -> wf_miniseed (one document per contiguous segment)
 *   StationXML, FDSN station text -> site and channel
 *   QuakeML, FDSN event text      -> source
 *
 * Loading again does not duplicate: each file is written in one transaction
 * that first looks up the identity of every document (wf_miniseed: dir, dfile,
 * foff; site: net, sta, loc and an overlapping epoch; channel: net, sta, loc,
 * chan, starttime; source: origin time and place).  With SQLite the
 * transaction is BEGIN IMMEDIATE, so two msindex runs at once serialize their
 * writes and neither duplicates the other.  A file that fails is reported
 * (stderr and, for miniSEED, the elog collection) and the run goes on.
 *
 * The parsing is in lib/ (mseed_index.c, stationxml.c, quakeml.c,
 * fdsntext.c); this program walks the arguments, talks to the database and
 * reports.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libmseed.h>
#include <libxml/parser.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tool.h"
#include "msp_db.h"
#include "msp_inventory.h"
#include "msp_json.h"
#include "msp_mseed_index.h"

enum { OPT_DB = MST_LONG, OPT_DRY, OPT_TOL };

static const mst_opt opts[] = {
	{"db", OPT_DB, "DB", "database: SQLite file or mongodb:// URI (default $MSPIPE_DB, else mspipe.db)"},
	{"dry-run", OPT_DRY, NULL, "print the documents as JSON lines {\"collection\":..,\"doc\":..} instead of writing them"},
	{"rate-tolerance", OPT_TOL, "TOL", "relative sample-rate change that starts a new segment (default 1e-4)"},
	{0},
};

static const mst_prog prog = {
	.name = "msindex",
	.usage = "[OPTIONS] FILE|DIR...",
	.summary = "Index miniSEED, StationXML, QuakeML and FDSN text files into the database.",
	.description = "The kind of each file comes from its content.  Directories are walked\n"
	               "recursively (names starting with '.' are skipped, and so are files of\n"
	               "unknown kind found there).  Indexing again does not duplicate documents.\n"
	               "Exit status 1 if any file failed (others are still indexed), 0 otherwise.",
	.opts = opts,
};

static msp_db *db;
static int dry_run;
static double rate_tol = MSP_MSEED_RATE_TOL;
static int failed;
static uint64_t n_files, n_records, n_bytes, n_new, n_old;
static double t_start, t_last;


static void progress(int done)
{
	if (!mst_show_progress)
		return;
	double t = mst_now();
	if (!done && t - t_last < 1.0)
		return;
	t_last = t;
	double el = t - t_start > 0 ? t - t_start : 1e-9;
	fprintf(stderr, "\rmsindex: %llu files, %llu records, %.1f MB, %.0f records/s%s",
		(unsigned long long)n_files, (unsigned long long)n_records, n_bytes / 1e6,
		n_records / el, done ? "\n" : "");
}

static void quiet(char *m) { (void)m; }

/* ---- database helpers ------------------------------------------------- */

static void db_fail(const char *path, const char *what)
{
	mst_warn("%s: %s: %s", path, what, msp_db_errmsg(db));
	failed = 1;
}

/* Does a document matching filter exist in coll?  -1 on error. */
static int exists(const char *coll, const bson_t *filter)
{
	int64_t n = 0;
	if (msp_db_count(db, coll, filter, &n) != MSP_OK)
		return -1;
	return n > 0;
}

static void range(bson_t *f, const char *key, double lo, double hi)
{
	bson_t r;
	BSON_APPEND_DOCUMENT_BEGIN(f, key, &r);
	BSON_APPEND_DOUBLE(&r, "$gte", lo);
	BSON_APPEND_DOUBLE(&r, "$lte", hi);
	bson_append_document_end(f, &r);
}

static double dget(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_double(&it) : 0.0;
}

static const char *sget(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, NULL) : "";
}

/* The identity filter of a document in coll (see the file comment). */
static bson_t *identity(const char *coll, const bson_t *d)
{
	bson_t *f = bson_new();
	if (!strcmp(coll, "wf_miniseed")) {
		BSON_APPEND_UTF8(f, "dir", sget(d, "dir"));
		BSON_APPEND_UTF8(f, "dfile", sget(d, "dfile"));
		bson_iter_t it;
		if (bson_iter_init_find(&it, d, "foff"))
			BSON_APPEND_INT64(f, "foff", bson_iter_as_int64(&it));
	} else if (!strcmp(coll, "site") || !strcmp(coll, "channel")) {
		BSON_APPEND_UTF8(f, "net", sget(d, "net"));
		BSON_APPEND_UTF8(f, "sta", sget(d, "sta"));
		BSON_APPEND_UTF8(f, "loc", sget(d, "loc"));
		if (!strcmp(coll, "channel")) {
			BSON_APPEND_UTF8(f, "chan", sget(d, "chan"));
			double t = dget(d, "starttime");
			range(f, "starttime", t - 1e-3, t + 1e-3);
		} else {
			/* A site epoch that overlaps: StationXML gives the station's
			 * epoch, FDSN text only the span of its channels.  Strictly:
			 * epochs that only share their boundary instant (one ends
			 * when the next starts) are two sites. */
			bson_t r;
			BSON_APPEND_DOCUMENT_BEGIN(f, "starttime", &r);
			BSON_APPEND_DOUBLE(&r, "$lt", dget(d, "endtime"));
			bson_append_document_end(f, &r);
			BSON_APPEND_DOCUMENT_BEGIN(f, "endtime", &r);
			BSON_APPEND_DOUBLE(&r, "$gt", dget(d, "starttime"));
			bson_append_document_end(f, &r);
		}
	} else if (!strcmp(coll, "source")) {
		double t = dget(d, "time"), la = dget(d, "lat"), lo = dget(d, "lon");
		range(f, "time", t - 1e-3, t + 1e-3);
		range(f, "lat", la - 1e-4, la + 1e-4);
		range(f, "lon", lo - 1e-4, lo + 1e-4);
	}
	return f;
}

/* A copy of d with a new _id first and, if selfkey, that id under selfkey
 * too (MsPASS's site_id / chan_id / source_id). */
static bson_t *with_id(const bson_t *d, const char *selfkey, bson_oid_t *oid)
{
	bson_t *o = bson_new();
	bson_oid_init(oid, NULL);
	BSON_APPEND_OID(o, "_id", oid);
	bson_concat(o, d);
	if (selfkey)
		BSON_APPEND_OID(o, selfkey, oid);
	return o;
}

static void print_doc(const char *coll, const bson_t *d)
{
	size_t len;
	char *js = bson_as_relaxed_extended_json(d, &len);
	printf("{\"collection\":\"%s\",\"doc\":%s}\n", coll, js ? js : "null");
	bson_free(js);
}

/*
 * Insert the documents of docs[0..n) that are not already there, inside the
 * caller's transaction.  one_by_one: insert each at once so that later ones
 * in the same batch see it (metadata files may repeat an epoch).  New ids go
 * to ids (if not NULL, size n; *nids counts them).  known (if not NULL) says
 * for each document whether it is already there, looked up by the caller.
 * 0, or -1 on a db error.
 */
static int insert_new(const char *path, const char *coll, const char *selfkey,
		      bson_t **docs, size_t n, int one_by_one, const uint8_t *known,
		      bson_oid_t *ids, size_t *nids, uint64_t *nnew)
{
	bson_t **batch = calloc(n ? n : 1, sizeof *batch);
	size_t nb = 0;
	int rc = 0;
	if (!batch)
		mst_fatal("out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (dry_run) {
			bson_oid_t oid;
			bson_t *o = with_id(docs[i], selfkey, &oid);
			print_doc(coll, o);
			bson_destroy(o);
			if (ids)
				ids[(*nids)++] = oid;
			(*nnew)++;
			continue;
		}
		int e;
		if (known) {
			e = known[i];
		} else {
			bson_t *f = identity(coll, docs[i]);
			e = exists(coll, f);
			bson_destroy(f);
		}
		if (e < 0) {
			db_fail(path, "lookup failed");
			rc = -1;
			break;
		}
		if (e) {
			n_old++;
			continue;
		}
		bson_oid_t oid;
		batch[nb] = with_id(docs[i], selfkey, &oid);
		if (ids)
			ids[(*nids)++] = oid;
		nb++;
		if (one_by_one) {
			if (msp_db_insert_many(db, coll, (const bson_t *const *)batch, 1, NULL) != MSP_OK) {
				db_fail(path, "insert failed");
				rc = -1;
			}
			bson_destroy(batch[0]);
			nb = 0;
			(*nnew)++;
		}
	}
	if (rc == 0 && nb > 0) {
		if (msp_db_insert_many(db, coll, (const bson_t *const *)batch, nb, NULL) != MSP_OK) {
			db_fail(path, "insert failed");
			rc = -1;
		} else {
			*nnew += nb;
		}
	}
	for (size_t i = 0; i < nb; i++)
		bson_destroy(batch[i]);
	free(batch);
	return rc;
}

static int begin(const char *path)
{
	if (dry_run)
		return 0;
	if (msp_db_begin(db) != MSP_OK) {
		db_fail(path, "cannot start a transaction");
		return -1;
	}
	return 0;
}

static void finish(const char *path, int ok)
{
	if (dry_run)
		return;
	if (ok) {
		if (msp_db_commit(db) != MSP_OK)
			db_fail(path, "commit failed");
	} else {
		msp_db_rollback(db);
	}
}

/* ---- per kind ---------------------------------------------------------- */

/* MsPASS elog entry: {logdata: [{job_id, algorithm, badness, error_message,
 * process_id}], wf_miniseed_id}. */
static bson_t *elog_doc(const char *msg, const bson_oid_t *wfid, const char *dir, const char *dfile)
{
	bson_t *d = bson_new(), arr, e;
	BSON_APPEND_ARRAY_BEGIN(d, "logdata", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &e);
	BSON_APPEND_INT32(&e, "job_id", 0);
	BSON_APPEND_UTF8(&e, "algorithm", "msindex");
	BSON_APPEND_UTF8(&e, "badness", "ErrorSeverity.Complaint");
	BSON_APPEND_UTF8(&e, "error_message", msg);
	BSON_APPEND_INT32(&e, "process_id", (int32_t)getpid());
	bson_append_document_end(&arr, &e);
	bson_append_array_end(d, &arr);
	if (wfid) {
		BSON_APPEND_OID(d, "wf_miniseed_id", wfid);
	} else {
		/* No segment to link to: say which file it was. */
		BSON_APPEND_UTF8(d, "dir", dir);
		BSON_APPEND_UTF8(d, "dfile", dfile);
	}
	return d;
}

/* The absolute dir and dfile of path (its parent resolved when the file
 * itself cannot be), for elog entries. */
static void abs_parts(const char *path, char *dir, size_t dirlen, char *dfile, size_t flen)
{
	char rp[PATH_MAX], tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (realpath(path, rp)) {
		snprintf(tmp, sizeof tmp, "%s", rp);
		snprintf(dfile, flen, "%s", strrchr(rp, '/') ? strrchr(rp, '/') + 1 : rp);
		snprintf(dir, dirlen, "%s", dirname(tmp));
		return;
	}
	snprintf(dfile, flen, "%s", base);
	if (realpath(dirname(tmp), rp))
		snprintf(dir, dirlen, "%s", rp);
	else
		snprintf(dir, dirlen, "%s", dirname(tmp));
}

/*
 * A file that could not be indexed at all: the message on stderr, exit
 * status 1, and one elog entry {logdata: [...], dir, dfile} (the MsPASS
 * shape, with the file instead of a wf_miniseed_id since there is no
 * segment), unless the file already has one from an earlier run.
 */
static void file_failed(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void file_failed(const char *path, const char *fmt, ...)
{
	char msg[PATH_MAX + 512], dir[PATH_MAX], dfile[PATH_MAX];
	int n = snprintf(msg, sizeof msg, "%s: ", path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	mst_warn("%s", msg);
	failed = 1;
	abs_parts(path, dir, sizeof dir, dfile, sizeof dfile);
	bson_t *el = elog_doc(msg, NULL, dir, dfile);
	if (dry_run) {
		print_doc("elog", el);
	} else if (begin(path) == 0) {
		bson_t *f = bson_new();
		BSON_APPEND_UTF8(f, "dir", dir);
		BSON_APPEND_UTF8(f, "dfile", dfile);
		int e = exists("elog", f);
		bson_destroy(f);
		int ok = e == 0 ? msp_db_insert_many(db, "elog", (const bson_t *const *)&el, 1, NULL) == MSP_OK
				: e > 0;
		if (!ok)
			db_fail(path, "elog insert failed");
		finish(path, ok);
	}
	bson_destroy(el);
}

/* Which segments of this file are indexed already: one query per file for
 * the offsets under its dir and dfile (inside the file's transaction), rather
 * than one per segment.  0, or -1 on a db error. */
static int known_segments(const char *path, const char *dir, const char *dfile,
			  const msp_mseed_index *ix, uint8_t *known)
{
	if (dry_run || ix->nseg == 0)
		return 0;
	bson_t *f = bson_new(), *proj = bson_new();
	BSON_APPEND_UTF8(f, "dir", dir);
	BSON_APPEND_UTF8(f, "dfile", dfile);
	BSON_APPEND_INT32(proj, "foff", 1);
	msp_find_opts o = {.projection = proj};
	msp_cursor *c = NULL;
	int rc = msp_db_find(db, "wf_miniseed", f, &o, &c);
	const bson_t *d;
	while (rc == MSP_OK && (rc = msp_cursor_next(c, &d)) == MSP_OK) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, d, "foff") || !BSON_ITER_HOLDS_NUMBER(&it))
			continue;
		uint64_t foff = (uint64_t)bson_iter_as_int64(&it);
		/* Segments are in file order: binary search on foff. */
		size_t lo = 0, hi = ix->nseg;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (ix->seg[mid].foff < foff)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ix->nseg && ix->seg[lo].foff == foff)
			known[lo] = 1;
	}
	if (c)
		msp_cursor_close(c);
	bson_destroy(f);
	bson_destroy(proj);
	if (rc != MSP_EOF) {
		db_fail(path, "lookup failed");
		return -1;
	}
	return 0;
}

static void do_mseed(const char *path, const uint8_t *buf, size_t len)
{
	char rp[PATH_MAX], tmp[PATH_MAX];
	if (!realpath(path, rp)) {
		file_failed(path, "%s", strerror(errno));
		return;
	}
	snprintf(tmp, sizeof tmp, "%s", rp);
	char *dir = dirname(tmp);
	const char *dfile = strrchr(rp, '/') ? strrchr(rp, '/') + 1 : rp;

	msp_mseed_index ix;
	msp_mseed_index_init(&ix);
	int st = msp_mseed_index_buffer(buf, len, rate_tol, &ix);
	if (st == MSP_ERR_NOMEM)
		mst_fatal("out of memory");
	n_records += ix.nrecords;
	n_bytes += len;

	bson_t **docs = calloc(ix.nseg ? ix.nseg : 1, sizeof *docs);
	bson_oid_t *ids = calloc(ix.nseg ? ix.nseg : 1, sizeof *ids);
	uint8_t *known = calloc(ix.nseg ? ix.nseg : 1, 1);
	if (!docs || !ids || !known)
		mst_fatal("out of memory");
	for (size_t i = 0; i < ix.nseg; i++)
		if (!(docs[i] = msp_mseed_segment_doc(&ix.seg[i], dir, dfile, rate_tol)))
			mst_fatal("out of memory");
	char msg[PATH_MAX + 512] = "";
	if (st != MSP_OK) {
		snprintf(msg, sizeof msg, "%s: record at byte %llu: %s; indexed the %zu segment(s) before it",
			 rp, (unsigned long long)ix.err_offset, ix.err, ix.nseg);
		mst_warn("%s: record at byte %llu: %s (kept %zu segment(s) before it)", path,
			 (unsigned long long)ix.err_offset, ix.err, ix.nseg);
		failed = 1;
	}
	size_t nids = 0;
	uint64_t nnew = 0;
	if (begin(path) == 0) {
		int rc = known_segments(path, dir, dfile, &ix, known) ? -1 :
			 insert_new(path, "wf_miniseed", NULL, docs, ix.nseg, 0, known, ids, &nids, &nnew);
		if (rc == 0 && st != MSP_OK) {
			/* One elog copy per new segment, as index_mseed_file does; a
			 * file with no segment at all gets one entry naming it. */
			bson_t **el = calloc(nids ? nids : 1, sizeof *el);
			size_t nel = 0;
			if (!el)
				mst_fatal("out of memory");
			if (nids) {
				for (size_t i = 0; i < nids; i++)
					el[nel++] = elog_doc(msg, &ids[i], NULL, NULL);
			} else if (ix.nseg == 0) {
				el[nel++] = elog_doc(msg, NULL, dir, dfile);
				if (!dry_run) {
					bson_t *f = bson_new();
					BSON_APPEND_UTF8(f, "dir", dir);
					BSON_APPEND_UTF8(f, "dfile", dfile);
					int e = exists("elog", f);
					bson_destroy(f);
					if (e != 0) {
						bson_destroy(el[0]);
						nel = 0;
					}
				}
			}
			if (dry_run) {
				for (size_t i = 0; i < nel; i++)
					print_doc("elog", el[i]);
			} else if (nel && msp_db_insert_many(db, "elog", (const bson_t *const *)el, nel,
							     NULL) != MSP_OK) {
				db_fail(path, "elog insert failed");
				rc = -1;
			}
			for (size_t i = 0; i < nel; i++)
				bson_destroy(el[i]);
			free(el);
		}
		finish(path, rc == 0);
		if (rc == 0)
			n_new += nnew;
	}
	mst_info(1, "%s: miniseed, %llu records, %zu segment(s), %llu new", path,
		 (unsigned long long)ix.nrecords, ix.nseg, (unsigned long long)nnew);
	for (size_t i = 0; i < ix.nseg; i++)
		bson_destroy(docs[i]);
	free(docs);
	free(ids);
	free(known);
	msp_mseed_index_free(&ix);
}

static void do_meta(const char *path, int kind, const uint8_t *buf, size_t len)
{
	msp_docs site, chan, src;
	char err[512];
	msp_docs_init(&site);
	msp_docs_init(&chan);
	msp_docs_init(&src);
	int st;
	switch (kind) {
	case MSP_KIND_STATIONXML:
		st = msp_stationxml_parse((const char *)buf, len, &site, &chan, err, sizeof err);
		break;
	case MSP_KIND_FDSN_STATION_TEXT:
		st = msp_fdsn_station_text_parse((const char *)buf, len, &site, &chan, err, sizeof err);
		break;
	case MSP_KIND_QUAKEML:
		st = msp_quakeml_parse((const char *)buf, len, &src, err, sizeof err);
		break;
	default:
		st = msp_fdsn_event_text_parse((const char *)buf, len, &src, err, sizeof err);
		break;
	}
	n_bytes += len;
	if (st == MSP_ERR_NOMEM)
		mst_fatal("out of memory");
	if (st != MSP_OK) {
		/* All or nothing for metadata: half a station file is worse than none. */
		file_failed(path, "%s (nothing loaded from it)", err);
	} else if (begin(path) == 0) {
		uint64_t ns = 0, nc = 0, ne = 0;
		size_t dummy = 0;
		int rc = insert_new(path, "site", "site_id", site.doc, site.n, 1, NULL, NULL, &dummy, &ns);
		if (rc == 0)
			rc = insert_new(path, "channel", "chan_id", chan.doc, chan.n, 1, NULL, NULL, &dummy, &nc);
		if (rc == 0)
			rc = insert_new(path, "source", "source_id", src.doc, src.n, 1, NULL, NULL, &dummy, &ne);
		finish(path, rc == 0);
		if (rc == 0)
			n_new += ns + nc + ne;
		if (kind == MSP_KIND_QUAKEML || kind == MSP_KIND_FDSN_EVENT_TEXT)
			mst_info(1, "%s: %s, %zu event(s), %llu new", path, msp_kind_name(kind), src.n,
				 (unsigned long long)ne);
		else
			mst_info(1, "%s: %s, %zu site(s) (%llu new), %zu channel(s) (%llu new)", path,
				 msp_kind_name(kind), site.n, (unsigned long long)ns, chan.n,
				 (unsigned long long)nc);
	}
	msp_docs_free(&site);
	msp_docs_free(&chan);
	msp_docs_free(&src);
}

/* ---- files and directories --------------------------------------------- */

/* A mapped file that shrinks under us (another process truncating it) or
 * whose pages cannot be read (an I/O error, a network file system going
 * away) raises SIGBUS on the first touch of the missing page.  The run
 * stops there with the file named: the files before it are committed, this
 * file's transaction is not (SQLite rolls it back), and msindex run again
 * indexes the rest without duplicating. */
static const char *volatile mapped_path;

static void on_sigbus(int sig)
{
	const char *p = mapped_path;
	if (p) {
		static const char a[] = ": the file shrank or could not be read while it was being indexed "
		                        "(SIGBUS); the files before it are indexed, run msindex again\n";
		const char *name = mst_name();
		size_t ln = strlen(name), lp = strlen(p);
		char msg[PATH_MAX + 256];
		if (ln + 2 + lp + sizeof a < sizeof msg) {
			memcpy(msg, name, ln);
			memcpy(msg + ln, ": ", 2);
			memcpy(msg + ln + 2, p, lp);
			memcpy(msg + ln + 2 + lp, a, sizeof a - 1);
			ssize_t w = write(STDERR_FILENO, msg, ln + 2 + lp + sizeof a - 1);
			(void)w;
		}
		_exit(1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void do_file(const char *path, int explicit_arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		file_failed(path, "%s", strerror(errno));
		return;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		file_failed(path, "%s", strerror(e));
		return;
	}
	size_t len = (size_t)sb.st_size;
	uint8_t *buf = NULL;
	if (len > 0) {
		buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (buf == MAP_FAILED) {
			int e = errno;
			close(fd);
			file_failed(path, "cannot map: %s", strerror(e));
			return;
		}
		madvise(buf, len, MADV_SEQUENTIAL);
	}
	close(fd);
	n_files++;
	mapped_path = path;
	int kind = msp_detect_kind(buf, len);
	if (kind == MSP_KIND_UNKNOWN) {
		if (explicit_arg) {
			file_failed(path, "%s", len ? "not miniSEED, StationXML, QuakeML or FDSN text"
						    : "empty file");
		} else {
			mst_info(1, "%s: unknown kind, skipped", path);
		}
	} else if (kind == MSP_KIND_MSEED) {
		do_mseed(path, buf, len);
	} else {
		do_meta(path, kind, buf, len);
	}
	mapped_path = NULL;
	if (buf)
		munmap(buf, len);
	progress(0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories being walked (device, inode), so that a symbolic link
 * back to one of them does not loop. */
static struct { dev_t dev; ino_t ino; } walk[256];
static int nwalk;

static void do_path(const char *path, int explicit_arg)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		file_failed(path, "%s", strerror(errno));
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (S_ISREG(sb.st_mode) || explicit_arg)
			do_file(path, explicit_arg);
		return;
	}
	for (int i = 0; i < nwalk; i++)
		if (walk[i].dev == sb.st_dev && walk[i].ino == sb.st_ino) {
			mst_info(1, "%s: a link back to a directory being walked, skipped", path);
			return;
		}
	if (nwalk == (int)(sizeof walk / sizeof *walk)) {
		file_failed(path, "directories nested too deep");
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		file_failed(path, "%s", strerror(errno));
		return;
	}
	walk[nwalk].dev = sb.st_dev;
	walk[nwalk].ino = sb.st_ino;
	nwalk++;
	/* Sorted, so that runs are repeatable. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				mst_fatal("out of memory");
		}
		if (!(names[n++] = strdup(de->d_name)))
			mst_fatal("out of memory");
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t pl = strlen(path);
		char *full = malloc(pl + strlen(names[i]) + 2);
		if (!full)
			mst_fatal("out of memory");
		sprintf(full, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", names[i]);
		do_path(full, 0);
		free(full);
		free(names[i]);
	}
	free(names);
	nwalk--;
}

int main(int argc, char **argv)
{
	const char *dbarg = NULL, *arg;
	int c;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_DB: dbarg = arg; break;
		case OPT_DRY: dry_run = 1; break;
		case OPT_TOL: rate_tol = mst_arg_double_range("--rate-tolerance", arg, 1e-12, 1.0); break;
		}
	}
	if (optind >= argc)
		mst_usage("no FILE or DIR to index");
	if (dry_run && dbarg)
		mst_usage("--dry-run and --db do not go together");

	ms_loginit(quiet, NULL, quiet, NULL); /* libmseed speaks through our messages */
	struct sigaction sa = {.sa_handler = on_sigbus};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	xmlInitParser();
	if (!dry_run) {
		char err[512];
		if (msp_db_open(&db, msp_db_resolve(dbarg), err, sizeof err) != MSP_OK)
			mst_fatal("%s", err);
		/* Indexes for the identity lookups; an existing one is fine. */
		static const char *idx[][4] = {
			{"wf_miniseed", "dir", "dfile", "foff"},
			{"channel", "net", "sta", "chan"},
			{"site", "net", "sta", "loc"},
			{"source", "time", NULL, NULL},
		};
		for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) {
			bson_t *k = bson_new();
			for (int j = 1; j < 4 && idx[i][j]; j++)
				BSON_APPEND_INT32(k, idx[i][j], 1);
			char name[64];
			snprintf(name, sizeof name, "msindex_%s", idx[i][0]);
			msp_db_create_index(db, idx[i][0], k, name, 0);
			bson_destroy(k);
		}
	}
	t_start = t_last = mst_now();
	for (int i = optind; i < argc; i++)
		do_path(argv[i], 1);
	progress(1);
	mst_info(1, "%llu file(s), %llu record(s), %.1f MB, %llu new document(s), %llu already there",
		 (unsigned long long)n_files, (unsigned long long)n_records, n_bytes / 1e6,
		 (unsigned long long)n_new, (unsigned long long)n_old);
	if (db)
		msp_db_close(db);
	xmlCleanupParser();
	if (dry_run)
		mst_close_stdout();
	return failed ? 1 : 0;
}
