/* jsonscan.h -- a compact JSON tree over borrowed bytes (the lint gate's readers)
 *
 * For large reports (a 100 MB SARIF) cJSON's allocation per value is too slow
 * and too heavy. js_parse() validates the text in one pass and records every
 * value as a 16-byte node in one array, in document order; strings and
 * numbers stay slices of the caller's bytes (decoded on demand), so memory
 * is the input plus about 1.5x for a typical report. Invariants: a
 * container's children follow it directly; `next` is the index just past a
 * node's subtree; an object's members are key, value, key, value...; index 0
 * is the root, so 0 doubles as "absent" for lookups of members.
 */
#ifndef QGATE_LINT_JSONSCAN_H
#define QGATE_LINT_JSONSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "qgate/buf.h"

enum js_type { JS_NULL, JS_FALSE, JS_TRUE, JS_NUM, JS_STR, JS_ARR, JS_OBJ };

struct js_node {
	uint32_t off;  /* byte offset of the value (strings: after the quote) */
	uint32_t len;  /* strings/numbers: bytes; arrays: elements; objects: members */
	uint32_t next; /* index just past this node's subtree */
	uint8_t type;
	uint8_t esc;   /* string holds a backslash escape */
};

struct js_doc {
	const char *src;
	size_t len;
	struct js_node *n;
	size_t nr, alloc;
};

/* Parse src (a leading UTF-8 BOM is skipped). Malformed text is QG_EINPUT
 * "name:line:column: ..."; nesting deeper than 512 is refused the same way.
 * On failure nothing stays allocated (js_release() is still safe). */
int js_parse(struct js_doc *d, const char *src, size_t len, const char *name);
void js_release(struct js_doc *d);

/* Member `key` of object o (0 when o is not an object or has no such key). */
uint32_t js_get(const struct js_doc *d, uint32_t o, const char *key);
/* Element i of array a (0 when out of range or not an array). */
uint32_t js_at(const struct js_doc *d, uint32_t a, size_t i);
static inline int js_is(const struct js_doc *d, uint32_t i, enum js_type t) { return i && d->n[i].type == t; }
/* Decode string node i into b (reset first). QG_EINPUT when not a string. */
int js_str(const struct js_doc *d, uint32_t i, struct qg_buf *b);
/* Compare string node i with s (decoded). */
int js_str_eq(const struct js_doc *d, uint32_t i, const char *s);
/* Integer value of a number node; 0 and *ok = 0 when not an integer. */
long long js_int(const struct js_doc *d, uint32_t i, int *ok);
/* 1-based line and column of byte offset off. */
void js_where(const struct js_doc *d, size_t off, long long *line, long long *col);
/* Helpers the other readers share: a hex digit's value (-1 when not one),
 * and code point cp appended to b as UTF-8. */
int js_hexval(int c);
int js_utf8_put(struct qg_buf *b, unsigned cp);
/* Callback for every duplicate key (key node index, first key's index). */
int js_check_dups(const struct js_doc *d, int (*cb)(void *ud, uint32_t dup, uint32_t first), void *ud);

#endif
