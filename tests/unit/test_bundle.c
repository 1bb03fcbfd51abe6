/*
 * test_bundle.c - msp_bundle and msp_rotate: tmatrix from angles, bundling
 * rules (order, duplicates, cut to the common span, incomplete groups),
 * return to ENZ (orthogonal and not), RTZ/LQT against ObsPy's formulas,
 * and the free-surface transform against the apparent incidence of a P
 * wave at a free surface (tan(apparent) = tan(2j), sin j = p vs).
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_bundle.h"
#include "msp_rotate.h"
#include "msp_meta.h"
#include "msp_status.h"

#define D2R (M_PI / 180)

static msp_record *ts(const char *chan, double hang, double vang, double t0, double dt, size_t n,
                      const double *x)
{
	msp_record *r = msp_record_new();
	msp_record_resize(r, MSP_TIMESERIES, n);
	memcpy(r->data, x, n * sizeof *x);
	r->t0 = t0;
	r->dt = dt;
	msp_meta_set_string(r->meta, "net", "XX");
	msp_meta_set_string(r->meta, "sta", "S1");
	msp_meta_set_string(r->meta, "loc", "00");
	msp_meta_set_string(r->meta, "chan", chan);
	if (hang > -999) {
		msp_meta_set_double(r->meta, "channel_hang", hang);
		msp_meta_set_double(r->meta, "channel_vang", vang);
	}
	return r;
}

static void test_angles(void)
{
	double h[3] = {90, 0, 0}, v[3] = {90, 90, 0}, tm[3][3];
	msp_tmatrix_from_angles(h, v, tm);
	ok(msp_tmatrix_is_cardinal(tm), "E (hang 90), N (hang 0), Z (vang 0) is cardinal");
	double h2[3] = {30, 120, 0};
	msp_tmatrix_from_angles(h2, v, tm);
	ok(!msp_tmatrix_is_cardinal(tm) && msp_tmatrix_is_orthonormal(tm), "30/120 orthonormal");
	near(tm[0][0], sin(30 * D2R), 1e-15, "row 0 east = sin(hang)");
	near(tm[0][1], cos(30 * D2R), 1e-15, "row 0 north = cos(hang)");
	double h3[3] = {90.00001, 0, 0};
	msp_tmatrix_from_angles(h3, v, tm);
	ok(msp_tmatrix_is_cardinal(tm), "1e-5 degree off is still cardinal (1e-4)");
}

static void test_bundle_rotate(void)
{
	enum { N = 500 };
	double e[N], nn[N], z[N], c1[N], c2[N];
	for (int i = 0; i < N; i++) {
		e[i] = sin(i * 0.1) + 0.3;
		nn[i] = cos(i * 0.07) - 0.2;
		z[i] = 0.01 * i;
	}
	/* horizontals at hang 30 and 120 */
	for (int i = 0; i < N; i++) {
		c1[i] = e[i] * sin(30 * D2R) + nn[i] * cos(30 * D2R);
		c2[i] = e[i] * sin(120 * D2R) + nn[i] * cos(120 * D2R);
	}
	msp_record *m[3] = {ts("BHZ", 0, 0, 100, 0.05, N, z), ts("BH1", 30, 90, 100, 0.05, N, c1),
	                    ts("BH2", 120, 90, 100.01, 0.05, N, c2)};
	msp_record *out = msp_record_new();
	char err[256];
	is(msp_bundle(m, 3, out, err, sizeof err), MSP_OK, "bundle 3 channels");
	ok(out->kind == MSP_SEISMOGRAM && out->npts == N && out->t0 == 100 && out->live,
	   "aligned: starts less than a sample apart, first component's t0");
	const char *s;
	ok(msp_meta_get_string(out->meta, "chan", &s) == MSP_ERR_NOTFOUND &&
	   !msp_meta_has(out->meta, "channel_hang"), "chan and hang/vang erased");
	int card = 1, orth = 1;
	msp_meta_get_bool(out->meta, "cardinal", &card);
	msp_meta_get_bool(out->meta, "orthogonal", &orth);
	ok(!card && !orth, "not cardinal, so not orthogonal (MsPASS)");
	ok(msp_record_comp(out, 0)[7] == c1[7] && msp_record_comp(out, 2)[7] == z[7],
	   "ascending channel order: BH1, BH2, BHZ");
	is(msp_rotate_to_standard(out, err, sizeof err), MSP_OK, "to ENZ");
	double me = 0, mn = 0, mz = 0;
	for (int i = 0; i < N; i++) {
		me = fmax(me, fabs(msp_record_comp(out, 0)[i] - e[i]));
		mn = fmax(mn, fabs(msp_record_comp(out, 1)[i] - nn[i]));
		mz = fmax(mz, fabs(msp_record_comp(out, 2)[i] - z[i]));
	}
	ok(me < 1e-12 && mn < 1e-12 && mz < 1e-15, "east, north, up recovered (%.2g %.2g %.2g)", me,
	   mn, mz);
	msp_meta_get_bool(out->meta, "cardinal", &card);
	ok(card, "cardinal after to ENZ");

	/* non-orthogonal horizontals (hang 30 and 100): inverse, not transpose */
	for (int i = 0; i < N; i++)
		c2[i] = e[i] * sin(100 * D2R) + nn[i] * cos(100 * D2R);
	msp_record_free(m[2]);
	m[2] = ts("BH2", 100, 90, 100, 0.05, N, c2);
	msp_bundle(m, 3, out, err, sizeof err);
	msp_rotate_to_standard(out, err, sizeof err);
	me = mn = 0;
	for (int i = 0; i < N; i++) {
		me = fmax(me, fabs(msp_record_comp(out, 0)[i] - e[i]));
		mn = fmax(mn, fabs(msp_record_comp(out, 1)[i] - nn[i]));
	}
	ok(me < 1e-12 && mn < 1e-12, "non-orthogonal components recovered by the inverse");

	/* RTZ and LQT against ObsPy's formulas */
	msp_record *enz = msp_record_new();
	msp_record_copy(enz, out);
	double a[3][3], baz = 237.5, inc = 23.0;
	msp_rtz_basis(baz, a);
	msp_rotate_basis(out, a, err, sizeof err);
	double dr = 0, dt_ = 0;
	for (int i = 0; i < N; i++) {
		double r = -e[i] * sin(baz * D2R) - nn[i] * cos(baz * D2R);
		double t = -e[i] * cos(baz * D2R) + nn[i] * sin(baz * D2R);
		dr = fmax(dr, fabs(msp_record_comp(out, 0)[i] - r));
		dt_ = fmax(dt_, fabs(msp_record_comp(out, 1)[i] - t));
	}
	ok(dr < 1e-12 && dt_ < 1e-12, "RTZ = obspy rotate_ne_rt");
	msp_lqt_basis(baz, inc, a);
	msp_rotate_basis(out, a, err, sizeof err); /* from RTZ: back to ENZ first */
	double dl = 0, dq = 0, dtt = 0;
	double sb = sin(baz * D2R), cb = cos(baz * D2R), si = sin(inc * D2R), ci = cos(inc * D2R);
	for (int i = 0; i < N; i++) {
		double L = z[i] * ci - nn[i] * si * cb - e[i] * si * sb;
		double Q = z[i] * si + nn[i] * ci * cb + e[i] * ci * sb;
		double T = -nn[i] * sb + e[i] * cb;
		dl = fmax(dl, fabs(msp_record_comp(out, 0)[i] - L));
		dq = fmax(dq, fabs(msp_record_comp(out, 1)[i] - Q));
		dtt = fmax(dtt, fabs(msp_record_comp(out, 2)[i] - T));
	}
	ok(dl < 1e-12 && dq < 1e-12 && dtt < 1e-12, "LQT = obspy rotate_zne_lqt (after RTZ)");
	double tm[3][3];
	msp_seis_get_tmatrix(out, tm);
	ok(msp_tmatrix_is_orthonormal(tm), "LQT tmatrix orthonormal");

	/* free surface: an incident P gives surface motion with apparent incidence 2j */
	double vp = 6.0, vs = 3.5, p = 0.07; /* s/km */
	double j = asin(p * vs), app = 2 * j;
	is(msp_fst_matrix(baz, p, vp, vs, a), MSP_OK, "FST matrix");
	/* surface motion: up and away from the source (azimuth baz+180) */
	double ue = sin(app) * -sb, un = sin(app) * -cb, uz = cos(app);
	double P = a[0][0] * ue + a[0][1] * un + a[0][2] * uz;
	double SV = a[1][0] * ue + a[1][1] * un + a[1][2] * uz;
	double SH = a[2][0] * ue + a[2][1] * un + a[2][2] * uz;
	ok(fabs(SV) < 1e-12 && fabs(SH) < 1e-12 && fabs(P) > 0.1,
	   "FST: incident P has no SV or SH (P %.4f SV %.2g SH %.2g)", P, SV, SH);
	is(msp_fst_matrix(baz, 0.2, vp, vs, a), MSP_ERR_RANGE, "FST: p beyond 1/vp refused");
	msp_record_free(enz);
	for (int k = 0; k < 3; k++)
		msp_record_free(m[k]);
	msp_record_free(out);
}

