/* schema.h -- Frictionless Table Schema, loaded and compiled for fast checks
 *
 * A schema is loaded once (data_schema_load) into plain C: every field's type,
 * format and constraints are parsed into typed bounds, a compiled PCRE2
 * pattern (JIT), and an enum hash set, so the validator never looks at JSON
 * again. An invalid schema is QG_EUSAGE (exit 2) whose message names the file
 * and the JSON pointer at fault:
 *   'schema.json': /fields/3/constraints/minimum: expected a number, found "ten"
 *
 * Nothing in a schema is ignored: every key Table Schema v1/v2 and CSV
 * Dialect define is honoured or refused (exit 2 naming the JSON pointer),
 * unknown keys are refused with "did you mean" (DATA_SCHEMA_ALLOW_UNKNOWN
 * accepts custom metadata at the top level and in fields). The key tables
 * are in schema.c (top level, dialect, qgate) and schema_field.c (fields,
 * constraints); the per-type table (types, formats, constraints allowed,
 * type-specific keys) is data_types[] in schema_type.c.
 *
 * Read: fields[] {name, type, format, constraints, trueValues, falseValues,
 * decimalChar, groupChar, bareNumber, delimiter, itemType, missingValues,
 * categories, categoriesOrdered}; missingValues (strings or v2 {value,
 * label} objects, default [""]); primaryKey (string or array); v2
 * uniqueKeys and fieldsMatch; foreignKeys; a "dialect" object. Extras under
 * "qgate": minRows, maxRows, maxNullFraction (object field -> fraction, or
 * per field "qgate": {"maxNullFraction": x}), delimiter, and the retired
 * header "exact" | "subset" | "superset" (mapped to fieldsMatch: qgate's
 * "subset" meant the data's columns are a subset of the fields, which is
 * the spec's "superset", and the other way round).
 *
 * Value parsers (data_value_*) are pure functions over (ptr, len) -- no
 * allocation, no locale, no NUL terminator needed -- shared by validate and
 * infer. They return 0 when the text is a valid value and -1 when not.
 */
#ifndef QGATE_DATA_SCHEMA_H
#define QGATE_DATA_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "qgate/strmap.h" /* enum, true/false and missing values */
#include "qgate/strvec.h"

#include "qgate/utf8.h" /* qg_utf8_check(), which cells are checked with */

enum qg_field_type {
	QG_TYPE_STRING = 0,
	QG_TYPE_INTEGER,
	QG_TYPE_NUMBER,
	QG_TYPE_BOOLEAN,
	QG_TYPE_DATE,
	QG_TYPE_DATETIME,
	QG_TYPE_TIME,
	QG_TYPE_YEAR,
	QG_TYPE_ANY,
	/* the rest of Table Schema v1 and v2 (parsers in types.h); a new
	 * type also gets a row in data_types[] (schema_type.c) */
	QG_TYPE_YEARMONTH,
	QG_TYPE_DURATION,
	QG_TYPE_GEOPOINT,
	QG_TYPE_GEOJSON,
	QG_TYPE_OBJECT,
	QG_TYPE_ARRAY,
	QG_TYPE_LIST,
};
const char *data_field_type_name(enum qg_field_type t);

enum qg_field_format {
	QG_FMT_DEFAULT = 0,
	QG_FMT_ANY,      /* date/datetime/time: any ISO 8601 spelling we understand */
	QG_FMT_EMAIL,
	QG_FMT_URI,
	QG_FMT_UUID,
	QG_FMT_PATTERN,  /* date/datetime/time with a strptime-like pattern */
	QG_FMT_BINARY,   /* string: base64 */
	QG_FMT_ARRAY,    /* geopoint [lon, lat] */
	QG_FMT_OBJECT,   /* geopoint {"lon": .., "lat": ..} */
	QG_FMT_TOPOJSON,   /* geojson */
};

