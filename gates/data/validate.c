/* validate.c -- qgate-data validate: every record against a Table Schema
 *
 * The schema is compiled once into a check table: one check per constraint
 * present (field.<name>.<constraint>, field.<name>.type, table.*). Each input
 * piece (input.h) is read on a worker thread into its own counters and its
 * first ten examples per check; nothing is allocated per cell, messages are
 * formatted only for kept examples. Pieces are merged in file order, so the
 * examples are the first ones in the data whatever -j is. Records come from
 * the reader in batches of a few hundred and each batch is checked column by
 * column (one field's type and constraints over every record, then the next
 * field), which keeps each type's branches predictable; row-level checks
 * (shape, primary key) run per record. A check fed by several fields
 * (table.encoding) keeps the first ten examples of each batch's columns,
 * reported in line order.
 *
 * Cells are checked in a fixed order: missing value (required, null
 * fraction), UTF-8 (table.encoding: invalid UTF-8 or a NUL byte; the cell's
 * other checks are skipped), type (field.<name>.type; other checks skipped),
 * then bounds, lengths, pattern, enum and uniqueness. A malformed JSONL line
 * counts as a table.row-shape violation and reading goes on; any other read
 * error (unterminated quote, a record over --max-record, truncated gzip,
 * network) is an error of the run: exit 3.
 *
 * Uniqueness (unique, primaryKey) keeps one 64-bit hash per distinct value,
 * in 64 open-addressing sub-tables (spin-locked only when -j > 1) whose total
 * size is capped by --unique-memory (default 32 MiB: about 2 million keys at
 * the worst load factor); beyond the cap the check is an error saying how
 * much it needed, never a silent pass. Typed values are hashed (integer 7
 * and 007 are the same key). Two distinct values collide with probability
 * about n^2/2^65 (n = 10^7 gives 3e-6), reported as a duplicate.
 */
#include "qgate/common.h"

#include <limits.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdatomic.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/utf8.h"
#include "data.h"
#include "fastval.h"
#include "hash.h"
#include "schema.h"
#include "uniq.h"

#define EXAMPLES QG_LOCATIONS_MAX
#define VALUE_SHOW 64 /* bytes of a value quoted in a message */

enum check_kind {
	CK_HEADER, CK_ROW_SHAPE, CK_ENCODING, CK_ROWS, CK_PRIMARY_KEY,
	CK_TYPE, CK_REQUIRED, CK_UNIQUE, CK_MINIMUM, CK_MAXIMUM, CK_EXMIN, CK_EXMAX,
	CK_MINLEN, CK_MAXLEN, CK_PATTERN, CK_ENUM, CK_NULLFRAC,
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
	int header_seen;
	int stopped;
	int pk_run;                   /* this batch's single integer key column took
				       * the consecutive path in every row:
				       * bpk_i[] is one run of integers */
};

struct vrun {
	const struct qg_data_opts *o;
	const struct qg_schema *S;
	struct vcheck *checks;
	size_t nr_checks;
	/* check index per (field, kind) for the hot loop, -1 when absent */
	long (*fc)[CK_NULLFRAC + 1];
	long tc[CK_PRIMARY_KEY + 1];
	char **field_names;           /* schema field names (JSONL columns) */
	int pk_int;                   /* single integer primary key: interval sets */
	int avx2;                     /* the CPU has AVX2 (fv_email_avx2) */
	atomic_llong uniq_bytes;      /* memory budget shared by every key set */
	int *uniq_overflow;           /* per field, and [nr_fields] for the key */
	struct piece_state *ps;       /* per piece */
	pcre2_match_data **md;        /* per worker * field */
	int jobs;
	atomic_llong violations;      /* for --max-errors */
	atomic_int stop;
};

static void piece_reset(void *ctx, struct qg_data_plan *p, size_t piece)
{
	struct vrun *v = ctx;
	struct piece_state *ps = &v->ps[piece];

	if (!ps->used)
		return;
	if (ps->ex)
		for (size_t i = 0; i < v->nr_checks * EXAMPLES; i++)
			free(ps->ex[i].msg);
	free(ps->counts);
	free(ps->ex);
	free(ps->nr_ex);
	free(ps->nulls);
	free(ps->present);
	free(ps->obs_min);
	free(ps->obs_max);
	if (ps->uq)
		for (size_t i = 0; i < v->S->nr_fields; i++)
			qg_uniq_release(&ps->uq[i]);
	free(ps->uq);
	qg_uniq_release(&ps->pk);
	memset(ps, 0, sizeof(*ps));
}

/* Quote a value for a message: at most VALUE_SHOW bytes, printable ASCII
 * and valid UTF-8 kept, everything else as \n \t \r \xNN. */
static void quote_value(struct qg_buf *b, const char *s, size_t n)
{
	size_t lim = n > VALUE_SHOW ? VALUE_SHOW : n, i = 0;

	qg_buf_addch(b, '"');
	while (i < lim) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				qg_buf_addch(b, '\\');
			qg_buf_addch(b, c);
			i++;
		} else if (c == '\n') {
			qg_buf_addstr(b, "\\n");
			i++;
		} else if (c == '\t') {
			qg_buf_addstr(b, "\\t");
			i++;
		} else if (c == '\r') {
			qg_buf_addstr(b, "\\r");
			i++;
		} else if (c >= 0x80) {
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (i + len <= lim && qg_utf8_check(s + i, len, NULL) == 0) {
				qg_buf_add(b, s + i, len);
				i += len;
			} else {
				qg_buf_addf(b, "\\x%02x", c);
				i++;
			}
		} else {
			qg_buf_addf(b, "\\x%02x", c);
			i++;
		}
	}
	qg_buf_addch(b, '"');
	if (n > lim)
		qg_buf_addf(b, "... (%zu bytes)", n);
}

static void violation(struct vrun *v, struct piece_state *ps, long ck, long long line, long long col,
		      const char *val, size_t vlen, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void violation(struct vrun *v, struct piece_state *ps, long ck, long long line, long long col,
		      const char *val, size_t vlen, const char *fmt, ...)
{
	ps->counts[ck]++;
	if (v->o->max_errors > 0 && atomic_fetch_add(&v->violations, 1) + 1 >= v->o->max_errors)
		atomic_store(&v->stop, 1);
	if (ps->nr_ex[ck] < EXAMPLES) {
		struct qg_buf b = QG_BUF_INIT;
		struct example *e = &ps->ex[(size_t)ck * EXAMPLES + ps->nr_ex[ck]];
		va_list ap;

		if (val) {
			qg_buf_addstr(&b, "value ");
			quote_value(&b, val, vlen);
			qg_buf_addch(&b, ' ');
		}
		va_start(ap, fmt);
		qg_buf_vaddf(&b, fmt, ap);
		va_end(ap);
		e->line = line;
		e->column = col;
		e->msg = qg_buf_detach(&b, NULL);
		ps->nr_ex[ck]++;
	}
}

static int piece_alloc(struct vrun *v, struct piece_state *ps)
{
	size_t nf = v->S->nr_fields ? v->S->nr_fields : 1;

	ps->used = 1;
	ps->counts = calloc(v->nr_checks + 1, sizeof(*ps->counts));
	ps->ex = calloc((v->nr_checks + 1) * EXAMPLES, sizeof(*ps->ex));
	ps->nr_ex = calloc(v->nr_checks + 1, 1);
	ps->nulls = calloc(nf, sizeof(*ps->nulls));
	ps->present = calloc(nf, sizeof(*ps->present));
	ps->obs_min = malloc(nf * sizeof(double));
	ps->obs_max = malloc(nf * sizeof(double));
	ps->uq = calloc(nf, sizeof(*ps->uq));
	if (!ps->counts || !ps->ex || !ps->nr_ex || !ps->nulls || !ps->present || !ps->obs_min || !ps->obs_max ||
	    !ps->uq)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->S->nr_fields; i++) {
		enum qg_field_type t = v->S->fields[i].type;
		qg_uniq_init(&ps->uq[i], t == QG_TYPE_INTEGER || t == QG_TYPE_YEAR, &v->uniq_bytes,
			     v->o->unique_memory << 20);
	}
	qg_uniq_init(&ps->pk, v->pk_int, &v->uniq_bytes, v->o->unique_memory << 20);
	for (size_t i = 0; i < nf; i++) {
		ps->obs_min[i] = INFINITY;
		ps->obs_max[i] = -INFINITY;
	}
	return 0;
}

/* ------------------------------------------------------------ header */

static void check_header(struct vrun *v, struct piece_state *ps, const struct qg_data_source *src, long *colmap)
{
	const struct qg_schema *S = v->S;
	long ck = v->tc[CK_HEADER];
	const struct qg_strvec *h = &src->header;
	struct qg_buf miss = QG_BUF_INIT, extra = QG_BUF_INIT;
	size_t nmiss = 0, nextra = 0;
	int order = 0;

	for (size_t i = 0; i < h->nr; i++)
		for (size_t k = i + 1; k < h->nr; k++)
			if (!strcmp(h->v[i], h->v[k])) {
				violation(v, ps, ck, 1, 0, NULL, 0, "column '%s' appears twice in the header (columns %zu and %zu)",
					  h->v[i], i + 1, k + 1);
				break;
			}
	for (size_t i = 0; i < S->nr_fields; i++) {
		if (colmap[i] < 0) {
			qg_buf_addf(&miss, "%s'%s'", nmiss ? ", " : "", S->fields[i].name);
			nmiss++;
		} else if (src->format != QG_FORMAT_JSONL && (size_t)colmap[i] != i) {
			order = 1;
		}
	}
	for (size_t i = 0; i < h->nr; i++) {
		if (qg_schema_field_index(S, h->v[i], strlen(h->v[i])) < 0) {
			qg_buf_addf(&extra, "%s'%s'", nextra ? ", " : "", h->v[i]);
			nextra++;
		}
	}
	if (nmiss && S->header_mode != QG_HEADER_SUBSET)
		violation(v, ps, ck, 1, 0, NULL, 0, "schema field%s %s missing from the %s", nmiss > 1 ? "s" : "",
			  miss.buf, src->format == QG_FORMAT_JSONL ? "first object's keys" : "header");
	if (nextra && S->header_mode != QG_HEADER_SUPERSET)
		violation(v, ps, ck, 1, 0, NULL, 0, "column%s %s not in the schema", nextra > 1 ? "s" : "", extra.buf);
	if (order && !nmiss && !nextra && S->header_mode == QG_HEADER_EXACT)
		violation(v, ps, ck, 1, 0, NULL, 0, "columns are not in the schema's order (header 'exact')");
	qg_buf_release(&miss);
	qg_buf_release(&extra);
}

