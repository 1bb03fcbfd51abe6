/*
 * wfdoc.c - MsPASS wf documents <-> records (see msp_wfdoc.h): the reading
 * rules of Database.read_data and the document save_data writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "msp_wfdoc.h"
#include "msp_meta.h"
#include "elbuf.h"
#include "msp_status.h"

/* ---- the file cache ---- */

void msp_filecache_init(msp_filecache *fc)
{
	memset(fc, 0, sizeof *fc);
	fc->fd = -1;
}

void msp_filecache_close(msp_filecache *fc)
{
	if (fc->fd >= 0)
		close(fc->fd);
	free(fc->path);
	free(fc->buf);
	uint64_t opens = fc->opens;
	msp_filecache_init(fc);
	fc->opens = opens;
}

int msp_filecache_read(msp_filecache *fc, const char *dir, const char *dfile, int64_t foff,
                       int64_t nbytes, const uint8_t **out, char *err, size_t errlen)
{
	char path[4096];
	int n = dir && *dir ? snprintf(path, sizeof path, "%s/%s", dir, dfile)
	                    : snprintf(path, sizeof path, "%s", dfile);
	if (n < 0 || (size_t)n >= sizeof path) {
		msp_errf(err, errlen, "path too long");
		return MSP_ERR_INVAL;
	}
	if (foff < 0 || nbytes < 0 || (uint64_t)nbytes > MSP_WF_MAX_BYTES || foff > INT64_MAX - nbytes) {
		msp_errf(err, errlen, "%s: bad foff %lld or nbytes %lld", path, (long long)foff,
		       (long long)nbytes);
		return MSP_ERR_RANGE;
	}
	if (!fc->path || strcmp(fc->path, path) != 0) {
		if (fc->fd >= 0)
			close(fc->fd);
		free(fc->path);
		fc->path = NULL;
		/* O_NONBLOCK: a document naming a FIFO must not hang the reader
		 * in open(); samples live in regular files only (not /dev/zero,
		 * not a FIFO, not a directory) */
		fc->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		fc->opens++;
		if (fc->fd < 0) {
			int e = errno;
			msp_errf(err, errlen, "%s: %s", path, strerror(e));
			return e == ENOENT ? MSP_ERR_NOTFOUND : MSP_ERR_IO;
		}
		struct stat sb;
		if (fstat(fc->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			msp_errf(err, errlen, "%s: not a regular file", path);
			close(fc->fd);
			fc->fd = -1;
			return MSP_ERR_IO;
		}
		fc->path = strdup(path);
		if (!fc->path) {
			close(fc->fd);
			fc->fd = -1;
			return MSP_ERR_NOMEM;
		}
	}
	if ((size_t)nbytes > fc->cap) {
		/* a document's nbytes is input: a bigger buffer only for bytes the
		 * file really has, so a wrong document cannot make the reader
		 * allocate gigabytes it will never fill */
		struct stat sb;
		if (fstat(fc->fd, &sb) == 0 && S_ISREG(sb.st_mode) && foff + nbytes > (int64_t)sb.st_size) {
			msp_errf(err, errlen, "%s: %lld bytes at byte %lld asked, file ends after %lld", path,
			       (long long)nbytes, (long long)foff,
			       (long long)(sb.st_size > foff ? sb.st_size - foff : 0));
			return MSP_ERR_TRUNCATED;
		}
		uint8_t *p = realloc(fc->buf, (size_t)nbytes);
		if (!p)
			return MSP_ERR_NOMEM;
		fc->buf = p;
		fc->cap = (size_t)nbytes;
	}
	size_t got = 0;
	while (got < (size_t)nbytes) {
		ssize_t r = pread(fc->fd, fc->buf + got, (size_t)nbytes - got, (off_t)(foff + (int64_t)got));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			msp_errf(err, errlen, "%s: read at byte %lld: %s", path, (long long)foff,
			       strerror(errno));
			return MSP_ERR_IO;
		}
		if (r == 0) {
			msp_errf(err, errlen, "%s: %lld bytes at byte %lld asked, file ends after %zu",
			       path, (long long)nbytes, (long long)foff, got);
			return MSP_ERR_TRUNCATED;
		}
		got += (size_t)r;
	}
	*out = fc->buf;
	return MSP_OK;
}

/* ---- reading ---- */

