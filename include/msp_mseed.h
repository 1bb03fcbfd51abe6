/*
 * msp_mseed.h - mspipe's own checks on raw miniSEED 2 records.
 *
 * libmseed trusts the header of a record when it unpacks it; Debian's
 * libmseed 2.19.8 reads past the buffer on an ASCII record whose sample count
 * exceeds the record (see the platform notes).  Every mspipe path that hands
 * bytes from a file to libmseed calls msp_mseed_record_check() first, so a
 * corrupt or hostile record is rejected with a message instead of being read.
 */
#ifndef MSP_MSEED_H
#define MSP_MSEED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the fixed section of data header (FSDH). */
#define MSP_MSEED_FSDH 48
/* Record lengths a blockette 1000 may declare: 2^7 .. 2^20 bytes. */
#define MSP_MSEED_MINRECLEN 128
#define MSP_MSEED_MAXRECLEN 1048576

/*
 * Validate one raw miniSEED 2 record at rec[0..len) before libmseed sees it.
 *
 * Checks: fixed header sanity (sequence number digits/spaces, quality code
 * D/R/Q/M, plausible BTIME in either byte order, the host's tried first as
 * libmseed does); a blockette chain that stays inside the record and ends;
 * exactly one blockette 1000 (libmseed would take the last one's length and
 * encoding, which these checks did not see), with a record length of
 * 2^7..2^20, a word order of 0 or 1 and an encoding libmseed can decode; the
 * record length within the buffer; the data offset within the record; and the
 * declared sample count fitting the data section (count * sample size, or the
 * Steim frame capacity).  ASCII records are checked the same way (one byte per
 * sample), which is exactly the case that libmseed 2.19.8 gets wrong.
 *
 * *reclen (if not NULL) receives the record length from blockette 1000 as soon
 * as it is known, 0 otherwise, so a reader can skip the record or read more.
 * err (if not NULL and errlen > 0) receives a one-line reason on failure.
 *
 * Returns MSP_OK; MSP_ERR_TRUNCATED if the header is sound but the record is
 * longer than len (or len < 48); MSP_ERR_FORMAT for anything else wrong;
 * MSP_ERR_INVAL for a NULL rec.
 */
int msp_mseed_record_check(const uint8_t *rec, size_t len, size_t *reclen,
			   char *err, size_t errlen);

/* Bytes per sample of a miniSEED data encoding, 0 for Steim (frame-coded)
 * and -1 for an encoding that mspipe does not accept. */
int msp_mseed_sample_size(int encoding);

#ifdef __cplusplus
}
#endif
#endif
