/* test_model_metrics.c -- metric values against numbers taken from sklearn 1.2.1
 *
 * The expected values were printed by Debian's /usr/bin/python3 with
 * scikit-learn 1.2.1; tests/e2e/t_model_sklearn.sh compares many more on
 * random data. Here: small fixed cases, edge cases and the helpers.
 */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "model/metrics.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * (1 + fabs(b)))

static const uint8_t by[10] = { 0, 0, 1, 1, 1, 0, 1, 0, 1, 1 };
static const double bp[10] = { 0.1, 0.4, 0.35, 0.8, 0.8, 0.8, 0.5, 0.0, 1.0, 0.65 };

static void test_model_metrics_binary(void **state)
{
	struct qg_metric_values v;
	double p[10];
	memcpy(p, bp, sizeof(p));
	assert_int_equal(model_binary_metrics(&v, by, NULL, p, 10, 0.5, NULL, 0), 0);
	NEAR(v.value[QG_M_ACCURACY], 0.8);
	NEAR(v.value[QG_M_PRECISION], 0.8333333333333334);
	NEAR(v.value[QG_M_RECALL], 0.8333333333333334);
	NEAR(v.value[QG_M_F1], 0.8333333333333334);
	NEAR(v.value[QG_M_ROC_AUC], 0.7916666666666667);
	NEAR(v.value[QG_M_AVERAGE_PRECISION], 0.8138888888888889);
	NEAR(v.value[QG_M_LOG_LOSS], 0.48456633756374146);
	NEAR(v.value[QG_M_BRIER], 0.16850000000000004);
	NEAR(v.value[QG_M_ECE], 0.16000000000000006);
	/* not clobbered */
	assert_memory_equal(p, bp, sizeof(p));
}

static void test_model_metrics_binary_weighted_equals_unweighted(void **state)
{
	struct qg_metric_values a, b;
	uint32_t w[10];
	double p[10];
	for (int i = 0; i < 10; i++)
		w[i] = 1;
	memcpy(p, bp, sizeof(p));
	assert_int_equal(model_binary_metrics(&a, by, NULL, p, 10, 0.5, NULL, 1), 0);
	memcpy(p, bp, sizeof(p));
	assert_int_equal(model_binary_metrics(&b, by, NULL, p, 10, 0.5, w, 0), 0);
	for (int m = QG_M_ACCURACY; m <= QG_M_ECE; m++)
		NEAR(b.value[m], a.value[m]);
	/* weight 2 on a row equals the row repeated */
	{
		uint8_t y2[11];
		double p2[11];
		memcpy(y2, by, 10);
		memcpy(p2, bp, sizeof(bp));
		y2[10] = by[3];
		p2[10] = bp[3];
		w[3] = 2;
		assert_int_equal(model_binary_metrics(&a, y2, NULL, p2, 11, 0.5, NULL, 0), 0);
		assert_int_equal(model_binary_metrics(&b, by, NULL, p, 10, 0.5, w, 0), 0);
		for (int m = QG_M_ACCURACY; m <= QG_M_ECE; m++)
			NEAR(b.value[m], a.value[m]);
	}
}

static void test_model_metrics_one_class(void **state)
{
	struct qg_metric_values v;
	uint8_t y[3] = { 1, 1, 1 };
	double p[3] = { 0.2, 0.9, 0.5 };
	assert_int_equal(model_binary_metrics(&v, y, NULL, p, 3, 0.5, NULL, 0), 0);
	assert_true(isnan(v.value[QG_M_ROC_AUC]));
	assert_non_null(v.why[QG_M_ROC_AUC]);
	assert_false(isnan(v.value[QG_M_AVERAGE_PRECISION]));
	NEAR(v.value[QG_M_ACCURACY], 2.0 / 3);
	y[0] = y[1] = y[2] = 0;
	assert_int_equal(model_binary_metrics(&v, y, NULL, p, 3, 0.5, NULL, 0), 0);
	assert_true(isnan(v.value[QG_M_AVERAGE_PRECISION]));
	/* zero_division=0 */
	NEAR(v.value[QG_M_RECALL], 0.0);
	NEAR(v.value[QG_M_F1], 0.0);
}

