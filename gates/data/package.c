/* package.c -- Frictionless Data Packages: validate every resource, infer one
 *
 * A descriptor (datapackage.json; a local path, https:// or s3://) is read
 * whole and every key is either honoured or refused with exit 2 naming its
 * JSON pointer; unknown keys are refused unless --allow-unknown-keys.
 * Each resource is validated by data_validate() with its schema (inline, or
 * by path or URL) and the resource's dialect merged into the schema's
 * "dialect"; its checks move into the package's result with ids prefixed
 * `resource.<name>.`, its artifacts and metrics (metrics.resources.<name>)
 * too. `hash` (sha256 only) and `bytes` become the checks
 * resource.<name>.hash and resource.<name>.bytes: a mismatch fails.
 * Paths are relative to the descriptor's folder and never escape it (no
 * absolute path, no '..', no symlink out of it); a path that is a URL is
 * taken as it is. A chunked path (an array) is one table whose header is
 * in the first file only (input.h: chunked). Refused: inline `data`,
 * encodings other than UTF-8, hashes other than sha256, non-tabular
 * formats. foreignKeys (into the resource itself, by "" or its name, or
 * into another resource of the package: o->fk_targets) are data_validate's
 * check, table.foreign-key.
 *
 * Why one long file: reading the descriptor and running its resources share
 * struct res (paths, schema, options) from the key check to the foreign-key
 * targets; infer --package sits at the end. The next seam is the descriptor
 * reader (keys, paths, hash/bytes) against the run (absorb, integrity).
 */
#include "qgate/common.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>

#include "qgate/buf.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/sha256.h"
#include "qgate/stream.h"
#include "qgate/strvec.h"
#include "package.h"
#include "schema_int.h"

#define PKG_CAP ((size_t)64 << 20) /* a descriptor or a schema: 64 MiB */

static const char *const package_keys[] = {
	"resources", "name", "id", "profile", "$schema", "title", "description", "homepage", "version",
	"created", "keywords", "image", "licenses", "sources", "contributors", NULL,
};

static const char *const resource_keys[] = {
	"name", "path", "data", "schema", "dialect", "format", "mediatype", "encoding", "hash", "bytes",
	"profile", "type", "$schema", "title", "description", "homepage", "sources", "licenses", NULL,
};

struct pkg {
	const char *desc;   /* the descriptor as given */
	char *base;         /* its folder with a trailing '/', or "" */
	char *real_base;    /* realpath of the folder (local descriptors) */
	int remote;
	int allow_unknown;
};

static int bad(const struct pkg *P, const char *ptr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const struct pkg *P, const char *ptr, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qg_error(QG_EUSAGE, "'%s': %s: %s", P->desc, ptr, msg);
}

static int check_keys(const struct pkg *P, const struct qg_json *obj, const char *ptr, const char *const *known,
		      const char *what)
{
	for (const struct qg_json *m = qg_json_first(obj); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m), *near;

		if (schema_in(key, known) || P->allow_unknown)
			continue;
		near = schema_nearest(key, known);
		if (near)
			return bad(P, ptr, "unknown %s '%s' (did you mean '%s'?)", what, key, near);
		return bad(P, ptr, "unknown %s '%s' (see DATA PACKAGES in qgate-data(1); --allow-unknown-keys "
				   "accepts custom metadata)", what, key);
	}
	return 0;
}

static int set_base(struct pkg *P)
{
	const char *slash = strrchr(P->desc, '/');
	size_t n = slash ? (size_t)(slash - P->desc) + 1 : 0;
	char *real;

	P->remote = qg_stream_is_url(P->desc);
	if (!(P->base = qg_strndup(P->desc, n)))
		return qg_error(QG_ENOMEM, "out of memory");
	if (P->remote)
		return 0;
	real = realpath(n ? P->base : ".", NULL);
	if (!real)
		return qg_error(QG_EINPUT, "'%s': cannot resolve its folder: %s", P->desc, strerror(errno));
	P->real_base = real;
	return 0;
}

