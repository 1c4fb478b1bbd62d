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
 * values from the file (it does not append to them) unless it is a
 * QG_OPT_LIST_ADD_ (rules such as qgate-model's --require: the command line
 * adds to the file's), and positional arguments on the command line likewise
 * replace the file's "args".
 */
#ifndef QGATE_OPTS_H
#define QGATE_OPTS_H

#include <stddef.h>

#include "qgate/strvec.h"

struct qg_buf;

struct qg_gate;

enum qg_opt_type {
	QG_OPT_END = 0,
	QG_OPT_GROUP,    /* a heading in --help; long_name is the heading */
	QG_OPT_FLAG,     /* int *: set to 1 (or `defval`) */
	QG_OPT_STRING,   /* const char **: last one wins */
	QG_OPT_LIST,     /* struct qg_strvec *: each use appends */
	QG_OPT_INT,      /* long long *, within [min, max] */
	QG_OPT_DOUBLE,   /* double *, finite, within [min, max] */
	QG_OPT_CHOICE,   /* const char **: one of the '|'-separated `choices` */
	QG_OPT_SUBCOMMAND, /* qg_subcommand_fn * (may be NULL): a command word, below */
};

/* A gate's subcommand (git's parse_opt_subcommand_fn): argv[0] is the
 * subcommand's own name, `gate` the gate it belongs to (its name and its
 * table of subcommands, for qgate.json checking). Returns an exit code. */
typedef int (*qg_subcommand_fn)(int argc, const char **argv, const struct qg_gate *gate);

struct qg_option {
	enum qg_opt_type type;
	int short_name;        /* 0 for none */
	const char *long_name; /* without the dashes; a SUBCOMMAND's word */
	void *value;
	const char *argh;      /* placeholder in --help, e.g. "FILE" */
	const char *help;
	double min, max;       /* for INT and DOUBLE; min == max == 0 means unbounded */
	const char *choices;   /* for CHOICE: "text|json|github" */
	long long defval;      /* for FLAG: the value to store (0 means 1); for LIST: 1 = the
				* command line adds to the config file's values (QG_OPT_LIST_ADD_) */
	qg_subcommand_fn subcommand_fn; /* for SUBCOMMAND */
};

#define QG_OPT_GROUP_(h) { .type = QG_OPT_GROUP, .long_name = (h) }
#define QG_OPT_FLAG_(s, l, v, h) { .type = QG_OPT_FLAG, .short_name = (s), .long_name = (l), .value = (v), .help = (h) }
#define QG_OPT_STRING_(s, l, v, a, h) \
	{ .type = QG_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h) }
#define QG_OPT_LIST_(s, l, v, a, h) \
	{ .type = QG_OPT_LIST, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h) }
#define QG_OPT_LIST_ADD_(s, l, v, a, h) \
	{ .type = QG_OPT_LIST, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .defval = 1 }
#define QG_OPT_INT_(s, l, v, a, lo, hi, h) \
	{ .type = QG_OPT_INT, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .min = (lo), .max = (hi) }
#define QG_OPT_DOUBLE_(s, l, v, a, lo, hi, h) \
	{ .type = QG_OPT_DOUBLE, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .min = (lo), .max = (hi) }
#define QG_OPT_CHOICE_(s, l, v, c, h) \
	{ .type = QG_OPT_CHOICE, .short_name = (s), .long_name = (l), .value = (v), .argh = (c), .help = (h), \
	  .choices = (c) }
/* A subcommand (git's OPT_SUBCOMMAND): `name` as the first non-option word
 * stores `fn` in *v (a qg_subcommand_fn *, or NULL to store nothing) and
 * ends parsing; that word and every word after it go to `rest` untouched,
 * for the subcommand to parse with its own table. */
#define QG_OPT_SUBCOMMAND_(name, v, fn, h) \
	{ .type = QG_OPT_SUBCOMMAND, .long_name = (name), .value = (v), .help = (h), .subcommand_fn = (fn) }
#define QG_OPT_END_() { .type = QG_OPT_END }

/* The contract's common flags (docs/interface.md, "Flags every gate shares"). */
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
	/* --subject FILE (repeatable): each file's SHA-256 joins the result's
	 * subject.artifacts after the command's own inputs. qg_gate_run() hashes
	 * them before the run (a missing or unreadable file is exit 3 naming it,
	 * and nothing runs), refuses them for a command without a result (exit
	 * 2), and clears the list before it returns. */
	struct qg_strvec subject;
};

