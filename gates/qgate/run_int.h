/* run_int.h -- what pipeline.c (the loader) hands to run.c (qgate run)
 *
 * The "pipeline" section of qgate.json is an object of stages, each an array
 * of steps:
 *
 *   {"pipeline": {"ci": [{"name": "data", "gate": "data",
 *                         "args": ["validate", "--schema", "s.json", "d.csv"],
 *                         "needs": [], "paths": ["data"]}, ...]}}
 *
 * Invariants after a successful load: every stage of the section was checked
 * (a typo in "ci" is refused when "pre-push" runs too); step names are unique
 * in their stage and are folder names ([A-Za-z0-9._-], not starting with '.');
 * gate names are [a-z]+; every need names a step of the same stage and the
 * needs form no cycle; `order` lists the steps so that each comes after
 * everything it needs. Every error is QG_EUSAGE with a message
 * "FILE: /json/pointer: what was found, what was expected".
 */
#ifndef QGATE_RUN_INT_H
#define QGATE_RUN_INT_H

#include <stddef.h>
#include "qgate/common.h"

struct qg_json;

struct run_step {
	char *name;
	char *gate;
	struct qg_strvec args;
	struct qg_strvec needs; /* step names, as written */
	struct qg_strvec paths; /* globs, relative to the config file's folder */
	int has_paths;    /* "paths" given (even empty: then never runs with --changed-since) */
	size_t *need_idx; /* needs resolved to indexes in the stage */
	char *pointer;    /* "/pipeline/ci/2" */
};

struct run_stage {
	char *name;
	struct run_step *steps;
	size_t nr;
	size_t *order; /* a topological order of steps (nr entries) */
};

/* Load stage `stage` from the parsed qgate.json `doc` (`file` names it in
 * messages). `stage` NULL takes the only stage, and is QG_EUSAGE listing
 * them when there are several. 0 or QG_EUSAGE / QG_ENOMEM. */
int run_pipeline_load(struct run_stage *out, const struct qg_json *doc, const char *file,
		      const char *stage);
/* The same from text (the fuzz target and unit tests): a parse error is
 * QG_EUSAGE too (the config is the user's). */
int run_pipeline_parse(struct run_stage *out, const char *text, size_t len, const char *file,
		       const char *stage);
void run_stage_release(struct run_stage *s);
/* The index of step `name` in the stage, or -1. */
long run_stage_find(const struct run_stage *s, const char *name);

/* Match a '/'-separated relative path against a glob: '*' and '?' stop at
 * '/', '[...]' is a class, a double star spans folders (a double star after
 * "a/" matches everything below a; one followed by '/' matches zero or more
 * whole folders, so "a/", double star, "/b" matches "a/b" too), '\' escapes.
 * 1 match, 0 not. */
int run_glob_match(const char *pattern, const char *path);

#endif
