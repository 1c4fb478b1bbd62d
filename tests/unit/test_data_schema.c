/* test_data_schema.c -- Table Schema loader, value parsers, key sets, shard parsing */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/utf8.h"

#include "data/input.h"
#include "data/schema.h"

#ifndef assert_double_equal
#define assert_double_equal(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))
#endif

static int load(struct qg_schema *s, const char *json)
{
	return data_schema_parse(s, json, strlen(json), "s.json");
}

/* Loading fails with QG_EUSAGE and exactly this message. */
static void expect_schema_error(const char *json, const char *msg)
{
	struct qg_schema s;
	int err = load(&s, json);

	assert_int_equal(err, QG_EUSAGE);
	assert_string_equal(qg_error_last(), msg);
}

static void test_data_schema_loads_fields(void **state)
{
	struct qg_schema s;
	const struct qg_schema_field *f;

	(void)state;
	assert_int_equal(load(&s, "{\"fields\": ["
				  "{\"name\": \"id\", \"type\": \"integer\", \"constraints\": {\"required\": true, \"unique\": true, \"minimum\": 1, \"maximum\": 10}},"
				  "{\"name\": \"d\", \"type\": \"date\", \"constraints\": {\"minimum\": \"2020-01-02\"}},"
				  "{\"name\": \"s\", \"constraints\": {\"pattern\": \"a+\", \"enum\": [\"a\", \"aa\"], \"minLength\": 1}},"
				  "{\"name\": \"n\", \"type\": \"number\", \"decimalChar\": \",\", \"constraints\": {\"exclusiveMaximum\": 2.5}}"
				  "], \"primaryKey\": [\"id\", \"d\"], \"missingValues\": [\"\", \"NA\"],"
				  " \"qgate\": {\"minRows\": 3, \"maxRows\": 9, \"header\": \"superset\", \"maxNullFraction\": {\"s\": 0.25}}}"),
			 0);
	assert_int_equal(s.nr_fields, 4);
	f = &s.fields[0];
	assert_string_equal(f->name, "id");
	assert_int_equal(f->type, QG_TYPE_INTEGER);
	assert_int_equal(f->constraints, QG_C_REQUIRED | QG_C_UNIQUE | QG_C_MINIMUM | QG_C_MAXIMUM);
	assert_int_equal(f->imin, 1);
	assert_int_equal(f->imax, 10);
	assert_true(f->primary_key);
	assert_double_equal(s.fields[1].dmin, 18263.0, 0); /* days from 1970-01-01 to 2020-01-02 */
	assert_non_null(s.fields[2].re);
	assert_true(qg_strmap_has(&s.fields[2].enum_values, "aa", 2));
	assert_false(qg_strmap_has(&s.fields[2].enum_values, "aaa", 3));
	assert_int_equal(s.fields[3].decimal_char, ',');
	assert_double_equal(s.fields[3].dexmax, 2.5, 0);
	assert_int_equal(s.nr_primary_key, 2);
	assert_int_equal(s.primary_key[1], 1);
	assert_false(s.missing_only_empty);
	assert_true(qg_strmap_has(&s.missing_values, "NA", 2));
	assert_int_equal(s.min_rows, 3);
	assert_int_equal(s.max_rows, 9);
	assert_int_equal(s.fields_match, QG_MATCH_SUBSET); /* qgate's "superset" is the spec's subset */
	assert_double_equal(s.fields[2].max_null_fraction, 0.25, 0);
	assert_true(s.fields[0].max_null_fraction < 0);
	assert_int_equal(data_schema_field_index(&s, "n", 1), 3);
	assert_int_equal(data_schema_field_index(&s, "zz", 2), -1);
	data_schema_release(&s);
}

