/*
 * msp_normalize.h - MsPASS's normalization: join attributes of a channel,
 * site or source document into a record's metadata, with the collection's
 * name as prefix (channel_lat, channel_hang, site_elev, source_time, ...;
 * _id becomes channel_id, site_id, source_id).
 *
 * A matcher holds one whole collection in memory (MsPASS's cached matchers),
 * loaded once, then answers each record without a query:
 * - channel, site (MiniseedMatcher): key net, sta, loc ("" when absent), chan
 *   (channel only), then the FIRST document, in load order, whose interval
 *   holds the record's start: starttime <= t0 <= endtime, both ends inclusive.
 *   A relative-time record does not match.
 * - source (OriginTimeMatcher): test = (the record's time key, or its UTC
 *   start) - offset; the document whose time is nearest test among those with
 *   |time - test| <= tolerance (inclusive).  Defaults: offset 0, tolerance 4 s.
 * - any of them (ObjectIdMatcher): when the record already holds <coll>_id,
 *   the document with that _id, and no other rule.
 * Attributes loaded: channel lat, lon, elev, hang, vang, starttime, endtime,
 * _id; site lat, lon, elev, starttime, endtime, _id; source lat, lon, depth,
 * time, _id and magnitude when the document has it.
 */
#ifndef MSP_NORMALIZE_H
#define MSP_NORMALIZE_H

#include <stddef.h>
#include <bson/bson.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_matcher msp_matcher;

typedef struct msp_matcher_opts {
	double tolerance;          /* source: seconds (default 4.0) */
	double offset;             /* source: seconds subtracted from the record's time (0) */
	const char *time_key;      /* source: metadata key of the time to match (NULL: t0) */
} msp_matcher_opts;

/* coll is "channel", "site" or "source" (MSP_ERR_INVAL otherwise); opts may be NULL. */
int msp_matcher_new(msp_matcher **out, const char *coll, const msp_matcher_opts *opts);
/* Add one document of the collection (the matcher copies what it needs).
 * A document without the keys its rule needs is skipped (returns MSP_ERR_DATA). */
int msp_matcher_add(msp_matcher *m, const bson_t *doc);
/* Build the lookup tables after the last add. */
int msp_matcher_finish(msp_matcher *m);
size_t msp_matcher_count(const msp_matcher *m);
/* Find the document for rec and merge its attributes into rec->meta with
 * the prefix.  MSP_OK; MSP_ERR_NOTFOUND with the reason in err (no match);
 * MSP_ERR_NOMEM.  Dead records are left alone (MSP_OK). */
int msp_matcher_apply(const msp_matcher *m, msp_record *rec, char *err, size_t errlen);
void msp_matcher_free(msp_matcher *m);

#ifdef __cplusplus
}
#endif
#endif
