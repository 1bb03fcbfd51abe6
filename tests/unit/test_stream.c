/*
 * test_stream.c - the record stream: round trips of random records, concatenation,
 * every cut and every single-bit flip detected, oversize lengths refused.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "tap.h"
#include "msp_stream.h"
#include "msp_meta.h"
#include "msp_status.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static double unif(void) { return (double)(next() >> 11) / 9007199254740992.0; }

static msp_record *random_record(int kind, size_t npts, int nmeta, int dead)
{
	msp_record *r = msp_record_new();
	msp_record_resize(r, kind, npts);
	for (size_t i = 0; i < msp_record_nsamples(r); i++)
		r->data[i] = (unif() - 0.5) * 1e6;
	r->t0 = 1.3e9 + unif() * 1e8;
	r->dt = 0.025;
	r->tref = next() & 1 ? MSP_TREF_UTC : MSP_TREF_RELATIVE;
	r->t0shift = unif() * 1e9;
	r->t0shift_valid = r->tref == MSP_TREF_RELATIVE;
	for (int k = 0; k < nmeta; k++) {
		char key[32];
		snprintf(key, sizeof key, "key%d", k);
		if (k % 3 == 0)
			msp_meta_set_double(r->meta, key, unif());
		else if (k % 3 == 1)
			msp_meta_set_string(r->meta, key, "IU.ANMO.00.BHZ \"quoted\" \xc3\xa9");
		else
			msp_meta_set_int64(r->meta, key, (int64_t)next());
	}
	if (dead)
		msp_record_kill(r, "test", "killed on purpose %d", 42);
	msp_record_add_history(r, "test_stream", "--random");
	return r;
}

static int same(const msp_record *a, const msp_record *b)
{
	if (a->kind != b->kind || a->npts != b->npts || a->live != b->live || a->tref != b->tref ||
	    a->t0shift_valid != b->t0shift_valid || a->t0 != b->t0 || a->dt != b->dt ||
	    a->t0shift != b->t0shift || a->nelog != b->nelog || a->nhistory != b->nhistory)
		return 0;
	if (a->npts && memcmp(a->data, b->data, msp_record_nsamples(a) * 8))
		return 0;
	return bson_equal(a->meta, b->meta) && bson_equal(a->elog, b->elog) &&
	       bson_equal(a->history, b->history);
}

/* Encode a list of records plus end mark into one buffer. */
static uint8_t *stream_of(msp_record **recs, int n, size_t *len)
{
	size_t total = 0;
	uint8_t *out = NULL;
	for (int i = 0; i < n; i++) {
		uint8_t *b;
		size_t l;
		msp_record_encode(recs[i], &b, &l);
		out = realloc(out, total + l);
		memcpy(out + total, b, l);
		total += l;
		free(b);
	}
	out = realloc(out, total + MSP_ENDMARK_SIZE);
	msp_endmark_encode(out + total, (uint64_t)n);
	*len = total + MSP_ENDMARK_SIZE;
	return out;
}

