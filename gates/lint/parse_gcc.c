/* parse_gcc.c -- GCC/Clang-style text diagnostics (and the tools that copy them)
 *
 * A finding is a line `FILE:LINE:[COL:] SEVERITY: MESSAGE [RULE]` with
 * SEVERITY one of error, fatal error, warning, note, remark (gcc, clang,
 * clang-tidy, shellcheck -f gcc), or `FILE:LINE:COL: [SEVERITY] MESSAGE (RULE)`
 * (yamllint -f parsable). The path may hold ':' (the first ':LINE:' that is
 * followed by a severity wins). The rule is the bracketed flag or check name
 * at the end (`[-Wunused-variable]`, `[SC2086]`, `[readability-x,-warnings-
 * as-errors]` -> its first part, `-Werror=x` -> `-Wx`), else "diagnostic".
 * A note without a rule of its own belongs to the finding before it and is
 * appended to its message (not counted); an `In file included from` chain is
 * appended to the finding it leads to. Other lines (source excerpts, carets,
 * "In function", linker lines, "N warnings generated.") are not findings.
 * Colour escapes (-fdiagnostics-color) are dropped.
 */
#include "qgate/common.h"

#include "parse.h"

struct diag {
	const char *file, *sev, *msg;
	size_t file_len, sev_len, msg_len;
	long long line, col;
	int bracketed; /* yamllint's "[error] message (rule)" shape */
};

static int digits(const char *s, size_t i, size_t n, size_t *end, long long *v)
{
	size_t j = i;
	long long x = 0;

	while (j < n && s[j] >= '0' && s[j] <= '9') {
		if (x < 1000000000000LL)
			x = x * 10 + (s[j] - '0');
		j++;
	}
	if (j == i)
		return 0;
	*end = j;
	*v = x;
	return 1;
}

static const char *const sevs[] = { "fatal error", "error", "warning", "note", "remark" };

static int match_sev(const char *s, size_t n, struct diag *d, size_t *after)
{
	size_t k, l;

	if (n > 0 && s[0] == '[') {
		for (k = 1; k < QG_ARRAY_SIZE(sevs); k++) {
			l = strlen(sevs[k]);
			if (n >= l + 3 && !memcmp(s + 1, sevs[k], l) && s[l + 1] == ']' && s[l + 2] == ' ') {
				d->sev = sevs[k];
				d->sev_len = l;
				d->bracketed = 1;
				*after = l + 3;
				return 1;
			}
		}
		return 0;
	}
	for (k = 0; k < QG_ARRAY_SIZE(sevs); k++) {
		l = strlen(sevs[k]);
		if (n >= l + 1 && !memcmp(s, sevs[k], l) && s[l] == ':' && (n == l + 1 || s[l + 1] == ' ')) {
			d->sev = sevs[k];
			d->sev_len = l;
			*after = n == l + 1 ? l + 1 : l + 2;
			return 1;
		}
	}
	return 0;
}

static int match_line(const char *s, size_t n, struct diag *d)
{
	size_t i, j, k, after;

	memset(d, 0, sizeof(*d));
	for (i = 1; i + 1 < n; i++) {
		if (s[i] != ':' || s[i + 1] < '0' || s[i + 1] > '9')
			continue;
		if (!digits(s, i + 1, n, &j, &d->line) || j >= n || s[j] != ':')
			continue;
		k = j + 1;
		d->col = 0;
		if (digits(s, k, n, &j, &d->col) && j < n && s[j] == ':')
			k = j + 1;
		else
			d->col = 0;
		if (k < n && s[k] == ' ')
			k++;
		if (!match_sev(s + k, n - k, d, &after))
			continue;
		d->file = s;
		d->file_len = i;
		d->msg = s + k + after;
		d->msg_len = n - k - after;
		return 1;
	}
	return 0;
}

/* The rule at the end of the message, which is shortened to exclude it. */
static void split_rule(struct diag *d, struct qg_buf *rule)
{
	const char *m = d->msg, *o;
	size_t n = d->msg_len, i;
	char close = d->bracketed ? ')' : ']', open = d->bracketed ? '(' : '[';

	qg_buf_reset(rule);
	while (n && (m[n - 1] == ' ' || m[n - 1] == '\r'))
		n--;
	d->msg_len = n;
	if (!n || m[n - 1] != close)
		return;
	for (o = m + n - 1; o > m && *o != open; o--)
		;
	if (*o != open || o + 1 >= m + n - 1)
		return;
	for (i = (size_t)(o + 1 - m); i < n - 1; i++)
		if (m[i] == ' ')
			return;
	{
		const char *r = o + 1;
		size_t rl = (size_t)(m + n - 1 - r);
		const char *comma = memchr(r, ',', rl);
		if (comma)
			rl = (size_t)(comma - r);
		if (rl > 8 && !memcmp(r, "-Werror=", 8)) {
			if (qg_buf_add(rule, "-W", 2) < 0 || qg_buf_add(rule, r + 8, rl - 8) < 0)
				return;
		} else if (qg_buf_add(rule, r, rl) < 0) {
			return;
		}
	}
	n = (size_t)(o - m);
	while (n && m[n - 1] == ' ')
		n--;
	d->msg_len = n;
}

