/* test_git_repo.c -- the repository as data (git_repo.c, git_diff.c) against fx_git(1)
 *
 * Every repository is built with the real git command in a temp folder, and
 * what libgit2 reports is compared with what git itself prints: the added
 * lines and hunks of each file with `git diff -U0` / `-U3` (renames,
 * statuses and binary files from --name-status -z and --numstat -z), the
 * index with `git ls-files -s -z`, blobs with `git cat-file`.
 */
#include "qgate/common.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/git.h"
#include "qgate/run.h"

#include "test_git_fixture.h"

static char base[64];
static char repo[128];
static char first_commit[41];

static void git_line(struct qg_buf *out, const char *dir, const char *a1, const char *a2, const char *a3)
{
	fx_git(out, dir, a1, a2, a3, NULL);
	qg_buf_rtrim(out);
}

/* Clone the test repository into base/name (depth 0: the whole history). */
static void clone_repo(char *out, size_t len, const char *name, int depth)
{
	char url[160], d[16];

	snprintf(out, len, "%s/%s", base, name);
	snprintf(url, sizeof(url), "file://%s", repo);
	snprintf(d, sizeof(d), "%d", depth);
	if (depth)
		fx_git(NULL, base, "clone", "-q", "--depth", d, url, out, NULL);
	else
		fx_git(NULL, base, "clone", "-q", url, out, NULL);
}

/* "prefix1\n" .. "prefixN\n", with line `edit` replaced by "edited\n" (0: none). */
static void write_lines(const char *dir, const char *name, const char *prefix, int n, int edit)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int i;

	for (i = 1; i <= n; i++)
		assert_int_equal(i == edit ? qg_buf_addstr(&b, "edited\n") : qg_buf_addf(&b, "%s %d\n", prefix, i), 0);
	fx_write_bytes(dir, name, b.buf, b.len);
	qg_buf_release(&b);
}

static const char nl_name[] = "new\nline.txt";

/*
 * The repository: commit 1 (the base), commit 2 on main (HEAD) with a
 * modified, a renamed-and-edited, an added, a deleted, a binary, a
 * mode-changed file, a file that became a symlink, one that gained its
 * final newline, a CRLF file, and names with a space and a newline; then a
 * staged-only change (stay.txt) and a work-tree-only change (a.txt line 1).
 */
static int setup_group(void **state)
{
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);

	if (fx_init_repo(base, sizeof(base), "/tmp/qg-gitrepo.XXXXXX", repo, sizeof(repo)) < 0)
		return -1;
	write_lines(repo, "a.txt", "line", 10, 0);
	write_lines(repo, "old.txt", "the old file's line", 20, 0);
	fx_write_file(repo, "del.txt", "gone\n");
	fx_write_file(repo, "sp ace.txt", "a\nb\n");
	fx_write_file(repo, nl_name, "1\n");
	fx_write_bytes(repo, "bin.dat", "\0abc", 4);
	fx_write_file(repo, "stay.txt", "s\n");
	fx_write_file(repo, "cut.txt", "1\n2\n3\n");
	fx_write_file(repo, "run.sh", "echo\n");
	fx_write_file(repo, "nonl.txt", "a\nb");
	fx_write_file(repo, "crlf.txt", "a\r\nb\r\nc\r\n");
	fx_write_file(repo, "link.txt", "a regular file\n");
	fx_write_file(repo, ".gitignore", "*.o\nbuild/\n");
	fx_git(NULL, repo, "add", "-A", NULL);
	fx_git(NULL, repo, "commit", "-q", "-m", "first", NULL);
	fx_git(&out, repo, "rev-parse", "HEAD", NULL);
	qg_buf_rtrim(&out);
	memcpy(first_commit, out.buf, 41);

	fx_write_file(repo, "a.txt", "line 1\nline 2\nLINE 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\n"
				  "line 11\nline 12\n");
	fx_git(NULL, repo, "mv", "old.txt", "renamed.txt", NULL);
	write_lines(repo, "renamed.txt", "the old file's line", 21, 5);
	fx_write_file(repo, "added.txt", "x\ny\n");
	fx_git(NULL, repo, "rm", "-q", "del.txt", NULL);
	fx_write_file(repo, "sp ace.txt", "a\nB\nc\n");
	fx_write_file(repo, nl_name, "1\n2\n");
	fx_write_bytes(repo, "bin.dat", "\0abd", 4);
	fx_write_file(repo, "cut.txt", "1\n3\n");
	fx_write_file(repo, "nonl.txt", "a\nb\nc\n");
	fx_write_file(repo, "crlf.txt", "a\r\nB\r\nc\r\n");
	{
		char p[200];

		snprintf(p, sizeof(p), "%s/link.txt", repo);
		unlink(p);
		assert_int_equal(symlink("a.txt", p), 0);
	}
	{
		char p[200];

		snprintf(p, sizeof(p), "%s/run.sh", repo);
		chmod(p, 0755);
	}
	fx_git(NULL, repo, "add", "-A", NULL);
	fx_git(NULL, repo, "commit", "-q", "-m", "second", NULL);

	fx_write_file(repo, "stay.txt", "s\nstaged\n");
	fx_git(NULL, repo, "add", "stay.txt", NULL);
	fx_write_file(repo, "a.txt", "LINE 1\nline 2\nLINE 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\n"
				  "line 11\nline 12\n");
	qg_buf_release(&out);
	return 0;
}

