/*
 * fuzz_mseed_decode.c - libFuzzer target for msread's decoder: the whole
 * input as one wf_miniseed byte range through msp_mseed_decode (guard,
 * mspipe's own header reader and Steim/int/float decoders, both the
 * in-order and the sorted two-pass way, gap filling), under each gap
 * policy, on a private copy so ASan sees any read past the range; a decoded
 * record written back with msp_mseed_encode and decoded again; and every
 * record of the input decoded both by mspipe's own decoder and by libmseed
 * 2.19 (tests/lib/mseed_ref.h): they must accept the same records and agree
 * on the header and every sample (abort otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "msp_mseed_read.h"
#include "msp_status.h"
#include "../tests/lib/mseed_ref.h"

static double xa[65536], xb[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	msp_record *rec = msp_record_new();
	char err[256];
	for (int policy = MSP_GAPS_ZERO; policy <= MSP_GAPS_KILL; policy++) {
		msp_mseed_opts o = {policy, 1e-4};
		msp_mseed_info info;
		int rc = msp_mseed_decode(copy, size, &o, rec, &info, err, sizeof err);
		if (rc == MSP_OK && policy == MSP_GAPS_ZERO && rec->npts <= 100000) {
			uint8_t *out;
			size_t n;
			if (msp_mseed_encode(rec, 512, &out, &n, NULL, err, sizeof err) == MSP_OK) {
				msp_record *back = msp_record_new();
				if (msp_mseed_decode(out, n, NULL, back, NULL, err, sizeof err) != MSP_OK ||
				    back->npts != rec->npts)
					abort(); /* what mspipe writes it must read */
				msp_record_free(back);
				free(out);
			}
		}
		msp_record_clear(rec);
	}
	/* record by record: mspipe's decoder against libmseed's */
	size_t off = 0;
	while (off < size) {
		char why[512];
		if (mref_compare(copy + off, size - off, 0, xa, xb, why, sizeof why) ||
		    mref_compare(copy + off, size - off, 1, xa, xb, why, sizeof why)) {
			fprintf(stderr, "record at byte %zu: %s\n", off, why);
			abort();
		}
		size_t rl = 0;
		if (msp_mseed_record_check(copy + off, size - off, &rl, NULL, 0) != MSP_OK)
			break;
		off += rl;
	}
	msp_record_free(rec);
	free(copy);
	return 0;
}
