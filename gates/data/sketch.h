/* sketch.h -- mergeable streaming sketches for qgate-data profile and drift
 *
 * Three summaries, each with bounded memory whatever the stream length and an
 * exact-or-bounded merge, so that profiles of shards combine:
 *
 * - struct qg_kll: KLL quantile sketch (Karnin, Lang, Liberty 2016) over
 *   doubles, k = 200, capacities shrinking by c = 2/3 per level, with a
 *   bottom sampler once the stream is long (one item of every 2^s consecutive
 *   ones enters level s with weight 2^s). Randomness comes from a
 *   deterministic generator seeded with a constant, so the same input in the
 *   same order always gives the same sketch. Total weight equals the number
 *   of values exactly. Stated bound: normalised rank error <= 1.65% with 99%
 *   confidence (QG_KLL_RANK_ERROR); exact while no compaction happened
 *   (fewer than ~600 values).
 * - struct qg_hll: HyperLogLog, p = 14 (16384 one-byte registers, 64-bit
 *   hash), Ertl's improved estimator; standard error 1.04/sqrt(m) = 0.81%.
 *   Merge is the register-wise maximum (exact).
 * - struct qg_topk: space-saving with k = 64 counters (Metwally et al.)
 *   behind a filter, in the spirit of Homem & Carvalho's "Filtered
 *   Space-Saving" (2010): once the table is full, a value that is not
 *   tracked bumps its cells in a small conservative-update count-min sketch
 *   (QG_TOPK_FILTER counters, two per value) and takes over a
 *   minimal counter only when that estimate exceeds the minimum. The filter
 *   bounds every untracked value's true count (an evicted value's count is
 *   folded back into its cells), so the space-saving invariants hold: an
 *   insert gets count min + 1 and error min, a tracked item's count
 *   overestimates its true count by at most `error`, counts add up to at
 *   most n, and every untracked item occurs at most min-count times
 *   (<= n/k). On a high-cardinality column the minimum now rises with the
 *   stream, so most values cost a hash, a probe and two counter updates
 *   instead of an eviction. Merged as in Agarwal et al. "Mergeable
 *   summaries". Exact while fewer than k distinct values were seen.
 *
 * Values enter as bytes plus their qg_hash64(), computed once per cell by
 * the caller and shared by the HLL and the space-saving table.
 */
#ifndef QGATE_DATA_SKETCH_H
#define QGATE_DATA_SKETCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qgate/base64.h" /* the registers and non-UTF-8 values in JSON */
#include "qgate/hash.h"   /* qg_hash64(), which values enter with */
#include "qgate/strmap.h" /* qg_bytes_eq() */

struct qg_buf;
struct qg_json;

/* ---- KLL ---------------------------------------------------------------- */

#define QG_KLL_K 200
#define QG_KLL_MAX_LEVELS 60
#define QG_KLL_RANK_ERROR 0.0165 /* normalised rank error, 99% confidence, k = 200 */
#define QG_KLL_SEED 0x9e3779b97f4a7c15ULL

struct qg_kll {
	uint64_t n;        /* values summarised (== total weight) */
	double min, max;   /* exact; meaningless while n == 0 */
	uint64_t rng;      /* deterministic generator state */
	uint32_t nlevels;  /* >= 1 */
	double *lv[QG_KLL_MAX_LEVELS]; /* level h holds items of weight 2^h; h >= 1 sorted */
	uint32_t len[QG_KLL_MAX_LEVELS];
	uint32_t alloc[QG_KLL_MAX_LEVELS];
	/* sorted view for queries, rebuilt lazily after changes */
	double *sv_items;
	uint64_t *sv_cum; /* cumulative weight up to and including item i */
	size_t sv_nr;
	int sv_valid;
};

void data_kll_init(struct qg_kll *s);
void data_kll_release(struct qg_kll *s);
/* Add a batch of values (NaN must not be passed). Uses the bottom sampler
 * when the sketch is long enough. 0 or QG_ENOMEM. */
int data_kll_add_batch(struct qg_kll *s, const double *v, size_t nr);
/* The same with the batch's minimum and maximum already known (the first
 * of equal extremes, as a strict < / > scan finds them). */
