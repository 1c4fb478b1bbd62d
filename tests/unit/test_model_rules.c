/* test_model_rules.c -- the --require expression parser and evaluation */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "model/metrics.h"
#include "model/rules.h"

static void test_model_rules_fixed(void **state)
{
	struct qg_model_rule r;
	assert_int_equal(model_rule_parse(&r, "f1 >= 0.8", QG_TASK_BINARY), 0);
	assert_string_equal(r.metric, "f1");
	assert_int_equal(r.metric_id, QG_M_F1);
	assert_int_equal(r.op, QG_OP_GE);
	assert_false(r.relative);
	assert_true(r.bound == 0.8);
	assert_null(r.slice_col);
	assert_true(model_rule_holds(&r, 0.8, NAN));
	assert_false(model_rule_holds(&r, 0.79, NAN));
	assert_false(model_rule_holds(&r, NAN, NAN));
	model_rule_release(&r);

	assert_int_equal(model_rule_parse(&r, "log_loss<0.5", QG_TASK_BINARY), 0);
	assert_int_equal(r.op, QG_OP_LT);
	assert_false(model_rule_holds(&r, 0.5, NAN));
	assert_true(model_rule_holds(&r, 0.49, NAN));
	model_rule_release(&r);
}

static void test_model_rules_slice(void **state)
{
	struct qg_model_rule r;
	assert_int_equal(model_rule_parse(&r, "f1@region=eu >= 0.8", QG_TASK_BINARY), 0);
	assert_string_equal(r.slice_col, "region");
	assert_string_equal(r.slice_value, "eu");
	model_rule_release(&r);
	assert_int_equal(model_rule_parse(&r, "  recall@region=*>0.5  ", QG_TASK_BINARY), 0);
	assert_string_equal(r.slice_value, "*");
	assert_int_equal(r.op, QG_OP_GT);
	model_rule_release(&r);
}

static void test_model_rules_baseline(void **state)
{
	struct qg_model_rule r;
	char buf[64];
	assert_int_equal(model_rule_parse(&r, "roc_auc >= baseline-0.01", QG_TASK_BINARY), 0);
	assert_true(r.relative);
	assert_true(r.bound == -0.01);
	assert_string_equal(model_rule_bound_text(&r, buf, sizeof(buf)), "baseline-0.01");
	assert_true(fabs(model_rule_threshold(&r, 0.9) - 0.89) < 1e-15);
	assert_true(model_rule_holds(&r, 0.895, 0.9));
	assert_false(model_rule_holds(&r, 0.88, 0.9));
	assert_true(model_rule_margin(&r, 0.88, 0.9) < 0);
	model_rule_release(&r);

	assert_int_equal(model_rule_parse(&r, "log_loss <= baseline+2%", QG_TASK_BINARY), 0);
	assert_true(r.percent);
	assert_true(fabs(model_rule_threshold(&r, 0.5) - 0.51) < 1e-15);
	assert_string_equal(model_rule_bound_text(&r, buf, sizeof(buf)), "baseline+2%");
	assert_true(model_rule_margin(&r, 0.505, 0.5) > 0);
	model_rule_release(&r);

	assert_int_equal(model_rule_parse(&r, "accuracy >= baseline", QG_TASK_MULTICLASS), 0);
	assert_string_equal(model_rule_bound_text(&r, buf, sizeof(buf)), "baseline");
	model_rule_release(&r);
}

static void test_model_rules_bad(void **state)
{
	struct qg_model_rule r;
	static const char *const bad[] = {
		"", "f1", "f1 >=", "f1 >= x", "f1 = 0.8", "f1 >= 0.8 junk", "nope >= 1",
		"f1@ >= 1", "f1@region >= 1", "f1@region= >= 1", "f1 >= baseline-", "f1 >= baseline*2",
		"f1 >= nan", "f1 >= inf", "f1 >= 1e999", "log_loss >= baseline", "f1 <= baseline",
		"f1 >= baseline--1", "mae <= 1", ">= 1", "f1 >= 0x10",
	};
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++) {
		int rc = model_rule_parse(&r, bad[i], QG_TASK_BINARY);
		if (rc != QG_EUSAGE)
			fail_msg("'%s' parsed (%d)", bad[i], rc);
		assert_non_null(strstr(qg_error_last(), "expression"));
	}
	/* any name in metrics-file mode */
	assert_int_equal(model_rule_parse(&r, "val.custom_score > 3", 0), 0);
	assert_int_equal(r.metric_id, -1);
	model_rule_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_rules_fixed),
		cmocka_unit_test(test_model_rules_slice),
		cmocka_unit_test(test_model_rules_baseline),
		cmocka_unit_test(test_model_rules_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
