/* test_decimal.c -- the one decimal parser (include/qgate/decimal.h)
 *
 * The reference is a strict grammar check written out here plus glibc's
 * correctly rounded strtod: every answer must match it bit for bit (-0.0
 * included), on the edge cases the four former copies (schema values,
 * profile, predictions, the validator's word-at-a-time acceptor) were
 * written around and on random texts.
 */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/decimal.h"
#include "qgate/table.h"

/* [+-]digits[.digits][(e|E)[+-]digits], a digit in the mantissa */
static int ref_syntax(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (!d)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			e++;
		if (!e)
			return 0;
	}
	return i == n;
}

static int ref_parse(const char *s, size_t n, double *out)
{
	char buf[512];

	if (n >= sizeof(buf) || !ref_syntax(s, n))
		return QG_DECIMAL_SYNTAX;
	memcpy(buf, s, n);
	buf[n] = 0;
	*out = strtod(buf, NULL);
	return isinf(*out) ? QG_DECIMAL_RANGE : QG_DECIMAL_OK;
}

static void check(const char *s, size_t n)
{
	double a = 12345, b = 12345, c = 12345;
	int ra = qg_decimal_parse(s, n, &a), rb = ref_parse(s, n, &b);
	int rc = qg_decimal_parse_sep(s, n, '.', 0, &c);

	if (ra != rb || (ra != QG_DECIMAL_SYNTAX && memcmp(&a, &b, sizeof(a))))
		fail_msg("'%.*s': parse %d %.17g, reference %d %.17g", (int)n, s, ra, a, rb, b);
	if (rc != ra || memcmp(&a, &c, sizeof(a)))
		fail_msg("'%.*s': parse_sep('.', 0) %d %.17g, parse %d %.17g", (int)n, s, rc, c, ra, a);
	if (ra == QG_DECIMAL_SYNTAX)
		assert_true(a == 12345); /* untouched */
}

static void test_decimal_parse_edges(void **state)
{
	static const char *cases[] = {
		/* the forms the copies agreed on and those they were written around */
		"0", "-0", "+0", "-0.0", "1.", ".5", "+.5", "-.5", "5.e3", ".e3", ".", "", "-", "+", "+-1",
		"e5", "1e", "1e+", "1e-", "1E5", "1e-5", " 1", "1 ", "0x10", "1.2.3", "1e5e5", "12x", "1,5",
		"nan", "NaN", "inf", "INF", "-INF", "infinity",
		/* Clinger's edges: 2^53, 2^53 + 1, 10^22, 10^23, 19 and 20 digits */
		"9007199254740992", "9007199254740993", "9007199254740992.5", "1e22", "1e23", "1.5e-22",
		"1234567890123456789", "12345678901234567890", "0.1234567890123456789", "0.00000000000000000000001",
		"123456789012345678901234567890", "-0.000000000000000000000000000000000000123",
		/* range: overflow is +-infinity, underflow a value */
		"1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "-1e400", "1e-400",
		"4.9e-324", "2.4703282292062328e-324", "0e999999999", "-0e-999999999", "1e000000000000000000001",
		"1e99999999999999999999", "0.000000000000000000000000000001e30",
	};
	double d;

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
		check(cases[i], strlen(cases[i]));
	/* the values themselves, not only agreement with strtod */
	assert_int_equal(qg_decimal_parse("-0", 2, &d), QG_DECIMAL_OK);
	assert_true(d == 0 && signbit(d));
	assert_int_equal(qg_decimal_parse("1e309", 5, &d), QG_DECIMAL_RANGE);
	assert_true(isinf(d) && d > 0);
	assert_int_equal(qg_decimal_parse("-1e400", 6, &d), QG_DECIMAL_RANGE);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(qg_decimal_parse("4.9e-324", 8, &d), QG_DECIMAL_OK);
	assert_true(d > 0 && d < 1e-320);
	assert_int_equal(qg_decimal_parse("0.1", 3, &d), QG_DECIMAL_OK);
	assert_true(d == 0.1);
	/* (ptr, len): the bytes after len are not read as part of the number */
	assert_int_equal(qg_decimal_parse("12e5", 2, &d), QG_DECIMAL_OK);
	assert_true(d == 12);
	assert_int_equal(qg_decimal_parse("1.5", 1, &d), QG_DECIMAL_OK);
	assert_true(d == 1);
}

