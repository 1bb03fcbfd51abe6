/*
 * json.c - records to JSON lines, a growable buffer, and stream summaries.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_json.h"
#include "msp_parse.h"
#include "msp_status.h"

void msp_buf_init(msp_buf *b) { memset(b, 0, sizeof *b); }
void msp_buf_free(msp_buf *b) { free(b->p); msp_buf_init(b); }
void msp_buf_reset(msp_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->p)
		b->p[0] = '\0';
}

static int reserve(msp_buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void msp_buf_add(msp_buf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void msp_buf_addf(msp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void msp_buf_add_double(msp_buf *b, double v)
{
	char tmp[40];
	if (isnan(v)) {
		msp_buf_addf(b, "{\"$numberDouble\":\"NaN\"}");
		return;
	}
	if (isinf(v)) {
		msp_buf_addf(b, "{\"$numberDouble\":\"%sInfinity\"}", v < 0 ? "-" : "");
		return;
	}
	/* shortest of %.15g..%.17g that reads back exactly */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	msp_buf_add(b, tmp, strlen(tmp));
}

void msp_buf_add_bson(msp_buf *b, const bson_t *doc, int as_array)
{
	if (!as_array) {
		size_t n;
		char *s = bson_as_relaxed_extended_json(doc, &n);
		if (!s) {
			b->failed = 1;
			return;
		}
		msp_buf_add(b, s, n);
		bson_free(s);
		return;
	}
	bson_iter_t it;
	int first = 1;
	msp_buf_add(b, "[", 1);
	if (bson_iter_init(&it, doc)) {
		while (bson_iter_next(&it)) {
			if (!first)
				msp_buf_add(b, ",", 1);
			first = 0;
			/* render the element through a one-key document, then strip the wrapper */
			bson_t one = BSON_INITIALIZER;
			bson_append_iter(&one, "v", 1, &it);
			size_t n;
			char *s = bson_as_relaxed_extended_json(&one, &n);
			bson_destroy(&one);
			if (!s) {
				b->failed = 1;
				return;
			}
			/* s is '{ "v" : VALUE }' */
			char *v = strstr(s, ": ");
			size_t vlen = v ? n - (size_t)(v + 2 - s) - 2 : 0;
			if (v)
				msp_buf_add(b, v + 2, vlen);
			bson_free(s);
		}
	}
	msp_buf_add(b, "]", 1);
}

static void add_samples(msp_buf *b, const double *x, size_t n)
{
	msp_buf_add(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			msp_buf_add(b, ",", 1);
		msp_buf_add_double(b, x[i]);
	}
	msp_buf_add(b, "]", 1);
}

int msp_record_to_json(const msp_record *rec, int samples, msp_buf *b)
{
	msp_buf_add(b, "{\"t0\":", 6);
	msp_buf_add_double(b, rec->t0);
	msp_buf_add(b, ",\"dt\":", 6);
	msp_buf_add_double(b, rec->dt);
	msp_buf_addf(b, ",\"npts\":%zu,\"live\":%s,\"tref\":\"%s\"", rec->npts,
	             rec->live ? "true" : "false", rec->tref == MSP_TREF_UTC ? "UTC" : "relative");
	if (rec->tref == MSP_TREF_RELATIVE) {
		msp_buf_add(b, ",\"t0shift\":", 11);
		msp_buf_add_double(b, rec->t0shift);
		msp_buf_addf(b, ",\"t0shift_valid\":%s", rec->t0shift_valid ? "true" : "false");
	}
	msp_buf_addf(b, ",\"kind\":\"%s\"", rec->kind == MSP_SEISMOGRAM ? "Seismogram" : "TimeSeries");
	msp_buf_add(b, ",\"metadata\":", 12);
	msp_buf_add_bson(b, rec->meta, 0);
	msp_buf_add(b, ",\"elog\":", 8);
	msp_buf_add_bson(b, rec->elog, 1);
	msp_buf_add(b, ",\"history\":", 11);
	msp_buf_add_bson(b, rec->history, 1);
	if (rec->history_dropped)
		msp_buf_addf(b, ",\"history_dropped\":%u", rec->history_dropped);
	if (samples) {
		msp_buf_add(b, ",\"data\":", 8);
		if (rec->kind == MSP_SEISMOGRAM) {
			msp_buf_add(b, "[", 1);
			for (int c = 0; c < 3; c++) {
				if (c)
					msp_buf_add(b, ",", 1);
				add_samples(b, msp_record_comp(rec, c), rec->npts);
			}
			msp_buf_add(b, "]", 1);
		} else {
			add_samples(b, rec->data, rec->npts);
		}
	}
	msp_buf_add(b, "}", 1);
	return b->failed ? MSP_ERR_NOMEM : MSP_OK;
}

void msp_summary_init(msp_summary *s)
{
	memset(s, 0, sizeof *s);
	for (int c = 0; c < 3; c++) {
		s->min[c] = INFINITY;
		s->max[c] = -INFINITY;
	}
	s->tmin = INFINITY;
	s->tmax = -INFINITY;
	s->dtmin = INFINITY;
	s->dtmax = -INFINITY;
}

void msp_summary_add(msp_summary *s, const msp_record *rec)
{
	s->count++;
	if (rec->kind == MSP_SEISMOGRAM)
		s->seismograms++;
	else
		s->timeseries++;
	if (!rec->live) {
		s->dead++;
		return;
	}
	s->live++;
	s->samples += msp_record_nsamples(rec);
	if (rec->dt < s->dtmin)
		s->dtmin = rec->dt;
	if (rec->dt > s->dtmax)
		s->dtmax = rec->dt;
	if (rec->npts && rec->tref == MSP_TREF_UTC) {
		s->have_time = 1;
		if (rec->t0 < s->tmin)
			s->tmin = rec->t0;
		if (msp_record_endtime(rec) > s->tmax)
			s->tmax = msp_record_endtime(rec);
	}
	for (int c = 0; c < rec->kind; c++) {
		const double *x = msp_record_comp(rec, c);
		double mn = s->min[c], mx = s->max[c], ss = 0.0;
		for (size_t i = 0; i < rec->npts; i++) {
			if (x[i] < mn)
				mn = x[i];
			if (x[i] > mx)
				mx = x[i];
			ss += x[i] * x[i];
		}
		s->min[c] = mn;
		s->max[c] = mx;
		s->sumsq[c] += ss;
		s->n[c] += rec->npts;
	}
}

void msp_summary_text(const msp_summary *s, msp_buf *b)
{
	char t1[40], t2[40];
	msp_buf_addf(b, "records      %llu (%llu live, %llu dead; %llu TimeSeries, %llu Seismogram)\n",
	             (unsigned long long)s->count, (unsigned long long)s->live,
	             (unsigned long long)s->dead, (unsigned long long)s->timeseries,
	             (unsigned long long)s->seismograms);
	msp_buf_addf(b, "samples      %llu (live records)\n", (unsigned long long)s->samples);
	if (s->live)
		msp_buf_addf(b, "dt           %.9g to %.9g s\n", s->dtmin, s->dtmax);
	if (s->have_time)
		msp_buf_addf(b, "time span    %s to %s (UTC)\n", msp_format_time(s->tmin, t1, sizeof t1),
		             msp_format_time(s->tmax, t2, sizeof t2));
	for (int c = 0; c < 3; c++) {
		if (!s->n[c])
			continue;
		msp_buf_addf(b, "component %d  min %.9g  max %.9g  rms %.9g  (%llu samples)\n", c,
		             s->min[c], s->max[c], sqrt(s->sumsq[c] / (double)s->n[c]),
		             (unsigned long long)s->n[c]);
	}
}
