/* test_strvec.c -- NULL-terminated string vectors */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_strvec_empty_is_terminated(void **state)
{
	struct qg_strvec sv = QG_STRVEC_INIT;

	assert_non_null(sv.v);
	assert_null(sv.v[0]);
	qg_strvec_pop(&sv); /* no-op */
	qg_strvec_clear(&sv);
	qg_strvec_clear(NULL);
	assert_int_equal(sv.nr, 0);
}

static void test_strvec_push_copies(void **state)
{
	struct qg_strvec sv = QG_STRVEC_INIT;
	char word[] = "git";
	const char *more[] = { "b", "c", NULL };

	assert_int_equal(qg_strvec_push(&sv, word), 0);
	word[0] = 'X'; /* the vector owns a copy */
	assert_string_equal(sv.v[0], "git");
	assert_int_equal(qg_strvec_pushf(&sv, "--n=%d", 7), 0);
	assert_int_equal(qg_strvec_pushv(&sv, more), 0);
	assert_int_equal(sv.nr, 4);
	assert_string_equal(sv.v[1], "--n=7");
	assert_string_equal(sv.v[3], "c");
	assert_null(sv.v[4]);
	qg_strvec_pop(&sv);
	assert_int_equal(sv.nr, 3);
	assert_null(sv.v[3]);
	qg_strvec_clear(&sv);
	assert_int_equal(sv.nr, 0);
	assert_null(sv.v[0]);
}

static void test_strvec_many(void **state)
{
	struct qg_strvec sv = QG_STRVEC_INIT;

	for (int i = 0; i < 1000; i++)
		assert_int_equal(qg_strvec_pushf(&sv, "%d", i), 0);
	assert_int_equal(sv.nr, 1000);
	assert_string_equal(sv.v[999], "999");
	assert_null(sv.v[1000]);
	qg_strvec_clear(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strvec_empty_is_terminated),
		cmocka_unit_test(test_strvec_push_copies),
		cmocka_unit_test(test_strvec_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
