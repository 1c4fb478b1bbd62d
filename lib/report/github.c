/* github.c -- GitHub Actions: annotations, step summary, outputs
 *
 * Workflow commands go to stdout as `::error file=F,line=L,col=C,title=T::msg`
 * with GitHub's escaping (data: % CR LF; properties also : and ,; other
 * control characters but tab as %XX, shown and never obeyed). At most
 * QG_GH_MAX_PER_KIND annotations of each kind are printed, then one ::notice
 * says how many were left out; the step summary repeats that count. The
 * summary is Markdown, hard-capped below 1 MiB (GitHub rejects larger ones)
 * and cut on a line or at least a UTF-8 boundary, with a note saying so;
 * failed checks come first, then errors, each with its locations (file:
 * line:column and message), then the passed and skipped checks.
 * $GITHUB_OUTPUT values that span lines use a heredoc with a random
 * delimiter (getrandom) that is checked not to occur in the value.
 * Every message printed passes through qg_redact() (lib/core/redact.c).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "qgate/redact.h"
#include "qgate/report.h"
#include "qgate/result.h"

#define QG_GH_MAX_PER_KIND 10
#define QG_GH_SUMMARY_MAX ((size_t)1024 * 1024 - 4096) /* room for the note, stays below 1 MiB */
#define QG_GH_CELL_MAX 600

/* --------------------------------------------------------------- escaping */

static int escape(struct qg_buf *out, const char *s, int property)
{
	int err = 0;

	for (; !err && s && *s; s++) {
		switch (*s) {
		case '%':
			err = qg_buf_addstr(out, "%25");
			break;
		case '\r':
			err = qg_buf_addstr(out, "%0D");
			break;
		case '\n':
			err = qg_buf_addstr(out, "%0A");
			break;
		case ':':
			err = property ? qg_buf_addstr(out, "%3A") : qg_buf_addch(out, ':');
			break;
		case ',':
			err = property ? qg_buf_addstr(out, "%2C") : qg_buf_addch(out, ',');
			break;
		default:
			/* other control characters (ESC above all) are shown, not
			 * obeyed: a terminal or log viewer never acts on them */
			if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
				err = qg_buf_addf(out, "%%%02X", (unsigned char)*s);
			else
				err = qg_buf_addch(out, *s);
			break;
		}
	}
	return err;
}

int qg_github_escape_data(struct qg_buf *out, const char *s)
{
	return escape(out, s, 0);
}

int qg_github_escape_property(struct qg_buf *out, const char *s)
{
	return escape(out, s, 1);
}

/* Redact, then escape. */
static int escape_redacted(struct qg_buf *out, const char *s, int property)
{
	struct qg_buf r = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_redact(&r, s ? s : "");

	if (!err)
		err = escape(out, r.buf, property);
	qg_buf_release(&r);
	return err;
}

/* ------------------------------------------------------------ annotations */

enum kind { K_ERROR, K_WARNING, K_NOTICE, K_MAX };
static const char *const kind_names[K_MAX] = { "error", "warning", "notice" };

struct annot_state {
	struct qg_buf *out; /* NULL: only count */
	size_t shown[K_MAX];
	size_t total[K_MAX];
};

/* GitHub attaches an annotation to a file only when the path is relative to
 * the workspace, so strip "$GITHUB_WORKSPACE/" from absolute paths under it
 * (and a leading "./"). Paths outside the workspace are kept as they are. */
static const char *workspace_relative(const char *file)
{
	const char *ws = getenv("GITHUB_WORKSPACE");
	size_t n;

	if (ws && *ws && file[0] == '/') {
		n = strlen(ws);
		while (n > 1 && ws[n - 1] == '/')
			n--;
		if (!strncmp(file, ws, n) && file[n] == '/' && file[n + 1])
			return file + n + 1;
	}
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	return file;
}

