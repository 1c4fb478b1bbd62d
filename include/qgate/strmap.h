/* strmap.h -- the one string map: byte strings to dense indices
 *
 * Invariants: keys are owned copies, each NUL-terminated and followed by
 * QG_STRMAP_PAD zero bytes (so word-at-a-time readers may load past the
 * end), with its length in lens[] (a key may hold NUL bytes; lens rules).
 * Indices are dense and stable, 0..nr-1 in the order keys were first added:
 * callers keep arrays parallel to keys[]. Lookups compare lengths first and
 * never read past a key; the open-addressing index is at most half full.
 * Up to QG_STRMAP_LINEAR keys are found by a scan without hashing (boolean
 * words, most enums: the data gate asks per cell).
 */
#ifndef QGATE_STRMAP_H
#define QGATE_STRMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QG_STRMAP_PAD 16
#define QG_STRMAP_LINEAR 8

/* The first and the last w bytes (w 4 or 8, a constant once inlined;
 * n >= w) of x and y compared as two words each. */
static inline uint64_t qg_bytes_word(const unsigned char *p, size_t w)
{
	uint64_t v8;
	uint32_t v4;

	if (w == 8) {
		memcpy(&v8, p, 8);
		return v8;
	}
	memcpy(&v4, p, 4);
	return v4;
}

static inline int qg_bytes_ends_eq(const unsigned char *x, const unsigned char *y, size_t n, size_t w)
{
	return ((qg_bytes_word(x, w) ^ qg_bytes_word(y, w)) |
		(qg_bytes_word(x + n - w, w) ^ qg_bytes_word(y + n - w, w))) == 0;
}

/* Equality of n bytes for the short strings of sets and sketches: two
 * overlapping loads a side for 4..16 bytes, a byte loop below, memcmp
 * above; inline, so a per-cell lookup makes no call. */
static inline int qg_bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	if (n >= 8 && n <= 16)
		return qg_bytes_ends_eq(x, y, n, 8);
	if (n >= 4 && n < 8)
		return qg_bytes_ends_eq(x, y, n, 4);
	if (n < 4) {
		for (size_t i = 0; i < n; i++)
			if (x[i] != y[i])
				return 0;
		return 1;
	}
	return !memcmp(x, y, n);
}

struct qg_strmap {
	char **keys;      /* owned; keys[i] has lens[i] bytes, then QG_STRMAP_PAD + 1 zeros */
	size_t *lens;
	size_t nr, alloc; /* alloc: of keys and lens */
	uint32_t *slots;  /* index + 1, 0 = empty; nslots a power of two */
	size_t nslots;
};

#define QG_STRMAP_INIT { NULL, NULL, 0, 0, NULL, 0 }

/* Index of key[0..len), or -1 when it is not in the map. */
long qg_strmap_find(const struct qg_strmap *m, const void *key, size_t len);

/* Index of key[0..len), added at the end when absent: >= 0, or QG_ENOMEM
 * (also past UINT32_MAX - 1 keys), the map unchanged. */
long qg_strmap_add(struct qg_strmap *m, const void *key, size_t len);

static inline int qg_strmap_has(const struct qg_strmap *m, const void *key, size_t len)
{
	return qg_strmap_find(m, key, len) >= 0;
}

/* Free the keys and the index; the map is empty again (NULL-safe). */
void qg_strmap_release(struct qg_strmap *m);

#endif
