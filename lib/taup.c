/*
 * taup.c - seismic travel times in a spherically symmetric Earth by tau-p
 * integration (Buland & Chapman 1983; the method of TauP, Crotwell et al.
 * 1999), for msptime and the synthetic-data generator.
 *
 * The velocity model (lib/iasp91.c, lib/ak135.c) is cut into shells; in each shell
 * the slowness eta = r / v(r) follows the Bullen law eta = A r^B fitted to
 * the model at the shell's top and bottom.  That law integrates in closed
 * form, so the epicentral distance and the delay time tau of a ray of
 * parameter p through a shell are exact for the shell:
 *     delta = [acos(p/eta)] / B,   tau = [sqrt(eta^2 - p^2) - p acos(p/eta)] / B
 * (evaluated between the shell's end points, or from the turning point where
 * eta = p).  A phase is a sum of legs:
 *     Fm(p)  surface down to the turning point in the mantle (or to the CMB),
 *     Fc(p)  CMB down to the turning point in the core (P waves),
 *     U(p)   source up to the surface,
 * e.g. P = 2 Fm - U, pP = 2 Fm + U, PP = 4 Fm - U, PKP = 2 (Fm + Fc) - U,
 * and T = tau + p delta.  Fm and Fc do not depend on the source and are
 * tabulated (on first use) per model on a grid of p that holds the slowness
 * at every shell boundary (so every cusp of delta(p) is a grid point), with
 * the sums down to every shell boundary, from which U is tabulated per
 * source depth (the most recent depths are kept).  For a distance every
 * bracket of delta(p) = target on the grid is refined by Brent's method on
 * the exact sums until the second-order term of T(target) = T(p) +
 * p (target - delta(p)) is below a microsecond, and local extrema between
 * grid points are searched (once per depth) so that no branch of a
 * triplication is missed.  The earliest root is the first arrival.  Diffracted phases (Pdiff, Sdiff) continue the grazing ray
 * along the core-mantle boundary at its slowness, for up to 60 degrees (as
 * TauP).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_taup.h"
#include "msp_status.h"
#include "earth_model.h"

#define DEG (M_PI / 180.0)
#define NCACHE 16
#define NPHASES_MAX 24
#define MAX_DIFFRACTION (60.0 * DEG) /* TauP's limit for Pdiff, Sdiff */

enum { WP = 0, WS = 1 };

typedef struct layer {
	double rt, rb;       /* top and bottom radius, km */
	double et[2], eb[2]; /* slowness r/v at top and bottom, s/rad (P, S); 0 = no wave */
	double B[2];         /* Bullen exponent: eta = et (r/rt)^B */
	double lnr;          /* ln(rt/rb) */
} layer;

/* An extremum of delta(p) found between samples i and i+2 of a branch. */
typedef struct ext_cache {
	int i;
	double pe, de;
} ext_cache;
#define MAX_EXT 16

/* The samples (p, delta, T) of a phase's branch for one source depth, with
 * what makes a query quick: delta's range per block of BLOCK intervals, the
 * samples where delta(p) turns, and the extrema found near them. */
#define BLOCK 16
typedef struct branch {
	int built, n, nb, nturn, next;
	double *P, *D, *T;     /* n samples, p ascending (one allocation) */
	double *bmin, *bmax;   /* nb blocks: delta over samples BLOCK*b .. BLOCK*b+BLOCK */
	int *turn;             /* i: delta(p) turns at sample i+1 */
	double dmax, tlow;     /* largest delta; no ray arrives earlier than tlow */
	ext_cache ext[MAX_EXT];
} branch;

/* The per-depth tables: the source leg U on the model's p grid. */
typedef struct depth_ctx {
	double depth;
	unsigned long used;
	int k;               /* layer holding the source (r_bot < rs <= r_top) */
	double rs;
	double eta_below[2]; /* slowness at the source, in the medium below / above */
	double eta_above[2];
	double pup_max[2];   /* upgoing rays need p < this (all slowness above the source) */
	double lnr_src;      /* ln(r_top(k) / rs) */
	int Uready[2];       /* U of wave w tabulated (built on first use) */
	double *Ud[2], *Ut[2];
	unsigned char *Uok[2];
	branch br[NPHASES_MAX];    /* per phase, built on first use */
	int graze_ok[2];           /* the grazing ray of P / S (Pdiff, Sdiff): */
	double graze_d[2], graze_t[2]; /* computed (1), none (0), not yet (-1) */
} depth_ctx;

struct msp_earth {
	const msp_vmodel *vm;
	double R;
	int nl;          /* layers, from the surface down */
	int nm;          /* first core layer */
	int ni;          /* first inner-core layer */
	layer *L;
	int np;          /* p grid, ascending */
	double *p;
	double *Fmd[2], *Fmt[2];
	signed char *Fms[2]; /* FM_* */
	double *Fcd, *Fct;
	signed char *Fcs;    /* FC_* */
	double *Fod, *Fot;   /* CMB to ICB through the outer core (PKiKP) */
	unsigned char *Fos;
	int Fready[2];       /* tables of wave w built (P includes the core) */
	double *Cd[2], *Ct[2]; /* [i * np + j]: the sums over shells 0..i-1 at p[j] (while the ray passes) */
	depth_ctx cache[NCACHE];
	int ncache;
	unsigned long tick;
};

enum { FM_BAD = 0, FM_TURN = 1, FM_PASS = 2 };
enum { FC_BAD = 0, FC_OUTER = 1, FC_ICB = 2, FC_INNER = 3 };

/* ---------------------------------------------------------------- model */

/* Velocity (km/s) of wave w at radius r in polynomial shell s. */
static double shell_v(const msp_vmodel *vm, const msp_vshell *s, int w, double r)
{
	const double *c = w == WP ? s->vp : s->vs;
	double x = r / vm->radius;
	return c[0] + x * (c[1] + x * (c[2] + x * c[3]));
}

/* A segment of the model with velocity given by a function of radius: the
 * polynomial shells, or the linear pieces between table rows. */
typedef struct seg {
	double rb, rt;
	double vb[2], vt[2]; /* table form: velocities at the ends */
	const msp_vshell *shell;
} seg;

static double seg_v(const msp_vmodel *vm, const seg *s, int w, double r)
{
	if (s->shell)
		return shell_v(vm, s->shell, w, r);
	if (s->rt == s->rb)
		return s->vt[w];
	double f = (r - s->rb) / (s->rt - s->rb);
	return s->vb[w] + f * (s->vt[w] - s->vb[w]);
}

