/*
 * fuzz_stationxml.c - libFuzzer target: StationXML -> site/channel documents.
 */
#include <stdint.h>
#include "msp_inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_docs site, chan;
	char err[256];
	msp_docs_init(&site);
	msp_docs_init(&chan);
	msp_stationxml_parse((const char *)data, size, &site, &chan, err, sizeof err);
	msp_docs_free(&site);
	msp_docs_free(&chan);
	msp_detect_kind(data, size);
	return 0;
}
