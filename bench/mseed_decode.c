/*
 * mseed_decode.c - the baseline for bench_io.sh: a bare libmseed decode loop.
 * Each file is read into memory whole, then every record is parsed and its
 * samples unpacked with msr_parse (the same call msread makes), and the
 * samples are summed so the work cannot be skipped.  Prints
 * "SAMPLES RECORDS SUM".
 */
#include <stdio.h>
#include <stdlib.h>
#include <libmseed.h>

int main(int argc, char **argv)
{
	long long nsamp = 0, nrec = 0;
	double sum = 0;
	MSRecord *msr = NULL;
	char *buf = NULL;
	size_t cap = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		if ((size_t)n > cap) {
			buf = realloc(buf, (size_t)n);
			cap = (size_t)n;
		}
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		long off = 0;
		while (off + 128 <= n) {
			int rl = ms_detect(buf + off, (int)(n - off));
			if (rl <= 0 || msr_parse(buf + off, rl, &msr, rl, 1, 0) != MS_NOERROR)
				break;
			if (msr->sampletype == 'i') {
				int32_t *s = msr->datasamples;
				for (long k = 0; k < msr->numsamples; k++)
					sum += s[k];
			}
			nsamp += msr->numsamples;
			nrec++;
			off += rl;
		}
	}
	printf("%lld %lld %.0f\n", nsamp, nrec, sum);
	return 0;
}
