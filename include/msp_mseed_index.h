/*
 * msp_mseed_index.h - scan a miniSEED 2 file into contiguous segments, the
 * way MsPASS's Database.index_mseed_file does (mseed_file_indexer.cc, HEAD),
 * and turn a segment into its wf_miniseed document.
 *
 * Pure scanning: no database.  Every record goes through
 * msp_mseed_record_check() before libmseed parses its header, so a corrupt
 * record ends the scan with a message instead of an over-read.
 *
 * Segment rules: a new segment starts when net/sta/loc/chan changes; when the
 * rate changes by |r - r0| >= tol*|r| (tol = MSP_MSEED_RATE_TOL unless given);
 * and on a time tear: the record start differs from the start predicted by
 * the previous record, or by the segment start plus the samples so far, by
 * more than half a sample (in libmseed's integer microseconds).  A record
 * with no samples or no positive rate (log, ASCII, ...) ends the current
 * segment and is not indexed.  SEED control headers (full SEED volumes: a
 * sequence number and type V, A, S or T) end a segment and are skipped, as
 * libmseed's MSF_SKIPNOTDATA does; anything else that is not a valid data
 * record stops the scan.  The first segment starts at byte 0 (MsPASS keeps
 * leading headers with it).
 *
 * npts follows MsPASS HEAD: llround((end of last record - segment start) *
 * rate) + 1, where "end of last record" is the time of its last sample
 * (msr_endtime); endtime = starttime + (npts-1)/rate.  Since a tear of more
 * than half a sample starts a new segment, this equals the sum of the record
 * sample counts (kept as nsamples) except for sub-sample jitter.
 */
#ifndef MSP_MSEED_INDEX_H
#define MSP_MSEED_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MSP_MSEED_RATE_TOL 1.0e-4

typedef struct msp_mseed_segment {
	char net[11], sta[11], loc[11], chan[11];
	double sampling_rate;     /* of the first record */
	double starttime;         /* epoch s of the first sample */
	double endtime;           /* starttime + (npts-1)/sampling_rate */
	double last_packet_time;  /* epoch s of the start of the last record */
	int64_t npts;             /* MsPASS HEAD grid count (see above) */
	int64_t nsamples;         /* sum of the records' sample counts */
	int64_t nrecords;
	uint64_t foff;            /* byte offset of the first record */
	uint64_t nbytes;          /* end of the last record - foff */
} msp_mseed_segment;

typedef struct msp_mseed_index {
	msp_mseed_segment *seg;
	size_t nseg, cap;
	uint64_t nrecords;        /* records indexed */
	uint64_t nskipped;        /* records without samples or rate */
	uint64_t nskipped_bytes;  /* SEED control headers (V/A/S/T) skipped */
	uint64_t nbytes;          /* bytes covered by accepted records */
	int status;               /* MSP_OK, or why the scan stopped early */
	uint64_t err_offset;      /* byte offset of the record that stopped it */
	char err[256];            /* message for status != MSP_OK */
} msp_mseed_index;

void msp_mseed_index_init(msp_mseed_index *ix);
void msp_mseed_index_free(msp_mseed_index *ix);

/*
 * Scan buf[0..len) (a whole file's bytes).  Segments found before a bad
 * record are kept: the return is MSP_OK, or MSP_ERR_FORMAT / MSP_ERR_TRUNCATED
 * with ix->err and ix->err_offset naming the record that stopped the scan
 * (the same value is in ix->status).  rate_tol <= 0 means MSP_MSEED_RATE_TOL.
 * MSP_ERR_NOMEM on allocation failure.
 */
int msp_mseed_index_buffer(const uint8_t *buf, size_t len, double rate_tol,
			   msp_mseed_index *ix);
/* The same on a file (mapped, not read whole).  MSP_ERR_IO with errno kept
 * and ix->err set when it cannot be opened or mapped.  An empty file gives no
 * segments and MSP_OK. */
int msp_mseed_index_file(const char *path, double rate_tol, msp_mseed_index *ix);

/* 1 if buf starts with something msp_mseed_record_check accepts (or that is
 * only cut short), i.e. the content looks like miniSEED 2. */
int msp_mseed_detect(const uint8_t *buf, size_t len);

/*
 * The wf_miniseed document of one segment, as index_mseed_file writes it:
 * net, sta, chan, loc (only if not empty), sampling_rate, delta, starttime,
 * last_packet_time, npts, endtime, foff, nbytes, sample_rate_tolerance,
 * storage_mode "file", format "mseed", dir, dfile, time_standard "UTC".
 * dir should be absolute.  Returns a new document (caller destroys) or NULL.
 */
bson_t *msp_mseed_segment_doc(const msp_mseed_segment *s, const char *dir,
			      const char *dfile, double rate_tol);

#ifdef __cplusplus
}
#endif
#endif
