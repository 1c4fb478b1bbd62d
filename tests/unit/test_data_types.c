/* test_data_types.c -- the Table Schema types beyond the scalars (types.h)
 * and the XSD time/datetime rules, NaN/INF spellings, bareNumber, binary
 *
 * Cases follow the spec text and frictionless-py's tests/fields/test_*.py;
 * where the two differ the spec wins (docs/qgate-data.1, TYPES).
 */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "data/schema.h"
#include "data/types.h"

#define S(lit) lit, sizeof(lit) - 1

static void test_data_types_time_is_xsd(void **state)
{
	double t;

	(void)state;
	assert_int_equal(data_value_time(S("06:00:00"), &t), 0);
	assert_true(t == 6 * 3600.0);
	assert_int_equal(data_value_time(S("06:00:00+01:00"), &t), 0);
	assert_true(t == 5 * 3600.0);
	assert_int_equal(data_value_time(S("06:00:00-01:30"), &t), 0);
	assert_true(t == 7.5 * 3600.0);
	assert_int_equal(data_value_time(S("06:00:00Z"), &t), 0);
	assert_int_equal(data_value_time(S("06:00:00.125Z"), &t), 0);
	assert_true(t == 6 * 3600.0 + 0.125);
	assert_int_equal(data_value_time(S("24:00:00"), &t), 0);
	/* not XSD times */
	assert_int_equal(data_value_time(S("09:00"), &t), -1);
	assert_int_equal(data_value_time(S("9:00:00"), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00,5"), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00+0100"), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00+01"), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00+15:00"), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00."), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00 "), &t), -1);
	assert_int_equal(data_value_time(S("06:00:00ZZ"), &t), -1);
	/* format any: the seconds may be left out, loose offsets */
	assert_int_equal(data_value_time_fmt(S("09:00"), 0, &t), 0);
	assert_true(t == 9 * 3600.0);
	assert_int_equal(data_value_time_fmt(S("09:00+0100"), 0, &t), 0);
	assert_int_equal(data_value_time_fmt(S("09:00:00,5"), 0, &t), 0);
	assert_int_equal(data_value_time_fmt(S("9:00"), 0, &t), -1);
}

static void test_data_types_datetime_is_xsd(void **state)
{
	double t;

	(void)state;
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+14:00"), 1, &t), 0);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00-05:00"), 1, &t), 0);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00.5Z"), 1, &t), 0);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+0500"), 1, &t), -1);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+05"), 1, &t), -1);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+14:30"), 1, &t), -1);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00"), 1, &t), -1);
	assert_int_equal(data_value_datetime(S("2020-02-30T10:00:00"), 1, &t), -1);
	/* any */
	assert_int_equal(data_value_datetime(S("2020-01-01 10:00"), 0, &t), 0);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+0500"), 0, &t), 0);
	assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+05"), 0, &t), 0);
	/* the same instant in two zones */
	{
		double a, b;
		assert_int_equal(data_value_datetime(S("2020-01-01T10:00:00+02:00"), 1, &a), 0);
		assert_int_equal(data_value_datetime(S("2020-01-01T08:00:00Z"), 1, &b), 0);
		assert_true(a == b);
	}
}

