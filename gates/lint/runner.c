/* runner.c -- --run 'CMD': run a linter and ingest what it prints
 *
 * CMD is split like a POSIX shell splits words, without any expansion:
 * whitespace separates words, '...' is literal, "..." is literal except
 * that \" \\ \$ \` escape, and a backslash outside quotes takes the next
 * character literally. Anything a shell would expand or interpret
 * (unquoted ; | & < > ( ) $ ` * ? [ ] { }, a ~ or # starting a word, $ or `
 * inside double quotes) is refused with exit 2 naming the character and its
 * offset, so no one mistakes this for a shell. The program is executed
 * directly (lib/proc/run.c: no sh -c, own process group, killed with its
 * children on timeout). Its stdout is parsed; for text formats (gcc, regex)
 * stderr is parsed too (compilers write there), and a document format (XML,
 * JSON) is read from stderr when only stderr holds one (cppcheck --xml). Fail closed: killed by a
 * signal, timed out, output truncated, unparsable output, or a non-zero
 * exit with no finding is QG_EINPUT (exit 3) quoting the tail of stderr,
 * redacted. The tool's name is the base name of argv[0] unless the report
 * names it (SARIF).
 */
#include "qgate/common.h"

#include "qgate/redact.h"
#include "qgate/run.h"

#include "parse.h"

static int refuse(const char *cmd, size_t off, const char *why)
{
	char *r = qg_redact_dup(cmd);
	int err = qg_error(QG_EUSAGE, "--run '%s': %s at offset %zu (commands run without a shell: quote it)",
			   r ? r : "", why, off);
	free(r);
	return err;
}

static int refuse_char(const char *cmd, size_t off, char c, const char *where)
{
	char why[96];

	snprintf(why, sizeof(why), "'%c'%s is shell syntax, not supported", c, where);
	return refuse(cmd, off, why);
}

int lint_split_command(const char *cmd, struct qg_strvec *argv)
{
	struct qg_buf w = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t i = 0;
	int in_word = 0, err = 0;

	while (!err && cmd[i]) {
		char c = cmd[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				err = qg_strvec_push(argv, w.buf);
				qg_buf_reset(&w);
				in_word = 0;
			}
			i++;
			continue;
		}
		if (c == '\'') {
			const char *q = strchr(cmd + i + 1, '\'');
			if (!q) {
				err = refuse(cmd, i, "unterminated single quote");
				break;
			}
			err = qg_buf_add(&w, cmd + i + 1, (size_t)(q - cmd - i - 1));
			in_word = 1;
			i = (size_t)(q - cmd) + 1;
			continue;
		}
		if (c == '"') {
			size_t j = i + 1;
			in_word = 1;
			for (; cmd[j] && cmd[j] != '"' && !err; j++) {
				if (cmd[j] == '\\' && cmd[j + 1] && strchr("\"\\$`", cmd[j + 1])) {
					err = qg_buf_addch(&w, cmd[++j]);
				} else if (cmd[j] == '$' || cmd[j] == '`') {
					err = refuse_char(cmd, j, cmd[j], " inside double quotes (expansion)");
				} else {
					err = qg_buf_addch(&w, cmd[j]);
				}
			}
			if (!err && !cmd[j])
				err = refuse(cmd, i, "unterminated double quote");
			if (err)
				break;
			i = j + 1;
			continue;
		}
		if (c == '\\') {
			if (!cmd[i + 1]) {
				err = refuse(cmd, i, "trailing backslash");
				break;
			}
			if (cmd[i + 1] != '\n')
				err = qg_buf_addch(&w, cmd[i + 1]);
			in_word = 1;
			i += 2;
			continue;
		}
		if (strchr(";|&<>()$`*?[]{}", c)) {
			err = refuse_char(cmd, i, c, "");
			break;
		}
		if (!in_word && (c == '~' || c == '#')) {
			err = refuse_char(cmd, i, c, " at the start of a word");
			break;
		}
		err = qg_buf_addch(&w, c);
		in_word = 1;
		i++;
	}
	if (!err && in_word)
		err = qg_strvec_push(argv, w.buf);
	qg_buf_release(&w);
	if (!err && !argv->nr)
		err = refuse(cmd, 0, "empty command");
	return err;
}

