/* parse.h -- the report parsers behind lint_parse_buf() (parse*.c, runner.c)
 *
 * Each parser gets one struct lint_parse: where findings go, the tool name to
 * use when the format does not name one, and the name of the input for
 * messages. lint_parse_add() is the one place a finding is made from a
 * report: it makes the path repository-relative (LINT_F_OUTSIDE when it
 * cannot), folds the message to one line and registers the rule on its tool.
 */
#ifndef QGATE_LINT_PARSE_H
#define QGATE_LINT_PARSE_H

#include "qgate/strmap.h"

#include "lint.h"

struct lint_parse {
	const struct lint_ctx *ctx; /* may be NULL (paths kept as given) */
	const char *tool;           /* default tool name */
	const char *name;           /* the input's name in messages */
	struct lint_findings *out;
	struct lint_tools *tools;
	int rule_known;             /* the caller registered the finding's rule already */
	/* paths as the report spells them -> normalised (a report names a few
	 * files many times: lint_path_normalise once per spelling) */
	struct qg_strmap *seen;
	struct lint_path_seen {
		const char *norm;   /* interned in out's pool (lives with the findings) */
		int outside;
	} *seen_v;                  /* parallel to seen's keys */
	size_t alloc_seen;
};

/* Add a finding; msg is msglen bytes (folded to one line). NULL on ENOMEM. */
struct lint_finding *lint_parse_add(struct lint_parse *p, const char *tool, const char *rule, enum lint_level level,
				    const char *file, long long line, long long col, const char *msg, size_t msglen);
/* Append " text" to a finding's message (notes, include chains). */
int lint_parse_append(struct lint_finding *f, const char *sep, const char *text, size_t len);

/* What "auto" picks for these bytes: a parser name (static string). */
const char *lint_parse_sniff(const char *data, size_t len);

int lint_parse_gcc(struct lint_parse *p, const char *data, size_t len);
int lint_parse_sarif(struct lint_parse *p, const char *data, size_t len);
int lint_parse_checkstyle(struct lint_parse *p, const char *data, size_t len);
int lint_parse_cppcheck(struct lint_parse *p, const char *data, size_t len);
int lint_parse_shellcheck_json(struct lint_parse *p, const char *data, size_t len);
int lint_parse_gcc_json(struct lint_parse *p, const char *data, size_t len);
/* pattern is what follows "regex:"; QG_EUSAGE when it does not compile or
 * lacks the file and message groups. */
int lint_parse_regex(struct lint_parse *p, const char *pattern, const char *data, size_t len);
int lint_regex_check(const char *pattern);
/* runner.c: split --run's CMD into argv without expansion (QG_EUSAGE naming
 * the refused character and its offset). */
int lint_split_command(const char *cmd, struct qg_strvec *argv);

#endif
