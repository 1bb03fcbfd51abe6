/*
 * rotate.c - tmatrix bookkeeping and rotations of Seismograms (MsPASS's
 * CoreSeismogram orientation rules; ObsPy's RTZ/LQT sign conventions).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "msp_rotate.h"
#include "msp_meta.h"
#include "msp_status.h"

#define DEG (M_PI / 180.0)

void msp_tmatrix_from_angles(const double hang[3], const double vang[3], double tm[3][3])
{
	for (int i = 0; i < 3; i++) {
		double phi = (90.0 - hang[i]) * DEG, theta = vang[i] * DEG;
		tm[i][0] = sin(theta) * cos(phi);
		tm[i][1] = sin(theta) * sin(phi);
		tm[i][2] = cos(theta);
	}
}

int msp_tmatrix_is_cardinal(const double tm[3][3])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (fabs(tm[i][j] - (i == j ? 1.0 : 0.0)) > 1e-4)
				return 0;
	return 1;
}

int msp_tmatrix_is_orthonormal(const double tm[3][3])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double d = tm[i][0] * tm[j][0] + tm[i][1] * tm[j][1] + tm[i][2] * tm[j][2];
			if (fabs(d - (i == j ? 1.0 : 0.0)) > 1e-4)
				return 0;
		}
	return 1;
}

int msp_seis_get_tmatrix(const msp_record *rec, double tm[3][3])
{
	bson_iter_t it, a;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			tm[i][j] = i == j;
	if (!bson_iter_init_find(&it, rec->meta, "tmatrix"))
		return MSP_OK;
	if (!BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &a))
		return MSP_ERR_FORMAT;
	int n = 0;
	while (bson_iter_next(&a)) {
		if (n >= 9 || !BSON_ITER_HOLDS_NUMBER(&a))
			return MSP_ERR_FORMAT;
		tm[n / 3][n % 3] = bson_iter_as_double(&a);
		n++;
	}
	return n == 9 ? MSP_OK : MSP_ERR_FORMAT;
}

int msp_seis_set_tmatrix(msp_record *rec, const double tm[3][3], int orthogonal)
{
	bson_t arr;
	bson_t *tmp = bson_new();
	if (!tmp)
		return MSP_ERR_NOMEM;
	bson_append_array_begin(tmp, "tmatrix", -1, &arr);
	for (int k = 0; k < 9; k++) {
		char key[4];
		snprintf(key, sizeof key, "%d", k);
		double v = tm[k / 3][k % 3];
		if (fabs(v) < 1e-15)
			v = 0.0; /* keep -0 and rounding dust out of the documents */
		BSON_APPEND_DOUBLE(&arr, key, v);
	}
	bson_append_array_end(tmp, &arr);
	bson_iter_t it;
	int rc = MSP_ERR_NOMEM;
	if (bson_iter_init_find(&it, tmp, "tmatrix"))
		rc = msp_meta_set_value(rec->meta, "tmatrix", bson_iter_value(&it));
	bson_destroy(tmp);
	if (rc)
		return rc;
	int card = msp_tmatrix_is_cardinal(tm);
	if ((rc = msp_meta_set_bool(rec->meta, "cardinal", card)) ||
	    (rc = msp_meta_set_bool(rec->meta, "orthogonal", card || orthogonal)))
		return rc;
	return MSP_OK;
}

static int invert3(const double m[3][3], double inv[3][3])
{
	double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
	             m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
	             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
	double scale = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			scale = fmax(scale, fabs(m[i][j]));
	if (!(fabs(det) > 1e-12 * scale * scale * scale))
		return MSP_ERR_DATA;
	inv[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
	inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
	inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
	inv[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
	inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
	inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
	inv[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
	inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
	inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
	return MSP_OK;
}

/* x_new[i] = sum_j a[i][j] x_old[j], sample by sample. */
static void apply(msp_record *rec, const double a[3][3])
{
	double *x0 = msp_record_comp(rec, 0), *x1 = msp_record_comp(rec, 1),
	       *x2 = msp_record_comp(rec, 2);
	for (size_t k = 0; k < rec->npts; k++) {
		double u0 = x0[k], u1 = x1[k], u2 = x2[k];
		x0[k] = a[0][0] * u0 + a[0][1] * u1 + a[0][2] * u2;
		x1[k] = a[1][0] * u0 + a[1][1] * u1 + a[1][2] * u2;
		x2[k] = a[2][0] * u0 + a[2][1] * u1 + a[2][2] * u2;
	}
}

int msp_rotate_to_standard(msp_record *rec, char *err, size_t errlen)
{
	if (rec->kind != MSP_SEISMOGRAM) {
		snprintf(err, errlen, "not a Seismogram");
		return MSP_ERR_DATA;
	}
	double tm[3][3], inv[3][3];
	if (msp_seis_get_tmatrix(rec, tm)) {
		snprintf(err, errlen, "malformed tmatrix (want 9 numbers)");
		return MSP_ERR_DATA;
	}
	int orth = 0;
	msp_meta_get_bool(rec->meta, "orthogonal", &orth);
	if (!msp_tmatrix_is_cardinal(tm)) {
		if (orth && msp_tmatrix_is_orthonormal(tm)) {
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 3; j++)
					inv[i][j] = tm[j][i];
		} else if (invert3(tm, inv)) {
			snprintf(err, errlen, "tmatrix is singular: components are not independent");
			return MSP_ERR_DATA;
		}
		apply(rec, inv);
	}
	double id[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
	return msp_seis_set_tmatrix(rec, id, 1);
}

int msp_rotate_basis(msp_record *rec, const double a[3][3], char *err, size_t errlen)
{
	int rc = msp_rotate_to_standard(rec, err, errlen);
	if (rc)
		return rc;
	apply(rec, a);
	return msp_seis_set_tmatrix(rec, a, msp_tmatrix_is_orthonormal(a));
}

void msp_rtz_basis(double baz, double a[3][3])
{
	double s = sin(baz * DEG), c = cos(baz * DEG);
	double r[3][3] = {{-s, -c, 0}, {-c, s, 0}, {0, 0, 1}};
	memcpy(a, r, sizeof r);
}

void msp_lqt_basis(double baz, double inc, double a[3][3])
{
	double sb = sin(baz * DEG), cb = cos(baz * DEG), si = sin(inc * DEG), ci = cos(inc * DEG);
	double r[3][3] = {{-si * sb, -si * cb, ci}, {ci * sb, ci * cb, si}, {cb, -sb, 0}};
	memcpy(a, r, sizeof r);
}

int msp_fst_matrix(double baz, double p, double vp, double vs, double a[3][3])
{
	if (!(vp > 0 && vs > 0 && vs < vp && p >= 0 && p < 1.0 / vp))
		return MSP_ERR_RANGE;
	double qa = sqrt(1.0 / (vp * vp) - p * p), qb = sqrt(1.0 / (vs * vs) - p * p);
	double b2p2 = vs * vs * p * p;
	/* operator on (Z, R, T) */
	double m[3][3] = {{-(1 - 2 * b2p2) / (2 * vp * qa), p * vs * vs / vp, 0},
	                  {-p * vs, (1 - 2 * b2p2) / (2 * vs * qb), 0},
	                  {0, 0, 0.5}};
	double s = sin(baz * DEG), c = cos(baz * DEG);
	double z[3] = {0, 0, 1}, r[3] = {-s, -c, 0}, t[3] = {-c, s, 0};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			a[i][j] = m[i][0] * z[j] + m[i][1] * r[j] + m[i][2] * t[j];
	return MSP_OK;
}
