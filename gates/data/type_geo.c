/* type_geo.c -- geopoint and geojson cells
 *
 * A geopoint is a longitude and a latitude in one of three spellings; a
 * geojson cell is a JSON text whose structure is checked against RFC 7946
 * (the member each object type requires, positions of two or more numbers,
 * a LineString of two positions or more, closed linear rings of four or
 * more) or, with format topojson, against the TopoJSON Topology object.
 * The JSON is read with the core's parser (include/qgate/json.h), which
 * also refuses duplicate keys and numbers beyond the double range. Nesting
 * is bounded by that parser's depth limit, so the walk below recurses at
 * most that deep.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "types.h"

static int lonlat_ok(double lon, double lat)
{
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90 ? 0 : -1;
}

/* A plain decimal: [-+]digits[.digits][e[-+]digits], no NaN/INF. */
static int plain_number(const char *s, size_t n, double *out)
{
	if (n == 0 || !(s[n - 1] >= '0' && s[n - 1] <= '9') || !(s[0] == '-' || s[0] == '+' || s[0] == '.' ||
								  (s[0] >= '0' && s[0] <= '9')))
		return -1;
	return data_value_number(s, n, '.', 0, out);
}

static int json_number(const struct qg_json *j, double *out)
{
	if (qg_json_type(j) != QG_JSON_NUMBER)
		return -1;
	*out = qg_json_number(j);
	return 0;
}

static int parse_json(const char *s, size_t n, struct qg_json **out)
{
	/* a JSON text starts with its value: skipping the parser's message
	 * work for the common "not JSON at all" cell */
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i == n || (s[i] != '{' && s[i] != '['))
		return -1;
	return qg_json_parse(out, s, n, NULL) ? -1 : 0;
}

int data_value_geopoint(const char *s, size_t n, enum data_geopoint_format fmt, double *lon, double *lat)
{
	struct qg_json *j = NULL;
	int ret = -1;

	if (fmt == DATA_GEOPOINT_DEFAULT) {
		const char *comma = memchr(s, ',', n);
		size_t k;

		if (!comma)
			return -1;
		k = (size_t)(comma - s) + 1;
		while (k < n && s[k] == ' ')
			k++;
		if (plain_number(s, (size_t)(comma - s), lon) || plain_number(s + k, n - k, lat))
			return -1;
		return lonlat_ok(*lon, *lat);
	}
	if (parse_json(s, n, &j))
		return -1;
	if (fmt == DATA_GEOPOINT_ARRAY) {
		if (qg_json_type(j) == QG_JSON_ARRAY && qg_json_size(j) == 2 && !json_number(qg_json_at(j, 0), lon) &&
		    !json_number(qg_json_at(j, 1), lat))
			ret = lonlat_ok(*lon, *lat);
	} else {
		if (qg_json_type(j) == QG_JSON_OBJECT && qg_json_size(j) == 2 && !json_number(qg_json_get(j, "lon"), lon) &&
		    !json_number(qg_json_get(j, "lat"), lat))
			ret = lonlat_ok(*lon, *lat);
	}
	qg_json_free(j);
	return ret;
}

/* ------------------------------------------------------------------ GeoJSON */

/* A position: an array of two or more numbers. */
static int position_ok(const struct qg_json *p)
{
	const struct qg_json *x;

	if (qg_json_type(p) != QG_JSON_ARRAY || qg_json_size(p) < 2)
		return 0;
	for (x = qg_json_first(p); x; x = qg_json_next(x))
		if (qg_json_type(x) != QG_JSON_NUMBER)
			return 0;
	return 1;
}

static int same_position(const struct qg_json *a, const struct qg_json *b)
{
	const struct qg_json *x, *y;

	if (qg_json_size(a) != qg_json_size(b))
		return 0;
	for (x = qg_json_first(a), y = qg_json_first(b); x && y; x = qg_json_next(x), y = qg_json_next(y))
		if (qg_json_number(x) != qg_json_number(y))
			return 0;
	return 1;
}

