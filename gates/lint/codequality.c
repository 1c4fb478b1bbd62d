/* codequality.c -- GitLab's Code Quality report (the Code Climate subset GitLab reads)
 *
 * A JSON array with one issue per finding:
 *   {"type": "issue", "description", "check_name", "fingerprint", "severity",
 *    "location": {"path", "lines": {"begin"}}}
 * written as it goes into an atomic temp file (qgate/file.h), so a large
 * run stays flat in memory and a crash never leaves half a report.
 *
 * Decisions:
 * - description is the finding's message, check_name its check id
 *   "lint.<tool>.<rule>" (the result JSON's);
 * - severity: note -> info, warning -> minor, error -> major; a leaked
 *   credential (builtin "secret" and "private-key") -> critical, whatever
 *   its level: it must be rotated, not only removed; "blocker" is not used;
 * - fingerprint: GitLab keys issues by it (a repeated one shows once) and
 *   compares a merge request's report with the base branch's through it, so
 *   it must be unique in the file and stable across commits. It is the
 *   finding's own fingerprint (tool, rule, file and the normalised text
 *   around the line: moved code keeps it) when it is the first with that
 *   value, else the first 32 hex digits of SHA-256("<fingerprint>:<n>") for
 *   the n-th repeat; a finding without one gets SHA-256 of its tool, rule,
 *   file, line and message. 32 lowercase hex digits, like an MD5;
 * - which findings: those hidden by --baseline, suppressed by the tool or
 *   repaired by --fix are left out (the report has no notion of a
 *   suppressed issue); those outside --filter are kept, because GitLab
 *   compares the whole report of the merge request with the base branch's
 *   and would show a missing one as resolved;
 * - a finding with no file (no-commit-to-branch) names ".", line 1; line 0
 *   (a whole-file finding) is line 1. Text is redacted (qg_redact) and
 *   invalid UTF-8 becomes U+FFFD.
 */
#include "qgate/common.h"

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/sha256.h"
#include "qgate/strmap.h"

#include "lint.h"

static const char *severity(const struct lint_finding *f)
{
	if (f->tool && !strcmp(f->tool, "builtin") && (!strcmp(f->rule, "secret") || !strcmp(f->rule, "private-key")))
		return "critical";
	return f->level == LINT_ERROR ? "major" : f->level == LINT_WARNING ? "minor" : "info";
}

static int is_hex32(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 32;
}

/* SHA-256 of data, first 32 hex digits, into out[33]. */
static int hash32(char out[33], const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];
	int err = qg_sha256_hex(hex, data, len);

	if (err)
		return err;
	memcpy(out, hex, 32);
	out[32] = 0;
	return 0;
}

static int add_quoted(struct qg_buf *out, struct qg_buf *red, const char *s)
{
	int err;

	qg_buf_reset(red);
	if ((err = qg_redact(red, s ? s : "")))
		return err;
	return qg_json_quote(out, red->buf, red->len);
}

/* The unique fingerprint of f into fp[33]; seen holds every one given. */
static int fingerprint(char fp[33], const struct lint_finding *f, struct qg_strmap *seen, struct qg_buf *tmp)
{
	char base[33];
	int err;

	if (f->fingerprint[0] && is_hex32(f->fingerprint)) {
		memcpy(base, f->fingerprint, 33);
	} else {
		qg_buf_reset(tmp);
		if (f->fingerprint[0])
			err = qg_buf_addstr(tmp, f->fingerprint);
		else
			err = qg_buf_addf(tmp, "%s%c%s%c%s%c%lld%c%s", f->tool ? f->tool : "", 0, f->rule, 0,
					  f->file ? f->file : "", 0, f->line, 0, f->message ? f->message : "");
		if (err || (err = hash32(base, tmp->buf, tmp->len)))
			return err;
	}
	memcpy(fp, base, 33);
	for (unsigned long n = 1; qg_strmap_has(seen, fp, 32); n++) {
		qg_buf_reset(tmp);
		if ((err = qg_buf_addf(tmp, "%s:%lu", base, n)) || (err = hash32(fp, tmp->buf, tmp->len)))
			return err;
	}
	return qg_strmap_add(seen, fp, 32) < 0 ? QG_ENOMEM : 0;
}

int lint_codequality_write(const char *path, const struct lint_findings *fs)
{
	struct qg_file_atomic *file = NULL;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), red = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_strmap seen = QG_STRMAP_INIT;
	size_t written = 0;
	int err;

	if ((err = qg_file_atomic_open(&file, path)))
		return err;
	err = qg_buf_addch(&b, '[');
	for (size_t i = 0; !err && i < fs->nr; i++) {
		const struct lint_finding *f = &fs->v[i];
		char fp[33];

		if (f->flags & (LINT_F_BASELINE | LINT_F_SUPPRESSED | LINT_F_FIXED))
			continue;
		if ((err = fingerprint(fp, f, &seen, &tmp)))
			break;
		err = qg_buf_addstr(&b, written++ ? ",\n{\"type\":\"issue\",\"description\":" : "\n{\"type\":\"issue\",\"description\":");
		if (!err)
			err = add_quoted(&b, &red, f->message && *f->message ? f->message : f->rule);
		if (!err) {
			qg_buf_reset(&tmp);
			err = qg_buf_addf(&tmp, "lint.%s.%s", f->tool ? f->tool : "unknown", f->rule);
		}
		if (!err && !(err = qg_buf_addstr(&b, ",\"check_name\":")))
			err = add_quoted(&b, &red, tmp.buf);
		if (!err)
			err = qg_buf_addf(&b, ",\"fingerprint\":\"%s\",\"severity\":\"%s\",\"location\":{\"path\":", fp,
					  severity(f));
		if (!err)
			err = add_quoted(&b, &red, f->file && *f->file ? f->file : ".");
		if (!err)
			err = qg_buf_addf(&b, ",\"lines\":{\"begin\":%lld}}}", f->line > 0 ? f->line : 1);
		if (!err && b.len >= ((size_t)64 << 10)) {
			err = qg_file_atomic_write(file, b.buf, b.len);
			qg_buf_reset(&b);
		}
	}
	if (!err)
		err = qg_buf_addstr(&b, written ? "\n]\n" : "]\n");
	if (!err)
		err = qg_file_atomic_write(file, b.buf, b.len);
	if (!err) {
		err = qg_file_atomic_commit(file);
		file = NULL;
	}
	qg_file_atomic_abort(file);
	qg_buf_release(&b);
	qg_buf_release(&red);
	qg_buf_release(&tmp);
	qg_strmap_release(&seen);
	return err;
}