/* Target thickness of the integration shells at a depth: thin where the
 * ray paths of teleseismic first arrivals are most sensitive. */
static double shell_step(double depth)
{
	if (depth < 1000.0)
		return 20;
	if (depth < 2900.0)
		return 40;
	return 80;
}

static void set_layer(layer *l, double rt, double rb, const double vt[2], const double vb[2])
{
	l->rt = rt;
	l->rb = rb;
	l->lnr = rb > 0 ? log(rt / rb) : INFINITY;
	for (int w = 0; w < 2; w++) {
		if (vt[w] <= 0 || vb[w] <= 0) { /* no wave (S in the fluid core) */
			l->et[w] = l->eb[w] = 0;
			l->B[w] = 1;
			continue;
		}
		l->et[w] = rt / vt[w];
		l->eb[w] = rb / vb[w];
		if (rb <= 0) /* the centre: constant velocity, eta = r / v */
			l->B[w] = 1;
		else
			l->B[w] = log(l->et[w] / l->eb[w]) / l->lnr;
	}
}

static int build_layers(msp_earth *m)
{
	const msp_vmodel *vm = m->vm;
	double R = vm->radius;
	int nseg = 0, cap = 0;
	seg *sg = NULL;
	/* Collect segments from the surface down. */
	if (vm->nshell) {
		cap = vm->nshell;
		sg = calloc((size_t)cap, sizeof *sg);
		if (!sg)
			return MSP_ERR_NOMEM;
		for (int i = vm->nshell - 1; i >= 0; i--) {
			seg *s = &sg[nseg++];
			s->rb = vm->shell[i].r_bot;
			s->rt = vm->shell[i].r_top;
			s->shell = &vm->shell[i];
		}
	} else {
		cap = vm->nrow;
		sg = calloc((size_t)cap, sizeof *sg);
		if (!sg)
			return MSP_ERR_NOMEM;
		for (int i = 0; i + 1 < vm->nrow; i++) {
			const msp_vrow *a = &vm->row[i], *b = &vm->row[i + 1];
			if (b->depth <= a->depth)
				continue; /* a discontinuity */
			seg *s = &sg[nseg++];
			s->rt = R - a->depth;
			s->rb = R - b->depth;
			if (s->rb < 0)
				s->rb = 0;
			s->vt[0] = a->vp; s->vt[1] = a->vs;
			s->vb[0] = b->vp; s->vb[1] = b->vs;
		}
	}
	/* Count, then cut each segment into shells of about shell_step(). */
	int n = 0;
	for (int i = 0; i < nseg; i++) {
		double th = sg[i].rt - sg[i].rb;
		double st = shell_step(R - sg[i].rt);
		n += (int)ceil(th / st - 1e-9) > 0 ? (int)ceil(th / st - 1e-9) : 1;
	}
	m->L = calloc((size_t)n, sizeof *m->L);
	if (!m->L) {
		free(sg);
		return MSP_ERR_NOMEM;
	}
	int k = 0;
	double cmb_r = R - vm->cmb_depth, icb_r = R - vm->icb_depth;
	m->nm = m->ni = -1;
	for (int i = 0; i < nseg; i++) {
		const seg *s = &sg[i];
		double th = s->rt - s->rb;
		int ns = (int)ceil(th / shell_step(R - s->rt) - 1e-9);
		if (ns < 1)
			ns = 1;
		for (int j = 0; j < ns; j++) {
			double rt = s->rt - th * j / ns;
			double rb = j == ns - 1 ? s->rb : s->rt - th * (j + 1) / ns;
			double vt[2], vb[2];
			for (int w = 0; w < 2; w++) {
				vt[w] = seg_v(vm, s, w, rt);
				vb[w] = seg_v(vm, s, w, rb);
			}
			if (m->nm < 0 && rt <= cmb_r + 1e-6)
				m->nm = k;
			if (m->ni < 0 && rt <= icb_r + 1e-6)
				m->ni = k;
			set_layer(&m->L[k++], rt, rb, vt, vb);
		}
	}
	free(sg);
	m->nl = k;
	if (m->nm < 0 || m->ni < 0)
		return MSP_ERR_FORMAT;
	return MSP_OK;
}

/* ------------------------------------------------------- shell integrals */

/* acos(p/eta) and sqrt(eta^2 - p^2), accurate near the turning point. */
static inline void fg(double p, double eta, double *f, double *g)
{
	double q = (eta - p) * (eta + p);
	double s = q > 0 ? sqrt(q) : 0;
	*f = atan2(s, p);
	*g = s - p * *f;
}

/* The last f, g computed along a ray: the bottom of one shell is the top of
 * the next wherever the model is continuous, which halves the atan2 calls. */
typedef struct fgc {
	double eta, f, g;
} fgc;

static inline void fg_c(double p, double eta, fgc *c, double *f, double *g)
{
	if (c && eta == c->eta) {
		*f = c->f;
		*g = c->g;
		return;
	}
	fg(p, eta, f, g);
	if (c) {
		c->eta = eta;
		c->f = *f;
		c->g = *g;
	}
}

/* Distance and tau through a whole shell (p below both ends). */
static inline void shell_full(double p, double et, double eb, double B, double lnr, double *d, double *t,
                              fgc *c)
{
	if (fabs(B) < 1e-9) { /* eta constant: the limit of the Bullen law */
		double s = sqrt((et - p) * (et + p));
		*d += p * lnr / s;
		*t += s * lnr;
		return;
	}
	double ft, gt, fb, gb;
	fg_c(p, et, c, &ft, &gt);
	fg_c(p, eb, c, &fb, &gb);
	*d += (ft - fb) / B;
	*t += (gt - gb) / B;
}

/* From the top of a shell to the turning point inside it (eta = p). */
static inline void shell_turn(double p, double et, double B, double *d, double *t, fgc *c)
{
	double ft, gt;
	fg_c(p, et, c, &ft, &gt);
	*d += ft / B;
	*t += gt / B;
}

/* Surface down through the mantle for wave w: FM_TURN (turned or reflected
 * from the top of a shell), FM_PASS (reached the CMB), FM_BAD (p too big). */
