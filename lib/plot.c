/*
 * plot.c - record sections with cairo (PNG, SVG, PDF).
 *
 * Traces are kept as float samples inside the requested window (or whole
 * when no window is given, bounded by max_samples).  At render time each
 * trace is reduced to a min/max pair per device column, so a page of
 * hour-long traces draws as fast as one of short windows and the picture
 * shows every peak (no aliasing from plain decimation).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "msp_plot.h"
#include "msp_meta.h"
#include "msp_parse.h"
#include "msp_status.h"

typedef struct trace {
	double order;       /* order key value (NAN: missing, sorts last) */
	double pos;         /* position key value (NAN: missing or not asked) */
	size_t seq;         /* input order, for a stable sort */
	char label[96];
	int live;
	int aligned;        /* align key present (or no align asked) */
	double t0;          /* time of y[0], on the plot's time axis */
	double dt;
	size_t n;
	float *y;
	double marks[8];    /* mark times on the plot's axis (NAN: absent) */
} trace;

struct msp_plot {
	msp_plot_opts o;
	trace *tr;
	size_t ntr, cap;
	size_t nsamples;
	double tref;        /* epoch of time zero when not aligned (earliest start) */
	int have_tref;
	char err[256];
};

void msp_plot_opts_default(msp_plot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = MSP_PLOT_BOTH;
	o->norm = MSP_NORM_TRACE;
	o->gain = 1.0;
	o->clip = 1.5;
	o->component = -1;
	o->traces_per_page = 48;
	o->width = 1400;
	o->height = 1000;
}

int msp_plot_format_from_name(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return -1;
	if (strcasecmp(dot, ".png") == 0)
		return MSP_PLOT_PNG;
	if (strcasecmp(dot, ".svg") == 0)
		return MSP_PLOT_SVG;
	if (strcasecmp(dot, ".pdf") == 0)
		return MSP_PLOT_PDF;
	return -1;
}

int msp_plot_open(msp_plot **out, const msp_plot_opts *o)
{
	if (o->width < 200 || o->height < 150 || o->traces_per_page < 1 || o->nmark > 8 ||
	    (o->component < -1 || o->component > 2) || !(o->gain > 0) || o->clip < 0 ||
	    (o->has_window && !(o->t2 > o->t1)))
		return MSP_ERR_INVAL;
	msp_plot *p = calloc(1, sizeof *p);
	if (!p)
		return MSP_ERR_NOMEM;
	p->o = *o;
	if (!p->o.max_samples)
		p->o.max_samples = 200u * 1000 * 1000;
	*out = p;
	return MSP_OK;
}

size_t msp_plot_ntraces(const msp_plot *p) { return p->ntr; }
const char *msp_plot_errmsg(const msp_plot *p) { return p->err; }

void msp_plot_close(msp_plot *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntr; i++)
		free(p->tr[i].y);
	free(p->tr);
	free(p);
}

static void make_label(const msp_record *rec, const char *key, int comp, char *buf, size_t len)
{
	if (key) {
		/* any value: strings as they are, epoch times (keys ending in "time")
		 * as UTC, other numbers short, ObjectIds by their last 6 hex digits */
		bson_iter_t it, top;
		if (!bson_iter_init(&top, rec->meta) ||
		    !(strchr(key, '.') ? bson_iter_find_descendant(&top, key, &it)
		                       : (bson_iter_find(&top, key) && (it = top, 1)))) {
			snprintf(buf, len, "(no %s)", key);
			return;
		}
		size_t kl = strlen(key);
		int is_time = kl >= 4 && strcmp(key + kl - 4, "time") == 0;
		if (BSON_ITER_HOLDS_UTF8(&it)) {
			snprintf(buf, len, "%s", bson_iter_utf8(&it, NULL));
		} else if (BSON_ITER_HOLDS_NUMBER(&it)) {
			double v = bson_iter_as_double(&it);
			if (is_time && v > 1e8) {
				char t[40];
				msp_format_time(v, t, sizeof t);
				snprintf(buf, len, "%.19s", t);
			} else {
				snprintf(buf, len, "%.6g", v);
			}
		} else if (BSON_ITER_HOLDS_OID(&it)) {
			char hex[25];
			bson_oid_to_string(bson_iter_oid(&it), hex);
			snprintf(buf, len, "..%s", hex + 18);
		} else {
			snprintf(buf, len, "(%s)", key);
		}
		return;
	}
	const char *net = "", *sta = "", *loc = "", *chan = "";
	msp_meta_get_string(rec->meta, "net", &net);
	msp_meta_get_string(rec->meta, "sta", &sta);
	msp_meta_get_string(rec->meta, "loc", &loc);
	msp_meta_get_string(rec->meta, "chan", &chan);
	if (comp >= 0 && rec->kind == MSP_SEISMOGRAM)
		snprintf(buf, len, "%s.%s.%s [%d]", net, sta, loc, comp);
	else
		snprintf(buf, len, "%s.%s.%s.%s", net, sta, loc, chan);
}

