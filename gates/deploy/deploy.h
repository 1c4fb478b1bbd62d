/* deploy.h -- qgate-deploy's internal interface: references, stores, manifests, audit, health
 *
 * qgate-deploy moves content-addressed OCI artifacts between stores and keeps a hash-chained
 * audit log of every move. The pieces, each in its own files:
 *
 *   ref.c            TARGET[:TAG|@sha256:...] parsed into struct dp_ref (exit 2 when malformed)
 *   manifest.c       OCI image manifest / image index JSON: build, parse (fail closed), digest
 *   store.c          dp_store_open(): picks the backend by ref->kind; shared helpers
 *   store_layout.c   oci-layout:DIR (blobs/sha256/<hex>, index.json under a lock, atomic rename)
 *   store_oci.c      oci://HOST[:PORT]/REPO over the distribution API (+ registry_auth.c)
 *   store_s3.c       s3://BUCKET/PREFIX, the same layout as oci-layout on S3 objects
 *   push.c           push: files -> layers -> manifest -> tag; evidence + provenance referrers
 *   evidence.c       gather result JSONs (attached referrers or --evidence DIR) and judge them
 *   promote.c        promote / rollback: compare-and-swap of the destination tag, TAG-previous
 *   health.c         health --url: polled checks, p95 latency budget
 *   pin.c            pin: rewrite an image reference in a Kubernetes YAML file, optional commit
 *   audit.c          the hash-chained JSON Lines audit log: append, sign (Ed25519), verify
 *   cmd_*.c          one subcommand each; main.c dispatches
 *
 * Invariants every store keeps:
 *   - a tag is only ever written after every blob its manifest names is present and verified
 *     (size and digest), so a tag never points at a half-pushed artifact;
 *   - blobs are written to a temporary name and renamed/committed only once their SHA-256
 *     matches (a crash leaves no blob under a digest it does not hash to);
 *   - errors are returned as negative QG_E* after qg_error() with a message naming the URL or
 *     file (secrets redacted): QG_EUSAGE (exit 2) for malformed references, QG_EIO/QG_ENET/
 *     QG_EINPUT (exit 3) for unreachable stores, 401/403, digest mismatches, unparsable
 *     manifests. QG_ENOTFOUND is returned WITHOUT qg_error() for "tag/blob not there" so callers
 *     can decide.
 *
 * Digests are always "sha256:<64 lowercase hex>" (DP_DIGEST_LEN chars + NUL).
 */
#ifndef QGATE_DEPLOY_H
#define QGATE_DEPLOY_H

#include <stddef.h>
#include "qgate/common.h"

struct qg_result;
struct qg_json;

#define DP_DIGEST_LEN 71 /* "sha256:" + 64 hex */
#define DP_DIGEST_SIZE 72

/* media types */
#define DP_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define DP_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define DP_MT_EMPTY "application/vnd.oci.empty.v1+json"       /* the {} config blob */
#define DP_AT_MODEL "application/vnd.qgate.artifact.v1"       /* artifactType of a push */
#define DP_AT_EVIDENCE "application/vnd.qgate.evidence.v1"    /* artifactType of evidence */
#define DP_MT_RESULT "application/vnd.qgate.result.v1+json"   /* one gate result JSON layer */
#define DP_AT_INTOTO "application/vnd.in-toto+json"           /* provenance statement */

/* ------------------------------------------------------------------ references (ref.c) */

enum dp_kind { DP_LAYOUT = 1, DP_OCI, DP_S3 };

/* "oci-layout:DIR[:TAG|@sha256:HEX]", "oci://HOST[:PORT]/REPO[:TAG|@sha256:HEX]",
 * "s3://BUCKET/PREFIX[:TAG|@sha256:HEX]". A tag follows the OCI grammar
 * [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; a repository path [a-z0-9]+([._-][a-z0-9]+)*(/...)*. */
struct dp_ref {
	enum dp_kind kind;
	char *text;     /* the reference as given, for messages */
	char *dir;      /* DP_LAYOUT: the layout folder */
	char *host;     /* DP_OCI: "host[:port]"; DP_S3: the bucket */
	char *repo;     /* DP_OCI: repository path; DP_S3: the prefix ("" allowed) */
	char *tag;      /* NULL when none was given */
	char digest[DP_DIGEST_SIZE]; /* "" when none was given */
};

