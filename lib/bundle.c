/*
 * bundle.c - TimeSeries to Seismogram (MsPASS BundleSEEDGroup and the
 * CoreSeismogram constructor from three TimeSeries).
 *
 * Deliberate differences from MsPASS, documented in msbundle(1): the cut to
 * the common span keeps the last common sample (MsPASS's
 * round((temin-tsmax)/dt) drops it), and "loc" is kept in the metadata
 * (bundle_seed_data erases it though it is the same for all three).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_bundle.h"
#include "msp_rotate.h"
#include "msp_meta.h"
#include "msp_status.h"

static const char *code(const msp_record *r, const char *key)
{
	const char *v = NULL;
	if (msp_meta_get_string(r->meta, key, &v))
		return "";
	return v;
}

int msp_bundle_same_sensor(const msp_record *a, const msp_record *b)
{
	static const char *const keys[] = {"net", "sta", "loc"};
	for (int i = 0; i < 3; i++)
		if (strcmp(code(a, keys[i]), code(b, keys[i])))
			return 0;
	const char *ca = code(a, "chan"), *cb = code(b, "chan");
	return strncmp(ca, cb, 2) == 0 && (strlen(ca) >= 2) == (strlen(cb) >= 2);
}

static int dead_result(msp_record *out, const msp_record *first, char *err, size_t errlen,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int dead_result(msp_record *out, const msp_record *first, char *err, size_t errlen,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	int rc = msp_record_copy(out, first);
	if (rc)
		return rc;
	msp_record_resize(out, MSP_SEISMOGRAM, 0);
	msp_meta_remove(out->meta, "chan");
	msp_record_kill(out, "bundle", "%s", err);
	return MSP_ERR_DATA;
}

int msp_bundle(msp_record *const *ts, int n, msp_record *out, char *err, size_t errlen)
{
	if (n <= 0) {
		snprintf(err, errlen, "empty group");
		return MSP_ERR_INVAL;
	}
	/* distinct channel codes, ascending; one member per code */
	const msp_record *pick[3];
	const char *chans[3];
	int nd = 0;
	double tmin = INFINITY;
	for (int i = 0; i < n; i++)
		if (ts[i]->t0 < tmin)
			tmin = ts[i]->t0;
	/* collect distinct codes */
	const char *codes[64];
	int ncodes = 0;
	for (int i = 0; i < n; i++) {
		const char *c = code(ts[i], "chan");
		int seen = 0;
		for (int k = 0; k < ncodes; k++)
			seen |= strcmp(codes[k], c) == 0;
		if (!seen && ncodes < 64)
			codes[ncodes++] = c;
	}
	if (ncodes != 3)
		return dead_result(out, ts[0], err, errlen,
		                   ncodes < 3 ? "Insufficient data to bundle: %d distinct channel(s) "
		                                "of the 3 needed"
		                              : "Irregular grouping: %d distinct channels, 3 needed",
		                   ncodes);
	/* ascending order */
	for (int a = 0; a < 3; a++)
		for (int b = a + 1; b < 3; b++)
			if (strcmp(codes[b], codes[a]) < 0) {
				const char *t = codes[a];
				codes[a] = codes[b];
				codes[b] = t;
			}
	for (int k = 0; k < 3; k++) {
		pick[k] = NULL;
		for (int i = 0; i < n; i++) {
			if (strcmp(code(ts[i], "chan"), codes[k]))
				continue;
			if (!pick[k] || fabs(ts[i]->t0 - tmin) < fabs(pick[k]->t0 - tmin))
				pick[k] = ts[i];
		}
		chans[k] = codes[k];
		nd++;
	}
	for (int k = 0; k < 3; k++) {
		if (pick[k]->kind != MSP_TIMESERIES)
			return dead_result(out, ts[0], err, errlen, "member %s is not a TimeSeries",
			                   chans[k]);
		if (pick[k]->npts == 0 || !(pick[k]->dt > 0))
			return dead_result(out, ts[0], err, errlen, "member %s has no samples", chans[k]);
		if (pick[k]->tref != pick[0]->tref)
			return dead_result(out, ts[0], err, errlen,
			                   "members mix UTC and relative time");
	}
	/* sample intervals (MsPASS: accumulated mismatch over the data <= dt/2) */
	double dt = pick[0]->dt, ddt = 0;
	for (int a = 0; a < 3; a++)
		for (int b = a + 1; b < 3; b++)
			ddt = fmax(ddt, fabs(pick[a]->dt - pick[b]->dt));
	if (ddt * (double)pick[0]->npts > dt / 2)
		return dead_result(out, ts[0], err, errlen,
		                   "Sample intervals of components are not consistent: %g %g %g",
		                   pick[0]->dt, pick[1]->dt, pick[2]->dt);
	double hang[3], vang[3];
	for (int k = 0; k < 3; k++)
		if (msp_meta_get_double(pick[k]->meta, "channel_hang", &hang[k]) ||
		    msp_meta_get_double(pick[k]->meta, "channel_vang", &vang[k]))
			return dead_result(out, ts[0], err, errlen,
			                   "missing channel_hang or channel_vang on %s (run msnormalize "
			                   "channel first)",
			                   chans[k]);
	int rc = msp_record_copy(out, pick[0]);
	if (rc)
		return rc;
	int aligned = pick[0]->npts == pick[1]->npts && pick[1]->npts == pick[2]->npts &&
	              fabs((pick[0]->t0 - pick[1]->t0) / dt) < 1.0 &&
	              fabs((pick[1]->t0 - pick[2]->t0) / dt) < 1.0;
	if (aligned) {
		size_t np = pick[0]->npts;
		if ((rc = msp_record_resize(out, MSP_SEISMOGRAM, np)))
			return rc;
		for (int k = 0; k < 3; k++)
			memcpy(msp_record_comp(out, k), pick[k]->data, np * sizeof(double));
	} else {
		double tsmax = -INFINITY, temin = INFINITY;
		for (int k = 0; k < 3; k++) {
			tsmax = fmax(tsmax, pick[k]->t0);
			temin = fmin(temin, msp_record_endtime(pick[k]));
		}
		double nn = round((temin - tsmax) / dt) + 1;
		if (!(nn >= 1))
			return dead_result(out, ts[0], err, errlen,
			                   "Irregular time windows of components have no overlap");
		size_t np = (size_t)nn;
		if ((rc = msp_record_resize(out, MSP_SEISMOGRAM, np)))
			return rc;
		out->t0 = tsmax;
		for (int k = 0; k < 3; k++) {
			double *y = msp_record_comp(out, k);
			const msp_record *x = pick[k];
			for (size_t j = 0; j < np; j++) {
				double t = tsmax + dt * (double)j;
				long i = lround((t - x->t0) / x->dt);
				y[j] = (i >= 0 && i < (long)x->npts) ? x->data[i] : 0.0;
			}
		}
	}
	double tm[3][3];
	msp_tmatrix_from_angles(hang, vang, tm);
	static const char *const drop[] = {"chan", "channel_hang", "channel_vang", "hang", "vang"};
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		msp_meta_remove(out->meta, drop[i]);
	if ((rc = msp_seis_set_tmatrix(out, tm, 0)) ||
	    (rc = msp_meta_set_int64(out->meta, "npts", (int64_t)out->npts)))
		return rc;
	/* MsPASS: orthogonal only when cardinal */
	int card = msp_tmatrix_is_cardinal(tm);
	if ((rc = msp_meta_set_bool(out->meta, "orthogonal", card)))
		return rc;
	bson_t arr;
	bson_t *tmp = bson_new();
	bson_append_array_begin(tmp, "bundle_channels", -1, &arr);
	for (int k = 0; k < 3; k++) {
		char key[2] = {(char)('0' + k), 0};
		BSON_APPEND_UTF8(&arr, key, chans[k]);
	}
	bson_append_array_end(tmp, &arr);
	bson_iter_t it;
	if (bson_iter_init_find(&it, tmp, "bundle_channels"))
		rc = msp_meta_set_value(out->meta, "bundle_channels", bson_iter_value(&it));
	bson_destroy(tmp);
	if (rc)
		return rc;
	if (msp_meta_has(out->meta, "starttime"))
		msp_meta_set_double(out->meta, "starttime", out->t0);
	if (msp_meta_has(out->meta, "endtime"))
		msp_meta_set_double(out->meta, "endtime", msp_record_endtime(out));
	(void)nd;
	return MSP_OK;
}
