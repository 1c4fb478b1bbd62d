/* rules.c -- parse and evaluate `--require` expressions
 *
 * The grammar is small enough for a hand-written scanner:
 *   expr   := ws metric [ '@' col '=' value ] ws op ws bound ws
 *   metric := [A-Za-z0-9_.-]+
 *   col    := any bytes but '=', whitespace and '<>'
 *   value  := any bytes but whitespace and '<>' ('*' = every value)
 *   op     := '>=' | '<=' | '>' | '<'
 *   bound  := number | 'baseline' [ ws ('+'|'-') ws number [ '%' ] ]
 * Numbers are parsed strictly and must be finite. Every rejection names the
 * expression and says what was expected where, so a typo in CI config reads
 * as one (exit 2), never as a silently ignored rule.
 */
#include "qgate/common.h"

#include <ctype.h>
#include <math.h>

#include "qgate/dtoa.h"

#include "metrics.h"
#include "rules.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int parse_number(double *out, const char *s, const char **end)
{
	char *e;
	const char *p = s;
	/* only plain decimal numbers: digits, '.', exponent */
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	errno = 0;
	*out = strtod(s, &e);
	if (e == s || errno == ERANGE || !isfinite(*out))
		return -1;
	for (p = s; p < e; p++) /* no hex, inf or nan spellings */
		if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p))
			return -1;
	*end = e;
	return 0;
}

static int bad(const char *expr, const char *at, const char *what)
{
	return qg_error(QG_EUSAGE, "bad expression '%s' at column %d: expected %s "
			"(METRIC[@COL=VALUE] OP BOUND, OP one of >= <= > <, BOUND a number or "
			"baseline, baseline-0.01, baseline+2%%)",
			expr, (int)(at - expr) + 1, what);
}

int model_rule_parse(struct qg_model_rule *out, const char *expr, unsigned tasks)
{
	const char *s = skip_ws(expr), *start;
	int ret;

	memset(out, 0, sizeof(*out));
	out->metric_id = -1;
	if (!expr)
		return qg_error(QG_EUSAGE, "empty expression");
	out->text = qg_strdup(expr);
	if (!out->text)
		return qg_error(QG_ENOMEM, "out of memory");

	start = s;
	while (is_name_char((unsigned char)*s))
		s++;
	if (s == start) {
		ret = bad(expr, s, "a metric name");
		goto fail;
	}
	out->metric = qg_strndup(start, (size_t)(s - start));
	if (!out->metric) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	if (tasks) {
		out->metric_id = model_metric_lookup(out->metric, tasks);
		if (out->metric_id < 0) {
			struct qg_buf names = QG_BUF_INIT(QG_CAP_MESSAGE);
			ret = 0;
			for (int m = 0; m < QG_M_COUNT && !ret; m++)
				if (model_metric_infos[m].tasks & tasks)
					ret = qg_buf_addf(&names, "%s%s", names.len ? " " : "", model_metric_infos[m].name);
			if (!ret)
				ret = qg_error(QG_EUSAGE, "bad expression '%s': unknown metric '%s' (known: %s)", expr,
					       out->metric, names.buf);
			qg_buf_release(&names);
			goto fail;
		}
	} else {
		out->metric_id = model_metric_lookup(out->metric, 0);
	}

	if (*s == '@') {
		s++;
		start = s;
		while (*s && *s != '=' && *s != ' ' && *s != '\t' && *s != '<' && *s != '>')
			s++;
		if (s == start || *s != '=') {
			ret = bad(expr, s, s == start ? "a slice column after '@'" : "'=' after the slice column");
			goto fail;
		}
		out->slice_col = qg_strndup(start, (size_t)(s - start));
		s++;
		start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '<' && *s != '>')
			s++;
		if (s == start) {
			ret = bad(expr, s, "a slice value (or *) after '='");
			goto fail;
		}
		out->slice_value = qg_strndup(start, (size_t)(s - start));
		if (!out->slice_col || !out->slice_value) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto fail;
		}
	}

	s = skip_ws(s);
	if (s[0] == '>' && s[1] == '=') {
		out->op = QG_OP_GE;
		s += 2;
	} else if (s[0] == '<' && s[1] == '=') {
		out->op = QG_OP_LE;
		s += 2;
	} else if (s[0] == '>') {
		out->op = QG_OP_GT;
		s++;
	} else if (s[0] == '<') {
		out->op = QG_OP_LT;
		s++;
	} else {
		ret = bad(expr, s, "an operator");
		goto fail;
	}
	s = skip_ws(s);
	if (!strncmp(s, "baseline", 8) && !isalnum((unsigned char)s[8]) && s[8] != '_' && s[8] != '.') {
		out->relative = 1;
		s = skip_ws(s + 8);
		if (*s == '+' || *s == '-') {
			int neg = *s == '-';
			const char *e;
			s = skip_ws(s + 1);
			if (*s == '+' || *s == '-' || parse_number(&out->bound, s, &e) || out->bound < 0) {
				ret = bad(expr, s, "a non-negative number after 'baseline+' or 'baseline-'");
				goto fail;
			}
			s = e;
			if (*s == '%') {
				out->percent = 1;
				s++;
			}
			if (neg)
				out->bound = -out->bound;
		}
	} else {
		const char *e;
		if (parse_number(&out->bound, s, &e)) {
			ret = bad(expr, s, "a number or 'baseline'");
			goto fail;
		}
		s = e;
	}
	s = skip_ws(s);
	if (*s) {
		ret = bad(expr, s, "the end of the expression");
		goto fail;
	}
	if (out->relative && out->metric_id >= 0) {
		int dir = model_metric_infos[out->metric_id].direction;
		int up = out->op == QG_OP_GE || out->op == QG_OP_GT;
		if ((dir > 0) != up) {
			ret = qg_error(QG_EUSAGE,
				       "bad expression '%s': %s is %s-is-better, so a baseline rule must use %s",
				       expr, out->metric, dir > 0 ? "higher" : "lower", dir > 0 ? ">= or >" : "<= or <");
			goto fail;
		}
	}
	return 0;
