/*
 * filter_kernel.c - bench helper (built by bench_dsp.sh, not by make): the
 * rate of msp_sos_apply and of the literal sosfilt loop on 1-hour 20 sps
 * traces (72000 samples) for a Butterworth band-pass of 4 sections.
 * Prints "blocked MS/s" and "literal MS/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "msp_filter.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t n = 72000;
	int reps = argc > 1 ? atoi(argv[1]) : 300, corners = argc > 2 ? atoi(argv[2]) : 4;
	double *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(rand() % 2001 - 1000);
	msp_sos s;
	if (msp_butter_sos(MSP_BANDPASS, corners, 0.01 / 10, 1.5 / 10, &s))
		return 1;
	double best_b = 1e30, best_l = 1e30;
	for (int round = 0; round < 3; round++) {
		double t = now();
		for (int r = 0; r < reps; r++)
			msp_sos_apply(&s, x, n, 0);
		t = now() - t;
		if (t < best_b)
			best_b = t;
		t = now();
		for (int r = 0; r < reps; r++)
			msp_sos_filter_zi(&s, x, n, NULL);
		t = now() - t;
		if (t < best_l)
			best_l = t;
	}
	printf("sections %d\nblocked %.1f\nliteral %.1f\n", s.n, (double)n * reps / best_b / 1e6,
	       (double)n * reps / best_l / 1e6);
	return 0;
}