enum qg_constraint {
	QG_C_REQUIRED = 1 << 0,
	QG_C_UNIQUE = 1 << 1,
	QG_C_MINIMUM = 1 << 2,
	QG_C_MAXIMUM = 1 << 3,
	QG_C_EXMINIMUM = 1 << 4,
	QG_C_EXMAXIMUM = 1 << 5,
	QG_C_MINLENGTH = 1 << 6,
	QG_C_MAXLENGTH = 1 << 7,
	QG_C_PATTERN = 1 << 8,
	QG_C_ENUM = 1 << 9,
	QG_C_CATEGORIES = 1 << 10, /* v2 categories (a field key, checked like a constraint) */
};

/* v2 fieldsMatch, with the spec's meanings (S = the schema's fields, D =
 * the data's columns): exact S = D in order; equal S = D in any order;
 * subset S within D (D may have more); superset D within S (D may lack
 * some); partial at least one of S in D. Fields map by name except exact. */
enum qg_fields_match {
	QG_MATCH_EXACT = 0,
	QG_MATCH_EQUAL,
	QG_MATCH_SUBSET,
	QG_MATCH_SUPERSET,
	QG_MATCH_PARTIAL,
};
const char *data_fields_match_name(enum qg_fields_match m);

/* One row of the per-type table (schema_type.c): the reader takes a type's
 * formats, allowed constraints and type-specific keys from here only. */
struct data_format_name {
	const char *name;
	enum qg_field_format format;
};
struct data_type_info {
	const char *name;                         /* as the schema spells it */
	int type;                                 /* enum qg_field_type; -1: a spec type
						     qgate cannot check yet (refused) */
	unsigned constraints;                     /* enum qg_constraint bits allowed */
	const struct data_format_name *formats;   /* besides "default"; NULL-ended */
	int pattern_formats;                      /* "any" and strptime-like patterns */
	const char *const *keys;                  /* field keys only this type takes */
};
extern const struct data_type_info data_types[];
extern const size_t data_nr_types;
/* The row of a type name / of a type, NULL when there is none. */
const struct data_type_info *data_type_info_find(const char *name);
const struct data_type_info *data_type_info_of(enum qg_field_type t);


struct pcre2_real_code_8;

struct qg_schema_field {
	char *name;
	size_t name_len;
	enum qg_field_type type;
	enum qg_field_format format;
	char *format_text;        /* as written, for messages; NULL for default */
	unsigned constraints;     /* enum qg_constraint bits present */
	/* Bounds as the type's ordered key: integer/year in i*, every other
	 * type in d* (number value, date = days since 1970-01-01, datetime =
	 * seconds since the epoch in UTC, time = seconds since midnight). */
	long long imin, imax, iexmin, iexmax;
	double dmin, dmax, dexmin, dexmax;
	char *min_text, *max_text, *exmin_text, *exmax_text; /* for messages */
	/* all four bounds folded into one inclusive range for the hot path:
	 * a value inside [ilo, ihi] / [dlo, dhi] passes every bound check */
	long long ilo, ihi;
	double dlo, dhi;
	long long min_length, max_length; /* characters (UTF-8 code points) */
	char *pattern;
	struct pcre2_real_code_8 *re;     /* compiled, JIT when available */
	int re_jit;                       /* JIT compiled: use pcre2_jit_match */
	struct qg_strmap enum_values;     /* string forms; for integer/number
					     also enum_num[] (parsed) */
	double *enum_num;
	size_t nr_enum_num;
	struct qg_strmap true_values, false_values;
	char decimal_char, group_char;    /* number/integer; group 0 = none */
	int has_missing;                  /* field-level missingValues given */
	struct qg_strmap missing_values;  /* only when has_missing */
	double max_null_fraction;         /* qgate extra; < 0 when not set */
	int primary_key;                  /* part of the primary key */
	int bare_number;                  /* integer/number bareNumber (default 1) */
	char list_delimiter;              /* list delimiter (default ',') */
	enum qg_field_type item_type;     /* list itemType (default string) */
	int has_categories;               /* v2 categories given */
	int categories_ordered;           /* v2 categoriesOrdered */
	struct qg_strmap categories;      /* the categories' values as text (labels
					     are descriptive) */
};

/* v2 uniqueKeys: each a list of field indexes (into qg_schema.fields). */
struct qg_unique_key {
	size_t *fields;
	size_t nr;
};

