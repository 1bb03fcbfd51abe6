/*
 * stack.c - group reduce: exact sum / mean, per-sample median, robust
 * (dbxcor) stack, partial stacks and their merge, group keys.
 *
 * The sum keeps, for every output sample, a two's complement fixed-point
 * integer of 64-bit limbs.  Limb k holds bits 64k-BIAS .. 64k-BIAS+63 of the
 * value, so any double (down to subnormals) is an integer multiple of the
 * lowest representable bit.  Only the window of limbs that inputs have
 * touched is stored, shared by all samples of a group (a few limbs for
 * ordinary data).  Adding is integer addition with carries, which is exact
 * and associative, so the final rounding sees the exact sum whatever the
 * order or grouping of the inputs.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_stack.h"
#include "msp_meta.h"
#include "msp_status.h"

#define BIAS 1152 /* bit position of x*2^0 is BIAS (multiple of 64) */
#define GUARD 1   /* limbs kept above the highest touched limb for carries/sign */

/* ---------------------------------------------------------------- accumulator */

typedef struct lacc {
	int klo;         /* absolute index of limb 0 of the window */
	int nl;          /* limbs per sample (0: nothing added yet) */
	size_t n;        /* samples */
	uint64_t *l;     /* n * nl limbs, sample-major */
	size_t cap;      /* allocated limbs */
} lacc;

static int lacc_init(lacc *a, size_t n)
{
	a->klo = 0;
	a->nl = 0;
	a->n = n;
	return MSP_OK;
}

/* Make the window cover absolute limbs [lo, hi], sign-extending upward. */
static int lacc_cover(lacc *a, int lo, int hi)
{
	if (a->nl && lo >= a->klo && hi <= a->klo + a->nl - 1)
		return MSP_OK;
	int nlo = a->nl ? (lo < a->klo ? lo : a->klo) : lo;
	int nhi = a->nl ? (hi > a->klo + a->nl - 1 ? hi : a->klo + a->nl - 1) : hi;
	int nnl = nhi - nlo + 1;
	size_t need = a->n * (size_t)nnl;
	uint64_t *nl = malloc((need ? need : 1) * sizeof *nl);
	if (!nl)
		return MSP_ERR_NOMEM;
	for (size_t i = 0; i < a->n; i++) {
		uint64_t *dst = nl + i * (size_t)nnl;
		if (!a->nl) {
			memset(dst, 0, (size_t)nnl * sizeof *dst);
			continue;
		}
		const uint64_t *src = a->l + i * (size_t)a->nl;
		int off = a->klo - nlo;
		memset(dst, 0, (size_t)off * sizeof *dst);
		memcpy(dst + off, src, (size_t)a->nl * sizeof *dst);
		uint64_t ext = ((int64_t)src[a->nl - 1] < 0) ? ~0ULL : 0;
		for (int k = off + a->nl; k < nnl; k++)
			dst[k] = ext;
	}
	free(a->l);
	a->l = nl;
	a->cap = need;
	a->klo = nlo;
	a->nl = nnl;
	return MSP_OK;
}

/* Split a nonzero finite double into |M| * 2^e, M < 2^53, from its IEEE 754
 * bits (subnormals have exponent -1074 and no hidden bit). */
static inline void split(double x, uint64_t *m, int *e, int *neg)
{
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	int ex = (int)((b >> 52) & 0x7ff);
	uint64_t f = b & ((1ULL << 52) - 1);
	if (ex) {
		*m = f | (1ULL << 52);
		*e = ex - 1075;
	} else {
		*m = f;
		*e = -1074;
	}
	*neg = (int)(b >> 63);
}
/* Window needed for x: [k, k+1+GUARD]. */
static inline int lacc_need(double x, int *lo, int *hi)
{
	if (x == 0.0)
		return 0;
	uint64_t m;
	int e, neg;
	split(x, &m, &e, &neg);
	int p = e + BIAS;
	*lo = p >> 6;
	*hi = (p >> 6) + 1 + GUARD;
	return 1;
}

/* Add x to sample i; the window must already cover it. */
static inline void lacc_add1(lacc *a, size_t i, double x)
{
	if (x == 0.0)
		return;
	uint64_t m;
	int e, neg;
	split(x, &m, &e, &neg);
	int p = e + BIAS;
	int k = (p >> 6) - a->klo, s = p & 63;
	uint64_t lo = m << s, hi = s ? m >> (64 - s) : 0;
	uint64_t *L = a->l + i * (size_t)a->nl;
	int nl = a->nl;
	if (!neg) {
		uint64_t t = L[k] + lo;
		uint64_t c = t < lo;
		L[k] = t;
		t = L[k + 1] + hi;
		uint64_t c2 = t < hi;
		t += c;
		c2 |= t < c;
		L[k + 1] = t;
		for (int j = k + 2; c2 && j < nl; j++) {
			L[j] += 1;
			c2 = L[j] == 0;
		}
	} else {
		uint64_t b = L[k] < lo;
		L[k] -= lo;
		uint64_t b2 = L[k + 1] < hi;
		uint64_t t = L[k + 1] - hi;
		b2 |= t < b;
		t -= b;
		L[k + 1] = t;
		for (int j = k + 2; b2 && j < nl; j++) {
			b2 = L[j] == 0;
			L[j] -= 1;
		}
	}
}