static int leg_mantle_sums(const msp_earth *m, int w, double p, double *d, double *t, double *cd,
                           double *ct, size_t stride)
{
	fgc c = {-1, 0, 0};
	*d = *t = 0;
	for (int i = 0; i < m->nm; i++) {
		const layer *l = &m->L[i];
		if (cd) { /* the sums down to the top of shell i */
			cd[i * stride] = *d;
			ct[i * stride] = *t;
		}
		if (p >= l->et[w])
			return i == 0 ? FM_BAD : FM_TURN;
		if (p < l->eb[w]) {
			shell_full(p, l->et[w], l->eb[w], l->B[w], l->lnr, d, t, &c);
		} else {
			shell_turn(p, l->et[w], l->B[w], d, t, &c);
			return FM_TURN;
		}
	}
	if (cd) {
		cd[m->nm * stride] = *d;
		ct[m->nm * stride] = *t;
	}
	return FM_PASS;
}

static int leg_mantle(const msp_earth *m, int w, double p, double *d, double *t)
{
	return leg_mantle_sums(m, w, p, d, t, NULL, NULL, 0);
}

/* CMB down through the core for P. */
static int leg_core(const msp_earth *m, double p, double *d, double *t)
{
	fgc c = {-1, 0, 0};
	*d = *t = 0;
	for (int i = m->nm; i < m->nl; i++) {
		const layer *l = &m->L[i];
		if (p >= l->et[WP]) {
			if (i == m->nm)
				return FC_BAD;
			return i == m->ni ? FC_ICB : (i > m->ni ? FC_INNER : FC_OUTER);
		}
		if (l->rb > 0 && p < l->eb[WP]) {
			shell_full(p, l->et[WP], l->eb[WP], l->B[WP], l->lnr, d, t, &c);
		} else {
			shell_turn(p, l->et[WP], l->B[WP], d, t, &c);
			return i >= m->ni ? FC_INNER : FC_OUTER;
		}
	}
	return FC_INNER;
}

/* CMB down to the ICB through the outer core for P: 1 when the ray gets
 * there (it is then partly reflected: PKiKP). */
static int leg_outer(const msp_earth *m, double p, double *d, double *t)
{
	fgc c = {-1, 0, 0};
	*d = *t = 0;
	for (int i = m->nm; i < m->ni; i++) {
		const layer *l = &m->L[i];
		if (!(p < l->et[WP] && p < l->eb[WP]))
			return 0;
		shell_full(p, l->et[WP], l->eb[WP], l->B[WP], l->lnr, d, t, &c);
	}
	return 1;
}

/* Slowness of wave w at radius r inside layer l (the Bullen law). */
static double layer_eta(const layer *l, int w, double r)
{
	if (r >= l->rt)
		return l->et[w];
	return l->et[w] * pow(r / l->rt, l->B[w]);
}

/* Source up to the surface: 1 when the ray gets there (p below every
 * slowness on the way), else 0. */
static int leg_up(const msp_earth *m, const depth_ctx *c, int w, double p, double *d, double *t)
{
	fgc fc = {-1, 0, 0};
	*d = *t = 0;
	if (!(p < c->pup_max[w]))
		return 0;
	for (int i = 0; i < c->k; i++) {
		const layer *l = &m->L[i];
		shell_full(p, l->et[w], l->eb[w], l->B[w], l->lnr, d, t, &fc);
	}
	const layer *l = &m->L[c->k];
	if (c->rs < l->rt)
		shell_full(p, l->et[w], c->eta_below[w], l->B[w], c->lnr_src, d, t, &fc);
	return 1;
}

/* ---------------------------------------------------------------- phases */

enum { K_MANTLE, K_UP, K_CMBREFL, K_CORE, K_DIFF };

typedef struct phase_def {
	const char *name;
	int kind;
	int wd;    /* wave of the legs below the source (mantle, turning) */
	int wu;    /* wave of the source leg U */
	int a;     /* multiple of Fm (and Fc) */
	int c;     /* multiple of U: -1 the ray leaves the source downwards */
	int core;  /* K_CORE: FC_* wanted, 0 = any */
} phase_def;

static const phase_def phases[] = {
	{"P", K_MANTLE, WP, WP, 2, -1, 0},
	{"S", K_MANTLE, WS, WS, 2, -1, 0},
	{"p", K_UP, WP, WP, 0, 1, 0},
	{"s", K_UP, WS, WS, 0, 1, 0},
	{"pP", K_MANTLE, WP, WP, 2, 1, 0},
	{"sP", K_MANTLE, WP, WS, 2, 1, 0},
	{"sS", K_MANTLE, WS, WS, 2, 1, 0},
	{"pS", K_MANTLE, WS, WP, 2, 1, 0},
	{"PP", K_MANTLE, WP, WP, 4, -1, 0},
	{"SS", K_MANTLE, WS, WS, 4, -1, 0},
	{"PcP", K_CMBREFL, WP, WP, 2, -1, 0},
	{"ScS", K_CMBREFL, WS, WS, 2, -1, 0},
	{"PKP", K_CORE, WP, WP, 2, -1, FC_OUTER},
	{"PKiKP", K_CORE, WP, WP, 2, -1, FC_ICB},
	{"PKIKP", K_CORE, WP, WP, 2, -1, FC_INNER},
	{"SKS", K_CORE, WS, WS, 2, -1, FC_OUTER},
	{"SKIKS", K_CORE, WS, WS, 2, -1, FC_INNER},
	{"Pdiff", K_DIFF, WP, WP, 2, -1, 0},
	{"Sdiff", K_DIFF, WS, WS, 2, -1, 0},
};
#define NPHASES ((int)(sizeof phases / sizeof phases[0]))
_Static_assert(sizeof phases / sizeof phases[0] <= NPHASES_MAX, "NPHASES_MAX too small");

static const phase_def *phase_find(const char *name, size_t len)
{
	for (int i = 0; i < NPHASES; i++)
		if (strlen(phases[i].name) == len && !strncmp(phases[i].name, name, len))
			return &phases[i];
	return NULL;
}

/* The largest p (exclusive) of a phase's rays for a source. */
static double phase_pmax(const msp_earth *m, const depth_ctx *c, const phase_def *ph)
{
	double pm = c->pup_max[ph->wu];
	if (ph->kind == K_UP)
		return pm;
	if (ph->c < 0 && c->eta_below[ph->wd] < pm)
		pm = c->eta_below[ph->wd]; /* leaves the source downwards */
	if (m->L[0].et[ph->wd] < pm)
		pm = m->L[0].et[ph->wd]; /* the legs below start at the surface (sP) */
	if (ph->kind == K_CMBREFL || ph->kind == K_CORE) {
		double e = m->L[m->nm - 1].eb[ph->wd];
		if (e < pm)
			pm = e;
		if (ph->kind == K_CORE && m->L[m->nm].et[WP] < pm)
			pm = m->L[m->nm].et[WP];
		/* the branch ends where rays graze the ICB (from above, or
		 * from below for those that turn in the inner core) */
		if (ph->core == FC_ICB && m->L[m->ni - 1].eb[WP] < pm)
			pm = m->L[m->ni - 1].eb[WP];
		if (ph->core == FC_INNER && m->L[m->ni].et[WP] < pm)
			pm = m->L[m->ni].et[WP];
	}
	return pm;
}

