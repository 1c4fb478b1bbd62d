/* sarif_out.c -- qgate-lint's findings as SARIF 2.1.0 (one run per tool)
 *
 * Maps the model (lint.h) onto the generic writer (lib/report/sarif.c):
 * every tool is one run, named as the tool names itself (so a SARIF read
 * back gives the same check ids), with every rule it declared (a tool's own
 * SARIF rules included) plus any rule a finding names that was not declared;
 * automationDetails.id is "qgate-lint/<tool>/" so each run is its own
 * category for GitHub. Beyond GitHub's 20 runs a file, the first 19 tools
 * keep their runs and the rest share a 20th run, driver "qgate-lint", whose
 * rule ids are "<tool>/<rule>".
 *
 * What goes in, and how (a decision users can rely on):
 * - a finding hidden by --baseline is written with suppressions
 *   [{kind: "external", status: "accepted"}]: GitHub shows such a result as a
 *   closed alert (debt accepted), where leaving it out would read as "fixed";
 * - a finding the tool's own report suppressed keeps a suppression too
 *   (kind "external": the original kind is not kept by the model);
 * - a finding hidden by --filter is written as an ordinary result: the filter
 *   chooses what the gate judges, while GitHub compares a pull request's
 *   analysis with the base branch's itself, and a missing result would be
 *   shown as fixed there;
 * - a finding repaired by --fix is left out (it no longer exists);
 * - a tool that did not run to the end gets executionSuccessful false and an
 *   error notification.
 * When a run holds more results than GitHub keeps (25,000), the ones written
 * first are the visible errors, then warnings, then notes, then the hidden
 * ones; the writer counts and reports the rest. Relative paths are written
 * against %SRCROOT%, the repository's work tree (found as libgit2 finds it:
 * the nearest folder above the current one holding .git); a finding outside
 * the repository gets an absolute file:// URI.
 *
 * Columns: the runs declare columnKind "utf16CodeUnits". The built-in
 * checks report 1-based byte columns, so for them the line is read from the
 * work tree and the column converted (qg_sarif_utf16_column: on an ASCII
 * line the same number; "yaml" is left alone, libyaml counts characters).
 * Other tools' columns are written as they reported them: a tool's SARIF
 * already speaks UTF-16 by default, while GCC counts display columns and
 * most text formats bytes, which agree with UTF-16 on ASCII lines only.
 */
#include "qgate/common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "qgate/sarif.h"
#include "qgate/strmap.h"
#include "qgate/version.h"

#include "lint.h"

#define MERGED_TOOL "qgate-lint"

static const char *tool_name(const struct lint_finding *f)
{
	return f->tool && *f->tool ? f->tool : "unknown";
}

static enum qg_sarif_level to_level(enum lint_level l)
{
	return l == LINT_ERROR ? QG_SARIF_ERROR : l == LINT_WARNING ? QG_SARIF_WARNING : QG_SARIF_NOTE;
}

/* The work tree: the nearest folder from the current one up that holds
 * .git (a folder, or a file for worktrees and submodules); else the current
 * folder. With a trailing '/'. */
static int find_root(struct qg_buf *out)
{
	char dir[4096];
	size_t n;

	if (!getcwd(dir, sizeof(dir)))
		return qg_error(QG_EIO, "cannot tell the current folder: %s", strerror(errno));
	for (n = strlen(dir);;) {
		struct stat st;
		int err;

		qg_buf_reset(out);
		if ((err = qg_buf_add(out, dir, n)) || (err = qg_buf_addstr(out, n && dir[n - 1] == '/' ? "" : "/")))
			return err;
		if ((err = qg_buf_addstr(out, ".git")))
			return err;
		if (!lstat(out->buf, &st)) {
			qg_buf_setlen(out, out->len - 4);
			return 0;
		}
		while (n > 1 && dir[n - 1] != '/')
			n--;
		if (n <= 1)
			break;
		n--; /* drop the '/' */
	}
	qg_buf_reset(out);
	return qg_buf_addf(out, "%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/");
}

/* An absolute, dot-segment-free form of a path outside the repository
 * (relative ones are taken from the current folder), so its file:// URI
 * carries no ".." (SARIF1002). */
