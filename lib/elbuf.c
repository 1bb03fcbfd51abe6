/*
 * elbuf.c - BSON elements as bytes in a buffer, appended to a document in
 * one copy (see elbuf.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "elbuf.h"
#include "msp_status.h"

void msp_elbuf_init(msp_elbuf *b)
{
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof b->stack;
	b->failed = 0;
}

void msp_elbuf_add(msp_elbuf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		if (b->failed)
			return;
		size_t cap = 2 * b->cap;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *q = b->p == b->stack ? malloc(cap) : realloc(b->p, cap);
		if (!q) {
			b->failed = 1;
			return;
		}
		if (b->p == b->stack)
			memcpy(q, b->stack, b->len);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void msp_elbuf_element(msp_elbuf *b, const bson_iter_t *it)
{
	/* the element's bytes: its type, key and value, as they are */
	msp_elbuf_add(b, it->raw + it->off, it->next_off - it->off);
}

void msp_elbuf_elements(msp_elbuf *b, const bson_t *doc)
{
	if (doc->len > 5)
		msp_elbuf_add(b, bson_get_data(doc) + 4, doc->len - 5);
}

static void head(msp_elbuf *b, uint8_t type, const char *key)
{
	msp_elbuf_add(b, &type, 1);
	msp_elbuf_add(b, key, strlen(key) + 1);
}

static void u64(msp_elbuf *b, uint8_t type, const char *key, uint64_t v)
{
	v = BSON_UINT64_TO_LE(v);
	head(b, type, key);
	msp_elbuf_add(b, &v, 8);
}

void msp_elbuf_int64(msp_elbuf *b, const char *key, int64_t v)
{
	u64(b, BSON_TYPE_INT64, key, (uint64_t)v);
}

void msp_elbuf_double(msp_elbuf *b, const char *key, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	u64(b, BSON_TYPE_DOUBLE, key, u);
}

void msp_elbuf_utf8(msp_elbuf *b, const char *key, const char *v)
{
	size_t n = strlen(v) + 1;
	uint32_t l = BSON_UINT32_TO_LE((uint32_t)n);
	head(b, BSON_TYPE_UTF8, key);
	msp_elbuf_add(b, &l, 4);
	msp_elbuf_add(b, v, n);
}

void msp_elbuf_oid(msp_elbuf *b, const char *key, const bson_oid_t *v)
{
	head(b, BSON_TYPE_OID, key);
	msp_elbuf_add(b, v->bytes, 12);
}

void msp_elbuf_bool(msp_elbuf *b, const char *key, int v)
{
	uint8_t c = v ? 1 : 0;
	head(b, BSON_TYPE_BOOL, key);
	msp_elbuf_add(b, &c, 1);
}

void msp_elbuf_free(msp_elbuf *b)
{
	if (b->p != b->stack)
		free(b->p);
	msp_elbuf_init(b);
}

int msp_elbuf_commit(msp_elbuf *b, bson_t *doc)
{
	int rc = MSP_OK;
	if (b->failed || (uint64_t)doc->len + b->len > INT32_MAX) {
		rc = MSP_ERR_NOMEM;
	} else if (b->len) {
		uint32_t old = doc->len, total = old + (uint32_t)b->len;
		uint8_t *d = bson_reserve_buffer(doc, total);
		if (!d) {
			rc = MSP_ERR_NOMEM;
		} else {
			memcpy(d + old - 1, b->p, b->len);
			d[total - 1] = 0;
			uint32_t le = BSON_UINT32_TO_LE(total);
			memcpy(d, &le, 4);
		}
	}
	msp_elbuf_free(b);
	return rc;
}
