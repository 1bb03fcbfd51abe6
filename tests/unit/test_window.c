/*
 * test_window.c - msp_window (MsPASS WindowData without its off-by-one),
 * msp_record_ref_time, and the ator/rtoa round trip.
 *
 * References are independent of the code under test: samples hold their own
 * index (data[i] = i, component c: 1000*c + i), so the first sample of a cut
 * names the index it came from, and the expected index is computed here from
 * the window times with MsPASS's formulas written out again.
 * Invariants: a kill/truncate window never lengthens a record; a pad window
 * has exactly round((end-start)/dt)+1 samples; rtoa(ator(x)) == x bit for bit.
 */
#include <math.h>
#include <string.h>
#include "tap.h"
#include "msp_meta.h"
#include "msp_status.h"
#include "msp_window.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
	return tap_xorshift(&rng);
}
static double unif(void) { return (double)(next() >> 11) / 9007199254740992.0; }

static msp_record *make(int kind, size_t npts, double t0, double dt)
{
	msp_record *r = msp_record_new();
	msp_record_resize(r, kind, npts);
	for (int c = 0; c < kind; c++)
		for (size_t i = 0; i < npts; i++)
			msp_record_comp(r, c)[i] = 1000.0 * c + (double)i;
	r->t0 = t0;
	r->dt = dt;
	return r;
}

static int last_severity_is(const msp_record *r, const char *sev)
{
	char key[32];
	const char *s;
	snprintf(key, sizeof key, "%u.severity", r->nelog - 1);
	return r->nelog && msp_meta_get_string(r->elog, key, &s) == MSP_OK && strcmp(s, sev) == 0;
}

static void inside(void)
{
	/* 1 hour at 20 sps from 2011-03-11T06:00:00 */
	double t0 = 1299823200.0, dt = 0.05;
	msp_record *r = make(MSP_TIMESERIES, 72000, t0, dt);
	int rc = msp_window(r, t0 + 100.0, t0 + 200.0, MSP_SHORT_KILL, "test");
	is(rc, MSP_OK, "inside window: ok");
	is(r->npts, 2001, "inside: n = round(100/0.05)+1 = 2001");
	ok(r->data[0] == 2000.0 && r->data[2000] == 4000.0, "inside: samples 2000..4000 kept");
	ok(r->t0 == t0 + dt * 2000.0, "inside: t0 = t0 + dt*is exactly (double, no float cast)");
	ok(r->live && r->nelog == 0, "inside: live, no elog");
	int64_t np;
	double st;
	ok(msp_meta_get_int64(r->meta, "npts", &np) == MSP_OK && np == 2001, "metadata npts mirrors npts");
	ok(msp_meta_get_double(r->meta, "starttime", &st) == MSP_OK && st == r->t0, "metadata starttime mirrors t0");
	msp_record_free(r);

	/* the float cast MsPASS applies to is would move t0 here: is = 16777217 */
	r = make(MSP_TIMESERIES, 16777300, 0.0, 1.0);
	msp_window(r, 16777217.0, 16777220.0, MSP_SHORT_KILL, "test");
	ok(r->t0 == 16777217.0, "t0 + dt*is in double precision (float would give 16777216)");
	msp_record_free(r);

	/* edges: the whole record, one sample, half-sample tolerance */
	r = make(MSP_TIMESERIES, 100, 10.0, 0.5);
	is(msp_window(r, 10.0, 10.0 + 99 * 0.5, MSP_SHORT_KILL, "test"), MSP_OK, "whole record");
	is(r->npts, 100, "whole record keeps every sample");
	is(msp_window(r, 12.0, 12.0, MSP_SHORT_KILL, "test"), MSP_OK, "one-sample window");
	ok(r->npts == 1 && r->data[0] == 4.0 && r->t0 == 12.0, "one-sample window is sample 4");
	msp_record_free(r);
	r = make(MSP_TIMESERIES, 100, 10.0, 0.5);
	is(msp_window(r, 10.0 - 0.24, 10.0 + 99 * 0.5, MSP_SHORT_KILL, "test"), MSP_OK,
	   "a start less than half a sample before the data is inside");
	is(r->npts, 100, "... and keep all 100 samples");
	msp_record_free(r);
	/* n comes from (end - start): slop at both edges adds up (MsPASS's formula) */
	r = make(MSP_TIMESERIES, 100, 10.0, 0.5);
	is(msp_window(r, 10.0 - 0.24, 10.0 + 99 * 0.5 + 0.24, MSP_SHORT_KILL, "test"), MSP_ERR_DATA,
	   "0.48 sample of slop at each edge makes n = 101: partial");
	msp_record_free(r);
}

