/* fuzz_model_predictions.c -- libFuzzer target for the predictions reader
 *
 * The first byte picks the task, the format (CSV or JSONL) and whether a
 * slice and an id column are read; the rest is the file, read through the
 * table reader's memory source (qg_table_open_memory, the same code a stream
 * takes). Whatever is accepted must then go through every metric without a
 * crash, and a read error must be a data error (QG_EPARSE) or ENOMEM.
 */
#include "qgate/common.h"

#include <assert.h>

#include "qgate/table.h"

#include "model/bootstrap.h"
#include "model/metrics.h"
#include "model/predictions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum qg_model_task tasks[3] = { QG_TASK_BINARY, QG_TASK_MULTICLASS, QG_TASK_REGRESSION };
	static const char *const slices[1] = { "g" };
	struct qg_model_read_opts o = { 0 };
	struct qg_table_opts to = { 0 };
	struct qg_model_data d;
	struct qg_table *t;
	unsigned sel;
	int rc;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	o.task = tasks[sel % 3];
	o.threshold = 0.5;
	o.nr_slices = (sel & 8) ? 1 : 0;
	o.slice_cols = slices;
	o.id_col = (sel & 16) ? "id" : NULL;
	o.pos_label = (sel & 64) && o.task == QG_TASK_BINARY ? "a" : NULL; /* string labels */
	to.format = (sel & 4) ? QG_FORMAT_JSONL : QG_FORMAT_CSV;
	to.block_size = (sel & 32) ? 16 : 0; /* records across refills */
	if (qg_table_open_memory(&t, data, size, "fuzz", &to))
		return 0;
	rc = model_data_read_table(&d, t, &o);
	if (rc) {
		assert(rc == QG_EPARSE || rc == QG_ENOMEM || rc == QG_EUSAGE);
		return 0;
	}
	{
		struct qg_model_view v = {
			.task = d.task, .n = d.n, .k = d.k, .ybin = d.ybin, .pbin = d.pbin, .ycls = d.ycls,
			.pcls = d.pcls, .yreg = d.yreg, .preg = d.preg, .score = d.score, .threshold = 0.5,
		};
		struct qg_metric_values mv;
		uint32_t *w = calloc(d.n ? d.n : 1, sizeof(*w));
		(void)model_view_metrics(&mv, &v, NULL, 0);
		if (w) {
			for (size_t i = 0; i < d.n; i++)
				w[i] = (uint32_t)(i % 3);
			(void)model_view_metrics(&mv, &v, w, 0);
			free(w);
		}
	}
	model_data_release(&d);
	return 0;
}
