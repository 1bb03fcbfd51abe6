/*
 * msp_status.h - status codes shared by every libmspipe module.
 *
 * Every library call that can fail returns one of these (0 or a negative
 * number); msp_strerror() turns a code into a short phrase.  Handles that can
 * say more (a stream reader, a database) also keep a detailed message that
 * names where the problem is; see their *_errmsg() functions.
 */
#ifndef MSP_STATUS_H
#define MSP_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum msp_status {
	MSP_OK = 0,            /* success */
	MSP_EOF = 1,           /* clean end of input (not an error) */
	MSP_ERR_IO = -1,       /* read/write/open failed (errno kept in the handle) */
	MSP_ERR_TRUNCATED = -2,/* input ends inside a record */
	MSP_ERR_NOEND = -3,    /* input ends without an end-of-stream mark */
	MSP_ERR_MAGIC = -4,    /* not an mspipe stream */
	MSP_ERR_VERSION = -5,  /* unknown stream format version */
	MSP_ERR_CHECKSUM = -6, /* checksum mismatch */
	MSP_ERR_TOOBIG = -7,   /* a length beyond the configured bound */
	MSP_ERR_NOMEM = -8,    /* allocation failed */
	MSP_ERR_FORMAT = -9,   /* malformed content (bad BSON, bad field) */
	MSP_ERR_INVAL = -10,   /* invalid argument or value */
	MSP_ERR_NOTFOUND = -11,/* a key, document or file does not exist */
	MSP_ERR_DB = -12,      /* database error (message in the handle) */
	MSP_ERR_UNSUPPORTED = -13, /* a valid request this build cannot do */
	MSP_ERR_RANGE = -14,   /* a value out of its allowed range */
	MSP_ERR_TYPE = -15,    /* a value of the wrong type */
	MSP_ERR_DATA = -16     /* data cannot be processed (e.g. window outside data) */
};

/* A short, constant phrase for a status code; never NULL. */
const char *msp_strerror(int status);

/* Format a detailed message into a caller's buffer (nothing when err is NULL
 * or errlen 0): how library calls that take (char *err, size_t errlen) explain
 * a failure without printing. */
void msp_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
