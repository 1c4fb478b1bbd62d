/* config.c -- a qgate.json section turned into command-line words
 *
 * The file is only ever translated into argv ("--name=value" words and
 * positionals) and then parsed by the same option table as the command line
 * (lib/opts.c), so a value in the file is checked exactly like a flag:
 * strict numbers, choices, ranges. This file checks the shape: the keys must
 * be flags of the command, values must be scalars or arrays of scalars of
 * the kind the flag takes.
 *
 *   {"model": {"task": "binary", "require": ["f1 >= 0.8"], "bootstrap": 1000,
 *              "check": {"alpha": 0.01}}}
 *
 * With section "model.check": the gate's own members apply, then the members
 * of "check"; objects named after other subcommands are skipped. With a
 * plain section ("test") an object member is an error.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/config.h"
#include "qgate/dtoa.h"
#include "qgate/json.h"
#include "qgate/opts.h"

struct cfg {
	struct qg_strvec *argv_out;
	struct qg_strvec *args_out;
	const char *path;
	const char *section;
	const struct qg_option *options;
	char gate[64];
	const char *sub; /* NULL when section has no subcommand */
	const char *const *subcommands; /* NULL: unknown, be lenient (unless commands) */
	const struct qg_option *commands; /* the gate's QG_OPT_SUBCOMMAND_ table, or NULL */
};

static const struct qg_option *find_option(const struct qg_option *options, const char *name)
{
	for (const struct qg_option *o = options; o && o->type != QG_OPT_END; o++)
		if (o->type != QG_OPT_GROUP && o->type != QG_OPT_SUBCOMMAND && o->long_name &&
		    !strcmp(o->long_name, name))
			return o;
	return NULL;
}

/* "model.check" -> "qgate-model check" for messages. */
static void command_name(char *buf, size_t len, const char *section)
{
	size_t n = 0;

	n = (size_t)snprintf(buf, len, "qgate-");
	for (const char *s = section; *s && n + 1 < len; s++)
		buf[n++] = *s == '.' ? ' ' : *s;
	buf[n < len ? n : len - 1] = '\0';
}

/* Shortest "%.*g" text that reads back as the same double. */
static int format_number(char *buf, size_t len, double v)
{
	char tmp[QG_DTOA_MAX];

	if (!isfinite(v))
		return -1;
	qg_dtoa(tmp, v, QG_DTOA_PLAIN_INT);
	snprintf(buf, len, "%s", tmp);
	return 0;
}

static const char *kind_of(const struct qg_option *o)
{
	switch (o->type) {
	case QG_OPT_FLAG:
		return "true or false";
	case QG_OPT_INT:
		return "an integer";
	case QG_OPT_DOUBLE:
		return "a number";
	case QG_OPT_LIST:
		return "a string or an array of strings";
	default:
		return "a string";
	}
}

static int wrong_type(const struct cfg *c, const char *key, const struct qg_option *o,
		      const struct qg_json *v)
{
	return qg_error(QG_EUSAGE, "'%s': key '%s' must be %s, not %s", c->path, key, kind_of(o),
			qg_json_type_name(qg_json_type(v)));
}

/* One scalar value of option o as "--name=value". */
static int push_scalar(struct cfg *c, const char *key, const struct qg_option *o, const struct qg_json *v)
{
	char num[64];

	switch (qg_json_type(v)) {
	case QG_JSON_STRING:
		if (o->type == QG_OPT_FLAG)
			return wrong_type(c, key, o, v);
		return qg_strvec_pushf(c->argv_out, "--%s=%s", o->long_name, qg_json_string(v));
	case QG_JSON_NUMBER:
		if (o->type == QG_OPT_FLAG)
			return wrong_type(c, key, o, v);
		if (format_number(num, sizeof(num), qg_json_number(v)) < 0)
			return qg_error(QG_EUSAGE, "'%s': key '%s' is not a finite number", c->path, key);
		return qg_strvec_pushf(c->argv_out, "--%s=%s", o->long_name, num);
	case QG_JSON_BOOL:
		if (o->type != QG_OPT_FLAG)
			return wrong_type(c, key, o, v);
		if (qg_json_bool(v) == 1)
			return qg_strvec_pushf(c->argv_out, "--%s", o->long_name);
		return 0; /* false: the flag's default */
	default:
		return wrong_type(c, key, o, v);
	}
}

static int is_subcommand(const struct cfg *c, const char *name)
{
	if (c->commands)
		return qg_opts_find_subcommand(c->commands, name) || !strcmp(name, c->sub);
	if (!c->subcommands)
		return 1;
	for (size_t i = 0; c->subcommands[i]; i++)
		if (!strcmp(c->subcommands[i], name))
			return 1;
	return !strcmp(name, c->sub);
}

static int unknown_key(const struct cfg *c, const char *key, const char *name)
{
	char cmd[160];
	const char *near = qg_opts_nearest(c->options, name);

	command_name(cmd, sizeof(cmd), c->section);
	if (near)
		return qg_error(QG_EUSAGE, "'%s': unknown key '%s' (not a flag of %s; did you mean '%s'?)",
				c->path, key, cmd, near);
	return qg_error(QG_EUSAGE, "'%s': unknown key '%s' (not a flag of %s)", c->path, key, cmd);
}

/* An object in the gate's section that names no subcommand: most likely a
 * misspelt one, so the nearest subcommand is the suggestion. */
static int unknown_section(const struct cfg *c, const char *key, const char *name)
{
	const char *near = qg_opts_nearest_subcommand(c->commands, name);

	if (!near)
		return unknown_key(c, key, name);
	return qg_error(QG_EUSAGE, "'%s': unknown key '%s' (not a command or flag of qgate-%s; did you mean '%s'?)",
			c->path, key, c->gate, near);
}

