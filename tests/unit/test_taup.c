/*
 * test_taup.c - travel times (lib/taup.c) against independent references:
 *   - ObsPy's TauPyModel (TauP) for iasp91 and ak135: first P and S on the grid
 *     10..95 deg x depths 0, 10, 35, 100, 300, 600 km, the first P and S
 *     families at random points over 0..700 km x 0.2..179.5 deg, and named
 *     phases at a few points (tests/unit/data/taup_ref.txt, made by
 *     scripts/gen-taup-ref.py);
 *   - the published IASPEI 1991 tables (Kennett 1991, the iasp91 booklet):
 *     surface-focus P at 23..28 deg, inside the 410/660 km triplication;
 *   - closed-form limits (vertical ray: the integral of 1/v over depth).
 * The largest differences are printed as TAP comments.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_status.h"
#include "msp_taup.h"
#include "tap.h"

static FILE *open_ref(const char *argv0)
{
	FILE *f = fopen("tests/unit/data/taup_ref.txt", "r");
	if (!f) { /* run from elsewhere: build/tests/test_taup -> ../../tests/unit/data */
		char path[4096];
		snprintf(path, sizeof path, "%s", argv0);
		char *s = strrchr(path, '/');
		if (s) {
			snprintf(s, sizeof path - (size_t)(s - path), "/../../tests/unit/data/taup_ref.txt");
			f = fopen(path, "r");
		}
	}
	return f;
}

/* Vertical P from a surface source to the CMB and back (PcP at 0 deg) is
 * twice the integral of dr / v(r) through iasp91: done here by Simpson's rule
 * on the model polynomials, independently of the tau sums. */
static double vp_iasp91(double r)
{
	double x = r / 6371.0;
	if (r > 6351) return 5.8;
	if (r > 6336) return 6.5;
	if (r > 6251) return 8.78541 - 0.74953 * x;
	if (r > 6161) return 25.41389 - 17.69722 * x;
	if (r > 5961) return 30.78765 - 23.25415 * x;
	if (r > 5711) return 29.38896 - 21.40656 * x;
	if (r > 5611) return 25.969838 - 16.934118 * x;
	if (r > 3631) return 25.1486 + x * (-41.1538 + x * (51.9932 - 26.6083 * x));
	return 14.49470 - 1.47089 * x;
}

static double simpson_slowness(double r1, double r2)
{
	int n = 2000;
	double h = (r2 - r1) / n, s = 1 / vp_iasp91(r1 + 1e-9) + 1 / vp_iasp91(r2 - 1e-9);
	for (int i = 1; i < n; i++)
		s += (i % 2 ? 4 : 2) / vp_iasp91(r1 + i * h);
	return s * h / 3;
}

