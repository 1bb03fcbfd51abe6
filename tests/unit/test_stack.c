/*
 * test_stack.c - msp_stack: the exact sum (known cases, order independence),
 * sum/mean/median/robust of records, MsPASS's += rules, and the partition
 * property: partial stacks of any split, merged, equal one pass bit for bit.
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_stack.h"
#include "msp_meta.h"
#include "msp_status.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
	return tap_xorshift(&rng);
}
static double unif(void) { return (double)(next() >> 11) / 9007199254740992.0; }
static double gauss(void)
{
	double u = unif() + 1e-300, v = unif();
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static msp_record *rec_ts(double t0, double dt, size_t n, const double *x)
{
	msp_record *r = msp_record_new();
	msp_record_resize(r, MSP_TIMESERIES, n);
	memcpy(r->data, x, n * sizeof *x);
	r->t0 = t0;
	r->dt = dt;
	r->tref = MSP_TREF_RELATIVE;
	msp_meta_set_string(r->meta, "sta", "AAA");
	return r;
}

static void test_exact_sum(void)
{
	double a[] = {1e100, 1.0, -1e100};
	ok(msp_exact_sum(a, 3) == 1.0, "1e100 + 1 - 1e100 = 1 exactly");
	double b[10];
	for (int i = 0; i < 10; i++)
		b[i] = 0.1;
	ok(msp_exact_sum(b, 10) == 1.0, "ten times 0.1 rounds to 1.0 (as math.fsum)");
	double c[] = {1.0, 1e-16, 1e-16};
	ok(msp_exact_sum(c, 3) == 1.0000000000000002, "1 + 1e-16 + 1e-16 correctly rounded");
	double d[] = {4.9406564584124654e-324, 4.9406564584124654e-324, -1.0, 1.0};
	ok(msp_exact_sum(d, 4) == 9.8813129168249309e-324, "subnormals kept exactly");
	double e[] = {-3.5, -0.25};
	ok(msp_exact_sum(e, 2) == -3.75, "negative sum");
	ok(msp_exact_sum(NULL, 0) == 0.0, "empty sum is 0");
	/* ties to even: 2^53 + 1 is a tie between 2^53 and 2^53+2 */
	double f[] = {9007199254740992.0, 1.0};
	ok(msp_exact_sum(f, 2) == 9007199254740992.0, "tie rounds to even");
	double g[] = {9007199254740992.0, 1.0, 1e-30};
	ok(msp_exact_sum(g, 3) == 9007199254740994.0, "tie broken by a sticky bit");
	/* order independence on wide-range data */
	double x[200], y[200];
	for (int i = 0; i < 200; i++)
		x[i] = gauss() * pow(10, (int)(next() % 40) - 20);
	double s0 = msp_exact_sum(x, 200);
	int same = 1;
	for (int t = 0; t < 50; t++) {
		memcpy(y, x, sizeof x);
		for (int i = 199; i > 0; i--) {
			int j = (int)(next() % (uint64_t)(i + 1));
			double tmp = y[i];
			y[i] = y[j];
			y[j] = tmp;
		}
		if (msp_exact_sum(y, 200) != s0)
			same = 0;
	}
	ok(same, "exact sum does not depend on order (50 shuffles)");
	/* compare with long double Kahan as a sanity check of magnitude */
	long double ls = 0;
	for (int i = 0; i < 200; i++)
		ls += x[i];
	near(s0, (double)ls, fabs(s0) * 1e-6 + 1e-12, "exact sum near the long double sum");
}

