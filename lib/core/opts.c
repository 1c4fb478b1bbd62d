/* opts.c -- table-driven option parsing and --help
 *
 * One static table per command drives both parsing and --help (git's
 * parse-options). The parser is run twice when the table has the common
 * `config` entry: a dry pass over the command line finds --config (and
 * --help/--version, which skip the file) without storing anything; then the
 * file's section is parsed as if it were argv, and finally the command line
 * for real, so flags override the file. LIST options given on the command
 * line replace what the file set instead of appending to it.
 *
 * A table may hold subcommand words (git's OPT_SUBCOMMAND): the first
 * non-option word picks one and everything from it on is the subcommand's
 * to parse, so a gate's dispatch is a table like any other.
 *
 * Numbers are strict: the whole word must be a number in "C" notation, with
 * no leading blanks, no trailing junk, no overflow, no NaN or infinities.
 */
#include "qgate/common.h"

#include <math.h>
#include <pthread.h>

#include "qgate/config.h"
#include "qgate/opts.h"

#define HELP_COLUMN 32

/* Strings from config files that option values point into. They must live
 * as long as argv does; keeping them reachable from here is the price of
 * handing out plain `const char *` values. Never freed, never reported as
 * leaks (still reachable). */
struct keep_node {
	struct keep_node *next;
	struct qg_strvec sv;
};
static struct keep_node *keep_head;
static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;

static int keep_strings(struct qg_strvec *sv)
{
	struct keep_node *n;

	if (!sv->nr)
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return qg_error(QG_ENOMEM, "out of memory");
	n->sv = *sv;
	qg_strvec_init(sv);
	pthread_mutex_lock(&keep_lock);
	n->next = keep_head;
	keep_head = n;
	pthread_mutex_unlock(&keep_lock);
	return 0;
}

/* ---- strict numbers ---- */

int qg_parse_ll(long long *out, const char *s, const char *what)
{
	const char *p = s;
	char *end;
	long long v;

	if (!s || !*s)
		return qg_error(QG_EUSAGE, "%s: '' is not an integer", what);
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return qg_error(QG_EUSAGE, "%s: '%s' is not an integer", what, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return qg_error(QG_EUSAGE, "%s: '%s' is not an integer", what, s);
	if (errno == ERANGE)
		return qg_error(QG_EUSAGE, "%s: '%s' is out of range for an integer", what, s);
	*out = v;
	return 0;
}

int qg_parse_double(double *out, const char *s, const char *what)
{
	const char *p = s;
	char *end;
	double v;

	if (!s || !*s)
		return qg_error(QG_EUSAGE, "%s: '' is not a number", what);
	if (*p == '+' || *p == '-')
		p++;
	/* strtod also takes blanks, "nan", "inf" and hex floats: only plain
	 * decimal notation is a number on a command line. */
	if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) ||
	    (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
		return qg_error(QG_EUSAGE, "%s: '%s' is not a number", what, s);
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return qg_error(QG_EUSAGE, "%s: '%s' is not a number", what, s);
	if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
		return qg_error(QG_EUSAGE, "%s: '%s' is out of range for a number", what, s);
	*out = v;
	return 0;
}

/* ---- nearest name (optimal string alignment distance) ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *mem, *prev2, *prev, *cur, d;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	mem = calloc(3 * (lb + 1), sizeof(size_t));
	if (!mem)
		return SIZE_MAX;
	prev2 = mem;
	prev = prev2 + lb + 1;
	cur = prev + lb + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		/* rotate rows: prev2 <- prev <- cur */
		{
			size_t *t = prev2;

			prev2 = prev;
			prev = cur;
			cur = t;
		}
	}
	d = prev[lb];
	free(mem);
	return d;
}

/* Options have a long name to type; groups and subcommand words do not. */
static int is_long_option(const struct qg_option *o)
{
	return o->type != QG_OPT_GROUP && o->type != QG_OPT_SUBCOMMAND && o->long_name;
}

static int is_subcommand(const struct qg_option *o)
{
	return o->type == QG_OPT_SUBCOMMAND && o->long_name;
}

