/* main.c -- qgate-lint: built-in hygiene checks and any linter's findings, new ones only
 *
 * A gate without subcommands (docs/dev/GATE.md): `qgate-lint [opts]
 * [PATH...]`, config section "lint", --out DIR writes DIR/lint.json and
 * lint.xml. The run is a pipeline over one finding list:
 *   file selection (files.c) -> built-in checks (builtin*.c) and --fix
 *   (fix.c) -> linters run (--run) and reports read (--input) -> sorted ->
 *   fingerprints -> --filter against the diff from the merge base of
 *   --changed-since -> --write-baseline / --baseline -> the checks and
 *   metrics (report.c) -> --sarif, --codequality.
 * --run/--input pair with the --parser that follows each on the command
 * line (default auto); in qgate.json "parser" pairs by position with "run"
 * then "input". A bare --builtin means --builtin=default.
 */
#include "qgate/common.h"

#include <unistd.h>

#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/main.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "qgate/file.h"
#include "qgate/shard.h"

#include "lint.h"

struct pair {
	int is_run;
	const char *what;
	const char *parser;
};

struct lint_opts {
	struct qg_common_opts common;
	struct qg_strvec builtin, run, input, parser, branch, exclude, args;
	const char *changed_since, *filter, *baseline, *write_baseline, *sarif, *codequality, *shard;
	long long max_errors, max_warnings, jobs, large_kib;
	double timeout;
	int fix, staged, all_files;
	struct pair *pairs;
	size_t nr_pairs;
	int builtin_on_cli;
};

static const char *const lint_usage[] = {
	"qgate-lint [--builtin[=ID,...]] [--run 'CMD' --parser P]... [--input FILE --parser P]... "
	"[--changed-since REF] [--filter added|diff-context|file|nofilter] [--baseline FILE] "
	"[--write-baseline FILE] [--max-errors N] [--max-warnings N] [--sarif FILE] [--codequality FILE] "
	"[--fix] [--staged] [--all-files] [--shard I/N] [-j N] [PATH...]",
	NULL,
};

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

static int valid_parser(const char *p)
{
	static const char *const names[] = { "gcc", "sarif", "checkstyle", "cppcheck", "shellcheck-json", "gcc-json",
					     "auto" };

	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++)
		if (!strcmp(p, names[i]))
			return 1;
	return !strncmp(p, "regex:", 6);
}

static int pairs_from_config(struct lint_opts *o)
{
	size_t np = 0;

	free(o->pairs);
	o->nr_pairs = 0;
	o->pairs = calloc(o->run.nr + o->input.nr + 1, sizeof(*o->pairs));
	if (!o->pairs)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < o->run.nr + o->input.nr; i++) {
		struct pair *p = &o->pairs[o->nr_pairs++];

		p->is_run = i < o->run.nr;
		p->what = p->is_run ? o->run.v[i] : o->input.v[i - o->run.nr];
		p->parser = np < o->parser.nr ? o->parser.v[np++] : "auto";
	}
	if (np < o->parser.nr)
		return qg_error(QG_EUSAGE, "--parser '%s' follows no --run or --input", o->parser.v[np]);
	return 0;
}

