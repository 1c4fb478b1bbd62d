/* test_data_schema_keys.c -- the Table Schema reader ignores nothing: known
 * and unknown keys, the per-type table, v2 keys and relations (issue 12) */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "data/schema.h"

static int load(struct qg_schema *s, const char *json, unsigned flags)
{
	return data_schema_parse_flags(s, json, strlen(json), "s.json", flags);
}

static void expect_error(const char *json, const char *msg)
{
	struct qg_schema s;

	assert_int_equal(load(&s, json, 0), QG_EUSAGE);
	assert_string_equal(qg_error_last(), msg);
}

static void test_data_schema_keys_unknown_did_you_mean(void **state)
{
	(void)state;
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"primarykey\": \"a\"}",
		     "'s.json': /primarykey: unknown key (did you mean 'primaryKey'?)");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"minRows\": 1}",
		     "'s.json': /minRows: unknown key (qgate's own options go under \"qgate\": {\"minRows\": ...})");
	expect_error("{\"fields\": [{\"name\": \"a\", \"constraint\": {}}]}",
		     "'s.json': /fields/0/constraint: unknown field key (did you mean 'constraints'?)");
	expect_error("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"Required\": true}}]}",
		     "'s.json': /fields/0/constraints/Required: unknown constraint (did you mean 'required'?)");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"quotechar\": \"\\\"\"}}",
		     "'s.json': /dialect/quotechar: unknown dialect key (did you mean 'quoteChar'?)");
	expect_error("{\"fields\": [{\"name\": \"a\", \"qgate\": {\"maxNullFractions\": 0.1}}]}",
		     "'s.json': /fields/0/qgate/maxNullFractions: unknown qgate field option (did you mean "
		     "'maxNullFraction'?)");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"zzzzzz\": 1}",
		     "'s.json': /zzzzzz: unknown key (see the keys qgate-data(1) lists)");
}

static void test_data_schema_keys_allow_unknown(void **state)
{
	struct qg_schema s;
	const char *j = "{\"fields\": [{\"name\": \"a\", \"x-unit\": \"kg\"}], \"x-owner\": \"me\"}";

	(void)state;
	assert_int_equal(load(&s, j, 0), QG_EUSAGE);
	assert_int_equal(load(&s, j, DATA_SCHEMA_ALLOW_UNKNOWN), 0);
	data_schema_release(&s);
	/* constraints stay strict: a typo there switches a check off */
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\", \"constraints\": {\"maximun\": 1}}]}",
			      DATA_SCHEMA_ALLOW_UNKNOWN), QG_EUSAGE);
	/* descriptive keys are known without the flag */
	assert_int_equal(load(&s, "{\"$schema\": \"x\", \"name\": \"t\", \"title\": \"T\", \"description\": \"d\", "
				  "\"profile\": \"tabular-data-resource\", \"fields\": [{\"name\": \"a\", \"title\": \"A\", "
				  "\"description\": \"d\", \"example\": \"e\", \"rdfType\": \"http://x\"}]}", 0),
			 0);
	data_schema_release(&s);
}

/* The table's constraint masks follow the spec. */
static void test_data_schema_keys_type_table(void **state)
{
	const struct data_type_info *t;

	(void)state;
	for (size_t i = 0; i < data_nr_types; i++) {
		assert_non_null(data_type_info_find(data_types[i].name));
		assert_true(data_types[i].constraints & QG_C_REQUIRED);
		assert_true(data_types[i].constraints & QG_C_ENUM);
	}
	assert_non_null(t = data_type_info_find("any"));
	assert_false(t->constraints & (QG_C_MINLENGTH | QG_C_PATTERN | QG_C_MINIMUM));
	assert_non_null(t = data_type_info_find("integer"));
	assert_false(t->constraints & (QG_C_PATTERN | QG_C_MINLENGTH));
	assert_true(t->constraints & QG_C_EXMAXIMUM);
	assert_non_null(t = data_type_info_find("string"));
	assert_true(t->constraints & QG_C_PATTERN);
	assert_false(t->constraints & QG_C_MAXIMUM);
	assert_null(data_type_info_find("strng"));
	assert_string_equal(data_field_type_name(QG_TYPE_BOOLEAN), "boolean");
	expect_error("{\"fields\": [{\"name\": \"a\", \"type\": \"any\", \"constraints\": {\"minLength\": 1}}]}",
		     "'s.json': /fields/0/constraints/minLength: not allowed on type 'any'");
	expect_error("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\", \"constraints\": {\"pattern\": \"1\"}}]}",
		     "'s.json': /fields/0/constraints/pattern: not allowed on type 'integer'");
	expect_error("{\"fields\": [{\"name\": \"a\", \"type\": \"string\", \"decimalChar\": \",\"}]}",
		     "'s.json': /fields/0/decimalChar: not allowed on type 'string' (decimalChar applies to number fields)");
	expect_error("{\"fields\": [{\"name\": \"a\", \"type\": \"number\", \"format\": \"any\"}]}",
		     "'s.json': /fields/0/format: not a format of type 'number' (expected default), found \"any\"");
	expect_error("{\"fields\": [{\"name\": \"a\", \"type\": \"geopoint\", \"format\": \"list\"}]}",
		     "'s.json': /fields/0/format: not a format of type 'geopoint' (expected default, array, object), "
		     "found \"list\"");
}