/* An array of positions, at least `min` of them; ring: first == last. */
static int positions_ok(const struct qg_json *a, size_t min, int ring)
{
	const struct qg_json *x;

	if (qg_json_type(a) != QG_JSON_ARRAY || qg_json_size(a) < min)
		return 0;
	for (x = qg_json_first(a); x; x = qg_json_next(x))
		if (!position_ok(x))
			return 0;
	return !ring || same_position(qg_json_first(a), qg_json_at(a, qg_json_size(a) - 1));
}

/* An array whose every element passes positions_ok(min, ring). */
static int positions_list_ok(const struct qg_json *a, size_t min, int ring)
{
	const struct qg_json *x;

	if (qg_json_type(a) != QG_JSON_ARRAY)
		return 0;
	for (x = qg_json_first(a); x; x = qg_json_next(x))
		if (!positions_ok(x, min, ring))
			return 0;
	return 1;
}

/* bbox: 2*n numbers, n >= 2 (RFC 7946 5). */
static int bbox_ok(const struct qg_json *o)
{
	const struct qg_json *b = qg_json_get(o, "bbox"), *x;

	if (!b)
		return 1;
	if (qg_json_type(b) != QG_JSON_ARRAY || qg_json_size(b) < 4 || qg_json_size(b) % 2)
		return 0;
	for (x = qg_json_first(b); x; x = qg_json_next(x))
		if (qg_json_type(x) != QG_JSON_NUMBER)
			return 0;
	return 1;
}

enum { GJ_GEOMETRY = 1, GJ_FEATURE = 2, GJ_COLLECTION = 4, GJ_ANY = 7 };

static int geojson_ok(const struct qg_json *o, int allowed)
{
	const char *type = qg_json_string(qg_json_get(o, "type"));
	const struct qg_json *c, *x;

	if (qg_json_type(o) != QG_JSON_OBJECT || !type || !bbox_ok(o))
		return 0;
	c = qg_json_get(o, "coordinates");
	if (!strcmp(type, "Feature")) {
		const struct qg_json *g = qg_json_get(o, "geometry"), *p = qg_json_get(o, "properties");

		if (!(allowed & GJ_FEATURE) || !g || !p)
			return 0;
		if (qg_json_type(p) != QG_JSON_NULL && qg_json_type(p) != QG_JSON_OBJECT)
			return 0;
		return qg_json_type(g) == QG_JSON_NULL || geojson_ok(g, GJ_GEOMETRY);
	}
	if (!strcmp(type, "FeatureCollection")) {
		const struct qg_json *fs = qg_json_get(o, "features");

		if (!(allowed & GJ_COLLECTION) || qg_json_type(fs) != QG_JSON_ARRAY)
			return 0;
		for (x = qg_json_first(fs); x; x = qg_json_next(x))
			if (!geojson_ok(x, GJ_FEATURE))
				return 0;
		return 1;
	}
	if (!(allowed & GJ_GEOMETRY))
		return 0;
	if (!strcmp(type, "GeometryCollection")) {
		const struct qg_json *gs = qg_json_get(o, "geometries");

		if (qg_json_type(gs) != QG_JSON_ARRAY)
			return 0;
		for (x = qg_json_first(gs); x; x = qg_json_next(x))
			if (!geojson_ok(x, GJ_GEOMETRY))
				return 0;
		return 1;
	}
	if (!strcmp(type, "Point"))
		return position_ok(c);
	if (!strcmp(type, "MultiPoint"))
		return positions_ok(c, 0, 0);
	if (!strcmp(type, "LineString"))
		return positions_ok(c, 2, 0);
	if (!strcmp(type, "MultiLineString"))
		return positions_list_ok(c, 2, 0);
	if (!strcmp(type, "Polygon"))
		return positions_list_ok(c, 4, 1);
	if (!strcmp(type, "MultiPolygon")) {
		if (qg_json_type(c) != QG_JSON_ARRAY)
			return 0;
		for (x = qg_json_first(c); x; x = qg_json_next(x))
			if (!positions_list_ok(x, 4, 1))
				return 0;
		return 1;
	}
	return 0;
}

