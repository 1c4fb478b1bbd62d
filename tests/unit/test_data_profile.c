/* test_data_profile.c -- one-pass profile: numbers, kinds, exact merges, JSON */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/cpu.h"
#include "qgate/json.h"
#include "qgate/table.h"
#include "data/profile.h"

static uint64_t rng_state = 777;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void add(struct qg_profile *p, size_t field, const char *s)
{
	assert_int_equal(data_profile_add_value(p, field, s, strlen(s), 0), 0);
}

static void test_data_profile_parse_number(void **state)
{
	double d;

	assert_int_equal(data_prof_parse_number("42", 2, &d), 0);
	assert_true(d == 42);
	assert_int_equal(data_prof_parse_number("-0.125", 6, &d), 0);
	assert_true(d == -0.125);
	assert_int_equal(data_prof_parse_number("0.1", 3, &d), 0);
	assert_true(d == 0.1); /* correctly rounded */
	assert_int_equal(data_prof_parse_number("1e3", 3, &d), 0);
	assert_true(d == 1000);
	assert_int_equal(data_prof_parse_number("123456789012345678901234", 24, &d), 0);
	assert_true(d == 123456789012345678901234.0);
	assert_int_equal(data_prof_parse_number(".5", 2, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(data_prof_parse_number("NaN", 3, &d), 1);
	assert_int_equal(data_prof_parse_number("-INF", 4, &d), 1);
	assert_int_equal(data_prof_parse_number("1e999", 5, &d), 1);
	assert_int_equal(data_prof_parse_number("", 0, &d), -1);
	assert_int_equal(data_prof_parse_number("1e", 2, &d), -1);
	assert_int_equal(data_prof_parse_number("12x", 3, &d), -1);
	assert_int_equal(data_prof_parse_number("0x10", 4, &d), -1);
	assert_int_equal(data_prof_parse_number("-", 1, &d), -1);
	assert_int_equal(data_prof_parse_number(" 1", 2, &d), -1);
}

static void test_data_profile_kinds_and_nulls(void **state)
{
	struct qg_profile p;

	data_profile_init(&p);
	assert_int_equal(data_profile_field(&p, "n", 1), 0);
	assert_int_equal(data_profile_field(&p, "c", 1), 1);
	assert_int_equal(data_profile_field(&p, "e", 1), 2);
	assert_int_equal(data_profile_field(&p, "n", 1), 0); /* found, not added */
	add(&p, 0, "1");
	add(&p, 0, "2.5");
	assert_int_equal(data_profile_add_value(&p, 0, "", 0, 0), 0); /* empty = null */
	add(&p, 1, "7");
	add(&p, 1, "seven"); /* one word turns the field categorical */
	add(&p, 1, "7");
	assert_int_equal(data_profile_add_value(&p, 2, "x", 1, 1), 0);
	assert_int_equal(data_profile_flush(&p), 0);
	assert_int_equal(data_prof_field_kind(&p.fields[0]), QG_PROF_NUMERIC);
	assert_true(p.fields[0].count == 2 && p.fields[0].nulls == 1);
	assert_true(data_prof_field_mean(&p.fields[0]) == 1.75);
	assert_int_equal(data_prof_field_kind(&p.fields[1]), QG_PROF_CATEGORICAL);
	assert_true(p.fields[1].topk.items[data_topk_find(&p.fields[1].topk, "7", 1, qg_hash64("7", 1))].count == 2);
	assert_int_equal(data_prof_field_kind(&p.fields[2]), QG_PROF_AUTO); /* empty */
	data_profile_release(&p);
}

/* Values with two decimals, like money: the sum needs more than 53 bits. */
static void fill(struct qg_profile **parts, size_t nparts, const size_t *cuts, size_t n, struct qg_profile *whole)
{
	char s[64];
	size_t part = 0;

	for (size_t i = 0; i < n; i++) {
		double v = (double)(int64_t)(rnd() % 20000000) / 100.0 - 50000.0;
		int len = snprintf(s, sizeof(s), "%.2f", v);
		const char *cat = (rnd() % 3) ? "red" : "blue";
		while (part + 1 < nparts && i >= cuts[part + 1])
			part++;
		assert_int_equal(data_profile_add_value(parts[part], 0, s, (size_t)len, 0), 0);
		assert_int_equal(data_profile_add_value(whole, 0, s, (size_t)len, 0), 0);
		assert_int_equal(data_profile_add_value(parts[part], 1, cat, strlen(cat), 0), 0);
		assert_int_equal(data_profile_add_value(whole, 1, cat, strlen(cat), 0), 0);
		parts[part]->rows++;
		whole->rows++;
	}
}

static void test_data_profile_merge_is_exact(void **state)
{
	struct qg_profile a, b, c, whole, merged;
	struct qg_profile *parts[] = { &a, &b, &c };
	const size_t cuts[] = { 0, 1001, 250007 }, n = 400000;
	struct qg_prof_field *w, *m;

	data_profile_init(&whole);
	data_profile_init(&merged);
	for (int i = 0; i < 3; i++) {
		data_profile_init(parts[i]);
		data_profile_field(parts[i], "amount", 6);
		data_profile_field(parts[i], "colour", 6);
	}
	data_profile_field(&whole, "amount", 6);
	data_profile_field(&whole, "colour", 6);
	fill(parts, 3, cuts, n, &whole);
	for (int i = 0; i < 3; i++)
		assert_int_equal(data_profile_merge(&merged, parts[i]), 0);
	assert_int_equal(data_profile_flush(&whole), 0);
	w = &whole.fields[0];
	m = &merged.fields[0];
	assert_true(merged.rows == n);
	assert_true(m->count == w->count && m->mom.n == w->mom.n);
	assert_true(m->mom.min == w->mom.min && m->mom.max == w->mom.max);
	/* the double-double sum makes the mean bit-identical */
	assert_true(m->mom.sum_hi == w->mom.sum_hi && m->mom.sum_lo == w->mom.sum_lo);
	assert_true(data_prof_field_mean(m) == data_prof_field_mean(w));
	print_message("# variance merged %.17g whole %.17g\n", data_prof_field_variance(m), data_prof_field_variance(w));
	assert_true(fabs(data_prof_field_variance(m) / data_prof_field_variance(w) - 1) < 1e-12);
	for (double q = 0.05; q < 1; q += 0.05) {
		double x = data_kll_quantile(&w->kll, q);
		assert_true(fabs(data_kll_rank_lt(&m->kll, x) - data_kll_rank_lt(&w->kll, x)) <= 2 * QG_KLL_RANK_ERROR);
	}
	/* categories are exact below k distinct values */
	m = &merged.fields[1];
	w = &whole.fields[1];
	assert_true(m->topk.items[data_topk_find(&m->topk, "red", 3, qg_hash64("red", 3))].count ==
		    w->topk.items[data_topk_find(&w->topk, "red", 3, qg_hash64("red", 3))].count);
	assert_int_equal(data_prof_field_kind(m), QG_PROF_CATEGORICAL);
	for (int i = 0; i < 3; i++)
		data_profile_release(parts[i]);
	data_profile_release(&whole);
	data_profile_release(&merged);
}

static void test_data_profile_merge_missing_field_counts_nulls(void **state)
{
	struct qg_profile a, b;

	data_profile_init(&a);
	data_profile_init(&b);
	data_profile_field(&a, "x", 1);
	data_profile_field(&b, "y", 1);
	add(&a, 0, "1");
	a.rows = 1;
	add(&b, 0, "u");
	add(&b, 0, "v");
	b.rows = 2;
	assert_int_equal(data_profile_merge(&a, &b), 0);
	assert_true(a.rows == 3);
	assert_true(a.fields[0].count == 1 && a.fields[0].nulls == 2);
	assert_true(a.fields[1].count == 2 && a.fields[1].nulls == 1);
	data_profile_release(&a);
	data_profile_release(&b);
}

static void test_data_profile_json_roundtrip(void **state)
{
	struct qg_profile p, q;
	struct qg_json *j = NULL, *k = NULL;
	struct qg_buf a = QG_BUF_INIT(QG_CAP_REPORT), b = QG_BUF_INIT(QG_CAP_REPORT);
	char s[32];

	data_profile_init(&p);
	data_profile_field(&p, "v", 1);
	data_profile_field(&p, "w", 1);
	for (int i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "%d", i % 977);
		add(&p, 0, s);
		snprintf(s, sizeof(s), "k%d", i % 100);
		add(&p, 1, s);
		p.rows++;
	}
	assert_int_equal(data_profile_to_json(&j, &p), 0);
	assert_string_equal(qg_json_string(qg_json_get(j, "schema")), "qgate.profile/v1");
	assert_int_equal(data_profile_from_json(&q, j, "'t.json'"), 0);
	assert_int_equal(data_profile_to_json(&k, &q), 0);
	assert_int_equal(qg_json_print(&a, j, 1), 0);
	assert_int_equal(qg_json_print(&b, k, 1), 0);
	assert_string_equal(a.buf, b.buf); /* load + save is the identity */
	assert_true(q.fields[0].mom.sum_hi == p.fields[0].mom.sum_hi);
	qg_json_free(k);
	data_profile_release(&q);

	/* a profile that does not add up is refused, naming the member */
	qg_json_remove(j, "rows");
	assert_non_null(qg_json_add_number(j, "rows", 4));
	assert_int_equal(data_profile_from_json(&q, j, "'t.json'"), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "/fields/0"));
	qg_json_remove(j, "schema");
	assert_int_equal(data_profile_from_json(&q, j, "'t.json'"), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "qgate.profile/v1"));
	qg_json_free(j);
	data_profile_release(&p);
	qg_buf_release(&a);
	qg_buf_release(&b);
}

