/* types.h -- parsers of the Table Schema types beyond the scalar ones
 *
 * The scalar parsers (integer, number, date, datetime, time, year, e-mail,
 * URI, UUID) are in value.c and declared in schema.h; these are the rest of
 * Table Schema v1 and v2, one file per family:
 *   type_time.c  yearmonth, duration (ISO 8601)
 *   type_geo.c   geopoint (default, array, object), geojson (default, topojson)
 *   type_json.c  object, array, v2 list, string format binary, bareNumber
 * Same contract as value.c: (ptr, len) of a cell's text, no NUL terminator
 * needed, 0 when the text is a valid value and -1 when not, no message
 * recorded (the caller names the place). A JSONL cell holding a nested
 * object or array arrives as its JSON text, a JSONL string as its
 * unescaped text: both are read as text here, so CSV and JSONL agree.
 */
#ifndef QGATE_DATA_TYPES_H
#define QGATE_DATA_TYPES_H

#include <stddef.h>

#include "qgate/strmap.h"
#include "schema.h"

/* time: strict (format default) is XSD's hh:mm:ss[.frac][Z|(+|-)hh:mm] with
 * an offset of at most 14:00; not strict (format any) the seconds may be
 * left out, ',' may start the fraction and the offset may be +hhmm or +hh.
 * *secs: seconds since midnight, UTC when a zone is given (it may then fall
 * outside 0..86400). data_value_time() in schema.h is the strict one. */
int data_value_time_fmt(const char *s, size_t n, int strict, double *secs);

/* YYYY-MM (a 4-digit year, month 01-12) -> months since year 0 (y*12+m-1). */
int data_value_yearmonth(const char *s, size_t n, long long *months);

/* An ISO 8601 duration: an optional '-', then PnYnMnDTnHnMnS (at least one
 * element, in this order, 'T' only before a time element) or PnW alone.
 * Numbers are digits; a fraction ('.' or ',') only on the last element.
 * *secs: an ordering key (a year of 365.2425 days, a month of a twelfth of
 * that), used for nothing exact. */
int data_value_duration(const char *s, size_t n, double *secs);

enum data_geopoint_format { DATA_GEOPOINT_DEFAULT = 0, DATA_GEOPOINT_ARRAY, DATA_GEOPOINT_OBJECT };
/* "lon, lat" (a comma, spaces allowed after it), [lon, lat] or
 * {"lon": lon, "lat": lat}; -180 <= lon <= 180, -90 <= lat <= 90. */
int data_value_geopoint(const char *s, size_t n, enum data_geopoint_format fmt, double *lon, double *lat);

/* A GeoJSON object (RFC 7946 structure: Point ... FeatureCollection), or
 * with topojson a TopoJSON Topology (objects, arcs). */
int data_value_geojson(const char *s, size_t n, int topojson);

/* A JSON object / a JSON array. *size (may be NULL): members / elements. */
int data_value_object(const char *s, size_t n, size_t *size);
int data_value_array(const char *s, size_t n, size_t *size);

/* v2 list: items split on `delim` (a JSON array's elements when the text
 * starts with '['), each a valid value of item_type (string, integer,
 * number, boolean with the given true/false values, date, datetime, time;
 * dates and times in their default formats). *items: how many. */
int data_value_list(const char *s, size_t n, char delim, enum qg_field_type item_type,
		    const struct qg_strmap *true_values, const struct qg_strmap *false_values, size_t *items);

/* string format binary: canonical base64 (RFC 4648, padded). */
int data_value_binary(const char *s, size_t n);

/* bareNumber: false -- leading text that cannot start a number and trailing
 * text that cannot end one are stripped ("EUR 95" and "95%" are 95):
 * [*s, *s + *n) is narrowed in place. NaN/INF spellings are left whole. */
void data_value_strip_bare(const char **s, size_t *n, char decimal);

#endif