static void test_data_schema_keys_dialect(void **state)
{
	struct qg_schema s;

	(void)state;
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"delimiter\": \";\", \"header\": true, "
				  "\"headerRows\": [1], \"lineTerminator\": \"\\n\", \"caseSensitiveHeader\": true}}", 0),
			 0);
	assert_int_equal(s.delimiter, ';');
	assert_int_equal(s.no_header, 0);
	data_schema_release(&s);
	/* header false (or v2 headerRows []): the fields' names are the columns */
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"dialect\": {\"header\": false}}", 0),
			 0);
	assert_int_equal(s.no_header, 1);
	assert_string_equal(s.field_names[0], "a");
	assert_string_equal(s.field_names[1], "b");
	data_schema_release(&s);
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"headerRows\": []}}", 0), 0);
	assert_int_equal(s.no_header, 1);
	data_schema_release(&s);
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"header\": true, \"headerRows\": []}}",
		     "'s.json': /dialect/headerRows: [] (no header row) contradicts /dialect/header true, found []");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"header\": \"no\"}}",
		     "'s.json': /dialect/header: expected true or false, found \"no\"");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"headerRows\": [1, 2]}}",
		     "'s.json': /dialect/headerRows: not supported: the CSV reader takes one header row, [1], or none, [], "
		     "found [1,2]");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"dialect\": {\"nullSequence\": \"NA\"}}",
		     "'s.json': /dialect/nullSequence: not supported by qgate's reader (refused rather than ignored)");
}

static void test_data_schema_keys_fields_match(void **state)
{
	struct qg_schema s;
	static const char *const modes[] = { "exact", "equal", "subset", "superset", "partial" };
	char buf[128];

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "{\"fields\": [{\"name\": \"a\"}], \"fieldsMatch\": \"%s\"}", modes[i]);
		assert_int_equal(load(&s, buf, 0), 0);
		assert_int_equal(s.fields_match, (int)i);
		assert_string_equal(data_fields_match_name(s.fields_match), modes[i]);
		data_schema_release(&s);
	}
	/* qgate's header is mapped the other way round */
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\"}], \"qgate\": {\"header\": \"subset\"}}", 0), 0);
	assert_int_equal(s.fields_match, QG_MATCH_SUPERSET);
	data_schema_release(&s);
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\"}], \"fieldsMatch\": \"subset\", "
				  "\"qgate\": {\"header\": \"superset\"}}", 0), 0);
	assert_int_equal(s.fields_match, QG_MATCH_SUBSET);
	data_schema_release(&s);
}