static const char *nearest(const struct qg_option *options, const char *name,
			   int (*want)(const struct qg_option *))
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(name), limit;

	limit = len / 3 > 2 ? len / 3 : 2;
	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++) {
		size_t d;

		if (!want(o))
			continue;
		d = edit_distance(name, o->long_name);
		/* an unambiguous-looking prefix ("--verb") is a typo too */
		if (len >= 3 && !strncmp(o->long_name, name, len) && d > 1)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = o->long_name;
		}
	}
	if (!best || best_d > limit || best_d >= len + (len < 3))
		return NULL;
	return best;
}

const char *qg_opts_nearest(const struct qg_option *options, const char *name)
{
	return nearest(options, name, is_long_option);
}

const char *qg_opts_nearest_subcommand(const struct qg_option *options, const char *name)
{
	return nearest(options, name, is_subcommand);
}

const struct qg_option *qg_opts_find_subcommand(const struct qg_option *options, const char *name)
{
	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++)
		if (is_subcommand(o) && !strcmp(o->long_name, name))
			return o;
	return NULL;
}

int qg_opts_subcommand_list(struct qg_buf *out, const struct qg_option *options)
{
	size_t n = 0, i = 0;
	int err = 0;

	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++)
		n += is_subcommand(o);
	for (const struct qg_option *o = options; !err && o && o->type != QG_OPT_END; o++) {
		if (!is_subcommand(o))
			continue;
		i++;
		err = qg_buf_addf(out, "%s%s", i == 1 ? "" : i == n ? " or " : ", ", o->long_name);
	}
	return err;
}

static int has_subcommands(const struct qg_option *options)
{
	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++)
		if (is_subcommand(o))
			return 1;
	return 0;
}

/* ---- the parser ---- */

struct parser {
	const struct qg_opts_ctx *ctx;
	struct qg_strvec *rest;
	int dry;               /* only find --config/--help/--version */
	const char *source;    /* NULL: the command line; else the config path */
	unsigned char *from_config; /* per option: LIST holds values from the file */
	size_t rest_from_config;    /* positionals in rest that came from the file */
	size_t rest_base;
	int cli_rest_seen;
	const char *config_path; /* dry: the last --config */
	int wants_exit;          /* dry: --help or --version given */
};

static int is_config_opt(const struct qg_option *o)
{
	return o->type == QG_OPT_STRING && o->long_name && !strcmp(o->long_name, "config");
}

static int check_range(const struct qg_option *o, const char *name, double v, const char *text)
{
	if (o->min == 0 && o->max == 0)
		return 0;
	if (v < o->min)
		return qg_error(QG_EUSAGE, "%s: value %s below minimum %.15g", name, text, o->min);
	if (v > o->max)
		return qg_error(QG_EUSAGE, "%s: value %s above maximum %.15g", name, text, o->max);
	return 0;
}

static int check_choice(const struct qg_option *o, const char *name, const char *arg)
{
	const char *p = o->choices ? o->choices : "";
	size_t len = strlen(arg);

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && !strncmp(p, arg, n))
			return 0;
		p += n + (bar != NULL);
	}
	return qg_error(QG_EUSAGE, "%s: '%s' is not one of %s", name, arg, o->choices ? o->choices : "");
}

/* Store (or, in the dry pass, only validate) one option's value. */
static int set_value(struct parser *p, const struct qg_option *o, const char *name, const char *arg)
{
	size_t idx = (size_t)(o - p->ctx->options);
	int err;

	switch (o->type) {
	case QG_OPT_FLAG:
		if (p->dry) {
			if (o->long_name && (!strcmp(o->long_name, "help") || !strcmp(o->long_name, "version")))
				p->wants_exit = 1;
			return 0;
		}
		*(int *)o->value = o->defval ? (int)o->defval : 1;
		return 0;
	case QG_OPT_STRING:
		if (p->dry) {
			if (is_config_opt(o))
				p->config_path = arg;
			return 0;
		}
		*(const char **)o->value = arg;
		return 0;
	case QG_OPT_CHOICE:
		if ((err = check_choice(o, name, arg)) < 0)
			return err;
		if (!p->dry)
			*(const char **)o->value = arg;
		return 0;
	case QG_OPT_LIST:
		if (p->dry)
			return 0;
		if (!p->source && p->from_config && p->from_config[idx] && !o->defval) {
			/* the command line replaces the file's list (QG_OPT_LIST_ADD_: adds to it) */
			qg_strvec_clear(o->value);
			p->from_config[idx] = 0;
		}
		if ((err = qg_strvec_push(o->value, arg)) < 0)
			return err;
		if (p->source && p->from_config)
			p->from_config[idx] = 1;
		return 0;
	case QG_OPT_INT: {
		long long v;

		if ((err = qg_parse_ll(&v, arg, name)) < 0)
			return err;
		if ((err = check_range(o, name, (double)v, arg)) < 0)
			return err;
		if (!p->dry)
			*(long long *)o->value = v;
		return 0;
	}
	case QG_OPT_DOUBLE: {
		double v;

		if ((err = qg_parse_double(&v, arg, name)) < 0)
			return err;
		if ((err = check_range(o, name, v, arg)) < 0)
			return err;
		if (!p->dry)
			*(double *)o->value = v;
		return 0;
	}
	default:
		return qg_error(QG_ERROR, "%s: option table entry of unknown type %d", name, (int)o->type);
	}
}

