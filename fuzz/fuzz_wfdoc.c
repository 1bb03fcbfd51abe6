/*
 * fuzz_wfdoc.c - libFuzzer target for msread's document path: JSON lines
 * (msp_json_to_bson, as msread reads them), the collection inferred from a
 * document, msp_wf_doc_to_record, and msp_wf_load_samples on the file the
 * document points at.  The files live in a private scratch directory made
 * at start-up (a real-looking miniSEED record set copied from the seeds is
 * not needed: the target writes a small binary sample file and a small
 * miniSEED-shaped file); every document's "dir" is forced to that directory
 * so the fuzzer cannot make the target read /dev/zero or the whole disk,
 * while dfile, foff, nbytes, npts, format and the rest stay the fuzzer's.
 * A loaded record must agree with itself: live records have npts samples.
 * The fast JSON reader in its strict mode (msp_json_parse_strict, what
 * msp_json_to_bson tries first) must give libbson's document or nothing.
 */
#include <libmseed.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "msp_meta.h"
#include "msp_mseed.h"
#include "msp_record.h"
#include "msp_status.h"
#include "msp_wfdoc.h"
#include "../lib/json_internal.h"

static char scratch[64];

static void quiet(char *m) { (void)m; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ms_loginit(quiet, NULL, quiet, NULL);
	strcpy(scratch, "/tmp/fuzz_wfdoc.XXXXXX");
	if (!mkdtemp(scratch))
		abort();
	char p[128];
	/* a binary sample file: 64 doubles */
	snprintf(p, sizeof p, "%s/b.bin", scratch);
	FILE *f = fopen(p, "wb");
	for (int i = 0; f && i < 64; i++) {
		double v = i * 0.5;
		fwrite(&v, 8, 1, f);
	}
	if (f)
		fclose(f);
	/* a miniSEED file when the real data is beside the repository */
	const char *d = getenv("MSPIPE_DATA");
	char src[512];
	snprintf(src, sizeof src, "%s/waveforms/BW.BGLD..EHE.2008-01-01.steim1.10records.mseed",
	         d ? d : "../shared/data");
	FILE *in = fopen(src, "rb");
	snprintf(p, sizeof p, "%s/m.mseed", scratch);
	FILE *out = fopen(p, "wb");
	if (in && out) {
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			fwrite(buf, 1, n, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return 0;
}

static void one(const char *line, size_t n, msp_wf_reader *rd, msp_record *rec)
{
	bson_error_t jerr;
	bson_t *doc = msp_json_to_bson(line, (ssize_t)n, &jerr);
	/* the fast reader's strict mode gives libbson's document or nothing */
	bson_t *fast = msp_json_parse_strict(line, n);
	if (fast) {
		bson_t *ref = bson_new_from_json((const uint8_t *)line, (ssize_t)n, &jerr);
		if (!ref || !doc || !bson_equal(fast, ref) || !bson_equal(fast, doc))
			abort();
		bson_destroy(ref);
		bson_destroy(fast);
	}
	if (!doc)
		return;
	/* confine the files to the scratch directory */
	bson_t *d2 = bson_new();
	bson_copy_to_excluding_noinit(doc, d2, "dir", NULL);
	BSON_APPEND_UTF8(d2, "dir", scratch);
	bson_destroy(doc);
	const char *coll = msp_wf_infer_collection(d2);
	if (!coll)
		abort();
	char err[512];
	int rc = msp_wf_doc_to_record(d2, coll, rec, err, sizeof err);
	if (rc == MSP_OK) {
		const char *df = NULL;
		bson_iter_t it;
		if (bson_iter_init_find(&it, d2, "dfile") && BSON_ITER_HOLDS_UTF8(&it))
			df = bson_iter_utf8(&it, NULL);
		/* the file name stays inside the scratch directory */
		if (!df || (!strstr(df, "..") && !strchr(df, '/'))) {
			if (msp_wf_load_samples(rd, d2, rec) == MSP_OK && rec->live &&
			    rec->npts && !rec->data)
				abort(); /* a live record always has its samples */
		}
	} else if (!err[0]) {
		abort(); /* a refusal says why */
	}
	bson_destroy(d2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_wf_reader rd;
	memset(&rd, 0, sizeof rd);
	msp_filecache_init(&rd.files);
	rd.mseed.gaps = MSP_GAPS_ZERO;
	rd.mseed.rate_tolerance = 1e-4;
	rd.algorithm = "fuzz";
	msp_record *rec = msp_record_new();
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* msread hands the parser a NUL-terminated line */
		char *line = malloc(n + 1);
		memcpy(line, p, n);
		line[n] = '\0';
		one(line, n, &rd, rec);
		free(line);
		p += n + 1;
	}
	msp_record_free(rec);
	msp_filecache_close(&rd.files);
	return 0;
}
