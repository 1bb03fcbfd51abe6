/*
 * test_filter_isa.c - the blocked SOS kernel on each instruction-set path
 * (plain C vectors, AVX2+FMA, AVX-512, where the CPU has them) against the
 * exact result (the literal sosfilt loop in long double): its error must stay
 * within 1e-11 of max|y|, or within 10 times the error of the literal loop
 * in double (an ill-conditioned cascade - poles crowding z = 1 - loses
 * digits whatever the order of evaluation).  Builds lib/filter.c into
 * itself with the path chosen by a variable instead of the CPU
 * (MSP_FILTER_TEST_ISA).
 */
#include <stdint.h>
#include <stdlib.h>
static int msp_filter_test_isa;
#define MSP_FILTER_TEST_ISA 1
#include "../../lib/filter.c"
#include "tap.h"

static void literal_ld(const msp_sos *sos, double *x, size_t n)
{
	long double z[MSP_SOS_MAX][2] = {{0}};
	for (size_t i = 0; i < n; i++) {
		long double xc = x[i];
		for (int s = 0; s < sos->n; s++) {
			const double *c = sos->s[s];
			long double xn = c[0] * xc + z[s][0];
			z[s][0] = c[1] * xc - c[4] * xn + z[s][1];
			z[s][1] = c[2] * xc - c[5] * xn;
			xc = xn;
		}
		x[i] = (double)xc;
	}
}

static int isa_present(int isa)
{
#ifdef MSP_HAVE_X86_PATHS
	if (isa == 1)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (isa == 2)
		return __builtin_cpu_supports("avx512f");
#endif
	return isa == 0;
}

int main(void)
{
	static const char *name[] = {"plain", "avx2+fma", "avx512"};
	size_t n = 2048 * 5 + 77;
	double *a = malloc(n * 8), *b = malloc(n * 8), *e = malloc(n * 8);
	uint64_t r = 42;
	for (int isa = 0; isa < 3; isa++) {
		msp_filter_test_isa = isa;
		int bad = 0;
		double worst = 0;
		for (int band = 0; band < 4; band++)
			for (int order = 1; order <= 9; order += 4) {
				msp_sos s;
				msp_butter_sos(band, order, 0.003, 0.3, &s);
				for (size_t i = 0; i < n; i++) {
					r = r * 6364136223846793005ull + 1442695040888963407ull;
					a[i] = b[i] = e[i] = (double)(r >> 11) / 9007199254740992.0 - 0.5 + 100;
				}
				msp_sos_apply(&s, a, n, 0);
				msp_sos_filter_zi(&s, b, n, NULL);
				literal_ld(&s, e, n);
				double m = 0, ea = 0, eb = 0;
				for (size_t i = 0; i < n; i++) {
					m = fmax(m, fabs(e[i]));
					ea = fmax(ea, fabs(a[i] - e[i]));
					eb = fmax(eb, fabs(b[i] - e[i]));
				}
				ea /= m;
				eb /= m;
				if (!(ea <= 1e-11 || ea <= 10 * eb)) {
					bad++;
					printf("# %s band %d order %d: blocked error %.2g, literal loop %.2g\n", name[isa], band,
					       order, ea, eb);
				}
				worst = fmax(worst, ea);
			}
		ok(!bad, "%s path: blocked cascade as accurate as the literal loop (worst rel error %.2g)%s", name[isa],
		   worst, !isa_present(isa)
		              ? " (CPU lacks it: plain path ran)" : "");
	}
	free(e);
	free(a);
	free(b);
	return done_testing();
}
