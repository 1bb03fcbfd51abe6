/*
 * geo.c - geodesy for source-receiver geometry: the geodesic distance and
 * azimuths on the WGS84 ellipsoid (Vincenty's inverse formula, as ObsPy's
 * gps2dist_azimuth / calc_vincenty_inverse), and the great-circle distance
 * in degrees on a sphere (as ObsPy's locations2degrees, the distance that
 * travel-time tables take).
 *
 * Vincenty's fixed-point iteration does not converge for nearly antipodal
 * points; there the same equation is solved by bisection, and where it has
 * no root short of pi (the geodesic passes near a pole) the geodesic is
 * found by its azimuth: the one that crosses the second latitude at the
 * second longitude.  ObsPy without
 * geographiclib gives up there (20004314.5 m and azimuths 0); with it, it
 * uses Karney's algorithm, which test_geo.c takes as the reference.
 */
#include <math.h>
#include "msp_taup.h"
#include "msp_status.h"

#define WGS84_A 6378137.0
#define WGS84_F (1.0 / 298.257223563)
#define RAD (M_PI / 180.0)

static double wrap360(double a)
{
	a = fmod(a, 360.0);
	if (a < 0)
		a += 360.0;
	if (a >= 360.0)
		a -= 360.0;
	return a;
}

/* Vincenty's auxiliary-sphere quantities for a trial lambda; returns the
 * lambda the geodesic equations give back (Vincenty's fixed-point map). */
typedef struct vinc {
	double sinU1, cosU1, sinU2, cosU2;
	double sinLambda, cosLambda, sinSigma, cosSigma, sigma, sinAlpha, cos2Alpha, cos2SigmaM;
} vinc;

static double vinc_map(vinc *v, double L, double lambda)
{
	const double f = WGS84_F;
	v->sinLambda = sin(lambda);
	v->cosLambda = cos(lambda);
	double t1 = v->cosU2 * v->sinLambda, t2 = v->cosU1 * v->sinU2 - v->sinU1 * v->cosU2 * v->cosLambda;
	v->sinSigma = sqrt(t1 * t1 + t2 * t2);
	v->cosSigma = v->sinU1 * v->sinU2 + v->cosU1 * v->cosU2 * v->cosLambda;
	v->sigma = atan2(v->sinSigma, v->cosSigma);
	v->sinAlpha = v->sinSigma > 0 ? v->cosU1 * v->cosU2 * v->sinLambda / v->sinSigma : 0;
	v->cos2Alpha = 1 - v->sinAlpha * v->sinAlpha;
	v->cos2SigmaM = v->cos2Alpha != 0 ? v->cosSigma - 2 * v->sinU1 * v->sinU2 / v->cos2Alpha : 0;
	double C = f / 16 * v->cos2Alpha * (4 + f * (4 - 3 * v->cos2Alpha));
	return L + (1 - C) * f * v->sinAlpha *
	       (v->sigma + C * v->sinSigma * (v->cos2SigmaM + C * v->cosSigma * (-1 + 2 * v->cos2SigmaM * v->cos2SigmaM)));
}

/* Vincenty's inverse formula.  The fixed-point iteration on lambda first (as
 * ObsPy); when it does not converge (nearly antipodal points) the same
 * equation lambda = map(lambda) is solved by bisection, which always has a
 * bracket: map(|L|) >= |L| and map(pi) = |L| < pi. */
/* The geodesic from latitude lat1 with azimuth alpha1 (radians), followed
 * on Vincenty's auxiliary sphere to where it crosses latitude lat2 near the
 * antipode (the crossing with sigma nearest pi): the longitude it has gained
 * there, its length and its azimuth there.  0 on success, -1 when the
 * geodesic never reaches lat2. */