/* The keys the readers below look up in a wf document, found in one pass
 * over it (the first occurrence of each, as msp_meta_get_* finds it): ~18
 * lookups by name, each a scan of the document with a strncmp per key,
 * cost more than the rest of reading a document. */
enum { F_TMATRIX, F_TSTD, F_FORMAT, F_FOFF, F_UTC_CONV, F_STARTTIME, F_RATE, F_SHIFT, F_MODE,
       F_DELTA, F_DIR, F_DFILE, F_NPTS, F_NBYTES, F_GRIDFS, F_ENDTIME, NF };
/* grouped by first letter, for field_note */
static const char *const field_names[NF] = {
	"tmatrix", "time_standard", "format", "foff", "utc_convertible", "starttime",
	"sampling_rate", "starttime_shift", "storage_mode", "delta", "dir", "dfile", "npts", "nbytes",
	"gridfs_id", "endtime"};

typedef struct wf_fields {
	struct {
		bson_iter_t it; /* (bson_iter_t is over-aligned: no plain array of them) */
	} at[NF];
	unsigned have;
} wf_fields;

/* Note the key the iterator is at, if it is one of field_names. */
static void field_note(wf_fields *f, const bson_iter_t *it)
{
	const char *k = bson_iter_key(it);
	/* a strcmp only with the names that start with the key's letter */
	int i, to;
	switch (k[0]) {
	case 't': i = F_TMATRIX, to = F_TSTD; break;
	case 'f': i = F_FORMAT, to = F_FOFF; break;
	case 'u': i = to = F_UTC_CONV; break;
	case 's': i = F_STARTTIME, to = F_MODE; break;
	case 'd': i = F_DELTA, to = F_DFILE; break;
	case 'n': i = F_NPTS, to = F_NBYTES; break;
	case 'g': i = to = F_GRIDFS; break;
	case 'e': i = to = F_ENDTIME; break;
	default: return;
	}
	for (; i <= to; i++)
		if (strcmp(k, field_names[i]) == 0) {
			if (!(f->have & 1u << i)) {
				f->at[i].it = *it;
				f->have |= 1u << i;
			}
			return;
		}
}

static void fields_scan(const bson_t *doc, wf_fields *f)
{
	bson_iter_t it;
	f->have = 0;
	if (bson_iter_init(&it, doc))
		while (bson_iter_next(&it))
			field_note(f, &it);
}

static int f_has(const wf_fields *f, int i) { return (f->have & 1u << i) != 0; }

static int f_double(const wf_fields *f, int i, double *out)
{
	return f_has(f, i) ? msp_meta_iter_double(&f->at[i].it, out) : MSP_ERR_NOTFOUND;
}

static int f_int64(const wf_fields *f, int i, int64_t *out)
{
	return f_has(f, i) ? msp_meta_iter_int64(&f->at[i].it, out) : MSP_ERR_NOTFOUND;
}

static int f_string(const wf_fields *f, int i, const char **out)
{
	return f_has(f, i) ? msp_meta_iter_string(&f->at[i].it, out) : MSP_ERR_NOTFOUND;
}

const char *msp_wf_infer_collection(const bson_t *doc)
{
	const char *fmt;
	wf_fields f;
	fields_scan(doc, &f);
	if (f_has(&f, F_TMATRIX))
		return "wf_Seismogram";
	/* save_data always writes utc_convertible; the indexer never does, so a
	 * saved TimeSeries in miniSEED is not taken for an index entry */
	if (f_string(&f, F_FORMAT, &fmt) == MSP_OK && strcmp(fmt, "mseed") == 0 &&
	    !f_has(&f, F_UTC_CONV))
		return "wf_miniseed";
	return "wf_TimeSeries";
}