/* Parse; need_tag: 1 = a tag or digest is required. Malformed: QG_EUSAGE naming the text and
 * what was expected (unknown scheme: "unknown target scheme 'ftp' (expected oci-layout:,
 * oci://, s3://)"). */
int dp_ref_parse(struct dp_ref *out, const char *text, int need_tag);
void dp_ref_release(struct dp_ref *r);
/* The same store (kind + location + repository), tags ignored. */
int dp_ref_same_store(const struct dp_ref *a, const struct dp_ref *b);
/* "oci-layout:DIR:TAG" etc. without the tag, into out (for audit entries). */
int dp_ref_format_store(const struct dp_ref *r, struct qg_buf *out);
/* 1 when s is "sha256:" + 64 lowercase hex. */
int dp_digest_valid(const char *s);
/* 1 when t follows the OCI tag grammar [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
int dp_tag_valid(const char *t);
/* QG_EUSAGE naming d as not a digest. */
int dp_bad_digest(const char *d);

/* ------------------------------------------------------------------ descriptors and manifests (manifest.c) */

struct dp_annotation { char *key, *value; };

struct dp_desc {
	char *media_type;
	char digest[DP_DIGEST_SIZE];
	long long size;
	char *artifact_type;          /* in an index's manifests[] (referrers), else NULL */
	struct dp_annotation *ann;    /* annotations (org.opencontainers.image.title, ...) */
	size_t nr_ann;
};

struct dp_manifest {
	int is_index;                 /* 1 = image index (manifests[]), 0 = image manifest */
	char *media_type;
	char *artifact_type;          /* NULL when absent */
	struct dp_desc config;        /* manifests only */
	struct dp_desc *layers;       /* manifests: layers[]; indexes: manifests[] */
	size_t nr_layers;
	struct dp_desc *subject;      /* NULL when absent */
	struct dp_annotation *ann;
	size_t nr_ann;
};

void dp_desc_release(struct dp_desc *d);
int dp_desc_annotate(struct dp_desc *d, const char *key, const char *value);
const char *dp_desc_annotation(const struct dp_desc *d, const char *key);
int dp_manifest_annotate(struct dp_manifest *m, const char *key, const char *value);
const char *dp_manifest_annotation(const struct dp_manifest *m, const char *key);
void dp_manifest_release(struct dp_manifest *m);
/* Serialise canonically (stable key order, no insignificant whitespace); the digest of the
 * result is the manifest's digest. */
int dp_manifest_write(const struct dp_manifest *m, struct qg_buf *out);
/* Parse a manifest or index; fail closed: an unknown mediaType, schemaVersion != 2, a
 * descriptor without a valid digest or size, or JSON that does not parse is QG_EINPUT naming
 * `name` (a URL or file) and the JSON pointer. */
int dp_manifest_parse(struct dp_manifest *out, const char *body, size_t len, const char *name);

/* ------------------------------------------------------------------ the layout's index.json (layout_index.c) */

#define DP_ANN_REF_NAME "org.opencontainers.image.ref.name"

/* Shared by store_layout.c and store_s3.c, which keep the same layout. */
void dp_index_remove(struct dp_manifest *idx, size_t i);
int dp_index_append(struct dp_manifest *idx, const char *media_type, const char *artifact_type,
		    const char *digest, long long size, const char *tag);
/* The entry of `tag` in idx into *at (-1 when absent); two entries naming different
 * manifests for one tag is a broken layout: QG_EINPUT naming `where`. */
int dp_index_find_tag(const char *where, const struct dp_manifest *idx, const char *tag, long *at);

/* ------------------------------------------------------------------ stores (store*.c) */

struct dp_store;

/* Where a blob's bytes come from when pushed. */
struct dp_source {
	const char *path;        /* a local file, read once while hashing; or NULL */
	const void *data;        /* in-memory bytes when path is NULL */
	size_t len;
};

