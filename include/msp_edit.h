/*
 * msp_edit.h - header (Metadata) editing in the manner of SU's sushw and
 * MsPASS's edit module, and the document a record shows to a filter.
 *
 * A record's core attributes (t0, dt, npts, live, tref, kind, ...) are not
 * Metadata: filters see them (they override Metadata keys of the same
 * names, since the core attributes are authoritative) but edits may not
 * set, rename or delete them.
 */
#ifndef MSP_EDIT_H
#define MSP_EDIT_H

#include <stddef.h>
#include <bson/bson.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if key names a core attribute as filters see it: t0 dt npts live tref
 * kind endtime t0shift, and MsPASS's Metadata mirrors of them starttime
 * delta sampling_rate (which msedit refuses to edit). */
int msp_is_core_key(const char *key);

/* The document filters are evaluated on: rec's Metadata with the core
 * attributes added (replacing same-named keys): t0, dt, npts (int64), live
 * (bool), tref ("UTC" or "relative"), kind ("TimeSeries" or "Seismogram"),
 * endtime, starttime (= t0), delta (= dt), sampling_rate (= 1/dt), and for
 * relative data with a valid shift t0shift.  out is reinitialised. */
int msp_record_filter_doc(const msp_record *rec, bson_t *out);

/* Exactly one JSON document (MongoDB extended JSON), nothing after it.
 * NULL on error with a message in err. */
bson_t *msp_json_parse_doc(const char *text, char *err, size_t errlen);

/* Exactly one JSON value (a number, "a string", true, null, [..], {..},
 * {"$oid": ...}), as a deep copy in *out (free with bson_value_destroy).
 * MSP_ERR_INVAL with a message in err for anything else. */
int msp_json_parse_value(const char *text, bson_value_t *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
