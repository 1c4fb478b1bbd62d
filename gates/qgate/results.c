/* results.c -- reading qgate.result/v1 and qgate.run/v1 files back (merge, report)
 *
 * One loader for every command that reads results: a folder is walked in a
 * stable order (entries sorted by name, depth first) and every *.json file
 * in it is parsed. A document whose "schema" starts with "qgate." is kept
 * when it is one we read (qgate.result/v1, qgate.run/v1), refused when it is
 * a later version of one of them (qgate.result/v2: written by a newer qgate,
 * we cannot know what it means) and skipped when it is another qgate
 * document (profiles, ...). Any other JSON is skipped. A *.json file that
 * does not parse at all is refused: it may be a result cut short, and a
 * report that quietly left it out would show a verdict it does not have.
 *
 * Fail closed on paths as well: symbolic links are never followed (neither
 * to files nor to folders), so nothing outside the folder given is read;
 * everything is opened relative to an open folder with O_NOFOLLOW.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/json.h"

#include "front.h"

#define RESULT_FILE_MAX ((size_t)512 << 20)
#define WALK_DEPTH_MAX 32

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Which kind of document: 1 keep, 0 skip, QG_EPARSE refused (message recorded). */
static int schema_kind(const char *schema, const char *name)
{
	static const char *const known[] = { "qgate.result/", "qgate.run/" };

	if (!schema || strncmp(schema, "qgate.", 6))
		return 0;
	for (size_t i = 0; i < QG_ARRAY_SIZE(known); i++) {
		size_t n = strlen(known[i]);

		if (strncmp(schema, known[i], n))
			continue;
		if (!strcmp(schema + n, "v1"))
			return 1;
		return qg_error(QG_EPARSE,
				"'%s': schema '%s' is not one this qgate reads (expected %sv1; "
				"written by a newer qgate?)",
				name, schema, known[i]);
	}
	return 0;
}