int msp_wf_doc_to_record(const bson_t *doc, const char *coll, msp_record *rec, char *err,
                         size_t errlen)
{
	msp_record_clear(rec);
	bson_iter_t it;
	char key[160];
	snprintf(key, sizeof key, "%s_id", coll);
	int have_id = 0;
	wf_fields f;
	f.have = 0;
	/* the elements go to rec->meta through a buffer, as bytes (what
	 * bson_append_iter writes), in one copy at the end */
	msp_elbuf b;
	msp_elbuf_init(&b);
	if (bson_iter_init(&it, doc))
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			field_note(&f, &it);
			/* (first letters before the strcmp: this runs for every key) */
			if (k[0] == '_' && strcmp(k, "_id") == 0) {
				/* rec->meta starts empty and never gets the document's own
				 * <coll>_id (skipped below): only a second _id replaces */
				if (!have_id && BSON_ITER_HOLDS_OID(&it)) {
					msp_elbuf_oid(&b, key, bson_iter_oid(&it));
				} else {
					const bson_value_t *v = bson_iter_value(&it);
					if (msp_elbuf_commit(&b, rec->meta) ||
					    (have_id ? msp_meta_set_value(rec->meta, key, v) != MSP_OK
					             : !bson_append_value(rec->meta, key, -1, v)))
						return MSP_ERR_NOMEM;
					msp_elbuf_init(&b);
				}
				have_id = 1;
				continue;
			}
			/* a stale <coll>_id from an earlier step is replaced above */
			if ((k[0] == key[0] && strcmp(k, key) == 0) ||
			    (k[0] == MSP_PARENT_KEY[0] && strcmp(k, MSP_PARENT_KEY) == 0))
				continue;
			msp_elbuf_element(&b, &it);
		}
	/* never in rec->meta yet (skipped above): appended, no rebuild */
	msp_elbuf_utf8(&b, MSP_PARENT_KEY, coll);
	if (msp_elbuf_commit(&b, rec->meta))
		return MSP_ERR_NOMEM;
	rec->kind = strcmp(coll, "wf_Seismogram") == 0 ? MSP_SEISMOGRAM : MSP_TIMESERIES;
	rec->live = 1;
	double t0, dt, rate;
	if (f_double(&f, F_STARTTIME, &t0) || !isfinite(t0)) {
		msp_errf(err, errlen, "no usable starttime in the document");
		return MSP_ERR_DATA;
	}
	if (f_double(&f, F_DELTA, &dt) == MSP_OK && dt > 0 && isfinite(dt)) {
		/* delta is the canonical key */
	} else if (f_double(&f, F_RATE, &rate) == MSP_OK && rate > 0 && isfinite(rate)) {
		dt = 1.0 / rate;
	} else {
		msp_errf(err, errlen, "no usable delta or sampling_rate in the document");
		return MSP_ERR_DATA;
	}
	int64_t npts = 0;
	if (f_int64(&f, F_NPTS, &npts) || npts < 0)
		npts = 0;
	rec->t0 = t0;
	rec->dt = dt;
	const char *ts = NULL;
	f_string(&f, F_TSTD, &ts);
	double shift;
	int has_shift = f_double(&f, F_SHIFT, &shift) == MSP_OK;
	if (strcmp(coll, "wf_miniseed") == 0 || (ts && strcmp(ts, "UTC") == 0)) {
		rec->tref = MSP_TREF_UTC;
	} else if (ts && strcmp(ts, "Relative") == 0) {
		rec->tref = MSP_TREF_RELATIVE;
		if (has_shift) {
			rec->t0shift = shift;
			rec->t0shift_valid = 1;
		}
	} else if (!ts && !has_shift) {
		/* MsPASS leaves such a datum Relative (its issue #372); a saved
		 * document without a shift has absolute times, so it is UTC. */
		rec->tref = MSP_TREF_UTC;
		msp_record_log(rec, "msread", MSP_SEV_COMPLAINT,
		               "time_standard absent; taken as UTC (MsPASS would take Relative)");
	} else {
		rec->tref = MSP_TREF_RELATIVE;
		if (has_shift) {
			rec->t0shift = shift;
			rec->t0shift_valid = 1;
		}
		msp_record_log(rec, "msread", MSP_SEV_COMPLAINT,
		               "time_standard \"%s\" unknown; taken as Relative", ts ? ts : "");
	}
	if ((uint64_t)npts > MSP_WF_MAX_BYTES / sizeof(double) / (uint64_t)rec->kind) {
		/* a wrong document is one dead record, not an allocation that
		 * ends the chain "out of memory" */
		msp_errf(err, errlen, "npts %lld is beyond what one record can hold (%llu bytes of samples)",
		       (long long)npts, (unsigned long long)MSP_WF_MAX_BYTES);
		return MSP_ERR_DATA;
	}
	/* npts as the document says, but no room for the samples yet: the
	 * document is input, and msp_wf_load_samples allocates once the bytes
	 * are found (or the record dies with npts 0) */
	if (msp_record_resize(rec, rec->kind, 0))
		return MSP_ERR_NOMEM;
	rec->npts = (size_t)npts;
	return MSP_OK;
}

