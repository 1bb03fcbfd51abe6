/*
 * mseed_index.c - miniSEED 2 file -> contiguous segments -> wf_miniseed docs.
 *
 * The segmenting follows MsPASS's mseed_file_indexer.cc (HEAD) rule by rule
 * (see msp_mseed_index.h), on libmseed 2's microsecond clock.  Records are
 * walked by the length their blockette 1000 declares; each one is first
 * checked by msp_mseed_record_check() and only then given to msr_parse with
 * dataflag 0 (header only: indexing never decompresses samples).
 */
#include "msp_mseed_index.h"
#include "msp_mseed.h"
#include "msp_status.h"

#include <errno.h>
#include <fcntl.h>
#include <libmseed.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void msp_mseed_index_init(msp_mseed_index *ix)
{
	memset(ix, 0, sizeof *ix);
}

void msp_mseed_index_free(msp_mseed_index *ix)
{
	if (!ix)
		return;
	free(ix->seg);
	memset(ix, 0, sizeof *ix);
}

/* The running state of the segment being built. */
typedef struct seg_state {
	int open;
	msp_mseed_segment s;
	hptime_t seg_stime;        /* start of the segment */
	hptime_t last_stime;       /* start of the last record */
	double last_rate;
	int64_t last_npts;
	hptime_t last_endtime;     /* time of the last sample of the last record */
	uint64_t end_foff;         /* end of the last record */
} seg_state;

static int push(msp_mseed_index *ix, seg_state *st)
{
	if (!st->open)
		return MSP_OK;
	st->open = 0;
	if (ix->nseg == ix->cap) {
		size_t nc = ix->cap ? 2 * ix->cap : 16;
		msp_mseed_segment *p = realloc(ix->seg, nc * sizeof *p);
		if (!p)
			return MSP_ERR_NOMEM;
		ix->seg = p;
		ix->cap = nc;
	}
	msp_mseed_segment *s = &st->s;
	s->nbytes = st->end_foff - s->foff;
	long double intervals = (long double)(st->last_endtime - st->seg_stime) *
				(long double)s->sampling_rate / (long double)HPTMODULUS;
	s->npts = (int64_t)llroundl(intervals) + 1;
	s->endtime = s->starttime + (double)(s->npts - 1) / s->sampling_rate;
	ix->seg[ix->nseg++] = *s;
	return MSP_OK;
}

static void start(seg_state *st, const MSRecord *msr, uint64_t foff, uint64_t endoff)
{
	memset(&st->s, 0, sizeof st->s);
	st->open = 1;
	snprintf(st->s.net, sizeof st->s.net, "%s", msr->network);
	snprintf(st->s.sta, sizeof st->s.sta, "%s", msr->station);
	snprintf(st->s.loc, sizeof st->s.loc, "%s", msr->location);
	snprintf(st->s.chan, sizeof st->s.chan, "%s", msr->channel);
	st->s.sampling_rate = msr->samprate;
	st->s.starttime = (double)msr->starttime / HPTMODULUS;
	st->s.last_packet_time = st->s.starttime;
	st->s.foff = foff;
	st->s.nsamples = msr->samplecnt;
	st->s.nrecords = 1;
	st->seg_stime = msr->starttime;
	st->last_stime = msr->starttime;
	st->last_rate = msr->samprate;
	st->last_npts = msr->samplecnt;
	st->last_endtime = msr_endtime((MSRecord *)msr);
	st->end_foff = endoff;
}

static int same_id(const seg_state *st, const MSRecord *msr)
{
	return !strcmp(st->s.net, msr->network) && !strcmp(st->s.sta, msr->station) &&
	       !strcmp(st->s.loc, msr->location) && !strcmp(st->s.chan, msr->channel);
}

/* Does this record continue the open segment?  MsPASS's three tests. */
static int continues(const seg_state *st, const MSRecord *msr, double tol)
{
	if (!same_id(st, msr))
		return 0;
	double r0 = st->s.sampling_rate, r = msr->samprate;
	if (r != r0 && fabs(r - r0) >= tol * fabs(r))
		return 0;
	long double half = 0.5L * HPTMODULUS;
	long double perr = fabsl((long double)(msr->starttime - st->last_stime) *
				 (long double)st->last_rate -
				 (long double)st->last_npts * HPTMODULUS);
	long double serr = fabsl((long double)(msr->starttime - st->seg_stime) *
				 (long double)r0 -
				 (long double)st->s.nsamples * HPTMODULUS);
	return !(perr > half || serr > half);
}

