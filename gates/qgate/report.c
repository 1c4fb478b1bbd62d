/* report.c -- qgate report: every result under a folder on one page
 *
 * `qgate report DIR [--html FILE] [--markdown FILE]` reads every qgate
 * document under DIR (results.c: a `qgate run` folder with its run.json and
 * DIR/<step>/ results, or the --out folders of single gates), decides the
 * verdict the page opens with, and gathers what each section shows: the
 * gates and steps, the failing checks with their locations, the model's
 * metrics against the champion, drift per field, slowest and flaky tests,
 * lint findings by rule, deploy and audit history. report_html.c renders one
 * self-contained HTML file (inline CSS and SVG, no script, no network),
 * report_md.c the same story as GitHub-flavoured Markdown; both are written
 * atomically. With neither, a short text summary goes to stdout.
 *
 * The report is not a gate: it exits 0 whenever it rendered, whatever the
 * verdict it shows; 3 when an input cannot be read (a result that does not
 * parse, a future schema, a report run.json lists that is missing), 2 for
 * usage.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/opts.h"

#include "front.h"
#include "report_int.h"

static const char *const usage[] = {
	"qgate report DIR [--html FILE] [--markdown FILE]",
	NULL,
};

static const char description[] =
	"Render every qgate result under DIR (a 'qgate run' folder or gates' --out\n"
	"folders) as one self-contained HTML page (inline CSS and SVG, no scripts, no\n"
	"network) and/or GitHub-flavoured Markdown; with neither, print a short summary.\n"
	"Failing locations link to GitHub when GITHUB_SERVER_URL, GITHUB_REPOSITORY and\n"
	"GITHUB_SHA are set. Exit 0 when rendered (whatever the verdict), 3 when a\n"
	"result cannot be read, 2 for usage.";

const char *rp_str(const struct qg_json *obj, const char *key)
{
	return qg_json_string(qg_json_get(obj, key));
}

double rp_num(const struct qg_json *obj, const char *key)
{
	const struct qg_json *v = qg_json_get(obj, key);

	return qg_json_type(v) == QG_JSON_NUMBER ? qg_json_number(v) : NAN;
}

const char *rp_check_id(const struct qg_json *c)
{
	const char *id = rp_str(c, "id");

	return id ? id : "(no id)";
}

const char *rp_result_name(const struct front_result *r, struct qg_buf *tmp)
{
	qg_buf_reset(tmp);
	if (!r->gate)
		return "run";
	if (qg_buf_addf(tmp, "%s%s%s", r->gate, r->command ? " " : "",
			r->command ? r->command : ""))
		return r->gate;
	return tmp->buf;
}

int rp_verdict_rank(const char *status)
{
	if (!status)
		return 3;
	if (!strcmp(status, "error"))
		return 3;
	if (!strcmp(status, "fail"))
		return 2;
	if (!strcmp(status, "skip"))
		return 1;
	return 0;
}

/* Characters a URL path segment may carry as they are (RFC 3986 pchar minus a few). */
static int url_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~/", c);
}

int rp_link(struct qg_buf *url, const struct rp_report *rp, const char *file, double line)
{
	int err = 0;

	qg_buf_reset(url);
	if (!rp->gh_base || !file || !*file || qg_path_check_inside(file) < 0) {
		qg_error_clear();
		return 0;
	}
	if (!strncmp(file, "./", 2))
		file += 2;
	err = qg_buf_addstr(url, rp->gh_base);
	for (const unsigned char *p = (const unsigned char *)file; !err && *p; p++)
		err = url_plain(*p) ? qg_buf_addch(url, *p) : qg_buf_addf(url, "%%%02X", *p);
	if (!err && isfinite(line) && line >= 1)
		err = qg_buf_addf(url, "#L%.0f", line);
	return err;
}

