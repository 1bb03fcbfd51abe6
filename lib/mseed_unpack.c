/*
 * mseed_unpack.c - mspipe's own miniSEED 2 record decoder (see
 * msp_mseed_unpack.h): header fields as libmseed 2.19.8's msr_parse gives
 * them, and samples decoded straight into float64.
 *
 * Why not libmseed: msread's time went mostly to libmseed's Steim decoders
 * (an int32 buffer, a library call for every byte swap) and to msr_parse's
 * per-record set-up (blockette copies, source names, getenv); then every
 * sample was converted to float64 in a second pass.  Here one pass reads
 * each 32-bit word once, sums the differences in uint32 (wrapping as
 * libmseed's int32 sums do on every machine mspipe builds on) and stores
 * doubles.
 *
 * The semantics follow libmseed 2.19.8 so that msread's results do not
 * change: which header byte order is tried first, which blockette 100 and
 * 1001 count (the last of each), the checks msr_unpack reports through its
 * log (each of which msread has always taken as a corrupt record), the Steim
 * rules (the first difference ignored and X0 stored; the last sample checked
 * against Xn; Steim2's impossible codes).  The tests compare the two on
 * every record of the real data set, on records of every encoding and byte
 * order packed by libmseed, and on random damage.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "msp_mseed_unpack.h"
#include "msp_mseed.h"
#include "mseed_internal.h"
#include "msp_status.h"

#define HOST_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

static inline uint16_t rd16(const uint8_t *p, int le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p, int le)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le == HOST_LE ? v : __builtin_bswap32(v);
}

static inline uint64_t rd64(const uint8_t *p, int le)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le == HOST_LE ? v : __builtin_bswap64(v);
}

static int valid_yday(unsigned y, unsigned d)
{
	return y >= 1900 && y <= 2100 && d >= 1 && d <= 366;
}

/* libmseed's lengths of the blockettes it knows (ms_blktlen): a type not
 * listed is "unknown", an error of the record.  0 = unknown. */
static unsigned lm_blktlen(unsigned type, const uint8_t *b, int le)
{
	switch (type) {
	case 100: return 12;
	case 200: return 28;
	case 201: return 36;
	case 300: return 32;
	case 310: return 32;
	case 320: return 28;
	case 390: return 28;
	case 395: return 16;
	case 400: return 16;
	case 500: return 8;
	case 1000: return 8;
	case 1001: return 8;
	case 2000: return rd16(b + 4, le);
	}
	return 0;
}

/* The bytes libmseed copies of a blockette (its struct plus the 4-byte
 * head): where the blockette chain ends for its data-offset check.  These
 * are the SEED lengths but for 405, which libmseed 2.19 does not know (it
 * copies only the head).  The guard has checked that the blockette fits. */
static unsigned lm_blktcopy(unsigned type, const uint8_t *b, int le)
{
	return type == 405 ? 4 : msp_mseed_blockette_len(type, b, SIZE_MAX, le);
}

