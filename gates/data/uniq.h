/* uniq.h -- bounded sets of keys for unique and primaryKey checks
 *
 * A key is either an integer (integer/year fields, a single-field integer
 * primary key) or a 64-bit hash of the typed value (everything else).
 *
 * Integer keys live in a sorted array of disjoint intervals [lo, hi]: a run
 * of consecutive ids (the common shape of a key column) costs 16 bytes
 * however long it is. Keys that extend no interval open a new one while
 * there are fewer than QG_UNIQ_MAX_INTERVALS; after that they go to an
 * open-addressing hash table of raw values. Hash keys only use the table.
 *
 * Memory: every growth is charged to a shared budget (atomic, bytes) before
 * it happens; when the budget would be exceeded the set stops growing and
 * reports overflow -- the caller turns that into a check error, never a
 * silent pass. One set is used by one thread; sets of different pieces are
 * combined afterwards with data_uniq_merge(), which counts keys the two share.
 */
#ifndef QGATE_DATA_UNIQ_H
#define QGATE_DATA_UNIQ_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define QG_UNIQ_MAX_INTERVALS 65536

struct qg_uniq {
	int ints;                 /* 1: integer keys, 0: hash keys */
	long long (*iv)[2];       /* sorted, disjoint, non-adjacent intervals */
	size_t nr_iv, alloc_iv;
	size_t hint;              /* interval touched last (sorted input: O(1)) */
	uint64_t *slots;          /* 0 = empty; integer 0 stored via has_zero */
	size_t nr_slots, nr;
	int has_zero;
	long long charged;        /* bytes charged to the budget */
	atomic_llong *budget;     /* shared bytes in use */
	long long cap;            /* bytes allowed in total */
	int overflow;
	/* the inline fast path (data_uniq_add_int_fast): v == fnext && v < flim
	 * extends interval `hint` by one; both 0 (never true) when it does not
	 * apply. Kept by uniq.c after every change. */
	long long fnext, flim;
};

void data_uniq_init(struct qg_uniq *u, int ints, atomic_llong *budget, long long cap);
void data_uniq_release(struct qg_uniq *u);
/* 1: new key, 0: seen before (a duplicate), -1: over the memory cap (the
 * key was not stored; u->overflow is set). */
int data_uniq_add_int(struct qg_uniq *u, long long v);
int data_uniq_add_hash(struct qg_uniq *u, uint64_t h);
/* data_uniq_add_int() with its commonest case inline: the key right after the
 * interval touched last (an increasing id column), no hashed keys. */
static inline int data_uniq_add_int_fast(struct qg_uniq *u, long long v)
{
	if (v == u->fnext && v < u->flim) {
		u->iv[u->hint][1] = v;
		u->fnext = v + 1;
		return 1;
	}
	return data_uniq_add_int(u, v);
}
/* Move every key of `from` into `into` (same kind); *dups gets how many keys
 * of `from` were already in `into`. `from` is released. 0, or -1 on
 * overflow. */
int data_uniq_merge(struct qg_uniq *into, struct qg_uniq *from, long long *dups);

#endif