static int teardown_group(void **state)
{
	fx_rm_rf(base);
	return 0;
}

/* git's C-quoted path ("a/new\nline.txt" with quotes) or a plain one, the
 * a/ or b/ prefix dropped, the trailing tab git adds after names with spaces too. */
static void unquote_path(struct qg_buf *out, const char *s, size_t len)
{
	size_t i;

	qg_buf_reset(out);
	if (len && s[len - 1] == '\t')
		len--;
	if (len && s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++) {
			int c = (unsigned char)s[i];

			if (c == '\\' && i + 1 < len) {
				c = (unsigned char)s[++i];
				if (c >= '0' && c <= '7') {
					c = (s[i] - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0');
					i += 2;
				} else {
					const char *from = "abtnvfr", *to = "\a\b\t\n\v\f\r";
					const char *p = strchr(from, c);

					if (p)
						c = to[p - from];
				}
			}
			assert_int_equal(qg_buf_addch(out, c), 0);
		}
	} else {
		assert_int_equal(qg_buf_add(out, s, len), 0);
	}
	if (out->len > 2 && (out->buf[1] == '/') && (out->buf[0] == 'a' || out->buf[0] == 'b')) {
		memmove(out->buf, out->buf + 2, out->len - 2);
		qg_buf_setlen(out, out->len - 2);
	}
}

/* One file as both sides describe it, in a canonical one-line form. */
struct want {
	char status;
	char *path, *old_path;
	int binary;
	struct qg_buf lines; /* ",3,11,12" */
	struct qg_buf hunks; /* " -3,1+3,1" per hunk */
};

static struct want *want_find(struct want *w, size_t nr, const char *path)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(w[i].path, path))
			return &w[i];
	fail_msg("git's patch names '%s', which --name-status did not list", path);
	return NULL;
}

static void parse_range(const char **p, long long *start, long long *count)
{
	char *end;

	*start = strtoll(*p, &end, 10);
	*count = 1;
	if (*end == ',')
		*count = strtoll(end + 1, &end, 10);
	*p = end;
}