static int lint_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct lint_opts *o = data;
	struct lint_ctx ctx = { 0 };
	struct lint_findings fs = { 0 };
	struct lint_tools tools = { 0 };
	struct lint_files files = { 0 };
	struct lint_checkset set = { 0 };
	struct qg_git_diff diff = { 0 };
	struct qg_buf cwd = QG_BUF_INIT(QG_CAP_MESSAGE), ref = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_shard shard = QG_SHARD_ALL;
	enum lint_filter filter = LINT_FILTER_ADDED;
	int have_diff = 0, builtins, err = 0;
	char base[41] = { 0 };
	char dir[4096];

	if (!o->pairs && (o->run.nr || o->input.nr || o->parser.nr) && (err = pairs_from_config(o)) < 0)
		return err;
	builtins = o->builtin_on_cli || o->builtin.nr || (!o->nr_pairs);
	for (size_t i = 0; i < o->nr_pairs; i++)
		if (!valid_parser(o->pairs[i].parser))
			return qg_error(QG_EUSAGE, "--parser: '%s' is not gcc, sarif, checkstyle, cppcheck, shellcheck-json, gcc-json, "
					"regex:PATTERN or auto",
					o->pairs[i].parser);
	if (o->fix && o->staged)
		return qg_error(QG_EUSAGE, "--fix repairs the work tree, not the index: drop --staged (or stage, then fix)");
	if (o->staged && o->all_files)
		return qg_error(QG_EUSAGE, "--staged checks the index: --all-files walks the work tree; choose one");
	if (o->fix && !builtins)
		return qg_error(QG_EUSAGE, "--fix repairs built-in findings: add --builtin");
	if (o->shard && (err = qg_shard_parse(&shard, o->shard)) < 0)
		return err;
	if (o->shard && shard.count > 1 && o->write_baseline)
		return qg_error(QG_EUSAGE, "--write-baseline with --shard %s would record only this shard's findings: "
				"write the baseline from an unsharded run", o->shard);
	if (o->filter && lint_filter_parse(o->filter, &filter) < 0)
		return qg_error(QG_EUSAGE, "--filter: '%s' is not added, diff-context, file or nofilter", o->filter);
	{
		const char *outs[] = { o->sarif, o->codequality, o->write_baseline };
		const char *names[] = { "--sarif", "--codequality", "--write-baseline" };

		for (size_t i = 0; i < QG_ARRAY_SIZE(outs); i++)
			if (outs[i] && qg_file_check_output(outs[i]) < 0)
				return qg_error_wrap("%s: ", names[i]);
	}
	if (o->baseline && !qg_file_is_regular(o->baseline))
		return qg_error(QG_EINPUT, "--baseline: '%s': not a readable file", o->baseline);

	if (!getcwd(dir, sizeof(dir)))
		return qg_error(QG_EIO, "cannot tell the current folder: %s", strerror(errno));
	if ((err = qg_buf_addf(&cwd, "%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/")) < 0)
		goto out;
	ctx.cwd = cwd.buf;
	ctx.root = cwd.buf;
	ctx.jobs = o->jobs > 0 ? (int)o->jobs : cpu_count();
	ctx.large_file_kib = o->large_kib;
	ctx.staged = o->staged;
	ctx.shard = o->shard ? &shard : NULL;
	ctx.protected_branches = o->branch;
	qg_strvec_init(&ctx.excludes);
	qg_strvec_init(&ctx.excludes_for);
	if ((err = lint_excludes_split(&o->exclude, &ctx.excludes, &ctx.excludes_for)) < 0)
		goto out;
	if (!ctx.protected_branches.nr) {
		qg_strvec_init(&ctx.protected_branches);
		if (qg_strvec_push(&ctx.protected_branches, "main") < 0 ||
		    qg_strvec_push(&ctx.protected_branches, "master") < 0) {
			err = QG_ENOMEM;
			goto out;
		}
	}

	/* the repository: needed for tracked files, --staged, --changed-since */
	{
		struct qg_git_repo *repo = NULL;
		int rerr = qg_git_repo_open(&repo, ".");

		if (rerr < 0) {
			if (o->staged || o->changed_since) {
				err = qg_error_wrap("%s: ", o->staged ? "--staged" : "--changed-since");
				goto out;
			}
			if (builtins && !o->args.nr) {
				char *why = qg_strdup(qg_error_last());

				err = qg_error(QG_EINPUT, "%s (outside a repository, name the files to check: "
					       "qgate-lint [opts] PATH...)", why && *why ? why : "not a git repository");
				free(why);
				goto out;
			}
			qg_error_clear();
		} else {
			const char *wd = qg_git_repo_workdir(repo);

			ctx.repo = repo;
			if (wd && *wd)
				ctx.root = wd;
		}
	}

	/* --changed-since (in a pull request: origin/$GITHUB_BASE_REF) */
	{
		const char *since = o->changed_since;
		const char *gh = getenv("GITHUB_BASE_REF");

		if (!since && ctx.repo && gh && *gh) {
			if ((err = qg_buf_addf(&ref, "origin/%s", gh)) < 0)
				goto out;
			since = ref.buf;
		}
		if (since) {
			if ((err = qg_git_merge_base(ctx.repo, since, base)) < 0) {
				qg_error_wrap("--changed-since '%s': ", since);
				goto out;
			}
			if ((err = qg_git_diff(ctx.repo, base, o->staged ? QG_GIT_DIFF_INDEX : QG_GIT_DIFF_WORKDIR, 3,
					       &diff)) < 0)
				goto out;
			have_diff = 1;
		} else if (o->filter && filter != LINT_FILTER_NOFILTER) {
			err = qg_error(QG_EUSAGE, "--filter %s needs --changed-since REF (or GITHUB_BASE_REF)", o->filter);
			goto out;
		}
	}

	if (builtins) {
		struct lint_select sel = {
			.paths = o->args.v, .nr_paths = o->args.nr, .all_files = o->all_files,
			.changed = have_diff ? &diff : NULL,
		};

		if ((err = lint_checkset_parse(&set, o->builtin.v, o->builtin.nr)) < 0 ||
		    (err = lint_files_select(&ctx, &sel, &files)) < 0 ||
		    (err = lint_builtin_run(&ctx, &set, &files, &fs, &tools)) < 0)
			goto out;
		if (o->fix) {
			long long changed = 0;

			lint_findings_sort(&fs);
			if ((err = lint_fix(&ctx, &set, &files, &fs, &changed)) < 0)
				goto out;
			if (qg_strvec_push(outputs, "fixed-files") < 0 || qg_strvec_pushf(outputs, "%lld", changed) < 0) {
				err = QG_ENOMEM;
				goto out;
			}
		}
	} else if (o->args.nr) {
		err = qg_error(QG_EUSAGE, "PATH... names files for the built-in checks: add --builtin (or drop '%s')",
			       o->args.v[0]);
		goto out;
	}

	for (size_t i = 0; i < o->nr_pairs; i++) {
		const struct pair *p = &o->pairs[i];

		if (p->is_run) {
			err = lint_run_tool(&ctx, p->what, p->parser, o->timeout, &fs, &tools);
		} else {
			if ((err = qg_result_add_artifact(r, p->what)) < 0)
				goto out;
			err = lint_parse_file(&ctx, p->parser, NULL, p->what, &fs, &tools);
		}
		if (err < 0)
			goto out;
	}
	/* --shard: the findings of this shard's files only (shard.c), each finding in one shard */
	lint_shard_filter(ctx.shard, &fs);
	lint_findings_sort(&fs);
	/* fingerprints re-read every line a finding is on: only for what
	 * carries them (SARIF, Code Quality, the baseline) */
	if ((o->sarif || o->codequality || o->baseline || o->write_baseline || o->common.out_dir) &&
	    (err = lint_fingerprint(&ctx, &fs)) < 0)
		goto out;
	if (have_diff && filter != LINT_FILTER_NOFILTER && (err = lint_filter_apply(filter, &diff, &fs)) < 0)
		goto out;
	if (o->write_baseline && (err = lint_baseline_write(o->write_baseline, &fs)) < 0)
		goto out;
	if (o->baseline && (err = lint_baseline_apply(o->baseline, &fs)) < 0)
		goto out;
	if ((err = lint_report(&ctx, &tools, &fs, o->max_errors, o->max_warnings, r)) < 0)
		goto out;
	if (o->sarif && (err = lint_sarif_write(o->sarif, &tools, &fs)) < 0)
		goto out;
	/* --out DIR writes DIR/lint.sarif beside lint.json and lint.xml (contract §2) */
	if (o->common.out_dir) {
		struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);

		err = qg_buf_addf(&path, "%s/lint.sarif", o->common.out_dir);
		if (!err)
			err = qg_file_mkdirs(o->common.out_dir, 0777);
		if (!err)
			err = lint_sarif_write(path.buf, &tools, &fs);
		qg_buf_release(&path);
		if (err < 0)
			goto out;
	}
	if (o->codequality && (err = lint_codequality_write(o->codequality, &fs)) < 0)
		goto out;
	/* $GITHUB_OUTPUT: errors, warnings, new (as the metrics say) */
	for (size_t i = 0; i < 3 && !err; i++) {
		static const char *const keys[] = { "errors", "warnings", "new" };
		double v = qg_json_number(qg_json_get(r->metrics, keys[i]));

		if (qg_strvec_push(outputs, keys[i]) < 0 || qg_strvec_pushf(outputs, "%.0f", v == v ? v : 0) < 0)
			err = QG_ENOMEM;
	}
