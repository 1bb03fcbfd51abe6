/*
 * msp_mseed_read.h - turn the bytes of one wf_miniseed segment (foff..foff+nbytes
 * of a miniSEED file) into one TimeSeries, with MsPASS's reading rules, and
 * write a TimeSeries as miniSEED.
 *
 * Decoding walks the buffer record by record: each raw record is checked
 * with msp_mseed_record_check() (msp_mseed.h), its header read and its
 * samples decoded by mspipe's own decoder (msp_mseed_unpack.h: Steim1,
 * Steim2, int16, int32, float32 and float64 in either byte order, straight
 * into float64, with libmseed 2.19's results and its idea of a corrupt
 * record: a Steim integrity failure, for one); the rare encodings it does
 * not decode (GEOSCOPE, CDSN, SRO, DWWSSN) go to libmseed, with any libmseed
 * diagnostic making the record corrupt.  The samples land on one regular
 * grid that starts at the first record: a gap between records is an
 * interval on the grid with no sample, filled by the gap policy.
 */
#ifndef MSP_MSEED_READ_H
#define MSP_MSEED_READ_H

#include <stddef.h>
#include <stdint.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

enum msp_gap_policy {
	MSP_GAPS_ZERO = 0,        /* MsPASS's default: fill with 0 (Stream.merge fill_value=0) */
	MSP_GAPS_INTERPOLATE = 1, /* straight line between the samples beside the gap */
	MSP_GAPS_KILL = 2         /* a segment with a gap is an error */
};

typedef struct msp_mseed_opts {
	int gaps;                 /* enum msp_gap_policy */
	double rate_tolerance;    /* relative; records whose rate differs more are an error (1e-4) */
} msp_mseed_opts;

/* What the decoder saw, for messages and checks. */
typedef struct msp_mseed_info {
	size_t nrecords;          /* miniSEED records decoded */
	size_t ngaps;             /* gaps found (also posted as "gaps") */
	size_t noverlaps;         /* records that overlapped what came before */
	char net[11], sta[11], loc[11], chan[11];
	int encoding;             /* of the first record */
} msp_mseed_info;

/* Decode buf[0..len) into rec as a live UTC TimeSeries: t0 (exact to the
 * microsecond), dt, npts on the grid (gap positions included), samples, and
 * metadata net, sta, loc (if not empty), chan, has_gap and, with gaps, "gaps"
 * = [{starttime, endtime}, ...] (time of the last sample before and the first
 * sample after each gap, as ObsPy's get_gaps reports them).  A gap or overlap
 * also adds a Complaint to rec's elog.  Returns MSP_OK, or MSP_ERR_DATA with a
 * message in err (corrupt record, several channels, rate change, gap with
 * MSP_GAPS_KILL, nothing to decode) and rec left unchanged except its elog;
 * MSP_ERR_NOMEM.  The record's existing metadata is kept; the keys above are set. */
int msp_mseed_decode(const uint8_t *buf, size_t len, const msp_mseed_opts *opts,
                     msp_record *rec, msp_mseed_info *info, char *err, size_t errlen);

/* msp_mseed_decode with the metadata keys appended to upd instead of set in
 * rec->meta (a stale "gaps" key is the caller's to drop when info->ngaps is
 * 0): for a caller that sets more keys in the same rebuild of the metadata
 * (msp_wf_load_samples).  info must not be NULL. */
int msp_mseed_decode_upd(const uint8_t *buf, size_t len, const msp_mseed_opts *opts,
                         msp_record *rec, msp_mseed_info *info, bson_t *upd, char *err,
                         size_t errlen);

/* Write rec (a TimeSeries) as miniSEED records of reclen bytes to a malloc'd
 * buffer: Steim2 when every sample is an integer within Steim2's range,
 * float64 otherwise.  net/sta/loc/chan come from the metadata (net and loc
 * may be absent; a missing sta or chan is MSP_ERR_NOTFOUND).  The start time is rounded to the microsecond,
 * miniSEED's resolution. *encoding receives the encoding used.  A sample
 * rate that miniSEED 2's factor and multiplier cannot hold within 1e-4 is
 * MSP_ERR_DATA (it would be written as another rate, or 0). */
int msp_mseed_encode(const msp_record *rec, int reclen, uint8_t **out, size_t *outlen,
                     int *encoding, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
