/* uniq.c -- bounded key sets for unique/primaryKey (see uniq.h)
 *
 * Intervals make the usual key column (1, 2, 3, ... possibly with gaps)
 * nearly free: a sorted input only ever extends the last interval or appends
 * one, both O(1) through `hint`. Inserting in the middle costs a memmove, so
 * it is allowed only while there are few intervals (MID_MAX); past that,
 * keys that fit no interval go to the hash table. Invariant: no value is in
 * both an interval and the table.
 */
#include "qgate/common.h"

#include "qgate/hash.h"
#include "uniq.h"

#define MID_MAX 4096
#define END_MAX ((size_t)1 << 20)

void data_uniq_init(struct qg_uniq *u, int ints, atomic_llong *budget, long long cap)
{
	memset(u, 0, sizeof(*u));
	u->ints = ints;
	u->budget = budget;
	u->cap = cap;
}

void data_uniq_release(struct qg_uniq *u)
{
	if (!u)
		return;
	free(u->iv);
	free(u->slots);
	if (u->budget && u->charged)
		atomic_fetch_sub(u->budget, u->charged);
	u->iv = NULL;
	u->slots = NULL;
	u->nr_iv = u->alloc_iv = u->nr_slots = u->nr = 0;
	u->has_zero = 0;
	u->charged = 0;
	u->hint = 0;
	u->fnext = u->flim = 0;
}

static void uniq_refresh(struct qg_uniq *u);

static int charge(struct qg_uniq *u, long long bytes)
{
	if (u->budget) {
		if (atomic_fetch_add(u->budget, bytes) + bytes > u->cap) {
			atomic_fetch_sub(u->budget, bytes);
			u->overflow = 1;
			return -1;
		}
	}
	u->charged += bytes;
	return 0;
}

static void uncharge(struct qg_uniq *u, long long bytes)
{
	if (u->budget)
		atomic_fetch_sub(u->budget, bytes);
	u->charged -= bytes;
}

/* ---------------------------------------------------------------- table */

static inline size_t slot_of(uint64_t v, size_t mask)
{
	return (size_t)qg_hash_fmix64(v) & mask;
}

static int table_has(const struct qg_uniq *u, uint64_t v)
{
	size_t k, mask;

	if (!v)
		return u->has_zero;
	if (!u->nr)
		return 0;
	mask = u->nr_slots - 1;
	for (k = slot_of(v, mask); u->slots[k]; k = (k + 1) & mask)
		if (u->slots[k] == v)
			return 1;
	return 0;
}

/* 1 inserted, 0 present, -1 overflow */
static int table_add(struct qg_uniq *u, uint64_t v)
{
	size_t k, mask;

	if (!v) {
		if (u->has_zero)
			return 0;
		u->has_zero = 1;
		return 1;
	}
	if ((u->nr + 1) * 4 > u->nr_slots * 3) {
		size_t ns = u->nr_slots ? u->nr_slots * 2 : 1024;
		uint64_t *slots;

		if (charge(u, (long long)(ns * 8)) < 0)
			return -1;
		slots = calloc(ns, 8);
		if (!slots) {
			uncharge(u, (long long)(ns * 8));
			u->overflow = 1;
			return -1;
		}
		for (size_t i = 0; i < u->nr_slots; i++) {
			uint64_t x = u->slots[i];
			if (x) {
				for (k = slot_of(x, ns - 1); slots[k]; k = (k + 1) & (ns - 1))
					;
				slots[k] = x;
			}
		}
		if (u->nr_slots)
			uncharge(u, (long long)(u->nr_slots * 8));
		free(u->slots);
		u->slots = slots;
		u->nr_slots = ns;
	}
	mask = u->nr_slots - 1;
	for (k = slot_of(v, mask); u->slots[k]; k = (k + 1) & mask)
		if (u->slots[k] == v)
			return 0;
	u->slots[k] = v;
	u->nr++;
	return 1;
}

int data_uniq_add_hash(struct qg_uniq *u, uint64_t h)
{
	int r = table_add(u, h);

	uniq_refresh(u);
	return r;
}

