/* test_bloom.c - the Bloom filter: never a false negative, false positives
 * at the rate the formula gives (an independent count), bad arguments. */
#include <stdio.h>
#include <string.h>
#include "msp_bloom.h"
#include "msp_status.h"
#include "tap.h"

/* keys like mssave's: a type byte and a 12-byte ObjectId, counters inside */
static size_t key(unsigned char *out, uint64_t i, int set)
{
	out[0] = 7;
	memset(out + 1, 0, 12);
	for (int j = 0; j < 8; j++)
		out[1 + j] = (unsigned char)(i >> (8 * j));
	out[9] = (unsigned char)set; /* the second set differs in one byte */
	out[12] = 0x5a;
	return 13;
}

int main(void)
{
	msp_bloom *b = NULL;
	is(msp_bloom_new(&b, 9, 6), MSP_ERR_INVAL, "fewer than 2^10 bits refused");
	ok(b == NULL, "no filter made");
	is(msp_bloom_new(&b, 20, 0), MSP_ERR_INVAL, "k = 0 refused");
	is(msp_bloom_new(&b, 20, 17), MSP_ERR_INVAL, "k = 17 refused");

	/* 2^20 bits, 6 probes, 100000 strings: formula (1 - e^(-6e5/2^20))^6 = 0.00684 */
	is(msp_bloom_new(&b, 20, 6), MSP_OK, "a filter of 2^20 bits");
	unsigned char k[16];
	ok(!msp_bloom_maybe(b, k, key(k, 1, 0)), "an empty filter says no");
	const uint64_t n = 100000, m = 200000;
	for (uint64_t i = 0; i < n; i++)
		msp_bloom_add(b, k, key(k, i, 0));
	is(msp_bloom_count(b), n, "count");
	uint64_t misses = 0;
	for (uint64_t i = 0; i < n; i++)
		misses += !msp_bloom_maybe(b, k, key(k, i, 0));
	is(misses, 0, "every string added is found (no false negative)");
	uint64_t fp = 0;
	for (uint64_t i = 0; i < m; i++)
		fp += msp_bloom_maybe(b, k, key(k, i, 1));
	double rate = (double)fp / (double)m, want = msp_bloom_fp_rate(b);
	near(want, 0.00684, 0.00002, "the formula's false-positive rate");
	/* binomial: 200000 draws at 0.0068 have a standard deviation of 1.8e-4 */
	ok(rate > want - 0.0012 && rate < want + 0.0012, "measured false positives %.5f near the formula's %.5f", rate, want);
	msp_bloom_free(b);

	/* mssave's size: 2^23 bits, 6 probes; 100000 sources give about 1e-7 */
	is(msp_bloom_new(&b, 23, 6), MSP_OK, "2^23 bits");
	for (uint64_t i = 0; i < n; i++)
		msp_bloom_add(b, k, key(k, i, 0));
	fp = 0;
	for (uint64_t i = 0; i < m; i++)
		fp += msp_bloom_maybe(b, k, key(k, i, 1));
	ok(fp <= 3, "%llu false positives in 200000 at %.2g", (unsigned long long)fp, msp_bloom_fp_rate(b));
	/* the empty string and long strings are strings like others */
	ok(!msp_bloom_maybe(b, "", 0), "the empty string was not added");
	msp_bloom_add(b, "", 0);
	ok(msp_bloom_maybe(b, "", 0), "the empty string, once added");
	msp_bloom_free(b);
	msp_bloom_free(NULL);
	return done_testing();
}
