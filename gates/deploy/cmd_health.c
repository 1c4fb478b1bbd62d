/* cmd_health.c -- `qgate-deploy health`: watch a deployment's health endpoint
 *
 *   qgate-deploy health --url URL [--expect-status N] [--expect-body TEXT|/json/pointer=VALUE]
 *                       [--interval S] [--timeout S] [--failure-limit N] [--max-latency-p95 MS]
 *                       [--min-probes N] [--insecure] [--audit-log FILE [--sign-key FILE]]
 *
 * The watch itself is dp_health_watch() (health.c), which `promote --health`
 * runs too. Exit 0 healthy, 1 unhealthy (status, body, p95 latency over the
 * budget, --failure-limit failures in a row), 2 usage, 3 unreachable (nothing
 * answered before --timeout) or the audit entry could not be written.
 * With --audit-log the verdict is appended as a "health" entry (audit.c),
 * the error verdict included: the log records that the check was made.
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/redact.h"
#include "qgate/result.h"

#include "deploy.h"

struct health_cmd_opts {
	struct qg_common_opts common;
	const char *url;
	long long expect_status;
	const char *expect_body;
	double interval_s;
	double timeout_s;
	long long failure_limit;
	double max_latency_p95_ms;
	long long min_probes;
	int insecure;
	const char *audit_log;
	const char *sign_key;
	struct qg_strvec args;
};

static const char *const health_usage[] = {
	"qgate-deploy health --url URL [--expect-status N] [--expect-body TEXT|/json/pointer=VALUE] "
	"[--interval S] [--timeout S] [--failure-limit N] [--max-latency-p95 MS] [--min-probes N] "
	"[--insecure] [--audit-log FILE]",
	NULL,
};

/* audit.c is another helper's file; a weak reference lets this one link before it lands */
extern int dp_audit_append(const struct dp_audit_opts *o, struct dp_store *s,
			   const struct dp_audit_entry *e) __attribute__((weak));

static int audit(const struct health_cmd_opts *o, const char *verdict)
{
	struct dp_audit_opts ao = { .log = o->audit_log, .sign_key = o->sign_key };
	struct dp_audit_entry e = { 0 };
	char *target;
	int err;

	if (!dp_audit_append)
		return qg_error(QG_EUSAGE,
				"--audit-log: the audit log is not built into this qgate-deploy");
	target = qg_redact_url(o->url);
	if (!target)
		return QG_ENOMEM;
	e.action = "health";
	e.target = target;
	e.verdict = verdict;
	err = dp_audit_append(&ao, NULL, &e);
	free(target);
	return err;
}

static int health_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct health_cmd_opts *o = data;
	struct dp_health_opts h = { 0 };
	const struct qg_json *p95;
	char num[32];
	int err, aerr;

	if (o->args.nr)
		return qg_error(QG_EUSAGE, "unexpected argument '%s' (the URL is given with --url)",
				o->args.v[0]);
	if (!o->url)
		return qg_error(QG_EUSAGE, "health needs --url URL");
	if (o->sign_key && !o->audit_log)
		return qg_error(QG_EUSAGE, "--sign-key needs --audit-log FILE");
	h.url = o->url;
	h.expect_status = (long)o->expect_status;
	h.expect_body = o->expect_body;
	h.interval_s = o->interval_s;
	h.timeout_s = o->timeout_s;
	h.failure_limit = (long)o->failure_limit;
	h.max_latency_p95_ms = o->max_latency_p95_ms;
	h.min_probes = (long)o->min_probes;
	h.insecure = o->insecure;
	err = dp_health_watch(r, &h);
	if (o->audit_log) {
		const char *verdict = err < 0 ? "error" : qg_status_name(qg_result_status(r));

		if (err < 0) {
			/* keep the watch's error: the audit's own message would replace it */
			char msg[1024];
			int code = err;

			snprintf(msg, sizeof(msg), "%s", qg_error_last());
			if ((aerr = audit(o, verdict)) < 0)
				return aerr;
			return qg_error(code, "%s", msg);
		}
		if ((aerr = audit(o, verdict)) < 0)
			return aerr;
	}
	if (err < 0)
		return err;
	p95 = qg_json_get(r->metrics, "p95_ms");
	snprintf(num, sizeof(num), "%g", p95 ? qg_json_number(p95) : 0.0);
	if (qg_strvec_push(outputs, "healthy") < 0 ||
	    qg_strvec_push(outputs, qg_result_status(r) == QG_STATUS_PASS ? "true" : "false") < 0 ||
	    qg_strvec_push(outputs, "p95_ms") < 0 || qg_strvec_push(outputs, num) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

int dp_cmd_health(int argc, const char **argv, const struct qg_gate *gate)
{
	struct health_cmd_opts o;
	int ret;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("health options"),
		QG_OPT_STRING_(0, "url", &o.url, "URL",
			       "the endpoint to probe (http:// or https://)"),
		QG_OPT_INT_(0, "expect-status", &o.expect_status, "N", 100, 599,
			    "the status a healthy answer has (default: any 2xx)"),
		QG_OPT_STRING_(
			0, "expect-body", &o.expect_body, "TEXT|/json/pointer=VALUE",
			"the body contains TEXT, or its JSON value at the pointer equals VALUE"),
		QG_OPT_DOUBLE_(0, "interval", &o.interval_s, "S", 0.01, 3600,
			       "seconds between probes (default 1)"),
		QG_OPT_DOUBLE_(
			0, "timeout", &o.timeout_s, "S", 0.1, 604800,
			"the whole watch, in seconds (default 30); nothing answered by then is exit 3"),
		QG_OPT_INT_(0, "failure-limit", &o.failure_limit, "N", 1, 1000000,
			    "failed probes in a row that make it unhealthy (default 3)"),
		QG_OPT_DOUBLE_(
			0, "max-latency-p95", &o.max_latency_p95_ms, "MS", 0.001, 1e9,
			"the p95 latency of the answered probes may not exceed MS milliseconds"),
		QG_OPT_INT_(0, "min-probes", &o.min_probes, "N", 1, 1000000,
			    "passing probes needed for a healthy verdict (default 3)"),
		QG_OPT_FLAG_(0, "insecure", &o.insecure,
			     "do not verify the TLS certificate (test servers only)"),
		QG_OPT_STRING_(0, "audit-log", &o.audit_log, "FILE",
			       "append the verdict to this hash-chained audit log"),
		QG_OPT_STRING_(0, "sign-key", &o.sign_key, "FILE",
			       "sign the audit entry with this Ed25519 key (PEM)"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "health",
		.usage = health_usage,
		.description =
			"Probe URL every --interval until it is healthy (--min-probes passing probes, the "
			"latest passing, p95 latency within --max-latency-p95), unhealthy (--failure-limit "
			"failures in a row, or the watch ended failing) or --timeout passes. A probe passes "
			"with the expected status (any 2xx by default) and, with --expect-body, a body that "
			"contains TEXT or whose JSON value at /json/pointer equals VALUE. Exit 0 healthy, "
			"1 unhealthy, 2 usage, 3 unreachable (nothing answered before the timeout).",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = health_run,
		.data = &o,
	};

	memset(&o, 0, sizeof(o));
	qg_strvec_init(&o.args);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.args);
	return ret;
}
