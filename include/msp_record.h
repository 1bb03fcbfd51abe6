/*
 * msp_record.h - one MsPASS object in memory: a TimeSeries (one component)
 * or a Seismogram (three components).
 *
 * A record carries its core attributes (t0, dt, npts, live, time reference
 * and shift), open-ended Metadata as a BSON document, an error log (elog)
 * and a bounded processing history, plus float64 samples.  Seismogram
 * samples are stored component-blocked: component c, sample i is
 * data[c * npts + i].  The struct is public so that tools and tests can
 * reach the samples directly; allocate and release it with the functions
 * below, which own every pointer inside it.
 */
#ifndef MSP_RECORD_H
#define MSP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

enum msp_kind { MSP_TIMESERIES = 1, MSP_SEISMOGRAM = 3 };
enum msp_tref { MSP_TREF_RELATIVE = 0, MSP_TREF_UTC = 1 };

/* MsPASS ErrorSeverity, in MsPASS's order (Fatal worst). */
enum msp_severity {
	MSP_SEV_FATAL = 0,
	MSP_SEV_INVALID = 1,
	MSP_SEV_SUSPECT = 2,
	MSP_SEV_COMPLAINT = 3,
	MSP_SEV_DEBUG = 4,
	MSP_SEV_INFORMATIONAL = 5
};

/* History keeps at most this many entries; older ones are dropped and
 * counted (bounded provenance). */
#define MSP_HISTORY_MAX 32

typedef struct msp_record {
	int kind;            /* MSP_TIMESERIES or MSP_SEISMOGRAM (= component count) */
	int live;            /* 1 live, 0 dead */
	int tref;            /* MSP_TREF_UTC or MSP_TREF_RELATIVE */
	int t0shift_valid;   /* 1 when t0shift restores UTC (after ator) */
	double t0;           /* time of sample 0: epoch s (UTC) or relative s */
	double dt;           /* sample interval, s */
	double t0shift;      /* relative -> UTC shift */
	size_t npts;         /* samples per component */
	double *data;        /* kind * npts samples, component-blocked */
	size_t data_cap;     /* allocated doubles in data */
	bson_t *meta;        /* Metadata (never NULL after msp_record_new) */
	bson_t *elog;        /* array-like document "0","1",...: {algorithm,message,severity,pid} */
	bson_t *history;     /* array-like document of {tool, args} entries */
	uint32_t nelog;      /* entries in elog */
	uint32_t nhistory;   /* entries in history */
	uint32_t history_dropped; /* entries dropped to keep the bound */
} msp_record;

/* A new empty live TimeSeries (npts 0, dt 1, UTC, empty metadata); NULL on ENOMEM. */
msp_record *msp_record_new(void);
void msp_record_free(msp_record *rec);
/* Reset to the state of msp_record_new, keeping the sample buffer. */
void msp_record_clear(msp_record *rec);
/* Deep copy src into dst (dst keeps/reuses its buffers). */
int msp_record_copy(msp_record *dst, const msp_record *src);

/* Set kind and npts and make room for kind*npts samples (contents undefined
 * for the new part; use msp_record_zero to clear). */
int msp_record_resize(msp_record *rec, int kind, size_t npts);
void msp_record_zero(msp_record *rec);
/* Pointer to component c's samples. */
static inline double *msp_record_comp(const msp_record *rec, int c)
{
	return rec->data + (size_t)c * rec->npts;
}
static inline size_t msp_record_nsamples(const msp_record *rec)
{
	return (size_t)rec->kind * rec->npts;
}
/* MsPASS arithmetic: time(i) = t0 + i*dt; endtime = t0 + (npts-1)*dt. */
static inline double msp_record_time(const msp_record *rec, long i)
{
	return rec->t0 + rec->dt * (double)i;
}
static inline double msp_record_endtime(const msp_record *rec)
{
	return rec->t0 + rec->dt * ((double)rec->npts - 1.0);
}

/* Append an elog entry.  Severity Fatal or Invalid does not kill by itself;
 * call msp_record_kill for that (it logs and kills in one step). */
int msp_record_log(msp_record *rec, const char *algorithm, int severity,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Mark dead and log an Invalid entry (MsPASS's kill with a reason).  Samples are kept. */
int msp_record_kill(msp_record *rec, const char *algorithm, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Worst severity in the elog, or -1 when empty. */
int msp_record_worst_severity(const msp_record *rec);

/* Append a history entry {tool, args}; args is cut to 256 bytes.  Keeps at
 * most MSP_HISTORY_MAX entries, dropping the oldest. */
int msp_record_add_history(msp_record *rec, const char *tool, const char *args);

/* ator/rtoa with MsPASS's semantics (see man page msp(3)): ator is a no-op on
 * dead or already relative data; rtoa fails with MSP_ERR_DATA if the shift is
 * not valid (and not > 100 s, MsPASS's rule).  rtoa(ator(x)) restores t0 bit
 * for bit: when t0 - tshift rounds, ator keeps the exact t0 in the metadata
 * key "ator_exact" and rtoa uses and removes it.  ator: MSP_ERR_INVAL for a
 * non-finite tshift. */
int msp_record_ator(msp_record *rec, double tshift);
int msp_record_rtoa(msp_record *rec);

/* Severity names as MsPASS spells them; -1 for an unknown name. */
const char *msp_severity_name(int severity);
int msp_severity_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