static int absolute_path(struct qg_buf *out, const char *p)
{
	char dir[4096];
	struct qg_buf in = QG_BUF_INIT(QG_CAP_PATH);
	const char *s, *e;
	int err = 0;

	if (p[0] != '/') {
		if (!getcwd(dir, sizeof(dir)))
			return qg_error(QG_EIO, "cannot tell the current folder: %s", strerror(errno));
		err = qg_buf_addf(&in, "%s/%s", dir, p);
	} else {
		err = qg_buf_addstr(&in, p);
	}
	qg_buf_reset(out);
	for (s = in.buf; !err && *s; s = *e ? e + 1 : e) {
		e = strchr(s, '/');
		if (!e)
			e = s + strlen(s);
		if (e == s || (e - s == 1 && s[0] == '.'))
			continue;
		if (e - s == 2 && s[0] == '.' && s[1] == '.') {
			while (out->len && out->buf[out->len - 1] != '/')
				out->len--;
			if (out->len)
				out->len--;
			qg_buf_setlen(out, out->len);
			continue;
		}
		if (!(err = qg_buf_addch(out, '/')))
			err = qg_buf_add(out, s, (size_t)(e - s));
	}
	if (!err && !out->len)
		err = qg_buf_addch(out, '/');
	qg_buf_release(&in);
	return err;
}

struct run_plan {
	const char *name;            /* the tool, or MERGED_TOOL */
	const struct lint_tool *tool; /* NULL when the tool declared nothing, or merged */
	int merged;
};

/* Reading the line a built-in finding points at, to convert its column;
 * findings come in file and line order, so one forward pass per file. */
struct colconv {
	FILE *fp;
	char *path;          /* the file open in fp */
	long long line;      /* the line fp is in */
	int mid;             /* fp is inside `line`, not at its start */
	struct qg_buf buf;
};

static long long convert_column(struct colconv *cc, const char *root, const struct lint_finding *f)
{
	long long want = f->column;
	int c;

	if (want <= 1 || !f->file || !f->line || (f->flags & LINT_F_OUTSIDE) || f->file[0] == '/' ||
	    !f->tool || strcmp(f->tool, "builtin") || !strcmp(f->rule, "yaml") || want > (1 << 20))
		return want;
	if (!cc->path || strcmp(cc->path, f->file) || f->line < cc->line || (f->line == cc->line && cc->mid)) {
		struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);

		if (cc->fp)
			fclose(cc->fp);
		free(cc->path);
		cc->path = qg_strdup(f->file);
		cc->fp = NULL;
		if (cc->path && !qg_buf_addf(&p, "%s%s", root, f->file))
			cc->fp = fopen(p.buf, "rb");
		qg_buf_release(&p);
		cc->line = 1;
		cc->mid = 0;
	}
	if (!cc->fp)
		return want;
	while (cc->line < f->line) {
		while ((c = getc_unlocked(cc->fp)) != EOF && c != '\n')
			;
		if (c == EOF)
			return want;
		cc->line++;
		cc->mid = 0;
	}
	qg_buf_reset(&cc->buf);
	cc->mid = 1;
	while (cc->buf.len < (size_t)(want - 1) && (c = getc_unlocked(cc->fp)) != EOF && c != '\n') {
		if (qg_buf_addch(&cc->buf, c))
			return want;
	}
	if (c == '\n') {
		cc->line++;
		cc->mid = 0;
	}
	return qg_sarif_utf16_column(cc->buf.buf, cc->buf.len, want);
}

struct writer {
	const struct lint_tools *tools;
	const struct lint_findings *fs;
	struct qg_strmap names;      /* tool names, index = slot in run_of */
	size_t *run_of_name;         /* tool name index -> run */
	const struct lint_tool **tool_of_name;
	struct run_plan *runs;
	size_t nr_runs;
	struct qg_buf id, path, text;
	const char *root;
	struct colconv cc;
};

static int rule_id(struct writer *w, const struct run_plan *rp, const char *tool, const char *rule)
{
	qg_buf_reset(&w->id);
	return rp->merged ? qg_buf_addf(&w->id, "%s/%s", tool, rule) : qg_buf_addstr(&w->id, rule);
}

static int declare_rule(struct qg_sarif *s, struct writer *w, const struct run_plan *rp, const char *tool,
			const struct lint_rule *r, const char *help_uri)
{
	struct qg_sarif_rule sr = { 0 };
	int err;

	if ((err = rule_id(w, rp, tool, r->id)))
		return err;
	sr.id = w->id.buf;
	sr.short_description = r->description;
	sr.help_uri = r->help_uri ? r->help_uri : help_uri;
	sr.default_level = to_level(r->default_level);
	err = qg_sarif_rule(s, &sr);
	return err == -1 ? 0 : err < 0 ? err : 0;
}