static int vec_push(struct rp_vec *v, const struct front_result *r, const struct qg_json *c)
{
	if (QG_ALLOC_GROW(v->v, v->nr + 1, v->alloc) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	v->v[v->nr].res = r;
	v->v[v->nr++].c = c;
	return 0;
}

static int add_rule(struct rp_report *rp, const struct qg_json *c)
{
	const char *id = rp_check_id(c);
	double n = rp_num(c, "count");

	if (!isfinite(n))
		n = 1;
	for (size_t i = 0; i < rp->rules_nr; i++)
		if (!strcmp(rp->rules[i].id, id)) {
			rp->rules[i].count += n;
			return 0;
		}
	if (QG_ALLOC_GROW(rp->rules, rp->rules_nr + 1, rp->rules_alloc) < 0 ||
	    !(rp->rules[rp->rules_nr].id = qg_strdup(id)))
		return qg_error(QG_ENOMEM, "out of memory");
	rp->rules[rp->rules_nr].level = rp_str(c, "level");
	rp->rules[rp->rules_nr++].count = n;
	return 0;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rp_rule *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* Keep the RP_SLOW_SHOWN slowest tests seen (sorted, slowest first). */
static int add_slow(struct rp_report *rp, const struct front_result *r, const char *name,
		    size_t len, double ms)
{
	size_t at = rp->slow_nr;
	char *copy;

	while (at > 0 && rp->slow[at - 1].ms < ms)
		at--;
	if (at >= RP_SLOW_SHOWN)
		return 0;
	if (!(copy = qg_strndup(name, len)))
		return qg_error(QG_ENOMEM, "out of memory");
	if (rp->slow_nr == RP_SLOW_SHOWN)
		free(rp->slow[--rp->slow_nr].name);
	memmove(&rp->slow[at + 1], &rp->slow[at], (rp->slow_nr - at) * sizeof(rp->slow[0]));
	rp->slow[at] = (struct rp_slow){ copy, ms, r };
	rp->slow_nr++;
	return 0;
}

/* qgate-test's "cases" lines: "c\tPREFIX", "OUTCOME\tMS\tNAME\tMESSAGE" (qgate-test(1)). */
static int scan_cases(struct rp_report *rp, const struct front_result *r, const char *cases)
{
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *prefix = "", *p = cases;
	size_t prefix_len = 0;
	int err = 0;

	while (!err && *p) {
		const char *eol = strchr(p, '\n'), *f[4] = { p };
		size_t nf = 1;

		if (!eol)
			eol = p + strlen(p);
		for (const char *q = p; q < eol && nf < 4; q++)
			if (*q == '\t')
				f[nf++] = q + 1;
		if (p[0] == 'c' && p[1] == '\t') {
			prefix = p + 2;
			prefix_len = (size_t)(eol - prefix);
		} else if (nf >= 3 && f[1][0] != '-') {
			char *end;
			double ms = strtod(f[1], &end);
			const char *ne = nf >= 4 ? f[3] - 1 : eol;

			qg_buf_reset(&name);
			if (end != f[1] && isfinite(ms) &&
			    !(err = qg_buf_add(&name, prefix, prefix_len)) &&
			    !(err = qg_buf_add(&name, f[2], (size_t)(ne - f[2]))))
				err = add_slow(rp, r, name.buf, name.len, ms);
		}
		p = *eol ? eol + 1 : eol;
	}
	qg_buf_release(&name);
	return err;
}

static int starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static int gather_result(struct rp_report *rp, const struct front_result *r)
{
	const struct qg_json *checks = qg_json_get(r->doc, "checks");
	int err = 0, is_test = r->gate && !strcmp(r->gate, "test");
	int is_lint = r->gate && !strcmp(r->gate, "lint");

	if (!r->gate)
		return 0;
	rp->results++;
	if (!strcmp(r->gate, "deploy"))
		err = vec_push(&rp->deploy, r, qg_json_first(checks));
	for (const struct qg_json *c = qg_json_first(checks); !err && c; c = qg_json_next(c)) {
		const char *st = rp_str(c, "status"), *id = rp_check_id(c);
		const struct qg_json *fl = qg_json_get(c, "flaky");

		rp->checks++;
		if (st && (!strcmp(st, "fail") || !strcmp(st, "error"))) {
			if (!strcmp(st, "fail"))
				rp->failed++;
			else
				rp->errors++;
			err = vec_push(&rp->failing, r, c);
			if (!err && is_lint && starts(id, "lint."))
				err = add_rule(rp, c);
		}
		if (!err && !strcmp(r->gate, "model") && starts(id, "metric."))
			err = vec_push(&rp->model, r, c);
		if (!err && !strcmp(r->gate, "data") && starts(id, "drift."))
			err = vec_push(&rp->drift, r, c);
		if (!err && is_test &&
		    (qg_json_bool(fl) == 1 ||
		     (rp_str(c, "outcome") && !strcmp(rp_str(c, "outcome"), "flaky"))))
			err = vec_push(&rp->flaky, r, c);
		if (!err && is_test && rp_str(c, "cases"))
			err = scan_cases(rp, r, rp_str(c, "cases"));
		if (!err && is_test && isfinite(rp_num(c, "duration_ms")) && rp_str(c, "name"))
			err = add_slow(rp, r, id, strlen(id), rp_num(c, "duration_ms"));
	}
	return err;
}

/* A run.json's reports must be inside its folder and among what was read. */
static int check_run_reports(const struct rp_report *rp, const struct front_result *run)
{
	const struct qg_json *steps = qg_json_get(run->doc, "steps");
	const char *slash = strrchr(run->path, '/');
	size_t base = slash ? (size_t)(slash - run->path) + 1 : 0;
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	int err = 0;

	for (const struct qg_json *s = qg_json_first(steps); !err && s; s = qg_json_next(s)) {
		const struct qg_json *reps = qg_json_get(s, "reports");

		for (const struct qg_json *x = qg_json_first(reps); !err && x;
		     x = qg_json_next(x)) {
			const char *rel = qg_json_string(x);
			size_t n = rel ? strlen(rel) : 0, found = 0;

			if (!rel || qg_path_check_inside(rel) < 0) {
				qg_error_clear();
				err = qg_error(QG_EINPUT,
					       "'%s/%s': step report '%s' is outside the run folder",
					       rp->dir, run->path, rel ? rel : "(not a string)");
				break;
			}
			if (n < 5 || strcmp(rel + n - 5, ".json"))
				continue;
			qg_buf_reset(&p);
			if ((err = qg_buf_add(&p, run->path, base)) ||
			    (err = qg_buf_addstr(&p, rel)))
				break;
			for (size_t i = 0; i < rp->set->nr && !found; i++)
				found = !strcmp(rp->set->v[i].path, p.buf);
			if (!found)
				err = qg_error(
					QG_EINPUT,
					"'%s/%s': step report '%s' is missing or not a qgate result",
					rp->dir, run->path, rel);
		}
	}
	qg_buf_release(&p);
	return err;
}

static int gh_base(struct rp_report *rp)
{
	const char *server = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY");
	const char *sha = getenv("GITHUB_SHA");
	struct qg_buf b = QG_BUF_INIT(QG_CAP_URL);
	int err;

	if (!server || !*server || !repo || !*repo || !sha || !*sha)
		return 0;
	if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
		return 0; /* not a web address: no links rather than broken ones */
	err = qg_buf_addf(&b, "%s%s%s/blob/%s/", server,
			  server[strlen(server) - 1] == '/' ? "" : "/", repo, sha);
	if (!err && !(rp->gh_base = qg_buf_detach(&b, NULL)))
		err = qg_error(QG_ENOMEM, "out of memory");
	qg_buf_release(&b);
	return err;
}

static int gather(struct rp_report *rp, const struct front_results *set, const char *dir)
{
	int err = 0, worst = -1;

	rp->dir = dir;
	rp->set = set;
	for (size_t i = 0; i < set->nr && !err; i++) {
		const struct front_result *r = &set->v[i];

		if (!r->gate) {
			const struct front_result **v = realloc(rp->runs, (rp->runs_nr + 1) * sizeof(*v));

			if (!v)
				return qg_error(QG_ENOMEM, "out of memory");
			rp->runs = v;
			rp->runs[rp->runs_nr++] = r;
			err = check_run_reports(rp, r);
			continue;
		}
		err = gather_result(rp, r);
	}
	if (err)
		return err;
	if (!set->nr)
		return qg_error(
			QG_EINPUT,
			"'%s': no qgate results (qgate.result/v1 or qgate.run/v1 *.json) found",
			dir);
	/* the verdict: the worst of every run and every result under DIR (error
	 * over fail over pass), so a folder holding several runs, or a run beside
	 * single gates, can never show pass while one of them failed */
	for (size_t i = 0; i < set->nr; i++) {
		int rank = rp_verdict_rank(set->v[i].status);

		if (rank == 1)
			rank = 0; /* a skipped gate blocks nothing: the page says pass */
		if (rank > worst) {
			worst = rank;
			rp->verdict = rank ? set->v[i].status : "pass";
			rp->exit_code = set->v[i].exit_code;
		}
	}
	if (rp->rules_nr)
		qsort(rp->rules, rp->rules_nr, sizeof(*rp->rules), cmp_rule);
	return gh_base(rp);
}

static void rp_release(struct rp_report *rp)
{
	free(rp->runs);
	free(rp->failing.v);
	free(rp->model.v);
	free(rp->drift.v);
	free(rp->flaky.v);
	free(rp->deploy.v);
	for (size_t i = 0; i < rp->rules_nr; i++)
		free(rp->rules[i].id);
	free(rp->rules);
	for (size_t i = 0; i < rp->slow_nr; i++)
		free(rp->slow[i].name);
	free(rp->gh_base);
}

static int text_summary(struct qg_buf *b, const struct rp_report *rp, int hint)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addf(
		b,
		"qgate report: %s: %s (exit %d): %zu result%s, %zu checks, %zu failed, %zu errors\n",
		rp->dir,
		!strcmp(rp->verdict, "pass") ? "PASS" :
		!strcmp(rp->verdict, "fail") ? "FAIL" :
					       "ERROR",
		rp->exit_code, rp->results, rp->results == 1 ? "" : "s", rp->checks, rp->failed,
		rp->errors);
	size_t shown = 0;

	for (size_t i = 0; !err && i < rp->set->nr && shown < 20; i++, shown++) {
		const struct front_result *r = &rp->set->v[i];

		err = qg_buf_addf(b, "  %-5s %-16s %s\n", r->status, rp_result_name(r, &tmp),
				  r->path);
	}
	if (!err && rp->set->nr > shown)
		err = qg_buf_addf(b, "  ... %zu more\n", rp->set->nr - shown);
	for (size_t i = 0; !err && i < rp->failing.nr && i < 10; i++)
		err = qg_buf_addf(b, "  %s %s: %s\n", rp_str(rp->failing.v[i].c, "status"),
				  rp_check_id(rp->failing.v[i].c),
				  rp_result_name(rp->failing.v[i].res, &tmp));
	if (!err && rp->failing.nr > 10)
		err = qg_buf_addf(b, "  ... %zu more failing checks\n", rp->failing.nr - 10);
	if (!err && hint)
		err = qg_buf_addf(
			b,
			"for the page: qgate report %s --html report.html (or --markdown FILE)\n",
			rp->dir);
	qg_buf_release(&tmp);
	return err;
}

/* The page's folder is made when missing (--html build/report/index.html). */
static int write_out(const char *path, const struct qg_buf *b)
{
	const char *slash = strrchr(path, '/');

	if (slash && slash != path && strcmp(path, "-")) {
		char *dir = qg_strndup(path, (size_t)(slash - path));
		int err = dir ? qg_file_mkdirs(dir, 0777) : qg_error(QG_ENOMEM, "out of memory");

		free(dir);
		if (err < 0)
			return err;
	}
	return qg_file_write_atomic(path, b->buf, b->len);
}

int front_cmd_report(int argc, const char **argv)
{
	const char *html = NULL, *md = NULL;
	int help = 0, err;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct front_results set = { 0 };
	struct rp_report rp = { 0 };
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	const struct qg_option options[] = {
		QG_OPT_STRING_(0, "html", &html, "FILE",
			       "write the self-contained HTML page to FILE"),
		QG_OPT_STRING_(0, "markdown", &md, "FILE",
			       "write GitHub-flavoured Markdown to FILE"),
		QG_OPT_FLAG_('h', "help", &help, "show this help and exit 0"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = "qgate report",
		.usage = usage,
		.description = description,
		.options = options,
	};

	err = qg_opts_parse(&ctx, argc, argv, &rest);
	if (!err && help) {
		err = qg_opts_help(&out, &ctx);
		if (!err)
			fputs(out.buf, stdout);
		goto done;
	}
	if (!err && !rest.nr)
		err = qg_error(QG_EUSAGE, "no folder named (see 'qgate report --help')");
	if (!err && rest.nr > 1)
		err = qg_error(QG_EUSAGE,
			       "expected one folder, got %zu arguments (see 'qgate report --help')",
			       rest.nr);
	if (!err && html && qg_file_check_output(html) < 0)
		err = qg_error_wrap("--html: ");
	if (!err && md && qg_file_check_output(md) < 0)
		err = qg_error_wrap("--markdown: ");
	if (!err)
		err = front_results_load_dir(&set, rest.v[0]);
	if (!err)
		err = gather(&rp, &set, rest.v[0]);
	if (!err && html) {
		qg_buf_reset(&out);
		err = rp_html_render(&out, &rp);
		if (!err)
			err = write_out(html, &out);
	}
	if (!err && md) {
		qg_buf_reset(&out);
		err = rp_md_render(&out, &rp);
		if (!err)
			err = write_out(md, &out);
	}
	if (!err) {
		qg_buf_reset(&out);
		err = text_summary(&out, &rp, !html && !md);
		if (!err && (html || md))
			qg_buf_setlen(&out, strcspn(out.buf, "\n") + 1); /* the verdict line only */
		if (!err && html && strcmp(html, "-"))
			err = qg_buf_addf(&out, "html: %s\n", html);
		if (!err && md && strcmp(md, "-"))
			err = qg_buf_addf(&out, "markdown: %s\n", md);
		if (!err && (!html || strcmp(html, "-")) && (!md || strcmp(md, "-")))
			fputs(out.buf, stdout);
	}
done:
	if (err < 0) {
		fprintf(stderr, "qgate: error: %s\n", qg_error_last());
		err = qg_exit_for_error(err);
	}
	rp_release(&rp);
	front_results_release(&set);
	qg_buf_release(&out);
	qg_strvec_clear(&rest);
	return err;
}
