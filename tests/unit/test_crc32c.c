/*
 * test_crc32c.c - msp_crc32c against a bit-at-a-time reference: the check
 * value, every length around the 3-chain block boundaries, misaligned
 * starts, and incremental use (crc of A then B equals crc of AB).
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_stream.h"

static uint32_t ref(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

int main(void)
{
	size_t max = 3 * 4096 * 4 + 100;
	uint8_t *buf = malloc(max + 8);
	uint64_t x = 99;
	for (size_t i = 0; i < max + 8; i++) {
		tap_xorshift(&x);
		buf[i] = (uint8_t)x;
	}
	is(msp_crc32c(0, "123456789", 9), 0xE3069283u, "check value");
	is(msp_crc32c(0, "", 0), 0, "empty");
	int bad = 0;
	size_t lens[] = {1, 7, 8, 9, 63, 64, 4095, 4096, 12287, 12288, 12289, 12295, 24576, 24577,
	                 36863, 36864, 36865, 49152 + 99};
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
		for (size_t off = 0; off < 8; off++)
			if (lens[li] + off <= max + 8 && msp_crc32c(0, buf + off, lens[li]) != ref(0, buf + off, lens[li]))
				bad++;
	ok(bad == 0, "lengths around block boundaries at 8 alignments (%d bad)", bad);
	bad = 0;
	for (int t = 0; t < 300; t++) {
		tap_xorshift(&x);
		size_t n = x % max, cut = n ? (x >> 20) % n : 0;
		uint32_t whole = ref(0, buf, n);
		if (msp_crc32c(msp_crc32c(0, buf, cut), buf + cut, n - cut) != whole)
			bad++;
	}
	ok(bad == 0, "incremental crc over a random cut equals the whole (%d bad)", bad);
	free(buf);
	return done_testing();
}