/* The column-at-a-time batch path (data_profile_add_batch) must give the
 * same profile, byte for byte, as record by record: integers, decimals,
 * spellings the fast number parser hands on (exponents, long mantissas,
 * NaN), nulls, short rows, a column that stops being numeric late, a
 * high-cardinality column past the top-k filter, and a repeated column
 * name (two columns, one field). */
#define BR 6000
#define BC 6
static char btext[BR][BC][40];
static struct qg_cell bcells[BR][BC];
static struct qg_record brecs[BR];

static char *profile_text(struct qg_profile *p)
{
	struct qg_json *j = NULL;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(data_profile_to_json(&j, p), 0);
	assert_int_equal(qg_json_print(&b, j, 1), 0);
	qg_json_free(j);
	return qg_buf_detach(&b, NULL);
}

/* Record r of a test table: ncols cells over text (ncols strings of width
 * bytes each), none null. */
static void make_record(struct qg_record *rec, struct qg_cell *cells, const char *text, size_t width, size_t ncols,
			int r)
{
	for (size_t c = 0; c < ncols; c++) {
		cells[c].ptr = text + c * width;
		cells[c].len = (unsigned)strlen(cells[c].ptr);
		cells[c].flags = 0;
	}
	rec->cells = cells;
	rec->nr = ncols;
	rec->line = rec->row = r + 1;
}

