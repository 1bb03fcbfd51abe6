/*
 * tap.h - a minimal TAP producer for the C unit tests (run by prove).
 *   ok(cond, "name", ...)  is(a, b, "name")  near(a, b, tol, "name")  done_testing()
 *   tap_xorshift(&state): the tests' reproducible random numbers
 */
#ifndef MSP_TAP_H
#define MSP_TAP_H
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static int tap_n, tap_failed;

static __attribute__((format(printf, 2, 3), unused)) int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is(a, b, ...) ok((long long)(a) == (long long)(b), __VA_ARGS__) ? 1 : \
	(printf("#   got %lld, expected %lld\n", (long long)(a), (long long)(b)), 0)
#define near(a, b, tol, ...) ok(fabs((double)(a) - (double)(b)) <= (tol), __VA_ARGS__) ? 1 : \
	(printf("#   got %.17g, expected %.17g (tol %g)\n", (double)(a), (double)(b), (double)(tol)), 0)

/* Marsaglia's xorshift64: the next number of the sequence in *s (not 0) */
static __attribute__((unused)) uint64_t tap_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static __attribute__((unused)) int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