static void seismogram(void)
{
	msp_record *r = make(MSP_SEISMOGRAM, 500, 0.0, 0.01);
	is(msp_window(r, 1.0, 2.0, MSP_SHORT_KILL, "test"), MSP_OK, "Seismogram window");
	is(r->npts, 101, "Seismogram: 101 samples");
	int good = 1;
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < 101; i++)
			good &= msp_record_comp(r, c)[i] == 1000.0 * c + 100.0 + (double)i;
	ok(good, "Seismogram: each component cut at the same samples");
	msp_record_free(r);
	/* partial + truncate / pad on 3 components */
	r = make(MSP_SEISMOGRAM, 500, 0.0, 0.01);
	is(msp_window(r, 4.5, 6.0, MSP_SHORT_TRUNCATE, "test"), MSP_OK, "Seismogram truncate");
	good = r->npts == 50;
	for (int c = 0; c < 3; c++)
		good &= msp_record_comp(r, c)[0] == 1000.0 * c + 450 && msp_record_comp(r, c)[49] == 1000.0 * c + 499;
	ok(good, "Seismogram truncate keeps samples 450..499 of each component");
	msp_record_free(r);
	r = make(MSP_SEISMOGRAM, 500, 0.0, 0.01);
	is(msp_window(r, -1.0, 1.0, MSP_SHORT_PAD, "test"), MSP_OK, "Seismogram pad");
	good = r->npts == 201 && r->t0 == -1.0;
	for (int c = 0; c < 3; c++) {
		double *x = msp_record_comp(r, c);
		good &= x[0] == 0.0 && x[99] == 0.0 && x[100] == 1000.0 * c && x[200] == 1000.0 * c + 100;
	}
	ok(good, "Seismogram pad: 100 zeros then samples 0..100 on each component");
	msp_record_free(r);
}

static void partial_and_outside(void)
{
	msp_record *r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	/* one sample past the end: MsPASS's TimeSeries accepts it (last sample 0); we do not */
	is(msp_window(r, 50.0, 100.0, MSP_SHORT_KILL, "test"), MSP_ERR_DATA, "one-sample overrun is partial");
	ok(!r->live && last_severity_is(r, "Invalid"), "partial + kill: dead with an Invalid entry");
	is(r->npts, 100, "killed record keeps its samples (MsPASS kill)");
	/* dead records are left alone */
	is(msp_window(r, 10.0, 20.0, MSP_SHORT_KILL, "test"), MSP_OK, "dead record: no-op");
	ok(r->npts == 100 && r->nelog == 1, "dead record untouched");
	msp_record_free(r);

	r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	is(msp_window(r, 50.0, 100.0, MSP_SHORT_TRUNCATE, "test"), MSP_OK, "partial + truncate");
	ok(r->live && r->npts == 50 && r->data[0] == 50.0 && r->t0 == 50.0, "truncate keeps 50..99");
	ok(last_severity_is(r, "Complaint"), "truncate logs a Complaint");
	msp_record_free(r);

	r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	is(msp_window(r, 50.0, 100.0, MSP_SHORT_PAD, "test"), MSP_OK, "partial + pad");
	ok(r->live && r->npts == 51 && r->data[49] == 99.0 && r->data[50] == 0.0, "pad zero-fills sample 100");
	ok(last_severity_is(r, "Complaint"), "pad logs a Complaint");
	msp_record_free(r);

	/* no overlap: always killed, whatever the mode */
	for (int mode = 0; mode < 3; mode++) {
		r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
		int rc1 = msp_window(r, 200.0, 300.0, mode, "test");
		ok(rc1 == MSP_ERR_DATA && !r->live && last_severity_is(r, "Invalid"),
		   "window after the data killed (mode %d)", mode);
		msp_record_free(r);
		r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
		rc1 = msp_window(r, -300.0, -0.6, mode, "test");
		ok(rc1 == MSP_ERR_DATA && !r->live, "window before the data killed (mode %d)", mode);
		msp_record_free(r);
	}
	r = make(MSP_TIMESERIES, 0, 0.0, 1.0);
	ok(msp_window(r, 0.0, 1.0, MSP_SHORT_PAD, "test") == MSP_ERR_DATA && !r->live, "empty record killed");
	msp_record_free(r);
	/* far away: no overflow */
	r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	ok(msp_window(r, 1e300, 2e300, MSP_SHORT_PAD, "test") == MSP_ERR_DATA && !r->live, "1e300 s away: killed");
	msp_record_free(r);
	r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	ok(msp_window(r, -1e12, 1e12, MSP_SHORT_PAD, "test") == MSP_ERR_DATA && !r->live,
	   "pad to 2e12 samples refused (killed, not allocated)");
	msp_record_free(r);
	/* bad arguments leave the record untouched */
	r = make(MSP_TIMESERIES, 100, 0.0, 1.0);
	is(msp_window(r, 20.0, 10.0, MSP_SHORT_KILL, "test"), MSP_ERR_INVAL, "end < start: MSP_ERR_INVAL");
	is(msp_window(r, NAN, 10.0, MSP_SHORT_KILL, "test"), MSP_ERR_INVAL, "NaN start: MSP_ERR_INVAL");
	is(msp_window(r, 0.0, INFINITY, MSP_SHORT_KILL, "test"), MSP_ERR_INVAL, "infinite end: MSP_ERR_INVAL");
	is(msp_window(r, 0.0, 1.0, 7, "test"), MSP_ERR_INVAL, "bad mode: MSP_ERR_INVAL");
	ok(r->live && r->npts == 100 && r->nelog == 0, "record untouched by bad arguments");
	msp_record_free(r);
	is(msp_short_mode_from_name("pad"), MSP_SHORT_PAD, "mode name pad");
	is(msp_short_mode_from_name("Pad"), -1, "mode names are exact");
}