/* a: recs profiled one record at a time, b: in batches of `batch`; their
 * texts in *ta and *tb (the caller frees them and releases a and b) */
static void profile_both_ways(struct qg_profile *a, struct qg_profile *b, const char *const *names,
			      const struct qg_record *recs, int nrec, size_t ncols, int batch, char **ta, char **tb)
{
	long map[16];

	assert_true(ncols <= QG_ARRAY_SIZE(map));
	data_profile_init(a);
	data_profile_init(b);
	assert_int_equal(data_profile_bind(a, names, ncols, map), 0);
	for (int r = 0; r < nrec; r++)
		assert_int_equal(data_profile_add_record(a, &recs[r], map, ncols), 0);
	assert_int_equal(data_profile_bind(b, names, ncols, map), 0);
	for (int r = 0; r < nrec; r += batch)
		assert_int_equal(data_profile_add_batch(b, &recs[r], (size_t)(nrec - r < batch ? nrec - r : batch), map,
						      ncols),
				 0);
	*ta = profile_text(a);
	*tb = profile_text(b);
}

static void test_data_profile_batch_equals_records(void **state)
{
	const char *names[2][BC] = { { "i", "x", "late", "s", "hi", "e" }, { "i", "x", "late", "s", "i", "e" } };

	for (int r = 0; r < BR; r++) {
		uint64_t v = rnd();
		snprintf(btext[r][0], 40, "%lld", (long long)(v % 200001) - 100000);
		switch (v % 7) {
		case 0: snprintf(btext[r][1], 40, "%.6f", (double)(v % 1000000) / 997.0); break;
		case 1: snprintf(btext[r][1], 40, "1234567890123456789.%d", (int)(v % 10)); break;
		case 2: snprintf(btext[r][1], 40, "%de%d", (int)(v % 100), (int)(v % 7) - 3); break;
		case 3: snprintf(btext[r][1], 40, "%s", v & 8 ? "NaN" : ""); break;
		default: snprintf(btext[r][1], 40, "-%d.%02d", (int)(v % 1000), (int)(v % 100)); break;
		}
		snprintf(btext[r][2], 40, r == 4321 ? "n/a" : "%d", (int)(v % 50));
		snprintf(btext[r][3], 40, "v%d", (int)((v >> 20) % 300));
		snprintf(btext[r][4], 40, "%016llx", (unsigned long long)v);
		snprintf(btext[r][5], 40, "%s", r % 11 ? "" : "x");
		make_record(&brecs[r], bcells[r], btext[r][0], sizeof(btext[r][0]), BC, r);
		brecs[r].nr = r % 97 == 5 ? BC - 2 : BC; /* short rows */
		if (brecs[r].nr < BC)
			for (int c = (int)brecs[r].nr; c < BC; c++)
				bcells[r][c].flags = QG_CELL_MISSING, bcells[r][c].len = 0;
	}
	for (int set = 0; set < 2; set++) {
		struct qg_profile a, b;
		long map[BC];
		char *ta, *tb;

		profile_both_ways(&a, &b, names[set], brecs, BR, BC, 301, &ta, &tb);
		assert_string_equal(ta, tb);
		free(tb);
		/* regular batches (full rows, one cell array: a column walked
		 * with one pointer), the short rows on their own */
		data_profile_release(&b);
		data_profile_init(&b);
		assert_int_equal(data_profile_bind(&b, names[set], BC, map), 0);
		for (int r = 0; r < BR;) {
			int e = r;
			while (e < BR && e - r < 301 && brecs[e].nr == BC)
				e++;
			if (e > r) {
				assert_int_equal(data_profile_add_regular_batch(&b, &brecs[r], (size_t)(e - r), map, BC), 0);
				r = e;
			} else {
				assert_int_equal(data_profile_add_batch(&b, &brecs[r], 1, map, BC), 0);
				r++;
			}
		}
		tb = profile_text(&b);
		assert_string_equal(ta, tb);
		assert_true(a.rows == BR);
		if (set == 0) {
			assert_int_equal(data_prof_field_kind(&a.fields[2]), QG_PROF_CATEGORICAL); /* "n/a" late */
			assert_int_equal(data_prof_field_kind(&a.fields[1]), QG_PROF_NUMERIC);
			assert_true(a.fields[1].nonfinite > 0);
			assert_true(a.fields[4].topk.filter != NULL); /* past the filter */
		}
		free(ta);
		free(tb);
		data_profile_release(&a);
		data_profile_release(&b);
	}
}