/* sklearn's docstring example: matthews_corrcoef([+1,+1,+1,-1], [+1,-1,+1,+1]) */
static void test_model_metrics_binary_mcc(void **state)
{
	struct qg_metric_values v;
	uint8_t y[4] = { 1, 1, 1, 0 }, p[4] = { 1, 0, 1, 1 }, z[4] = { 0, 0, 0, 0 };
	assert_int_equal(model_binary_metrics(&v, y, p, NULL, 4, 0.5, NULL, 0), 0);
	NEAR(v.value[QG_M_MCC], -0.3333333333333333);
	NEAR(v.value[QG_M_BALANCED_ACCURACY], 0.3333333333333333);
	/* one label everywhere: MCC 0.0, balanced accuracy over the class present */
	assert_int_equal(model_binary_metrics(&v, z, z, NULL, 4, 0.5, NULL, 0), 0);
	NEAR(v.value[QG_M_MCC], 0.0);
	NEAR(v.value[QG_M_BALANCED_ACCURACY], 1.0);
}

static void test_model_metrics_multiclass(void **state)
{
	struct qg_metric_values v;
	int32_t y[7] = { 0, 1, 2, 2, 1, 0, 2 }, p[7] = { 0, 2, 2, 2, 0, 0, 1 };
	assert_int_equal(model_multiclass_metrics(&v, y, p, NULL, 7, 3, NULL, 0), 0);
	NEAR(v.value[QG_M_F1_MACRO], 0.48888888888888893);
	NEAR(v.value[QG_M_F1_WEIGHTED], 0.5142857142857143);
	NEAR(v.value[QG_M_PRECISION_MACRO], 0.4444444444444444);
	NEAR(v.value[QG_M_RECALL_MACRO], 0.5555555555555555);
	NEAR(v.value[QG_M_F1_MICRO], 4.0 / 7);
	NEAR(v.value[QG_M_ACCURACY], 4.0 / 7);
	assert_true(isnan(v.value[QG_M_LOG_LOSS]));
	/* sklearn 1.2.1: balanced_accuracy_score, matthews_corrcoef */
	NEAR(v.value[QG_M_BALANCED_ACCURACY], 0.5555555555555555);
	NEAR(v.value[QG_M_MCC], 0.3550234734023465);
	assert_true(isnan(v.value[QG_M_ROC_AUC_OVR]));
	assert_string_equal(v.why[QG_M_ROC_AUC_OVR], "no score column");
}

/* roc_auc_score(y, proba, multi_class='ovr', average='macro'/'weighted');
 * weights of 1 give the same numbers; sklearn refuses rows that do not sum
 * to 1 and a class without a true label: undefined here. */