static int takes_arg(const struct qg_option *o)
{
	return o->type != QG_OPT_FLAG;
}

static int unknown_option(struct parser *p, const char *shown, const char *long_name)
{
	const char *near = long_name ? qg_opts_nearest(p->ctx->options, long_name) : NULL;
	const char *prog = p->ctx->prog ? p->ctx->prog : "qgate";

	if (near)
		return qg_error(QG_EUSAGE, "unknown option '%s' (did you mean '--%s'?)", shown, near);
	return qg_error(QG_EUSAGE, "unknown option '%s' (see '%s --help')", shown, prog);
}

static int add_positional(struct parser *p, const char *arg)
{
	if (p->dry)
		return 0;
	if (!p->source && !p->cli_rest_seen) {
		/* positionals on the command line replace the file's "args" */
		p->cli_rest_seen = 1;
		while (p->rest_from_config && p->rest->nr > p->rest_base) {
			qg_strvec_pop(p->rest);
			p->rest_from_config--;
		}
	}
	return qg_strvec_push(p->rest, arg);
}

static int parse_long(struct parser *p, const char *arg, int argc, const char **argv, int *i)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct qg_option *o;
	char shown[128];

	for (o = p->ctx->options; o->type != QG_OPT_END; o++)
		if (is_long_option(o) && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			break;
	if (o->type == QG_OPT_END) {
		char *n = qg_strndup(name, len);
		int err;

		if (!n)
			return QG_ENOMEM;
		snprintf(shown, sizeof(shown), "--%s", n);
		err = unknown_option(p, shown, n);
		free(n);
		return err;
	}
	snprintf(shown, sizeof(shown), "--%s", o->long_name);
	if (!takes_arg(o)) {
		if (eq)
			return qg_error(QG_EUSAGE, "option '%s' takes no value (got '%s')", shown, eq + 1);
		return set_value(p, o, shown, NULL);
	}
	if (eq)
		return set_value(p, o, shown, eq + 1);
	if (*i + 1 >= argc)
		return qg_error(QG_EUSAGE, "option '%s' requires a value%s%s%s", shown,
				o->argh ? " (" : "", o->argh ? o->argh : "", o->argh ? ")" : "");
	return set_value(p, o, shown, argv[++*i]);
}

static int parse_short(struct parser *p, const char *arg, int argc, const char **argv, int *i)
{
	for (const char *c = arg + 1; *c; c++) {
		const struct qg_option *o;
		char shown[8];
		int err;

		snprintf(shown, sizeof(shown), "-%c", *c);
		for (o = p->ctx->options; o->type != QG_OPT_END; o++)
			if (is_long_option(o) && o->short_name && o->short_name == *c)
				break;
		if (o->type == QG_OPT_END)
			return unknown_option(p, shown, NULL);
		if (!takes_arg(o)) {
			if ((err = set_value(p, o, shown, NULL)) < 0)
				return err;
			continue;
		}
		if (c[1]) /* -xVALUE, or the rest of a bundle: -qjVALUE */
			return set_value(p, o, shown, c + 1);
		if (*i + 1 >= argc)
			return qg_error(QG_EUSAGE, "option '%s' requires a value%s%s%s", shown,
					o->argh ? " (" : "", o->argh ? o->argh : "", o->argh ? ")" : "");
		return set_value(p, o, shown, argv[++*i]);
	}
	return 0;
}

/* The subcommand word at argv[i]: store its function, hand it and the rest
 * of argv to `rest` (the subcommand parses them), and stop. */
