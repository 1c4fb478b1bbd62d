/* cmd_promote.c -- `qgate-deploy promote` and `qgate-deploy rollback`
 *
 *   qgate-deploy promote --from TARGET:TAG --to TARGET:TAG --require GATE,... [--evidence DIR]
 *                        [--health URL [health flags]] [--audit-log FILE [--sign-key FILE]]
 *   qgate-deploy rollback --target TARGET:TAG [--to DIGEST] [--audit-log FILE [--sign-key FILE]]
 *
 * Both parse their flags into the option structs of promote.h and hand them to dp_promote()
 * and dp_rollback() (promote.c). Exit 0: the tag points at the promoted (rolled-back) digest;
 * 1: the evidence did not allow it, the destination moved since it was read, or the
 * deployment was unhealthy and was rolled back; 2: usage; 3: a store, the evidence or the
 * health endpoint could not be read (the tag is where it was, or back where it was).
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/opts.h"
#include "qgate/result.h"

#include "deploy.h"
#include "promote.h"

struct promote_cmd_opts {
	struct qg_common_opts common;
	const char *from, *to, *evidence, *health_url, *expect_body, *audit_log, *sign_key,
		*ca_file;
	struct qg_strvec require_lists, require, args;
	long long expect_status, failure_limit, min_probes;
	double interval_s, timeout_s, max_latency_p95_ms;
	int insecure, dry_run;
};

static const char *const promote_usage[] = {
	"qgate-deploy promote --from TARGET:TAG --to TARGET:TAG --require GATE,... [--evidence DIR] "
	"[--health URL [--expect-status N] [--expect-body TEXT|/json/pointer=VALUE] [--interval S] [--timeout S] "
	"[--failure-limit N] [--max-latency-p95 MS] [--min-probes N]] [--audit-log FILE [--sign-key FILE]] "
	"[--dry-run]",
	NULL,
};

static const char *const rollback_usage[] = {
	"qgate-deploy rollback --target TARGET:TAG [--to DIGEST] [--audit-log FILE [--sign-key FILE]]",
	NULL,
};

/* --require data,model --require lint: one list of gate names, each a lowercase word with
 * an optional -command ("data-validate"). */
static int split_require(struct qg_strvec *out, const struct qg_strvec *lists)
{
	for (size_t i = 0; i < lists->nr; i++) {
		const char *p = lists->v[i];

		for (;;) {
			size_t n = strcspn(p, ",");
			char name[64];

			if (!n || n >= sizeof(name))
				return qg_error(
					QG_EUSAGE,
					"--require '%s': expected GATE[,GATE...] (gate names like data, "
					"model or data-validate)",
					lists->v[i]);
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			if (name[0] < 'a' || name[0] > 'z' ||
			    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
				return qg_error(
					QG_EUSAGE,
					"--require: '%s' is not a gate name (lowercase letters, digits, '-')",
					name);
			if (qg_strvec_push(out, name) < 0)
				return qg_error(QG_ENOMEM, "out of memory");
			if (!p[n])
				break;
			p += n + 1;
		}
	}
	return 0;
}

static int promote_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct promote_cmd_opts *o = data;
	struct dp_health_opts h = { 0 };
	struct dp_promote_opts po = { 0 };
	int err;

	if (o->args.nr)
		return qg_error(QG_EUSAGE,
				"unexpected argument '%s' (promote takes --from and --to)",
				o->args.v[0]);
	if (!o->from || !o->to)
		return qg_error(QG_EUSAGE, "promote needs --from TARGET:TAG and --to TARGET:TAG");
	if (!o->require_lists.nr)
		return qg_error(
			QG_EUSAGE,
			"promote needs --require GATE,... (the gates whose results allow it)");
	if (o->sign_key && !o->audit_log)
		return qg_error(QG_EUSAGE, "--sign-key needs --audit-log FILE");
	if (!o->health_url &&
	    (o->expect_status || o->expect_body || o->interval_s || o->timeout_s ||
	     o->failure_limit || o->max_latency_p95_ms || o->min_probes))
		return qg_error(QG_EUSAGE, "the health flags need --health URL");
	if (o->dry_run && o->health_url)
		return qg_error(QG_EUSAGE, "--dry-run moves nothing: there is nothing for --health to watch");
	if ((err = split_require(&o->require, &o->require_lists)))
		return err;
	h.url = o->health_url;
	h.expect_status = (long)o->expect_status;
	h.expect_body = o->expect_body;
	h.interval_s = o->interval_s;
	h.timeout_s = o->timeout_s;
	h.failure_limit = (long)o->failure_limit;
	h.max_latency_p95_ms = o->max_latency_p95_ms;
	h.min_probes = (long)o->min_probes;
	h.insecure = o->insecure;
	po.from = o->from;
	po.to = o->to;
	po.require = &o->require;
	po.evidence_dir = o->evidence;
	po.health = &h;
	po.audit.log = o->audit_log;
	po.audit.sign_key = o->sign_key;
	po.store.insecure = o->insecure;
	po.store.ca_file = o->ca_file;
	po.dry_run = o->dry_run;
	return dp_promote(r, &po, outputs);
}

