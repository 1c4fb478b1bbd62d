/* manifest.c -- OCI image manifests and indexes: build, canonical write, fail-closed parse
 *
 * A manifest is written canonically: members in one fixed order (schemaVersion,
 * mediaType, artifactType, config, layers|manifests, subject, annotations; in a
 * descriptor mediaType, artifactType, digest, size, annotations), annotation keys
 * sorted bytewise, no insignificant whitespace. The same struct therefore always
 * gives the same bytes and the same digest, which is what makes a re-push of
 * unchanged files a no-op.
 *
 * The reader refuses anything it cannot vouch for rather than guessing: JSON that
 * does not parse, a duplicated member (qg_json_parse refuses it: two parsers could
 * read two different manifests from one body), schemaVersion other than 2, a mediaType that is
 * neither an OCI manifest nor an OCI index, a descriptor without a valid sha256
 * digest or a non-negative integral size, members of the wrong JSON type. Each
 * refusal is QG_EINPUT naming the file or URL and the JSON pointer of the member.
 * Members the OCI specs allow but qgate does not use (platform, urls, data) are
 * ignored, as the specs require.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/utf8.h"

#include "deploy.h"

#define MAX_SIZE 9007199254740991.0 /* 2^53 - 1: the largest size a JSON number carries exactly */

void dp_desc_release(struct dp_desc *d)
{
	size_t i;

	if (!d)
		return;
	free(d->media_type);
	free(d->artifact_type);
	for (i = 0; i < d->nr_ann; i++) {
		free(d->ann[i].key);
		free(d->ann[i].value);
	}
	free(d->ann);
	memset(d, 0, sizeof(*d));
}

static int annotate(struct dp_annotation **ann, size_t *nr, const char *key, const char *value)
{
	struct dp_annotation *a;
	char *v;
	size_t i;

	if (!key || !*key || !value)
		return qg_error(QG_EUSAGE, "an annotation needs a non-empty key and a value");
	v = qg_strdup(value);
	if (!v)
		return qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; i < *nr; i++)
		if (!strcmp((*ann)[i].key, key)) {
			free((*ann)[i].value);
			(*ann)[i].value = v;
			return 0;
		}
	a = realloc(*ann, (*nr + 1) * sizeof(**ann));
	if (!a) {
		free(v);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	*ann = a;
	a[*nr].key = qg_strdup(key);
	if (!a[*nr].key) {
		free(v);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	a[*nr].value = v;
	(*nr)++;
	return 0;
}

static const char *annotation(const struct dp_annotation *ann, size_t nr, const char *key)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(ann[i].key, key))
			return ann[i].value;
	return NULL;
}

int dp_desc_annotate(struct dp_desc *d, const char *key, const char *value)
{
	return annotate(&d->ann, &d->nr_ann, key, value);
}

const char *dp_desc_annotation(const struct dp_desc *d, const char *key)
{
	return annotation(d->ann, d->nr_ann, key);
}

int dp_manifest_annotate(struct dp_manifest *m, const char *key, const char *value)
{
	return annotate(&m->ann, &m->nr_ann, key, value);
}

const char *dp_manifest_annotation(const struct dp_manifest *m, const char *key)
{
	return annotation(m->ann, m->nr_ann, key);
}

void dp_manifest_release(struct dp_manifest *m)
{
	size_t i;

	if (!m)
		return;
	free(m->media_type);
	free(m->artifact_type);
	dp_desc_release(&m->config);
	for (i = 0; i < m->nr_layers; i++)
		dp_desc_release(&m->layers[i]);
	free(m->layers);
	if (m->subject) {
		dp_desc_release(m->subject);
		free(m->subject);
	}
	for (i = 0; i < m->nr_ann; i++) {
		free(m->ann[i].key);
		free(m->ann[i].value);
	}
	free(m->ann);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ writing */

static int cmp_ann(const void *a, const void *b)
{
	return strcmp((*(const struct dp_annotation *const *)a)->key,
		      (*(const struct dp_annotation *const *)b)->key);
}

static int write_str(struct qg_buf *out, const char *s)
{
	return qg_json_quote(out, s, strlen(s));
}

static int write_annotations(struct qg_buf *out, const struct dp_annotation *ann, size_t nr)
{
	const struct dp_annotation **sorted;
	size_t i;
	int err = 0;

	sorted = malloc((nr ? nr : 1) * sizeof(*sorted));
	if (!sorted)
		return qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; i < nr; i++)
		sorted[i] = &ann[i];
	qsort(sorted, nr, sizeof(*sorted), cmp_ann);
	err = qg_buf_addstr(out, ",\"annotations\":{");
	for (i = 0; !err && i < nr; i++) {
		if (i && sorted[i - 1] && !strcmp(sorted[i - 1]->key, sorted[i]->key)) {
			err = qg_error(QG_EUSAGE, "annotation '%s' given twice", sorted[i]->key);
			break;
		}
		if (i)
			err = qg_buf_addch(out, ',');
		if (!err)
			err = write_str(out, sorted[i]->key);
		if (!err)
			err = qg_buf_addch(out, ':');
		if (!err)
			err = write_str(out, sorted[i]->value);
	}
	if (!err)
		err = qg_buf_addch(out, '}');
	free(sorted);
	return err;
}