int data_kll_add_batch_mm(struct qg_kll *s, const double *v, size_t nr, double lo, double hi);
/* dst += src (src unchanged). 0 or QG_ENOMEM. */
int data_kll_merge(struct qg_kll *dst, const struct qg_kll *src);
/* Estimated fraction of values < x (strict) and <= x. 0 when empty. */
double data_kll_rank_lt(struct qg_kll *s, double x);
double data_kll_rank_le(struct qg_kll *s, double x);
/* The smallest retained value v with rank_le(v) >= q (q in [0,1]); q = 0
 * gives min, q = 1 max. NaN when empty. */
double data_kll_quantile(struct qg_kll *s, double q);
/* Retained items in order with their cumulative weights (borrowed, valid
 * until the next change). Returns the number of items; 0 when empty. */
size_t data_kll_sorted(struct qg_kll *s, const double **items, const uint64_t **cum);
/* Retained items (for memory accounting and tests). */
size_t data_kll_retained(const struct qg_kll *s);
/* {"k":200,"n":N,"min":..,"max":..,"rng":"hex","levels":[[..],..]} */
int data_kll_to_json(struct qg_json *parent, const char *key, const struct qg_kll *s);
/* Rebuild from that object; QG_EPARSE naming `what` when malformed. */
int data_kll_from_json(struct qg_kll *s, const struct qg_json *j, const char *what);

/* ---- HyperLogLog ---------------------------------------------------------- */

#define QG_HLL_P 14
#define QG_HLL_M (1u << QG_HLL_P)
#define QG_HLL_REL_ERROR 0.008125 /* 1.04 / sqrt(16384) */

struct qg_hll {
	uint8_t reg[QG_HLL_M];
	/* a lower bound of every register: a hash whose rank is <= minv
	 * cannot raise any, i.e. only (hash << QG_HLL_P) <= lim =
	 * UINT64_MAX >> minv needs the register (see data_hll_add_hash); nmin
	 * counts registers still at minv (the bound rises when it reaches 0) */
	uint64_t lim;
	uint32_t nmin;
	uint32_t minv;
};

/* A register rises (rare: about m ln(n/m) times in n values). */
void data_hll_rise(struct qg_hll *h, uint32_t idx, uint8_t r);

static inline void data_hll_add_hash(struct qg_hll *h, uint64_t hash)
{
	/* rank r = clz(w) + 1 exceeds minv only when w < 2^(64 - minv): on a
	 * long high-cardinality stream most hashes stop here, without
	 * touching the registers */
	if ((hash << QG_HLL_P) <= h->lim) {
		uint32_t idx = (uint32_t)(hash >> (64 - QG_HLL_P));
		uint64_t w = (hash << QG_HLL_P) | ((uint64_t)1 << (QG_HLL_P - 1));
		uint8_t r = (uint8_t)(__builtin_clzll(w) + 1);
		/* past the first few thousand values the branch is almost
		 * never taken (predicted), and no store is made */
		if (__builtin_expect(r > h->reg[idx], 0))
			data_hll_rise(h, idx, r);
	}
}
void data_hll_init(struct qg_hll *h);
void data_hll_merge(struct qg_hll *dst, const struct qg_hll *src);
double data_hll_estimate(const struct qg_hll *h);
/* Registers as base64 text (a JSON string). */
int data_hll_to_json(struct qg_json *parent, const char *key, const struct qg_hll *h);
int data_hll_from_json(struct qg_hll *h, const struct qg_json *j, const char *what);

/* ---- space-saving top-k --------------------------------------------------- */

#define QG_TOPK_K 64
/* slots of the item index: 64 items in 4096 slots, so that a value that is
 * not tracked (most of them on a high-cardinality column) nearly always
 * finds its first slot empty -- a predicted branch (1024 slots: 6% of
 * probes went on, and the branch with them) */
#define QG_TOPK_SLOTS 4096
#define QG_TOPK_MAXLEN 256 /* bytes of a value kept for display; longer ones match by hash+length */
#define QG_TOPK_FILTER 2048 /* filter counters (a power of two, >= 16) */