/* A resource path (or schema/dialect path) to what the readers open. */
static int resolve(const struct pkg *P, const char *ptr, const char *path, char **out)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_URL);
	const char *p;
	int err;

	*out = NULL;
	if (!*path)
		return bad(P, ptr, "empty path");
	if (qg_stream_is_url(path)) {
		*out = qg_strdup(path);
		return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
	}
	if (path[0] == '/' || path[0] == '\\' || strchr(path, '\\'))
		return bad(P, ptr, "'%s' is an absolute path: paths are relative to the descriptor's folder", path);
	for (p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return bad(P, ptr, "'%s' escapes the descriptor's folder ('..' is not allowed)", path);
		p += n;
		while (*p == '/')
			p++;
	}
	if ((err = qg_buf_addstr(&b, P->base)) < 0 || (err = qg_buf_addstr(&b, path)) < 0) {
		qg_buf_release(&b);
		return err;
	}
	if (!P->remote) {
		/* a symlink inside the folder must not lead out of it */
		char *real = realpath(b.buf, NULL);

		if (real) {
			size_t n = strlen(P->real_base);
			int inside = !strncmp(real, P->real_base, n) &&
				     (real[n] == '/' || (n == 1 && P->real_base[0] == '/'));

			free(real);
			if (!inside) {
				qg_buf_release(&b);
				return bad(P, ptr, "'%s' resolves outside the descriptor's folder (symbolic link)", path);
			}
		}
	}
	*out = qg_buf_detach(&b, NULL);
	return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

