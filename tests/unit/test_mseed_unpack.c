/*
 * test_mseed_unpack.c - mspipe's own miniSEED decoder (msp_mseed_unpack.h)
 * against libmseed 2.19 (guard + msr_parse, tests/lib/mseed_ref.h), sample
 * by sample and header field by header field:
 *   - every record of every file in ../shared/data/waveforms (or
 *     $MSPIPE_DATA/waveforms): Steim1 and Steim2, big- and little-endian;
 *   - records packed by libmseed in every encoding mspipe decodes itself
 *     (int16, int32, float32, float64, Steim1, Steim2), both byte orders,
 *     record lengths 256 to 4096, differences of every Steim2 width;
 *   - the same records with blockettes 100 and 1001 and a time correction;
 *   - 30000 records (packed and real) with 1 to 4 random bytes changed: both decoders must
 *     accept the same ones and agree on them (the rejections include a
 *     failed Steim integrity check, impossible Steim2 codes, a wrong
 *     blockette count, a data offset inside the blockettes).
 * And cases with a known answer: an impossible Steim2 code, an Xn that does
 * not match, the 2056 year/day read in the host's order as libmseed does,
 * a record with two blockettes 1000 refused.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "../lib/mseed_ref.h"

static double xa[65536], xb[65536];

/* ---- records packed by libmseed ---- */

static uint8_t *recs;      /* packed records, back to back */
static size_t nrec_bytes, recs_cap;
#define MAXRECS 30000
static size_t rec_off[MAXRECS], rec_len[MAXRECS];
static int nrecs;

static void grab(char *rec, int len, void *h)
{
	(void)h;
	if (nrecs >= MAXRECS)
		return;
	if (nrec_bytes + (size_t)len > recs_cap) {
		recs_cap = (nrec_bytes + (size_t)len) * 2;
		recs = realloc(recs, recs_cap);
	}
	memcpy(recs + nrec_bytes, rec, (size_t)len);
	rec_off[nrecs] = nrec_bytes;
	rec_len[nrecs] = (size_t)len;
	nrecs++;
	nrec_bytes += (size_t)len;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
	return tap_xorshift(&rng);
}

/* n samples whose differences have magnitudes up to 2^bits (a random walk). */
static void walk(int32_t *s, int n, int bits, int32_t lo, int32_t hi)
{
	int64_t v = (lo + hi) / 2;
	for (int i = 0; i < n; i++) {
		int b = bits > 0 ? bits : 1 + (int)(next_rand() % 29);
		int64_t d = (int64_t)(next_rand() % ((uint64_t)1 << b)) - ((int64_t)1 << (b - 1));
		v += d;
		if (v < lo || v > hi)
			v = (lo + hi) / 2;
		s[i] = (int32_t)v;
	}
}

/* extra: 1 adds a blockette 1001 (microseconds), 2 also a blockette 100 */
static int pack(int encoding, int byteorder, int reclen, int n, int bits, int extra)
{
	static int32_t ib[20000];
	static float fb[20000];
	static double db[20000];
	MSRecord *msr = msr_init(NULL);
	strcpy(msr->network, "XX");
	strcpy(msr->station, "TEST");
	strcpy(msr->location, "00");
	strcpy(msr->channel, "BHZ");
	msr->starttime = ms_timestr2hptime("2011-03-11T05:46:23.019512");
	msr->samprate = 40.0;
	msr->reclen = reclen;
	msr->encoding = (int8_t)encoding;
	msr->byteorder = (int8_t)byteorder;
	msr->dataquality = 'D';
	int32_t lim = encoding == DE_INT16 ? 32767 : 400000000;
	walk(ib, n, bits, -lim, lim);
	if (encoding == DE_FLOAT32) {
		for (int i = 0; i < n; i++)
			fb[i] = (float)ib[i] * 0.37f;
		msr->datasamples = fb;
		msr->sampletype = 'f';
	} else if (encoding == DE_FLOAT64) {
		for (int i = 0; i < n; i++)
			db[i] = ib[i] * 1.0e-3 + 0.1;
		msr->datasamples = db;
		msr->sampletype = 'd';
	} else {
		msr->datasamples = ib;
		msr->sampletype = 'i';
	}
	msr->numsamples = n;
	if (extra >= 2) {
		struct blkt_100_s b100;
		memset(&b100, 0, sizeof b100);
		b100.samprate = 40.0f;
		msr_addblockette(msr, (char *)&b100, sizeof b100, 100, 0);
	}
	if (extra >= 1) {
		struct blkt_1001_s b1001;
		memset(&b1001, 0, sizeof b1001);
		msr_addblockette(msr, (char *)&b1001, sizeof b1001, 1001, 0);
	}
	int64_t packed = 0;
	int before = nrecs;
	ms_loginit(mref_log, NULL, mref_diag, NULL);
	int r = msr_pack(msr, grab, NULL, &packed, 1, 0);
	msr->datasamples = NULL;
	msr_free(&msr);
	return r > 0 && packed == n ? nrecs - before : -1;
}