/* What git says about `args` (the diff's revisions), as canonical text. */
static void git_expected(struct qg_buf *canon, const char *const *args, const char *context)
{
	struct qg_buf ns = QG_BUF_INIT(QG_CAP_REPORT), num = QG_BUF_INIT(QG_CAP_REPORT),
		      patch = QG_BUF_INIT(QG_CAP_REPORT), path = QG_BUF_INIT(QG_CAP_PATH);
	struct want w[32];
	size_t nr = 0, i;
	const char *p, *end;
	struct want *cur = NULL;
	int header = 0;

	memset(w, 0, sizeof(w));
	fx_git(&ns, repo, "diff", "--name-status", "-z", "-M", args[0], args[1], args[2], NULL);
	for (p = ns.buf, end = ns.buf + ns.len; p < end;) {
		char st = *p;

		assert_true(nr < QG_ARRAY_SIZE(w));
		w[nr].status = st;
		qg_buf_init(&w[nr].lines, QG_CAP_REPORT);
		qg_buf_init(&w[nr].hunks, QG_CAP_REPORT);
		p += strlen(p) + 1;
		if (st == 'R' || st == 'C') {
			w[nr].old_path = qg_strdup(p);
			p += strlen(p) + 1;
		}
		w[nr].path = qg_strdup(p);
		p += strlen(p) + 1;
		nr++;
	}
	fx_git(&num, repo, "diff", "--numstat", "-z", "-M", args[0], args[1], args[2], NULL);
	for (p = num.buf, end = num.buf + num.len; p < end;) {
		int bin = !strncmp(p, "-\t-\t", 4);
		const char *name = strrchr(p, '\t') + 1;

		p += strlen(p) + 1;
		if (!*name) { /* a rename: old and new follow */
			p += strlen(p) + 1;
			name = p;
			p += strlen(p) + 1;
		}
		want_find(w, nr, name)->binary = bin;
	}
	fx_git(&patch, repo, "diff", context, "-M", args[0], args[1], args[2], NULL);
	for (p = patch.buf, end = patch.buf + patch.len; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (!strncmp(p, "diff --git ", 11)) {
			header = 1;
			cur = NULL;
		} else if (header && !strncmp(p, "--- ", 4)) {
			unquote_path(&path, p + 4, len - 4); /* the old name: only a deleted file's key */
		} else if (header && !strncmp(p, "+++ ", 4)) {
			if (strncmp(p + 4, "/dev/null", 9))
				unquote_path(&path, p + 4, len - 4);
			cur = want_find(w, nr, path.buf);
		} else if (!strncmp(p, "@@ -", 4)) {
			const char *q = p + 4;
			long long os, ol, ns_, nl, l;

			header = 0;
			assert_non_null(cur);
			parse_range(&q, &os, &ol);
			assert_true(q[0] == ' ' && q[1] == '+');
			q += 2;
			parse_range(&q, &ns_, &nl);
			assert_int_equal(qg_buf_addf(&cur->hunks, " -%lld,%lld+%lld,%lld", os, ol, ns_, nl), 0);
			/* with -U0 every line of the new range is a '+' line */
			if (!strcmp(context, "-U0"))
				for (l = ns_; l < ns_ + nl; l++)
					assert_int_equal(qg_buf_addf(&cur->lines, ",%lld", l), 0);
		}
		p += len + 1;
	}
	for (i = 0; i < nr; i++) {
		assert_int_equal(qg_buf_addf(canon, "%c '%s' <- '%s'%s lines%s hunks%s\n", w[i].status, w[i].path,
					     w[i].old_path ? w[i].old_path : "", w[i].binary ? " binary" : "",
					     w[i].lines.buf, w[i].hunks.buf),
				 0);
		free(w[i].path);
		free(w[i].old_path);
		qg_buf_release(&w[i].lines);
		qg_buf_release(&w[i].hunks);
	}
	qg_buf_release(&ns);
	qg_buf_release(&num);
	qg_buf_release(&patch);
	qg_buf_release(&path);
}

static void ours_canonical(struct qg_buf *canon, const struct qg_git_diff *d, int with_lines)
{
	size_t i, j;

	for (i = 0; i < d->nr; i++) {
		const struct qg_git_diff_file *f = &d->files[i];
		int renamed = f->status == 'R' || f->status == 'C';

		assert_int_equal(qg_buf_addf(canon, "%c '%s' <- '%s'%s lines", f->status, f->path,
					     renamed ? f->old_path : "", f->binary ? " binary" : ""),
				 0);
		if (f->status == 'A')
			assert_null(f->old_path);
		else
			assert_non_null(f->old_path);
		for (j = 0; with_lines && j < f->nr_added; j++) {
			assert_int_equal(qg_buf_addf(canon, ",%lld", f->added[j]), 0);
			assert_true(qg_git_diff_file_added(f, f->added[j]));
			assert_ptr_equal(qg_git_diff_find(d, f->path), f);
		}
		assert_int_equal(qg_buf_addstr(canon, " hunks"), 0);
		for (j = 0; j < f->nr_hunks; j++)
			assert_int_equal(qg_buf_addf(canon, " -%lld,%lld+%lld,%lld", f->hunks[j].old_start,
						     f->hunks[j].old_lines, f->hunks[j].new_start, f->hunks[j].new_lines),
					 0);
		assert_int_equal(qg_buf_addch(canon, '\n'), 0);
	}
}

