/*
 * test_mseed_index.c - the miniSEED segment scanner.
 *
 * Synthetic files packed by libmseed test each segment rule (id change, rate
 * change, a tear of more than half a sample, jitter of less, a record without
 * samples, a corrupt record after good ones).  The real files in
 * ../shared/data/waveforms are compared with libmseed's own trace list
 * (ms_readmsr + mst_addmsrtogroup, independent of our scanner) and with the
 * facts in PROVENANCE.md.  The wf_miniseed document is checked key by key.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <libmseed.h>
#include "tap.h"
#include "msp_mseed.h"
#include "msp_mseed_index.h"
#include "msp_status.h"

static uint8_t file[1 << 16];
static size_t flen;

static void grab(char *rec, int len, void *h)
{
	(void)h;
	if (flen + (size_t)len <= sizeof file) {
		memcpy(file + flen, rec, (size_t)len);
		flen += (size_t)len;
	}
}

/* Append n samples as 512-byte Steim2 records. */
static void add(const char *sta, const char *chan, double rate, const char *start, int n)
{
	static int32_t data[20000];
	MSRecord *msr = msr_init(NULL);
	strcpy(msr->network, "XX");
	strcpy(msr->station, sta);
	strcpy(msr->channel, chan);
	msr->starttime = ms_timestr2hptime((char *)start);
	msr->samprate = rate;
	msr->reclen = 512;
	msr->encoding = DE_STEIM2;
	msr->byteorder = 1;
	msr->dataquality = 'D';
	for (int i = 0; i < n; i++)
		data[i] = (i * 7919) % 2001 - 1000;
	msr->datasamples = data;
	msr->numsamples = n;
	msr->sampletype = 'i';
	int64_t packed;
	msr_pack(msr, grab, NULL, &packed, 1, 0);
	msr->datasamples = NULL;
	msr_free(&msr);
}