/* The legs of a ray of parameter p (see the top of the file). */
typedef struct legs {
	int fms;         /* FM_*: surface to turning point or CMB */
	double fmd, fmt;
	int fcs;         /* FC_*: CMB to turning point in the core */
	double fcd, fct;
	int fos;         /* CMB to ICB */
	double fod, fot;
	int uok;         /* source to surface */
	double ud, ut;
} legs;

/* delta and tau of a phase at ray parameter p, from its legs; 0 when no
 * such ray exists. */
static int combine(const phase_def *ph, double p, double pmax, int depth0, const legs *g,
                   double *d, double *t)
{
	double fd = g->fmd, ft = g->fmt;
	if (!g->uok || !(p < pmax))
		return 0;
	if (ph->kind == K_UP) {
		if (depth0)
			return 0; /* a surface source has no upgoing ray */
		*d = g->ud;
		*t = g->ut;
		return 1;
	}
	if (ph->c > 0 && depth0)
		return 0; /* depth phases of a surface source are the phase itself */
	if (ph->kind == K_MANTLE || ph->kind == K_DIFF) {
		if (g->fms != FM_TURN)
			return 0;
	} else if (ph->kind == K_CMBREFL) {
		if (g->fms != FM_PASS)
			return 0;
	} else if (ph->core == FC_ICB) { /* PKiKP: reflected from the ICB */
		if (g->fms != FM_PASS || !g->fos)
			return 0;
		fd += g->fod;
		ft += g->fot;
	} else { /* K_CORE: turning in the core */
		if (g->fms != FM_PASS || g->fcs == FC_BAD || g->fcs == FC_ICB)
			return 0;
		if (ph->core && g->fcs != ph->core)
			return 0;
		fd += g->fcd;
		ft += g->fct;
	}
	*d = ph->a * fd + ph->c * g->ud;
	*t = ph->a * ft + ph->c * g->ut;
	return 1;
}

/* Exact evaluation at any p. */
static int phase_eval(const msp_earth *m, const depth_ctx *c, const phase_def *ph, double p,
                      double *d, double *t)
{
	double pmax = phase_pmax(m, c, ph);
	legs g = {0};
	if (ph->kind != K_UP)
		g.fms = leg_mantle(m, ph->wd, p, &g.fmd, &g.fmt);
	if (ph->kind == K_CORE && g.fms == FM_PASS) {
		if (ph->core == FC_ICB)
			g.fos = leg_outer(m, p, &g.fod, &g.fot);
		else
			g.fcs = leg_core(m, p, &g.fcd, &g.fct);
	}
	g.uok = leg_up(m, c, ph->wu, p, &g.ud, &g.ut);
	return combine(ph, p, pmax, c->depth == 0, &g, d, t);
}

/* Tabulated evaluation at grid point j. */
static int phase_grid(const msp_earth *m, const depth_ctx *c, const phase_def *ph, int j,
                      double pmax, double *d, double *t)
{
	int w = ph->wd;
	legs g = {0};
	if (ph->kind != K_UP) {
		g.fms = m->Fms[w][j];
		g.fmd = m->Fmd[w][j];
		g.fmt = m->Fmt[w][j];
	}
	if (ph->kind == K_CORE) { /* the P tables, with the core legs, exist */
		g.fcs = m->Fcs[j];
		g.fcd = m->Fcd[j];
		g.fct = m->Fct[j];
		g.fos = m->Fos[j];
		g.fod = m->Fod[j];
		g.fot = m->Fot[j];
	}
	g.uok = c->Uok[ph->wu][j];
	g.ud = c->Ud[ph->wu][j];
	g.ut = c->Ut[ph->wu][j];
	return combine(ph, m->p[j], pmax, c->depth == 0, &g, d, t);
}

/* ----------------------------------------------------------- the tables */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define GRID_SUB 3 /* grid points between two consecutive boundary slownesses */

static int build_grid(msp_earth *m)
{
	size_t cap = (size_t)m->nl * 4 + 4, n = 0;
	double *e = malloc(cap * sizeof *e);
	if (!e)
		return MSP_ERR_NOMEM;
	e[n++] = 0;
	for (int i = 0; i < m->nl; i++)
		for (int w = 0; w < 2; w++) {
			if (m->L[i].et[w] > 0)
				e[n++] = m->L[i].et[w];
			if (m->L[i].eb[w] > 0)
				e[n++] = m->L[i].eb[w];
		}
	qsort(e, n, sizeof *e, cmp_double);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || e[i] > e[u - 1])
			e[u++] = e[i];
	if (u < 2) {
		free(e);
		return MSP_ERR_FORMAT;
	}
	m->np = (int)((u - 1) * GRID_SUB + 1);
	m->p = malloc((size_t)m->np * sizeof *m->p);
	if (!m->p) {
		free(e);
		return MSP_ERR_NOMEM;
	}
	int j = 0;
	for (size_t i = 0; i + 1 < u; i++)
		for (int s = 0; s < GRID_SUB; s++)
			m->p[j++] = s == 0 ? e[i] : e[i] + (e[i + 1] - e[i]) * s / GRID_SUB;
	m->p[j++] = e[u - 1];
	free(e);
	return MSP_OK;
}

/* The source-independent legs of wave w on the grid (P: with the core),
 * built on first use so that a P-only run never integrates S. */
