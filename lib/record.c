/*
 * record.c - msp_record life cycle, elog, history, ator/rtoa.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include "msp_meta.h"
#include "msp_record.h"
#include "msp_status.h"

static const char *const severity_names[] = {
	"Fatal", "Invalid", "Suspect", "Complaint", "Debug", "Informational"
};

const char *msp_severity_name(int s)
{
	if (s < 0 || s > MSP_SEV_INFORMATIONAL)
		return "Unknown";
	return severity_names[s];
}

int msp_severity_from_name(const char *name)
{
	for (int i = 0; i <= MSP_SEV_INFORMATIONAL; i++)
		if (strcmp(name, severity_names[i]) == 0)
			return i;
	return -1;
}

msp_record *msp_record_new(void)
{
	msp_record *rec = calloc(1, sizeof *rec);
	if (!rec)
		return NULL;
	rec->meta = bson_new();
	rec->elog = bson_new();
	rec->history = bson_new();
	rec->kind = MSP_TIMESERIES;
	rec->live = 1;
	rec->tref = MSP_TREF_UTC;
	rec->dt = 1.0;
	return rec;
}

void msp_record_free(msp_record *rec)
{
	if (!rec)
		return;
	free(rec->data);
	bson_destroy(rec->meta);
	bson_destroy(rec->elog);
	bson_destroy(rec->history);
	free(rec);
}

void msp_record_clear(msp_record *rec)
{
	bson_reinit(rec->meta);
	bson_reinit(rec->elog);
	bson_reinit(rec->history);
	rec->kind = MSP_TIMESERIES;
	rec->live = 1;
	rec->tref = MSP_TREF_UTC;
	rec->t0shift_valid = 0;
	rec->t0 = 0.0;
	rec->dt = 1.0;
	rec->t0shift = 0.0;
	rec->npts = 0;
	rec->nelog = rec->nhistory = rec->history_dropped = 0;
}

int msp_record_resize(msp_record *rec, int kind, size_t npts)
{
	if (kind != MSP_TIMESERIES && kind != MSP_SEISMOGRAM)
		return MSP_ERR_INVAL;
	if (npts > SIZE_MAX / 8 / 3)
		return MSP_ERR_TOOBIG;
	size_t need = (size_t)kind * npts;
	if (need > rec->data_cap) {
		double *p = realloc(rec->data, need * sizeof *p);
		if (!p)
			return MSP_ERR_NOMEM;
		rec->data = p;
		rec->data_cap = need;
	}
	rec->kind = kind;
	rec->npts = npts;
	return MSP_OK;
}

void msp_record_zero(msp_record *rec)
{
	if (rec->data)
		memset(rec->data, 0, msp_record_nsamples(rec) * sizeof(double));
}

static int copy_doc(bson_t *dst, const bson_t *src)
{
	bson_reinit(dst);
	if (!bson_concat(dst, src))
		return MSP_ERR_NOMEM;
	return MSP_OK;
}

int msp_record_copy(msp_record *dst, const msp_record *src)
{
	if (dst == src)
		return MSP_OK;
	int rc = msp_record_resize(dst, src->kind, src->npts);
	if (rc)
		return rc;
	if (src->npts)
		memcpy(dst->data, src->data, msp_record_nsamples(src) * sizeof(double));
	dst->live = src->live;
	dst->tref = src->tref;
	dst->t0shift_valid = src->t0shift_valid;
	dst->t0 = src->t0;
	dst->dt = src->dt;
	dst->t0shift = src->t0shift;
	dst->nelog = src->nelog;
	dst->nhistory = src->nhistory;
	dst->history_dropped = src->history_dropped;
	if ((rc = copy_doc(dst->meta, src->meta)) || (rc = copy_doc(dst->elog, src->elog)) ||
	    (rc = copy_doc(dst->history, src->history)))
		return rc;
	return MSP_OK;
}

static int vlog(msp_record *rec, const char *algorithm, int severity, const char *fmt, va_list ap)
{
	char msg[1024];
	char key[16];
	bson_t entry;
	vsnprintf(msg, sizeof msg, fmt, ap);
	snprintf(key, sizeof key, "%u", rec->nelog);
	if (!bson_append_document_begin(rec->elog, key, -1, &entry))
		return MSP_ERR_NOMEM;
	BSON_APPEND_UTF8(&entry, "algorithm", algorithm ? algorithm : "");
	BSON_APPEND_UTF8(&entry, "message", msg);
	BSON_APPEND_UTF8(&entry, "severity", msp_severity_name(severity));
	BSON_APPEND_INT32(&entry, "pid", (int32_t)getpid());
	bson_append_document_end(rec->elog, &entry);
	rec->nelog++;
	return MSP_OK;
}

int msp_record_log(msp_record *rec, const char *algorithm, int severity, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vlog(rec, algorithm, severity, fmt, ap);
	va_end(ap);
	return rc;
}

int msp_record_kill(msp_record *rec, const char *algorithm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vlog(rec, algorithm, MSP_SEV_INVALID, fmt, ap);
	va_end(ap);
	rec->live = 0;
	return rc;
}

int msp_record_worst_severity(const msp_record *rec)
{
	bson_iter_t it, sub;
	int worst = -1;
	if (!bson_iter_init(&it, rec->elog))
		return -1;
	while (bson_iter_next(&it)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &sub))
			continue;
		if (bson_iter_find(&sub, "severity") && BSON_ITER_HOLDS_UTF8(&sub)) {
			int s = msp_severity_from_name(bson_iter_utf8(&sub, NULL));
			if (s >= 0 && (worst < 0 || s < worst))
				worst = s;
		}
	}
	return worst;
}

int msp_record_add_history(msp_record *rec, const char *tool, const char *args)
{
	char cut[257];
	char key[16];
	bson_t entry;
	snprintf(cut, sizeof cut, "%s", args ? args : "");
	/* keep valid UTF-8 after the cut: drop a trailing partial sequence */
	size_t n = strlen(cut);
	if (n == 256) {
		size_t k = n;
		while (k > 0 && ((unsigned char)cut[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)cut[k - 1] & 0x80))
			cut[k - 1] = '\0';
	}
	if (rec->nhistory >= MSP_HISTORY_MAX) {
		/* rebuild without the oldest entry, renumbering keys */
		bson_t *nh = bson_new();
		bson_iter_t it;
		uint32_t i = 0;
		if (!nh)
			return MSP_ERR_NOMEM;
		if (bson_iter_init(&it, rec->history)) {
			int first = 1;
			while (bson_iter_next(&it)) {
				if (first) {
					first = 0;
					continue;
				}
				snprintf(key, sizeof key, "%u", i++);
				bson_append_iter(nh, key, -1, &it);
			}
		}
		bson_destroy(rec->history);
		rec->history = nh;
		rec->nhistory = i;
		rec->history_dropped++;
	}
	snprintf(key, sizeof key, "%u", rec->nhistory);
	if (!bson_append_document_begin(rec->history, key, -1, &entry))
		return MSP_ERR_NOMEM;
	BSON_APPEND_UTF8(&entry, "tool", tool ? tool : "");
	if (!bson_utf8_validate(cut, strlen(cut), false))
		cut[0] = '\0';
	BSON_APPEND_UTF8(&entry, "args", cut);
	bson_append_document_end(rec->history, &entry);
	rec->nhistory++;
	return MSP_OK;
}

