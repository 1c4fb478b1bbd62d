/* fuzz_lint_common.h -- what the lint parsers' fuzz targets share
 *
 * check_findings(): the invariants every parser's output keeps (tool, rule,
 * message never NULL, message on one line, positions not negative); a
 * violation aborts. A parser error must be one of the expected codes with a
 * message.
 */
#ifndef FUZZ_LINT_COMMON_H
#define FUZZ_LINT_COMMON_H

#include "qgate/common.h"

#include "lint/jsonscan.h"
#include "lint/parse.h"

static inline void check_findings(const struct lint_findings *fs)
{
	for (size_t i = 0; i < fs->nr; i++) {
		const struct lint_finding *f = &fs->v[i];
		if (!f->tool || !f->rule || !*f->rule || !f->message)
			abort();
		if (strchr(f->message, '\n') || strchr(f->message, '\r'))
			abort();
		if (f->line < 0 || f->column < 0 || f->end_line < 0)
			abort();
	}
}

static inline void check_error(int err)
{
	if (err == 0)
		return;
	if (err != QG_EINPUT && err != QG_ENOMEM && err != QG_ETOOBIG && err != QG_EUSAGE)
		abort();
	if (!*qg_error_last())
		abort();
}

#endif
