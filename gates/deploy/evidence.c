/* evidence.c -- gather the gates' result JSONs and judge whether they allow a promotion
 *
 * Evidence is a set of qgate.result/v1 documents, read either from a folder (--evidence DIR:
 * every *.json in it, regular files only, no symbolic links, so nothing outside DIR is read;
 * a folder without any is an error, not "no evidence": it is most likely the wrong folder),
 * from one file (--evidence FILE: a path that is not a folder is read as one result, a pipe
 * included), or from the store (the referrers of the artifact whose artifactType is
 * DP_AT_EVIDENCE, each layer one result JSON). Every document goes through qg_result_from_json(), the same strict
 * reader `qgate merge` uses, and its status is the derived one (qg_result_status), so a file
 * that says "pass" beside a failed check counts as failed: fail closed.
 *
 * Judging asks, per required gate, three questions of every result of that gate: did it pass,
 * was it made for the artifact's commit, and does its subject.artifacts name every layer of
 * the manifest by SHA-256 (the result judged these exact bytes, not a rebuild). A gate with no
 * result, or with any result that answers no, fails its check "promote.evidence.<gate>" with
 * one location per problem.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/sha256.h"

#include "deploy.h"

/* A result JSON is a few KiB; a lint run over a large tree may reach MiBs. */
#define EVIDENCE_MAX ((size_t)64 << 20)
#define TITLE_KEY "org.opencontainers.image.title"

static void evidence_item_release(struct dp_evidence *e)
{
	free(e->gate);
	free(e->command);
	free(e->status);
	free(e->commit);
	for (size_t i = 0; i < e->nr_artifacts; i++)
		free(e->artifacts[i]);
	free(e->artifacts);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

void dp_evidence_release(struct dp_evidence_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nr; i++)
		evidence_item_release(&set->items[i]);
	free(set->items);
	set->items = NULL;
	set->nr = 0;
}

/* Parse one result document (bytes already read) and append it to set. `source` names it in
 * messages: the file name within DIR, or the referrer layer's title. */
static int evidence_add(struct dp_evidence_set *set, const char *text, size_t len,
			const char *source)
{
	struct qg_result r;
	struct dp_evidence e = { 0 };
	struct dp_evidence *grown;
	char hex[QG_SHA256_HEX];
	int err;

	if ((err = qg_sha256_hex(hex, text, len)) < 0)
		return err;
	if ((err = qg_result_from_json(&r, text, len, source)) < 0)
		return qg_error_wrap("evidence: ");
	err = QG_ENOMEM;
	if (!(e.gate = qg_strdup(r.gate)) || (r.command && !(e.command = qg_strdup(r.command))) ||
	    !(e.status = qg_strdup(qg_status_name(qg_result_status(&r)))) ||
	    !(e.source = qg_strdup(source)))
		goto fail;
	if (r.subject.in_repo && !(e.commit = qg_strdup(r.subject.commit)))
		goto fail;
	snprintf(e.digest, sizeof(e.digest), "sha256:%s", hex);
	if (r.subject.nr_artifacts) {
		e.artifacts = calloc(r.subject.nr_artifacts, sizeof(*e.artifacts));
		if (!e.artifacts)
			goto fail;
	}
	for (size_t i = 0; i < r.subject.nr_artifacts; i++) {
		const struct qg_artifact *a = &r.subject.artifacts[i];

		if (!a->sha256[0])
			continue; /* stdin or a URL: names no bytes */
		if (!(e.artifacts[e.nr_artifacts] = malloc(DP_DIGEST_SIZE)))
			goto fail;
		snprintf(e.artifacts[e.nr_artifacts++], DP_DIGEST_SIZE, "sha256:%s", a->sha256);
	}
	grown = realloc(set->items, (set->nr + 1) * sizeof(*set->items));
	if (!grown)
		goto fail;
	set->items = grown;
	set->items[set->nr++] = e;
	qg_result_release(&r);
	return 0;
fail:
	evidence_item_release(&e);
	qg_result_release(&r);
	return qg_error(QG_ENOMEM, "out of memory reading evidence '%s'", source);
}

static int is_json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

/* --evidence FILE: the one result a path that is not a folder holds (read as a stream, so a
 * pipe works; a device that never ends stops at EVIDENCE_MAX). */
static int read_one(struct dp_evidence_set *set, int fd, const char *path)
{
	struct qg_buf body = QG_BUF_INIT(EVIDENCE_MAX);
	int err = qg_buf_read_fd(&body, fd, path);

	if (!err)
		err = evidence_add(set, body.buf, body.len, path);
	qg_buf_release(&body);
	return err;
}

