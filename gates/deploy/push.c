/* push.c -- qgate-deploy push: files -> layers -> manifest -> referrers -> tag
 *
 * The order is what keeps a tag honest: every file is stored as a blob under its
 * SHA-256 (skipped when the store already has it, so a push interrupted at any
 * point resumes where it stopped), then the empty config, then the manifest
 * without a tag, then the evidence and provenance manifests whose subject is it,
 * and only then the tag moves. A crash before the last step leaves the old tag
 * where it was.
 *
 * Each file is read as few times as the store allows (put_file): into a layout
 * that holds no blob of its size it is read once, hashed while it is written;
 * otherwise it is hashed first, the store is asked whether it has that digest,
 * and only a missing blob is sent, the store hashing what it receives and
 * refusing another digest (a file changed in between is QG_EINPUT, never a blob
 * under the wrong name). A re-push of unchanged files writes no blob.
 *
 * Why this file is long: push is one ordered transaction (files, evidence, provenance,
 * manifest, tag, outputs, audit) and its helpers are used nowhere else; provenance.c
 * already holds the in-toto statement.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/result.h"
#include "qgate/sha256.h"

#include "push.h"

#define ANN_TITLE "org.opencontainers.image.title"
#define ANN_REVISION "org.opencontainers.image.revision"
#define ANN_SOURCE "org.opencontainers.image.source"
#define ANN_VERSION "org.opencontainers.image.version"
#define ANN_CREATED "org.opencontainers.image.created"
#define MT_INTOTO_LAYER "application/vnd.in-toto+json"
#define CHUNK ((size_t)1 << 20)
#define DEFAULT_MAX_STREAM (1LL << 30) /* --max-stream: a FIFO or device read as a stream */

static const struct {
	const char *ext, *type;
} media_types[] = {
	{ ".onnx", "application/vnd.onnx" },
	{ ".safetensors", "application/vnd.safetensors" },
	{ ".pkl", "application/x-python-pickle" },
	{ ".pickle", "application/x-python-pickle" },
	{ ".joblib", "application/x-joblib" },
	{ ".pt", "application/x-pytorch" },
	{ ".pth", "application/x-pytorch" },
	{ ".h5", "application/x-hdf5" },
	{ ".hdf5", "application/x-hdf5" },
	{ ".keras", "application/x-keras" },
	{ ".gguf", "application/x-gguf" },
	{ ".npy", "application/x-npy" },
	{ ".npz", "application/x-npz" },
	{ ".tflite", "application/x-tflite" },
	{ ".pb", "application/x-protobuf" },
	{ ".json", "application/json" },
	{ ".jsonl", "application/jsonl" },
	{ ".ndjson", "application/x-ndjson" },
	{ ".csv", "text/csv" },
	{ ".tsv", "text/tab-separated-values" },
	{ ".parquet", "application/vnd.apache.parquet" },
	{ ".arrow", "application/vnd.apache.arrow.file" },
	{ ".feather", "application/vnd.apache.arrow.file" },
	{ ".avro", "application/avro" },
	{ ".txt", "text/plain" },
	{ ".md", "text/markdown" },
	{ ".yaml", "application/yaml" },
	{ ".yml", "application/yaml" },
	{ ".xml", "application/xml" },
	{ ".tar", "application/x-tar" },
	{ ".gz", "application/gzip" },
	{ ".tgz", "application/gzip" },
	{ ".zst", "application/zstd" },
	{ ".zip", "application/zip" },
};

const char *dp_media_type_guess(const char *path)
{
	size_t n = strlen(path), i;

	for (i = 0; i < QG_ARRAY_SIZE(media_types); i++) {
		size_t e = strlen(media_types[i].ext);
		if (n > e && !strcasecmp(path + n - e, media_types[i].ext))
			return media_types[i].type;
	}
	return "application/octet-stream";
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* type "/" subtype of RFC 6838 restricted-name characters, parameters refused */
static int media_type_valid(const char *t)
{
	const char *slash = strchr(t, '/'), *p;

	if (!slash || slash == t || !slash[1] || strlen(t) > 255)
		return 0;
	for (p = t; *p; p++) {
		if (p == slash)
			continue;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("!#$&-^_.+", *p)))
			return 0;
	}
	return 1;
}

