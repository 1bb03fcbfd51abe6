/*
 * test_stream.c - the record stream: round trips of random records, concatenation,
 * every cut and every single-bit flip detected, oversize lengths refused; the
 * pass-through path (runs of frames) byte for byte, stopping at a bad frame
 * after writing the ones before it, and where BSON is checked.
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
	return tap_xorshift(&rng);
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

/* A temporary file holding buf, positioned at its start (a regular file:
 * the reader gets whole blocks, so runs hold many frames). */
static FILE *file_of(const uint8_t *buf, size_t len)
{
	FILE *f = tmpfile();
	if (!f || fwrite(buf, 1, len, f) != len || fflush(f) || fseek(f, 0, SEEK_SET))
		return NULL;
	return f;
}

/* The whole content of f. */
static uint8_t *slurp(FILE *f, size_t *len)
{
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	uint8_t *b = malloc((size_t)n + 1);
	fseek(f, 0, SEEK_SET);
	*len = fread(b, 1, (size_t)n, f);
	return b;
}

/* Pass a stream through runs (what mscat does): msp_reader_next_frames into
 * msp_writer_put_frames, the end mark at a clean end, a flush (no end mark)
 * after an error.  Returns the reader's final status, the output, the
 * reader's message, the longest run and the records written. */
static int pass_runs(const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen, char *err,
                     size_t errlen, uint64_t *maxrun, uint64_t *written)
{
	FILE *fi = file_of(in, inlen), *fo = tmpfile();
	msp_reader *r;
	msp_writer *w;
	msp_reader_open(&r, fileno(fi), "stdin", 0);
	msp_writer_open(&w, fileno(fo), "stdout");
	const uint8_t *run;
	size_t len;
	uint64_t n;
	int rc;
	*maxrun = *written = 0;
	while ((rc = msp_reader_next_frames(r, &run, &len, &n)) == MSP_OK) {
		if (msp_writer_put_frames(w, run, len, n) != MSP_OK)
			return -100;
		if (n > *maxrun)
			*maxrun = n;
		*written += n;
	}
	if (rc == MSP_EOF)
		msp_writer_finish(w);
	else
		msp_writer_flush(w);
	snprintf(err, errlen, "%s", msp_reader_errmsg(r));
	msp_writer_close(w);
	msp_reader_close(r);
	*out = slurp(fo, outlen);
	fclose(fi);
	fclose(fo);
	return rc;
}

/* The record reader over a whole buffer (from a file): final status, records
 * before it and its message. */
static int records_of(const uint8_t *buf, size_t len, uint64_t *n, char *err, size_t errlen)
{
	FILE *f = file_of(buf, len);
	msp_reader *r;
	msp_reader_open(&r, fileno(f), "stdin", 0);
	msp_record *rec = msp_record_new();
	int rc;
	while ((rc = msp_reader_next(r, rec)) == MSP_OK)
		;
	*n = msp_reader_count(r);
	snprintf(err, errlen, "%s", msp_reader_errmsg(r));
	msp_record_free(rec);
	msp_reader_close(r);
	fclose(f);
	return rc;
}

/* 64 bytes that are not a frame. */
static const uint8_t *junk_of(void)
{
	static const uint8_t j[64] = "MSPRnot a frame at all";
	return j;
}