/* Days from 1970-01-01 to Jan 1 of year y (proleptic Gregorian). */
static int64_t days_to_year(int64_t y)
{
	int64_t a = y - 1;
	return 365 * (y - 1970) + (a / 4 - a / 100 + a / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
}

static void cleantail(char *dst, const uint8_t *src, int n)
{
	/* libmseed's ms_strncpcleantail: the n bytes, trailing spaces dropped
	 * (an embedded NUL ends the string where it is) */
	int end = n;
	while (end > 0 && src[end - 1] == ' ')
		end--;
	memcpy(dst, src, (size_t)end);
	dst[end] = '\0';
}

int msp_mseed_unpack_header(const uint8_t *rec, size_t len, msp_mseed_hdr *h, char *err,
                            size_t errlen)
{
	size_t rl = 0;
	int rc = msp_mseed_record_check(rec, len, &rl, err, errlen);
	if (rc)
		return rc;
	/* the guard has checked that the year/day is valid in the order tried
	 * first (the host's, as libmseed does) or in the other */
	int le = valid_yday(rd16(rec + 20, HOST_LE), rd16(rec + 22, HOST_LE)) ? HOST_LE : !HOST_LE;
	unsigned nsamp = rd16(rec + 30, le);
	unsigned dataoff = rd16(rec + 44, le);
	unsigned count = 0, chain_end = 0;
	const uint8_t *b100 = NULL, *b1000 = NULL, *b1001 = NULL;
	for (unsigned off = rd16(rec + 46, le); off != 0 && off < rl;) {
		/* the guard has checked that every blockette lies in the record and
		 * that the chain goes forward; these are libmseed's own complaints */
		unsigned type = rd16(rec + off, le), next = rd16(rec + off + 2, le);
		unsigned blen = lm_blktlen(type, rec + off, le);
		if (blen == 0) {
			msp_errf(err, errlen, "unknown blockette type %u at byte %u", type, off);
			return MSP_ERR_FORMAT;
		}
		if (next && next < off + blen) {
			msp_errf(err, errlen, "blockette %u at %u: the next one (%u) starts inside it", type,
			         off, next);
			return MSP_ERR_FORMAT;
		}
		if (type == 100)
			b100 = rec + off;
		else if (type == 1000)
			b1000 = rec + off;
		else if (type == 1001)
			b1001 = rec + off;
		chain_end = off + lm_blktcopy(type, rec + off, le);
		count++;
		off = next;
	}
	if (count != rec[39]) {
		msp_errf(err, errlen, "the header counts %u blockettes, the chain has %u", rec[39], count);
		return MSP_ERR_FORMAT;
	}
	if (nsamp && count && dataoff < chain_end) {
		msp_errf(err, errlen, "data offset %u inside the blockettes (they end at %u)", dataoff,
		         chain_end);
		return MSP_ERR_FORMAT;
	}
	if (!b1000) { /* the guard refuses such a record; never reached */
		msp_errf(err, errlen, "no blockette 1000");
		return MSP_ERR_FORMAT;
	}
	h->reclen = rl;
	h->dataoff = dataoff;
	h->encoding = b1000[4];
	h->data_be = b1000[5] != 0;
	h->samplecnt = nsamp;
	cleantail(h->sta, rec + 8, 5);
	cleantail(h->loc, rec + 13, 2);
	cleantail(h->chan, rec + 15, 3);
	cleantail(h->net, rec + 18, 2);

	/* start time: libmseed's msr_starttime */
	unsigned year = rd16(rec + 20, le), yday = rd16(rec + 22, le);
	int64_t days = days_to_year(year) + (int64_t)yday - 1;
	int64_t t = ((days * 24 + rec[24]) * 60 + rec[25]) * 60 + rec[26];
	t = t * 1000000 + (int64_t)rd16(rec + 28, le) * 100;
	int32_t corr = (int32_t)rd32(rec + 40, le);
	if (corr != 0 && !(rec[36] & 0x02))
		t += (int64_t)corr * 100;
	if (b1001)
		t += (int8_t)b1001[5];
	h->starttime = t;

	/* sample rate: blockette 100, else the factor and multiplier */
	if (b100) {
		uint32_t u = rd32(b100 + 4, le);
		float f;
		memcpy(&f, &u, 4);
		h->samprate = f;
	} else {
		int fact = (int16_t)rd16(rec + 32, le), mult = (int16_t)rd16(rec + 34, le);
		double r = 0.0;
		if (fact > 0)
			r = fact;
		else if (fact < 0)
			r = -1.0 / fact;
		if (mult > 0)
			r *= mult;
		else if (mult < 0)
			r = -1.0 * (r / mult);
		h->samprate = r;
	}
	return MSP_OK;
}

/* ---- Steim ---- */

/* Store one word's differences: the running sum in uint32 (libmseed sums
 * int32, which wraps the same way on every machine mspipe builds on). */
#define PUT(diff)                                 \
	do {                                      \
		acc += (uint32_t)(int32_t)(diff); \
		out[k++] = (double)(int32_t)acc;  \
	} while (0)

/* A frame's first data word: 1, or 3 in frame 0, whose words 1 and 2 are
 * the record's X0 (first sample) and Xn (last sample, the integrity check). */
static inline __attribute__((always_inline)) int
frame_start(const uint8_t *fr, size_t f, int le, int32_t *x0, int32_t *xn)
{
	if (f != 0)
		return 1;
	*x0 = (int32_t)rd32(fr + 4, le);
	*xn = (int32_t)rd32(fr + 8, le);
	return 3;
}

/* Store a word's differences dd[0..cnt) near the record's ends: at the
 * first sample (which is X0; its difference is not used) and at the last
 * (no more than n samples).  Returns the new sample count. */
static inline __attribute__((always_inline)) int64_t
put_edge(const int32_t *dd, int cnt, int64_t k, int64_t n, uint32_t *accp, int32_t x0,
         double *out)
{
	uint32_t acc = *accp;
	int i = 0;
	if (k == 0) {
		acc = (uint32_t)x0;
		out[k++] = x0;
		i = 1;
	}
	for (; i < cnt && k < n; i++)
		PUT(dd[i]);
	*accp = acc;
	return k;
}

/* Steim1 (SEED 2.4 appendix B): 64-byte frames, word 0 of each holds 16
 * 2-bit codes; frame 0's words 1 and 2 are X0 and Xn.  Code 1: four 8-bit
 * differences, 2: two 16-bit, 3: one 32-bit, 0: no data. */
static inline __attribute__((always_inline)) int64_t
steim1(const uint8_t *d, size_t nframes, int le, int64_t n, double *out, int32_t *x0p,
       int32_t *xnp)
{
	int64_t k = 0;
	uint32_t acc = 0;
	int32_t x0 = 0, xn = 0;
	for (size_t f = 0; f < nframes && k < n; f++) {
		const uint8_t *fr = d + 64 * f;
		uint32_t ctl = rd32(fr, le);
		int w = frame_start(fr, f, le, &x0, &xn);
		for (; w < 16 && k < n; w++) {
			const uint8_t *p = fr + 4 * w;
			unsigned code = (ctl >> (30 - 2 * w)) & 3;
			int32_t dd[4];
			int cnt;
			if (code == 0)
				continue;
			if (__builtin_expect(k > 0 && k + 4 <= n, 1)) {
				/* the common case, away from the first sample and the last */
				if (code == 1) {
					PUT((int8_t)p[0]);
					PUT((int8_t)p[1]);
					PUT((int8_t)p[2]);
					PUT((int8_t)p[3]);
				} else if (code == 2) {
					PUT((int16_t)rd16(p, le));
					PUT((int16_t)rd16(p + 2, le));
				} else {
					PUT((int32_t)rd32(p, le));
				}
				continue;
			}
			switch (code) {
			case 1:
				dd[0] = (int8_t)p[0];
				dd[1] = (int8_t)p[1];
				dd[2] = (int8_t)p[2];
				dd[3] = (int8_t)p[3];
				cnt = 4;
				break;
			case 2:
				dd[0] = (int16_t)rd16(p, le);
				dd[1] = (int16_t)rd16(p + 2, le);
				cnt = 2;
				break;
			default:
				dd[0] = (int32_t)rd32(p, le);
				cnt = 1;
				break;
			}
			k = put_edge(dd, cnt, k, n, &acc, x0, out);
		}
	}
	*x0p = x0;
	*xnp = xn;
	return k;
}

/* Steim2: code 1: four 8-bit differences; code 2 with the word's top two
 * bits (dnib) 01: one 30-bit, 10: two 15-bit, 11: three 10-bit; code 3
 * with dnib 00: five 6-bit, 01: six 5-bit, 10: seven 4-bit.  Code 2 dnib 00
 * and code 3 dnib 11 are impossible: -1 (a corrupt record). */
static inline __attribute__((always_inline)) int64_t
steim2(const uint8_t *d, size_t nframes, int le, int64_t n, double *out, int32_t *x0p,
       int32_t *xnp)
{
	int64_t k = 0;
	uint32_t acc = 0;
	int32_t x0 = 0, xn = 0;
	for (size_t f = 0; f < nframes && k < n; f++) {
		const uint8_t *fr = d + 64 * f;
		uint32_t ctl = rd32(fr, le);
		int w = frame_start(fr, f, le, &x0, &xn);
		for (; w < 16 && k < n; w++) {
			const uint8_t *p = fr + 4 * w;
			unsigned code = (ctl >> (30 - 2 * w)) & 3;
			int32_t dd[7];
			int cnt;
			if (code == 0)
				continue;
			if (__builtin_expect(k > 0 && k + 7 <= n, 1)) {
				/* the common case, away from the first sample and the
				 * last: each layout summed and stored without a loop */
				if (code == 1) {
					PUT((int8_t)p[0]);
					PUT((int8_t)p[1]);
					PUT((int8_t)p[2]);
					PUT((int8_t)p[3]);
					continue;
				}
				uint32_t v = rd32(p, le);
				switch ((code << 2) | (v >> 30)) {
				case 9: /* 10 01 */
					PUT((int32_t)(v << 2) >> 2);
					continue;
				case 10: /* 10 10 */
					PUT((int32_t)(v << 2) >> 17);
					PUT((int32_t)(v << 17) >> 17);
					continue;
				case 11: /* 10 11 */
					PUT((int32_t)(v << 2) >> 22);
					PUT((int32_t)(v << 12) >> 22);
					PUT((int32_t)(v << 22) >> 22);
					continue;
				case 12: /* 11 00 */
					PUT((int32_t)(v << 2) >> 26);
					PUT((int32_t)(v << 8) >> 26);
					PUT((int32_t)(v << 14) >> 26);
					PUT((int32_t)(v << 20) >> 26);
					PUT((int32_t)(v << 26) >> 26);
					continue;
				case 13: /* 11 01 */
					PUT((int32_t)(v << 2) >> 27);
					PUT((int32_t)(v << 7) >> 27);
					PUT((int32_t)(v << 12) >> 27);
					PUT((int32_t)(v << 17) >> 27);
					PUT((int32_t)(v << 22) >> 27);
					PUT((int32_t)(v << 27) >> 27);
					continue;
				case 14: /* 11 10 */
					PUT((int32_t)(v << 4) >> 28);
					PUT((int32_t)(v << 8) >> 28);
					PUT((int32_t)(v << 12) >> 28);
					PUT((int32_t)(v << 16) >> 28);
					PUT((int32_t)(v << 20) >> 28);
					PUT((int32_t)(v << 24) >> 28);
					PUT((int32_t)(v << 28) >> 28);
					continue;
				default: /* 10 00 and 11 11 */
					return -1;
				}
			}
			if (code == 1) {
				dd[0] = (int8_t)p[0];
				dd[1] = (int8_t)p[1];
				dd[2] = (int8_t)p[2];
				dd[3] = (int8_t)p[3];
				cnt = 4;
			} else {
				uint32_t v = rd32(p, le);
				unsigned dnib = v >> 30;
				/* sign extension: shift the field to the top, then
				 * arithmetically back (gcc and clang define >> on
				 * negative values as arithmetic) */
				if (code == 2) {
					switch (dnib) {
					case 1:
						dd[0] = (int32_t)(v << 2) >> 2;
						cnt = 1;
						break;
					case 2:
						dd[0] = (int32_t)(v << 2) >> 17;
						dd[1] = (int32_t)(v << 17) >> 17;
						cnt = 2;
						break;
					case 3:
						dd[0] = (int32_t)(v << 2) >> 22;
						dd[1] = (int32_t)(v << 12) >> 22;
						dd[2] = (int32_t)(v << 22) >> 22;
						cnt = 3;
						break;
					default:
						return -1;
					}
				} else {
					switch (dnib) {
					case 0:
						dd[0] = (int32_t)(v << 2) >> 26;
						dd[1] = (int32_t)(v << 8) >> 26;
						dd[2] = (int32_t)(v << 14) >> 26;
						dd[3] = (int32_t)(v << 20) >> 26;
						dd[4] = (int32_t)(v << 26) >> 26;
						cnt = 5;
						break;
					case 1:
						dd[0] = (int32_t)(v << 2) >> 27;
						dd[1] = (int32_t)(v << 7) >> 27;
						dd[2] = (int32_t)(v << 12) >> 27;
						dd[3] = (int32_t)(v << 17) >> 27;
						dd[4] = (int32_t)(v << 22) >> 27;
						dd[5] = (int32_t)(v << 27) >> 27;
						cnt = 6;
						break;
					case 2:
						dd[0] = (int32_t)(v << 4) >> 28;
						dd[1] = (int32_t)(v << 8) >> 28;
						dd[2] = (int32_t)(v << 12) >> 28;
						dd[3] = (int32_t)(v << 16) >> 28;
						dd[4] = (int32_t)(v << 20) >> 28;
						dd[5] = (int32_t)(v << 24) >> 28;
						dd[6] = (int32_t)(v << 28) >> 28;
						cnt = 7;
						break;
					default:
						return -1;
					}
				}
			}
			k = put_edge(dd, cnt, k, n, &acc, x0, out);
		}
	}
	*x0p = x0;
	*xnp = xn;
	return k;
}
#undef PUT

int msp_mseed_unpack_samples(const uint8_t *rec, const msp_mseed_hdr *h, double *out,
                             char *err, size_t errlen)
{
	int64_t n = h->samplecnt;
	if (n <= 0)
		return MSP_OK;
	/* the guard has checked dataoff and that n samples fit the data bytes */
	const uint8_t *d = rec + h->dataoff;
	size_t size = h->reclen - h->dataoff;
	int le = !h->data_be;
	switch (h->encoding) {
	case 1: /* INT16 */
		for (int64_t k = 0; k < n; k++)
			out[k] = (int16_t)rd16(d + 2 * k, le);
		return MSP_OK;
	case 3: /* INT32 */
		for (int64_t k = 0; k < n; k++)
			out[k] = (int32_t)rd32(d + 4 * k, le);
		return MSP_OK;
	case 4: /* FLOAT32 */
		for (int64_t k = 0; k < n; k++) {
			uint32_t u = rd32(d + 4 * k, le);
			float f;
			memcpy(&f, &u, 4);
			out[k] = f;
		}
		return MSP_OK;
	case 5: /* FLOAT64 */
		for (int64_t k = 0; k < n; k++) {
			uint64_t u = rd64(d + 8 * k, le);
			memcpy(&out[k], &u, 8);
		}
		return MSP_OK;
	case 10:
	case 11: {
		int32_t x0, xn;
		/* the byte order a constant in each copy: no test per word */
		int64_t got;
		if (h->encoding == 10)
			got = le ? steim1(d, size / 64, 1, n, out, &x0, &xn)
			         : steim1(d, size / 64, 0, n, out, &x0, &xn);
		else
			got = le ? steim2(d, size / 64, 1, n, out, &x0, &xn)
			         : steim2(d, size / 64, 0, n, out, &x0, &xn);
		if (got < 0) {
			msp_errf(err, errlen, "impossible Steim2 code in the data frames");
			return MSP_ERR_DATA;
		}
		if (got > 0 && (int32_t)out[got - 1] != xn) {
			msp_errf(err, errlen, "Steim%d integrity check failed: last sample %d, Xn %d",
			         h->encoding - 9, (int32_t)out[got - 1], xn);
			return MSP_ERR_DATA;
		}
		if (got != n) {
			msp_errf(err, errlen, "only %lld of %lld samples decoded", (long long)got,
			         (long long)n);
			return MSP_ERR_DATA;
		}
		return MSP_OK;
	}
	case 0:
		msp_errf(err, errlen, "ASCII text, not samples");
		return MSP_ERR_DATA;
	}
	msp_errf(err, errlen, "encoding %d is left to libmseed", h->encoding);
	return MSP_ERR_UNSUPPORTED;
}
