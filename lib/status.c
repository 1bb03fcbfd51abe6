/*
 * status.c - the phrases behind libmspipe's status codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include "msp_status.h"

const char *msp_strerror(int status)
{
	switch (status) {
	case MSP_OK: return "success";
	case MSP_EOF: return "end of input";
	case MSP_ERR_IO: return "I/O error";
	case MSP_ERR_TRUNCATED: return "input cut short inside a record";
	case MSP_ERR_NOEND: return "input ends without an end-of-stream mark";
	case MSP_ERR_MAGIC: return "not an mspipe stream";
	case MSP_ERR_VERSION: return "unsupported stream format version";
	case MSP_ERR_CHECKSUM: return "checksum mismatch";
	case MSP_ERR_TOOBIG: return "length beyond the allowed bound";
	case MSP_ERR_NOMEM: return "out of memory";
	case MSP_ERR_FORMAT: return "malformed content";
	case MSP_ERR_INVAL: return "invalid argument";
	case MSP_ERR_NOTFOUND: return "not found";
	case MSP_ERR_DB: return "database error";
	case MSP_ERR_UNSUPPORTED: return "not supported";
	case MSP_ERR_RANGE: return "value out of range";
	case MSP_ERR_TYPE: return "value of the wrong type";
	case MSP_ERR_DATA: return "data cannot be processed";
	}
	return "unknown status";
}

void msp_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