/* Add another window's sample (two's complement limbs src[0..snl-1] at
 * absolute index sklo) to sample i; the window must cover src plus one limb. */
static void lacc_addlimbs(lacc *a, size_t i, const uint64_t *src, int sklo, int snl)
{
	uint64_t *L = a->l + i * (size_t)a->nl;
	uint64_t ext = ((int64_t)src[snl - 1] < 0) ? ~0ULL : 0;
	uint64_t c = 0;
	for (int j = sklo - a->klo; j < a->nl; j++) {
		int si = j - (sklo - a->klo);
		uint64_t v = si < snl ? src[si] : ext;
		uint64_t t = L[j] + v;
		uint64_t c1 = t < v;
		t += c;
		c1 |= t < c;
		L[j] = t;
		c = c1;
	}
}

/* Correctly rounded (ties to even) double of sample i. */
static double lacc_round(const lacc *a, size_t i)
{
	if (!a->nl)
		return 0.0;
	int nl = a->nl;
	uint64_t tmp[64];
	uint64_t *w = nl <= 64 ? tmp : malloc((size_t)nl * sizeof *w);
	if (!w)
		return NAN;
	memcpy(w, a->l + i * (size_t)nl, (size_t)nl * sizeof *w);
	int neg = (int64_t)w[nl - 1] < 0;
	if (neg) {
		uint64_t c = 1;
		for (int j = 0; j < nl; j++) {
			w[j] = ~w[j] + c;
			c = c && w[j] == 0;
		}
	}
	int h = nl - 1;
	while (h >= 0 && w[h] == 0)
		h--;
	double r = 0.0;
	if (h >= 0) {
		int clz = __builtin_clzll(w[h]);
		uint64_t m = w[h] << clz;
		int sticky = 0;
		if (h > 0) {
			if (clz) {
				m |= w[h - 1] >> (64 - clz);
				sticky = (w[h - 1] << clz) != 0;
			} else {
				sticky = w[h - 1] != 0;
			}
			for (int j = 0; j < h - 1 && !sticky; j++)
				sticky = w[j] != 0;
		}
		uint64_t q = m >> 11, rem = m & 0x7FF;
		if (rem > 0x400 || (rem == 0x400 && (sticky || (q & 1))))
			q++;
		int ex = 64 * (h + a->klo) - clz - BIAS + 11;
		r = ldexp((double)q, ex);
		if (neg)
			r = -r;
	}
	if (w != tmp)
		free(w);
	return r;
}

double msp_exact_sum(const double *x, size_t n)
{
	lacc a = {0};
	lacc_init(&a, 1);
	for (size_t i = 0; i < n; i++) {
		int lo, hi;
		if (!isfinite(x[i])) {
			free(a.l);
			double s = 0;
			for (size_t j = 0; j < n; j++)
				s += x[j];
			return s;
		}
		if (lacc_need(x[i], &lo, &hi)) {
			if (lacc_cover(&a, lo, hi)) {
				free(a.l);
				return NAN;
			}
			lacc_add1(&a, 0, x[i]);
		}
	}
	double r = lacc_round(&a, 0);
	free(a.l);
	return r;
}

/* ---------------------------------------------------------------- stack */

struct msp_stack {
	msp_stack_opts o;
	size_t nrec;          /* records stacked */
	int have;             /* the first record has fixed the header */
	msp_record *head;     /* first record's header, metadata, history (no samples) */
	double t0, dt;        /* span of the accumulators */
	size_t npts;
	int kind;
	/* The output span (the head: first record's span, or the window) inside
	 * the accumulators.  They hold more only for a partial stack without a
	 * window ("outer" mode), which keeps every sample of every record so that
	 * a merge can still cut the one-pass span out of it. */
	double head_t0;
	size_t head_npts;
	long head_off;
	int outer;
	/* sum / mean */
	lacc acc;
	uint32_t *cnt;        /* kind * npts */
	int nonfinite;        /* a NaN or infinity was added: exactness is moot */
	double *fsum;         /* plain sum used when nonfinite */
	/* median / robust: the members, on the grid of the first record */
	double **mem;         /* copies of the member samples */
	double *mt0;
	size_t *mnpts;
	size_t nmem, capmem;
};

void msp_stack_opts_default(msp_stack_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = MSP_STACK_SUM;
	o->maxiter = 20;
	o->eps = 0.001;
	o->residual_norm_floor = 0.01;
	o->pad_fraction_cutoff = 0.05;
}

static const char *const method_names[] = {"sum", "mean", "median", "robust"};

int msp_stack_method_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, method_names[i]) == 0)
			return i;
	return -1;
}

const char *msp_stack_method_name(int m)
{
	return m >= 0 && m < 4 ? method_names[m] : "unknown";
}

