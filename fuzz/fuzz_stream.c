/*
 * fuzz_stream.c - libFuzzer target for the record decoder.
 *
 * The input is read frame by frame from memory with msp_record_decode (the
 * decoding code every reader runs).  Each accepted record is encoded again
 * and decoded again and must come back identical, so the decoder never
 * accepts something the encoder cannot reproduce.  fuzz_reader.c covers the
 * file-descriptor path (I/O blocks, end-mark counts) of the same reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "msp_stream.h"
#include "msp_status.h"

/* small bound: a hostile length is refused before allocating */
#define BOUND (1u << 20)

static int same(const msp_record *a, const msp_record *b)
{
	if (a->kind != b->kind || a->npts != b->npts || a->live != b->live || a->tref != b->tref ||
	    a->t0shift_valid != b->t0shift_valid || a->nelog != b->nelog ||
	    a->nhistory != b->nhistory || a->history_dropped != b->history_dropped)
		return 0;
	/* compare bits: NaN payloads must survive too */
	if (memcmp(&a->t0, &b->t0, 8) || memcmp(&a->dt, &b->dt, 8) || memcmp(&a->t0shift, &b->t0shift, 8))
		return 0;
	if (a->npts && memcmp(a->data, b->data, msp_record_nsamples(a) * 8))
		return 0;
	return bson_equal(a->meta, b->meta) && bson_equal(a->elog, b->elog) &&
	       bson_equal(a->history, b->history);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_record *rec = msp_record_new(), *again = msp_record_new();
	size_t off = 0;
	int rc = MSP_OK;
	while (off < size) {
		size_t used = 0;
		/* decode sees one frame alone, where an end mark's count cannot be
		 * checked: step over end marks (the fd reader below checks them) */
		if (size - off >= MSP_ENDMARK_SIZE && memcmp(data + off, "MSPE", 4) == 0) {
			off += MSP_ENDMARK_SIZE;
			continue;
		}
		rc = msp_record_decode(rec, data + off, size - off, &used, BOUND);
		if (rc != MSP_OK)
			break;
		if (used == 0 || used > size - off)
			abort();
		off += used;
		uint8_t *buf;
		size_t len, used2;
		if (msp_record_encode(rec, &buf, &len) != MSP_OK)
			abort();
		if (msp_record_decode(again, buf, len, &used2, BOUND) != MSP_OK || used2 != len || !same(rec, again))
			abort();
		free(buf);
	}

	msp_record_free(rec);
	msp_record_free(again);
	return 0;
}
