/*
 * msp_window.h - cutting a time window out of a record (MsPASS WindowData)
 * and moving a record between UTC and relative time (ator / rtoa).
 *
 * Window arithmetic is MsPASS's (slice_and_dice.cc): the first sample is
 * is = round((start - t0)/dt), the sample count n = round((end - start)/dt) + 1,
 * the new t0 = t0 + dt*is (in double precision: MsPASS's float cast is not
 * copied), and a window must lie inside samples 0..npts-1 (MsPASS's
 * TimeSeries accepts one sample past the end and leaves it zero: not copied).
 * Both are rounded, so an edge a fraction of a sample outside the data can
 * still be inside; n comes from end - start, so the fractions add up.
 */
#ifndef MSP_WINDOW_H
#define MSP_WINDOW_H

#include <stdint.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to do with a window that overlaps the data only in part. */
enum msp_short_mode {
	MSP_SHORT_KILL = 0,     /* kill the record (MsPASS's default) */
	MSP_SHORT_TRUNCATE = 1, /* keep the overlap; Complaint in the elog */
	MSP_SHORT_PAD = 2       /* zero-fill to the full requested span; Complaint */
};

/* Parse "kill", "truncate" or "pad"; -1 for anything else. */
int msp_short_mode_from_name(const char *name);

/* Where [start, end] falls on a record's samples: *first = is and *count = n
 * as above (as doubles: they may be far outside the data).  MSP_ERR_INVAL if
 * start or end is not finite, end < start, or dt is not positive. */
int msp_window_plan(double t0, double dt, double start, double end, double *first, double *count);

/* Cut rec to [start, end], times in the record's own reference (UTC epoch
 * seconds or relative seconds).  Dead records are left alone (MSP_OK).  A
 * window outside the data, or a partial one in MSP_SHORT_KILL mode, kills
 * the record with an elog entry under `algorithm` and returns MSP_ERR_DATA
 * (samples kept, as MsPASS's kill).  A partial window in truncate or pad mode
 * logs a Complaint.  The metadata mirrors "starttime" and "npts" are set to
 * the new t0 and npts (MsPASS's set_t0 / set_npts do the same).
 * MSP_ERR_INVAL for bad arguments (record untouched), MSP_ERR_NOMEM. */
int msp_window(msp_record *rec, double start, double end, int short_mode, const char *algorithm);

/* The reference time held in metadata key `key` (a UTC epoch, e.g. Ptime),
 * expressed in rec's own time reference: the value itself for UTC data, the
 * value minus t0shift for relative data.  MSP_ERR_NOTFOUND (absent),
 * MSP_ERR_TYPE (not a number), MSP_ERR_RANGE (not finite), MSP_ERR_DATA
 * (relative data whose shift is not valid); a message goes to err. */
int msp_record_ref_time(const msp_record *rec, const char *key, double *t, char *err, size_t errlen);

/* A time (UTC epoch seconds) from metadata key `key`: a finite number, not a
 * bool.  MSP_ERR_NOTFOUND, MSP_ERR_TYPE, MSP_ERR_RANGE with a message in err. */
int msp_meta_get_time(const bson_t *meta, const char *key, double *t, char *err, size_t errlen);

/* After a change of time reference: update the Metadata mirrors MsPASS
 * keeps of it, those that are present: starttime (= t0), time_standard
 * ("UTC"/"Relative"), starttime_shift, utc_convertible. */
int msp_record_sync_time_mirrors(msp_record *rec);

/* A UTC epoch time expressed in rec's own time reference (as above). */
int msp_record_utc_to_own(const msp_record *rec, double utc, double *t);

#ifdef __cplusplus
}
#endif
#endif
