/*
 * mseed_ref.h - the reference for mspipe's own miniSEED decoder
 * (msp_mseed_unpack.h): one record decoded the way msread decoded it before
 * it had its own decoder, i.e. msp_mseed_record_check() then libmseed
 * 2.19's msr_parse, any libmseed log message at level 1 or 2 (warnings and
 * errors: a failed Steim integrity check among them) making the record
 * corrupt; and a comparison of the two that says where they differ.
 * Shared by tests/unit/test_mseed_unpack.c and fuzz/fuzz_mseed_decode.c.
 */
#ifndef MSP_MSEED_REF_H
#define MSP_MSEED_REF_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmseed.h>
#include "msp_mseed.h"
#include "msp_mseed_unpack.h"
#include "msp_status.h"

static int mref_ndiag;
static void mref_diag(char *m) { (void)m; mref_ndiag++; }
static void mref_log(char *m) { (void)m; }

/* What one decoder made of a record: accepted or not, header, samples. */
typedef struct mref_out {
	int ok;            /* header (and samples, if asked) accepted */
	msp_mseed_hdr h;
	double *x;         /* samples (malloc'd by the caller, 65535 doubles) */
	int skip;          /* an encoding the own decoder leaves to libmseed */
	char net[11], sta[11], loc[11], chan[11];
} mref_out;

/* The old way: guard + msr_parse (data = 1: samples too). */
static void mref_libmseed(const uint8_t *rec, size_t len, int data, mref_out *o)
{
	static MSRecord *msr;
	size_t rl = 0;
	o->ok = 0;
	o->skip = 0;
	if (msp_mseed_record_check(rec, len, &rl, NULL, 0) != MSP_OK)
		return;
	ms_loginit(mref_log, NULL, mref_diag, NULL);
	mref_ndiag = 0;
	int rc = msr_parse((char *)rec, (int)rl, &msr, (int)rl, data ? 1 : 0, 0);
	if (rc != MS_NOERROR || mref_ndiag)
		return;
	o->h.reclen = rl;
	o->h.encoding = msr->encoding;
	o->h.samplecnt = msr->samplecnt;
	o->h.starttime = msr->starttime;
	o->h.samprate = msr->samprate;
	memcpy(o->net, msr->network, sizeof o->net);
	memcpy(o->sta, msr->station, sizeof o->sta);
	memcpy(o->loc, msr->location, sizeof o->loc);
	memcpy(o->chan, msr->channel, sizeof o->chan);
	if (data && msr->samplecnt > 0) {
		if (msr->numsamples != msr->samplecnt)
			return;
		int64_t n = msr->numsamples;
		if (msr->sampletype == 'i')
			for (int64_t k = 0; k < n; k++)
				o->x[k] = ((int32_t *)msr->datasamples)[k];
		else if (msr->sampletype == 'f')
			for (int64_t k = 0; k < n; k++)
				o->x[k] = ((float *)msr->datasamples)[k];
		else if (msr->sampletype == 'd')
			memcpy(o->x, msr->datasamples, (size_t)n * 8);
		else
			return; /* ASCII: never samples */
	}
	o->ok = 1;
}

/* The new way: msp_mseed_unpack_header (+ _samples). */
static void mref_own(const uint8_t *rec, size_t len, int data, mref_out *o)
{
	char err[200];
	o->ok = 0;
	o->skip = 0;
	if (msp_mseed_unpack_header(rec, len, &o->h, err, sizeof err) != MSP_OK)
		return;
	memcpy(o->net, o->h.net, sizeof o->h.net);
	memcpy(o->sta, o->h.sta, sizeof o->h.sta);
	memcpy(o->loc, o->h.loc, sizeof o->h.loc);
	memcpy(o->chan, o->h.chan, sizeof o->h.chan);
	if (data) {
		int rc = msp_mseed_unpack_samples(rec, &o->h, o->x, err, sizeof err);
		if (rc == MSP_ERR_UNSUPPORTED)
			o->skip = 1;
		if (rc)
			return;
	}
	o->ok = 1;
}

/* Same bits, NaN payloads included (both sides convert the same way). */
static int mref_same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Compare; returns 0 when they agree, else writes why. */
static int mref_compare(const uint8_t *rec, size_t len, int data, double *xa, double *xb,
                        char *why, size_t whylen)
{
	mref_out a = {0}, b = {0};
	a.x = xa;
	b.x = xb;
	mref_libmseed(rec, len, data, &a);
	mref_own(rec, len, data, &b);
	if (b.skip)
		return 0;
	if (a.ok != b.ok) {
		snprintf(why, whylen, "libmseed %s, own %s", a.ok ? "accepts" : "refuses",
		         b.ok ? "accepts" : "refuses");
		return 1;
	}
	if (!a.ok)
		return 0;
	if (a.h.reclen != b.h.reclen || a.h.encoding != b.h.encoding ||
	    a.h.samplecnt != b.h.samplecnt || a.h.starttime != b.h.starttime ||
	    !mref_same_double(a.h.samprate, b.h.samprate) || strcmp(a.net, b.net) ||
	    strcmp(a.sta, b.sta) || strcmp(a.loc, b.loc) || strcmp(a.chan, b.chan)) {
		snprintf(why, whylen,
		         "header: libmseed %zu %d %lld %lld %.17g '%s.%s.%s.%s', own %zu %d %lld %lld "
		         "%.17g '%s.%s.%s.%s'",
		         a.h.reclen, a.h.encoding, (long long)a.h.samplecnt, (long long)a.h.starttime,
		         a.h.samprate, a.net, a.sta, a.loc, a.chan, b.h.reclen, b.h.encoding,
		         (long long)b.h.samplecnt, (long long)b.h.starttime, b.h.samprate, b.net,
		         b.sta, b.loc, b.chan);
		return 1;
	}
	if (data)
		for (int64_t k = 0; k < a.h.samplecnt; k++)
			if (!mref_same_double(xa[k], xb[k])) {
				snprintf(why, whylen, "sample %lld: libmseed %.17g, own %.17g", (long long)k,
				         xa[k], xb[k]);
				return 1;
			}
	return 0;
}

#endif
