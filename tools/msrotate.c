/*
 * msrotate - rotate Seismograms: back to east, north, up; to radial,
 * transverse, vertical; to L, Q, T; or through the free-surface transform
 * to P, SV, SH.  Angles come from metadata keys (msptime posts them) or
 * from options.
 *
 *   Seismograms -> rotated Seismograms (tmatrix, cardinal, orthogonal kept)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tool.h"
#include "msp_meta.h"
#include "msp_rotate.h"

enum {
	OPT_ENZ = MST_LONG + 1, OPT_RTZ, OPT_LQT, OPT_FST,
	OPT_BAZKEY, OPT_BAZ, OPT_INCKEY, OPT_INC, OPT_PKEY, OPT_P, OPT_VP, OPT_VS,
};

static const mst_opt opts[] = {
	{"to-enz", OPT_ENZ, NULL, "rotate to east, north, up (MsPASS rotate_to_standard)"},
	{"rtz", OPT_RTZ, NULL, "rotate to radial, transverse, vertical (needs the back-azimuth)"},
	{"lqt", OPT_LQT, NULL, "rotate to L, Q, T (needs back-azimuth and incidence angle)"},
	{"fst", OPT_FST, NULL, "free-surface transform to P, SV, SH (needs baz, ray parameter, vp, vs)"},
	{"baz-key", OPT_BAZKEY, "KEY", "metadata key of the back-azimuth in degrees (default seaz)"},
	{"baz", OPT_BAZ, "DEG", "back-azimuth for every record (instead of a key)"},
	{"incidence-key", OPT_INCKEY, "KEY", "key of the incidence angle from vertical, degrees"},
	{"incidence", OPT_INC, "DEG", "incidence angle for every record (instead of a key)"},
	{"rayp-key", OPT_PKEY, "KEY", "key of the ray parameter in s/deg (default rayp_P)"},
	{"rayp", OPT_P, "S/DEG", "ray parameter for every record, s/deg (instead of a key)"},
	{"vp", OPT_VP, "KM/S", "near-surface P velocity (--fst; --lqt without an angle; default 6.0)"},
	{"vs", OPT_VS, "KM/S", "--fst: near-surface S velocity (default 3.5)"},
	{0},
};

static const mst_prog prog = {
	.name = "msrotate",
	.usage = "--to-enz | --rtz | --lqt | --fst [OPTIONS] < SEISMOGRAMS > SEISMOGRAMS",
	.summary = "Rotate three-component records (ENZ, RTZ, LQT, free-surface P-SV-SH).",
	.description =
	    "Every rotation first returns the data to east, north, up with the record's tmatrix\n"
	    "(inverted when the components are not orthogonal), then applies the new basis and\n"
	    "stores it as the tmatrix.  Signs follow ObsPy's rotate_ne_rt and rotate_zne_lqt.\n"
	    "A record without the angle it needs is killed with an elog entry; dead records and\n"
	    "TimeSeries pass through untouched.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

static const char *sys_name[] = {"", "ENZ", "RTZ", "LQT", "PSVSH"};

static int angle(msp_record *rec, const char *key, int have_fixed, double fixed, double *v,
                 const char *what)
{
	if (have_fixed) {
		*v = fixed;
		return 0;
	}
	if (msp_meta_get_double(rec->meta, key, v) || !isfinite(*v)) {
		msp_record_kill(rec, "msrotate", "%s key %s is missing or not a number", what, key);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *arg;
	int c, mode = 0, nmodes = 0;
	const char *bazkey = "seaz", *inckey = NULL, *pkey = "rayp_P";
	int have_baz = 0, have_inc = 0, have_p = 0;
	double baz = 0, inc = 0, rayp = 0, vp = 6.0, vs = 3.5;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_ENZ: mode = 1; nmodes++; break;
		case OPT_RTZ: mode = 2; nmodes++; break;
		case OPT_LQT: mode = 3; nmodes++; break;
		case OPT_FST: mode = 4; nmodes++; break;
		case OPT_BAZKEY: bazkey = arg; break;
		case OPT_BAZ: baz = mst_arg_double_range("--baz", arg, -360, 360); have_baz = 1; break;
		case OPT_INCKEY: inckey = arg; break;
		case OPT_INC: inc = mst_arg_double_range("--incidence", arg, 0, 180); have_inc = 1; break;
		case OPT_PKEY: pkey = arg; break;
		case OPT_P: rayp = mst_arg_double_range("--rayp", arg, 0, 1000); have_p = 1; break;
		case OPT_VP: vp = mst_arg_double_range("--vp", arg, 1e-6, 1e6); break;
		case OPT_VS: vs = mst_arg_double_range("--vs", arg, 1e-6, 1e6); break;
		}
	}
	if (optind < argc)
		mst_usage("unexpected argument \"%s\" (records come on stdin)", argv[optind]);
	if (nmodes != 1)
		mst_usage("give exactly one of --to-enz, --rtz, --lqt, --fst");
	if (mode == 4 && !(vs < vp))
		mst_usage("--fst: vs must be below vp");

	msp_reader *in = mst_open_input();
	msp_writer *out = mst_open_output();
	msp_record *rec = mst_record_new();
	uint64_t n = 0;
	char err[256];
	while (mst_read(in, rec)) {
		mst_progress(++n);
		if (!rec->live || rec->kind != MSP_SEISMOGRAM) {
			mst_write(out, rec);
			continue;
		}
		double a[3][3];
		int rc = 0, bad = 0;
		switch (mode) {
		case 1:
			rc = msp_rotate_to_standard(rec, err, sizeof err);
			break;
		case 2:
			bad = angle(rec, bazkey, have_baz, baz, &baz, "back-azimuth");
			if (!bad) {
				msp_rtz_basis(baz, a);
				rc = msp_rotate_basis(rec, a, err, sizeof err);
			}
			break;
		case 3:
			bad = angle(rec, bazkey, have_baz, baz, &baz, "back-azimuth");
			if (!bad && (have_inc || inckey)) {
				bad = angle(rec, inckey, have_inc, inc, &inc, "incidence angle");
			} else if (!bad) {
				/* no angle given: from the ray parameter, sin(i) = p vp */
				bad = angle(rec, pkey, have_p, rayp, &rayp, "ray parameter");
				double s = rayp / (6371.0 * M_PI / 180.0) * vp;
				if (!bad && !(s >= 0 && s <= 1)) {
					msp_record_kill(rec, "msrotate",
					                "--lqt: ray parameter %g s/deg is beyond 1/vp", rayp);
					bad = 1;
				}
				if (!bad)
					inc = asin(s) * 180.0 / M_PI;
			}
			if (!bad) {
				msp_lqt_basis(baz, inc, a);
				rc = msp_rotate_basis(rec, a, err, sizeof err);
			}
			break;
		case 4:
			bad = angle(rec, bazkey, have_baz, baz, &baz, "back-azimuth") ||
			      angle(rec, pkey, have_p, rayp, &rayp, "ray parameter");
			if (!bad) {
				/* s/deg -> s/km on the mean Earth radius */
				double p = rayp / (6371.0 * M_PI / 180.0);
				if (msp_fst_matrix(baz, p, vp, vs, a)) {
					msp_record_kill(rec, "msrotate",
					                "--fst: ray parameter %g s/deg is not below 1/vp", rayp);
					bad = 1;
				} else {
					rc = msp_rotate_basis(rec, a, err, sizeof err);
				}
			}
			break;
		}
		if (rc == MSP_ERR_NOMEM)
			mst_fatal("out of memory");
		if (rc)
			msp_record_kill(rec, "msrotate", "%s", err);
		if (!bad && !rc)
			msp_meta_set_string(rec->meta, "rotation", sys_name[mode]);
		mst_history(rec);
		mst_write(out, rec);
	}
	mst_progress_done(n);
	mst_finish_output(out);
	mst_close_input(in);
	msp_record_free(rec);
	return 0;
}
