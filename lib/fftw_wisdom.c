/*
 * fftw_wisdom.c - where FFTW wisdom lives, loading it, and saving it safely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fftw3.h>
#include "msp_fftw.h"
#include "msp_status.h"

char *msp_wisdom_default_path(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	char *p = NULL;
	if (x && *x) {
		if (asprintf(&p, "%s/mspipe/fftw-wisdom", x) < 0)
			return NULL;
	} else if (h && *h) {
		if (asprintf(&p, "%s/.cache/mspipe/fftw-wisdom", h) < 0)
			return NULL;
	}
	return p;
}

int msp_wisdom_load(const char *path, int *loaded)
{
	*loaded = 0;
	if (!path || access(path, R_OK) != 0)
		return MSP_OK;
	if (fftw_import_wisdom_from_filename(path)) {
		*loaded = 1;
		return MSP_OK;
	}
	return MSP_ERR_FORMAT;
}

unsigned msp_wisdom_flags(int measure, int loaded)
{
	if (measure)
		return FFTW_MEASURE;
	return loaded ? FFTW_MEASURE | FFTW_WISDOM_ONLY : FFTW_ESTIMATE;
}

/* mkdir -p of the directory part of path. */
static void make_parent(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return;
	for (char *s = d + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(d, 0777);
			*s = '/';
		}
	free(d);
}

int msp_wisdom_save(const char *path)
{
	char *tmp = NULL;
	make_parent(path);
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0)
		return MSP_ERR_NOMEM;
	int ok = fftw_export_wisdom_to_filename(tmp) && rename(tmp, path) == 0;
	int e = errno;
	if (!ok)
		unlink(tmp);
	free(tmp);
	errno = e;
	return ok ? MSP_OK : MSP_ERR_IO;
}
