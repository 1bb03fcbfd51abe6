/*
 * msp_stream.h - the mspipe record stream (format documented byte by byte in
 * man/man5/mspipe.5).
 *
 * A reader and a writer are opaque handles over a file descriptor.  The
 * reader keeps O(one record) of memory, verifies every checksum and refuses
 * lengths beyond a bound before allocating.  The writer buffers in large
 * blocks and writes an end-of-stream mark on close; a stream is valid only
 * if it ends with such a mark, so a producer that died is detected.
 */
#ifndef MSP_STREAM_H
#define MSP_STREAM_H

#include <stdint.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSP_STREAM_VERSION 1
#define MSP_HEADER_SIZE 64
#define MSP_ENDMARK_SIZE 24
/* Default bound on a record's total size (header, documents, samples). */
#define MSP_DEFAULT_MAX_RECORD (1024ULL * 1024 * 1024)
/* Preferred pipe size and I/O block size. */
#define MSP_PIPE_SIZE (1024 * 1024)

typedef struct msp_reader msp_reader;
typedef struct msp_writer msp_writer;

/* Open a reader on fd.  name is used in messages ("stdin").  max_record 0
 * means MSP_DEFAULT_MAX_RECORD.  The reader does not close fd. */
int msp_reader_open(msp_reader **out, int fd, const char *name, uint64_t max_record);
/* Read the next record into rec (reusing its buffers).  Returns MSP_OK, MSP_EOF
 * at a clean end (last frame was an end mark), or a negative status; the
 * detailed message ("truncated record at record 3 (byte 1234)") is
 * msp_reader_errmsg(). */
int msp_reader_next(msp_reader *r, msp_record *rec);
const char *msp_reader_errmsg(const msp_reader *r);
/* The next record as its verified bytes (header, documents, samples and
 * checksum, exactly as in the stream), for tools that pass records through
 * unchanged (mscat): the checks of msp_reader_next on the frame (header
 * checksum before any length is trusted, bound, payload checksum, end
 * marks and their counts) with the same messages, and the framing of the
 * BSON documents (lengths, terminating byte), but not their contents: a
 * pass-through carries documents as bytes, and the tool that decodes the
 * record validates them (msp_reader_next refuses malformed BSON).  No
 * decoding and no copy when the frame lies within the reader's block.
 * *frame stays valid until the next call on r.  Do not mix with
 * msp_reader_next on one reader mid-record. */
int msp_reader_next_frame(msp_reader *r, const uint8_t **frame, size_t *frame_len);
/* The same for a run of consecutive frames: every frame that is already in
 * the reader's hands whole and passes those checks, at least one, as one
 * contiguous span of *run_len bytes holding *nframes frames (valid until
 * the next call on r).  A run stops before an end mark and before a bad
 * frame: the frames before a bad one are returned, and the next call
 * reports the error (MSP_EOF and errors as msp_reader_next_frame). */
int msp_reader_next_frames(msp_reader *r, const uint8_t **run, size_t *run_len, uint64_t *nframes);
/* Records returned so far, and bytes consumed. */
uint64_t msp_reader_count(const msp_reader *r);
uint64_t msp_reader_offset(const msp_reader *r);
/* The bound on a record's total size this reader enforces (bytes). */
uint64_t msp_reader_max_record(const msp_reader *r);
/* Whether a record of kind (1 or 3 components), npts samples a component
 * and docs bytes of documents fits within bound bytes: the one test the
 * readers, the writers and the tools that size records apply. */
int msp_record_fits(uint64_t bound, int kind, uint64_t npts, uint64_t docs);
void msp_reader_close(msp_reader *r);

/* Open a writer on fd; it does not close fd. */
int msp_writer_open(msp_writer **out, int fd, const char *name);
/* The bound on a record's total size (as msp_reader_open's; 0: the
 * default).  msp_writer_put refuses a larger record with MSP_ERR_TOOBIG,
 * writing nothing, and the writer stays usable. */
void msp_writer_set_max_record(msp_writer *w, uint64_t max_record);
int msp_writer_put(msp_writer *w, const msp_record *rec);
/* Write a record frame from msp_reader_next_frame as it is (it counts
 * towards the end mark like a record).  MSP_ERR_INVAL if it is not exactly
 * one frame. */
int msp_writer_put_frame(msp_writer *w, const uint8_t *frame, size_t len);
/* Write a run from msp_reader_next_frames as it is: nframes records towards
 * the end mark; a long run goes out in one system call from the caller's
 * memory, not copied.  MSP_ERR_INVAL unless run holds exactly nframes (> 0)
 * frames by their lengths. */
int msp_writer_put_frames(msp_writer *w, const uint8_t *run, size_t len, uint64_t nframes);
/* Flush buffered bytes (no end mark). */
int msp_writer_flush(msp_writer *w);
/* Write the end mark and flush.  Call once before msp_writer_close; a writer
 * closed without finish leaves a stream that readers report as cut short. */
int msp_writer_finish(msp_writer *w);
const char *msp_writer_errmsg(const msp_writer *w);
/* errno of the last failed write (EPIPE lets a tool stop quietly). */
int msp_writer_errno(const msp_writer *w);
uint64_t msp_writer_count(const msp_writer *w);
void msp_writer_close(msp_writer *w);

/* Encode one record into a malloc'd buffer (for tests, fuzzing and files). */
int msp_record_encode(const msp_record *rec, uint8_t **buf, size_t *len);
/* Decode one record from a buffer; *used gets the bytes consumed. */
int msp_record_decode(msp_record *rec, const uint8_t *buf, size_t len, size_t *used,
                      uint64_t max_record);
/* The end-of-stream mark for a producer that wrote nrecords records. */
void msp_endmark_encode(uint8_t out[MSP_ENDMARK_SIZE], uint64_t nrecords);

/* Raise a pipe's buffer to MSP_PIPE_SIZE when fd is a pipe (no-op otherwise). */
void msp_fd_raise_pipe(int fd);

/* CRC-32C (Castagnoli), hardware-accelerated when the CPU has SSE4.2. */
uint32_t msp_crc32c(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
