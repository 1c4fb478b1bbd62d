/* report_svg.c -- the report's inline SVG charts
 *
 * Plain SVG 1.1 inside the page (no script, no external font or image), with
 * role="img", a <title> and text labels: every mark also says its value in
 * words, and the two series of a drift chart differ in shape (baseline an
 * outlined bar, current a filled one) as well as colour.
 *
 * The model chart is a forest plot: one row per rule compared with the
 * champion, a dot at the candidate-minus-champion delta, a line over its
 * interval (qgate-model's paired bootstrap), a zero line, and a tick at the
 * rule's own margin (threshold - champion) when there is one.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"

#include "report_int.h"

static int esc(struct qg_buf *b, const char *s)
{
	return rp_html_escape(b, s);
}

static int iv(const struct qg_json *c, double *lo, double *hi)
{
	const struct qg_json *a = qg_json_get(c, "interval");

	if (qg_json_size(a) != 2)
		return 0;
	*lo = qg_json_number(qg_json_at(a, 0));
	*hi = qg_json_number(qg_json_at(a, 1));
	return isfinite(*lo) && isfinite(*hi) && isfinite(rp_num(c, "delta"));
}

int rp_svg_model(struct qg_buf *b, const struct rp_report *rp)
{
	double lo = 0, hi = 0, l, h;
	size_t rows = 0;
	const double x0 = 200, pw = 360;
	int err = 0, several = 0;

	for (size_t i = 1; i < rp->model.nr; i++)
		several |= rp->model.v[i].res != rp->model.v[0].res;

	for (size_t i = 0; i < rp->model.nr && rows < RP_CHART_ROWS; i++) {
		const struct qg_json *c = rp->model.v[i].c;
		double m = rp_num(c, "threshold") - rp_num(c, "baseline");

		if (!iv(c, &l, &h))
			continue;
		rows++;
		lo = fmin(lo, l);
		hi = fmax(hi, h);
		if (isfinite(m)) {
			lo = fmin(lo, m);
			hi = fmax(hi, m);
		}
	}
	if (!rows)
		return qg_buf_addstr(
			b, "<p>No rule compares with the champion (no --baseline): the table lists "
			   "the metrics against their thresholds.</p>\n");
	if (hi - lo < 1e-12)
		hi = lo + 1;
	{
		double pad = (hi - lo) * 0.05;

		lo -= pad;
		hi += pad;
	}
#define X(v) (x0 + ((v)-lo) / (hi - lo) * pw)
	err = qg_buf_addf(
		b,
		"<figure><svg role=\"img\" id=\"model-chart\" "
		"viewBox=\"0 0 860 %zu\" width=\"860\" height=\"%zu\"><title>candidate minus champion, "
		"with intervals</title>\n",
		rows * 24 + 44, rows * 24 + 44);
	if (!err)
		err = qg_buf_addf(
			b,
			"<line x1=\"%.1f\" y1=\"8\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#57606a\" "
			"stroke-dasharray=\"3,3\"/><text x=\"%.1f\" y=\"%zu\" text-anchor=\"middle\">0 (champion)</text>\n",
			X(0), X(0), rows * 24 + 14, X(0), rows * 24 + 30);
	if (!err)
		err = qg_buf_addf(b,
				  "<text x=\"%.1f\" y=\"%zu\" text-anchor=\"start\">%.3g</text>"
				  "<text x=\"%.1f\" y=\"%zu\" text-anchor=\"end\">%+.3g</text>\n",
				  x0, rows * 24 + 30, lo, x0 + pw, rows * 24 + 30, hi);
	rows = 0;
	for (size_t i = 0; !err && i < rp->model.nr && rows < RP_CHART_ROWS; i++) {
		const struct qg_json *c = rp->model.v[i].c;
		const char *st = rp_str(c, "status");
		int bad = st && strcmp(st, "pass");
		double y = 20 + (double)rows * 24, d = rp_num(c, "delta");
		double m = rp_num(c, "threshold") - rp_num(c, "baseline");

		if (!iv(c, &l, &h))
			continue;
		rows++;
		err = qg_buf_addf(b, "<g><title>");
		if (!err)
			err = esc(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addf(b,
					  ": delta %+.4g, interval [%.4g, %.4g]</title>"
					  "<text x=\"4\" y=\"%.1f\">",
					  d, l, h, y + 4);
		if (!err && several) { /* rows of two model results: say whose */
			err = esc(b, rp->model.v[i].res->path);
			if (!err)
				err = qg_buf_addstr(b, ": ");
		}
		if (!err)
			err = esc(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addf(
				b,
				"</text><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"3\"/>"
				"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>",
				X(l), y, X(h), y, bad ? "#cf222e" : "#0969da", X(d), y,
				bad ? "#cf222e" : "#0969da");
		if (!err && isfinite(m))
			err = qg_buf_addf(
				b,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9a6700\" "
				"stroke-width=\"2\"/>",
				X(m), y - 8, X(m), y + 8);
		if (!err)
			err = qg_buf_addf(
				b, "<text x=\"%.1f\" y=\"%.1f\">%s %+.3g [%.3g, %.3g]</text></g>\n",
				x0 + pw + 8, y + 4, bad ? "&#10008; FAIL" : "&#10004; pass", d, l,
				h);
	}
#undef X
	if (!err)
		err = qg_buf_addstr(
			b, "</svg><figcaption>Each row: candidate minus champion (dot) with its "
			   "interval (line); the short vertical tick is the rule's allowed margin; "
			   "the dashed line is the champion.</figcaption></figure>\n");
	return err;
}

