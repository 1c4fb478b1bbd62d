/* sketch_topk.c -- space-saving top-k (sketch.h has its guarantees)
 *
 * 64 counters of values of at most 256 bytes, under a 4096-slot
 * linear-probing hash (a count-min filter in front once the table is full)
 * with a rotating cursor that finds a minimal counter in amortised O(1). The
 * JSON form keeps values that text cannot carry (a NUL, not UTF-8, cut at
 * 256 bytes) round-trip through "bytes" and "hash".
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/buf.h"
#include "qgate/json.h"
#include "qgate/utf8.h"
#include "schema.h"
#include "sketch.h"
#include "sketch_int.h"

/* ---- space-saving top-k --------------------------------------------------- */

#define SLOT_EMPTY 0xff
#define SLOT_MASK (QG_TOPK_SLOTS - 1)

void data_topk_init(struct qg_topk *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->slot, SLOT_EMPTY, sizeof(t->slot));
}

void data_topk_release(struct qg_topk *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < QG_TOPK_K; i++)
		free(t->items[i].val);
	free(t->filter);
	data_topk_init(t);
}

static inline int topk_match(const struct qg_topk_item *it, const char *val, size_t len, uint64_t hash)
{
	size_t cmp = len < QG_TOPK_MAXLEN ? len : QG_TOPK_MAXLEN;
	return it->hash == hash && it->len == len && !memcmp(it->val, val, cmp);
}

int data_topk_find(const struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	uint32_t s = (uint32_t)hash & SLOT_MASK;
	for (;;) {
		uint8_t idx = t->slot[s];
		if (idx == SLOT_EMPTY)
			return -1;
		if (topk_match(&t->items[idx], val, len, hash))
			return idx;
		s = (s + 1) & SLOT_MASK;
	}
}

static void topk_slot_insert(struct qg_topk *t, uint32_t idx)
{
	uint32_t s = (uint32_t)t->items[idx].hash & SLOT_MASK;
	while (t->slot[s] != SLOT_EMPTY)
		s = (s + 1) & SLOT_MASK;
	t->slot[s] = (uint8_t)idx;
}

static void topk_slot_delete(struct qg_topk *t, uint32_t idx)
{
	uint32_t i = (uint32_t)t->items[idx].hash & SLOT_MASK, j;

	while (t->slot[i] != idx)
		i = (i + 1) & SLOT_MASK;
	t->slot[i] = SLOT_EMPTY;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	j = i;
	for (;;) {
		uint32_t home;
		j = (j + 1) & SLOT_MASK;
		if (t->slot[j] == SLOT_EMPTY)
			return;
		home = (uint32_t)t->items[t->slot[j]].hash & SLOT_MASK;
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			t->slot[j] = SLOT_EMPTY;
			i = j;
		}
	}
}

static int topk_set_val(struct qg_topk_item *it, const char *val, size_t len, uint64_t hash)
{
	size_t keep = len < QG_TOPK_MAXLEN ? len : QG_TOPK_MAXLEN;
	if (keep + 1 > it->alloc) {
		size_t a = keep + 1 <= 48 ? 48 : QG_TOPK_MAXLEN + 1;
		char *p = realloc(it->val, a);
		if (!p)
			return qg_error(QG_ENOMEM, "out of memory");
		it->val = p;
		it->alloc = (uint32_t)a;
	}
	memcpy(it->val, val, keep);
	it->val[keep] = '\0';
	it->len = (uint32_t)len;
	it->hash = hash;
	return 0;
}

/* Fold a count into the filter cells of `hash` (cells only grow: each
 * bounds every untracked value mapped to it). */
static inline void topk_filter_max(uint32_t *f, uint64_t hash, uint64_t count)
{
	uint32_t c = count < UINT32_MAX ? (uint32_t)count : UINT32_MAX;
	uint32_t *a = &f[data_topk_cell0(hash)], *b = &f[data_topk_cell1(hash)];
	if (*a < c)
		*a = c;
	if (*b < c)
		*b = c;
}

/* Make min exact: recount when no counter is known to hold it. */
static inline void topk_min(struct qg_topk *t)
{
	uint64_t m = UINT64_MAX;
	uint32_t nm = 0;

	if (t->nmin)
		return;
	for (uint32_t k = 0; k < QG_TOPK_K; k++) {
		uint64_t c = t->items[k].count;
		if (c < m) {
			m = c;
			nm = 1;
		} else if (c == m) {
			nm++;
		}
	}
	t->min = m;
	t->nmin = nm;
}