/* Epoch of a record's sample 0, when it can be known. */
static double abs_t0(const msp_record *rec)
{
	if (rec->tref == MSP_TREF_UTC)
		return rec->t0;
	return rec->t0 + rec->t0shift;
}

static int add_one(msp_plot *p, const msp_record *rec, int comp, size_t seq)
{
	trace t;
	memset(&t, 0, sizeof t);
	t.seq = seq;
	t.live = rec->live;
	t.dt = rec->dt;
	t.order = NAN;
	t.pos = NAN;
	if (p->o.order_key)
		msp_meta_get_double(rec->meta, p->o.order_key, &t.order);
	if (p->o.position_key)
		msp_meta_get_double(rec->meta, p->o.position_key, &t.pos);
	make_label(rec, p->o.label_key, rec->kind == MSP_SEISMOGRAM ? comp : -1, t.label, sizeof t.label);
	double zero = 0.0;
	t.aligned = 1;
	if (p->o.align_key) {
		double k;
		if (msp_meta_get_double(rec->meta, p->o.align_key, &k) == MSP_OK)
			zero = k;
		else
			t.aligned = 0;
	}
	double start = p->o.align_key ? abs_t0(rec) - zero : abs_t0(rec);
	for (int m = 0; m < p->o.nmark; m++) {
		double k;
		t.marks[m] = NAN;
		if (t.aligned && msp_meta_get_double(rec->meta, p->o.mark_keys[m], &k) == MSP_OK)
			t.marks[m] = p->o.align_key ? k - zero : k;
	}
	/* keep the samples inside the window (one sample of margin each side);
	 * none of a trace without the alignment key: its times are epochs, not
	 * times from the key, and would stretch the axis over decades */
	size_t i0 = 0, i1 = t.aligned ? rec->npts : 0;
	if (t.aligned && p->o.has_window && rec->dt > 0 && rec->npts) {
		double w1 = p->o.t1, w2 = p->o.t2;
		if (!p->o.align_key) {
			/* the window is from the earliest start of all traces, known
			 * only at the end: it can only move earlier than the earliest
			 * so far, so what lies past the window's end from that goes,
			 * and the rest is cut when drawn */
			double ref = p->have_tref && p->tref < start ? p->tref : start;
			w1 = -INFINITY;
			w2 += ref;
		}
		double a = floor((w1 - start) / rec->dt) - 1, b = ceil((w2 - start) / rec->dt) + 2;
		i0 = a < 0 ? 0 : (a > (double)rec->npts ? rec->npts : (size_t)a);
		i1 = b < 0 ? 0 : (b > (double)rec->npts ? rec->npts : (size_t)b);
		if (i1 < i0)
			i1 = i0;
	}
	t.n = i1 - i0;
	t.t0 = start + (double)i0 * rec->dt;
	if (p->nsamples + t.n > p->o.max_samples) {
		snprintf(p->err, sizeof p->err,
		         "more than %zu samples to hold: give a window (or fewer traces)", p->o.max_samples);
		return MSP_ERR_TOOBIG;
	}
	if (t.n) {
		t.y = malloc(t.n * sizeof *t.y);
		if (!t.y)
			return MSP_ERR_NOMEM;
		const double *x = msp_record_comp(rec, comp < 0 ? 0 : comp) + i0;
		for (size_t i = 0; i < t.n; i++)
			t.y[i] = (float)x[i];
	}
	if (p->ntr == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 64;
		trace *nt = realloc(p->tr, nc * sizeof *nt);
		if (!nt) {
			free(t.y);
			return MSP_ERR_NOMEM;
		}
		p->tr = nt;
		p->cap = nc;
	}
	if (!p->o.align_key && rec->npts && (!p->have_tref || abs_t0(rec) < p->tref)) {
		p->tref = abs_t0(rec);
		p->have_tref = 1;
	}
	p->tr[p->ntr++] = t;
	p->nsamples += t.n;
	return MSP_OK;
}