fail:
	model_rule_release(out);
	return ret;
}

void model_rule_release(struct qg_model_rule *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->metric);
	free(r->slice_col);
	free(r->slice_value);
	memset(r, 0, sizeof(*r));
	r->metric_id = -1;
}

const char *model_rule_op_name(enum qg_rule_op op)
{
	switch (op) {
	case QG_OP_GE: return ">=";
	case QG_OP_LE: return "<=";
	case QG_OP_GT: return ">";
	case QG_OP_LT: return "<";
	}
	return "?";
}

double model_rule_threshold(const struct qg_model_rule *r, double base)
{
	if (!r->relative)
		return r->bound;
	if (r->percent)
		return base * (1 + r->bound / 100);
	return base + r->bound;
}

double model_rule_margin(const struct qg_model_rule *r, double cand, double base)
{
	double t = model_rule_threshold(r, base);
	return (r->op == QG_OP_GE || r->op == QG_OP_GT) ? cand - t : t - cand;
}

int model_rule_margin_ok(const struct qg_model_rule *r, double margin)
{
	if (isnan(margin))
		return 0;
	return (r->op == QG_OP_GE || r->op == QG_OP_LE) ? margin >= 0 : margin > 0;
}

int model_rule_holds(const struct qg_model_rule *r, double value, double base)
{
	double t = model_rule_threshold(r, base);
	if (isnan(value) || isnan(t))
		return 0;
	switch (r->op) {
	case QG_OP_GE: return value >= t;
	case QG_OP_LE: return value <= t;
	case QG_OP_GT: return value > t;
	case QG_OP_LT: return value < t;
	}
	return 0;
}

const char *model_rule_bound_text(const struct qg_model_rule *r, char *buf, size_t len)
{
	/* the shortest form: %.17g prints 0.01 as 0.01000000000000000021 */
	char tmp[QG_DTOA_MAX];

	qg_dtoa(tmp, r->relative ? fabs(r->bound) : r->bound, 0);
	if (!r->relative)
		snprintf(buf, len, "%s", tmp);
	else if (r->bound == 0)
		snprintf(buf, len, "baseline");
	else
		snprintf(buf, len, "baseline%s%s%s", r->bound < 0 ? "-" : "+", tmp, r->percent ? "%" : "");
	return buf;
}