struct dp_store_ops {
	const char *scheme;      /* "oci-layout", "oci", "s3" */
	/* 0 present (its size in *size when not NULL), QG_ENOTFOUND absent, <0 error */
	int (*blob_has)(struct dp_store *s, const char *digest, long long *size);
	/* Store a blob; the digest is computed while reading (one pass) and written to
	 * out->digest, out->size; when `expect` is not NULL and not "", a different digest is
	 * QG_EINPUT and nothing is committed. Skips the upload when the blob is already there
	 * (*skipped = 1). */
	int (*blob_put)(struct dp_store *s, const struct dp_source *src, const char *expect,
			struct dp_desc *out, int *skipped);
	/* Read a blob into out (at most max bytes, else QG_ETOOBIG), verifying its digest. */
	int (*blob_get)(struct dp_store *s, const char *digest, struct qg_buf *out, size_t max);
	/* Stream a blob to fd, verifying its digest at the end (copies across stores). */
	int (*blob_to_fd)(struct dp_store *s, const char *digest, int fd);
	/* Registry only (NULL elsewhere): cross-repository mount from `from_repo` on the same
	 * host; 0 mounted, QG_ENOTFOUND when the registry declined (the caller uploads). */
	int (*blob_mount)(struct dp_store *s, const char *digest, const char *from_repo);
	/* Resolve a tag (or "sha256:..." digest) to the manifest bytes, digest and media type.
	 * QG_ENOTFOUND (no qg_error) when the tag does not exist. body/media_type may be NULL. */
	int (*manifest_get)(struct dp_store *s, const char *tag_or_digest, struct qg_buf *body,
			    char digest[DP_DIGEST_SIZE], struct qg_buf *media_type);
	/* Store manifest bytes (every blob it names must already be present) and, when tag is
	 * not NULL, point the tag at it. expect_old: NULL = no check; "" = the tag must not
	 * exist; a digest = the tag must still point at it. A mismatch is QG_ECONFLICT (no
	 * qg_error: the caller says "production moved"). The layout store checks and swaps
	 * under a lock; remote stores re-read the tag just before the write (best effort,
	 * documented). */
	int (*manifest_put)(struct dp_store *s, const char *tag, const void *body, size_t len,
			    const char *media_type, const char *expect_old);
	/* Remove a tag (not the manifest). QG_ENOTFOUND when absent. */
	int (*tag_delete)(struct dp_store *s, const char *tag);
	/* Referrers of `digest` (manifests whose subject is it), optionally of one
	 * artifactType (NULL = all), as descriptors appended to out/nr. Uses the referrers
	 * API where the store has one, else the "sha256-<hex>" tag fallback index. */
	int (*referrers)(struct dp_store *s, const char *digest, const char *artifact_type,
			 struct dp_desc **out, size_t *nr);
	/* Record a new referrer of `subject` where the store has no referrers API (updates the
	 * "sha256-<hex>" fallback index tag); a no-op returning 0 where the store indexes
	 * subjects itself. */
	int (*referrer_add)(struct dp_store *s, const char *subject, const struct dp_desc *m);
	void (*close)(struct dp_store *s);
};

/* Every store starts with this header. */
struct dp_store {
	const struct dp_store_ops *ops;
	struct dp_ref ref;       /* a copy of the reference it was opened for */
	/* counters for the benchmarks and tests (bytes actually sent/received for blobs and
	 * manifests); printed by -v */
	long long bytes_sent, bytes_received, blobs_skipped, blobs_sent;
};

struct dp_store_opts {
	int insecure;            /* --insecure: plain HTTP and unverified TLS for oci:// */
	const char *ca_file;     /* --ca-file: extra CA bundle for oci:// */
	long long chunk_size;    /* --chunk-size: PATCH / multipart part size, 0 = default */
	int create;              /* create an empty layout / bucket prefix when missing */
};

/* Open the store for ref (its tag/digest ignored). */
int dp_store_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o);
void dp_store_close(struct dp_store *s);
/* Backends (store_layout.c, store_oci.c, store_s3.c). */
int dp_store_layout_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o);
int dp_store_oci_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o);
int dp_store_s3_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o);

/* Copy one blob from src to dst (mount within one registry, skip when present, else
 * stream through a temporary file). */