/* Sort the canonical lines (git orders renames by their old name). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_lines(struct qg_buf *b)
{
	struct qg_strvec v = QG_STRVEC_INIT;
	char *p, *nl;
	size_t i;

	for (p = b->buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		/* names may hold a newline: a canonical line ends at "\n" after "hunks..." */
		const char *h = strstr(p, " hunks");

		if (h && nl < h)
			nl = strchr(h, '\n');
		char *line = qg_strndup(p, (size_t)(nl - p + 1));

		assert_non_null(line);
		assert_int_equal(qg_strvec_push(&v, line), 0);
		free(line);
	}
	qsort(v.v, v.nr, sizeof(*v.v), cmp_str);
	qg_buf_reset(b);
	for (i = 0; i < v.nr; i++)
		assert_int_equal(qg_buf_addstr(b, v.v[i]), 0);
	qg_strvec_clear(&v);
}

static void check_target(enum qg_git_diff_target target, const char *const *args)
{
	struct qg_git_repo *r = NULL;
	struct qg_git_diff d;
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT), got = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_git_repo_open(&r, repo), 0);

	/* -U0: the exact added lines */
	git_expected(&want, args, "-U0");
	assert_int_equal(qg_git_diff(r, first_commit, target, 0, &d), 0);
	ours_canonical(&got, &d, 1);
	sort_lines(&want);
	sort_lines(&got);
	assert_string_equal(got.buf, want.buf);
	qg_git_diff_release(&d);

	/* -U3: the hunks with their context (what --filter diff-context reads) */
	qg_buf_reset(&want);
	qg_buf_reset(&got);
	git_expected(&want, args, "-U3");
	assert_int_equal(qg_git_diff(r, first_commit, target, 3, &d), 0);
	ours_canonical(&got, &d, 0);
	sort_lines(&want);
	sort_lines(&got);
	assert_string_equal(got.buf, want.buf);
	qg_git_diff_release(&d);

	qg_git_repo_free(r);
	qg_buf_release(&want);
	qg_buf_release(&got);
}

static void test_git_repo_diff_head_matches_git(void **state)
{
	check_target(QG_GIT_DIFF_HEAD, (const char *const[]){ first_commit, "HEAD", "--" });
}

static void test_git_repo_diff_index_matches_git(void **state)
{
	check_target(QG_GIT_DIFF_INDEX, (const char *const[]){ "--cached", first_commit, "--" });
}

static void test_git_repo_diff_workdir_matches_git(void **state)
{
	check_target(QG_GIT_DIFF_WORKDIR, (const char *const[]){ first_commit, "--", "." });
}

/* The same facts spelled out, so a shared misreading of git's output
 * (by both sides of the comparison) cannot pass. */
