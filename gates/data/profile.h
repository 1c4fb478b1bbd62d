/* profile.h -- the profile and drift subcommands of qgate-data
 *
 * Implemented in cmd_profile.c and cmd_drift.c (owned by the data-profile
 * engineer); main.c only dispatches to them. Each takes the subcommand's argv
 * (argv[0] is "profile" / "drift") and returns the contract's exit code 0..3.
 *
 * The rest of this header is the profile model (profile.c): one pass over
 * the records, per field
 *   - count, nulls, exact min/max, mean from a double-double (compensated)
 *     sum -- exact for any realistic data, so merged shards give the same
 *     bits -- and variance by Welford/Chan batch merging;
 *   - a KLL quantile sketch, a HyperLogLog and a space-saving top-k
 *     (sketch.h), all mergeable;
 *   - numeric or categorical: from the schema (--schema: integer, number and
 *     year are numeric) or from a baseline profile (drift), else by the
 *     values: numeric when every non-null value parses as a number.
 * Memory is bounded per field (about 45 KiB) whatever the input size.
 * Serialised as "qgate.profile/v1" (docs/profile-format.md).
 */
#ifndef QGATE_DATA_PROFILE_H
#define QGATE_DATA_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "qgate/strvec.h"
#include "sketch.h"

struct qg_json;
struct qg_record;
struct qg_schema;

#define QG_PROFILE_SCHEMA "qgate.profile/v1"
#define QG_PROF_BATCH 1024
#define QG_PROF_HIST_BINS 10

enum qg_prof_kind {
	QG_PROF_AUTO = 0,     /* decide by the values */
	QG_PROF_NUMERIC,
	QG_PROF_CATEGORICAL,
};

/* Exactly mergeable moments. sum is the double-double sum_hi + sum_lo. */
struct qg_prof_moments {
	uint64_t n;
	double min, max;
	double sum_hi, sum_lo;
	double mean, m2; /* Welford/Chan running mean and sum of squared deviations */
};

struct qg_prof_field {
	char *name;
	enum qg_prof_kind fixed;  /* AUTO unless a schema or baseline decides */
	int type_source;          /* 0 values, 1 schema, 2 baseline */
	int numeric_ok;           /* every non-null value so far was a number */
	uint64_t count;           /* non-null values */
	uint64_t nulls;           /* empty / missing values */
	uint64_t nonfinite;       /* NaN, INF, -INF: counted, kept out of the moments */
	uint64_t invalid;         /* not a number in a field fixed as numeric */
	struct qg_prof_moments mom;
	struct qg_kll kll;
	struct qg_hll hll;
	struct qg_topk topk;
	int hll_topk;             /* every tracked top-k value's hash is in hll (data_topk_hll_add) */
	double *buf;              /* QG_PROF_BATCH numbers waiting for the batch update */
	uint32_t nbuf;
	uint32_t nbuf_int;        /* of them, read as 1..8 plain digits (field_flush's integer pass) */
	int sse2;                 /* that pass in SSE2 (qg_cpu_level(), the same bits) */
	int dec_first;            /* the column loop tries the decimal parser first (the last run had decimals) */
	/* schema-declared missing values and number spelling (borrowed; NULL none) */
	const struct qg_schema *schema;
	long schema_field;
	/* drift: exact counts on a baseline's bins (set by data_profile_bin_*) */
	double *edges;            /* owned; bins (-inf,e0) [e0,e1) ... [e_last,+inf) */
	size_t nr_edges;
	uint64_t *bin_counts;     /* nr_edges + 1 */
	struct qg_topk *cats;     /* owned copy of the baseline's categories */
	uint64_t *cat_counts;     /* cats->nr + 1 ("other" last) */
};

struct qg_profile {
	uint64_t rows;
	struct qg_prof_field *fields;
	size_t nr_fields, alloc_fields;
	struct qg_strvec sources;
	const struct qg_schema *schema; /* borrowed, may be NULL */
	int level;                      /* qg_cpu_level() at data_profile_init (cpu.h) */
};

void data_profile_init(struct qg_profile *p);
void data_profile_release(struct qg_profile *p);