int msp_plot_add(msp_plot *p, const msp_record *rec)
{
	if (!rec->live && p->o.omit_dead)
		return MSP_OK;
	size_t seq = p->ntr;
	if (rec->kind == MSP_SEISMOGRAM && p->o.component < 0) {
		for (int c = 0; c < 3; c++) {
			int rc = add_one(p, rec, c, seq + (size_t)c);
			if (rc)
				return rc;
		}
		return MSP_OK;
	}
	return add_one(p, rec, rec->kind == MSP_SEISMOGRAM ? p->o.component : 0, seq);
}

static int cmp_trace(const void *a, const void *b, void *desc)
{
	const trace *x = a, *y = b;
	int d = *(int *)desc;
	int xn = isnan(x->order), yn = isnan(y->order);
	if (xn != yn)
		return xn - yn; /* missing keys last */
	if (!xn && x->order != y->order)
		return (x->order < y->order ? -1 : 1) * (d ? -1 : 1);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Tick step of 1, 2 or 5 times a power of ten giving about n ticks. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

typedef struct frame {
	double x0, x1, y0, y1; /* plot area in device units */
	double t1, t2;         /* time range */
} frame;

static double tx(const frame *f, double t) { return f->x0 + (t - f->t1) / (f->t2 - f->t1) * (f->x1 - f->x0); }

static void text(cairo_t *cr, double x, double y, const char *s, double size, int align)
{
	cairo_text_extents_t e;
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &e);
	double dx = align < 0 ? 0 : align == 0 ? -e.width / 2 - e.x_bearing : -e.width - e.x_bearing;
	cairo_move_to(cr, x + dx, y);
	cairo_show_text(cr, s);
}

/* A trace with fewer samples in view than columns: its samples joined by
 * lines (one sample of margin past each edge, cut by the frame's clip),
 * the positive lobes filled between that line and the zero line. */
static void draw_trace_sparse(cairo_t *cr, const frame *f, const trace *t, double ybase, double spacing,
                              double scale, const msp_plot_opts *o, int live)
{
	double clipv = o->clip > 0 ? o->clip : INFINITY;
	size_t i0 = 0, i1 = t->n;
	while (i0 + 1 < t->n && t->t0 + (double)(i0 + 1) * t->dt < f->t1)
		i0++;
	while (i1 > i0 + 1 && t->t0 + (double)(i1 - 2) * t->dt > f->t2)
		i1--;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 && !(o->mode & MSP_PLOT_VA))
			continue;
		if (pass == 1 && !(o->mode & MSP_PLOT_WIGGLE))
			continue;
		if (pass == 0) {
			/* only the part above the zero line (positive values) is filled */
			cairo_save(cr);
			cairo_rectangle(cr, f->x0, 0, f->x1 - f->x0, ybase);
			cairo_clip(cr);
		}
		int started = 0;
		double xlast = 0;
		for (size_t i = i0; i < i1; i++) {
			double tt = t->t0 + (double)i * t->dt, v = t->y[i] * scale * o->gain;
			if (!isfinite(tt) || !isfinite(v))
				continue;
			v = v > clipv ? clipv : v < -clipv ? -clipv : v;
			double x = tx(f, tt), y = ybase - v * spacing;
			if (!started) {
				if (pass == 0)
					cairo_move_to(cr, x, ybase);
				else
					cairo_move_to(cr, x, y);
				started = 1;
			}
			cairo_line_to(cr, x, y);
			xlast = x;
		}
		if (pass == 0) {
			/* the polygon along the trace and back on the zero line */
			if (started) {
				cairo_line_to(cr, xlast, ybase);
				cairo_close_path(cr);
				cairo_set_source_rgba(cr, live ? 0.10 : 0.6, live ? 0.20 : 0.6, live ? 0.45 : 0.6, 0.85);
				cairo_fill(cr);
			}
			cairo_restore(cr);
		} else if (started) {
			cairo_set_source_rgb(cr, live ? 0.0 : 0.55, live ? 0.0 : 0.55, live ? 0.0 : 0.55);
			cairo_set_line_width(cr, 0.7);
			cairo_stroke(cr);
		}
	}
}