static void test_git_repo_diff_known_lines(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_git_diff d;
	const struct qg_git_diff_file *f;

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	assert_int_equal(qg_git_diff(r, first_commit, QG_GIT_DIFF_WORKDIR, 3, &d), 0);

	f = qg_git_diff_find(&d, "a.txt");
	assert_non_null(f);
	assert_int_equal(f->status, 'M');
	assert_int_equal(f->nr_added, 4); /* 1 (work tree), 3 (HEAD), 11, 12 */
	assert_int_equal(f->added[0], 1);
	assert_int_equal(f->added[1], 3);
	assert_int_equal(f->added[2], 11);
	assert_int_equal(f->added[3], 12);
	assert_false(qg_git_diff_file_added(f, 2));

	f = qg_git_diff_find(&d, "renamed.txt");
	assert_non_null(f);
	assert_int_equal(f->status, 'R');
	assert_string_equal(f->old_path, "old.txt");
	assert_int_equal(f->nr_added, 2);
	assert_int_equal(f->added[0], 5);
	assert_int_equal(f->added[1], 21);
	assert_null(qg_git_diff_find(&d, "old.txt"));

	f = qg_git_diff_find(&d, "added.txt");
	assert_non_null(f);
	assert_int_equal(f->status, 'A');
	assert_int_equal(f->nr_added, 2);

	f = qg_git_diff_find(&d, "del.txt");
	assert_non_null(f);
	assert_int_equal(f->status, 'D');
	assert_int_equal(f->nr_added, 0);

	f = qg_git_diff_find(&d, "stay.txt"); /* staged only: in the work tree through the index */
	assert_non_null(f);
	assert_int_equal(f->nr_added, 1);
	assert_int_equal(f->added[0], 2);

	f = qg_git_diff_find(&d, "bin.dat");
	assert_non_null(f);
	assert_int_equal(f->binary, 1);
	assert_int_equal(f->nr_added, 0);

	f = qg_git_diff_find(&d, nl_name);
	assert_non_null(f);
	assert_int_equal(f->nr_added, 1);
	assert_int_equal(f->added[0], 2);

	f = qg_git_diff_find(&d, "sp ace.txt");
	assert_non_null(f);
	assert_int_equal(f->nr_added, 2);

	f = qg_git_diff_find(&d, "cut.txt"); /* a pure deletion: a hunk, no added line */
	assert_non_null(f);
	assert_int_equal(f->nr_added, 0);
	assert_int_equal(f->nr_hunks, 1);

	f = qg_git_diff_find(&d, "run.sh"); /* mode only */
	assert_non_null(f);
	assert_int_equal(f->status, 'M');
	assert_int_equal(f->nr_hunks, 0);

	f = qg_git_diff_find(&d, "link.txt"); /* a file that became a symlink: its one line is new */
	assert_non_null(f);
	assert_int_equal(f->status, 'T');
	assert_string_equal(f->old_path, "link.txt");
	assert_int_equal(f->nr_added, 1);
	assert_int_equal(f->added[0], 1);

	f = qg_git_diff_find(&d, "nonl.txt"); /* the old last line gains its newline: changed */
	assert_non_null(f);
	assert_int_equal(f->nr_added, 2);
	assert_int_equal(f->added[0], 2);

	assert_null(qg_git_diff_find(&d, ".gitignore"));
	qg_git_diff_release(&d);

	/* HEAD ignores the staged and the work-tree change */
	assert_int_equal(qg_git_diff(r, first_commit, QG_GIT_DIFF_HEAD, 3, &d), 0);
	assert_null(qg_git_diff_find(&d, "stay.txt"));
	f = qg_git_diff_find(&d, "a.txt");
	assert_non_null(f);
	assert_int_equal(f->nr_added, 3);
	qg_git_diff_release(&d);

	/* the index has the staged one, not the work tree's */
	assert_int_equal(qg_git_diff(r, first_commit, QG_GIT_DIFF_INDEX, 3, &d), 0);
	assert_non_null(qg_git_diff_find(&d, "stay.txt"));
	assert_int_equal(qg_git_diff_find(&d, "a.txt")->nr_added, 3);
	qg_git_diff_release(&d);

	/* an unknown base is a usage error naming it */
	assert_int_equal(qg_git_diff(r, "no-such-ref", QG_GIT_DIFF_HEAD, 3, &d), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "no-such-ref"));
	assert_int_equal(d.nr, 0);
	qg_git_repo_free(r);
}

/* Every index entry, as `git ls-files -s -z` lists it. */
struct ls_state {
	struct qg_buf text;
	int stop_after;
	int seen;
};

static int ls_cb(void *ud, const struct qg_git_file *f)
{
	struct ls_state *s = ud;

	assert_int_equal(qg_buf_addf(&s->text, "%06o %s 0\t%s", f->mode, f->oid, f->path), 0);
	assert_int_equal(qg_buf_addch(&s->text, '\0'), 0);
	s->seen++;
	return s->stop_after && s->seen == s->stop_after ? 42 : 0;
}

static void test_git_repo_ls_files_matches_git(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT);
	struct ls_state s = { QG_BUF_INIT(QG_CAP_REPORT), 0, 0 };

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	fx_git(&want, repo, "ls-files", "-s", "-z", NULL);
	assert_int_equal(qg_git_ls_files(r, ls_cb, &s), 0);
	assert_int_equal(s.text.len, want.len);
	assert_memory_equal(s.text.buf, want.buf, want.len);
	assert_non_null(memmem(s.text.buf, s.text.len, "100755", 6)); /* run.sh's mode */

	/* a callback's non-zero stops the walk and is returned */
	qg_buf_reset(&s.text);
	s.seen = 0;
	s.stop_after = 2;
	assert_int_equal(qg_git_ls_files(r, ls_cb, &s), 42);
	assert_int_equal(s.seen, 2);
	qg_git_repo_free(r);
	qg_buf_release(&want);
	qg_buf_release(&s.text);
}