static int ensure_F(msp_earth *m, int w)
{
	if (m->Fready[w])
		return MSP_OK;
	size_t np = (size_t)m->np;
	m->Fmd[w] = malloc(np * sizeof(double));
	m->Fmt[w] = malloc(np * sizeof(double));
	m->Fms[w] = malloc(np);
	m->Cd[w] = malloc((size_t)(m->nm + 1) * np * sizeof(double));
	m->Ct[w] = malloc((size_t)(m->nm + 1) * np * sizeof(double));
	if (!m->Fmd[w] || !m->Fmt[w] || !m->Fms[w] || !m->Cd[w] || !m->Ct[w])
		return MSP_ERR_NOMEM;
	if (w == WP) {
		m->Fcd = malloc(np * sizeof(double));
		m->Fct = malloc(np * sizeof(double));
		m->Fcs = malloc(np);
		m->Fod = malloc(np * sizeof(double));
		m->Fot = malloc(np * sizeof(double));
		m->Fos = malloc(np);
		if (!m->Fcd || !m->Fct || !m->Fcs || !m->Fod || !m->Fot || !m->Fos)
			return MSP_ERR_NOMEM;
	}
	for (int j = 0; j < m->np; j++) {
		double p = m->p[j];
		m->Fms[w][j] = (signed char)leg_mantle_sums(m, w, p, &m->Fmd[w][j], &m->Fmt[w][j], m->Cd[w] + j,
		                                            m->Ct[w] + j, np);
		if (w != WP)
			continue;
		m->Fcd[j] = m->Fct[j] = 0;
		m->Fcs[j] = FC_BAD;
		m->Fod[j] = m->Fot[j] = 0;
		m->Fos[j] = 0;
		/* the core legs are wanted wherever any wave reaches the CMB:
		 * p below the core-top P slowness covers P and S */
		if (p < m->L[m->nm].et[WP]) {
			m->Fcs[j] = (signed char)leg_core(m, p, &m->Fcd[j], &m->Fct[j]);
			m->Fos[j] = (unsigned char)leg_outer(m, p, &m->Fod[j], &m->Fot[j]);
		}
	}
	m->Fready[w] = 1;
	return MSP_OK;
}

static void ctx_reset(depth_ctx *c)
{
	for (int i = 0; i < NPHASES_MAX; i++) {
		free(c->br[i].P);
		free(c->br[i].turn);
		memset(&c->br[i], 0, sizeof c->br[i]);
	}
	c->Uready[0] = c->Uready[1] = 0;
	c->graze_ok[0] = c->graze_ok[1] = -1;
}

static void ctx_free(depth_ctx *c)
{
	ctx_reset(c);
	for (int w = 0; w < 2; w++) {
		free(c->Ud[w]);
		free(c->Ut[w]);
		free(c->Uok[w]);
		c->Ud[w] = c->Ut[w] = NULL;
		c->Uok[w] = NULL;
	}
}

/* The geometry of a source depth; the tables come later, on first use. */
static void ctx_fill(msp_earth *m, depth_ctx *c, double depth)
{
	ctx_reset(c);
	c->depth = depth;
	c->rs = m->R - depth;
	int k = 0;
	while (k < m->nl - 1 && !(m->L[k].rb < c->rs))
		k++;
	c->k = k;
	const layer *l = &m->L[k];
	c->lnr_src = c->rs < l->rt ? log(l->rt / c->rs) : 0;
	for (int w = 0; w < 2; w++) {
		double pm = INFINITY;
		for (int i = 0; i < k; i++) {
			if (m->L[i].et[w] < pm)
				pm = m->L[i].et[w];
			if (m->L[i].eb[w] < pm)
				pm = m->L[i].eb[w];
		}
		c->eta_below[w] = layer_eta(l, w, c->rs);
		if (c->rs < l->rt) { /* inside the layer */
			if (l->et[w] < pm)
				pm = l->et[w];
			if (c->eta_below[w] < pm)
				pm = c->eta_below[w];
			c->eta_above[w] = c->eta_below[w];
		} else {
			c->eta_above[w] = k > 0 ? m->L[k - 1].eb[w] : l->et[w];
		}
		c->pup_max[w] = depth > 0 ? pm : INFINITY;
	}
}

/* The source leg U of wave w on the grid. */
static int ensure_F(msp_earth *m, int w);
static int ensure_U(const msp_earth *m, depth_ctx *c, int w)
{
	if (c->Uready[w])
		return MSP_OK;
	size_t np = (size_t)m->np;
	if (!c->Ud[w]) {
		c->Ud[w] = malloc(np * sizeof(double));
		c->Ut[w] = malloc(np * sizeof(double));
		c->Uok[w] = malloc(np);
		if (!c->Ud[w] || !c->Ut[w] || !c->Uok[w])
			return MSP_ERR_NOMEM;
	}
	/* from the prefix sums of the model tables: only the shell holding
	 * the source is integrated here */
	int st = ensure_F((msp_earth *)m, w);
	if (st)
		return st;
	const layer *l = &m->L[c->k];
	const double *cd = m->Cd[w] + (size_t)c->k * np, *ct = m->Ct[w] + (size_t)c->k * np;
	for (int j = 0; j < m->np; j++) {
		double p = m->p[j];
		c->Uok[w][j] = p < c->pup_max[w];
		if (!c->Uok[w][j]) {
			c->Ud[w][j] = c->Ut[w][j] = 0;
			continue;
		}
		c->Ud[w][j] = cd[j];
		c->Ut[w][j] = ct[j];
		if (c->rs < l->rt)
			shell_full(p, l->et[w], c->eta_below[w], l->B[w], c->lnr_src, &c->Ud[w][j], &c->Ut[w][j], NULL);
	}
	c->Uready[w] = 1;
	return MSP_OK;
}

static int get_ctx(msp_earth *m, double depth, depth_ctx **out)
{
	m->tick++;
	for (int i = 0; i < m->ncache; i++)
		if (m->cache[i].depth == depth) {
			m->cache[i].used = m->tick;
			*out = &m->cache[i];
			return MSP_OK;
		}
	depth_ctx *c;
	if (m->ncache < NCACHE) {
		c = &m->cache[m->ncache++];
	} else {
		c = &m->cache[0];
		for (int i = 1; i < NCACHE; i++)
			if (m->cache[i].used < c->used)
				c = &m->cache[i];
	}
	c->used = m->tick;
	ctx_fill(m, c, depth);
	*out = c;
	return MSP_OK;
}

/* ---------------------------------------------------------------- public */

int msp_earth_open(msp_earth **out, const char *model)
{
	const msp_vmodel *vm = NULL;
	*out = NULL;
	if (!model || !strcmp(model, "iasp91"))
		vm = &msp_model_iasp91;
	else if (!strcmp(model, "ak135"))
		vm = &msp_model_ak135;
	else
		return MSP_ERR_NOTFOUND;
	msp_earth *m = calloc(1, sizeof *m);
	if (!m)
		return MSP_ERR_NOMEM;
	m->vm = vm;
	m->R = vm->radius;
	int st = build_layers(m);
	if (!st)
		st = build_grid(m);
	if (st) {
		msp_earth_close(m);
		return st;
	}
	for (int i = 0; i < NCACHE; i++)
		m->cache[i].depth = NAN;
	*out = m;
	return MSP_OK;
}

