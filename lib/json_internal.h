/*
 * json_internal.h - the fast JSON reader of json_in.c (library-internal).
 */
#ifndef MSP_JSON_INTERNAL_H
#define MSP_JSON_INTERNAL_H

#include <stddef.h>
#include <bson/bson.h>

/* Fast reader of the JSON the database layer writes; NULL when the text
 * holds anything else (then use bson_new_from_json). */
bson_t *msp_db_json_parse(const char *json, size_t len);
/* The same reader for JSON from anywhere (msread's input): it gives up
 * (NULL) also on bytes beyond ASCII and on numbers outside JSON's grammar,
 * so a document it returns is the one libbson's reader would return. */
bson_t *msp_json_parse_strict(const char *json, size_t len);

#endif