struct conflict_state {
	int seen_a;
	int entries;
	char oid[41];
};

static int conflict_cb(void *ud, const struct qg_git_file *f)
{
	struct conflict_state *s = ud;

	s->entries++;
	if (!strcmp(f->path, "a.txt")) {
		s->seen_a++;
		memcpy(s->oid, f->oid, 41);
	}
	return 0;
}

/* A merge conflict: the path comes once, as "ours" (stage 2). */
static void test_git_repo_ls_files_conflict_once(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_buf ours = QG_BUF_INIT(QG_CAP_REPORT), paths = QG_BUF_INIT(QG_CAP_REPORT);
	struct conflict_state s = { 0, 0, "" };
	const char *prev;
	char clone[160];
	size_t i, unique = 0;

	clone_repo(clone, sizeof(clone), "conflict", 0);
	fx_git(NULL, clone, "checkout", "-q", "-b", "side", NULL);
	fx_write_file(clone, "a.txt", "side\n");
	fx_git(NULL, clone, "commit", "-q", "-am", "side", NULL);
	fx_git(NULL, clone, "checkout", "-q", "main", NULL);
	fx_write_file(clone, "a.txt", "ours\n");
	fx_git(NULL, clone, "commit", "-q", "-am", "ours", NULL);
	/* the merge fails (exit 1) and leaves stages 1, 2 and 3 of a.txt */
	fx_git_exit(1, clone, "merge", "-q", "side", NULL);

	git_line(&ours, clone, "rev-parse", ":2:a.txt", NULL);
	fx_git(&paths, clone, "ls-files", "-z", NULL);
	/* git ls-files names a conflicted path once per stage (adjacent): count names once */
	for (i = 0, prev = NULL; i < paths.len; i += strlen(paths.buf + i) + 1) {
		if (!prev || strcmp(prev, paths.buf + i))
			unique++;
		prev = paths.buf + i;
	}
	assert_int_equal(qg_git_repo_open(&r, clone), 0);
	assert_int_equal(qg_git_ls_files(r, conflict_cb, &s), 0);
	assert_int_equal(s.seen_a, 1);
	assert_string_equal(s.oid, ours.buf);
	assert_int_equal((size_t)s.entries, unique);
	qg_git_repo_free(r);
	qg_buf_release(&ours);
	qg_buf_release(&paths);
}

static void test_git_repo_read_blob_is_the_staged_content(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_buf oid = QG_BUF_INIT(QG_CAP_REPORT), blob = QG_BUF_INIT(QG_CAP_FILE), small = QG_BUF_INIT(4);

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	git_line(&oid, repo, "rev-parse", ":a.txt", NULL);
	assert_int_equal(qg_git_read_blob(r, oid.buf, &blob), 0);
	/* the index has HEAD's a.txt: the work tree's "LINE 1" is not staged */
	assert_int_equal(strncmp(blob.buf, "line 1\nline 2\nLINE 3\n", 21), 0);
	assert_int_equal(blob.len, strlen("line 1\nline 2\nLINE 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n"
					  "line 10\nline 11\nline 12\n"));

	qg_buf_reset(&blob);
	git_line(&oid, repo, "rev-parse", ":bin.dat", NULL);
	assert_int_equal(qg_git_read_blob(r, oid.buf, &blob), 0);
	assert_int_equal(blob.len, 4);
	assert_memory_equal(blob.buf, "\0abd", 4);

	git_line(&oid, repo, "rev-parse", ":a.txt", NULL);
	assert_int_equal(qg_git_read_blob(r, oid.buf, &small), QG_ETOOBIG);
	assert_int_equal(small.len, 0);
	assert_int_equal(qg_git_read_blob(r, "0123456789012345678901234567890123456789", &blob), QG_EINPUT);
	assert_int_equal(qg_git_read_blob(r, "HEAD", &blob), QG_EUSAGE);
	qg_git_repo_free(r);
	qg_buf_release(&oid);
	qg_buf_release(&blob);
	qg_buf_release(&small);
}

/* -j workers share one handle: blobs read from 4 threads at once while a
 * fifth walks the index come back whole (ASan/UBSan watch the rest). */
struct reader {
	struct qg_git_repo *r;
	const char *oid;
	size_t want_len;
	int bad;
};

