/*
 * test_mseed_guard.c - msp_mseed_record_check: records packed by libmseed pass,
 * every real record in ../shared/data passes, and each kind of damage (the
 * libmseed 2.19.8 ASCII over-read among them) is refused with the right code.
 * Every record the guard accepts after a random header mutation is also given
 * to msr_parse, so the ASan build (make check SANITIZE=1) shows that accepted
 * records are safe for libmseed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <libmseed.h>
#include "tap.h"
#include "msp_mseed.h"
#include "msp_status.h"

static uint8_t packed[4096];
static int packed_len;

static void grab(char *rec, int len, void *h)
{
	(void)h;
	if (!packed_len && len <= (int)sizeof packed) {
		memcpy(packed, rec, (size_t)len);
		packed_len = len;
	}
}

/* One record of n samples packed by libmseed itself with the given encoding. */
static int pack_one(int encoding, int reclen, int n, int byteorder)
{
	MSRecord *msr = msr_init(NULL);
	static int32_t ibuf[2000];
	static char cbuf[2000];
	strcpy(msr->network, "XX");
	strcpy(msr->station, "TEST");
	strcpy(msr->channel, "BHZ");
	msr->starttime = ms_timestr2hptime("2011-03-11T05:46:23.0195");
	msr->samprate = 20.0;
	msr->reclen = reclen;
	msr->encoding = (int8_t)encoding;
	msr->byteorder = (int8_t)byteorder;
	msr->dataquality = 'D';
	if (encoding == DE_ASCII) {
		for (int i = 0; i < n; i++)
			cbuf[i] = (char)('a' + i % 26);
		msr->datasamples = cbuf;
		msr->sampletype = 'a';
	} else {
		for (int i = 0; i < n; i++)
			ibuf[i] = (int32_t)(1000.0 * __builtin_sin(i * 0.1)) + i;
		msr->datasamples = ibuf;
		msr->sampletype = 'i';
	}
	msr->numsamples = n;
	int64_t packedsamples = 0;
	packed_len = 0;
	int nrec = msr_pack(msr, grab, NULL, &packedsamples, 1, 0);
	msr->datasamples = NULL;
	msr_free(&msr);
	return nrec >= 1 ? (int)packedsamples : -1;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

static int check(const uint8_t *r, size_t len, size_t *rl, char *err)
{
	return msp_mseed_record_check(r, len, rl, err, 200);
}

static void test_packed(void)
{
	char err[200];
	size_t rl;
	uint8_t r[4096];

	ok(pack_one(DE_STEIM2, 512, 600, 1) > 0, "libmseed packs a Steim2 record");
	memcpy(r, packed, 512);
	is(check(r, 512, &rl, err), MSP_OK, "packed Steim2 record passes");
	is(rl, 512, "record length from blockette 1000");
	is(check(r, 4096, &rl, err), MSP_OK, "a longer buffer is fine");
	is(check(r, 511, &rl, err), MSP_ERR_TRUNCATED, "one byte short: truncated");
	is(rl, 512, "record length known even when truncated");
	is(check(r, 40, &rl, err), MSP_ERR_TRUNCATED, "shorter than the fixed header");
	is(check(NULL, 512, &rl, err), MSP_ERR_INVAL, "NULL record");

	/* Steim2 capacity of 512-64 bytes: 7 frames -> (13+15*6)*7 = 721. */
	unsigned n = get16(r + 30);
	put16(r + 30, 721);
	is(check(r, 512, &rl, err), MSP_OK, "Steim2 count at frame capacity passes");
	put16(r + 30, 722);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "Steim2 count beyond frame capacity: %s", err);
	put16(r + 30, n);

	memcpy(r, packed, 512);
	put16(r + 46, 0);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "no blockette 1000: %s", err);
	memcpy(r, packed, 512);
	put16(r + 46, 20);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "blockette inside the header: %s", err);
	memcpy(r, packed, 512);
	put16(r + 50, 48); /* next blockette points back at itself */
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "blockette chain loop: %s", err);
	memcpy(r, packed, 512);
	r[54] = 6;
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "record length 2^6: %s", err);
	r[54] = 21;
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "record length 2^21: %s", err);
	r[54] = 12;
	is(check(r, 512, &rl, err), MSP_ERR_TRUNCATED, "record length 4096 in a 512 buffer: %s", err);
	memcpy(r, packed, 512);
	r[52] = 99;
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "unknown encoding: %s", err);
	r[52] = 19; /* Steim3: libmseed cannot decode it */
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "Steim3 refused");
	memcpy(r, packed, 512);
	r[53] = 7;
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "word order 7: %s", err);
	memcpy(r, packed, 512);
	put16(r + 44, 600);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "data offset past the record: %s", err);
	put16(r + 44, 8);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "data offset in the header: %s", err);
	memcpy(r, packed, 512);
	r[6] = 'X';
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "quality X: %s", err);
	memcpy(r, packed, 512);
	r[2] = 'A';
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "letter in sequence number: %s", err);
	memcpy(r, packed, 512);
	put16(r + 20, 3000);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "year 3000: %s", err);
	memcpy(r, packed, 512);
	r[24] = 24;
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "hour 24: %s", err);
	memcpy(r, packed, 512);
	put16(r + 30, 0);
	put16(r + 44, 0);
	is(check(r, 512, &rl, err), MSP_OK, "no samples, no data offset: fine");

	/* The libmseed 2.19.8 bug: ASCII with a sample count beyond the record. */
	ok(pack_one(DE_ASCII, 512, 100, 1) > 0, "libmseed packs an ASCII record");
	memcpy(r, packed, 512);
	is(check(r, 512, &rl, err), MSP_OK, "ASCII record passes");
	unsigned doff = get16(r + 44);
	put16(r + 30, 512 - doff);
	is(check(r, 512, &rl, err), MSP_OK, "ASCII filling the record exactly passes");
	put16(r + 30, 512 - doff + 1);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "ASCII one byte too many: %s", err);
	put16(r + 30, 5904);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "ASCII 5904 samples in 512 bytes (the libmseed bug)");

	ok(pack_one(DE_INT16, 512, 200, 1) > 0, "libmseed packs an INT16 record");
	memcpy(r, packed, 512);
	is(check(r, 512, &rl, err), MSP_OK, "INT16 record passes");
	doff = get16(r + 44);
	put16(r + 30, (512 - doff) / 2 + 1);
	is(check(r, 512, &rl, err), MSP_ERR_FORMAT, "INT16 count too big: %s", err);

	ok(pack_one(DE_STEIM1, 256, 50, 0) > 0, "libmseed packs a little-endian Steim1 record");
	memcpy(r, packed, 256);
	is(check(r, 256, &rl, err), MSP_OK, "little-endian record passes");
	is(rl, 256, "little-endian record length");
	/* Steim1 in 256-64 bytes: 3 frames -> (13+30)*4 = 172. */
	r[30] = 172; r[31] = 0;
	is(check(r, 256, &rl, err), MSP_OK, "LE Steim1 count at capacity");
	r[30] = 173;
	is(check(r, 256, &rl, err), MSP_ERR_FORMAT, "LE Steim1 count beyond capacity");
}

