/* test_model_stats.c -- PRNG, bootstrap, McNemar, number parser, predictions reader */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/table.h"

#include "model/bootstrap.h"
#include "model/predictions.h"

static void test_model_stats_rng_reference(void **state)
{
	/* xoshiro256** from splitmix64(0): values from an independent Python
	 * implementation, so a change of generator cannot go unnoticed */
	struct qg_rng r;
	model_rng_seed(&r, 0);
	assert_true(model_rng_next(&r) == UINT64_C(0x99ec5f36cb75f2b4));
	assert_true(model_rng_next(&r) == UINT64_C(0xbf6e1f784956452a));
	assert_true(model_rng_next(&r) == UINT64_C(0x1a5f849d4933e6e0));
	for (int i = 0; i < 10000; i++)
		assert_true(model_rng_below(&r, 7) < 7);
}

static void test_model_stats_mcnemar(void **state)
{
	int exact;
	/* scipy.stats.binomtest(2, 12, 0.5).pvalue */
	assert_true(fabs(model_mcnemar_p(10, 2, &exact) - 0.03857421875) < 1e-15);
	assert_true(exact);
	/* scipy.stats.chi2.sf((18 - 1)**2 / 42, 1) */
	assert_true(fabs(model_mcnemar_p(30, 12, &exact) - 0.008711912962379598) < 1e-12);
	assert_false(exact);
	assert_true(model_mcnemar_p(0, 0, &exact) == 1.0);
	assert_true(model_mcnemar_p(5, 5, &exact) == 1.0);
}

static double margin_ge(const void *ctx, double c, double b) { return c - b; }
static int ok_ge(const void *ctx, double m) { return m >= 0; }

static void test_model_stats_bootstrap(void **state)
{
	enum { N = 400 };
	uint8_t y[N];
	double pc[N], pb[N];
	struct qg_model_view c = { 0 }, b = { 0 };
	struct qg_boot_result r1, r2;
	struct qg_rng rng;
	model_rng_seed(&rng, 5);
	for (int i = 0; i < N; i++) {
		y[i] = (uint8_t)(i % 2);
		pb[i] = y[i] ? 0.6 + 0.4 * (double)model_rng_below(&rng, 1000) / 1000 : 0.4 * (double)model_rng_below(&rng, 1000) / 1000;
		pc[i] = (double)model_rng_below(&rng, 1000) / 1000; /* much worse: random */
	}
	c.task = b.task = QG_TASK_BINARY;
	c.n = b.n = N;
	c.ybin = b.ybin = y;
	c.score = pc;
	b.score = pb;
	c.threshold = b.threshold = 0.5;
	struct qg_boot_opts o = { .replicates = 200, .seed = 1, .alpha = 0.05, .margin = margin_ge, .ok = ok_ge };
	o.cand_value = o.base_value = NAN;
	assert_int_equal(model_bootstrap(&r1, &c, &b, QG_M_ROC_AUC, &o), 0);
	assert_int_equal(model_bootstrap(&r2, &c, &b, QG_M_ROC_AUC, &o), 0);
	assert_true(r1.delta_lo == r2.delta_lo && r1.delta_hi == r2.delta_hi);
	assert_true(r1.delta_hi < 0); /* significantly worse */
	assert_int_equal(r1.margin_ok, 0);
	/* the same model against itself: interval is exactly [0, 0] */
	o.replicates = 100;
	assert_int_equal(model_bootstrap(&r1, &b, &b, QG_M_F1, &o), 0);
	assert_true(r1.delta_lo == 0 && r1.delta_hi == 0);
	assert_int_equal(r1.margin_ok, 100);
}

/* The subsample (m-out-of-n) path: the class floor decides m, the interval
 * of a mean metric is the full bootstrap's within Monte-Carlo noise and not
 * the unscaled subsample's, a model against itself is exactly [0, 0], and a
 * seed gives the same numbers twice. */
