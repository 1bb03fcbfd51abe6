/*
 * fuzz_mseed_index.c - libFuzzer target for the miniSEED path through
 * mspipe's own guard: the segment scanner on the whole input, then every
 * record the guard accepts is decoded by libmseed (msr_parse with data), the
 * call that over-reads in libmseed 2.19.8 when the guard is missing.
 */
#include <libmseed.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "msp_mseed.h"
#include "msp_mseed_index.h"
#include "msp_status.h"

static void quiet(char *m) { (void)m; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ms_loginit(quiet, NULL, quiet, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_mseed_index ix;
	msp_mseed_index_init(&ix);
	msp_mseed_index_buffer(data, size, 0, &ix);
	msp_mseed_index_free(&ix);

	for (size_t off = 0; off < size;) {
		size_t rl = 0;
		if (msp_mseed_record_check(data + off, size - off, &rl, NULL, 0) != MSP_OK)
			break;
		/* A private copy of exactly the record: ASan sees any read past it. */
		char *rec = malloc(rl);
		if (!rec)
			break;
		memcpy(rec, data + off, rl);
		MSRecord *msr = NULL;
		msr_parse(rec, (int)rl, &msr, (int)rl, 1, 0);
		msr_free(&msr);
		free(rec);
		off += rl;
	}
	return 0;
}
