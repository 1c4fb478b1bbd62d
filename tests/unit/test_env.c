/* test_env.c -- QG_* environment variables: an invalid value is exit 2, never the default */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/cpu.h"
#include "qgate/env.h"

static void test_env_choice(void **state)
{
	static const char *const v[] = { "a", "bb", "c" };
	int i = 7;

	unsetenv("QG_TEST_CHOICE");
	assert_int_equal(qg_env_choice("QG_TEST_CHOICE", v, 3, &i), 0);
	assert_int_equal(i, -1);
	setenv("QG_TEST_CHOICE", "", 1);
	assert_int_equal(qg_env_choice("QG_TEST_CHOICE", v, 3, &i), 0);
	assert_int_equal(i, -1);
	setenv("QG_TEST_CHOICE", "bb", 1);
	assert_int_equal(qg_env_choice("QG_TEST_CHOICE", v, 3, &i), 0);
	assert_int_equal(i, 1);
	setenv("QG_TEST_CHOICE", "b\nb", 1);
	assert_int_equal(qg_env_choice("QG_TEST_CHOICE", v, 3, &i), QG_EUSAGE);
	assert_string_equal(qg_error_last(),
			    "environment variable QG_TEST_CHOICE='b\\x0ab': expected a, bb or c (or unset)");
	assert_int_equal(qg_exit_for_error(QG_EUSAGE), QG_EXIT_USAGE);
	unsetenv("QG_TEST_CHOICE");
}

static void test_env_long(void **state)
{
	static const char *const bad[] = { "30s", " 30", "+30", "0", "-1", "605000", "x", "99999999999999999999999" };
	long n = 5;

	unsetenv("QG_TEST_LONG");
	assert_int_equal(qg_env_long("QG_TEST_LONG", 1, 604800, &n), 0);
	assert_int_equal(n, 5);
	setenv("QG_TEST_LONG", "30", 1);
	assert_int_equal(qg_env_long("QG_TEST_LONG", 1, 604800, &n), 0);
	assert_int_equal(n, 30);
	for (size_t k = 0; k < QG_ARRAY_SIZE(bad); k++) {
		setenv("QG_TEST_LONG", bad[k], 1);
		n = 5;
		assert_int_equal(qg_env_long("QG_TEST_LONG", 1, 604800, &n), QG_EUSAGE);
		assert_int_equal(n, 5);
		if (!strstr(qg_error_last(), "QG_TEST_LONG='") ||
		    !strstr(qg_error_last(), "expected an integer from 1 to 604800"))
			fail_msg("for '%s': %s", bad[k], qg_error_last());
	}
	unsetenv("QG_TEST_LONG");
}

/* QG_SIMD keeps its accepted values; anything else (it used to count as
 * unset) stops the gate at start */
static void test_env_check_simd(void **state)
{
	static const char *const good[] = { "avx2", "sse2", "0", "scalar", "off", "general" };

	unsetenv("QG_HTTP_CONNECT_TIMEOUT");
	unsetenv("QG_HTTP_LOW_SPEED_TIME");
	unsetenv("QG_HTTP_TIMEOUT");
	unsetenv("QG_HTTP_ALLOW_UNFRAMED");
	unsetenv("QG_SIMD");
	assert_int_equal(qg_env_check(), 0);
	for (size_t k = 0; k < QG_ARRAY_SIZE(good); k++) {
		setenv("QG_SIMD", good[k], 1);
		assert_int_equal(qg_env_check(), 0);
	}
	setenv("QG_SIMD", "general", 1);
	assert_int_equal(qg_cpu_level(), QG_CPU_GENERAL);
	setenv("QG_SIMD", "scalar", 1);
	assert_true(qg_cpu_level() <= QG_CPU_SCALAR);
	setenv("QG_SIMD", "avx", 1);
	assert_int_equal(qg_env_check(), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "QG_SIMD='avx': expected avx2, sse2, 0, scalar, off or general"));
	unsetenv("QG_SIMD");
}

static void test_env_check_http(void **state)
{
	static const char *const vars[] = { "QG_HTTP_CONNECT_TIMEOUT", "QG_HTTP_LOW_SPEED_TIME", "QG_HTTP_TIMEOUT" };

	unsetenv("QG_SIMD");
	for (size_t k = 0; k < QG_ARRAY_SIZE(vars); k++) {
		setenv(vars[k], "10", 1);
		assert_int_equal(qg_env_check(), 0);
		setenv(vars[k], "10m", 1);
		assert_int_equal(qg_env_check(), QG_EUSAGE);
		assert_non_null(strstr(qg_error_last(), vars[k]));
		unsetenv(vars[k]);
	}
	assert_int_equal(qg_env_check(), 0);
	setenv("QG_HTTP_ALLOW_UNFRAMED", "1", 1);
	assert_int_equal(qg_env_check(), 0);
	setenv("QG_HTTP_ALLOW_UNFRAMED", "yes", 1);
	assert_int_equal(qg_env_check(), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "QG_HTTP_ALLOW_UNFRAMED='yes': expected 0 or 1"));
	unsetenv("QG_HTTP_ALLOW_UNFRAMED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_choice),
		cmocka_unit_test(test_env_long),
		cmocka_unit_test(test_env_check_simd),
		cmocka_unit_test(test_env_check_http),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
