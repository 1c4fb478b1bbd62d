/* push.h -- qgate-deploy push: options and the pieces push.c, provenance.c and cmd_push.c share
 *
 * Internal to the push command (deploy.h is the interface between the deploy
 * files; this header is only push's own seams).
 */
#ifndef QGATE_DEPLOY_PUSH_H
#define QGATE_DEPLOY_PUSH_H

#include "qgate/opts.h"

#include "deploy.h"

struct dp_push_opts {
	struct qg_common_opts common;
	const char *to;               /* --to TARGET:TAG */
	const char *evidence;         /* --evidence DIR */
	const char *artifact_version; /* --artifact-version V: org.opencontainers.image.version */
	const char *source;           /* --source URL: org.opencontainers.image.source */
	const char *audit_log;        /* --audit-log FILE */
	const char *sign_key;         /* --sign-key FILE */
	const char *ca_file;          /* --ca-file FILE (oci://) */
	long long chunk_size;         /* --chunk-size BYTES (oci://, s3://) */
	long long max_stream; /* --max-stream BYTES: most read from a FIFO or device (0 = 1 GiB) */
	int insecure;         /* --insecure (oci://) */
	int no_provenance;    /* --no-provenance */
	struct qg_strvec annotations; /* --annotation K=V */
	struct qg_strvec media_types; /* --media-type FILE=TYPE */
	struct qg_strvec materials;   /* --material FILE */
	struct qg_strvec files;       /* FILE... */
};

/* The push itself (push.c): fills r with its checks and metrics, appends
 * "digest", D (and the referrers' digests) to outputs. */
int dp_push_run(struct dp_push_opts *o, struct qg_result *r, struct qg_strvec *outputs);

/* store_layout.c: 1 when the layout s holds a blob of exactly `size` bytes (or
 * cannot tell), 0 when none has that size, so a file of that size cannot be there
 * and is stored in one pass without hashing it first. */
int dp_layout_has_size(struct dp_store *s, long long size);

/* The media type a file's extension suggests ("application/octet-stream" when
 * none is known). Borrowed. */
const char *dp_media_type_guess(const char *path);

/* One input dataset named in the provenance (--material FILE). */
struct dp_material {
	const char *path;
	char sha256[65];
	long long bytes;
};

/* What the in-toto Statement says (provenance.c). */
struct dp_provenance {
	const char *target; /* the store, as dp_ref_format_store() writes it */
	const char *tag;
	const char *manifest_digest;  /* the pushed artifact */
	const struct dp_desc *layers; /* its layers (title + digest each) */
	size_t nr_layers;
	const char *commit; /* 40 hex, or NULL outside a repository */
	const char *ref;    /* the branch, or NULL */
	int dirty;
	const char *source; /* the repository URL, or NULL */
	const struct dp_material *materials;
	size_t nr_materials;
	const char *started, *finished; /* RFC 3339 UTC */
	const char *invocation;         /* $GITHUB_RUN_ID-style id, or NULL */
};

/* Append the in-toto v1 Statement (SLSA provenance v1 predicate) as compact JSON. */
int dp_provenance_statement(struct qg_buf *out, const struct dp_provenance *p);

#endif
