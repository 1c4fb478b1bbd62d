/* test_model_run.c -- qgate-model check's error paths (model.c, load.c)
 *
 * Failures are injected through tests/unit/mock_model_run.c (--wrap, see
 * test_model_run.wrap): an artifact that cannot be recorded, an id suffix
 * that cannot be appended, a JSON member that cannot be added. Each must end
 * in a gate error (exit 3) with its message, never in a pass without the
 * evidence, a check without its details, or a loop.
 */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/buf.h"
#include "qgate/result.h"

#include "mock_model_run.h"
#include "model/model.h"

static char csv_path[64];

static int setup(void **state)
{
	static const char csv[] = "label,score,g\n1,0.9,a\n0,0.2,b\n1,0.7,a\n0,0.4,b\n1,0.6,b\n0,0.1,a\n";
	int fd;

	snprintf(csv_path, sizeof(csv_path), "/tmp/qg-test-model-run-XXXXXX");
	fd = mkstemp(csv_path);
	if (fd < 0 || write(fd, csv, sizeof(csv) - 1) != (ssize_t)(sizeof(csv) - 1))
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	unlink(csv_path);
	return 0;
}

/* Run `check` with the rules given (NULL-terminated); returns the exit code
 * the result decides, r released by the caller. */
static int run(struct qg_result *r, const char *const *rules)
{
	struct qg_model_opts o;
	int ret;

	model_opts_init(&o);
	o.predictions = csv_path;
	o.task = "binary";
	o.bootstrap = 50;
	for (size_t i = 0; rules[i]; i++)
		assert_int_equal(qg_strvec_push(&o.requires, rules[i]), 0);
	assert_int_equal(qg_result_init(r, "model", "test"), 0);
	alarm(10); /* a loop on a failed append must fail the test, not hang it */
	ret = model_run(&o, r);
	alarm(0);
	assert_int_equal(ret, 0);
	model_opts_release(&o);
	return qg_result_exit_code(r);
}

static void test_model_run_passes(void **state)
{
	static const char *const rules[] = { "roc_auc >= 0.5", "roc_auc >= 0.6", NULL };
	struct qg_result r;

	mock_model_run_reset();
	assert_int_equal(run(&r, rules), QG_EXIT_PASS);
	assert_int_equal(r.subject.nr_artifacts, 1);
	assert_int_equal(r.nr_checks, 2);
	assert_string_equal(r.checks[1]->id, "metric.roc_auc#2");
	qg_result_release(&r);
}

/* The report must name the bytes it judged: no artifact, no pass. */
static void test_model_run_artifact_failure_is_an_error(void **state)
{
	static const char *const rules[] = { "roc_auc >= 0.5", NULL };
	struct qg_result r;

	mock_model_run_reset();
	mock_artifact_fail = 1;
	assert_int_equal(run(&r, rules), QG_EXIT_ERROR);
	assert_non_null(r.error_message);
	assert_non_null(strstr(r.error_message, "cannot hash (mock)"));
	qg_result_release(&r);
}

/* The second rule on the same metric gets "#2"; when that cannot be
 * appended the id would be found again forever (the old loop). */
static void test_model_run_failed_id_append_ends(void **state)
{
	static const char *const rules[] = { "roc_auc >= 0.5", "roc_auc >= 0.6", NULL };
	struct qg_result r;

	mock_model_run_reset();
	mock_addf_fail_fmt = "#";
	assert_int_equal(run(&r, rules), QG_EXIT_ERROR);
	assert_non_null(r.error_message);
	assert_non_null(strstr(r.error_message, "cap (mock)"));
	qg_result_release(&r);
}

/* A detail that cannot be added fails the run instead of a check that goes
 * out without it (a pass with no candidate value). */
static void test_model_run_json_failure_is_an_error(void **state)
{
	static const char *const rules[] = { "roc_auc >= 0.5", NULL };
	static const char *const keys[] = { "candidate", "threshold", "method", "roc_auc", "rows" };
	struct qg_result r;

	for (size_t i = 0; i < QG_ARRAY_SIZE(keys); i++) {
		mock_model_run_reset();
		mock_json_fail_key = keys[i];
		if (run(&r, rules) != QG_EXIT_ERROR)
			fail_msg("a failure adding '%s' did not make the run an error", keys[i]);
		assert_non_null(strstr(r.error_message, "(mock)"));
		qg_result_release(&r);
	}
}

/* `qgate-model metrics` must not print a document missing its metrics. */
static void test_model_run_metrics_json_failure(void **state)
{
	static const char *const keys[] = { "metrics", "slices", "task", "rows", "f1", "g=a" };
	struct qg_model_opts o;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);

	for (size_t i = 0; i < QG_ARRAY_SIZE(keys); i++) {
		mock_model_run_reset();
		mock_json_fail_key = keys[i];
		model_opts_init(&o);
		o.predictions = csv_path;
		o.task = "binary";
		assert_int_equal(qg_strvec_push(&o.slices, "g"), 0);
		if (model_metrics_json(&o, &out) != QG_ENOMEM)
			fail_msg("a failure adding '%s' still printed: %s", keys[i], out.buf);
		qg_buf_release(&out);
		model_opts_release(&o);
	}
	mock_model_run_reset();
	model_opts_init(&o);
	o.predictions = csv_path;
	o.task = "binary";
	assert_int_equal(model_metrics_json(&o, &out), 0);
	assert_non_null(strstr(out.buf, "\"f1\""));
	qg_buf_release(&out);
	model_opts_release(&o);
}

/* A usage error is recorded once: the message is not written and then
 * overwritten by another (the baseline-rule check did both). */
static void test_model_run_error_recorded_once(void **state)
{
	static const char *const rules[] = { "roc_auc >= 0.5", "f1 >= baseline", NULL };
	struct qg_result r;

	mock_model_run_reset();
	assert_int_equal(run(&r, rules), QG_EXIT_USAGE);
	assert_int_equal(mock_error_calls, 1);
	assert_non_null(strstr(r.error_message, "'f1 >= baseline' compares with the baseline"));
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_run_passes),
		cmocka_unit_test(test_model_run_artifact_failure_is_an_error),
		cmocka_unit_test(test_model_run_failed_id_append_ends),
		cmocka_unit_test(test_model_run_json_failure_is_an_error),
		cmocka_unit_test(test_model_run_metrics_json_failure),
		cmocka_unit_test(test_model_run_error_recorded_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