/* ------------------------------------------------------------ cells */

/* 1 when [p, p+n) is all ASCII without NUL bytes: then no cell inside needs
 * its own UTF-8 check. SSE2 16 bytes at a time (the x86_64 baseline). */
static int ascii_clean(const char *p, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i zero = _mm_setzero_si128();
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		if (_mm_movemask_epi8(x) | _mm_movemask_epi8(_mm_cmpeq_epi8(x, zero)))
			return 0;
	}
#endif
	for (; i < n; i++)
		if ((unsigned char)p[i] - 1u >= 0x7fu)
			return 0;
	return 1;
}

/* The same for one short cell: 16 bytes at a time, then two overlapping
 * 8-byte words (a word test flags high bits and zero bytes at once). */
static inline int word_clean(uint64_t w)
{
	return !((w | ((w - 0x0101010101010101ull) & ~w)) & 0x8080808080808080ull);
}

static inline int ascii_fast(const char *p, size_t n)
{
	uint64_t a, b;

	if (n >= 16)
		return ascii_clean(p, n);
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
		return word_clean(a) && word_clean(b);
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] - 1u >= 0x7fu)
			return 0;
	return 1;
}

static int enum_has_num(const struct qg_schema_field *f, double x)
{
	for (size_t i = 0; i < f->nr_enum_num; i++)
		if (f->enum_num[i] == x)
			return 1;
	return 0;
}

static inline int is_missing(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c)
{
	if (c->flags & (QG_CELL_NULL | QG_CELL_MISSING))
		return 1;
	if (f->has_missing)
		return qg_strset_has(&f->missing_values, c->ptr, c->len);
	if (S->missing_only_empty)
		return c->len == 0;
	return qg_strset_has(&S->missing_values, c->ptr, c->len);
}

static const char *bound_word(enum check_kind k)
{
	switch (k) {
	case CK_MINIMUM: return "below minimum";
	case CK_MAXIMUM: return "above maximum";
	case CK_EXMIN: return "not above exclusiveMinimum";
	default: return "not below exclusiveMaximum";
	}
}

/* The typed key of a cell for uniqueness: *ikey for integer fields, *pk_hash
 * a hash of the typed value (0: the cell is missing). */
static void check_cell(struct vrun *v, struct piece_state *ps, size_t fi, const struct qg_cell *c,
		       const struct qg_record *rec, pcre2_match_data *md, uint64_t *pk_hash, long long *ikey, int clean)
{
	const long long line = rec->line;
#define CCOL qg_record_cell_column(rec, (size_t)(c - rec->cells))
	const struct qg_schema_field *f = &v->S->fields[fi];
	const long *ck = v->fc[fi];
	unsigned cons = f->constraints;
	long long ik = 0;
	double dk = 0;
	size_t chars = 0;
	int u;

	if (is_missing(v->S, f, c)) {
		ps->nulls[fi]++;
		if (cons & QG_C_REQUIRED)
			violation(v, ps, ck[CK_REQUIRED], line, CCOL, NULL, 0,
				  c->flags & QG_CELL_MISSING ? "missing: field '%s' is required" :
							       "missing value: field '%s' is required", f->name);
		*pk_hash = 0; /* the row's primary key is incomplete */
		return;
	}
	/* a clean record (all ASCII, no NUL; JSONL: no backslash) was checked
	 * as a whole: its cells, unquoted or unescaped, are made of its bytes */
	if (clean || ascii_fast(c->ptr, c->len)) {
		chars = c->len;
		u = 0;
	} else {
		u = qg_utf8_check(c->ptr, c->len, &chars);
	}
	if (u) {
		violation(v, ps, v->tc[CK_ENCODING], line, CCOL, c->ptr, c->len,
			  u == -2 ? "contains a NUL byte" : "is not valid UTF-8");
		*pk_hash = qg_data_hash(c->ptr, c->len, 7) | 1;
		return;
	}
	if (f->type != QG_TYPE_STRING || f->format != QG_FMT_DEFAULT) {
		int bad;

		/* the frequent types inline; the rest through qg_field_parse */
		switch (f->type) {
		case QG_TYPE_INTEGER:
			bad = qg_value_int(c->ptr, c->len, f->group_char, &ik);
			break;
		case QG_TYPE_NUMBER:
			bad = qg_value_number(c->ptr, c->len, f->decimal_char, f->group_char, &dk);
			break;
		case QG_TYPE_BOOLEAN:
			ik = qg_strset_has(&f->true_values, c->ptr, c->len);
			bad = !ik && !qg_strset_has(&f->false_values, c->ptr, c->len);
			break;
		case QG_TYPE_DATE:
			if (f->format != QG_FMT_PATTERN) {
				long long days;
				bad = qg_value_date(c->ptr, c->len, &days);
				dk = (double)days;
				break;
			}
			/* fall through */
		default:
			bad = f->type != QG_TYPE_ANY && qg_field_parse(f, c->ptr, c->len, &ik, &dk);
		}
		if (bad) {
			if (f->type == QG_TYPE_STRING)
				violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len, "is not a valid %s",
					  f->format_text ? f->format_text : "string");
			else if (f->format == QG_FMT_PATTERN)
				violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len,
					  "is not a %s in the format '%s'", qg_field_type_name(f->type), f->format_text);
			else
				violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len, "is not a valid %s",
					  qg_field_type_name(f->type));
			*pk_hash = qg_data_hash(c->ptr, c->len, 7) | 1;
			return;
		}
	}
	if ((cons & (QG_C_MINIMUM | QG_C_MAXIMUM | QG_C_EXMINIMUM | QG_C_EXMAXIMUM)) &&
	    ((f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_YEAR) ? (ik < f->ilo || ik > f->ihi) :
								       !(dk >= f->dlo && dk <= f->dhi))) {
		/* outside the folded range: find which bounds, and keep the
		 * most extreme violating value as the check's "observed" */
		int integral = f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_YEAR;
		double key = integral ? (double)ik : dk;

		if (key < ps->obs_min[fi])
			ps->obs_min[fi] = key;
		if (key > ps->obs_max[fi])
			ps->obs_max[fi] = key;
		if ((cons & QG_C_MINIMUM) && (integral ? ik < f->imin : !(dk >= f->dmin)))
			violation(v, ps, ck[CK_MINIMUM], line, CCOL, c->ptr, c->len, "below minimum %s", f->min_text);
		if ((cons & QG_C_MAXIMUM) && (integral ? ik > f->imax : !(dk <= f->dmax)))
			violation(v, ps, ck[CK_MAXIMUM], line, CCOL, c->ptr, c->len, "above maximum %s", f->max_text);
		if ((cons & QG_C_EXMINIMUM) && (integral ? ik <= f->iexmin : !(dk > f->dexmin)))
			violation(v, ps, ck[CK_EXMIN], line, CCOL, c->ptr, c->len, "%s %s",
				  bound_word(CK_EXMIN), f->exmin_text);
		if ((cons & QG_C_EXMAXIMUM) && (integral ? ik >= f->iexmax : !(dk < f->dexmax)))
			violation(v, ps, ck[CK_EXMAX], line, CCOL, c->ptr, c->len, "%s %s",
				  bound_word(CK_EXMAX), f->exmax_text);
	}
	if ((cons & QG_C_MINLENGTH) && (long long)chars < f->min_length)
		violation(v, ps, ck[CK_MINLEN], line, CCOL, c->ptr, c->len,
			  "is %zu characters, shorter than minLength %lld", chars, f->min_length);
	if ((cons & QG_C_MAXLENGTH) && (long long)chars > f->max_length)
		violation(v, ps, ck[CK_MAXLEN], line, CCOL, c->ptr, c->len,
			  "is %zu characters, longer than maxLength %lld", chars, f->max_length);
	if (cons & QG_C_PATTERN) {
		int rc = f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)c->ptr, c->len, 0, 0, md, NULL)
				   : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)c->ptr, c->len, 0,
						 PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			violation(v, ps, ck[CK_PATTERN], line, CCOL, c->ptr, c->len,
				  "could not be matched against pattern /%s/ (PCRE2 error %d)", f->pattern, rc);
		else if (rc < 0)
			violation(v, ps, ck[CK_PATTERN], line, CCOL, c->ptr, c->len,
				  "does not match pattern /%s/", f->pattern);
	}
	if (cons & QG_C_ENUM) {
		int in;
		if (f->enum_num)
			in = enum_has_num(f, f->type == QG_TYPE_NUMBER ? dk : (double)ik);
		else if (f->type == QG_TYPE_BOOLEAN)
			in = qg_strset_has(&f->enum_values, ik ? "true" : "false", ik ? 4 : 5) ||
			     qg_strset_has(&f->enum_values, c->ptr, c->len);
		else
			in = qg_strset_has(&f->enum_values, c->ptr, c->len);
		if (!in)
			violation(v, ps, ck[CK_ENUM], line, CCOL, c->ptr, c->len, "is not one of the %zu enum values",
				  f->enum_values.nr);
	}
	if ((cons & QG_C_UNIQUE) || f->primary_key) {
		uint64_t h;

		switch (f->type) {
		case QG_TYPE_INTEGER:
		case QG_TYPE_YEAR:
		case QG_TYPE_BOOLEAN:
			h = qg_data_fmix64((uint64_t)ik ^ 0x5bd1e995u);
			break;
		case QG_TYPE_NUMBER:
		case QG_TYPE_DATE:
		case QG_TYPE_DATETIME:
		case QG_TYPE_TIME: {
			uint64_t bits;
			if (dk == 0)
				dk = 0; /* -0 == 0 */
			memcpy(&bits, &dk, 8);
			h = qg_data_fmix64(bits ^ 0x9e3779b97f4a7c15ull);
			break;
		}
		default:
			h = qg_data_hash(c->ptr, c->len, 0x51ed27u);
		}
		if (f->primary_key) {
			*pk_hash = h | 1;
			*ikey = ik;
		}
		if (cons & QG_C_UNIQUE) {
			int r = ps->uq[fi].ints ? qg_uniq_add_int(&ps->uq[fi], ik) : qg_uniq_add_hash(&ps->uq[fi], h);
			if (r == 0)
				violation(v, ps, ck[CK_UNIQUE], line, CCOL, c->ptr, c->len, "appears more than once");
		}
	}