static int push_args(struct cfg *c, const char *key, const struct qg_json *v)
{
	const struct qg_json *e;
	int err;

	if (qg_json_type(v) == QG_JSON_STRING)
		return qg_strvec_push(c->args_out, qg_json_string(v));
	if (qg_json_type(v) != QG_JSON_ARRAY)
		return qg_error(QG_EUSAGE, "'%s': key '%s' must be an array of strings, not %s", c->path,
				key, qg_json_type_name(qg_json_type(v)));
	for (e = qg_json_first(v); e; e = qg_json_next(e)) {
		if (qg_json_type(e) != QG_JSON_STRING)
			return qg_error(QG_EUSAGE, "'%s': key '%s' must be an array of strings, found %s",
					c->path, key, qg_json_type_name(qg_json_type(e)));
		if ((err = qg_strvec_push(c->args_out, qg_json_string(e))) < 0)
			return err;
	}
	return 0;
}

/* Apply the members of one object; prefix is "model" or "model.check". */
static int apply_object(struct cfg *c, const struct qg_json *obj, const char *prefix, int top)
{
	const struct qg_json *m;
	char key[512];
	int err;

	for (m = qg_json_first(obj); m; m = qg_json_next(m)) {
		const char *name = qg_json_key(m);
		const struct qg_option *o;

		snprintf(key, sizeof(key), "%s.%s", prefix, name ? name : "");
		if (!name)
			continue;
		if (!strcmp(name, "args")) {
			if ((err = push_args(c, key, m)) < 0)
				return err;
			continue;
		}
		o = find_option(c->options, name);
		if (qg_json_type(m) == QG_JSON_OBJECT && top && !o && c->sub && is_subcommand(c, name)) {
			/* a subcommand section: only ours applies */
			if (!strcmp(name, c->sub) && (err = apply_object(c, m, key, 0)) < 0)
				return err;
			continue;
		}
		if (!o && qg_json_type(m) == QG_JSON_OBJECT && top && c->commands)
			return unknown_section(c, key, name);
		if (!o)
			return unknown_key(c, key, name);
		if (!strcmp(name, "config"))
			return qg_error(QG_EUSAGE, "'%s': key '%s' cannot name another config file", c->path, key);
		if (qg_json_type(m) == QG_JSON_ARRAY) {
			const struct qg_json *e;

			if (o->type != QG_OPT_LIST)
				return qg_error(QG_EUSAGE, "'%s': key '%s' takes one value, not an array", c->path, key);
			for (e = qg_json_first(m); e; e = qg_json_next(e)) {
				if (qg_json_type(e) != QG_JSON_STRING && qg_json_type(e) != QG_JSON_NUMBER)
					return qg_error(QG_EUSAGE, "'%s': key '%s' must be an array of strings, found %s",
							c->path, key, qg_json_type_name(qg_json_type(e)));
				if ((err = push_scalar(c, key, o, e)) < 0)
					return err;
			}
			continue;
		}
		if ((err = push_scalar(c, key, o, m)) < 0)
			return err;
	}
	return 0;
}

int qg_config_to_argv(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
		      const char *section, const struct qg_option *options)
{
	return qg_config_to_argv_sub(argv_out, args_out, path, section, options, NULL);
}

static int config_to_argv(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			  const char *section, const struct qg_option *options,
			  const char *const *subcommands, const struct qg_option *commands);

int qg_config_to_argv_sub(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			  const char *section, const struct qg_option *options,
			  const char *const *subcommands)
{
	return config_to_argv(argv_out, args_out, path, section, options, subcommands, NULL);
}

int qg_config_to_argv_cmds(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			   const char *section, const struct qg_option *options,
			   const struct qg_option *commands)
{
	return config_to_argv(argv_out, args_out, path, section, options, NULL, commands);
}

static int config_to_argv(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			  const char *section, const struct qg_option *options,
			  const char *const *subcommands, const struct qg_option *commands)
{
	struct qg_json *root = NULL;
	const struct qg_json *gate;
	struct cfg c;
	const char *dot;
	int err;

	memset(&c, 0, sizeof(c));
	c.argv_out = argv_out;
	c.args_out = args_out;
	c.path = path;
	c.section = section;
	c.options = options;
	c.subcommands = subcommands;
	c.commands = commands;
	dot = strchr(section, '.');
	if ((dot ? (size_t)(dot - section) : strlen(section)) >= sizeof(c.gate))
		return qg_error(QG_EUSAGE, "config section '%s' is too long", section);
	snprintf(c.gate, sizeof(c.gate), "%.*s", (int)(dot ? dot - section : (long)strlen(section)), section);
	c.sub = dot ? dot + 1 : NULL;

	if ((err = qg_json_parse_file(&root, path)) < 0) {
		char msg[1024];

		if (err != QG_EPARSE)
			return err;
		/* a malformed config file is a configuration error: exit 2 */
		snprintf(msg, sizeof(msg), "%s", qg_error_last());
		return qg_error(QG_EUSAGE, "%s", msg);
	}
	if (qg_json_type(root) != QG_JSON_OBJECT) {
		err = qg_error(QG_EUSAGE, "'%s': expected an object at the top level, found %s", path,
			       qg_json_type_name(qg_json_type(root)));
		goto done;
	}
	gate = qg_json_get(root, c.gate);
	if (!gate)
		goto done; /* no section: nothing to apply */
	if (qg_json_type(gate) != QG_JSON_OBJECT) {
		err = qg_error(QG_EUSAGE, "'%s': key '%s' must be an object, not %s", path, c.gate,
			       qg_json_type_name(qg_json_type(gate)));
		goto done;
	}
	err = apply_object(&c, gate, c.gate, 1);
done:
	qg_json_free(root);
	return err;
}