static void test_cut_and_rules(void)
{
	/* IV.BOB-like: starts 6 s apart with sub-sample offsets */
	enum { N = 2000 };
	double x[N + 200];
	for (int i = 0; i < N + 200; i++)
		x[i] = i;
	double dt = 0.05;
	msp_record *m[4] = {ts("BHE", 90, 90, 14.325, dt, N, x), ts("BHN", 0, 90, 8.415, dt, N + 120, x),
	                    ts("BHZ", 0, 0, 8.445, dt, N + 100, x),
	                    ts("BHZ", 0, 0, 50.0, dt, N, x)}; /* duplicate, later start */
	msp_record *out = msp_record_new();
	char err[256];
	is(msp_bundle(m, 4, out, err, sizeof err), MSP_OK, "bundle with a duplicate channel");
	double temin = fmin(14.325 + (N - 1) * dt, fmin(8.415 + (N + 119) * dt, 8.445 + (N + 99) * dt));
	size_t want = (size_t)(round((temin - 14.325) / dt) + 1);
	ok(out->t0 == 14.325 && out->npts == want, "cut to the common span: t0 %g npts %zu (want %zu)",
	   out->t0, out->npts, want);
	/* nearest samples: N starts 5.91 s = 118.2 samples earlier -> index 118;
	 * Z starts 5.88 s = 117.6 samples earlier -> 118; the duplicate Z (t0 50)
	 * must not have been used */
	ok(msp_record_comp(out, 0)[0] == 0 && msp_record_comp(out, 1)[0] == 118 &&
	   msp_record_comp(out, 2)[0] == 118, "nearest samples: %g %g %g",
	   msp_record_comp(out, 0)[0], msp_record_comp(out, 1)[0], msp_record_comp(out, 2)[0]);
	ok(msp_record_comp(out, 1)[out->npts - 1] == 118 + (double)out->npts - 1,
	   "last common sample kept");

	is(msp_bundle(m, 2, out, err, sizeof err), MSP_ERR_DATA, "two channels: incomplete");
	ok(!out->live && out->kind == MSP_SEISMOGRAM && out->npts == 0 && out->nelog == 1,
	   "incomplete group: dead Seismogram with an elog entry (%s)", err);
	msp_record *x5 = ts("BH1", 0, 90, 14.325, dt, N, x);
	msp_record *m5[4] = {m[0], m[1], m[2], x5};
	is(msp_bundle(m5, 4, out, err, sizeof err), MSP_ERR_DATA, "four channels: irregular");
	ok(strstr(err, "Irregular") != NULL, "... %s", err);
	msp_record *nohang = ts("BHZ", -1000, 0, 8.445, dt, N, x);
	msp_record *m6[3] = {m[0], m[1], nohang};
	is(msp_bundle(m6, 3, out, err, sizeof err), MSP_ERR_DATA, "missing channel_hang");
	ok(strstr(err, "channel_hang") != NULL, "... %s", err);
	msp_record *fast = ts("BHZ", 0, 0, 8.445, 0.025, N, x);
	msp_record *m7[3] = {m[0], m[1], fast};
	is(msp_bundle(m7, 3, out, err, sizeof err), MSP_ERR_DATA, "different sample rates");
	ok(strstr(err, "Sample intervals") != NULL, "... %s", err);
	msp_record *far = ts("BHZ", 0, 0, 500, dt, N, x);
	msp_record *m8[3] = {m[0], m[1], far};
	is(msp_bundle(m8, 3, out, err, sizeof err), MSP_ERR_DATA, "no common span");
	ok(msp_bundle_same_sensor(m[0], m[1]) && !msp_bundle_same_sensor(m[0], x5) == 0,
	   "same sensor: net, sta, loc, first two chan letters");
	msp_meta_set_string(x5->meta, "loc", "10");
	ok(!msp_bundle_same_sensor(m[0], x5), "another loc is another sensor");
	for (int k = 0; k < 4; k++)
		msp_record_free(m[k]);
	msp_record_free(x5);
	msp_record_free(nohang);
	msp_record_free(fast);
	msp_record_free(far);
	msp_record_free(out);
}

int main(void)
{
	test_angles();
	test_bundle_rotate();
	test_cut_and_rules();
	return done_testing();
}