#undef CCOL
}

/* ------------------------------------------------------------ pieces */

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

static int fast_kind(const struct qg_schema *S, const struct qg_schema_field *f, int pk_int)
{
	unsigned rest = f->constraints & ~(unsigned)QG_C_REQUIRED;
	const unsigned str_ok = QG_C_MINLENGTH | QG_C_MAXLENGTH | QG_C_PATTERN | QG_C_ENUM;

	/* a key field only when it is the single integer key (its value is
	 * then the key, see pass 3) */
	if ((f->primary_key && !pk_int) || f->has_missing || !S->missing_only_empty)
		return FAST_NONE;
	if (f->type == QG_TYPE_INTEGER && !f->group_char && !(rest & ~(unsigned)(BOUNDS | QG_C_UNIQUE)))
		return FAST_INT;
	if (f->type == QG_TYPE_NUMBER && f->decimal_char == '.' && !f->group_char && !(rest & ~(unsigned)BOUNDS))
		return FAST_NUM;
	if (f->type == QG_TYPE_DATE && f->format != QG_FMT_PATTERN && !(rest & ~(unsigned)BOUNDS))
		return FAST_DATE;
	if (f->type == QG_TYPE_STRING && f->format != QG_FMT_PATTERN && !(rest & ~str_ok))
		return FAST_STR;
	if (f->type == QG_TYPE_BOOLEAN && !rest)
		return FAST_BOOL;
	return FAST_NONE;
}

static void vf_compile(struct vf *x, const struct qg_schema_field *f)
{
	x->words_ok = 0;
	x->seq_ok = 0;
	memset(&x->words, 0, sizeof(x->words));
	if (x->fast == FAST_BOOL) {
		x->words_ok = 1;
		for (size_t i = 0; i < f->true_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->true_values.items[i], f->true_values.lens[i]) == 0;
		for (size_t i = 0; i < f->false_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->false_values.items[i], f->false_values.lens[i]) == 0;
		x->words_ok = x->words_ok && fv_wordset_build(&x->words) == 0;
	}
	if (x->fast == FAST_STR && (f->constraints & QG_C_ENUM)) {
		x->words_ok = 1;
		for (size_t i = 0; i < f->enum_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->enum_values.items[i], f->enum_values.lens[i]) == 0;
		x->words_ok = x->words_ok && fv_wordset_build(&x->words) == 0;
	}
	if (x->fast == FAST_NUM) {
		x->num_all = !(f->constraints & BOUNDS);
		qg_decimal_range_init(&x->nr, f->dlo, f->dhi);
		qg_decimal_safe_digits(f->dlo, f->dhi, x->num_kd);
	}
	if (x->fast == FAST_INT)
		fv_int_safe_digits(f->ilo, f->ihi, x->int_kd);
	if (x->fast == FAST_DATE) {
		fv_date_bounds(f->dlo, f->dhi, &x->dklo, &x->dkhi);
		fv_date_text_bounds(x->dklo, x->dkhi, &x->dtlo, &x->dthi);
	}
	if (x->fast == FAST_STR && (f->constraints & QG_C_PATTERN) && f->pattern)
		x->seq_ok = fv_charseq_compile(&x->seq, f->pattern) == 0;
	x->str = FAST_STR;
	if (x->fast == FAST_STR) {
		const unsigned c = f->constraints & ~(unsigned)QG_C_REQUIRED, len = QG_C_MINLENGTH | QG_C_MAXLENGTH;

		if (f->format == QG_FMT_DEFAULT && c && !(c & ~len))
			x->str = FAST_STR_LEN;
		else if (f->format == QG_FMT_EMAIL && !c)
			x->str = FAST_STR_EMAIL;
		else if (f->format == QG_FMT_DEFAULT && c == QG_C_ENUM && x->words_ok)
			x->str = FAST_STR_ENUM;
		else if (f->format == QG_FMT_DEFAULT && c == QG_C_PATTERN && x->seq_ok)
			x->str = FAST_STR_SEQ;
	}
}

/* 1 when the (clean: ASCII, no NUL; present) cell passes every check of its
 * field; 0 sends it down the full path, which finds and reports why. A
 * unique integer is inserted here: a repeat returns 0 and the full path
 * meets the same repeat again. `kind` is a constant at every call, so each
 * column loop below is compiled for its type alone. */
/* A field's constants for the fast path, copied into locals once per column
 * run (the compiler cannot keep them in registers across the stores of the
 * loop otherwise). */
struct fq {
	unsigned cons;
	int format;
	long long ilo, ihi;       /* integer bounds */
	long long minl, maxl;     /* string lengths */
};

static inline __attribute__((always_inline)) void fq_init(struct fq *q, const struct qg_schema_field *f)
{
	q->cons = f->constraints;
	q->format = f->format;
	q->ilo = f->ilo;
	q->ihi = f->ihi;
	q->minl = (f->constraints & QG_C_MINLENGTH) ? f->min_length : LLONG_MIN;
	q->maxl = (f->constraints & QG_C_MAXLENGTH) ? f->max_length : LLONG_MAX;
}

static inline __attribute__((always_inline)) int fast_pass(const int kind, const struct vf *x,
							   const struct qg_schema_field *f, const struct fq *q,
							   const char *p, size_t n, struct qg_uniq *u,
							   pcre2_match_data *md, long long *key)
{
	long long ik;
	uint64_t dkey;
	unsigned cons = q->cons;

	switch (kind) {
	case FAST_INT:
		if (!fv_int(p, n, &ik) || ik < q->ilo || ik > q->ihi)
			return 0;
		*key = ik;
		return !(cons & QG_C_UNIQUE) || qg_uniq_add_int_fast(u, ik) != 0;
	case FAST_NUM:
	{
		uint64_t m;
		unsigned frac, neg, intd;

		/* few digits before the dot: inside the bounds whatever follows */
		if (qg_decimal_shape(p, n, &neg, &intd) && (int)intd <= x->num_kd[neg])
			return 1;
		/* bounds on the mantissa: no division */
		return qg_decimal_swar(p, n, &m, &frac, &neg) && (x->num_all || qg_decimal_range_has(&x->nr, m, frac, neg));
	}
	case FAST_DATE:
		return fv_date_text(p, n, &dkey) && dkey >= x->dtlo && dkey <= x->dthi;
	case FAST_STR:
		/* ASCII: characters == bytes */
		if ((long long)n < q->minl || (long long)n > q->maxl)
			return 0;
		if (q->format == QG_FMT_EMAIL) {
			if (!fv_email(p, n) && qg_value_email(p, n))
				return 0;
		} else if (q->format == QG_FMT_URI) {
			if (qg_value_uri(p, n))
				return 0;
		} else if (q->format == QG_FMT_UUID) {
			if (qg_value_uuid(p, n))
				return 0;
		}
		if ((cons & QG_C_ENUM) &&
		    !(x->words_ok ? fv_wordset_has(&x->words, p, n) : qg_strset_has(&f->enum_values, p, n)))
			return 0;
		if ((cons & QG_C_PATTERN) && !(x->seq_ok && fv_charseq_match(&x->seq, p, n))) {
			int rc = f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, 0, md, NULL)
					   : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, md, NULL);
			if (rc < 0)
				return 0;
		}
		return 1;
	case FAST_BOOL:
		if (x->words_ok)
			return x->words.short8 ? fv_wordset_has8(&x->words, p, n) : fv_wordset_has(&x->words, p, n);
		return qg_strset_has(&f->true_values, p, n) || qg_strset_has(&f->false_values, p, n);
	/* FAST_STR with one kind of check (vf_compile says which) */
	case FAST_INT_RANGE: /* neither key nor unique: the value only for bounds */
	{
		unsigned neg, nd;

		if (fv_int_shape(p, n, &neg, &nd) && (int)nd <= x->int_kd[neg])
			return 1;
		return fv_int(p, n, &ik) && ik >= q->ilo && ik <= q->ihi;
	}
	case FAST_NUM_ANY: /* a number without bounds: the syntax alone */
		return qg_decimal_syntax(p, n);
	case FAST_STR_LEN:
		return (long long)n >= q->minl && (long long)n <= q->maxl;
	case FAST_STR_EMAIL:
		return fv_email(p, n) || !qg_value_email(p, n);