/* The inline path's threshold after a change of min, nmin or filter. */
static inline void topk_thr(struct qg_topk *t)
{
	t->thr = t->filter && t->nmin ? (uint32_t)(t->min < UINT32_MAX - 1 ? t->min : UINT32_MAX - 1) : 0;
}

/* A value untracked in a full, filtered table: when its filter estimate
 * plus one stays within the minimum (made exact first), the conservative
 * update -- only cells at the estimate move -- and 1; else 0 (it may have
 * occurred min + 1 times: it takes a minimal counter). */
static inline __attribute__((always_inline)) int topk_filter_take(struct qg_topk *t, uint64_t hash)
{
	uint32_t *a = &t->filter[data_topk_cell0(hash)], *b = &t->filter[data_topk_cell1(hash)];
	uint64_t e = (uint64_t)(*a < *b ? *a : *b) + 1;

	topk_min(t);
	if (e > t->min || e >= UINT32_MAX)
		return 0;
	if (*a < e)
		*a = (uint32_t)e;
	if (*b < e)
		*b = (uint32_t)e;
	return 1;
}

/* A full table gives up a counter holding the minimum (the search starts
 * at the cursor): taken out of the index, its count left behind in the
 * filter as its cells' bound, nmin one less. Returns its index. */
static inline __attribute__((always_inline)) uint32_t topk_evict(struct qg_topk *t)
{
	uint32_t i = t->cursor;

	topk_min(t);
	while (t->items[i].count != t->min)
		i = (i + 1) & (QG_TOPK_K - 1);
	t->cursor = (i + 1) & (QG_TOPK_K - 1);
	t->nmin--;
	topk_slot_delete(t, i);
	if (t->filter)
		topk_filter_max(t->filter, t->items[i].hash, t->items[i].count);
	return i;
}

/* Track a value that is not tracked yet. Plain space-saving (absolute = 0)
 * adds count/error to the evicted minimum; the filtered form (absolute = 1)
 * sets them, the bucket already bounding the value's earlier occurrences. */
static int topk_insert(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		       uint64_t error, int absolute)
{
	uint32_t i;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	if (t->nr < QG_TOPK_K) {
		i = t->nr;
		if (topk_set_val(&t->items[i], val, len, hash))
			return QG_ENOMEM;
		t->items[i].count = count;
		t->items[i].error = error;
		t->nr++;
		topk_slot_insert(t, i);
		return 0;
	}
	/* full: replace a counter holding the minimum; the newcomer inherits
	 * that count as its possible overestimate */
	i = topk_evict(t);
	{
		uint64_t old = t->items[i].count;
		if (topk_set_val(&t->items[i], val, len, hash))
			return QG_ENOMEM;
		t->items[i].count = absolute ? count : old + count;
		t->items[i].error = absolute ? error : old + error;
		if (t->items[i].count == t->min)
			t->nmin++;
	}
	topk_slot_insert(t, i);
	return 0;
}

static int topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		      uint64_t error);

int data_topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		  uint64_t error)
{
	int ret = topk_add_n(t, val, len, hash, count, error);
	topk_thr(t);
	return ret;
}

static int topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		      uint64_t error)
{
	int idx = data_topk_find(t, val, len, hash);

	t->n += count;
	if (idx >= 0) {
		if (t->nr == QG_TOPK_K && t->nmin && t->items[idx].count == t->min)
			t->nmin--;
		t->items[idx].count += count;
		t->items[idx].error += error;
		return 0;
	}
	return topk_insert(t, val, len, hash, count, error, 0);
}

static int topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash);

int data_topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	int ret;

	t->n++;
	ret = topk_add_untracked(t, val, len, hash);
	topk_thr(t);
	return ret;
}

