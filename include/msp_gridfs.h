/*
 * msp_gridfs.h - sample data stored in MongoDB GridFS (storage_mode "gridfs"),
 * as MsPASS stores it: one GridFS file per datum in the default "fs" bucket,
 * raw float64 in C order (a Seismogram component-blocked).
 *
 * A handle holds its own libmongoc client on the URI (the database is the
 * URI's, "mspass" when the URI names none).  Only mongodb:// URIs.
 */
#ifndef MSP_GRIDFS_H
#define MSP_GRIDFS_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_gridfs msp_gridfs;

int msp_gridfs_open(msp_gridfs **out, const char *uri, char *err, size_t errlen);
void msp_gridfs_close(msp_gridfs *g);
/* Read the whole GridFS file with this id into a malloc'd buffer. Matches
 * msp_gridfs_fetch in msp_wfdoc.h (ctx is the msp_gridfs handle). */
int msp_gridfs_fetch_cb(void *ctx, const bson_value_t *id, uint8_t **buf, size_t *len, char *err,
                        size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
