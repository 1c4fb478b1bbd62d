/* validate_int.h -- what the validator's files share (gates/data/validate*.c)
 *
 * validate.c compiles the schema into checks, reads each piece in passes
 * over batches of records (shape, then column by column, then the primary
 * key) and merges the pieces into the result; validate_cell.c is the full
 * check of one cell (and the messages of violations); validate_fast.c the
 * column loops that prove most cells pass without it. A cell the fast loops
 * cannot prove goes down vd_check_cell(), which decides and reports: the
 * fast loops only ever accept, so both paths give the same counts.
 */
#ifndef QGATE_DATA_VALIDATE_INT_H
#define QGATE_DATA_VALIDATE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>

#include "qgate/cpu.h"
#include "qgate/hash.h"
#include "data.h"
#include "fastval.h"
#include "schema.h"
#include "uniq.h"

#define EXAMPLES QG_LOCATIONS_MAX
#define VALUE_SHOW 64 /* bytes of a value quoted in a message */

enum check_kind {
	CK_HEADER, CK_ROW_SHAPE, CK_ENCODING, CK_ROWS, CK_PRIMARY_KEY,
	CK_TYPE, CK_REQUIRED, CK_UNIQUE, CK_MINIMUM, CK_MAXIMUM, CK_EXMIN, CK_EXMAX,
	CK_MINLEN, CK_MAXLEN, CK_PATTERN, CK_ENUM, CK_CATEGORIES, CK_NULLFRAC,
	CK_UNIQUE_KEYS, /* table.unique-keys (v2 uniqueKeys) */
	CK_FOREIGN_KEY, /* table.foreign-key (self-referencing foreignKeys) */
};

struct vcheck {
	char *id;
	enum check_kind kind;
	long field;         /* -1 for table checks */
};

/* ------------------------------------------------------------ run state */

struct example {
	long long line, column; /* line relative to the piece */
	char *msg;
	size_t piece;           /* the piece it came from (set when folded) */
};

struct piece_state {
	int used;
	long long *counts;            /* per check */
	struct example *ex;           /* nr_checks * EXAMPLES */
	unsigned char *nr_ex;
	long long rows;
	long long *nulls;             /* per field */
	long long *present;           /* per field: rows where the column exists */
	double *obs_min, *obs_max;    /* per field: extreme typed keys */
	struct qg_uniq *uq;           /* per field (unique constraint) */
	struct qg_uniq pk;            /* primary key */
	struct qg_uniq *uk;           /* per v2 unique key */
	struct qg_uniq *fks, *fkr;    /* per foreign key x 2 hashes: referencing
				       * keys (with lines), referenced keys */
	struct qg_uniq fkc[2];        /* collect runs: referenced keys (2 hashes) */
	int header_seen;
	int stopped;
	int finished;                 /* 1: read without error, -1: failed, 0: not yet */
	int folded;                   /* its counts and examples are in vrun.acc */
	int pk_run;                   /* this batch's single integer key column took
				       * the consecutive path in every row:
				       * bpk_i[] is one run of integers */
};

/* One foreign key as the passes see it: the referencing fields' indexes in
 * this schema, the referenced fields' in theirs (this one for a
 * self-reference), each side's type on the other side (equal types compare
 * typed values, else text); exact: one integer field to one integer field,
 * stored exactly (else two hashes). ext: another resource's referenced keys
 * (two sets per piece of it: hash 1, hash 2). */
struct vfk {
	size_t *src, *ref;
	enum qg_field_type *src_other, *ref_other;
	size_t nr;
	int exact;
	struct qg_uniq *ext;
	size_t nr_ext;
};

/* A run that only gathers the referenced keys of fk (ref, ref_other) into
 * sets of the caller's pool (validate.c, o->fk_collect). */
struct vfk_collect {
	const struct vfk *fk;
	struct data_uniq_pool *pool;
	long long share;
	struct qg_uniq *out;
	size_t nr_out;
};

