/* test_calc.c -- cmocka tests of calc.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "calc.h"

static void clamp_inside(void **state)
{
	(void)state;
	assert_int_equal(calc_clamp(5, 0, 10), 5);
}

static void clamp_edges(void **state)
{
	(void)state;
	assert_int_equal(calc_clamp(-3, 0, 10), 0);
	assert_int_equal(calc_clamp(30, 0, 10), 10);
}

static void gcd_basic(void **state)
{
	(void)state;
	assert_int_equal(calc_gcd(12, 18), 6);
	assert_int_equal(calc_gcd(-4, 6), 2);
	assert_int_equal(calc_gcd(7, 0), 7);
}

static void parse_numbers(void **state)
{
	long v = 0;

	(void)state;
	assert_int_equal(calc_parse("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(calc_parse("4x", &v), -1);
	assert_int_equal(calc_parse("", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clamp_inside),
		cmocka_unit_test(clamp_edges),
		cmocka_unit_test(gcd_basic),
		cmocka_unit_test(parse_numbers),
	};

	return cmocka_run_group_tests_name("calc", tests, NULL, NULL);
}
