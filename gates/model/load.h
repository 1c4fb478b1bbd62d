/* load.h -- qgate-model's inputs: options into a predictions read, rows into views
 *
 * Shared by the two commands (model.c's check, and the metrics command in
 * load.c). Invariants: a struct model_loaded owns its data once `have` is
 * set; a view either borrows the whole data (model_view_all) or owns copies
 * of one slice's rows (model_view_slice), and model_view_release() frees
 * what it owns either way.
 */
#ifndef QG_MODEL_LOAD_H
#define QG_MODEL_LOAD_H

#include "qgate/strvec.h"

#include "bootstrap.h"
#include "metrics.h"
#include "predictions.h"

struct qg_json;
struct qg_model_opts;

struct model_loaded {
	struct qg_model_data d;
	struct qg_strvec slice_cols;
	struct qg_strvec classes;
	int have;
};

/* --task's value: 0, or QG_EUSAGE naming the choices. */
int model_task_of(const char *s, enum qg_model_task *out);
/* Read `path` with the options' columns. 0 or QG_E* (message recorded). */
int model_load(struct model_loaded *l, const char *path, const struct qg_model_opts *o, enum qg_model_task task,
	       const struct qg_strvec *slice_cols, int want_ids);
void model_loaded_release(struct model_loaded *l);
/* Every row of d, borrowed. */
void model_view_all(struct qg_model_view *v, const struct qg_model_data *d, double threshold);
/* The rows of slice s with value index val, copied. 0 or QG_ENOMEM. */
int model_view_slice(struct qg_model_view *v, const struct qg_model_data *d, size_t s, uint32_t val,
		     double threshold);
/* Value indices of slice s ordered by their text (malloc'd), NULL on ENOMEM
 * (message recorded). */
uint32_t *model_sorted_values(const struct qg_model_data *d, size_t s);
/* Add every metric the task has to obj (NaN as null). 0 or QG_ENOMEM. */
int model_add_metric_values(struct qg_json *obj, const struct qg_metric_values *v);

#endif