static int cross_lat(double U1, double U2, double alpha1, double *lam, double *s, double *alpha2)
{
	const double a = WGS84_A, f = WGS84_F, b = a * (1 - f);
	double sinU1 = sin(U1), cosU1 = cos(U1), sa1 = sin(alpha1), ca1 = cos(alpha1);
	double A0 = sinU1, B0 = cosU1 * ca1, R = sqrt(A0 * A0 + B0 * B0), sU2 = sin(U2);
	if (fabs(sU2) > R)
		return -1;
	/* sin U2 = R sin(sigma + phi) */
	double phi = atan2(A0, B0), as = asin(sU2 / R), best = -1, sigma = 0;
	double cand[4] = {as - phi, M_PI - as - phi, as - phi + 2 * M_PI, M_PI - as - phi + 2 * M_PI};
	for (int i = 0; i < 4; i++) {
		double c = fmod(cand[i] + 4 * M_PI, 2 * M_PI);
		if (best < 0 || fabs(c - M_PI) < fabs(sigma - M_PI)) {
			sigma = c;
			best = 1;
		}
	}
	double sinAlpha = cosU1 * sa1, cos2Alpha = 1 - sinAlpha * sinAlpha;
	double sigma1 = atan2(tan(U1), ca1);
	double uSq = cos2Alpha * (a * a - b * b) / (b * b);
	double Ak = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
	double Bk = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
	double ss = sin(sigma), cs = cos(sigma), c2 = cos(2 * sigma1 + sigma);
	double dSigma = Bk * ss * (c2 + Bk / 4 * (cs * (-1 + 2 * c2 * c2) - Bk / 6 * c2 * (-3 + 4 * ss * ss) * (-3 + 4 * c2 * c2)));
	*s = b * Ak * (sigma - dSigma);
	double omega = atan2(ss * sa1, cosU1 * cs - sinU1 * ss * ca1);
	if (omega < 0)
		omega += 2 * M_PI; /* eastward geodesics (0 < alpha1 < pi) gain longitude */
	double C = f / 16 * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
	*lam = omega - (1 - C) * f * sinAlpha * (sigma + C * ss * (c2 + C * cs * (-1 + 2 * c2 * c2)));
	*alpha2 = atan2(sinAlpha, -sinU1 * ss + cosU1 * cs * ca1);
	return 0;
}

/* Nearly antipodal points whose shortest geodesic passes near a pole: find
 * the azimuths alpha1 in (0, pi) (eastward; westward by symmetry) whose
 * geodesic crosses lat2 at longitude |L|, by a scan and bisection, and keep
 * the shortest.  0 on success. */
static int polar_route(double lat1, double lat2, double L, double *s, double *az1, double *az2)
{
	const double f = WGS84_F;
	double U1 = atan((1 - f) * tan(lat1 * RAD)), U2 = atan((1 - f) * tan(lat2 * RAD));
	double target = fabs(L), bests = INFINITY, besta1 = 0, besta2 = 0;
	const int n = 720;
	double prev_a = 0, prev_g = NAN;
	for (int i = 0; i <= n; i++) {
		double al = M_PI * i / n, lam, len, a2;
		double g = cross_lat(U1, U2, al, &lam, &len, &a2) == 0 ? lam - target : NAN;
		if (g == 0 && len < bests - 1e-6) { /* ties: the first (northern) route */
			bests = len;
			besta1 = al;
			besta2 = a2;
		} else if (i > 0 && isfinite(g) && isfinite(prev_g) && (g > 0) != (prev_g > 0)) {
			double lo = prev_a, hi = al, glo = prev_g;
			for (int k = 0; k < 100 && hi - lo > 1e-15; k++) {
				double mid = 0.5 * (lo + hi), gm;
				if (cross_lat(U1, U2, mid, &lam, &len, &a2))
					break;
				gm = lam - target;
				if ((gm > 0) == (glo > 0)) {
					lo = mid;
					glo = gm;
				} else {
					hi = mid;
				}
			}
			double mid = 0.5 * (lo + hi);
			if (cross_lat(U1, U2, mid, &lam, &len, &a2) == 0 && len < bests - 1e-6) {
				bests = len;
				besta1 = mid;
				besta2 = a2;
			}
		}
		prev_a = al;
		prev_g = g;
	}
	if (!isfinite(bests))
		return -1;
	*s = bests;
	if (L < 0) { /* westward: the mirror image */
		besta1 = -besta1;
		besta2 = -besta2;
	}
	*az1 = besta1 / RAD;
	*az2 = besta2 / RAD + 180.0;
	return 0;
}

static void vincenty_inverse(double lat1, double lon1, double lat2, double lon2, double *s,
                             double *az1, double *az2);
