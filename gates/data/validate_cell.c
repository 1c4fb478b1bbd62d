/* validate_cell.c -- the validator's full check of one cell, and its messages
 *
 * Every cell the column loops (validate_fast.c) cannot prove passes comes
 * here: missing value, UTF-8, type, then bounds, lengths, pattern, enum and
 * uniqueness, each violation counted and the first EXAMPLES kept with a
 * message quoting the value. Nothing is allocated per cell but the kept
 * examples' messages.
 */
#include "qgate/common.h"

#include <limits.h>
#include <math.h>

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#include "qgate/result.h"
#include "qgate/utf8.h"
#include "qgate/hash.h"
#include "validate_int.h"
#include "types.h"
#include "validate_cell.h"

/* Quote a value for a message: at most VALUE_SHOW bytes, printable ASCII
 * and valid UTF-8 kept, everything else as \n \t \r \xNN. 0 or the
 * buffer's error. */
static int quote_value(struct qg_buf *b, const char *s, size_t n)
{
	size_t lim = n > VALUE_SHOW ? VALUE_SHOW : n, i = 0;
	int err = qg_buf_addch(b, '"');

	while (!err && i < lim) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				err = qg_buf_addch(b, '\\');
			if (!err)
				err = qg_buf_addch(b, c);
			i++;
		} else if (c == '\n') {
			err = qg_buf_addstr(b, "\\n");
			i++;
		} else if (c == '\t') {
			err = qg_buf_addstr(b, "\\t");
			i++;
		} else if (c == '\r') {
			err = qg_buf_addstr(b, "\\r");
			i++;
		} else if (c >= 0x80) {
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (i + len <= lim && qg_utf8_check(s + i, len, NULL) == 0) {
				err = qg_buf_add(b, s + i, len);
				i += len;
			} else {
				err = qg_buf_addf(b, "\\x%02x", c);
				i++;
			}
		} else {
			err = qg_buf_addf(b, "\\x%02x", c);
			i++;
		}
	}
	if (!err)
		err = qg_buf_addch(b, '"');
	if (!err && n > lim)
		err = qg_buf_addf(b, "... (%zu bytes)", n);
	return err;
}

/* Count the violation; keep its message as one of the check's first
 * EXAMPLES. A message that cannot be built (out of memory) is not kept:
 * the count, which decides the verdict, is still right. */
void vd_violation(struct vrun *v, struct piece_state *ps, long ck, long long line, long long col, const char *val,
		  size_t vlen, const char *fmt, ...)
{
	ps->counts[ck]++;
	if (v->o->max_errors > 0 && atomic_fetch_add(&v->violations, 1) + 1 >= v->o->max_errors)
		atomic_store(&v->stop, 1);
	if (ps->nr_ex[ck] < EXAMPLES) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
		struct example *e = &ps->ex[(size_t)ck * EXAMPLES + ps->nr_ex[ck]];
		va_list ap;
		int err = 0;

		if (val) {
			err = qg_buf_addstr(&b, "value ");
			if (!err)
				err = quote_value(&b, val, vlen);
			if (!err)
				err = qg_buf_addch(&b, ' ');
		}
		if (!err) {
			va_start(ap, fmt);
			err = qg_buf_vaddf(&b, fmt, ap);
			va_end(ap);
		}
		if (err || !(e->msg = qg_buf_detach(&b, NULL))) {
			qg_buf_release(&b);
			return;
		}
		e->line = line;
		e->column = col;
		ps->nr_ex[ck]++;
	}
}


/* A CSV/TSV row with another number of cells than the header has columns
 * (with dialect.header false: than the schema has fields), for
 * table.row-shape. A short row names each column it lacks, as a missing
 * value is named ("missing value for field 'age' (short row: 3 of 5
 * cells)"), located where the first missing cell was expected; a long row
 * is located at its first extra cell. */
