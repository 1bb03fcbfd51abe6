/*
 * test_msfilter_impulse.c - the magnitude response of bin/msfilter, measured
 * by sending impulse records (TimeSeries and a Seismogram) through the
 * program, against the analytic Butterworth response |H| = 1/sqrt(1+x^2N)
 * with the bilinear map Omega = 4 tan(w/2) (zero phase: |H|^2), to 1e-6.
 * MSPIPE_BIN names the binaries (make sets it; default ./bin).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "msp_stream.h"
#include "msp_filter.h"
#include "msp_status.h"

static double analytic(int band, int order, double w1, double w2, double w)
{
	double om = 4 * tan(w / 2), wa = 4 * tan(M_PI * w1 / 2), wb = 4 * tan(M_PI * w2 / 2), x;
	switch (band) {
	case MSP_LOWPASS: x = om / wa; break;
	case MSP_HIGHPASS: x = wa / om; break;
	case MSP_BANDPASS: x = (om * om - wa * wb) / (om * (wb - wa)); break;
	default: x = om * (wb - wa) / (wa * wb - om * om); break;
	}
	return 1 / sqrt(1 + pow(x * x, order));
}

int main(void)
{
	const char *bin = getenv("MSPIPE_BIN");
	char dir[] = "/tmp/test_msfilter.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char in[256], out[256], cmd[1024];
	snprintf(in, sizeof in, "%s/in", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	size_t n = 1 << 14, at = n / 2;
	double dt = 0.05, fny = 0.5 / dt;
	/* Write one TimeSeries and one Seismogram, an impulse at sample `at`. */
	int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	msp_writer *w;
	msp_writer_open(&w, fd, in);
	for (int kind = 1; kind <= 3; kind += 2) {
		msp_record *r = msp_record_new();
		msp_record_resize(r, kind, n);
		msp_record_zero(r);
		r->dt = dt;
		r->t0 = 1e9;
		for (int c = 0; c < kind; c++)
			msp_record_comp(r, c)[at] = 1.0 + c;
		msp_writer_put(w, r);
		msp_record_free(r);
	}
	msp_writer_finish(w);
	msp_writer_close(w);
	close(fd);

	struct { const char *opt; int band, order; double f1, f2; int zp; } t[] = {
		{"--lowpass 2", MSP_LOWPASS, 4, 2, 0, 0},
		{"--highpass 0.5 --corners 3", MSP_HIGHPASS, 3, 0.5, 0, 0},
		{"--bandpass 0.5,3", MSP_BANDPASS, 4, 0.5, 3, 0},
		{"--bandstop 1,2 --corners 2", MSP_BANDSTOP, 2, 1, 2, 0},
		{"--bandpass 0.2,1.5 --zerophase", MSP_BANDPASS, 4, 0.2, 1.5, 1},
		{"--lowpass 5 --corners 6 --zerophase", MSP_LOWPASS, 6, 5, 0, 1},
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		snprintf(cmd, sizeof cmd, "'%s/msfilter' %s < '%s' > '%s'", bin ? bin : "./bin", t[k].opt, in, out);
		int rc = system(cmd);
		int rfd = open(out, O_RDONLY);
		msp_reader *r;
		msp_reader_open(&r, rfd, out, 0);
		msp_record *rec = msp_record_new();
		double worst = 0;
		int nrec = 0;
		while (rc == 0 && msp_reader_next(r, rec) == MSP_OK) {
			nrec++;
			for (int c = 0; c < rec->kind; c++) {
				const double *h = msp_record_comp(rec, c);
				for (int j = 1; j < 100; j++) {
					double wr = M_PI * j / 100.0, re = 0, im = 0;
					for (size_t i = 0; i < n; i++) {
						re += h[i] * cos(wr * ((double)i - (double)at));
						im -= h[i] * sin(wr * ((double)i - (double)at));
					}
					double a = analytic(t[k].band, t[k].order, t[k].f1 / fny, t[k].f2 / fny, wr);
					if (t[k].zp)
						a *= a;
					worst = fmax(worst, fabs(sqrt(re * re + im * im) / (1.0 + c) - a));
				}
			}
		}
		msp_record_free(rec);
		msp_reader_close(r);
		close(rfd);
		ok(rc == 0 && nrec == 2 && worst < 1e-6, "msfilter %s: impulse magnitude = analytic Butterworth (max error %.2g)",
		   t[k].opt, worst);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}