int dp_cmd_promote(int argc, const char **argv, const struct qg_gate *gate)
{
	struct promote_cmd_opts o;
	int ret;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("promote options"),
		QG_OPT_STRING_(0, "from", &o.from, "TARGET:TAG",
			       "the artifact to promote (a tag, or TARGET@sha256:...)"),
		QG_OPT_STRING_(0, "to", &o.to, "TARGET:TAG",
			       "the tag to move (same or another store)"),
		QG_OPT_LIST_(0, "require", &o.require_lists, "GATE,...",
			     "gates that must have passed for this commit and these bytes"),
		QG_OPT_STRING_(
			0, "evidence", &o.evidence, "DIR|FILE",
			"read the gates' result JSONs from DIR, or one from FILE (default: the evidence attached by push)"),
		QG_OPT_STRING_(0, "audit-log", &o.audit_log, "FILE",
			       "append every outcome to this hash-chained audit log"),
		QG_OPT_STRING_(0, "sign-key", &o.sign_key, "FILE",
			       "sign the audit entries with this Ed25519 key (PEM)"),
		QG_OPT_FLAG_(
			0, "insecure", &o.insecure,
			"plain HTTP / unverified TLS for oci:// and --health (test servers only)"),
		QG_OPT_STRING_(0, "ca-file", &o.ca_file, "FILE",
			       "CA bundle (PEM) for oci:// and s3:// (replaces the system one)"),
		QG_OPT_FLAG_(0, "dry-run", &o.dry_run,
			     "judge the evidence and verify the artifact, move nothing"),
		QG_OPT_GROUP_("health options (watch after the move; unhealthy rolls back)"),
		QG_OPT_STRING_(0, "health", &o.health_url, "URL", "probe URL after the move"),
		QG_OPT_INT_(0, "expect-status", &o.expect_status, "N", 100, 599,
			    "the status a healthy answer has (default: any 2xx)"),
		QG_OPT_STRING_(
			0, "expect-body", &o.expect_body, "TEXT|/json/pointer=VALUE",
			"the body contains TEXT, or its JSON value at the pointer equals VALUE"),
		QG_OPT_DOUBLE_(0, "interval", &o.interval_s, "S", 0.01, 3600,
			       "seconds between probes (default 1)"),
		QG_OPT_DOUBLE_(0, "timeout", &o.timeout_s, "S", 0.1, 604800,
			       "the whole watch, in seconds (default 30)"),
		QG_OPT_INT_(0, "failure-limit", &o.failure_limit, "N", 1, 1000000,
			    "failed probes in a row that make it unhealthy (default 3)"),
		QG_OPT_DOUBLE_(
			0, "max-latency-p95", &o.max_latency_p95_ms, "MS", 0.001, 1e9,
			"the p95 latency of the answered probes may not exceed MS milliseconds"),
		QG_OPT_INT_(0, "min-probes", &o.min_probes, "N", 1, 1000000,
			    "passing probes needed for a healthy verdict (default 3)"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "promote",
		.usage = promote_usage,
		.description =
			"Resolve --from to one manifest digest, gather the gates' results (attached by push\n"
			"--evidence, or --evidence DIR) and move the --to tag to that digest only if every\n"
			"--require gate passed, for the artifact's commit, naming every layer's SHA-256 in its\n"
			"subject.artifacts. The move is a compare-and-swap against the digest read at the start\n"
			"(exit 1 \"TAG moved\" otherwise); the replaced digest is kept as TAG-previous. Within one\n"
			"store only the manifest is written; across stores the blobs are copied first. With\n"
			"--health the deployment is watched after the move and rolled back when unhealthy.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = promote_run,
		.data = &o,
	};

	memset(&o, 0, sizeof(o));
	qg_strvec_init(&o.common.subject);
	qg_strvec_init(&o.require_lists);
	qg_strvec_init(&o.require);
	qg_strvec_init(&o.args);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.require_lists);
	qg_strvec_clear(&o.require);
	qg_strvec_clear(&o.args);
	return ret;
}

