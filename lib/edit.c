/*
 * edit.c - strict JSON values and documents for header edits, and the
 * document (Metadata + core attributes) that filters see (msp_edit.h).
 */
#include <stdio.h>
#include <string.h>
#include "msp_edit.h"
#include "msp_meta.h"
#include "msp_status.h"

static const char *const core_keys[] = {
	"t0", "dt", "npts", "live", "tref", "kind", "endtime", "t0shift",
	"starttime", "delta", "sampling_rate",
};

int msp_is_core_key(const char *key)
{
	for (size_t i = 0; i < sizeof core_keys / sizeof core_keys[0]; i++)
		if (strcmp(key, core_keys[i]) == 0)
			return 1;
	return 0;
}

int msp_record_filter_doc(const msp_record *rec, bson_t *out)
{
	bson_iter_t it;
	bson_reinit(out);
	if (bson_iter_init(&it, rec->meta))
		while (bson_iter_next(&it))
			if (!msp_is_core_key(bson_iter_key(&it)) && !bson_append_iter(out, NULL, 0, &it))
				return MSP_ERR_NOMEM;
	int good = BSON_APPEND_DOUBLE(out, "t0", rec->t0) && BSON_APPEND_DOUBLE(out, "dt", rec->dt) &&
	           BSON_APPEND_INT64(out, "npts", (int64_t)rec->npts) &&
	           BSON_APPEND_BOOL(out, "live", rec->live != 0) &&
	           BSON_APPEND_UTF8(out, "tref", rec->tref == MSP_TREF_UTC ? "UTC" : "relative") &&
	           BSON_APPEND_UTF8(out, "kind", rec->kind == MSP_SEISMOGRAM ? "Seismogram" : "TimeSeries") &&
	           BSON_APPEND_DOUBLE(out, "endtime", msp_record_endtime(rec)) &&
	           BSON_APPEND_DOUBLE(out, "starttime", rec->t0) &&
	           BSON_APPEND_DOUBLE(out, "delta", rec->dt) &&
	           BSON_APPEND_DOUBLE(out, "sampling_rate", 1.0 / rec->dt);
	if (good && rec->tref == MSP_TREF_RELATIVE && (rec->t0shift_valid || rec->t0shift > 100.0))
		good = BSON_APPEND_DOUBLE(out, "t0shift", rec->t0shift);
	return good ? MSP_OK : MSP_ERR_NOMEM;
}

bson_t *msp_json_parse_doc(const char *text, char *err, size_t errlen)
{
	bson_error_t e;
	bson_t *doc = bson_new(), extra = BSON_INITIALIZER;
	size_t len = strlen(text);
	bson_json_reader_t *rd = bson_json_data_reader_new(true, len ? len : 1);
	if (!doc || !rd) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	bson_json_data_reader_ingest(rd, (const uint8_t *)text, len);
	int rc = bson_json_reader_read(rd, doc, &e);
	if (rc < 0) {
		snprintf(err, errlen, "not JSON: %s", e.message);
		goto fail;
	}
	if (rc == 0) {
		snprintf(err, errlen, "empty: a JSON document {...} is needed");
		goto fail;
	}
	/* a second document, or garbage, after the first is an error */
	rc = bson_json_reader_read(rd, &extra, &e);
	if (rc != 0) {
		snprintf(err, errlen, "text after the JSON document");
		goto fail;
	}
	bson_destroy(&extra);
	bson_json_reader_destroy(rd);
	return doc;
fail:
	bson_destroy(&extra);
	if (rd)
		bson_json_reader_destroy(rd);
	bson_destroy(doc);
	return NULL;
}

int msp_json_parse_value(const char *text, bson_value_t *out, char *err, size_t errlen)
{
	/* wrap as {"v": TEXT} and insist that exactly one key came back: TEXT
	 * cannot smuggle in a second key or a second document */
	size_t len = strlen(text);
	char *wrapped = bson_malloc(len + 16);
	snprintf(wrapped, len + 16, "{\"v\": %s\n}", text);
	char sub[200];
	bson_t *doc = msp_json_parse_doc(wrapped, sub, sizeof sub);
	bson_free(wrapped);
	bson_iter_t it;
	if (!doc || !bson_iter_init(&it, doc) || !bson_iter_next(&it) || strcmp(bson_iter_key(&it), "v") ||
	    bson_iter_next(&it)) {
		snprintf(err, errlen, "%s is not one JSON value", text);
		bson_destroy(doc);
		return MSP_ERR_INVAL;
	}
	bson_iter_init(&it, doc);
	bson_iter_next(&it);
	bson_value_copy(bson_iter_value(&it), out);
	bson_destroy(doc);
	return MSP_OK;
}
