/*
 * msp_mseed_unpack.h - mspipe's own miniSEED 2 record decoder: the fixed
 * header and blockettes 100/1000/1001 of one record, and its samples decoded
 * straight into float64 (Steim1, Steim2, int16, int32, float32, float64, in
 * either byte order).  msread's hot path: libmseed 2.19 unpacks into an
 * int32 buffer with a function call per byte swap, then the reader converts;
 * here the differences are summed and stored as doubles in one pass.
 *
 * The results are those of libmseed 2.19.8's msr_parse on the same record,
 * sample by sample and field by field (tests/unit/test_mseed_unpack.c and
 * fuzz/fuzz_mseed_decode.c compare them), including what libmseed takes as
 * corrupt: a Steim record whose last sample differs from its Xn, an impossible
 * Steim2 code, fewer samples than the header declares, an unknown blockette.
 * Every record passes msp_mseed_record_check() (msp_mseed.h) first, so a
 * record is never read past its bytes.  Like the guard, this module uses
 * nothing but the C library, so it can be fuzzed alone.
 * (libmseed's UNPACK_* environment variables, which force byte orders or an
 * encoding, are not honoured.)
 */
#ifndef MSP_MSEED_UNPACK_H
#define MSP_MSEED_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What msread needs of a record header, as libmseed reports it. */
typedef struct msp_mseed_hdr {
	size_t reclen;          /* record length (blockette 1000) */
	size_t dataoff;         /* offset of the first data byte */
	int encoding;           /* blockette 1000 encoding (DE_* values of libmseed) */
	int data_be;            /* 1: samples big-endian (blockette 1000 word order 1) */
	int64_t samplecnt;      /* samples the header declares */
	int64_t starttime;      /* microseconds since 1970 (libmseed's hptime_t): the
	                         * BTIME, plus the time correction unless activity
	                         * flag bit 1 says it is applied, plus blockette
	                         * 1001's microseconds */
	double samprate;        /* blockette 100's rate, else factor/multiplier */
	char net[3], sta[6], loc[3], chan[4]; /* trailing spaces removed */
} msp_mseed_hdr;

/* Check rec[0..len) with msp_mseed_record_check() and read its header into
 * *h.  Returns MSP_OK; MSP_ERR_TRUNCATED (the record is longer than len) or
 * MSP_ERR_FORMAT (corrupt or unknown blockette), with a reason in err. */
int msp_mseed_unpack_header(const uint8_t *rec, size_t len, msp_mseed_hdr *h, char *err,
                            size_t errlen);

/* Decode the h->samplecnt samples of rec (the record h was read from, at
 * least h->reclen bytes) into out[0..h->samplecnt).  Returns MSP_OK;
 * MSP_ERR_DATA with a reason in err for a corrupt record (Steim integrity,
 * impossible Steim2 code, too few samples, ASCII text); MSP_ERR_UNSUPPORTED
 * for the encodings left to libmseed (GEOSCOPE, CDSN, SRO, DWWSSN). */
int msp_mseed_unpack_samples(const uint8_t *rec, const msp_mseed_hdr *h, double *out,
                             char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