static int compare_at(const uint8_t *r, size_t len, const char *what)
{
	char why[512];
	int bad = mref_compare(r, len, 0, xa, xb, why, sizeof why) ||
	          mref_compare(r, len, 1, xa, xb, why, sizeof why);
	if (bad)
		printf("# %s: %s\n", what, why);
	return !bad;
}

static void packed_records(void)
{
	static const int encs[] = {DE_INT16, DE_INT32, DE_FLOAT32, DE_FLOAT64, DE_STEIM1, DE_STEIM2};
	static const int lens[] = {256, 512, 4096};
	for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++)
		for (int bo = 0; bo <= 1; bo++)
			for (size_t l = 0; l < 3; l++) {
				int first = nrecs;
				int ok1 = 1, total = 0;
				/* widths: 4-bit, 8, 16, 30 and a mix */
				static const int widths[] = {3, 5, 7, 9, 14, 16, 28, 0};
				for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
					if (pack(encs[e], bo, lens[l], 1500, widths[w], (int)(w % 3)) < 0)
						ok1 = 0;
				for (int i = first; i < nrecs; i++) {
					total++;
					if (!compare_at(recs + rec_off[i], rec_len[i], "packed"))
						ok1 = 0;
				}
				ok(ok1 && total > 0, "encoding %d, %s, %d-byte records: %d records agree",
				   encs[e], bo ? "big-endian" : "little-endian", lens[l], total);
			}
}

