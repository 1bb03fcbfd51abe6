/*
 * parse.c - strict number and time parsing, and UTC time formatting.
 * Times are computed with integer civil-date arithmetic (no timegm, no TZ).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msp_parse.h"
#include "msp_status.h"

int msp_parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return MSP_ERR_INVAL;
	/* refuse hex floats, "inf" and "nan": not what a user means by a number */
	for (const char *p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || strchr("+-.eE", *p)))
			return MSP_ERR_INVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || end == s)
		return MSP_ERR_INVAL;
	if (errno == ERANGE || !isfinite(v))
		return MSP_ERR_RANGE;
	*out = v;
	return MSP_OK;
}

int msp_parse_double_range(const char *s, double lo, double hi, double *out)
{
	double v;
	int rc = msp_parse_double(s, &v);
	if (rc)
		return rc;
	if (v < lo || v > hi)
		return MSP_ERR_RANGE;
	*out = v;
	return MSP_OK;
}

int msp_parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return MSP_ERR_INVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s)
		return MSP_ERR_INVAL;
	if (errno == ERANGE || v < lo || v > hi)
		return MSP_ERR_RANGE;
	*out = v;
	return MSP_OK;
}

int msp_parse_double_list(const char *s, double *out, int n)
{
	char buf[256];
	if (!s || strlen(s) >= sizeof buf)
		return MSP_ERR_INVAL;
	strcpy(buf, s);
	char *p = buf;
	for (int i = 0; i < n; i++) {
		char *comma = strchr(p, ',');
		if (i < n - 1) {
			if (!comma)
				return MSP_ERR_INVAL;
			*comma = '\0';
		} else if (comma) {
			return MSP_ERR_INVAL;
		}
		int rc = msp_parse_double(p, &out[i]);
		if (rc)
			return rc;
		p = comma ? comma + 1 : p;
	}
	return MSP_OK;
}

/* Howard Hinnant's days_from_civil. */
int64_t msp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int msp_parse_time(const char *s, double *epoch)
{
	int y, mo = 1, d = 1, doy = 0, hh = 0, mi = 0, ss = 0;
	double frac = 0.0;
	const char *p = s;
	if (!s || !*s)
		return MSP_ERR_INVAL;
	/* plain epoch seconds: digits, sign, '.', exponent only, and no '-' after
	 * the first character (which would be a date) */
	if (strlen(s) < 5 || s[4] != '-')
		return msp_parse_double(s, epoch);
	if (digits(&p, 4, &y) || *p++ != '-')
		return MSP_ERR_INVAL;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && !isdigit((unsigned char)p[3]) && p[2] != '-' &&
	    (p[3] == '\0' || p[3] == 'T' || p[3] == ' ')) {
		if (digits(&p, 3, &doy))
			return MSP_ERR_INVAL;
		if (doy < 1 || doy > (is_leap(y) ? 366 : 365))
			return MSP_ERR_RANGE;
	} else {
		if (digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
			return MSP_ERR_INVAL;
		static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		if (mo < 1 || mo > 12)
			return MSP_ERR_RANGE;
		int md = mdays[mo - 1] + (mo == 2 && is_leap(y));
		if (d < 1 || d > md)
			return MSP_ERR_RANGE;
	}
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &hh))
			return MSP_ERR_INVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &mi))
				return MSP_ERR_INVAL;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &ss))
					return MSP_ERR_INVAL;
				if (*p == '.') {
					const char *q = ++p;
					double scale = 0.1;
					while (isdigit((unsigned char)*p)) {
						frac += (*p - '0') * scale;
						scale /= 10;
						p++;
					}
					if (p == q)
						return MSP_ERR_INVAL;
				}
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return MSP_ERR_RANGE;
	}
	if (*p == 'Z')
		p++;
	else if (strcmp(p, "+00:00") == 0 || strcmp(p, "+0000") == 0)
		p += strlen(p);
	if (*p != '\0')
		return MSP_ERR_INVAL;
	int64_t days = doy ? msp_days_from_civil(y, 1, 1) + doy - 1 : msp_days_from_civil(y, (unsigned)mo, (unsigned)d);
	*epoch = (double)(days * 86400 + hh * 3600 + mi * 60 + ss) + frac;
	return MSP_OK;
}

char *msp_format_time(double epoch, char *buf, size_t buflen)
{
	/* NaN, infinities and times beyond year 5000 or so do not fit the
	 * integer arithmetic below (converting them is undefined): say the
	 * number instead of a date */
	if (!(fabs(epoch) < 1e11)) {
		snprintf(buf, buflen, "%.17g", epoch);
		return buf;
	}
	/* round to the microsecond first so 59.9999996 carries into the minute */
	double us_total = floor(epoch * 1e6 + 0.5);
	int64_t sec = (int64_t)floor(us_total / 1e6);
	int64_t us = (int64_t)(us_total - (double)sec * 1e6);
	if (us >= 1000000) {
		sec++;
		us -= 1000000;
	} else if (us < 0) {
		sec--;
		us += 1000000;
	}
	int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	int64_t rem = sec - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, buflen, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ", (long long)y, m, d,
	         (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), (long long)us);
	return buf;
}