static void test_rules(void)
{
	msp_mseed_index ix;

	flen = 0;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 3000);     /* several records */
	size_t first_end = flen;
	add("AAA", "BHZ", 20, "2011-01-01T00:02:30.02", 1000);  /* jitter 0.4 sample: same segment */
	add("AAA", "BHZ", 20, "2011-01-01T00:03:20.08", 1000);  /* tear 0.6 sample: new */
	add("AAA", "BHN", 20, "2011-01-01T00:04:10.08", 500);   /* id change */
	add("AAA", "BHN", 40, "2011-01-01T00:04:35.08", 500);   /* rate change */
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen, 0, &ix), MSP_OK, "synthetic file scans");
	is(ix.nseg, 4, "4 segments: jitter joins, tear/id/rate split");
	if (ix.nseg == 4) {
		is(ix.seg[0].foff, 0, "segment 1 at byte 0");
		is(ix.seg[0].nsamples, 4000, "segment 1 holds 4000 samples");
		is(ix.seg[0].npts, 4000, "segment 1 npts on the grid = 4000");
		ok(ix.seg[0].nbytes > first_end, "segment 1 spans the jittered records");
		is(ix.seg[1].foff, ix.seg[0].foff + ix.seg[0].nbytes, "segment 2 starts where 1 ends");
		near(ix.seg[1].starttime - ix.seg[0].starttime, 200.08, 1e-6, "segment 2 start");
		is(ix.seg[1].npts, 1000, "segment 2 npts");
		near(ix.seg[1].endtime, ix.seg[1].starttime + 999 / 20.0, 1e-9, "endtime = start + (npts-1)/rate");
		ok(!strcmp(ix.seg[2].chan, "BHN"), "segment 3 is BHN");
		near(ix.seg[3].sampling_rate, 40, 0, "segment 4 at 40 sps");
		is(ix.seg[3].foff + ix.seg[3].nbytes, flen, "last segment ends at the end of the file");
		is(ix.nrecords, flen / 512, "every record indexed");
	}
	msp_mseed_index_free(&ix);

	/* A corrupt record after good ones: what came before is kept. */
	flen = 0;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 2000);
	size_t good = flen;
	add("AAA", "BHZ", 20, "2011-01-01T00:01:40", 500);
	file[good + 6] = '#';                    /* damage the next record's quality code */
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen, 0, &ix), MSP_ERR_FORMAT, "corrupt record stops the scan");
	is(ix.err_offset, good, "error offset names the bad record (%s)", ix.err);
	is(ix.nseg, 1, "segment before the corrupt record kept");
	if (ix.nseg == 1) {
		is(ix.seg[0].nsamples, 2000, "with all its samples");
		is(ix.seg[0].nbytes, good, "and its bytes");
	}
	msp_mseed_index_free(&ix);

	/* The libmseed 2.19.8 trap: an ASCII record claiming more samples than it holds. */
	flen = 0;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 500);
	good = flen;
	add("AAA", "BHZ", 20, "2011-01-01T00:01:40", 100);
	file[good + 52] = 0;                     /* encoding ASCII */
	file[good + 30] = 0x17; file[good + 31] = 0x10; /* 5904 samples */
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen, 0, &ix), MSP_ERR_FORMAT, "ASCII over-count refused before libmseed");
	is(ix.nseg, 1, "good segment kept");
	msp_mseed_index_free(&ix);

	/* A cut file: the last record is incomplete. */
	flen = 0;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 1000);
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen - 100, 0, &ix), MSP_ERR_TRUNCATED, "cut file: truncated (%s)", ix.err);
	is(ix.nseg, 1, "cut file: complete records kept");
	msp_mseed_index_free(&ix);

	/* Full SEED: a volume header first and a station header in between are
	 * skipped (libmseed's MSF_SKIPNOTDATA); the first segment starts at 0. */
	flen = 0;
	memset(file, ' ', 512);
	memcpy(file, "000001V 0100056 2.4121992,001,00:00:00.0000~", 44);
	flen = 512;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 1000);
	size_t mid = flen;
	memset(file + flen, ' ', 1024);
	memcpy(file + flen, "000009S 0500169AAA  ", 20);
	memcpy(file + flen + 512, "000010S*0520020", 15);
	flen += 1024;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:50", 1000);
	ok(msp_mseed_detect(file, flen), "full SEED volume detected as miniSEED");
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen, 0, &ix), MSP_OK, "control headers skipped (%s)", ix.err);
	is(ix.nseg, 2, "control header between records ends the segment");
	is(ix.nskipped_bytes, 1536, "1536 bytes of control headers skipped");
	if (ix.nseg == 2) {
		is(ix.seg[0].foff, 0, "first segment keeps the leading volume header (foff 0)");
		is(ix.seg[0].nbytes, mid, "first segment ends before the station header");
		is(ix.seg[1].foff, mid + 1024, "second segment starts after it");
		is(ix.seg[0].npts + ix.seg[1].npts, 2000, "all samples indexed");
	}
	msp_mseed_index_free(&ix);
	/* A damaged data record right after a control header still stops the scan. */
	file[mid + 1024 + 6] = '#';
	file[mid + 1024 + 7] = 0;
	memcpy(file + mid + 1024, "000011D", 7);
	file[mid + 1024 + 24] = 77; /* hour 77 */
	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, flen, 0, &ix), MSP_ERR_FORMAT, "bad data record after a header: %s", ix.err);
	is(ix.err_offset, mid + 1024, "at its offset");
	msp_mseed_index_free(&ix);
	flen = 0;
	add("AAA", "BHZ", 20, "2011-01-01T00:00:00", 1000);

	msp_mseed_index_init(&ix);
	is(msp_mseed_index_buffer(file, 0, 0, &ix), MSP_OK, "empty buffer");
	is(ix.nseg, 0, "no segments in nothing");
	msp_mseed_index_free(&ix);

	ok(!msp_mseed_detect((const uint8_t *)"<?xml version=\"1.0\"?><FDSNStationXML>......................", 60),
	   "XML is not miniSEED");
	ok(msp_mseed_detect(file, 100), "a record's head is detected as miniSEED");

	msp_mseed_index_init(&ix);
	is(msp_mseed_index_file("/nonexistent/x.mseed", 0, &ix), MSP_ERR_IO, "missing file: I/O error");
	msp_mseed_index_free(&ix);
}

static void test_doc(void)
{
	msp_mseed_segment s;
	memset(&s, 0, sizeof s);
	strcpy(s.net, "BW"); strcpy(s.sta, "BGLD"); strcpy(s.chan, "EHE");
	s.sampling_rate = 200; s.starttime = 1199145599.915; s.npts = 412;
	s.endtime = s.starttime + 411 / 200.0; s.foff = 0; s.nbytes = 2048;
	bson_t *d = msp_mseed_segment_doc(&s, "/data", "f.mseed", 0);
	bson_iter_t it;
	ok(d != NULL, "document built");
	ok(!bson_iter_init_find(&it, d, "loc"), "empty loc not written");
	const char *want[] = {"net", "sta", "chan", "sampling_rate", "delta", "starttime",
			      "last_packet_time", "npts", "endtime", "foff", "nbytes",
			      "sample_rate_tolerance", "storage_mode", "format", "dir", "dfile",
			      "time_standard"};
	int have = 0;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		have += bson_iter_init_find(&it, d, want[i]);
	is(have, 17, "all wf_miniseed keys present");
	is(bson_count_keys(d), 17, "and no others");
	ok(bson_iter_init_find(&it, d, "delta") && fabs(bson_iter_double(&it) - 0.005) < 1e-15, "delta = 1/rate");
	ok(bson_iter_init_find(&it, d, "storage_mode") && !strcmp(bson_iter_utf8(&it, NULL), "file"), "storage_mode file");
	ok(bson_iter_init_find(&it, d, "format") && !strcmp(bson_iter_utf8(&it, NULL), "mseed"), "format mseed");
	ok(bson_iter_init_find(&it, d, "time_standard") && !strcmp(bson_iter_utf8(&it, NULL), "UTC"), "time_standard UTC");
	bson_destroy(d);
	strcpy(s.loc, "00");
	d = msp_mseed_segment_doc(&s, "/data", "f.mseed", 0);
	ok(bson_iter_init_find(&it, d, "loc") && !strcmp(bson_iter_utf8(&it, NULL), "00"), "non-empty loc written");
	bson_destroy(d);
}

