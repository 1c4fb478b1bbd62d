/* main.c -- qgate-deploy: push versioned artifacts, promote on evidence, health-check, roll back, audit
 *
 * A gate with subcommands (docs/dev/GATE.md); each lives in its cmd_*.c and the
 * shared pieces are described in deploy.h.
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"

#include "deploy.h"

static const struct qg_option deploy_commands[] = {
	QG_OPT_SUBCOMMAND_("push", NULL, dp_cmd_push, "store files as one versioned OCI artifact, with evidence"),
	QG_OPT_SUBCOMMAND_("promote", NULL, dp_cmd_promote, "move a tag to the exact bytes the gates passed"),
	QG_OPT_SUBCOMMAND_("rollback", NULL, dp_cmd_rollback, "point a tag back at its previous verified digest"),
	QG_OPT_SUBCOMMAND_("health", NULL, dp_cmd_health, "probe a deployment until healthy or not"),
	QG_OPT_SUBCOMMAND_("pin", NULL, dp_cmd_pin, "rewrite an image reference to a digest in a Kubernetes manifest"),
	QG_OPT_SUBCOMMAND_("audit", NULL, dp_cmd_audit, "verify the hash-chained audit log"),
	QG_OPT_END_(),
};

static const char *const deploy_usage[] = {
	"qgate-deploy push --to TARGET:TAG [--evidence DIR] FILE...",
	"qgate-deploy promote --from TARGET:TAG --to TARGET:TAG --require GATE,... [--evidence DIR] "
	"[--health URL] [--audit-log FILE]",
	"qgate-deploy rollback --target TARGET:TAG [--to DIGEST] [--audit-log FILE]",
	"qgate-deploy health --url URL [--expect-status N] [--expect-body TEXT|POINTER=VALUE] [--interval S] "
	"[--timeout S] [--failure-limit N] [--max-latency-p95 MS]",
	"qgate-deploy pin --file MANIFEST.yaml --image REPO --digest sha256:... [--commit]",
	"qgate-deploy audit verify FILE [--pubkey FILE]",
	NULL,
};

static const struct qg_gate deploy_gate = {
	.name = "deploy",
	.usage = deploy_usage,
	.description = "Push versioned artifacts, promote staging to production only on evidence, health-check,\n"
		       "roll back, and keep an audit trail anyone can verify. TARGET is oci-layout:DIR,\n"
		       "oci://HOST[:PORT]/REPO or s3://BUCKET/PREFIX; see qgate-deploy(1).",
	.commands = deploy_commands,
};

int main(int argc, char **argv)
{
	return qg_main_gate(argc, argv, &deploy_gate);
}
