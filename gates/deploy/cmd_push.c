/* cmd_push.c -- `qgate-deploy push`: store files as one versioned OCI artifact
 *
 *   qgate-deploy push --to TARGET:TAG [--evidence DIR] [--material FILE]... FILE...
 *
 * Parses the options and hands them to dp_push_run() (push.c). push is a
 * command with a result: its checks are push.blobs, push.manifest,
 * push.evidence, push.provenance and push.tag; the pushed digest is printed on
 * stdout (one line, unless stdout carries the result JSON) and written to
 * $GITHUB_OUTPUT as digest=sha256:...
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/opts.h"

#include "push.h"

static const char *const push_usage[] = {
	"qgate-deploy push --to TARGET:TAG [--evidence DIR] [--annotation K=V]... [--artifact-version V] "
	"[--media-type FILE=TYPE]... [--material FILE]... [--audit-log FILE] FILE...",
	NULL,
};

static int push_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	return dp_push_run(data, r, outputs);
}

int dp_cmd_push(int argc, const char **argv, const struct qg_gate *gate)
{
	struct dp_push_opts o;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("push options"),
		QG_OPT_STRING_(
			0, "to", &o.to, "TARGET:TAG",
			"where to push: oci-layout:DIR:TAG, oci://HOST[:PORT]/REPO:TAG or s3://BUCKET/PREFIX:TAG"),
		QG_OPT_STRING_(
			0, "evidence", &o.evidence, "DIR",
			"attach the qgate result JSON files in DIR as a referrer (anything else in DIR is refused)"),
		QG_OPT_LIST_(0, "annotation", &o.annotations, "K=V",
			     "add a manifest annotation"),
		QG_OPT_STRING_(0, "artifact-version", &o.artifact_version, "V",
			       "org.opencontainers.image.version of the artifact"),
		QG_OPT_STRING_(
			0, "source", &o.source, "URL",
			"org.opencontainers.image.source (default $GITHUB_SERVER_URL/$GITHUB_REPOSITORY)"),
		QG_OPT_LIST_(
			0, "media-type", &o.media_types, "FILE=TYPE",
			"the layer media type of FILE instead of the one its extension suggests"),
		QG_OPT_LIST_(
			0, "material", &o.materials, "FILE",
			"an input dataset named by digest in the provenance statement"),
		QG_OPT_INT_(
			0, "max-stream", &o.max_stream, "BYTES", 1, 1e15,
			"most bytes read from a FIFO, pipe or device given as FILE (default 1 GiB)"),
		QG_OPT_FLAG_(0, "no-provenance", &o.no_provenance,
			     "do not attach the in-toto provenance statement"),
		QG_OPT_STRING_(0, "audit-log", &o.audit_log, "FILE",
			       "append the push to this hash-chained audit log"),
		QG_OPT_STRING_(0, "sign-key", &o.sign_key, "FILE",
			       "sign the audit entry with this Ed25519 key (PEM)"),
		QG_OPT_GROUP_("transfer options (oci://, s3://)"),
		QG_OPT_FLAG_(0, "insecure", &o.insecure,
			     "plain HTTP / unverified TLS (test registries only)"),
		QG_OPT_STRING_(0, "ca-file", &o.ca_file, "FILE",
			       "CA bundle (PEM) for oci:// and s3:// (replaces the system one)"),
		QG_OPT_INT_(0, "chunk-size", &o.chunk_size, "BYTES", 0, 5368709120.0,
			    "upload part size (registry PATCH, S3 multipart); 0 = default"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "push",
		.usage = push_usage,
		.description =
			"Store FILEs as one OCI artifact (a layer each, titled with the file name), the manifest\n"
			"annotated with the git commit, source, version and creation time, then move TAG to it.\n"
			"Blobs already in the target are not sent again; the tag moves only after every blob,\n"
			"the evidence and the provenance statement are stored. Prints the digest.",
		.options = options,
		.common = &o.common,
		.args = &o.files,
		.run = push_run,
		.data = &o,
	};
	int ret;

	memset(&o, 0, sizeof(o));
	qg_strvec_init(&o.annotations);
	qg_strvec_init(&o.media_types);
	qg_strvec_init(&o.materials);
	qg_strvec_init(&o.files);
	ret = qg_gate_run(&cmd, argc, argv);
	qg_strvec_clear(&o.annotations);
	qg_strvec_clear(&o.media_types);
	qg_strvec_clear(&o.materials);
	qg_strvec_clear(&o.files);
	return ret;
}