static void *read_many(void *arg)
{
	struct reader *rd = arg;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	int i;

	for (i = 0; i < 200; i++) {
		qg_buf_reset(&b);
		if (qg_git_read_blob(rd->r, rd->oid, &b) || b.len != rd->want_len ||
		    strncmp(b.buf, "line 1\nline 2\nLINE 3\n", 21))
			rd->bad++;
	}
	qg_buf_release(&b);
	return NULL;
}

struct walk {
	struct qg_git_repo *r;
	int n, bad;
};

/* Reads each blob from inside the walk (the handle's lock is recursive). */
static int count_cb(void *ud, const struct qg_git_file *f)
{
	struct walk *w = ud;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);

	w->n++;
	if ((f->mode & 0170000) == 0100000 &&
	    (qg_git_read_blob(w->r, f->oid, &b) || (long long)b.len != f->size))
		w->bad++;
	qg_buf_release(&b);
	return 0;
}

static void *walk_many(void *arg)
{
	struct reader *rd = arg;
	struct walk w = { rd->r, 0, 0 };
	int i;

	for (i = 0; i < 50; i++) {
		w.n = 0;
		if (qg_git_ls_files(rd->r, count_cb, &w) || w.n < 10 || w.bad)
			rd->bad++;
	}
	return NULL;
}

static void test_git_repo_threads_share_a_handle(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_buf oid = QG_BUF_INIT(QG_CAP_REPORT);
	struct reader rd[5];
	pthread_t t[5];
	int i;

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	git_line(&oid, repo, "rev-parse", ":a.txt", NULL);
	for (i = 0; i < 5; i++) {
		rd[i].r = r;
		rd[i].oid = oid.buf;
		rd[i].want_len = strlen("line 1\nline 2\nLINE 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n"
					"line 10\nline 11\nline 12\n");
		rd[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, i == 4 ? walk_many : read_many, &rd[i]), 0);
	}
	for (i = 0; i < 5; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(rd[i].bad, 0);
	}
	qg_git_repo_free(r);
	qg_buf_release(&oid);
}

static void test_git_repo_ignored(void **state)
{
	struct qg_git_repo *r = NULL;

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	assert_int_equal(qg_git_path_ignored(r, "x.o"), 1);
	assert_int_equal(qg_git_path_ignored(r, "sub/y.o"), 1);
	assert_int_equal(qg_git_path_ignored(r, "build/out.txt"), 1);
	assert_int_equal(qg_git_path_ignored(r, "a.txt"), 0);
	assert_int_equal(qg_git_path_ignored(r, "src/main.c"), 0);
	qg_git_repo_free(r);
}

static void test_git_repo_workdir_branch_and_merge_base(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_buf wd = QG_BUF_INIT(QG_CAP_PATH), head = QG_BUF_INIT(QG_CAP_REPORT);
	char mb[41], orphan[160];

	assert_int_equal(qg_git_repo_open(&r, repo), 0);
	assert_int_equal(qg_buf_addf(&wd, "%s/", repo), 0);
	assert_string_equal(qg_git_repo_workdir(r), wd.buf);
	assert_string_equal(qg_git_repo_branch(r), "main");

	/* a feature branch from the first commit: the merge base is that commit */
	fx_git(NULL, repo, "branch", "feature", first_commit, NULL);
	assert_int_equal(qg_git_merge_base(r, "feature", mb), 0);
	assert_string_equal(mb, first_commit);
	assert_int_equal(qg_git_merge_base(r, "HEAD~1", mb), 0);
	assert_string_equal(mb, first_commit);
	git_line(&head, repo, "rev-parse", "HEAD", NULL);
	assert_int_equal(qg_git_merge_base(r, "main", mb), 0);
	assert_string_equal(mb, head.buf);

	assert_int_equal(qg_git_merge_base(r, "origin/nowhere", mb), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "origin/nowhere"));
	assert_string_equal(mb, "");

	/* unrelated history: no common ancestor */
	snprintf(orphan, sizeof(orphan), "%s/orphan", base);
	fx_git(NULL, base, "init", "-q", "-b", "other", orphan, NULL);
	fx_write_file(orphan, "o.txt", "o\n");
	fx_git(NULL, orphan, "add", "o.txt", NULL);
	fx_git(NULL, orphan, "commit", "-q", "-m", "o", NULL);
	fx_git(NULL, repo, "fetch", "-q", orphan, "other:other", NULL);
	assert_int_equal(qg_git_merge_base(r, "other", mb), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "no common ancestor"));
	qg_git_repo_free(r);
	qg_buf_release(&wd);
	qg_buf_release(&head);
}

