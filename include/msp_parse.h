/*
 * msp_parse.h - strict parsing of numbers and times (OpenBSD strtonum style):
 * the whole string must be consumed, values must be finite and in range.
 * "10Hz", "", " 5", "nan" and "1e999" are errors.
 */
#ifndef MSP_PARSE_H
#define MSP_PARSE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int msp_parse_double(const char *s, double *out);
/* A double within [lo, hi]. */
int msp_parse_double_range(const char *s, double lo, double hi, double *out);
int msp_parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* A comma-separated list of exactly n doubles ("0.01,1.5"). */
int msp_parse_double_list(const char *s, double *out, int n);
/* Time: epoch seconds ("1299822383.2") or ISO 8601 UTC
 * ("2011-03-11T05:46:23.2", optional "Z" or "+00:00", date-only allowed,
 * space instead of T allowed, day-of-year form "2011-070T05:46:23"). */
int msp_parse_time(const char *s, double *epoch);
/* ISO 8601 UTC with microseconds: "2011-03-11T05:46:23.200000Z".  buf >= 32. */
char *msp_format_time(double epoch, char *buf, size_t buflen);
/* Days from civil date (proleptic Gregorian), exact for any year. */
int64_t msp_days_from_civil(int64_t y, unsigned m, unsigned d);

#ifdef __cplusplus
}
#endif
#endif
