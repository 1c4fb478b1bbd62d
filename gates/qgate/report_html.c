/* report_html.c -- the report as one self-contained HTML page
 *
 * Everything inline: one <style>, SVG charts (report_svg.c), no <script>, no
 * external resource of any kind (the only URLs on the page are links to the
 * repository's files on GitHub, plain <a href>). Colour is never the only
 * signal: every status is written out beside its colour with an icon
 * (PASS/FAIL/ERROR/SKIP), and every chart mark carries its value as text.
 * Every string from a result is HTML-escaped; long messages are cut at
 * RP_TEXT_MAX characters and long lists at their caps with "N more".
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"

#include "report_int.h"

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;"
	"padding:16px;color:#1b1f24;background:#fff}"
	"h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}"
	"table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;"
	"text-align:left;vertical-align:top}td:last-child{overflow-wrap:anywhere}th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 3px}"
	".banner{padding:14px 18px;border-radius:6px;font-size:20px;font-weight:600;border:2px solid}"
	".b-pass{background:#dafbe1;border-color:#1a7f37}.b-fail{background:#ffebe9;border-color:#cf222e}"
	".b-error{background:#fff8c5;border-color:#9a6700}"
	".s{font-weight:600;white-space:nowrap}.s-pass{color:#1a7f37}.s-fail{color:#cf222e}"
	".s-error{color:#9a6700}.s-skip{color:#57606a}"
	".more{color:#57606a;font-style:italic}.loc{font-size:12px;color:#57606a}"
	"svg{max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#1b1f24}"
	".grid{display:flex;flex-wrap:wrap;gap:12px}.grid figure{margin:0;border:1px solid #d0d7de;padding:6px}"
	"figcaption{font-size:12px}"
	"@media print{.banner{border-width:3px}}";

int rp_html_escape(struct qg_buf *b, const char *s)
{
	int err = 0;
	size_t n = 0;

	if (!s)
		return 0;
	for (; !err && *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (n >= RP_TEXT_MAX && (c & 0xC0) != 0x80)
			return qg_buf_addstr(b, "&hellip;");
		switch (c) {
		case '<':
			err = qg_buf_addstr(b, "&lt;");
			break;
		case '>':
			err = qg_buf_addstr(b, "&gt;");
			break;
		case '&':
			err = qg_buf_addstr(b, "&amp;");
			break;
		case '"':
			err = qg_buf_addstr(b, "&quot;");
			break;
		case '\'':
			err = qg_buf_addstr(b, "&#39;");
			break;
		default:
			err = (c < 0x20 && c != '\n' && c != '\t') ? qg_buf_addch(b, ' ') :
								     qg_buf_addch(b, c);
		}
	}
	return err;
}

static int status_badge(struct qg_buf *b, const char *st)
{
	const char *icon = "?", *word = "UNKNOWN", *cls = "error";

	if (!st)
		st = "";
	if (!strcmp(st, "pass"))
		icon = "&#10004;", word = "PASS", cls = "pass";
	else if (!strcmp(st, "fail"))
		icon = "&#10008;", word = "FAIL", cls = "fail";
	else if (!strcmp(st, "error"))
		icon = "&#9888;", word = "ERROR", cls = "error";
	else if (!strcmp(st, "skip"))
		icon = "&#8211;", word = "SKIP", cls = "skip";
	return qg_buf_addf(b, "<span class=\"s s-%s\">%s %s</span>", cls, icon, word);
}

static int num(struct qg_buf *b, double v)
{
	return isfinite(v) ? qg_buf_addf(b, "%.4g", v) : qg_buf_addstr(b, "&ndash;");
}

static int more(struct qg_buf *b, size_t total, size_t shown, const char *what)
{
	if (total <= shown)
		return 0;
	return qg_buf_addf(b, "<p class=\"more\">&hellip; %zu more %s not shown</p>\n",
			   total - shown, what);
}

static int banner(struct qg_buf *b, const struct rp_report *rp)
{
	const char *v = rp->verdict;
	int err = qg_buf_addf(b, "<div class=\"banner b-%s\" role=\"status\" id=\"verdict\">", v);

	if (!err)
		err = qg_buf_addstr(b, !strcmp(v, "pass") ?
					       "&#10004; PASS &mdash; every gate passed" :
				       !strcmp(v, "fail") ?
					       "&#10008; FAIL &mdash; a gate blocked this change" :
					       "&#9888; ERROR &mdash; a gate could not evaluate");
	if (!err)
		err = qg_buf_addf(
			b,
			" (exit %d)</div>\n<p>%zu result%s, %zu checks: %zu failed, %zu errors. Folder <code>",
			rp->exit_code, rp->results, rp->results == 1 ? "" : "s", rp->checks,
			rp->failed, rp->errors);
	if (!err)
		err = rp_html_escape(b, rp->dir);
	if (!err)
		err = qg_buf_addstr(b, "</code>.</p>\n");
	return err;
}

/* One table per run under DIR (a stage each), rows capped over all of them. */
static int steps_table(struct qg_buf *b, const struct rp_report *rp)
{
	size_t n = 0, i = 0;
	int err = qg_buf_addstr(b, "<h2 id=\"steps\">Steps</h2>\n");

	for (size_t k = 0; !err && k < rp->runs_nr; k++) {
		const struct front_result *run = rp->runs[k];
		const struct qg_json *steps = qg_json_get(run->doc, "steps");

		n += qg_json_size(steps);
		if (i >= RP_RESULTS_SHOWN)
			continue;
		err = qg_buf_addstr(b, "<p>Stage <code>");
		if (!err)
			err = rp_html_escape(b, rp_str(run->doc, "stage"));
		if (!err)
			err = qg_buf_addstr(b, "</code>: ");
		if (!err)
			err = status_badge(b, run->status);
		if (!err)
			err = qg_buf_addstr(b, " <code>");
		if (!err)
			err = rp_html_escape(b, run->path);
		if (!err)
			err = qg_buf_addstr(
				b, "</code></p>\n<table><tr><th>step</th><th>gate</th><th>status</th>"
				   "<th>exit</th><th>ms</th><th>reports</th><th>reason</th></tr>\n");
		for (const struct qg_json *s = qg_json_first(steps); !err && s && i < RP_RESULTS_SHOWN;
		     s = qg_json_next(s), i++) {
			err = qg_buf_addstr(b, "<tr><td>");
			if (!err)
				err = rp_html_escape(b, rp_str(s, "name"));
			if (!err)
				err = qg_buf_addstr(b, "</td><td>");
			if (!err)
				err = rp_html_escape(b, rp_str(s, "gate"));
			if (!err)
				err = qg_buf_addstr(b, "</td><td>");
			if (!err)
				err = status_badge(b, rp_str(s, "status"));
			if (!err)
				err = qg_buf_addstr(b, "</td><td class=\"n\">");
			if (!err)
				err = num(b, rp_num(s, "exit_code"));
			if (!err)
				err = qg_buf_addstr(b, "</td><td class=\"n\">");
			if (!err)
				err = num(b, rp_num(s, "duration_ms"));
			if (!err)
				err = qg_buf_addstr(b, "</td><td>");
			for (const struct qg_json *x = qg_json_first(qg_json_get(s, "reports")); !err && x;
			     x = qg_json_next(x)) {
				err = qg_buf_addstr(b, "<code>");
				if (!err)
					err = rp_html_escape(b, qg_json_string(x));
				if (!err)
					err = qg_buf_addstr(b, "</code> ");
			}
			if (!err)
				err = qg_buf_addstr(b, "</td><td>");
			if (!err)
				err = rp_html_escape(b, rp_str(s, "reason"));
			if (!err)
				err = qg_buf_addstr(b, "</td></tr>\n");
		}
		if (!err)
			err = qg_buf_addstr(b, "</table>\n");
	}
	return err ? err : more(b, n, i, "steps");
}

