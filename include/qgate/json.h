/* json.h -- JSON trees for config, results and metrics (wraps cJSON)
 *
 * Invariants: struct qg_json is opaque; cJSON never appears outside
 * lib/core/json.c. A tree is owned by its root: qg_json_free() on the root frees
 * everything, children returned by getters are borrowed. Builders attach the
 * new node to its parent and return it (NULL on ENOMEM, error recorded).
 * Printing is deterministic: members in insertion order, numbers that are
 * integers printed without exponent, other doubles in shortest round-trip
 * form, NaN and infinities as null.
 */
#ifndef QGATE_JSON_H
#define QGATE_JSON_H

#include <stddef.h>

struct qg_buf;
struct qg_json;

enum qg_json_type {
	QG_JSON_INVALID = 0,
	QG_JSON_NULL,
	QG_JSON_BOOL,
	QG_JSON_NUMBER,
	QG_JSON_STRING,
	QG_JSON_ARRAY,
	QG_JSON_OBJECT,
};

/* Parse text. On malformed JSON returns QG_EPARSE with a message naming
 * `name` (a file name, may be NULL), the line and column. */
int qg_json_parse(struct qg_json **out, const char *text, size_t len, const char *name);
/* Read and parse a file: QG_EINPUT when unreadable, QG_EPARSE when malformed. */
int qg_json_parse_file(struct qg_json **out, const char *path);
void qg_json_free(struct qg_json *j);
struct qg_json *qg_json_dup(const struct qg_json *j);

/* New roots. NULL on ENOMEM. */
struct qg_json *qg_json_new_object(void);
struct qg_json *qg_json_new_array(void);

/* Reading. All accept NULL and return a neutral value. */
enum qg_json_type qg_json_type(const struct qg_json *j);
const char *qg_json_type_name(enum qg_json_type t);
const struct qg_json *qg_json_get(const struct qg_json *obj, const char *key);
double qg_json_number(const struct qg_json *j);       /* NaN when not a number */
const char *qg_json_string(const struct qg_json *j);  /* NULL when not a string */
int qg_json_bool(const struct qg_json *j);            /* -1 when not a bool */
size_t qg_json_size(const struct qg_json *j);         /* array/object members */
const struct qg_json *qg_json_at(const struct qg_json *j, size_t i);
/* Iterate members of an array or object; qg_json_key() names an object member. */
const struct qg_json *qg_json_first(const struct qg_json *j);
const struct qg_json *qg_json_next(const struct qg_json *j);
const char *qg_json_key(const struct qg_json *member);

/* Building: key is the member name (objects) and must be NULL for arrays. */
struct qg_json *qg_json_add_number(struct qg_json *parent, const char *key, double v);
struct qg_json *qg_json_add_string(struct qg_json *parent, const char *key, const char *s);
struct qg_json *qg_json_add_bool(struct qg_json *parent, const char *key, int v);
struct qg_json *qg_json_add_null(struct qg_json *parent, const char *key);
struct qg_json *qg_json_add_object(struct qg_json *parent, const char *key);
struct qg_json *qg_json_add_array(struct qg_json *parent, const char *key);
/* Attach an existing root under parent (ownership moves on success). */
int qg_json_attach(struct qg_json *parent, const char *key, struct qg_json *child);
/* Remove and free a member of an object; no-op when missing. */
void qg_json_remove(struct qg_json *obj, const char *key);

/* Append the serialisation to out; pretty uses two-space indents and ends
 * with a newline. */
int qg_json_print(struct qg_buf *out, const struct qg_json *j, int pretty);
/* Append s as a JSON string literal (quotes included). */
int qg_json_quote(struct qg_buf *out, const char *s, size_t len);

#endif