/* A JSON object given inline or by path/URL (schema, dialect). */
static int load_object(const struct pkg *P, const char *ptr, const struct qg_json *v, struct qg_json **out,
		       char **name)
{
	struct qg_buf b = QG_BUF_INIT(PKG_CAP);
	const char *s = qg_json_string(v);
	char *spec;
	int err;

	*out = NULL;
	if (qg_json_type(v) == QG_JSON_OBJECT) {
		*out = qg_json_dup(v);
		return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
	}
	if (!s)
		return bad(P, ptr, "expected an object or a path");
	if ((err = resolve(P, ptr, s, &spec)) < 0)
		return err;
	err = qg_stream_read_all(&b, spec, PKG_CAP);
	if (err == QG_ETOOBIG)
		err = qg_error(QG_EUSAGE, "'%s': larger than 64 MiB", spec);
	if (!err && (err = qg_json_parse(out, b.buf, b.len, spec)) == 0 && qg_json_type(*out) != QG_JSON_OBJECT) {
		qg_json_free(*out);
		*out = NULL;
		err = qg_error(QG_EUSAGE, "'%s': expected a JSON object (%s)", spec, ptr);
	}
	qg_buf_release(&b);
	if (!err && name)
		*name = spec;
	else
		free(spec);
	return err < 0 ? err : 0;
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int lower_eq(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

static const char *format_of_mediatype(const char *m)
{
	if (lower_eq(m, "text/csv"))
		return "csv";
	if (lower_eq(m, "text/tab-separated-values"))
		return "tsv";
	if (lower_eq(m, "application/x-ndjson") || lower_eq(m, "application/jsonl") ||
	    lower_eq(m, "application/x-jsonlines") || lower_eq(m, "application/jsonlines"))
		return "jsonl";
	return NULL;
}

/* What a resource says beyond its file and schema. */
struct res {
	const char *name;
	char ptr[64];
	const char *format;     /* csv, tsv, jsonl or NULL */
	const char *hash;       /* the hex of "sha256:<hex>", or NULL */
	long long bytes;        /* -1 when absent */
	struct qg_strvec paths; /* resolved */
	struct qg_json *schema; /* owned, with the resource's dialect merged */
	char *schema_name;      /* owned: the schema's name in messages */
	struct qg_buf text;     /* the schema as JSON text, for so */
	struct qg_data_opts so; /* what data_validate() gets */
};

static int read_resource(const struct pkg *P, const struct qg_json *rs, size_t idx, struct res *R)
{
	char ptr[96];
	const struct qg_json *v;
	const char *s;
	int err;

	snprintf(R->ptr, sizeof(R->ptr), "/resources/%zu", idx);
	R->bytes = -1;
	if (qg_json_type(rs) != QG_JSON_OBJECT)
		return bad(P, R->ptr, "expected a resource object");
	if ((err = check_keys(P, rs, R->ptr, resource_keys, "resource key")) < 0)
		return err;
	snprintf(ptr, sizeof(ptr), "%s/name", R->ptr);
	if (!(R->name = qg_json_string(qg_json_get(rs, "name"))))
		return bad(P, ptr, "a resource needs a 'name' (a string: it prefixes the resource's check ids)");
	if (!name_ok(R->name))
		return bad(P, ptr, "name '%s' may hold only letters, digits, '.', '_' and '-'", R->name);
	if (qg_json_get(rs, "data")) {
		snprintf(ptr, sizeof(ptr), "%s/data", R->ptr);
		return bad(P, ptr, "inline data is not supported: put the rows in a file named by 'path' "
				   "(refused rather than ignored)");
	}
	if ((v = qg_json_get(rs, "type")) && (!(s = qg_json_string(v)) || strcmp(s, "table"))) {
		snprintf(ptr, sizeof(ptr), "%s/type", R->ptr);
		return bad(P, ptr, "only tabular resources (\"table\") can be validated");
	}
	if ((v = qg_json_get(rs, "profile")) && !qg_json_string(v)) {
		snprintf(ptr, sizeof(ptr), "%s/profile", R->ptr);
		return bad(P, ptr, "expected a string");
	}
	if ((v = qg_json_get(rs, "encoding"))) {
		snprintf(ptr, sizeof(ptr), "%s/encoding", R->ptr);
		if (!(s = qg_json_string(v)) || (!lower_eq(s, "utf-8") && !lower_eq(s, "utf8")))
			return bad(P, ptr, "only utf-8 is read (the table.encoding check enforces it)");
	}
	if ((v = qg_json_get(rs, "format"))) {
		snprintf(ptr, sizeof(ptr), "%s/format", R->ptr);
		if (!(s = qg_json_string(v)))
			return bad(P, ptr, "expected a string");
		if (lower_eq(s, "csv"))
			R->format = "csv";
		else if (lower_eq(s, "tsv"))
			R->format = "tsv";
		else if (lower_eq(s, "jsonl") || lower_eq(s, "ndjson"))
			R->format = "jsonl";
		else
			return bad(P, ptr, "format '%s' cannot be read (csv, tsv, jsonl or ndjson)", s);
	}
	if ((v = qg_json_get(rs, "mediatype"))) {
		const char *f;

		snprintf(ptr, sizeof(ptr), "%s/mediatype", R->ptr);
		if (!(s = qg_json_string(v)))
			return bad(P, ptr, "expected a string");
		if (!(f = format_of_mediatype(s)))
			return bad(P, ptr, "media type '%s' cannot be read (text/csv, text/tab-separated-values, "
					   "application/x-ndjson)", s);
		if (R->format && strcmp(R->format, f))
			return bad(P, ptr, "media type '%s' contradicts format '%s'", s, R->format);
		R->format = f;
	}
	if ((v = qg_json_get(rs, "hash"))) {
		const char *colon;

		snprintf(ptr, sizeof(ptr), "%s/hash", R->ptr);
		if (!(s = qg_json_string(v)))
			return bad(P, ptr, "expected a string");
		colon = strchr(s, ':');
		if (!colon)
			return bad(P, ptr, "a hash without an algorithm is MD5, which qgate does not check: "
					   "write 'sha256:<hex>' (refused rather than ignored)");
		if ((size_t)(colon - s) != 6 || strncasecmp(s, "sha256", 6))
			return bad(P, ptr, "hash algorithm '%.*s' is not checked: write 'sha256:<hex>' "
					   "(refused rather than ignored)", (int)(colon - s), s);
		if (strlen(colon + 1) != 64 || strspn(colon + 1, "0123456789abcdefABCDEF") != 64)
			return bad(P, ptr, "expected 64 hex digits after 'sha256:'");
		R->hash = colon + 1;
	}
	if ((v = qg_json_get(rs, "bytes"))) {
		double d = qg_json_number(v);

		snprintf(ptr, sizeof(ptr), "%s/bytes", R->ptr);
		if (!(d >= 0 && d <= 9e15 && d == (double)(long long)d))
			return bad(P, ptr, "expected a non-negative integer");
		R->bytes = (long long)d;
	}
	/* path: a string, or an array of chunks */
	snprintf(ptr, sizeof(ptr), "%s/path", R->ptr);
	if (!(v = qg_json_get(rs, "path")))
		return bad(P, ptr, "a resource needs a 'path' to its data file");
	if (qg_json_type(v) == QG_JSON_ARRAY) {
		/* chunks: one table, the header in the first file only */
		if (qg_json_size(v) == 0)
			return bad(P, ptr, "expected at least one path");
		for (size_t i = 0; i < qg_json_size(v); i++) {
			char *spec;

			snprintf(ptr, sizeof(ptr), "%s/path/%zu", R->ptr, i);
			if (!(s = qg_json_string(qg_json_at(v, i))))
				return bad(P, ptr, "expected a string");
			if ((err = resolve(P, ptr, s, &spec)) < 0)
				return err;
			err = qg_strvec_push(&R->paths, spec);
			free(spec);
			if (err < 0)
				return err;
		}
	} else {
		char *spec;

		if (!(s = qg_json_string(v)))
			return bad(P, ptr, "expected a string or an array of strings");
		if ((err = resolve(P, ptr, s, &spec)) < 0)
			return err;
		err = qg_strvec_push(&R->paths, spec);
		free(spec);
		if (err < 0)
			return err;
	}
	/* schema, with the resource's dialect */
	snprintf(ptr, sizeof(ptr), "%s/schema", R->ptr);
	if (!(v = qg_json_get(rs, "schema")))
		return bad(P, ptr, "a resource needs a Table Schema ('schema': an object or a path)");
	if ((err = load_object(P, ptr, v, &R->schema, &R->schema_name)) < 0)
		return err;
	if (!R->schema_name) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);

		if ((err = qg_buf_addf(&b, "%s#%s", P->desc, ptr)) < 0) {
			qg_buf_release(&b);
			return err;
		}
		R->schema_name = qg_buf_detach(&b, NULL);
	}
	if ((v = qg_json_get(rs, "dialect"))) {
		struct qg_json *d;

		snprintf(ptr, sizeof(ptr), "%s/dialect", R->ptr);
		if (qg_json_get(R->schema, "dialect"))
			return bad(P, ptr, "both the resource and its schema have a dialect: keep one");
		if ((err = load_object(P, ptr, v, &d, NULL)) < 0)
			return err;
		if ((err = qg_json_attach(R->schema, "dialect", d)) < 0) {
			qg_json_free(d);
			return err;
		}
	}
	return 0;
}