static int write_desc(struct qg_buf *out, const struct dp_desc *d)
{
	int err;

	if (!d->media_type || !dp_digest_valid(d->digest) || d->size < 0)
		return qg_error(QG_EUSAGE,
				"descriptor '%s' is incomplete (media type, digest and size needed)",
				d->digest);
	err = qg_buf_addstr(out, "{\"mediaType\":");
	if (!err)
		err = write_str(out, d->media_type);
	if (!err && d->artifact_type) {
		err = qg_buf_addstr(out, ",\"artifactType\":");
		if (!err)
			err = write_str(out, d->artifact_type);
	}
	if (!err)
		err = qg_buf_addf(out, ",\"digest\":\"%s\",\"size\":%lld", d->digest, d->size);
	if (!err && d->nr_ann)
		err = write_annotations(out, d->ann, d->nr_ann);
	if (!err)
		err = qg_buf_addch(out, '}');
	return err;
}

int dp_manifest_write(const struct dp_manifest *m, struct qg_buf *out)
{
	const char *mt = m->media_type ? m->media_type : m->is_index ? DP_MT_INDEX : DP_MT_MANIFEST;
	size_t i;
	int err;

	err = qg_buf_addstr(out, "{\"schemaVersion\":2,\"mediaType\":");
	if (!err)
		err = write_str(out, mt);
	if (!err && m->artifact_type) {
		err = qg_buf_addstr(out, ",\"artifactType\":");
		if (!err)
			err = write_str(out, m->artifact_type);
	}
	if (!err && !m->is_index) {
		err = qg_buf_addstr(out, ",\"config\":");
		if (!err)
			err = write_desc(out, &m->config);
	}
	if (!err)
		err = qg_buf_addstr(out, m->is_index ? ",\"manifests\":[" : ",\"layers\":[");
	for (i = 0; !err && i < m->nr_layers; i++) {
		if (i)
			err = qg_buf_addch(out, ',');
		if (!err)
			err = write_desc(out, &m->layers[i]);
	}
	if (!err)
		err = qg_buf_addch(out, ']');
	if (!err && m->subject) {
		err = qg_buf_addstr(out, ",\"subject\":");
		if (!err)
			err = write_desc(out, m->subject);
	}
	if (!err && m->nr_ann)
		err = write_annotations(out, m->ann, m->nr_ann);
	if (!err)
		err = qg_buf_addch(out, '}');
	if (err == QG_ENOMEM || err == QG_ETOOBIG)
		return qg_error(err, "manifest too large to write");
	return err;
}

/* ------------------------------------------------------------------ parsing */

/* Re-record the last error as QG_EINPUT (a malformed input file is exit 3); the
 * message is copied first: qg_error_last() points into the slot being written. */
static int as_input_error(int err)
{
	char *msg;

	if (err == QG_ENOMEM)
		return err;
	msg = qg_strdup(qg_error_last());
	err = qg_error(QG_EINPUT, "%s", msg ? msg : "unreadable input");
	free(msg);
	return err;
}

struct pctx {
	const char *name;
	char ptr[256]; /* the JSON pointer being read, for messages */
};

static int perr(struct pctx *c, const char *what)
{
	return qg_error(QG_EINPUT, "'%s': %s: %s", c->name, *c->ptr ? c->ptr : "/", what);
}

/* A decoded string that is not UTF-8 (a lone surrogate escape, "\\u0000") would
 * be written back differently, changing the digest: refused. */
static int utf8_ok(const char *s)
{
	return qg_utf8_check(s, strlen(s), NULL) == 0;
}

/* Append "/seg" with '~' and '/' escaped as RFC 6901 says ("~0", "~1"); a pointer
 * longer than the buffer is cut (it only names the place in a message). */
