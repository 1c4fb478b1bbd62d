/* merge_parts.h -- what merge.c shares with merge_lint.c and merge_data.c
 *
 * merge.c reads and checks the shards (struct shard, grouped by gate and
 * command in struct group) and merges any gate's checks one id at a time
 * (merge_check()); qgate-lint's shards (merge_lint.c) and qgate-data
 * validate's table-wide checks (merge_data.c) are rebuilt from the same
 * groups, as those gates decide them in one run; test and profile shards
 * are handed to their own gate (merge_gates.c).
 */
#ifndef QGATE_FRONT_MERGE_PARTS_H
#define QGATE_FRONT_MERGE_PARTS_H

#include <stddef.h>

#include "qgate/result.h"

struct qg_json;

struct shard {
	const char *dir;           /* the folder named on the command line */
	const struct qg_json *doc; /* the document as loaded (borrowed) */
	struct qg_result r;        /* read back with the core's reader */
	long long i, n;            /* I/N */
	const char *fingerprint;
	char *file;                /* dir/path, for messages */
};

struct group {
	const char *gate, *command;
	struct shard **v;
	size_t nr, alloc;
};

/* merge.c: one check id over the shards (worst status, summed count, the
 * first locations by place; a cross-row check passing everywhere refused) */
int merge_check(struct qg_result *out, struct group *g, const char *id);
/* locations by file, line, column, then message (qsort) */
int merge_cmp_loc(const void *pa, const void *pb);
/* a check whose verdict needs all rows at once (unique, keys) */
int merge_cross_row(const char *id);

/* merge_metrics.c: the shards' metrics and subject artifacts into out */
int merge_metrics(struct qg_result *out, struct group *g);
int merge_subject(struct qg_result *out, struct group *g);

/* merge_lint.c: every check of a qgate-lint group */
int merge_lint_checks(struct qg_result *out, struct group *g);
/* merge_data.c: data validate's table-wide checks decided again */
int merge_data_redecide(struct qg_result *out, struct group *g);

/* merge_gates.c: a group merged by its own gate into out_dir (qgate-test
 * --merge, qgate-data profile --merge); the gate's exit code in *exit_out */
int merge_by_test(struct group *g, const char *out_dir, int *exit_out);
int merge_by_profile(struct group *g, const char *out_dir, int *exit_out);

#endif
