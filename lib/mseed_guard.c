/*
 * mseed_guard.c - validate a raw miniSEED 2 record before libmseed unpacks it.
 *
 * libmseed 2.19.8 believes the header: an ASCII record declaring more samples
 * than the record holds makes msr_unpack copy past the buffer.  This module
 * reads the header itself, with every offset checked against the bytes that
 * are really there, and decides whether the record is safe to hand over.
 * It depends on nothing but the C library, so it can be fuzzed alone.
 */
#include "msp_mseed.h"
#include "mseed_internal.h"
#include "msp_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	if (err && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return status;
}

static unsigned rd16(const uint8_t *p, int swap_le)
{
	return swap_le ? (unsigned)p[0] | (unsigned)p[1] << 8
		       : (unsigned)p[0] << 8 | (unsigned)p[1];
}

int msp_mseed_sample_size(int encoding)
{
	switch (encoding) {
	case 0:  return 1;  /* ASCII text */
	case 1:  return 2;  /* INT16 */
	case 3:  return 4;  /* INT32 */
	case 4:  return 4;  /* FLOAT32 */
	case 5:  return 8;  /* FLOAT64 */
	case 10: return 0;  /* Steim1 */
	case 11: return 0;  /* Steim2 */
	case 12: return 3;  /* GEOSCOPE 24-bit */
	case 13: return 2;  /* GEOSCOPE 16-bit, 3-bit exponent */
	case 14: return 2;  /* GEOSCOPE 16-bit, 4-bit exponent */
	case 16: return 2;  /* CDSN */
	case 30: return 2;  /* SRO */
	case 32: return 2;  /* DWWSSN */
	}
	return -1;
}

/* Fixed lengths of the standard data-record blockettes (SEED 2.4 ch. 8);
 * 2000 carries its own length; an unknown one is its 4-byte head only. */
unsigned msp_mseed_blockette_len(unsigned type, const uint8_t *b, size_t avail, int le)
{
	switch (type) {
	case 100: return 12;
	case 200: return 52;
	case 201: return 60;
	case 300: return 60;
	case 310: return 60;
	case 320: return 64;
	case 390: return 28;
	case 395: return 16;
	case 400: return 16;
	case 405: return 6;
	case 500: return 200;
	case 1000: return 8;
	case 1001: return 8;
	case 2000: return avail >= 6 ? rd16(b + 4, le) : 6;
	}
	return 4;
}

static int valid_yday(unsigned y, unsigned d)
{
	return y >= 1900 && y <= 2100 && d >= 1 && d <= 366;
}