static void put16(uint8_t *p, unsigned v, int le)
{
	if (le) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	} else {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static unsigned get16(const uint8_t *p, int le)
{
	return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

/* The packed records that carry blockettes 100 and 1001, changed: their
 * rate, microseconds, a time correction applied or not, blockette 100
 * taken out of the chain (the rate then from the factor and multiplier,
 * every sign). */
static void header_variants(void)
{
	int tried = 0, good = 1;
	for (int i = 0; i < nrecs; i++) {
		const uint8_t *src = recs + rec_off[i];
		int le = get16(src + 20, 0) > 2100; /* the header's byte order */
		unsigned o100 = 0, o1001 = 0, o1000 = 0, prev100 = 0;
		for (unsigned off = get16(src + 46, le), prev = 0; off; prev = off, off = get16(src + off + 2, le)) {
			unsigned t = get16(src + off, le);
			if (t == 100) {
				o100 = off;
				prev100 = prev ? prev + 2 : 46; /* where the pointer to it is */
			} else if (t == 1001) {
				o1001 = off;
			} else if (t == 1000) {
				o1000 = off;
			}
		}
		if (!o100 || !o1001 || !o1000 || !prev100)
			continue;
		uint8_t r[4096];
		size_t len = rec_len[i];
		memcpy(r, src, len);
		float rate = 39.99f + (float)(i % 7) * 0.001f;
		uint32_t u;
		memcpy(&u, &rate, 4);
		for (int k = 0; k < 4; k++)
			r[o100 + 4 + k] = (uint8_t)(le ? u >> (8 * k) : u >> (24 - 8 * k));
		r[o1001 + 5] = (uint8_t)(int8_t)(i % 2 ? -37 : 45);
		int32_t corr = (i % 3) - 1;
		uint32_t c = (uint32_t)corr * 12345u;
		for (int k = 0; k < 4; k++)
			r[40 + k] = (uint8_t)(le ? c >> (8 * k) : c >> (24 - 8 * k));
		r[36] = (uint8_t)(i % 4 == 0 ? 0x02 : 0);
		tried++;
		if (!compare_at(r, len, "blockettes 100/1001"))
			good = 0;
		/* blockette 100 out of the chain: the rate from factor and multiplier */
		put16(r + prev100, get16(r + o100 + 2, le), le);
		r[39]--;
		put16(r + 32, (unsigned)(int16_t)((i % 5) - 2) * 7u, le);
		put16(r + 34, (unsigned)(int16_t)((i % 3) - 1) * 3u, le);
		if (!compare_at(r, len, "factor/multiplier"))
			good = 0;
	}
	ok(good && tried > 50, "%d records with blockettes 100, 1001, time corrections agree", tried);
}

/* ---- the real data ---- */

static void real_files(void)
{
	const char *env = getenv("MSPIPE_DATA");
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/waveforms", env && *env ? env : "../shared/data");
	DIR *d = opendir(dir);
	if (!d) {
		ok(1, "# SKIP no %s", dir);
		return;
	}
	struct dirent *e;
	int nfiles = 0;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".mseed"))
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 21];
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		size_t off = 0;
		int n = 0, good = 1;
		int64_t samples = 0;
		while (off + 128 <= len) {
			msp_mseed_hdr h;
			char err[200];
			if (msp_mseed_unpack_header(buf + off, len - off, &h, err, sizeof err) != MSP_OK) {
				printf("# %s at %zu: %s\n", e->d_name, off, err);
				good = 0;
				break;
			}
			if (!compare_at(buf + off, len - off, e->d_name))
				good = 0;
			grab((char *)buf + off, (int)h.reclen, NULL); /* for the damage below */
			samples += h.samplecnt;
			n++;
			off += h.reclen;
		}
		ok(good && off == len && n > 0, "%s: %d records, %lld samples, all agree with libmseed",
		   e->d_name, n, (long long)samples);
		nfiles++;
	}
	closedir(d);
	ok(nfiles >= 7, "%d real files compared", nfiles);
}

/* ---- damage ---- */

static void mutations(void)
{
	int n = 30000, disagree = 0, accepted = 0;
	for (int it = 0; it < n && nrecs > 0; it++) {
		int i = (int)(next_rand() % (uint64_t)nrecs);
		uint8_t r[4096];
		size_t len = rec_len[i];
		memcpy(r, recs + rec_off[i], len);
		int nm = 1 + (int)(next_rand() % 4);
		for (int m = 0; m < nm; m++) {
			/* half the changes in the first 128 bytes (header, blockettes,
			 * first frame), the rest anywhere */
			size_t at = next_rand() % 2 ? next_rand() % 128 : next_rand() % len;
			r[at] = next_rand() % 3 ? (uint8_t)next_rand() : (uint8_t)(r[at] ^ (1u << (next_rand() % 8)));
		}
		char why[512];
		if (mref_compare(r, len, 1, xa, xb, why, sizeof why) ||
		    mref_compare(r, len, 0, xa, xb, why, sizeof why)) {
			if (disagree++ < 5)
				printf("# mutation %d: %s\n", it, why);
		}
		mref_out o = {0};
		o.x = xb;
		mref_own(r, len, 1, &o);
		accepted += o.ok;
	}
	ok(disagree == 0, "%d damaged records: %d disagreements (%d accepted by both)", n, disagree,
	   accepted);
}

