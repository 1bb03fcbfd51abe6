/*
 * samplefile.c - append-only sample files with explicit durability
 * (see msp_samplefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "msp_samplefile.h"
#include "msp_wfdoc.h"
#include "msp_status.h"

void msp_samplefile_init(msp_samplefile *sf)
{
	memset(sf, 0, sizeof *sf);
	sf->fd = -1;
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -1;
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	if (mkdir(tmp, 0777) && errno != EEXIST)
		return -1;
	return 0;
}

int msp_samplefile_create(msp_samplefile *sf, const char *dir, const char *dfile, char *err,
                          size_t errlen)
{
	if (mkdirs(dir)) {
		msp_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return MSP_ERR_IO;
	}
	char abs[PATH_MAX], path[PATH_MAX + 256];
	if (!realpath(dir, abs)) {
		msp_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return MSP_ERR_IO;
	}
	snprintf(path, sizeof path, "%s/%s", abs, dfile);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0) {
		msp_errf(err, errlen, "%s: %s", path, strerror(errno));
		return MSP_ERR_IO;
	}
	/* the new name must survive a crash too, or a committed document
	 * could point into a file that is not there */
	int dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		msp_errf(err, errlen, "%s: fsync: %s", abs, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return MSP_ERR_IO;
	}
	close(dfd);
	sf->fd = fd;
	sf->dir = strdup(abs);
	sf->dfile = strdup(dfile);
	sf->size = sf->synced = sf->kicked = 0;
	if (!sf->dir || !sf->dfile)
		return MSP_ERR_NOMEM;
	return MSP_OK;
}

int msp_samplefile_append(msp_samplefile *sf, const void *buf, size_t n, int64_t *foff,
                          char *err, size_t errlen)
{
	const uint8_t *p = buf;
	size_t done = 0;
	*foff = sf->size;
	while (done < n) {
		ssize_t w = write(sf->fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			msp_errf(err, errlen, "%s/%s: write: %s", sf->dir, sf->dfile, strerror(errno));
			return MSP_ERR_IO;
		}
		done += (size_t)w;
	}
	sf->size += (int64_t)n;
	/* Start the writeback of every MiB appended, without waiting: the disk
	 * then writes while the chain computes, and the batch's fdatasync finds
	 * the bytes mostly written instead of stalling the pipeline for all of
	 * them (a best-effort hint; durability is still the fdatasync's). */
	if (sf->size - sf->kicked >= (1 << 20)) {
		(void)sync_file_range(sf->fd, sf->kicked, sf->size - sf->kicked, SYNC_FILE_RANGE_WRITE);
		sf->kicked = sf->size;
	}
	return MSP_OK;
}

int msp_samplefile_append_record(msp_samplefile *sf, const msp_record *rec, int64_t *foff,
                                 int64_t *nbytes, char *err, size_t errlen)
{
	size_t n = msp_record_nsamples(rec);
	*nbytes = (int64_t)(n * sizeof(double));
	if (rec->kind == MSP_TIMESERIES)
		return msp_samplefile_append(sf, rec->data, n * sizeof(double), foff, err, errlen);
	if (n > sf->scratch_cap) {
		double *q = realloc(sf->scratch, n * sizeof *q);
		if (!q)
			return MSP_ERR_NOMEM;
		sf->scratch = q;
		sf->scratch_cap = n;
	}
	msp_interleave3(rec->data, rec->npts, sf->scratch);
	return msp_samplefile_append(sf, sf->scratch, n * sizeof(double), foff, err, errlen);
}

int msp_samplefile_sync(msp_samplefile *sf, char *err, size_t errlen)
{
	if (sf->fd < 0 || sf->synced == sf->size)
		return MSP_OK;
	if (fdatasync(sf->fd)) {
		msp_errf(err, errlen, "%s/%s: fdatasync: %s", sf->dir, sf->dfile, strerror(errno));
		return MSP_ERR_IO;
	}
	sf->syncs++;
	sf->synced = sf->size;
	return MSP_OK;
}

void msp_samplefile_close(msp_samplefile *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	free(sf->dir);
	free(sf->dfile);
	free(sf->scratch);
	msp_samplefile_init(sf);
}