/* Copy a line without colour escapes (ESC [ ... final byte). */
static int clean_line(struct qg_buf *b, const char *s, size_t n)
{
	size_t i = 0;
	int err = 0;

	qg_buf_reset(b);
	while (i < n && !err) {
		if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '[') {
			i += 2;
			while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
				i++;
			i++;
			continue;
		}
		err = qg_buf_addch(b, s[i++]);
	}
	while (b->len && (b->buf[b->len - 1] == '\r' || b->buf[b->len - 1] == '\n'))
		b->len--;
	qg_buf_setlen(b, b->len);
	return err;
}

static int starts(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);
	return n >= l && !memcmp(s, pre, l);
}

/* "X:N:" or "X:N," of an include chain, trailing punctuation dropped. */
static int chain_add(struct qg_buf *chain, const char *s, size_t n)
{
	while (n && (s[n - 1] == ':' || s[n - 1] == ',' || s[n - 1] == ' '))
		n--;
	if (chain->len && qg_buf_add(chain, ", ", 2) < 0)
		return QG_ENOMEM;
	return qg_buf_add(chain, s, n);
}

int lint_parse_gcc(struct lint_parse *p, const char *data, size_t len)
{
	struct qg_buf ln = QG_BUF_INIT(QG_CAP_MESSAGE), rule = QG_BUF_INIT(QG_CAP_MESSAGE),
		      chain = QG_BUF_INIT(QG_CAP_MESSAGE), file = QG_BUF_INIT(QG_CAP_PATH),
		      note = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = data, *e = data + len, *tool = p->tool && *p->tool ? p->tool : "gcc";
	size_t last = (size_t)-1;
	int err = 0, in_chain = 0;

	while (s < e && !err) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s);
		struct diag d;
		enum lint_level lvl;
		struct lint_finding *f;

		if ((err = clean_line(&ln, s, n)) < 0)
			break;
		s = nl ? nl + 1 : e;
		if (starts(ln.buf, ln.len, "In file included from ")) {
			qg_buf_reset(&chain);
			err = chain_add(&chain, ln.buf + 22, ln.len - 22);
			in_chain = 1;
			continue;
		}
		if (in_chain) {
			size_t k = 0;
			while (k < ln.len && ln.buf[k] == ' ')
				k++;
			if (k && starts(ln.buf + k, ln.len - k, "from ")) {
				err = chain_add(&chain, ln.buf + k + 5, ln.len - k - 5);
				continue;
			}
			in_chain = 0;
		}
		if (!match_line(ln.buf, ln.len, &d))
			continue;
		split_rule(&d, &rule);
		if (!strcmp(d.sev, "note") || !strcmp(d.sev, "remark")) {
			if (!rule.len && last != (size_t)-1 && last < p->out->nr) {
				qg_buf_reset(&note);
				err = qg_buf_addf(&note, "%.*s:%lld", (int)d.file_len, d.file, d.line);
				if (!err && d.col)
					err = qg_buf_addf(&note, ":%lld", d.col);
				if (!err)
					err = qg_buf_addf(&note, ": %.*s", (int)d.msg_len, d.msg);
				if (!err)
					err = lint_parse_append(&p->out->v[last], "; note: ", note.buf, note.len);
				continue;
			}
			lvl = LINT_NOTE;
		} else if (!strcmp(d.sev, "warning")) {
			lvl = LINT_WARNING;
		} else {
			lvl = LINT_ERROR;
		}
		qg_buf_reset(&file);
		if ((err = qg_buf_add(&file, d.file, d.file_len)) < 0)
			break;
		f = lint_parse_add(p, tool, rule.len ? rule.buf : "diagnostic", lvl, file.buf, d.line, d.col, d.msg,
				   d.msg_len);
		if (!f) {
			err = qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
			break;
		}
		last = p->out->nr - 1;
		if (chain.len) {
			err = lint_parse_append(f, " (included from ", chain.buf, chain.len);
			if (!err)
				err = lint_parse_append(f, "", ")", 1);
			qg_buf_reset(&chain);
		}
	}
	qg_buf_release(&ln);
	qg_buf_release(&rule);
	qg_buf_release(&chain);
	qg_buf_release(&file);
	qg_buf_release(&note);
	return err;
}