static int annotate(struct annot_state *st, enum kind k, const char *file, long long line,
		    long long col, const char *title, const char *msg)
{
	struct qg_buf *out = st->out;
	int err = 0, first = 1;

	st->total[k]++;
	if (!out || st->shown[k] >= QG_GH_MAX_PER_KIND)
		return 0;
	st->shown[k]++;
	err = qg_buf_addf(out, "::%s", kind_names[k]);
	if (!err && file && *file) {
		err = qg_buf_addstr(out, " file=");
		if (!err)
			err = escape_redacted(out, workspace_relative(file), 1);
		first = 0;
		if (!err && line > 0)
			err = qg_buf_addf(out, ",line=%lld", line);
		if (!err && line > 0 && col > 0)
			err = qg_buf_addf(out, ",col=%lld", col);
	}
	if (!err && title) {
		err = qg_buf_addstr(out, first ? " title=" : ",title=");
		if (!err)
			err = escape_redacted(out, title, 1);
	}
	if (!err)
		err = qg_buf_addstr(out, "::");
	if (!err)
		err = escape_redacted(out, msg ? msg : "", 0);
	if (!err)
		err = qg_buf_addch(out, '\n');
	return err;
}

static int walk_annotations(struct annot_state *st, const struct qg_result *r)
{
	const char *reason = NULL;
	struct qg_summary s;
	struct qg_buf title = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = 0;

	qg_result_summary(r, &s);
	if (qg_result_status(r) == QG_STATUS_ERROR && (r->error_exit || !s.errors))
		reason = qg_result_error_reason(r);
	if (reason) {
		err = qg_buf_addf(&title, "qgate-%s", r->gate ? r->gate : "gate");
		if (!err)
			err = annotate(st, K_ERROR, NULL, 0, 0, title.buf, reason);
	}
	for (size_t i = 0; !err && i < r->nr_checks; i++) {
		const struct qg_check *c = r->checks[i];
		enum kind k;

		if (c->status == QG_STATUS_FAIL || c->status == QG_STATUS_ERROR)
			k = K_ERROR;
		else if (c->status != QG_STATUS_SKIP && (c->flags & QG_CHECK_WARNING))
			k = K_WARNING;
		else if (c->status == QG_STATUS_PASS || c->status == QG_STATUS_SKIP)
			continue;
		else
			k = K_ERROR; /* out-of-range status: treat as an error */
		qg_buf_reset(&title);
		err = qg_buf_addf(&title, "qgate-%s: %s", r->gate ? r->gate : "gate", c->id);
		if (err)
			break;
		if (!c->nr_locations) {
			err = annotate(st, k, NULL, 0, 0, title.buf, c->message);
			continue;
		}
		for (size_t j = 0; !err && j < c->nr_locations; j++) {
			const struct qg_location *l = &c->locations[j];

			err = annotate(st, k, l->file, l->line, l->column, title.buf,
				       l->message ? l->message : c->message);
		}
	}
	qg_buf_release(&title);
	return err;
}

int qg_github_annotations(struct qg_buf *out, const struct qg_result *r)
{
	struct annot_state st;
	int err;

	memset(&st, 0, sizeof(st));
	st.out = out;
	err = walk_annotations(&st, r);
	for (int k = 0; !err && k < K_MAX; k++) {
		if (st.total[k] <= st.shown[k])
			continue;
		err = qg_buf_addf(out, "::notice title=qgate-");
		if (!err)
			err = escape(out, r->gate ? r->gate : "gate", 1);
		if (!err)
			err = qg_buf_addf(out, "::%zu more %s annotations not shown (at most %d per kind), see the step summary\n",
					  st.total[k] - st.shown[k], kind_names[k], QG_GH_MAX_PER_KIND);
	}
	return err;
}

/* ---------------------------------------------------------------- summary */

/* Markdown table cell: redacted, pipes escaped, newlines as <br>, HTML
 * specials escaped, cut (UTF-8 safe) at QG_GH_CELL_MAX bytes. */