int dp_evidence_read_dir(struct dp_evidence_set *set, const char *dir)
{
	struct dirent **names = NULL;
	struct qg_buf body = QG_BUF_INIT(EVIDENCE_MAX);
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	struct stat dst;
	int dfd, n = 0, err = 0;

	dfd = open(dir, O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", dir, strerror(errno));
	if (fstat(dfd, &dst) < 0) {
		err = qg_error(QG_EINPUT, "'%s': cannot stat: %s", dir, strerror(errno));
		goto done;
	}
	if (!S_ISDIR(dst.st_mode)) {
		err = read_one(set, dfd, dir);
		goto done;
	}
	n = scandir(dir, &names, is_json_name, alphasort);
	if (n < 0) {
		n = 0;
		err = qg_error(QG_EINPUT, "'%s': cannot list the evidence folder: %s", dir,
			       strerror(errno));
		goto done;
	}
	if (!n) {
		err = qg_error(QG_EINPUT, "'%s': no qgate result (*.json) in the evidence folder",
			       dir);
		goto done;
	}
	for (int i = 0; i < n && !err; i++) {
		const char *name = names[i]->d_name;
		struct stat st;
		int fd;

		qg_buf_reset(&path);
		if ((err = qg_buf_addf(&path, "%s/%s", dir, name)))
			break;
		/* O_NOFOLLOW: a link could name any file on the machine; O_NONBLOCK: a FIFO must
		 * not hang the promotion. Both are refused below, never followed. */
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			err = qg_error(
				QG_EINPUT, "'%s': %s", path.buf,
				errno == ELOOP ?
					"a symbolic link (evidence must be regular files inside the folder)" :
					strerror(errno));
			break;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			err = qg_error(
				QG_EINPUT,
				"'%s': not a regular file (evidence must be qgate.result/v1 files)",
				path.buf);
			break;
		}
		qg_buf_reset(&body);
		err = qg_buf_read_fd(&body, fd, path.buf);
		close(fd);
		if (!err)
			err = evidence_add(set, body.buf, body.len, path.buf);
	}
done:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(dfd);
	qg_buf_release(&body);
	qg_buf_release(&path);
	return err;
}

int dp_evidence_read_attached(struct dp_evidence_set *set, struct dp_store *s, const char *digest)
{
	struct dp_desc *refs = NULL;
	size_t nr = 0;
	struct qg_buf body = QG_BUF_INIT(EVIDENCE_MAX);
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	if (!s->ops->referrers)
		return qg_error(QG_EINPUT,
				"'%s': this store cannot list referrers (give --evidence DIR)",
				s->ref.text);
	err = s->ops->referrers(s, digest, DP_AT_EVIDENCE, &refs, &nr);
	if (err == QG_ENOTFOUND)
		err = 0, nr = 0;
	for (size_t i = 0; i < nr && !err; i++) {
		struct dp_manifest m = { 0 };
		char got[DP_DIGEST_SIZE] = "";

		if (refs[i].artifact_type && strcmp(refs[i].artifact_type, DP_AT_EVIDENCE))
			continue;
		qg_buf_reset(&body);
		err = s->ops->manifest_get(s, refs[i].digest, &body, got, NULL);
		if (err == QG_ENOTFOUND)
			err = qg_error(
				QG_EINPUT,
				"'%s': evidence manifest %s is listed as a referrer but missing",
				s->ref.text, refs[i].digest);
		if (err)
			break;
		qg_buf_reset(&name);
		if ((err = qg_buf_addf(&name, "%s@%s", s->ref.text, refs[i].digest)))
			break;
		if ((err = dp_manifest_parse(&m, body.buf, body.len, name.buf)))
			break;
		/* fail closed: evidence attached to another artifact is not this one's */
		if (m.is_index || !m.subject || strcmp(m.subject->digest, digest)) {
			err = qg_error(QG_EINPUT,
				       "'%s': evidence manifest does not name %s as its subject",
				       name.buf, digest);
			dp_manifest_release(&m);
			break;
		}
		for (size_t l = 0; l < m.nr_layers && !err; l++) {
			const struct dp_desc *d = &m.layers[l];
			const char *title = dp_desc_annotation(d, TITLE_KEY);

			if (!d->media_type || strcmp(d->media_type, DP_MT_RESULT)) {
				err = qg_error(
					QG_EINPUT,
					"'%s': layer %s has media type '%s', expected '" DP_MT_RESULT
					"'",
					name.buf, d->digest, d->media_type ? d->media_type : "");
				break;
			}
			qg_buf_reset(&body);
			if ((err = s->ops->blob_get(s, d->digest, &body, EVIDENCE_MAX))) {
				if (err == QG_ENOTFOUND)
					err = qg_error(QG_EINPUT,
						       "'%s': evidence blob %s is missing",
						       name.buf, d->digest);
				break;
			}
			err = evidence_add(set, body.buf, body.len,
					   title && *title ? title : d->digest);
		}
		dp_manifest_release(&m);
	}
	for (size_t i = 0; i < nr; i++)
		dp_desc_release(&refs[i]);
	free(refs);
	qg_buf_release(&body);
	qg_buf_release(&name);
	return err;
}