/* ator then rtoa must give back t0 bit for bit.  (t0 - s) + s is exact when
 * t0 and s are within a factor 2 of each other (Sterbenz: an epoch t0 and an
 * epoch shift such as Ptime); otherwise the subtraction can round, or lose
 * t0's low bits outright (a small t0 and an epoch shift).  Then ator keeps
 * the exact UTC t0 in the metadata key ATOR_EXACT_KEY, with the relative t0
 * and shift it belongs to; rtoa restores it when t0 and the shift are still
 * those (no window moved t0 since), and always removes the key. */
#define ATOR_EXACT_KEY "ator_exact"

int msp_record_ator(msp_record *rec, double tshift)
{
	if (!rec->live || rec->tref == MSP_TREF_RELATIVE)
		return MSP_OK;
	if (!isfinite(tshift))
		return MSP_ERR_INVAL;
	double rel = rec->t0 - tshift;
	if (rel + tshift != rec->t0) {
		bson_t sub = BSON_INITIALIZER;
		BSON_APPEND_DOUBLE(&sub, "t0", rec->t0);
		BSON_APPEND_DOUBLE(&sub, "t0_rel", rel);
		BSON_APPEND_DOUBLE(&sub, "shift", tshift);
		int rc = msp_meta_set_document(rec->meta, ATOR_EXACT_KEY, &sub);
		bson_destroy(&sub);
		if (rc)
			return rc;
	}
	rec->t0shift = tshift;
	rec->t0 = rel;
	rec->tref = MSP_TREF_RELATIVE;
	rec->t0shift_valid = 1;
	return MSP_OK;
}

int msp_record_rtoa(msp_record *rec)
{
	if (!rec->live || rec->tref == MSP_TREF_UTC)
		return MSP_OK;
	if (!(rec->t0shift_valid || rec->t0shift > 100.0))
		return MSP_ERR_DATA;
	double utc = rec->t0 + rec->t0shift, t0 = 0, rel = 0, shift = 0;
	if (msp_meta_get_double(rec->meta, ATOR_EXACT_KEY ".t0", &t0) == MSP_OK &&
	    msp_meta_get_double(rec->meta, ATOR_EXACT_KEY ".t0_rel", &rel) == MSP_OK &&
	    msp_meta_get_double(rec->meta, ATOR_EXACT_KEY ".shift", &shift) == MSP_OK &&
	    rel == rec->t0 && shift == rec->t0shift)
		utc = t0;
	if (msp_meta_has(rec->meta, ATOR_EXACT_KEY)) {
		int rc = msp_meta_remove(rec->meta, ATOR_EXACT_KEY);
		if (rc)
			return rc;
	}
	rec->t0 = utc;
	rec->tref = MSP_TREF_UTC;
	rec->t0shift = 0.0;
	rec->t0shift_valid = 0;
	return MSP_OK;
}
