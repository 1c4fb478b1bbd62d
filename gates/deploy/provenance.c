/* provenance.c -- the in-toto v1 Statement with a SLSA provenance v1 predicate of a push
 *
 * Each pushed artifact gets a Statement (https://in-toto.io/Statement/v1) attached
 * as a referrer (artifactType application/vnd.in-toto+json). Its subject names the
 * artifact's manifest and every file in it by SHA-256; its predicate
 * (https://slsa.dev/provenance/v1) says what built it:
 *
 *   buildDefinition.buildType           https://qgate.dev/deploy/push/v1
 *   buildDefinition.externalParameters  the target, the tag, the source repository
 *   buildDefinition.resolvedDependencies the git commit (digest.gitCommit) and every
 *                                       input dataset given with --material (sha256)
 *   runDetails.builder.id               https://qgate.dev/qgate-deploy@<version>
 *   runDetails.metadata                 invocationId (GITHUB_RUN_ID...), startedOn,
 *                                       finishedOn
 *
 * The statement is unsigned: it records what the pusher claims, and its digest is
 * in the audit log entry of the push. Members are written in a fixed order, so the
 * same inputs give the same bytes.
 */
#include "qgate/common.h"

#include "qgate/json.h"

#include "push.h"

#define BUILD_TYPE "https://qgate.dev/deploy/push/v1"
#define BUILDER_ID "https://qgate.dev/qgate-deploy@" QG_VERSION_STR

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static struct qg_json *add_digest(struct qg_json *parent, const char *algo, const char *hex)
{
	struct qg_json *d = qg_json_add_object(parent, "digest");

	if (d && !qg_json_add_string(d, algo, hex))
		return NULL;
	return d;
}

int dp_provenance_statement(struct qg_buf *out, const struct dp_provenance *p)
{
	struct qg_json *st = qg_json_new_object(), *subj, *it, *pred, *bd, *ext, *deps, *run,
		       *builder, *ver, *meta;
	size_t i;
	int err = QG_ENOMEM;

	if (!st)
		return qg_error(QG_ENOMEM, "out of memory");
	if (!qg_json_add_string(st, "_type", "https://in-toto.io/Statement/v1"))
		goto done;
	if (!(subj = qg_json_add_array(st, "subject")))
		goto done;
	it = qg_json_add_object(subj, NULL);
	if (!it || !qg_json_add_string(it, "name", p->target) ||
	    !add_digest(it, "sha256", p->manifest_digest + 7))
		goto done;
	for (i = 0; i < p->nr_layers; i++) {
		const char *title = dp_desc_annotation(&p->layers[i],
						       "org.opencontainers.image.title");
		it = qg_json_add_object(subj, NULL);
		if (!it || !qg_json_add_string(it, "name", title ? title : p->layers[i].digest) ||
		    !add_digest(it, "sha256", p->layers[i].digest + 7))
			goto done;
	}
	if (!qg_json_add_string(st, "predicateType", "https://slsa.dev/provenance/v1"))
		goto done;
	if (!(pred = qg_json_add_object(st, "predicate")) ||
	    !(bd = qg_json_add_object(pred, "buildDefinition")) ||
	    !qg_json_add_string(bd, "buildType", BUILD_TYPE) ||
	    !(ext = qg_json_add_object(bd, "externalParameters")) ||
	    !qg_json_add_string(ext, "target", p->target) ||
	    (p->tag && !qg_json_add_string(ext, "tag", p->tag)) ||
	    (p->source && !qg_json_add_string(ext, "source", p->source)) ||
	    !qg_json_add_object(bd, "internalParameters") ||
	    !(deps = qg_json_add_array(bd, "resolvedDependencies")))
		goto done;
	if (p->commit) {
		it = qg_json_add_object(deps, NULL);
		if (!it)
			goto done;
		if (p->source) {
			struct qg_buf uri = QG_BUF_INIT(QG_CAP_URL);
			int e = qg_buf_addf(&uri, "git+%s", p->source);
			if (!e && p->ref)
				e = qg_buf_addf(&uri, "@refs/heads/%s", p->ref);
			if (!e && !qg_json_add_string(it, "uri", uri.buf))
				e = QG_ENOMEM;
			qg_buf_release(&uri);
			if (e)
				goto done;
		}
		if (!qg_json_add_string(it, "name", "source") ||
		    !add_digest(it, "gitCommit", p->commit))
			goto done;
		if (p->dirty) {
			struct qg_json *ann = qg_json_add_object(it, "annotations");
			if (!ann || !qg_json_add_bool(ann, "dirty", 1))
				goto done;
		}
	}
	for (i = 0; i < p->nr_materials; i++) {
		it = qg_json_add_object(deps, NULL);
		if (!it || !qg_json_add_string(it, "name", base_name(p->materials[i].path)) ||
		    !add_digest(it, "sha256", p->materials[i].sha256))
			goto done;
	}
	if (!(run = qg_json_add_object(pred, "runDetails")) ||
	    !(builder = qg_json_add_object(run, "builder")) ||
	    !qg_json_add_string(builder, "id", BUILDER_ID) ||
	    !(ver = qg_json_add_object(builder, "version")) ||
	    !qg_json_add_string(ver, "qgate-deploy", QG_VERSION_STR) ||
	    !(meta = qg_json_add_object(run, "metadata")) ||
	    (p->invocation && !qg_json_add_string(meta, "invocationId", p->invocation)) ||
	    (p->started && !qg_json_add_string(meta, "startedOn", p->started)) ||
	    (p->finished && !qg_json_add_string(meta, "finishedOn", p->finished)))
		goto done;
	err = qg_json_print(out, st, 0);
	if (err)
		err = qg_error(err, "provenance statement: out of memory");
done:
	if (err == QG_ENOMEM)
		err = qg_error(QG_ENOMEM, "provenance statement: out of memory");
	qg_json_free(st);
	return err;
}
