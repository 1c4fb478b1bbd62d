/* data.h -- qgate-data's commands, and validate's and infer's options
 *
 * main.c holds the table of subcommands and dispatches; each cmd_<name>.c
 * is one subcommand: an option table and a run function for qg_gate_run()
 * (gate.h). cmd_validate.c and cmd_infer.c parse into struct qg_data_opts
 * and call data_validate() or data_infer(); profile and drift have
 * their own options (profile.h, drift.h). Both functions fill their output
 * and return 0, or a negative QG_E* code when the run could not be
 * evaluated (bad schema: QG_EUSAGE; unreadable input: QG_EINPUT ...), after
 * qg_error().
 */
#ifndef QGATE_DATA_DATA_H
#define QGATE_DATA_DATA_H

#include "qgate/opts.h"
#include "qgate/strvec.h"
#include "input.h"

struct qg_buf;
struct qg_gate;
struct qg_result;

/* The subcommands (qg_subcommand_fn): argv[0] is the subcommand's name. */
int data_cmd_validate(int argc, const char **argv, const struct qg_gate *gate);
int data_cmd_infer(int argc, const char **argv, const struct qg_gate *gate);
int data_cmd_profile(int argc, const char **argv, const struct qg_gate *gate);
int data_cmd_drift(int argc, const char **argv, const struct qg_gate *gate);

#define QG_DATA_UNIQUE_MEMORY_DEFAULT 256 /* MiB of unique/primaryKey keys in memory before spilling */

struct qg_data_opts {
	struct qg_common_opts common;
	struct qg_data_input_opts input;
	struct qg_strvec data;       /* DATA arguments */
	/* validate */
	const char *schema;
	const char *schema_text;     /* package.c: the schema's JSON (o->schema only names it) */
	size_t schema_len;
	long long max_errors;        /* stop after this many violations; 0 = never */
	long long unique_memory;     /* MiB cap of unique/primaryKey state */
	int no_hash;                 /* artifacts without sha256 (bytes only) */
	int allow_unknown_keys;      /* schema: custom keys at the top level and in fields */
	int allow_empty;             /* a table with no rows passes table.rows */
	/* foreignKeys into other resources (package.c): the resources a key
	 * may name, see struct data_fk_target */
	const struct data_fk_target *fk_targets;
	size_t nr_fk_targets;
	void *fk_collect;            /* validate.c only: this run gathers referenced keys */
	/* infer */
	long long enum_max;          /* most distinct values for an enum (default 10) */
	long long enum_min_rows;     /* fewest non-missing values before proposing an enum (default 20) */
	int no_bounds;               /* infer: leave out minimum/maximum */
	const char *infer_header;    /* infer: --header auto|yes|no (NULL = auto) */
	int infer_package;           /* infer: --package, a datapackage.json (package.c) */
};

/* A resource that another resource's foreignKeys may name. package.c sets
 * o->fk_targets (one per resource of the package: its name and the options
 * data_validate() gets for it: schema_text, data, input) on each resource's
 * options before data_validate(); a foreign key whose reference.resource is
 * one of these names is then checked (table.foreign-key, as for a
 * self-reference): data_validate() reads the named resource's data once more
 * (with opts->fk_collect set: only the referenced fields' keys are gathered,
 * into this run's spilling key sets) and anti-joins this table's keys
 * against them. A name not among them stays exit 2. */
struct data_fk_target {
	const char *name;
	const struct qg_data_opts *opts;
};

void data_opts_init(struct qg_data_opts *o);
void data_opts_release(struct qg_data_opts *o);

/* Validate o->data against o->schema into r (checks, artifacts, metrics). */
int data_validate(const struct qg_data_opts *o, struct qg_result *r);
/* Infer a Table Schema from o->data; appends pretty JSON to out. */
int data_infer(const struct qg_data_opts *o, struct qg_buf *out);

#endif
