/*
 * msp_taup.h - travel times in a 1-D Earth model (iasp91; ak135) by tau-p
 * integration through the published velocity model, and geodesy on the
 * WGS84 ellipsoid.  Implemented in lib/taup.c and lib/geo.c.
 */
#ifndef MSP_TAUP_H
#define MSP_TAUP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_earth msp_earth;

typedef struct msp_arrival {
	char phase[16];   /* "P", "Pdiff", "pP", "S", ... */
	double time;      /* travel time, s */
	double rayp;      /* ray parameter, s/deg */
	double takeoff;   /* take-off angle at the source, deg from down (> 90: upgoing) */
	double incident;  /* incidence angle at the receiver, deg from the vertical */
} msp_arrival;

/* Open a model by name: "iasp91" (always) or "ak135"; MSP_ERR_NOTFOUND for
 * another name.  Cheap: tables are built on first use and cached in the
 * handle (per model, and for the 16 most recent source depths).  A handle
 * is not safe to share between threads. */
int msp_earth_open(msp_earth **out, const char *model);
void msp_earth_close(msp_earth *m);

/* All arrivals of the comma-separated phases ("P,S,pP") at a source depth and
 * epicentral distance, sorted by time; every branch of a triplication, and
 * rays that go the long way round (360 - dist) where the phase reaches.
 * *n gets the count (<= max; the earliest are kept).  depth_km in [0, depth
 * of the core) and dist_deg in [0, 360], else MSP_ERR_RANGE; NaN is
 * MSP_ERR_INVAL; an unknown phase name MSP_ERR_NOTFOUND.  The receiver is
 * at the surface; no ellipticity correction. */
int msp_earth_arrivals(msp_earth *m, double depth_km, double dist_deg, const char *phases,
                       msp_arrival *out, int max, int *n);
/* The first arrival among the P family ("P": p, P, Pdiff, PKP, PKiKP, PKIKP)
 * or the S family ("S": s, S, Sdiff), or of one named phase.  As TauP,
 * Pdiff and Sdiff reach 60 degrees past the grazing ray.  MSP_ERR_NOTFOUND
 * when there is none (no S family beyond about 160 degrees). */
int msp_earth_first(msp_earth *m, double depth_km, double dist_deg, const char *family,
                    msp_arrival *out);

/* 1 when name is a phase msp_earth_arrivals knows (P, S, p, s, pP, sP, sS,
 * pS, PP, SS, PcP, ScS, PKP, PKiKP, PKIKP, SKS, SKIKS, Pdiff, Sdiff); the
 * families "P" and "S" of msp_earth_first are among them. */
int msp_earth_phase_valid(const char *name);

/* Geodesic inverse problem on WGS84 (as ObsPy's gps2dist_azimuth): distance in
 * metres, azimuth from point 1 to 2 and back-azimuth from 2 to 1, degrees
 * clockwise from north in [0, 360). */
int msp_geo_inverse(double lat1, double lon1, double lat2, double lon2, double *dist_m,
                    double *az12, double *az21);
/* Epicentral distance in degrees on a sphere (as ObsPy's locations2degrees). */
double msp_geo_delta_deg(double lat1, double lon1, double lat2, double lon2);

#ifdef __cplusplus
}
#endif
#endif