struct qg_topk_item {
	char *val;      /* owned, NUL-terminated, at most QG_TOPK_MAXLEN bytes kept */
	uint32_t len;   /* the value's full length */
	uint32_t alloc;
	uint64_t hash;
	uint64_t count; /* >= true count */
	uint64_t error; /* count - error <= true count */
};

struct qg_topk {
	uint32_t nr;
	uint32_t cursor;   /* where the next search for a minimal counter starts */
	uint64_t min;      /* the smallest count once full (exact while nmin > 0) */
	uint32_t nmin;     /* counters holding exactly `min`; 0 = recompute */
	uint64_t n;        /* values seen */
	struct qg_topk_item items[QG_TOPK_K];
	uint8_t slot[QG_TOPK_SLOTS]; /* open addressing: item index, 0xff empty */
	uint32_t *filter;  /* QG_TOPK_FILTER counters, allocated when the table fills; UINT32_MAX = unbounded */
	/* the inline path's test: an untracked value whose filter estimate
	 * is below thr is absorbed by the filter; 0 = let
	 * data_topk_add_untracked() decide. Nonzero only while filter is set,
	 * nmin > 0, and then min(min, UINT32_MAX - 1) (e = estimate + 1 <= min
	 * and e < UINT32_MAX in one compare) */
	uint32_t thr;
};

/* Filter cells of a hash: both in one 64-byte line of 16 counters (a
 * blocked count-min sketch: one cache miss per value), line from bits
 * 8..16, counters from bits 20..23 and 24..27 (the slot table uses bits
 * 0..11, the HyperLogLog the top 14; sharing bits with the slot table
 * costs nothing, it is exact). Equal cells are allowed: the bound
 * holds with one. */
#define QG_TOPK_FILTER_LINES (QG_TOPK_FILTER / 16)
static inline uint32_t data_topk_line(uint64_t hash)
{
	return ((uint32_t)(hash >> 8) & (QG_TOPK_FILTER_LINES - 1)) << 4;
}
static inline uint32_t data_topk_cell0(uint64_t hash)
{
	return data_topk_line(hash) | ((uint32_t)(hash >> 20) & 15);
}
static inline uint32_t data_topk_cell1(uint64_t hash)
{
	return data_topk_line(hash) | ((uint32_t)(hash >> 24) & 15);
}
/* Warm the cache lines a later data_topk_add/data_hll_add_hash of `hash` uses. */
static inline void data_topk_prefetch(const struct qg_topk *t, uint64_t hash)
{
	if (t->filter)
		__builtin_prefetch(&t->filter[data_topk_line(hash)], 1);
}

void data_topk_init(struct qg_topk *t);
void data_topk_release(struct qg_topk *t);
/* Equal bytes, `a` a kept value (NUL-terminated, at most QG_TOPK_MAXLEN
 * bytes), `b` a cell of `len` bytes; the hashes already matched, so this is
 * a confirmation: short values with two overlapping loads, no call. */
static inline int data_topk_same(const char *a, const char *b, size_t len)
{
	/* 4..16 bytes inline; the rest through memcmp, which measured
	 * cheaper here than qg_bytes_eq's byte loop (0.4% of profile's
	 * instructions on the benchmark CSV) */
	if (len - 4 <= 12)
		return qg_bytes_eq(a, b, len);
	return !memcmp(a, b, len < QG_TOPK_MAXLEN ? len : QG_TOPK_MAXLEN);
}

/* An untracked value while the table is full and its minimum known (thr,
 * nonzero): 1 when the filter absorbs it -- the smaller of its two
 * counters is below thr, and both are raised to at least that plus one --
 * 0 when it must go the slow way (see data_topk_add_untracked). */
static inline __attribute__((always_inline)) int data_topk_filter_absorb(struct qg_topk *t, uint64_t hash, uint32_t thr)
{
	uint32_t *line = &t->filter[data_topk_line(hash)];
	uint32_t *a = &line[(uint32_t)(hash >> 20) & 15], *b = &line[(uint32_t)(hash >> 24) & 15];
	uint32_t m = *a < *b ? *a : *b, e = m + 1;

	if (m >= thr)
		return 0;
	*a = *a < e ? e : *a;
	*b = *b < e ? e : *b;
	return 1;
}

