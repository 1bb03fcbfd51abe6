/*
 * msp_rotate.h - orientation of three-component records (Seismograms).
 *
 * As in MsPASS, row i of the 3x3 transformation matrix "tmatrix" is the unit
 * vector of component i in (East, North, Up).  It travels in the metadata as
 * "tmatrix" (9 numbers, row by row) with the flags "cardinal" (tmatrix is
 * the identity within 1e-4: components are E, N, Z) and "orthogonal".
 * A Seismogram without a tmatrix is taken as cardinal.
 *
 * Every rotation first returns the data to E, N, Z (MsPASS's
 * rotate_to_standard, which inverts a non-orthogonal tmatrix), then applies
 * the new basis and records it as the tmatrix.
 */
#ifndef MSP_ROTATE_H
#define MSP_ROTATE_H

#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tmatrix rows from channel orientations in degrees (hang: azimuth from
 * north; vang: angle from vertical up), as MsPASS's CoreSeismogram:
 * row = (sin(vang) cos(phi), sin(vang) sin(phi), cos(vang)), phi = 90 - hang. */
void msp_tmatrix_from_angles(const double hang[3], const double vang[3], double tm[3][3]);
/* 1 if tm is the identity within 1e-4 (MsPASS's tmatrix_is_cardinal). */
int msp_tmatrix_is_cardinal(const double tm[3][3]);
/* 1 if the rows are orthonormal within 1e-4. */
int msp_tmatrix_is_orthonormal(const double tm[3][3]);

/* Read the tmatrix of rec (identity if absent; MSP_ERR_FORMAT if malformed). */
int msp_seis_get_tmatrix(const msp_record *rec, double tm[3][3]);
/* Write tmatrix, cardinal and orthogonal into rec's metadata. */
int msp_seis_set_tmatrix(msp_record *rec, const double tm[3][3], int orthogonal);

/* Return the data to East, North, Up (MsPASS rotate_to_standard): transpose
 * for orthogonal data, inverse otherwise; MSP_ERR_DATA if the tmatrix is
 * singular (err says so).  tmatrix becomes the identity. */
int msp_rotate_to_standard(msp_record *rec, char *err, size_t errlen);

/* Rotate to the basis whose rows (unit vectors in E, N, Up) are a[3][3]:
 * to standard first, then component i = a[i] . (E, N, Up); tmatrix = a. */
int msp_rotate_basis(msp_record *rec, const double a[3][3], char *err, size_t errlen);

/* Bases (degrees), with ObsPy's conventions so results compare with
 * obspy.signal.rotate:
 *  RTZ: R = -E sin(baz) - N cos(baz) (away from the source),
 *       T = -E cos(baz) + N sin(baz), Z = Up          (rotate_ne_rt)
 *  LQT: L =  Z cos(i) - N sin(i) cos(baz) - E sin(i) sin(baz),
 *       Q =  Z sin(i) + N cos(i) cos(baz) + E cos(i) sin(baz),
 *       T =  E cos(baz) - N sin(baz)                   (rotate_zne_lqt) */
void msp_rtz_basis(double baz, double a[3][3]);
void msp_lqt_basis(double baz, double incidence, double a[3][3]);

/* Kennett's (1991) free-surface transform for ray parameter p (s/km) and
 * near-surface vp, vs (km/s): components P, SV, SH from (R, T, Z) as in
 * Bostock (1998) / Rondenay (2009), with R away from the source and Z up.
 * The result is not a rotation (tmatrix is set to the operator rows, and
 * orthogonal false).  MSP_ERR_RANGE if p is not below 1/vp. */
int msp_fst_matrix(double baz, double p, double vp, double vs, double a[3][3]);

#ifdef __cplusplus
}
#endif
#endif