static void res_release(struct res *R)
{
	qg_strvec_clear(&R->paths);
	qg_json_free(R->schema);
	free(R->schema_name);
	if (R->text.buf)
		qg_buf_release(&R->text);
	memset(R, 0, sizeof(*R));
}

/* sha256 and size of the raw bytes of the resource's files, concatenated
 * (chunks), each a file or URL. */
static int hash_paths(const struct qg_strvec *paths, char hex[QG_SHA256_HEX], long long *bytes)
{
	struct qg_stream *s = NULL;
	struct qg_sha256 *h = NULL;
	static char buf[1 << 16];
	ssize_t n = 0;
	int err;

	*bytes = 0;
	if ((err = qg_sha256_new(&h)) < 0)
		return err;
	for (size_t i = 0; i < paths->nr; i++) {
		if ((err = qg_stream_open(&s, paths->v[i], QG_STREAM_RAW)) < 0)
			goto done;
		while ((n = qg_stream_read(s, buf, sizeof(buf))) > 0) {
			*bytes += n;
			if ((err = qg_sha256_update(h, buf, (size_t)n)) < 0)
				goto done;
		}
		qg_stream_free(s);
		s = NULL;
		if (n < 0) {
			err = (int)n;
			goto done;
		}
	}
	err = qg_sha256_final(h, hex);
done:
	qg_sha256_free(h);
	qg_stream_free(s);
	return err;
}

/* A check "resource.<name>.<what>", passed or failed; NULL when out of memory. */
static struct qg_check *resource_check(struct qg_result *r, const char *name, const char *what, int pass)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_check *c = NULL;

	if (qg_buf_addf(&b, "resource.%s.%s", name, what) == 0)
		c = qg_result_add_check(r, b.buf, pass ? QG_STATUS_PASS : QG_STATUS_FAIL, NULL);
	qg_buf_release(&b);
	return c;
}

