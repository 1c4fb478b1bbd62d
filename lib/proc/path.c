/* path.c -- finding programs: the one PATH walk
 *
 * path_walk() visits the folders a program name is looked up in, in order:
 * `beside` first when given, then each PATH entry (empty entries mean ".",
 * PATH unset means confstr(_CS_PATH)). qg_path_find() stops at the first
 * folder holding an executable regular file of that name; qg_path_list()
 * collects every such name with a prefix. Both run in the parent: the child
 * of lib/proc/run.c resolves nothing after fork() (git's prepare_cmd()).
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/path.h"

/* Called with each folder (not NUL-terminated: dir[0..len)); returns 1 to
 * stop the walk, 0 to go on, a negative QG_E* to stop with an error. */
typedef int (*path_visit_fn)(const char *dir, size_t len, void *ctx);

static int path_walk(const char *beside, path_visit_fn visit, void *ctx)
{
	const char *path = getenv("PATH"), *p;
	char deflt[256];
	int r;

	if (beside && *beside) {
		r = visit(beside, strlen(beside), ctx);
		if (r)
			return r;
	}
	if (!path) {
		size_t n = confstr(_CS_PATH, deflt, sizeof(deflt));

		path = n > 0 && n <= sizeof(deflt) ? deflt : "/bin:/usr/bin";
	}
	for (p = path;;) {
		const char *colon = strchrnul(p, ':');
		size_t n = (size_t)(colon - p);

		/* POSIX: an empty entry is the working folder */
		r = n ? visit(p, n, ctx) : visit(".", 1, ctx);
		if (r)
			return r;
		if (!*colon)
			return 0;
		p = colon + 1;
	}
}

/* 1 when path is a regular file the effective user may execute; 0 when not
 * (*seen set when it exists as a file at all, so ENOTFOUND can say EACCES). */
static int is_program(const char *path, int *seen)
{
	struct stat st;

	if (stat(path, &st) || S_ISDIR(st.st_mode))
		return 0;
	if (S_ISREG(st.st_mode) && faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 1;
	*seen = 1;
	return 0;
}

struct find_ctx {
	struct qg_buf *out;
	const char *name;
	int seen;
};

static int find_visit(const char *dir, size_t len, void *vctx)
{
	struct find_ctx *f = vctx;
	int err;

	qg_buf_reset(f->out);
	err = qg_buf_add(f->out, dir, len);
	if (!err && (len == 0 || dir[len - 1] != '/'))
		err = qg_buf_addch(f->out, '/');
	if (!err)
		err = qg_buf_addstr(f->out, f->name);
	if (err)
		return err;
	return is_program(f->out->buf, &f->seen);
}

int qg_path_find(struct qg_buf *out, const char *name, const char *beside)
{
	struct find_ctx f = { out, name, 0 };
	int r;

	qg_buf_reset(out);
	if (!name || !*name) {
		errno = ENOENT;
		return qg_error(QG_ENOTFOUND, "empty program name");
	}
	if (strchr(name, '/'))
		return qg_buf_addstr(out, name);
	r = path_walk(beside, find_visit, &f);
	if (r > 0)
		return 0;
	qg_buf_reset(out);
	if (r < 0)
		return r;
	errno = f.seen ? EACCES : ENOENT;
	if (beside && *beside)
		return qg_error(QG_ENOTFOUND, "'%s' not found in '%s' or on PATH", name, beside);
	return qg_error(QG_ENOTFOUND, "'%s' not found on PATH", name);
}

struct list_ctx {
	struct qg_strvec *out;
	const char *prefix;
	size_t plen;
};

static int listed(const struct qg_strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}

static int list_visit(const char *dir, size_t len, void *vctx)
{
	struct list_ctx *l = vctx;
	struct qg_buf full = QG_BUF_INIT(QG_CAP_PATH);
	char *folder = qg_strndup(dir, len);
	struct dirent *e;
	DIR *d;
	int err = 0, seen = 0;

	if (!folder)
		return qg_error(QG_ENOMEM, "out of memory");
	d = opendir(folder);
	if (!d) {
		free(folder);
		return 0; /* a folder we cannot read holds nothing we can run */
	}
	while (!err && (e = readdir(d))) {
		const char *rest = e->d_name + l->plen;

		if (strncmp(e->d_name, l->prefix, l->plen) || !*rest || listed(l->out, rest))
			continue;
		qg_buf_reset(&full);
		err = qg_buf_addf(&full, "%s/%s", folder, e->d_name);
		if (!err && is_program(full.buf, &seen))
			err = qg_strvec_push(l->out, rest);
	}
	closedir(d);
	qg_buf_release(&full);
	free(folder);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int qg_path_list(struct qg_strvec *out, const char *prefix, const char *beside)
{
	struct list_ctx l = { out, prefix ? prefix : "", prefix ? strlen(prefix) : 0 };
	int err = path_walk(beside, list_visit, &l);

	if (err < 0)
		return err;
	if (out->nr > 1)
		qsort(out->v, out->nr, sizeof(*out->v), cmp_str);
	return 0;
}

int qg_path_self_dir(struct qg_buf *out)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	qg_buf_reset(out);
	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return qg_error(QG_ENOTFOUND, "cannot tell where this program lives (/proc/self/exe)");
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return qg_error(QG_ENOTFOUND, "cannot tell where this program lives (/proc/self/exe)");
	/* the root folder stays "/" */
	return qg_buf_add(out, buf, slash == buf ? 1 : (size_t)(slash - buf));
}