/* ------------------------------------------------------------ intervals */

/* First interval with hi >= v (nr_iv when none). */
static size_t locate(const struct qg_uniq *u, long long v)
{
	size_t lo = 0, hi = u->nr_iv, h = u->hint;

	/* sorted input: v lands right after the hint interval */
	if (h < u->nr_iv && u->iv[h][1] < v && (h + 1 == u->nr_iv || u->iv[h + 1][1] >= v))
		return h + 1;
	if (h < u->nr_iv && u->iv[h][1] >= v && (h == 0 || u->iv[h - 1][1] < v))
		return h;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->iv[mid][1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int iv_insert(struct qg_uniq *u, size_t i, long long lo, long long hi)
{
	if (u->nr_iv == u->alloc_iv) {
		size_t na = u->alloc_iv ? u->alloc_iv * 2 : 64;
		long long (*iv)[2];

		if (charge(u, (long long)((na - u->alloc_iv) * 16)) < 0)
			return -1;
		iv = realloc(u->iv, na * 16);
		if (!iv) {
			uncharge(u, (long long)((na - u->alloc_iv) * 16));
			u->overflow = 1;
			return -1;
		}
		u->iv = iv;
		u->alloc_iv = na;
	}
	memmove(u->iv + i + 1, u->iv + i, (u->nr_iv - i) * 16);
	u->iv[i][0] = lo;
	u->iv[i][1] = hi;
	u->nr_iv++;
	return 0;
}

/* The state data_uniq_add_int_fast() tests: the key right after interval
 * `hint`, below the start of the next one, while no key is hashed. */
static void uniq_refresh(struct qg_uniq *u)
{
	size_t h = u->hint;

	u->fnext = u->flim = 0;
	if (u->ints && !u->nr && !u->has_zero && h < u->nr_iv && u->iv[h][1] != INT64_MAX) {
		u->fnext = u->iv[h][1] + 1;
		u->flim = h + 1 == u->nr_iv ? INT64_MAX : u->iv[h + 1][0] - 1;
	}
}

static int uniq_add_int(struct qg_uniq *u, long long v)
{
	size_t i;
	int left, right;

	if (!u->ints)
		return table_add(u, qg_hash_fmix64((uint64_t)v));
	if ((u->nr || u->has_zero) && table_has(u, (uint64_t)v))
		return 0;
	i = locate(u, v);
	if (i < u->nr_iv && u->iv[i][0] <= v)
		return 0;
	left = i > 0 && v != INT64_MIN && u->iv[i - 1][1] == v - 1;
	right = i < u->nr_iv && v != INT64_MAX && u->iv[i][0] == v + 1;
	if (left && right) {
		u->iv[i - 1][1] = u->iv[i][1];
		memmove(u->iv + i, u->iv + i + 1, (u->nr_iv - i - 1) * 16);
		u->nr_iv--;
		u->hint = i - 1;
	} else if (left) {
		u->iv[i - 1][1] = v;
		u->hint = i - 1;
	} else if (right) {
		u->iv[i][0] = v;
		u->hint = i;
	} else if ((i == u->nr_iv && u->nr_iv < END_MAX) || u->nr_iv < MID_MAX) {
		if (iv_insert(u, i, v, v) < 0)
			return -1;
		u->hint = i;
	} else {
		return table_add(u, (uint64_t)v);
	}
	return 1;
}

int data_uniq_add_int(struct qg_uniq *u, long long v)
{
	int r = uniq_add_int(u, v);

	uniq_refresh(u);
	return r;
}

static int iv_contains(const struct qg_uniq *u, long long v)
{
	size_t lo = 0, hi = u->nr_iv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->iv[mid][1] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < u->nr_iv && u->iv[lo][0] <= v;
}

/* ---------------------------------------------------------------- merge */

static int merge_ints(struct qg_uniq *into, struct qg_uniq *from, long long *dups)
{
	long long d = 0;
	size_t a = 0, b = 0, n = 0, cap = into->nr_iv + from->nr_iv;
	long long (*out)[2] = NULL;
	struct qg_uniq tab;
	int ret = 0;

	/* overlaps of intervals: walk both sorted lists */
	while (a < into->nr_iv && b < from->nr_iv) {
		long long lo = into->iv[a][0] > from->iv[b][0] ? into->iv[a][0] : from->iv[b][0];
		long long hi = into->iv[a][1] < from->iv[b][1] ? into->iv[a][1] : from->iv[b][1];
		if (lo <= hi)
			d += hi - lo + 1;
		if (into->iv[a][1] < from->iv[b][1])
			a++;
		else
			b++;
	}
	/* table values against the other side's intervals and table */
	if (into->has_zero && iv_contains(from, 0))
		d++;
	for (size_t i = 0; i < into->nr_slots; i++)
		if (into->slots[i] && iv_contains(from, (long long)into->slots[i]))
			d++;
	if (from->has_zero && (iv_contains(into, 0) || into->has_zero))
		d++;
	for (size_t i = 0; i < from->nr_slots; i++) {
		long long x = (long long)from->slots[i];
		if (from->slots[i] && (iv_contains(into, x) || table_has(into, (uint64_t)x)))
			d++;
	}
	/* union of the intervals, coalescing adjacent ones */
	if (cap && charge(into, (long long)(cap * 16)) < 0)
		return -1;
	out = malloc((cap ? cap : 1) * 16);
	if (!out) {
		uncharge(into, (long long)(cap * 16));
		into->overflow = 1;
		return -1;
	}
	a = b = 0;
	while (a < into->nr_iv || b < from->nr_iv) {
		long long *nx;
		if (b >= from->nr_iv || (a < into->nr_iv && into->iv[a][0] <= from->iv[b][0]))
			nx = into->iv[a++];
		else
			nx = from->iv[b++];
		if (n && (out[n - 1][1] == INT64_MAX || nx[0] <= out[n - 1][1] + 1)) {
			if (nx[1] > out[n - 1][1])
				out[n - 1][1] = nx[1];
		} else {
			out[n][0] = nx[0];
			out[n][1] = nx[1];
			n++;
		}
	}
	/* the tables: values outside the new intervals */
	data_uniq_init(&tab, 1, into->budget, into->cap);
	free(into->iv);
	uncharge(into, (long long)(into->alloc_iv * 16));
	into->iv = out;
	into->nr_iv = n;
	into->alloc_iv = cap;
	into->hint = 0;
	for (int side = 0; side < 2 && !ret; side++) {
		struct qg_uniq *s = side ? from : into;
		if (s->has_zero && !iv_contains(into, 0))
			tab.has_zero = 1;
		for (size_t i = 0; i < s->nr_slots && !ret; i++)
			if (s->slots[i] && !iv_contains(into, (long long)s->slots[i]) && table_add(&tab, s->slots[i]) < 0)
				ret = -1;
	}
	if (ret) {
		into->overflow = 1;
		data_uniq_release(&tab);
		return -1;
	}
	free(into->slots);
	uncharge(into, (long long)(into->nr_slots * 8));
	into->slots = tab.slots;
	into->nr_slots = tab.nr_slots;
	into->nr = tab.nr;
	into->has_zero = tab.has_zero;
	/* move tab's charge to into */
	into->charged += tab.charged;
	*dups += d;
	return 0;
}

int data_uniq_merge(struct qg_uniq *into, struct qg_uniq *from, long long *dups)
{
	int ret = 0;

	if (from->overflow)
		into->overflow = 1;
	if (into->ints) {
		ret = merge_ints(into, from, dups);
	} else {
		if (from->has_zero && table_add(into, 0) == 0)
			(*dups)++;
		for (size_t i = 0; i < from->nr_slots && !ret; i++) {
			if (!from->slots[i])
				continue;
			int r = table_add(into, from->slots[i]);
			if (r == 0)
				(*dups)++;
			else if (r < 0)
				ret = -1;
		}
	}
	data_uniq_release(from);
	uniq_refresh(into);
	return ret;
}