static int write_result(struct qg_sarif *s, struct writer *w, const struct run_plan *rp, const struct lint_finding *f)
{
	struct qg_sarif_result res = { 0 };
	const char *file = f->file;
	int err;

	if ((err = rule_id(w, rp, tool_name(f), f->rule)))
		return err;
	if (file && (f->flags & LINT_F_OUTSIDE)) {
		if ((err = absolute_path(&w->path, file)))
			return err;
		file = w->path.buf;
	}
	if (rp->merged) {
		qg_buf_reset(&w->text);
		if ((err = qg_buf_addf(&w->text, "[%s] %s", tool_name(f), f->message ? f->message : "")))
			return err;
	}
	res.rule_id = w->id.buf;
	res.level = to_level(f->level);
	res.message = rp->merged ? w->text.buf : f->message;
	res.path = file;
	res.start_line = f->line;
	res.start_column = convert_column(&w->cc, w->root, f);
	res.end_line = f->end_line;
	res.fingerprint_key = "qgateFingerprint/v1";
	res.fingerprint = f->fingerprint;
	if (f->flags & LINT_F_BASELINE) {
		res.suppression = QG_SARIF_SUPP_EXTERNAL;
		res.justification = "recorded in the qgate-lint baseline (an accepted, old finding)";
	} else if (f->flags & LINT_F_SUPPRESSED) {
		res.suppression = QG_SARIF_SUPP_EXTERNAL;
		res.justification = "suppressed in the tool's own report";
	}
	err = qg_sarif_result(s, &res);
	return err < 0 ? err : 0;
}

/* Pass p of a run over the findings: with few results one pass in the
 * model's order (p < 0); else visible errors, warnings, notes, then hidden. */
static int pass_takes(int p, const struct lint_finding *f)
{
	int hidden = (f->flags & (LINT_F_BASELINE | LINT_F_SUPPRESSED)) != 0;

	if (p < 0)
		return 1;
	if (p == 3)
		return hidden;
	return !hidden && (int)f->level == LINT_ERROR - p;
}

static int write_run(struct qg_sarif *s, struct writer *w, size_t ri)
{
	const struct run_plan *rp = &w->runs[ri];
	struct qg_sarif_tool st = { 0 };
	struct qg_buf auto_id = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_strmap seen = QG_STRMAP_INIT;
	size_t count = 0;
	int err, failed = 0;

	st.name = rp->name;
	if (rp->tool) {
		st.version = rp->tool->version;
		st.info_uri = rp->tool->info_uri;
		failed = rp->tool->failed;
	}
	if (!st.version && (rp->merged || !strcmp(rp->name, "builtin")))
		st.version = QG_VERSION;
	if ((err = qg_buf_addf(&auto_id, "qgate-lint/%s/", rp->merged ? "merged" : rp->name)))
		goto out;
	st.automation_id = auto_id.buf;
	if ((err = qg_sarif_run_begin(s, &st)))
		goto out;

	/* the rules: every declared one of each tool in the run, then the ones
	 * only findings name */
	for (size_t t = 0; t < w->names.nr; t++) {
		const struct lint_tool *tool = w->tool_of_name[t];

		if (w->run_of_name[t] != ri || !tool)
			continue;
		for (size_t k = 0; k < tool->nr_rules; k++) {
			if ((err = declare_rule(s, w, rp, tool->name, &tool->rules[k], NULL)))
				goto out;
			if (qg_strmap_add(&seen, w->id.buf, w->id.len) < 0) {
				err = QG_ENOMEM;
				goto out;
			}
		}
	}
	for (size_t i = 0; i < w->fs->nr; i++) {
		const struct lint_finding *f = &w->fs->v[i];
		long ti = qg_strmap_find(&w->names, tool_name(f), strlen(tool_name(f)));
		struct lint_rule r = { 0 };

		if (ti < 0 || w->run_of_name[ti] != ri || (f->flags & LINT_F_FIXED))
			continue;
		count++;
		if ((err = rule_id(w, rp, tool_name(f), f->rule)))
			goto out;
		if (qg_strmap_has(&seen, w->id.buf, w->id.len))
			continue;
		if (qg_strmap_add(&seen, w->id.buf, w->id.len) < 0) {
			err = QG_ENOMEM;
			goto out;
		}
		r.id = f->rule;
		r.default_level = f->level;
		if ((err = declare_rule(s, w, rp, tool_name(f), &r, f->help_uri)))
			goto out;
	}

	for (int p = count > QG_SARIF_MAX_RESULTS ? 0 : -1; p < 4; p = p < 0 ? 4 : p + 1) {
		for (size_t i = 0; i < w->fs->nr; i++) {
			const struct lint_finding *f = &w->fs->v[i];
			long ti = qg_strmap_find(&w->names, tool_name(f), strlen(tool_name(f)));

			if (ti < 0 || w->run_of_name[ti] != ri || (f->flags & LINT_F_FIXED) || !pass_takes(p, f))
				continue;
			if ((err = write_result(s, w, rp, f)))
				goto out;
		}
	}
	err = qg_sarif_run_end(s, !failed, failed ? "the tool did not run to the end (qgate-lint's exit 3)" : NULL);
out:
	qg_strmap_release(&seen);
	qg_buf_release(&auto_id);
	return err;
}

