/* fuzz_deploy_manifest.c -- libFuzzer target for qgate-deploy's manifest/index reader
 *
 * Manifests and index.json files come from registries, buckets and folders other
 * people write, so they are untrusted input. The input is the body. Reading
 * either succeeds or fails with QG_EINPUT (or QG_ENOMEM) naming "fuzz.json",
 * never a crash. A body that was read is written canonically, read back, and
 * written again: the two writes must be the same bytes (the canonical form is a
 * fixed point, so a digest computed from it is stable). The same bytes, as a
 * string, also go through the reference parser, which must accept or refuse
 * them with QG_EUSAGE naming them.
 */
#include "qgate/common.h"

#include "deploy/deploy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_manifest m, again;
	struct qg_buf a = QG_BUF_INIT(QG_CAP_REPORT), b = QG_BUF_INIT(QG_CAP_REPORT);
	struct dp_ref ref;
	char *text;
	int err = dp_manifest_parse(&m, (const char *)data, size, "fuzz.json");

	if (err) {
		if (err != QG_ENOMEM && (err != QG_EINPUT || !strstr(qg_error_last(), "fuzz.json")))
			abort();
	} else {
		if (dp_manifest_write(&m, &a) != 0)
			abort(); /* what was read can be written */
		if (dp_manifest_parse(&again, a.buf, a.len, "again.json") != 0)
			abort(); /* what was written reads back */
		if (dp_manifest_write(&again, &b) != 0 || a.len != b.len ||
		    memcmp(a.buf, b.buf, a.len))
			abort(); /* and writes the same bytes */
		if (again.is_index != m.is_index || again.nr_layers != m.nr_layers ||
		    !again.subject != !m.subject)
			abort();
		dp_manifest_release(&again);
		dp_manifest_release(&m);
	}
	qg_buf_release(&a);
	qg_buf_release(&b);

	text = qg_strndup((const char *)data, size);
	if (text) {
		err = dp_ref_parse(&ref, text, 0);
		if (err == 0) {
			if (!ref.text || (ref.kind == DP_LAYOUT && (!ref.dir || !*ref.dir)) ||
			    (ref.digest[0] && !dp_digest_valid(ref.digest)))
				abort();
			dp_ref_release(&ref);
		} else if (err != QG_EUSAGE && err != QG_ENOMEM) {
			abort();
		}
		free(text);
	}
	return 0;
}