struct vrun {
	const struct qg_data_opts *o;
	const struct qg_schema *S;
	struct vcheck *checks;
	size_t nr_checks;
	/* check index per (field, kind) for the hot loop, -1 when absent */
	long (*fc)[CK_NULLFRAC + 1];
	long tc[CK_FOREIGN_KEY + 1]; /* table checks (field checks' slots unused) */
	char **field_names;           /* schema field names (JSONL columns) */
	int pk_int;                   /* single integer primary key: interval sets */
	int level;                    /* qg_cpu_level() for this run (cpu.h):
				       * QG_CPU_GENERAL sends every cell down
				       * vd_check_cell, AVX2 takes the _avx2 loops */
	struct data_uniq_pool uniq_pool; /* budget and spill file of every key set */
	struct vfk *fks;              /* per foreign key */
	struct vfk_collect *collect;  /* gathering another run's referenced keys */
	long long uniq_share;         /* bytes one key set may hold */
	struct piece_state *ps;       /* per piece */
	struct vf *vft;               /* per field: its fast path, compiled once */
	pcre2_match_data **md;        /* per worker * field */
	int jobs;
	atomic_llong violations;      /* for --max-errors */
	atomic_int stop;
	/* Finished pieces in file order are folded into acc (counts, examples,
	 * field totals) and their arrays freed, so memory does not grow with
	 * the number of files; key sets stay with their piece for the check. */
	struct piece_state acc;
	pthread_mutex_t fold_lock;
	size_t folded;                /* pieces [0, folded) are in acc */
	int fold_stuck;               /* a cut file failed: fold after the rerun */
};

/* ------------------------------------------------------------ fast paths */

/* A schema field present in the piece's columns, in the hot loop's terms. */
struct vf {
	size_t col, fi;
	int pk;
	int trivial; /* plain string without constraints: only missing values count */
	int fast;    /* FAST_*: a value passing this test passes every check of the field */
	/* compiled once per piece for the fast path */
	int words_ok;            /* enum (strings) / true+false values as a word set */
	struct fv_wordset words;
	int seq_ok;              /* the pattern as a fixed character sequence */
	struct fv_charseq seq;
	uint64_t dklo, dkhi;     /* date bounds as fv_date keys */
	uint64_t dtlo, dthi;     /* the same as fv_date_text keys */
	int num_all;             /* number without bounds: any value passes */
	int num_kd[2];           /* per sign: digits before the dot that are
				    always inside the bounds, -1 none */
	int int_kd[2];           /* the same for integers (FAST_INT_RANGE) */
	struct qg_decimal_range nr;   /* number bounds as ranges of the mantissa */
	int str;                 /* FAST_STR: the FAST_STR_* loop it takes */
};

/* FAST_STR_*: string fields with exactly one kind of check get a column loop
 * of their own (the general FAST_STR test with the other branches compiled
 * out: the same answer for every cell). */
enum { FAST_NONE = 0, FAST_INT, FAST_NUM, FAST_DATE, FAST_STR, FAST_BOOL,
       FAST_STR_LEN, FAST_STR_EMAIL, FAST_STR_ENUM, FAST_STR_SEQ, FAST_NUM_ANY, FAST_INT_RANGE,
       FAST_STR_EMAIL_AVX2 };

#define BOUNDS (QG_C_MINIMUM | QG_C_MAXIMUM | QG_C_EXMINIMUM | QG_C_EXMAXIMUM)

/* One piece being read: what its passes share. The batch's per-record
 * arrays (clean, key parts) grow with the largest batch. */
struct vpiece {
	struct vrun *v;
	struct piece_state *ps;
	struct qg_data_source src;
	int src_open;
	long *colmap;                 /* field -> column of the cells, -1 absent */
	struct vf *vfs;               /* the fields present, in schema order */
	size_t nvf, ncols;
	pcre2_match_data **md;        /* this worker's, per field */
	int jsonl, pk_absent, max_errors;
	char last_err[512];
	/* the batch */
	const struct qg_record *batch;
	int nb;
	const struct qg_cell *rc;     /* cells of a regular batch */
	unsigned char *bclean, *bpk_ok;
	uint64_t *bpk;
	long long *bpk_i;
	size_t bcap;
};

static inline int stopping(const struct vrun *v)
{
	return atomic_load_explicit(&v->stop, memory_order_relaxed);
}

/* ------------------------------------------------------------ validate_cell.c */

/* Count a violation of check ck and keep it as an example while the check
 * has fewer than EXAMPLES ("value \"...\" " first when val is not NULL). */
