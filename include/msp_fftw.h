/*
 * msp_fftw.h - FFTW wisdom shared by the tools that plan transforms (msresample,
 * mssnr): planning with FFTW_MEASURE costs seconds per new length on these
 * machines, so measured plans are kept in a wisdom file and reused.
 */
#ifndef MSP_FFTW_H
#define MSP_FFTW_H

#ifdef __cplusplus
extern "C" {
#endif

/* $XDG_CACHE_HOME/mspipe/fftw-wisdom, else $HOME/.cache/mspipe/fftw-wisdom
 * (malloc'd; NULL when neither variable is set or on ENOMEM). */
char *msp_wisdom_default_path(void);
/* Import the wisdom in path: *loaded 1 when imported, 0 when the file does not
 * exist or cannot be read; MSP_ERR_FORMAT when it exists but is not wisdom. */
int msp_wisdom_load(const char *path, int *loaded);
/* Planning flags: MEASURE when asked, MEASURE|WISDOM_ONLY with wisdom, else ESTIMATE. */
unsigned msp_wisdom_flags(int measure, int loaded);
/* Save the process's wisdom to path (parent directories made; written aside
 * and renamed, since parallel jobs may save at the same time).  MSP_ERR_IO
 * with errno set on failure. */
int msp_wisdom_save(const char *path);

#ifdef __cplusplus
}
#endif
#endif
