/* load.c -- qgate-model's inputs, and the `metrics` command
 *
 * The options become one predictions read (predictions.c) per file; the
 * rows become views, the whole data or one slice, which the metrics are
 * computed on. `qgate-model metrics` is here too: it is nothing but these
 * steps and a JSON document. Every JSON member is checked as it is added: a
 * document missing a metric must never be printed as if it were whole.
 */
#include "qgate/common.h"

#include "qgate/json.h"

#include "load.h"
#include "model.h"

int model_task_of(const char *s, enum qg_model_task *out)
{
	if (!s)
		return qg_error(QG_EUSAGE, "--task is required with --predictions (binary, multiclass or regression)");
	if (!strcmp(s, "binary"))
		*out = QG_TASK_BINARY;
	else if (!strcmp(s, "multiclass"))
		*out = QG_TASK_MULTICLASS;
	else if (!strcmp(s, "regression"))
		*out = QG_TASK_REGRESSION;
	else
		return qg_error(QG_EUSAGE, "--task '%s': expected binary, multiclass or regression", s);
	return 0;
}

/* ---- loading ---- */


static int split_classes(struct qg_strvec *out, const char *s)
{
	const char *p = s;
	while (s && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char *one = qg_strndup(p, len);
		if (!one || qg_strvec_push(out, one)) {
			free(one);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		free(one);
		if (!len)
			return qg_error(QG_EUSAGE, "--classes '%s': empty class name", s);
		p = c ? c + 1 : p + len;
	}
	return 0;
}

/* --delimiter: one ASCII character, or "tab"; not a quote or a line break. */
static int parse_delimiter(char *out, const char *s)
{
	if (!strcmp(s, "tab") || !strcmp(s, "\\t"))
		*out = '\t';
	else if (strlen(s) == 1 && (unsigned char)*s < 0x80 && !strchr("\"\r\n", *s))
		*out = *s;
	else
		return qg_error(QG_EUSAGE, "--delimiter: expected one ASCII character or 'tab' (not a quote or a line "
					   "break), found '%s'", s);
	return 0;
}

int model_load(struct model_loaded *l, const char *path, const struct qg_model_opts *o, enum qg_model_task task,
		const struct qg_strvec *slice_cols, int want_ids)
{
	struct qg_model_read_opts ro = { 0 };
	int ret;

	qg_strvec_init(&l->classes);
	if ((ret = split_classes(&l->classes, o->classes)))
		return ret;
	ro.task = task;
	ro.label_col = o->label;
	ro.pred_col = o->prediction;
	ro.score_col = o->score;
	ro.pred_given = o->prediction != NULL;
	ro.score_given = o->score != NULL;
	ro.id_col = want_ids ? o->id : NULL;
	ro.slice_cols = slice_cols->v;
	ro.nr_slices = slice_cols->nr;
	ro.classes = l->classes.v;
	ro.nr_classes = l->classes.nr;
	ro.threshold = o->threshold;
	ro.input_format = o->input_format;
	ro.pos_label = o->pos_label;
	if (o->pos_label && task != QG_TASK_BINARY)
		return qg_error(QG_EUSAGE, "--pos-label applies to --task binary (multiclass labels are class names "
					   "already)");
	if (o->delimiter && (ret = parse_delimiter(&ro.delimiter, o->delimiter)))
		return ret;
	ret = model_data_read(&l->d, path, &ro);
	l->have = ret == 0;
	return ret;
}

void model_loaded_release(struct model_loaded *l)
{
	if (l->have)
		model_data_release(&l->d);
	qg_strvec_clear(&l->classes);
	l->have = 0;
}

void model_view_all(struct qg_model_view *v, const struct qg_model_data *d, double threshold)
{
	memset(v, 0, sizeof(*v));
	v->task = d->task;
	v->n = d->n;
	v->k = d->k;
	v->ybin = d->ybin;
	v->pbin = d->pbin;
	v->ycls = d->ycls;
	v->pcls = d->pcls;
	v->yreg = d->yreg;
	v->preg = d->preg;
	v->score = d->score;
	v->threshold = threshold;
}

/* The rows of slice s with value index val, copied. */
int model_view_slice(struct qg_model_view *v, const struct qg_model_data *d, size_t s, uint32_t val, double threshold)
{
	size_t n = 0, j = 0, k = d->k ? d->k : 1;
	const uint32_t *sv = d->slices[s].val;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < d->n; i++)
		n += sv[i] == val;
	v->task = d->task;
	v->k = d->k;
	v->threshold = threshold;
	v->owned = 1;
#define TAKE(field, mult)                                                                       \
	do {                                                                                    \
		if (d->field) {                                                                 \
			v->field = malloc((n ? n : 1) * (mult) * sizeof(*v->field));            \
			if (!v->field)                                                          \
				return qg_error(QG_ENOMEM, "out of memory");                    \
		}                                                                               \
	} while (0)
	TAKE(ybin, 1);
	TAKE(pbin, 1);
	TAKE(ycls, 1);
	TAKE(pcls, 1);
	TAKE(yreg, 1);
	TAKE(preg, 1);
	TAKE(score, (d->task == QG_TASK_MULTICLASS ? k : 1));
#undef TAKE
	for (size_t i = 0; i < d->n; i++) {
		if (sv[i] != val)
			continue;
		if (d->ybin) v->ybin[j] = d->ybin[i];
		if (d->pbin) v->pbin[j] = d->pbin[i];
		if (d->ycls) v->ycls[j] = d->ycls[i];
		if (d->pcls) v->pcls[j] = d->pcls[i];
		if (d->yreg) v->yreg[j] = d->yreg[i];
		if (d->preg) v->preg[j] = d->preg[i];
		if (d->score) {
			if (d->task == QG_TASK_MULTICLASS)
				memcpy(v->score + j * k, d->score + i * k, k * sizeof(double));
			else
				v->score[j] = d->score[i];
		}
		j++;
	}
	v->n = n;
	return 0;
}