void vd_row_shape(struct vpiece *vp, const struct qg_record *rec)
{
	struct vrun *v = vp->v;
	struct piece_state *ps = vp->ps;
	const long ck = v->tc[CK_ROW_SHAPE];
	const size_t ncols = vp->ncols;
	const int nohdr = vp->src.plan && vp->src.plan->no_header;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t shown = 0, fields = 0;
	int err = 0;

	if (rec->nr > ncols) {
		vd_violation(v, ps, ck, rec->line, qg_record_cell_column(rec, ncols), NULL, 0,
			     nohdr ? "row has %zu cells, the schema has %zu fields (dialect.header false)"
				   : "row has %zu cells, the header has %zu",
			     rec->nr, ncols);
		return;
	}
	if (ps->nr_ex[ck] >= EXAMPLES) { /* counted only: no message is kept */
		vd_violation(v, ps, ck, rec->line, 0, NULL, 0, "short row");
		return;
	}
	for (size_t k = rec->nr; k < ncols; k++)
		fields += vp->src.columns && data_schema_field_index(v->S, vp->src.columns[k],
								      strlen(vp->src.columns[k])) >= 0;
	err = qg_buf_addf(&b, "missing value%s for %s%s ", ncols - rec->nr > 1 ? "s" : "",
			  fields == ncols - rec->nr ? "field" : "column", ncols - rec->nr > 1 ? "s" : "");
	for (size_t k = rec->nr; k < ncols && !err; k++) {
		if (shown == 8) {
			err = qg_buf_addf(&b, ", and %zu more", ncols - k);
			break;
		}
		err = qg_buf_addf(&b, "%s'%s'", shown ? ", " : "", vp->src.columns ? vp->src.columns[k] : "?");
		shown++;
	}
	if (!err)
		err = qg_buf_addf(&b, " (short row: %zu of %zu cells%s)", rec->nr, ncols,
				  nohdr ? ", dialect.header false" : "");
	vd_violation(v, ps, ck, rec->line, qg_record_cell_column(rec, rec->nr), NULL, 0, "%s",
		     err ? "short row" : b.buf);
	qg_buf_release(&b);
}

/* 1 when [p, p+n) is all ASCII without NUL bytes: then no cell inside needs
 * its own UTF-8 check. SSE2 16 bytes at a time (the x86_64 baseline). */
static int ascii_clean(const char *p, size_t n)
{
	size_t i = 0;
#if QG_SIMD_SSE2
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
		return qg_strmap_has(&f->missing_values, c->ptr, c->len);
	if (S->missing_only_empty)
		return c->len == 0;
	return qg_strmap_has(&S->missing_values, c->ptr, c->len);
}

const char *vd_bound_word(enum check_kind k)
{
	switch (k) {
	case CK_MINIMUM: return "below minimum";
	case CK_MAXIMUM: return "above maximum";
	case CK_EXMIN: return "not above exclusiveMinimum";
	default: return "not below exclusiveMaximum";
	}
}

/* vd_check_cell(): the typed key of a cell for uniqueness: *ikey for integer fields, *pk_hash
 * a hash of the typed value (0: the cell is missing). */