int dp_blob_copy(struct dp_store *dst, struct dp_store *src, const struct dp_desc *d);
/* Copy a manifest and (recursively) everything it names, then tag it in dst. */
int dp_artifact_copy(struct dp_store *dst, struct dp_store *src, const char *digest,
		     const char *tag, const char *expect_old);

/* ------------------------------------------------------------------ evidence (evidence.c) */

/* One gate result as evidence. */
struct dp_evidence {
	char *gate;               /* "data", "model", ... */
	char *command;
	char *status;             /* "pass", "fail", "error" */
	char *commit;             /* subject.commit or NULL */
	char digest[DP_DIGEST_SIZE]; /* the result file's own digest */
	char **artifacts;         /* subject.artifacts[].sha256 as "sha256:<hex>" */
	size_t nr_artifacts;
	char *source;             /* the file or referrer it came from, for messages */
};

struct dp_evidence_set {
	struct dp_evidence *items;
	size_t nr;
};

/* Read every *.json in dir, each a qgate.result/v1 (anything else named *.json is refused
 * by name; other files are ignored); a path that is not a folder is read as one result; a
 * folder without *.json is QG_EINPUT. */
int dp_evidence_read_dir(struct dp_evidence_set *set, const char *dir);
/* Read the evidence attached to `digest` in store s (its referrers of DP_AT_EVIDENCE). */
int dp_evidence_read_attached(struct dp_evidence_set *set, struct dp_store *s, const char *digest);
void dp_evidence_release(struct dp_evidence_set *set);
/* Judge: every gate in `require` has a passing result for `commit` (NULL = any) whose
 * artifacts include every layer digest of manifest m. Adds one check per required gate to r
 * ("promote.evidence.<gate>") and returns 0; the checks carry why (missing, failed, other
 * commit, other bytes). */
int dp_evidence_judge(struct qg_result *r, const struct dp_evidence_set *set,
		      const struct qg_strvec *require, const char *commit, const struct dp_manifest *m);

/* ------------------------------------------------------------------ health (health.c) */

struct dp_health_opts {
	const char *url;
	long expect_status;       /* 0 = any 2xx */
	const char *expect_body;  /* "TEXT" substring, or "/json/pointer=VALUE" */
	double interval_s;        /* between probes (default 1) */
	double timeout_s;         /* whole watch (default 30) */
	long failure_limit;       /* consecutive failed probes that make it unhealthy (default 3) */
	double max_latency_p95_ms; /* 0 = no budget */
	long min_probes;          /* probes before a healthy verdict (default 3) */
	int insecure;
};

/* Probe until healthy, unhealthy or the timeout. Adds checks to r ("health.status",
 * "health.body", "health.latency-p95") and returns 0 for a verdict (pass or fail in r),
 * or QG_ENET when nothing ever answered (exit 3). */
int dp_health_watch(struct qg_result *r, const struct dp_health_opts *o);

/* ------------------------------------------------------------------ audit log (audit.c) */

struct dp_audit_entry {
	const char *action;       /* "push", "promote", "rollback", "health" */
	const char *target;       /* the store, as dp_ref_format_store() writes it */
	const char *tag;
	const char *digest_before; /* NULL when none */
	const char *digest_after;
	const char *verdict;      /* "pass", "fail", "error" or NULL */
	const char *const *evidence; /* evidence digests, NULL-terminated, or NULL */
	size_t nr_evidence;
};

struct dp_audit_opts {
	const char *log;          /* --audit-log FILE, or NULL */
	const char *sign_key;     /* --sign-key FILE (Ed25519 private key, PEM), or NULL */
};

/* Append one entry (time, actor, commit filled in here) to o->log when set and to the copy
 * kept with the target (store s, may be NULL). Appending is atomic per entry (O_APPEND, one
 * write, fsync) under an flock. */
int dp_audit_append(const struct dp_audit_opts *o, struct dp_store *s, const struct dp_audit_entry *e);