int main(int argc, char **argv)
{
	(void)argc;
	msp_earth *mi = NULL, *ma = NULL;
	ok(msp_earth_open(&mi, "iasp91") == MSP_OK, "open iasp91");
	ok(msp_earth_open(&ma, "ak135") == MSP_OK, "open ak135");
	msp_earth *bad = NULL;
	ok(msp_earth_open(&bad, "prem") == MSP_ERR_NOTFOUND && bad == NULL, "unknown model refused");
	if (!mi || !ma)
		return done_testing();

	/* --- TauP grid and named phases */
	FILE *f = open_ref(argv[0]);
	ok(f != NULL, "reference table tests/unit/data/taup_ref.txt found");
	if (f) {
		char line[256], model[16], phase[16];
		double h, d, t, rp;
		double maxdt[2][2] = {{0}}, maxdp[2][2] = {{0}}, maxnamed = 0, maxx[2] = {0}, maxall = 0;
		int nall = 0, narr = 0, badall = 0;
		int nfam[2][2] = {{0}}, nnamed = 0, bad_named = 0, nx[2] = {0}, badx[2] = {0};
		while (fgets(line, sizeof line, f)) {
			char ts[32], rs[32];
			if (line[0] == 'N' && line[1] == ' ') { /* every arrival of a named phase */
				int off = 0;
				if (sscanf(line + 2, "%15s %lf %lf %15s %n", model, &h, &d, phase, &off) < 4)
					continue;
				double ref[64];
				int nr = 0;
				char *p = line + 2 + off, *e;
				if (strncmp(p, "none", 4))
					for (double v; nr < 64 && (v = strtod(p, &e), e != p); p = e)
						ref[nr++] = v;
				msp_arrival a[64];
				int na = 0, good = 1;
				msp_earth_arrivals(mi, h, d, phase, a, 64, &na);
				for (int i = 0; i < nr; i++) {
					double best = INFINITY;
					for (int j = 0; j < na; j++)
						if (fabs(a[j].time - ref[i]) < best)
							best = fabs(a[j].time - ref[i]);
					if (best > 0.1)
						good = 0;
					else if (best > maxall)
						maxall = best;
				}
				for (int j = 0; j < na; j++) { /* and no arrival TauP does not have */
					double best = INFINITY;
					for (int i = 0; i < nr; i++)
						if (fabs(a[j].time - ref[i]) < best)
							best = fabs(a[j].time - ref[i]);
					if (best > 0.1)
						good = 0;
				}
				nall++;
				narr += nr;
				if (!good) {
					badall++;
					printf("# h=%g d=%g %s: TauP %d arrivals, mspipe %d, not matched\n", h, d, phase, nr, na);
				}
				continue;
			}
			if (line[0] == '#' || sscanf(line, "%15s %lf %lf %15s %31s %31s", model, &h, &d, phase, ts, rs) != 6)
				continue;
			int im = !strcmp(model, "ak135");
			msp_earth *m = im ? ma : mi;
			if (!strcmp(phase, "P1x") || !strcmp(phase, "S1x")) {
				/* the whole range: the family must exist exactly when TauP's does */
				msp_arrival a;
				int st = msp_earth_first(m, h, d, phase[0] == 'S' ? "S" : "P", &a);
				nx[im]++;
				if (!strcmp(ts, "none")) {
					if (st != MSP_ERR_NOTFOUND) {
						badx[im]++;
						printf("# %s h=%g d=%g %s: TauP has none, mspipe %s %.4f\n", model, h, d, phase, a.phase, a.time);
					}
					continue;
				}
				double dt = st ? INFINITY : fabs(a.time - atof(ts));
				if (dt > maxx[im]) maxx[im] = dt;
				if (!(dt <= 0.1)) {
					badx[im]++;
					printf("# %s h=%g d=%g %s: got %.4f (%s), TauP %s\n", model, h, d, phase, st ? NAN : a.time,
					       st ? "none" : a.phase, ts);
				}
				continue;
			}
			t = atof(ts);
			rp = atof(rs);
			if (!strcmp(phase, "P1") || !strcmp(phase, "S1")) {
				int is = phase[0] == 'S';
				msp_arrival a;
				int st = msp_earth_first(m, h, d, is ? "S" : "P", &a);
				double dt = st ? INFINITY : fabs(a.time - t), dp = st ? INFINITY : fabs(a.rayp - rp);
				nfam[im][is]++;
				if (dt > maxdt[im][is]) maxdt[im][is] = dt;
				if (dp > maxdp[im][is]) maxdp[im][is] = dp;
				if (!(dt <= 0.1))
					printf("# %s h=%g d=%g %s: got %.4f (%s) rayp %.4f, TauP %.4f rayp %.4f\n", model, h, d,
					       phase, st ? NAN : a.time, st ? "none" : a.phase, st ? NAN : a.rayp, t, rp);
			} else {
				msp_arrival a[64];
				int n = 0;
				msp_earth_arrivals(m, h, d, phase, a, 64, &n);
				double best = INFINITY;
				for (int i = 0; i < n; i++)
					if (fabs(a[i].time - t) < best)
						best = fabs(a[i].time - t);
				nnamed++;
				if (best > maxnamed) maxnamed = best;
				if (!(best <= 0.1)) {
					bad_named++;
					printf("# %s h=%g d=%g %s: TauP %.4f, nearest mspipe differs by %.4f (%d arrivals)\n",
					       model, h, d, phase, t, best, n);
				}
			}
		}
		fclose(f);
		const char *mn[2] = {"iasp91", "ak135"}, *fn[2] = {"P", "S"};
		for (int im = 0; im < 2; im++)
			for (int is = 0; is < 2; is++) {
				printf("# %s first %s: %d points, max |dT| = %.4f s, max |d rayp| = %.5f s/deg\n", mn[im],
				       fn[is], nfam[im][is], maxdt[im][is], maxdp[im][is]);
				ok(nfam[im][is] >= 100 && maxdt[im][is] <= 0.1,
				   "%s first %s within 0.1 s of TauP on the 10..95 deg x 0..600 km grid", mn[im], fn[is]);
				ok(maxdp[im][is] <= 0.02, "%s first %s ray parameter within 0.02 s/deg of TauP", mn[im], fn[is]);
			}
		printf("# named phases: %d TauP arrivals, max |dT| to the nearest mspipe arrival %.4f s\n", nnamed, maxnamed);
		ok(nnamed > 50 && bad_named == 0, "every named TauP arrival matched within 0.1 s");
		printf("# 19 named phases at 80 random points: %d phase lists, %d TauP arrivals, max |dT| %.4f s\n", nall,
		       narr, maxall);
		ok(nall == 80 * 19 && badall == 0, "every arrival of every named phase as TauP, none extra (iasp91)");
		for (int im = 0; im < 2; im++) {
			printf("# %s whole range (0..700 km, 0.2..179.5 deg): %d families, max |dT| = %.4f s\n", mn[im], nx[im], maxx[im]);
			ok(nx[im] >= 400 && badx[im] == 0, "%s: first P and S families as TauP over the whole range", mn[im]);
		}
	}

	/* --- the IASPEI 1991 tables (Kennett 1991): surface focus P, min:s */
	static const double booklet[][2] = {
		{23, 5 * 60 + 6.34}, {24, 5 * 60 + 16.31}, {25, 5 * 60 + 25.43},
		{26, 5 * 60 + 34.51}, {27, 5 * 60 + 43.54}, {28, 5 * 60 + 52.50},
	};
	double maxb = 0;
	for (size_t i = 0; i < sizeof booklet / sizeof booklet[0]; i++) {
		msp_arrival a;
		int st = msp_earth_first(mi, 0, booklet[i][0], "P", &a);
		double dt = st ? INFINITY : fabs(a.time - booklet[i][1]);
		if (dt > maxb) maxb = dt;
		near(st ? NAN : a.time, booklet[i][1], 0.1, "iasp91 P at %g deg, 0 km as in the IASPEI 1991 tables", booklet[i][0]);
	}
	printf("# IASPEI 1991 tables, P 0 km 23..28 deg: max |dT| = %.4f s\n", maxb);

	/* --- vertical rays against direct quadrature of 1/v */
	{
		msp_arrival a[8];
		int n = 0;
		double tv = 2 * simpson_slowness(3482.0, 6371.0);
		ok(msp_earth_arrivals(mi, 0, 0, "PcP", a, 8, &n) == MSP_OK && n == 1, "PcP at 0 deg: one arrival");
		near(n ? a[0].time : NAN, tv, 0.02, "PcP at 0 deg = 2 x integral of dr/vp (Simpson)");
		near(n ? a[0].rayp : NAN, 0, 1e-9, "PcP at 0 deg has p = 0");
	}

	/* --- Benndorf's relation dT/ddelta = p: finite differences of the first
	 * P and S times against the ray parameters reported, over 1..179 deg */
	{
		double worst = 0;
		int n = 0;
		for (int fam = 0; fam < 2; fam++)
			for (double h = 0; h <= 700; h += 175)
				for (double d = 1; d < 179; d += 0.7) {
					msp_arrival a, b;
					const double dd = 1e-3;
					if (msp_earth_first(mi, h, d, fam ? "S" : "P", &a) ||
					    msp_earth_first(mi, h, d + dd, fam ? "S" : "P", &b) ||
					    strcmp(a.phase, b.phase) || fabs(a.rayp - b.rayp) > 0.01)
						continue; /* none, or the first arrival changes branch */
					double e = fabs((b.time - a.time) / dd - 0.5 * (a.rayp + b.rayp));
					if (e > worst)
						worst = e;
					n++;
				}
		printf("# dT/ddelta vs rayp at %d points: max difference %.2g s/deg\n", n, worst);
		ok(n > 1000 && worst < 2e-3, "dT/ddelta = p (Benndorf) within 2e-3 s/deg");
	}

	/* --- shape of the results */
	{
		msp_arrival a, b[32];
		int n = 0;
		ok(msp_earth_first(mi, 19.7, 86.8, "P", &a) == MSP_OK && !strcmp(a.phase, "P"), "first P at 86.8 deg is P");
		ok(a.takeoff > 0 && a.takeoff < 90 && a.incident > 0 && a.incident < 90, "P angles in (0, 90)");
		ok(msp_earth_first(mi, 10, 120, "P", &a) == MSP_OK && !strcmp(a.phase, "Pdiff"), "first P at 120 deg is Pdiff (%s)", a.phase);
		/* as TauP: Pdiff is followed for 60 deg past grazing (~98 deg) */
		ok(msp_earth_first(mi, 10, 150, "P", &a) == MSP_OK && !strcmp(a.phase, "Pdiff"), "first P at 150 deg is Pdiff as in TauP");
		ok(msp_earth_first(mi, 10, 160, "P", &a) == MSP_OK && !strcmp(a.phase, "PKIKP"), "first P at 160 deg is PKIKP as in TauP (%s)", a.phase);
		ok(msp_earth_first(mi, 10, 170, "S", &a) == MSP_ERR_NOTFOUND, "no S family arrival at 170 deg (Sdiff ends 60 deg past grazing)");
		ok(msp_earth_first(mi, 10, 160, "PKIKP", &a) == MSP_OK && a.time > 1100 && a.time < 1300, "PKIKP at 160 deg");
		ok(msp_earth_first(mi, 600, 3, "P", &a) == MSP_OK && !strcmp(a.phase, "p"), "first P at 3 deg from 600 km is upgoing p");
		ok(msp_earth_first(mi, 10, 100, "PcP", &a) == MSP_ERR_NOTFOUND, "no PcP beyond its range");
		int st = msp_earth_arrivals(mi, 100, 20, "P", b, 32, &n);
		ok(st == MSP_OK && n >= 3, "P triplication at 20 deg: %d branches", n);
		for (int i = 1; i < n; i++)
			if (b[i].time < b[i - 1].time) { ok(0, "arrivals sorted"); break; }
		ok(msp_earth_arrivals(mi, 100, 20, "P", b, 1, &n) == MSP_OK && n == 1, "max bounds the count");
		ok(msp_earth_first(mi, 100, 20, "P", &a) == MSP_OK && fabs(a.time - b[0].time) < 1e-9, "max 1 keeps the earliest");
		ok(msp_earth_first(mi, 10, 50, "P", &a) == MSP_OK && msp_earth_first(mi, 10, 360 - 50, "P", b) == MSP_OK &&
		   fabs(a.time - b[0].time) < 1e-9, "distance 310 deg is 50 deg");
		ok(msp_earth_first(mi, -1, 50, "P", &a) == MSP_ERR_RANGE, "negative depth refused");
		ok(msp_earth_first(mi, 3000, 50, "P", &a) == MSP_ERR_RANGE, "source in the core refused");
		ok(msp_earth_first(mi, 10, NAN, "P", &a) == MSP_ERR_INVAL, "NaN distance refused");
		ok(msp_earth_first(mi, 10, 50, "Q", &a) == MSP_ERR_NOTFOUND, "unknown phase refused");
		ok(msp_earth_arrivals(mi, 10, 50, "P,,S", b, 32, &n) == MSP_ERR_INVAL, "empty phase name refused");
		/* the cache: many depths, then the first again gives the same answer */
		double t0 = 0;
		msp_earth_first(mi, 33, 40, "S", &a);
		t0 = a.time;
		for (int i = 0; i < 40; i++)
			msp_earth_first(mi, 5.0 + i, 40, "S", &a);
		ok(msp_earth_first(mi, 33, 40, "S", &a) == MSP_OK && a.time == t0, "depth cache evicts and rebuilds identically");
	}
	msp_earth_close(mi);
	msp_earth_close(ma);
	msp_earth_close(NULL);
	return done_testing();
}
