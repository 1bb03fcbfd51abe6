/*
 * elbuf.h - BSON elements written as bytes into a buffer, then appended to
 * a bson_t in one copy (library-internal).  A document made this way has
 * the bytes the bson_append_* calls would give, without their per-call
 * checks (a few hundred instructions each): wf documents, record metadata
 * rebuilt from a document or by msp_meta_update.
 */
#ifndef MSP_ELBUF_H
#define MSP_ELBUF_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>

typedef struct msp_elbuf {
	uint8_t *p;
	size_t len, cap;
	int failed;
	uint8_t stack[4096]; /* the heap only beyond this */
} msp_elbuf;

void msp_elbuf_init(msp_elbuf *b);
void msp_elbuf_add(msp_elbuf *b, const void *s, size_t n);
/* the element an iterator is at, as it is (bson_append_iter(d, NULL, 0, it)) */
void msp_elbuf_element(msp_elbuf *b, const bson_iter_t *it);
/* all the elements of a document (bson_concat) */
void msp_elbuf_elements(msp_elbuf *b, const bson_t *doc);
void msp_elbuf_int64(msp_elbuf *b, const char *key, int64_t v);
void msp_elbuf_double(msp_elbuf *b, const char *key, double v);
void msp_elbuf_utf8(msp_elbuf *b, const char *key, const char *v);
void msp_elbuf_oid(msp_elbuf *b, const char *key, const bson_oid_t *v);
void msp_elbuf_bool(msp_elbuf *b, const char *key, int v);
/* Append the elements to doc (they replace its end mark) and free the
 * buffer (init it again to reuse it); MSP_ERR_NOMEM if an allocation
 * failed, then doc is unchanged. */
int msp_elbuf_commit(msp_elbuf *b, bson_t *doc);
/* Free the buffer without appending. */
void msp_elbuf_free(msp_elbuf *b);

#endif
