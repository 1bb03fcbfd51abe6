/*
 * mseed_internal.h - what mspipe's miniSEED guard (mseed_guard.c) and its
 * decoder (mseed_unpack.c) share inside libmspipe; not installed.
 */
#ifndef MSP_MSEED_INTERNAL_H
#define MSP_MSEED_INTERNAL_H

#include <stddef.h>

/* The length of a data-record blockette of TYPE starting at B (SEED 2.4
 * ch. 8): fixed for the standard ones, blockette 2000's own length word (6
 * when fewer than 6 bytes are AVAILable), 4 (only its head) when unknown. */
unsigned msp_mseed_blockette_len(unsigned type, const unsigned char *b, size_t avail, int le);

#endif