/* Random windows against MsPASS's formulas written out here. */
static void invariants(void)
{
	int never_longer = 1, pad_len = 1, first_ok = 1, t0_ok = 1, dead_ok = 1;
	for (int trial = 0; trial < 3000; trial++) {
		size_t npts = 1 + next() % 2000;
		double dt = 0.001 + unif();
		double t0 = (unif() - 0.5) * 2e9;
		int mode = (int)(next() % 3);
		double span = npts * dt;
		double start = t0 + (unif() * 1.6 - 0.3) * span;
		double end = start + unif() * span * 1.2;
		msp_record *r = make(MSP_TIMESERIES, npts, t0, dt);
		long is_ = lround((start - t0) / dt);
		long n = lround((end - start) / dt) + 1;
		long ie = is_ + n - 1;
		int rc = msp_window(r, start, end, mode, "test");
		int outside = ie < 0 || is_ > (long)npts - 1;
		int part = !outside && (is_ < 0 || ie > (long)npts - 1);
		if (outside || (part && mode == MSP_SHORT_KILL)) {
			dead_ok &= rc == MSP_ERR_DATA && !r->live && r->npts == npts;
		} else {
			dead_ok &= rc == MSP_OK && r->live;
			if (mode != MSP_SHORT_PAD || !part)
				never_longer &= r->npts <= npts;
			if (mode == MSP_SHORT_PAD && part)
				pad_len &= (long)r->npts == n;
			long lo = is_ < 0 && !(mode == MSP_SHORT_PAD) ? 0 : is_;
			if (lo >= 0)
				first_ok &= r->data[0] == (double)lo;
			t0_ok &= r->t0 == t0 + dt * (double)lo;
		}
		msp_record_free(r);
	}
	ok(dead_ok, "3000 random windows: killed exactly when outside, or partial in kill mode");
	ok(never_longer, "3000 random windows: kill/truncate never lengthen a record");
	ok(pad_len, "3000 random windows: pad gives round((end-start)/dt)+1 samples");
	ok(first_ok, "3000 random windows: first sample is sample round((start-t0)/dt)");
	ok(t0_ok, "3000 random windows: new t0 = t0 + dt*is");
}

static void ref_time(void)
{
	char err[128];
	double t;
	msp_record *r = make(MSP_TIMESERIES, 10, 1000.0, 1.0);
	msp_meta_set_double(r->meta, "Ptime", 1005.5);
	msp_meta_set_string(r->meta, "sta", "ANMO");
	msp_meta_set_bool(r->meta, "flag", 1);
	ok(msp_record_ref_time(r, "Ptime", &t, err, sizeof err) == MSP_OK && t == 1005.5, "UTC: ref is the key");
	ok(msp_record_ref_time(r, "Stime", &t, err, sizeof err) == MSP_ERR_NOTFOUND && strstr(err, "Stime"),
	   "missing key: %s", err);
	ok(msp_record_ref_time(r, "sta", &t, err, sizeof err) == MSP_ERR_TYPE, "string key: %s", err);
	ok(msp_record_ref_time(r, "flag", &t, err, sizeof err) == MSP_ERR_TYPE, "bool key refused");
	msp_meta_set_double(r->meta, "bad", NAN);
	ok(msp_record_ref_time(r, "bad", &t, err, sizeof err) == MSP_ERR_RANGE, "NaN key refused");
	msp_record_ator(r, 1000.0);
	ok(msp_record_ref_time(r, "Ptime", &t, err, sizeof err) == MSP_OK && t == 5.5, "relative: key - t0shift");
	r->t0shift_valid = 0;
	r->t0shift = 50.0;
	ok(msp_record_ref_time(r, "Ptime", &t, err, sizeof err) == MSP_ERR_DATA, "relative without valid shift");
	msp_record_free(r);
}