int data_topk_add_untracked_nc(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	struct qg_topk_item *it;
	uint32_t i;
	int ret;

	if (t->nr < QG_TOPK_K || !t->filter) {
		ret = topk_add_untracked(t, val, len, hash);
		topk_thr(t);
		return ret;
	}
	/* topk_add_untracked() and topk_insert() of a full filtered table,
	 * in one piece (the helpers are inlined): the profile comes here for
	 * some 5% of the values of a high-cardinality column, a call chain of
	 * four made it ~250 instructions a time */
	if (topk_filter_take(t, hash)) {
		topk_thr(t);
		return 0;
	}
	/* topk_insert(t, val, len, hash, min + 1, min, 1) */
	i = topk_evict(t);
	it = &t->items[i];
	if (len < 32 && it->alloc >= 32) {
		/* a table cell: QG_TABLE_PAD readable bytes follow it */
		memcpy(it->val, val, 32);
		it->val[len] = '\0';
		it->len = (uint32_t)len;
		it->hash = hash;
	} else if (topk_set_val(it, val, len > UINT32_MAX ? UINT32_MAX : len, hash)) {
		return QG_ENOMEM;
	}
	it->error = t->min;
	it->count = t->min + 1; /* never min: nmin stays */
	topk_slot_insert(t, i);
	topk_thr(t);
	return 0;
}

static int topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	if (t->nr < QG_TOPK_K)
		return topk_insert(t, val, len, hash, 1, 0, 0);
	if (!t->filter) {
		/* everything seen so far is tracked with its exact count:
		 * untracked values have occurred 0 times */
		t->filter = calloc(QG_TOPK_FILTER, sizeof(uint32_t));
		if (!t->filter)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	/* the estimate (the smaller cell) bounds this value's true count */
	if (topk_filter_take(t, hash))
		return 0;
	/* the value may have occurred min + 1 times: plain space-saving */
	return topk_insert(t, val, len, hash, t->min + 1, t->min, 1);
}

uint64_t data_topk_untracked_max(const struct qg_topk *t)
{
	uint64_t m = UINT64_MAX;
	if (t->nr < QG_TOPK_K)
		return 0;
	for (uint32_t i = 0; i < t->nr; i++)
		if (t->items[i].count < m)
			m = t->items[i].count;
	return m;
}

struct ord {
	const struct qg_topk *t;
	uint32_t i;
};

static int ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;
	const struct qg_topk_item *p = &x->t->items[x->i], *q = &y->t->items[y->i];
	int c;
	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	c = strcmp(p->val, q->val);
	if (c)
		return c;
	return (p->len > q->len) - (p->len < q->len);
}

size_t data_topk_sorted(const struct qg_topk *t, uint32_t *order)
{
	struct ord o[QG_TOPK_K];
	for (uint32_t i = 0; i < t->nr; i++) {
		o[i].t = t;
		o[i].i = i;
	}
	qsort(o, t->nr, sizeof(o[0]), ord_cmp);
	for (uint32_t i = 0; i < t->nr; i++)
		order[i] = o[i].i;
	return t->nr;
}

struct topk_cand {
	const struct qg_topk_item *it;
	uint64_t count, error;
};

static int cand_cmp(const void *pa, const void *pb)
{
	const struct topk_cand *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->it->val, b->it->val);
}

