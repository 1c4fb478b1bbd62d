/* fuzz_lint_sarif.c -- libFuzzer target for the SARIF reader (and its JSON tree)
 *
 * The input is a SARIF log (or anything). Oracles: an error is QG_EINPUT
 * with a message (malformed JSON names fuzz.sarif:line:column); findings
 * keep their invariants; the JSON tree's structure holds (every `next`
 * beyond its node, within the array, children inside their parent's span);
 * a document the tree accepts is accepted again after a re-parse of the same
 * bytes with a leading UTF-8 BOM, with the same number of nodes.
 */
#include "fuzz_lint_common.h"

static void check_tree(const struct js_doc *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		const struct js_node *n = &d->n[i];
		if (n->next <= i || n->next > d->nr)
			abort();
		if (n->type > JS_OBJ)
			abort();
		if (n->type == JS_ARR || n->type == JS_OBJ) {
			uint32_t c = (uint32_t)i + 1;
			uint32_t kids = n->type == JS_OBJ ? 2 * n->len : n->len;
			for (uint32_t k = 0; k < kids; k++) {
				if (c >= n->next)
					abort();
				c = d->n[c].next;
			}
			if (c != n->next)
				abort();
		} else if ((size_t)n->off + n->len > d->len) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lint_findings fs = { 0 };
	struct lint_tools ts = { 0 };
	struct js_doc d, d2;
	int err, e1, e2;
	char *bom;

	err = lint_parse_buf(NULL, "sarif", NULL, "fuzz.sarif", (const char *)data, size, &fs, &ts);
	check_error(err);
	if (err == QG_EUSAGE)
		abort();
	check_findings(&fs);
	lint_findings_release(&fs);
	lint_tools_release(&ts);

	e1 = js_parse(&d, (const char *)data, size, "fuzz.json");
	if (!e1)
		check_tree(&d);
	if (size < (1 << 20) && (bom = malloc(size + 3))) {
		memcpy(bom, "\xEF\xBB\xBF", 3);
		memcpy(bom + 3, data, size);
		e2 = js_parse(&d2, bom, size + 3, "fuzz.json");
		if ((e1 == 0) != (e2 == 0) && !(size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)))
			abort();
		if (!e1 && !e2 && d.nr != d2.nr)
			abort();
		js_release(&d2);
		free(bom);
	}
	js_release(&d);
	/* the other JSON formats over the same bytes */
	err = lint_parse_buf(NULL, "shellcheck-json", NULL, "fuzz.json", (const char *)data, size, &fs, &ts);
	check_error(err);
	check_findings(&fs);
	lint_findings_release(&fs);
	err = lint_parse_buf(NULL, "gcc-json", NULL, "fuzz.json", (const char *)data, size, &fs, &ts);
	check_error(err);
	check_findings(&fs);
	lint_findings_release(&fs);
	lint_tools_release(&ts);
	qg_error_clear();
	return 0;
}