int msp_stack_new(msp_stack **out, const msp_stack_opts *o)
{
	msp_stack *s = calloc(1, sizeof *s);
	if (!s)
		return MSP_ERR_NOMEM;
	if (o)
		s->o = *o;
	else
		msp_stack_opts_default(&s->o);
	s->head = msp_record_new();
	if (!s->head) {
		free(s);
		return MSP_ERR_NOMEM;
	}
	*out = s;
	return MSP_OK;
}

void msp_stack_reset(msp_stack *s)
{
	s->nrec = 0;
	s->have = 0;
	s->nonfinite = 0;
	free(s->acc.l);
	memset(&s->acc, 0, sizeof s->acc);
	free(s->cnt);
	s->cnt = NULL;
	free(s->fsum);
	s->fsum = NULL;
	for (size_t i = 0; i < s->nmem; i++)
		free(s->mem[i]);
	s->nmem = 0;
}

void msp_stack_free(msp_stack *s)
{
	if (!s)
		return;
	msp_stack_reset(s);
	free(s->mem);
	free(s->mt0);
	free(s->mnpts);
	msp_record_free(s->head);
	free(s);
}

size_t msp_stack_count(const msp_stack *s)
{
	return s->nrec;
}

static int is_sum(const msp_stack *s)
{
	return s->o.method == MSP_STACK_SUM || s->o.method == MSP_STACK_MEAN;
}

/* Fix the header from the first record (or partial). */
static int start_group(msp_stack *s, const msp_record *rec, size_t npts_span, double t0_span)
{
	int rc = msp_record_copy(s->head, rec);
	if (rc)
		return rc;
	msp_record_resize(s->head, rec->kind, 0);
	s->kind = rec->kind;
	s->dt = rec->dt;
	s->t0 = t0_span;
	s->npts = npts_span;
	s->head_t0 = t0_span;
	s->head_npts = npts_span;
	s->head_off = 0;
	s->outer = s->o.partial && !s->o.use_window && is_sum(s);
	s->have = 1;
	if (is_sum(s)) {
		size_t ns = (size_t)s->kind * s->npts;
		lacc_init(&s->acc, ns);
		s->cnt = calloc(ns ? ns : 1, sizeof *s->cnt);
		if (!s->cnt)
			return MSP_ERR_NOMEM;
	}
	return MSP_OK;
}

/* Placement of rec on the span: span index of rec's sample 0. */
static int place(msp_stack *s, const msp_record *rec, long *k, char *err, size_t errlen)
{
	if (rec->kind != s->kind) {
		snprintf(err, errlen, "a %s cannot be stacked with a %s",
		         rec->kind == MSP_SEISMOGRAM ? "Seismogram" : "TimeSeries",
		         s->kind == MSP_SEISMOGRAM ? "Seismogram" : "TimeSeries");
		return MSP_ERR_DATA;
	}
	if (rec->tref != s->head->tref) {
		snprintf(err, errlen, "time reference (%s) differs from the stack's (%s)",
		         rec->tref == MSP_TREF_UTC ? "UTC" : "relative",
		         s->head->tref == MSP_TREF_UTC ? "UTC" : "relative");
		return MSP_ERR_DATA;
	}
	if (fabs(rec->dt - s->dt) > 1e-6 * s->dt) {
		snprintf(err, errlen, "sample interval %.9g differs from the stack's %.9g", rec->dt,
		         s->dt);
		return MSP_ERR_DATA;
	}
	/* relative to the head, as one pass places it, then into the accumulators */
	double off = (rec->t0 - s->head_t0) / s->dt;
	double r = round(off);
	/* MsPASS's 1e-6 sample, widened to the rounding of the start times
	 * themselves (UTC epochs near 1.3e9 s carry 2.4e-7 s of rounding) */
	double tol = fmax(1e-6, 4.0 * (fabs(rec->t0) + fabs(s->head_t0)) * DBL_EPSILON / s->dt);
	if (!s->o.use_window && fabs(off - r) > tol) {
		snprintf(err, errlen,
		         "start is %.6f samples from the stack's: not a whole number of samples "
		         "(use a common window, or align the records)", off);
		return MSP_ERR_DATA;
	}
	if (fabs(r) > 1e15) {
		snprintf(err, errlen, "start is too far from the stack's");
		return MSP_ERR_DATA;
	}
	*k = (long)r + s->head_off;
	return MSP_OK;
}