/* One field: baseline (outlined) against current (filled) fractions per bin. */
int rp_svg_drift_field(struct qg_buf *b, const struct qg_json *c)
{
	const struct qg_json *bf = qg_json_get(c, "baseline_fractions"),
			     *cf = qg_json_get(c, "current_fractions");
	const struct qg_json *labels = qg_json_get(c, "categories");
	size_t n = qg_json_size(bf), nc = qg_json_size(cf);
	double top = 0, W = 320, H = 110, bw;
	const char *st = rp_str(c, "status");
	int err;

	if (!n || n != nc || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		top = fmax(top, fmax(qg_json_number(qg_json_at(bf, i)),
				     qg_json_number(qg_json_at(cf, i))));
	if (!(top > 0))
		top = 1;
	bw = W / (double)n;
	err = qg_buf_addf(b, "<figure><svg role=\"img\" class=\"drift-chart\" "
			     "viewBox=\"0 0 340 150\" width=\"340\" height=\"150\"><title>");
	if (!err)
		err = esc(b, rp_check_id(c));
	if (!err)
		err = qg_buf_addstr(b, ": baseline against current distribution</title>\n");
	for (size_t i = 0; !err && i < n; i++) {
		double vb = qg_json_number(qg_json_at(bf, i)),
		       vc = qg_json_number(qg_json_at(cf, i));
		double x = 10 + (double)i * bw, hb = vb / top * H, hc = vc / top * H;
		const char *lab = qg_json_string(qg_json_at(labels, i));

		if (!isfinite(hb))
			hb = 0;
		if (!isfinite(hc))
			hc = 0;
		err = qg_buf_addf(b, "<g><title>bin %zu", i + 1);
		if (!err && lab) {
			err = qg_buf_addstr(b, " (");
			if (!err)
				err = esc(b, lab);
			if (!err)
				err = qg_buf_addstr(b, ")");
		}
		if (!err)
			err = qg_buf_addf(
				b,
				": baseline %.3f, current %.3f</title>"
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
				"stroke=\"#57606a\" stroke-width=\"1.5\"/>"
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
				"fill-opacity=\"0.75\"/></g>\n",
				vb, vc, x + 1, 120 - hb, bw * 0.45, hb, x + bw * 0.5, 120 - hc,
				bw * 0.45, hc, st && strcmp(st, "pass") ? "#cf222e" : "#0969da");
	}
	if (!err)
		err = qg_buf_addstr(
			b,
			"<line x1=\"10\" y1=\"120\" x2=\"330\" y2=\"120\" stroke=\"#1b1f24\"/>"
			"<rect x=\"10\" y=\"132\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#57606a\"/>"
			"<text x=\"24\" y=\"141\">baseline</text>"
			"<rect x=\"90\" y=\"132\" width=\"10\" height=\"10\" fill=\"");
	if (!err)
		err = qg_buf_addstr(b, st && strcmp(st, "pass") ? "#cf222e" : "#0969da");
	if (!err)
		err = qg_buf_addstr(
			b, "\"/><text x=\"104\" y=\"141\">current</text></svg><figcaption>");
	if (!err)
		err = qg_buf_addstr(b, st && !strcmp(st, "pass") ? "&#10004; " : "&#10008; ");
	if (!err)
		err = qg_buf_addstr(b, "<code>");
	if (!err)
		err = esc(b, rp_check_id(c));
	if (!err)
		err = qg_buf_addf(b, "</code> PSI %.3g, %s %.3g (", rp_num(c, "psi"),
				  isfinite(rp_num(c, "ks")) ? "KS" : "JS",
				  isfinite(rp_num(c, "ks")) ? rp_num(c, "ks") : rp_num(c, "js"));
	if (!err)
		err = esc(b, st ? st : "?");
	if (!err)
		err = qg_buf_addstr(b, ")</figcaption></figure>\n");
	return err;
}

/* The statistic per field as bars (PSI, else the check's observed value). */
int rp_svg_drift_stats(struct qg_buf *b, const struct rp_report *rp)
{
	size_t rows = rp->drift.nr < RP_CHART_ROWS ? rp->drift.nr : RP_CHART_ROWS;
	double top = 0;
	int err;

	for (size_t i = 0; i < rows; i++) {
		double v = rp_num(rp->drift.v[i].c, "psi");

		if (!isfinite(v))
			v = rp_num(rp->drift.v[i].c, "observed");
		if (isfinite(v))
			top = fmax(top, v);
	}
	if (!(top > 0))
		top = 1;
	err = qg_buf_addf(
		b,
		"<figure><svg role=\"img\" id=\"drift-stats\" "
		"viewBox=\"0 0 760 %zu\" width=\"760\" height=\"%zu\"><title>drift statistic per field"
		"</title>\n",
		rows * 22 + 10, rows * 22 + 10);
	for (size_t i = 0; !err && i < rows; i++) {
		const struct qg_json *c = rp->drift.v[i].c;
		const char *st = rp_str(c, "status");
		double v = rp_num(c, "psi"), y = 6 + (double)i * 22;
		const char *what = "PSI";

		if (!isfinite(v)) {
			v = rp_num(c, "observed");
			what = "observed";
		}
		err = qg_buf_addf(b, "<text x=\"4\" y=\"%.1f\">", y + 12);
		if (!err)
			err = esc(b, rp_check_id(c));
		if (!err)
			err = qg_buf_addf(
				b,
				"</text><rect x=\"230\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">%s %s %.3g</text>\n",
				y + 2, isfinite(v) ? v / top * 380 : 0,
				st && strcmp(st, "pass") ? "#cf222e" : "#0969da",
				236 + (isfinite(v) ? v / top * 380 : 0), y + 13,
				st && !strcmp(st, "pass") ? "&#10004; pass" : "&#10008; FAIL", what,
				v);
	}
	if (!err)
		err = qg_buf_addstr(b, "</svg></figure>\n");
	return err;
}