static void test_git_repo_detached_and_unborn(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_git_diff d;
	char clone[160], fresh[160];

	clone_repo(clone, sizeof(clone), "detached", 0);
	fx_git(NULL, clone, "checkout", "-q", "--detach", "HEAD", NULL);
	assert_int_equal(qg_git_repo_open(&r, clone), 0);
	assert_null(qg_git_repo_branch(r));
	assert_int_equal(qg_git_diff(r, "HEAD~1", QG_GIT_DIFF_WORKDIR, 3, &d), 0);
	assert_non_null(qg_git_diff_find(&d, "renamed.txt"));
	assert_null(qg_git_diff_find(&d, "stay.txt")); /* the clone has no staged change */
	qg_git_diff_release(&d);
	qg_git_repo_free(r);

	/* a repository before its first commit still names its branch */
	snprintf(fresh, sizeof(fresh), "%s/fresh", base);
	fx_git(NULL, base, "init", "-q", "-b", "trunk", fresh, NULL);
	assert_int_equal(qg_git_repo_open(&r, fresh), 0);
	assert_string_equal(qg_git_repo_branch(r), "trunk");
	qg_git_repo_free(r);
}

static void test_git_repo_shallow_clone(void **state)
{
	struct qg_git_repo *r = NULL;
	struct qg_git_diff d;
	struct qg_buf head = QG_BUF_INIT(QG_CAP_REPORT);
	char clone[160], mb[41];
	const struct qg_git_diff_file *f;

	clone_repo(clone, sizeof(clone), "shallow", 1);
	git_line(&head, clone, "rev-parse", "HEAD", NULL);
	/* a commit on top of the shallow boundary, as a CI checkout of a PR */
	fx_write_file(clone, "sp ace.txt", "a\nB\nc\nd\n");
	fx_git(NULL, clone, "commit", "-q", "-am", "third", NULL);

	assert_int_equal(qg_git_repo_open(&r, clone), 0);
	/* libgit2 1.5 alone fails here (it looks for the boundary's parents) */
	assert_int_equal(qg_git_merge_base(r, "origin/main", mb), 0);
	assert_string_equal(mb, head.buf);
	assert_int_equal(qg_git_diff(r, mb, QG_GIT_DIFF_HEAD, 3, &d), 0);
	assert_int_equal(d.nr, 1);
	f = qg_git_diff_find(&d, "sp ace.txt");
	assert_non_null(f);
	assert_int_equal(f->nr_added, 1);
	assert_int_equal(f->added[0], 4);
	qg_git_diff_release(&d);
	/* a base the shallow history does not hold names itself */
	assert_int_equal(qg_git_merge_base(r, first_commit, mb), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), first_commit));
	qg_git_repo_free(r);
	qg_buf_release(&head);
}

static void test_git_repo_not_a_repository(void **state)
{
	struct qg_git_repo *r = (struct qg_git_repo *)&r;
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/plain", base);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(qg_git_repo_open(&r, dir), QG_EINPUT);
	assert_null(r);
	assert_non_null(strstr(qg_error_last(), "not a git repository"));
	assert_non_null(strstr(qg_error_last(), dir));
	qg_git_repo_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git_repo_diff_head_matches_git),
		cmocka_unit_test(test_git_repo_diff_index_matches_git),
		cmocka_unit_test(test_git_repo_diff_workdir_matches_git),
		cmocka_unit_test(test_git_repo_diff_known_lines),
		cmocka_unit_test(test_git_repo_ls_files_matches_git),
		cmocka_unit_test(test_git_repo_ls_files_conflict_once),
		cmocka_unit_test(test_git_repo_read_blob_is_the_staged_content),
		cmocka_unit_test(test_git_repo_threads_share_a_handle),
		cmocka_unit_test(test_git_repo_ignored),
		cmocka_unit_test(test_git_repo_workdir_branch_and_merge_base),
		cmocka_unit_test(test_git_repo_detached_and_unborn),
		cmocka_unit_test(test_git_repo_shallow_clone),
		cmocka_unit_test(test_git_repo_not_a_repository),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
