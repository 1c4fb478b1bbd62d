/* strmap.c -- the one string map (include/qgate/strmap.h)
 *
 * Open addressing with linear probing over slots that hold index + 1, at most
 * half full, hashed with qg_hash_bytes; the keys live in one array in the
 * order they came, so an index is also a position callers can keep arrays
 * for. Before this there were three: the data gate's schema sets (enum,
 * true/false and missing values), the model gate's class and slice maps and
 * a name index in the table reader.
 */
#include "qgate/common.h"

#include "qgate/hash.h"
#include "qgate/strmap.h"

long qg_strmap_find(const struct qg_strmap *m, const void *key, size_t len)
{
	size_t h;

	if (!m->nr)
		return -1;
	if (m->nr <= QG_STRMAP_LINEAR) {
		for (size_t i = 0; i < m->nr; i++)
			if (m->lens[i] == len && qg_bytes_eq(m->keys[i], key, len))
				return (long)i;
		return -1;
	}
	h = (size_t)qg_hash_bytes(key, len, 0) & (m->nslots - 1);
	while (m->slots[h]) {
		size_t i = m->slots[h] - 1;

		if (m->lens[i] == len && !memcmp(m->keys[i], key, len))
			return (long)i;
		h = (h + 1) & (m->nslots - 1);
	}
	return -1;
}

static void slot_put(uint32_t *slots, size_t nslots, const char *key, size_t len, size_t i)
{
	size_t h = (size_t)qg_hash_bytes(key, len, 0) & (nslots - 1);

	while (slots[h])
		h = (h + 1) & (nslots - 1);
	slots[h] = (uint32_t)(i + 1);
}

long qg_strmap_add(struct qg_strmap *m, const void *key, size_t len)
{
	long found = qg_strmap_find(m, key, len);
	size_t alloc = m->alloc;
	char *copy;

	if (found >= 0)
		return found;
	if (m->nr >= UINT32_MAX - 1)
		return qg_error(QG_ENOMEM, "too many distinct values");
	if (len > SIZE_MAX - QG_STRMAP_PAD - 1 || !(copy = calloc(1, len + QG_STRMAP_PAD + 1)))
		return qg_error(QG_ENOMEM, "out of memory");
	memcpy(copy, key, len);
	/* the index is rebuilt at twice the size when it would be over half full */
	if ((m->nr + 1) * 2 > m->nslots) {
		size_t ns = m->nslots ? m->nslots * 2 : 16;
		uint32_t *slots = calloc(ns, sizeof(*slots));

		if (!slots) {
			free(copy);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < m->nr; i++)
			slot_put(slots, ns, m->keys[i], m->lens[i], i);
		free(m->slots);
		m->slots = slots;
		m->nslots = ns;
	}
	if (qg_alloc_grow((void **)&m->keys, &alloc, m->nr + 1, sizeof(*m->keys)) ||
	    qg_alloc_grow((void **)&m->lens, &m->alloc, m->nr + 1, sizeof(*m->lens))) {
		free(copy);
		return QG_ENOMEM;
	}
	m->keys[m->nr] = copy;
	m->lens[m->nr] = len;
	slot_put(m->slots, m->nslots, copy, len, m->nr);
	return (long)m->nr++;
}

void qg_strmap_release(struct qg_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
