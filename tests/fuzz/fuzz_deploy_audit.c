/* fuzz_deploy_audit.c -- libFuzzer target for qgate-deploy's audit-log reader
 *
 * `audit verify` reads logs anyone may have edited: the input is the log.
 * dp_audit_check() either reads it (0) or refuses it as not an audit log
 * (QG_EPARSE naming "fuzz.jsonl"; QG_ENOMEM), never a crash. A log it read
 * has at least one entry, and every problem names a line of it (1 .. the
 * entries, +1 for a cut last line). The reader is a hand-written strict
 * scanner, so it is checked against the general one: every whole line it
 * accepted must be JSON to cJSON too, with the schema and the seq it read.
 * Every second input is also checked with a public key (RFC 8032 test 1),
 * so the signature path runs on whatever the fuzzer puts in "key" and "sig".
 */
#include "qgate/common.h"

#include <unistd.h>

#include "qgate/crypto.h"
#include "qgate/json.h"
#include "deploy/deploy.h"

static struct qg_ed25519_key *pub;

static void load_key(void)
{
	static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
				  "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
				  "-----END PUBLIC KEY-----\n";
	char path[] = "/tmp/fuzz-audit-pub-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, pem, sizeof(pem) - 1) != (ssize_t)(sizeof(pem) - 1))
		abort();
	close(fd);
	if (qg_ed25519_key_load(&pub, path, 0) != 0)
		abort();
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned calls;
	struct dp_audit_report rep;
	const char *text = (const char *)data;
	int err;

	if (!pub)
		load_key();
	err = dp_audit_check(&rep, text, size, "fuzz.jsonl", (calls++ & 1) ? pub : NULL);
	if (err) {
		if (err != QG_ENOMEM && (err != QG_EPARSE || !strstr(qg_error_last(), "fuzz.jsonl")))
			abort();
		return 0;
	}
	if (!rep.entries || rep.signed_entries > rep.entries || !dp_digest_valid(rep.head))
		abort();
	for (size_t i = 0; i < rep.nr_problems; i++)
		if (rep.problems[i].line < 1 || rep.problems[i].line > (long long)rep.entries + 1 ||
		    !rep.problems[i].message || !*rep.problems[i].message)
			abort();
	/* every whole line read as an entry is JSON to cJSON, with the same schema and seq */
	for (const char *p = text, *end = text + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct qg_json *j = NULL;

		if (!nl)
			break; /* a cut last line: not an entry */
		if (qg_json_parse(&j, p, (size_t)(nl - p), "line") == 0) {
			const char *schema = qg_json_string(qg_json_get(j, "schema"));

			if (!schema || strcmp(schema, DP_AUDIT_SCHEMA) || !(qg_json_number(qg_json_get(j, "seq")) >= 1))
				abort();
			qg_json_free(j);
		} else if (qg_error_last() && !strstr(qg_error_last(), "out of memory")) {
			/* cJSON refuses what the scanner took: only escapes cJSON reads
			 * differently may explain it (it has no \u0000 in keys, ...) */
			abort();
		}
		p = nl + 1;
	}
	dp_audit_report_release(&rep);
	return 0;
}
