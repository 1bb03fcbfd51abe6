/*
 * test_parse.c - strict numbers and ISO 8601 times against known epochs
 * (computed independently with Python's calendar.timegm).
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "msp_parse.h"
#include "msp_status.h"

static void bad_double(const char *s, int want)
{
	double v = 12345.0;
	int rc = msp_parse_double(s, &v);
	ok(rc == want && v == 12345.0, "double \"%s\" refused with %d (got %d)", s, want, rc);
}

static void good_double(const char *s, double want)
{
	double v = 0;
	int rc = msp_parse_double(s, &v);
	ok(rc == MSP_OK && v == want, "double \"%s\" = %.17g (got %.17g, rc %d)", s, want, v, rc);
}

static void time_is(const char *s, double want, double tol)
{
	double v = -1e300;
	int rc = msp_parse_time(s, &v);
	ok(rc == MSP_OK && fabs(v - want) <= tol, "time \"%s\" = %.6f (got %.6f, rc %d)", s, want, v, rc);
}

static void time_bad(const char *s)
{
	double v = 0;
	int rc = msp_parse_time(s, &v);
	ok(rc != MSP_OK, "time \"%s\" refused (rc %d)", s, rc);
}

static void fmt_is(double epoch, const char *want)
{
	char buf[40];
	msp_format_time(epoch, buf, sizeof buf);
	ok(strcmp(buf, want) == 0, "format %.7f = %s (got %s)", epoch, want, buf);
}

int main(void)
{
	/* strict numbers */
	good_double("1.5", 1.5);
	good_double("-2e-3", -2e-3);
	good_double("+3", 3.0);
	good_double("0", 0.0);
	good_double("1e308", 1e308);
	good_double(".5", 0.5);
	bad_double("10Hz", MSP_ERR_INVAL);
	bad_double("", MSP_ERR_INVAL);
	bad_double(" 5", MSP_ERR_INVAL);
	bad_double("5 ", MSP_ERR_INVAL);
	bad_double("nan", MSP_ERR_INVAL);
	bad_double("inf", MSP_ERR_INVAL);
	bad_double("-infinity", MSP_ERR_INVAL);
	bad_double("0x10", MSP_ERR_INVAL);
	bad_double("1,5", MSP_ERR_INVAL);
	bad_double("1e999", MSP_ERR_RANGE);
	bad_double("-1e999", MSP_ERR_RANGE);
	bad_double("e", MSP_ERR_INVAL);
	bad_double("-", MSP_ERR_INVAL);
	bad_double("1..2", MSP_ERR_INVAL);
	{
		double v;
		ok(msp_parse_double(NULL, &v) == MSP_ERR_INVAL, "double NULL refused");
		ok(msp_parse_double_range("5", 0, 10, &v) == MSP_OK && v == 5, "range 5 in [0,10]");
		ok(msp_parse_double_range("10.0001", 0, 10, &v) == MSP_ERR_RANGE, "range 10.0001 out of [0,10]");
		ok(msp_parse_double_range("-0.1", 0, 10, &v) == MSP_ERR_RANGE, "range -0.1 out of [0,10]");
		ok(msp_parse_double_range("5Hz", 0, 10, &v) == MSP_ERR_INVAL, "range 5Hz not a number");
	}
	{
		int64_t v = 0;
		ok(msp_parse_int64("12", 0, 100, &v) == MSP_OK && v == 12, "int 12");
		ok(msp_parse_int64("-7", -10, 10, &v) == MSP_OK && v == -7, "int -7");
		ok(msp_parse_int64("9223372036854775807", 0, INT64_MAX, &v) == MSP_OK && v == INT64_MAX,
		   "int INT64_MAX");
		ok(msp_parse_int64("99999999999999999999", 0, INT64_MAX, &v) == MSP_ERR_RANGE, "int overflow is a range error");
		ok(msp_parse_int64("101", 0, 100, &v) == MSP_ERR_RANGE, "int 101 out of [0,100]");
		ok(msp_parse_int64("1.5", 0, 100, &v) != MSP_OK, "int 1.5 refused");
		ok(msp_parse_int64("10k", 0, 100, &v) != MSP_OK, "int 10k refused");
		ok(msp_parse_int64("", 0, 100, &v) != MSP_OK, "int empty refused");
		ok(msp_parse_int64(" 1", 0, 100, &v) != MSP_OK, "int leading space refused");
	}
	{
		double l[3];
		ok(msp_parse_double_list("0.01,1.5", l, 2) == MSP_OK && l[0] == 0.01 && l[1] == 1.5, "list 0.01,1.5");
		ok(msp_parse_double_list("1,2,3", l, 3) == MSP_OK && l[2] == 3, "list of 3");
		ok(msp_parse_double_list("0.01", l, 2) != MSP_OK, "list too short");
		ok(msp_parse_double_list("1,2,3", l, 2) != MSP_OK, "list too long");
		ok(msp_parse_double_list("1,,2", l, 3) != MSP_OK, "list with an empty item");
		ok(msp_parse_double_list("1,2Hz", l, 2) != MSP_OK, "list with a bad item");
		ok(msp_parse_double_list("1, 2", l, 2) != MSP_OK, "list with a space");
	}

	/* ISO 8601 times */
	time_is("2011-03-11T05:46:23.2", 1299822383.2, 1e-6);
	time_is("2011-03-11T05:46:23.2Z", 1299822383.2, 1e-6);
	time_is("2011-03-11T05:46:23.2+00:00", 1299822383.2, 1e-6);
	time_is("2011-03-11 05:46:23.2", 1299822383.2, 1e-6);
	time_is("2011-03-11T05:46:23.200000Z", 1299822383.2, 1e-6);
	time_is("2011-03-11T05:46:23.123456", 1299822383.123456, 1e-6);
	time_is("2011-03-11T05:46:23", 1299822383.0, 0);
	time_is("2011-03-11T05:46", 1299822360.0, 0);
	time_is("2011-03-11", 1299801600.0, 0);
	time_is("2011-070T05:46:23", 1299822383.0, 0);
	time_is("2011-070", 1299801600.0, 0);
	time_is("1970-01-01T00:00:00Z", 0.0, 0);
	time_is("1969-12-31T23:59:59", -1.0, 0);
	time_is("2016-12-31T23:59:59", 1483228799.0, 0);
	/* leap years: 4, not 100, but 400 */
	time_is("2012-02-29", 1330473600.0, 0);
	time_is("2000-02-29", 951782400.0, 0);
	time_is("2400-02-29", 13574563200.0, 0);
	time_is("2012-366", 1356912000.0, 0);
	time_is("1600-01-01", -11676096000.0, 0);
	time_bad("2011-02-29");
	time_bad("1900-02-29");
	time_bad("2011-366");
	time_bad("2011-000");
	time_bad("2011-13-01");
	time_bad("2011-00-10");
	time_bad("2011-04-31");
	time_bad("2011-03-11T24:00:00");
	time_bad("2011-03-11T05:60:00");
	time_bad("2011-03-11T05:46:23.");
	time_bad("2011-03-11T05:46:23.2Q");
	time_bad("2011-03-11T05:46:23+01:00");
	time_bad("2011-03-11Tnoon");
	time_bad("2011-3-11");
	time_bad("11-03-11");
	time_bad("");
	time_bad("yesterday");
	/* epoch seconds */
	time_is("1299822383.2", 1299822383.2, 0);
	time_is("0", 0.0, 0);
	time_is("-1.5", -1.5, 0);
	time_bad("1299822383.2s");
	time_bad("nan");

	/* formatting and round trips */
	fmt_is(1299822383.2, "2011-03-11T05:46:23.200000Z");
	fmt_is(0.0, "1970-01-01T00:00:00.000000Z");
	fmt_is(-0.5, "1969-12-31T23:59:59.500000Z");
	fmt_is(59.9999996, "1970-01-01T00:01:00.000000Z");
	fmt_is(951782400.0, "2000-02-29T00:00:00.000000Z");
	fmt_is(1356912000.0 + 86399.25, "2012-12-31T23:59:59.250000Z");
	fmt_is(-11676096000.0, "1600-01-01T00:00:00.000000Z");
	ok(msp_days_from_civil(1970, 1, 1) == 0, "days_from_civil 1970-01-01 = 0");
	ok(msp_days_from_civil(2000, 3, 1) == 11017, "days_from_civil 2000-03-01 = 11017");
	ok(msp_days_from_civil(1600, 1, 1) == -135140, "days_from_civil 1600-01-01 = -135140");
	{
		/* random epochs from 1900 to 2100 at microsecond resolution */
		uint64_t x = 42;
		int bad = 0;
		for (int i = 0; i < 100000; i++) {
			tap_xorshift(&x);
			double e = -2208988800.0 + (double)(x % 6311433600000000ull) / 1e6;
			char buf[40];
			double back;
			msp_format_time(e, buf, sizeof buf);
			if (msp_parse_time(buf, &back) || fabs(back - e) > 1e-6 * 0.5 + 1e-6) {
				if (bad++ < 3)
					printf("# %.6f -> %s -> %.6f\n", e, buf, back);
			}
		}
		ok(bad == 0, "format/parse round trip of 100000 random epochs (1900-2100) to the microsecond");
	}
	return done_testing();
}
