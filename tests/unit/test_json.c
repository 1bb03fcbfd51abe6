/*
 * test_json.c - the growable buffer, shortest round-trip doubles, a record
 * as one JSON line (exact text) and the stream summary.
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_json.h"
#include "msp_meta.h"
#include "msp_record.h"
#include "msp_status.h"

static void dbl_is(double v, const char *want)
{
	msp_buf b;
	msp_buf_init(&b);
	msp_buf_add_double(&b, v);
	msp_buf_add(&b, "", 1);
	ok(strcmp(b.p, want) == 0, "double %.17g as %s (got %s)", v, want, b.p);
	msp_buf_free(&b);
}

int main(void)
{
	msp_buf b;
	msp_buf_init(&b);
	for (int i = 0; i < 100000; i++)
		msp_buf_addf(&b, "%d,", i % 10);
	ok(b.len == 200000 && !b.failed && memcmp(b.p + 199990, "5,6,7,8,9,", 10) == 0, "buffer grows to 200000 bytes");
	msp_buf_reset(&b);
	ok(b.len == 0, "reset empties");
	msp_buf_free(&b);

	/* the shortest text that reads back (as Python's repr) */
	dbl_is(0.1, "0.1");
	dbl_is(1.0 / 3.0, "0.3333333333333333"); /* as Python repr */
	dbl_is(0.1 + 0.2, "0.30000000000000004");
	dbl_is(1299822383.2, "1299822383.2");
	dbl_is(0.025, "0.025");
	dbl_is(1e-300, "1e-300");
	dbl_is(-0.0, "-0");
	dbl_is(72000, "72000");
	dbl_is(1e21, "1e+21");
	dbl_is(NAN, "{\"$numberDouble\":\"NaN\"}");
	dbl_is(INFINITY, "{\"$numberDouble\":\"Infinity\"}");
	dbl_is(-INFINITY, "{\"$numberDouble\":\"-Infinity\"}");
	{
		/* every printed double reads back exactly */
		uint64_t x = 7;
		int bad = 0;
		msp_buf_init(&b);
		for (int i = 0; i < 20000; i++) {
			tap_xorshift(&x);
			double v;
			memcpy(&v, &x, 8);
			if (!isfinite(v))
				continue;
			msp_buf_reset(&b);
			msp_buf_add_double(&b, v);
			msp_buf_add(&b, "", 1);
			if (strtod(b.p, NULL) != v)
				bad++;
		}
		ok(bad == 0, "20000 random bit patterns read back exactly");
		msp_buf_free(&b);
	}

	/* a record as one JSON line */
	msp_record *r = msp_record_new();
	msp_record_resize(r, MSP_TIMESERIES, 3);
	r->data[0] = 1.5;
	r->data[1] = -2;
	r->data[2] = 0.1;
	r->t0 = 1299822383.2;
	r->dt = 0.05;
	msp_meta_set_string(r->meta, "sta", "ANMO");
	msp_record_add_history(r, "msx", "--a 1");
	msp_buf_init(&b);
	ok(msp_record_to_json(r, 1, &b) == MSP_OK, "record to JSON");
	msp_buf_add(&b, "", 1);
	const char *want =
		"{\"t0\":1299822383.2,\"dt\":0.05,\"npts\":3,\"live\":true,\"tref\":\"UTC\",\"kind\":\"TimeSeries\","
		"\"metadata\":{ \"sta\" : \"ANMO\" },\"elog\":[],\"history\":[{ \"tool\" : \"msx\", \"args\" : \"--a 1\" }],"
		"\"data\":[1.5,-2,0.1]}";
	if (!ok(strcmp(b.p, want) == 0, "exact JSON of a TimeSeries"))
		printf("# got  %s\n# want %s\n", b.p, want);
	msp_buf_reset(&b);
	msp_record_kill(r, "msfilter", "no %s", "samples");
	msp_record_ator(r, 1299822383.2);
	ok(r->live == 0 && r->tref == MSP_TREF_UTC, "ator is a no-op on a dead record");
	r->tref = MSP_TREF_RELATIVE;
	r->t0shift = 1299822383;
	r->t0shift_valid = 1;
	r->t0 = -1;
	msp_record_to_json(r, 0, &b);
	msp_buf_add(&b, "", 1);
	ok(strstr(b.p, "\"live\":false,\"tref\":\"relative\",\"t0shift\":1299822383,\"t0shift_valid\":true") != NULL,
	   "dead relative record: live false, t0shift");
	ok(strstr(b.p, "\"elog\":[{ \"algorithm\" : \"msfilter\", \"message\" : \"no samples\", \"severity\" : \"Invalid\"") != NULL,
	   "elog entry");
	ok(strstr(b.p, "\"data\"") == NULL, "no data without samples");
	msp_buf_reset(&b);

	msp_record *s = msp_record_new();
	msp_record_resize(s, MSP_SEISMOGRAM, 2);
	for (int i = 0; i < 6; i++)
		s->data[i] = i;
	msp_record_to_json(s, 1, &b);
	msp_buf_add(&b, "", 1);
	if (!ok(strstr(b.p, "\"kind\":\"Seismogram\"") && strstr(b.p, "\"data\":[[0,1],[2,3],[4,5]]}"),
	        "Seismogram: three arrays"))
		printf("# %s\n", b.p);
	msp_buf_free(&b);

	/* summary */
	msp_summary sum;
	msp_summary_init(&sum);
	s->t0 = 100;
	s->dt = 0.5;
	msp_summary_add(&sum, s);
	msp_summary_add(&sum, r); /* dead: counted, not measured */
	ok(sum.count == 2 && sum.live == 1 && sum.dead == 1 && sum.seismograms == 1 && sum.timeseries == 1,
	   "summary counts");
	ok(sum.samples == 6 && sum.min[0] == 0 && sum.max[2] == 5 && sum.tmin == 100 && sum.tmax == 100.5,
	   "summary values");
	near(sqrt(sum.sumsq[1] / sum.n[1]), sqrt((4.0 + 9.0) / 2), 1e-15, "component 1 rms");
	msp_buf_init(&b);
	msp_summary_text(&sum, &b);
	msp_buf_add(&b, "", 1);
	ok(strncmp(b.p, "records      2 (1 live, 1 dead; 1 TimeSeries, 1 Seismogram)\n", 60) == 0,
	   "summary text first line");
	if (!ok(strstr(b.p, "time span    1970-01-01T00:01:40.000000Z to 1970-01-01T00:01:40.500000Z (UTC)\n") != NULL,
	        "summary time span"))
		printf("# %s", b.p);
	msp_buf_free(&b);
	msp_record_free(r);
	msp_record_free(s);
	return done_testing();
}