/* ---- known answers ---- */

static void known(void)
{
	char err[200] = "";
	msp_mseed_hdr h;
	nrecs = 0;
	nrec_bytes = 0;
	ok(pack(DE_STEIM2, 1, 512, 300, 7, 1) >= 1, "a Steim2 record");
	uint8_t r[512];
	memcpy(r, recs, 512);
	ok(msp_mseed_unpack_header(r, 512, &h, err, sizeof err) == MSP_OK && h.samplecnt == 300 &&
	   h.encoding == 11 && h.data_be == 1 && h.reclen == 512 && h.dataoff == 64 &&
	   !strcmp(h.sta, "TEST") && !strcmp(h.loc, "00") && h.samprate == 40.0,
	   "header read (%s)", err);
	ok(h.starttime == 1299822383019512LL, "start time to the microsecond (blockette 1001): %lld",
	   (long long)h.starttime);
	ok(msp_mseed_unpack_samples(r, &h, xb, err, sizeof err) == MSP_OK, "samples decoded");
	/* Xn (word 2 of frame 0) changed: libmseed's integrity warning */
	r[64 + 11] ^= 1;
	ok(msp_mseed_unpack_samples(r, &h, xb, err, sizeof err) == MSP_ERR_DATA &&
	   strstr(err, "integrity"), "an Xn that does not match: %s", err);
	r[64 + 11] ^= 1;
	/* word 3 of frame 0 made code 2 with dnib 00: impossible */
	uint8_t *ctl = r + 64;
	ctl[0] = (uint8_t)((ctl[0] & ~0x03) | 0x02);
	r[64 + 12] &= 0x3f;
	ok(msp_mseed_unpack_samples(r, &h, xb, err, sizeof err) == MSP_ERR_DATA &&
	   strstr(err, "impossible"), "Steim2 code 10 with dnib 00: %s", err);
	/* year 2056 = 0x0808 reads the same both ways; day bytes 01 00 are 1
	 * little-endian and 256 big-endian: libmseed (and now the guard) try the
	 * host's order first, so a little-endian header is read as day 1 */
	nrecs = 0;
	nrec_bytes = 0;
	ok(pack(DE_STEIM2, 0, 512, 300, 7, 0) >= 1 && get16(recs + 20, 1) == 2011,
	   "a little-endian Steim2 record");
	memcpy(r, recs, 512);
	r[20] = 8;
	r[21] = 8;
	r[22] = 1;
	r[23] = 0;
	int rc = msp_mseed_unpack_header(r, 512, &h, err, sizeof err);
	ok(rc == MSP_OK && h.starttime / 1000000 / 86400 == 31411,
	   "2056: day 1 in the host's byte order (%s)", rc ? err : "ok");
	ok(compare_at(r, 512, "2056"), "2056 day 1/256: libmseed reads it the same way");
	/* two blockettes 1000: libmseed would take the second's length and
	 * encoding, the guard checked the first's */
	memcpy(r, recs, 512);
	ok(get16(r + 46, 1) == 48 && get16(r + 50, 1) == 0 && get16(r + 44, 1) == 64,
	   "packed record: blockette 1000 at 48 alone, data at 64");
	put16(r + 50, 56, 1);
	put16(r + 56, 1000, 1);
	put16(r + 58, 0, 1);
	r[60] = 0;
	r[61] = 0;
	r[62] = 12;
	r[39] = 2;
	ok(msp_mseed_record_check(r, 512, NULL, err, sizeof err) == MSP_ERR_FORMAT &&
	   strstr(err, "two blockettes 1000"), "two blockettes 1000 refused: %s", err);
}

int main(void)
{
	known();
	nrecs = 0;
	nrec_bytes = 0;
	packed_records();
	header_variants();
	real_files();
	mutations();
	free(recs);
	return done_testing();
}