/* Outer mode: widen the accumulators to cover span indices [k, k+n). */
static int grow_span(msp_stack *s, long *k, size_t n)
{
	long left = *k < 0 ? -*k : 0;
	long right = *k + (long)n > (long)s->npts ? *k + (long)n - (long)s->npts : 0;
	if (!left && !right)
		return MSP_OK;
	size_t onp = s->npts, np = onp + (size_t)left + (size_t)right;
	size_t ns = (size_t)s->kind * np, nl = (size_t)s->acc.nl;
	uint64_t *L = NULL;
	if (nl && !(L = calloc(ns * nl, sizeof *L)))
		return MSP_ERR_NOMEM;
	uint32_t *C = calloc(ns, sizeof *C);
	double *F = s->fsum ? calloc(ns, sizeof *F) : NULL;
	if (!C || (s->fsum && !F)) {
		free(L);
		free(C);
		return MSP_ERR_NOMEM;
	}
	for (int c = 0; c < s->kind; c++)
		for (size_t j = 0; j < onp; j++) {
			size_t o = (size_t)c * onp + j, d = (size_t)c * np + j + (size_t)left;
			if (nl)
				memcpy(L + d * nl, s->acc.l + o * nl, nl * sizeof *L);
			C[d] = s->cnt[o];
			if (F)
				F[d] = s->fsum[o];
		}
	free(s->acc.l);
	s->acc.l = L;
	s->acc.n = ns;
	s->acc.cap = ns * nl;
	free(s->cnt);
	s->cnt = C;
	free(s->fsum);
	s->fsum = F;
	s->npts = np;
	s->head_off += left;
	s->t0 = s->head_t0 - s->dt * (double)s->head_off;
	*k += left;
	return MSP_OK;
}

static int add_sum(msp_stack *s, const msp_record *rec, long k)
{
	if (s->outer) {
		int rc = grow_span(s, &k, rec->npts);
		if (rc)
			return rc;
	}
	size_t np = s->npts;
	long jlo = k > 0 ? k : 0;
	long jhi = k + (long)rec->npts;
	if (jhi > (long)np)
		jhi = (long)np;
	if (jlo >= jhi)
		return MSP_OK; /* no overlap: nothing to add */
	/* grow the window once for the whole record */
	int lo = 1 << 30, hi = -1;
	for (int c = 0; c < rec->kind; c++) {
		const double *x = msp_record_comp(rec, c);
		for (long j = jlo; j < jhi; j++) {
			double v = x[j - k];
			int a, b;
			if (!isfinite(v)) {
				s->nonfinite = 1;
				continue;
			}
			if (lacc_need(v, &a, &b)) {
				if (a < lo)
					lo = a;
				if (b > hi)
					hi = b;
			}
		}
	}
	if (hi >= 0 && lacc_cover(&s->acc, lo, hi))
		return MSP_ERR_NOMEM;
	if (s->nonfinite && !s->fsum) {
		s->fsum = calloc((size_t)s->kind * np + 1, sizeof *s->fsum);
		if (!s->fsum)
			return MSP_ERR_NOMEM;
		/* fsum restarts from the exact sums so far */
		for (size_t i = 0; i < (size_t)s->kind * np; i++)
			s->fsum[i] = lacc_round(&s->acc, i);
	}
	for (int c = 0; c < rec->kind; c++) {
		const double *x = msp_record_comp(rec, c);
		size_t base = (size_t)c * np;
		for (long j = jlo; j < jhi; j++) {
			double v = x[j - k];
			if (isfinite(v))
				lacc_add1(&s->acc, base + (size_t)j, v);
			if (s->fsum)
				s->fsum[base + (size_t)j] += v;
			s->cnt[base + (size_t)j]++;
		}
	}
	return MSP_OK;
}

static int add_member(msp_stack *s, const msp_record *rec, long k)
{
	if (s->nmem == s->capmem) {
		size_t nc = s->capmem ? 2 * s->capmem : 16;
		double **m = realloc(s->mem, nc * sizeof *m);
		if (!m)
			return MSP_ERR_NOMEM;
		s->mem = m;
		double *t = realloc(s->mt0, nc * sizeof *t);
		if (!t)
			return MSP_ERR_NOMEM;
		s->mt0 = t;
		size_t *n = realloc(s->mnpts, nc * sizeof *n);
		if (!n)
			return MSP_ERR_NOMEM;
		s->mnpts = n;
		s->capmem = nc;
	}
	size_t ns = msp_record_nsamples(rec);
	double *d = malloc((ns ? ns : 1) * sizeof *d);
	if (!d)
		return MSP_ERR_NOMEM;
	if (ns)
		memcpy(d, rec->data, ns * sizeof *d);
	s->mem[s->nmem] = d;
	s->mt0[s->nmem] = (double)k; /* position on the span grid, in samples */
	s->mnpts[s->nmem] = rec->npts;
	s->nmem++;
	return MSP_OK;
}

int msp_stack_add(msp_stack *s, const msp_record *rec, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!rec->live) {
		snprintf(err, errlen, "dead record");
		return MSP_ERR_DATA;
	}
	if (rec->npts == 0 || !(rec->dt > 0)) {
		snprintf(err, errlen, "record has no samples");
		return MSP_ERR_DATA;
	}
	int rc;
	if (!s->have) {
		double t0 = rec->t0;
		size_t np = rec->npts;
		if (s->o.use_window) {
			t0 = s->o.wstart;
			double n = round((s->o.wend - s->o.wstart) / rec->dt) + 1;
			if (!(n >= 1) || n > 1e10) {
				snprintf(err, errlen, "window gives no samples");
				return MSP_ERR_DATA;
			}
			np = (size_t)n;
		}
		if ((rc = start_group(s, rec, np, t0)))
			return rc;
	}
	long k;
	if ((rc = place(s, rec, &k, err, errlen)))
		return rc;
	rc = is_sum(s) ? add_sum(s, rec, k) : add_member(s, rec, k);
	if (rc)
		return rc;
	s->nrec++;
	return MSP_OK;
}