#if FV_AVX2
	case FAST_STR_EMAIL_AVX2:
		return fv_email_avx2(p, n) || !qg_value_email(p, n);
#endif
	case FAST_STR_ENUM:
		return fv_wordset_has(&x->words, p, n);
	case FAST_STR_SEQ:
		if (fv_charseq_match(&x->seq, p, n))
			return 1;
		return (f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, 0, md, NULL)
				  : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, md,
						NULL)) >= 0;
	}
	return 0;
}

/* One field over a batch: the fast test for clean present cells, the full
 * path (check_cell) for the rest. `reg` (a constant at every call): the
 * batch is regular -- every record clean and its cells at rc + r * stride --
 * so the loop walks one pointer and tests only the length (a null or
 * missing cell has an empty text, table.h). */
static inline __attribute__((always_inline)) void fast_column(const int kind, const int reg, struct vrun *v,
							      struct piece_state *ps, const struct vf *x,
							      const struct qg_record *batch, int nb,
							      const struct qg_cell *rc, size_t stride,
							      const unsigned char *bclean, long long *bpk_i,
							      unsigned char *bpk_ok, pcre2_match_data *mdf, int max_errors)
{
	const struct qg_schema_field *f = &v->S->fields[x->fi];
	const size_t col = x->col, fi = x->fi;
	const int pk = x->pk;
	struct qg_uniq *u = &ps->uq[fi];
	struct fq q;
	const struct qg_cell *cell = reg ? rc + col : NULL;

	fq_init(&q, f);
	if (kind == FAST_INT && reg && (q.cons & QG_C_UNIQUE)) {
		/* a unique integer column (an id): the interval extension of
		 * qg_uniq_add_int_fast() with its end kept in a register --
		 * u->fnext and the interval's end are written back (flushed)
		 * before anything else reads the set and after the loop */
		long long nx = u->fnext, lim = u->flim;
		int all_next = 1; /* every row took the consecutive path */

#define UNIQ_FLUSH()                                           \
	do {                                                   \
		if (nx != u->fnext) {                          \
			u->iv[u->hint][1] = nx - 1;            \
			u->fnext = nx;                         \
		}                                              \
	} while (0)
		for (int r = 0; r < nb; r++, cell += stride) {
			long long ik = 0;

			if (__builtin_expect(cell->len != 0 && fv_int(cell->ptr, cell->len, &ik) && ik >= q.ilo &&
						     ik <= q.ihi,
					     1)) {
				if (__builtin_expect(ik == nx && ik < lim, 1)) {
					nx = ik + 1;
					if (pk)
						bpk_i[r] = ik;
					continue;
				}
				all_next = 0;
				UNIQ_FLUSH();
				if (qg_uniq_add_int(u, ik) != 0) {
					nx = u->fnext;
					lim = u->flim;
					if (pk)
						bpk_i[r] = ik;
					continue;
				}
			} else {
				all_next = 0;
				UNIQ_FLUSH();
				ik = 0;
			}
			/* missing, failing or a repeat: the full path says why */
			{
				uint64_t h = 1;
				long long ik2 = ik;

				check_cell(v, ps, fi, cell, &batch[r], mdf, &h, &ik2, 1);
				if (pk && bpk_ok[r]) {
					if (!h)
						bpk_ok[r] = 0;
					else
						bpk_i[r] = ik2;
				}
			}
			nx = u->fnext;
			lim = u->flim;
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		UNIQ_FLUSH();
#undef UNIQ_FLUSH
		if (pk)
			ps->pk_run = all_next && nb > 0;
		return;
	}
	if (reg && kind != FAST_INT) {
		/* one induction variable: the row is worked out on the slow path */
		const struct qg_cell *const first = cell, *const end = cell + (size_t)nb * stride;

		for (; cell != end; cell += stride) {
			long long ik = 0;
			int r;

			if (__builtin_expect(cell->len != 0, 1) &&
			    __builtin_expect(fast_pass(kind, x, f, &q, cell->ptr, cell->len, u, mdf, &ik), 1))
				continue;
			r = (int)((size_t)(cell - first) / stride);
			{
				uint64_t h = 1;
				long long ik2 = ik;

				check_cell(v, ps, fi, cell, &batch[r], mdf, &h, &ik2, 1);
				if (pk && bpk_ok[r]) {
					if (!h)
						bpk_ok[r] = 0;
					else
						bpk_i[r] = ik2;
				}
			}
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		return;
	}
	for (int r = 0; r < nb; r++, cell += reg ? stride : 0) {
		long long ik = 0;

		if (!reg)
			cell = &batch[r].cells[col];
		if (__builtin_expect(reg ? cell->len != 0
					 : bclean[r] && cell->len && !(cell->flags & (QG_CELL_NULL | QG_CELL_MISSING)),
				     1) &&
		    __builtin_expect(fast_pass(kind, x, f, &q, cell->ptr, cell->len, u, mdf, &ik), 1)) {
			if (kind == FAST_INT && pk)
				bpk_i[r] = ik;
			continue;
		}
		/* missing, unclean or failing: the full path says why */
		{
			uint64_t h = 1;
			long long ik2 = ik; /* ik itself stays in a register */

			check_cell(v, ps, fi, cell, &batch[r], mdf, &h, &ik2, reg ? 1 : bclean[r]);
			if (pk && bpk_ok[r]) {
				if (!h)
					bpk_ok[r] = 0;
				else
					bpk_i[r] = ik2;
			}
		}
		if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
			break;
	}
}

/* One out-of-line function per type and batch shape: each column loop gets
 * the registers to itself instead of sharing them with run_piece(). */
#define FAST_COLUMN_FN(name, kind, reg)                                                                      \
	static __attribute__((noinline)) void name(struct vrun *v, struct piece_state *ps, const struct vf *x, \
						   const struct qg_record *batch, int nb, const struct qg_cell *rc, \
						   size_t stride, const unsigned char *bclean, long long *bpk_i,  \
						   unsigned char *bpk_ok, pcre2_match_data *mdf, int max_errors)  \
	{                                                                                                    \
		fast_column(kind, reg, v, ps, x, batch, nb, rc, stride, bclean, bpk_i, bpk_ok, mdf, max_errors); \
	}
FAST_COLUMN_FN(fast_int_r, FAST_INT, 1)
FAST_COLUMN_FN(fast_int, FAST_INT, 0)
FAST_COLUMN_FN(fast_num_r, FAST_NUM, 1)
FAST_COLUMN_FN(fast_num, FAST_NUM, 0)
FAST_COLUMN_FN(fast_date_r, FAST_DATE, 1)
FAST_COLUMN_FN(fast_date, FAST_DATE, 0)
FAST_COLUMN_FN(fast_str_r, FAST_STR, 1)
FAST_COLUMN_FN(fast_str, FAST_STR, 0)
FAST_COLUMN_FN(fast_bool_r, FAST_BOOL, 1)
FAST_COLUMN_FN(fast_bool, FAST_BOOL, 0)
FAST_COLUMN_FN(fast_irange_r, FAST_INT_RANGE, 1)
FAST_COLUMN_FN(fast_irange, FAST_INT_RANGE, 0)
FAST_COLUMN_FN(fast_nany_r, FAST_NUM_ANY, 1)
FAST_COLUMN_FN(fast_nany, FAST_NUM_ANY, 0)
FAST_COLUMN_FN(fast_slen_r, FAST_STR_LEN, 1)
FAST_COLUMN_FN(fast_slen, FAST_STR_LEN, 0)
FAST_COLUMN_FN(fast_semail_r, FAST_STR_EMAIL, 1)
FAST_COLUMN_FN(fast_semail, FAST_STR_EMAIL, 0)
FAST_COLUMN_FN(fast_senum_r, FAST_STR_ENUM, 1)
FAST_COLUMN_FN(fast_senum, FAST_STR_ENUM, 0)
#if FV_AVX2
/* the e-mail loop compiled for AVX2 (one 32-byte block per cell) */
static __attribute__((noinline, target("avx2"))) void
fast_semail_avx2_r(struct vrun *v, struct piece_state *ps, const struct vf *x, const struct qg_record *batch, int nb,
		   const struct qg_cell *rc, size_t stride, const unsigned char *bclean, long long *bpk_i,
		   unsigned char *bpk_ok, pcre2_match_data *mdf, int max_errors)
{
	fast_column(FAST_STR_EMAIL_AVX2, 1, v, ps, x, batch, nb, rc, stride, bclean, bpk_i, bpk_ok, mdf, max_errors);
}
#endif
FAST_COLUMN_FN(fast_sseq_r, FAST_STR_SEQ, 1)
FAST_COLUMN_FN(fast_sseq, FAST_STR_SEQ, 0)

/* 1 when the record's raw bytes are all ASCII without NUL (and, for JSONL,
 * without a backslash: then no string was unescaped), so that every cell
 * is clean: no UTF-8 check, characters == bytes. */
static int record_clean(const char *p, size_t n, int jsonl)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i zero = _mm_setzero_si128(), bs = _mm_set1_epi8(jsonl ? '\\' : 0);
	__m128i acc = zero;

	if (!jsonl) {
		/* CSV: the high bits OR-ed, NUL as the byte minimum: three
		 * operations per 16 bytes */
		__m128i lo = _mm_set1_epi8((char)0xff);

		for (; i + 64 <= n; i += 64) {
			__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
			__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32));
			__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48));

			acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(x0, x1), _mm_or_si128(x2, x3)));
			lo = _mm_min_epu8(lo, _mm_min_epu8(_mm_min_epu8(x0, x1), _mm_min_epu8(x2, x3)));
		}
		acc = _mm_or_si128(acc, _mm_cmpeq_epi8(lo, zero));
	}

	/* no branch per chunk; the last one is read whole (the text is
	 * followed by QG_TABLE_PAD readable bytes) and masked */
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		acc = _mm_or_si128(acc, _mm_or_si128(x, _mm_or_si128(_mm_cmpeq_epi8(x, zero), _mm_cmpeq_epi8(x, bs))));
	}
	if (i < n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(x, _mm_or_si128(_mm_cmpeq_epi8(x, zero),
										   _mm_cmpeq_epi8(x, bs))));
		if (m & ((1u << (n - i)) - 1))
			return 0;
	}
	return !_mm_movemask_epi8(acc);