static int take_subcommand(struct parser *p, int argc, const char **argv, int i)
{
	const struct qg_option *o = qg_opts_find_subcommand(p->ctx->options, argv[i]);
	const char *near;
	int err;

	if (!o) {
		near = qg_opts_nearest_subcommand(p->ctx->options, argv[i]);
		if (near)
			return qg_error(QG_EUSAGE, "unknown command '%s' (did you mean '%s'?)", argv[i], near);
	{
		struct qg_buf list = QG_BUF_INIT(QG_CAP_MESSAGE);

		err = qg_opts_subcommand_list(&list, p->ctx->options);
		if (!err)
			err = qg_error(QG_EUSAGE, "unknown command '%s' (expected %s)", argv[i], list.buf);
		qg_buf_release(&list);
		return err;
	}
	}
	if (p->dry)
		return 0;
	if (o->value)
		*(qg_subcommand_fn *)o->value = o->subcommand_fn;
	for (; i < argc && argv[i]; i++)
		if ((err = qg_strvec_push(p->rest, argv[i])) < 0)
			return err;
	return 0;
}

/* argv[0] is skipped, as in main(). */
static int parse_words(struct parser *p, int argc, const char **argv)
{
	int only_positional = 0, subcommands = has_subcommands(p->ctx->options);

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int err;

		if (!arg)
			break;
		if (subcommands && (only_positional || arg[0] != '-' || !arg[1]))
			return take_subcommand(p, argc, argv, i);
		if (only_positional || arg[0] != '-' || !arg[1]) {
			/* "-" alone is stdin, a positional */
			if ((err = add_positional(p, arg)) < 0)
				return err;
			if (p->ctx->flags & QG_OPTS_STOP_AT_NON_OPTION)
				only_positional = 1;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_positional = 1;
			continue;
		}
		if (arg[1] == '-')
			err = parse_long(p, arg, argc, argv, &i);
		else
			err = parse_short(p, arg, argc, argv, &i);
		if (err < 0)
			return err;
	}
	return 0;
}

static int has_config_opt(const struct qg_option *options)
{
	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++)
		if (is_config_opt(o))
			return 1;
	return 0;
}

/* "qgate-data validate" -> "data.validate"; NULL when prog is not a gate. */
static char *section_from_prog(const char *prog)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *p;

	if (!prog)
		return NULL;
	p = strrchr(prog, '/');
	p = p ? p + 1 : prog;
	if (strncmp(p, "qgate-", 6))
		return NULL;
	for (p += 6; *p; p++)
		if (qg_buf_addch(&b, *p == ' ' ? '.' : *p) < 0) {
			qg_buf_release(&b);
			return NULL;
		}
	return qg_buf_detach(&b, NULL);
}

static int apply_config(struct parser *p, const char *path)
{
	struct qg_strvec cargv = QG_STRVEC_INIT, cargs = QG_STRVEC_INIT;
	char *derived = NULL;
	const char *section = p->ctx->config_section;
	int err;

	if (!section)
		section = derived = section_from_prog(p->ctx->prog);
	if (!section) {
		err = qg_error(QG_EUSAGE, "'%s': this command has no config section", path);
		goto done;
	}
	if ((err = qg_strvec_push(&cargv, p->ctx->prog ? p->ctx->prog : "qgate")) < 0)
		goto done;
	if (p->ctx->subcommands || !p->ctx->commands)
		err = qg_config_to_argv_sub(&cargv, &cargs, path, section, p->ctx->options,
					    p->ctx->subcommands);
	else
		err = qg_config_to_argv_cmds(&cargv, &cargs, path, section, p->ctx->options,
					     p->ctx->commands);
	if (err < 0)
		goto done;
	p->source = path;
	err = parse_words(p, (int)cargv.nr, cargv.v);
	if (err < 0) {
		err = qg_error_wrap("'%s': ", path);
		goto done;
	}
	for (size_t k = 0; k < cargs.nr; k++) {
		if ((err = qg_strvec_push(p->rest, cargs.v[k])) < 0)
			goto done;
		p->rest_from_config++;
	}
	err = keep_strings(&cargv);
done:
	p->source = NULL;
	qg_strvec_clear(&cargv);
	qg_strvec_clear(&cargs);
	free(derived);
	return err;
}

