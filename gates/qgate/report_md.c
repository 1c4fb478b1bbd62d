/* report_md.c -- the report as GitHub-flavoured Markdown
 *
 * The same story as the HTML page in the form a pull request comment or
 * $GITHUB_STEP_SUMMARY shows: the verdict, the steps, the gates, the failing
 * checks with linked locations, the model's rules against the champion, drift
 * per field, slowest and flaky tests, lint rules, deploy history. Values from
 * results are escaped for table cells (| and newlines, and HTML so a message
 * cannot add markup); every list is capped with "N more", so the document
 * stays well under GitHub's 1 MiB summary limit.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"

#include "report_int.h"

static int md(struct qg_buf *b, const char *s)
{
	int err = 0;
	size_t n = 0;

	if (!s)
		return 0;
	for (; !err && *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (n >= RP_TEXT_MAX && (c & 0xC0) != 0x80)
			return qg_buf_addstr(b, "…");
		switch (c) {
		case '|':
			err = qg_buf_addstr(b, "\\|");
			break;
		case '<':
			err = qg_buf_addstr(b, "&lt;");
			break;
		case '>':
			err = qg_buf_addstr(b, "&gt;");
			break;
		case '&':
			err = qg_buf_addstr(b, "&amp;");
			break;
		case '`':
			err = qg_buf_addstr(b, "'");
			break;
		case '*':
		case '_':
		case '[':
		case ']':
		case '\\':
			err = qg_buf_addch(b, '\\');
			if (!err)
				err = qg_buf_addch(b, c);
			break;
		case '\n':
			err = qg_buf_addstr(b, "<br>");
			break;
		default:
			err = qg_buf_addch(b, c < 0x20 ? ' ' : c);
		}
	}
	return err;
}

/* Inside `code`: only backticks and newlines matter (and | in tables). */
static int code(struct qg_buf *b, const char *s)
{
	int err = qg_buf_addch(b, '`');

	for (size_t n = 0; !err && s && *s && n < RP_TEXT_MAX; s++, n++)
		err = qg_buf_addch(b, *s == '`' || *s == '\n' || (unsigned char)*s < 0x20 ? ' ' :
				      *s == '|'                                           ? '/' :
											    *s);
	return err ? err : qg_buf_addch(b, '`');
}

static const char *word(const char *st)
{
	if (!st)
		return "? unknown";
	if (!strcmp(st, "pass"))
		return "✅ pass";
	if (!strcmp(st, "fail"))
		return "❌ FAIL";
	if (!strcmp(st, "error"))
		return "⚠️ ERROR";
	if (!strcmp(st, "skip"))
		return "➖ skip";
	return st;
}

static int num(struct qg_buf *b, double v)
{
	return isfinite(v) ? qg_buf_addf(b, "%.4g", v) : qg_buf_addstr(b, "–");
}

static int more(struct qg_buf *b, size_t total, size_t shown, const char *what)
{
	return total > shown ? qg_buf_addf(b, "\n… %zu more %s not shown\n", total - shown, what) :
			       0;
}