/* The last lines of a stream (at most ~2 KiB, from a line start), redacted. */
static char *tail_of(const struct qg_buf *b)
{
	const char *s = b->buf, *e = b->buf + b->len, *t;
	struct qg_buf r = QG_BUF_INIT(QG_CAP_MESSAGE), one = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t i;

	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	t = e - s > 2048 ? e - 2048 : s;
	if (t > s) {
		const char *nl = memchr(t, '\n', (size_t)(e - t));
		if (nl)
			t = nl + 1;
	}
	for (i = 0; t + i < e; i++)
		if (qg_buf_addch(&one, t[i] == '\n' ? '|' : (unsigned char)t[i] < 0x20 ? ' ' : t[i]) < 0)
			break;
	if (qg_redact(&r, one.buf) < 0)
		qg_buf_reset(&r);
	qg_buf_release(&one);
	return qg_buf_detach(&r, NULL);
}

/* Output that starts like a document (XML or JSON), not like text lines. */
static int looks_structured(const struct qg_buf *b)
{
	const char *s = b->buf, *e = b->buf + b->len;

	if (b->len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s < e && (*s == '<' || *s == '{' || *s == '[');
}

static int text_parser(const char *parser)
{
	return !strcmp(parser, "gcc") || !strncmp(parser, "regex:", 6);
}

int lint_run_tool(const struct lint_ctx *ctx, const char *cmd, const char *parser, double timeout_s,
		  struct lint_findings *out, struct lint_tools *tools)
{
	struct qg_child c;
	const char *slash, *tool = NULL, *use;
	char how[128], *tail = NULL, *rcmd = NULL;
	size_t before = out->nr;
	int err, errdoc;

	if (!parser)
		parser = "auto";
	if (!strncmp(parser, "regex:", 6) && (err = lint_regex_check(parser + 6)) < 0)
		return err;
	qg_child_init(&c);
	if ((err = lint_split_command(cmd, &c.args)) < 0)
		goto done;
	slash = strrchr(c.args.v[0], '/');
	tool = slash ? slash + 1 : c.args.v[0];
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR | QG_CHILD_NO_STDIN;
	c.capture_cap = (size_t)512 << 20;
	c.timeout_s = timeout_s;
	c.dir = NULL; /* the cwd: report paths are relative to it (lint_ctx.cwd) */
	rcmd = qg_redact_dup(cmd);
	if ((err = qg_child_run(&c)) < 0) {
		err = qg_error_wrap("--run '%s': ", rcmd ? rcmd : "");
		goto done;
	}
	tail = tail_of(&c.err);
	qg_child_describe(&c, how, sizeof(how));
	if (c.start_errno || c.signaled || c.timed_out || !c.exited) {
		err = qg_error(QG_EINPUT, "--run '%s': %s%s%s", rcmd ? rcmd : "", how, tail && *tail ? "; stderr: " : "",
			       tail ? tail : "");
		goto done;
	}
	if (c.truncated) {
		err = qg_error(QG_EINPUT, "--run '%s': output larger than %zu bytes, not read whole", rcmd ? rcmd : "",
			       c.capture_cap);
		goto done;
	}
	/* Which stream holds the report: text formats read both (compilers
	 * write to stderr); a document format reads stdout, or stderr when only
	 * stderr holds a document (cppcheck --xml writes its XML there). */
	errdoc = !looks_structured(&c.out) && looks_structured(&c.err);
	use = parser;
	if (!strcmp(use, "auto"))
		use = lint_parse_sniff(errdoc ? c.err.buf : c.out.buf, errdoc ? c.err.len : c.out.len);
	if (text_parser(use)) {
		err = lint_parse_buf(ctx, use, tool, "stdout", c.out.buf, c.out.len, out, tools);
		if (!err)
			err = lint_parse_buf(ctx, use, tool, "stderr", c.err.buf, c.err.len, out, tools);
	} else if (errdoc) {
		err = lint_parse_buf(ctx, use, tool, "stderr", c.err.buf, c.err.len, out, tools);
	} else {
		err = lint_parse_buf(ctx, use, tool, "stdout", c.out.buf, c.out.len, out, tools);
	}
	if (err < 0) {
		err = qg_error_wrap("--run '%s' (%s): ", rcmd ? rcmd : "", how);
		if (c.exit_code != 0 && tail && *tail) {
			char *m = qg_strdup(qg_error_last());
			err = qg_error(err, "%s; stderr: %s", m ? m : "", tail);
			free(m);
		}
		goto done;
	}
	if (c.exit_code != 0 && out->nr == before) {
		err = qg_error(QG_EINPUT, "--run '%s': %s and wrote no finding%s%s", rcmd ? rcmd : "", how,
			       tail && *tail ? "; stderr: " : "", tail ? tail : "");
		goto done;
	}
done:
	if (err < 0 && tools && tool) {
		struct lint_tool *t = lint_tools_get(tools, tool);
		if (t)
			t->failed = 1;
	}
	free(tail);
	free(rcmd);
	qg_child_release(&c);
	return err;
}