/* Every record of every real file passes, and a random mutation of a real
 * header that the guard accepts is parsed by libmseed without harm. */
static void test_real(void)
{
	const char *data = getenv("MSPIPE_DATA");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/waveforms", data ? data : "../shared/data");
	DIR *d = opendir(dir);
	if (!d) {
		ok(1, "# SKIP no real data at %s", dir);
		return;
	}
	struct dirent *de;
	int files = 0, records = 0, bad = 0, accepted = 0, tried = 0, parsed = 0;
	uint64_t rng = 12345;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".mseed"))
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		files++;
		for (size_t off = 0; off < n;) {
			size_t rl = 0;
			char err[200];
			int st = msp_mseed_record_check(buf + off, n - off, &rl, err, sizeof err);
			if (st != MSP_OK) {
				bad++;
				printf("# %s at %zu: %s\n", de->d_name, off, err);
				break;
			}
			records++;
			for (int k = 0; k < 20; k++) {
				static uint8_t m[1 << 16];
				if (rl > sizeof m)
					break;
				memcpy(m, buf + off, rl);
				for (int j = 0; j < 3; j++) {
					tap_xorshift(&rng);
					m[(rng >> 8) % 64] = (uint8_t)(rng >> 32);
				}
				tried++;
				size_t rl2;
				if (msp_mseed_record_check(m, rl, &rl2, NULL, 0) == MSP_OK) {
					accepted++;
					MSRecord *msr = NULL;
					if (msr_parse((char *)m, (int)rl, &msr, (int)rl, 1, 0) == MS_NOERROR)
						parsed++;
					msr_free(&msr);
				}
			}
			off += rl;
		}
	}
	closedir(d);
	is(files, 8, "8 real miniSEED files");
	is(bad, 0, "no real record refused");
	is(records, 2 + 2 + 10 + 128 + 1013 + 87 + 284 + 107, "all 1633 real records pass");
	ok(tried > 0, "%d mutated headers: %d accepted, %d of those parsed by libmseed",
	   tried, accepted, parsed);
}

static void quiet(char *m) { (void)m; }

int main(void)
{
	ms_loginit(quiet, NULL, quiet, NULL); /* libmseed's complaints on mutants stay quiet */
	test_packed();
	test_real();
	return done_testing();
}