static void vincenty_inverse(double lat1, double lon1, double lat2, double lon2, double *s,
                             double *az1, double *az2)
{
	const double a = WGS84_A, f = WGS84_F, b = a * (1 - f);
	double L = remainder((lon2 - lon1) * RAD, 2 * M_PI);
	vinc v;
	if (lat1 == 0 && lat2 == 0 && fabs(L) > (1 - f) * M_PI &&
	    polar_route(lat1, lat2, L, s, az1, az2) == 0) {
		/* both on the equator and nearly antipodal: the shortest
		 * geodesic leaves the equator, which Vincenty's equation in
		 * lambda cannot express for points on it */
		return;
	}
	double U1 = atan((1 - f) * tan(lat1 * RAD)), U2 = atan((1 - f) * tan(lat2 * RAD));
	v.sinU1 = sin(U1); v.cosU1 = cos(U1); v.sinU2 = sin(U2); v.cosU2 = cos(U2);
	double lambda = L, lambdaP;
	int iter = 0, conv = 0;
	do {
		lambdaP = lambda;
		lambda = vinc_map(&v, L, lambda);
		if (v.sinSigma == 0) { /* coincident points */
			*s = 0;
			*az1 = *az2 = 0;
			return;
		}
		if (fabs(lambda) > M_PI)
			break;
		if (fabs(lambda - lambdaP) <= 1e-12) {
			conv = 1;
			break;
		}
	} while (++iter < 200);
	if (!conv) {
		/* bisection on g(lambda) = map(lambda) - lambda over [|L|, pi],
		 * in the sign of L */
		double sg = L < 0 ? -1 : 1, lo = fabs(L), hi = M_PI;
		for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
			double mid = 0.5 * (lo + hi);
			double g = sg * vinc_map(&v, L, sg * mid) - mid;
			if (g > 0)
				lo = mid;
			else
				hi = mid;
		}
		if (M_PI - 0.5 * (lo + hi) < 1e-13) {
			/* no root short of pi: the shortest geodesic passes
			 * near a pole, beyond what Vincenty's equation in
			 * lambda expresses; solve for the azimuth instead */
			if (polar_route(lat1, lat2, L, s, az1, az2) == 0)
				return;
			/* not reached for valid input; the route over a pole */
			double sn, ss, x, y;
			vincenty_inverse(lat1, lon1, 90, lon1, &sn, &x, &y);
			vincenty_inverse(90, lon2, lat2, lon2, &ss, &x, &y);
			sn += ss;
			vincenty_inverse(lat1, lon1, -90, lon1, &ss, &x, &y);
			double s2;
			vincenty_inverse(-90, lon2, lat2, lon2, &s2, &x, &y);
			ss += s2;
			*s = sn <= ss ? sn : ss;
			*az1 = *az2 = sn <= ss ? 0.0 : 180.0;
			return;
		}
		lambda = sg * 0.5 * (lo + hi);
		vinc_map(&v, L, lambda);
	}
	double uSq = v.cos2Alpha * (a * a - b * b) / (b * b);
	double A = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
	double B = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
	double c2 = v.cos2SigmaM, sS = v.sinSigma, cS = v.cosSigma;
	double dSigma = B * sS * (c2 + B / 4 * (cS * (-1 + 2 * c2 * c2) - B / 6 * c2 * (-3 + 4 * sS * sS) * (-3 + 4 * c2 * c2)));
	*s = b * A * (v.sigma - dSigma);
	*az1 = atan2(v.cosU2 * v.sinLambda, v.cosU1 * v.sinU2 - v.sinU1 * v.cosU2 * v.cosLambda) / RAD;
	/* azimuth at point 2 of the geodesic, reversed: the back-azimuth */
	*az2 = atan2(v.cosU1 * v.sinLambda, -v.sinU1 * v.cosU2 + v.cosU1 * v.sinU2 * v.cosLambda) / RAD + 180.0;
}

int msp_geo_inverse(double lat1, double lon1, double lat2, double lon2, double *dist_m,
                    double *az12, double *az21)
{
	if (!isfinite(lat1) || !isfinite(lon1) || !isfinite(lat2) || !isfinite(lon2))
		return MSP_ERR_INVAL;
	if (fabs(lat1) > 90 || fabs(lat2) > 90)
		return MSP_ERR_RANGE;
	double s, a1, a2;
	vincenty_inverse(lat1, lon1, lat2, lon2, &s, &a1, &a2);
	if (dist_m)
		*dist_m = s;
	if (az12)
		*az12 = wrap360(a1);
	if (az21)
		*az21 = wrap360(a2);
	return MSP_OK;
}

double msp_geo_delta_deg(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * RAD, p2 = lat2 * RAD, dl = (lon2 - lon1) * RAD;
	double x = cos(p2) * sin(dl);
	double y = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
	double z = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(dl);
	return atan2(sqrt(x * x + y * y), z) / RAD;
}