static int check_integrity(struct qg_result *r, const struct res *R, const struct qg_artifact *art)
{
	char hex[QG_SHA256_HEX] = "";
	long long bytes = -1;
	const char *file = R->paths.v[0];
	struct qg_check *c;
	int err;

	if (!R->hash && R->bytes < 0)
		return 0;
	if (art && R->paths.nr == 1 && art->sha256[0] && art->bytes >= 0) {
		memcpy(hex, art->sha256, sizeof(art->sha256) < sizeof(hex) ? sizeof(art->sha256) : sizeof(hex));
		bytes = art->bytes;
	} else if ((err = hash_paths(&R->paths, hex, &bytes)) < 0) {
		return err;
	}
	if (R->hash) {
		int same = !strcasecmp(hex, R->hash);

		if (!(c = resource_check(r, R->name, "hash", same)))
			return QG_ENOMEM;
		if ((err = qg_check_observed_string(c, hex)) < 0 ||
		    (err = qg_check_expected_string(c, "%s", R->hash)) < 0)
			return err;
		if (same) {
			err = qg_check_set_message(c, "sha256 matches the descriptor's hash");
		} else {
			qg_check_set_count(c, 1);
			err = qg_check_set_message(c, "sha256 %s differs from the descriptor's hash %s", hex, R->hash);
			if (!err && (err = qg_check_add_location(c, file, 0, 0, "sha256 %s, the descriptor says %s", hex,
								 R->hash)) > 0)
				err = 0;
		}
		if (err < 0)
			return err;
	}
	if (R->bytes >= 0) {
		int same = bytes == R->bytes;
		if (!(c = resource_check(r, R->name, "bytes", same)))
			return QG_ENOMEM;
		qg_check_observed_number(c, (double)bytes);
		qg_check_expected_number(c, (double)R->bytes);
		if (same) {
			err = qg_check_set_message(c, "%lld bytes, as the descriptor says", bytes);
		} else {
			qg_check_set_count(c, 1);
			err = qg_check_set_message(c, "%lld bytes, the descriptor says %lld", bytes, R->bytes);
			if (!err && (err = qg_check_add_location(c, file, 0, 0, "%lld bytes, the descriptor says %lld",
								 bytes, R->bytes)) > 0)
				err = 0;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* Move sub's checks (ids prefixed), artifacts and metrics into r. */
static int absorb(struct qg_result *r, struct qg_result *sub, const char *name, struct qg_json *metrics)
{
	int err;

	for (size_t i = 0; i < sub->nr_checks; i++) {
		struct qg_check *c = sub->checks[i];
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);

		if ((err = qg_buf_addf(&b, "resource.%s.%s", name, c->id)) < 0) {
			qg_buf_release(&b);
			return err;
		}
		if (QG_ALLOC_GROW(r->checks, r->nr_checks + 1, r->alloc_checks) < 0) {
			qg_buf_release(&b);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		free(c->id);
		c->id = qg_buf_detach(&b, NULL);
		r->checks[r->nr_checks++] = c;
		sub->checks[i] = NULL;
	}
	sub->nr_checks = 0;
	for (size_t i = 0; i < sub->subject.nr_artifacts; i++) {
		struct qg_subject *s = &r->subject;

		if (QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + 1, s->alloc_artifacts) < 0)
			return qg_error(QG_ENOMEM, "out of memory");
		s->artifacts[s->nr_artifacts++] = sub->subject.artifacts[i];
		sub->subject.artifacts[i].path = NULL;
	}
	sub->subject.nr_artifacts = 0;
	if (sub->metrics) {
		struct qg_json *m = sub->metrics;

		if (!(sub->metrics = qg_json_new_object())) {
			sub->metrics = m;
			return qg_error(QG_ENOMEM, "out of memory");
		}
		if ((err = qg_json_attach(metrics, name, m)) < 0) {
			qg_json_free(m);
			return err;
		}
	}
	if (sub->report_md && sub->report_md_len &&
	    (err = qg_result_add_markdown(r, "**resource %s**\n\n%s\n", name, sub->report_md)) < 0)
		return err;
	return 0;
}

/* The options data_validate() gets for the resource (R->so, R->text). */
static int resource_opts(const struct qg_data_opts *o, struct res *R)
{
	int err;

	qg_buf_init(&R->text, PKG_CAP);
	if ((err = qg_json_print(&R->text, R->schema, 0)) < 0)
		return err;
	R->so = *o;
	R->so.schema = R->schema_name;
	R->so.schema_text = R->text.buf;
	R->so.schema_len = R->text.len;
	R->so.data = R->paths;
	R->so.input.chunked = R->paths.nr > 1;
	if (R->format && (!o->input.input_format || !strcmp(o->input.input_format, "auto")))
		R->so.input.input_format = R->format;
	return 0;
}

static int validate_resource(struct qg_result *r, struct res *R, struct qg_json *metrics)
{
	struct qg_result sub;
	const struct qg_artifact *art = NULL;
	size_t first_art = r->subject.nr_artifacts;
	int err;

	if ((err = qg_result_init(&sub, r->gate, r->version)) < 0)
		return err;
	if ((err = data_validate(&R->so, &sub)) < 0)
		goto done;
	if ((err = absorb(r, &sub, R->name, metrics)) < 0)
		goto done;
	for (size_t i = first_art; i < r->subject.nr_artifacts; i++)
		if (!strcmp(r->subject.artifacts[i].path, R->paths.v[0]))
			art = &r->subject.artifacts[i];
	err = check_integrity(r, R, art);
done:
	qg_result_release(&sub);
	return err;
}

/* foreignKeys: a reference to the resource itself (by its name) is the
 * same-table check data_validate() does (rewritten to ""); one to another
 * resource of the package is checked by data_validate() through
 * o->fk_targets; one to a resource the package lacks is an error of the
 * descriptor. */
static int check_foreign_keys(const struct pkg *P, struct res *R, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		const struct qg_json *fks = qg_json_get(R[i].schema, "foreignKeys");

		for (size_t k = 0; qg_json_type(fks) == QG_JSON_ARRAY && k < qg_json_size(fks); k++) {
			struct qg_json *ref = (struct qg_json *)qg_json_get(qg_json_at(fks, k), "reference");
			const char *name = qg_json_string(qg_json_get(ref, "resource"));
			char ptr[160];
			size_t j;

			if (!name || !*name)
				continue;
			snprintf(ptr, sizeof(ptr), "%s/schema/foreignKeys/%zu/reference/resource", R[i].ptr, k);
			for (j = 0; j < nr && strcmp(R[j].name, name); j++)
				;
			if (j == nr)
				return bad(P, ptr, "no resource named '%s' in the package", name);
			if (j != i)
				continue; /* data_validate() reads resource j (o->fk_targets) */
			if (!qg_json_add_string(ref, "resource", ""))
				return qg_error(QG_ENOMEM, "out of memory");
		}
	}
	return 0;
}

int data_package_wanted(const struct qg_data_opts *o)
{
	size_t n;

	if (o->schema || o->data.nr != 1)
		return 0;
	n = strlen(o->data.v[0]);
	return n >= 5 && !strcmp(o->data.v[0] + n - 5, ".json");
}

int data_package_validate(const struct qg_data_opts *o, struct qg_result *r)
{
	struct pkg P = { .desc = o->data.v[0], .allow_unknown = o->allow_unknown_keys };
	struct qg_buf b = QG_BUF_INIT(PKG_CAP);
	struct qg_json *doc = NULL, *metrics;
	const struct qg_json *rs, *v;
	struct res *R = NULL;
	struct data_fk_target *targets = NULL;
	size_t nr = 0;
	int err;

	if ((err = set_base(&P)) < 0)
		goto done;
	err = qg_stream_read_all(&b, P.desc, PKG_CAP);
	if (err == QG_ETOOBIG)
		err = qg_error(QG_EUSAGE, "'%s': descriptor larger than 64 MiB", P.desc);
	if (err < 0 || (err = qg_json_parse(&doc, b.buf, b.len, P.desc)) < 0)
		goto done;
	if (qg_json_type(doc) != QG_JSON_OBJECT) {
		err = bad(&P, "/", "expected a data package descriptor (a JSON object)");
		goto done;
	}
	if ((err = check_keys(&P, doc, "/", package_keys, "data package key")) < 0)
		goto done;
	if ((v = qg_json_get(doc, "profile")) && !qg_json_string(v)) {
		err = bad(&P, "/profile", "expected a string");
		goto done;
	}
	rs = qg_json_get(doc, "resources");
	if (!rs || qg_json_type(rs) != QG_JSON_ARRAY || !(nr = qg_json_size(rs))) {
		err = bad(&P, "/resources", "a data package needs a non-empty 'resources' array");
		goto done;
	}
	if (!(R = calloc(nr, sizeof(*R)))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nr; i++) {
		qg_strvec_init(&R[i].paths);
		if ((err = read_resource(&P, qg_json_at(rs, i), i, &R[i])) < 0)
			goto done;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(R[j].name, R[i].name)) {
				char ptr[96];

				snprintf(ptr, sizeof(ptr), "%s/name", R[i].ptr);
				err = bad(&P, ptr, "resource name '%s' repeats /resources/%zu's", R[i].name, j);
				goto done;
			}
	}
	if ((err = check_foreign_keys(&P, R, nr)) < 0)
		goto done;
	if ((err = qg_result_add_artifact(r, P.desc)) < 0)
		goto done;
	if (!(metrics = qg_json_add_object(r->metrics, "resources"))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nr; i++)
		if ((err = resource_opts(o, &R[i])) < 0)
			goto done;
	/* foreignKeys may name any resource of the package (data.h) */
	if (!(targets = calloc(nr, sizeof(*targets)))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nr; i++) {
		targets[i].name = R[i].name;
		targets[i].opts = &R[i].so;
	}
	for (size_t i = 0; i < nr; i++) {
		R[i].so.fk_targets = targets;
		R[i].so.nr_fk_targets = nr;
	}
	for (size_t i = 0; i < nr; i++)
		if ((err = validate_resource(r, &R[i], metrics)) < 0)
			goto done;
done:
	for (size_t i = 0; R && i < nr; i++)
		res_release(&R[i]);
	free(R);
	free(targets);
	qg_json_free(doc);
	qg_buf_release(&b);
	free(P.base);
	free(P.real_base);
	return err;
}

