/*
 * tap.h - a minimal TAP producer for the C unit tests (run by prove).
 *   ok(cond, "name", ...)  is(a, b, "name")  near(a, b, tol, "name")  done_testing()
 */
#ifndef MSP_TAP_H
#define MSP_TAP_H
#include <math.h>
#include <stdarg.h>
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

static __attribute__((unused)) int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