static int failing(struct qg_buf *b, const struct rp_report *rp)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE), url = QG_BUF_INIT(QG_CAP_URL);
	size_t i = 0;
	int err = qg_buf_addf(b, "\n## Failing checks (%zu)\n\n", rp->failing.nr);

	if (!err && !rp->failing.nr)
		err = qg_buf_addstr(b, "None: every check passed or was skipped.\n");
	if (!err && rp->failing.nr)
		err = qg_buf_addstr(
			b,
			"| check | status | gate | count | message and locations |\n|---|---|---|---:|---|\n");
	for (; !err && i < rp->failing.nr && i < RP_FAIL_SHOWN / 2; i++) {
		const struct rp_check *k = &rp->failing.v[i];
		const struct qg_json *locs = qg_json_get(k->c, "locations");
		size_t j = 0, nl = qg_json_size(locs);

		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = code(b, rp_check_id(k->c));
		if (!err)
			err = qg_buf_addf(b, " | %s | ", word(rp_str(k->c, "status")));
		if (!err)
			err = md(b, rp_result_name(k->res, &tmp));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(k->c, "count"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = md(b, rp_str(k->c, "message"));
		for (const struct qg_json *l = qg_json_first(locs); !err && l && j < RP_LOC_SHOWN;
		     l = qg_json_next(l), j++) {
			const char *file = rp_str(l, "file");
			double line = rp_num(l, "line");

			err = rp_link(&url, rp, file, line);
			if (!err)
				err = qg_buf_addstr(b, url.len ? "<br>[" : "<br>");
			qg_buf_reset(&tmp);
			if (!err)
				err = qg_buf_addstr(&tmp, file ? file : "(no file)");
			if (!err && isfinite(line))
				err = qg_buf_addf(&tmp, ":%.0f", line);
			if (!err)
				err = code(b, tmp.buf);
			if (!err && url.len)
				err = qg_buf_addf(b, "](%s)", url.buf);
			if (!err && rp_str(l, "message")) {
				err = qg_buf_addch(b, ' ');
				if (!err)
					err = md(b, rp_str(l, "message"));
			}
		}
		if (!err && nl > j)
			err = qg_buf_addf(b, "<br>… %zu more locations", nl - j);
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	if (!err)
		err = more(b, rp->failing.nr, i, "failing checks");
	qg_buf_release(&tmp);
	qg_buf_release(&url);
	return err;
}

static int sections(struct qg_buf *b, const struct rp_report *rp)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t i, shown = 0;
	int err = 0;

	if (rp->runs_nr) {
		size_t n = 0;

		err = qg_buf_addstr(b, "\n## Steps\n");
		i = 0;
		for (size_t k = 0; !err && k < rp->runs_nr; k++) {
			const struct qg_json *steps = qg_json_get(rp->runs[k]->doc, "steps");

			n += qg_json_size(steps);
			if (i >= RP_RESULTS_SHOWN)
				continue;
			err = qg_buf_addstr(b, "\nStage `");
			if (!err)
				err = md(b, rp_str(rp->runs[k]->doc, "stage"));
			if (!err)
				err = qg_buf_addf(b, "`: %s (`", word(rp->runs[k]->status));
			if (!err)
				err = md(b, rp->runs[k]->path);
			if (!err)
				err = qg_buf_addstr(b, "`)\n\n| step | gate | status | exit | ms | reason |\n"
						       "|---|---|---|---:|---:|---|\n");
			for (const struct qg_json *s = qg_json_first(steps);
			     !err && s && i < RP_RESULTS_SHOWN; s = qg_json_next(s), i++) {
				err = qg_buf_addstr(b, "| ");
				if (!err)
					err = md(b, rp_str(s, "name"));
				if (!err)
					err = qg_buf_addstr(b, " | ");
				if (!err)
					err = md(b, rp_str(s, "gate"));
				if (!err)
					err = qg_buf_addf(b, " | %s | ", word(rp_str(s, "status")));
				if (!err)
					err = num(b, rp_num(s, "exit_code"));
				if (!err)
					err = qg_buf_addstr(b, " | ");
				if (!err)
					err = num(b, rp_num(s, "duration_ms"));
				if (!err)
					err = qg_buf_addstr(b, " | ");
				if (!err)
					err = md(b, rp_str(s, "reason"));
				if (!err)
					err = qg_buf_addstr(b, " |\n");
			}
		}
		if (!err)
			err = more(b, n, i, "steps");
	}
	if (!err)
		err = qg_buf_addstr(
			b,
			"\n## Gates\n\n| gate | status | checks | failed | errors | file |\n|---|---|---:|---:|---:|---|\n");
	for (i = 0; !err && i < rp->set->nr && shown < RP_RESULTS_SHOWN; i++) {
		const struct front_result *r = &rp->set->v[i];
		const struct qg_json *sum = qg_json_get(r->doc, "summary");

		if (!r->gate)
			continue;
		shown++;
		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = md(b, rp_result_name(r, &tmp));
		if (!err)
			err = qg_buf_addf(b, " | %s | ", word(r->status));
		if (!err)
			err = num(b, rp_num(sum, "checks"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(sum, "failed"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(sum, "errors"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = code(b, r->path);
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	if (!err)
		err = more(b, rp->results, shown, "results");
	if (!err)
		err = failing(b, rp);
	if (!err && rp->model.nr)
		err = qg_buf_addstr(
			b,
			"\n## Model against the champion\n\n| rule | status | candidate | champion | delta | interval | required |\n|---|---|---:|---:|---:|---|---|\n");
	for (i = 0; !err && i < rp->model.nr && i < RP_FAIL_SHOWN; i++) {
		const struct qg_json *c = rp->model.v[i].c, *iv = qg_json_get(c, "interval");

		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = code(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addf(b, " | %s | ", word(rp_str(c, "status")));
		if (!err)
			err = num(b, rp_num(c, "candidate"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(c, "baseline"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(c, "delta"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err && qg_json_size(iv) == 2)
			err = qg_buf_addf(b, "[%.4g, %.4g]", qg_json_number(qg_json_at(iv, 0)),
					  qg_json_number(qg_json_at(iv, 1)));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = md(b, rp_str(c, "expected"));
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	if (!err)
		err = more(b, rp->model.nr, i < rp->model.nr ? i : rp->model.nr, "metric rules");
	if (!err && rp->drift.nr)
		err = qg_buf_addstr(
			b,
			"\n## Drift per field\n\n| field | status | PSI | KS | baseline → current (per bin) |\n|---|---|---:|---:|---|\n");
	for (i = 0; !err && i < rp->drift.nr && i < RP_FAIL_SHOWN; i++) {
		const struct qg_json *c = rp->drift.v[i].c,
				     *bf = qg_json_get(c, "baseline_fractions"),
				     *cf = qg_json_get(c, "current_fractions");

		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = code(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addf(b, " | %s | ", word(rp_str(c, "status")));
		if (!err)
			err = num(b, rp_num(c, "psi"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = num(b, rp_num(c, "ks"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		for (size_t k = 0; !err && k < qg_json_size(bf) && k < 20; k++)
			err = qg_buf_addf(b, "%s%.2f→%.2f", k ? " " : "",
					  qg_json_number(qg_json_at(bf, k)),
					  qg_json_number(qg_json_at(cf, k)));
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	if (!err)
		err = more(b, rp->drift.nr, i < rp->drift.nr ? i : rp->drift.nr, "drift fields");
	if (!err && rp->slow_nr)
		err = qg_buf_addstr(b, "\n## Slowest tests\n\n| test | ms |\n|---|---:|\n");
	for (i = 0; !err && i < rp->slow_nr; i++) {
		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = code(b, rp->slow[i].name);
		if (!err)
			err = qg_buf_addf(b, " | %.0f |\n", rp->slow[i].ms);
	}
	if (!err && rp->flaky.nr)
		err = qg_buf_addf(b, "\n## Flaky tests (%zu)\n\n", rp->flaky.nr);
	for (i = 0; !err && i < rp->flaky.nr && i < RP_FLAKY_SHOWN; i++) {
		err = qg_buf_addstr(b, "- 🔁 ");
		if (!err)
			err = code(b, rp_check_id(rp->flaky.v[i].c));
		if (!err)
			err = qg_buf_addstr(b, ": ");
		if (!err)
			err = md(b, rp_str(rp->flaky.v[i].c, "message"));
		if (!err)
			err = qg_buf_addch(b, '\n');
	}
	if (!err)
		err = more(b, rp->flaky.nr, i, "flaky tests");
	if (!err && rp->rules_nr)
		err = qg_buf_addstr(
			b,
			"\n## Lint findings by rule\n\n| rule | level | findings |\n|---|---|---:|\n");
	for (i = 0; !err && i < rp->rules_nr && i < RP_RULES_SHOWN; i++) {
		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = code(b, rp->rules[i].id);
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = md(b, rp->rules[i].level);
		if (!err)
			err = qg_buf_addf(b, " | %.0f |\n", rp->rules[i].count);
	}
	if (!err)
		err = more(b, rp->rules_nr, i, "rules");
	if (!err && rp->deploy.nr)
		err = qg_buf_addstr(
			b,
			"\n## Deploy and audit history\n\n| started | command | status | digest | what happened |\n|---|---|---|---|---|\n");
	for (i = 0; !err && i < rp->deploy.nr && i < RP_DEPLOY_SHOWN; i++) {
		const struct front_result *r = rp->deploy.v[i].res;
		const struct qg_json *m = qg_json_get(r->doc, "metrics"),
				     *audit = qg_json_get(m, "audit");
		const char *dg = rp_str(m, "digest") ? rp_str(m, "digest") : rp_str(audit, "head");

		err = qg_buf_addstr(b, "| ");
		if (!err)
			err = md(b, rp_str(r->doc, "started_at"));
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err)
			err = md(b, r->command);
		if (!err)
			err = qg_buf_addf(b, " | %s | ", word(r->status));
		if (!err && dg)
			err = code(b, dg);
		if (!err)
			err = qg_buf_addstr(b, " | ");
		if (!err && audit)
			err = qg_buf_addf(b, "audit log: %.0f entries, %.0f signed. ",
					  rp_num(audit, "entries"), rp_num(audit, "signed"));
		if (!err)
			err = md(b, rp_str(rp->deploy.v[i].c, "message"));
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	if (!err)
		err = more(b, rp->deploy.nr, i, "deploy results");
	if (!err && rp->set->logs_nr && !rp->deploy.nr)
		err = qg_buf_addstr(b, "\n## Deploy and audit history\n");
	for (size_t l = 0; !err && l < rp->set->logs_nr; l++) {
		const struct front_audit_log *log = &rp->set->logs[l];

		err = qg_buf_addstr(b, "\n### Audit log ");
		if (!err)
			err = code(b, log->path);
		if (!err)
			err = qg_buf_addf(
				b,
				"\n\n%zu entries%s.\n\n| seq | time | actor | action | target | tag | digest after | verdict |\n"
				"|---:|---|---|---|---|---|---|---|\n",
				log->entries,
				log->entries > qg_json_size(log->tail) ? ", the last ones shown" :
									 "");
		for (const struct qg_json *e = qg_json_first(log->tail); !err && e;
		     e = qg_json_next(e)) {
			static const char *const cols[] = { "time", "actor", "action", "target",
							    "tag" };

			err = qg_buf_addstr(b, "| ");
			if (!err)
				err = num(b, rp_num(e, "seq"));
			for (size_t k = 0; !err && k < QG_ARRAY_SIZE(cols); k++) {
				err = qg_buf_addstr(b, " | ");
				if (!err)
					err = md(b, rp_str(e, cols[k]));
			}
			if (!err)
				err = qg_buf_addstr(b, " | ");
			if (!err && rp_str(e, "digest_after"))
				err = code(b, rp_str(e, "digest_after"));
			if (!err)
				err = qg_buf_addf(b, " | %s |\n",
						  rp_str(e, "verdict") ?
							  word(rp_str(e, "verdict")) :
							  "");
		}
	}
	qg_buf_release(&tmp);
	return err;
}

int rp_md_render(struct qg_buf *b, const struct rp_report *rp)
{
	const char *v = rp->verdict;
	int err = qg_buf_addf(
		b,
		"# qgate report: %s\n\n> **%s** (exit %d): %zu result%s, %zu checks, %zu failed, %zu errors\n",
		!strcmp(v, "pass") ? "✅ PASS" :
		!strcmp(v, "fail") ? "❌ FAIL" :
				     "⚠️ ERROR",
		!strcmp(v, "pass") ? "every gate passed" :
		!strcmp(v, "fail") ? "a gate blocked this change" :
				     "a gate could not evaluate",
		rp->exit_code, rp->results, rp->results == 1 ? "" : "s", rp->checks, rp->failed,
		rp->errors);

	if (!err)
		err = sections(b, rp);
	return err;
}