/* ------------------------------------------------------------------ infer */

static const char *const table_exts[] = { ".csv", ".tsv", ".jsonl", ".ndjson", NULL };

static int resource_name(const char *spec, const struct qg_strvec *taken, struct qg_buf *out)
{
	const char *base = strrchr(spec, '/');
	size_t n, len0;
	char *dot;
	int err;

	base = base ? base + 1 : spec;
	qg_buf_reset(out);
	if ((err = qg_buf_addstr(out, base)) < 0)
		return err;
	for (int k = 0; k < 2 && (dot = strrchr(out->buf, '.')) && dot != out->buf; k++) {
		if (strcmp(dot, ".gz") && strcmp(dot, ".zst") && strcmp(dot, ".csv") && strcmp(dot, ".tsv") &&
		    strcmp(dot, ".jsonl") && strcmp(dot, ".ndjson"))
			break;
		qg_buf_setlen(out, (size_t)(dot - out->buf));
	}
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->buf[i];

		out->buf[i] = isalnum(c) || c == '.' || c == '_' || c == '-' ? (char)tolower(c) : '-';
	}
	if (!out->len && (err = qg_buf_addstr(out, "data")) < 0)
		return err;
	len0 = out->len;
	for (n = 2;; n++) {
		int dup = 0;

		for (size_t i = 0; i < taken->nr; i++)
			dup |= !strcmp(taken->v[i], out->buf);
		if (!dup)
			return 0;
		qg_buf_setlen(out, len0);
		if ((err = qg_buf_addf(out, "-%zu", n)) < 0)
			return err;
	}
}