/* Draw one trace: min/max per device column, clipped, wiggle and/or VA. */
static void draw_trace(cairo_t *cr, const frame *f, const trace *t, double ybase, double spacing,
                       double scale, const msp_plot_opts *o)
{
	if (!t->n || !(t->dt > 0))
		return;
	int ncol = (int)ceil(f->x1 - f->x0);
	int live = t->live && t->aligned;
	/* fewer samples than columns (a window zoomed in on a short trace): the
	 * columns without a sample would cut the filled lobes into slivers, so
	 * the trace is drawn through its samples instead (lines between them,
	 * and the area between that line and the zero line, on its positive
	 * side, filled) */
	size_t nvis = 0;
	for (size_t i = 0; i < t->n; i++) {
		double tt = t->t0 + (double)i * t->dt;
		nvis += tt >= f->t1 && tt <= f->t2;
	}
	if (nvis > 1 && nvis < (size_t)ncol) {
		draw_trace_sparse(cr, f, t, ybase, spacing, scale, o, live);
		return;
	}
	double clipv = o->clip > 0 ? o->clip : INFINITY;
	/* column ranges */
	double *mn = malloc((size_t)ncol * sizeof *mn), *mx = malloc((size_t)ncol * sizeof *mx);
	if (!mn || !mx) {
		free(mn);
		free(mx);
		return;
	}
	for (int c = 0; c < ncol; c++) {
		mn[c] = INFINITY;
		mx[c] = -INFINITY;
	}
	double colw = (f->t2 - f->t1) / ncol;
	for (size_t i = 0; i < t->n; i++) {
		double tt = t->t0 + (double)i * t->dt;
		/* written so that a NaN time (a record with a NaN t0 or dt)
		 * is left out rather than turned into a column index */
		if (!(tt >= f->t1 && tt <= f->t2))
			continue;
		int c = (int)((tt - f->t1) / colw);
		if (c >= ncol)
			c = ncol - 1;
		double v = t->y[i] * scale * o->gain;
		if (v > clipv)
			v = clipv;
		if (v < -clipv)
			v = -clipv;
		if (v < mn[c])
			mn[c] = v;
		if (v > mx[c])
			mx[c] = v;
	}
	if (o->mode & MSP_PLOT_VA) {
		/* fill the positive lobes between the zero line and the column maxima */
		cairo_set_source_rgba(cr, live ? 0.10 : 0.6, live ? 0.20 : 0.6, live ? 0.45 : 0.6, 0.85);
		int open = 0;
		for (int c = 0; c < ncol; c++) {
			double x = f->x0 + c + 0.5;
			int pos = mx[c] > 0 && isfinite(mx[c]);
			if (pos) {
				if (!open) {
					cairo_move_to(cr, x, ybase);
					open = 1;
				}
				cairo_line_to(cr, x, ybase - mx[c] * spacing);
			} else if (open) {
				cairo_line_to(cr, x, ybase);
				cairo_close_path(cr);
				open = 0;
			}
		}
		if (open) {
			cairo_line_to(cr, f->x0 + ncol, ybase);
			cairo_close_path(cr);
		}
		cairo_fill(cr);
	}
	if (o->mode & MSP_PLOT_WIGGLE) {
		cairo_set_source_rgb(cr, live ? 0.0 : 0.55, live ? 0.0 : 0.55, live ? 0.0 : 0.55);
		cairo_set_line_width(cr, 0.7);
		int started = 0;
		for (int c = 0; c < ncol; c++) {
			if (!isfinite(mn[c]))
				continue;
			double x = f->x0 + c + 0.5;
			if (!started) {
				cairo_move_to(cr, x, ybase - mn[c] * spacing);
				started = 1;
			} else {
				cairo_line_to(cr, x, ybase - mn[c] * spacing);
			}
			if (mx[c] != mn[c])
				cairo_line_to(cr, x, ybase - mx[c] * spacing);
		}
		cairo_stroke(cr);
	}
	free(mn);
	free(mx);
}