static void test_model_stats_bootstrap_subsample(void **state)
{
	enum { N = 40000 };
	uint8_t *y = malloc(N), *rare = malloc(N);
	double *pc = malloc(N * sizeof(double)), *pb = malloc(N * sizeof(double));
	struct qg_model_view c = { 0 }, b = { 0 };
	struct qg_metric_values mc, mb;
	struct qg_boot_result full, sub, sub2;
	struct qg_boot_opts o = { .replicates = 400, .seed = 3, .alpha = 0.05, .margin = margin_ge, .ok = ok_ge };
	struct qg_rng rng;
	double wf, ws;

	assert_non_null(y);
	assert_non_null(rare);
	assert_non_null(pc);
	assert_non_null(pb);
	model_rng_seed(&rng, 9);
	for (int i = 0; i < N; i++) {
		y[i] = (uint8_t)(model_rng_below(&rng, 10) < 4);
		rare[i] = (uint8_t)(i % 200 == 0); /* 200 positives */
		pc[i] = y[i] ? (double)model_rng_below(&rng, 1000) / 1000 * 0.7 + 0.3 : (double)model_rng_below(&rng, 1000) / 1000 * 0.7;
		pb[i] = y[i] ? (double)model_rng_below(&rng, 1000) / 1000 * 0.7 + 0.3 : (double)model_rng_below(&rng, 1000) / 1000 * 0.7;
	}
	c.task = b.task = QG_TASK_BINARY;
	c.n = b.n = N;
	c.ybin = b.ybin = y;
	c.score = pc;
	b.score = pb;
	c.threshold = b.threshold = 0.5;

	/* m: max(max_rows, the size keeping 500 of the rarest class), or n */
	assert_int_equal(model_bootstrap_rows(&c, 0), N);
	assert_int_equal(model_bootstrap_rows(&c, N), N);
	assert_int_equal(model_bootstrap_rows(&c, 4000), 4000);
	c.ybin = rare;
	assert_int_equal(model_bootstrap_rows(&c, 4000), N); /* 500 of 200 positives: every row */
	c.ybin = y;

	assert_int_equal(model_view_metrics(&mc, &c, NULL, 0), 0);
	assert_int_equal(model_view_metrics(&mb, &b, NULL, 0), 0);
	o.cand_value = mc.value[QG_M_ACCURACY];
	o.base_value = mb.value[QG_M_ACCURACY];
	assert_int_equal(model_bootstrap(&full, &c, &b, QG_M_ACCURACY, &o), 0);
	assert_false(full.subsample);
	assert_int_equal(full.rows, N);
	assert_true(full.scale == 1);
	o.max_rows = 4000;
	assert_int_equal(model_bootstrap(&sub, &c, &b, QG_M_ACCURACY, &o), 0);
	assert_int_equal(model_bootstrap(&sub2, &c, &b, QG_M_ACCURACY, &o), 0);
	assert_true(sub.subsample);
	assert_int_equal(sub.rows, 4000);
	assert_true(fabs(sub.scale - sqrt(0.1)) < 1e-15);
	assert_true(sub.delta_lo == sub2.delta_lo && sub.delta_hi == sub2.delta_hi);
	wf = full.delta_hi - full.delta_lo;
	ws = sub.delta_hi - sub.delta_lo;
	/* same width within noise (unscaled it would be sqrt(10) = 3.2 times wider) */
	if (ws < 0.8 * wf || ws > 1.25 * wf)
		fail_msg("width %g vs full %g", ws, wf);
	/* centred on the full-data delta, not the subsample's */
	if (fabs((sub.delta_lo + sub.delta_hi) / 2 - (full.delta_lo + full.delta_hi) / 2) > 0.15 * wf)
		fail_msg("centre %g vs full %g", (sub.delta_lo + sub.delta_hi) / 2, (full.delta_lo + full.delta_hi) / 2);

	/* the same model: exactly [0, 0], and the rule held in every replicate */
	o.cand_value = o.base_value = mb.value[QG_M_ROC_AUC];
	assert_int_equal(model_bootstrap(&sub, &b, &b, QG_M_ROC_AUC, &o), 0);
	assert_true(sub.subsample);
	assert_true(sub.delta_lo == 0 && sub.delta_hi == 0);
	assert_int_equal(sub.margin_ok, sub.replicates);

	/* an undefined full value (NaN): no subsample, every row */
	o.cand_value = NAN;
	o.replicates = 5;
	assert_int_equal(model_bootstrap(&sub, &c, &b, QG_M_ROC_AUC, &o), 0);
	assert_false(sub.subsample);
	assert_int_equal(sub.rows, N);
	free(y);
	free(rare);
	free(pc);
	free(pb);
}

static void test_model_stats_parse_double(void **state)
{
	static const char *const good[] = { "0", "1", "0.5", "-0.25", "1e-5", "1E5", "+3", ".5", "5.",
					    "0.1234567890123456789", "123456789012345678901234", "2.2250738585072014e-308",
					    "0.30000000000000004", "9007199254740993", "1e22", "1e23", "0.000001" };
	static const char *const bad[] = { "", "-", ".", "e5", "1e", "1e+", "nan", "inf", "0x10", "1,5", " 1", "1 ", "1e999", "--1" };
	double v;
	for (size_t i = 0; i < QG_ARRAY_SIZE(good); i++) {
		assert_int_equal(model_parse_double(&v, good[i], strlen(good[i])), 0);
		assert_true(v == strtod(good[i], NULL));
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++)
		if (model_parse_double(&v, bad[i], strlen(bad[i])) != -1)
			fail_msg("'%s' parsed", bad[i]);
}

