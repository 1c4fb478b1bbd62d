/* test_error.c -- the last-error slot and exit-code mapping */
#include "qgate/common.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_error_records_and_returns_code(void **state)
{
	qg_error_clear();
	assert_int_equal(qg_error_code(), QG_OK);
	assert_string_equal(qg_error_last(), "");
	assert_int_equal(qg_error(QG_EINPUT, "'%s':%d: missing", "a.csv", 3), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'a.csv':3: missing");
	assert_int_equal(qg_error_code(), QG_EINPUT);
	/* a non-negative code never records success */
	assert_int_equal(qg_error(0, "x"), QG_ERROR);
}

static void test_error_wrap_prefixes(void **state)
{
	qg_error(QG_EPARSE, "bad value");
	assert_int_equal(qg_error_wrap("'%s':%d: ", "t.json", 4), QG_EPARSE);
	assert_string_equal(qg_error_last(), "'t.json':4: bad value");
	qg_error_clear();
	assert_int_equal(qg_error_wrap("ctx: "), QG_ERROR); /* wrapping nothing is still an error */
}

static void test_error_long_message_truncated(void **state)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	qg_error(QG_EIO, "%s", big);
	assert_true(strlen(qg_error_last()) < sizeof(big) - 1);
	qg_error_wrap("%s", big);
	assert_true(strlen(qg_error_last()) < sizeof(big) - 1);
	assert_int_equal(qg_error_code(), QG_EIO);
}

static void test_error_exit_mapping(void **state)
{
	assert_int_equal(qg_exit_for_error(QG_OK), 0);
	assert_int_equal(qg_exit_for_error(5), 0);
	assert_int_equal(qg_exit_for_error(QG_EUSAGE), 2);
	assert_int_equal(qg_exit_for_error(QG_EINPUT), 3);
	assert_int_equal(qg_exit_for_error(QG_ENOMEM), 3);
	assert_int_equal(qg_exit_for_error(QG_ETIMEOUT), 3);
	assert_int_equal(qg_exit_for_error(-1000), 3);
}

static void *other_thread(void *arg)
{
	qg_error(QG_ENET, "thread");
	return NULL;
}

static void test_error_thread_local(void **state)
{
	pthread_t t;

	qg_error(QG_EINPUT, "main");
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, NULL);
	assert_string_equal(qg_error_last(), "main");
	assert_int_equal(qg_error_code(), QG_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_records_and_returns_code),
		cmocka_unit_test(test_error_wrap_prefixes),
		cmocka_unit_test(test_error_long_message_truncated),
		cmocka_unit_test(test_error_exit_mapping),
		cmocka_unit_test(test_error_thread_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