/* Count one occurrence. 0 or QG_ENOMEM. The tracked case is inline. */
int data_topk_add_untracked(struct qg_topk *t, const char *val, size_t len, uint64_t hash);
static inline __attribute__((always_inline)) int data_topk_add(struct qg_topk *t, const char *val, size_t len, uint64_t hash)
{
	uint32_t s = (uint32_t)hash & (QG_TOPK_SLOTS - 1);

	for (;;) {
		uint8_t idx = t->slot[s];
		const struct qg_topk_item *it;
		if (idx == 0xff) {
			/* untracked, table full, minimum known: the filter usually
			 * absorbs it (see data_topk_add_untracked) */
			uint32_t thr = t->thr;
			if (thr && data_topk_filter_absorb(t, hash, thr)) {
				t->n++;
				return 0;
			}
			return data_topk_add_untracked(t, val, len, hash);
		}
		it = &t->items[idx];
		if (it->hash == hash && it->len == len && data_topk_same(it->val, val, len)) {
			t->n++;
			if (t->items[idx].count++ == t->min && t->nmin && !--t->nmin)
				t->thr = 0;
			return 0;
		}
		s = (s + 1) & (QG_TOPK_SLOTS - 1);
	}
}
/* The profile's column loop: data_hll_add_hash() and data_topk_add() of one
 * value, except that t->n is not counted (the caller adds a run's count at
 * once) and a tracked value skips the HLL: its hash went into `h` when it
 * was first seen untracked, and an HLL is a register-wise maximum, so the
 * same hash again cannot change it. Only for a table and an HLL fed
 * together from empty (or merged/loaded together), and for values with at
 * least 32 readable bytes from their start (table cells: QG_TABLE_PAD). */
int data_topk_add_untracked_nc(struct qg_topk *t, const char *val, size_t len, uint64_t hash);
static inline __attribute__((always_inline)) int data_topk_hll_add(struct qg_topk *t, struct qg_hll *h,
								 const char *const *valp, const unsigned *lenp,
								 uint64_t hash)
{
	/* the value's bytes and length are read only when a slot matches
	 * (or the slow path needs them): most values never need them */
	uint32_t s = (uint32_t)hash & (QG_TOPK_SLOTS - 1);

	for (;;) {
		uint8_t idx = t->slot[s];
		struct qg_topk_item *it;
		if (idx == 0xff) {
			uint32_t thr = t->thr;
			data_hll_add_hash(h, hash);
			if (thr && data_topk_filter_absorb(t, hash, thr))
				return 0;
			return data_topk_add_untracked_nc(t, *valp, *lenp, hash);
		}
		it = &t->items[idx];
		if (it->hash == hash && it->len == *lenp && data_topk_same(it->val, *valp, *lenp)) {
			if (it->count++ == t->min && t->nmin && !--t->nmin)
				t->thr = 0;
			return 0;
		}
		s = (s + 1) & (QG_TOPK_SLOTS - 1);
	}
}
/* Add `count` occurrences at once with a given error (used by merge). */
int data_topk_add_n(struct qg_topk *t, const char *val, size_t len, uint64_t hash, uint64_t count,
		  uint64_t error);
int data_topk_merge(struct qg_topk *dst, const struct qg_topk *src);
/* Index of the tracked item, or -1. */
int data_topk_find(const struct qg_topk *t, const char *val, size_t len, uint64_t hash);
/* The smallest tracked count when all k counters are in use, else 0: no
 * untracked value occurred more often than this. */
uint64_t data_topk_untracked_max(const struct qg_topk *t);
/* Item indices sorted by count descending then value; `order` has room for
 * QG_TOPK_K. Returns the number of items. */
size_t data_topk_sorted(const struct qg_topk *t, uint32_t *order);
/* {"n":N,"items":[{"value":"..","count":c,"error":e},..]} */
int data_topk_to_json(struct qg_json *parent, const char *key, const struct qg_topk *t);
int data_topk_from_json(struct qg_topk *t, const struct qg_json *j, const char *what);

#endif