void msp_earth_close(msp_earth *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->ncache; i++)
		ctx_free(&m->cache[i]);
	for (int w = 0; w < 2; w++) {
		free(m->Fmd[w]);
		free(m->Fmt[w]);
		free(m->Fms[w]);
		free(m->Cd[w]);
		free(m->Ct[w]);
	}
	free(m->Fcd);
	free(m->Fct);
	free(m->Fcs);
	free(m->Fod);
	free(m->Fot);
	free(m->Fos);
	free(m->p);
	free(m->L);
	free(m);
}

typedef struct arr_list {
	msp_arrival *a;
	int n, max;
} arr_list;

static void fill_arrival(const msp_earth *m, const depth_ctx *c, const phase_def *ph, double p,
                         double time, arr_list *al)
{
	const char *name = ph->name;
	if (al->n >= al->max) {
		/* keep the earliest: replace the latest if this one is earlier */
		int worst = 0;
		for (int i = 1; i < al->n; i++)
			if (al->a[i].time > al->a[worst].time)
				worst = i;
		if (al->n == 0 || time >= al->a[worst].time)
			return;
		al->n--;
		al->a[worst] = al->a[al->n];
	}
	msp_arrival *a = &al->a[al->n++];
	memset(a, 0, sizeof *a);
	snprintf(a->phase, sizeof a->phase, "%s", name);
	a->time = time;
	a->rayp = p * DEG;
	double es = (ph->kind == K_UP || ph->c > 0) ? c->eta_above[ph->wu] : c->eta_below[ph->wd];
	double s = es > 0 ? p / es : 0;
	if (s > 1)
		s = 1;
	double tk = asin(s) / DEG;
	a->takeoff = (ph->kind == K_UP || ph->c > 0) ? 180.0 - tk : tk;
	int wr = ph->kind == K_UP ? ph->wu : ph->wd;
	double er = m->L[0].et[wr];
	s = er > 0 ? p / er : 0;
	a->incident = asin(s > 1 ? 1 : s) / DEG;
}

/* Brent's method on f(p) = delta(p) - target over [a, b] (f(a), f(b) of
 * opposite signs or zero). */
static int solve(const msp_earth *m, const depth_ctx *c, const phase_def *ph, double target,
                 double a, double fa, double b, double fb, double *pr, double *tr)
{
	double d, t;
	if (fa == 0) {
		if (!phase_eval(m, c, ph, a, &d, &t))
			return 0;
		*pr = a;
		*tr = t + a * d;
		return 1;
	}
	if (fb == 0) {
		if (!phase_eval(m, c, ph, b, &d, &t))
			return 0;
		*pr = b;
		*tr = t + b * d;
		return 1;
	}
	double cc = a, fc = fa, dd = b - a, e = dd;
	for (int it = 0; it < 100; it++) {
		if ((fb > 0) == (fc > 0)) {
			cc = a;
			fc = fa;
			dd = e = b - a;
		}
		if (fabs(fc) < fabs(fb)) {
			a = b; b = cc; cc = a;
			fa = fb; fb = fc; fc = fa;
		}
		double tol = 1e-11 * fabs(b) + 1e-12;
		double xm = 0.5 * (cc - b);
		if (fabs(xm) <= tol || fabs(fb) < 1e-6)
			break;
		if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
			double s = fb / fa, pp, q;
			if (a == cc) {
				pp = 2 * xm * s;
				q = 1 - s;
			} else {
				double qq = fa / fc, r = fb / fc;
				pp = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
				q = (qq - 1) * (r - 1) * (s - 1);
			}
			if (pp > 0)
				q = -q;
			pp = fabs(pp);
			double min1 = 3 * xm * q - fabs(tol * q), min2 = fabs(e * q);
			if (2 * pp < (min1 < min2 ? min1 : min2)) {
				e = dd;
				dd = pp / q;
			} else {
				dd = xm;
				e = dd;
			}
		} else {
			dd = xm;
			e = dd;
		}
		a = b;
		fa = fb;
		b += fabs(dd) > tol ? dd : (xm > 0 ? tol : -tol);
		if (!phase_eval(m, c, ph, b, &d, &t))
			return 0;
		fb = d - target;
		/* Done when the second-order term of T(target) = T(p) +
		 * p (target - delta(p)) is below a microsecond and p is good to
		 * 1e-4 s/deg: the slope dp/ddelta is taken from the bracket. */
		double slope = fa != fb ? fabs((b - a) / (fb - fa)) : INFINITY;
		if (0.5 * slope * fb * fb < 1e-6 && slope * fabs(fb) * DEG < 1e-4) {
			*pr = b;
			*tr = t + b * d + b * (target - d);
			return 1;
		}
	}
	if (!phase_eval(m, c, ph, b, &d, &t))
		return 0;
	*pr = b;
	/* T at the target distance: dT/ddelta = p, so the residual of the root
	 * costs only second order. */
	*tr = t + b * d + b * (target - d);
	return 1;
}

/* Golden-section search for the extremum of delta(p) in [a, b]; sign +1 for
 * a maximum, -1 for a minimum. */
static int extremum(const msp_earth *m, const depth_ctx *c, const phase_def *ph, double a, double b,
                    int sign, double *pe, double *de)
{
	const double g = 0.6180339887498949;
	double x1 = b - g * (b - a), x2 = a + g * (b - a), d1, d2, t;
	if (!phase_eval(m, c, ph, x1, &d1, &t) || !phase_eval(m, c, ph, x2, &d2, &t))
		return 0;
	/* 30 steps shrink the bracket 1e6 times: delta is flat at its extremum */
	for (int it = 0; it < 30; it++) {
		if (sign * d1 > sign * d2) {
			b = x2; x2 = x1; d2 = d1;
			x1 = b - g * (b - a);
			if (!phase_eval(m, c, ph, x1, &d1, &t))
				return 0;
		} else {
			a = x1; x1 = x2; d1 = d2;
			x2 = a + g * (b - a);
			if (!phase_eval(m, c, ph, x2, &d2, &t))
				return 0;
		}
	}
	*pe = sign * d1 > sign * d2 ? x1 : x2;
	*de = sign * d1 > sign * d2 ? d1 : d2;
	return 1;
}