int msp_mseed_record_check(const uint8_t *rec, size_t len, size_t *reclen,
			   char *err, size_t errlen)
{
	if (reclen)
		*reclen = 0;
	if (!rec)
		return fail(err, errlen, MSP_ERR_INVAL, "no record");
	if (len < MSP_MSEED_FSDH)
		return fail(err, errlen, MSP_ERR_TRUNCATED,
			    "only %zu bytes, a record header needs 48", len);

	/* Sequence number: 6 ASCII digits (spaces or NULs tolerated, as libmseed
	 * does); quality indicator; reserved byte. */
	for (int i = 0; i < 6; i++)
		if (!((rec[i] >= '0' && rec[i] <= '9') || rec[i] == ' ' || rec[i] == 0))
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "bad sequence number byte 0x%02x", rec[i]);
	if (!strchr("DRQM", rec[6]) || rec[6] == 0)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "bad data quality indicator 0x%02x", rec[6]);
	if (rec[7] != ' ' && rec[7] != 0)
		return fail(err, errlen, MSP_ERR_FORMAT, "bad reserved byte 0x%02x", rec[7]);

	/* Header byte order: the one in which year and day-of-year make sense,
	 * the host's tried first as libmseed does (a year/day valid both ways,
	 * such as 2056 = 0x0808, must be read the way libmseed will read it). */
	int host_le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	int le;
	if (valid_yday(rd16(rec + 20, host_le), rd16(rec + 22, host_le)))
		le = host_le;
	else if (valid_yday(rd16(rec + 20, !host_le), rd16(rec + 22, !host_le)))
		le = !host_le;
	else
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "start time year/day not plausible in either byte order");
	if (rec[24] > 23 || rec[25] > 59 || rec[26] > 60 || rd16(rec + 28, le) > 9999)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "start time out of range (%u:%u:%u.%04u)", rec[24], rec[25],
			    rec[26], rd16(rec + 28, le));

	unsigned nsamp = rd16(rec + 30, le);
	unsigned dataoff = rd16(rec + 44, le);
	unsigned boff = rd16(rec + 46, le);

	/* Walk the blockette chain within what the buffer holds, looking for
	 * blockette 1000.  Offsets must strictly increase, so the walk ends. */
	size_t lim = len < MSP_MSEED_MAXRECLEN ? len : MSP_MSEED_MAXRECLEN;
	const uint8_t *b1000 = NULL;
	unsigned b1000_off = 0;
	for (unsigned off = boff, hops = 0; off != 0; hops++) {
		if (off < MSP_MSEED_FSDH)
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "blockette offset %u inside the fixed header", off);
		if (off + 4 > lim) {
			if (!b1000 && lim == len && len < MSP_MSEED_MAXRECLEN)
				return fail(err, errlen, MSP_ERR_TRUNCATED,
					    "blockette at %u beyond the %zu bytes read", off, len);
			break; /* checked against the record length below */
		}
		unsigned type = rd16(rec + off, le);
		unsigned next = rd16(rec + off + 2, le);
		if (type == 1000 && b1000)
			/* libmseed takes the last one's length and encoding, the
			 * checks below the first's: one only */
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "two blockettes 1000 (at %u and %u)", b1000_off, off);
		if (type == 1000) {
			if (off + 8 > lim)
				return fail(err, errlen, MSP_ERR_TRUNCATED,
					    "blockette 1000 cut off at byte %zu", len);
			b1000 = rec + off;
			b1000_off = off;
		}
		if (next != 0 && next <= off)
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "blockette chain goes back (%u -> %u)", off, next);
		off = next;
	}
	if (!b1000)
		return fail(err, errlen, MSP_ERR_FORMAT, "no blockette 1000");

	int encoding = b1000[4];
	int wordorder = b1000[5];
	int exp = b1000[6];
	if (exp < 7 || exp > 20)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "blockette 1000 record length 2^%d outside 2^7..2^20", exp);
	size_t rl = (size_t)1 << exp;
	if (reclen)
		*reclen = rl;
	if (wordorder > 1)
		return fail(err, errlen, MSP_ERR_FORMAT, "blockette 1000 word order %d", wordorder);
	int ssize = msp_mseed_sample_size(encoding);
	if (ssize < 0)
		return fail(err, errlen, MSP_ERR_FORMAT, "unknown data encoding %d", encoding);
	if (b1000_off + 8 > rl)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "blockette 1000 at %u outside the %zu-byte record", b1000_off, rl);
	if (rl > len)
		return fail(err, errlen, MSP_ERR_TRUNCATED,
			    "record of %zu bytes but only %zu bytes read", rl, len);

	/* Now that the record length is known, every blockette must lie in it. */
	for (unsigned off = boff; off != 0;) {
		if (off + 4 > rl)
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "blockette at %u outside the %zu-byte record", off, rl);
		unsigned type = rd16(rec + off, le);
		unsigned blen = msp_mseed_blockette_len(type, rec + off, rl - off, le);
		if (blen < 4 || off + blen > rl)
			return fail(err, errlen, MSP_ERR_FORMAT,
				    "blockette %u at %u (%u bytes) outside the %zu-byte record",
				    type, off, blen, rl);
		off = rd16(rec + off + 2, le);
	}

	if (dataoff > rl)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "data offset %u beyond the %zu-byte record", dataoff, rl);
	if (nsamp == 0)
		return MSP_OK;
	if (dataoff < MSP_MSEED_FSDH)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "data offset %u inside the fixed header", dataoff);

	size_t room = rl - dataoff;
	size_t cap;
	if (ssize > 0) {
		cap = room / (size_t)ssize;
	} else {
		/* Steim: 64-byte frames; frame 0 spends 3 words on the nibble
		 * word, X0 and Xn, later frames 1 on the nibble word.  A word
		 * carries at most 4 (Steim1) or 7 (Steim2) differences. */
		size_t frames = room / 64;
		size_t per = encoding == 10 ? 4 : 7;
		cap = frames ? (13 + 15 * (frames - 1)) * per : 0;
	}
	if (nsamp > cap)
		return fail(err, errlen, MSP_ERR_FORMAT,
			    "%u samples declared but the %zu data bytes hold at most %zu "
			    "(encoding %d)", nsamp, room, cap, encoding);
	return MSP_OK;
}
