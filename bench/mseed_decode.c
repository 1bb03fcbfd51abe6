/*
 * mseed_decode.c - the baseline for bench_io.sh: a bare libmseed decode loop.
 * Each file is read into memory whole, then every record is parsed and its
 * samples unpacked with msr_parse (the same call msread makes), and the
 * samples are summed (integers, a cheap vectorised loop) so the work cannot be
 * skipped.  Prints "SAMPLES RECORDS SUM" (on stderr with -w).
 * With -w (first argument) it also does the rest of what msread must do with
 * the samples: convert them to float64 and write them (8 bytes a sample) to
 * stdout, so msread can be set against the work any reader has to do.
 * An argument @LIST names a file of paths, one a line (bench_io.sh's lists
 * are longer than one command-line argument may be).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmseed.h>

int main(int argc, char **argv)
{
	int w = argc > 1 && argv[1][0] == '-' && argv[1][1] == 'w';
	double *dbl = NULL;
	size_t dcap = 0;
	long long nsamp = 0, nrec = 0;
	long long sum = 0; /* an integer sum: no floating-point dependency chain to time */
	MSRecord *msr = NULL;
	char *buf = NULL;
	size_t cap = 0;
	FILE *lst = NULL;
	char path[4096];
	for (int i = 1 + w; i < argc; i++) {
		const char *name = argv[i];
		if (name[0] == '@') {
			if (!lst && !(lst = fopen(name + 1, "r"))) {
				perror(name + 1);
				return 1;
			}
			if (!fgets(path, sizeof path, lst)) {
				fclose(lst);
				lst = NULL;
				continue;
			}
			path[strcspn(path, "\n")] = '\0';
			name = path;
			i--; /* the same @LIST again until it ends */
		}
		FILE *f = fopen(name, "rb");
		if (!f) {
			perror(name);
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
			perror(name);
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
				if (w) {
					if ((size_t)msr->numsamples > dcap) {
						dcap = (size_t)msr->numsamples;
						dbl = realloc(dbl, dcap * sizeof *dbl);
					}
					for (long k = 0; k < msr->numsamples; k++)
						dbl[k] = s[k];
					fwrite(dbl, sizeof *dbl, (size_t)msr->numsamples, stdout);
				}
			}
			nsamp += msr->numsamples;
			nrec++;
			off += rl;
		}
	}
	fprintf(w ? stderr : stdout, "%lld %lld %lld\n", nsamp, nrec, sum);
	return 0;
}
