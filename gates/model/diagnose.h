/* diagnose.h -- messages that name the real problem of a predictions file
 *
 * Each appends to `out` a clause for an error message being built; 0 or
 * QG_ENOMEM/QG_ETOOBIG. They run on error paths only.
 */
#ifndef QG_MODEL_DIAGNOSE_H
#define QG_MODEL_DIAGNOSE_H

#include <stddef.h>

struct qg_buf;
struct qg_cell;
struct qg_table;

/* " (columns found: 'a', 'b')", and a --delimiter hint when the one column
 * found has a ';', '|', tab or ':' in its name. */
int model_columns_found(struct qg_buf *out, const struct qg_cell *names, size_t n);

/* After a label --task binary cannot read (bad[0..bad_len)): read on
 * through t to collect the label column's distinct values (seeds: values
 * already seen, NULL-terminated, may be NULL), then ": the label column has
 * N distinct values ('a', 'b', 'c'): ..." naming the likely fix: --task
 * multiclass, --task regression, or --pos-label. Without pos_label, values
 * binary reads (0/1, true/false) count as '0' and '1'; with it, *pos_found
 * says whether any value was the positive label (if not, the flag is
 * misspelt: "--pos-label 'x' is none of them"). */
int model_label_survey(struct qg_buf *out, int *pos_found, struct qg_table *t, long col, const char *const *seeds,
		       const char *bad, size_t bad_len, const char *pos_label);

/* For a regression label that is not a number: a hint when it is text
 * (a class name), nothing for a malformed number. */
int model_regression_label_hint(struct qg_buf *out, const char *p, size_t len);

#endif