#else
	for (; i < n; i++)
		if ((unsigned char)p[i] - 1u >= 0x7fu || (jsonl && p[i] == '\\'))
			return 0;
	return 1;
#endif
}

#if FV_AVX2
/* record_clean(p, n, 0) with 32-byte loads: the same answer, about half the
 * instructions (a CSV batch is scanned whole before anything else) */
static __attribute__((noinline, target("avx2"))) int csv_clean_avx2(const char *p, size_t n)
{
	__m256i acc = _mm256_setzero_si256(), lo = _mm256_set1_epi8((char)0xff);
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));

		acc = _mm256_or_si256(acc, _mm256_or_si256(x0, x1));
		lo = _mm256_min_epu8(lo, _mm256_min_epu8(x0, x1));
	}
	if (_mm256_movemask_epi8(_mm256_or_si256(acc, _mm256_cmpeq_epi8(lo, _mm256_setzero_si256()))))
		return 0;
	return record_clean(p + i, n - i, 0);
}
#endif


static int run_piece(void *ctx, struct qg_data_plan *p, size_t piece, int worker)
{
	struct vrun *v = ctx;
	const struct qg_schema *S = v->S;
	struct piece_state *ps = &v->ps[piece];
	struct qg_data_source src;
	long *colmap = NULL;
	const struct qg_data_piece *pc = &p->pieces[piece];
	size_t ncols, nf = S->nr_fields;
	pcre2_match_data **md = v->md + (size_t)worker * (nf ? nf : 1);
	char last_err[512] = "";
	struct vf *vfs = NULL;
	const struct qg_record *batch = NULL;
	unsigned char *bclean = NULL, *bpk_ok = NULL; /* per record of a batch */
	uint64_t *bpk = NULL;
	long long *bpk_i = NULL;
	size_t bcap = 0;
	int nb = 0, max_errors = v->o->max_errors > 0;
	size_t nvf = 0;
	int err, jsonl, pk_absent = 0, all_clean;
	const struct qg_cell *rc; /* cells of a regular batch */

	piece_reset(ctx, p, piece);
	if ((err = piece_alloc(v, ps)) < 0)
		return err;
	jsonl = p->files[pc->file].format == QG_FORMAT_JSONL;
	err = qg_data_source_open(&src, p, piece, jsonl ? (const char *const *)v->field_names : NULL, jsonl ? nf : 0);
	if (err < 0)
		return err;
	colmap = malloc((nf ? nf : 1) * sizeof(*colmap));
	if (!colmap) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	/* field -> column of the cells */
	for (size_t i = 0; i < nf; i++) {
		colmap[i] = -1;
		if (jsonl) {
			colmap[i] = (long)i;
			continue;
		}
		for (size_t k = 0; k < src.nr_columns; k++)
			if (!strcmp(src.columns[k], S->fields[i].name)) {
				colmap[i] = (long)k;
				break;
			}
	}
	if (pc->offset == 0) {
		long *hmap = colmap;
		long *jmap = NULL;

		if (jsonl) { /* header check on the first object's keys */
			jmap = malloc((nf ? nf : 1) * sizeof(*jmap));
			if (!jmap) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			for (size_t i = 0; i < nf; i++) {
				jmap[i] = -1;
				for (size_t k = 0; k < src.header.nr; k++)
					if (!strcmp(src.header.v[k], S->fields[i].name))
						jmap[i] = (long)k;
			}
			hmap = jmap;
		}
		if (!jsonl || src.header.nr)
			check_header(v, ps, &src, hmap);
		ps->header_seen = 1;
		free(jmap);
	}
	ncols = src.nr_columns;
	vfs = malloc((nf ? nf : 1) * sizeof(*vfs));
	if (!vfs) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nf; i++) {
		const struct qg_schema_field *f = &S->fields[i];

		if (colmap[i] < 0) {
			pk_absent |= f->primary_key;
			continue;
		}
		vfs[nvf].col = (size_t)colmap[i];
		vfs[nvf].fi = i;
		vfs[nvf].pk = f->primary_key;
		vfs[nvf].trivial = (f->type == QG_TYPE_STRING || f->type == QG_TYPE_ANY) &&
				   f->format == QG_FMT_DEFAULT && !f->constraints && !f->primary_key &&
				   !f->has_missing && S->missing_only_empty;
		vfs[nvf].fast = fast_kind(S, f, v->pk_int);
		vf_compile(&vfs[nvf], f);
		nvf++;
	}
	for (;;) {
		if (atomic_load_explicit(&v->stop, memory_order_relaxed)) {
			ps->stopped = 1;
			break;
		}
		nb = qg_table_next_batch(src.table, &batch);
		err = nb;
		if (err == 0)
			break;
		if (err < 0) {
			/* a malformed JSONL line is that line's problem; a sticky
			 * error repeats the same message */
			if (jsonl && err == QG_EPARSE && strcmp(last_err, qg_error_last())) {
				const char *m = qg_error_last();
				const char *tn = qg_table_name(src.table);
				long long l = 0;

				snprintf(last_err, sizeof(last_err), "%s", m);
				/* "'f':LINE:COL: msg" -> keep msg, locate by LINE */
				if (*m == '\'' && !strncmp(m + 1, tn, strlen(tn))) {
					const char *q = m + 1 + strlen(tn);
					if (*q == '\'' && q[1] == ':') {
						char *end;
						l = strtoll(q + 2, &end, 10);
						if (*end == ':') {
							long long col = strtoll(end + 1, &end, 10);
							if (*end == ':' && end[1] == ' ') {
								violation(v, ps, v->tc[CK_ROW_SHAPE], l, col, NULL, 0,
									  "malformed JSON line: %s", end + 2);
								continue;
							}
						}
					}
				}
				violation(v, ps, v->tc[CK_ROW_SHAPE], l, 0, NULL, 0, "malformed JSON line: %s", m);
				continue;
			}
			goto done;
		}
		last_err[0] = 0;
		if ((size_t)nb > bcap) {
			size_t nc = (size_t)nb * 2;
			unsigned char *c2 = realloc(bclean, nc), *o2;
			uint64_t *h2;
			long long *i2;

			if (!c2) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			bclean = c2;
			h2 = realloc(bpk, nc * sizeof(*bpk));
			if (!h2) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			bpk = h2;
			i2 = realloc(bpk_i, nc * sizeof(*bpk_i));
			if (!i2) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			bpk_i = i2;
			o2 = realloc(bpk_ok, nc);
			if (!o2) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			bpk_ok = o2;
			bcap = nc;
		}
		/* a CSV batch is one run of the buffer: one test for all of it */
		all_clean = !jsonl && batch[nb - 1].text >= batch[0].text;
		if (all_clean) {
			size_t run = (size_t)(batch[nb - 1].text - batch[0].text) + batch[nb - 1].text_len;

#if FV_AVX2
			if (v->avx2)
				all_clean = csv_clean_avx2(batch[0].text, run);
			else
#endif
				all_clean = record_clean(batch[0].text, run, 0);
		}
		ps->pk_run = 0;
		/* pass 1, per record: shape and the record-wide ASCII test */
		if (all_clean) {
			/* the common CSV batch: the per-record flags at once, and the
			 * regular test in the same loop as the shape */
			ps->rows += nb;
			memset(bclean, 1, (size_t)nb);
			memset(bpk_ok, !pk_absent, (size_t)nb);
			memset(bpk_i, 0, (size_t)nb * sizeof(*bpk_i));
			if (!v->pk_int)
				for (int r = 0; r < nb; r++)
					bpk[r] = 0x12345;
			rc = ncols ? batch[0].cells : NULL;
			/* the reader knows when every record has ncols cells in
			 * one array; otherwise each record says */
			if (!qg_table_batch_regular(src.table))
				for (int r = 0; r < nb; r++) {
					const struct qg_record *rec = &batch[r];

					if (rec->nr != ncols)
						violation(v, ps, v->tc[CK_ROW_SHAPE], rec->line,
							  rec->nr > ncols ? qg_record_cell_column(rec, ncols) : 0, NULL, 0,
							  "row has %zu cells, the header has %zu", rec->nr, ncols);
					if (rc && rec->cells != rc + (size_t)r * ncols)
						rc = NULL;
				}
		} else {
			for (int r = 0; r < nb; r++) {
				const struct qg_record *rec = &batch[r];

				ps->rows++;
				bclean[r] = 0;
				bpk[r] = 0x12345;
				bpk_i[r] = 0;
				bpk_ok[r] = !pk_absent;
				bclean[r] = all_clean || (unsigned char)record_clean(rec->text, rec->text_len, jsonl);
				if (jsonl) {
					if (rec->extra_keys && S->header_mode != QG_HEADER_SUPERSET)
						violation(v, ps, v->tc[CK_ROW_SHAPE], rec->line, 1, NULL, 0,
							  "object has %zu key%s not in the schema", rec->extra_keys,
							  rec->extra_keys > 1 ? "s" : "");
				} else if (rec->nr != ncols) {
					violation(v, ps, v->tc[CK_ROW_SHAPE], rec->line,
						  rec->nr > ncols ? qg_record_cell_column(rec, ncols) : 0, NULL, 0,
						  "row has %zu cells, the header has %zu", rec->nr, ncols);
				}
			}
			/* regular batch: every record clean, its cells ncols apart in
			 * one array (a row with more cells than the header breaks it) */
			rc = NULL;
			if (ncols && (all_clean || jsonl)) {
				int r = 0;

				for (rc = batch[0].cells; r < nb; r++)
					if (!bclean[r] || batch[r].cells != rc + (size_t)r * ncols)
						break;
				if (r < nb)
					rc = NULL;
			}
		}
		/* pass 2, column by column: one field's checks over the whole
		 * batch keep the branches of its type predictable */
		for (size_t k = 0; k < nvf; k++) {
			const struct vf *x = &vfs[k];
			const size_t col = x->col, fi = x->fi;
			pcre2_match_data *mdf = md[fi];

			if (x->trivial) {
				long long nulls = 0;
				for (int r = 0; r < nb; r++) {
					const struct qg_cell *cell = &batch[r].cells[col];
					uint64_t h = 1;
					long long ik = 0;

					/* plain string in a clean record: only the missing count */
					if (bclean[r] && !(cell->flags & (QG_CELL_NULL | QG_CELL_MISSING))) {
						nulls += cell->len == 0;
						continue;
					}
					check_cell(v, ps, fi, cell, &batch[r], mdf, &h, &ik, bclean[r]);
				}
				ps->nulls[fi] += nulls;
				continue;
			}
			if (x->fast) {
/* a column loop: the regular-batch copy (fn_r, one cell pointer) when the
 * cells are one array, else the per-record one */
#define COLUMN_LOOP(fn)                                                                               \
	do {                                                                                          \
		if (rc)                                                                               \
			fn##_r(v, ps, x, batch, nb, rc, ncols, bclean, bpk_i, bpk_ok, mdf, max_errors); \
		else                                                                                  \
			fn(v, ps, x, batch, nb, NULL, 0, bclean, bpk_i, bpk_ok, mdf, max_errors);       \
	} while (0)
				switch (x->fast) {
				case FAST_INT:
					if (!x->pk && !(S->fields[fi].constraints & QG_C_UNIQUE))
						COLUMN_LOOP(fast_irange);
					else
						COLUMN_LOOP(fast_int);
					break;
				case FAST_NUM:
					if (x->num_all)
						COLUMN_LOOP(fast_nany);
					else
						COLUMN_LOOP(fast_num);
					break;
				case FAST_DATE:
					COLUMN_LOOP(fast_date);
					break;
				case FAST_STR:
					switch (x->str) {
					case FAST_STR_LEN:
						COLUMN_LOOP(fast_slen);
						break;
					case FAST_STR_EMAIL:
#if FV_AVX2
						if (rc && v->avx2) {
							fast_semail_avx2_r(v, ps, x, batch, nb, rc, ncols, bclean, bpk_i, bpk_ok,
									   mdf, max_errors);
							break;
						}
#endif
						COLUMN_LOOP(fast_semail);
						break;
					case FAST_STR_ENUM:
						COLUMN_LOOP(fast_senum);
						break;
					case FAST_STR_SEQ:
						COLUMN_LOOP(fast_sseq);
						break;
					default:
						COLUMN_LOOP(fast_str);
						break;
					}
					break;
				case FAST_BOOL:
					COLUMN_LOOP(fast_bool);
					break;
				}
#undef COLUMN_LOOP
				if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
					break;
				continue;
			}
			for (int r = 0; r < nb; r++) {
				uint64_t h = 1;
				long long ik = 0;

				check_cell(v, ps, fi, &batch[r].cells[col], &batch[r], mdf, &h, &ik, bclean[r]);
				if (x->pk && bpk_ok[r]) {
					if (!h)
						bpk_ok[r] = 0;
					else if (v->pk_int)
						bpk_i[r] = ik;
					else
						bpk[r] = qg_data_fmix64(bpk[r] * 0x9e3779b97f4a7c15ull + h);
				}
				if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
					break;
			}
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		/* pass 3, per record: the primary key; an integer key extends
		 * its interval with the end in a register (as fast_column) */
		if (S->nr_primary_key && v->pk_int) {
			struct qg_uniq *pu = &ps->pk;
			long long nx = pu->fnext, lim = pu->flim;
			int r = 0;

			/* the key column's values are one run (pk_run): the whole
			 * batch extends the interval at once when the run goes on
			 * from its end, exactly as the loop below would */
			if (ps->pk_run && bpk_ok[0] && bpk_i[0] == nx && bpk_i[nb - 1] < lim) {
				nx = bpk_i[nb - 1] + 1;
				r = nb;
			}
			for (; r < nb; r++) {
				long long k = bpk_i[r];

				if (__builtin_expect(bpk_ok[r] && k == nx && k < lim, 1)) {
					nx = k + 1;
					continue;
				}
				if (nx != pu->fnext) {
					pu->iv[pu->hint][1] = nx - 1;
					pu->fnext = nx;
				}
				if (!bpk_ok[r])
					violation(v, ps, v->tc[CK_PRIMARY_KEY], batch[r].line, 0, NULL, 0,
						  "primary key (%s%s) is missing a value", S->fields[S->primary_key[0]].name,
						  S->nr_primary_key > 1 ? ", ..." : "");
				else if (qg_uniq_add_int(pu, k) == 0)
					violation(v, ps, v->tc[CK_PRIMARY_KEY], batch[r].line, 0, NULL, 0,
						  "primary key (%s%s) repeats an earlier row", S->fields[S->primary_key[0]].name,
						  S->nr_primary_key > 1 ? ", ..." : "");
				nx = pu->fnext;
				lim = pu->flim;
			}
			if (nx != pu->fnext) {
				pu->iv[pu->hint][1] = nx - 1;
				pu->fnext = nx;
			}
		}
		for (int r = 0; S->nr_primary_key && !v->pk_int && r < nb; r++) {
			if (!bpk_ok[r]) {
				violation(v, ps, v->tc[CK_PRIMARY_KEY], batch[r].line, 0, NULL, 0,
					  "primary key (%s%s) is missing a value", S->fields[S->primary_key[0]].name,
					  S->nr_primary_key > 1 ? ", ..." : "");
			} else if ((v->pk_int ? qg_uniq_add_int_fast(&ps->pk, bpk_i[r]) : qg_uniq_add_hash(&ps->pk, bpk[r])) == 0) {
				violation(v, ps, v->tc[CK_PRIMARY_KEY], batch[r].line, 0, NULL, 0,
					  "primary key (%s%s) repeats an earlier row", S->fields[S->primary_key[0]].name,
					  S->nr_primary_key > 1 ? ", ..." : "");
			}
		}
	}
	err = 0;
	for (size_t i = 0; i < nf; i++)
		ps->present[i] = colmap[i] >= 0 ? ps->rows : 0;
done:
	free(colmap);
	free(vfs);
	free(bclean);
	free(bpk);
	free(bpk_i);
	free(bpk_ok);
	qg_data_source_close(&src);
	return err;
}

