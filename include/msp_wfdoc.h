/*
 * msp_wfdoc.h - MsPASS wf documents <-> records: what msread and mssave share.
 *
 * Reading: a wf_miniseed, wf_TimeSeries or wf_Seismogram document gives a
 * record's core attributes and metadata, then its samples (storage_mode
 * "file" with format "mseed" or "binary", or "gridfs").  A file cache keeps
 * the last file open, so documents sorted by dir,dfile open each file once.
 *
 * Saving: a record gives the document MsPASS's save_data writes (md2doc:
 * normalized copies such as channel_lat dropped, their *_id kept; the keys
 * starttime, endtime, time_standard, utc_convertible, starttime_shift,
 * storage_mode, dir, dfile, foff, nbytes, format, data_tag; tmatrix, cardinal
 * and orthogonal for Seismograms), its elog document, and, for a dead record,
 * its cemetery document.
 *
 * Binary sample files (format "binary") hold raw little-endian float64 (the
 * native order of every machine mspipe builds on): a TimeSeries is npts
 * doubles; a Seismogram is 3*npts doubles interleaved x1[0],x2[0],x3[0],
 * x1[1],... (MsPASS's column-major dmatrix order), so MsPASS reads mspipe's
 * files and the reverse.  msp_record holds Seismograms component-blocked;
 * the functions here convert.
 */
#ifndef MSP_WFDOC_H
#define MSP_WFDOC_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include "msp_record.h"
#include "msp_mseed_read.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The metadata key naming the collection a record was read from; with it the
 * key <that collection>_id holds the id of the document it came from. */
#define MSP_PARENT_KEY "parent_collection"

/* The most sample bytes one document may ask for (16 GiB): beyond it a
 * document's npts or nbytes is an error of the document (the record dies),
 * never an allocation. */
#define MSP_WF_MAX_BYTES ((uint64_t)1 << 34)

/* Keeps the last file open between reads. */
typedef struct msp_filecache {
	char *path;        /* open file, or NULL */
	int fd;
	uint64_t opens;    /* open() calls so far */
	uint8_t *buf;      /* the last byte range read */
	size_t cap;
} msp_filecache;

void msp_filecache_init(msp_filecache *fc);
void msp_filecache_close(msp_filecache *fc);
/* Read nbytes at foff of dir/dfile into the cache's buffer (*out, valid
 * until the next call).  MSP_ERR_NOTFOUND (no such file), MSP_ERR_IO,
 * MSP_ERR_TRUNCATED (the file is shorter), with a message in err. */
int msp_filecache_read(msp_filecache *fc, const char *dir, const char *dfile, int64_t foff,
                       int64_t nbytes, const uint8_t **out, char *err, size_t errlen);

/* The collection a document comes from when not given: a tmatrix ->
 * wf_Seismogram; format "mseed" without utc_convertible (which save_data
 * always writes and the indexer never) -> wf_miniseed; else wf_TimeSeries. */
const char *msp_wf_infer_collection(const bson_t *doc);

/* Set rec from a wf document of collection coll: metadata = the document
 * without _id, plus <coll>_id = its _id and parent_collection = coll; kind
 * (Seismogram for wf_Seismogram); t0, dt, npts; time reference from
 * time_standard (see msread(1) for the rules).  The record is live with no
 * samples loaded (npts from the document; no room for the samples yet:
 * msp_wf_load_samples allocates once the bytes are found).  MSP_ERR_DATA with a
 * message when a required key (starttime, delta or sampling_rate) is
 * missing or bad; rec then still has the metadata. */
int msp_wf_doc_to_record(const bson_t *doc, const char *coll, msp_record *rec, char *err,
                         size_t errlen);

/* Load the samples the document points at (after msp_wf_doc_to_record).
 * Data problems are not errors here: they kill rec with an elog entry
 * (MsPASS's abortion) and return MSP_OK; MsPASS's checks of npts, t0 and dt
 * against the document apply.  Returns MSP_ERR_NOMEM or MSP_ERR_UNSUPPORTED
 * (gridfs without a fetcher) only. */
typedef int (*msp_gridfs_fetch)(void *ctx, const bson_value_t *id, uint8_t **buf, size_t *len,
                                char *err, size_t errlen);
typedef struct msp_wf_reader {
	msp_filecache files;
	msp_mseed_opts mseed;
	msp_gridfs_fetch gridfs;   /* NULL: gridfs documents are killed */
	void *gridfs_ctx;
	const char *algorithm;     /* elog algorithm name ("msread") */
} msp_wf_reader;
int msp_wf_load_samples(msp_wf_reader *r, const bson_t *doc, msp_record *rec);

/* Seismogram layout conversions between component-blocked (msp_record) and
 * interleaved (MsPASS files). */
void msp_interleave3(const double *blocked, size_t npts, double *inter);
void msp_deinterleave3(const double *inter, size_t npts, double *blocked);

/* Where and how the samples of a saved record are. */
typedef struct msp_wf_storage {
	const char *storage_mode;  /* "file" */
	const char *dir, *dfile;   /* absolute dir, file name */
	int64_t foff, nbytes;
	const char *format;        /* "binary" or "mseed" */
} msp_wf_storage;

/* Build the wf document for a live record into doc (initialised by the
 * caller): md2doc with normalizing collections channel, site, source; the
 * keys listed above; data_tag if tag is not NULL; elog_id if elog_id is
 * not NULL.  _id is set to *id. */
int msp_wf_record_to_doc(const msp_record *rec, const msp_wf_storage *st, const char *tag,
                         const bson_oid_t *id, const bson_oid_t *elog_id, bson_t *doc);
/* The record's elog as MsPASS's logdata array
 * [{job_id, algorithm, badness, error_message, process_id}, ...] appended to doc under key. */
int msp_wf_append_logdata(const msp_record *rec, const char *key, bson_t *doc);
/* The elog document {_id, logdata, <wf coll>_id, data_tag}. */
int msp_wf_elog_doc(const msp_record *rec, const bson_oid_t *id, const char *wfcoll,
                    const bson_oid_t *wf_id, const char *tag, bson_t *doc);
/* The cemetery document {logdata, tombstone: metadata, data_tag, and at the
 * top level every *_id key of the metadata that names a wf collection
 * (wf_miniseed_id, wf_TimeSeries_id, wf_Seismogram_id) and parent_collection}.
 * A dead record with an empty elog gets MsPASS's Complaint first. */
int msp_wf_cemetery_doc(const msp_record *rec, const bson_oid_t *id, const char *tag,
                        bson_t *doc);

#ifdef __cplusplus
}
#endif
#endif