/* The head of a SEED control record: a 6-digit sequence number, a type of
 * V, A, S or T, and a space or '*' (continuation). */
static int is_control_header(const uint8_t *p, size_t n)
{
	if (n < 8)
		return 0;
	for (int i = 0; i < 6; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return (p[6] == 'V' || p[6] == 'A' || p[6] == 'S' || p[6] == 'T') &&
	       (p[7] == ' ' || p[7] == '*');
}

/* A block that starts like a data record header: 6 digits (or spaces) and
 * a quality code. */
static int looks_like_data(const uint8_t *p, size_t n)
{
	if (n < 8)
		return 0;
	for (int i = 0; i < 6; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == ' '))
			return 0;
	return p[6] == 'D' || p[6] == 'R' || p[6] == 'Q' || p[6] == 'M';
}

/* From a control header at off, the offset of the next 128-byte block that
 * is a control header or starts like a data record (or len). */
static size_t skip_control(const uint8_t *buf, size_t len, size_t off)
{
	off += MSP_MSEED_MINRECLEN;
	while (off < len && !is_control_header(buf + off, len - off) &&
	       !looks_like_data(buf + off, len - off))
		off += MSP_MSEED_MINRECLEN;
	return off < len ? off : len;
}

int msp_mseed_index_buffer(const uint8_t *buf, size_t len, double rate_tol,
			   msp_mseed_index *ix)
{
	double tol = rate_tol > 0 ? rate_tol : MSP_MSEED_RATE_TOL;
	seg_state st;
	memset(&st, 0, sizeof st);
	MSRecord *msr = NULL;
	uint8_t *scratch = NULL;
	size_t scratch_len = 0;
	int rc = MSP_OK;
	ix->status = MSP_OK;
	ix->err[0] = 0;

	for (size_t off = 0; off < len;) {
		size_t rl = 0;
		int st_chk = msp_mseed_record_check(buf + off, len - off, &rl, ix->err,
						    sizeof ix->err);
		if (st_chk != MSP_OK) {
			if (is_control_header(buf + off, len - off)) {
				/* A SEED volume/abbreviation/station/time-span header
				 * (full SEED): not data; libmseed skips it too
				 * (MSF_SKIPNOTDATA).  Its length is not in it: skip
				 * 128-byte blocks up to the next block that starts
				 * like a data record or another control header. */
				if ((rc = push(ix, &st)) != MSP_OK)
					break;
				size_t end = skip_control(buf, len, off);
				ix->nskipped_bytes += end - off;
				off = end;
				continue;
			}
			rc = st_chk;
			ix->err_offset = off;
			break;
		}
		/* libmseed takes a writable buffer; give it a copy so that the
		 * caller's bytes (a read-only map, a fuzzer's input) stay as they are. */
		if (rl > scratch_len) {
			uint8_t *p = realloc(scratch, rl);
			if (!p) {
				rc = MSP_ERR_NOMEM;
				break;
			}
			scratch = p;
			scratch_len = rl;
		}
		memcpy(scratch, buf + off, rl);
		int pr = msr_parse((char *)scratch, (int)rl, &msr, (int)rl, 0, 0);
		if (pr != MS_NOERROR) {
			rc = MSP_ERR_FORMAT;
			ix->err_offset = off;
			snprintf(ix->err, sizeof ix->err, "libmseed: %s", ms_errorstr(pr));
			break;
		}
		if (msr->samplecnt <= 0 || !(msr->samprate > 0) || !isfinite(msr->samprate)) {
			/* Not waveform data: it ends the segment but is not indexed. */
			if ((rc = push(ix, &st)) != MSP_OK)
				break;
			ix->nskipped++;
			off += rl;
			continue;
		}
		if (st.open && continues(&st, msr, tol)) {
			st.last_stime = msr->starttime;
			st.last_rate = msr->samprate;
			st.last_npts = msr->samplecnt;
			st.last_endtime = msr_endtime(msr);
			st.s.last_packet_time = (double)msr->starttime / HPTMODULUS;
			st.s.nsamples += msr->samplecnt;
			st.s.nrecords++;
			st.end_foff = off + rl;
		} else {
			if ((rc = push(ix, &st)) != MSP_OK)
				break;
			/* MsPASS: the first segment always starts at byte 0, so
			 * that leading control headers stay with it. */
			start(&st, msr, ix->nseg == 0 && ix->nrecords == 0 ? 0 : off, off + rl);
		}
		ix->nrecords++;
		ix->nbytes += rl;
		off += rl;
	}
	if (rc != MSP_ERR_NOMEM) {
		int prc = push(ix, &st);
		if (prc != MSP_OK)
			rc = prc;
	}
	if (rc == MSP_ERR_NOMEM)
		snprintf(ix->err, sizeof ix->err, "out of memory");
	msr_free(&msr);
	free(scratch);
	ix->status = rc;
	return rc;
}

