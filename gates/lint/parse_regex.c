/* parse_regex.c -- regex:PATTERN, for any line-oriented linter output
 *
 * Like reviewdog's errorformat, but one PCRE2 pattern with named groups:
 * file and message are required; line, col, severity and rule are optional.
 * The pattern is matched against each line (without its terminator); lines
 * that do not match are not findings. Severity text is read loosely: one
 * starting with e/E or "fatal" is an error, w/W a warning, anything else
 * (info, note, style, hint) a note; no severity group means warning. A
 * pattern that does not compile or lacks a required group is QG_EUSAGE
 * naming the offset (exit 2).
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "parse.h"

static int compile(const char *pattern, pcre2_code **out)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &ec, &off, NULL);

	*out = NULL;
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return qg_error(QG_EUSAGE, "--parser regex: pattern does not compile at offset %zu: %s", (size_t)off,
				(const char *)msg);
	}
	if (pcre2_substring_number_from_name(re, (PCRE2_SPTR) "file") < 0 ||
	    pcre2_substring_number_from_name(re, (PCRE2_SPTR) "message") < 0) {
		pcre2_code_free(re);
		return qg_error(QG_EUSAGE,
				"--parser regex: pattern needs the named groups (?<file>...) and (?<message>...) "
				"(optional: line, col, severity, rule)");
	}
	*out = re;
	return 0;
}

int lint_regex_check(const char *pattern)
{
	pcre2_code *re;
	int err = compile(pattern, &re);

	pcre2_code_free(re);
	return err;
}

/* The text of group `name` (ptr/len), 0 when absent or unset. */
static int group(pcre2_code *re, pcre2_match_data *md, const char *subj, const char *name, const char **p, size_t *n)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	int g = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);

	if (g < 0 || ov[2 * g] == PCRE2_UNSET)
		return 0;
	*p = subj + ov[2 * g];
	*n = ov[2 * g + 1] - ov[2 * g];
	return 1;
}

static long long to_num(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9' && v < 1000000000000LL; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int lint_parse_regex(struct lint_parse *p, const char *pattern, const char *data, size_t len)
{
	struct qg_buf file = QG_BUF_INIT(QG_CAP_PATH), rule = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = data, *e = data + len, *tool = p->tool && *p->tool ? p->tool : "regex";
	pcre2_match_data *md = NULL;
	pcre2_code *re;
	int err;

	if ((err = compile(pattern, &re)) < 0)
		return err;
	if (!(md = pcre2_match_data_create_from_pattern(re, NULL))) {
		pcre2_code_free(re);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	while (s < e && !err) {
		const char *nl = memchr(s, '\n', (size_t)(e - s)), *g, *m = "";
		size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s), gl, ml = 0;
		long long line = 0, col = 0;
		enum lint_level lvl = LINT_WARNING;
		int rc;

		if (n && s[n - 1] == '\r')
			n--;
		rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
		if (rc >= 0 && group(re, md, s, "file", &g, &gl) && gl) {
			qg_buf_reset(&file);
			qg_buf_reset(&rule);
			err = qg_buf_add(&file, g, gl);
			if (group(re, md, s, "line", &g, &gl))
				line = to_num(g, gl);
			if (group(re, md, s, "col", &g, &gl))
				col = to_num(g, gl);
			if (group(re, md, s, "severity", &g, &gl) && gl) {
				if (g[0] == 'e' || g[0] == 'E' || (gl >= 5 && !strncasecmp(g, "fatal", 5)))
					lvl = LINT_ERROR;
				else if (g[0] == 'w' || g[0] == 'W')
					lvl = LINT_WARNING;
				else
					lvl = LINT_NOTE;
			}
			if (!err && group(re, md, s, "rule", &g, &gl))
				err = qg_buf_add(&rule, g, gl);
			group(re, md, s, "message", &m, &ml);
			if (!err && !lint_parse_add(p, tool, rule.len ? rule.buf : NULL, lvl, file.buf, line, col, m, ml))
				err = qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
		} else if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			err = qg_error(QG_EINPUT, "'%s': pattern match failed (pcre2 error %d)", p->name, rc);
		}
		s = nl ? nl + 1 : e;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	qg_buf_release(&file);
	qg_buf_release(&rule);
	return err;
}