/* The samples of a phase's branch for a source: the grid points in its
 * domain, then the end at pmax (a ray leaving the source horizontally);
 * built once per depth and phase. */
static int ensure_samples(msp_earth *m, depth_ctx *c, int iph)
{
	const phase_def *ph = &phases[iph];
	if (c->br[iph].built)
		return MSP_OK;
	int st;
	if ((ph->kind != K_UP && (st = ensure_F(m, ph->wd))) ||
	    (ph->kind == K_CORE && (st = ensure_F(m, WP))) || (st = ensure_U(m, c, ph->wu)))
		return st;
	double pmax = phase_pmax(m, c, ph);
	int cap = m->np + 1, n = 0;
	double *P = malloc((size_t)cap * 3 * sizeof(double));
	if (!P)
		return MSP_ERR_NOMEM;
	double *D = P + cap, *T = D + cap;
	for (int j = 0; j < m->np; j++) {
		if (!(m->p[j] < pmax))
			break;
		double d, t;
		/* each phase's domain in p is one interval, so skipping the
		 * invalid points never joins two pieces of a branch */
		if (phase_grid(m, c, ph, j, pmax, &d, &t)) {
			P[n] = m->p[j];
			D[n] = d;
			T[n] = t;
			n++;
		}
	}
	if (isfinite(pmax) && (n == 0 || P[n - 1] < pmax)) {
		double pe = pmax * (1 - 1e-12), d, t;
		if (phase_eval(m, c, ph, pe, &d, &t)) {
			P[n] = pe;
			D[n] = d;
			T[n] = t;
			n++;
		}
	}
	branch *br = &c->br[iph];
	int nb = n > 1 ? (n - 2) / BLOCK + 1 : 0;
	/* P, D, T at their final length (D and T move down, in that order,
	 * so neither overwrites the other), then the block ranges */
	memmove(P + n, P + cap, (size_t)n * sizeof(double));
	memmove(P + 2 * n, P + 2 * cap, (size_t)n * sizeof(double));
	double *blk = realloc(P, (size_t)(3 * n + 2 * nb + 1) * sizeof(double));
	if (!blk) {
		free(P);
		return MSP_ERR_NOMEM;
	}
	P = blk;
	br->P = P;
	br->D = P + n;
	br->T = P + 2 * n;
	br->bmin = P + 3 * n;
	br->bmax = br->bmin + nb;
	br->n = n;
	br->nb = nb;
	D = br->D;
	T = br->T;
	for (int b = 0; b < nb; b++) {
		int i0 = b * BLOCK, i1 = i0 + BLOCK < n - 1 ? i0 + BLOCK : n - 1;
		double lo = D[i0], hi = D[i0];
		for (int i = i0 + 1; i <= i1; i++) {
			if (D[i] < lo) lo = D[i];
			if (D[i] > hi) hi = D[i];
		}
		br->bmin[b] = lo;
		br->bmax[b] = hi;
	}
	br->turn = malloc((size_t)(n > 0 ? n : 1) * sizeof(int));
	if (!br->turn)
		return MSP_ERR_NOMEM;
	br->nturn = 0;
	for (int i = 0; i + 2 < n; i++) {
		double s1 = D[i + 1] - D[i], s2 = D[i + 2] - D[i + 1];
		if ((s1 > 0 && s2 < 0) || (s1 < 0 && s2 > 0))
			br->turn[br->nturn++] = i;
	}
	/* T between two samples lies within their step of the smaller */
	double tl = INFINITY, dm = -1;
	for (int i = 0; i < n; i++) {
		double t = T[i];
		if (i + 1 < n)
			t = (t < T[i + 1] ? t : T[i + 1]) - fabs(T[i + 1] - t);
		if (t < tl)
			tl = t;
		if (D[i] > dm)
			dm = D[i];
	}
	br->tlow = tl;
	br->dmax = dm;
	br->built = 1;
	return MSP_OK;
}

/* Every ray of a branch at one target distance. */
static void branch_roots(const msp_earth *m, depth_ctx *c, int iph, double target, arr_list *al)
{
	const phase_def *ph = &phases[iph];
	branch *br = &c->br[iph];
	const double *P = br->P, *D = br->D;
	int n = br->n;
	double pr, tr;
	if (n > 0 && D[0] == target && solve(m, c, ph, target, P[0], 0, P[0], 0, &pr, &tr))
		fill_arrival(m, c, ph, pr, tr, al);
	/* the brackets of the target between samples, in the blocks whose
	 * range holds it */
	for (int b = 0; b < br->nb; b++) {
		if (target < br->bmin[b] || target > br->bmax[b])
			continue;
		int i0 = b * BLOCK, i1 = i0 + BLOCK < n - 1 ? i0 + BLOCK : n - 1;
		for (int i = i0; i < i1; i++) {
			double f0 = D[i] - target, f1 = D[i + 1] - target;
			if ((f0 < 0 && f1 > 0) || (f0 > 0 && f1 < 0) || f1 == 0) {
				if (solve(m, c, ph, target, P[i], f0, P[i + 1], f1, &pr, &tr))
					fill_arrival(m, c, ph, pr, tr, al);
			}
		}
	}
	/* A turn of delta(p) near sample i+1 that the samples straddle:
	 * between samples the curve passes the middle one by no more than
	 * about the steps beside it. */
	for (int t = 0; t < br->nturn; t++) {
		int i = br->turn[t];
		double s1 = D[i + 1] - D[i], s2 = D[i + 2] - D[i + 1];
		int sign = s1 > 0 ? 1 : -1;
		double reach = 2 * (fabs(s1) > fabs(s2) ? fabs(s1) : fabs(s2)), pe, de;
		double beyond = sign * (target - D[i + 1]);
		if (!(beyond > 0 && beyond < reach))
			continue;
		/* the parabola through the three samples estimates how far the
		 * curve passes the middle one; search only if the target lies
		 * within three times that (a generous margin: the golden-section
		 * search below costs some 30 evaluations, once per depth) */
		double x0 = P[i], x1 = P[i + 1], x2 = P[i + 2], y0 = D[i], y1 = D[i + 1], y2 = D[i + 2];
		double num = (x1 - x0) * (x1 - x0) * (y1 - y2) - (x1 - x2) * (x1 - x2) * (y1 - y0);
		double den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0);
		if (den != 0) {
			double xv = x1 - 0.5 * num / den;
			double yv = y0 * (xv - x1) * (xv - x2) / ((x0 - x1) * (x0 - x2)) +
			            y1 * (xv - x0) * (xv - x2) / ((x1 - x0) * (x1 - x2)) +
			            y2 * (xv - x0) * (xv - x1) / ((x2 - x0) * (x2 - x1));
			double over = sign * (yv - y1);
			if (beyond > 3 * (over > 0 ? over : 0) + 1e-12)
				continue;
		}
		int k;
		for (k = 0; k < br->next; k++)
			if (br->ext[k].i == i)
				break;
		if (k == br->next) {
			if (!extremum(m, c, ph, P[i], P[i + 2], sign, &pe, &de))
				continue;
			if (k < MAX_EXT)
				br->ext[br->next++] = (ext_cache){i, pe, de};
		} else {
			pe = br->ext[k].pe;
			de = br->ext[k].de;
		}
		if (sign * (de - target) < 0)
			continue;
		int left = pe < P[i + 1];
		double lo = left ? P[i] : P[i + 1], hi = left ? P[i + 1] : P[i + 2];
		double flo = (left ? D[i] : D[i + 1]) - target, fhi = (left ? D[i + 1] : D[i + 2]) - target;
		double fe = de - target;
		if (solve(m, c, ph, target, lo, flo, pe, fe, &pr, &tr))
			fill_arrival(m, c, ph, pr, tr, al);
		if (fe != 0 && solve(m, c, ph, target, pe, fe, hi, fhi, &pr, &tr))
			fill_arrival(m, c, ph, pr, tr, al);
	}
}