static int cmp_key_str(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

/* Slice value indices of slice s ordered by their text. */
uint32_t *model_sorted_values(const struct qg_model_data *d, size_t s)
{
	const struct qg_strmap *m = &d->slices[s].values;
	const char **keys = malloc((m->nr ? m->nr : 1) * sizeof(*keys));
	uint32_t *order = malloc((m->nr ? m->nr : 1) * sizeof(*order));
	if (!keys || !order) {
		free(keys);
		free(order);
		qg_error(QG_ENOMEM, "out of memory ordering %zu slice values", m->nr);
		return NULL;
	}
	for (size_t i = 0; i < m->nr; i++)
		keys[i] = m->keys[i];
	qsort(keys, m->nr, sizeof(*keys), cmp_key_str);
	for (size_t i = 0; i < m->nr; i++)
		order[i] = (uint32_t)model_str_map_get((struct qg_strmap *)m, keys[i], strlen(keys[i]), 0);
	free(keys);
	return order;
}

int model_add_metric_values(struct qg_json *obj, const struct qg_metric_values *v)
{
	for (int m = 0; m < QG_M_COUNT; m++)
		if ((v->present & (1u << m)) && !qg_json_add_number(obj, model_metric_infos[m].name, v->value[m]))
			return QG_ENOMEM;
	return 0;
}

/* ---- metrics command ---- */

/* One slice's metrics as slices["col=value"]. */
static int slice_metrics(struct qg_json *slices, struct model_loaded *l, size_t s, uint32_t val, double threshold)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_metric_values v;
	struct qg_model_view view;
	struct qg_json *so;
	int ret;

	if (!(ret = model_view_slice(&view, &l->d, s, val, threshold)) &&
	    !(ret = model_view_metrics(&v, &view, NULL, QG_MB_CLOBBER)) &&
	    !(ret = qg_buf_addf(&key, "%s=%s", l->d.slices[s].col, l->d.slices[s].values.keys[val])))
		ret = (so = qg_json_add_object(slices, key.buf)) ? model_add_metric_values(so, &v) : QG_ENOMEM;
	qg_buf_release(&key);
	model_view_release(&view);
	return ret;
}

int model_metrics_json(const struct qg_model_opts *o, struct qg_buf *out)
{
	struct model_loaded l = { 0 };
	struct qg_json *root = NULL, *slices, *metrics, *cl;
	struct qg_metric_values v;
	struct qg_model_view view;
	enum qg_model_task task = QG_TASK_BINARY; /* set by model_task_of() before use */
	int ret;

	if (!o->predictions)
		return qg_error(QG_EUSAGE, "--predictions FILE is required");
	if ((ret = model_task_of(o->task, &task)))
		return ret;
	if ((ret = model_load(&l, o->predictions, o, task, &o->slices, 0)))
		goto done;
	ret = QG_ENOMEM; /* every builder below records its message */
	if (!(root = qg_json_new_object()) || !qg_json_add_string(root, "task", model_task_name(task)) ||
	    !qg_json_add_number(root, "rows", (double)l.d.n))
		goto done;
	if (task == QG_TASK_MULTICLASS) {
		if (!(cl = qg_json_add_array(root, "classes")))
			goto done;
		for (size_t c = 0; c < l.d.classes.nr; c++)
			if (!qg_json_add_string(cl, NULL, l.d.classes.keys[c]))
				goto done;
	}
	if (!(metrics = qg_json_add_object(root, "metrics")) || !(slices = qg_json_add_object(root, "slices")))
		goto done;
	/* slices first: the whole-data pass may reorder the scores in place */
	for (size_t s = 0; s < l.d.nslices; s++) {
		uint32_t *order = model_sorted_values(&l.d, s);
		if (!order)
			goto done;
		ret = 0;
		for (size_t i = 0; i < l.d.slices[s].values.nr && !ret; i++)
			ret = slice_metrics(slices, &l, s, order[i], o->threshold);
		free(order);
		if (ret)
			goto done;
	}
	model_view_all(&view, &l.d, o->threshold);
	if ((ret = model_view_metrics(&v, &view, NULL, QG_MB_CLOBBER)) || (ret = model_add_metric_values(metrics, &v)))
		goto done;
	ret = qg_json_print(out, root, 1);
done:
	qg_json_free(root);
	model_loaded_release(&l);
	return ret;
}
