/* mock_model_run.c -- failure injection for test_model_run (linked with
 * tests/unit/test_model_run.wrap)
 *
 * Each wrapped function calls the real one unless the test asked it to fail:
 * qg_result_add_artifact fails when mock_artifact_fail is set; qg_buf_addf
 * fails for formats starting with mock_addf_fail_fmt; qg_json_add_*
 * fail for the member key mock_json_fail_key. qg_error counts its calls so a
 * test can see a message recorded once and not overwritten.
 */
#include "qgate/common.h"

#include "qgate/json.h"
#include "qgate/result.h"

#include "mock_model_run.h"

int mock_artifact_fail;
const char *mock_addf_fail_fmt;
const char *mock_json_fail_key;
int mock_error_calls;

int __real_qg_result_add_artifact(struct qg_result *r, const char *path);
int __wrap_qg_result_add_artifact(struct qg_result *r, const char *path)
{
	if (mock_artifact_fail)
		return qg_error(QG_EINPUT, "'%s': cannot hash (mock)", path);
	return __real_qg_result_add_artifact(r, path);
}

int __wrap_qg_buf_addf(struct qg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (mock_addf_fail_fmt && !strncmp(fmt, mock_addf_fail_fmt, strlen(mock_addf_fail_fmt)))
		return qg_error(QG_ETOOBIG, "buffer would exceed its cap (mock)");
	va_start(ap, fmt);
	ret = qg_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return ret;
}

int __wrap_qg_error(int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	mock_error_calls++;
	va_start(ap, fmt);
	ret = qg_verror(code, fmt, ap);
	va_end(ap);
	return ret;
}

static int json_fails(const char *key)
{
	return mock_json_fail_key && key && !strcmp(key, mock_json_fail_key);
}

#define JSON_WRAP(name, params, args)                                             \
	struct qg_json *__real_##name params;                                    \
	struct qg_json *__wrap_##name params                                     \
	{                                                                         \
		if (json_fails(key)) {                                            \
			qg_error(QG_ENOMEM, "out of memory adding '%s' (mock)", key); \
			return NULL;                                              \
		}                                                                 \
		return __real_##name args;                                        \
	}

JSON_WRAP(qg_json_add_number, (struct qg_json * parent, const char *key, double v), (parent, key, v))
JSON_WRAP(qg_json_add_null, (struct qg_json * parent, const char *key), (parent, key))
JSON_WRAP(qg_json_add_object, (struct qg_json * parent, const char *key), (parent, key))
JSON_WRAP(qg_json_add_string, (struct qg_json * parent, const char *key, const char *s), (parent, key, s))

void mock_model_run_reset(void)
{
	mock_artifact_fail = 0;
	mock_addf_fail_fmt = NULL;
	mock_json_fail_key = NULL;
	mock_error_calls = 0;
}
