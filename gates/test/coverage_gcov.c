/* coverage_gcov.c -- the gcov JSON reader (`gcov --json-format`)
 *
 * gcc 9+ writes one document per translation unit (NAME.gcov.json.gz,
 * gzipped; plain .gcov.json accepted): {"format_version", "gcc_version",
 * "current_working_directory", "data_file", "files": [{"file", "lines":
 * [{"line_number", "count", "branches": [{"count", "throw", ...}], ...}],
 * "functions": [...]}]}. Format versions 1 (gcc 9-13) and 2 (gcc 14, which
 * adds "conditions" and "block_ids") read the same; a newer major version
 * is refused rather than guessed at. A file's path is relative to the
 * document's current_working_directory. A line can appear more than once
 * in one file (two functions on one line, an inlined header): its hits are
 * summed and its branches numbered on from the previous entry, as gcov's
 * text output lists them; the same header in several documents is summed.
 * Branches appear only when gcov ran with -b (--branch-probabilities).
 * The document is parsed whole (qg_json); gcov writes one per object file.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/stream.h"

#include "coverage.h"

#define GCOV_CAP ((size_t)1 << 30)

/* QG_EINPUT naming the document (a structure error names the member). */
#define bad(name, ...) cov_input_error((name), 0, 0, __VA_ARGS__)

/* A non-negative integer member; -1 when absent or not one. */
static double get_count(const struct qg_json *o, const char *key)
{
	const struct qg_json *v = qg_json_get(o, key);
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || !(d >= 0) || d != floor(d) || d > 1.8e19)
		return -1;
	return d;
}

struct entry { long long line; size_t at; };

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

static int read_file_entry(struct cov_model *m, const struct qg_json *fe, size_t fi, const char *cwd, const char *name)
{
	const char *path = qg_json_string(qg_json_get(fe, "file"));
	const struct qg_json *lines = qg_json_get(fe, "lines");
	size_t n = qg_json_size(lines);
	struct entry *order = NULL;
	long file;
	int err = 0;

	if (!path || !*path)
		return bad(name, "files[%zu].file: expected the source's path (a non-empty string)", fi);
	if (qg_json_type(lines) != QG_JSON_ARRAY)
		return bad(name, "files[%zu].lines: expected an array", fi);
	file = cov_model_file(m, path, strlen(path), cwd);
	if (file < 0)
		return (int)file;
	if (n && !(order = malloc(n * sizeof(*order))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct qg_json *l = qg_json_at(lines, i);
		double ln = get_count(l, "line_number"), c = get_count(l, "count");
		const struct qg_json *br = qg_json_get(l, "branches");

		if (qg_json_type(l) != QG_JSON_OBJECT) {
			err = bad(name, "files[%zu].lines[%zu]: expected an object", fi, i);
			goto done;
		}
		if (ln < 1 || ln > 9e15) {
			err = bad(name, "files[%zu].lines[%zu].line_number: expected a positive integer", fi, i);
			goto done;
		}
		if (c < 0) {
			err = bad(name, "files[%zu].lines[%zu].count: expected a non-negative integer (line %.0f)", fi, i, ln);
			goto done;
		}
		if (br && qg_json_type(br) != QG_JSON_ARRAY) {
			err = bad(name, "files[%zu].lines[%zu].branches: expected an array (line %.0f)", fi, i, ln);
			goto done;
		}
		order[i] = (struct entry){ (long long)ln, i };
		if ((err = cov_model_line(m, file, (long long)ln, c >= 1.8e19 ? UINT64_MAX : (unsigned long long)c)))
			goto done;
	}
	/* branches numbered per line across its entries, in document order */
	if (n)
		qsort(order, n, sizeof(*order), cmp_entry);
	uint64_t key = 0;

	for (size_t k = 0; k < n; k++) {
		const struct qg_json *l = qg_json_at(lines, order[k].at);
		const struct qg_json *br = qg_json_get(l, "branches");
		size_t nb = qg_json_size(br);

		if (k == 0 || order[k].line != order[k - 1].line)
			key = 0;
		for (size_t b = 0; b < nb; b++) {
			double bc = get_count(qg_json_at(br, b), "count");

			if (bc < 0) {
				err = bad(name, "files[%zu].lines[%zu].branches[%zu].count: expected a non-negative integer (line %lld)",
					  fi, order[k].at, b, order[k].line);
				goto done;
			}
			if ((err = cov_model_branch(m, file, order[k].line, key++, bc > 9e18 ? INT64_MAX : (long long)bc)))
				goto done;
		}
	}
done:
	free(order);
	return err;
}

int cov_read_gcov_buf(struct cov_model *m, const char *data, size_t len, const char *name)
{
	struct qg_json *doc = NULL;
	const struct qg_json *files, *fv;
	const char *cwd;
	int err = qg_json_parse(&doc, data, len, name);

	if (err)
		return err == QG_ENOMEM ? err : cov_error_as_input();
	if (qg_json_type(doc) != QG_JSON_OBJECT) {
		err = bad(name, "expected a gcov JSON object (gcov --json-format), found %s",
			  qg_json_type_name(qg_json_type(doc)));
		goto done;
	}
	fv = qg_json_get(doc, "format_version");
	if (fv) {
		const char *s = qg_json_string(fv);
		double v = s ? strtod(s, NULL) : qg_json_number(fv);

		if (!(v >= 1 && v < 3)) {
			err = bad(name, "format_version %s is not one this reader knows (1 or 2)",
				  s ? s : "(not a version)");
			goto done;
		}
	}
	files = qg_json_get(doc, "files");
	if (qg_json_type(files) != QG_JSON_ARRAY) {
		err = bad(name, "files: expected an array (is this gcov --json-format output?)");
		goto done;
	}
	cwd = qg_json_string(qg_json_get(doc, "current_working_directory"));
	for (size_t i = 0; i < qg_json_size(files) && !err; i++) {
		const struct qg_json *fe = qg_json_at(files, i);

		if (qg_json_type(fe) != QG_JSON_OBJECT)
			err = bad(name, "files[%zu]: expected an object", i);
		else
			err = read_file_entry(m, fe, i, cwd, name);
	}
done:
	qg_json_free(doc);
	return err;
}

int cov_read_gcov(struct cov_model *m, const char *path)
{
	struct qg_buf b = QG_BUF_INIT(GCOV_CAP);
	int err = qg_stream_read_all(&b, path, GCOV_CAP);

	if (err == QG_EPARSE)
		err = cov_error_as_input();
	if (!err)
		err = cov_read_gcov_buf(m, b.buf, b.len, path);
	qg_buf_release(&b);
	return err;
}