/* The payload CRC of the frame at f made right again after an edit. */
static void fix_payload_crc(uint8_t *f, size_t flen)
{
	uint32_t c = msp_crc32c(0, f + MSP_HEADER_SIZE, flen - MSP_HEADER_SIZE - 4);
	uint8_t le[4] = {(uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16), (uint8_t)(c >> 24)};
	memcpy(f + flen - 4, le, 4);
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
		int pa[2], pb[2], pc[2];
		if (pipe(pa) || pipe(pb) || pipe(pc))
			break;
		if (write(pa[1], fl, use) != (ssize_t)use || write(pb[1], fl, use) != (ssize_t)use ||
		    write(pc[1], fl, use) != (ssize_t)use)
			frame_ok = 0;
		close(pa[1]);
		close(pb[1]);
		close(pc[1]);
		msp_reader *ra, *rb, *rc3;
		msp_reader_open(&ra, pa[0], "stdin", 0);
		msp_reader_open(&rb, pb[0], "stdin", 0);
		msp_reader_open(&rc3, pc[0], "stdin", 0);
		/* the runs reader: the same frames as one span, then the same end */
		const uint8_t *run;
		size_t rlen, all_len = 0;
		uint64_t rn, all_n = 0;
		uint8_t *all = NULL;
		int sc;
		while ((sc = msp_reader_next_frames(rc3, &run, &rlen, &rn)) == MSP_OK) {
			all = realloc(all, all_len + rlen);
			memcpy(all + all_len, run, rlen);
			all_len += rlen;
			all_n += rn;
		}
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
		if (sc != sa || strcmp(msp_reader_errmsg(ra), msp_reader_errmsg(rc3)) ||
		    all_n != msp_reader_count(ra) || all_n != msp_reader_count(rc3))
			frame_ok = 0;
		/* the records before the end, as bytes, are the input's first bytes
		 * (frames are the stream's bytes and the runs skip no end mark
		 * between records: this stream has one, at its end) */
		if (all_len > use || (all_len && memcmp(all, fl, all_len)))
			frame_ok = 0;
		free(all);
		frame_cases++;
		msp_record_free(rec);
		msp_reader_close(ra);
		msp_reader_close(rb);
		msp_reader_close(rc3);
		close(pa[0]);
		close(pb[0]);
		close(pc[0]);
	}
	ok(frame_ok, "msp_reader_next_frame and _frames agree with msp_reader_next on %d cuts and flips",
	   frame_cases);
	free(fl);

	/* runs of frames (mscat's path): many small records and one larger than
	 * the I/O block, through msp_reader_next_frames and msp_writer_put_frames,
	 * come out as the identical stream, several frames per run */
	enum { NRUN = 300, BIGAT = 120 };
	msp_record *many[2 * NRUN];
	for (int i = 0; i < NRUN; i++)
		many[i] = many[NRUN + i] =
			random_record(i % 7 == 3 ? MSP_SEISMOGRAM : MSP_TIMESERIES,
			              i == BIGAT ? 200000 : (size_t)(next() % 3000), (int)(next() % 8), i % 11 == 0);
	size_t mlen, olen;
	uint8_t *ms = stream_of(many, NRUN, &mlen), *out;
	char err[256], err2[256];
	uint64_t maxrun, written, nrec;
	rc = pass_runs(ms, mlen, &out, &olen, err, sizeof err, &maxrun, &written);
	ok(rc == MSP_EOF && olen == mlen && memcmp(out, ms, mlen) == 0 && written == NRUN,
	   "%d records (one of 1.6 MB) pass through runs of frames byte for byte", NRUN);
	ok(maxrun > 1, "a run holds several frames (the longest: %llu)", (unsigned long long)maxrun);
	free(out);

	/* large frames (read to their end and no further, so that the next
	 * starts at the block's front), small ones after them, frames larger
	 * than the block; from a file, and from a pipe fed in odd pieces */
	{
		enum { NL = 18 };
		msp_record *large[NL];
		for (int i = 0; i < NL; i++)
			large[i] = random_record(MSP_TIMESERIES, i < 8 ? 50000 : i < 14 ? 100 : 200000, 3, 0);
		size_t llen;
		uint8_t *ls = stream_of(large, NL, &llen);
		rc = pass_runs(ls, llen, &out, &olen, err, sizeof err, &maxrun, &written);
		ok(rc == MSP_EOF && olen == llen && memcmp(out, ls, llen) == 0 && written == NL,
		   "frames of 400 KB, 1 KB and 1.6 MB pass through runs byte for byte");
		free(out);
		int pp[2];
		if (pipe(pp) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				close(pp[0]);
				for (size_t off = 0; off < llen;) {
					size_t k = llen - off < 7001 ? llen - off : 7001;
					if (write(pp[1], ls + off, k) != (ssize_t)k)
						_exit(1);
					off += k;
				}
				_exit(0);
			}
			close(pp[1]);
			msp_reader *r;
			msp_reader_open(&r, pp[0], "stdin", 0);
			const uint8_t *run;
			size_t len, at = 0;
			uint64_t n, total = 0;
			int same_bytes = 1;
			while ((rc = msp_reader_next_frames(r, &run, &len, &n)) == MSP_OK) {
				if (at + len > llen || memcmp(ls + at, run, len))
					same_bytes = 0;
				at += len;
				total += n;
			}
			ok(rc == MSP_EOF && same_bytes && total == NL && at == llen - MSP_ENDMARK_SIZE,
			   "the same from a pipe written 7001 bytes at a time");
			msp_reader_close(r);
			close(pp[0]);
			waitpid(pid, NULL, 0);
		}
		for (int i = 0; i < NL; i++)
			msp_record_free(large[i]);
		free(ls);
	}

	/* two concatenated streams (an end mark between): one stream, one mark */
	uint8_t *twice = malloc(2 * mlen);
	memcpy(twice, ms, mlen);
	memcpy(twice + mlen, ms, mlen);
	size_t jlen;
	uint8_t *joined = stream_of(many, 2 * NRUN, &jlen);
	rc = pass_runs(twice, 2 * mlen, &out, &olen, err, sizeof err, &maxrun, &written);
	ok(rc == MSP_EOF && olen == jlen && memcmp(out, joined, jlen) == 0,
	   "two streams through runs: one stream with one end mark counting %d", 2 * NRUN);
	free(out);
	free(twice);
	free(joined);

	/* a bad frame in the middle of what would be a run: the frames before it
	 * are written, the error is the record reader's, the output has no end
	 * mark (a reader of it says the producer stopped early) */
	size_t offk = 0;
	const int BAD = 200;
	for (int i = 0; i < BAD; i++) {
		uint8_t *b;
		size_t l;
		msp_record_encode(many[i], &b, &l);
		offk += l;
		free(b);
	}
	uint8_t *bad = malloc(mlen);
	memcpy(bad, ms, mlen);
	bad[offk + MSP_HEADER_SIZE + 3] ^= 0x40; /* inside the metadata: payload CRC */
	rc = pass_runs(bad, mlen, &out, &olen, err, sizeof err, &maxrun, &written);
	int rrc = records_of(bad, mlen, &nrec, err2, sizeof err2);
	ok(rc == MSP_ERR_CHECKSUM && rrc == rc && strcmp(err, err2) == 0 && nrec == BAD,
	   "a bad payload in record %d: the same error as the record reader (%s)", BAD + 1, err);
	ok(written == BAD && olen == offk && memcmp(out, bad, offk) == 0,
	   "the %d records before it are written, byte for byte, and nothing after", BAD);
	rrc = records_of(out, olen, &nrec, err2, sizeof err2);
	ok(rrc == MSP_ERR_NOEND && nrec == BAD, "the output is not a complete stream (%s)", err2);
	free(out);
	/* the same with a bad header checksum */
	memcpy(bad, ms, mlen);
	bad[offk + 20] ^= 1;
	rc = pass_runs(bad, mlen, &out, &olen, err, sizeof err, &maxrun, &written);
	rrc = records_of(bad, mlen, &nrec, err2, sizeof err2);
	ok(rc == MSP_ERR_CHECKSUM && strcmp(err, err2) == 0 && written == BAD && olen == offk &&
	   memcmp(out, bad, offk) == 0, "a bad header in record %d: %s; %d records written", BAD + 1, err, BAD);
	free(out);
	free(bad);

	/* msp_writer_put_frames takes exactly nframes frames, nothing else */
	{
		FILE *fo = tmpfile();
		msp_writer *w;
		msp_writer_open(&w, fileno(fo), "stdout");
		uint8_t *f1;
		size_t l1;
		msp_record_encode(many[1], &f1, &l1);
		uint8_t *two = malloc(2 * l1);
		memcpy(two, f1, l1);
		memcpy(two + l1, f1, l1);
		ok(msp_writer_put_frames(w, two, 2 * l1, 1) == MSP_ERR_INVAL &&
		   msp_writer_put_frames(w, two, 2 * l1, 3) == MSP_ERR_INVAL &&
		   msp_writer_put_frames(w, two, 2 * l1 - 1, 2) == MSP_ERR_INVAL &&
		   msp_writer_put_frames(w, two, 0, 0) == MSP_ERR_INVAL &&
		   msp_writer_put_frame(w, two, l1 + 1) == MSP_ERR_INVAL &&
		   msp_writer_put_frames(w, junk_of(), 64, 1) == MSP_ERR_INVAL && msp_writer_count(w) == 0,
		   "msp_writer_put_frames refuses a wrong count, a cut run, no frame and junk");
		ok(msp_writer_put_frames(w, two, 2 * l1, 2) == MSP_OK && msp_writer_finish(w) == MSP_OK &&
		   msp_writer_count(w) == 2, "and writes two frames as one run");
		msp_writer_close(w);
		size_t got;
		uint8_t *b = slurp(fo, &got);
		rrc = records_of(b, got, &nrec, err2, sizeof err2);
		ok(rrc == MSP_EOF && nrec == 2, "which read back as a complete stream of 2");
		free(b);
		free(two);
		free(f1);
		fclose(fo);
	}

	/* BSON: the frame path checks the documents' framing (the same words as
	 * the record reader) but not their contents, which the record reader
	 * (every tool that decodes records) validates */
	{
		msp_record *one[1] = {many[1]};
		size_t l;
		uint8_t *st = stream_of(one, 1, &l);
		size_t flen = l - MSP_ENDMARK_SIZE;
		uint32_t mlen0 = (uint32_t)st[12] | (uint32_t)st[13] << 8;
		ok(mlen0 > 12, "the test record has metadata (%u bytes)", mlen0);
		uint8_t *v = malloc(l);
		/* an element of unknown type 0x20 inside a well-framed document */
		memcpy(v, st, l);
		v[MSP_HEADER_SIZE + 4] = 0x20;
		fix_payload_crc(v, flen);
		rc = pass_runs(v, l, &out, &olen, err, sizeof err, &maxrun, &written);
		ok(rc == MSP_EOF && olen == l && memcmp(out, v, l) == 0,
		   "a well-framed document with bad contents passes the frame path as bytes");
		rrc = records_of(out, olen, &nrec, err2, sizeof err2);
		ok(rrc == MSP_ERR_FORMAT && strstr(err2, "malformed BSON document in record") != NULL,
		   "and the record reader refuses it: %s", err2);
		free(out);
		/* a document whose own length word disagrees with the header */
		memcpy(v, st, l);
		v[MSP_HEADER_SIZE] ^= 1;
		fix_payload_crc(v, flen);
		rc = pass_runs(v, l, &out, &olen, err, sizeof err, &maxrun, &written);
		rrc = records_of(v, l, &nrec, err2, sizeof err2);
		ok(rc == MSP_ERR_FORMAT && rrc == rc && strcmp(err, err2) == 0 && olen == 0,
		   "a document length that disagrees with the header: both refuse (%s)", err);
		free(out);
		/* a document that does not end with its 0 byte */
		memcpy(v, st, l);
		v[MSP_HEADER_SIZE + mlen0 - 1] = 1;
		fix_payload_crc(v, flen);
		rc = pass_runs(v, l, &out, &olen, err, sizeof err, &maxrun, &written);
		rrc = records_of(v, l, &nrec, err2, sizeof err2);
		ok(rc == MSP_ERR_FORMAT && rrc == rc && strcmp(err, err2) == 0 && olen == 0,
		   "a document without its final 0: both refuse (%s)", err);
		free(out);
		free(v);
		free(st);
	}
	for (int i = 0; i < NRUN; i++)
		msp_record_free(many[i]);
	free(ms);

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

	/* the history (and elog) documents equal to the previous record's are
	 * not validated again: a record whose history differs from the one
	 * before it only in a byte that breaks its UTF-8 is still refused */
	{
		msp_record *three[3] = {recs[0], recs[5], recs[2]};
		size_t l3;
		uint8_t *s3 = stream_of(three, 3, &l3);
		uint64_t nr;
		char e3[256];
		ok(records_of(s3, l3, &nr, e3, sizeof e3) == MSP_EOF && nr == 3,
		   "3 records with the same history read back");
		/* the third frame: its history is the last document before the samples */
		size_t off = 0;
		for (int i = 0; i < 2; i++) {
			uint8_t *h = s3 + off;
			uint64_t docs = (uint64_t)(h[12] | h[13] << 8 | h[14] << 16 | (uint32_t)h[15] << 24) +
			                (uint64_t)(h[48] | h[49] << 8) + (uint64_t)(h[52] | h[53] << 8);
			uint64_t np = 0;
			for (int k = 7; k >= 0; k--)
				np = np << 8 | h[40 + k];
			off += MSP_HEADER_SIZE + docs + np * 8 * (h[6] | h[7] << 8) + 4;
		}
		uint8_t *h = s3 + off;
		uint32_t mlen = (uint32_t)(h[12] | h[13] << 8), elen = (uint32_t)(h[48] | h[49] << 8);
		uint32_t hlen = (uint32_t)(h[52] | h[53] << 8);
		uint8_t *hist = h + MSP_HEADER_SIZE + mlen + elen;
		uint8_t *t = memmem(hist, hlen, "tool", 5);
		ok(t != NULL, "the third record's history has the key tool");
		t[0] = 0xff; /* a key that is not UTF-8 (libbson checks keys, not values) */
		fix_payload_crc(h, MSP_HEADER_SIZE + mlen + elen + hlen + 4);
		ok(records_of(s3, l3, &nr, e3, sizeof e3) == MSP_ERR_FORMAT && nr == 2 &&
		   strstr(e3, "malformed BSON document in record at record 3")  != NULL,
		   "a history equal in length but not in bytes is validated and refused: %s", e3);
		free(s3);
	}

	/* the reader's quick look at a document (certainly valid, or ask
	 * libbson) never accepts what bson_validate refuses: a metadata
	 * document with every kind of value a record holds, edited byte by
	 * byte, is read exactly when libbson says it is valid */
	{
		msp_record *m = msp_record_new();
		msp_record_resize(m, MSP_TIMESERIES, 4);
		bson_oid_t oid;
		bson_oid_init_from_string(&oid, "6b0175591ba209c0ee0983c1");
		BSON_APPEND_OID(m->meta, "wf_miniseed_id", &oid);
		BSON_APPEND_DOUBLE(m->meta, "starttime", 1299822700.4517);
		BSON_APPEND_UTF8(m->meta, "sta", "S0001");
		BSON_APPEND_UTF8(m->meta, "e", "");
		BSON_APPEND_INT32(m->meta, "n32", -5);
		BSON_APPEND_INT64(m->meta, "npts", 2000);
		BSON_APPEND_BOOL(m->meta, "has_gap", false);
		BSON_APPEND_NULL(m->meta, "nothing");
		BSON_APPEND_DATE_TIME(m->meta, "when", 1299822700451);
		bson_t sub, arr, el;
		BSON_APPEND_DOCUMENT_BEGIN(m->meta, "Parrival", &sub);
		BSON_APPEND_DOUBLE(&sub, "snr", 3.5);
		BSON_APPEND_UTF8(&sub, "phase", "P");
		bson_append_document_end(m->meta, &sub);
		BSON_APPEND_ARRAY_BEGIN(m->meta, "gaps", &arr);
		for (int i = 0; i < 11; i++) {
			char k[8];
			snprintf(k, sizeof k, "%d", i);
			bson_append_document_begin(&arr, k, -1, &el);
			BSON_APPEND_INT64(&el, "at", i);
			bson_append_document_end(&arr, &el);
		}
		bson_append_array_end(m->meta, &arr);
		msp_record_add_history(m, "t", "a");
		uint8_t *b0;
		size_t l0;
		msp_record_encode(m, &b0, &l0);
		uint32_t ml = (uint32_t)(b0[12] | b0[13] << 8);
		uint8_t *b = malloc(l0);
		msp_record *back = msp_record_new();
		static const uint8_t vals[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 0x0B, 0x0D, 0x10, 0x11, 0x12,
		                               0x13, 0x7F, 0xFF, 0x80, 0xC3, '$', '.', '0', '1', 'a'};
		int bad = 0, accepted = 0, refused = 0;
		for (int i = 0; i < 300000; i++) {
			memcpy(b, b0, l0);
			int edits = 1 + (int)(next() % 3);
			for (int e = 0; e < edits; e++) {
				size_t at = MSP_HEADER_SIZE + next() % ml;
				b[at] = next() & 1 ? vals[next() % sizeof vals] : (uint8_t)next();
			}
			fix_payload_crc(b, l0);
			int rc = msp_record_decode(back, b, l0, NULL, 0);
			bson_t view;
			size_t off;
			int want = bson_init_static(&view, b + MSP_HEADER_SIZE, ml) &&
			           bson_validate(&view, BSON_VALIDATE_NONE, &off);
			if (rc == MSP_OK)
				accepted++;
			else
				refused++;
			if ((rc == MSP_OK) != want || (rc != MSP_OK && rc != MSP_ERR_FORMAT))
				bad++;
		}
		ok(bad == 0 && accepted > 1000 && refused > 1000,
		   "300000 edited metadata documents: read exactly when bson_validate accepts them "
		   "(%d read, %d refused, %d differ)", accepted, refused, bad);
		free(b);
		free(b0);
		msp_record_free(back);
		msp_record_free(m);
	}

	/* the writer's bound: a record the readers with the same bound would
	 * refuse is refused (MSP_ERR_TOOBIG), nothing of it written; the
	 * writer goes on, and a reader with that bound takes what it wrote */
	{
		msp_record *a = random_record(MSP_TIMESERIES, 1000, 5, 0);
		msp_record *z = random_record(MSP_SEISMOGRAM, 1000, 5, 0);
		uint8_t *enc;
		size_t elen;
		msp_record_encode(a, &enc, &elen);
		FILE *fo = tmpfile();
		msp_writer *w;
		msp_writer_open(&w, fileno(fo), "stdout");
		msp_writer_set_max_record(w, elen);
		int r1 = msp_writer_put(w, a);
		int r2 = msp_writer_put(w, z);
		const char *msg = msp_writer_errmsg(w);
		ok(r1 == MSP_OK && r2 == MSP_ERR_TOOBIG, "a record of exactly the bound (%zu bytes) is written, "
		   "a larger one refused (%d, %d)", elen, r1, r2);
		ok(strstr(msg, "record 2 of 3000 samples") && strstr(msg, "exceeds the bound of"), "it is named: %s", msg);
		msp_writer_set_max_record(w, elen - 1);
		is(msp_writer_put(w, a), MSP_ERR_TOOBIG, "one byte less and the same record is refused");
		msp_writer_set_max_record(w, elen);
		int r3 = msp_writer_put(w, a);
		int r4 = msp_writer_finish(w);
		ok(r3 == MSP_OK && r4 == MSP_OK, "the writer goes on after a refusal");
		msp_writer_close(w);
		size_t olen;
		uint8_t *out = slurp(fo, &olen);
		fclose(fo);
		FILE *fi = file_of(out, olen);
		msp_reader *r;
		msp_reader_open(&r, fileno(fi), "stdin", elen);
		msp_record *got = msp_record_new();
		int k = 0, rc2;
		while ((rc2 = msp_reader_next(r, got)) == MSP_OK)
			k += same(got, a);
		ok(rc2 == MSP_EOF && k == 2, "a reader bounded alike reads the 2 records written and the end mark (%d, %d)",
		   rc2, k);
		msp_reader_close(r);
		fclose(fi);
		free(out);
		free(enc);
		msp_record_free(got);
		msp_record_free(a);
		msp_record_free(z);
	}

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