/* Parse text read from `name` and add it to the set when it is a qgate document we read. */
static int add_document(struct front_results *set, const char *rel, const char *name,
			const char *text, size_t len)
{
	struct qg_json *doc = NULL;
	struct front_result *r;
	const char *schema, *status;
	const struct qg_json *ec;
	int err = qg_json_parse(&doc, text, len, name), kind;

	if (err < 0)
		return err;
	schema = qg_json_string(qg_json_get(doc, "schema"));
	kind = schema_kind(schema, name);
	if (kind <= 0) {
		qg_json_free(doc);
		return kind;
	}
	status = qg_json_string(qg_json_get(doc, "status"));
	if (!status ||
	    (strcmp(status, "pass") && strcmp(status, "fail") && strcmp(status, "error"))) {
		qg_json_free(doc);
		return qg_error(QG_EPARSE,
				"'%s': member 'status': expected \"pass\", \"fail\" or \"error\"",
				name);
	}
	ec = qg_json_get(doc, "exit_code");
	if (qg_json_type(ec) != QG_JSON_NUMBER || qg_json_number(ec) < 0 ||
	    qg_json_number(ec) > 3) {
		qg_json_free(doc);
		return qg_error(QG_EPARSE, "'%s': member 'exit_code': expected 0, 1, 2 or 3", name);
	}
	if (QG_ALLOC_GROW(set->v, set->nr + 1, set->alloc) < 0) {
		qg_json_free(doc);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	r = &set->v[set->nr];
	memset(r, 0, sizeof(*r));
	if (!(r->path = qg_strdup(rel))) {
		qg_json_free(doc);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	r->doc = doc;
	r->schema = schema;
	r->status = status;
	r->exit_code = (int)qg_json_number(ec);
	if (!strcmp(schema, "qgate.result/v1")) {
		r->gate = qg_json_string(qg_json_get(doc, "gate"));
		r->command = qg_json_string(qg_json_get(doc, "command"));
		r->shard = qg_json_string(qg_json_get(doc, "shard"));
		if (!r->gate) {
			free(r->path);
			qg_json_free(doc);
			return qg_error(QG_EPARSE, "'%s': member 'gate': expected a string", name);
		}
	}
	set->nr++;
	return 0;
}

static int add_audit_log(struct front_results *set, const char *rel, const char *name,
			 const char *text, size_t len);
static int is_jsonl_name(const char *s);

static int read_fd_doc(struct front_results *set, int fd, const char *rel, const char *name)
{
	struct qg_buf text = QG_BUF_INIT(RESULT_FILE_MAX);
	int err = qg_buf_read_fd(&text, fd, name);

	if (!err)
		err = is_jsonl_name(rel) ? add_audit_log(set, rel, name, text.buf, text.len) :
					   add_document(set, rel, name, text.buf, text.len);
	qg_buf_release(&text);
	return err;
}

/* A *.jsonl file: kept when its first line is a qgate.audit/v1 entry. */
static int add_audit_log(struct front_results *set, const char *rel, const char *name,
			 const char *text, size_t len)
{
	const char *eol = memchr(text, '\n', len), *p, *schema;
	size_t first = eol ? (size_t)(eol - text) : len, lines = 0, skip;
	struct qg_json *doc = NULL, *tail = NULL;
	struct front_audit_log *log;
	int err;

	if (qg_json_parse(&doc, text, first, name) < 0) {
		qg_error_clear();
		return 0; /* not JSON lines of ours */
	}
	schema = qg_json_string(qg_json_get(doc, "schema"));
	if (!schema || strncmp(schema, "qgate.audit/", 12)) {
		qg_json_free(doc);
		return 0;
	}
	if (strcmp(schema, "qgate.audit/v1")) {
		err = qg_error(QG_EPARSE,
			       "'%s':1: schema '%s' is not one this qgate reads "
			       "(expected qgate.audit/v1; written by a newer qgate?)",
			       name, schema);
		qg_json_free(doc);
		return err;
	}
	qg_json_free(doc);
	for (p = text; p < text + len; p++)
		if (*p == '\n' || p == text + len - 1)
			lines++;
	skip = lines > FRONT_AUDIT_TAIL ? lines - FRONT_AUDIT_TAIL : 0;
	if (!(tail = qg_json_new_array()))
		return qg_error(QG_ENOMEM, "out of memory");
	p = text;
	for (size_t i = 0; i < lines && p < text + len; i++) {
		const char *e = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(text + len - p);

		if (i >= skip) {
			if ((err = qg_json_parse(&doc, p, n, name)) < 0) {
				qg_json_free(tail);
				return qg_error_wrap("line %zu: ", i + 1);
			}
			if ((err = qg_json_attach(tail, NULL, doc)) < 0) {
				qg_json_free(doc);
				qg_json_free(tail);
				return err;
			}
		}
		p += n + 1;
	}
	if (QG_ALLOC_GROW(set->logs, set->logs_nr + 1, set->logs_alloc) < 0) {
		qg_json_free(tail);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	log = &set->logs[set->logs_nr];
	if (!(log->path = qg_strdup(rel))) {
		qg_json_free(tail);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	log->entries = lines;
	log->tail = tail;
	set->logs_nr++;
	return 0;
}

static int is_jsonl_name(const char *s)
{
	size_t n = strlen(s);

	return n > 6 && !strcmp(s + n - 6, ".jsonl");
}

static int is_json_name(const char *s)
{
	size_t n = strlen(s);

	return n > 5 && !strcmp(s + n - 5, ".json");
}

/* Walk the open folder dfd (named `prefix`, "" at the top); takes dfd. */
static int walk(struct front_results *set, int dfd, const char *top, const char *prefix, int depth)
{
	struct qg_strvec names = QG_STRVEC_INIT;
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int err = 0;

	if (!d) {
		close(dfd);
		return qg_error(QG_EINPUT, "'%s/%s': cannot read folder: %s", top, prefix,
				strerror(errno));
	}
	while (!err && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			err = qg_strvec_push(&names, e->d_name);
	if (!err)
		qsort(names.v, names.nr, sizeof(*names.v), cmp_name);
	for (size_t i = 0; !err && i < names.nr; i++) {
		struct qg_buf rel = QG_BUF_INIT(QG_CAP_PATH);
		struct stat st;
		int fd;

		err = qg_buf_addf(&rel, "%s%s%s", prefix, *prefix ? "/" : "", names.v[i]);
		if (!err && fstatat(dirfd(d), names.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			err = qg_error(QG_EINPUT, "'%s/%s': %s", top, rel.buf, strerror(errno));
		if (err || S_ISLNK(st.st_mode)) {
			/* a link may point anywhere: never followed */
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= WALK_DEPTH_MAX)
				err = qg_error(QG_EINPUT, "'%s/%s': folders nested deeper than %d",
					       top, rel.buf, WALK_DEPTH_MAX);
			else if ((fd = openat(dirfd(d), names.v[i],
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				err = qg_error(QG_EINPUT, "'%s/%s': cannot open folder: %s", top,
					       rel.buf, strerror(errno));
			else
				err = walk(set, fd, top, rel.buf, depth + 1);
		} else if (S_ISREG(st.st_mode) &&
			   (is_json_name(names.v[i]) || is_jsonl_name(names.v[i]))) {
			struct qg_buf shown = QG_BUF_INIT(QG_CAP_PATH);

			if ((err = qg_buf_addf(&shown, "%s/%s", top, rel.buf)) < 0)
				;
			else if ((fd = openat(dirfd(d), names.v[i],
					      O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				err = qg_error(QG_EINPUT, "'%s/%s': cannot open: %s", top, rel.buf,
					       strerror(errno));
			} else {
				/* kept as found under the folder, named as the user can find it */
				err = read_fd_doc(set, fd, rel.buf, shown.buf);
				close(fd);
			}
			qg_buf_release(&shown);
		}
		qg_buf_release(&rel);
	}
	closedir(d);
	qg_strvec_clear(&names);
	return err;
}

int front_results_load_dir(struct front_results *set, const char *dir)
{
	struct stat st;
	int fd;

	/* what the command line names may itself be a link: the user chose it */
	if (stat(dir, &st) < 0)
		return qg_error(QG_EINPUT, "'%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return front_results_load_file(set, dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open folder: %s", dir, strerror(errno));
	return walk(set, fd, dir, "", 0);
}

int front_results_load_file(struct front_results *set, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat st;

	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return qg_error(QG_EINPUT, "'%s': not a regular file", path);
	}
	err = read_fd_doc(set, fd, path, path);
	close(fd);
	return err;
}

void front_results_release(struct front_results *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nr; i++) {
		free(set->v[i].path);
		qg_json_free(set->v[i].doc);
	}
	free(set->v);
	set->v = NULL;
	set->nr = set->alloc = 0;
	for (size_t i = 0; i < set->logs_nr; i++) {
		free(set->logs[i].path);
		qg_json_free(set->logs[i].tail);
	}
	free(set->logs);
	set->logs = NULL;
	set->logs_nr = set->logs_alloc = 0;
}
