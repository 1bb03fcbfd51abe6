/*
 * bloom.c - the Bloom filter of msp_bloom.h.  The k probe positions come
 * from two 64-bit hashes of the string (Kirsch and Mitzenmacher: h1 + i h2),
 * which keeps the false-positive rate of k independent hashes; the hashes
 * are FNV-1a over the bytes, finished by two different 64-bit mixers
 * (splitmix64's), so strings that differ in one byte spread over the table.
 */
#include <math.h>
#include <stdlib.h>
#include "msp_bloom.h"
#include "msp_status.h"

struct msp_bloom {
	uint64_t *bits;
	uint64_t mask;  /* bits - 1 */
	unsigned k;
	uint64_t n;
};

int msp_bloom_new(msp_bloom **out, unsigned log2_bits, unsigned k)
{
	*out = NULL;
	if (log2_bits < 10 || log2_bits > 34 || k < 1 || k > 16)
		return MSP_ERR_INVAL;
	msp_bloom *b = calloc(1, sizeof *b);
	if (!b)
		return MSP_ERR_NOMEM;
	b->bits = calloc((size_t)1 << (log2_bits - 6), sizeof *b->bits);
	if (!b->bits) {
		free(b);
		return MSP_ERR_NOMEM;
	}
	b->mask = ((uint64_t)1 << log2_bits) - 1;
	b->k = k;
	*out = b;
	return MSP_OK;
}

void msp_bloom_free(msp_bloom *b)
{
	if (!b)
		return;
	free(b->bits);
	free(b);
}

static uint64_t mix(uint64_t z, uint64_t a, uint64_t c)
{
	z = (z ^ (z >> 30)) * a;
	z = (z ^ (z >> 27)) * c;
	return z ^ (z >> 31);
}

static void hashes(const void *p, size_t n, uint64_t *h1, uint64_t *h2)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	h ^= (uint64_t)n;
	*h1 = mix(h, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull);
	/* odd, so the k probes of one string are k different positions */
	*h2 = mix(h + 0x9e3779b97f4a7c15ull, 0xff51afd7ed558ccdull, 0xc4ceb9fe1a85ec53ull) | 1;
}

void msp_bloom_add(msp_bloom *b, const void *p, size_t n)
{
	uint64_t h1, h2;
	hashes(p, n, &h1, &h2);
	for (unsigned i = 0; i < b->k; i++) {
		uint64_t x = (h1 + i * h2) & b->mask;
		b->bits[x >> 6] |= (uint64_t)1 << (x & 63);
	}
	b->n++;
}

int msp_bloom_maybe(const msp_bloom *b, const void *p, size_t n)
{
	uint64_t h1, h2;
	hashes(p, n, &h1, &h2);
	for (unsigned i = 0; i < b->k; i++) {
		uint64_t x = (h1 + i * h2) & b->mask;
		if (!(b->bits[x >> 6] & ((uint64_t)1 << (x & 63))))
			return 0;
	}
	return 1;
}

uint64_t msp_bloom_count(const msp_bloom *b)
{
	return b->n;
}

double msp_bloom_fp_rate(const msp_bloom *b)
{
	double m = (double)b->mask + 1.0;
	return pow(1.0 - exp(-(double)b->k * (double)b->n / m), (double)b->k);
}