void vd_violation(struct vrun *v, struct piece_state *ps, long ck, long long line, long long col,
		  const char *val, size_t vlen, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* "below minimum" and the like, for messages */
const char *vd_bound_word(enum check_kind k);

/* Every check of field fi on one cell, in the fixed order (validate.c's
 * opening comment), reporting each violation. *pk_hash: a hash of the typed
 * value for the primary key (0: the cell is missing), *ikey the integer;
 * clean: the record is ASCII without NUL (no UTF-8 check needed). */
void vd_check_cell(struct vrun *v, struct piece_state *ps, size_t fi, const struct qg_cell *c,
		   const struct qg_record *rec, pcre2_match_data *md, uint64_t *pk_hash, long long *ikey, int clean);

/* ------------------------------------------------------------ validate_fast.c */

/* The fast kind of a field (FAST_NONE: every cell through vd_check_cell). */
int vd_fast_kind(const struct qg_schema *S, const struct qg_schema_field *f, int pk_int);

/* Compile x's acceptors (word sets, sequences, bounds) for field f. */
void vd_vf_compile(struct vf *x, const struct qg_schema_field *f);

/* 1 when the bytes are ASCII without NUL (JSONL: and without a backslash),
 * so every cell inside is clean; the vector loop at QG_CPU_SSE2 and up. */
int vd_record_clean(const struct vrun *v, const char *p, size_t n, int jsonl);

/* The same for a CSV batch's whole run of bytes (AVX2 when the run allows). */
int vd_batch_clean(const struct vrun *v, const char *p, size_t n);

/* Pass 2 of a batch, column by column (validate.c's run_piece calls the
 * passes in turn): every field present, with its column loop when it has
 * one, else every cell through vd_check_cell(). */
void vd_pass_columns(struct vpiece *vp);

/* ------------------------------------------------------------ validate_keys.c */

/* v2 uniqueKeys over a batch: each record's key (the typed values of its
 * fields hashed together) into the piece's set of that key; a record with a
 * part missing is not checked for that key (SQL's rule: missing values are
 * not equal to each other). Duplicates are found by vd_merge_results(). */
void vd_pass_unique_keys(struct vpiece *vp);

/* The typed key of a cell as vd_check_cell() hashes it (integer 7 and 007
 * are one key); 0 when the cell is missing. */
uint64_t vd_cell_key(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c);

/* Self-referencing foreign keys over a batch: each record's referencing key
 * (with its line) and referenced key into the piece's sets fks/fkr (see
 * validate_keys.c for the hashing rule); vd_merge_results() anti-joins. */
void vd_pass_foreign_keys(struct vpiece *vp);
/* A collect run (v->collect): the referenced keys of a batch into fkc. */
void vd_pass_fk_collect(struct vpiece *vp);

/* ------------------------------------------------------------ validate_merge.c */

/* The pieces of plan p added up into r: one check per vcheck, metrics rows
 * and violations. 0 or QG_ENOMEM. */
int vd_merge_results(struct vrun *v, struct qg_data_plan *p, struct qg_result *r);
/* Folding (validate_merge.c). vd_fold_done(): piece ended (ok or not);
 * folds every finished piece at the front of the plan into v->acc.
 * vd_fold_rest(): after the run, every piece not folded yet. */
/* validate.c: a piece's state, or the accumulator (piece 0). */
int vd_piece_alloc(struct vrun *v, struct piece_state *ps, size_t piece);
void vd_piece_release(struct vrun *v, struct piece_state *ps);
/* validate_locate.c: read the inputs again for the lines of the integer
 * values vals (at most EXAMPLES) of field fi, calling fn for every
 * occurrence after the first; nothing when an input cannot be re-read. */
int vd_locate_int_repeats(struct vrun *v, struct qg_data_plan *p, size_t fi, const long long *vals, size_t nv,
			  data_uniq_dup_fn fn, void *ctx);
/* Complete check ci's examples holding `marker` (repeats of integer field
 * fi caught by a piece's intervals) with " (first on line N)". */
int vd_locate_first_lines(struct vrun *v, struct qg_data_plan *p, size_t ci, size_t fi, const char *marker);
void vd_fold_done(struct vrun *v, struct qg_data_plan *p, size_t piece, int ok);
void vd_fold_rest(struct vrun *v, struct qg_data_plan *p);
/* Free a piece's counts, examples and field totals (not its key sets). */
void vd_piece_free_totals(struct vrun *v, struct piece_state *ps);

/* The hash of a cell's text as a unique or primary key (the column loops
 * and vd_check_cell() both use it): the wyhash-style qg_hash64 (hash.h)
 * with the seed folded in -- two multiplies for a short id where
 * qg_hash_bytes() chains six (its finaliser was two fifths of the unique
 * string column loop at 50 M ids). Nothing keeps these values past a run. */
static inline __attribute__((always_inline)) uint64_t vd_hash_text(const char *data, size_t n, uint64_t seed)
{
	const struct qg_hash_keys k = { QG_H_P0, QG_H_P1, 0x243f6a8885a308d3ULL ^ seed };

	return qg_hash64_keys(data, n, k);
}

#endif
