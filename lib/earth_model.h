/*
 * earth_model.h - internal to libmspipe: the 1-D Earth velocity models that
 * lib/taup.c integrates (data in lib/iasp91.c).  A model is a list of shells
 * between discontinuities; in each shell vp and vs are either cubic
 * polynomials in the normalised radius x = r / radius (iasp91's published
 * form) or given by table points linear in depth (ak135's published form).
 */
#ifndef MSP_EARTH_MODEL_H
#define MSP_EARTH_MODEL_H

/* A shell with polynomial velocities: v(x) = c0 + c1 x + c2 x^2 + c3 x^3. */
typedef struct msp_vshell {
	double r_bot, r_top; /* km */
	double vp[4], vs[4]; /* km/s */
} msp_vshell;

/* A table row: depth (km), vp, vs (km/s).  A repeated depth marks a
 * discontinuity; between rows velocity is linear in depth. */
typedef struct msp_vrow {
	double depth, vp, vs;
} msp_vrow;

typedef struct msp_vmodel {
	const char *name;
	const char *source;     /* the publication the numbers come from */
	double radius;          /* km */
	double cmb_depth;       /* core-mantle boundary, km */
	double icb_depth;       /* inner-core boundary, km */
	int nshell;             /* polynomial form (0 when tabulated) */
	const msp_vshell *shell;/* from the centre outwards */
	int nrow;               /* tabulated form (0 when polynomial) */
	const msp_vrow *row;    /* from the surface downwards */
} msp_vmodel;

extern const msp_vmodel msp_model_iasp91;
extern const msp_vmodel msp_model_ak135;

#endif
