/*
 * fuzz_filter.c - libFuzzer target for the MongoDB filter matcher (lib/match.c).
 *
 * Input: a filter and a document.  As text, "FILTER\nDOC" (both JSON, read
 * by libbson's parser); or, when the first byte is 'B', two raw BSON
 * documents back to back (checked with bson_validate), which reaches value
 * types JSON rarely produces.  Every filter is compiled (it must either be
 * refused with a message or compile); a compiled filter is evaluated and
 * must agree with itself under logical identities:
 *   F == {$and: [F]} == {$and: [F, F]},  {$nor: [F]} == !F,  {$or: [F, {}]} == 1,
 * and msp_filter_match must agree with compile + eval.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "msp_match.h"
#include "msp_status.h"

static int eval_wrapped(const char *op, const bson_t *f, int twice, int empty, const bson_t *doc)
{
	bson_t w = BSON_INITIALIZER, arr;
	bson_append_array_begin(&w, op, -1, &arr);
	bson_append_document(&arr, "0", -1, f);
	if (twice)
		bson_append_document(&arr, "1", -1, f);
	if (empty) {
		bson_t e = BSON_INITIALIZER;
		bson_append_document(&arr, "1", -1, &e);
	}
	bson_append_array_end(&w, &arr);
	msp_filter *mf;
	char err[128];
	int rc = msp_filter_compile(&w, &mf, err, sizeof err);
	bson_destroy(&w);
	if (rc)
		abort(); /* F compiled, so any logical wrapping of it must too */
	int m = msp_filter_eval(mf, doc);
	msp_filter_free(mf);
	return m;
}

static void check(const bson_t *filter, const bson_t *doc)
{
	char err[256];
	msp_filter *f;
	int rc = msp_filter_compile(filter, &f, err, sizeof err);
	int vrc = msp_filter_validate(filter, NULL, 0);
	if (rc != vrc)
		abort();
	if (rc) {
		if (rc != MSP_ERR_INVAL && rc != MSP_ERR_UNSUPPORTED && rc != MSP_ERR_NOMEM)
			abort();
		if (!err[0] || strlen(err) >= sizeof err)
			abort(); /* a refusal always says why */
		return;
	}
	int m = msp_filter_eval(f, doc);
	if (m != 0 && m != 1)
		abort();
	if (msp_filter_eval(f, doc) != m)
		abort();
	int m2 = -1;
	if (msp_filter_match(filter, doc, &m2, NULL, 0) != MSP_OK || m2 != m)
		abort();
	msp_filter_free(f);
	if (eval_wrapped("$and", filter, 0, 0, doc) != m || eval_wrapped("$and", filter, 1, 0, doc) != m ||
	    eval_wrapped("$or", filter, 1, 0, doc) != m || eval_wrapped("$nor", filter, 0, 0, doc) != !m ||
	    eval_wrapped("$or", filter, 0, 1, doc) != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 'B') {
		/* raw BSON: filter then document */
		bson_t f, d;
		uint32_t flen, dlen;
		if (size < 1 + 10)
			return 0;
		memcpy(&flen, data + 1, 4);
		flen = BSON_UINT32_FROM_LE(flen);
		if (flen < 5 || flen > size - 1)
			return 0;
		const uint8_t *dp = data + 1 + flen;
		size_t rest = size - 1 - flen;
		if (rest < 5)
			return 0;
		memcpy(&dlen, dp, 4);
		dlen = BSON_UINT32_FROM_LE(dlen);
		if (dlen != rest)
			return 0;
		if (!bson_init_static(&f, data + 1, flen) || !bson_init_static(&d, dp, dlen) ||
		    !bson_validate(&f, BSON_VALIDATE_UTF8, NULL) || !bson_validate(&d, BSON_VALIDATE_UTF8, NULL))
			return 0;
		check(&f, &d);
		return 0;
	}
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	bson_error_t e;
	bson_t *f = bson_new_from_json(data, nl - data, &e);
	bson_t *d = bson_new_from_json(nl + 1, (ssize_t)(size - (size_t)(nl - data) - 1), &e);
	if (f && d)
		check(f, d);
	bson_destroy(f);
	bson_destroy(d);
	return 0;
}