/* ------------------------------------------------------------ setup */

static int add_check(struct vrun *v, enum check_kind k, long field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_check(struct vrun *v, enum check_kind k, long field, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT;
	struct vcheck *c;
	va_list ap;

	c = realloc(v->checks, (v->nr_checks + 1) * sizeof(*c));
	if (!c)
		return qg_error(QG_ENOMEM, "out of memory");
	v->checks = c;
	va_start(ap, fmt);
	qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c = &v->checks[v->nr_checks];
	c->id = qg_buf_detach(&b, NULL);
	c->kind = k;
	c->field = field;
	if (!c->id)
		return qg_error(QG_ENOMEM, "out of memory");
	if (field >= 0)
		v->fc[field][k] = (long)v->nr_checks;
	else
		v->tc[k] = (long)v->nr_checks;
	v->nr_checks++;
	return 0;
}

static int build_checks(struct vrun *v)
{
	const struct qg_schema *S = v->S;
	static const struct { unsigned bit; enum check_kind kind; const char *name; } cons[] = {
		{ QG_C_REQUIRED, CK_REQUIRED, "required" },
		{ QG_C_UNIQUE, CK_UNIQUE, "unique" },
		{ QG_C_MINIMUM, CK_MINIMUM, "minimum" },
		{ QG_C_MAXIMUM, CK_MAXIMUM, "maximum" },
		{ QG_C_EXMINIMUM, CK_EXMIN, "exclusiveMinimum" },
		{ QG_C_EXMAXIMUM, CK_EXMAX, "exclusiveMaximum" },
		{ QG_C_MINLENGTH, CK_MINLEN, "minLength" },
		{ QG_C_MAXLENGTH, CK_MAXLEN, "maxLength" },
		{ QG_C_PATTERN, CK_PATTERN, "pattern" },
		{ QG_C_ENUM, CK_ENUM, "enum" },
	};
	int err;

	for (size_t k = 0; k < QG_ARRAY_SIZE(v->tc); k++)
		v->tc[k] = -1;
	if ((err = add_check(v, CK_HEADER, -1, "table.header")) < 0 ||
	    (err = add_check(v, CK_ROW_SHAPE, -1, "table.row-shape")) < 0 ||
	    (err = add_check(v, CK_ENCODING, -1, "table.encoding")) < 0 ||
	    (err = add_check(v, CK_ROWS, -1, "table.rows")) < 0)
		return err;
	if (S->nr_primary_key && (err = add_check(v, CK_PRIMARY_KEY, -1, "table.primary-key")) < 0)
		return err;
	for (size_t i = 0; i < S->nr_fields; i++) {
		const struct qg_schema_field *f = &S->fields[i];

		for (size_t k = 0; k <= CK_NULLFRAC; k++)
			v->fc[i][k] = -1;
		/* every field has a type check, even a plain string (it then
		 * passes): the report shows each field was looked at */
		if ((err = add_check(v, CK_TYPE, (long)i, "field.%s.type", f->name)) < 0)
			return err;
		for (size_t k = 0; k < QG_ARRAY_SIZE(cons); k++)
			if ((f->constraints & cons[k].bit) &&
			    (err = add_check(v, cons[k].kind, (long)i, "field.%s.%s", f->name, cons[k].name)) < 0)
				return err;
		if (f->max_null_fraction >= 0 &&
		    (err = add_check(v, CK_NULLFRAC, (long)i, "field.%s.maxNullFraction", f->name)) < 0)
			return err;
	}
	return 0;
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void describe(struct vrun *v, const struct vcheck *c, struct qg_check *qc, long long n, int partial,
		     const double *omin, const double *omax)
{
	const struct qg_schema_field *f = c->field >= 0 ? &v->S->fields[c->field] : NULL;
	const char *atleast = partial && n ? "at least " : "";

	switch (c->kind) {
	case CK_HEADER:
		if (n)
			qg_check_set_message(qc, "the header does not match the schema (%s)",
					     v->S->header_mode == QG_HEADER_EXACT ? "exact" :
					     v->S->header_mode == QG_HEADER_SUBSET ? "subset" : "superset");
		else
			qg_check_set_message(qc, "the header matches the schema");
		qg_check_expected_string(qc, "%s", v->S->header_mode == QG_HEADER_EXACT ? "exact" :
					 v->S->header_mode == QG_HEADER_SUBSET ? "subset" : "superset");
		break;
	case CK_ROW_SHAPE:
		qg_check_set_message(qc, n ? "%s%lld malformed %s" : "every row has the header's shape", atleast, n,
				     plural(n, "row", "rows"));
		break;
	case CK_ENCODING:
		qg_check_set_message(qc, n ? "%s%lld %s not valid UTF-8 or with a NUL byte" : "all cells are valid UTF-8",
				     atleast, n, plural(n, "cell", "cells"));
		break;
	case CK_TYPE:
		if (n)
			qg_check_set_message(qc, "%s%lld %s not of type %s", atleast, n, plural(n, "value", "values"),
					     qg_field_type_name(f->type));
		else
			qg_check_set_message(qc, "all values are of type %s", qg_field_type_name(f->type));
		qg_check_expected_string(qc, "%s%s%s", qg_field_type_name(f->type), f->format_text ? " format " : "",
					 f->format_text ? f->format_text : "");
		break;
	case CK_REQUIRED:
		qg_check_set_message(qc, n ? "%s%lld missing %s" : "no missing values", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "no missing values");
		break;
	case CK_UNIQUE:
		qg_check_set_message(qc, n ? "%s%lld duplicate %s" : "all values are distinct", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "distinct values");
		break;
	case CK_PRIMARY_KEY:
		qg_check_set_message(qc, n ? "%s%lld %s with a missing or repeated primary key" :
					     "primary key values are present and distinct", atleast, n,
				     plural(n, "row", "rows"));
		qg_check_expected_string(qc, "distinct, present primary keys");
		break;
	case CK_MINIMUM:
	case CK_MAXIMUM:
	case CK_EXMIN:
	case CK_EXMAX: {
		const char *t = c->kind == CK_MINIMUM ? f->min_text : c->kind == CK_MAXIMUM ? f->max_text :
				c->kind == CK_EXMIN ? f->exmin_text : f->exmax_text;
		const char *op = c->kind == CK_MINIMUM ? ">=" : c->kind == CK_MAXIMUM ? "<=" :
				 c->kind == CK_EXMIN ? ">" : "<";
		if (n)
			qg_check_set_message(qc, "%s%lld %s %s %s", atleast, n, plural(n, "value", "values"),
					     bound_word(c->kind), t);
		else
			qg_check_set_message(qc, "all values %s %s", op, t);
		qg_check_expected_string(qc, "%s %s", op, t);
		if (n && (f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_NUMBER || f->type == QG_TYPE_YEAR)) {
			/* the most extreme violating value */
			double o = (c->kind == CK_MINIMUM || c->kind == CK_EXMIN) ? *omin : *omax;
			if (isfinite(o))
				qg_check_observed_number(qc, o);
		}
		break;
	}
	case CK_MINLEN:
	case CK_MAXLEN:
		if (n)
			qg_check_set_message(qc, "%s%lld %s %s than %s %lld characters", atleast, n,
					     plural(n, "value", "values"), c->kind == CK_MINLEN ? "shorter" : "longer",
					     c->kind == CK_MINLEN ? "minLength" : "maxLength",
					     c->kind == CK_MINLEN ? f->min_length : f->max_length);
		else
			qg_check_set_message(qc, "all values %s %lld characters", c->kind == CK_MINLEN ? ">=" : "<=",
					     c->kind == CK_MINLEN ? f->min_length : f->max_length);
		qg_check_expected_string(qc, "%s %lld characters", c->kind == CK_MINLEN ? ">=" : "<=",
					 c->kind == CK_MINLEN ? f->min_length : f->max_length);
		break;
	case CK_PATTERN:
		if (n)
			qg_check_set_message(qc, "%s%lld %s not matching /%s/", atleast, n, plural(n, "value", "values"),
					     f->pattern);
		else
			qg_check_set_message(qc, "all values match /%s/", f->pattern);
		qg_check_expected_string(qc, "/%s/", f->pattern);
		break;
	case CK_ENUM:
		qg_check_set_message(qc, n ? "%s%lld %s outside the enum" : "all values are in the enum", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "one of %zu values", f->enum_values.nr);
		break;
	default:
		break;
	}
}

static int example_cmp(const void *a, const void *b)
{
	const struct example *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

static int merge_results(struct vrun *v, struct qg_data_plan *p, struct qg_result *r)
{
	const struct qg_schema *S = v->S;
	size_t nf = S->nr_fields;
	long long rows = 0, *nulls = calloc(nf + 1, sizeof(long long)), *present = calloc(nf + 1, sizeof(long long));
	double *omin = malloc((nf + 1) * sizeof(double)), *omax = malloc((nf + 1) * sizeof(double));
	long long *xdup = calloc(nf + 1, sizeof(long long)), total_violations = 0;
	int stopped = atomic_load(&v->stop), header_seen = 0, err = 0;

	if (!nulls || !present || !omin || !omax || !xdup) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nf; i++) {
		omin[i] = INFINITY;
		omax[i] = -INFINITY;
	}
	for (size_t pi = 0; pi < p->nr_pieces; pi++) {
		struct piece_state *ps = &v->ps[pi];
		if (p->pieces[pi].dropped || !ps->used)
			continue;
		rows += ps->rows;
		header_seen |= ps->header_seen;
		for (size_t i = 0; i < nf; i++) {
			nulls[i] += ps->nulls[i];
			present[i] += ps->present[i];
			if (ps->obs_min[i] < omin[i])
				omin[i] = ps->obs_min[i];
			if (ps->obs_max[i] > omax[i])
				omax[i] = ps->obs_max[i];
		}
	}
	/* keys shared between pieces (threads, byte ranges, files) */
	for (size_t i = 0; i <= nf; i++) {
		struct qg_uniq g;
		int is_pk = i == nf;

		if (is_pk ? !S->nr_primary_key : !(S->fields[i].constraints & QG_C_UNIQUE))
			continue;
		qg_uniq_init(&g, is_pk ? v->pk_int : S->fields[i].type == QG_TYPE_INTEGER || S->fields[i].type == QG_TYPE_YEAR,
			     &v->uniq_bytes, v->o->unique_memory << 20);
		for (size_t pi = 0; pi < p->nr_pieces; pi++) {
			struct piece_state *ps = &v->ps[pi];
			struct qg_uniq *u;

			if (p->pieces[pi].dropped || !ps->used)
				continue;
			u = is_pk ? &ps->pk : &ps->uq[i];
			if (u->overflow || qg_uniq_merge(&g, u, &xdup[i]) < 0)
				v->uniq_overflow[i] = 1;
		}
		if (g.overflow)
			v->uniq_overflow[i] = 1;
		qg_uniq_release(&g);
	}
	for (size_t ci = 0; ci < v->nr_checks; ci++) {
		const struct vcheck *c = &v->checks[ci];
		struct qg_check *qc;
		long long n = 0, cross = 0;
		size_t fi = c->field >= 0 ? (size_t)c->field : 0;

		for (size_t pi = 0; pi < p->nr_pieces; pi++)
			if (!p->pieces[pi].dropped && v->ps[pi].used)
				n += v->ps[pi].counts[ci];
		if (c->kind == CK_UNIQUE)
			cross = xdup[fi];
		else if (c->kind == CK_PRIMARY_KEY)
			cross = xdup[nf];
		n += cross;
		total_violations += n;
		qc = qg_result_add_check(r, c->id, n ? QG_STATUS_FAIL : QG_STATUS_PASS, NULL);
		if (!qc) {
			err = QG_ENOMEM;
			goto done;
		}
		/* examples in data order */
		for (size_t pi = 0; pi < p->nr_pieces && qc->nr_locations < EXAMPLES; pi++) {
			struct piece_state *ps = &v->ps[pi];
			long long base;

			if (p->pieces[pi].dropped || !ps->used)
				continue;
			base = qg_data_plan_line_base(p, pi);
			/* a batch is checked field by field: put a check shared by
			 * fields (table.encoding) back in line order */
			qsort(&ps->ex[ci * EXAMPLES], ps->nr_ex[ci], sizeof(struct example), example_cmp);
			for (size_t k = 0; k < ps->nr_ex[ci] && qc->nr_locations < EXAMPLES; k++) {
				const struct example *e = &ps->ex[ci * EXAMPLES + k];
				if (qg_check_add_location(qc, p->files[p->pieces[pi].file].spec,
							  e->line ? e->line + base : 0, e->column, "%s", e->msg) < 0) {
					err = QG_ENOMEM;
					goto done;
				}
			}
		}
		if (c->kind == CK_ROWS) {
			int has = S->min_rows >= 0 || S->max_rows >= 0;
			int bad = (S->min_rows >= 0 && rows < S->min_rows) || (S->max_rows >= 0 && rows > S->max_rows);

			qg_check_observed_number(qc, (double)rows);
			if (S->min_rows >= 0 && S->max_rows >= 0)
				qg_check_expected_string(qc, "%lld..%lld rows", S->min_rows, S->max_rows);
			else if (S->min_rows >= 0)
				qg_check_expected_string(qc, ">= %lld rows", S->min_rows);
			else if (S->max_rows >= 0)
				qg_check_expected_string(qc, "<= %lld rows", S->max_rows);
			if (has && (stopped || p->shard_count > 1)) {
				qc->status = QG_STATUS_SKIP;
				qg_check_set_message(qc, "%lld rows read; the row-count bounds are not checked %s", rows,
						     stopped ? "after --max-errors stopped the run" :
							       "on one shard (merge the shards' counts)");
			} else {
				qc->status = bad ? QG_STATUS_FAIL : QG_STATUS_PASS;
				qg_check_set_message(qc, "%lld %s%s", rows, plural(rows, "row", "rows"),
						     bad ? (rows < S->min_rows ? ", fewer than minRows" : ", more than maxRows") : "");
			}
			qg_check_set_count(qc, bad && qc->status == QG_STATUS_FAIL ? 1 : 0);
			continue;
		}
		if (c->kind == CK_NULLFRAC) {
			const struct qg_schema_field *f = &S->fields[fi];
			double frac = present[fi] ? (double)nulls[fi] / (double)present[fi] : 0;

			qg_check_observed_number(qc, frac);
			qg_check_expected_string(qc, "<= %g", f->max_null_fraction);
			if (stopped) {
				qc->status = QG_STATUS_SKIP;
				qg_check_set_message(qc, "not checked: --max-errors stopped the run");
			} else {
				qc->status = frac > f->max_null_fraction ? QG_STATUS_FAIL : QG_STATUS_PASS;
				qg_check_set_message(qc, "%lld of %lld values missing (%.4g)", nulls[fi], present[fi], frac);
			}
			qg_check_set_count(qc, qc->status == QG_STATUS_FAIL ? nulls[fi] : 0);
			{
				struct qg_json *d = qg_check_details(qc);
				if (d) {
					qg_json_add_number(d, "nulls", (double)nulls[fi]);
					qg_json_add_number(d, "values", (double)present[fi]);
				}
			}
			continue;
		}
		qg_check_set_count(qc, n);
		if (c->kind == CK_HEADER && !header_seen) {
			qc->status = QG_STATUS_SKIP;
			qg_check_set_message(qc, "no header in this shard (it is checked by the shard holding the file's start)");
			continue;
		}
		if (c->field >= 0 && c->kind != CK_REQUIRED && !n && present[fi] == 0 && rows > 0) {
			qc->status = QG_STATUS_SKIP;
			qg_check_set_message(qc, "column '%s' is not in the data", S->fields[fi].name);
			continue;
		}
		if (c->field >= 0 && c->kind == CK_REQUIRED && present[fi] == 0 && rows > 0) {
			/* a required column absent from the data: every row misses it */
			qc->status = QG_STATUS_FAIL;
			qg_check_set_count(qc, rows);
			qg_check_set_message(qc, "column '%s' is required but not in the data (%lld rows)",
					     S->fields[fi].name, rows);
			continue;
		}
		describe(v, c, qc, n, stopped, &omin[fi], &omax[fi]);
		if (cross) {
			struct qg_json *d = qg_check_details(qc);
			if (d)
				qg_json_add_number(d, "duplicates_across_pieces", (double)cross);
			qg_result_add_markdown(r, "%s: %lld duplicate%s found between pieces read in parallel or "
						  "between files have no location.\n", c->id, cross, cross > 1 ? "s" : "");
		}
		if (c->kind == CK_UNIQUE && v->uniq_overflow[fi]) {
			qc->status = QG_STATUS_ERROR;
			qg_check_set_message(qc, "unique check needs more than %lld MiB (raise --unique-memory)",
					     v->o->unique_memory);
		}
		if (c->kind == CK_PRIMARY_KEY && v->uniq_overflow[nf]) {
			qc->status = QG_STATUS_ERROR;
			qg_check_set_message(qc, "primary key check needs more than %lld MiB (raise --unique-memory)",
					     v->o->unique_memory);
		}
	}
	qg_json_add_number(r->metrics, "rows", (double)rows);
	qg_json_add_number(r->metrics, "violations", (double)total_violations);
	if (stopped)
		qg_result_add_markdown(r, "Stopped early after %lld violations (--max-errors); counts are lower bounds.\n",
				       v->o->max_errors);
done:
	free(nulls);
	free(present);
	free(omin);
	free(omax);
	free(xdup);
	return err;
}

int qg_data_validate(const struct qg_data_opts *o, struct qg_result *r)
{
	struct qg_schema S;
	struct qg_data_plan plan;
	struct qg_data_input_opts in = o->input;
	struct vrun v;
	struct qg_data_hasher hasher;
	size_t nf;
	int err, ret2, hashing = 0;

	memset(&v, 0, sizeof(v));
	memset(&plan, 0, sizeof(plan));
	if (!o->schema)
		return qg_error(QG_EUSAGE, "validate needs --schema SCHEMA.json");
	if ((err = qg_schema_load(&S, o->schema)) < 0)
		return err;
	nf = S.nr_fields;
	v.o = o;
	v.S = &S;
#if FV_AVX2
	v.avx2 = __builtin_cpu_supports("avx2") && !getenv("QG_NO_AVX2");
#endif
	atomic_init(&v.uniq_bytes, 0);
	atomic_init(&v.violations, 0);
	atomic_init(&v.stop, 0);
	if (!in.delimiter && S.delimiter)
		in.default_delimiter = S.delimiter;
	if ((err = qg_data_plan_build(&plan, &in, &o->data)) < 0)
		goto done;
	v.jobs = plan.jobs;
	v.fc = calloc(nf + 1, sizeof(*v.fc));
	v.field_names = calloc(nf + 1, sizeof(char *));
	v.uniq_overflow = calloc(nf + 1, sizeof(int));
	v.ps = calloc(plan.nr_pieces + 1, sizeof(*v.ps));
	v.md = calloc((size_t)plan.jobs * (nf ? nf : 1), sizeof(*v.md));
	if (!v.fc || !v.field_names || !v.uniq_overflow || !v.ps || !v.md) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nf; i++) {
		v.field_names[i] = S.fields[i].name;
		for (int w = 0; w < plan.jobs; w++) {
			if (!S.fields[i].re)
				continue;
			v.md[(size_t)w * nf + i] = pcre2_match_data_create_from_pattern((const pcre2_code *)S.fields[i].re, NULL);
			if (!v.md[(size_t)w * nf + i]) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	v.pk_int = S.nr_primary_key == 1 && (S.fields[S.primary_key[0]].type == QG_TYPE_INTEGER ||
					      S.fields[S.primary_key[0]].type == QG_TYPE_YEAR);
	if ((err = build_checks(&v)) < 0)
		goto done;
	if ((err = qg_data_hasher_start(&hasher, &plan, !o->no_hash)) < 0)
		goto done;
	hashing = 1;
	err = qg_data_plan_run(&plan, run_piece, piece_reset, &v);
	hashing = 0;
	if ((ret2 = qg_data_hasher_finish(&hasher, r)) < 0 && !err)
		err = ret2;
	if (err < 0)
		goto done;
	for (size_t i = 0; i < plan.nr_pieces; i++) {
		if (plan.pieces[i].status && !plan.pieces[i].dropped) {
			err = qg_error(plan.pieces[i].status, "%s", qg_data_plan_piece_error(&plan, i));
			goto done;
		}
	}
	err = merge_results(&v, &plan, r);
	if (!err && plan.shard_count > 1)
		qg_json_add_string(r->metrics, "shard", o->input.shard);
done:
	if (hashing)
		qg_data_hasher_finish(&hasher, NULL);
	if (v.ps)
		for (size_t i = 0; i < plan.nr_pieces; i++)
			piece_reset(&v, &plan, i);
	for (size_t i = 0; v.checks && i < v.nr_checks; i++)
		free(v.checks[i].id);
	free(v.checks);
	if (v.md)
		for (size_t i = 0; i < (size_t)(plan.jobs ? plan.jobs : 1) * (nf ? nf : 1); i++)
			pcre2_match_data_free(v.md[i]);
	free(v.md);
	free(v.uniq_overflow);
	free(v.fc);
	free(v.field_names);
	free(v.ps);
	qg_data_plan_release(&plan);
	qg_schema_release(&S);
	return err;
}
