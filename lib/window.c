/*
 * window.c - MsPASS's WindowData on one record (msp_window.h), and the
 * reading of reference times (Ptime, ...) into a record's own time frame.
 *
 * Index arithmetic is done in double precision and compared with npts
 * before any conversion to an integer type, so that a window a million
 * years away is "outside", not an integer overflow.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_meta.h"
#include "msp_parse.h"
#include "msp_status.h"
#include "msp_window.h"

/* A padded window allocates its full span: refuse spans beyond this many
 * samples per component (about 1 GiB of doubles for a Seismogram). */
#define MAX_PAD_NPTS ((double)(1u << 25))

int msp_short_mode_from_name(const char *name)
{
	if (strcmp(name, "kill") == 0)
		return MSP_SHORT_KILL;
	if (strcmp(name, "truncate") == 0)
		return MSP_SHORT_TRUNCATE;
	if (strcmp(name, "pad") == 0)
		return MSP_SHORT_PAD;
	return -1;
}

int msp_window_plan(double t0, double dt, double start, double end, double *first, double *count)
{
	if (!isfinite(start) || !isfinite(end) || !isfinite(t0) || !isfinite(dt) || dt <= 0.0 || end < start)
		return MSP_ERR_INVAL;
	/* MsPASS: is = round((start - t0)/dt); n = round((end - start)/dt) + 1 */
	*first = round((start - t0) / dt);
	*count = round((end - start) / dt) + 1.0;
	if (!isfinite(*first) || !isfinite(*count))
		return MSP_ERR_INVAL;
	return MSP_OK;
}

static void fmt_time(const msp_record *rec, double t, char *buf, size_t len)
{
	if (rec->tref == MSP_TREF_UTC && fabs(t) < 1e11)
		msp_format_time(t, buf, len);
	else if (fabs(t) < 1e11)
		snprintf(buf, len, "%.6f", t);
	else /* a number, not hundreds of digits (msp_format_time does the same) */
		snprintf(buf, len, "%.17g", t);
}

/* Keep MsPASS's Metadata mirrors of the core attributes in step. */
static int sync_mirrors(msp_record *rec)
{
	/* both keys in one rebuild of the metadata (the same document as
	 * setting them one after the other) */
	bson_t upd;
	bson_init(&upd);
	int ok = BSON_APPEND_DOUBLE(&upd, "starttime", rec->t0) &&
	         BSON_APPEND_INT64(&upd, "npts", (int64_t)rec->npts);
	int rc = ok ? msp_meta_update(rec->meta, &upd, NULL) : MSP_ERR_NOMEM;
	bson_destroy(&upd);
	return rc;
}

int msp_window(msp_record *rec, double start, double end, int short_mode, const char *algorithm)
{
	double first, count;
	char a[40], b[40], c[40], d[40];
	if (short_mode < MSP_SHORT_KILL || short_mode > MSP_SHORT_PAD)
		return MSP_ERR_INVAL;
	if (!rec->live)
		return MSP_OK;
	if (msp_window_plan(rec->t0, rec->dt, start, end, &first, &count))
		return MSP_ERR_INVAL;
	double last = first + count - 1.0;          /* window's last sample index */
	double dlast = (double)rec->npts - 1.0;     /* data's last sample index */
	int partial = first < 0.0 || last > dlast;
	/* the times in words only when a message needs them (formatting them
	 * for every record cost this stage a fifth of its time) */
	if (rec->npts == 0 || last < 0.0 || first > dlast || partial) {
		fmt_time(rec, start, a, sizeof a);
		fmt_time(rec, end, b, sizeof b);
		fmt_time(rec, rec->t0, c, sizeof c);
		fmt_time(rec, msp_record_endtime(rec), d, sizeof d);
	}
	if (rec->npts == 0 || last < 0.0 || first > dlast) {
		msp_record_kill(rec, algorithm, "window %s to %s does not overlap the data (%s to %s)", a, b,
		                c, rec->npts ? d : "no samples");
		return MSP_ERR_DATA;
	}
	if (partial && short_mode == MSP_SHORT_KILL) {
		msp_record_kill(rec, algorithm,
		                "window %s to %s overlaps the data (%s to %s) only in part "
		                "(use truncate or pad to keep such records)", a, b, c, d);
		return MSP_ERR_DATA;
	}
	if (partial && short_mode == MSP_SHORT_PAD && count > MAX_PAD_NPTS) {
		msp_record_kill(rec, algorithm, "padded window %s to %s would need %.15g samples (limit %.0f)",
		                a, b, count, MAX_PAD_NPTS);
		return MSP_ERR_DATA;
	}
	size_t np = rec->npts;
	int kind = rec->kind;
	if (!partial || short_mode == MSP_SHORT_TRUNCATE) {
		/* a sub-range of the samples: move each component down in place
		 * (destination never overtakes a later component's source) */
		size_t lo = first < 0.0 ? 0 : (size_t)first;
		size_t hi = last > dlast ? np - 1 : (size_t)last;
		size_t n = hi - lo + 1;
		for (int k = 0; k < kind; k++)
			memmove(rec->data + (size_t)k * n, rec->data + (size_t)k * np + lo, n * sizeof(double));
		rec->npts = n;
		rec->t0 = rec->t0 + rec->dt * (double)lo;
		if (partial)
			msp_record_log(rec, algorithm, MSP_SEV_COMPLAINT,
			               "window %s to %s truncated to the data: %zu of %.0f samples", a, b, n, count);
	} else {
		/* pad: the full requested span, zeros where there are no data */
		size_t n = (size_t)count;
		double *p = calloc((size_t)kind * n, sizeof *p);
		if (!p)
			return MSP_ERR_NOMEM;
		double lo = first < 0.0 ? 0.0 : first, hi = last > dlast ? dlast : last;
		size_t src = (size_t)lo, dst = (size_t)(lo - first), m = (size_t)(hi - lo) + 1;
		for (int k = 0; k < kind; k++)
			memcpy(p + (size_t)k * n + dst, rec->data + (size_t)k * np + src, m * sizeof(double));
		free(rec->data);
		rec->data = p;
		rec->data_cap = (size_t)kind * n;
		rec->npts = n;
		rec->t0 = rec->t0 + rec->dt * first;
		msp_record_log(rec, algorithm, MSP_SEV_COMPLAINT,
		               "window %s to %s padded with zeros: %zu of %zu samples are data", a, b, m, n);
	}
	return sync_mirrors(rec);
}