/* libmseed's own view: every record, decoded (mst_addmsrtogroup only joins
 * records whose samples it has), through mst_addmsrtogroup. */
static int libmseed_traces(const char *path, MSTraceGroup **out)
{
	MSRecord *msr = NULL;
	MSTraceGroup *g = mst_initgroup(NULL);
	int rc;
	while ((rc = ms_readmsr(&msr, (char *)path, 0, NULL, NULL, 1, 1, 0)) == MS_NOERROR)
		mst_addmsrtogroup(g, msr, 0, -1.0, -1.0);
	ms_readmsr(&msr, NULL, 0, NULL, NULL, 0, 0, 0);
	*out = g;
	return rc == MS_ENDOFFILE ? 0 : -1;
}

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
	int files = 0;
	size_t total = 0;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".mseed"))
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		msp_mseed_index ix;
		msp_mseed_index_init(&ix);
		int rc = msp_mseed_index_file(path, 0, &ix);
		files++;
		is(rc, MSP_OK, "%s indexed", de->d_name);
		MSTraceGroup *g;
		ok(libmseed_traces(path, &g) == 0, "%s read by libmseed", de->d_name);
		is(ix.nseg, g->numtraces, "%s: %zu segments, libmseed trace list has %d",
		   de->d_name, ix.nseg, g->numtraces);
		int matched = 0;
		for (MSTrace *t = g->traces; t; t = t->next) {
			for (size_t i = 0; i < ix.nseg; i++) {
				msp_mseed_segment *s = &ix.seg[i];
				if (strcmp(s->net, t->network) || strcmp(s->sta, t->station) ||
				    strcmp(s->loc, t->location) || strcmp(s->chan, t->channel))
					continue;
				if (fabs(s->starttime - (double)t->starttime / HPTMODULUS) > 1e-6)
					continue;
				if (s->npts == t->samplecnt && s->nsamples == t->samplecnt &&
				    fabs(s->endtime - (double)t->endtime / HPTMODULUS) < 1e-6 &&
				    fabs(s->sampling_rate - t->samprate) < 1e-9)
					matched++;
				break;
			}
		}
		is(matched, g->numtraces, "%s: every libmseed trace matches a segment "
		   "(id, start, npts, end, rate)", de->d_name);
		/* Segments tile the file. */
		uint64_t pos = 0;
		int tiled = 1;
		for (size_t i = 0; i < ix.nseg; i++) {
			tiled &= ix.seg[i].foff == pos;
			pos = ix.seg[i].foff + ix.seg[i].nbytes;
		}
		ok(tiled, "%s: segments follow each other in the file", de->d_name);

		if (strstr(de->d_name, "gaps")) {
			static const char *starts[] = {"2007-12-31T23:59:59.915", "2008-01-01T00:00:04.035",
						       "2008-01-01T00:00:10.215", "2008-01-01T00:00:18.455"};
			static const int64_t n[] = {412, 824, 824, 50668};
			is(ix.nseg, 4, "BW.BGLD gaps file: 4 segments (PROVENANCE)");
			for (size_t i = 0; i < 4 && i < ix.nseg; i++) {
				double t = (double)ms_timestr2hptime((char *)starts[i]) / HPTMODULUS;
				near(ix.seg[i].starttime, t, 1e-6, "gap segment %zu starts %s", i + 1, starts[i]);
				is(ix.seg[i].npts, n[i], "gap segment %zu npts", i + 1);
			}
		}
		if (strstr(de->d_name, "NL.HGN") && ix.nseg == 1) {
			is(ix.seg[0].npts, 11947, "%s: 11947 samples", de->d_name);
			near(ix.seg[0].sampling_rate, 40, 0, "%s: 40 sps", de->d_name);
			ok(!strcmp(ix.seg[0].loc, "00"), "%s: loc 00", de->d_name);
		}
		if (strstr(de->d_name, "IV.BOB")) {
			is(ix.nseg, 3, "IV.BOB: three channels");
			static const int64_t n[] = {73468, 73555, 73618};
			for (size_t i = 0; i < 3 && i < ix.nseg; i++)
				is(ix.seg[i].npts, n[i], "IV.BOB %s npts", ix.seg[i].chan);
		}
		if (strstr(de->d_name, "CX.PB01"))
			is(ix.nseg, 39, "CX.PB01: 13 windows x 3 channels");
		total += ix.nseg;
		mst_freegroup(&g);
		msp_mseed_index_free(&ix);
	}
	closedir(d);
	is(files, 8, "8 real files");
	is(total, 3 + 2 + 39 + 3 + 1 + 1 + 1 + 4, "54 segments in all");
}

int main(void)
{
	test_rules();
	test_doc();
	test_real();
	return done_testing();
}