struct rollback_cmd_opts {
	struct qg_common_opts common;
	const char *target, *to, *audit_log, *sign_key, *ca_file;
	int insecure;
	struct qg_strvec args;
};

static int rollback_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct rollback_cmd_opts *o = data;
	struct dp_rollback_opts ro = { 0 };

	if (o->args.nr)
		return qg_error(QG_EUSAGE,
				"unexpected argument '%s' (rollback takes --target TARGET:TAG)",
				o->args.v[0]);
	if (!o->target)
		return qg_error(QG_EUSAGE, "rollback needs --target TARGET:TAG");
	if (o->sign_key && !o->audit_log)
		return qg_error(QG_EUSAGE, "--sign-key needs --audit-log FILE");
	ro.target = o->target;
	ro.to = o->to;
	ro.audit.log = o->audit_log;
	ro.audit.sign_key = o->sign_key;
	ro.store.insecure = o->insecure;
	ro.store.ca_file = o->ca_file;
	return dp_rollback(r, &ro, outputs);
}

int dp_cmd_rollback(int argc, const char **argv, const struct qg_gate *gate)
{
	struct rollback_cmd_opts o;
	int ret;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("rollback options"),
		QG_OPT_STRING_(0, "target", &o.target, "TARGET:TAG", "the tag to move back"),
		QG_OPT_STRING_(0, "to", &o.to, "DIGEST",
			       "the digest to point it at (default: TAG-previous's)"),
		QG_OPT_STRING_(0, "audit-log", &o.audit_log, "FILE",
			       "append the outcome to this hash-chained audit log"),
		QG_OPT_STRING_(0, "sign-key", &o.sign_key, "FILE",
			       "sign the audit entry with this Ed25519 key (PEM)"),
		QG_OPT_FLAG_(0, "insecure", &o.insecure,
			     "plain HTTP / unverified TLS for oci:// (test registries only)"),
		QG_OPT_STRING_(0, "ca-file", &o.ca_file, "FILE",
			       "CA bundle (PEM) for oci:// and s3:// (replaces the system one)"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "rollback",
		.usage = rollback_usage,
		.description =
			"Point TAG back at TAG-previous (or --to DIGEST) once that manifest and every blob\n"
			"it names are verified present in the store, by compare-and-swap against the digest\n"
			"read at the start. The replaced digest becomes TAG-previous, so a rollback can be undone.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = rollback_run,
		.data = &o,
	};

	memset(&o, 0, sizeof(o));
	qg_strvec_init(&o.common.subject);
	qg_strvec_init(&o.args);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.args);
	return ret;
}