static int add_name(struct writer *w, const char *name, const struct lint_tool *t)
{
	long i = qg_strmap_find(&w->names, name, strlen(name));
	size_t n = w->names.nr;

	if (i >= 0) {
		if (t && !w->tool_of_name[i])
			w->tool_of_name[i] = t;
		return 0;
	}
	i = qg_strmap_add(&w->names, name, strlen(name));
	if (i < 0)
		return (int)i;
	{
		const struct lint_tool **tv = realloc(w->tool_of_name, (n + 1) * sizeof(*tv));

		if (!tv)
			return qg_error(QG_ENOMEM, "out of memory");
		w->tool_of_name = tv;
		tv[n] = t;
	}
	return 0;
}

int lint_sarif_write(const char *path, const struct lint_tools *tools, const struct lint_findings *fs)
{
	struct writer w = { .tools = tools, .fs = fs, .names = QG_STRMAP_INIT,
			    .id = QG_BUF_INIT(QG_CAP_MESSAGE), .path = QG_BUF_INIT(QG_CAP_PATH),
			    .text = QG_BUF_INIT(QG_CAP_MESSAGE), .cc = { .buf = QG_BUF_INIT((size_t)1 << 20) } };
	struct qg_buf root = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_sarif_opts o = { 0 };
	struct qg_sarif *s = NULL;
	size_t own;
	int err = 0;

	/* the tools in order: declared ones, then any only findings name */
	for (size_t i = 0; !err && tools && i < tools->nr; i++)
		err = add_name(&w, tools->v[i].name, &tools->v[i]);
	for (size_t i = 0; !err && i < fs->nr; i++)
		if (!(fs->v[i].flags & LINT_F_FIXED))
			err = add_name(&w, tool_name(&fs->v[i]), NULL);
	if (err)
		goto out;
	own = w.names.nr > QG_SARIF_MAX_RUNS ? QG_SARIF_MAX_RUNS - 1 : w.names.nr;
	w.nr_runs = w.names.nr > own ? own + 1 : own;
	w.run_of_name = calloc(w.names.nr ? w.names.nr : 1, sizeof(*w.run_of_name));
	w.runs = calloc(w.nr_runs ? w.nr_runs : 1, sizeof(*w.runs));
	if (!w.run_of_name || !w.runs) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t t = 0; t < w.names.nr; t++) {
		if (t < own) {
			w.run_of_name[t] = t;
			w.runs[t].name = w.names.keys[t];
			w.runs[t].tool = w.tool_of_name[t];
		} else {
			w.run_of_name[t] = own;
			w.runs[own].name = MERGED_TOOL;
			w.runs[own].merged = 1;
		}
	}

	if ((err = find_root(&root)))
		goto out;
	o.srcroot = root.buf;
	w.root = root.buf;
	if ((err = qg_sarif_open(&s, path, &o)))
		goto out;
	for (size_t r = 0; !err && r < w.nr_runs; r++)
		err = write_run(s, &w, r);
	if (!err) {
		struct qg_sarif_stats st;

		err = qg_sarif_commit(s, &st);
		s = NULL;
		if (!err && (st.dropped_limit || st.dropped_size))
			fprintf(stderr,
				"qgate-lint: warning: '%s': %zu SARIF results left out to stay within GitHub's "
				"limits (25,000 a run, 10 MB gzipped); the file says so in each run\n",
				path, st.dropped_limit + st.dropped_size);
	}
out:
	qg_sarif_abort(s);
	qg_buf_release(&root);
	qg_buf_release(&w.id);
	qg_buf_release(&w.path);
	qg_buf_release(&w.text);
	qg_buf_release(&w.cc.buf);
	if (w.cc.fp)
		fclose(w.cc.fp);
	free(w.cc.path);
	qg_strmap_release(&w.names);
	free(w.run_of_name);
	free(w.tool_of_name);
	free(w.runs);
	return err;
}