static void test_data_schema_keys_relations(void **state)
{
	struct qg_schema s;

	(void)state;
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"id\"}, {\"name\": \"parent\"}, {\"name\": \"c\"}], "
				  "\"uniqueKeys\": [[\"id\"], [\"parent\", \"c\"]], "
				  "\"foreignKeys\": [{\"fields\": \"parent\", \"reference\": {\"resource\": \"\", \"fields\": \"id\"}}, "
				  "{\"fields\": [\"c\", \"id\"], \"reference\": {\"resource\": \"other\", \"fields\": [\"x\", \"y\"]}}, "
				  "{\"fields\": \"parent\", \"reference\": {\"fields\": \"id\"}}]}", 0),
			 0);
	assert_int_equal(s.nr_unique_keys, 2);
	assert_int_equal(s.unique_keys[0].nr, 1);
	assert_int_equal(s.unique_keys[0].fields[0], 0);
	assert_int_equal(s.unique_keys[1].nr, 2);
	assert_int_equal(s.unique_keys[1].fields[1], 2);
	assert_int_equal(s.nr_foreign_keys, 3);
	assert_null(s.foreign_keys[0].resource); /* "" is this table */
	assert_int_equal(s.foreign_keys[0].fields[0], 1);
	assert_int_equal(s.foreign_keys[0].ref_index[0], 0);
	assert_string_equal(s.foreign_keys[1].resource, "other");
	assert_int_equal(s.foreign_keys[1].nr, 2);
	assert_string_equal(s.foreign_keys[1].ref_fields[1], "y");
	assert_int_equal(s.foreign_keys[1].ref_index[1], -1);
	assert_null(s.foreign_keys[2].resource); /* v2: no resource is this table */
	data_schema_release(&s);
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"uniqueKeys\": [\"a\"]}",
		     "'s.json': /uniqueKeys/0: expected an array of field names, found \"a\"");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"foreignKeys\": [{\"fields\": \"a\", \"reference\": {\"resource\": \"\", "
		     "\"fields\": \"b\"}}]}",
		     "'s.json': /foreignKeys/0/reference/fields: no such field in /fields (a reference without a "
		     "resource is to this table), found \"b\"");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"foreignKeys\": [{\"fields\": \"a\", \"reference\": {\"resource\": \"r\", "
		     "\"field\": \"b\"}}]}",
		     "'s.json': /foreignKeys/0/reference/field: unknown reference property (did you mean 'fields'?)");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"foreignKeys\": [{\"fields\": \"a\"}]}",
		     "'s.json': /foreignKeys/0: missing: a foreign key needs a reference");
}

static void test_data_schema_keys_v2_values(void **state)
{
	struct qg_schema s;

	(void)state;
	assert_int_equal(load(&s, "{\"fields\": [{\"name\": \"a\", \"missingValues\": [{\"value\": \"-\", \"label\": \"none\"}]}, "
				  "{\"name\": \"n\", \"type\": \"integer\", \"categories\": [1, {\"value\": 2, \"label\": \"two\"}], "
				  "\"categoriesOrdered\": true}, "
				  "{\"name\": \"s\", \"categories\": [\"x\", {\"value\": \"y\"}]}], "
				  "\"missingValues\": [\"\", {\"value\": \"NA\", \"label\": \"not asked\"}]}", 0),
			 0);
	assert_true(qg_strmap_has(&s.missing_values, "NA", 2));
	assert_true(qg_strmap_has(&s.fields[0].missing_values, "-", 1));
	assert_true(s.fields[1].has_categories);
	assert_true(s.fields[1].categories_ordered);
	assert_true(qg_strmap_has(&s.fields[1].categories, "2", 1));
	assert_true(qg_strmap_has(&s.fields[2].categories, "y", 1));
	assert_false(qg_strmap_has(&s.fields[2].categories, "z", 1));
	data_schema_release(&s);
	expect_error("{\"fields\": [{\"name\": \"n\", \"type\": \"integer\", \"categories\": [\"x\"]}]}",
		     "'s.json': /fields/0/categories/0: expected an integer category value, found \"x\"");
	expect_error("{\"fields\": [{\"name\": \"n\", \"type\": \"number\", \"categories\": [1]}]}",
		     "'s.json': /fields/0/categories: not allowed on type 'number' (categories applies to string, "
		     "integer fields)");
	expect_error("{\"fields\": [{\"name\": \"a\"}], \"missingValues\": [{\"value\": \"x\", \"lable\": \"y\"}]}",
		     "'s.json': /missingValues/0/lable: unknown missing value property (did you mean 'label'?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_schema_keys_unknown_did_you_mean),
		cmocka_unit_test(test_data_schema_keys_allow_unknown),
		cmocka_unit_test(test_data_schema_keys_type_table),
		cmocka_unit_test(test_data_schema_keys_dialect),
		cmocka_unit_test(test_data_schema_keys_fields_match),
		cmocka_unit_test(test_data_schema_keys_relations),
		cmocka_unit_test(test_data_schema_keys_v2_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
