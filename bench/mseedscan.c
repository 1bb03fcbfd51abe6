/*
 * mseedscan.c - the benchmark baseline for msindex: a bare libmseed 2 scan
 * (ms_readmsr over every record of every file, headers only, or with -d the
 * samples decoded too), printing records and bytes.  No guard, no segments,
 * no database: what libmseed alone costs.
 */
#include <libmseed.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int decode = 0, i = 1;
	if (argc > 1 && !strcmp(argv[1], "-d")) {
		decode = 1;
		i = 2;
	}
	unsigned long long nrec = 0, nbytes = 0, nsamp = 0;
	for (; i < argc; i++) {
		MSRecord *msr = NULL;
		int rc;
		while ((rc = ms_readmsr(&msr, argv[i], 0, NULL, NULL, 1, (flag)decode, 0)) == MS_NOERROR) {
			nrec++;
			nbytes += (unsigned long long)msr->reclen;
			nsamp += (unsigned long long)msr->samplecnt;
		}
		ms_readmsr(&msr, NULL, 0, NULL, NULL, 0, 0, 0);
		if (rc != MS_ENDOFFILE) {
			fprintf(stderr, "mseedscan: %s: %s\n", argv[i], ms_errorstr(rc));
			return 1;
		}
	}
	printf("%llu records %llu bytes %llu samples\n", nrec, nbytes, nsamp);
	return 0;
}
