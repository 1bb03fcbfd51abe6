/*
 * fuzz_reader.c - libFuzzer target for the record stream reader on a file
 * descriptor (what every tool uses: I/O blocks, direct reads into the
 * samples, end-mark counts across concatenated streams).  The input goes
 * into a memfd and is read to the end; every error must come with a
 * message, and a record is never returned after an error.  The frame path
 * (msp_reader_next_frame, what mscat uses) reads the same input and must
 * reach the same status, count and message, and each frame must be the
 * encoding of the record the record path decoded; the runs path
 * (msp_reader_next_frames, what mscat uses now) must give the same frames
 * as contiguous runs and stop the same way.  The one allowed difference:
 * a frame whose BSON documents are well framed but invalid inside passes
 * the frame paths, and the decoder must refuse it.  Every document of a
 * record the reader returns must pass bson_validate (the reader's own quick
 * check decides most documents without it).  Slower per input than
 * fuzz_stream (each reader has a 1 MiB I/O block).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "msp_stream.h"
#include "msp_status.h"

#define BOUND (1u << 20)

/* The contents of a document that is well framed but not valid BSON pass
 * the frame path (a pass-through carries documents as bytes, mspipe(5)):
 * there the record path says "malformed BSON document" and the frame path
 * hands the frame on; the decoder must then refuse that frame. */
static int bson_contents_only(const char *msg, int rc, int rcf, const uint8_t *fr, size_t flen)
{
	if (rc != MSP_ERR_FORMAT || rcf != MSP_OK ||
	    strncmp(msg, "malformed BSON document in record", 33) != 0)
		return 0;
	msp_record *rec = msp_record_new();
	int drc = msp_record_decode(rec, fr, flen, NULL, BOUND);
	msp_record_free(rec);
	if (drc != MSP_ERR_FORMAT)
		abort(); /* the frame path let through what the decoder accepts or refuses otherwise */
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_record *rec = msp_record_new();
	int fd = memfd_create("fuzz", 0);
	int fd2 = memfd_create("fuzz2", 0);
	int fd3 = memfd_create("fuzz3", 0);
	if (fd >= 0 && fd2 >= 0 && fd3 >= 0) {
		if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0 &&
		    write(fd2, data, size) == (ssize_t)size && lseek(fd2, 0, SEEK_SET) == 0 &&
		    write(fd3, data, size) == (ssize_t)size && lseek(fd3, 0, SEEK_SET) == 0) {
			msp_reader *r, *rf, *rr;
			if (msp_reader_open(&r, fd, "fuzz", BOUND) == MSP_OK &&
			    msp_reader_open(&rf, fd2, "fuzz", BOUND) == MSP_OK &&
			    msp_reader_open(&rr, fd3, "fuzz", BOUND) == MSP_OK) {
				int rc, rcf = MSP_OK, rcr;
				uint64_t n = 0;
				/* every frame the frame path gives, in a row, to compare
				 * with the runs path */
				uint8_t *frames = NULL;
				size_t frames_len = 0;
				while ((rc = msp_reader_next(r, rec)) == MSP_OK) {
					n++;
					/* the reader's quick look (plain_valid) vouches only for
					 * documents libbson's validator accepts too */
					size_t eo;
					if (!bson_validate(rec->meta, BSON_VALIDATE_NONE, &eo) ||
					    !bson_validate(rec->elog, BSON_VALIDATE_NONE, &eo) ||
					    !bson_validate(rec->history, BSON_VALIDATE_NONE, &eo))
						abort();
					const uint8_t *fr;
					size_t flen;
					uint8_t *enc;
					size_t elen;
					rcf = msp_reader_next_frame(rf, &fr, &flen);
					if (rcf != MSP_OK || msp_record_encode(rec, &enc, &elen) != MSP_OK)
						abort();
					if (elen != flen || memcmp(enc, fr, flen) != 0)
						abort(); /* the frame is the record's bytes */
					free(enc);
					frames = realloc(frames, frames_len + flen);
					memcpy(frames + frames_len, fr, flen);
					frames_len += flen;
				}
				const uint8_t *fr;
				size_t flen;
				rcf = msp_reader_next_frame(rf, &fr, &flen);
				int contents = bson_contents_only(msp_reader_errmsg(r), rc, rcf, fr, flen);
				if (!contents && (rcf != rc || strcmp(msp_reader_errmsg(r), msp_reader_errmsg(rf)) != 0 ||
				                  msp_reader_count(rf) != n))
					abort(); /* both paths stop at the same place with the same words */
				/* the runs path: the same frames, contiguous in runs, and
				 * the same end (up to the frames the record path refused
				 * for their BSON contents, if any) */
				const uint8_t *run;
				size_t rlen, off = 0;
				uint64_t rn, rtotal = 0;
				while ((rcr = msp_reader_next_frames(rr, &run, &rlen, &rn)) == MSP_OK) {
					if (rn == 0 || rlen < rn * (MSP_HEADER_SIZE + 4))
						abort();
					if (rtotal + rn > n) {
						if (!contents)
							abort(); /* more records than the record path */
						break;
					}
					if (off + rlen > frames_len || memcmp(frames + off, run, rlen) != 0)
						abort(); /* a run is the frames' bytes */
					off += rlen;
					rtotal += rn;
				}
				if (!contents && (rcr != rc || rtotal != n ||
				                  strcmp(msp_reader_errmsg(r), msp_reader_errmsg(rr)) != 0))
					abort();
				free(frames);
				msp_reader_close(rr);
				msp_reader_close(rf);
				if (rc != MSP_EOF && msp_reader_errmsg(r)[0] == '\0')
					abort(); /* every error has a message */
				if (msp_reader_count(r) != n || msp_reader_offset(r) > size)
					abort();
				/* after the end or an error, the reader stays there */
				if (rc == MSP_EOF && msp_reader_next(r, rec) != MSP_EOF)
					abort();
				msp_reader_close(r);
			}
		}
	}
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	if (fd3 >= 0)
		close(fd3);
	msp_record_free(rec);
	return 0;
}
