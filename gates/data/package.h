/* package.h -- Frictionless Data Packages in qgate-data (package.c)
 *
 * `qgate-data validate datapackage.json` (no --schema, one argument ending
 * in .json) reads the descriptor, checks every key of it, and validates each
 * resource's file against its Table Schema into one result whose check ids
 * are prefixed `resource.<name>.`; `qgate-data infer --package` (or -o
 * .../datapackage.json) writes a descriptor with one resource per file.
 */
#ifndef QGATE_DATA_PACKAGE_H
#define QGATE_DATA_PACKAGE_H

#include "data.h"

struct qg_buf;
struct qg_result;

/* 1 when validate's arguments name a data package descriptor. */
int data_package_wanted(const struct qg_data_opts *o);
/* Validate every resource of the descriptor o->data.v[0] into r. */
int data_package_validate(const struct qg_data_opts *o, struct qg_result *r);
/* Infer one resource per file of o->data; output is where the descriptor
 * goes (NULL: stdout, paths relative to the working folder). */
int data_package_infer(const struct qg_data_opts *o, const char *output, struct qg_buf *out);

#endif