static int gates_table(struct qg_buf *b, const struct rp_report *rp)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t shown = 0;
	int err = qg_buf_addstr(
		b, "<h2 id=\"gates\">Gates</h2>\n<table><tr><th>gate</th><th>status</th>"
		   "<th>checks</th><th>failed</th><th>errors</th><th>ms</th><th>file</th></tr>\n");

	for (size_t i = 0; !err && i < rp->set->nr && shown < RP_RESULTS_SHOWN; i++) {
		const struct front_result *r = &rp->set->v[i];
		const struct qg_json *sum = qg_json_get(r->doc, "summary");

		if (!r->gate)
			continue;
		shown++;
		err = qg_buf_addstr(b, "<tr><td>");
		if (!err)
			err = rp_html_escape(b, rp_result_name(r, &tmp));
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = status_badge(b, r->status);
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(sum, "checks"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(sum, "failed"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(sum, "errors"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(r->doc, "duration_ms"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td><code>");
		if (!err)
			err = rp_html_escape(b, r->path);
		if (!err)
			err = qg_buf_addstr(b, "</code></td></tr>\n");
	}
	if (!err)
		err = qg_buf_addstr(b, "</table>\n");
	if (!err)
		err = more(b, rp->results, shown, "results");
	qg_buf_release(&tmp);
	return err;
}

static int location(struct qg_buf *b, const struct rp_report *rp, const struct qg_json *loc,
		    struct qg_buf *url)
{
	const char *file = rp_str(loc, "file");
	double line = rp_num(loc, "line"), col = rp_num(loc, "column");
	int err = rp_link(url, rp, file, line);

	if (!err && url->len) {
		err = qg_buf_addstr(b, "<a href=\"");
		if (!err)
			err = rp_html_escape(b, url->buf);
		if (!err)
			err = qg_buf_addstr(b, "\">");
	}
	if (!err)
		err = qg_buf_addstr(b, "<code>");
	if (!err)
		err = rp_html_escape(b, file ? file : "(no file)");
	if (!err && isfinite(line))
		err = qg_buf_addf(b, ":%.0f", line);
	if (!err && isfinite(col))
		err = qg_buf_addf(b, ":%.0f", col);
	if (!err)
		err = qg_buf_addstr(b, "</code>");
	if (!err && url->len)
		err = qg_buf_addstr(b, "</a>");
	if (!err && rp_str(loc, "message")) {
		err = qg_buf_addstr(b, " ");
		if (!err)
			err = rp_html_escape(b, rp_str(loc, "message"));
	}
	return err;
}

static int failing_table(struct qg_buf *b, const struct rp_report *rp)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE), url = QG_BUF_INIT(QG_CAP_URL);
	size_t i = 0;
	int err = qg_buf_addf(b, "<h2 id=\"failing\">Failing checks (%zu)</h2>\n", rp->failing.nr);

	if (!err && !rp->failing.nr)
		err = qg_buf_addstr(b,
				    "<p>&#10004; None: every check passed or was skipped.</p>\n");
	if (!err && rp->failing.nr)
		err = qg_buf_addstr(
			b, "<table><tr><th>check</th><th>status</th><th>gate</th><th>count</th>"
			   "<th>message and locations</th></tr>\n");
	for (; !err && i < rp->failing.nr && i < RP_FAIL_SHOWN; i++) {
		const struct rp_check *k = &rp->failing.v[i];
		const struct qg_json *locs = qg_json_get(k->c, "locations");
		size_t nl = qg_json_size(locs), j = 0;

		err = qg_buf_addstr(b, "<tr><td><code class=\"check-id\">");
		if (!err)
			err = rp_html_escape(b, rp_check_id(k->c));
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td>");
		if (!err)
			err = status_badge(b, rp_str(k->c, "status"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = rp_html_escape(b, rp_result_name(k->res, &tmp));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(k->c, "count"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = rp_html_escape(b, rp_str(k->c, "message"));
		for (const struct qg_json *l = qg_json_first(locs); !err && l && j < RP_LOC_SHOWN;
		     l = qg_json_next(l), j++) {
			err = qg_buf_addstr(b, "<div class=\"loc\">");
			if (!err)
				err = location(b, rp, l, &url);
			if (!err)
				err = qg_buf_addstr(b, "</div>");
		}
		if (!err && nl > j)
			err = qg_buf_addf(b,
					  "<div class=\"more\">&hellip; %zu more locations</div>",
					  nl - j);
		if (!err)
			err = qg_buf_addstr(b, "</td></tr>\n");
	}
	if (!err && rp->failing.nr)
		err = qg_buf_addstr(b, "</table>\n");
	if (!err)
		err = more(b, rp->failing.nr, i, "failing checks");
	qg_buf_release(&tmp);
	qg_buf_release(&url);
	return err;
}

static int model_section(struct qg_buf *b, const struct rp_report *rp)
{
	size_t i = 0;
	int err;

	if (!rp->model.nr)
		return 0;
	err = qg_buf_addstr(b, "<h2 id=\"model\">Model against the champion</h2>\n");
	if (!err)
		err = rp_svg_model(b, rp);
	if (!err)
		err = qg_buf_addstr(
			b,
			"<table><tr><th>rule</th><th>status</th><th>candidate</th><th>champion</th>"
			"<th>delta</th><th>interval</th><th>required</th></tr>\n");
	for (; !err && i < rp->model.nr && i < RP_FAIL_SHOWN; i++) {
		const struct qg_json *c = rp->model.v[i].c, *iv = qg_json_get(c, "interval");

		err = qg_buf_addstr(b, "<tr><td><code>");
		if (!err)
			err = rp_html_escape(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td>");
		if (!err)
			err = status_badge(b, rp_str(c, "status"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(c, "candidate"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(c, "baseline"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(c, "delta"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td class=\"n\">");
		if (!err && qg_json_size(iv) == 2) {
			err = qg_buf_addstr(b, "[");
			if (!err)
				err = num(b, qg_json_number(qg_json_at(iv, 0)));
			if (!err)
				err = qg_buf_addstr(b, ", ");
			if (!err)
				err = num(b, qg_json_number(qg_json_at(iv, 1)));
			if (!err)
				err = qg_buf_addstr(b, "]");
		} else if (!err) {
			err = qg_buf_addstr(b, "&ndash;");
		}
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = rp_html_escape(b, rp_str(c, "expected"));
		if (!err)
			err = qg_buf_addstr(b, "</td></tr>\n");
	}
	if (!err)
		err = qg_buf_addstr(b, "</table>\n");
	return err ? err : more(b, rp->model.nr, i, "metric rules");
}

static int drift_section(struct qg_buf *b, const struct rp_report *rp)
{
	size_t i = 0, charts = 0;
	int err;

	if (!rp->drift.nr)
		return 0;
	err = qg_buf_addstr(b, "<h2 id=\"drift\">Drift per field</h2>\n");
	if (!err)
		err = rp_svg_drift_stats(b, rp);
	if (!err)
		err = qg_buf_addstr(b, "<div class=\"grid\">\n");
	for (; !err && i < rp->drift.nr && charts < RP_CHART_ROWS; i++) {
		const struct qg_json *c = rp->drift.v[i].c;

		if (qg_json_size(qg_json_get(c, "baseline_fractions")) == 0)
			continue;
		charts++;
		err = rp_svg_drift_field(b, c);
	}
	if (!err)
		err = qg_buf_addstr(b, "</div>\n");
	return err;
}

static int tests_section(struct qg_buf *b, const struct rp_report *rp)
{
	size_t i = 0;
	int err = 0;

	if (!rp->slow_nr && !rp->flaky.nr)
		return 0;
	err = qg_buf_addstr(b, "<h2 id=\"tests\">Tests</h2>\n");
	if (!err && rp->slow_nr)
		err = qg_buf_addstr(
			b, "<h3>Slowest tests</h3>\n<table><tr><th>test</th><th>ms</th></tr>\n");
	for (size_t k = 0; !err && k < rp->slow_nr; k++) {
		err = qg_buf_addstr(b, "<tr><td><code>");
		if (!err)
			err = rp_html_escape(b, rp->slow[k].name);
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td class=\"n\">");
		if (!err)
			err = num(b, rp->slow[k].ms);
		if (!err)
			err = qg_buf_addstr(b, "</td></tr>\n");
	}
	if (!err && rp->slow_nr)
		err = qg_buf_addstr(b, "</table>\n");
	if (!err && rp->flaky.nr)
		err = qg_buf_addf(
			b,
			"<h3>Flaky tests (%zu)</h3>\n<table><tr><th>test</th><th>attempts</th>"
			"<th>message</th></tr>\n",
			rp->flaky.nr);
	for (; !err && i < rp->flaky.nr && i < RP_FLAKY_SHOWN; i++) {
		const struct qg_json *c = rp->flaky.v[i].c;

		err = qg_buf_addstr(b, "<tr><td><code>&#8635; ");
		if (!err)
			err = rp_html_escape(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td class=\"n\">");
		if (!err)
			err = num(b, rp_num(c, "attempts"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = rp_html_escape(b, rp_str(c, "message"));
		if (!err)
			err = qg_buf_addstr(b, "</td></tr>\n");
	}
	if (!err && rp->flaky.nr)
		err = qg_buf_addstr(b, "</table>\n");
	return err ? err : more(b, rp->flaky.nr, i, "flaky tests");
}

static int lint_section(struct qg_buf *b, const struct rp_report *rp)
{
	size_t i = 0;
	int err;

	if (!rp->rules_nr)
		return 0;
	err = qg_buf_addstr(b,
			    "<h2 id=\"lint\">Lint findings by rule</h2>\n<table><tr><th>rule</th>"
			    "<th>level</th><th>findings</th></tr>\n");
	for (; !err && i < rp->rules_nr && i < RP_RULES_SHOWN; i++) {
		err = qg_buf_addstr(b, "<tr><td><code>");
		if (!err)
			err = rp_html_escape(b, rp->rules[i].id);
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td>");
		if (!err)
			err = rp_html_escape(b, rp->rules[i].level ? rp->rules[i].level : "");
		if (!err)
			err = qg_buf_addf(b, "</td><td class=\"n\">%.0f</td></tr>\n",
					  rp->rules[i].count);
	}
	if (!err)
		err = qg_buf_addstr(b, "</table>\n");
	return err ? err : more(b, rp->rules_nr, i, "rules");
}

/* "sha256:0123456789ab" with the whole digest in a tooltip */
static int short_digest(struct qg_buf *b, const char *d)
{
	int err;

	if (!d || !*d)
		return 0;
	err = qg_buf_addstr(b, "<span title=\"");
	if (!err)
		err = rp_html_escape(b, d);
	if (!err)
		err = qg_buf_addstr(b, "\">");
	if (!err) {
		char *cut = qg_strndup(d, 19);

		err = cut ? rp_html_escape(b, cut) : qg_error(QG_ENOMEM, "out of memory");
		free(cut);
	}
	if (!err)
		err = qg_buf_addstr(b, strlen(d) > 19 ? "&hellip;</span>" : "</span>");
	return err;
}

static int audit_logs(struct qg_buf *b, const struct rp_report *rp)
{
	int err = 0;

	for (size_t l = 0; !err && l < rp->set->logs_nr; l++) {
		const struct front_audit_log *log = &rp->set->logs[l];

		err = qg_buf_addstr(b, "<h3>Audit log <code>");
		if (!err)
			err = rp_html_escape(b, log->path);
		if (!err)
			err = qg_buf_addf(
				b,
				"</code></h3>\n<p>%zu entries%s.</p>\n<table class=\"audit\"><tr><th>seq</th>"
				"<th>time</th><th>actor</th><th>action</th><th>target</th><th>tag</th>"
				"<th>digest after</th><th>verdict</th></tr>\n",
				log->entries,
				log->entries > qg_json_size(log->tail) ? ", the last ones shown" :
									 "");
		for (const struct qg_json *e = qg_json_first(log->tail); !err && e;
		     e = qg_json_next(e)) {
			static const char *const cols[] = { "time", "actor", "action", "target",
							    "tag" };

			err = qg_buf_addstr(b, "<tr><td class=\"n\">");
			if (!err)
				err = num(b, rp_num(e, "seq"));
			for (size_t k = 0; !err && k < QG_ARRAY_SIZE(cols); k++) {
				err = qg_buf_addstr(b, "</td><td>");
				if (!err)
					err = rp_html_escape(b, rp_str(e, cols[k]));
			}
			if (!err)
				err = qg_buf_addstr(b, "</td><td><code>");
			if (!err)
				err = short_digest(b, rp_str(e, "digest_after"));
			if (!err)
				err = qg_buf_addstr(b, "</code></td><td>");
			if (!err)
				err = rp_str(e, "verdict") ? status_badge(b, rp_str(e, "verdict")) :
							     0;
			if (!err)
				err = qg_buf_addstr(b, "</td></tr>\n");
		}
		if (!err)
			err = qg_buf_addstr(b, "</table>\n");
	}
	return err;
}

static int deploy_section(struct qg_buf *b, const struct rp_report *rp)
{
	size_t i = 0;
	int err;

	if (!rp->deploy.nr && !rp->set->logs_nr)
		return 0;
	if (!rp->deploy.nr) {
		err = qg_buf_addstr(b, "<h2 id=\"deploy\">Deploy and audit history</h2>\n");
		return err ? err : audit_logs(b, rp);
	}
	err = qg_buf_addstr(
		b, "<h2 id=\"deploy\">Deploy and audit history</h2>\n<table><tr><th>started</th>"
		   "<th>command</th><th>status</th><th>digest</th><th>what happened</th></tr>\n");
	for (; !err && i < rp->deploy.nr && i < RP_DEPLOY_SHOWN; i++) {
		const struct front_result *r = rp->deploy.v[i].res;
		const struct qg_json *m = qg_json_get(r->doc, "metrics"),
				     *audit = qg_json_get(m, "audit");

		err = qg_buf_addstr(b, "<tr><td>");
		if (!err)
			err = rp_html_escape(b, rp_str(r->doc, "started_at"));
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = rp_html_escape(b, r->command);
		if (!err)
			err = qg_buf_addstr(b, "</td><td>");
		if (!err)
			err = status_badge(b, r->status);
		if (!err)
			err = qg_buf_addstr(b, "</td><td><code>");
		if (!err)
			err = short_digest(b, rp_str(m, "digest") ? rp_str(m, "digest") :
								    rp_str(audit, "head"));
		if (!err)
			err = qg_buf_addstr(b, "</code></td><td>");
		if (!err && audit)
			err = qg_buf_addf(b, "audit log: %.0f entries, %.0f signed. ",
					  rp_num(audit, "entries"), rp_num(audit, "signed"));
		if (!err)
			err = rp_html_escape(b, rp_str(rp->deploy.v[i].c, "message"));
		if (!err)
			err = qg_buf_addstr(b, "</td></tr>\n");
	}
	if (!err)
		err = qg_buf_addstr(b, "</table>\n");
	if (!err)
		err = more(b, rp->deploy.nr, i, "deploy results");
	return err ? err : audit_logs(b, rp);
}

/* In-page links to the sections the page has (fragments only, no address). */
static int contents(struct qg_buf *b, const struct rp_report *rp)
{
	const struct {
		int on;
		const char *id, *title;
	} sec[] = {
		{ rp->runs_nr > 0, "steps", "Steps" },
		{ 1, "gates", "Gates" },
		{ 1, "failing", "Failing checks" },
		{ rp->model.nr > 0, "model", "Model" },
		{ rp->drift.nr > 0, "drift", "Drift" },
		{ rp->slow_nr || rp->flaky.nr, "tests", "Tests" },
		{ rp->rules_nr > 0, "lint", "Lint" },
		{ rp->deploy.nr > 0 || rp->set->logs_nr > 0, "deploy", "Deploy" },
	};
	int err = qg_buf_addstr(b, "<nav><p>Sections:"), any = 0;

	for (size_t i = 0; !err && i < QG_ARRAY_SIZE(sec); i++)
		if (sec[i].on)
			err = qg_buf_addf(b, "%s <a href=\"#%s\">%s</a>", any++ ? " &middot;" : "",
					  sec[i].id, sec[i].title);
	return err ? err : qg_buf_addstr(b, "</p></nav>\n");
}

int rp_html_render(struct qg_buf *b, const struct rp_report *rp)
{
	int err = qg_buf_addstr(
		b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<title>qgate report: ");

	if (!err)
		err = qg_buf_addstr(b, !strcmp(rp->verdict, "pass") ? "PASS" :
				       !strcmp(rp->verdict, "fail") ? "FAIL" :
								      "ERROR");
	if (!err)
		err = qg_buf_addf(b,
				  "</title><style>%s</style></head><body>\n<h1>qgate report</h1>\n",
				  css);
	if (!err)
		err = banner(b, rp);
	if (!err)
		err = contents(b, rp);
	if (!err && rp->runs_nr)
		err = steps_table(b, rp);
	if (!err)
		err = gates_table(b, rp);
	if (!err)
		err = failing_table(b, rp);
	if (!err)
		err = model_section(b, rp);
	if (!err)
		err = drift_section(b, rp);
	if (!err)
		err = tests_section(b, rp);
	if (!err)
		err = lint_section(b, rp);
	if (!err)
		err = deploy_section(b, rp);
	if (!err)
		err = qg_buf_addstr(
			b, "<p class=\"more\">Rendered by <code>qgate report</code>; "
			   "every status is written out beside its colour.</p>\n</body></html>\n");
	return err;
}
