/*
 * mseed_dump.c - libmseed's own reading of miniSEED files, as JSON lines, for
 * the round-trip tests: ms_readtraces (libmseed's trace assembly, no mspipe
 * code) and one line per contiguous trace:
 *   {"file": BASENAME, "sid": "NET_STA_LOC_CHAN", "start_us": N, "rate": R, "samples": [...]}
 * Build: cc -O2 -o mseed_dump mseed_dump.c -lmseed
 */
#include <stdio.h>
#include <string.h>
#include <libmseed.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		MSTraceGroup *mstg = NULL;
		if (ms_readtraces(&mstg, argv[i], 0, -1.0, -1.0, 0, 1, 1, 0) != MS_NOERROR) {
			fprintf(stderr, "mseed_dump: %s: cannot read\n", argv[i]);
			return 1;
		}
		for (MSTrace *t = mstg->traces; t; t = t->next) {
			const char *base = strrchr(argv[i], '/');
			printf("{\"file\": \"%s\", \"sid\": \"%s_%s_%s_%s\", \"start_us\": %lld, "
			       "\"rate\": %.17g, \"samples\": [", base ? base + 1 : argv[i],
			       t->network, t->station, t->location, t->channel, (long long)t->starttime,
			       t->samprate);
			for (int64_t k = 0; k < t->numsamples; k++) {
				if (k)
					putchar(',');
				if (t->sampletype == 'i')
					printf("%d", ((int32_t *)t->datasamples)[k]);
				else if (t->sampletype == 'f')
					printf("%.9g", ((float *)t->datasamples)[k]);
				else
					printf("%.17g", ((double *)t->datasamples)[k]);
			}
			printf("]}\n");
		}
		mst_freegroup(&mstg);
	}
	return 0;
}