void msp_interleave3(const double *blocked, size_t npts, double *inter)
{
	for (size_t i = 0; i < npts; i++) {
		inter[3 * i] = blocked[i];
		inter[3 * i + 1] = blocked[npts + i];
		inter[3 * i + 2] = blocked[2 * npts + i];
	}
}

void msp_deinterleave3(const double *inter, size_t npts, double *blocked)
{
	for (size_t i = 0; i < npts; i++) {
		blocked[i] = inter[3 * i];
		blocked[npts + i] = inter[3 * i + 1];
		blocked[2 * npts + i] = inter[3 * i + 2];
	}
}

static void abort_record(msp_record *rec, const char *alg, const char *msg)
{
	msp_record_kill(rec, alg, "%s", msg);
	/* MsPASS's abortions carry no samples */
	rec->npts = 0;
	msp_meta_set_bool(rec->meta, "is_abortion", 1);
}

/* MsPASS's checks of the decoded segment against its document: npts, t0
 * and dt mismatches are Complaints (the reader's values win); an endtime
 * that differs by more than dt/2 kills.  The keys it sets are appended to
 * upd (after the decoder's), so the metadata is rebuilt once. */
static void check_against_doc(const wf_fields *doc, msp_record *rec, const char *alg, bson_t *upd)
{
	int64_t npts;
	double t0, dt, rate, endtime;
	if (f_int64(doc, F_NPTS, &npts) == MSP_OK && (size_t)npts != rec->npts)
		msp_record_log(rec, alg, MSP_SEV_COMPLAINT,
		               "document npts %lld, data hold %zu; using %zu", (long long)npts,
		               rec->npts, rec->npts);
	if (f_double(doc, F_STARTTIME, &t0) == MSP_OK && fabs(t0 - rec->t0) > 5e-7)
		msp_record_log(rec, alg, MSP_SEV_COMPLAINT,
		               "document starttime %.6f, data start %.6f; using the data's", t0, rec->t0);
	int have_dt = f_double(doc, F_DELTA, &dt) == MSP_OK;
	if (!have_dt && f_double(doc, F_RATE, &rate) == MSP_OK && rate > 0) {
		dt = 1.0 / rate;
		have_dt = 1;
	}
	if (have_dt && fabs(dt - rec->dt) > 1e-4 * rec->dt)
		msp_record_log(rec, alg, MSP_SEV_COMPLAINT,
		               "document delta %g, data %g; using the data's", dt, rec->dt);
	if (f_double(doc, F_ENDTIME, &endtime) == MSP_OK &&
	    fabs(endtime - msp_record_endtime(rec)) > 0.5 * rec->dt) {
		/* abort_record, with is_abortion in the same rebuild */
		msp_record_kill(rec, alg, "document endtime %.6f, data end %.6f: more than dt/2 apart",
		                endtime, msp_record_endtime(rec));
		rec->npts = 0;
		BSON_APPEND_BOOL(upd, "is_abortion", 1);
	}
	BSON_APPEND_DOUBLE(upd, "starttime", rec->t0);
	BSON_APPEND_DOUBLE(upd, "delta", rec->dt);
	BSON_APPEND_DOUBLE(upd, "sampling_rate", 1.0 / rec->dt);
	if (rec->live) {
		BSON_APPEND_INT64(upd, "npts", (int64_t)rec->npts);
		BSON_APPEND_DOUBLE(upd, "endtime", msp_record_endtime(rec));
	}
}

