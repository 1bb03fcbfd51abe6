/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of the record stream.  Uses the SSE4.2 crc32 instruction when the
 * CPU has it, else a slicing-by-8 table.  The tables are computed at first
 * use; they are a pure function of the polynomial, so they are not hidden
 * state in any sense a caller can observe.
 *
 * One chain of crc32q is bound by the instruction's latency (3 cycles per
 * 8 bytes); profiling mscat showed it at 40% of a pass-through stage.  So
 * long buffers run three independent chains over three adjacent blocks and
 * join them with the CRC's linearity: crc(A B) = crc(A) * x^(8|B|) + crc(B)
 * in GF(2)[x] mod P, the shifts being precomputed for the block size.
 */
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "msp_stream.h"

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_have_hw;

#if defined(__x86_64__)
static void crc_hw_init(void);
#endif

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc_have_hw = __builtin_cpu_supports("sse4.2");
	crc_hw_init();
#endif
}

static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
		n--;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= crc;
		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
		      crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
		      crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
		      crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__)
/* Multiply a and b modulo P (reflected bit order: bit 31 is x^0). */
static uint32_t multmodp(uint32_t a, uint32_t b)
{
	uint32_t m = (uint32_t)1 << 31, p = 0;
	for (;;) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		m >>= 1;
		b = (b & 1) ? (b >> 1) ^ 0x82F63B78u : b >> 1;
	}
	return p;
}

/* x^(8n) mod P, by squaring (n bytes of shift). */
static uint32_t xpow8n(uint64_t n)
{
	uint32_t sq = (uint32_t)1 << 30; /* x^1 */
	uint32_t p = (uint32_t)1 << 31;  /* x^0 */
	/* x^8 first: square x three times */
	for (int i = 0; i < 3; i++)
		sq = multmodp(sq, sq);
	while (n) {
		if (n & 1)
			p = multmodp(sq, p);
		sq = multmodp(sq, sq);
		n >>= 1;
	}
	return p;
}

/* x^e mod P. */
static uint32_t xpown(uint64_t e)
{
	uint32_t sq = (uint32_t)1 << 30; /* x^1 */
	uint32_t p = (uint32_t)1 << 31;  /* x^0 */
	while (e) {
		if (e & 1)
			p = multmodp(sq, p);
		sq = multmodp(sq, sq);
		e >>= 1;
	}
	return p;
}

#define CRC_BLOCK 4096 /* bytes per chain per round */
static uint32_t crc_shift1, crc_shift2; /* x^(8*BLOCK), x^(16*BLOCK) mod P */
static int crc_have_clmul;
/* Folding constants for carry-less multiplication: a 16-byte chunk moved
 * forward by D bytes is its first 8 bytes times x^(8D+63) plus its last 8
 * bytes times x^(8D-1), mod P (the -1 because pclmulqdq's product of two
 * bit-reflected operands comes out one bit low), as 64-bit reflected
 * values (the 32-bit remainder in the high half). */
static uint64_t fold256[2], fold64[2], fold16[2];
static int crc_have_vclmul;

static void crc_hw_init(void)
{
	crc_shift1 = xpow8n(CRC_BLOCK);
	crc_shift2 = xpow8n(2 * CRC_BLOCK);
	fold256[0] = (uint64_t)xpown(8 * 256 + 63) << 32;
	fold256[1] = (uint64_t)xpown(8 * 256 - 1) << 32;
	fold64[0] = (uint64_t)xpown(8 * 64 + 63) << 32;
	fold64[1] = (uint64_t)xpown(8 * 64 - 1) << 32;
	fold16[0] = (uint64_t)xpown(8 * 16 + 63) << 32;
	fold16[1] = (uint64_t)xpown(8 * 16 - 1) << 32;
	crc_have_clmul = __builtin_cpu_supports("pclmul");
	crc_have_vclmul = crc_have_clmul && __builtin_cpu_supports("avx512f") &&
	                  __builtin_cpu_supports("vpclmulqdq");
}

/* The same folding, sixteen 16-byte lanes (four zmm registers) at a time,
 * where the CPU has AVX-512 VPCLMULQDQ.  Then the four registers fold into
 * one, its four lanes into one, and the rest is crc_clmul's ending. */
