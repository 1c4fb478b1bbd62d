/* profile.c -- one-pass, mergeable per-field statistics (qgate.profile/v1)
 *
 * A profile is built record by record: every non-null cell is hashed once and
 * the hash feeds the HyperLogLog and the space-saving table (the column
 * loop skips the HLL for tracked values and, while a field's table is not
 * full, finds tracked values by their bytes without hashing: the same
 * result, see field_add_column); cells that parse
 * as numbers are parked in a per-field batch of QG_PROF_BATCH values. When a
 * batch fills up it is folded in at once: exact min/max, a double-double sum
 * (TwoSum per value, so the mean of merged shards is bit-identical to the
 * mean of the whole), a two-pass batch mean/M2 merged into the running
 * moments with Chan's formula, the KLL sketch, and -- for drift -- exact counts
 * on the baseline's bins. Working per batch keeps the per-cell path to a
 * parse, a hash and a few stores. Readers hand records over in batches
 * (data_profile_add_batch), which are taken one column at a time so that a
 * field's HLL, top-k and filter stay in cache for a run of cells; the
 * values reach every field in the same order as record by record, so the
 * profile is the same.
 *
 * Profiles merge field by field (matched by name) with the same operations,
 * which is how -j pieces, --shard runs and `profile --merge` combine.
 *
 * The engine is this file and profile_read.c (DATA read into a profile,
 * piece by piece on the input's threads); profile_json.c writes and reads
 * the qgate.profile/v1 form (docs/profile-format.md). The integer pass of
 * field_flush uses SSE2 when qg_cpu_level() allows (the same bits as the
 * portable loop); QG_SIMD=general takes every batch record by record.
 *
 * Over 800 lines on purpose: the per-value path (field_add) and the column
 * loops (field_add_column, field_add_pair) share static inline helpers and
 * the batch fold (field_flush) that the compiler inlines into each loop; in
 * separate files they would be calls per cell (measured: the column loops
 * are most of profile's time, docs/dev/profile-diary.md).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#include "qgate/decimal.h"
#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/table.h"
#include "qgate/version.h"
#include "fastval.h"
#include "profile.h"
#include "schema.h"

/* ---- numbers ---------------------------------------------------------------- */

