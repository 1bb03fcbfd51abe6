/*
 * msp_bloom.h - a Bloom filter: a set of byte strings in a fixed amount of
 * memory that answers "certainly not in the set" or "maybe".  mssave keeps
 * the sources it has saved in one, so its re-run check costs the same memory
 * for a thousand records as for ten million: a "maybe" is settled by asking
 * the database.
 *
 * With m bits, k probes and n strings added, a string never added is
 * reported "maybe" with probability about (1 - exp(-k n / m))^k; a string
 * added is always "maybe" (no false negatives).
 */
#ifndef MSP_BLOOM_H
#define MSP_BLOOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_bloom msp_bloom;

/* A filter of 2^log2_bits bits (10..34) probed k times (1..16); MSP_ERR_INVAL
 * outside those ranges, MSP_ERR_NOMEM. */
int msp_bloom_new(msp_bloom **out, unsigned log2_bits, unsigned k);
void msp_bloom_free(msp_bloom *b);
void msp_bloom_add(msp_bloom *b, const void *p, size_t n);
/* 0: p was never added; 1: maybe. */
int msp_bloom_maybe(const msp_bloom *b, const void *p, size_t n);
/* Strings added so far, and the false-positive probability that count gives. */
uint64_t msp_bloom_count(const msp_bloom *b);
double msp_bloom_fp_rate(const msp_bloom *b);

#ifdef __cplusplus
}
#endif
#endif