/* foreignKeys: fields[i] of this table references ref_fields[i] of
 * `resource` (NULL: this table, a self-reference; v1 "" and an omitted v2
 * resource both mean that). For a self-reference ref_index[i] is the index
 * of ref_fields[i] in this schema; for another resource -1. */
struct qg_foreign_key {
	size_t *fields;
	size_t nr;
	char *resource;
	char **ref_fields;
	long *ref_index;
};

struct qg_schema {
	char *path;
	struct qg_schema_field *fields;
	size_t nr_fields;
	struct qg_strmap missing_values;  /* table level (default {""}) */
	int missing_only_empty;           /* fast path: missingValues == [""] */
	size_t *primary_key;              /* field indexes */
	size_t nr_primary_key;
	char delimiter;                   /* dialect.delimiter, 0 when absent */
	int no_header;                    /* dialect.header false (or v2 headerRows []):
					     CSV/TSV lines are all data, the fields'
					     names are the columns (input.h) */
	const char **field_names;         /* fields[i].name, nr_fields of them (borrowed) */
	long long min_rows, max_rows;     /* -1 when absent */
	enum qg_fields_match fields_match;
	struct qg_unique_key *unique_keys;
	size_t nr_unique_keys;
	struct qg_foreign_key *foreign_keys;
	size_t nr_foreign_keys;
};

enum data_schema_flags {
	DATA_SCHEMA_ALLOW_UNKNOWN = 1 << 0, /* custom keys at the top level and in fields */
};

/* Load and compile a schema file. 0; QG_EINPUT (unreadable), QG_EPARSE
 * mapped to QG_EUSAGE (malformed JSON: exit 2), QG_EUSAGE naming the JSON
 * pointer. On failure *out is released. */
int data_schema_load(struct qg_schema *out, const char *path);
int data_schema_load_flags(struct qg_schema *out, const char *path, unsigned flags);
/* The same from text; `name` is used in messages. */
int data_schema_parse(struct qg_schema *out, const char *text, size_t len, const char *name);
int data_schema_parse_flags(struct qg_schema *out, const char *text, size_t len, const char *name,
			    unsigned flags);
void data_schema_release(struct qg_schema *s);
/* Index of a field by name, -1 when absent. */
long data_schema_field_index(const struct qg_schema *s, const char *name, size_t len);

/* ----------------------------------------------------------- value parsers */

/* Integer: optional sign, digits, optional group character between digits
 * (group 0 = none). Out of int64 range is invalid. */
int data_value_int(const char *s, size_t n, char group, long long *out);
/* Number: decimal with optional fraction and exponent, NaN, INF, -INF;
 * decimal/group characters as given ('.' and 0 by default). Correctly
 * rounded (fast exact path, strtod otherwise). */
int data_value_number(const char *s, size_t n, char decimal, char group, double *out);
/* ISO 8601 date YYYY-MM-DD -> days since 1970-01-01. */
int data_value_date(const char *s, size_t n, long long *days);
/* ISO 8601 datetime YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM|-HH:MM] -> seconds
 * since the epoch, UTC. `strict` (format default) requires the 'T' and
 * allows only what Frictionless' default allows; otherwise a space is also
 * accepted and the seconds may be omitted. */
int data_value_datetime(const char *s, size_t n, int strict, double *secs);
/* HH:MM:SS[.frac] -> seconds since midnight. */
int data_value_time(const char *s, size_t n, double *secs);
/* A strptime-like pattern; result kind depends on `type` (date: days,
 * datetime: epoch seconds, time: seconds since midnight). */
int data_value_pattern(const char *pattern, enum qg_field_type type, const char *s, size_t n, double *out);
/* 1-4 digit year, optional sign. */
int data_value_year(const char *s, size_t n, long long *out);
int data_value_email(const char *s, size_t n);
int data_value_uri(const char *s, size_t n);
int data_value_uuid(const char *s, size_t n);

/* Parse a value of the field's type (missing values already excluded).
 * *ikey / *dkey get the ordered key used for bounds (see above). */
int data_field_parse(const struct qg_schema_field *f, const char *s, size_t n, long long *ikey, double *dkey);

#endif
