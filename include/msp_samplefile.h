/*
 * msp_samplefile.h - the file mssave appends sample data to.
 *
 * One file per writer process (never one per record: opens and closes cost
 * milliseconds, and many small files overwhelm parallel file systems' metadata
 * servers, as MsPASS's I/O chapter says).  Bytes are appended; a record's
 * samples are at [foff, foff+nbytes).  msp_samplefile_sync() makes every byte
 * appended so far durable (fdatasync), and the file's directory entry is made
 * durable when the file is created, so a document that points at the bytes can
 * be committed after it.  Binary layout: see msp_wfdoc.h.
 */
#ifndef MSP_SAMPLEFILE_H
#define MSP_SAMPLEFILE_H

#include <stddef.h>
#include <stdint.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_samplefile {
	int fd;
	char *dir;        /* absolute */
	char *dfile;
	int64_t size;     /* bytes appended (= file size) */
	int64_t synced;   /* bytes known durable */
	int64_t kicked;   /* bytes whose writeback has been started */
	uint64_t syncs;   /* fdatasync calls */
	double *scratch;  /* interleaving buffer */
	size_t scratch_cap;
} msp_samplefile;

void msp_samplefile_init(msp_samplefile *sf);
/* Create dir (and its parents) if needed and a new file dfile in it (it must
 * not exist: a writer never appends to another's file); fsync the directory. */
int msp_samplefile_create(msp_samplefile *sf, const char *dir, const char *dfile, char *err,
                          size_t errlen);
/* Append bytes; *foff receives where they start. */
int msp_samplefile_append(msp_samplefile *sf, const void *buf, size_t n, int64_t *foff,
                          char *err, size_t errlen);
/* Append a record's samples in the binary layout (Seismogram interleaved);
 * *foff and *nbytes receive where they are. */
int msp_samplefile_append_record(msp_samplefile *sf, const msp_record *rec, int64_t *foff,
                                 int64_t *nbytes, char *err, size_t errlen);
/* Make everything appended durable (no-op when nothing is new). */
int msp_samplefile_sync(msp_samplefile *sf, char *err, size_t errlen);
void msp_samplefile_close(msp_samplefile *sf);

#ifdef __cplusplus
}
#endif
#endif