/* The path of spec relative to the descriptor's folder (real_base). */
static int relative_path(const char *spec, const char *real_base, const char *output, char **out)
{
	char *real;
	size_t n = strlen(real_base);

	*out = NULL;
	if (qg_stream_is_url(spec)) {
		*out = qg_strdup(spec);
		return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
	}
	if (!(real = realpath(spec, NULL)))
		return qg_error(QG_EINPUT, "'%s': %s", spec, strerror(errno));
	if (strncmp(real, real_base, n) || (real[n] != '/' && !(n == 1 && real_base[0] == '/'))) {
		free(real);
		return qg_error(QG_EUSAGE, "'%s' is not inside the folder of '%s': a data package's paths are "
					   "relative to its descriptor and may not leave its folder", spec,
				output ? output : "(stdout: the working folder)");
	}
	*out = qg_strdup(real + n + (real[n] == '/'));
	free(real);
	return *out ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

int data_package_infer(const struct qg_data_opts *o, const char *output, struct qg_buf *out)
{
	struct qg_strvec files, names;
	struct qg_json *doc = NULL, *arr;
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE), dir = QG_BUF_INIT(QG_CAP_PATH);
	char *real_base = NULL;
	const char *slash = output ? strrchr(output, '/') : NULL;
	int err;

	qg_strvec_init(&files);
	qg_strvec_init(&names);
	if (!o->data.nr) {
		err = qg_error(QG_EUSAGE, "infer --package needs DATA files");
		goto done;
	}
	for (size_t i = 0; i < o->data.nr; i++)
		if (!strcmp(o->data.v[i], "-")) {
			err = qg_error(QG_EUSAGE, "infer --package: '-' (stdin) has no path to name in a data package");
			goto done;
		}
	if ((err = qg_buf_addstr(&dir, slash ? "" : ".")) < 0 ||
	    (slash && (err = qg_buf_add(&dir, output, (size_t)(slash - output) + (slash == output))) < 0))
		goto done;
	if (!(real_base = realpath(dir.buf, NULL))) {
		err = qg_error(QG_EINPUT, "'%s': %s", dir.buf, strerror(errno));
		goto done;
	}
	if ((err = qg_stream_expand(&files, (const char *const *)o->data.v, o->data.nr, table_exts)) < 0)
		goto done;
	if (!(doc = qg_json_new_object()) ||
	    !qg_json_add_string(doc, "$schema", "https://datapackage.org/profiles/2.0/datapackage.json") ||
	    !(arr = qg_json_add_array(doc, "resources"))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < files.nr; i++) {
		struct qg_data_opts so = *o;
		struct qg_strvec one;
		struct qg_buf sb = QG_BUF_INIT(PKG_CAP);
		struct qg_json *schema = NULL, *res;
		char *rel = NULL;

		qg_strvec_init(&one);
		if ((err = resource_name(files.v[i], &names, &name)) < 0 || (err = qg_strvec_push(&names, name.buf)) < 0 ||
		    (err = relative_path(files.v[i], real_base, output, &rel)) < 0 ||
		    (err = qg_strvec_push(&one, files.v[i])) < 0)
			goto next;
		so.data = one;
		if ((err = data_infer(&so, &sb)) < 0 || (err = qg_json_parse(&schema, sb.buf, sb.len, files.v[i])) < 0)
			goto next;
		if (!(res = qg_json_new_object()) || qg_json_attach(arr, NULL, res) < 0) {
			qg_json_free(res);
			err = qg_error(QG_ENOMEM, "out of memory");
			goto next;
		}
		if (!qg_json_add_string(res, "name", name.buf) || !qg_json_add_string(res, "path", rel) ||
		    (err = qg_json_attach(res, "schema", schema)) < 0) {
			err = err < 0 ? err : qg_error(QG_ENOMEM, "out of memory");
			goto next;
		}
		schema = NULL;
next:
		qg_json_free(schema);
		free(rel);
		qg_buf_release(&sb);
		qg_strvec_clear(&one);
		if (err < 0)
			goto done;
	}
	if (!(err = qg_json_print(out, doc, 1)))
		err = qg_buf_addch(out, '\n');
done:
	qg_json_free(doc);
	free(real_base);
	qg_buf_release(&name);
	qg_buf_release(&dir);
	qg_strvec_clear(&files);
	qg_strvec_clear(&names);
	return err;
}