int msp_wf_load_samples(msp_wf_reader *r, const bson_t *doc, msp_record *rec)
{
	const char *alg = r->algorithm ? r->algorithm : "msread";
	char err[512];
	const char *mode = "file", *fmt = NULL, *dir = "", *dfile = NULL;
	wf_fields f;
	fields_scan(doc, &f);
	f_string(&f, F_MODE, &mode);
	f_string(&f, F_FORMAT, &fmt);
	if (strcmp(mode, "gridfs") == 0) {
		if (!f_has(&f, F_GRIDFS)) {
			abort_record(rec, alg, "storage_mode gridfs without gridfs_id");
			return MSP_OK;
		}
		bson_iter_t *gid = &f.at[F_GRIDFS].it;
		if (!r->gridfs) {
			abort_record(rec, alg, "storage_mode gridfs needs a MongoDB database (--db mongodb://...)");
			return MSP_OK;
		}
		uint8_t *buf = NULL;
		size_t len = 0;
		int rc = r->gridfs(r->gridfs_ctx, bson_iter_value(gid), &buf, &len, err,
		                   sizeof err);
		if (rc == MSP_ERR_NOMEM)
			return rc;
		if (rc) {
			abort_record(rec, alg, err);
			return MSP_OK;
		}
		/* GridFS holds C-order bytes: component-blocked for Seismograms */
		size_t want = rec->npts * (size_t)rec->kind * sizeof(double);
		if (len != want) {
			snprintf(err, sizeof err, "gridfs object has %zu bytes, npts %zu needs %zu", len,
			         rec->npts, want);
			free(buf);
			abort_record(rec, alg, err);
			return MSP_OK;
		}
		if (msp_record_resize(rec, rec->kind, rec->npts)) {
			free(buf);
			return MSP_ERR_NOMEM;
		}
		if (len)
			memcpy(rec->data, buf, len);
		free(buf);
		return MSP_OK;
	}
	if (strcmp(mode, "file") != 0) {
		snprintf(err, sizeof err, "storage_mode \"%s\" is not supported", mode);
		abort_record(rec, alg, err);
		return MSP_OK;
	}
	f_string(&f, F_DIR, &dir);
	if (f_string(&f, F_DFILE, &dfile)) {
		abort_record(rec, alg, "storage_mode file without dfile");
		return MSP_OK;
	}
	int64_t foff = 0, nbytes = -1;
	f_int64(&f, F_FOFF, &foff);
	int is_mseed = fmt && strcmp(fmt, "mseed") == 0;
	if (!fmt || strcmp(fmt, "binary") == 0) {
		if (f_int64(&f, F_NBYTES, &nbytes))
			nbytes = (int64_t)(rec->npts * (size_t)rec->kind * sizeof(double));
		if ((size_t)nbytes != rec->npts * (size_t)rec->kind * sizeof(double)) {
			snprintf(err, sizeof err, "nbytes %lld does not hold npts %zu x %d doubles",
			         (long long)nbytes, rec->npts, rec->kind);
			abort_record(rec, alg, err);
			return MSP_OK;
		}
	} else if (is_mseed) {
		if (f_int64(&f, F_NBYTES, &nbytes) || nbytes <= 0) {
			abort_record(rec, alg, "format mseed without a positive nbytes");
			return MSP_OK;
		}
	} else {
		snprintf(err, sizeof err, "format \"%s\" is not supported", fmt);
		abort_record(rec, alg, err);
		return MSP_OK;
	}
	const uint8_t *buf;
	int rc = msp_filecache_read(&r->files, dir, dfile, foff, nbytes, &buf, err, sizeof err);
	if (rc == MSP_ERR_NOMEM)
		return rc;
	if (rc) {
		abort_record(rec, alg, err);
		return MSP_OK;
	}
	if (is_mseed) {
		/* the decoder's keys and check_against_doc's in one rebuild */
		bson_t upd = BSON_INITIALIZER;
		msp_mseed_info info;
		rc = msp_mseed_decode_upd(buf, (size_t)nbytes, &r->mseed, rec, &info, &upd, err,
		                          sizeof err);
		if (rc == MSP_OK) {
			check_against_doc(&f, rec, alg, &upd);
			static const char *const drop_gaps[] = {"gaps", NULL};
			rc = msp_meta_update(rec->meta, &upd, info.ngaps ? NULL : drop_gaps);
			bson_destroy(&upd);
			return rc;
		}
		bson_destroy(&upd);
		if (rc == MSP_ERR_NOMEM)
			return rc;
		abort_record(rec, alg, err);
		return MSP_OK;
	}
	/* the bytes are there: now the room for them */
	if (msp_record_resize(rec, rec->kind, rec->npts))
		return MSP_ERR_NOMEM;
	if (rec->kind == MSP_SEISMOGRAM)
		msp_deinterleave3((const double *)buf, rec->npts, rec->data);
	else
		if (nbytes > 0) /* npts 0: no buffer on either side */
			memcpy(rec->data, buf, (size_t)nbytes);
	return MSP_OK;
}

/* ---- saving ---- */

