/* coverage_model.c -- the coverage model: files, merged line and branch records
 *
 * Readers append raw records (file, line, hits) and (file, line, key,
 * count) as they meet them; cov_model_finish() sorts and merges them once,
 * which keeps reading a 100k-line report a single pass of appends and two
 * sorts, and makes "several records for one file" the same case as one.
 * Paths are mapped when a file is first named (see coverage.h).
 */
#include "qgate/common.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage.h"

size_t cov_path_normalize(char *p)
{
	int abs = p[0] == '/';
	size_t in = 0, out = 0, len = strlen(p), floor_at = abs ? 1 : 0;

	if (abs)
		out = in = 1;
	while (in < len) {
		size_t e = in;

		while (e < len && p[e] != '/')
			e++;
		size_t n = e - in;

		if (n == 0 || (n == 1 && p[in] == '.')) {
			/* "//" or "./": nothing */
		} else if (n == 2 && p[in] == '.' && p[in + 1] == '.') {
			/* drop the last component unless there is none (or it is "..") */
			size_t s = out;

			if (s > floor_at && p[s - 1] == '/')
				s--;
			size_t b = s;

			while (b > floor_at && p[b - 1] != '/')
				b--;
			if (s > b && !(s - b == 2 && p[b] == '.' && p[b + 1] == '.')) {
				out = b;
			} else if (!abs) {
				if (out > floor_at && p[out - 1] != '/')
					p[out++] = '/';
				p[out++] = '.';
				p[out++] = '.';
				p[out++] = '/';
				floor_at = out;
			}
			/* "/.." is "/" */
		} else {
			if (out > floor_at && p[out - 1] != '/')
				p[out++] = '/';
			memmove(p + out, p + in, n);
			out += n;
			p[out++] = '/';
		}
		in = e + 1;
	}
	if (out > 1 && p[out - 1] == '/')
		out--;
	if (out == 0 && !abs)
		p[out++] = '.';
	p[out] = '\0';
	return out;
}

static char *dir_with_slash(const char *d)
{
	size_t n = strlen(d);
	char *s = malloc(n + 2);

	if (!s)
		return NULL;
	memcpy(s, d, n);
	if (n == 0 || s[n - 1] != '/')
		s[n++] = '/';
	s[n] = '\0';
	return s;
}

/* The repository around cwd: the nearest folder holding .git (a folder,
 * or a file in a worktree); NULL outside one. */
static char *find_root(const char *cwd)
{
	char *d = qg_strdup(cwd);
	struct stat st;

	if (!d)
		return NULL;
	for (;;) {
		size_t n = strlen(d);
		struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH);

		if (qg_buf_addf(&b, "%s%s.git", d, n && d[n - 1] == '/' ? "" : "/") == 0 && lstat(b.buf, &st) == 0) {
			qg_buf_release(&b);
			return d;
		}
		qg_buf_release(&b);
		char *slash = strrchr(d, '/');

		if (!slash || slash == d) {
			free(d);
			return NULL;
		}
		*slash = '\0';
	}
}

int cov_model_init(struct cov_model *m, const char *root)
{
	char cwd[PATH_MAX];
	char *r;

	memset(m, 0, sizeof(*m));
	m->paths = (struct qg_strmap)QG_STRMAP_INIT;
	if (!getcwd(cwd, sizeof(cwd)))
		return qg_error(QG_EIO, "cannot read the working folder: %s", strerror(errno));
	m->cwd = dir_with_slash(cwd);
	if (!m->cwd)
		return qg_error(QG_ENOMEM, "out of memory");
	if (root) {
		char real[PATH_MAX];

		r = qg_strdup(realpath(root, real) ? real : root);
	} else {
		r = find_root(cwd);
		if (!r)
			r = qg_strdup(cwd);
	}
	if (!r)
		return qg_error(QG_ENOMEM, "out of memory");
	m->root = dir_with_slash(r);
	free(r);
	if (!m->root)
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

void cov_model_release(struct cov_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr_files; i++) {
		free(m->files[i].path);
		free(m->files[i].lines);
	}
	free(m->files);
	free(m->rl);
	free(m->rb);
	free(m->root);
	free(m->cwd);
	qg_strmap_release(&m->paths);
	memset(m, 0, sizeof(*m));
}