/* A required gate matches a result by gate ("data") or by gate and command ("data-validate"). */
static int gate_matches(const struct dp_evidence *e, const char *want)
{
	size_t gl = strlen(e->gate);

	if (!strcmp(e->gate, want))
		return 1;
	return e->command && !strncmp(want, e->gate, gl) && want[gl] == '-' &&
	       !strcmp(want + gl + 1, e->command);
}

static int has_artifact(const struct dp_evidence *e, const char *digest)
{
	for (size_t i = 0; i < e->nr_artifacts; i++)
		if (!strcmp(e->artifacts[i], digest))
			return 1;
	return 0;
}

/* One problem: a location on the check (file = the result) and a part of the message, which
 * starts with the source and ": " (prefix 1), the source and " " (2) or nothing (0). */
static int problem(struct qg_check *c, struct qg_buf *msg, long long *count, const char *source,
		   int prefix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int problem(struct qg_check *c, struct qg_buf *msg, long long *count, const char *source,
		   int prefix, const char *fmt, ...)
{
	struct qg_buf line = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&line, fmt, ap);
	va_end(ap);
	if (!err && msg->len)
		err = qg_buf_addstr(msg, "; ");
	if (!err)
		err = qg_buf_addf(msg, "%s%s%s", prefix ? source : "",
				  prefix == 1 ? ": " :
				  prefix      ? " " :
						"",
				  line.buf);
	if (!err && qg_check_add_location(c, source, 0, 0, "%s", line.buf) < 0)
		err = QG_ENOMEM;
	(*count)++;
	qg_buf_release(&line);
	return err;
}

/* The short form of a commit for messages. */
static const char *short_commit(const char *c, char out[16])
{
	snprintf(out, 16, "%.12s", c);
	return out;
}

static int judge_gate(struct qg_result *r, const struct dp_evidence_set *set, const char *gate,
		      const char *commit, const struct dp_manifest *m)
{
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_check *c;
	long long count = 0;
	size_t seen = 0;
	int err;

	if ((err = qg_buf_addf(&id, "promote.evidence.%s", gate)))
		goto done;
	if (!(c = qg_result_add_check(r, id.buf, QG_STATUS_PASS, NULL))) {
		err = QG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < set->nr && !err; i++) {
		const struct dp_evidence *e = &set->items[i];
		char a[16], b[16];

		if (!gate_matches(e, gate))
			continue;
		seen++;
		if (strcmp(e->status, "pass"))
			err = problem(c, &msg, &count, e->source, 1, "status %s", e->status);
		if (!err && commit && !e->commit)
			err = problem(
				c, &msg, &count, e->source, 1,
				"made outside a git repository (no commit), the artifact's commit is %s",
				short_commit(commit, b));
		else if (!err && commit && strcmp(e->commit, commit))
			err = problem(c, &msg, &count, e->source, 1,
				      "commit %s is not the artifact's commit %s",
				      short_commit(e->commit, a), short_commit(commit, b));
		for (size_t l = 0; m && l < m->nr_layers && !err; l++) {
			const struct dp_desc *d = &m->layers[l];
			const char *title = dp_desc_annotation(d, TITLE_KEY);

			if (has_artifact(e, d->digest))
				continue;
			if (title && *title)
				err = problem(c, &msg, &count, e->source, 2,
					      "does not name layer %s (%s)", title, d->digest);
			else
				err = problem(c, &msg, &count, e->source, 2,
					      "does not name layer %s", d->digest);
		}
	}
	if (!err && !seen)
		err = problem(c, &msg, &count, NULL, 0, "no result for gate '%s'", gate);
	if (err)
		goto done;
	qg_check_set_count(c, count);
	if (count) {
		c->status = QG_STATUS_FAIL;
		err = qg_check_set_message(c, "%s", msg.buf);
	} else {
		err = qg_check_set_message(c, "%zu result%s passed for %s%s, naming every layer",
					   seen, seen == 1 ? "" : "s",
					   commit ? "commit " : "any commit", commit ? commit : "");
	}
done:
	qg_buf_release(&id);
	qg_buf_release(&msg);
	return err < 0 ? err : 0;
}

int dp_evidence_judge(struct qg_result *r, const struct dp_evidence_set *set,
		      const struct qg_strvec *require, const char *commit,
		      const struct dp_manifest *m)
{
	int err = 0;

	for (size_t i = 0; i < require->nr && !err; i++)
		err = judge_gate(r, set, require->v[i], commit, m);
	return err;
}