int data_topk_merge(struct qg_topk *dst, const struct qg_topk *src)
{
	/* Agarwal et al.: a value untracked on one side may have occurred up to
	 * that side's minimum there, so it is charged that much (as count and
	 * as error); then the k largest survive. */
	struct topk_cand c[2 * QG_TOPK_K];
	uint64_t dmin = data_topk_untracked_max(dst), smin = data_topk_untracked_max(src), n;
	size_t nc = 0, keep;
	struct qg_topk out;
	int ret = 0;

	for (uint32_t i = 0; i < dst->nr; i++) {
		const struct qg_topk_item *it = &dst->items[i];
		int j = data_topk_find(src, it->val, it->len, it->hash);
		c[nc].it = it;
		c[nc].count = it->count + (j >= 0 ? src->items[j].count : smin);
		c[nc].error = it->error + (j >= 0 ? src->items[j].error : smin);
		nc++;
	}
	for (uint32_t i = 0; i < src->nr; i++) {
		const struct qg_topk_item *it = &src->items[i];
		if (data_topk_find(dst, it->val, it->len, it->hash) >= 0)
			continue;
		c[nc].it = it;
		c[nc].count = it->count + dmin;
		c[nc].error = it->error + dmin;
		nc++;
	}
	/* selection by count descending, ties by value for determinism (values
	 * are distinct: a total order). qsort, not an insertion sort: merging
	 * the profiles of many small files, where most counts tie, spent its
	 * time in the insertion sort's string compares */
	qsort(c, nc, sizeof(c[0]), cand_cmp);
	keep = nc < QG_TOPK_K ? nc : QG_TOPK_K;
	n = dst->n + src->n;
	data_topk_init(&out);
	for (size_t a = 0; a < keep && !ret; a++) {
		struct qg_topk_item *it = &out.items[out.nr];
		ret = topk_set_val(it, c[a].it->val, c[a].it->len, c[a].it->hash);
		if (ret)
			break;
		it->count = c[a].count;
		it->error = c[a].error;
		topk_slot_insert(&out, out.nr);
		out.nr++;
	}
	if (ret) {
		data_topk_release(&out);
		return ret;
	}
	out.n = n;
	out.min = data_topk_untracked_max(&out);
	if (out.nr == QG_TOPK_K) {
		/* buckets must keep bounding untracked values should more be
		 * added: the sum of both sides' buckets (each <= its side's
		 * minimum, so <= the merged minimum), or the minimum itself
		 * where a side kept none */
		out.filter = malloc(QG_TOPK_FILTER * sizeof(uint32_t));
		if (!out.filter) {
			data_topk_release(&out);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (uint32_t i = 0; i < QG_TOPK_FILTER; i++) {
			uint64_t v = (dst->filter ? dst->filter[i] : dmin) + (src->filter ? src->filter[i] : smin);
			if (v > out.min)
				v = out.min;
			out.filter[i] = v < UINT32_MAX ? (uint32_t)v : UINT32_MAX;
		}
		for (size_t a = keep; a < nc; a++)
			topk_filter_max(out.filter, c[a].it->hash, c[a].count < out.min ? c[a].count : out.min);
	}
	data_topk_release(dst);
	*dst = out;
	return 0;
}

int data_topk_to_json(struct qg_json *parent, const char *key, const struct qg_topk *t)
{
	struct qg_json *o = qg_json_add_object(parent, key), *a;
	uint32_t order[QG_TOPK_K];
	size_t nr = data_topk_sorted(t, order);

	if (!o || !qg_json_add_number(o, "k", QG_TOPK_K) || !qg_json_add_number(o, "n", (double)t->n) ||
	    !(a = qg_json_add_array(o, "items")))
		return QG_ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		const struct qg_topk_item *it = &t->items[order[i]];
		struct qg_json *e = qg_json_add_object(a, NULL);
		size_t keep = it->len < QG_TOPK_MAXLEN ? it->len : QG_TOPK_MAXLEN;
		if (!e || !qg_json_add_string(e, "value", it->val) ||
		    !qg_json_add_number(e, "count", (double)it->count) ||
		    !qg_json_add_number(e, "error", (double)it->error))
			return QG_ENOMEM;
		if (it->len > QG_TOPK_MAXLEN) {
			/* the value cut at the cap: its length and the hash of
			 * all of it, so that it matches its occurrences again */
			char hex[17];
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)it->hash);
			if (!qg_json_add_number(e, "length", it->len) || !qg_json_add_string(e, "hash", hex))
				return QG_ENOMEM;
		}
		if (memchr(it->val, '\0', keep) || qg_utf8_check(it->val, keep, NULL)) {
			/* JSON text cannot carry these bytes (a NUL, invalid
			 * UTF-8 shown as U+FFFD): the bytes themselves too */
			struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
			int ret = qg_base64_encode(&b, it->val, keep);
			if (!ret && !qg_json_add_string(e, "bytes", b.buf))
				ret = QG_ENOMEM;
			qg_buf_release(&b);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* 16 hex digits, nothing else: 0 and *out, or -1 */
static int hex64(uint64_t *out, const char *s)
{
	uint64_t v = 0;

	if (!s || strlen(s) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		int c = (unsigned char)s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* An item's "bytes" (base64 of at most QG_TOPK_MAXLEN bytes) into buf:
 * their number, or -1 when malformed. */
static long item_bytes(char *buf, const char *text)
{
	size_t tl = strlen(text), n;

	if (!tl || tl % 4 || tl / 4 * 3 > QG_TOPK_MAXLEN + 2)
		return -1;
	n = tl / 4 * 3 - (text[tl - 1] == '=') - (text[tl - 2] == '=');
	if (n > QG_TOPK_MAXLEN || qg_base64_decode(buf, n, text))
		return -1;
	return (long)n;
}

/* A loaded value saved cut at QG_TOPK_MAXLEN bytes ("length" says how
 * long it was): its first bytes (vlen of them: "bytes", or the text as
 * read back, which the JSON writer may have re-encoded) are kept in a
 * zeroed buffer of the cap, so that comparisons of min(len, cap) bytes
 * stay inside it. Its hash is the saved "hash" of the whole value when
 * there is one (set by the caller); this one, of the kept bytes, matches
 * no occurrence (files written before "hash" was). */
static int topk_set_cut(struct qg_topk_item *it, const char *v, size_t vlen, size_t len)
{
	size_t keep = vlen < QG_TOPK_MAXLEN ? vlen : QG_TOPK_MAXLEN;
	char *p = realloc(it->val, QG_TOPK_MAXLEN + 1);

	if (!p)
		return qg_error(QG_ENOMEM, "out of memory");
	memset(p, 0, QG_TOPK_MAXLEN + 1);
	memcpy(p, v, keep);
	it->val = p;
	it->alloc = QG_TOPK_MAXLEN + 1;
	it->len = (uint32_t)len;
	it->hash = qg_hash64(p, keep) ^ (uint64_t)len;
	return 0;
}

int data_topk_from_json(struct qg_topk *t, const struct qg_json *j, const char *what)
{
	const struct qg_json *a = qg_json_get(j, "items"), *e;
	uint64_t n, sum = 0;

	data_topk_init(t);
	if (qg_json_type(j) != QG_JSON_OBJECT || sketch_json_u64(&n, qg_json_get(j, "n")) ||
	    qg_json_type(a) != QG_JSON_ARRAY || qg_json_size(a) > QG_TOPK_K)
		return qg_error(QG_EPARSE, "%s: expected a top-k object with \"n\" and at most %d \"items\"",
				what, QG_TOPK_K);
	for (e = qg_json_first(a); e; e = qg_json_next(e)) {
		const char *v = qg_json_string(qg_json_get(e, "value"));
		const char *bytes_text = qg_json_string(qg_json_get(e, "bytes"));
		char raw[QG_TOPK_MAXLEN + 3];
		uint64_t count, error, len, vlen;
		struct qg_topk_item *it;
		if (!v || sketch_json_u64(&count, qg_json_get(e, "count")) ||
		    sketch_json_u64(&error, qg_json_get(e, "error")) || error > count)
			goto bad;
		vlen = strlen(v);
		if (bytes_text) {
			/* the value's own bytes (the text only shows them) */
			long nb = item_bytes(raw, bytes_text);
			if (nb < 0)
				goto bad;
			v = raw;
			vlen = (uint64_t)nb;
		}
		len = vlen;
		if (qg_json_get(e, "length") && (sketch_json_u64(&len, qg_json_get(e, "length")) || len > UINT32_MAX ||
						 (len != vlen && len <= QG_TOPK_MAXLEN)))
			goto bad;
		it = &t->items[t->nr];
		if (len == vlen) {
			uint64_t h = qg_hash64(v, len);
			if (len <= QG_TOPK_MAXLEN && data_topk_find(t, v, len, h) >= 0)
				goto bad;
			if (topk_set_val(it, v, len, h))
				return QG_ENOMEM;
		} else {
			uint64_t h;
			if (topk_set_cut(it, v, vlen, len))
				return QG_ENOMEM;
			if (qg_json_get(e, "hash")) {
				if (hex64(&h, qg_json_string(qg_json_get(e, "hash"))))
					goto bad;
				it->hash = h;
			}
		}
		it->count = count;
		it->error = error;
		topk_slot_insert(t, t->nr);
		t->nr++;
		sum += count - error;
	}
	if (sum > n)
		goto bad;
	t->n = n;
	t->min = data_topk_untracked_max(t);
	if (t->nr == QG_TOPK_K) {
		/* buckets are not stored: the minimum bounds every untracked value */
		t->filter = malloc(QG_TOPK_FILTER * sizeof(uint32_t));
		if (!t->filter) {
			data_topk_release(t);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (uint32_t i = 0; i < QG_TOPK_FILTER; i++)
			t->filter[i] = t->min < UINT32_MAX ? (uint32_t)t->min : UINT32_MAX;
	}
	return 0;
bad:
	data_topk_release(t);
	return qg_error(QG_EPARSE, "%s: malformed top-k item (needs string \"value\", integers "
			"\"count\" >= \"error\", no duplicates)", what);
}