static int is_normalized_copy(const char *key)
{
	static const char *colls[] = {"channel_", "site_", "source_"};
	if (key[0] != 'c' && key[0] != 's')
		return 0; /* most keys: no strncmp at all (this runs for every key saved) */
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(colls[i]);
		if (strncmp(key, colls[i], n) == 0)
			return strncmp(key + n, "id", 2) != 0; /* channel_id is kept */
	}
	return 0;
}

/* keys the saver writes itself (stale copies from the metadata are dropped) */
static int is_saver_key(const char *key)
{
	static const char *keys[] = {"_id", "starttime", "endtime", "time_standard",
	                             "utc_convertible", "starttime_shift", "storage_mode", "dir",
	                             "dfile", "foff", "nbytes", "format", "data_tag", "elog_id",
	                             "npts", "delta", "sampling_rate", "gridfs_id", "is_abortion",
	                             "live", "cemetery_id", "history_object_id"};
	/* the first letter first: a strcmp only for the one or two keys that
	 * share it, not 22 per key saved */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i][0] == key[0] && strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

int msp_wf_record_to_doc(const msp_record *rec, const msp_wf_storage *st, const char *tag,
                         const bson_oid_t *id, const bson_oid_t *elog_id, bson_t *doc)
{
	msp_elbuf b;
	msp_elbuf_init(&b);
	msp_elbuf_oid(&b, "_id", id);
	bson_iter_t it;
	int is_seis = rec->kind == MSP_SEISMOGRAM;
	if (bson_iter_init(&it, rec->meta))
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			if (is_normalized_copy(k) || is_saver_key(k))
				continue;
			if (is_seis && (!strcmp(k, "tmatrix") || !strcmp(k, "cardinal") ||
			                !strcmp(k, "orthogonal")))
				continue;
			/* MsPASS's md2doc drops keys whose value is an empty string */
			if (BSON_ITER_HOLDS_UTF8(&it)) {
				uint32_t n;
				bson_iter_utf8(&it, &n);
				if (n == 0)
					continue;
			}
			/* the element's bytes as they are (what bson_append_iter
			 * writes: the same key and value) */
			msp_elbuf_element(&b, &it);
		}
	msp_elbuf_int64(&b, "npts", (int64_t)rec->npts);
	msp_elbuf_double(&b, "delta", rec->dt);
	msp_elbuf_double(&b, "sampling_rate", 1.0 / rec->dt);
	msp_elbuf_double(&b, "starttime", rec->t0);
	msp_elbuf_double(&b, "endtime", msp_record_endtime(rec));
	int utc = rec->tref == MSP_TREF_UTC;
	msp_elbuf_utf8(&b, "time_standard", utc ? "UTC" : "Relative");
	msp_elbuf_bool(&b, "utc_convertible", utc || rec->t0shift_valid);
	/* a required key in MsPASS's schema: the shift back to UTC, 0 when none */
	msp_elbuf_double(&b, "starttime_shift", !utc && rec->t0shift_valid ? rec->t0shift : 0.0);
	msp_elbuf_utf8(&b, "storage_mode", st->storage_mode ? st->storage_mode : "file");
	msp_elbuf_utf8(&b, "dir", st->dir);
	msp_elbuf_utf8(&b, "dfile", st->dfile);
	msp_elbuf_int64(&b, "foff", st->foff);
	msp_elbuf_int64(&b, "nbytes", st->nbytes);
	msp_elbuf_utf8(&b, "format", st->format);
	if (tag)
		msp_elbuf_utf8(&b, "data_tag", tag);
	if (elog_id)
		msp_elbuf_oid(&b, "elog_id", elog_id);
	int rc = msp_elbuf_commit(&b, doc);
	if (rc)
		return rc;
	if (is_seis) {
		bson_iter_t t;
		if (bson_iter_init_find(&t, rec->meta, "tmatrix")) {
			bson_append_iter(doc, "tmatrix", -1, &t);
		} else {
			bson_t arr;
			bson_append_array_begin(doc, "tmatrix", -1, &arr);
			for (int i = 0; i < 9; i++) {
				char k[4];
				snprintf(k, sizeof k, "%d", i);
				BSON_APPEND_DOUBLE(&arr, k, i % 4 == 0 ? 1.0 : 0.0);
			}
			bson_append_array_end(doc, &arr);
		}
		int cardinal = 1, orthogonal = 1;
		if (msp_meta_get_bool(rec->meta, "cardinal", &cardinal))
			cardinal = !msp_meta_has(rec->meta, "tmatrix");
		if (msp_meta_get_bool(rec->meta, "orthogonal", &orthogonal))
			orthogonal = cardinal;
		BSON_APPEND_BOOL(doc, "cardinal", cardinal);
		BSON_APPEND_BOOL(doc, "orthogonal", orthogonal);
	}
	return MSP_OK;
}

