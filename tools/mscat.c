/*
 * mscat - join record streams into one, validating every record on the way
 * (magic, version, checksums, bound, document framing, end marks; the BSON
 * contents are checked by the tools that decode records).  With no FILE, or
 * FILE "-", reads stdin.  The output has one end mark, so it reads as one
 * producer's stream.  Records pass as verified bytes, a run of them at a
 * time straight from the input block to the output (msp_reader_next_frames,
 * msp_writer_put_frames): mscat never changes a record, so it need not
 * decode, re-encode or even copy one.
 *
 *   records from files or stdin -> one record stream on stdout
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "tool.h"

enum { OPT_COUNT = 'c' };

static const mst_opt opts[] = {
	{"count", OPT_COUNT, NULL, "print the number of records to stderr at the end"},
	{0},
};

static const mst_prog prog = {
	.name = "mscat",
	.usage = "[OPTIONS] [FILE...] > RECORDS",
	.summary = "Join record streams into one, checking every record.",
	.description = "Each FILE (or stdin for - or no FILE) must be a complete stream with its\n"
	               "end-of-stream marks; a broken input stops mscat with status 1.",
	.opts = opts,
	.records_in = 1,
	.records_out = 1,
};

/* Pass one input through, a run of records at a time.  At a bad record
 * the records before it are flushed out before the message: the output
 * then ends without an end mark, so the next tool says it was cut short,
 * and it has every record that was good, whatever the buffer held. */
static void pass(msp_reader *in, const char *name, msp_writer *out, uint64_t *n)
{
	const uint8_t *run;
	size_t len;
	uint64_t k;
	int rc;
	while ((rc = msp_reader_next_frames(in, &run, &len, &k)) == MSP_OK) {
		mst_write_frames(out, run, len, k);
		mst_progress(*n += k);
	}
	if (rc != MSP_EOF) {
		(void)msp_writer_flush(out); /* the read error is the one to report */
		mst_fatal("%s: %s", name, msp_reader_errmsg(in));
	}
}

int main(int argc, char **argv)
{
	const char *arg;
	int c, count = 0;
	mst_init(&prog, argc, argv);
	while ((c = mst_getopt(argc, argv, &arg)) != -1)
		if (c == OPT_COUNT)
			count = 1;

	msp_writer *out = mst_open_output();
	uint64_t n = 0;
	int nfiles = argc - optind;
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *path = nfiles ? argv[optind + i] : "-";
		msp_reader *in;
		if (strcmp(path, "-") == 0) {
			in = mst_open_input();
			pass(in, "stdin", out, &n);
		} else {
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				mst_fatal("%s: %s", path, strerror(errno));
			in = mst_open_input_fd(fd, path);
			pass(in, path, out, &n);
			close(fd);
		}
		msp_reader_close(in);
	}
	mst_finish_output(out);
	mst_progress_done(n);
	if (count)
		mst_warn("%llu records", (unsigned long long)n);
	return 0;
}
