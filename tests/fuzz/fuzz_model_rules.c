/* fuzz_model_rules.c -- libFuzzer target for the --require expression parser
 *
 * Any bytes: parse with the binary metric names and in metrics-file mode;
 * a parsed rule is evaluated and printed, then released (ASan checks leaks
 * and overruns, the asserts check the parser's promises).
 */
#include "qgate/common.h"

#include <assert.h>
#include <math.h>

#include "model/metrics.h"
#include "model/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char buf[128];
	unsigned masks[2] = { QG_TASK_BINARY | QG_TASK_MULTICLASS, 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	for (int i = 0; i < 2; i++) {
		struct qg_model_rule r;
		int rc = model_rule_parse(&r, s, masks[i]);
		if (rc == 0) {
			assert(r.metric && *r.metric);
			assert(!r.slice_col == !r.slice_value);
			assert(isfinite(r.bound));
			(void)model_rule_holds(&r, 0.5, 0.4);
			(void)model_rule_margin_ok(&r, model_rule_margin(&r, 0.5, 0.4));
			model_rule_bound_text(&r, buf, sizeof(buf));
			model_rule_release(&r);
		} else {
			assert(rc == QG_EUSAGE || rc == QG_ENOMEM);
		}
	}
	free(s);
	return 0;
}