static void test_model_metrics_ovr(void **state)
{
	struct qg_metric_values v, vw;
	int32_t y[7] = { 0, 1, 2, 2, 1, 0, 2 }, p[7] = { 0, 2, 2, 2, 0, 0, 1 }, y2[7] = { 0, 1, 1, 1, 1, 0, 1 };
	double pr[21] = { .7, .2, .1, .2, .3, .5, .1, .1, .8, .3, .3, .4, .5, .4, .1, .6, .2, .2, .2, .5, .3 };
	uint32_t ones[7] = { 1, 1, 1, 1, 1, 1, 1 };

	assert_int_equal(model_multiclass_metrics(&v, y, p, pr, 7, 3, NULL, 0), 0);
	NEAR(v.value[QG_M_ROC_AUC_OVR], 0.861111111111111);
	NEAR(v.value[QG_M_ROC_AUC_OVR_WEIGHTED], 0.8571428571428571);
	assert_int_equal(model_multiclass_metrics(&vw, y, p, pr, 7, 3, ones, 0), 0);
	NEAR(vw.value[QG_M_ROC_AUC_OVR], 0.861111111111111);
	NEAR(vw.value[QG_M_ROC_AUC_OVR_WEIGHTED], 0.8571428571428571);
	NEAR(vw.value[QG_M_MCC], v.value[QG_M_MCC]);
	NEAR(vw.value[QG_M_BALANCED_ACCURACY], v.value[QG_M_BALANCED_ACCURACY]);
	/* QG_MB_NO_RANK: the bootstrap's non-ranking pass skips them */
	assert_int_equal(model_multiclass_metrics(&v, y, p, pr, 7, 3, ones, QG_MB_NO_RANK), 0);
	assert_true(isnan(v.value[QG_M_ROC_AUC_OVR]));
	/* class 2 never true */
	assert_int_equal(model_multiclass_metrics(&v, y2, p, pr, 7, 3, NULL, 0), 0);
	assert_true(isnan(v.value[QG_M_ROC_AUC_OVR_WEIGHTED]));
	assert_non_null(strstr(v.why[QG_M_ROC_AUC_OVR], "no true label"));
	/* a row that sums to 0.9 */
	pr[0] = 0.6;
	assert_int_equal(model_multiclass_metrics(&v, y, p, pr, 7, 3, NULL, 0), 0);
	assert_true(isnan(v.value[QG_M_ROC_AUC_OVR]));
	assert_non_null(strstr(v.why[QG_M_ROC_AUC_OVR], "sum to 1"));
}

static void test_model_metrics_regression(void **state)
{
	struct qg_metric_values v;
	double a[5] = { 3.0, -0.5, 2.0, 7.0, 0.0 }, b[5] = { 2.5, 0.0, 2.0, 8.0, 0.1 };
	assert_int_equal(model_regression_metrics(&v, a, b, 5, NULL), 0);
	NEAR(v.value[QG_M_MAE], 0.42000000000000004);
	NEAR(v.value[QG_M_RMSE], 0.5495452665613635);
	NEAR(v.value[QG_M_R2], 0.9578212290502793);
	NEAR(v.value[QG_M_MAPE], 90071992547410.19);
	NEAR(v.value[QG_M_MSE], 0.302);
	/* constant y_true: perfect -> 1, otherwise 0 (force_finite) */
	double c[3] = { 2, 2, 2 }, d[3] = { 2, 2, 3 };
	assert_int_equal(model_regression_metrics(&v, c, c, 3, NULL), 0);
	NEAR(v.value[QG_M_R2], 1.0);
	assert_int_equal(model_regression_metrics(&v, c, d, 3, NULL), 0);
	NEAR(v.value[QG_M_R2], 0.0);
	assert_int_equal(model_regression_metrics(&v, c, d, 1, NULL), 0);
	assert_true(isnan(v.value[QG_M_R2]));
}

static void test_model_metrics_ece_bins(void **state)
{
	assert_int_equal(model_ece_bin(0.0), 0);
	assert_int_equal(model_ece_bin(1.0 / 15), 0);
	assert_int_equal(model_ece_bin(nextafter(1.0 / 15, 1)), 1);
	assert_int_equal(model_ece_bin(2.0 / 15), 1);
	assert_int_equal(model_ece_bin(0.2), 2);
	assert_int_equal(model_ece_bin(1.0), 14);
}

static void test_model_metrics_sort(void **state)
{
	enum { N = 5000 };
	double *a = malloc(N * sizeof(*a));
	uint64_t x = 88172645463325252ULL;
	assert_non_null(a);
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a[i] = (i % 7 == 0) ? 0.5 : (double)(x >> 11) / 9007199254740992.0;
	}
	a[3] = -0.0;
	a[4] = 0.0;
	a[5] = 1.0;
	assert_int_equal(model_sort_desc(a, N, NULL), 0);
	for (int i = 1; i < N; i++)
		assert_true(a[i - 1] >= a[i]);
	assert_true(a[0] == 1.0);
	assert_true(a[N - 1] == 0.0);
	free(a);
}

