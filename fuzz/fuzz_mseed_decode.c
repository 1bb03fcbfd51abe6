/*
 * fuzz_mseed_decode.c - libFuzzer target for msread's decoder: the whole
 * input as one wf_miniseed byte range through msp_mseed_decode (guard, both
 * the in-order and the sorted two-pass way, gap filling), under each gap
 * policy, on a private copy so ASan sees any read past the range; and a
 * decoded record written back with msp_mseed_encode and decoded again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "msp_mseed_read.h"
#include "msp_status.h"

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
	msp_record_free(rec);
	free(copy);
	return 0;
}