static size_t random_text(char *buf, size_t max, const char *alphabet)
{
	size_t n = (size_t)rand() % (max + 1), k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[(size_t)rand() % k];
	return n;
}

static void test_decimal_parse_random(void **state)
{
	char buf[64];

	(void)state;
	srand(10);
	for (int i = 0; i < 200000; i++)
		check(buf, random_text(buf, 12, "0123456789.-+eE"));
	/* long mantissas and exponents: the slow path */
	for (int i = 0; i < 100000; i++) {
		size_t n = random_text(buf, 30, "0123456789");
		int len = (int)n;

		len += snprintf(buf + n, sizeof(buf) - n, "%s%de%d", rand() % 2 ? "." : "", rand() % 1000,
				rand() % 700 - 350);
		check(buf, (size_t)len);
	}
}

/* Another decimal character and a group character: only the schema's
 * decimalChar/groupChar use them. */
static void test_decimal_parse_sep(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(qg_decimal_parse_sep("1.234,5", 7, ',', '.', &d), QG_DECIMAL_OK);
	assert_true(d == 1234.5);
	assert_int_equal(qg_decimal_parse_sep("1.234.567,25e2", 14, ',', '.', &d), QG_DECIMAL_OK);
	assert_true(d == 123456725);
	assert_int_equal(qg_decimal_parse_sep("-0,1", 4, ',', 0, &d), QG_DECIMAL_OK);
	assert_true(d == -0.1);
	assert_int_equal(qg_decimal_parse_sep("1 000", 5, '.', ' ', &d), QG_DECIMAL_OK);
	assert_true(d == 1000);
	/* a '.' that is neither character; a group not between two digits of
	 * the integer part */
	assert_int_equal(qg_decimal_parse_sep("1.5", 3, ',', 0, &d), QG_DECIMAL_SYNTAX);
	assert_int_equal(qg_decimal_parse_sep(".234", 4, ',', '.', &d), QG_DECIMAL_SYNTAX);
	assert_int_equal(qg_decimal_parse_sep("1.", 2, ',', '.', &d), QG_DECIMAL_SYNTAX);
	assert_int_equal(qg_decimal_parse_sep("1..2", 4, ',', '.', &d), QG_DECIMAL_SYNTAX);
	assert_int_equal(qg_decimal_parse_sep("1,2.3", 5, ',', '.', &d), QG_DECIMAL_SYNTAX);
	/* long literals through strtod, translated */
	assert_int_equal(qg_decimal_parse_sep("1.234.567.890.123.456.789.012,5", 31, ',', '.', &d), QG_DECIMAL_OK);
	assert_true(d == 1234567890123456789012.5);
	assert_int_equal(qg_decimal_parse_sep("1e400", 5, ',', '.', &d), QG_DECIMAL_RANGE);
}

/* The word-at-a-time acceptors give qg_decimal_parse()'s value wherever
 * they accept, whatever bytes follow the text. */
static void test_decimal_swar_agrees(void **state)
{
	char buf[64 + QG_TABLE_PAD];

	(void)state;
	srand(11);
	for (int i = 0; i < 200000; i++) {
		size_t n = random_text(buf, 20, "0123456789.-+");
		uint64_t m;
		unsigned f, neg;
		double a, b;

		for (size_t k = 0; k < QG_TABLE_PAD; k++)
			buf[n + k] = "9.-e"[rand() % 4];
		if (qg_decimal_sse(buf, n, &m, &f, &neg)) {
			a = qg_decimal_value(m, f, neg);
			assert_int_equal(qg_decimal_parse(buf, n, &b), QG_DECIMAL_OK);
			assert_memory_equal(&a, &b, sizeof(a));
		}
		if (qg_decimal_swar_number(buf, n, &a)) {
			assert_int_equal(qg_decimal_parse(buf, n, &b), QG_DECIMAL_OK);
			assert_memory_equal(&a, &b, sizeof(a));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_parse_edges),
		cmocka_unit_test(test_decimal_parse_random),
		cmocka_unit_test(test_decimal_parse_sep),
		cmocka_unit_test(test_decimal_swar_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
