/* uniq.h -- key sets for unique, primaryKey (and other key checks) at any size
 *
 * A key is either an integer (integer/year fields, a single-field integer
 * primary key) or a 64-bit hash of the typed value (everything else).
 *
 * Integer keys first try a sorted array of disjoint intervals [lo, hi]: a
 * run of consecutive ids (the common shape of a key column) costs 16 bytes
 * however long it is, and a repeat inside an interval is found at once
 * (data_uniq_add_int() returns 0). Keys that extend no interval, and every
 * hashed key, are appended with their line to a buffer of entries: no
 * lookup while reading. Duplicates among entries are found once, after the
 * read, by data_uniq_check(): the entries of every set of one check are
 * split into 256 partitions by the top byte of the key, and each partition
 * is sorted (a radix pass and insertion sorts: linear in the keys) and
 * scanned for equal keys, so a duplicate names its line and the line of the
 * key's first occurrence, whichever piece (thread, byte range, file) they
 * came from.
 *
 * Memory: the buffers are charged to a pool's budget (--unique-memory) and
 * to a per-set share of it; a full buffer becomes a run, bucketed by
 * partition and packed (10 bytes an entry: the partition byte implied, the
 * piece the run's, the line an offset from the run's first; 12 or 16 bytes
 * when that does not fit), kept in memory while the share allows, else
 * written to the pool's temporary file (created in $TMPDIR, unlinked at
 * once, so it disappears on every exit path), and the buffer starts again.
 * The disk is the limit. An allocation the system
 * refuses (ulimit -v) fails the pool at once: every later add returns -1
 * and data_uniq_pool_error() says "out of memory".
 *
 * Integer keys are stored as fmix64(v), a bijection, so they are exact and
 * the value is shown again in messages. Hashed keys are exact up to the
 * 64-bit hash: two distinct values collide with probability about n^2/2^65.
 */
#ifndef QGATE_DATA_UNIQ_H
#define QGATE_DATA_UNIQ_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One pool per run: the budget, the spill file, the first failure. */
struct data_uniq_pool {
	atomic_llong bytes;        /* charged by every set */
	long long cap;             /* bytes allowed in total */
	pthread_mutex_t lock;      /* the spill file's creation, the error */
	int fd;                    /* -1 until the first spill */
	atomic_llong end;          /* bytes reserved in the spill file */
	atomic_int failed;
	int err_code;              /* QG_E* of the first failure */
	char err[512];
};

/* A key and where it was: piece << 40 | line (line relative to the piece). */
struct data_uniq_ent {
	uint64_t k;
	uint64_t pos;
};
#define DATA_UNIQ_LINE_BITS 40
#define DATA_UNIQ_POS(piece, line) (((uint64_t)(piece) << DATA_UNIQ_LINE_BITS) | (uint64_t)(line))
#define DATA_UNIQ_POS_PIECE(pos) ((size_t)((pos) >> DATA_UNIQ_LINE_BITS))
#define DATA_UNIQ_POS_LINE(pos) ((long long)((pos) & (((uint64_t)1 << DATA_UNIQ_LINE_BITS) - 1)))

struct data_uniq_run;

struct qg_uniq {
	int ints;                 /* 1: integer keys, 0: hash keys */
	long long (*iv)[2];       /* sorted, disjoint intervals */
	size_t nr_iv, alloc_iv;
	size_t hint;              /* interval touched last (sorted input: O(1)) */
	struct data_uniq_ent *e;  /* entries not yet checked */
	struct data_uniq_ent *tmp; /* as large: e bucketed by partition */
	size_t nr, alloc;
	struct data_uniq_run *runs; /* spilled entries */
	size_t nr_runs;
	uint64_t piece;
	long long charged;        /* bytes charged to the pool */
	long long share;          /* bytes this set may hold */
	struct data_uniq_pool *pool;
	int failed;
	/* the inline fast path (data_uniq_extend): v == fnext && v < flim
	 * extends interval `hint` by one; both 0 (never true) when it does not
	 * apply. Kept by uniq.c after every change. */
	long long fnext, flim;
};

/* The pool: cap in bytes. 0, or QG_ENOMEM. */
int data_uniq_pool_init(struct data_uniq_pool *pool, long long cap);
void data_uniq_pool_release(struct data_uniq_pool *pool);
/* 0 while nothing failed; else the failure's QG_E* code, recorded again with
 * qg_error() (the thread reading the pool may not be the one that failed). */