static size_t push_ptr(struct pctx *c, const char *seg)
{
	size_t old = strlen(c->ptr), n = old;

	if (n + 1 < sizeof(c->ptr))
		c->ptr[n++] = '/';
	for (; *seg && n + 2 < sizeof(c->ptr); seg++) {
		if (*seg == '~' || *seg == '/') {
			c->ptr[n++] = '~';
			c->ptr[n++] = *seg == '~' ? '0' : '1';
		} else {
			c->ptr[n++] = *seg;
		}
	}
	c->ptr[n] = '\0';
	return old;
}

static size_t push_idx(struct pctx *c, size_t i)
{
	size_t old = strlen(c->ptr);

	snprintf(c->ptr + old, sizeof(c->ptr) - old, "/%zu", i);
	return old;
}

static int opt_string(struct pctx *c, const struct qg_json *obj, const char *key, char **out)
{
	const struct qg_json *v = qg_json_get(obj, key);
	size_t old;
	int err = 0;

	if (!v)
		return 0;
	old = push_ptr(c, key);
	if (qg_json_type(v) != QG_JSON_STRING)
		err = perr(c, "expected a string");
	else if (!utf8_ok(qg_json_string(v)))
		err = perr(c, "not valid UTF-8");
	else if (!(*out = qg_strdup(qg_json_string(v))))
		err = qg_error(QG_ENOMEM, "out of memory");
	c->ptr[old] = '\0';
	return err;
}

static int parse_annotations(struct pctx *c, const struct qg_json *obj, struct dp_annotation **ann,
			     size_t *nr)
{
	const struct qg_json *a = qg_json_get(obj, "annotations"), *it;
	size_t old;
	int err = 0;

	if (!a)
		return 0;
	old = push_ptr(c, "annotations");
	if (qg_json_type(a) != QG_JSON_OBJECT) {
		err = perr(c, "expected an object of strings");
		goto done;
	}
	for (it = qg_json_first(a); !err && it; it = qg_json_next(it)) {
		if (qg_json_type(it) != QG_JSON_STRING || !utf8_ok(qg_json_key(it)) ||
		    !utf8_ok(qg_json_string(it))) {
			size_t o2 = push_ptr(c, qg_json_key(it));
			err = perr(c, qg_json_type(it) != QG_JSON_STRING ? "expected a string" :
									   "not valid UTF-8");
			c->ptr[o2] = '\0';
			break;
		}
		err = annotate(ann, nr, qg_json_key(it), qg_json_string(it));
		if (err == QG_EUSAGE)
			err = perr(c, "an annotation with an empty key");
	}
done:
	c->ptr[old] = '\0';
	return err;
}

static int parse_desc(struct pctx *c, const struct qg_json *j, struct dp_desc *d)
{
	const struct qg_json *dg, *sz;
	double size;
	size_t old;
	int err;

	if (qg_json_type(j) != QG_JSON_OBJECT)
		return perr(c, "expected a descriptor object");
	err = opt_string(c, j, "mediaType", &d->media_type);
	if (!err && !d->media_type)
		err = perr(c, "descriptor without a mediaType");
	if (!err)
		err = opt_string(c, j, "artifactType", &d->artifact_type);
	if (err)
		return err;
	dg = qg_json_get(j, "digest");
	old = push_ptr(c, "digest");
	if (!dg)
		err = perr(c, "missing (expected sha256:<64 lowercase hex>)");
	else if (!dp_digest_valid(qg_json_string(dg)))
		err = perr(c, "expected sha256:<64 lowercase hex>");
	else
		memcpy(d->digest, qg_json_string(dg), DP_DIGEST_SIZE);
	c->ptr[old] = '\0';
	if (err)
		return err;
	sz = qg_json_get(j, "size");
	size = qg_json_number(sz);
	old = push_ptr(c, "size");
	if (!sz)
		err = perr(c, "missing (expected the size in bytes)");
	else if (qg_json_type(sz) != QG_JSON_NUMBER || !isfinite(size) || size < 0 ||
		 size > MAX_SIZE || size != floor(size))
		err = perr(c, "expected a non-negative integer");
	else
		d->size = (long long)size;
	c->ptr[old] = '\0';
	if (err)
		return err;
	return parse_annotations(c, j, &d->ann, &d->nr_ann);
}

