/*
 * fuzz_reader.c - libFuzzer target for the record stream reader on a file
 * descriptor (what every tool uses: I/O blocks, direct reads into the
 * samples, end-mark counts across concatenated streams).  The input goes
 * into a memfd and is read to the end; every error must come with a
 * message, and a record is never returned after an error.  The frame path
 * (msp_reader_next_frame, what mscat uses) reads the same input and must
 * reach the same status, count and message, and each frame must be the
 * encoding of the record the record path decoded.  Slower per input than
 * fuzz_stream (each reader has a 1 MiB I/O block).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "msp_stream.h"
#include "msp_status.h"

#define BOUND (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msp_record *rec = msp_record_new();
	int fd = memfd_create("fuzz", 0);
	int fd2 = memfd_create("fuzz2", 0);
	if (fd >= 0 && fd2 >= 0) {
		if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0 &&
		    write(fd2, data, size) == (ssize_t)size && lseek(fd2, 0, SEEK_SET) == 0) {
			msp_reader *r, *rf;
			if (msp_reader_open(&r, fd, "fuzz", BOUND) == MSP_OK &&
			    msp_reader_open(&rf, fd2, "fuzz", BOUND) == MSP_OK) {
				int rc, rcf = MSP_OK;
				uint64_t n = 0;
				while ((rc = msp_reader_next(r, rec)) == MSP_OK) {
					n++;
					const uint8_t *fr;
					size_t flen;
					uint8_t *enc;
					size_t elen;
					rcf = msp_reader_next_frame(rf, &fr, &flen);
					if (rcf != MSP_OK || msp_record_encode(rec, &enc, &elen) != MSP_OK)
						abort();
					if (elen != flen || memcmp(enc, fr, flen) != 0)
						abort(); /* the frame is the record's bytes */
					free(enc);
				}
				const uint8_t *fr;
				size_t flen;
				rcf = msp_reader_next_frame(rf, &fr, &flen);
				if (rcf != rc || strcmp(msp_reader_errmsg(r), msp_reader_errmsg(rf)) != 0 ||
				    msp_reader_count(rf) != n)
					abort(); /* both paths stop at the same place with the same words */
				msp_reader_close(rf);
				if (rc != MSP_EOF && msp_reader_errmsg(r)[0] == '\0')
					abort(); /* every error has a message */
				if (msp_reader_count(r) != n || msp_reader_offset(r) > size)
					abort();
				/* after the end or an error, the reader stays there */
				if (rc == MSP_EOF && msp_reader_next(r, rec) != MSP_EOF)
					abort();
				msp_reader_close(r);
			}
		}
	}
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	msp_record_free(rec);
	return 0;
}
