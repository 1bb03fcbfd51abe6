/*
 * fftw_qc.c - FFTW's own time for the transforms mssnr does per record with
 * its default windows (2501 samples each at 20 sps): 2 windows x 6 tapers
 * real-to-complex transforms of nfft = 5002, and for the envelope one r2c
 * and one complex backward transform of 2501 per window; FFTW_ESTIMATE plans
 * made once, as mssnr caches them (FFTW_MEASURE with a second argument
 * "measure").  Prints "per_record SECONDS".
 * Usage: fftw_qc REPS [measure]
 */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 200, n = 2501, nfft = 2 * n;
	unsigned flags = argc > 2 && !strcmp(argv[2], "measure") ? FFTW_MEASURE : FFTW_ESTIMATE;
	double *in = fftw_malloc(nfft * sizeof *in);
	fftw_complex *out = fftw_malloc((nfft / 2 + 1) * sizeof *out);
	fftw_complex *cin = fftw_malloc(n * sizeof *cin), *cout = fftw_malloc(n * sizeof *cout);
	fftw_plan big = fftw_plan_dft_r2c_1d(nfft, in, out, flags);
	fftw_plan small = fftw_plan_dft_r2c_1d(n, in, out, flags);
	fftw_plan back = fftw_plan_dft_1d(n, cin, cout, FFTW_BACKWARD, flags);
	for (int i = 0; i < nfft; i++)
		in[i] = (double)rand() / RAND_MAX;
	for (int i = 0; i < n; i++)
		cin[i][0] = cin[i][1] = 0.5;
	double best = 1e30;
	for (int r = 0; r < 3; r++) {
		double t = now();
		for (int k = 0; k < reps; k++) {
			for (int j = 0; j < 12; j++)
				fftw_execute(big);
			for (int j = 0; j < 2; j++) {
				fftw_execute(small);
				fftw_execute(back);
			}
		}
		t = (now() - t) / reps;
		if (t < best)
			best = t;
	}
	printf("per_record %.9f\n", best);
	return 0;
}