/* Absolute, folded; then relative to the root when inside it (also through
 * the real path, for a build folder reached by a symlink). */
static int map_path(struct cov_model *m, const char *path, size_t len, const char *base, struct qg_buf *out)
{
	size_t rl = strlen(m->root);
	int err = 0;

	if (len && path[0] == '/') {
		err = qg_buf_add(out, path, len);
	} else {
		const char *b = base && *base ? base : m->cwd;

		err = qg_buf_addstr(out, b);
		if (!err && b[strlen(b) - 1] != '/' )
			err = qg_buf_addch(out, '/');
		if (!err)
			err = qg_buf_add(out, path, len);
		if (!err && out->buf[0] != '/') {
			/* a relative base is relative to the working folder */
			struct qg_buf t = QG_BUF_INIT(QG_CAP_PATH);

			err = qg_buf_addstr(&t, m->cwd);
			if (!err)
				err = qg_buf_add(&t, out->buf, out->len);
			if (!err) {
				qg_buf_reset(out);
				err = qg_buf_add(out, t.buf, t.len);
			}
			qg_buf_release(&t);
		}
	}
	if (err)
		return err;
	if (memchr(out->buf, '\0', out->len))
		qg_buf_setlen(out, strlen(out->buf));
	qg_buf_setlen(out, cov_path_normalize(out->buf));
	if (strncmp(out->buf, m->root, rl) != 0) {
		char real[PATH_MAX];

		if (realpath(out->buf, real) && strncmp(real, m->root, rl) == 0) {
			qg_buf_reset(out);
			err = qg_buf_addstr(out, real);
		}
	}
	if (!err && out->len > rl && strncmp(out->buf, m->root, rl) == 0) {
		memmove(out->buf, out->buf + rl, out->len - rl);
		qg_buf_setlen(out, out->len - rl);
	}
	return err;
}

long cov_model_file(struct cov_model *m, const char *path, size_t len, const char *base)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	long idx;
	int err = map_path(m, path, len, base, &p);

	if (err) {
		qg_buf_release(&p);
		return err == QG_ETOOBIG ? qg_error(QG_EINPUT, "path too long: '%.200s'", path) : err;
	}
	idx = qg_strmap_add(&m->paths, p.buf, p.len);
	if (idx >= 0 && (size_t)idx == m->nr_files) {
		if (QG_ALLOC_GROW(m->files, m->nr_files + 1, m->alloc_files) < 0) {
			qg_buf_release(&p);
			return QG_ENOMEM;
		}
		memset(&m->files[m->nr_files], 0, sizeof(m->files[0]));
		m->files[m->nr_files].path = qg_buf_detach(&p, NULL);
		if (!m->files[m->nr_files].path)
			return qg_error(QG_ENOMEM, "out of memory");
		m->nr_files++;
	}
	qg_buf_release(&p);
	return idx;
}

int cov_model_line(struct cov_model *m, long file, long long line, unsigned long long hits)
{
	if (QG_ALLOC_GROW(m->rl, m->nr_rl + 1, m->alloc_rl) < 0)
		return QG_ENOMEM;
	m->rl[m->nr_rl++] = (struct cov_raw_line){ (uint32_t)file, line, hits };
	return 0;
}

int cov_model_branch(struct cov_model *m, long file, long long line, uint64_t key, long long count)
{
	if (QG_ALLOC_GROW(m->rb, m->nr_rb + 1, m->alloc_rb) < 0)
		return QG_ENOMEM;
	m->rb[m->nr_rb++] = (struct cov_raw_branch){ (uint32_t)file, line, key, count };
	return 0;
}

static int cmp_rl(const void *a, const void *b)
{
	const struct cov_raw_line *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int cmp_rb(const void *a, const void *b)
{
	const struct cov_raw_branch *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

static unsigned long long sat_add(unsigned long long a, unsigned long long b)
{
	return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}

const struct cov_line *cov_file_find(const struct cov_file *f, long long line)
{
	size_t lo = 0, hi = f->nr_lines;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->lines[mid].line < line)
			lo = mid + 1;
		else if (f->lines[mid].line > line)
			hi = mid;
		else
			return &f->lines[mid];
	}
	return NULL;
}