static void test_sum_mean(void)
{
	msp_stack *s;
	msp_stack_opts o;
	msp_stack_opts_default(&o);
	msp_stack_new(&s, &o);
	double a[5] = {1, 2, 3, 4, 5}, b[5] = {10, 20, 30, 40, 50};
	msp_record *r1 = rec_ts(0.0, 0.5, 5, a), *r2 = rec_ts(1.0, 0.5, 5, b), *out = msp_record_new();
	char err[256];
	is(msp_stack_add(s, r1, err, sizeof err), MSP_OK, "add first");
	is(msp_stack_add(s, r2, err, sizeof err), MSP_OK, "add second, offset 2 samples");
	is(msp_stack_result(s, out), MSP_OK, "result");
	/* r2 starts 2 samples later: overlap is samples 2..4 of r1 = 0..2 of r2 */
	double want[5] = {1, 2, 13, 24, 35};
	int good = out->npts == 5 && out->t0 == 0.0;
	for (int i = 0; i < 5 && good; i++)
		good = out->data[i] == want[i];
	ok(good, "sum over the overlap, span of the first record (MsPASS +=)");
	int64_t n = 0;
	msp_meta_get_int64(out->meta, "stack_count", &n);
	is(n, 2, "stack_count");
	msp_stack_free(s);

	o.method = MSP_STACK_MEAN;
	msp_stack_new(&s, &o);
	msp_stack_add(s, r1, err, sizeof err);
	msp_stack_add(s, r2, err, sizeof err);
	msp_stack_result(s, out);
	double wantm[5] = {1, 2, 6.5, 12, 17.5};
	good = 1;
	for (int i = 0; i < 5; i++)
		good &= out->data[i] == wantm[i];
	ok(good, "mean divides by the number of records covering each sample");

	/* rules */
	msp_record *r3 = rec_ts(1.2, 0.5, 5, b);
	is(msp_stack_add(s, r3, err, sizeof err), MSP_ERR_DATA, "fractional-sample offset refused");
	ok(strstr(err, "whole number") != NULL, "... with a reason: %s", err);
	msp_record *r4 = rec_ts(1.0, 0.25, 5, b);
	is(msp_stack_add(s, r4, err, sizeof err), MSP_ERR_DATA, "different dt refused");
	r4->dt = 0.5 * (1 + 5e-7);
	is(msp_stack_add(s, r4, err, sizeof err), MSP_OK, "dt within 1e-6 accepted");
	r4->tref = MSP_TREF_UTC;
	is(msp_stack_add(s, r4, err, sizeof err), MSP_ERR_DATA, "different time reference refused");
	r4->tref = MSP_TREF_RELATIVE;
	r4->live = 0;
	is(msp_stack_add(s, r4, err, sizeof err), MSP_ERR_DATA, "dead record not added");
	msp_stack_free(s);

	/* window: nearest sample, span = window */
	o.method = MSP_STACK_SUM;
	o.use_window = 1;
	o.wstart = 0.5;
	o.wend = 1.5;
	msp_stack_new(&s, &o);
	is(msp_stack_add(s, r1, err, sizeof err), MSP_OK, "window add");
	is(msp_stack_add(s, r3, err, sizeof err), MSP_OK, "window: fractional offset rounds");
	msp_stack_result(s, out);
	ok(out->npts == 3 && out->t0 == 0.5 && out->data[0] == 2 && out->data[1] == 3 + 10 &&
	   out->data[2] == 4 + 20, "window sum [0.5,1.5]: got %g %g %g", out->data[0],
	   out->data[1], out->data[2]);
	msp_stack_free(s);
	msp_record_free(r1);
	msp_record_free(r2);
	msp_record_free(r3);
	msp_record_free(r4);
	msp_record_free(out);
}

static void test_wavelet_noise(void)
{
	/* N copies of a wavelet with independent noise: the mean recovers the
	 * wavelet with the noise down by sqrt(N) */
	enum { NP = 2000, N = 64 };
	double w[NP], x[NP];
	for (int i = 0; i < NP; i++) {
		double t = (i - 1000) * 0.01;
		w[i] = (1 - 2 * 9.8696 * 4 * t * t) * exp(-9.8696 * 4 * t * t);
	}
	msp_stack_opts o;
	double resid_rms[3];
	int methods[3] = {MSP_STACK_MEAN, MSP_STACK_MEDIAN, MSP_STACK_ROBUST};
	double sigma = 0.5;
	for (int m = 0; m < 3; m++) {
		msp_stack *s;
		msp_stack_opts_default(&o);
		o.method = methods[m];
		msp_stack_new(&s, &o);
		rng = 12345;
		char err[128];
		for (int k = 0; k < N; k++) {
			for (int i = 0; i < NP; i++)
				x[i] = w[i] + sigma * gauss();
			msp_record *r = rec_ts(-10, 0.01, NP, x);
			msp_stack_add(s, r, err, sizeof err);
			msp_record_free(r);
		}
		msp_record *out = msp_record_new();
		is(msp_stack_result(s, out), MSP_OK, "%s result", msp_stack_method_name(methods[m]));
		double ss = 0;
		for (int i = 0; i < NP; i++)
			ss += (out->data[i] - w[i]) * (out->data[i] - w[i]);
		resid_rms[m] = sqrt(ss / NP);
		msp_record_free(out);
		msp_stack_free(s);
	}
	double expect = sigma / sqrt((double)N);
	near(resid_rms[0], expect, 0.05 * expect, "mean: residual rms %.4f = sigma/sqrt(N) %.4f",
	     resid_rms[0], expect);
	/* median of Gaussian noise: efficiency 2/pi -> sqrt(pi/2) larger */
	near(resid_rms[1], expect * sqrt(M_PI / 2), 0.1 * expect * sqrt(M_PI / 2),
	     "median: residual rms %.4f = sqrt(pi/2) sigma/sqrt(N)", resid_rms[1]);
	ok(resid_rms[2] < 1.3 * expect, "robust: residual rms %.4f close to sigma/sqrt(N)",
	   resid_rms[2]);
}