int msp_wf_append_logdata(const msp_record *rec, const char *key, bson_t *doc)
{
	bson_t arr;
	bson_iter_t it, f;
	uint32_t n = 0;
	if (!bson_append_array_begin(doc, key, -1, &arr))
		return MSP_ERR_NOMEM;
	if (bson_iter_init(&it, rec->elog))
		while (bson_iter_next(&it)) {
			if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &f))
				continue;
			const char *alg = "", *msg = "", *sev = "Invalid";
			int32_t pid = 0;
			while (bson_iter_next(&f)) {
				const char *k = bson_iter_key(&f);
				if (!strcmp(k, "algorithm") && BSON_ITER_HOLDS_UTF8(&f))
					alg = bson_iter_utf8(&f, NULL);
				else if (!strcmp(k, "message") && BSON_ITER_HOLDS_UTF8(&f))
					msg = bson_iter_utf8(&f, NULL);
				else if (!strcmp(k, "severity") && BSON_ITER_HOLDS_UTF8(&f))
					sev = bson_iter_utf8(&f, NULL);
				else if (!strcmp(k, "pid") && BSON_ITER_HOLDS_INT32(&f))
					pid = bson_iter_int32(&f);
			}
			char idx[16], badness[64];
			bson_t e;
			snprintf(idx, sizeof idx, "%u", n++);
			snprintf(badness, sizeof badness, "ErrorSeverity.%s", sev);
			bson_append_document_begin(&arr, idx, -1, &e);
			BSON_APPEND_INT32(&e, "job_id", 0);
			BSON_APPEND_UTF8(&e, "algorithm", alg);
			BSON_APPEND_UTF8(&e, "badness", badness);
			BSON_APPEND_UTF8(&e, "error_message", msg);
			BSON_APPEND_INT32(&e, "process_id", pid);
			bson_append_document_end(&arr, &e);
		}
	if (!bson_append_array_end(doc, &arr))
		return MSP_ERR_NOMEM;
	return MSP_OK;
}

int msp_wf_elog_doc(const msp_record *rec, const bson_oid_t *id, const char *wfcoll,
                    const bson_oid_t *wf_id, const char *tag, bson_t *doc)
{
	BSON_APPEND_OID(doc, "_id", id);
	int rc = msp_wf_append_logdata(rec, "logdata", doc);
	if (rc)
		return rc;
	if (wfcoll && wf_id) {
		char k[64];
		snprintf(k, sizeof k, "%s_id", wfcoll);
		BSON_APPEND_OID(doc, k, wf_id);
	}
	if (tag)
		BSON_APPEND_UTF8(doc, "data_tag", tag);
	return MSP_OK;
}

int msp_wf_cemetery_doc(const msp_record *rec, const bson_oid_t *id, const char *tag,
                        bson_t *doc)
{
	BSON_APPEND_OID(doc, "_id", id);
	int rc;
	if (rec->nelog == 0) {
		/* MsPASS's Undertaker adds this before burying */
		msp_record *tmp = msp_record_new();
		if (!tmp || msp_record_copy(tmp, rec)) {
			msp_record_free(tmp);
			return MSP_ERR_NOMEM;
		}
		msp_record_log(tmp, "mssave", MSP_SEV_COMPLAINT,
		               "marked dead but the elog has no entries: no reason was given");
		rc = msp_wf_append_logdata(tmp, "logdata", doc);
		msp_record_free(tmp);
	} else {
		rc = msp_wf_append_logdata(rec, "logdata", doc);
	}
	if (rc)
		return rc;
	if (!BSON_APPEND_DOCUMENT(doc, "tombstone", rec->meta))
		return MSP_ERR_NOMEM;
	static const char *keys[] = {"wf_miniseed_id", "wf_TimeSeries_id", "wf_Seismogram_id",
	                             MSP_PARENT_KEY};
	for (size_t i = 0; i < 4; i++) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, rec->meta, keys[i]))
			bson_append_iter(doc, keys[i], -1, &it);
	}
	if (tag)
		BSON_APPEND_UTF8(doc, "data_tag", tag);
	return MSP_OK;
}