/* Relative data windowed in relative seconds (the MsPASS ator / WindowData / rtoa chain). */
static void relative_chain(void)
{
	double t0 = 1299823200.0, dt = 0.05, ptime = 1299823512.37;
	msp_record *r = make(MSP_TIMESERIES, 72000, t0, dt);
	msp_record *u = make(MSP_TIMESERIES, 72000, t0, dt);
	is(msp_record_ator(r, ptime), MSP_OK, "ator(Ptime)");
	is(msp_window(r, -200.0, 200.0, MSP_SHORT_KILL, "test"), MSP_OK, "window -200..200 relative");
	is(msp_record_rtoa(r), MSP_OK, "rtoa");
	msp_window(u, ptime - 200.0, ptime + 200.0, MSP_SHORT_KILL, "test");
	ok(r->npts == u->npts && r->data[0] == u->data[0], "relative chain cuts the same samples as UTC");
	near(r->t0, u->t0, 1e-6, "relative chain gives the same t0 within 1 us");
	msp_record_free(r);
	msp_record_free(u);
}

static int roundtrip(double t0, double shift)
{
	msp_record *r = msp_record_new();
	r->t0 = t0;
	int ok1 = msp_record_ator(r, shift) == MSP_OK && r->tref == MSP_TREF_RELATIVE && r->t0shift == shift;
	ok1 &= msp_record_rtoa(r) == MSP_OK && r->tref == MSP_TREF_UTC;
	ok1 &= memcmp(&r->t0, &t0, sizeof t0) == 0 && !msp_meta_has(r->meta, "ator_exact");
	msp_record_free(r);
	return ok1;
}

static void ator_rtoa(void)
{
	int all = 1, inexact_seen = 0;
	for (int i = 0; i < 100000; i++) {
		double t0, s;
		switch (i % 4) {
		case 0: t0 = 1e9 + unif() * 1e9; s = t0 + (unif() - 0.5) * 3600; break; /* Ptime-like */
		case 1: t0 = (unif() - 0.5) * 1000; s = 1e9 + unif() * 1e9; break;    /* small t0, epoch shift */
		case 2: t0 = 1e9 + unif() * 1e9; s = unif(); break;                    /* epoch t0, small shift */
		default: t0 = ldexp(1.0, 30 + (int)(next() % 3)) * (1 + (unif() - 0.5) * 1e-9); s = unif() * 3; break; /* binade edges */
		}
		if ((t0 - s) + s != t0)
			inexact_seen++;
		all &= roundtrip(t0, s);
	}
	ok(inexact_seen > 1000, "the test meets shifts where (t0-s)+s != t0 (%d)", inexact_seen);
	ok(all, "rtoa(ator(x)) restores t0 bit for bit over 100000 random (t0, shift)");
	ok(roundtrip(0.1, 1299823512.37), "0.1 relative to an epoch shift and back");

	msp_record *r = msp_record_new();
	r->t0 = 0.1;
	msp_record_ator(r, 1299823512.37);
	ok(msp_meta_has(r->meta, "ator_exact"), "inexact ator keeps the exact t0 in metadata");
	r->t0 += 1.0; /* as a window would move it: the kept value no longer applies */
	msp_record_rtoa(r);
	ok(!msp_meta_has(r->meta, "ator_exact") && fabs(r->t0 - 1.1) < 1e-6, "moved t0: computed, key removed");
	/* MsPASS rules: ator on relative is a no-op; rtoa without a valid shift fails */
	r->t0 = 5.0;
	msp_record_ator(r, 3.0);
	double before = r->t0;
	msp_record_ator(r, 100.0);
	ok(r->t0 == before && r->t0shift == 3.0, "ator on relative data is a no-op");
	r->t0shift_valid = 0;
	is(msp_record_rtoa(r), MSP_ERR_DATA, "rtoa with no valid shift: MSP_ERR_DATA");
	r->t0shift = 150.0;
	is(msp_record_rtoa(r), MSP_OK, "rtoa with shift > 100 s (MsPASS's rule)");
	is(msp_record_ator(r, NAN), MSP_ERR_INVAL, "ator(NaN) refused");
	r->live = 0;
	r->t0 = 7.0;
	msp_record_ator(r, 1.0);
	ok(r->t0 == 7.0 && r->tref == MSP_TREF_UTC, "ator on dead data is a no-op");
	msp_record_free(r);
}

int main(void)
{
	inside();
	seismogram();
	partial_and_outside();
	invariants();
	ref_time();
	relative_chain();
	ator_rtoa();
	return done_testing();
}