/* Index of the field named `name`, adding it (with the schema's type when a
 * schema is set) when absent. Negative QG_E* on ENOMEM. */
long data_profile_field(struct qg_profile *p, const char *name, size_t len);

/* Map the columns of a source onto fields: map[i] = field index of column i.
 * `map` has room for nr entries. */
int data_profile_bind(struct qg_profile *p, const char *const *names, size_t nr, long *map);

/* Add one record: cell i goes to field map[i] (cells past nr_map ignored;
 * fields not in the record count a null). 0 or QG_ENOMEM. */
int data_profile_add_record(struct qg_profile *p, const struct qg_record *rec, const long *map, size_t nr_map);

/* Add records recs[0..nr) as data_profile_add_record() would, one column at
 * a time (the fast path; same results). 0 or QG_ENOMEM. */
int data_profile_add_batch(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map,
			 size_t nr_map);

/* The same for a batch whose records all have exactly nr_map cells, record
 * r's at recs[0].cells + r * nr_map (qg_table_batch_regular() said so): a
 * column is then walked with one cell pointer. */
int data_profile_add_regular_batch(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map,
				 size_t nr_map);

/* Add one non-record value to a field (tests, JSON callers). */
int data_profile_add_value(struct qg_profile *p, size_t field, const char *s, size_t len, int is_null);

/* Push pending batches into the moments and sketches. Call before reading
 * statistics, merging or serialising. */
int data_profile_flush(struct qg_profile *p);

/* dst += src, fields matched by name (a field absent on one side counts
 * that side's rows as nulls). Both flushed first. Counts, min, max and the
 * mean are exact; sketches within their bounds. */
int data_profile_merge(struct qg_profile *dst, struct qg_profile *src);

/* The field's kind after the pass: numeric, categorical, or AUTO when it
 * held no non-null value ("empty"). */
enum qg_prof_kind data_prof_field_kind(const struct qg_prof_field *f);
double data_prof_field_mean(const struct qg_prof_field *f);
double data_prof_field_variance(const struct qg_prof_field *f); /* sample (n-1) */

/* Serialise (flushes first). `root` is a new object owned by the caller. */
int data_profile_to_json(struct qg_json **root, struct qg_profile *p);
/* Read a profile back: QG_EPARSE (exit 3 for a bad baseline) naming `what`
 * and the member at fault. */
int data_profile_from_json(struct qg_profile *out, const struct qg_json *root, const char *what);
int data_profile_load(struct qg_profile *out, const char *path);
int data_profile_save(struct qg_profile *p, const char *path);

/* Parse a number the way profile does: 0 finite (in *out), 1 NaN/INF
 * (recognised but not finite), -1 not a number. */
int data_prof_parse_number(const char *s, size_t n, double *out);

/* Drift support: count values exactly on a baseline's bins while reading.
 * Numeric: the given edges (copied). Categorical: the baseline's tracked
 * categories (copied), anything else to "other". Fixes the field's kind. */
/* Read DATA through input.h (expansion, formats, --shard, -j) into `out`
 * (initialised, empty): one profile per piece, merged in piece order.
 * `schema` (may be NULL) fixes kinds and missing values. With `base`, every
 * piece is first prepared for drift against it (drift.h). Input files become
 * artifacts of `r` (may be NULL; SHA-256 computed on a helper thread
 * unless QG_PROFILE_NO_HASH); *bytes gets the bytes of local files read.
 * 0, or QG_E* naming the file and line. */
struct qg_data_input_opts;
struct qg_drift_opts;
struct qg_result;
int data_profile_read(struct qg_profile *out, const struct qg_data_input_opts *in, const struct qg_strvec *data,
		    const struct qg_schema *schema, struct qg_profile *base, const struct qg_drift_opts *dopts,
		    struct qg_result *r, long long *bytes, unsigned flags);
#define QG_PROFILE_NO_HASH 1u /* flags: artifacts get bytes but no sha256 */

int data_prof_field_bin_numeric(struct qg_prof_field *f, const double *edges, size_t nr_edges);
int data_prof_field_bin_categories(struct qg_prof_field *f, const struct qg_topk *cats);

#endif