const struct cov_file *cov_model_find(const struct cov_model *m, const char *path)
{
	long i = qg_strmap_find(&m->paths, path, strlen(path));

	return i < 0 ? NULL : &m->files[i];
}

int cov_model_finish(struct cov_model *m)
{
	size_t i = 0;

	if (m->finished)
		return 0;
	if (m->nr_rl) /* qsort wants a pointer even for nothing */
		qsort(m->rl, m->nr_rl, sizeof(*m->rl), cmp_rl);
	if (m->nr_rb)
		qsort(m->rb, m->nr_rb, sizeof(*m->rb), cmp_rb);
	/* lines: one entry per (file, line), hits summed */
	while (i < m->nr_rl) {
		struct cov_file *f = &m->files[m->rl[i].file];
		size_t j = i, n = 0;

		while (j < m->nr_rl && m->rl[j].file == m->rl[i].file) {
			if (j == i || m->rl[j].line != m->rl[j - 1].line)
				n++;
			j++;
		}
		f->lines = calloc(n, sizeof(*f->lines));
		if (!f->lines)
			return qg_error(QG_ENOMEM, "out of memory");
		for (size_t k = i; k < j; k++) {
			if (k == i || m->rl[k].line != m->rl[k - 1].line)
				f->lines[f->nr_lines++] = (struct cov_line){ m->rl[k].line, m->rl[k].hits, 0, 0 };
			else
				f->lines[f->nr_lines - 1].hits = sat_add(f->lines[f->nr_lines - 1].hits, m->rl[k].hits);
		}
		i = j;
	}
	/* branches: one per (file, line, key), taken when any record took it */
	for (i = 0; i < m->nr_rb;) {
		size_t j = i;
		int taken = 0;

		while (j < m->nr_rb && m->rb[j].file == m->rb[i].file && m->rb[j].line == m->rb[i].line &&
		       m->rb[j].key == m->rb[i].key) {
			taken |= m->rb[j].count > 0;
			j++;
		}
		struct cov_file *f = &m->files[m->rb[i].file];
		struct cov_line *l = (struct cov_line *)cov_file_find(f, m->rb[i].line);

		f->br_valid++;
		f->br_covered += taken;
		if (l) {
			l->br_total++;
			l->br_taken += (unsigned)taken;
		}
		i = j;
	}
	for (size_t k = 0; k < m->nr_files; k++) {
		struct cov_file *f = &m->files[k];

		for (size_t l = 0; l < f->nr_lines; l++)
			f->lines_covered += f->lines[l].hits > 0;
		f->lines_valid = (long long)f->nr_lines;
		m->lines_valid += f->lines_valid;
		m->lines_covered += f->lines_covered;
		m->br_valid += f->br_valid;
		m->br_covered += f->br_covered;
	}
	free(m->rl);
	free(m->rb);
	m->rl = NULL;
	m->rb = NULL;
	m->nr_rl = m->alloc_rl = m->nr_rb = m->alloc_rb = 0;
	m->finished = 1;
	return 0;
}

double cov_percent(long long covered, long long valid)
{
	if (valid <= 0)
		return 100.0;
	/* integers first, so 2/3 is 66.66 and 999/1000 is 99.9, never 100 */
	return (double)((unsigned long long)covered * 10000ULL / (unsigned long long)valid) / 100.0;
}

int cov_error_as_input(void)
{
	char *msg = qg_strdup(qg_error_last());
	int err = qg_error(msg ? QG_EINPUT : QG_ENOMEM, "%s", msg ? msg : "out of memory");

	free(msg);
	return err;
}

int cov_input_error(const char *name, long long line, long long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qg_verror(QG_EINPUT, fmt, ap);
	va_end(ap);
	return line > 0 ? qg_error_wrap("'%s':%lld:%lld: ", name, line, col) : qg_error_wrap("'%s': ", name);
}