static int cell(struct qg_buf *out, const char *s)
{
	struct qg_buf r = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t n;
	int err = qg_redact(&r, s ? s : "");

	n = r.len;
	if (n > QG_GH_CELL_MAX) {
		n = QG_GH_CELL_MAX;
		while (n && ((unsigned char)r.buf[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; !err && i < n; i++) {
		switch (r.buf[i]) {
		case '|':
			err = qg_buf_addstr(out, "\\|");
			break;
		case '\n':
			err = qg_buf_addstr(out, "<br>");
			break;
		case '\r':
			break;
		case '<':
			err = qg_buf_addstr(out, "&lt;");
			break;
		case '>':
			err = qg_buf_addstr(out, "&gt;");
			break;
		case '&':
			err = qg_buf_addstr(out, "&amp;");
			break;
		default:
			err = qg_buf_addch(out, r.buf[i]);
			break;
		}
	}
	if (!err && n < r.len)
		err = qg_buf_addstr(out, "…");
	qg_buf_release(&r);
	return err;
}

static const char *status_icon(enum qg_status s)
{
	switch (s) {
	case QG_STATUS_PASS:
		return "✅";
	case QG_STATUS_FAIL:
		return "❌";
	case QG_STATUS_SKIP:
		return "⏭️";
	default:
		return "⚠️";
	}
}

static int summary_row(struct qg_buf *out, const struct qg_check *c)
{
	struct qg_buf v = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addf(out, "| %s %s | ", status_icon(c->status), qg_status_name(c->status));

	if (!err)
		err = cell(out, c->id);
	if (!err)
		err = qg_buf_addstr(out, " | ");
	if (!err)
		err = cell(out, c->message);
	if (!err)
		err = qg_buf_addstr(out, " | ");
	if (!err && (c->flags & QG_CHECK_HAS_COUNT))
		err = qg_buf_addf(out, "%lld", c->count);
	if (!err)
		err = qg_buf_addstr(out, " | ");
	if (!err && !(err = qg_value_format(&v, &c->observed)))
		err = cell(out, v.buf);
	if (!err)
		err = qg_buf_addstr(out, " | ");
	qg_buf_reset(&v);
	if (!err && !(err = qg_value_format(&v, &c->expected)))
		err = cell(out, v.buf);
	if (!err)
		err = qg_buf_addstr(out, " |\n");
	qg_buf_release(&v);
	return err;
}

/* A failed check's locations as a list under its id:
 *   **field.age.maximum** (2 of 7)
 *   - data.csv:3:5: value "99" above maximum 50
 * at most QG_GH_MAX_PER_KIND, then how many more the check counted. */
static int summary_locations(struct qg_buf *out, const struct qg_check *c)
{
	struct qg_buf where = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t n = c->nr_locations < QG_GH_MAX_PER_KIND ? c->nr_locations : QG_GH_MAX_PER_KIND;
	long long total = (c->flags & QG_CHECK_HAS_COUNT) && c->count > (long long)c->nr_locations
				  ? c->count : (long long)c->nr_locations;
	int err = 0;

	if (!c->nr_locations)
		return 0;
	err = qg_buf_addstr(out, "**");
	if (!err)
		err = cell(out, c->id);
	if (!err)
		err = qg_buf_addstr(out, "**");
	if (!err && total > (long long)n)
		err = qg_buf_addf(out, " (%zu of %lld)", n, total);
	if (!err)
		err = qg_buf_addstr(out, "\n\n");
	for (size_t j = 0; !err && j < n; j++) {
		const struct qg_location *l = &c->locations[j];

		qg_buf_reset(&where);
		if (l->file && *l->file) {
			err = qg_buf_addstr(&where, workspace_relative(l->file));
			if (!err && l->line > 0)
				err = qg_buf_addf(&where, ":%lld", l->line);
			if (!err && l->line > 0 && l->column > 0)
				err = qg_buf_addf(&where, ":%lld", l->column);
			if (!err)
				err = qg_buf_addstr(&where, ": ");
		}
		if (!err)
			err = qg_buf_addstr(&where, l->message ? l->message : c->message ? c->message : "");
		if (!err)
			err = qg_buf_addstr(out, "- ");
		if (!err)
			err = cell(out, where.buf);
		if (!err)
			err = qg_buf_addch(out, '\n');
	}
	if (!err)
		err = qg_buf_addch(out, '\n');
	qg_buf_release(&where);
	return err;
}

/* Cut b to at most max bytes, on a line end when one is near, else on a
 * UTF-8 character boundary. */
static void cut_utf8(struct qg_buf *b, size_t max)
{
	size_t n = max, nl;

	if (b->len <= max)
		return;
	while (n && ((unsigned char)b->buf[n] & 0xc0) == 0x80)
		n--;
	for (nl = n; nl && b->buf[nl - 1] != '\n' && n - nl < 8192; nl--)
		;
	if (nl && b->buf[nl - 1] == '\n')
		n = nl;
	qg_buf_setlen(b, n);
}

int qg_github_summary(struct qg_buf *out, const struct qg_result *r)
{
	struct qg_buf md = QG_BUF_INIT(QG_CAP_REPORT), tail = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_summary s;
	struct annot_state st;
	enum qg_status status = qg_result_status(r);
	const char *reason = qg_result_error_reason(r);
	const char *verdict = status == QG_STATUS_PASS ? "PASS" : status == QG_STATUS_FAIL ? "FAIL" : "ERROR";
	size_t shown = 0, me, mw;
	int err;

	qg_result_summary(r, &s);
	memset(&st, 0, sizeof(st));
	err = walk_annotations(&st, r); /* counts only */
	if (!err)
		err = qg_buf_addf(&md, "### %s qgate-%s: %s\n\n", status_icon(status), r->gate ? r->gate : "gate",
				  verdict);
	if (!err && reason) {
		err = qg_buf_addstr(&md, "**Error:** ");
		if (!err)
			err = cell(&md, reason);
		if (!err)
			err = qg_buf_addstr(&md, "\n\n");
	}
	if (!err)
		err = qg_buf_addf(&md, "%zu %s: %zu passed, %zu failed, %zu errors, %zu skipped\n\n", s.checks,
				  s.checks == 1 ? "check" : "checks", s.passed, s.failed, s.errors, s.skipped);
	/* failing checks first, then errors, each with its locations; then
	 * the rest in a table of their own. Rows stop at the budget: no point
	 * formatting what will be cut. */
	for (int rank = 0, table = 0; !err && rank < 3 && md.len < QG_GH_SUMMARY_MAX; rank++) {
		for (size_t i = 0; !err && i < r->nr_checks && md.len < QG_GH_SUMMARY_MAX; i++) {
			if (qg_report_check_rank(r->checks[i]) != rank)
				continue;
			if (!table && rank == 2 && shown)
				err = qg_buf_addstr(&md, "#### Passed and skipped\n\n");
			if (!table && !err)
				err = qg_buf_addstr(&md, "| Status | Check | Message | Count | Observed | Expected |\n"
							 "| --- | --- | --- | ---: | --- | --- |\n");
			table = 1;
			if (!err)
				err = summary_row(&md, r->checks[i]);
			shown++;
		}
		if (rank == 1 && table && !err) {
			/* the failures' and errors' locations, before the passes */
			err = qg_buf_addstr(&md, "\n#### Locations\n\n");
			for (size_t i = 0; !err && i < r->nr_checks && md.len < QG_GH_SUMMARY_MAX; i++)
				if (qg_report_check_rank(r->checks[i]) < 2)
					err = summary_locations(&md, r->checks[i]);
			table = 0;
		}
	}
	if (!err && r->report_md && *r->report_md && md.len < QG_GH_SUMMARY_MAX) {
		struct qg_buf red = QG_BUF_INIT(QG_CAP_REPORT);

		err = qg_redact(&red, r->report_md);
		if (!err)
			err = qg_buf_addch(&md, '\n');
		if (!err)
			err = qg_buf_add(&md, red.buf, red.len < QG_GH_SUMMARY_MAX + 1 ? red.len : QG_GH_SUMMARY_MAX + 1);
		if (!err && md.buf[md.len - 1] != '\n')
			err = qg_buf_addch(&md, '\n');
		qg_buf_release(&red);
	}

	/* the notes at the end are never cut */
	if (!err && shown < r->nr_checks)
		err = qg_buf_addf(&tail, "\n%zu more checks not shown (summary size limit); the JSON report has them all.\n",
				  r->nr_checks - shown);
	me = st.total[K_ERROR] > QG_GH_MAX_PER_KIND ? st.total[K_ERROR] - QG_GH_MAX_PER_KIND : 0;
	mw = st.total[K_WARNING] > QG_GH_MAX_PER_KIND ? st.total[K_WARNING] - QG_GH_MAX_PER_KIND : 0;
	if (!err && (me || mw))
		err = qg_buf_addf(&tail, "\n%zu more error and %zu more warning annotations were not shown "
					 "(at most %d per kind).\n", me, mw, QG_GH_MAX_PER_KIND);
	if (!err && md.len + tail.len > QG_GH_SUMMARY_MAX) {
		size_t full = md.len;

		cut_utf8(&md, QG_GH_SUMMARY_MAX - tail.len - 512);
		err = qg_buf_addf(&md, "\n\n> **Note:** summary truncated to stay under GitHub's 1 MiB limit "
				       "(%zu bytes left out); the JSON report has everything.\n", full - md.len);
	}
	if (!err)
		err = qg_buf_add(out, md.buf, md.len);
	if (!err)
		err = qg_buf_add(out, tail.buf, tail.len);
	qg_buf_release(&md);
	qg_buf_release(&tail);
	return err;
}

/* ---------------------------------------------------------------- outputs */

static int random_hex(char *out, size_t bytes)
{
	unsigned char raw[32];
	size_t got = 0;

	if (bytes > sizeof(raw))
		bytes = sizeof(raw);
	while (got < bytes) {
		ssize_t n = getrandom(raw + got, bytes - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EIO, "getrandom failed: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int qg_github_output_line(struct qg_buf *out, const char *key, const char *value)
{
	struct qg_buf red = QG_BUF_INIT(QG_CAP_MESSAGE);
	char delim[64], hex[33];
	int err;

	if (!key || !*key || strpbrk(key, "=\r\n") || strstr(key, "<<"))
		return qg_error(QG_EUSAGE, "invalid GitHub output name '%s'", key ? key : "");
	/* a gate's output may name an input: redacted like every output */
	if ((err = qg_redact(&red, value ? value : "")) < 0)
		goto done;
	value = red.buf;
	if (!strpbrk(value, "\r\n")) {
		err = qg_buf_addf(out, "%s=%s\n", key, value);
		goto done;
	}
	for (int tries = 0;; tries++) {
		if (tries >= 16) {
			err = qg_error(QG_ERROR, "cannot find a delimiter for output '%s'", key);
			goto done;
		}
		if ((err = random_hex(hex, 16)))
			goto done;
		snprintf(delim, sizeof(delim), "ghadelimiter_%s", hex);
		if (!strstr(value, delim))
			break;
	}
	err = qg_buf_addf(out, "%s<<%s\n%s\n%s\n", key, delim, value, delim);
done:
	qg_buf_release(&red);
	return err;
}

int qg_github_append_env_file(const char *env_name, const char *data, size_t len)
{
	const char *path = env_name ? getenv(env_name) : NULL;
	int fd;

	if (!path || !*path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return qg_error(QG_EIO, "'%s' ($%s): cannot open: %s", path, env_name, strerror(errno));
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return qg_error(QG_EIO, "'%s' ($%s): cannot write: %s", path, env_name, strerror(e));
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0)
		return qg_error(QG_EIO, "'%s' ($%s): cannot close: %s", path, env_name, strerror(errno));
	return 0;
}