/* ------------------------------------------------------------ median/robust */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Members laid on the output span (zero where a member has no sample):
 * M[i * ns + c*np + j]. Output span: window, or the inner span of the members. */
static int member_matrix(msp_stack *s, double **out, long *jlo_out, size_t *np_out,
                         size_t *nused)
{
	long jlo = 0, jhi = (long)s->npts; /* in span samples */
	if (!s->o.use_window) {
		jlo = -(1L << 40);
		jhi = 1L << 40;
		for (size_t i = 0; i < s->nmem; i++) {
			long a = (long)s->mt0[i], b = a + (long)s->mnpts[i];
			if (a > jlo)
				jlo = a;
			if (b < jhi)
				jhi = b;
		}
		if (jhi <= jlo)
			return MSP_ERR_DATA;
	}
	size_t np = (size_t)(jhi - jlo);
	size_t ns = (size_t)s->kind * np;
	double *M = calloc(s->nmem * ns + 1, sizeof *M);
	if (!M)
		return MSP_ERR_NOMEM;
	size_t used = 0;
	for (size_t i = 0; i < s->nmem; i++) {
		long k = (long)s->mt0[i];
		/* MsPASS's regularize_ensemble: a member that would need more than
		 * pad_fraction_cutoff of the span padded with zeros is dropped */
		long a = k > jlo ? k : jlo, b = k + (long)s->mnpts[i] < jhi ? k + (long)s->mnpts[i] : jhi;
		double pad = 1.0 - (b > a ? (double)(b - a) : 0.0) / (double)np;
		if (pad > s->o.pad_fraction_cutoff)
			continue;
		for (int c = 0; c < s->kind; c++) {
			const double *x = s->mem[i] + (size_t)c * s->mnpts[i];
			for (long j = jlo; j < jhi; j++) {
				long src = j - k;
				if (src >= 0 && src < (long)s->mnpts[i])
					M[used * ns + (size_t)c * np + (size_t)(j - jlo)] = x[src];
			}
		}
		used++;
	}
	if (!used) {
		free(M);
		return MSP_ERR_DATA;
	}
	*nused = used;
	*out = M;
	*jlo_out = jlo;
	*np_out = np;
	return MSP_OK;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* dbxcor weights of every member against stack st (MsPASS dbxcor_weights). */
static void dbxcor_weights(const double *M, size_t nm, size_t ns, const double *st, double floor_,
                           double *w, double *unit)
{
	double nrm_s = sqrt(dot(st, st, ns));
	double norm_floor = 1.1920928955078125e-07 * (double)ns; /* float32 eps * npts */
	for (size_t j = 0; j < ns; j++)
		unit[j] = nrm_s > 0 ? st[j] / nrm_s : 0.0;
	double maxw = 0;
	for (size_t i = 0; i < nm; i++) {
		const double *d = M + i * ns;
		double dd = dot(d, unit, ns);
		double nrm_d = sqrt(dot(d, d, ns));
		double rr = 0;
		for (size_t j = 0; j < ns; j++) {
			double r = d[j] - dd * unit[j];
			rr += r * r;
		}
		double nrm_r = sqrt(rr);
		if (nrm_d < norm_floor)
			w[i] = 0.0;
		else if (nrm_r / nrm_d < floor_)
			w[i] = fabs(dd) / (floor_ * nrm_d * nrm_d);
		else
			w[i] = fabs(dd) / (nrm_r * nrm_d);
		if (w[i] > maxw)
			maxw = w[i];
	}
	if (maxw > 0)
		for (size_t i = 0; i < nm; i++)
			w[i] /= maxw;
}

static int median_robust(msp_stack *s, msp_record *out)
{
	double *M;
	long jlo;
	size_t np, nm;
	int rc = member_matrix(s, &M, &jlo, &np, &nm);
	if (rc)
		return rc;
	size_t ns = (size_t)s->kind * np;
	if (nm < s->nmem) {
		msp_record_log(out, "msp_stack", MSP_SEV_COMPLAINT,
		               "%zu of %zu members dropped: more than %g of the window would be padding",
		               s->nmem - nm, s->nmem, s->o.pad_fraction_cutoff);
		if ((rc = msp_meta_set_int64(out->meta, "stack_count", (int64_t)nm))) {
			free(M);
			return rc;
		}
	}
	if ((rc = msp_record_resize(out, s->kind, np))) {
		free(M);
		return rc;
	}
	out->t0 = s->t0 + s->dt * (double)jlo;
	double *col = malloc((nm + 1) * sizeof *col);
	double *w = malloc((nm + 1) * sizeof *w);
	double *unit = malloc((ns + 1) * sizeof *unit);
	double *prev = malloc((ns + 1) * sizeof *prev);
	if (!col || !w || !unit || !prev) {
		rc = MSP_ERR_NOMEM;
		goto done;
	}
	for (size_t j = 0; j < ns; j++) {
		for (size_t i = 0; i < nm; i++)
			col[i] = M[i * ns + j];
		out->data[j] = median_of(col, nm);
	}
	if (s->o.method == MSP_STACK_ROBUST) {
		/* dbxcor: reweight against the current stack until it settles */
		for (int it = 0; it < s->o.maxiter; it++) {
			memcpy(prev, out->data, ns * sizeof *prev);
			if (sqrt(dot(prev, prev, ns)) == 0)
				break;
			dbxcor_weights(M, nm, ns, prev, s->o.residual_norm_floor, w, unit);
			double sw = 0;
			for (size_t i = 0; i < nm; i++)
				sw += w[i];
			if (!(sw > 0))
				break;
			for (size_t j = 0; j < ns; j++) {
				double a = 0;
				for (size_t i = 0; i < nm; i++)
					a += w[i] * M[i * ns + j];
				out->data[j] = a / sw;
			}
			double dn = 0, pn = dot(prev, prev, ns);
			for (size_t j = 0; j < ns; j++) {
				double d = out->data[j] - prev[j];
				dn += d * d;
			}
			if (sqrt(dn / pn) < s->o.eps)
				break;
		}
	}
done:
	free(M);
	free(col);
	free(w);
	free(unit);
	free(prev);
	return rc;
}

/* ---------------------------------------------------------------- results */

static int fill_header(msp_stack *s, msp_record *out)
{
	int rc = msp_record_copy(out, s->head);
	if (rc)
		return rc;
	bson_reinit(out->elog);
	out->nelog = 0;
	out->live = 1;
	out->t0 = s->t0;
	if ((rc = msp_meta_set_int64(out->meta, "stack_count", (int64_t)s->nrec)) ||
	    (rc = msp_meta_set_string(out->meta, "stack_method", msp_stack_method_name(s->o.method))))
		return rc;
	return MSP_OK;
}

/* The samples of span [off, off+np) of the accumulators into out. */
static void sum_samples(msp_stack *s, msp_record *out, int mean, long off, size_t np)
{
	for (int c = 0; c < s->kind; c++)
		for (size_t j = 0; j < np; j++) {
			size_t i = (size_t)c * s->npts + (size_t)off + j;
			double v = s->fsum ? s->fsum[i] : lacc_round(&s->acc, i);
			if (mean)
				v = s->cnt[i] ? v / (double)s->cnt[i] : 0.0;
			out->data[(size_t)c * np + j] = v;
		}
}

/* Keep the metadata mirrors of t0 and npts (MsPASS's set_t0 / set_npts) true. */
static int sync_mirrors(msp_record *out)
{
	int rc = MSP_OK;
	if (msp_meta_has(out->meta, "starttime"))
		rc = msp_meta_set_double(out->meta, "starttime", out->t0);
	if (!rc && msp_meta_has(out->meta, "endtime"))
		rc = msp_meta_set_double(out->meta, "endtime", msp_record_endtime(out));
	if (!rc && msp_meta_has(out->meta, "npts"))
		rc = msp_meta_set_int64(out->meta, "npts", (int64_t)out->npts);
	return rc;
}

int msp_stack_result(msp_stack *s, msp_record *out)
{
	if (!s->have || s->nrec == 0)
		return MSP_ERR_DATA;
	int rc = fill_header(s, out);
	if (rc)
		return rc;
	if (is_sum(s)) {
		if ((rc = msp_record_resize(out, s->kind, s->head_npts)))
			return rc;
		out->t0 = s->head_t0;
		sum_samples(s, out, s->o.method == MSP_STACK_MEAN, s->head_off, s->head_npts);
	} else if ((rc = median_robust(s, out))) {
		return rc;
	}
	return sync_mirrors(out);
}

int msp_stack_is_partial(const msp_record *rec)
{
	return msp_meta_has(rec->meta, "stack_partial");
}

int msp_stack_partial(msp_stack *s, msp_record *out)
{
	if (!is_sum(s))
		return MSP_ERR_UNSUPPORTED;
	if (!s->have || s->nrec == 0)
		return MSP_ERR_DATA;
	int rc = fill_header(s, out);
	if (rc)
		return rc;
	if ((rc = msp_record_resize(out, s->kind, s->npts)))
		return rc;
	out->t0 = s->t0;
	sum_samples(s, out, 0, 0, s->npts);
	if ((rc = sync_mirrors(out)))
		return rc;
	size_t ns = (size_t)s->kind * s->npts;
	bson_t sub;
	bson_init(&sub);
	BSON_APPEND_INT32(&sub, "version", 1);
	BSON_APPEND_UTF8(&sub, "method", msp_stack_method_name(s->o.method));
	BSON_APPEND_INT32(&sub, "klo", s->acc.klo);
	BSON_APPEND_INT32(&sub, "nlimbs", s->acc.nl);
	BSON_APPEND_BOOL(&sub, "nonfinite", s->fsum != NULL);
	BSON_APPEND_INT32(&sub, "window", s->o.use_window);
	/* the one-pass span inside this partial's span */
	BSON_APPEND_DOUBLE(&sub, "head_t0", s->head_t0);
	BSON_APPEND_INT64(&sub, "head_npts", (int64_t)s->head_npts);
	BSON_APPEND_INT64(&sub, "head_off", (int64_t)s->head_off);
	size_t nb = ns * (size_t)s->acc.nl * 8;
	if (nb > 0x7fffffff || ns * 4 > 0x7fffffff) {
		bson_destroy(&sub);
		return MSP_ERR_TOOBIG;
	}
	/* limbs and counts little-endian, as the stream is */
	uint8_t *buf = malloc(nb + ns * 4 + 1);
	if (!buf) {
		bson_destroy(&sub);
		return MSP_ERR_NOMEM;
	}
	for (size_t i = 0; i < ns * (size_t)s->acc.nl; i++) {
		uint64_t v = s->acc.l[i];
		for (int b = 0; b < 8; b++)
			buf[i * 8 + (size_t)b] = (uint8_t)(v >> (8 * b));
	}
	BSON_APPEND_BINARY(&sub, "limbs", BSON_SUBTYPE_BINARY, buf, (uint32_t)nb);
	for (size_t i = 0; i < ns; i++)
		for (int b = 0; b < 4; b++)
			buf[i * 4 + (size_t)b] = (uint8_t)(s->cnt[i] >> (8 * b));
	BSON_APPEND_BINARY(&sub, "counts", BSON_SUBTYPE_BINARY, buf, (uint32_t)(ns * 4));
	free(buf);
	rc = msp_meta_set_document(out->meta, "stack_partial", &sub);
	bson_destroy(&sub);
	return rc;
}

static int get_bin(const bson_t *sub, const char *key, const uint8_t **p, uint32_t *n)
{
	bson_iter_t it;
	bson_subtype_t st;
	if (!bson_iter_init_find(&it, sub, key) || !BSON_ITER_HOLDS_BINARY(&it))
		return MSP_ERR_FORMAT;
	bson_iter_binary(&it, &st, n, p);
	return MSP_OK;
}

static int get_i32(const bson_t *sub, const char *key, int *v)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, sub, key) || !BSON_ITER_HOLDS_INT32(&it))
		return MSP_ERR_FORMAT;
	*v = bson_iter_int32(&it);
	return MSP_OK;
}