static int special_number(const char *s, size_t n)
{
	static const char *const names[] = { "nan", "inf", "infinity" };
	if (n && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	for (size_t k = 0; k < QG_ARRAY_SIZE(names); k++)
		if (strlen(names[k]) == n && !strncasecmp(s, names[k], n))
			return 1;
	return -1;
}

/* A number (qgate/decimal.h), else 1 for NaN and infinity in any case
 * ("nan", "-Inf", "INFINITY"): 0 and *out, 1 for a non-finite number
 * (also a literal beyond the double range), -1 for no number. */
static inline int prof_number(const char *s, size_t n, double *out)
{
	int r = qg_decimal_parse(s, n, out);

	return r == QG_DECIMAL_SYNTAX ? special_number(s, n) : r;
}

int data_prof_parse_number(const char *s, size_t n, double *out)
{
	return prof_number(s, n, out);
}

/* ---- double-double and moments ------------------------------------------------ */

static inline void two_sum(double a, double b, double *s, double *e)
{
	double x = a + b, bb = x - a;
	*e = (a - (x - bb)) + (b - bb);
	*s = x;
}

static inline void dd_norm(double *hi, double *lo)
{
	double s = *hi + *lo;
	*lo = *lo - (s - *hi);
	*hi = s;
}

static void moments_init(struct qg_prof_moments *m)
{
	memset(m, 0, sizeof(*m));
	m->min = INFINITY;
	m->max = -INFINITY;
}

static void moments_merge(struct qg_prof_moments *a, const struct qg_prof_moments *b)
{
	double s, e, delta, na = (double)a->n, nb = (double)b->n, N;

	if (!b->n)
		return;
	if (!a->n) {
		*a = *b;
		return;
	}
	two_sum(a->sum_hi, b->sum_hi, &s, &e);
	e += a->sum_lo + b->sum_lo;
	a->sum_hi = s;
	a->sum_lo = e;
	dd_norm(&a->sum_hi, &a->sum_lo);
	N = na + nb;
	delta = b->mean - a->mean;
	a->mean += delta * (nb / N);
	a->m2 += b->m2 + delta * delta * (na * nb / N);
	a->n += b->n;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

static double moments_mean(const struct qg_prof_moments *m)
{
	double n = (double)m->n, q, r;
	if (!m->n)
		return NAN;
	/* (hi + lo) / n as a double-double division, rounded once */
	q = m->sum_hi / n;
	r = fma(-q, n, m->sum_hi) + m->sum_lo;
	return q + r / n;
}

/* ---- fields ------------------------------------------------------------------ */

static void field_init(struct qg_prof_field *f)
{
	memset(f, 0, sizeof(*f));
	f->numeric_ok = 1;
	f->schema_field = -1;
	moments_init(&f->mom);
	data_kll_init(&f->kll);
	data_hll_init(&f->hll);
	data_topk_init(&f->topk);
	f->hll_topk = 1;
}

static void field_release(struct qg_prof_field *f)
{
	free(f->name);
	data_kll_release(&f->kll);
	data_topk_release(&f->topk);
	free(f->buf);
	free(f->edges);
	free(f->bin_counts);
	if (f->cats) {
		data_topk_release(f->cats);
		free(f->cats);
	}
	free(f->cat_counts);
}

void data_profile_init(struct qg_profile *p)
{
	memset(p, 0, sizeof(*p));
	qg_strvec_init(&p->sources);
	p->level = qg_cpu_level();
}

void data_profile_release(struct qg_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_fields; i++)
		field_release(&p->fields[i]);
	free(p->fields);
	qg_strvec_clear(&p->sources);
	data_profile_init(p);
}

static void field_set_kind(struct qg_prof_field *f, enum qg_prof_kind k, int source)
{
	f->fixed = k;
	f->type_source = source;
	if (k == QG_PROF_CATEGORICAL)
		f->numeric_ok = 0;
}

long data_profile_field(struct qg_profile *p, const char *name, size_t len)
{
	struct qg_prof_field *f;

	for (size_t i = 0; i < p->nr_fields; i++)
		if (strlen(p->fields[i].name) == len && !memcmp(p->fields[i].name, name, len))
			return (long)i;
	if (QG_ALLOC_GROW(p->fields, p->nr_fields + 1, p->alloc_fields))
		return QG_ENOMEM;
	f = &p->fields[p->nr_fields];
	field_init(f);
	f->sse2 = p->level >= QG_CPU_SSE2;
	f->name = qg_strndup(name, len);
	if (!f->name)
		return QG_ENOMEM;
	if (p->schema) {
		long si = data_schema_field_index(p->schema, name, len);
		if (si >= 0) {
			enum qg_field_type t = p->schema->fields[si].type;
			f->schema = p->schema;
			f->schema_field = si;
			field_set_kind(f, t == QG_TYPE_INTEGER || t == QG_TYPE_NUMBER || t == QG_TYPE_YEAR ?
						  QG_PROF_NUMERIC : QG_PROF_CATEGORICAL, 1);
		}
	}
	return (long)p->nr_fields++;
}

int data_profile_bind(struct qg_profile *p, const char *const *names, size_t nr, long *map)
{
	for (size_t i = 0; i < nr; i++) {
		long idx = data_profile_field(p, names[i], strlen(names[i]));
		if (idx < 0)
			return (int)idx;
		map[i] = idx;
	}
	return 0;
}

static size_t upper_bound(const double *e, size_t n, double x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int field_flush(struct qg_prof_field *f)
{
	const double *v = f->buf;
	uint32_t n = f->nbuf;
	struct qg_prof_moments b;
	double s = 0, bm, m2 = 0, hi, lo = 0, e;

	if (!n)
		return 0;
	f->nbuf = 0;
	moments_init(&b);
	b.n = n;
	hi = 0;
#if QG_SIMD_SSE2
	if (f->nbuf_int == n && f->sse2) {
		/* integers 0..99999999 only (QG_PROF_BATCH of them): every
		 * partial sum is an integer below 2^53, so every addition is
		 * exact in any order -- the plain sum and the TwoSum chain's hi
		 * are the exact sum and its error terms all +0 -- and min/max
		 * have no signed zeros or ties to place: two lanes at a time,
		 * the same bits as the loop below */
		__m128d vs = _mm_setzero_pd(), vlo = _mm_set1_pd(INFINITY), vhi = _mm_set1_pd(-INFINITY);
		uint32_t i = 0;
		for (; i + 2 <= n; i += 2) {
			__m128d x = _mm_loadu_pd(v + i);
			vs = _mm_add_pd(vs, x);
			vlo = _mm_min_pd(vlo, x);
			vhi = _mm_max_pd(vhi, x);
		}
		if (i < n) {
			__m128d x = _mm_set1_pd(v[i]);
			vs = _mm_add_sd(vs, x);
			vlo = _mm_min_pd(vlo, x);
			vhi = _mm_max_pd(vhi, x);
		}
		vs = _mm_add_sd(vs, _mm_unpackhi_pd(vs, vs));
		vlo = _mm_min_sd(vlo, _mm_unpackhi_pd(vlo, vlo));
		vhi = _mm_max_sd(vhi, _mm_unpackhi_pd(vhi, vhi));
		s = hi = _mm_cvtsd_f64(vs);
		b.min = _mm_cvtsd_f64(vlo);
		b.max = _mm_cvtsd_f64(vhi);
	} else
#endif
	{
		/* one pass for the plain sum, min, max and the TwoSum chain
		 * (the same operations in the same order as separate loops, so
		 * the same bits; the chains overlap instead of running one
		 * after the other) */
		for (uint32_t i = 0; i < n; i++) {
			s += v[i];
			b.min = v[i] < b.min ? v[i] : b.min;
			b.max = v[i] > b.max ? v[i] : b.max;
			two_sum(hi, v[i], &hi, &e);
			lo += e;
		}
	}
	f->nbuf_int = 0;
	bm = s / n;
	for (uint32_t i = 0; i < n; i++) {
		double d = v[i] - bm;
		m2 += d * d;
	}
	dd_norm(&hi, &lo);
	b.sum_hi = hi;
	b.sum_lo = lo;
	b.mean = bm;
	b.m2 = m2;
	moments_merge(&f->mom, &b);
	if (f->bin_counts)
		for (uint32_t i = 0; i < n; i++)
			f->bin_counts[upper_bound(f->edges, f->nr_edges, v[i])]++;
	return data_kll_add_batch_mm(&f->kll, v, n, b.min, b.max);
}

/* The field gave up on being numeric: free what only numbers need. */
static void field_drop_numeric(struct qg_prof_field *f)
{
	f->numeric_ok = 0;
	f->nbuf = 0;
	f->nbuf_int = 0;
	free(f->buf);
	f->buf = NULL;
	data_kll_release(&f->kll);
	moments_init(&f->mom);
}

static int cell_is_null(const struct qg_prof_field *f, const char *s, size_t n, unsigned flags)
{
	const struct qg_schema *sc = f->schema;

	if (flags & (QG_CELL_NULL | QG_CELL_MISSING))
		return 1;
	if (!sc)
		return n == 0;
	if (f->schema_field >= 0 && sc->fields[f->schema_field].has_missing)
		return qg_strmap_has(&sc->fields[f->schema_field].missing_values, s, n);
	if (sc->missing_only_empty)
		return n == 0;
	return qg_strmap_has(&sc->missing_values, s, n);
}

static int field_add(struct qg_prof_field *f, const char *s, size_t n, unsigned flags)
{
	uint64_t h;
	int ret;

	if (cell_is_null(f, s, n, flags)) {
		f->nulls++;
		return 0;
	}
	f->count++;
	h = qg_hash64_inline(s, n);
	data_hll_add_hash(&f->hll, h);
	ret = data_topk_add(&f->topk, s, n, h);
	if (ret)
		return ret;
	if (f->cats) {
		int ci = data_topk_find(f->cats, s, n, h);
		f->cat_counts[ci >= 0 ? (size_t)ci : f->cats->nr]++;
	}
	if (f->numeric_ok) {
		double d;
		int r;
		if (f->schema_field >= 0 && (f->schema->fields[f->schema_field].decimal_char != '.' ||
					     f->schema->fields[f->schema_field].group_char)) {
			const struct qg_schema_field *sf = &f->schema->fields[f->schema_field];
			r = data_value_number(s, n, sf->decimal_char, sf->group_char, &d) ? -1 : isfinite(d) ? 0 : 1;
		} else {
			r = data_prof_parse_number(s, n, &d);
		}
		if (r == 0) {
			if (!f->buf) {
				f->buf = malloc(QG_PROF_BATCH * sizeof(double));
				if (!f->buf)
					return qg_error(QG_ENOMEM, "out of memory");
			}
			f->buf[f->nbuf++] = d;
			if (f->nbuf == QG_PROF_BATCH)
				return field_flush(f);
		} else if (r == 1) {
			f->nonfinite++;
		} else if (f->fixed == QG_PROF_NUMERIC) {
			f->invalid++;
		} else {
			field_drop_numeric(f);
		}
	}
	return 0;
}

int data_profile_add_value(struct qg_profile *p, size_t field, const char *s, size_t len, int is_null)
{
	if (field >= p->nr_fields)
		return qg_error(QG_ERROR, "no field %zu", field);
	return field_add(&p->fields[field], s, len, is_null ? QG_CELL_NULL : 0);
}

int data_profile_add_record(struct qg_profile *p, const struct qg_record *rec, const long *map, size_t nr_map)
{
	size_t nr = rec->nr < nr_map ? rec->nr : nr_map;
	int ret;

	p->rows++;
	for (size_t i = 0; i < nr; i++) {
		const struct qg_cell *c = &rec->cells[i];
		ret = field_add(&p->fields[map[i]], c->ptr, c->len, c->flags);
		if (ret)
			return ret;
	}
	/* a short CSV row: the absent cells are nulls */
	for (size_t i = nr; i < nr_map; i++)
		p->fields[map[i]].nulls++;
	return 0;
}

/* The common case, one column of a batch at a time: nulls are empty cells
 * (no schema missingValues), numbers use '.' and no grouping, no drift
 * categories. Keeping one field's state (HLL, top-k, filter, batch) hot for
 * a run of cells is most of the gain over going record by record. */
static int field_is_plain(const struct qg_prof_field *f)
{
	const struct qg_schema *sc = f->schema;

	if (f->cats)
		return 0;
	if (!sc)
		return 1;
	if (f->schema_field >= 0) {
		const struct qg_schema_field *sf = &sc->fields[f->schema_field];
		if (sf->has_missing || sf->decimal_char != '.' || sf->group_char)
			return 0;
	}
	return sc->missing_only_empty;
}

/* The numbers of a run of non-null cells into the batch buffer. Cells of
 * 1..8 plain digits (integer columns) are read as one word, the same
 * double as below ((double)m / 1e0 == (double)m, exact below 2^53) and
 * counted in nbuf_int; [-+]digits[.digits] up to 16 digits word-at-a-time
 * (the cell is followed by QG_TABLE_PAD readable bytes), the same double as
 * qg_decimal_parse(); anything else goes the long way. A column whose
 * last run held decimals skips the integer word (it would fail on the '.'
 * of nearly every cell); the decimal parser reads integers as well, only
 * not counted in nbuf_int. */
/* A non-null cell of a column run: its bytes, length and hash. */
struct cellv {
	const char *p;
	unsigned len;
	uint64_t h;
};

static int field_numbers(struct qg_prof_field *f, const struct cellv *cv, size_t m)
{
	uint32_t nb, nint, ndec = 0;
	double *buf;
	int ret, dec_first = f->dec_first;

	if (!f->buf) {
		f->buf = malloc(QG_PROF_BATCH * sizeof(double));
		if (!f->buf)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	buf = f->buf;
	nb = f->nbuf;
	nint = f->nbuf_int;
	for (const struct cellv *c = cv, *ce = cv + m; c < ce;) {
		/* up to the batch's end without a per-cell test: a cell adds
		 * at most one value */
		const struct cellv *lim = ce - c <= QG_PROF_BATCH - nb ? ce : c + (QG_PROF_BATCH - nb);
		for (; c < lim; c++) {
			const char *p = c->p;
			uint32_t n = c->len;
			uint64_t mant;
			unsigned frac, neg;
			int pr;

			if (!dec_first && n - 1 < 8 && qg_dec_digits_n(qg_dec_load8(p), n, &mant)) {
				buf[nb++] = (double)mant;
				nint++;
			} else if (qg_decimal_sse(p, n, &mant, &frac, &neg)) {
				buf[nb++] = qg_decimal_value(mant, frac, neg);
				ndec += frac != 0;
			} else {
				double d;
				pr = prof_number(p, n, &d);
				if (pr == 0) {
					buf[nb++] = d;
				} else if (pr == 1) {
					f->nonfinite++;
				} else if (f->fixed == QG_PROF_NUMERIC) {
					f->invalid++;
				} else {
					field_drop_numeric(f); /* not a number field after all */
					return 0;
				}
			}
		}
		if (nb == QG_PROF_BATCH) {
			f->nbuf = nb;
			f->nbuf_int = nint;
			if ((ret = field_flush(f)))
				return ret;
			nb = nint = 0;
		}
	}
	f->nbuf = nb;
	f->nbuf_int = nint;
	f->dec_first = ndec * 2 > m;
	return 0;
}

#define COL_CHUNK 256
#define PREFETCH_AHEAD 8

/* One cell for column_gather(): appended to out (with its hash when `hash`)
 * unless it is empty or (`flagged`: its flags are looked at) null or
 * missing; the next free entry. */
static inline __attribute__((always_inline)) struct cellv *gather_cell(struct cellv *out, const struct qg_cell *c,
								       int hash, int flagged, struct qg_hash_keys k)
{
	uint32_t len = c->len;

	if (!len || (flagged && (c->flags & (QG_CELL_NULL | QG_CELL_MISSING))))
		return out;
	out->p = c->ptr;
	out->len = len;
	if (hash)
		out->h = qg_hash64_keys(c->ptr, len, k);
	return out + 1;
}

/* The non-null cells of column `col` in r[0..nr) with their hashes;
 * returns how many (the rest are nulls). `stride` nonzero: the batch is
 * regular (every record has `stride` cells, all in one array), so the
 * column is walked with one cell pointer instead of through the records. */
static inline __attribute__((always_inline)) size_t column_gather(const struct qg_record *r, size_t nr, size_t col,
								  struct cellv *cv, int hash, size_t stride)
{
	const struct qg_record *e = r + nr;
	struct cellv *out = cv;
	struct qg_hash_keys k = QG_HASH_KEYS;

	/* opaque to the compiler: kept in registers, not rematerialised as
	 * 64-bit immediates for every cell */
	__asm__("" : "+r"(k.p0), "+r"(k.p1), "+r"(k.seed));

	if (stride) {
		const struct qg_cell *c = r->cells + col, *ce = c + nr * stride;
		/* a regular batch is CSV records of the header's width: no
		 * cell is null or missing (table.h), only empty ones are */
		for (; c < ce; c += stride)
			out = gather_cell(out, c, hash, 0, k);
		return (size_t)(out - cv);
	}
	for (; r < e; r++)
		if (col < r->nr)
			out = gather_cell(out, &r->cells[col], hash, 1, k);
	return (size_t)(out - cv);
}

/* A field whose top-k table is not full yet tracks every value it has
 * seen, each with its exact count (low-cardinality columns: flags, status
 * codes, a few categories). Its run goes by a small cache from a value's
 * bytes (up to 16, as two masked words) to its counter: a hit is the
 * tracked path of data_topk_hll_add() without hashing the value -- no HLL
 * update is due for a tracked value, and nothing else reads the hash.
 * Cached indices stay valid while the table is not full (counters are
 * only reassigned by evictions, which need a full table), so the loop
 * stops at the first cell that finds it full; returns how many cells it
 * took. Misses are hashed and added as usual. */
struct small_ent {
	uint64_t w0, w1;
	uint32_t len, idx;
	uint64_t pad; /* 32 bytes: the slot's address is one shift */
};

#define SMALL_SLOTS 32

static inline __attribute__((always_inline)) size_t column_small(struct qg_prof_field *f, struct cellv *cv, size_t m,
								 int *err)
{
	struct small_ent ent[SMALL_SLOTS];
	struct qg_topk *t = &f->topk;
	struct cellv *c = cv, *ce = cv + m;
	unsigned filled = 0;

	memset(ent, 0, sizeof(ent)); /* len 0: empty (cells here are never empty) */
	for (; c < ce; c++) {
		const char *p = c->p;
		unsigned len = c->len, n0 = len < 8 ? len : 8;
		uint64_t w0 = qg_dec_load8(p) & fv_keep_mask[n0], w1, h;
		uint32_t sl = (uint32_t)(((w0 + len) * 0x9e3779b97f4a7c15ULL) >> 59);
		struct small_ent *e;
		int idx;

		/* linear probing: at most half the slots are filled, so
		 * chains are short and end at an empty slot */
		for (;;) {
			e = &ent[sl];
			if (e->w0 == w0 && e->len == len) {
				if (len <= 8 || e->w1 == (qg_dec_load8(p + 8) & fv_keep_mask[(len - 8) & 15]))
					break;
			} else if (!e->len) {
				break;
			}
			sl = (sl + 1) & (SMALL_SLOTS - 1);
		}
		if (e->len) {
			struct qg_topk_item *it = &t->items[e->idx];
			if (it->count++ == t->min && t->nmin && !--t->nmin)
				t->thr = 0;
			continue;
		}
		/* a value not in the cache (e is the free slot for it) */
		if (t->nr == QG_TOPK_K)
			break;
		h = qg_hash64_inline(p, len);
		if ((*err = data_topk_hll_add(t, &f->hll, &c->p, &c->len, h)))
			break;
		if (len <= 16 && filled < SMALL_SLOTS / 2 && t->nr < QG_TOPK_K &&
		    (idx = data_topk_find(t, p, len, h)) >= 0) {
			filled++;
			w1 = len > 8 ? qg_dec_load8(p + 8) & fv_keep_mask[len - 8] : 0;
			e->w0 = w0;
			e->w1 = w1;
			e->len = len;
			e->idx = (uint32_t)idx;
		}
	}
	return (size_t)(c - cv);
}

/* A run's non-null cells are in: count them and its nulls. */
static inline void column_counted(struct qg_prof_field *f, size_t run, size_t m)
{
	f->topk.n += m;
	f->nulls += run - m;
	f->count += m;
}

/* The top-k table and HLL of an hll_topk field take cells cv[0..m) with
 * their hashes (data_topk_hll_add), once the table has a filter with the
 * filter line of a value a few cells ahead already on its way. The filter
 * pointer is read once (a prefetch is only a hint: one allocated mid-run
 * is simply not warmed); the prefetching part of the loop has no bound
 * test per cell. */
static inline __attribute__((always_inline)) int column_sketch(struct qg_prof_field *f, const struct cellv *c,
							       size_t m)
{
	const uint32_t *flt = f->topk.filter;
	const struct cellv *ce = c + m, *pe = m > PREFETCH_AHEAD ? ce - PREFETCH_AHEAD : c;
	int ret;

	if (flt)
		for (; c < pe; c++) {
			__builtin_prefetch(&flt[data_topk_line(c[PREFETCH_AHEAD].h)], 1);
			if ((ret = data_topk_hll_add(&f->topk, &f->hll, &c->p, &c->len, c->h)))
				return ret;
		}
	for (; c < ce; c++)
		if ((ret = data_topk_hll_add(&f->topk, &f->hll, &c->p, &c->len, c->h)))
			return ret;
	return 0;
}

static int field_add_column(struct qg_prof_field *f, const struct qg_record *recs, size_t nr, size_t col,
			    size_t stride)
{
	int ret;

	if (!field_is_plain(f)) {
		for (size_t r = 0; r < nr; r++) {
			if (col >= recs[r].nr) {
				f->nulls++;
				continue;
			}
			const struct qg_cell *c = &recs[r].cells[col];
			if ((ret = field_add(f, c->ptr, c->len, c->flags)))
				return ret;
		}
		return 0;
	}
	for (size_t base = 0; base < nr; base += COL_CHUNK) {
		size_t end = nr - base < COL_CHUNK ? nr : base + COL_CHUNK, m;
		struct cellv cv[COL_CHUNK];

		/* nulls out, hashes in (after the small cache when the table
		 * is not full); then the sketches */
		int small = f->hll_topk && f->topk.nr < QG_TOPK_K;
		size_t done = 0;
		m = column_gather(recs + base, end - base, col, cv, !small, stride);
		column_counted(f, end - base, m);
		if (small) {
			done = column_small(f, cv, m, &ret);
			if (ret)
				return ret;
			for (size_t j = done; j < m; j++)
				cv[j].h = qg_hash64_inline(cv[j].p, cv[j].len);
		}
		if (f->hll_topk) {
			if ((ret = column_sketch(f, cv + done, m - done)))
				return ret;
		} else {
			for (const struct cellv *c = cv, *ce = cv + m; c < ce; c++) {
				data_hll_add_hash(&f->hll, c->h);
				f->topk.n--; /* counted above */
				if ((ret = data_topk_add(&f->topk, c->p, c->len, c->h)))
					return ret;
			}
		}
		if (f->numeric_ok && m && (ret = field_numbers(f, cv, m)))
			return ret;
	}
	return 0;
}

/* Two fields in the state most cells of a wide file meet -- plain, the
 * top-k table full and filtered (states a field never leaves) -- take
 * their sketch loops interleaved, a cell of one and a cell of the other:
 * the fields share nothing, so the core overlaps the dependent loads and
 * late branches (slot, HLL register, filter line) of one with the other's
 * (1-4% less CPU on the benchmark CSV in interleaved runs; four at a time
 * gained nothing more).
 * Each field still sees its own cells in order: the same sketches. */
static int field_pairable(const struct qg_prof_field *f)
{
	return field_is_plain(f) && f->hll_topk && f->topk.nr == QG_TOPK_K && f->topk.filter;
}

static int field_add_pair(struct qg_prof_field *fa, struct qg_prof_field *fb, const struct qg_record *recs,
			  size_t nr, size_t ca, size_t cb, size_t stride)
{
	int ret;

	for (size_t base = 0; base < nr; base += COL_CHUNK) {
		size_t end = nr - base < COL_CHUNK ? nr : base + COL_CHUNK, ma, mb, j, mm;
		struct cellv cva[COL_CHUNK], cvb[COL_CHUNK];

		ma = column_gather(recs + base, end - base, ca, cva, 1, stride);
		mb = column_gather(recs + base, end - base, cb, cvb, 1, stride);
		column_counted(fa, end - base, ma);
		column_counted(fb, end - base, mb);
		mm = ma < mb ? ma : mb;
		for (j = 0; j < mm; j++) {
			if ((ret = data_topk_hll_add(&fa->topk, &fa->hll, &cva[j].p, &cva[j].len, cva[j].h)) ||
			    (ret = data_topk_hll_add(&fb->topk, &fb->hll, &cvb[j].p, &cvb[j].len, cvb[j].h)))
				return ret;
		}
		if ((ret = column_sketch(fa, cva + j, ma - j)) || (ret = column_sketch(fb, cvb + j, mb - j)))
			return ret;
		if (fa->numeric_ok && ma && (ret = field_numbers(fa, cva, ma)))
			return ret;
		if (fb->numeric_ok && mb && (ret = field_numbers(fb, cvb, mb)))
			return ret;
	}
	return 0;
}

static int add_batch(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map, size_t nr_map,
		     size_t stride)
{
	unsigned char seen[1024];
	size_t held = SIZE_MAX; /* a pairable field waiting for its pair */
	int ret;

	/* two columns of one field (a repeated header name): keep the record
	 * order of their values, record by record */
	if (p->nr_fields > sizeof(seen))
		goto by_record;
	memset(seen, 0, p->nr_fields);
	for (size_t i = 0; i < nr_map; i++)
		if (seen[map[i]]++)
			goto by_record;
	p->rows += nr;
	/* fields are independent: any order gives the same sketches, so the
	 * pairable ones go in pairs whatever lies between them */
	for (size_t i = 0; i < nr_map; i++) {
		struct qg_prof_field *f = &p->fields[map[i]];
		if (!field_pairable(f)) {
			ret = field_add_column(f, recs, nr, i, stride);
		} else if (held == SIZE_MAX) {
			held = i;
			ret = 0;
		} else {
			ret = field_add_pair(&p->fields[map[held]], f, recs, nr, held, i, stride);
			held = SIZE_MAX;
		}
		if (ret)
			return ret;
	}
	return held == SIZE_MAX ? 0 : field_add_column(&p->fields[map[held]], recs, nr, held, stride);
by_record:
	for (size_t r = 0; r < nr; r++)
		if ((ret = data_profile_add_record(p, &recs[r], map, nr_map)))
			return ret;
	return 0;
}

/* QG_SIMD=general (include/qgate/cpu.h): the batch record by record, the
 * reference the column loops must equal (test_data_profile) */
static int add_records(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map, size_t nr_map)
{
	for (size_t r = 0; r < nr; r++) {
		int ret = data_profile_add_record(p, &recs[r], map, nr_map);
		if (ret)
			return ret;
	}
	return 0;
}

int data_profile_add_batch(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map,
			 size_t nr_map)
{
	if (p->level == QG_CPU_GENERAL)
		return add_records(p, recs, nr, map, nr_map);
	return add_batch(p, recs, nr, map, nr_map, 0);
}

int data_profile_add_regular_batch(struct qg_profile *p, const struct qg_record *recs, size_t nr, const long *map,
				 size_t nr_map)
{
	if (p->level == QG_CPU_GENERAL)
		return add_records(p, recs, nr, map, nr_map);
	/* the stride walk needs every column of the map in every record */
	return add_batch(p, recs, nr, map, nr_map, nr && nr_map && recs[0].nr == nr_map ? nr_map : 0);
}

int data_profile_flush(struct qg_profile *p)
{
	for (size_t i = 0; i < p->nr_fields; i++) {
		int ret = field_flush(&p->fields[i]);
		if (ret)
			return ret;
	}
	return 0;
}

enum qg_prof_kind data_prof_field_kind(const struct qg_prof_field *f)
{
	if (f->fixed != QG_PROF_AUTO)
		return f->fixed;
	if (!f->count)
		return QG_PROF_AUTO;
	return f->numeric_ok && f->mom.n + f->nbuf > 0 ? QG_PROF_NUMERIC : QG_PROF_CATEGORICAL;
}

double data_prof_field_mean(const struct qg_prof_field *f)
{
	return moments_mean(&f->mom);
}

double data_prof_field_variance(const struct qg_prof_field *f)
{
	return f->mom.n > 1 ? f->mom.m2 / (double)(f->mom.n - 1) : (f->mom.n ? 0.0 : NAN);
}

/* ---- merge --------------------------------------------------------------------- */

static int field_merge(struct qg_prof_field *a, struct qg_prof_field *b)
{
	int ret;

	if ((ret = field_flush(a)) || (ret = field_flush(b)))
		return ret;
	a->count += b->count;
	a->nulls += b->nulls;
	a->nonfinite += b->nonfinite;
	a->invalid += b->invalid;
	if (a->fixed == QG_PROF_AUTO && b->fixed != QG_PROF_AUTO)
		field_set_kind(a, b->fixed, b->type_source);
	if (a->numeric_ok && b->numeric_ok) {
		moments_merge(&a->mom, &b->mom);
		ret = data_kll_merge(&a->kll, &b->kll);
		if (ret)
			return ret;
	} else if (a->numeric_ok) {
		field_drop_numeric(a);
	}
	data_hll_merge(&a->hll, &b->hll);
	a->hll_topk &= b->hll_topk;
	ret = data_topk_merge(&a->topk, &b->topk);
	if (ret)
		return ret;
	if (a->bin_counts && b->bin_counts && a->nr_edges == b->nr_edges)
		for (size_t i = 0; i <= a->nr_edges; i++)
			a->bin_counts[i] += b->bin_counts[i];
	if (a->cat_counts && b->cat_counts && a->cats->nr == b->cats->nr)
		for (size_t i = 0; i <= a->cats->nr; i++)
			a->cat_counts[i] += b->cat_counts[i];
	return 0;
}

int data_profile_merge(struct qg_profile *dst, struct qg_profile *src)
{
	uint64_t dst_rows = dst->rows;
	size_t before = dst->nr_fields;
	char *seen;
	int ret = 0;

	seen = calloc(before + 1, 1);
	if (!seen)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < src->nr_fields; i++) {
		struct qg_prof_field *sf = &src->fields[i];
		long di = data_profile_field(dst, sf->name, strlen(sf->name));
		if (di < 0) {
			ret = (int)di;
			goto done;
		}
		if ((size_t)di >= before)
			dst->fields[di].nulls += dst_rows; /* absent from dst so far */
		else
			seen[di] = 1;
		ret = field_merge(&dst->fields[di], sf);
		if (ret)
			goto done;
	}
	for (size_t i = 0; i < before; i++)
		if (!seen[i])
			dst->fields[i].nulls += src->rows; /* absent from src */
	dst->rows += src->rows;
	for (size_t i = 0; i < src->sources.nr; i++)
		if ((ret = qg_strvec_push(&dst->sources, src->sources.v[i])))
			goto done;
done:
	free(seen);
	return ret;
}

/* ---- drift bins ------------------------------------------------------------------ */

int data_prof_field_bin_numeric(struct qg_prof_field *f, const double *edges, size_t nr_edges)
{
	free(f->edges);
	free(f->bin_counts);
	f->edges = malloc((nr_edges ? nr_edges : 1) * sizeof(double));
	f->bin_counts = calloc(nr_edges + 1, sizeof(uint64_t));
	if (!f->edges || !f->bin_counts)
		return qg_error(QG_ENOMEM, "out of memory");
	memcpy(f->edges, edges, nr_edges * sizeof(double));
	f->nr_edges = nr_edges;
	field_set_kind(f, QG_PROF_NUMERIC, 2);
	f->numeric_ok = 1;
	return 0;
}

int data_prof_field_bin_categories(struct qg_prof_field *f, const struct qg_topk *cats)
{
	int ret = 0;

	if (!f->cats) {
		f->cats = malloc(sizeof(*f->cats));
		if (!f->cats)
			return qg_error(QG_ENOMEM, "out of memory");
	} else {
		data_topk_release(f->cats);
	}
	data_topk_init(f->cats);
	ret = data_topk_merge(f->cats, cats); /* a copy: merging into an empty summary */
	if (ret)
		return ret;
	free(f->cat_counts);
	f->cat_counts = calloc(f->cats->nr + 1, sizeof(uint64_t));
	if (!f->cat_counts)
		return qg_error(QG_ENOMEM, "out of memory");
	field_set_kind(f, QG_PROF_CATEGORICAL, 2);
	return 0;
}