__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2")))
static uint32_t crc_vclmul(uint32_t crc, const uint8_t *p, size_t n)
{
	const __m512i k256 = _mm512_set_epi64((long long)fold256[1], (long long)fold256[0],
	                                      (long long)fold256[1], (long long)fold256[0],
	                                      (long long)fold256[1], (long long)fold256[0],
	                                      (long long)fold256[1], (long long)fold256[0]);
	const __m512i k64 = _mm512_set_epi64((long long)fold64[1], (long long)fold64[0],
	                                     (long long)fold64[1], (long long)fold64[0],
	                                     (long long)fold64[1], (long long)fold64[0],
	                                     (long long)fold64[1], (long long)fold64[0]);
	const __m128i k16 = _mm_set_epi64x((long long)fold16[1], (long long)fold16[0]);
	__m512i x0 = _mm512_loadu_si512((const void *)p);
	__m512i x1 = _mm512_loadu_si512((const void *)(p + 64));
	__m512i x2 = _mm512_loadu_si512((const void *)(p + 128));
	__m512i x3 = _mm512_loadu_si512((const void *)(p + 192));
	x0 = _mm512_xor_si512(x0, _mm512_castsi128_si512(_mm_cvtsi32_si128((int)crc)));
	p += 256;
	n -= 256;
#define VFOLD(x, k, next) \
	_mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11), next, 0x96)
	while (n >= 256) {
		x0 = VFOLD(x0, k256, _mm512_loadu_si512((const void *)p));
		x1 = VFOLD(x1, k256, _mm512_loadu_si512((const void *)(p + 64)));
		x2 = VFOLD(x2, k256, _mm512_loadu_si512((const void *)(p + 128)));
		x3 = VFOLD(x3, k256, _mm512_loadu_si512((const void *)(p + 192)));
		p += 256;
		n -= 256;
	}
	x1 = VFOLD(x0, k64, x1);
	x2 = VFOLD(x1, k64, x2);
	x3 = VFOLD(x2, k64, x3);
#undef VFOLD
#define FOLD(x, k, next) \
	_mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next)
	__m128i y = _mm512_extracti32x4_epi32(x3, 0);
	y = FOLD(y, k16, _mm512_extracti32x4_epi32(x3, 1));
	y = FOLD(y, k16, _mm512_extracti32x4_epi32(x3, 2));
	y = FOLD(y, k16, _mm512_extracti32x4_epi32(x3, 3));
#undef FOLD
	uint64_t c = 0;
	c = __builtin_ia32_crc32di(c, (uint64_t)_mm_cvtsi128_si64(y));
	c = __builtin_ia32_crc32di(c, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(y, y)));
	while (n >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		c = __builtin_ia32_crc32di(c, a);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}

/*
 * Fold the buffer four 16-byte lanes at a time with pclmulqdq (several
 * times the crc32 instruction's rate on CPUs where that one is slow), then
 * hand the last 16-byte remainder and the tail to the crc32 instruction.
 * The running CRC enters by XOR into the first 4 bytes (the CRC is linear).
 * n must be at least 64.
 */
__attribute__((target("pclmul,sse4.2")))
static uint32_t crc_clmul(uint32_t crc, const uint8_t *p, size_t n)
{
	const __m128i k64 = _mm_set_epi64x((long long)fold64[1], (long long)fold64[0]);
	const __m128i k16 = _mm_set_epi64x((long long)fold16[1], (long long)fold16[0]);
	__m128i x0 = _mm_loadu_si128((const __m128i *)p);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
	x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)crc));
	p += 64;
	n -= 64;
#define FOLD(x, k, next) \
	_mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next)
	while (n >= 64) {
		x0 = FOLD(x0, k64, _mm_loadu_si128((const __m128i *)p));
		x1 = FOLD(x1, k64, _mm_loadu_si128((const __m128i *)(p + 16)));
		x2 = FOLD(x2, k64, _mm_loadu_si128((const __m128i *)(p + 32)));
		x3 = FOLD(x3, k64, _mm_loadu_si128((const __m128i *)(p + 48)));
		p += 64;
		n -= 64;
	}
	x1 = FOLD(x0, k16, x1);
	x2 = FOLD(x1, k16, x2);
	x3 = FOLD(x2, k16, x3);
#undef FOLD
	uint64_t c = 0;
	c = __builtin_ia32_crc32di(c, (uint64_t)_mm_cvtsi128_si64(x3));
	c = __builtin_ia32_crc32di(c, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x3, x3)));
	while (n >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		c = __builtin_ia32_crc32di(c, a);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}

__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	if (crc_have_vclmul && n >= 1024)
		return crc_vclmul(crc, p, n);
	if (crc_have_clmul && n >= 256)
		return crc_clmul(crc, p, n);
	uint64_t c = crc;
	while (n && ((uintptr_t)p & 7)) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
		n--;
	}
	while (n >= 3 * CRC_BLOCK) {
		uint64_t c1 = 0, c2 = 0;
		for (size_t i = 0; i < CRC_BLOCK; i += 8) {
			uint64_t a, b, d;
			memcpy(&a, p + i, 8);
			memcpy(&b, p + CRC_BLOCK + i, 8);
			memcpy(&d, p + 2 * CRC_BLOCK + i, 8);
			c = __builtin_ia32_crc32di(c, a);
			c1 = __builtin_ia32_crc32di(c1, b);
			c2 = __builtin_ia32_crc32di(c2, d);
		}
		c = multmodp(crc_shift2, (uint32_t)c) ^ multmodp(crc_shift1, (uint32_t)c1) ^ (uint32_t)c2;
		p += 3 * CRC_BLOCK;
		n -= 3 * CRC_BLOCK;
	}
	while (n >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		c = __builtin_ia32_crc32di(c, a);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

uint32_t msp_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	crc = ~crc;
#if defined(__x86_64__)
	if (crc_have_hw)
		return ~crc_hw(crc, buf, len);
#endif
	return ~crc_sw(crc, buf, len);
}
