/*
 * fuzz_quakeml.c - libFuzzer target: QuakeML -> source documents.
 */
#include <stdint.h>
#include "msp_inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_docs src;
	char err[256];
	msp_docs_init(&src);
	msp_quakeml_parse((const char *)data, size, &src, err, sizeof err);
	msp_docs_free(&src);
	return 0;
}