out:
	if (ctx.protected_branches.v != o->branch.v)
		qg_strvec_clear(&ctx.protected_branches);
	qg_strvec_clear(&ctx.excludes);
	qg_strvec_clear(&ctx.excludes_for);
	if (have_diff)
		qg_git_diff_release(&diff);
	if (ctx.repo)
		qg_git_repo_free(ctx.repo);
	lint_checkset_release(&set);
	lint_files_release(&files);
	lint_findings_release(&fs);
	lint_tools_release(&tools);
	qg_buf_release(&cwd);
	qg_buf_release(&ref);
	return err;
}

/* The options that take a value (to walk argv for the --run/--input/--parser order). */
static int takes_value(const struct qg_option *opts, const char *arg, int *is_long_eq)
{
	*is_long_eq = 0;
	if (arg[0] == '-' && arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		if (eq)
			*is_long_eq = 1;
		for (const struct qg_option *p = opts; p->type != QG_OPT_END; p++)
			if (p->long_name && strlen(p->long_name) == len && !memcmp(p->long_name, name, len))
				return p->type == QG_OPT_STRING || p->type == QG_OPT_LIST || p->type == QG_OPT_INT ||
				       p->type == QG_OPT_DOUBLE || p->type == QG_OPT_CHOICE;
		return 0;
	}
	if (arg[0] == '-' && arg[1] && !arg[2])
		for (const struct qg_option *p = opts; p->type != QG_OPT_END; p++)
			if (p->short_name == arg[1])
				return p->type == QG_OPT_STRING || p->type == QG_OPT_LIST || p->type == QG_OPT_INT ||
				       p->type == QG_OPT_DOUBLE || p->type == QG_OPT_CHOICE;
	return 0;
}