int msp_mseed_index_file(const char *path, double rate_tol, msp_mseed_index *ix)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(ix->err, sizeof ix->err, "%s", strerror(e));
		ix->status = MSP_ERR_IO;
		errno = e;
		return MSP_ERR_IO;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		int e = S_ISDIR(sb.st_mode) ? EISDIR : errno ? errno : EINVAL;
		close(fd);
		snprintf(ix->err, sizeof ix->err, "%s", strerror(e));
		ix->status = MSP_ERR_IO;
		errno = e;
		return MSP_ERR_IO;
	}
	if (sb.st_size == 0) {
		close(fd);
		ix->status = MSP_OK;
		return MSP_OK;
	}
	void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(ix->err, sizeof ix->err, "cannot map: %s", strerror(e));
		ix->status = MSP_ERR_IO;
		errno = e;
		return MSP_ERR_IO;
	}
	madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
	int rc = msp_mseed_index_buffer(map, (size_t)sb.st_size, rate_tol, ix);
	munmap(map, (size_t)sb.st_size);
	return rc;
}

int msp_mseed_detect(const uint8_t *buf, size_t len)
{
	/* Full SEED: control headers first; look past them (up to 1 MiB). */
	size_t off = 0;
	while (off < len && off < MSP_MSEED_MAXRECLEN && is_control_header(buf + off, len - off))
		off = skip_control(buf, len, off);
	if (off >= len || len - off < MSP_MSEED_FSDH)
		return 0;
	int st = msp_mseed_record_check(buf + off, len - off, NULL, NULL, 0);
	return st == MSP_OK || st == MSP_ERR_TRUNCATED;
}

bson_t *msp_mseed_segment_doc(const msp_mseed_segment *s, const char *dir,
			      const char *dfile, double rate_tol)
{
	bson_t *d = bson_new();
	if (!d)
		return NULL;
	bool ok = true;
	ok = ok && BSON_APPEND_UTF8(d, "net", s->net);
	ok = ok && BSON_APPEND_UTF8(d, "sta", s->sta);
	ok = ok && BSON_APPEND_UTF8(d, "chan", s->chan);
	if (s->loc[0])
		ok = ok && BSON_APPEND_UTF8(d, "loc", s->loc);
	ok = ok && BSON_APPEND_DOUBLE(d, "sampling_rate", s->sampling_rate);
	ok = ok && BSON_APPEND_DOUBLE(d, "delta", 1.0 / s->sampling_rate);
	ok = ok && BSON_APPEND_DOUBLE(d, "starttime", s->starttime);
	ok = ok && BSON_APPEND_DOUBLE(d, "last_packet_time", s->last_packet_time);
	ok = ok && BSON_APPEND_INT64(d, "npts", s->npts);
	ok = ok && BSON_APPEND_DOUBLE(d, "endtime", s->endtime);
	ok = ok && BSON_APPEND_INT64(d, "foff", (int64_t)s->foff);
	ok = ok && BSON_APPEND_INT64(d, "nbytes", (int64_t)s->nbytes);
	ok = ok && BSON_APPEND_DOUBLE(d, "sample_rate_tolerance",
				      rate_tol > 0 ? rate_tol : MSP_MSEED_RATE_TOL);
	ok = ok && BSON_APPEND_UTF8(d, "storage_mode", "file");
	ok = ok && BSON_APPEND_UTF8(d, "format", "mseed");
	ok = ok && BSON_APPEND_UTF8(d, "dir", dir ? dir : "");
	ok = ok && BSON_APPEND_UTF8(d, "dfile", dfile ? dfile : "");
	ok = ok && BSON_APPEND_UTF8(d, "time_standard", "UTC");
	if (!ok) {
		bson_destroy(d);
		return NULL;
	}
	return d;
}