int data_uniq_pool_error(struct data_uniq_pool *pool);
/* Bytes written to the spill file so far. */
long long data_uniq_pool_spilled(struct data_uniq_pool *pool);

/* A set of the piece `piece` that may hold `share` bytes (0: the pool's cap). */
void data_uniq_init(struct qg_uniq *u, int ints, struct data_uniq_pool *pool, size_t piece, long long share);
void data_uniq_release(struct qg_uniq *u);
/* Cut a finished set's buffers to what they hold (uniq.c). */
void data_uniq_shrink(struct qg_uniq *u);
/* Move src's keys into dst (a set of the same check, earlier in data
 * order; dst is then only checked, never added to): intervals appended
 * (the check unions them and counts overlaps as repeats), entries
 * appended with their pieces and lines, spilled runs handed over; src is
 * released. 0, or -1 when the pool failed (data_uniq_pool_error()). */
int data_uniq_absorb(struct qg_uniq *dst, struct qg_uniq *src);
/* 1: kept (a duplicate, if any, is found by data_uniq_check), 0: a repeat
 * of a key in an interval (found now), -1: the pool failed. */
int data_uniq_add_int(struct qg_uniq *u, long long v, long long line);
int data_uniq_add_hash_slow(struct qg_uniq *u, uint64_t h, long long line);
/* A hashed key appended inline while the buffer has room (a call per key
 * was a tenth of the unique string column loop); else uniq.c grows or
 * spills the buffer. */
static inline int data_uniq_add_hash(struct qg_uniq *u, uint64_t h, long long line)
{
	if (__builtin_expect(u->nr < u->alloc && !u->failed, 1)) {
		u->e[u->nr].k = h;
		u->e[u->nr].pos = DATA_UNIQ_POS(u->piece, line);
		u->nr++;
		return 1;
	}
	return data_uniq_add_hash_slow(u, h, line);
}
/* The commonest case inline: v right after the interval touched last (an
 * increasing id column). 1: added; 0: not this case, call data_uniq_add_int. */
static inline int data_uniq_extend(struct qg_uniq *u, long long v)
{
	if (v == u->fnext && v < u->flim) {
		u->iv[u->hint][1] = v;
		u->fnext = v + 1;
		return 1;
	}
	return 0;
}

/* One duplicate found by data_uniq_check: the repeat at `pos`, the key's
 * first occurrence at `first` (UINT64_MAX: unknown, the first was a
 * member of an interval, which keeps no lines); for integer keys the value. */
typedef void (*data_uniq_dup_fn)(void *ctx, uint64_t pos, uint64_t first, int has_value, long long value);

/* Every duplicate between and inside the sets (all of one kind): *dups gets
 * their number (repeats inside one set's intervals, already reported by
 * data_uniq_add_int, are not counted again), fn is called for each entry
 * that is a duplicate (not for overlaps of intervals: *iv_dups counts
 * those). The sets are released. 0, or a negative QG_E* (I/O, memory). */
/* The smallest values (at most max, ascending) held by two intervals of
 * the sets: repeats found by counting, whose lines are not kept. Call it
 * before data_uniq_check(), which releases the sets. */
size_t data_uniq_overlaps(struct qg_uniq *const *sets, size_t n, long long *vals, size_t max);
int data_uniq_check(struct data_uniq_pool *pool, struct qg_uniq *const *sets, size_t n, data_uniq_dup_fn fn,
		    void *ctx, long long *dups, long long *iv_dups);

/* Foreign keys: every entry of the sets `src` (referencing keys, with their
 * lines) whose key is in none of the sets `ref` (referenced keys; their
 * lines are not used) is missing: *missing gets their number and fn is
 * called for each (first: UINT64_MAX; with has_value the key is taken as
 * an integer stored as fmix64(v), and v is passed). Per partition the
 * referenced keys are gathered (from buffers and spilled runs) into a
 * sorted set of the distinct ones, then the referencing keys are streamed
 * against it in chunks: memory is the cap plus one partition's distinct
 * referenced keys, whatever the skew of the referencing side. All sets are
 * released. 0, or a negative QG_E*. */
int data_uniq_antijoin(struct data_uniq_pool *pool, struct qg_uniq *const *src, size_t ns, struct qg_uniq *const *ref,
		       size_t nr, data_uniq_dup_fn fn, void *ctx, int has_value, long long *missing);

#endif