static void test_data_schema_errors_name_the_pointer(void **state)
{
	(void)state;
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}, "
			    "{\"name\": \"x\", \"type\": \"number\", \"constraints\": {\"minimum\": \"ten\"}}]}",
			    "'s.json': /fields/3/constraints/minimum: expected a number, found \"ten\"");
	expect_schema_error("[]", "'s.json': /: expected a Table Schema object, found []");
	expect_schema_error("{}", "'s.json': /fields: missing: a Table Schema needs a fields array");
	expect_schema_error("{\"fields\": [{\"type\": \"integer\"}]}",
			    "'s.json': /fields/0/name: missing: every field needs a name");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
			    "'s.json': /fields/1/name: duplicate field name (also field 0), found \"a\"");
	expect_schema_error("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"minLength\": -1}}]}",
			    "'s.json': /fields/0/constraints/minLength: expected a non-negative integer, found -1");
	expect_schema_error("{\"fields\": [{\"name\": \"a\", \"type\": \"boolean\", \"constraints\": {\"maximum\": 1}}]}",
			    "'s.json': /fields/0/constraints/maximum: not allowed on type 'boolean'");
	expect_schema_error("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"enum\": [1, \"x\"]}}]}",
			    "'s.json': /fields/0/constraints/enum/1: enum value is not a valid integer, found \"x\"");
	expect_schema_error("{\"fields\": [{\"name\": \"a/b~c\", \"constraints\": {\"unique\": 1}}]}",
			    "'s.json': /fields/0/constraints/unique: expected true or false, found 1");
	expect_schema_error("{\"fields\": [{\"name\": \"a\", \"type\": \"date\", \"format\": \"%Q\"}]}",
			    "'s.json': /fields/0/format: expected default, any, or a pattern using %Y %y %m %d %j %H %I "
			    "%M %S %f %p %b %B %z %%, found \"%Q\"");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"minRows\": 5, \"maxRows\": 2}}",
			    "'s.json': /qgate: minRows 5 is above maxRows 2");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"maxNullFraction\": {\"b\": 0.1}}}",
			    "'s.json': /qgate/maxNullFraction/b: no field named 'b' in /fields");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"maxNullFraction\": {\"a\": 1.5}}}",
			    "'s.json': /qgate/maxNullFraction/a: expected a number between 0 and 1, found 1.5");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"header\": \"loose\"}}",
			    "'s.json': /qgate/header: expected \"exact\", \"subset\" or \"superset\" (better: the "
			    "Table Schema's fieldsMatch), found \"loose\"");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"delimiter\": \"ab\"}}",
			    "'s.json': /dialect/delimiter: expected a single ASCII character, found \"ab\"");
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"primaryKey\": []}",
			    "'s.json': /primaryKey: expected at least one field name, found []");
	/* a JSON pointer escapes '/' and '~' in keys */
	expect_schema_error("{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"maxNullFraction\": {\"x/y~z\": 0.1}}}",
			    "'s.json': /qgate/maxNullFraction/x~1y~0z: no field named 'x/y~z' in /fields");
	{
		struct qg_schema s;
		assert_int_equal(load(&s, "{\"fields\": ["), QG_EUSAGE); /* malformed JSON is exit 2 too */
	}
}

static void test_data_schema_date_formats(void **state)
{
	struct qg_schema s;
	long long ik;
	double dk;

	(void)state;
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"d\", \"type\": \"date\", \"format\": \"%d/%m/%Y\"},"
				  "{\"name\": \"t\", \"type\": \"datetime\", \"format\": \"%Y%m%d %H:%M\"},"
				  "{\"name\": \"b\", \"type\": \"date\", \"format\": \"%d %b %y\"}]}"),
			 0);
	assert_int_equal(data_field_parse(&s.fields[0], "02/01/2020", 10, &ik, &dk), 0);
	assert_double_equal(dk, 18263.0, 0);
	assert_int_equal(data_field_parse(&s.fields[0], "2020-01-02", 10, &ik, &dk), -1);
	assert_int_equal(data_field_parse(&s.fields[0], "31/02/2020", 10, &ik, &dk), -1);
	assert_int_equal(data_field_parse(&s.fields[1], "20200102 01:30", 14, &ik, &dk), 0);
	assert_double_equal(dk, 18263.0 * 86400 + 5400, 0);
	assert_int_equal(data_field_parse(&s.fields[2], "2 Jan 20", 8, &ik, &dk), 0);
	assert_double_equal(dk, 18263.0, 0);
	data_schema_release(&s);
}