int qg_opts_parse(const struct qg_opts_ctx *ctx, int argc, const char **argv, struct qg_strvec *rest)
{
	struct parser p;
	size_t nr_opts = 0;
	int err;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.rest = rest;
	p.rest_base = rest->nr;
	if (!ctx->options)
		return qg_error(QG_ERROR, "%s: no option table", ctx->prog ? ctx->prog : "qgate");

	if (has_config_opt(ctx->options)) {
		p.dry = 1;
		if ((err = parse_words(&p, argc, argv)) < 0)
			return err;
		p.dry = 0;
		if (p.config_path && !p.wants_exit) {
			while (ctx->options[nr_opts].type != QG_OPT_END)
				nr_opts++;
			p.from_config = calloc(nr_opts + 1, 1);
			if (!p.from_config)
				return qg_error(QG_ENOMEM, "out of memory");
			err = apply_config(&p, p.config_path);
			if (err < 0)
				goto done;
		}
	}
	err = parse_words(&p, argc, argv);
done:
	free(p.from_config);
	return err;
}

/* ---- --help ---- */

static int add_usage_line(struct qg_buf *out, const char *lead, const char *prog, const char *line)
{
	if (!strncmp(line, "qgate", 5))
		return qg_buf_addf(out, "%s%s\n", lead, line);
	return qg_buf_addf(out, "%s%s%s%s\n", lead, prog, *line ? " " : "", line);
}

/* "  validate   check DATA ..." in a column after the longest word. */
static int add_subcommand_line(struct qg_buf *out, const struct qg_option *o, size_t width)
{
	if (!o->help || !*o->help)
		return qg_buf_addf(out, "  %s\n", o->long_name);
	return qg_buf_addf(out, "  %-*s   %s\n", (int)width, o->long_name, o->help);
}

static int add_option_line(struct qg_buf *out, const struct qg_option *o)
{
	size_t start = out->len, width;
	int err;

	if (o->short_name && o->long_name)
		err = qg_buf_addf(out, "  -%c, --%s", o->short_name, o->long_name);
	else if (o->short_name)
		err = qg_buf_addf(out, "  -%c", o->short_name);
	else
		err = qg_buf_addf(out, "      --%s", o->long_name);
	if (!err && takes_arg(o) && o->argh)
		err = qg_buf_addf(out, " %s", o->argh);
	if (err)
		return err;
	width = out->len - start;
	if (!o->help || !*o->help)
		return qg_buf_addch(out, '\n');
	if (width + 2 > HELP_COLUMN)
		err = qg_buf_addf(out, "\n%*s", HELP_COLUMN, "");
	else
		err = qg_buf_addf(out, "%*s", (int)(HELP_COLUMN - width), "");
	if (!err)
		err = qg_buf_addstr(out, o->help);
	if (!err && o->type == QG_OPT_LIST)
		err = qg_buf_addstr(out, " (repeatable)");
	if (!err)
		err = qg_buf_addch(out, '\n');
	return err;
}

int qg_opts_help(struct qg_buf *out, const struct qg_opts_ctx *ctx)
{
	const char *prog = ctx->prog ? ctx->prog : "qgate";
	int err = 0, in_group = 0;
	size_t sub_width = 0;

	for (const struct qg_option *o = ctx->options; o && o->type != QG_OPT_END; o++)
		if (is_subcommand(o) && strlen(o->long_name) > sub_width)
			sub_width = strlen(o->long_name);

	if (ctx->usage && ctx->usage[0]) {
		for (size_t i = 0; !err && ctx->usage[i]; i++)
			err = add_usage_line(out, i ? "   or: " : "usage: ", prog, ctx->usage[i]);
	} else {
		err = qg_buf_addf(out, "usage: %s [options]\n", prog);
	}
	if (!err && ctx->description && *ctx->description)
		err = qg_buf_addf(out, "\n%s\n", ctx->description);
	for (const struct qg_option *o = ctx->options; !err && o && o->type != QG_OPT_END; o++) {
		if (o->type == QG_OPT_GROUP) {
			err = qg_buf_addf(out, "\n%s:\n", o->long_name ? o->long_name : "options");
			in_group = 1;
			continue;
		}
		if (!in_group) {
			err = qg_buf_addstr(out, is_subcommand(o) ? "\ncommands:\n" : "\noptions:\n");
			in_group = 1;
			if (err)
				break;
		}
		err = is_subcommand(o) ? add_subcommand_line(out, o, sub_width) : add_option_line(out, o);
	}
	return err;
}