static void test_data_types_number_special_values(void **state)
{
	double d;

	(void)state;
	assert_int_equal(data_value_number(S("NaN"), '.', 0, &d), 0);
	assert_true(isnan(d));
	assert_int_equal(data_value_number(S("nan"), '.', 0, &d), 0);
	assert_int_equal(data_value_number(S("NAN"), '.', 0, &d), 0);
	assert_int_equal(data_value_number(S("inf"), '.', 0, &d), 0);
	assert_true(isinf(d) && d > 0);
	assert_int_equal(data_value_number(S("-Inf"), '.', 0, &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(data_value_number(S("INF"), '.', 0, &d), 0);
	assert_int_equal(data_value_number(S("infinity"), '.', 0, &d), -1);
	assert_int_equal(data_value_number(S("NaNa"), '.', 0, &d), -1);
	assert_int_equal(data_value_number(S("-NaN"), '.', 0, &d), -1);
}

static int bare(const char *s, size_t n, double *d)
{
	data_value_strip_bare(&s, &n, '.');
	return data_value_number(s, n, '.', 0, d);
}

static void test_data_types_bare_number(void **state)
{
	double d;
	const char *s = "\xe2\x82\xac" "95";
	size_t n = strlen(s);

	(void)state;
	assert_int_equal(bare(s, n, &d), 0);
	assert_true(d == 95);
	assert_int_equal(bare(S("95%"), &d), 0);
	assert_true(d == 95);
	assert_int_equal(bare(S("EUR -95.5"), &d), 0);
	assert_true(d == -95.5);
	assert_int_equal(bare(S("$ 1.5 per unit"), &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(bare(S("-INF"), &d), 0);
	assert_true(isinf(d));
	assert_int_equal(bare(S("nan"), &d), 0);
	assert_int_equal(bare(S("no number"), &d), -1);
	assert_int_equal(bare(S("9 5"), &d), -1);
}

static void test_data_types_yearmonth(void **state)
{
	long long m;

	(void)state;
	assert_int_equal(data_value_yearmonth(S("2020-01"), &m), 0);
	assert_true(m == 2020 * 12);
	assert_int_equal(data_value_yearmonth(S("2020-12"), &m), 0);
	assert_int_equal(data_value_yearmonth(S("2020-13"), &m), -1);
	assert_int_equal(data_value_yearmonth(S("2020-00"), &m), -1);
	assert_int_equal(data_value_yearmonth(S("2020-1"), &m), -1);
	assert_int_equal(data_value_yearmonth(S("202001"), &m), -1);
	assert_int_equal(data_value_yearmonth(S("2020-01-01"), &m), -1);
}

static void test_data_types_duration(void **state)
{
	static const char *const good[] = {
		"P1Y", "P1Y2M3DT4H5M6S", "PT1H", "PT0S", "P0D", "P1W", "PT1.5S", "PT1,5S", "P1DT12H",
		"P1Y2M", "PT36H", "-P1D", "P0.5Y", "PT1M0.5S", "P10000Y",
	};
	static const char *const badv[] = {
		"", "P", "PT", "P1DT", "1D", "P1", "PD", "P1D2Y", "PT1H2H", "P1H", "PT1D", "P1W1D",
		"P1.5Y2M", "PT1.5H2M", "P.5Y", "P1.Y", "+P1D", "p1d", "P1d", "P1DT1H ", " P1D", "PT1S1M",
		"P1M2Y", "P1Y1Y", "PTT1H", "P1DTT1H", "P-1D",
	};
	double secs;

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(good); i++)
		if (data_value_duration(good[i], strlen(good[i]), &secs))
			fail_msg("duration '%s' refused", good[i]);
	for (size_t i = 0; i < QG_ARRAY_SIZE(badv); i++)
		if (!data_value_duration(badv[i], strlen(badv[i]), &secs))
			fail_msg("duration '%s' accepted", badv[i]);
	assert_int_equal(data_value_duration(S("PT1H30M"), &secs), 0);
	assert_true(secs == 5400);
	assert_int_equal(data_value_duration(S("-P1D"), &secs), 0);
	assert_true(secs == -86400);
}

static void test_data_types_geopoint(void **state)
{
	double lon, lat;

	(void)state;
	assert_int_equal(data_value_geopoint(S("90, 45"), DATA_GEOPOINT_DEFAULT, &lon, &lat), 0);
	assert_true(lon == 90 && lat == 45);
	assert_int_equal(data_value_geopoint(S("90,45"), DATA_GEOPOINT_DEFAULT, &lon, &lat), 0);
	assert_int_equal(data_value_geopoint(S("-180,-90"), DATA_GEOPOINT_DEFAULT, &lon, &lat), 0);
	assert_int_equal(data_value_geopoint(S("180.5, 45"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("90, 91"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("90"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("90, 45, 3"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("NaN, 45"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("90 ,45"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("[90, 45]"), DATA_GEOPOINT_DEFAULT, &lon, &lat), -1);

	assert_int_equal(data_value_geopoint(S("[90, 45]"), DATA_GEOPOINT_ARRAY, &lon, &lat), 0);
	assert_int_equal(data_value_geopoint(S("[-90.5, 45.25]"), DATA_GEOPOINT_ARRAY, &lon, &lat), 0);
	assert_true(lon == -90.5 && lat == 45.25);
	assert_int_equal(data_value_geopoint(S("[90, 45, 0]"), DATA_GEOPOINT_ARRAY, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("[\"90\", 45]"), DATA_GEOPOINT_ARRAY, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("[200, 45]"), DATA_GEOPOINT_ARRAY, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("90, 45"), DATA_GEOPOINT_ARRAY, &lon, &lat), -1);

	assert_int_equal(data_value_geopoint(S("{\"lon\": 90, \"lat\": 45}"), DATA_GEOPOINT_OBJECT, &lon, &lat), 0);
	assert_int_equal(data_value_geopoint(S("{\"lat\": 45, \"lon\": 90}"), DATA_GEOPOINT_OBJECT, &lon, &lat), 0);
	assert_true(lon == 90 && lat == 45);
	assert_int_equal(data_value_geopoint(S("{\"lon\": 90, \"lat\": 95}"), DATA_GEOPOINT_OBJECT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("{\"lon\": 90}"), DATA_GEOPOINT_OBJECT, &lon, &lat), -1);
	assert_int_equal(data_value_geopoint(S("{\"lon\": 90, \"lat\": 45, \"x\": 1}"), DATA_GEOPOINT_OBJECT, &lon,
					     &lat), -1);
	assert_int_equal(data_value_geopoint(S("{\"lon\": 90, \"lat\": 45"), DATA_GEOPOINT_OBJECT, &lon, &lat), -1);
}

static void test_data_types_geojson(void **state)
{
	static const char *const good[] = {
		"{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}",
		"{\"type\": \"Point\", \"coordinates\": [102.0, 0.5, 10]}",
		"{\"type\": \"MultiPoint\", \"coordinates\": [[1, 2], [3, 4]]}",
		"{\"type\": \"LineString\", \"coordinates\": [[1, 2], [3, 4]]}",
		"{\"type\": \"MultiLineString\", \"coordinates\": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}",
		"{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}",
		"{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}",
		"{\"type\": \"GeometryCollection\", \"geometries\": [{\"type\": \"Point\", \"coordinates\": [1, 2]}]}",
		"{\"type\": \"Feature\", \"geometry\": null, \"properties\": null}",
		"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}, "
		"\"properties\": {\"name\": \"x\"}, \"id\": 7}",
		"{\"type\": \"FeatureCollection\", \"features\": []}",
		"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"geometry\": null, "
		"\"properties\": {}}], \"bbox\": [0, 0, 1, 1]}",
	};
	static const char *const badv[] = {
		"", "null", "[]", "{}", "Point", "{\"type\": \"Point\"}",
		"{\"type\": \"Point\", \"coordinates\": [1]}",
		"{\"type\": \"Point\", \"coordinates\": [\"1\", 2]}",
		"{\"type\": \"point\", \"coordinates\": [1, 2]}",
		"{\"type\": \"LineString\", \"coordinates\": [[1, 2]]}",
		"{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}",
		"{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [0, 0]]]}",
		"{\"type\": \"MultiPolygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}",
		"{\"type\": \"GeometryCollection\", \"geometries\": [{\"type\": \"Feature\", \"geometry\": null, "
		"\"properties\": null}]}",
		"{\"type\": \"Feature\", \"geometry\": null}",
		"{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Point\"}}",
		"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Point\", \"coordinates\": [1, 2]}]}",
		"{\"type\": \"Point\", \"coordinates\": [1, 2], \"bbox\": [0, 0, 1]}",
		"{\"type\": \"Point\", \"coordinates\": [1, 2]} x",
		"{\"type\": \"Point\", \"type\": \"Point\", \"coordinates\": [1, 2]}",
	};

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(good); i++)
		if (data_value_geojson(good[i], strlen(good[i]), 0))
			fail_msg("geojson '%s' refused", good[i]);
	for (size_t i = 0; i < QG_ARRAY_SIZE(badv); i++)
		if (!data_value_geojson(badv[i], strlen(badv[i]), 0))
			fail_msg("geojson '%s' accepted", badv[i]);
}

static void test_data_types_topojson(void **state)
{
	static const char *const good[] = {
		"{\"type\": \"Topology\", \"objects\": {}, \"arcs\": []}",
		"{\"type\": \"Topology\", \"objects\": {\"a\": {\"type\": \"LineString\", \"arcs\": [0]},"
		" \"b\": {\"type\": \"Polygon\", \"arcs\": [[0, -1]]}, \"c\": {\"type\": null},"
		" \"d\": {\"type\": \"Point\", \"coordinates\": [1, 2]}},"
		" \"arcs\": [[[0, 0], [1, 1]]], \"transform\": {\"scale\": [1, 1], \"translate\": [0, 0]}}",
	};
	static const char *const badv[] = {
		"{\"type\": \"Topology\", \"objects\": {}}",
		"{\"type\": \"Topology\", \"arcs\": []}",
		"{\"type\": \"Point\", \"coordinates\": [1, 2]}",
		"{\"type\": \"Topology\", \"objects\": [], \"arcs\": []}",
		"{\"type\": \"Topology\", \"objects\": {\"a\": {\"type\": \"LineString\", \"arcs\": [0.5]}}, \"arcs\": []}",
		"{\"type\": \"Topology\", \"objects\": {}, \"arcs\": [[[0, 0]]]}",
		"{\"type\": \"Topology\", \"objects\": {\"a\": {\"type\": \"Feature\"}}, \"arcs\": []}",
	};

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(good); i++)
		if (data_value_geojson(good[i], strlen(good[i]), 1))
			fail_msg("topojson '%s' refused", good[i]);
	for (size_t i = 0; i < QG_ARRAY_SIZE(badv); i++)
		if (!data_value_geojson(badv[i], strlen(badv[i]), 1))
			fail_msg("topojson '%s' accepted", badv[i]);
}

static void test_data_types_object_array(void **state)
{
	size_t k;

	(void)state;
	assert_int_equal(data_value_object(S("{\"a\": 1, \"b\": [2]}"), &k), 0);
	assert_int_equal((int)k, 2);
	assert_int_equal(data_value_object(S("{}"), &k), 0);
	assert_int_equal(data_value_object(S("[]"), &k), -1);
	assert_int_equal(data_value_object(S("{\"a\": }"), &k), -1);
	assert_int_equal(data_value_object(S("\"{}\""), &k), -1);
	assert_int_equal(data_value_object(S("{\"a\": 1, \"a\": 2}"), &k), -1);
	assert_int_equal(data_value_array(S("[1, \"x\", null]"), &k), 0);
	assert_int_equal((int)k, 3);
	assert_int_equal(data_value_array(S("{}"), &k), -1);
	assert_int_equal(data_value_array(S("[1,]"), &k), -1);
	assert_int_equal(data_value_array(S("1, 2"), &k), -1);
}

static void test_data_types_list(void **state)
{
	struct qg_strmap tv = QG_STRMAP_INIT, fv = QG_STRMAP_INIT;
	size_t k;

	(void)state;
	assert_true(qg_strmap_add(&tv, "true", 4) >= 0 && qg_strmap_add(&fv, "false", 5) >= 0);
	assert_int_equal(data_value_list(S("a,b,c"), ',', QG_TYPE_STRING, &tv, &fv, &k), 0);
	assert_int_equal((int)k, 3);
	assert_int_equal(data_value_list(S("1,2,3"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("1,x,3"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("1,,3"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("1;2.5;NaN"), ';', QG_TYPE_NUMBER, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("1,2.5"), ';', QG_TYPE_NUMBER, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("true,false"), ',', QG_TYPE_BOOLEAN, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("true,yes"), ',', QG_TYPE_BOOLEAN, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("2020-01-01,2020-02-30"), ',', QG_TYPE_DATE, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("2020-01-01,2020-02-29"), ',', QG_TYPE_DATE, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("10:00:00|11:00:00Z"), '|', QG_TYPE_TIME, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("10:00|11:00"), '|', QG_TYPE_TIME, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("2020-01-01T10:00:00Z"), ',', QG_TYPE_DATETIME, &tv, &fv, &k), 0);
	/* a JSON array (a JSONL cell) */
	assert_int_equal(data_value_list(S("[1, 2, 3]"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), 0);
	assert_int_equal((int)k, 3);
	assert_int_equal(data_value_list(S("[1, 2.5]"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("[\"1\", \"2\"]"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("[true, \"false\"]"), ',', QG_TYPE_BOOLEAN, &tv, &fv, &k), 0);
	assert_int_equal(data_value_list(S("[[1]]"), ',', QG_TYPE_STRING, &tv, &fv, &k), -1);
	assert_int_equal(data_value_list(S("[1, 2"), ',', QG_TYPE_INTEGER, &tv, &fv, &k), -1);
	/* text that starts with '[' but is not JSON is delimited text */
	assert_int_equal(data_value_list(S("[a],[b]"), ',', QG_TYPE_STRING, &tv, &fv, &k), 0);
	assert_int_equal((int)k, 2);
	qg_strmap_release(&tv);
	qg_strmap_release(&fv);
}

static void test_data_types_binary(void **state)
{
	(void)state;
	assert_int_equal(data_value_binary(S("")), 0);
	assert_int_equal(data_value_binary(S("aGVsbG8=")), 0);
	assert_int_equal(data_value_binary(S("aGVsbG8h")), 0);
	assert_int_equal(data_value_binary(S("aGVsbA==")), 0);
	assert_int_equal(data_value_binary(S("aGVsbG8")), -1);
	assert_int_equal(data_value_binary(S("aGVsbG9=")), -1);  /* non-zero unused bits */
	assert_int_equal(data_value_binary(S("aGVs bG8=")), -1);
	assert_int_equal(data_value_binary(S("aGVsbG8=aGVs")), -1);
	assert_int_equal(data_value_binary(S("====")), -1);
	assert_int_equal(data_value_binary(S("a===")), -1);
	assert_int_equal(data_value_binary(S("aGVsbG8_")), -1);
	assert_int_equal(data_value_binary(S("not base64!")), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_types_time_is_xsd),
		cmocka_unit_test(test_data_types_datetime_is_xsd),
		cmocka_unit_test(test_data_types_number_special_values),
		cmocka_unit_test(test_data_types_bare_number),
		cmocka_unit_test(test_data_types_yearmonth),
		cmocka_unit_test(test_data_types_duration),
		cmocka_unit_test(test_data_types_geopoint),
		cmocka_unit_test(test_data_types_geojson),
		cmocka_unit_test(test_data_types_topojson),
		cmocka_unit_test(test_data_types_object_array),
		cmocka_unit_test(test_data_types_list),
		cmocka_unit_test(test_data_types_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