/* ----------------------------------------------------------------- TopoJSON */

/* Arc indexes nested `depth` arrays deep (integers, negative = reversed). */
static int arcs_ok(const struct qg_json *a, int depth)
{
	const struct qg_json *x;

	if (qg_json_type(a) != QG_JSON_ARRAY)
		return 0;
	for (x = qg_json_first(a); x; x = qg_json_next(x)) {
		if (depth > 1) {
			if (!arcs_ok(x, depth - 1))
				return 0;
		} else {
			double d = qg_json_number(x);

			if (qg_json_type(x) != QG_JSON_NUMBER || d != floor(d))
				return 0;
		}
	}
	return 1;
}

/* A TopoJSON geometry object (TopoJSON spec 2.2). */
static int topo_geometry_ok(const struct qg_json *o)
{
	const struct qg_json *t = qg_json_get(o, "type"), *x;
	const char *type = qg_json_string(t);

	if (qg_json_type(o) != QG_JSON_OBJECT || !t || !bbox_ok(o))
		return 0;
	if (qg_json_type(t) == QG_JSON_NULL)
		return 1;
	if (!type)
		return 0;
	if (!strcmp(type, "GeometryCollection")) {
		const struct qg_json *gs = qg_json_get(o, "geometries");

		if (qg_json_type(gs) != QG_JSON_ARRAY)
			return 0;
		for (x = qg_json_first(gs); x; x = qg_json_next(x))
			if (!topo_geometry_ok(x))
				return 0;
		return 1;
	}
	if (!strcmp(type, "Point"))
		return position_ok(qg_json_get(o, "coordinates"));
	if (!strcmp(type, "MultiPoint"))
		return positions_ok(qg_json_get(o, "coordinates"), 0, 0);
	if (!strcmp(type, "LineString"))
		return arcs_ok(qg_json_get(o, "arcs"), 1);
	if (!strcmp(type, "MultiLineString") || !strcmp(type, "Polygon"))
		return arcs_ok(qg_json_get(o, "arcs"), 2);
	if (!strcmp(type, "MultiPolygon"))
		return arcs_ok(qg_json_get(o, "arcs"), 3);
	return 0;
}

static int topology_ok(const struct qg_json *o)
{
	const struct qg_json *objs = qg_json_get(o, "objects"), *arcs = qg_json_get(o, "arcs"), *x;
	const struct qg_json *tr = qg_json_get(o, "transform");
	const char *type = qg_json_string(qg_json_get(o, "type"));

	if (qg_json_type(o) != QG_JSON_OBJECT || !type || strcmp(type, "Topology") || !bbox_ok(o))
		return 0;
	if (qg_json_type(objs) != QG_JSON_OBJECT || qg_json_type(arcs) != QG_JSON_ARRAY)
		return 0;
	if (tr && (qg_json_type(tr) != QG_JSON_OBJECT || !position_ok(qg_json_get(tr, "scale")) ||
		   !position_ok(qg_json_get(tr, "translate"))))
		return 0;
	for (x = qg_json_first(objs); x; x = qg_json_next(x))
		if (!topo_geometry_ok(x))
			return 0;
	for (x = qg_json_first(arcs); x; x = qg_json_next(x))
		if (!positions_ok(x, 2, 0))
			return 0;
	return 1;
}

int data_value_geojson(const char *s, size_t n, int topojson)
{
	struct qg_json *j = NULL;
	int ok;

	if (parse_json(s, n, &j))
		return -1;
	ok = topojson ? topology_ok(j) : geojson_ok(j, GJ_ANY);
	qg_json_free(j);
	return ok ? 0 : -1;
}