/* All rays of one phase at a distance (radians), reached either way round
 * (dist or 2 pi - dist). */
static int phase_arrivals(msp_earth *m, depth_ctx *c, int iph, double dist, arr_list *al)
{
	const phase_def *ph = &phases[iph];
	if (ph->kind == K_DIFF) {
		int w = ph->wd, ib = w == WP ? 0 : 1; /* the grazing P or S */
		const phase_def *base = &phases[ib];
		double pd = m->L[m->nm - 1].eb[w];
		if (c->graze_ok[w] < 0) {
			int st;
			if ((st = ensure_F(m, w)) || (st = ensure_U(m, c, w)))
				return st;
			c->graze_ok[w] = pd < phase_pmax(m, c, ph) &&
			                 phase_eval(m, c, base, pd, &c->graze_d[w], &c->graze_t[w]);
		}
		/* as TauP: diffraction along the CMB for at most 60 degrees */
		if (c->graze_ok[w] && dist > c->graze_d[w] && dist <= c->graze_d[w] + MAX_DIFFRACTION)
			fill_arrival(m, c, ph, pd, c->graze_t[w] + pd * dist, al);
		return MSP_OK;
	}
	int st = ensure_samples(m, c, iph);
	if (st)
		return st;
	if (al->n >= al->max) { /* the list is full: skip a branch that cannot beat it */
		double worst = -INFINITY;
		for (int i = 0; i < al->n; i++)
			if (al->a[i].time > worst)
				worst = al->a[i].time;
		if (c->br[iph].tlow >= worst)
			return MSP_OK;
	}
	branch_roots(m, c, iph, dist, al);
	if (dist > 0 && dist < M_PI && c->br[iph].dmax >= 2 * M_PI - dist)
		branch_roots(m, c, iph, 2 * M_PI - dist, al);
	return MSP_OK;
}

static int check_args(const msp_earth *m, double depth_km, double dist_deg)
{
	if (!m || !isfinite(depth_km) || !isfinite(dist_deg))
		return MSP_ERR_INVAL;
	if (depth_km < 0 || depth_km >= m->vm->cmb_depth || dist_deg < 0 || dist_deg > 360)
		return MSP_ERR_RANGE;
	return MSP_OK;
}

static int cmp_arrival(const void *a, const void *b)
{
	double x = ((const msp_arrival *)a)->time, y = ((const msp_arrival *)b)->time;
	return x < y ? -1 : x > y;
}

/* Arrivals of the phases named in a comma-separated list, or of a family. */
static int arrivals(msp_earth *m, double depth_km, double dist_deg, const char *list, int family,
                    msp_arrival *out, int max, int *nout)
{
	int st = check_args(m, depth_km, dist_deg);
	if (st)
		return st;
	if (dist_deg > 180)
		dist_deg = 360 - dist_deg;
	depth_ctx *c;
	if ((st = get_ctx(m, depth_km, &c)))
		return st;
	arr_list al = {out, 0, max};
	const char *s = list;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0)
			return MSP_ERR_INVAL;
		static const char *const fam_p[] = {"p", "P", "Pdiff", "PKP", "PKiKP", "PKIKP", NULL};
		static const char *const fam_s[] = {"s", "S", "Sdiff", NULL};
		const char *const *fam = NULL;
		if (family && len == 1 && *s == 'P')
			fam = fam_p;
		else if (family && len == 1 && *s == 'S')
			fam = fam_s;
		const phase_def *one = fam ? NULL : phase_find(s, len);
		if (!fam && !one)
			return MSP_ERR_NOTFOUND;
		for (int i = 0; fam ? fam[i] != NULL : i < 1; i++) {
			const phase_def *ph = fam ? phase_find(fam[i], strlen(fam[i])) : one;
			if ((st = phase_arrivals(m, c, (int)(ph - phases), dist_deg * DEG, &al)))
				return st;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	qsort(out, (size_t)al.n, sizeof *out, cmp_arrival);
	*nout = al.n;
	return MSP_OK;
}

int msp_earth_arrivals(msp_earth *m, double depth_km, double dist_deg, const char *phases_list,
                       msp_arrival *out, int max, int *n)
{
	*n = 0;
	if (!phases_list || !*phases_list || max < 0 || (max > 0 && !out))
		return MSP_ERR_INVAL;
	return arrivals(m, depth_km, dist_deg, phases_list, 0, out, max, n);
}

int msp_earth_phase_valid(const char *name)
{
	return name && *name && phase_find(name, strlen(name)) != NULL;
}

int msp_earth_first(msp_earth *m, double depth_km, double dist_deg, const char *family,
                    msp_arrival *out)
{
	if (!family || !*family || strchr(family, ',') || !out)
		return MSP_ERR_INVAL;
	int n = 0;
	int st = arrivals(m, depth_km, dist_deg, family, 1, out, 1, &n);
	if (st)
		return st;
	return n > 0 ? MSP_OK : MSP_ERR_NOTFOUND;
}
