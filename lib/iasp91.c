/*
 * iasp91.c - the iasp91 Earth model as published data (no code).
 *
 * Source: Kennett, B. L. N. and E. R. Engdahl (1991), Traveltimes for global
 * earthquake location and phase identification, Geophys. J. Int. 105,
 * 429-465, Table 1: P and S velocity in each shell as a polynomial in the
 * normalised radius x = r / 6371 km.  Shells run from the centre outwards;
 * the boundaries are the model's discontinuities and gradient changes
 * (depths 20, 35, 120, 210, 410, 660, 760, 2740, 2889, 5153.9 km).
 */
#include "earth_model.h"

static const msp_vshell iasp91_shells[] = {
	/* inner core */
	{0.0, 1217.1, {11.24094, 0.0, -4.09689, 0.0}, {3.56454, 0.0, -3.45241, 0.0}},
	/* outer core */
	{1217.1, 3482.0, {10.03904, 3.75665, -13.67046, 0.0}, {0.0, 0.0, 0.0, 0.0}},
	/* D'' (2740 - 2889 km depth) */
	{3482.0, 3631.0, {14.49470, -1.47089, 0.0, 0.0}, {8.16616, -1.58206, 0.0, 0.0}},
	/* lower mantle (760 - 2740 km) */
	{3631.0, 5611.0, {25.1486, -41.1538, 51.9932, -26.6083}, {12.9303, -21.2590, 27.8988, -14.1080}},
	/* 660 - 760 km */
	{5611.0, 5711.0, {25.969838, -16.934118, 0.0, 0.0}, {20.768902, -16.531471, 0.0, 0.0}},
	/* transition zone 410 - 660 km */
	{5711.0, 5961.0, {29.38896, -21.40656, 0.0, 0.0}, {17.70732, -13.50652, 0.0, 0.0}},
	/* 210 - 410 km */
	{5961.0, 6161.0, {30.78765, -23.25415, 0.0, 0.0}, {15.24213, -11.08552, 0.0, 0.0}},
	/* 120 - 210 km */
	{6161.0, 6251.0, {25.41389, -17.69722, 0.0, 0.0}, {5.75020, -1.27420, 0.0, 0.0}},
	/* 35 - 120 km (uppermost mantle) */
	{6251.0, 6336.0, {8.78541, -0.74953, 0.0, 0.0}, {6.706231, -2.248585, 0.0, 0.0}},
	/* lower crust 20 - 35 km */
	{6336.0, 6351.0, {6.50, 0.0, 0.0, 0.0}, {3.75, 0.0, 0.0, 0.0}},
	/* upper crust 0 - 20 km */
	{6351.0, 6371.0, {5.80, 0.0, 0.0, 0.0}, {3.36, 0.0, 0.0, 0.0}},
};

const msp_vmodel msp_model_iasp91 = {
	.name = "iasp91",
	.source = "Kennett & Engdahl (1991), Geophys. J. Int. 105, 429-465, Table 1",
	.radius = 6371.0,
	.cmb_depth = 2889.0,
	.icb_depth = 5153.9,
	.nshell = (int)(sizeof iasp91_shells / sizeof iasp91_shells[0]),
	.shell = iasp91_shells,
};
