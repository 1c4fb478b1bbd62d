/* test_dtoa.c -- the shortest round-trip formatter (include/qgate/dtoa.h)
 *
 * Against the definition (the first of "%.1g" .. "%.17g" that reads back)
 * and against the form the reports printed before (integers below 2^53
 * plainly, else the first of "%.15g" .. "%.17g" that reads back), on the
 * values the copies were written around and on many random doubles: random
 * bits, short decimals, integers and powers of ten.
 */
#include "qgate/common.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/dtoa.h"

static void by_definition(char *buf, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, QG_DTOA_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* what json.c, result.c and config.c printed (normal doubles) */
static void reports_before(char *buf, double v)
{
	if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, QG_DTOA_MAX, "%.0f", v == 0 ? 0.0 : v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, QG_DTOA_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void check(double v)
{
	char a[QG_DTOA_MAX], b[QG_DTOA_MAX];
	size_t n;

	if (!isfinite(v))
		return;
	n = qg_dtoa(a, v, 0);
	by_definition(b, v);
	if (strcmp(a, b) || n != strlen(a))
		fail_msg("%a: qg_dtoa '%s', shortest '%s'", v, a, b);
	assert_true(strtod(a, NULL) == v && signbit(strtod(a, NULL)) == signbit(v));
	n = qg_dtoa(a, v, QG_DTOA_PLAIN_INT);
	if (fabs(v) >= DBL_MIN || v == 0) {
		reports_before(b, v);
		if (strcmp(a, b) || n != strlen(a))
			fail_msg("%a: qg_dtoa(PLAIN_INT) '%s', before '%s'", v, a, b);
	}
	assert_true(strtod(a, NULL) == v);
}

static uint64_t rnd(void)
{
	return ((uint64_t)(unsigned)rand() << 62) ^ ((uint64_t)(unsigned)rand() << 31) ^ (uint64_t)(unsigned)rand();
}

static void test_dtoa_shortest(void **state)
{
	static const double edge[] = {
		0.0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1e-5, 1.5e-5, 100000, 1e15, 1e16, 1e17,
		123456789012345678.0, 9007199254740992.0, 9007199254740993.0, 9007199254740991.0, 1e21, 1e22,
		1e23, 1.7976931348623157e308, DBL_MIN, 2.2250738585072009e-308, 4.9406564584124654e-324,
		1e-320, 0.01, 0.951292, -278.110609, 5e-324, 1e300, 123456.5, 0.000123, 1e-4, 1e-7,
		0.30000000000000004, 100, 1000000, 1234567, 120000000000000000000.0,
	};
	char buf[QG_DTOA_MAX];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(edge); i++)
		check(edge[i]);
	/* the forms themselves */
	assert_int_equal(qg_dtoa(buf, 100000, 0), 5);
	assert_string_equal(buf, "1e+05");
	qg_dtoa(buf, 100000, QG_DTOA_PLAIN_INT);
	assert_string_equal(buf, "100000");
	qg_dtoa(buf, -0.0, QG_DTOA_PLAIN_INT);
	assert_string_equal(buf, "0");
	qg_dtoa(buf, -0.0, 0);
	assert_string_equal(buf, "-0");
	qg_dtoa(buf, 0.1, 0);
	assert_string_equal(buf, "0.1");
	qg_dtoa(buf, 0.30000000000000004, 0);
	assert_string_equal(buf, "0.30000000000000004");
	qg_dtoa(buf, 5e-324, 0);
	assert_string_equal(buf, "5e-324");
	qg_dtoa(buf, NAN, 0);
	assert_string_equal(buf, "nan");
	qg_dtoa(buf, -INFINITY, QG_DTOA_PLAIN_INT);
	assert_string_equal(buf, "-inf");
	srand(3);
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = rnd();
		double v;

		memcpy(&v, &bits, sizeof(v));
		check(v);
		/* short decimals and their neighbours, integers, powers of ten */
		v = (double)(rand() % 100000) / pow(10, rand() % 12);
		check(v);
		check(nextafter(v, INFINITY));
		check((double)(rnd() >> (rand() % 64)));
		check(pow(10, rand() % 600 - 300));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtoa_shortest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