static void test_model_metrics_sum(void **state)
{
	/* numpy sums blocks of 8192 pairwise: 0.1 * 10000 differs from a loop */
	enum { N = 10000 };
	double *a = malloc(N * sizeof(*a)), loop = 0;
	assert_non_null(a);
	for (int i = 0; i < N; i++) {
		a[i] = 0.1;
		loop += 0.1;
	}
	/* np.sum(np.full(10000, 0.1)) prints 1000.0000000000002 */
	assert_true(model_sum(a, N) == 1000.0000000000002);
	assert_true(model_sum(a, N) != loop);
	assert_true(model_sum(a, 3) == (0.1 + 0.1) + 0.1);
	free(a);
}

static void test_model_metrics_lookup(void **state)
{
	assert_int_equal(model_metric_lookup("f1", QG_TASK_BINARY), QG_M_F1);
	assert_int_equal(model_metric_lookup("f1", QG_TASK_MULTICLASS), -1);
	assert_int_equal(model_metric_lookup("log_loss", QG_TASK_MULTICLASS), QG_M_LOG_LOSS);
	assert_int_equal(model_metric_lookup("nope", 0), -1);
	assert_int_equal(model_metric_infos[QG_M_LOG_LOSS].direction, -1);
}

/* Every metric name the interface lists (docs/interface.md, the contract's
 * section 6) exists for its task. */
static void test_model_metrics_contract_names(void **state)
{
	static const char *const binary[] = { "accuracy", "precision", "recall", "f1", "roc_auc", "average_precision",
					      "log_loss", "brier", "ece", "balanced_accuracy", "mcc" };
	static const char *const multiclass[] = { "accuracy", "f1_macro", "f1_micro", "f1_weighted", "precision_macro",
						  "recall_macro", "log_loss", "balanced_accuracy", "mcc", "roc_auc_ovr",
						  "roc_auc_ovr_weighted" };
	static const char *const regression[] = { "mae", "mse", "rmse", "r2", "mape" };
	for (size_t i = 0; i < QG_ARRAY_SIZE(binary); i++)
		if (model_metric_lookup(binary[i], QG_TASK_BINARY) < 0)
			fail_msg("binary metric '%s' missing", binary[i]);
	for (size_t i = 0; i < QG_ARRAY_SIZE(multiclass); i++)
		if (model_metric_lookup(multiclass[i], QG_TASK_MULTICLASS) < 0)
			fail_msg("multiclass metric '%s' missing", multiclass[i]);
	for (size_t i = 0; i < QG_ARRAY_SIZE(regression); i++)
		if (model_metric_lookup(regression[i], QG_TASK_REGRESSION) < 0)
			fail_msg("regression metric '%s' missing", regression[i]);
	assert_int_equal(model_metric_infos[QG_M_MSE].direction, -1);
	assert_int_equal(model_metric_infos[QG_M_MCC].direction, 1);
	assert_int_equal(model_metric_infos[QG_M_ROC_AUC_OVR_WEIGHTED].direction, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_metrics_binary),
		cmocka_unit_test(test_model_metrics_binary_weighted_equals_unweighted),
		cmocka_unit_test(test_model_metrics_one_class),
		cmocka_unit_test(test_model_metrics_binary_mcc),
		cmocka_unit_test(test_model_metrics_multiclass),
		cmocka_unit_test(test_model_metrics_ovr),
		cmocka_unit_test(test_model_metrics_regression),
		cmocka_unit_test(test_model_metrics_ece_bins),
		cmocka_unit_test(test_model_metrics_sort),
		cmocka_unit_test(test_model_metrics_sum),
		cmocka_unit_test(test_model_metrics_lookup),
		cmocka_unit_test(test_model_metrics_contract_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