void vd_check_cell(struct vrun *v, struct piece_state *ps, size_t fi, const struct qg_cell *c,
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
		/* one wording for every missing value; a cell the record does
		 * not have says why: a short CSV row, or an absent JSONL key */
		if ((cons & QG_C_REQUIRED) && !(c->flags & QG_CELL_MISSING))
			vd_violation(v, ps, ck[CK_REQUIRED], line, CCOL, NULL, 0, "missing value: field '%s' is required",
				     f->name);
		else if ((cons & QG_C_REQUIRED) && (size_t)(c - rec->cells) >= rec->nr)
			vd_violation(v, ps, ck[CK_REQUIRED], line, CCOL, NULL, 0,
				     "missing value: field '%s' is required (short row: %zu cell%s)", f->name, rec->nr,
				     rec->nr == 1 ? "" : "s");
		else if (cons & QG_C_REQUIRED)
			vd_violation(v, ps, ck[CK_REQUIRED], line, CCOL, NULL, 0,
				     "missing value: field '%s' is required (the object has no key '%s')", f->name,
				     f->name);
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
		vd_violation(v, ps, v->tc[CK_ENCODING], line, CCOL, c->ptr, c->len,
			  u == -2 ? "contains a NUL byte" : "is not valid UTF-8");
		*pk_hash = qg_hash_bytes(c->ptr, c->len, 7) | 1;
		return;
	}
	if (f->type != QG_TYPE_STRING || f->format != QG_FMT_DEFAULT) {
		int bad;

		/* the frequent types inline; the rest through data_field_parse */
		switch (f->type) {
		case QG_TYPE_INTEGER:
			bad = !f->bare_number ? data_field_parse(f, c->ptr, c->len, &ik, &dk) :
					      data_value_int(c->ptr, c->len, f->group_char, &ik);
			break;
		case QG_TYPE_NUMBER:
			bad = !f->bare_number ? data_field_parse(f, c->ptr, c->len, &ik, &dk) :
					      data_value_number(c->ptr, c->len, f->decimal_char, f->group_char, &dk);
			break;
		case QG_TYPE_BOOLEAN:
			ik = qg_strmap_has(&f->true_values, c->ptr, c->len);
			bad = !ik && !qg_strmap_has(&f->false_values, c->ptr, c->len);
			break;
		case QG_TYPE_DATE:
			if (f->format != QG_FMT_PATTERN) {
				long long days;
				bad = data_value_date(c->ptr, c->len, &days);
				dk = (double)days;
				break;
			}
			/* fall through */
		default:
			bad = f->type != QG_TYPE_ANY && data_field_parse(f, c->ptr, c->len, &ik, &dk);
		}
		if (bad) {
			if (f->type == QG_TYPE_STRING)
				vd_violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len, "is not a valid %s",
					  f->format_text ? f->format_text : "string");
			else if (f->format == QG_FMT_PATTERN)
				vd_violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len,
					  "is not a %s in the format '%s'", data_field_type_name(f->type), f->format_text);
			else if (f->type == QG_TYPE_LIST)
				vd_violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len,
					  "is not a valid list of %s items", data_field_type_name(f->item_type));
			else if (f->format_text && f->format != QG_FMT_DEFAULT)
				vd_violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len, "is not a valid %s (format %s)",
					  data_field_type_name(f->type), f->format_text);
			else
				vd_violation(v, ps, ck[CK_TYPE], line, CCOL, c->ptr, c->len, "is not a valid %s",
					  data_field_type_name(f->type));
			*pk_hash = qg_hash_bytes(c->ptr, c->len, 7) | 1;
			return;
		}
	}
	if ((cons & (QG_C_MINIMUM | QG_C_MAXIMUM | QG_C_EXMINIMUM | QG_C_EXMAXIMUM)) &&
	    ((f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_YEAR || f->type == QG_TYPE_YEARMONTH) ?
		     (ik < f->ilo || ik > f->ihi) :
								       !(dk >= f->dlo && dk <= f->dhi))) {
		/* outside the folded range: find which bounds, and keep the
		 * most extreme violating value as the check's "observed" */
		int integral = f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_YEAR || f->type == QG_TYPE_YEARMONTH;
		double key = integral ? (double)ik : dk;

		if (key < ps->obs_min[fi])
			ps->obs_min[fi] = key;
		if (key > ps->obs_max[fi])
			ps->obs_max[fi] = key;
		if (!integral && isnan(dk)) {
			/* NaN is inside no range: one violation, of the first bound
			 * the field has, not one per bound */
			enum check_kind k = (cons & QG_C_MINIMUM) ? CK_MINIMUM : (cons & QG_C_MAXIMUM) ? CK_MAXIMUM :
					    (cons & QG_C_EXMINIMUM) ? CK_EXMIN : CK_EXMAX;
			const char *t = k == CK_MINIMUM ? f->min_text : k == CK_MAXIMUM ? f->max_text :
					k == CK_EXMIN ? f->exmin_text : f->exmax_text;

			vd_violation(v, ps, ck[k], line, CCOL, c->ptr, c->len, "is NaN, outside the bounds (%s %s)",
				     k == CK_MINIMUM ? "minimum" : k == CK_MAXIMUM ? "maximum" :
				     k == CK_EXMIN ? "exclusiveMinimum" : "exclusiveMaximum", t);
		} else {
			if ((cons & QG_C_MINIMUM) && (integral ? ik < f->imin : !(dk >= f->dmin)))
				vd_violation(v, ps, ck[CK_MINIMUM], line, CCOL, c->ptr, c->len, "below minimum %s",
					     f->min_text);
			if ((cons & QG_C_MAXIMUM) && (integral ? ik > f->imax : !(dk <= f->dmax)))
				vd_violation(v, ps, ck[CK_MAXIMUM], line, CCOL, c->ptr, c->len, "above maximum %s",
					     f->max_text);
			if ((cons & QG_C_EXMINIMUM) && (integral ? ik <= f->iexmin : !(dk > f->dexmin)))
				vd_violation(v, ps, ck[CK_EXMIN], line, CCOL, c->ptr, c->len, "%s %s",
					     vd_bound_word(CK_EXMIN), f->exmin_text);
			if ((cons & QG_C_EXMAXIMUM) && (integral ? ik >= f->iexmax : !(dk < f->dexmax)))
				vd_violation(v, ps, ck[CK_EXMAX], line, CCOL, c->ptr, c->len, "%s %s",
					     vd_bound_word(CK_EXMAX), f->exmax_text);
		}
	}
	if ((cons & (QG_C_MINLENGTH | QG_C_MAXLENGTH)) &&
	    (f->type == QG_TYPE_LIST || f->type == QG_TYPE_ARRAY || f->type == QG_TYPE_OBJECT)) {
		/* a collection's length is its number of items (read again:
		 * only fields with a length constraint pay for it) */
		const char *unit = f->type == QG_TYPE_OBJECT ? "members" : "items";
		size_t items = 0;

		if (f->type == QG_TYPE_LIST)
			(void)data_value_list(c->ptr, c->len, f->list_delimiter ? f->list_delimiter : ',', f->item_type,
					      &f->true_values, &f->false_values, &items);
		else if (f->type == QG_TYPE_ARRAY)
			(void)data_value_array(c->ptr, c->len, &items);
		else
			(void)data_value_object(c->ptr, c->len, &items);
		if ((cons & QG_C_MINLENGTH) && (long long)items < f->min_length)
			vd_violation(v, ps, ck[CK_MINLEN], line, CCOL, c->ptr, c->len,
				     "has %zu %s, fewer than minLength %lld", items, unit, f->min_length);
		if ((cons & QG_C_MAXLENGTH) && (long long)items > f->max_length)
			vd_violation(v, ps, ck[CK_MAXLEN], line, CCOL, c->ptr, c->len,
				     "has %zu %s, more than maxLength %lld", items, unit, f->max_length);
	} else {
		if ((cons & QG_C_MINLENGTH) && (long long)chars < f->min_length)
			vd_violation(v, ps, ck[CK_MINLEN], line, CCOL, c->ptr, c->len,
				     "is %zu characters, shorter than minLength %lld", chars, f->min_length);
		if ((cons & QG_C_MAXLENGTH) && (long long)chars > f->max_length)
			vd_violation(v, ps, ck[CK_MAXLEN], line, CCOL, c->ptr, c->len,
				     "is %zu characters, longer than maxLength %lld", chars, f->max_length);
	}
	if (cons & QG_C_PATTERN) {
		int rc = f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)c->ptr, c->len, 0, 0, md, NULL)
				   : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)c->ptr, c->len, 0,
						 PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			vd_violation(v, ps, ck[CK_PATTERN], line, CCOL, c->ptr, c->len,
				  "could not be matched against pattern /%s/ (PCRE2 error %d)", f->pattern, rc);
		else if (rc < 0)
			vd_violation(v, ps, ck[CK_PATTERN], line, CCOL, c->ptr, c->len,
				  "does not match pattern /%s/", f->pattern);
	}
	if (cons & QG_C_ENUM) {
		int in;
		if (f->enum_num)
			in = enum_has_num(f, f->type == QG_TYPE_NUMBER ? dk : (double)ik);
		else if (f->type == QG_TYPE_BOOLEAN)
			in = qg_strmap_has(&f->enum_values, ik ? "true" : "false", ik ? 4 : 5) ||
			     qg_strmap_has(&f->enum_values, c->ptr, c->len);
		else
			in = qg_strmap_has(&f->enum_values, c->ptr, c->len);
		if (!in)
			vd_violation(v, ps, ck[CK_ENUM], line, CCOL, c->ptr, c->len, "is not one of the %zu enum values",
				  f->enum_values.nr);
	}
	if (cons & QG_C_CATEGORIES) {
		/* v2 categories (string or integer fields): integers compare
		 * by value ("+01" is category 1) */
		char num[32];
		int in;

		if (f->type == QG_TYPE_INTEGER) {
			int nl = snprintf(num, sizeof(num), "%lld", ik);
			in = qg_strmap_has(&f->categories, num, (size_t)nl);
		} else {
			in = qg_strmap_has(&f->categories, c->ptr, c->len);
		}
		if (!in)
			vd_violation(v, ps, ck[CK_CATEGORIES], line, CCOL, c->ptr, c->len, "is not one of the %zu categories",
				  f->categories.nr);
	}
	if ((cons & QG_C_UNIQUE) || f->primary_key) {
		uint64_t h;

		switch (f->type) {
		case QG_TYPE_INTEGER:
		case QG_TYPE_YEAR:
		case QG_TYPE_YEARMONTH:
		case QG_TYPE_BOOLEAN:
			h = qg_hash_fmix64((uint64_t)ik ^ 0x5bd1e995u);
			break;
		case QG_TYPE_NUMBER:
		case QG_TYPE_DATE:
		case QG_TYPE_DATETIME:
		case QG_TYPE_TIME: {
			uint64_t bits;
			if (dk == 0)
				dk = 0; /* -0 == 0 */
			memcpy(&bits, &dk, 8);
			h = qg_hash_fmix64(bits ^ 0x9e3779b97f4a7c15ull);
			break;
		}
		default:
			h = vd_hash_text(c->ptr, c->len, 0x51ed27u);
		}
		if (f->primary_key) {
			*pk_hash = h | 1;
			*ikey = ik;
		}
		if (cons & QG_C_UNIQUE) {
			int r = ps->uq[fi].ints ? data_uniq_add_int(&ps->uq[fi], ik, line) :
						  data_uniq_add_hash(&ps->uq[fi], h, line);
			if (r == 0)
				vd_violation(v, ps, ck[CK_UNIQUE], line, CCOL, c->ptr, c->len, "appears more than once");
		}
	}
#undef CCOL
}