/* The log's format (docs: qgate-deploy(1) AUDIT LOG). One JSON object per line, members in
 * this order: schema ("qgate.audit/v1"), seq (1, 2, ...), time, actor, action, target, tag,
 * digest_before, digest_after, commit, evidence, verdict, prev, and when signed key + sig.
 * prev is "sha256:" + the SHA-256 of the previous line's exact bytes (without its newline);
 * the first entry's prev is DP_AUDIT_GENESIS (the SHA-256 of no bytes). A signed entry ends
 * with ,"key":"sha256:<hex of the raw public key>","sig":"<base64 Ed25519 signature>"}; the
 * signature is over the line with its ,"sig":... member removed (the bytes up to ,"sig" and
 * a closing brace). The copy kept with an oci-layout:DIR target is DIR/DP_AUDIT_LAYOUT_FILE
 * with its own seq and chain (always); with an --audit-log, oci:// and s3:// targets keep theirs
 * as an OCI artifact tagged
 * DP_AUDIT_TAG in the target's repository/prefix (artifactType DP_AT_AUDIT, the empty config,
 * one DP_MT_AUDIT layer = the whole log), appended by read-modify-write with a compare-and-swap
 * of the tag (retried when another writer moved it). */
#define DP_AUDIT_SCHEMA "qgate.audit/v1"
#define DP_AUDIT_GENESIS "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DP_AUDIT_LAYOUT_FILE "qgate-audit.jsonl"
#define DP_AUDIT_TAG "qgate-audit"
#define DP_AT_AUDIT "application/vnd.qgate.audit.v1"
#define DP_MT_AUDIT "application/vnd.qgate.audit.v1+jsonl"

/* The log kept in store s (its DP_AUDIT_TAG artifact) into out, its manifest digest into
 * digest; QG_ENOTFOUND (no qg_error) when the store has none. */
int dp_audit_store_read(struct dp_store *s, struct qg_buf *out, char digest[DP_DIGEST_SIZE]);

enum dp_audit_kind { DP_AUDIT_CHAIN = 1, DP_AUDIT_SIGNATURE };

struct dp_audit_problem {
	long long line;           /* 1-based */
	enum dp_audit_kind kind;
	char *message;            /* "entry 4 follows line 2, not line 3: ..." */
};

struct dp_audit_report {
	size_t entries, signed_entries;
	char head[DP_DIGEST_SIZE];  /* hash of the last line (DP_AUDIT_GENESIS when empty) */
	struct dp_audit_problem *problems;
	size_t nr_problems, alloc_problems;
	size_t nr_chain, nr_signature;
};

struct qg_ed25519_key;
/* Check the log held in data[0..len) (`name` for messages): the chain (seq, prev), and with
 * key != NULL every entry's signature. Returns 0 when it was read as an audit log (the
 * problems, if any, in rep: a removed, reordered, inserted or edited entry, a truncated
 * last line, a bad or missing signature), or QG_EPARSE "'name':LINE: ..." when it is not an
 * audit log (a line that is not JSON or not a qgate.audit/v1 entry; also an empty file). */
int dp_audit_check(struct dp_audit_report *rep, const char *data, size_t len, const char *name,
		   const struct qg_ed25519_key *key);
/* The same with several trusted keys (rotation): each entry must be validly signed by the key,
 * among keys[0..nr_keys), that its "key" names; nr_keys 0 checks no signature. */
int dp_audit_check_keys(struct dp_audit_report *rep, const char *data, size_t len, const char *name,
			const struct qg_ed25519_key *const *keys, size_t nr_keys);
void dp_audit_report_release(struct dp_audit_report *rep);

/* ------------------------------------------------------------------ subcommands (cmd_*.c) */

struct qg_gate;
int dp_cmd_push(int argc, const char **argv, const struct qg_gate *gate);     /* cmd_push.c */
int dp_cmd_promote(int argc, const char **argv, const struct qg_gate *gate);  /* cmd_promote.c */
int dp_cmd_rollback(int argc, const char **argv, const struct qg_gate *gate); /* cmd_promote.c */
int dp_cmd_health(int argc, const char **argv, const struct qg_gate *gate);   /* cmd_health.c */
int dp_cmd_pin(int argc, const char **argv, const struct qg_gate *gate);      /* cmd_pin.c */
int dp_cmd_audit(int argc, const char **argv, const struct qg_gate *gate);    /* cmd_audit.c */

#endif
