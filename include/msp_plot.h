/*
 * msp_plot.h - record sections drawn with cairo into PNG, SVG or PDF.
 *
 * A plot collects traces (one per TimeSeries, or the chosen components of a
 * Seismogram), then renders them as a record section: wiggles and/or
 * variable area, ordered by a key, aligned on a key, with a time axis,
 * labels, dead traces marked or omitted, and pages for large ensembles.
 */
#ifndef MSP_PLOT_H
#define MSP_PLOT_H

#include <stddef.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

enum msp_plot_mode { MSP_PLOT_WIGGLE = 1, MSP_PLOT_VA = 2, MSP_PLOT_BOTH = 3 };
enum msp_plot_norm { MSP_NORM_TRACE, MSP_NORM_GLOBAL, MSP_NORM_NONE };
enum msp_plot_format { MSP_PLOT_PNG, MSP_PLOT_SVG, MSP_PLOT_PDF };

typedef struct msp_plot_opts {
	int mode;                /* msp_plot_mode */
	int norm;                /* msp_plot_norm */
	double gain;             /* multiplies the normalized amplitude (1 = a trace spacing) */
	double clip;             /* clip at this many trace spacings (0: no clip) */
	const char *order_key;   /* order traces by this key (NULL: input order) */
	int order_desc;          /* descending order */
	const char *align_key;   /* time zero at this key's epoch value (NULL: absolute) */
	const char *label_key;   /* trace label key (NULL: net.sta.loc.chan) */
	const char *position_key;/* place traces at this key's value on the vertical axis
	                          * (a record section by distance); NULL: evenly spaced */
	const char *mark_keys[8];/* draw a tick at each of these keys' times */
	int nmark;
	int has_window;          /* window [t1, t2] (relative to align, or epoch) */
	double t1, t2;
	int omit_dead;           /* leave dead traces out (else drawn grey and marked) */
	int component;           /* Seismogram: 0, 1, 2, or -1 for all three */
	int traces_per_page;
	int width, height;       /* pixels (PNG) or points (SVG/PDF) */
	const char *title;
	size_t max_samples;      /* bound on samples held (0: 200 M) */
} msp_plot_opts;

typedef struct msp_plot msp_plot;

void msp_plot_opts_default(msp_plot_opts *o);
/* Format from a file name's extension; -1 when unknown. */
int msp_plot_format_from_name(const char *path);
int msp_plot_open(msp_plot **out, const msp_plot_opts *o);
/* Add a record (its samples are copied, reduced to what the window needs). */
int msp_plot_add(msp_plot *p, const msp_record *rec);
/* Render to path (pages: path for page 1, then NAME-p2.EXT ... for PNG/SVG;
 * one multi-page document for PDF).  *npages gets the number of pages. */
int msp_plot_render(msp_plot *p, const char *path, int *npages);
size_t msp_plot_ntraces(const msp_plot *p);
const char *msp_plot_errmsg(const msp_plot *p);
void msp_plot_close(msp_plot *p);

#ifdef __cplusplus
}
#endif
#endif
