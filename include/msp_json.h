/*
 * msp_json.h - a record as one JSON line (what msinfo prints), a small
 * growable string buffer, and the surange-style summary of a stream.
 */
#ifndef MSP_JSON_H
#define MSP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_buf {
	char *p;
	size_t len, cap;
	int failed; /* an allocation failed; the content is incomplete */
} msp_buf;

void msp_buf_init(msp_buf *b);
void msp_buf_free(msp_buf *b);
void msp_buf_reset(msp_buf *b);
void msp_buf_add(msp_buf *b, const char *s, size_t n);
void msp_buf_addf(msp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A double as JSON: shortest text that reads back to the same value
 * ("%.17g" trimmed); NaN and infinities as {"$numberDouble": "..."}. */
void msp_buf_add_double(msp_buf *b, double v);
/* A BSON document as relaxed extended JSON; as_array renders "0","1",.. keys as a JSON array. */
void msp_buf_add_bson(msp_buf *b, const bson_t *doc, int as_array);

/* Append a record as one JSON object (no newline): t0, dt, npts, live, tref,
 * t0shift (relative only), kind, metadata, elog, history, and with samples
 * "data" (Seismogram: 3 arrays). */
int msp_record_to_json(const msp_record *rec, int samples, msp_buf *b);

/* Stream summary in the manner of SU's surange. */
typedef struct msp_summary {
	uint64_t count, live, dead, timeseries, seismograms;
	uint64_t samples;
	double tmin, tmax;      /* UTC span of live records (NaN if none) */
	int have_time;
	double min[3], max[3], sumsq[3];
	uint64_t n[3];
	double dtmin, dtmax;
} msp_summary;

void msp_summary_init(msp_summary *s);
void msp_summary_add(msp_summary *s, const msp_record *rec);
/* Multi-line text report. */
void msp_summary_text(const msp_summary *s, msp_buf *b);

#ifdef __cplusplus
}
#endif
#endif