/* Pair --run/--input with the --parser after each, in command-line order. */
static int scan_pairs(struct lint_opts *o, const struct qg_option *opts, int argc, const char **argv)
{
	o->pairs = calloc((size_t)argc + 1, sizeof(*o->pairs));
	if (!o->pairs)
		return qg_error(QG_ENOMEM, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int eq, tv;

		if (!strcmp(a, "--"))
			break;
		tv = takes_value(opts, a, &eq);
		if (tv)
			val = eq ? strchr(a, '=') + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
		if (!strncmp(a, "--run", 5) && (a[5] == 0 || a[5] == '=') && val) {
			o->pairs[o->nr_pairs++] = (struct pair){ 1, val, NULL };
		} else if (!strncmp(a, "--input", 7) && (a[7] == 0 || a[7] == '=') && val) {
			o->pairs[o->nr_pairs++] = (struct pair){ 0, val, NULL };
		} else if (!strncmp(a, "--parser", 8) && (a[8] == 0 || a[8] == '=') && val) {
			if (!o->nr_pairs || o->pairs[o->nr_pairs - 1].parser)
				return qg_error(QG_EUSAGE, "--parser '%s' follows no --run or --input", val);
			o->pairs[o->nr_pairs - 1].parser = val;
		} else if (!strncmp(a, "--builtin", 9) && (a[9] == 0 || a[9] == '=')) {
			o->builtin_on_cli = 1;
		}
		if (tv && !eq)
			i++;
	}
	for (size_t i = 0; i < o->nr_pairs; i++)
		if (!o->pairs[i].parser)
			o->pairs[i].parser = "auto";
	return 0;
}

