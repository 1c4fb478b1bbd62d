/* schema_type.c -- the per-type table: which types exist, their formats,
 * the constraints the spec allows on each, and the keys only they take
 *
 * One row per Table Schema type (v1 and v2). The reader (schema_field.c)
 * looks everything type-specific up here, so a new type is a new enum value
 * in schema.h, a row here and its cell check; a row whose type is -1 is a
 * type the spec defines and qgate cannot check: a schema using it is
 * refused (exit 2), never read as "any" (no such row today).
 *
 * Constraints allowed per type, from the spec's constraints table:
 *   required, unique, enum      every type
 *   minLength, maxLength        string, array, object, list (collections)
 *   pattern                     string
 *   minimum, maximum,
 *   exclusiveMinimum/Maximum    integer, number, date, time, datetime,
 *                               year, yearmonth, duration
 *   jsonSchema (v2)             array, object: not checked, refused
 * Type-specific field keys: decimalChar (number), groupChar (number,
 * integer), bareNumber (number, integer), trueValues/falseValues (boolean),
 * delimiter/itemType (list), categories/categoriesOrdered (string, integer).
 */
#include "qgate/common.h"

#include "schema.h"

#define C_ALL (QG_C_REQUIRED | QG_C_UNIQUE | QG_C_ENUM)
#define C_LEN (QG_C_MINLENGTH | QG_C_MAXLENGTH)
#define C_RANGE (QG_C_MINIMUM | QG_C_MAXIMUM | QG_C_EXMINIMUM | QG_C_EXMAXIMUM)

static const struct data_format_name string_formats[] = {
	{ "email", QG_FMT_EMAIL },
	{ "uri", QG_FMT_URI },
	{ "uuid", QG_FMT_UUID },
	{ "binary", QG_FMT_BINARY },
	{ NULL, QG_FMT_DEFAULT },
};
static const struct data_format_name geopoint_formats[] = {
	{ "array", QG_FMT_ARRAY },
	{ "object", QG_FMT_OBJECT },
	{ NULL, QG_FMT_DEFAULT },
};
static const struct data_format_name geojson_formats[] = {
	{ "topojson", QG_FMT_TOPOJSON },
	{ NULL, QG_FMT_DEFAULT },
};

static const char *const string_keys[] = { "categories", "categoriesOrdered", NULL };
static const char *const integer_keys[] = { "groupChar", "bareNumber", "categories", "categoriesOrdered", NULL };
static const char *const number_keys[] = { "decimalChar", "groupChar", "bareNumber", NULL };
static const char *const boolean_keys[] = { "trueValues", "falseValues", NULL };
static const char *const list_keys[] = { "delimiter", "itemType", NULL };

const struct data_type_info data_types[] = {
	{ "string", QG_TYPE_STRING, C_ALL | C_LEN | QG_C_PATTERN, string_formats, 0, string_keys },
	{ "integer", QG_TYPE_INTEGER, C_ALL | C_RANGE, NULL, 0, integer_keys },
	{ "number", QG_TYPE_NUMBER, C_ALL | C_RANGE, NULL, 0, number_keys },
	{ "boolean", QG_TYPE_BOOLEAN, C_ALL, NULL, 0, boolean_keys },
	{ "date", QG_TYPE_DATE, C_ALL | C_RANGE, NULL, 1, NULL },
	{ "datetime", QG_TYPE_DATETIME, C_ALL | C_RANGE, NULL, 1, NULL },
	{ "time", QG_TYPE_TIME, C_ALL | C_RANGE, NULL, 1, NULL },
	{ "year", QG_TYPE_YEAR, C_ALL | C_RANGE, NULL, 0, NULL },
	{ "any", QG_TYPE_ANY, C_ALL, NULL, 0, NULL },
	{ "yearmonth", QG_TYPE_YEARMONTH, C_ALL | C_RANGE, NULL, 0, NULL },
	{ "duration", QG_TYPE_DURATION, C_ALL | C_RANGE, NULL, 0, NULL },
	{ "geopoint", QG_TYPE_GEOPOINT, C_ALL, geopoint_formats, 0, NULL },
	{ "geojson", QG_TYPE_GEOJSON, C_ALL, geojson_formats, 0, NULL },
	{ "object", QG_TYPE_OBJECT, C_ALL | C_LEN, NULL, 0, NULL },
	{ "array", QG_TYPE_ARRAY, C_ALL | C_LEN, NULL, 0, NULL },
	{ "list", QG_TYPE_LIST, C_ALL | C_LEN, NULL, 0, list_keys },
};
const size_t data_nr_types = QG_ARRAY_SIZE(data_types);

const struct data_type_info *data_type_info_find(const char *name)
{
	for (size_t i = 0; i < data_nr_types; i++)
		if (!strcmp(data_types[i].name, name))
			return &data_types[i];
	return NULL;
}

const struct data_type_info *data_type_info_of(enum qg_field_type t)
{
	for (size_t i = 0; i < data_nr_types; i++)
		if (data_types[i].type == (int)t)
			return &data_types[i];
	return NULL;
}

const char *data_field_type_name(enum qg_field_type t)
{
	const struct data_type_info *ti = data_type_info_of(t);

	return ti ? ti->name : "?";
}

const char *data_fields_match_name(enum qg_fields_match m)
{
	static const char *const names[] = { "exact", "equal", "subset", "superset", "partial" };

	return (size_t)m < QG_ARRAY_SIZE(names) ? names[m] : "?";
}
