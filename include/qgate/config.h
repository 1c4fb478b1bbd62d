/* config.h -- qgate.json: a gate's section maps onto its flags
 *
 * A qgate.json is an object; the member named after a gate ("data", "model",
 * ...) holds that gate's settings as flag names without dashes:
 *   {"model": {"task": "binary", "require": ["f1 >= 0.8"], "bootstrap": 1000}}
 * Strings and numbers become "--name=value", true becomes "--name", false is
 * omitted, arrays repeat the flag. A member named after a subcommand holding
 * an object applies to that subcommand only ({"data": {"drift": {...}}}).
 * The member "args" (array of strings) supplies positional arguments.
 * Invariant: a key that is not a flag of the command is QG_EUSAGE naming the
 * key and the file.
 */
#ifndef QGATE_CONFIG_H
#define QGATE_CONFIG_H

struct qg_strvec;
struct qg_option;

/* Append the section's flags to argv_out and positionals to args_out.
 * section is "gate" or "gate.subcommand"; within the gate's object, members
 * holding objects are subcommand sections (only the named one applies), every
 * other member must be a flag in `options`. A missing section is not an error. */
int qg_config_to_argv(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
		      const char *section, const struct qg_option *options);

/* The same, knowing the gate's subcommands (NULL-terminated): an object
 * member that is neither a flag nor one of them is an unknown key, so a typo
 * such as {"model": {"tresholds": {...}}} is caught. With subcommands NULL
 * (qg_config_to_argv) any object member is taken for another subcommand's
 * section when `section` names a subcommand. */
int qg_config_to_argv_sub(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			  const char *section, const struct qg_option *options,
			  const char *const *subcommands);

/* The same, with the subcommands taken from the gate's option table (its
 * QG_OPT_SUBCOMMAND_ entries). An object member of the gate's section that
 * is neither a flag nor a subcommand is QG_EUSAGE suggesting the nearest
 * subcommand ({"data": {"drfit": {...}}}: "did you mean 'drift'?"). */
int qg_config_to_argv_cmds(struct qg_strvec *argv_out, struct qg_strvec *args_out, const char *path,
			   const char *section, const struct qg_option *options,
			   const struct qg_option *commands);

#endif
