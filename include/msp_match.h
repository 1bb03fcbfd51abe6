/*
 * msp_match.h - an in-memory matcher for MongoDB filter documents.
 *
 * The filter language is the subset msquery accepts (and the SQLite backend
 * translates to SQL): implicit equality {k: v}, dot paths ("a.b", "a.0"),
 * $eq $ne $gt $gte $lt $lte $in $nin $exists $not $regex/$options (POSIX
 * extended regular expressions, options "i" and "m") and the logical
 * $and $or $nor.  Any other operator is refused with MSP_ERR_UNSUPPORTED, a
 * malformed filter with MSP_ERR_INVAL; the message names the offending part.
 *
 * Semantics follow MongoDB's: numbers compare across int32/int64/double
 * exactly; values of different type classes never match a comparison ($ne
 * and $nin do match them); a field holding an array matches {k: v} when any
 * element (or the whole array) matches; {k: null} matches null and a missing
 * field (also a dot path through a scalar or an array of non-documents), not
 * the deprecated undefined (MongoDB 8.0 on), which is refused as a query value;
 * NaN equals NaN and nothing else; strings compare bytewise (no collation).
 * Decimal128 values are a class of their own (never equal to other numbers).
 */
#ifndef MSP_MATCH_H
#define MSP_MATCH_H

#include <stddef.h>
#include <bson/bson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msp_filter msp_filter;

/* Compile a filter (regular expressions compiled once).  The filter is
 * copied; the caller keeps ownership of its argument.  On failure returns
 * MSP_ERR_INVAL (malformed), MSP_ERR_UNSUPPORTED (operator outside the
 * subset) or MSP_ERR_NOMEM, with a message in err (if not NULL). */
int msp_filter_compile(const bson_t *filter, msp_filter **out, char *err, size_t errlen);
/* 1 if doc matches the compiled filter, else 0. */
int msp_filter_eval(const msp_filter *f, const bson_t *doc);
void msp_filter_free(msp_filter *f);

/* MSP_OK if the filter is valid, else as msp_filter_compile. */
int msp_filter_validate(const bson_t *filter, char *err, size_t errlen);
/* One-shot: compile, evaluate against doc, free.  *matched is 1 or 0. */
int msp_filter_match(const bson_t *filter, const bson_t *doc, int *matched, char *err,
                     size_t errlen);

/* The check every $regex pattern passes before regcomp (here and in the
 * database layer): MSP_ERR_UNSUPPORTED for stacked quantifiers ("a?**",
 * which glibc's regcomp takes seconds to minutes to compile) and
 * back-references, MSP_ERR_INVAL when the repetitions expand beyond 2000
 * positions; the message (in err) names path and pattern. */
int msp_regex_guard(const char *path, const char *pat, char *err, size_t errlen);

/* MongoDB's ordering of two BSON values: sets *cmp to <0, 0 or >0 and
 * returns 1 when both are in the same type class (numbers together, strings
 * together, ...), else returns 0 and orders *cmp by class. */
int msp_bson_value_compare(const bson_value_t *a, const bson_value_t *b, int *cmp);

#ifdef __cplusplus
}
#endif
#endif