static void test_data_value_integers(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(data_value_int("42", 2, 0, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(data_value_int("-007", 4, 0, &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(data_value_int("+5", 2, 0, &v), 0);
	assert_int_equal(data_value_int("9223372036854775807", 19, 0, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(data_value_int("-9223372036854775808", 20, 0, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(data_value_int("9223372036854775808", 19, 0, &v), -1);
	assert_int_equal(data_value_int("", 0, 0, &v), -1);
	assert_int_equal(data_value_int("-", 1, 0, &v), -1);
	assert_int_equal(data_value_int("1.0", 3, 0, &v), -1);
	assert_int_equal(data_value_int(" 1", 2, 0, &v), -1);
	assert_int_equal(data_value_int("1,000", 5, ',', &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(data_value_int(",100", 4, ',', &v), -1);
	assert_int_equal(data_value_int("100,", 4, ',', &v), -1);
}

static void test_data_value_numbers(void **state)
{
	static const char *ok[] = { "0", "-0", "1.5", "-278.110609", ".5", "5.", "1e3", "-2.5E-3", "1e-320",
				    "123456789012345678901234567890", "0.1", "3.141592653589793", "1e22", "1e23" };
	static const char *bad[] = { "", ".", "-", "1e", "1e+", "1.2.3", "abc", "0x10", "1 ", " 1", "1e400", "infinity",
				     "nann", "-nan", "--1", "1-" };
	double d;

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(ok); i++) {
		assert_int_equal(data_value_number(ok[i], strlen(ok[i]), '.', 0, &d), 0);
		/* correctly rounded: the same double as strtod */
		assert_true(d == strtod(ok[i], NULL));
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++)
		assert_int_equal(data_value_number(bad[i], strlen(bad[i]), '.', 0, &d), -1);
	assert_int_equal(data_value_number("NaN", 3, '.', 0, &d), 0);
	assert_true(isnan(d));
	assert_int_equal(data_value_number("-INF", 4, '.', 0, &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(data_value_number("1.234,5", 7, ',', '.', &d), 0);
	assert_double_equal(d, 1234.5, 0);
	assert_int_equal(data_value_number("1,5", 3, '.', 0, &d), -1);
	/* a random sweep against strtod */
	for (unsigned i = 0; i < 20000; i++) {
		char buf[64];
		unsigned long long r = (unsigned long long)i * 2654435761ull;
		snprintf(buf, sizeof(buf), "%s%llu.%0*llu", i & 1 ? "-" : "", r % 100000, (int)(i % 9) + 1,
			 (r >> 7) % 1000000000ull % (unsigned long long)pow(10, (i % 9) + 1));
		assert_int_equal(data_value_number(buf, strlen(buf), '.', 0, &d), 0);
		assert_true(d == strtod(buf, NULL));
	}
}

static void test_data_value_dates_times(void **state)
{
	long long days;
	double s;

	(void)state;
	assert_int_equal(data_value_date("1970-01-01", 10, &days), 0);
	assert_int_equal(days, 0);
	assert_int_equal(data_value_date("2000-02-29", 10, &days), 0);
	assert_int_equal(days, 11016);
	assert_int_equal(data_value_date("1900-02-29", 10, &days), -1);
	assert_int_equal(data_value_date("2021-13-01", 10, &days), -1);
	assert_int_equal(data_value_date("2021-1-01", 9, &days), -1);
	assert_int_equal(data_value_date("2021/01/01", 10, &days), -1);
	assert_int_equal(data_value_datetime("1970-01-01T00:00:01Z", 20, 1, &s), 0);
	assert_double_equal(s, 1, 0);
	assert_int_equal(data_value_datetime("1970-01-01T02:00:00+02:00", 25, 1, &s), 0);
	assert_double_equal(s, 0, 0);
	assert_int_equal(data_value_datetime("1970-01-01T00:00:00.25", 22, 1, &s), 0);
	assert_double_equal(s, 0.25, 0);
	assert_int_equal(data_value_datetime("1970-01-01 00:00:00", 19, 1, &s), -1);
	assert_int_equal(data_value_datetime("1970-01-01 00:00", 16, 0, &s), 0);
	assert_int_equal(data_value_datetime("1970-01-01T25:00:00", 19, 1, &s), -1);
	assert_int_equal(data_value_time("23:59:59", 8, &s), 0);
	assert_double_equal(s, 86399, 0);
	assert_int_equal(data_value_time("24:00:01", 8, &s), -1);
	assert_int_equal(data_value_time("12:60:00", 8, &s), -1);
	assert_int_equal(data_value_year("2021", 4, &days), 0);
	assert_int_equal(data_value_year("20211", 5, &days), -1);
}

static void test_data_value_formats_and_utf8(void **state)
{
	size_t chars;

	(void)state;
	assert_int_equal(data_value_email("a.b+c@example.com", 17), 0);
	assert_int_equal(data_value_email("a@b", 3), -1);
	assert_int_equal(data_value_email("@b.com", 6), -1);
	assert_int_equal(data_value_email("a b@c.com", 9), -1);
	assert_int_equal(data_value_email("a@b..com", 8), -1);
	assert_int_equal(data_value_email("a@@b.com", 8), -1);
	assert_int_equal(data_value_uri("https://x.org/a?b=c", 19), 0);
	assert_int_equal(data_value_uri("urn:isbn:123", 12), 0);
	assert_int_equal(data_value_uri("no scheme", 9), -1);
	assert_int_equal(data_value_uri("1http://x", 9), -1);
	assert_int_equal(data_value_uuid("123e4567-e89b-12d3-a456-426614174000", 36), 0);
	assert_int_equal(data_value_uuid("123e4567e89b-12d3-a456-426614174000-", 36), -1);
	assert_int_equal(data_value_uuid("123e4567-e89b-12d3-a456-42661417400g", 36), -1);
	assert_int_equal(qg_utf8_check("h\xc3\xa9llo w\xe2\x82\xac", 11, &chars), 0);
	assert_int_equal(chars, 8);
	assert_int_equal(qg_utf8_check("abcdefghijklmnopqrstuvwxyz", 26, &chars), 0);
	assert_int_equal(chars, 26);
	assert_int_equal(qg_utf8_check("a\xff", 2, &chars), -1);
	assert_int_equal(qg_utf8_check("abcdefgh\0ijk", 12, &chars), -2);
	assert_int_equal(qg_utf8_check("\xc0\x80", 2, &chars), -1);          /* overlong NUL */
	assert_int_equal(qg_utf8_check("\xed\xa0\x80", 3, &chars), -1);      /* surrogate */
	assert_int_equal(qg_utf8_check("\xf4\x90\x80\x80", 4, &chars), -1);  /* > U+10FFFF */
	assert_int_equal(qg_utf8_check("\xe2\x82", 2, &chars), -1);          /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_schema_loads_fields),
		cmocka_unit_test(test_data_schema_errors_name_the_pointer),
		cmocka_unit_test(test_data_schema_date_formats),
		cmocka_unit_test(test_data_value_integers),
		cmocka_unit_test(test_data_value_numbers),
		cmocka_unit_test(test_data_value_dates_times),
		cmocka_unit_test(test_data_value_formats_and_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