static void rfc3339(char out[32], time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* SOURCE_DATE_EPOCH (reproducible builds) fixes the creation time, so a re-push
 * of the same files at the same commit gives the same manifest digest. */
static int created_time(char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long long v;

	if (sde && *sde) {
		if (qg_parse_ll(&v, sde, "SOURCE_DATE_EPOCH") < 0 || v < 0 || v > 253402300799LL)
			return qg_error(
				QG_EUSAGE,
				"SOURCE_DATE_EPOCH: '%s' is not a time in seconds since 1970", sde);
		rfc3339(out, (time_t)v);
		return 0;
	}
	rfc3339(out, time(NULL));
	return 0;
}

/* ------------------------------------------------------------------ inputs */

struct push_file {
	const char *path;
	const char *media_type;
	char digest[DP_DIGEST_SIZE];
	long long size;
	struct qg_file_stamp stamp;
};


/* ------------------------------------------------------------------ storing */

struct push_state {
	struct dp_push_opts *o;
	struct qg_result *r;
	struct dp_store *s;
	struct dp_ref ref;
	long long bytes_sent, bytes_skipped, blobs_sent, blobs_skipped;
	char created[32];
};

static int put_data_blob(struct push_state *ps, const void *data, size_t len, struct dp_desc *out)
{
	struct dp_source src = { .data = data, .len = len };
	char hex[QG_SHA256_HEX], digest[DP_DIGEST_SIZE];
	int skipped = 0, err = qg_sha256_hex(hex, data, len);

	if (err)
		return err;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	return ps->s->ops->blob_put(ps->s, &src, digest, out, &skipped);
}

/* Store a file as a blob, reading it as few times as possible:
 * - into a layout that holds no blob of the file's size, the file cannot be there:
 *   it is read once, hashed while it is written (one pass);
 * - otherwise (and for remote stores, where asking is cheaper than sending) it is
 *   hashed first and stored only when the store lacks it; when it must be sent the
 *   store hashes what it receives and refuses another digest, so a file changed
 *   in between is never stored under the first one.
 * A re-push of unchanged files thus reads each once and writes nothing. */
/* Read a stream (a FIFO, a pipe, a device) once into an unlinked temporary file,
 * hashing it on the way, at most `max` bytes: its digest is then known before
 * anything is sent, as for a regular file. The temporary file's descriptor in *out. */
static int spool_stream(const char *path, int in, long long max, int *out, char hex[QG_SHA256_HEX],
			long long *size)
{
	const char *dir = getenv("TMPDIR");
	struct qg_sha256 *h = NULL;
	char tmpl[4096], *chunk = malloc(CHUNK);
	int fd = -1, err;

	*out = -1;
	*size = 0;
	if (!dir || !*dir)
		dir = "/tmp";
	if (!chunk)
		return qg_error(QG_ENOMEM, "out of memory");
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (fd < 0) {
		snprintf(tmpl, sizeof(tmpl), "%s/qgate-push.XXXXXX", dir);
		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0) {
		free(chunk);
		return qg_error(QG_EIO, "'%s': cannot create a temporary file: %s", dir,
				strerror(errno));
	}
	err = qg_sha256_new(&h);
	while (!err) {
		ssize_t n = read(in, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		*size += n;
		if (*size > max) {
			err = qg_error(QG_EINPUT,
				       "'%s': a stream of more than %lld bytes (see --max-stream)",
				       path, max);
			break;
		}
		err = qg_sha256_update(h, chunk, (size_t)n);
		for (ssize_t off = 0; !err && off < n;) {
			ssize_t w = write(fd, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				err = qg_error(QG_EIO, "'%s': cannot write a temporary copy: %s",
					       dir, strerror(errno));
			else
				off += w;
		}
	}
	if (!err)
		err = qg_sha256_final(h, hex);
	qg_sha256_free(h);
	free(chunk);
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Store a file as a blob, reading it as few times as possible:
 * - into a layout that holds no blob of the file's size, the file cannot be there:
 *   it is read once, hashed while it is written (one pass);
 * - otherwise (and for remote stores, where asking is cheaper than sending) it is
 *   hashed first and stored only when the store lacks it; when it must be sent the
 *   store hashes what it receives and refuses another digest, so a file changed
 *   in between is never stored under the first one;
 * - a stream (FIFO, pipe, device) is read once into a temporary file (spool_stream)
 *   and stored from there.
 * A re-push of unchanged files thus reads each once and writes nothing. */
static int put_file(struct push_state *ps, const char *path, struct dp_desc *out, int *skipped,
		    long long *size, char hex[QG_SHA256_HEX], struct qg_file_stamp *stamp)
{
	struct dp_source src = { .path = path };
	char digest[DP_DIGEST_SIZE], proc[64];
	struct stat st;
	int err, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		err = qg_error(QG_EINPUT, "'%s': %s", path,
			       S_ISDIR(st.st_mode) ? "is a folder" : strerror(errno));
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		int tmp = -1;
		err = spool_stream(path, fd,
				   ps->o->max_stream > 0 ? ps->o->max_stream : DEFAULT_MAX_STREAM,
				   &tmp, hex, size);
		close(fd);
		if (err)
			return err;
		memset(stamp, 0, sizeof(*stamp)); /* nothing to re-check: the bytes are ours now */
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tmp);
		src.path = proc;
		err = ps->s->ops->blob_put(ps->s, &src, digest, out, skipped);
		close(tmp);
		if (!err && out->size != *size)
			err = qg_error(QG_EIO, "'%s': %lld bytes stored, %lld read", path,
				       out->size, *size);
		return err;
	}
	close(fd);
	if (ps->s->ref.kind == DP_LAYOUT && !dp_layout_has_size(ps->s, (long long)st.st_size)) {
		qg_file_stamp_set(stamp, &st);
		err = ps->s->ops->blob_put(ps->s, &src, NULL, out, skipped);
		if (err)
			return err;
		*size = out->size;
		if (*size != (long long)st.st_size || qg_file_stamp_changed(stamp, path))
			return qg_error(QG_EIO, "'%s': changed while being read", path);
		memcpy(hex, out->digest + 7, QG_SHA256_HEX);
		return 0;
	}
	err = qg_sha256_file_stamp(hex, size, path, stamp);
	if (err)
		return err;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	err = ps->s->ops->blob_put(ps->s, &src, digest, out, skipped);
	if (!err && out->size != *size)
		err = qg_error(QG_EINPUT,
			       "'%s': %lld bytes stored, %lld hashed (changed while being pushed?)",
			       path, out->size, *size);
	return err;
}

/* Store the manifest without a tag; its descriptor in *out (media type, digest, size). */
static int put_manifest(struct push_state *ps, const struct dp_manifest *m, const char *tag,
			struct dp_desc *out, struct qg_buf *body)
{
	char hex[QG_SHA256_HEX];
	int err;

	qg_buf_reset(body);
	err = dp_manifest_write(m, body);
	if (!err)
		err = qg_sha256_hex(hex, body->buf, body->len);
	if (err)
		return err;
	snprintf(out->digest, DP_DIGEST_SIZE, "sha256:%s", hex);
	out->size = (long long)body->len;
	free(out->media_type);
	out->media_type = qg_strdup(DP_MT_MANIFEST);
	if (!out->media_type)
		return qg_error(QG_ENOMEM, "out of memory");
	return ps->s->ops->manifest_put(ps->s, tag, body->buf, body->len, DP_MT_MANIFEST, NULL);
}

static int set_empty_config(struct push_state *ps, struct dp_manifest *m)
{
	int err = put_data_blob(ps, "{}", 2, &m->config);

	if (!err && !(m->config.media_type = qg_strdup(DP_MT_EMPTY)))
		err = qg_error(QG_ENOMEM, "out of memory");
	return err;
}

static int set_subject(struct dp_manifest *m, const struct dp_desc *subject)
{
	m->subject = calloc(1, sizeof(*m->subject));
	if (!m->subject || !(m->subject->media_type = qg_strdup(subject->media_type)))
		return qg_error(QG_ENOMEM, "out of memory");
	memcpy(m->subject->digest, subject->digest, DP_DIGEST_SIZE);
	m->subject->size = subject->size;
	return 0;
}

/* A referrer manifest (evidence, provenance) of `subject`, registered with the store. */
static int put_referrer(struct push_state *ps, struct dp_manifest *m, const struct dp_desc *subject,
			struct dp_desc *out)
{
	struct qg_buf body = QG_BUF_INIT(QG_CAP_FILE);
	int err = put_manifest(ps, m, NULL, out, &body);

	if (!err && !(out->artifact_type = qg_strdup(m->artifact_type)))
		err = qg_error(QG_ENOMEM, "out of memory");
	if (!err)
		err = ps->s->ops->referrer_add(ps->s, subject->digest, out);
	qg_buf_release(&body);
	return err;
}

/* The results read by dp_evidence_read_dir() (the one evidence reader: promote's too),
 * each uploaded from its file and refused when its bytes are no longer the ones judged. */
static int push_evidence(struct push_state *ps, const struct dp_evidence_set *ev,
			 const struct dp_desc *subject, struct dp_desc *out)
{
	struct dp_manifest m = { .artifact_type = NULL };
	struct qg_file_stamp stamp;
	char hex[QG_SHA256_HEX];
	long long size;
	size_t i;
	int err, skipped;

	m.artifact_type = qg_strdup(DP_AT_EVIDENCE);
	m.media_type = qg_strdup(DP_MT_MANIFEST);
	m.layers = calloc(ev->nr, sizeof(*m.layers));
	if (!m.artifact_type || !m.media_type || !m.layers) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	err = set_empty_config(ps, &m);
	for (i = 0; !err && i < ev->nr; i++) {
		const char *path = ev->items[i].source, *slash = strrchr(path, '/');

		m.nr_layers = i + 1;
		err = put_file(ps, path, &m.layers[i], &skipped, &size, hex, &stamp);
		if (!err && strcmp(m.layers[i].digest, ev->items[i].digest))
			err = qg_error(QG_EINPUT, "'%s': changed while being read (evidence %s, now %s)",
				       path, ev->items[i].digest, m.layers[i].digest);
		if (!err && !(m.layers[i].media_type = qg_strdup(DP_MT_RESULT)))
			err = qg_error(QG_ENOMEM, "out of memory");
		if (!err)
			err = dp_desc_annotate(&m.layers[i], ANN_TITLE, slash ? slash + 1 : path);
	}
	if (!err)
		err = set_subject(&m, subject);
	if (!err)
		err = dp_manifest_annotate(&m, ANN_CREATED, ps->created);
	if (!err)
		err = put_referrer(ps, &m, subject, out);
done:
	dp_manifest_release(&m);
	return err;
}

static int push_provenance(struct push_state *ps, const struct dp_provenance *p,
			   const struct dp_desc *subject, struct dp_desc *out)
{
	struct qg_buf st = QG_BUF_INIT(QG_CAP_FILE);
	struct dp_manifest m = { 0 };
	int err;

	m.artifact_type = qg_strdup(DP_AT_INTOTO);
	m.media_type = qg_strdup(DP_MT_MANIFEST);
	m.layers = calloc(1, sizeof(*m.layers));
	if (!m.artifact_type || !m.media_type || !m.layers) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	err = dp_provenance_statement(&st, p);
	if (!err)
		err = set_empty_config(ps, &m);
	if (!err) {
		m.nr_layers = 1;
		err = put_data_blob(ps, st.buf, st.len, &m.layers[0]);
	}
	if (!err && !(m.layers[0].media_type = qg_strdup(MT_INTOTO_LAYER)))
		err = qg_error(QG_ENOMEM, "out of memory");
	if (!err)
		err = dp_desc_annotate(&m.layers[0], ANN_TITLE, "provenance.intoto.json");
	if (!err)
		err = set_subject(&m, subject);
	if (!err)
		err = dp_manifest_annotate(&m, ANN_CREATED, ps->created);
	if (!err)
		err = put_referrer(ps, &m, subject, out);
done:
	dp_manifest_release(&m);
	qg_buf_release(&st);
	return err;
}

/* ------------------------------------------------------------------ the command */

static int check_inputs(struct dp_push_opts *o, struct push_file *files)
{
	size_t i, j;

	for (i = 0; i < o->files.nr; i++) {
		const char *path = o->files.v[i];
		struct stat st;

		files[i].path = path;
		files[i].media_type = dp_media_type_guess(path);
		if (stat(path, &st) < 0)
			return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			return qg_error(QG_EINPUT,
					"'%s': is a folder (push stores files, one layer each)",
					path);
		for (j = 0; j < i; j++)
			if (!strcmp(base_name(files[j].path), base_name(path)))
				return qg_error(
					QG_EUSAGE,
					"'%s' and '%s' have the same name: each layer's title must be unique",
					files[j].path, path);
	}
	for (i = 0; i < o->media_types.nr; i++) {
		const char *spec = o->media_types.v[i], *eq = strrchr(spec, '=');
		int found = 0;

		if (!eq || eq == spec || !media_type_valid(eq + 1))
			return qg_error(QG_EUSAGE, "--media-type '%s': expected FILE=TYPE/SUBTYPE",
					spec);
		for (j = 0; j < o->files.nr; j++) {
			size_t n = (size_t)(eq - spec);
			if ((strlen(files[j].path) == n && !strncmp(files[j].path, spec, n)) ||
			    (strlen(base_name(files[j].path)) == n &&
			     !strncmp(base_name(files[j].path), spec, n))) {
				files[j].media_type = eq + 1;
				found = 1;
			}
		}
		if (!found)
			return qg_error(QG_EUSAGE,
					"--media-type '%s': '%.*s' is not one of the files pushed",
					spec, (int)(eq - spec), spec);
	}
	for (i = 0; i < o->annotations.nr; i++) {
		const char *eq = strchr(o->annotations.v[i], '=');
		static const struct {
			const char *key, *why;
		} own[] = {
			{ ANN_REVISION, "the git commit, from the repository" },
			{ ANN_CREATED, "the time of the push (SOURCE_DATE_EPOCH fixes it)" },
			{ ANN_SOURCE, "use --source" },
			{ ANN_VERSION, "use --artifact-version" },
			{ "org.opencontainers.image.ref.name", "the tag is --to's" },
		};
		size_t k;

		if (!eq || eq == o->annotations.v[i])
			return qg_error(QG_EUSAGE, "--annotation '%s': expected KEY=VALUE",
					o->annotations.v[i]);
		/* what push records itself cannot be given: a revision annotation
		 * naming another commit would contradict the provenance */
		for (k = 0; k < QG_ARRAY_SIZE(own); k++)
			if (strlen(own[k].key) == (size_t)(eq - o->annotations.v[i]) &&
			    !strncmp(own[k].key, o->annotations.v[i],
				     (size_t)(eq - o->annotations.v[i])))
				return qg_error(QG_EUSAGE, "--annotation '%s': push sets %s (%s)",
						o->annotations.v[i], own[k].key, own[k].why);
	}
	return 0;
}

static int add_metric(struct qg_result *r, const char *name, double v)
{
	return qg_json_add_number(r->metrics, name, v) ? 0 : QG_ENOMEM;
}

int dp_push_run(struct dp_push_opts *o, struct qg_result *r, struct qg_strvec *outputs)
{
	struct push_state ps = { .o = o, .r = r };
	struct dp_store_opts so = { .insecure = o->insecure,
				    .ca_file = o->ca_file,
				    .chunk_size = o->chunk_size,
				    .create = 1 };
	struct push_file *files = NULL;
	struct dp_evidence_set ev = { 0 };
	struct dp_material *mats = NULL;
	struct dp_manifest m = { 0 };
	struct dp_desc md = { 0 }, evd = { 0 }, provd = { 0 };
	struct qg_buf body = QG_BUF_INIT(QG_CAP_FILE), store = QG_BUF_INIT(QG_CAP_URL),
		      source = QG_BUF_INIT(QG_CAP_URL);
	char started[32], finished[32], before[DP_DIGEST_SIZE] = "", check_digest[DP_DIGEST_SIZE];
	size_t i;
	int err;
	struct qg_check *c;

	rfc3339(started, time(NULL));
	err = dp_ref_parse(&ps.ref, o->to, 1);
	if (err)
		goto done;
	if (ps.ref.digest[0] || !ps.ref.tag) {
		err = qg_error(QG_EUSAGE,
			       "'%s': push needs TARGET:TAG (a digest is what push computes)",
			       o->to);
		goto done;
	}
	if (!strncmp(ps.ref.tag, "sha256-", 7) && strlen(ps.ref.tag) == 71) {
		char d[DP_DIGEST_SIZE];
		snprintf(d, sizeof(d), "sha256:%s", ps.ref.tag + 7);
		if (dp_digest_valid(d)) {
			err = qg_error(
				QG_EUSAGE,
				"'%s': tags sha256-<hex> are the referrers fallback index, not "
				"for artifacts",
				o->to);
			goto done;
		}
	}
	if (!o->files.nr) {
		err = qg_error(QG_EUSAGE, "no FILE to push");
		goto done;
	}
	files = calloc(o->files.nr, sizeof(*files));
	mats = calloc(o->materials.nr ? o->materials.nr : 1, sizeof(*mats));
	if (!files || !mats) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	err = check_inputs(o, files);
	if (!err)
		err = created_time(ps.created);
	if (!err && o->evidence)
		err = dp_evidence_read_dir(&ev, o->evidence);
	for (i = 0; !err && i < o->materials.nr; i++) {
		mats[i].path = o->materials.v[i];
		err = qg_sha256_file(mats[i].sha256, &mats[i].bytes, mats[i].path);
	}
	if (err)
		goto done;
	if (!r->subject.in_repo && qg_git_subject(&r->subject, NULL) < 0)
		r->subject.in_repo = 0;
	if (o->source)
		err = qg_redact(&source, o->source);
	else if (getenv("GITHUB_SERVER_URL") && getenv("GITHUB_REPOSITORY") &&
		 *getenv("GITHUB_REPOSITORY"))
		err = qg_buf_addf(&source, "%s/%s", getenv("GITHUB_SERVER_URL"),
				  getenv("GITHUB_REPOSITORY"));
	if (!err)
		err = dp_ref_format_store(&ps.ref, &store);
	if (!err)
		err = dp_store_open(&ps.s, &ps.ref, &so);
	if (err)
		goto done;

	/* the tag's digest before, for the audit log */
	err = ps.s->ops->manifest_get(ps.s, ps.ref.tag, NULL, before, NULL);
	if (err == QG_ENOTFOUND) {
		before[0] = '\0';
		err = 0;
	}
	if (err)
		goto done;

	/* the files: hash, then store what is missing */
	m.artifact_type = qg_strdup(DP_AT_MODEL);
	m.media_type = qg_strdup(DP_MT_MANIFEST);
	m.layers = calloc(o->files.nr, sizeof(*m.layers));
	if (!m.artifact_type || !m.media_type || !m.layers) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < o->files.nr; i++) {
		char hex[QG_SHA256_HEX];
		int skipped = 0;

		m.nr_layers = i + 1;
		err = put_file(&ps, files[i].path, &m.layers[i], &skipped, &files[i].size, hex,
			       &files[i].stamp);
		if (err)
			goto done;
		snprintf(files[i].digest, DP_DIGEST_SIZE, "sha256:%s", hex);
		if (skipped) {
			ps.blobs_skipped++;
			ps.bytes_skipped += files[i].size;
		} else {
			ps.blobs_sent++;
			ps.bytes_sent += files[i].size;
		}
		if (!(m.layers[i].media_type = qg_strdup(files[i].media_type)))
			err = qg_error(QG_ENOMEM, "out of memory");
		if (!err)
			err = dp_desc_annotate(&m.layers[i], ANN_TITLE, base_name(files[i].path));
		if (!err)
			err = QG_ALLOC_GROW(r->subject.artifacts, r->subject.nr_artifacts + 1,
					    r->subject.alloc_artifacts);
		if (!err) {
			struct qg_artifact *a = &r->subject.artifacts[r->subject.nr_artifacts];
			memset(a, 0, sizeof(*a));
			if (!(a->path = qg_strdup(files[i].path)))
				err = qg_error(QG_ENOMEM, "out of memory");
			memcpy(a->sha256, hex, sizeof(a->sha256));
			a->bytes = files[i].size;
			a->stamp = files[i].stamp;
			r->subject.nr_artifacts++;
		}
		if (err)
			goto done;
	}
	c = qg_result_add_check(r, "push.blobs", QG_STATUS_PASS,
				"%lld of %zu files stored, %lld already present", ps.blobs_sent,
				o->files.nr, ps.blobs_skipped);
	if (!c) {
		err = QG_ENOMEM;
		goto done;
	}
	qg_check_observed_number(c, (double)ps.blobs_sent);

	/* the manifest, untagged for now */
	err = set_empty_config(&ps, &m);
	if (!err && r->subject.in_repo && r->subject.commit[0])
		err = dp_manifest_annotate(&m, ANN_REVISION, r->subject.commit);
	if (!err && source.len)
		err = dp_manifest_annotate(&m, ANN_SOURCE, source.buf);
	if (!err && o->artifact_version)
		err = dp_manifest_annotate(&m, ANN_VERSION, o->artifact_version);
	if (!err)
		err = dp_manifest_annotate(&m, ANN_CREATED, ps.created);
	for (i = 0; !err && i < o->annotations.nr; i++) {
		const char *kv = o->annotations.v[i], *eq = strchr(kv, '=');
		char *key = qg_strndup(kv, (size_t)(eq - kv));
		err = key ? dp_manifest_annotate(&m, key, eq + 1) :
			    qg_error(QG_ENOMEM, "out of memory");
		free(key);
	}
	if (!err)
		err = put_manifest(&ps, &m, NULL, &md, &body);
	if (err)
		goto done;
	c = qg_result_add_check(r, "push.manifest", QG_STATUS_PASS,
				"manifest %s (%lld bytes, %zu layers)", md.digest, md.size,
				m.nr_layers);
	if (!c || qg_check_observed_string(c, md.digest) < 0) {
		err = QG_ENOMEM;
		goto done;
	}

	/* referrers: evidence, provenance */
	if (ev.nr) {
		err = push_evidence(&ps, &ev, &md, &evd);
		if (err)
			goto done;
		c = qg_result_add_check(r, "push.evidence", QG_STATUS_PASS,
					"%zu result files attached as %s", ev.nr, evd.digest);
		if (!c || qg_check_observed_string(c, evd.digest) < 0 ||
		    qg_strvec_push(outputs, "evidence_digest") < 0 ||
		    qg_strvec_push(outputs, evd.digest) < 0) {
			err = QG_ENOMEM;
			goto done;
		}
	}
	if (!o->no_provenance) {
		struct dp_provenance p = {
			.target = store.buf,
			.tag = ps.ref.tag,
			.manifest_digest = md.digest,
			.layers = m.layers,
			.nr_layers = m.nr_layers,
			.commit = r->subject.in_repo && r->subject.commit[0] ? r->subject.commit :
									       NULL,
			.ref = r->subject.ref,
			.dirty = r->subject.dirty,
			.source = source.len ? source.buf : NULL,
			.materials = mats,
			.nr_materials = o->materials.nr,
			.started = started,
			.invocation = getenv("GITHUB_RUN_ID"),
		};
		rfc3339(finished, time(NULL));
		p.finished = finished;
		if (getenv("SOURCE_DATE_EPOCH") && *getenv("SOURCE_DATE_EPOCH"))
			p.started = p.finished =
				ps.created; /* reproducible: same inputs, same statement */
		err = push_provenance(&ps, &p, &md, &provd);
		if (err)
			goto done;
		c = qg_result_add_check(r, "push.provenance", QG_STATUS_PASS,
					"in-toto statement %s (%zu materials)", provd.digest,
					o->materials.nr);
		if (!c || qg_check_observed_string(c, provd.digest) < 0 ||
		    qg_strvec_push(outputs, "provenance_digest") < 0 ||
		    qg_strvec_push(outputs, provd.digest) < 0) {
			err = QG_ENOMEM;
			goto done;
		}
	}

	/* the tag, last */
	err = ps.s->ops->manifest_put(ps.s, ps.ref.tag, body.buf, body.len, DP_MT_MANIFEST, NULL);
	if (!err)
		err = ps.s->ops->manifest_get(ps.s, ps.ref.tag, NULL, check_digest, NULL);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EIO, "'%s': tag '%s' not found right after it was written", o->to,
			       ps.ref.tag);
	if (err)
		goto done;
	c = qg_result_add_check(r, "push.tag",
				strcmp(check_digest, md.digest) ? QG_STATUS_FAIL : QG_STATUS_PASS,
				"%s:%s -> %s", store.buf, ps.ref.tag, check_digest);
	if (!c || qg_check_observed_string(c, check_digest) < 0 ||
	    qg_check_expected_string(c, "%s", md.digest) < 0) {
		err = QG_ENOMEM;
		goto done;
	}

	{
		const char *evid[2] = { evd.digest[0] ? evd.digest : NULL, NULL };
		struct dp_audit_opts ao = { .log = o->audit_log, .sign_key = o->sign_key };
		struct dp_audit_entry e = {
			.action = "push",
			.target = store.buf,
			.tag = ps.ref.tag,
			.digest_before = before[0] ? before : NULL,
			.digest_after = md.digest,
			.verdict = "pass",
			.evidence = evid[0] ? evid : NULL,
			.nr_evidence = evid[0] ? 1 : 0,
		};
		err = dp_audit_append(&ao, ps.s, &e);
		if (err)
			goto done;
	}

	err = add_metric(r, "files", (double)o->files.nr);
	if (!err)
		err = add_metric(r, "blobs_sent", (double)ps.blobs_sent);
	if (!err)
		err = add_metric(r, "blobs_skipped", (double)ps.blobs_skipped);
	if (!err)
		err = add_metric(r, "bytes_sent", (double)ps.bytes_sent);
	if (!err)
		err = add_metric(r, "bytes_skipped", (double)ps.bytes_skipped);
	if (!err)
		err = add_metric(r, "manifest_bytes", (double)md.size);
	if (!err)
		err = qg_strvec_push(outputs, "digest");
	if (!err)
		err = qg_strvec_push(outputs, md.digest);
	if (!err)
		err = qg_result_add_markdown(
			r, "pushed `%s:%s` = `%s` (%lld bytes sent, %lld already there)\n",
			store.buf, ps.ref.tag, md.digest, ps.bytes_sent, ps.bytes_skipped);
	if (err) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (o->common.verbose)
		fprintf(stderr,
			"qgate-deploy push: store counters: %lld bytes sent, %lld blobs sent, %lld skipped\n",
			ps.s->bytes_sent, ps.s->blobs_sent, ps.s->blobs_skipped);
	{
		const char *fmt = o->common.format;
		int json_stdout = (o->common.json && !strcmp(o->common.json, "-")) ||
				  (fmt && !strcmp(fmt, "json"));
		if (!json_stdout) {
			printf("%s\n", md.digest);
			fflush(stdout);
		}
	}
done:
	if (err == QG_ENOMEM && !*qg_error_last())
		err = qg_error(QG_ENOMEM, "out of memory");
	dp_store_close(ps.s);
	dp_ref_release(&ps.ref);
	dp_manifest_release(&m);
	dp_desc_release(&md);
	dp_desc_release(&evd);
	dp_desc_release(&provd);
	dp_evidence_release(&ev);
	free(files);
	free(mats);
	qg_buf_release(&body);
	qg_buf_release(&store);
	qg_buf_release(&source);
	return err;
}