static int parse_tree(struct dp_manifest *m, struct pctx *c, const struct qg_json *root)
{
	const struct qg_json *sv, *list, *it;
	const char *list_key;
	size_t old, i;
	int err;

	if (qg_json_type(root) != QG_JSON_OBJECT)
		return perr(c, "expected a JSON object (an OCI image manifest or index)");
	sv = qg_json_get(root, "schemaVersion");
	if (qg_json_type(sv) != QG_JSON_NUMBER || qg_json_number(sv) != 2) {
		old = push_ptr(c, "schemaVersion");
		err = perr(c, "expected 2");
		c->ptr[old] = '\0';
		return err;
	}
	err = opt_string(c, root, "mediaType", &m->media_type);
	if (!err)
		err = opt_string(c, root, "artifactType", &m->artifact_type);
	if (err)
		return err;
	if (m->media_type) {
		if (!strcmp(m->media_type, DP_MT_INDEX))
			m->is_index = 1;
		else if (strcmp(m->media_type, DP_MT_MANIFEST)) {
			old = push_ptr(c, "mediaType");
			err = qg_error(QG_EINPUT,
				       "'%s': %s: unknown media type '%s' (expected %s or %s)",
				       c->name, c->ptr, m->media_type, DP_MT_MANIFEST, DP_MT_INDEX);
			c->ptr[old] = '\0';
			return err;
		}
	} else {
		/* the specs only say SHOULD: tell the two apart by their members, refuse both */
		int has_m = qg_json_get(root, "manifests") != NULL;
		int has_l = qg_json_get(root, "layers") != NULL ||
			    qg_json_get(root, "config") != NULL;
		if (has_m == has_l)
			return perr(
				c,
				"no mediaType, and neither an index (manifests) nor a manifest (config, layers)");
		m->is_index = has_m;
		m->media_type = qg_strdup(has_m ? DP_MT_INDEX : DP_MT_MANIFEST);
		if (!m->media_type)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	if (!m->is_index) {
		const struct qg_json *cfg = qg_json_get(root, "config");
		if (qg_json_get(root, "manifests"))
			return perr(c, "an image manifest with a 'manifests' member");
		old = push_ptr(c, "config");
		err = cfg ? parse_desc(c, cfg, &m->config) :
			    perr(c, "missing (an image manifest needs a config)");
		c->ptr[old] = '\0';
		if (err)
			return err;
	} else if (qg_json_get(root, "config") || qg_json_get(root, "layers")) {
		return perr(c, "an image index with 'config' or 'layers' members");
	}
	list_key = m->is_index ? "manifests" : "layers";
	list = qg_json_get(root, list_key);
	old = push_ptr(c, list_key);
	if (!list && m->is_index)
		err = perr(c, "missing (an image index needs manifests)");
	else if (list && qg_json_type(list) != QG_JSON_ARRAY)
		err = perr(c, "expected an array of descriptors");
	if (!err && list && qg_json_size(list)) {
		m->layers = calloc(qg_json_size(list), sizeof(*m->layers));
		if (!m->layers)
			err = qg_error(QG_ENOMEM, "out of memory");
		for (it = qg_json_first(list), i = 0; !err && it; it = qg_json_next(it), i++) {
			size_t o2 = push_idx(c, i);
			m->nr_layers = i + 1;
			err = parse_desc(c, it, &m->layers[i]);
			c->ptr[o2] = '\0';
		}
	}
	c->ptr[old] = '\0';
	if (err)
		return err;
	if ((it = qg_json_get(root, "subject")) != NULL) {
		m->subject = calloc(1, sizeof(*m->subject));
		if (!m->subject)
			return qg_error(QG_ENOMEM, "out of memory");
		old = push_ptr(c, "subject");
		err = parse_desc(c, it, m->subject);
		c->ptr[old] = '\0';
		if (err)
			return err;
	}
	return parse_annotations(c, root, &m->ann, &m->nr_ann);
}

int dp_manifest_parse(struct dp_manifest *out, const char *body, size_t len, const char *name)
{
	struct qg_json *root = NULL;
	struct pctx c = { .name = name ? name : "manifest" };
	int err;

	memset(out, 0, sizeof(*out));
	if (qg_utf8_check(body, len, NULL) != 0)
		return qg_error(QG_EINPUT, "'%s': not UTF-8 text (a manifest is JSON in UTF-8)",
				c.name);
	err = qg_json_parse(&root, body, len, c.name);
	if (err) {
		if (err != QG_ENOMEM)
			err = as_input_error(err);
		return err;
	}
	err = parse_tree(out, &c, root);
	qg_json_free(root);
	if (err)
		dp_manifest_release(out);
	return err;
}