static int lint_cmd(int argc, const char **argv)
{
	struct lint_opts o = { .max_errors = 0, .max_warnings = -1, .large_kib = 500, .timeout = 3600 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("what to check"),
		QG_OPT_LIST_(0, "builtin", &o.builtin, "ID,...",
			     "built-in checks: default (bare --builtin), all, IDs, -ID to drop one"),
		QG_OPT_LIST_ADD_(0, "run", &o.run, "'CMD'", "run a linter (argv split like a shell, no expansion)"),
		QG_OPT_LIST_ADD_(0, "input", &o.input, "FILE", "read a linter's report"),
		QG_OPT_LIST_ADD_(0, "parser", &o.parser, "P",
				 "the report format of the --run/--input before it: gcc, sarif, checkstyle, cppcheck, "
				 "shellcheck-json, gcc-json, regex:PATTERN, auto (default)"),
		QG_OPT_DOUBLE_(0, "timeout", &o.timeout, "S", 0.001, 604800, "deadline of each --run (default 3600)"),
		QG_OPT_FLAG_(0, "staged", &o.staged, "check what is staged (the index's blobs), not the work tree"),
		QG_OPT_FLAG_(0, "all-files", &o.all_files,
			     "walk PATHs on disk: untracked files too (ignored ones not)"),
		QG_OPT_LIST_(0, "exclude", &o.exclude, "GLOB", "leave out matching paths; ID:GLOB from built-in check ID only (qgate.json lint.exclude)"),
		QG_OPT_INT_(0, "large-file-kib", &o.large_kib, "N", 1, 1e12, "large-file limit (default 500)"),
		QG_OPT_LIST_(0, "branch", &o.branch, "NAME", "no-commit-to-branch: protected branch (default main, master)"),
		QG_OPT_INT_('j', "jobs", &o.jobs, "N", 1, 256, "check files on N threads (default: the CPUs, at most 16)"),
		QG_OPT_STRING_(0, "shard", &o.shard, "I/N",
			       "only part I of N: the files (and findings) whose path's FNV-1a-64 hash mod N is I-1; "
			       "`qgate merge` unites the N results"),
		QG_OPT_FLAG_(0, "fix", &o.fix,
			     "repair whitespace, end of file, line endings, BOM in place (exit 1 when changed)"),
		QG_OPT_GROUP_("which findings count"),
		QG_OPT_STRING_(0, "changed-since", &o.changed_since, "REF",
			       "only files and lines changed since the merge base of REF and HEAD "
			       "(default in a pull request: origin/$GITHUB_BASE_REF)"),
		QG_OPT_CHOICE_(0, "filter", &o.filter, "added|diff-context|file|nofilter",
			       "with --changed-since: which findings stay (default added)"),
		QG_OPT_STRING_(0, "baseline", &o.baseline, "FILE", "hide the findings this baseline holds"),
		QG_OPT_STRING_(0, "write-baseline", &o.write_baseline, "FILE", "record today's findings"),
		QG_OPT_INT_(0, "max-errors", &o.max_errors, "N", -1, 1e15, "errors allowed (default 0; -1 = any)"),
		QG_OPT_INT_(0, "max-warnings", &o.max_warnings, "N", -1, 1e15, "warnings allowed (default: any)"),
		QG_OPT_GROUP_("outputs"),
		QG_OPT_STRING_(0, "sarif", &o.sarif, "FILE", "write SARIF 2.1.0 (one run per tool)"),
		QG_OPT_STRING_(0, "codequality", &o.codequality, "FILE", "write GitLab's Code Quality JSON"),
		QG_OPT_END_(),
	};
	static const struct qg_gate gate = { .name = "lint", .usage = lint_usage };
	const struct qg_gate_cmd cmd = {
		.gate = &gate,
		.name = NULL,
		.usage = lint_usage,
		.description = "Built-in hygiene checks (pre-commit-hooks' ids) over the files git tracks, and any "
			       "linter's findings (--run/--input), new ones only (--changed-since, --baseline). "
			       "Exit 0 pass, 1 findings over the budget (or --fix changed files), 2 usage, "
			       "3 could not evaluate.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = lint_run,
		.data = &o,
	};
	const char **av = calloc((size_t)argc + 1, sizeof(*av));
	int ret;

	if (!av)
		return qg_gate_die("qgate-lint", QG_EXIT_ERROR, "out of memory");
	for (int i = 0; i < argc; i++) {
		int past_dashes = 0;

		for (int k = 1; k < i; k++)
			past_dashes |= !strcmp(argv[k], "--");
		av[i] = !past_dashes && i && !strcmp(argv[i], "--builtin") ? "--builtin=default" : argv[i];
	}
	if (scan_pairs(&o, options, argc, av) < 0) {
		free(o.pairs);
		free(av);
		return qg_gate_die("qgate-lint", QG_EXIT_USAGE, NULL);
	}
	/* no pair on the command line: lint_run() takes them from the config */
	if (!o.nr_pairs) {
		free(o.pairs);
		o.pairs = NULL;
	}
	ret = qg_gate_run(&cmd, argc, av);
	free(o.pairs);
	free(av);
	qg_strvec_clear(&o.builtin);
	qg_strvec_clear(&o.run);
	qg_strvec_clear(&o.input);
	qg_strvec_clear(&o.parser);
	qg_strvec_clear(&o.branch);
	qg_strvec_clear(&o.exclude);
	qg_strvec_clear(&o.args);
	return ret;
}

int main(int argc, char **argv)
{
	return qg_main(argc, argv, lint_cmd);
}