int msp_record_utc_to_own(const msp_record *rec, double utc, double *t)
{
	if (rec->tref == MSP_TREF_UTC) {
		*t = utc;
		return MSP_OK;
	}
	/* the same validity rule as rtoa (MsPASS: valid, or any shift > 100 s) */
	if (!(rec->t0shift_valid || rec->t0shift > 100.0))
		return MSP_ERR_DATA;
	*t = utc - rec->t0shift;
	return MSP_OK;
}

int msp_meta_get_time(const bson_t *meta, const char *key, double *t, char *err, size_t errlen)
{
	double v;
	int b;
	int rc = msp_meta_get_bool(meta, key, &b) == MSP_OK ? MSP_ERR_TYPE : msp_meta_get_double(meta, key, &v);
	if (rc == MSP_ERR_NOTFOUND) {
		snprintf(err, errlen, "reference time key %s is not in the metadata", key);
		return rc;
	}
	if (rc) {
		snprintf(err, errlen, "reference time key %s does not hold a number", key);
		return MSP_ERR_TYPE;
	}
	if (!isfinite(v)) {
		snprintf(err, errlen, "reference time key %s is not finite", key);
		return MSP_ERR_RANGE;
	}
	*t = v;
	return MSP_OK;
}

int msp_record_ref_time(const msp_record *rec, const char *key, double *t, char *err, size_t errlen)
{
	double v;
	int rc = msp_meta_get_time(rec->meta, key, &v, err, errlen);
	if (rc)
		return rc;
	if (msp_record_utc_to_own(rec, v, t)) {
		snprintf(err, errlen, "record is in relative time with no valid shift to UTC; cannot place %s", key);
		return MSP_ERR_DATA;
	}
	return MSP_OK;
}

int msp_record_sync_time_mirrors(msp_record *rec)
{
	int rc = MSP_OK;
	int relative = rec->tref == MSP_TREF_RELATIVE;
	if (msp_meta_has(rec->meta, "starttime"))
		rc = msp_meta_set_double(rec->meta, "starttime", rec->t0);
	if (!rc && msp_meta_has(rec->meta, "time_standard"))
		rc = msp_meta_set_string(rec->meta, "time_standard", relative ? "Relative" : "UTC");
	if (!rc && msp_meta_has(rec->meta, "starttime_shift"))
		rc = msp_meta_set_double(rec->meta, "starttime_shift", relative ? rec->t0shift : 0.0);
	if (!rc && msp_meta_has(rec->meta, "utc_convertible"))
		rc = msp_meta_set_bool(rec->meta, "utc_convertible",
		                       !relative || rec->t0shift_valid || rec->t0shift > 100.0);
	return rc;
}