/* Read a whole buffer through a pipe-backed reader; returns final status and count. */
static int read_all(const uint8_t *buf, size_t len, int *count, msp_record **check, uint64_t bound)
{
	int fds[2];
	if (pipe(fds))
		return -100;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		size_t off = 0;
		while (off < len) {
			ssize_t k = write(fds[1], buf + off, len - off);
			if (k <= 0)
				_exit(1);
			off += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	msp_reader *r;
	msp_reader_open(&r, fds[0], "test", bound);
	msp_record *rec = msp_record_new();
	int rc, n = 0, mismatch = 0;
	while ((rc = msp_reader_next(r, rec)) == MSP_OK) {
		if (check && !same(rec, check[n]))
			mismatch = 1;
		n++;
	}
	msp_record_free(rec);
	msp_reader_close(r);
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	*count = n;
	return mismatch ? -99 : rc;
}


int main(void)
{
	/* round trip, both kinds, empty and large metadata, npts 0, dead with elog */
	msp_record *recs[8];
	recs[0] = random_record(MSP_TIMESERIES, 1000, 5, 0);
	recs[1] = random_record(MSP_SEISMOGRAM, 777, 0, 0);
	recs[2] = random_record(MSP_TIMESERIES, 0, 0, 0);
	recs[3] = random_record(MSP_SEISMOGRAM, 0, 3, 1);
	recs[4] = random_record(MSP_TIMESERIES, 300000, 2000, 1);
	recs[5] = random_record(MSP_TIMESERIES, 1, 1, 0);
	recs[6] = random_record(MSP_SEISMOGRAM, 5000, 50, 0);
	recs[7] = random_record(MSP_TIMESERIES, 17, 0, 1);
	size_t len;
	uint8_t *s = stream_of(recs, 8, &len);
	int n;
	int rc = read_all(s, len, &n, recs, 0);
	is(rc, MSP_EOF, "8 random records round trip to EOF");
	is(n, 8, "8 records read back identical");

	/* memory decode of one record */
	msp_record *back = msp_record_new();
	size_t used;
	ok(msp_record_decode(back, s, len, &used, 0) == MSP_OK && same(back, recs[0]),
	   "msp_record_decode gives the first record back");

	/* concatenation: two streams one after another are one valid stream */
	size_t len2 = 2 * len;
	uint8_t *cat = malloc(len2);
	memcpy(cat, s, len);
	memcpy(cat + len, s, len);
	msp_record *both[16];
	for (int i = 0; i < 16; i++)
		both[i] = recs[i % 8];
	rc = read_all(cat, len2, &n, both, 0);
	ok(rc == MSP_EOF && n == 16, "two concatenated streams read as 16 records");
	free(cat);

	/* a smaller stream for the exhaustive cut and flip tests */
	msp_record *small[3] = {random_record(MSP_TIMESERIES, 20, 3, 0),
	                        random_record(MSP_SEISMOGRAM, 5, 1, 1),
	                        random_record(MSP_TIMESERIES, 0, 0, 0)};
	size_t slen;
	uint8_t *ss = stream_of(small, 3, &slen);
	int cut_ok = 1, cut_tested = 0;
	for (size_t cut = 0; cut < slen; cut++) {
		/* decode from memory: every proper prefix must end in an error */
		msp_record *rec = msp_record_new();
		int got = 0;
		size_t off = 0;
		int st = MSP_OK;
		/* feed through the memory reader repeatedly */
		while (st == MSP_OK) {
			size_t u = 0;
			st = msp_record_decode(rec, ss + off, cut - off, &u, 0);
			if (st == MSP_OK) {
				if (!same(rec, small[got]))
					cut_ok = 0;
				got++;
				off += u;
			}
		}
		/* a prefix ending on a record boundary has no end mark: still an error */
		if (st >= 0)
			cut_ok = 0;
		cut_tested++;
		msp_record_free(rec);
		int cnt;
		int prc = read_all(ss, cut, &cnt, small, 0);
		if (prc >= 0)
			cut_ok = 0;
	}
	ok(cut_ok, "every one of %d cuts of a 3-record stream is an error, never a wrong record", cut_tested);

	int flip_ok = 1, flips = 0;
	uint8_t *fl = malloc(slen);
	for (size_t byte = 0; byte < slen; byte++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(fl, ss, slen);
			fl[byte] ^= (uint8_t)(1u << bit);
			int cnt;
			int prc = read_all(fl, slen, &cnt, NULL, 0);
			flips++;
			if (prc >= 0)
				flip_ok = 0;
		}
	ok(flip_ok, "every one of %d single-bit flips is detected", flips);

	/* the frame path (mscat's) agrees with the record path on every cut and
	 * every flip: same status, same message, same records as bytes */
	int frame_ok = 1, frame_cases = 0;
	for (size_t variant = 0; variant < 2 * slen + 1; variant++) {
		size_t use = slen;
		memcpy(fl, ss, slen);
		if (variant < slen)
			use = variant;                    /* a cut */
		else if (variant < 2 * slen)
			fl[variant - slen] ^= 0x10;       /* a flip */
		int pa[2], pb[2];
		if (pipe(pa) || pipe(pb))
			break;
		if (write(pa[1], fl, use) != (ssize_t)use || write(pb[1], fl, use) != (ssize_t)use)
			frame_ok = 0;
		close(pa[1]);
		close(pb[1]);
		msp_reader *ra, *rb;
		msp_reader_open(&ra, pa[0], "stdin", 0);
		msp_reader_open(&rb, pb[0], "stdin", 0);
		msp_record *rec = msp_record_new();
		int sa, sb = MSP_OK;
		const uint8_t *fr;
		size_t flen;
		while ((sa = msp_reader_next(ra, rec)) == MSP_OK) {
			uint8_t *enc;
			size_t elen;
			sb = msp_reader_next_frame(rb, &fr, &flen);
			msp_record_encode(rec, &enc, &elen);
			if (sb != MSP_OK || elen != flen || memcmp(enc, fr, flen))
				frame_ok = 0;
			free(enc);
		}
		sb = msp_reader_next_frame(rb, &fr, &flen);
		if (sa != sb || strcmp(msp_reader_errmsg(ra), msp_reader_errmsg(rb)))
			frame_ok = 0;
		frame_cases++;
		msp_record_free(rec);
		msp_reader_close(ra);
		msp_reader_close(rb);
		close(pa[0]);
		close(pb[0]);
	}
	ok(frame_ok, "msp_reader_next_frame agrees with msp_reader_next on %d cuts and flips", frame_cases);
	free(fl);

	/* oversize lengths are refused before allocating */
	msp_record *big = random_record(MSP_TIMESERIES, 100000, 0, 0);
	uint8_t *bb;
	size_t bl;
	msp_record_encode(big, &bb, &bl);
	msp_record *tmp = msp_record_new();
	is(msp_record_decode(tmp, bb, bl, NULL, 4096), MSP_ERR_TOOBIG, "a record beyond the bound is refused");
	/* forge a header claiming 2^60 samples with a valid header CRC */
	uint64_t huge = 1ull << 60;
	memcpy(bb + 40, &huge, 8);
	uint32_t hc = msp_crc32c(0, bb, 60);
	memcpy(bb + 60, &hc, 4);
	is(msp_record_decode(tmp, bb, bl, NULL, 0), MSP_ERR_TOOBIG, "a forged 2^60-sample length is refused");
	free(bb);

	/* bad magic and version */
	uint8_t junk[64] = "{\"net\": \"IU\"}";
	is(msp_record_decode(tmp, junk, sizeof junk, NULL, 0), MSP_ERR_MAGIC, "JSON is not a stream");
	msp_record_encode(small[0], &bb, &bl);
	bb[4] = 9;
	is(msp_record_decode(tmp, bb, bl, NULL, 0), MSP_ERR_VERSION, "an unknown version is reported");
	free(bb);

	/* end mark that miscounts: a lost record is detected */
	size_t l3;
	uint8_t *s3 = stream_of(small, 3, &l3);
	uint8_t mark[MSP_ENDMARK_SIZE];
	msp_endmark_encode(mark, 4);
	memcpy(s3 + l3 - MSP_ENDMARK_SIZE, mark, MSP_ENDMARK_SIZE);
	int cnt;
	is(read_all(s3, l3, &cnt, NULL, 0), MSP_ERR_FORMAT, "an end mark counting 4 after 3 records is an error");
	free(s3);

	/* history stays bounded */
	msp_record *h = msp_record_new();
	for (int i = 0; i < 100; i++)
		msp_record_add_history(h, "tool", "args");
	ok(h->nhistory == MSP_HISTORY_MAX && h->history_dropped == 100 - MSP_HISTORY_MAX,
	   "history keeps %d entries and counts the dropped", MSP_HISTORY_MAX);
	msp_record_free(h);

	/* crc32c check value */
	is(msp_crc32c(0, "123456789", 9), 0xE3069283u, "CRC-32C check value of \"123456789\"");

	for (int i = 0; i < 8; i++)
		msp_record_free(recs[i]);
	for (int i = 0; i < 3; i++)
		msp_record_free(small[i]);
	msp_record_free(big);
	msp_record_free(tmp);
	msp_record_free(back);
	free(s);
	free(ss);
	return done_testing();
}
