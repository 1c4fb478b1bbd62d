/* schema_int.h -- what the Table Schema reader's files share (not for the validator)
 *
 * schema.c reads the descriptor's top level and owns the walk's helpers (the
 * JSON pointer kept for messages, the error builder), schema_field.c reads
 * one field, schema_type.c holds the per-type table. Every helper that
 * complains returns QG_EUSAGE after qg_error() with the pointer in the text.
 */
#ifndef QGATE_DATA_SCHEMA_INT_H
#define QGATE_DATA_SCHEMA_INT_H

#include "qgate/json.h"
#include "qgate/strmap.h"
#include "schema.h"

struct schema_loader {
	const char *name;
	struct qg_buf ptr; /* current JSON pointer, for messages */
	int ptr_err;       /* sticky: the pointer could not be built (checked at the end) */
	int allow_unknown; /* custom keys accepted (--allow-unknown-keys) */
};

/* Enum, true/false and missing values are the core's string map
 * (include/qgate/strmap.h); adding one twice keeps one. */
static inline int schema_strset_add(struct qg_strmap *set, const char *s, size_t n)
{
	long r = qg_strmap_add(set, s, n);

	return r < 0 ? (int)r : 0;
}

/* The JSON pointer: push a key or an index (remembering where to pop to). */
void schema_ptr_push(struct schema_loader *L, size_t *mark, const char *key);
void schema_ptr_push_index(struct schema_loader *L, size_t *mark, size_t i);
void schema_ptr_pop(struct schema_loader *L, size_t mark);
/* QG_EUSAGE: "'<name>': <pointer>: <message>, found <json>" (found may be NULL). */
int schema_bad(struct schema_loader *L, const struct qg_json *found, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Known keys (NULL-ended lists): schema_in() is 1 when key is one of
 * them; schema_unknown_key() is QG_EUSAGE at /<pointer>/<key> with the
 * nearest known key suggested ("did you mean 'primaryKey'?"). */
int schema_in(const char *key, const char *const *known);
const char *schema_nearest(const char *name, const char *const *known);
int schema_unknown_key(struct schema_loader *L, const char *key, const char *const *known, const char *what);

int schema_string_list(struct schema_loader *L, struct qg_strmap *set, const struct qg_json *arr);
/* missingValues: an array of strings, or (v2) of {"value", "label"}
 * objects -- the labels are descriptive. */
int schema_missing_list(struct schema_loader *L, struct qg_strmap *set, const struct qg_json *arr);
int schema_char(struct schema_loader *L, const struct qg_json *v, char *out);
int schema_fraction(struct schema_loader *L, const struct qg_json *v, double *out);

/* One field object (S->fields[0..f-1] already read, for duplicate names). */
int schema_field_parse(struct schema_loader *L, struct qg_schema *S, struct qg_schema_field *f,
		       const struct qg_json *fj);
void schema_field_release(struct qg_schema_field *f);

#endif