static void test_robust_outlier(void)
{
	/* one wild member: the robust stack down-weights it, the mean does not */
	enum { NP = 500, N = 10 };
	double w[NP], x[NP];
	for (int i = 0; i < NP; i++)
		w[i] = sin(i * 0.05) * exp(-(i - 250.0) * (i - 250.0) / 5000.0);
	msp_stack_opts o;
	msp_stack_opts_default(&o);
	double err_m[2];
	for (int m = 0; m < 2; m++) {
		o.method = m ? MSP_STACK_ROBUST : MSP_STACK_MEAN;
		msp_stack *s;
		msp_stack_new(&s, &o);
		rng = 99;
		char e[128];
		for (int k = 0; k < N; k++) {
			for (int i = 0; i < NP; i++)
				x[i] = (k == 3 ? 50 * gauss() : w[i] + 0.05 * gauss());
			msp_record *r = rec_ts(0, 0.1, NP, x);
			msp_stack_add(s, r, e, sizeof e);
			msp_record_free(r);
		}
		msp_record *out = msp_record_new();
		msp_stack_result(s, out);
		double ss = 0;
		for (int i = 0; i < NP; i++)
			ss += (out->data[i] - w[i]) * (out->data[i] - w[i]);
		err_m[m] = sqrt(ss / NP);
		msp_record_free(out);
		msp_stack_free(s);
	}
	ok(err_m[1] < 0.2 * err_m[0], "robust (%.4f) rejects the outlier the mean (%.4f) keeps",
	   err_m[1], err_m[0]);
}

static void test_partition(void)
{
	/* 40 records (some Seismograms would complicate nothing): one pass vs
	 * 8 random partitions stacked partially and merged in a random order */
	enum { NR = 40, NP = 300 };
	msp_record *recs[NR];
	rng = 777;
	for (int k = 0; k < NR; k++) {
		double x[NP];
		for (int i = 0; i < NP; i++)
			x[i] = gauss() * pow(10, (int)(next() % 12) - 6);
		recs[k] = rec_ts((double)(next() % 7) * 0.1 - 0.3, 0.1, NP, x);
	}
	for (int m = 0; m < 2; m++) {
		msp_stack_opts o;
		msp_stack_opts_default(&o);
		o.method = m ? MSP_STACK_MEAN : MSP_STACK_SUM;
		o.use_window = 1;
		o.wstart = -0.2;
		o.wend = 25.0;
		msp_stack *one;
		msp_stack_new(&one, &o);
		char e[128];
		for (int k = 0; k < NR; k++)
			msp_stack_add(one, recs[k], e, sizeof e);
		msp_record *ref = msp_record_new();
		msp_stack_result(one, ref);
		int part[NR];
		for (int k = 0; k < NR; k++)
			part[k] = (int)(next() % 8);
		msp_record *partials[8];
		int np = 0;
		for (int p = 0; p < 8; p++) {
			msp_stack *ps;
			msp_stack_new(&ps, &o);
			for (int k = NR - 1; k >= 0; k--) /* other order too */
				if (part[k] == p)
					msp_stack_add(ps, recs[k], e, sizeof e);
			if (msp_stack_count(ps)) {
				partials[np] = msp_record_new();
				is(msp_stack_partial(ps, partials[np]), MSP_OK, "partial %d", p);
				np++;
			}
			msp_stack_free(ps);
		}
		msp_stack *mg;
		msp_stack_new(&mg, NULL);
		for (int i = np - 1; i >= 0; i--)
			is(msp_stack_merge(mg, partials[i], e, sizeof e), MSP_OK, "merge %d %s", i, e);
		msp_record *got = msp_record_new();
		msp_stack_result(mg, got);
		int same = got->npts == ref->npts && got->t0 == ref->t0 &&
		           !memcmp(got->data, ref->data, ref->npts * sizeof(double));
		ok(same, "%s: 8-partition merge equals one pass bit for bit",
		   msp_stack_method_name(o.method));
		int64_t c1 = 0, c2 = 0;
		msp_meta_get_int64(ref->meta, "stack_count", &c1);
		msp_meta_get_int64(got->meta, "stack_count", &c2);
		is(c2, c1, "merged stack_count %lld", (long long)c2);
		for (int i = 0; i < np; i++)
			msp_record_free(partials[i]);
		msp_record_free(ref);
		msp_record_free(got);
		msp_stack_free(one);
		msp_stack_free(mg);
	}
	for (int k = 0; k < NR; k++)
		msp_record_free(recs[k]);
	msp_stack_opts o;
	msp_stack_opts_default(&o);
	o.method = MSP_STACK_MEDIAN;
	msp_stack *s;
	msp_stack_new(&s, &o);
	double x[3] = {1, 2, 3};
	msp_record *r = rec_ts(0, 1, 3, x), *out = msp_record_new();
	char e[64];
	msp_stack_add(s, r, e, sizeof e);
	is(msp_stack_partial(s, out), MSP_ERR_UNSUPPORTED, "median cannot be partial");
	msp_record_free(r);
	msp_record_free(out);
	msp_stack_free(s);
}

