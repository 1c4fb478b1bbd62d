/* opts.h -- option tables that drive parsing and --help
 *
 * Invariants: one static table per command; the contract's common flags come
 * from QG_OPTS_COMMON() so every gate spells them alike. Numbers are parsed
 * strictly: "12x", "", " 3" and out-of-range values are usage errors
 * (QG_EUSAGE, exit 2) naming the flag. Long options accept "--name=value" and
 * "--name value", short ones "-x value", "-xVALUE" and bundles ("-qv");
 * "--" ends options; non-options are collected in order (options may follow
 * them unless QG_OPTS_STOP_AT_NON_OPTION). Recorded messages do not carry the
 * program name ("--bootstrap: 'x12' is not an integer"): qg_gate_die() adds
 * "qgate-model: error: " in front.
 *
 * Config precedence: with --config FILE the file's section is applied first,
 * then the command line. A STRING/INT/DOUBLE/CHOICE/FLAG given on the command
 * line overrides the file; a LIST given on the command line REPLACES the
 * values from the file (it does not append to them), and positional
 * arguments on the command line likewise replace the file's "args".
 */
#ifndef QGATE_OPTS_H
#define QGATE_OPTS_H

#include <stddef.h>

struct qg_buf;
struct qg_strvec;

enum qg_opt_type {
	QG_OPT_END = 0,
	QG_OPT_GROUP,    /* a heading in --help; long_name is the heading */
	QG_OPT_FLAG,     /* int *: set to 1 (or `defval`) */
	QG_OPT_STRING,   /* const char **: last one wins */
	QG_OPT_LIST,     /* struct qg_strvec *: each use appends */
	QG_OPT_INT,      /* long long *, within [min, max] */
	QG_OPT_DOUBLE,   /* double *, finite, within [min, max] */
	QG_OPT_CHOICE,   /* const char **: one of the '|'-separated `choices` */
};

struct qg_option {
	enum qg_opt_type type;
	int short_name;        /* 0 for none */
	const char *long_name; /* without the dashes */
	void *value;
	const char *argh;      /* placeholder in --help, e.g. "FILE" */
	const char *help;
	double min, max;       /* for INT and DOUBLE; min == max == 0 means unbounded */
	const char *choices;   /* for CHOICE: "text|json|github" */
	long long defval;      /* for FLAG: the value to store (0 means 1) */
};

#define QG_OPT_GROUP_(h) { QG_OPT_GROUP, 0, (h), NULL, NULL, NULL, 0, 0, NULL, 0 }
#define QG_OPT_FLAG_(s, l, v, h) { QG_OPT_FLAG, (s), (l), (v), NULL, (h), 0, 0, NULL, 0 }
#define QG_OPT_STRING_(s, l, v, a, h) { QG_OPT_STRING, (s), (l), (v), (a), (h), 0, 0, NULL, 0 }
#define QG_OPT_LIST_(s, l, v, a, h) { QG_OPT_LIST, (s), (l), (v), (a), (h), 0, 0, NULL, 0 }
#define QG_OPT_INT_(s, l, v, a, lo, hi, h) { QG_OPT_INT, (s), (l), (v), (a), (h), (lo), (hi), NULL, 0 }
#define QG_OPT_DOUBLE_(s, l, v, a, lo, hi, h) { QG_OPT_DOUBLE, (s), (l), (v), (a), (h), (lo), (hi), NULL, 0 }
#define QG_OPT_CHOICE_(s, l, v, c, h) { QG_OPT_CHOICE, (s), (l), (v), (c), (h), 0, 0, (c), 0 }
#define QG_OPT_END_() { QG_OPT_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL, 0 }

/* The contract's common flags (CONTRACT.md section 2). */
struct qg_common_opts {
	const char *junit;
	const char *json;
	const char *out_dir;
	const char *format;  /* NULL: github when GITHUB_ACTIONS=true, else text */
	const char *config;
	const char *color;   /* auto|always|never */
	int quiet;
	int verbose;
	int help;
	int version;
};

#define QG_OPTS_COMMON(c) \
	QG_OPT_GROUP_("common options"), \
	QG_OPT_FLAG_('h', "help", &(c)->help, "show this help and exit 0"), \
	QG_OPT_FLAG_(0, "version", &(c)->version, "print versions and exit 0"), \
	QG_OPT_STRING_(0, "junit", &(c)->junit, "FILE", "write the JUnit XML report"), \
	QG_OPT_STRING_(0, "json", &(c)->json, "FILE", "write the result JSON ('-' = stdout)"), \
	QG_OPT_STRING_(0, "out", &(c)->out_dir, "DIR", "write DIR/<gate>.json and DIR/<gate>.junit.xml"), \
	QG_OPT_CHOICE_(0, "format", &(c)->format, "text|json|github", "what goes to stdout"), \
	QG_OPT_STRING_(0, "config", &(c)->config, "FILE", "read this gate's section of a qgate.json"), \
	QG_OPT_FLAG_('q', "quiet", &(c)->quiet, "print only the verdict and failures"), \
	QG_OPT_FLAG_('v', "verbose", &(c)->verbose, "print passed checks and every location"), \
	QG_OPT_CHOICE_(0, "color", &(c)->color, "auto|always|never", "colour the text output (NO_COLOR honoured)")

enum qg_opts_flags {
	/* The first non-option ends options: the rest (including "-x" words) is
	 * positional, as for `qgate-test COMMAND...`. */
	QG_OPTS_STOP_AT_NON_OPTION = 1 << 0,
};

struct qg_opts_ctx {
	const char *prog;          /* "qgate-data validate" for messages and --help */
	const char *config_section; /* "data", or "data.validate" style: gate then subcommand */
	const char *const *usage;  /* NULL-terminated usage lines for --help */
	const char *description;   /* one paragraph for --help, may be NULL */
	const struct qg_option *options;
	unsigned flags;            /* enum qg_opts_flags */
	/* The gate's subcommands, NULL-terminated, for qgate.json checking:
	 * {"data": {"drift": {...}}} is a section only if "drift" is listed
	 * (NULL: any object member of the gate is taken for one). */
	const char *const *subcommands;
};

/* Parse argv (argv[0] is skipped). When the options set `--config FILE`
 * (the common `config` member found through the table), the file's section
 * is applied first, so flags given on the command line override it.
 * Non-option arguments are appended to `rest`.
 * Returns 0, or QG_EUSAGE with the message recorded ("unknown option '--x'
 * (did you mean '--json'?)"), or QG_EINPUT when the config file is unreadable.
 * STRING/CHOICE values point into argv or into copies kept for the life of
 * the process (config values); LIST values are pushed copies the caller
 * clears. When --help or --version is on the command line the config file
 * is not read, so help works whatever the file holds. */
int qg_opts_parse(const struct qg_opts_ctx *ctx, int argc, const char **argv, struct qg_strvec *rest);

/* Parse a number strictly: 0 or QG_EUSAGE naming `what`. */
int qg_parse_ll(long long *out, const char *s, const char *what);
int qg_parse_double(double *out, const char *s, const char *what);

/* Render --help: usage lines, description, then the table in aligned columns.
 * Usage lines not starting with "qgate" get ctx->prog in front. The layout
 * is fixed (column 32, no terminal width), so the text is stable for the man
 * pages. */
int qg_opts_help(struct qg_buf *out, const struct qg_opts_ctx *ctx);

/* The long option name in `options` nearest to `name` (edit distance), or
 * NULL when none is close enough to be a plausible typo. Borrowed. */
const char *qg_opts_nearest(const struct qg_option *options, const char *name);

#endif
