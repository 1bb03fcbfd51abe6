/*
 * fuzz_reader.c - libFuzzer target for the record stream reader on a file
 * descriptor (what every tool uses: I/O blocks, direct reads into the
 * samples, end-mark counts across concatenated streams).  The input goes
 * into a memfd and is read to the end; every error must come with a
 * message, and a record is never returned after an error.  Slower per input
 * than fuzz_stream (each reader has a 1 MiB I/O block).
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
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0) {
			msp_reader *r;
			if (msp_reader_open(&r, fd, "fuzz", BOUND) == MSP_OK) {
				int rc;
				uint64_t n = 0;
				while ((rc = msp_reader_next(r, rec)) == MSP_OK)
					n++;
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
		close(fd);
	}
	msp_record_free(rec);
	return 0;
}