int msp_stack_merge(msp_stack *s, const msp_record *p, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	bson_iter_t it;
	const uint8_t *subdata;
	uint32_t sublen;
	bson_t sub;
	if (!bson_iter_init_find(&it, p->meta, "stack_partial") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
		snprintf(err, errlen, "not a partial stack (no stack_partial document)");
		return MSP_ERR_FORMAT;
	}
	bson_iter_document(&it, &sublen, &subdata);
	if (!bson_init_static(&sub, subdata, sublen)) {
		snprintf(err, errlen, "bad stack_partial document");
		return MSP_ERR_FORMAT;
	}
	int version, klo, nl, win;
	const char *mname = NULL;
	const uint8_t *limbs, *counts;
	uint32_t nlimbs_b, ncounts_b;
	if (bson_iter_init_find(&it, &sub, "method") && BSON_ITER_HOLDS_UTF8(&it))
		mname = bson_iter_utf8(&it, NULL);
	int method = mname ? msp_stack_method_from_name(mname) : -1;
	size_t ns = msp_record_nsamples(p);
	if (get_i32(&sub, "version", &version) || version != 1 || get_i32(&sub, "klo", &klo) ||
	    get_i32(&sub, "nlimbs", &nl) || get_i32(&sub, "window", &win) ||
	    get_bin(&sub, "limbs", &limbs, &nlimbs_b) || get_bin(&sub, "counts", &counts, &ncounts_b) ||
	    (method != MSP_STACK_SUM && method != MSP_STACK_MEAN) || nl < 0 || nl > 64 ||
	    klo < -2 || klo > 64 || (size_t)nlimbs_b != ns * (size_t)nl * 8 ||
	    (size_t)ncounts_b != ns * 4) {
		snprintf(err, errlen, "malformed stack_partial document");
		return MSP_ERR_FORMAT;
	}
	int64_t cnt64 = 0;
	if (msp_meta_get_int64(p->meta, "stack_count", &cnt64) || cnt64 < 0) {
		snprintf(err, errlen, "partial stack without a stack_count");
		return MSP_ERR_FORMAT;
	}
	/* the one-pass span inside the partial (absent: the partial's own span) */
	double head_t0 = p->t0;
	int64_t head_npts = (int64_t)p->npts, head_off = 0;
	if (bson_iter_init_find(&it, &sub, "head_t0") && BSON_ITER_HOLDS_DOUBLE(&it))
		head_t0 = bson_iter_double(&it);
	if (bson_iter_init_find(&it, &sub, "head_npts") && BSON_ITER_HOLDS_INT64(&it))
		head_npts = bson_iter_int64(&it);
	if (bson_iter_init_find(&it, &sub, "head_off") && BSON_ITER_HOLDS_INT64(&it))
		head_off = bson_iter_int64(&it);
	if (head_off < 0 || head_npts < 1 || head_off + head_npts > (int64_t)p->npts ||
	    !isfinite(head_t0)) {
		snprintf(err, errlen, "malformed stack_partial document (head span)");
		return MSP_ERR_FORMAT;
	}
	if (!s->have) {
		s->o.method = method;
		s->o.use_window = win;
		int rc = start_group(s, p, p->npts, p->t0);
		if (rc)
			return rc;
		/* the first partial's head is the one-pass span; later partials
		 * may reach beyond this one's span (without a window) */
		s->head_t0 = head_t0;
		s->head_npts = (size_t)head_npts;
		s->head_off = (long)head_off;
		s->outer = !win;
		msp_meta_remove(s->head->meta, "stack_partial");
		msp_meta_remove(s->head->meta, "stack_count");
		msp_meta_remove(s->head->meta, "stack_method");
	} else if (method != s->o.method) {
		snprintf(err, errlen, "partial stack method %s differs from %s", mname,
		         msp_stack_method_name(s->o.method));
		return MSP_ERR_DATA;
	}
	long k;
	int rc = place(s, p, &k, err, errlen);
	if (rc)
		return rc;
	if (s->outer && (rc = grow_span(s, &k, p->npts)))
		return rc;
	if (nl > 0) {
		if ((rc = lacc_cover(&s->acc, klo, klo + nl - 1 + GUARD)))
			return rc;
	}
	uint64_t *src = malloc(((size_t)nl + 1) * sizeof *src);
	if (!src)
		return MSP_ERR_NOMEM;
	size_t np = s->npts;
	for (int c = 0; c < p->kind; c++) {
		for (long j = k > 0 ? k : 0; j < k + (long)p->npts && j < (long)np; j++) {
			size_t pi = (size_t)c * p->npts + (size_t)(j - k);
			size_t si = (size_t)c * np + (size_t)j;
			if (nl > 0) {
				for (int q = 0; q < nl; q++) {
					uint64_t v = 0;
					for (int b = 0; b < 8; b++)
						v |= (uint64_t)limbs[(pi * (size_t)nl + (size_t)q) * 8 + (size_t)b]
						     << (8 * b);
					src[q] = v;
				}
				lacc_addlimbs(&s->acc, si, src, klo, nl);
			}
			uint32_t cv = 0;
			for (int b = 0; b < 4; b++)
				cv |= (uint32_t)counts[pi * 4 + (size_t)b] << (8 * b);
			s->cnt[si] += cv;
		}
	}
	free(src);
	s->nrec += (size_t)cnt64;
	return MSP_OK;
}