static const double mark_rgb[8][3] = {
	{0.80, 0.10, 0.10}, {0.05, 0.55, 0.20}, {0.85, 0.45, 0.00}, {0.50, 0.10, 0.70},
	{0.00, 0.55, 0.65}, {0.60, 0.40, 0.20}, {0.90, 0.20, 0.60}, {0.30, 0.30, 0.30},
};

/* The vertical axis of a record section by a key: ticks, values, its name. */
static void draw_position_axis(cairo_t *cr, const frame *f, double vmin, double vmax, const char *key)
{
	double step = nice_step(vmax - vmin, 10);
	cairo_set_line_width(cr, 1.0);
	for (double v = ceil(vmin / step) * step; v <= vmax; v += step) {
		double y = floor(f->y0 + (v - vmin) / (vmax - vmin) * (f->y1 - f->y0)) + 0.5;
		cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
		cairo_move_to(cr, f->x0, y);
		cairo_line_to(cr, f->x1, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		cairo_move_to(cr, f->x0 - 6, y);
		cairo_line_to(cr, f->x0, y);
		cairo_stroke(cr);
		char lab[32];
		snprintf(lab, sizeof lab, "%g", fabs(v) < 1e-9 * step ? 0.0 : v);
		text(cr, f->x0 - 10, y + 4, lab, 13, 1);
	}
	cairo_save(cr);
	cairo_translate(cr, f->x0 - 70, (f->y0 + f->y1) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text(cr, 0, 0, key, 14, 0);
	cairo_restore(cr);
}

static int draw_page(cairo_t *cr, msp_plot *p, size_t first, size_t count, int page, int npages,
                     double gscale)
{
	const msp_plot_opts *o = &p->o;
	double W = o->width, H = o->height;
	frame f = {.x0 = 190, .x1 = W - 30, .y0 = 56, .y1 = H - 62};
	/* time range: the window, else the extent of all traces */
	if (o->has_window) {
		f.t1 = o->t1;
		f.t2 = o->t2;
	} else {
		f.t1 = INFINITY;
		f.t2 = -INFINITY;
		for (size_t i = 0; i < p->ntr; i++) {
			const trace *t = &p->tr[i];
			if (!t->n)
				continue;
			double a = t->t0, b = t->t0 + (double)(t->n - 1) * t->dt;
			if (!o->align_key && p->have_tref) {
				a -= p->tref;
				b -= p->tref;
			}
			if (!isfinite(a) || !isfinite(b))
				continue; /* a NaN or infinite time span does not set the axis */
			if (a < f.t1)
				f.t1 = a;
			if (b > f.t2)
				f.t2 = b;
		}
		if (!(f.t2 > f.t1)) {
			f.t1 = 0;
			f.t2 = 1;
		}
	}
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

	/* grid and time axis */
	double step = nice_step(f.t2 - f.t1, 10);
	cairo_set_line_width(cr, 1.0);
	for (double t = ceil(f.t1 / step) * step; t <= f.t2 + 1e-9 * step; t += step) {
		double x = floor(tx(&f, t)) + 0.5;
		cairo_set_source_rgb(cr, 0.90, 0.90, 0.90);
		cairo_move_to(cr, x, f.y0);
		cairo_line_to(cr, x, f.y1);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		cairo_move_to(cr, x, f.y1);
		cairo_line_to(cr, x, f.y1 + 6);
		cairo_stroke(cr);
		char lab[32];
		snprintf(lab, sizeof lab, "%g", fabs(t) < 1e-9 * step ? 0.0 : t);
		text(cr, x, f.y1 + 22, lab, 13, 0);
	}
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	cairo_rectangle(cr, f.x0 + 0.5, f.y0 + 0.5, f.x1 - f.x0, f.y1 - f.y0);
	cairo_stroke(cr);
	char axis[160], when[40];
	if (o->align_key)
		snprintf(axis, sizeof axis, "time (s) relative to %s", o->align_key);
	else if (p->have_tref)
		snprintf(axis, sizeof axis, "time (s) after %s", msp_format_time(p->tref, when, sizeof when));
	else
		snprintf(axis, sizeof axis, "time (s)");
	text(cr, (f.x0 + f.x1) / 2, H - 18, axis, 14, 0);

	/* title line */
	char head[256];
	snprintf(head, sizeof head, "%s", o->title ? o->title : "record section");
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	text(cr, f.x0, 32, head, 18, -1);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	char info[160];
	snprintf(info, sizeof info, "%zu traces%s%s, %s%s   page %d/%d", p->ntr,
	         o->order_key ? " by " : "", o->order_key ? o->order_key : "",
	         o->norm == MSP_NORM_TRACE ? "trace-normalized" : o->norm == MSP_NORM_GLOBAL ? "global scale" : "true amplitude",
	         o->clip > 0 ? ", clipped" : "", page, npages);
	text(cr, f.x1, 32, info, 13, 1);

	double spacing = (f.y1 - f.y0) / ((double)count + 1);
	/* record section by a key: the vertical axis is the key's value */
	double vmin = INFINITY, vmax = -INFINITY;
	if (o->position_key) {
		for (size_t k = 0; k < count; k++) {
			double v = p->tr[first + k].pos;
			if (!isnan(v) && v < vmin)
				vmin = v;
			if (!isnan(v) && v > vmax)
				vmax = v;
		}
		if (!(vmax > vmin)) {
			vmin = isfinite(vmin) ? vmin - 1 : 0;
			vmax = vmin + 2;
		}
		double pad = (vmax - vmin) / ((double)count + 1);
		vmin -= pad;
		vmax += pad;
		draw_position_axis(cr, &f, vmin, vmax, o->position_key);
	}
	cairo_save(cr);
	cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
	cairo_clip(cr);
	for (size_t k = 0; k < count; k++) {
		trace t = p->tr[first + k];
		if (!o->align_key && p->have_tref)
			t.t0 -= p->tref;
		double ybase = f.y0 + spacing * ((double)k + 1);
		if (o->position_key) {
			if (isnan(t.pos))
				continue; /* no place on this axis */
			ybase = f.y0 + (t.pos - vmin) / (vmax - vmin) * (f.y1 - f.y0);
		}
		double scale = gscale;
		if (o->norm == MSP_NORM_TRACE) {
			double m = 0;
			for (size_t i = 0; i < t.n; i++) {
				double tt = t.t0 + (double)i * t.dt;
				if (tt >= f.t1 && tt <= f.t2 && fabs(t.y[i]) > m)
					m = fabs(t.y[i]);
			}
			scale = m > 0 ? 1.0 / m : 0.0;
		}
		draw_trace(cr, &f, &t, ybase, spacing, scale, o);
		for (int m = 0; m < o->nmark; m++) {
			double mt = t.marks[m];
			if (!o->align_key && p->have_tref)
				mt -= p->tref;
			if (isnan(mt) || mt < f.t1 || mt > f.t2)
				continue;
			double x = tx(&f, mt);
			cairo_set_source_rgb(cr, mark_rgb[m][0], mark_rgb[m][1], mark_rgb[m][2]);
			cairo_set_line_width(cr, 2.0);
			cairo_move_to(cr, x, ybase - spacing * 0.45);
			cairo_line_to(cr, x, ybase + spacing * 0.45);
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);

	/* the alignment line, over the traces */
	if (o->align_key && 0 >= f.t1 && 0 <= f.t2) {
		double x = floor(tx(&f, 0)) + 0.5;
		double dash[] = {6, 4};
		cairo_set_source_rgba(cr, 0.8, 0.1, 0.1, 0.8);
		cairo_set_dash(cr, dash, 2, 0);
		cairo_move_to(cr, x, f.y0);
		cairo_line_to(cr, x, f.y1);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		text(cr, x, f.y0 - 6, o->align_key, 12, 0);
	}

	/* labels at the left, with the order key's value */
	double fs = o->position_key ? 0 : spacing < 14 ? (spacing < 7 ? 0 : spacing * 0.8) : 12;
	for (size_t k = 0; k < count && fs > 0; k++) {
		const trace *t = &p->tr[first + k];
		double ybase = f.y0 + spacing * ((double)k + 1);
		char lab[160];
		if (o->order_key && !isnan(t->order))
			snprintf(lab, sizeof lab, "%s  %.2f", t->label, t->order);
		else
			snprintf(lab, sizeof lab, "%s", t->label);
		if (!t->live)
			cairo_set_source_rgb(cr, 0.75, 0.10, 0.10);
		else
			cairo_set_source_rgb(cr, 0.10, 0.10, 0.10);
		text(cr, f.x0 - 8, ybase + fs * 0.35, lab, fs, 1);
		if (!t->live || !t->aligned)
			text(cr, f.x1 - 4, ybase - 3, !t->live ? "dead" : "no align key", fs, 1);
	}
	/* legend of marks, after the title */
	cairo_text_extents_t te;
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 18);
	cairo_text_extents(cr, o->title ? o->title : "record section", &te);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	double lx = f.x0 + te.x_advance + 30;
	for (int m = 0; m < o->nmark; m++) {
		cairo_set_source_rgb(cr, mark_rgb[m][0], mark_rgb[m][1], mark_rgb[m][2]);
		cairo_rectangle(cr, lx, 22, 14, 4);
		cairo_fill(cr);
		text(cr, lx + 18, 30, o->mark_keys[m], 12, -1);
		lx += 30 + 8.0 * (double)strlen(o->mark_keys[m]);
	}
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? MSP_OK : MSP_ERR_IO;
}

/* A picture file written through write(2) into NAME.tmp.PID, renamed into
 * place only when complete: a failed write leaves no file that looks done. */
typedef struct sink {
	int fd;
	int err;            /* errno of the first failure */
	char tmp[4200];
	char path[4096];
} sink;

static int sink_open(sink *k, const char *path)
{
	memset(k, 0, sizeof *k);
	snprintf(k->path, sizeof k->path, "%s", path);
	snprintf(k->tmp, sizeof k->tmp, "%s.tmp.%ld", path, (long)getpid());
	k->fd = open(k->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (k->fd < 0) {
		k->err = errno;
		return -1;
	}
	return 0;
}

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	sink *k = closure;
	while (len > 0 && !k->err) {
		ssize_t n = write(k->fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			k->err = errno;
			break;
		}
		data += n;
		len -= (unsigned int)n;
	}
	return k->err ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Close, then rename into place on success or remove on failure. */
static int sink_close(sink *k, int ok)
{
	if (k->fd >= 0 && close(k->fd) != 0 && !k->err)
		k->err = errno;
	k->fd = -1;
	if (ok && !k->err && rename(k->tmp, k->path) != 0)
		k->err = errno;
	if (!ok || k->err)
		unlink(k->tmp);
	return ok && !k->err ? 0 : -1;
}

/* NAME.EXT -> NAME-pK.EXT */
static void page_path(const char *path, int page, char *out, size_t len)
{
	const char *dot = strrchr(path, '.');
	if (page == 1 || !dot) {
		snprintf(out, len, "%s", path);
		return;
	}
	snprintf(out, len, "%.*s-p%d%s", (int)(dot - path), path, page, dot);
}

static int sink_fail(msp_plot *p, const sink *k)
{
	snprintf(p->err, sizeof p->err, "%.200s: %s", k->path, strerror(k->err ? k->err : EIO));
	return MSP_ERR_IO;
}

int msp_plot_render(msp_plot *p, const char *path, int *npages_out)
{
	int fmt = msp_plot_format_from_name(path);
	if (fmt < 0) {
		snprintf(p->err, sizeof p->err, "%.200s: unknown format (use .png, .svg or .pdf)", path);
		return MSP_ERR_INVAL;
	}
	if (p->ntr == 0) {
		snprintf(p->err, sizeof p->err, "no traces to plot");
		return MSP_ERR_DATA;
	}
	/* a key no trace has (a typo, a step not run) leaves nothing to draw:
	 * an error, not an empty picture */
	size_t naligned = 0, nplaced = 0;
	for (size_t i = 0; i < p->ntr; i++) {
		naligned += (size_t)p->tr[i].aligned;
		nplaced += (size_t)isfinite(p->tr[i].pos);
	}
	if (naligned == 0 || (p->o.position_key && nplaced == 0)) {
		snprintf(p->err, sizeof p->err, "none of the %zu traces has the %s key %.100s (%s)", p->ntr,
		         naligned ? "position" : "alignment", naligned ? p->o.position_key : p->o.align_key,
		         naligned ? "--position" : "--align");
		return MSP_ERR_DATA;
	}
	if (p->o.has_window) {
		/* a window where no trace has a sample (relative times given for
		 * absolute ones, a window past the data) draws an empty frame */
		int seen = 0;
		for (size_t i = 0; i < p->ntr && !seen; i++) {
			const trace *t = &p->tr[i];
			double t0 = t->t0 - (!p->o.align_key && p->have_tref ? p->tref : 0);
			for (size_t k = 0; k < t->n && !seen; k++) {
				double tt = t0 + (double)k * t->dt;
				seen = tt >= p->o.t1 && tt <= p->o.t2;
			}
		}
		if (!seen) {
			snprintf(p->err, sizeof p->err, "none of the %zu traces has a sample in the window %g to %g s (%s%.100s)",
			         p->ntr, p->o.t1, p->o.t2, p->o.align_key ? "relative to " : "after the earliest start",
			         p->o.align_key ? p->o.align_key : "");
			return MSP_ERR_DATA;
		}
	}
	int desc = p->o.order_desc;
	if (p->o.order_key)
		qsort_r(p->tr, p->ntr, sizeof *p->tr, cmp_trace, &desc);
	double gmax = 0;
	for (size_t i = 0; i < p->ntr; i++)
		for (size_t k = 0; k < p->tr[i].n; k++)
			if (fabs(p->tr[i].y[k]) > gmax)
				gmax = fabs(p->tr[i].y[k]);
	double gscale = p->o.norm == MSP_NORM_GLOBAL ? (gmax > 0 ? 1.0 / gmax : 0) : 1.0;
	size_t tpp = (size_t)p->o.traces_per_page;
	int npages = (int)((p->ntr + tpp - 1) / tpp);
	if (npages_out)
		*npages_out = npages;
	sink pdfsink;
	cairo_surface_t *pdf = NULL;
	if (fmt == MSP_PLOT_PDF) {
		if (sink_open(&pdfsink, path))
			return sink_fail(p, &pdfsink);
		pdf = cairo_pdf_surface_create_for_stream(sink_write, &pdfsink, p->o.width, p->o.height);
	}
	int rc = MSP_OK;
	for (int pg = 1; pg <= npages && rc == MSP_OK; pg++) {
		size_t first = (size_t)(pg - 1) * tpp;
		size_t count = p->ntr - first < tpp ? p->ntr - first : tpp;
		char pp[4096];
		sink k;
		page_path(path, pg, pp, sizeof pp);
		cairo_surface_t *s = pdf;
		if (fmt != MSP_PLOT_PDF && sink_open(&k, pp))
			return sink_fail(p, &k);
		if (fmt == MSP_PLOT_PNG)
			s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, p->o.width, p->o.height);
		else if (fmt == MSP_PLOT_SVG)
			s = cairo_svg_surface_create_for_stream(sink_write, &k, p->o.width, p->o.height);
		cairo_t *cr = cairo_create(s);
		rc = draw_page(cr, p, first, count, pg, npages, gscale);
		if (fmt == MSP_PLOT_PDF)
			cairo_show_page(cr);
		cairo_destroy(cr);
		if (fmt == MSP_PLOT_PNG && rc == MSP_OK &&
		    cairo_surface_write_to_png_stream(s, sink_write, &k) != CAIRO_STATUS_SUCCESS && !k.err)
			k.err = EIO;
		if (fmt != MSP_PLOT_PDF) {
			cairo_surface_finish(s);
			if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS && !k.err)
				k.err = EIO;
			cairo_surface_destroy(s);
			if (sink_close(&k, rc == MSP_OK) && rc == MSP_OK)
				rc = sink_fail(p, &k);
		}
	}
	if (pdf) {
		cairo_surface_finish(pdf);
		if (cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS && !pdfsink.err)
			pdfsink.err = EIO;
		cairo_surface_destroy(pdf);
		if (sink_close(&pdfsink, rc == MSP_OK) && rc == MSP_OK)
			rc = sink_fail(p, &pdfsink);
	}
	if (rc == MSP_ERR_IO && !p->err[0])
		snprintf(p->err, sizeof p->err, "%.200s: drawing failed", path);
	return rc;
}
