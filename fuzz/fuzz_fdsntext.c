/*
 * fuzz_fdsntext.c - libFuzzer target: FDSN station text and FDSN event text
 * (the same input through both parsers; neither needs a NUL terminator).
 */
#include <stdint.h>
#include "msp_inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_docs site, chan, src;
	char err[256];
	msp_docs_init(&site);
	msp_docs_init(&chan);
	msp_docs_init(&src);
	msp_fdsn_station_text_parse((const char *)data, size, &site, &chan, err, sizeof err);
	msp_fdsn_event_text_parse((const char *)data, size, &src, err, sizeof err);
	msp_docs_free(&site);
	msp_docs_free(&chan);
	msp_docs_free(&src);
	return 0;
}