/* Integer columns take field_flush's two-lane pass (batches of plain
 * digits only) and decimal columns skip the integer word after a run of
 * decimals: both must leave the profile byte-identical to the record path.
 * Columns: plain integers with a rare decimal or signed value (breaks a
 * batch's integer pass), decimals with runs of integers (flips the parser
 * order back and forth), integers that turn into decimals, a long
 * high-cardinality integer column past the top-k filter. */
#define IR 9001
#define IC 4
static char itext[IR][IC][32];
static struct qg_cell icells[IR][IC];
static struct qg_record irecs[IR];

static void test_data_profile_batch_integer_runs(void **state)
{
	const char *names[IC] = { "n", "d", "turn", "big" };
	struct qg_profile a, b;
	char *ta, *tb;

	for (int r = 0; r < IR; r++) {
		uint64_t v = rnd();
		if (v % 997 == 3)
			snprintf(itext[r][0], 32, "%d.5", (int)(v % 1000));
		else if (v % 991 == 5)
			snprintf(itext[r][0], 32, "-%d", (int)(v % 1000));
		else if (v % 983 == 7)
			snprintf(itext[r][0], 32, "+%d", (int)(v % 1000));
		else
			snprintf(itext[r][0], 32, "%llu", (unsigned long long)(v % (r % 3 ? 100000000 : 1000)));
		if ((r / 700) % 2)
			snprintf(itext[r][1], 32, "%d", (int)(v % 100000));
		else
			snprintf(itext[r][1], 32, "%s%d.%04d", v & 1 ? "-" : "", (int)(v % 1000), (int)((v >> 20) % 10000));
		if (r < IR / 2)
			snprintf(itext[r][2], 32, "%d", (int)(v % 7));
		else
			snprintf(itext[r][2], 32, "%d.%d", (int)(v % 7), (int)(v % 10));
		snprintf(itext[r][3], 32, "%llu", (unsigned long long)(v % 100000000));
		make_record(&irecs[r], icells[r], itext[r][0], sizeof(itext[r][0]), IC, r);
	}
	profile_both_ways(&a, &b, names, irecs, IR, IC, 512, &ta, &tb);
	assert_string_equal(ta, tb);
	for (int c = 0; c < IC; c++)
		assert_int_equal(data_prof_field_kind(&b.fields[c]), QG_PROF_NUMERIC);
	assert_true(b.fields[3].topk.filter != NULL);
	assert_int_equal(b.fields[0].sse2, qg_cpu_level() >= QG_CPU_SSE2);
	free(tb);
	data_profile_release(&a);
	data_profile_release(&b);
	/* every QG_SIMD level (include/qgate/cpu.h): the portable integer pass
	 * and, at "general", batches taken record by record give the same bytes */
	{
		static const char *const levels[] = { "general", "scalar", "sse2", "avx2" };

		for (size_t l = 0; l < QG_ARRAY_SIZE(levels); l++) {
			char *la, *lb;

			setenv("QG_SIMD", levels[l], 1);
			profile_both_ways(&a, &b, names, irecs, IR, IC, 512, &la, &lb);
			assert_int_equal(b.level, qg_cpu_level());
			assert_int_equal(b.fields[0].sse2, qg_cpu_level() >= QG_CPU_SSE2);
			if (l < 2)
				assert_false(b.fields[0].sse2);
			assert_string_equal(ta, la);
			assert_string_equal(ta, lb);
			free(la);
			free(lb);
			data_profile_release(&a);
			data_profile_release(&b);
		}
		unsetenv("QG_SIMD");
	}
	free(ta);
}