#define QG_OPTS_COMMON(c) \
	QG_OPT_GROUP_("common options"), \
	QG_OPT_FLAG_('h', "help", &(c)->help, "show this help and exit 0"), \
	QG_OPT_FLAG_(0, "version", &(c)->version, "print versions and exit 0"), \
	QG_OPT_STRING_(0, "junit", &(c)->junit, "FILE", "write the JUnit XML report"), \
	QG_OPT_STRING_(0, "json", &(c)->json, "FILE", "write the result JSON ('-' = stdout)"), \
	QG_OPT_STRING_(0, "out", &(c)->out_dir, "DIR", "write DIR/<gate>-<command>.json and .xml"), \
	QG_OPT_LIST_(0, "subject", &(c)->subject, "FILE", "add FILE's SHA-256 to the result's subject.artifacts"), \
	QG_OPT_CHOICE_(0, "format", &(c)->format, "text|json|github", "what goes to stdout"), \
	QG_OPT_STRING_(0, "config", &(c)->config, "FILE", "read this gate's section of a qgate.json"), \
	QG_OPT_FLAG_('q', "quiet", &(c)->quiet, "print only the verdict and failures"), \
	QG_OPT_FLAG_('v', "verbose", &(c)->verbose, "print passed checks and every location"), \
	QG_OPT_CHOICE_(0, "color", &(c)->color, "auto|always|never", "colour the text output (NO_COLOR honoured)")

/* Transfer options of every command that reads inputs (files, '-', https://,
 * s3://): qgate-data validate/infer/profile/drift, qgate-model check/metrics.
 * Not in QG_OPTS_COMMON: other gates use --timeout for other things. The
 * command hands the struct to qg_gate_run() (gate.h, `fetch`), which applies
 * it to every HTTP transfer (qg_http_set_fetch) before the run. As flags or
 * as qgate.json keys ("timeout": 30, "allow-unframed": true); the flag
 * overrides QG_HTTP_TIMEOUT / adds to QG_HTTP_ALLOW_UNFRAMED. */
struct qg_fetch_opts {
	long long timeout;   /* --timeout S: total deadline of each transfer, 1..604800;
				0 = QG_HTTP_TIMEOUT, else 3600 */
	int allow_unframed;  /* --allow-unframed: accept a close-delimited HTTP/1 body */
};

#define QG_OPTS_FETCH(f) \
	QG_OPT_GROUP_("transfer options (https://, s3://)"), \
	QG_OPT_INT_(0, "timeout", &(f)->timeout, "S", 1, 604800, \
		    "total deadline of each transfer, in seconds (default QG_HTTP_TIMEOUT or 3600)"), \
	QG_OPT_FLAG_(0, "allow-unframed", &(f)->allow_unframed, \
		     "accept an HTTP/1 body with neither Content-Length nor chunked framing")

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
	/* The same from the gate's table of QG_OPT_SUBCOMMAND_ entries (what
	 * qg_gate_run() passes); used when `subcommands` is NULL. A member of the
	 * gate's section that is neither a flag nor a subcommand is a usage
	 * error with the nearest subcommand or flag suggested. */
	const struct qg_option *commands;
};

/* Parse argv (argv[0] is skipped). A table with QG_OPT_SUBCOMMAND_ entries
 * takes the first non-option word as a subcommand (git's OPT_SUBCOMMAND):
 * its function is stored, parsing stops, and the word and all after it go
 * to `rest`; a word that names none is QG_EUSAGE ("unknown command 'drfit'
 * (did you mean 'drift'?)"); no word at all leaves the stored function
 * untouched for the caller to notice. When the options set `--config FILE`
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
/* The same among the table's QG_OPT_SUBCOMMAND_ words. */
const char *qg_opts_nearest_subcommand(const struct qg_option *options, const char *name);
/* Append the table's subcommand words as "validate, infer, profile or drift". */
int qg_opts_subcommand_list(struct qg_buf *out, const struct qg_option *options);
/* The table's QG_OPT_SUBCOMMAND_ entry named `name`, or NULL. */
const struct qg_option *qg_opts_find_subcommand(const struct qg_option *options, const char *name);

#endif