static void test_model_stats_read_memory(void **state)
{
	static const char csv[] = "label,score,g\n1,0.9,a\n0,0.2,b\n1,0.4,a\n";
	struct qg_model_read_opts o = { 0 };
	static const char *const sl[] = { "g" };
	struct qg_model_data d;
	struct qg_table *t;
	o.task = QG_TASK_BINARY;
	o.threshold = 0.5;
	o.slice_cols = sl;
	o.nr_slices = 1;
	assert_int_equal(qg_table_open_memory(&t, csv, sizeof(csv) - 1, "m.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), 0);
	assert_int_equal(d.n, 3);
	assert_true(d.score[2] == 0.4);
	assert_int_equal(d.ybin[1], 0);
	assert_int_equal(d.slices[0].values.nr, 2);
	assert_int_equal(d.slices[0].val[2], 0);
	model_data_release(&d);

	static const char bad[] = "label,score\n1,0.9\n0,1.2\n";
	o.nr_slices = 0;
	assert_int_equal(qg_table_open_memory(&t, bad, sizeof(bad) - 1, "m.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), QG_EPARSE);
	if (!strstr(qg_error_last(), "'m.csv':3:"))
		fail_msg("message: %s", qg_error_last());
	assert_non_null(strstr(qg_error_last(), "row 2"));
}

/* Class labels, slice values and ids become names (C strings): a NUL byte
 * in one is a row error naming its line and column, never a read past a
 * key (the fuzzer's heap overflow: a label "a\0..." against the class
 * "a" from score_a made the map's strncmp stop early and read k[len]). */
static void test_model_stats_read_nul(void **state)
{
	static const char mc[] = "label,score_a,score_b\na\0\0\0%\0\0\0\0x}y,0.2,0.8\nb,0.5,0.5\n";
	static const char sl[] = "label,score,g\n1,0.9,a\n0,0.2,b\0c\n";
	static const char id[] = "id,label,score\nr\0s,1,0.9\n";
	static const char hdr[] = "label,score_a,score_b\0c\na,0.2,0.8\n";
	static const char *const slc[] = { "g" };
	struct qg_model_read_opts o = { 0 };
	struct qg_model_data d;
	struct qg_table *t;

	o.task = QG_TASK_MULTICLASS;
	o.threshold = 0.5;
	assert_int_equal(qg_table_open_memory(&t, mc, sizeof(mc) - 1, "mc.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), QG_EPARSE);
	if (!strstr(qg_error_last(), "'mc.csv':2:1: row 1: column 'label'") || !strstr(qg_error_last(), "NUL byte"))
		fail_msg("message: %s", qg_error_last());

	assert_int_equal(qg_table_open_memory(&t, hdr, sizeof(hdr) - 1, "hdr.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), QG_EPARSE);
	if (!strstr(qg_error_last(), "hdr.csv") || !strstr(qg_error_last(), "NUL byte"))
		fail_msg("message: %s", qg_error_last());

	o.task = QG_TASK_BINARY;
	o.slice_cols = slc;
	o.nr_slices = 1;
	assert_int_equal(qg_table_open_memory(&t, sl, sizeof(sl) - 1, "sl.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), QG_EPARSE);
	if (!strstr(qg_error_last(), "'sl.csv':3:") || !strstr(qg_error_last(), "column 'g'") ||
	    !strstr(qg_error_last(), "NUL byte"))
		fail_msg("message: %s", qg_error_last());

	o.nr_slices = 0;
	o.id_col = "id";
	assert_int_equal(qg_table_open_memory(&t, id, sizeof(id) - 1, "id.csv", NULL), 0);
	assert_int_equal(model_data_read_table(&d, t, &o), QG_EPARSE);
	if (!strstr(qg_error_last(), "'id.csv':2:1:") || !strstr(qg_error_last(), "id has a NUL byte"))
		fail_msg("message: %s", qg_error_last());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_stats_rng_reference),
		cmocka_unit_test(test_model_stats_mcnemar),
		cmocka_unit_test(test_model_stats_bootstrap),
		cmocka_unit_test(test_model_stats_bootstrap_subsample),
		cmocka_unit_test(test_model_stats_parse_double),
		cmocka_unit_test(test_model_stats_read_memory),
		cmocka_unit_test(test_model_stats_read_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