/* Low-cardinality columns take a cache of values to counters while the
 * top-k table is not full (no hash per cell): values sharing their first 8
 * bytes, lengths 1..16 and longer, a column whose table fills in the middle
 * of a batch and then evicts, nulls in between -- the profile must stay
 * byte-identical to the record path. */
#define LR 7000
#define LC 5
static char ltext[LR][LC][40];
static struct qg_cell lcells[LR][LC];
static struct qg_record lrecs[LR];

static void test_data_profile_batch_low_cardinality(void **state)
{
	const char *names[LC] = { "flag", "cat", "fill", "long", "few" };
	static const char *const cats[] = { "category-A1", "category-A2", "category-B", "categor", "c", "category-A1xyzw",
					    "category-A1xyzwv", "category-A1xyzwvQ" };
	struct qg_profile a, b;
	char *ta, *tb;

	for (int r = 0; r < LR; r++) {
		uint64_t v = rnd();
		snprintf(ltext[r][0], 40, "%s", v & 1 ? "true" : (v & 2 ? "false" : ""));
		snprintf(ltext[r][1], 40, "%s", cats[(v >> 3) % 8]);
		/* 40 values at first, then ever more: the table fills at some
		 * cell in the middle of a batch */
		snprintf(ltext[r][2], 40, "v%d", (int)((v >> 9) % (r < 3000 ? 40 : 40 + (uint64_t)(r - 3000) / 20)));
		snprintf(ltext[r][3], 40, "a rather long value number %d", (int)((v >> 13) % 6));
		snprintf(ltext[r][4], 40, "%d", (int)((v >> 17) % 3));
		make_record(&lrecs[r], lcells[r], ltext[r][0], sizeof(ltext[r][0]), LC, r);
	}
	profile_both_ways(&a, &b, names, lrecs, LR, LC, 700, &ta, &tb);
	assert_string_equal(ta, tb);
	assert_true(b.fields[1].topk.nr == 8 && b.fields[1].topk.filter == NULL);
	assert_true(b.fields[2].topk.nr == QG_TOPK_K && b.fields[2].topk.filter != NULL);
	assert_int_equal(data_prof_field_kind(&b.fields[4]), QG_PROF_NUMERIC);
	free(ta);
	free(tb);
	data_profile_release(&a);
	data_profile_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_profile_parse_number),
		cmocka_unit_test(test_data_profile_kinds_and_nulls),
		cmocka_unit_test(test_data_profile_merge_is_exact),
		cmocka_unit_test(test_data_profile_merge_missing_field_counts_nulls),
		cmocka_unit_test(test_data_profile_json_roundtrip),
		cmocka_unit_test(test_data_profile_batch_equals_records),
		cmocka_unit_test(test_data_profile_batch_integer_runs),
		cmocka_unit_test(test_data_profile_batch_low_cardinality),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