/* ---------------------------------------------------------------- group key */

int msp_group_key(const bson_t *meta, const char *const *keys, int nkeys, msp_buf *out,
                  int *missing)
{
	msp_buf_reset(out);
	for (int i = 0; i < nkeys; i++) {
		bson_iter_t it;
		if (!bson_iter_init(&it, meta) || !bson_iter_find_descendant(&it, keys[i], &it)) {
			if (missing)
				*missing = i;
			return MSP_ERR_NOTFOUND;
		}
		if (i)
			msp_buf_add(out, "\x1f", 1);
		switch (bson_iter_type(&it)) {
		case BSON_TYPE_UTF8: {
			uint32_t n;
			const char *v = bson_iter_utf8(&it, &n);
			msp_buf_add(out, "s", 1);
			msp_buf_add(out, v, n);
			break;
		}
		case BSON_TYPE_DOUBLE:
		case BSON_TYPE_INT32:
		case BSON_TYPE_INT64: {
			double v = bson_iter_as_double(&it);
			if (bson_iter_type(&it) == BSON_TYPE_INT64)
				msp_buf_addf(out, "n%lld", (long long)bson_iter_int64(&it));
			else if (v == floor(v) && fabs(v) < 9e15)
				msp_buf_addf(out, "n%lld", (long long)v);
			else
				msp_buf_addf(out, "n%.17g", v);
			break;
		}
		case BSON_TYPE_BOOL:
			msp_buf_addf(out, "b%d", bson_iter_bool(&it) ? 1 : 0);
			break;
		case BSON_TYPE_OID: {
			char hex[25];
			bson_oid_to_string(bson_iter_oid(&it), hex);
			msp_buf_addf(out, "o%s", hex);
			break;
		}
		default:
			if (missing)
				*missing = i;
			return MSP_ERR_TYPE;
		}
	}
	if (out->failed)
		return MSP_ERR_NOMEM;
	return MSP_OK;
}