static void test_seismogram_partial(void)
{
	/* three-component partial stacks, split 3 ways, merged = one pass */
	enum { NR = 12, NP = 200 };
	msp_stack_opts o;
	msp_stack_opts_default(&o);
	o.method = MSP_STACK_MEAN;
	msp_stack *one, *part[3], *mg;
	msp_stack_new(&one, &o);
	msp_stack_opts po = o;
	po.partial = 1;
	for (int p = 0; p < 3; p++)
		msp_stack_new(&part[p], &po);
	msp_stack_new(&mg, NULL);
	char e[128];
	rng = 31337;
	for (int k = 0; k < NR; k++) {
		msp_record *r = msp_record_new();
		msp_record_resize(r, MSP_SEISMOGRAM, NP);
		for (size_t i = 0; i < 3 * NP; i++)
			r->data[i] = gauss() * pow(10, (int)(next() % 9) - 4);
		/* spans a whole number of samples apart, no window: the one-pass
		 * span is record 0's; partials keep all their samples */
		r->t0 = k ? (double)(next() % 9) * 0.5 - 2.0 : 0.0;
		r->dt = 0.5;
		r->tref = MSP_TREF_RELATIVE;
		msp_stack_add(one, r, e, sizeof e);
		msp_stack_add(part[k % 3], r, e, sizeof e);
		msp_record_free(r);
	}
	msp_record *ref = msp_record_new(), *got = msp_record_new(), *pr = msp_record_new();
	msp_stack_result(one, ref);
	for (int p = 0; p < 3; p++) {
		msp_stack_partial(part[p], pr);
		is(msp_stack_merge(mg, pr, e, sizeof e), MSP_OK, "merge Seismogram partial %d %s", p, e);
	}
	msp_stack_result(mg, got);
	ok(got->kind == MSP_SEISMOGRAM && got->npts == ref->npts && got->t0 == ref->t0 &&
	   !memcmp(got->data, ref->data, 3 * NP * sizeof(double)),
	   "Seismogram mean, spans offset, no window: merged partials equal one pass bit for bit");
	ok(pr->npts > NP, "a partial without a window spans all its records (%zu > %d)", pr->npts,
	   NP);
	msp_record_free(ref);
	msp_record_free(got);
	msp_record_free(pr);
	msp_stack_free(one);
	msp_stack_free(mg);
	for (int p = 0; p < 3; p++)
		msp_stack_free(part[p]);
}

static void test_keys(void)
{
	bson_t *a = bson_new(), *b = bson_new(), *c = bson_new();
	msp_meta_set_string(a, "sta", "PB01");
	msp_meta_set_int64(a, "evid", 3);
	msp_meta_set_string(b, "sta", "PB01");
	msp_meta_set_double(b, "evid", 3.0);
	msp_meta_set_string(c, "sta", "PB01");
	msp_meta_set_string(c, "evid", "3");
	const char *keys[] = {"sta", "evid"};
	msp_buf ka, kb, kc;
	msp_buf_init(&ka);
	msp_buf_init(&kb);
	msp_buf_init(&kc);
	msp_group_key(a, keys, 2, &ka, NULL);
	msp_group_key(b, keys, 2, &kb, NULL);
	msp_group_key(c, keys, 2, &kc, NULL);
	ok(ka.len == kb.len && !memcmp(ka.p, kb.p, ka.len), "3 and 3.0 are one key");
	ok(!(ka.len == kc.len && !memcmp(ka.p, kc.p, ka.len)), "3 and \"3\" differ");
	int miss = -1;
	const char *k2[] = {"sta", "nope"};
	is(msp_group_key(a, k2, 2, &ka, &miss), MSP_ERR_NOTFOUND, "missing key");
	is(miss, 1, "missing key index");
	msp_buf_free(&ka);
	msp_buf_free(&kb);
	msp_buf_free(&kc);
	bson_destroy(a);
	bson_destroy(b);
	bson_destroy(c);
}

int main(void)
{
	test_exact_sum();
	test_sum_mean();
	test_wavelet_noise();
	test_robust_outlier();
	test_partition();
	test_seismogram_partial();
	test_keys();
	return done_testing();
}
