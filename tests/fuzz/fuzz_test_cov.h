/* fuzz_test_cov.h -- the coverage fuzz targets' shared oracle
 *
 * A coverage report that was read must survive the trip through the
 * Cobertura writer: written, read back into a new model, the line totals
 * are the same, and so are the branch totals when every branch sits on an
 * instrumented line (the writer has nowhere else to put one). The trip is
 * checked only for paths of printable ASCII: XML replaces what it cannot
 * carry, and two paths made one would rightly merge their lines.
 */
#ifndef FUZZ_TEST_COV_H
#define FUZZ_TEST_COV_H

#include "test/coverage.h"

static int fuzz_cov_printable(const struct cov_model *m)
{
	for (size_t i = 0; i < m->nr_files; i++)
		for (const char *p = m->files[i].path; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				return 0;
	return 1;
}

/* err: what the reader returned on `name`. Aborts on a broken promise. */
static void fuzz_cov_check(struct cov_model *m, int err, const char *name)
{
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	struct cov_model again;
	long long lines_br = 0;

	if (err) {
		if (err != QG_ENOMEM && (err != QG_EINPUT || !strstr(qg_error_last(), name)))
			abort();
		return;
	}
	if (cov_model_finish(m))
		return;
	if (m->lines_covered > m->lines_valid || m->br_covered > m->br_valid)
		abort();
	for (size_t i = 0; i < m->nr_files; i++)
		for (size_t l = 0; l < m->files[i].nr_lines; l++) {
			if (l && m->files[i].lines[l].line <= m->files[i].lines[l - 1].line)
				abort(); /* sorted and unique */
			lines_br += m->files[i].lines[l].br_total;
		}
	if (!fuzz_cov_printable(m) || cov_write_cobertura(&out, m, 0) || cov_model_init(&again, m->root)) {
		qg_buf_release(&out);
		return;
	}
	err = cov_read_cobertura_buf(&again, out.buf, out.len, "again.xml");
	if (err == QG_ENOMEM) {
		/* nothing to compare */
	} else if (err || cov_model_finish(&again)) {
		abort(); /* what was written must read back */
	} else if (again.lines_valid != m->lines_valid || again.lines_covered != m->lines_covered) {
		abort();
	} else if (lines_br == m->br_valid && (again.br_valid != m->br_valid || again.br_covered != m->br_covered)) {
		abort();
	}
	cov_model_release(&again);
	qg_buf_release(&out);
}

/* The whole target: read the input with `read`, calling it `name`. */
#define FUZZ_COV_TARGET(read, name)                                                       \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                      \
	{                                                                                 \
		struct cov_model m;                                                       \
                                                                                          \
		if (cov_model_init(&m, "/r"))                                             \
			return 0;                                                         \
		fuzz_cov_check(&m, read(&m, (const char *)data, size, name), name);       \
		cov_model_release(&m);                                                    \
		return 0;                                                                 \
	}

#endif
