/* promote.c -- promote a tag to the exact bytes the gates passed; roll a tag back
 *
 * promote: the destination tag is read first (its digest is the compare-and-swap's expected
 * value), the source reference is resolved to one manifest, the evidence is gathered (from
 * --evidence DIR or the source's referrers) and judged (evidence.c), and only when every
 * required gate passed does the destination tag move. Within one store only the manifest is
 * written (its blobs are already there: they are checked present, never sent); across stores
 * the artifact and its referrers (evidence, provenance) are copied untagged first
 * (dp_artifact_copy), and the tag moves last. What the tag pointed at before is kept as
 * TAG-previous. With a health URL the deployment is watched after the move, and a sick one
 * (or one that never answers) is rolled back to the previous digest by the same
 * compare-and-swap.
 *
 * rollback: the tag moves back to TAG-previous (or --to DIGEST) once that manifest and every
 * blob it names are in the store; the digest it replaced becomes TAG-previous, so a rollback
 * can itself be undone.
 *
 * Every outcome, refusals and errors included, appends an audit entry (audit.c).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/sha256.h"

#include "deploy.h"
#include "promote.h"

#define MANIFEST_MAX ((size_t)4 << 20)
#define MEDIA_TYPE_MAX 1024
#define MAX_DEPTH 8
#define REVISION_KEY "org.opencontainers.image.revision"
#define TITLE_KEY "org.opencontainers.image.title"
#define PREVIOUS_SUFFIX "-previous"
#define TAG_MAX 128

/* ---------------------------------------------------------- one artifact read from a store */

struct art {
	char digest[DP_DIGEST_SIZE];
	struct qg_buf body, mt;
	struct dp_manifest m;
	int parsed;
};

static void art_init(struct art *a)
{
	memset(a, 0, sizeof(*a));
	qg_buf_init(&a->body, MANIFEST_MAX);
	qg_buf_init(&a->mt, MEDIA_TYPE_MAX);
}

static void art_release(struct art *a)
{
	qg_buf_release(&a->body);
	qg_buf_release(&a->mt);
	if (a->parsed)
		dp_manifest_release(&a->m);
	a->parsed = 0;
}

/* Read and parse a tag's or digest's manifest, its bytes checked against its digest.
 * QG_ENOTFOUND (no message) when the store has no such tag or manifest. */
static int art_read(struct art *a, struct dp_store *s, const char *what)
{
	char hex[QG_SHA256_HEX];
	int err;

	art_release(a);
	qg_buf_reset(&a->body);
	qg_buf_reset(&a->mt);
	a->digest[0] = '\0';
	err = s->ops->manifest_get(s, what, &a->body, a->digest, &a->mt);
	if (err)
		return err;
	if ((err = qg_sha256_hex(hex, a->body.buf, a->body.len)) < 0)
		return err;
	if (strncmp(a->digest, "sha256:", 7) || strcmp(a->digest + 7, hex) ||
	    (dp_digest_valid(what) && strcmp(what, a->digest)))
		return qg_error(QG_EINPUT,
				"'%s': manifest '%s' read back as sha256:%s, expected %s",
				s->ref.text, what, hex, dp_digest_valid(what) ? what : a->digest);
	if ((err = dp_manifest_parse(&a->m, a->body.buf, a->body.len, s->ref.text)))
		return err;
	a->parsed = 1;
	return 0;
}

static const char *art_media_type(const struct art *a)
{
	return a->mt.len ? a->mt.buf : a->m.media_type ? a->m.media_type : DP_MT_MANIFEST;
}

/* Every blob the artifact names is in the store at the size its manifest says (indexes: every
 * manifest they name, recursively). A tag is never moved to an artifact that fails this. */
static int verify_blobs(struct dp_store *s, const struct art *a, int depth)
{
	int err = 0;

	if (depth > MAX_DEPTH)
		return qg_error(QG_EINPUT, "'%s': %s: indexes nested deeper than %d", s->ref.text,
				a->digest, MAX_DEPTH);
	for (size_t i = 0; i <= a->m.nr_layers && !err; i++) {
		const struct dp_desc *d;
		const char *title;
		long long size = -1;

		if (a->m.is_index) {
			struct art child;

			if (i == a->m.nr_layers)
				break;
			art_init(&child);
			err = art_read(&child, s, a->m.layers[i].digest);
			if (err == QG_ENOTFOUND)
				err = qg_error(
					QG_EINPUT,
					"'%s': %s names manifest %s, which is not in the store",
					s->ref.text, a->digest, a->m.layers[i].digest);
			if (!err)
				err = verify_blobs(s, &child, depth + 1);
			art_release(&child);
			continue;
		}
		d = i == a->m.nr_layers ? &a->m.config : &a->m.layers[i];
		title = dp_desc_annotation(d, TITLE_KEY);
		err = s->ops->blob_has(s, d->digest, &size);
		if (err == QG_ENOTFOUND)
			err = qg_error(QG_EINPUT,
				       "'%s': %s names blob %s%s%s%s, which is not in the store",
				       s->ref.text, a->digest, d->digest, title ? " (" : "",
				       title ? title : "", title ? ")" : "");
		else if (!err && size >= 0 && d->size >= 0 && size != d->size)
			err = qg_error(QG_EINPUT, "'%s': blob %s has %lld bytes, %s says %lld",
				       s->ref.text, d->digest, size, a->digest, d->size);
	}
	return err;
}

/* ------------------------------------------------------------------ tags */

/* The tag's digest into out ("" when the tag does not exist). */
static int tag_digest(struct dp_store *s, const char *tag, char out[DP_DIGEST_SIZE])
{
	int err;

	out[0] = '\0';
	err = s->ops->manifest_get(s, tag, NULL, out, NULL);
	if (err == QG_ENOTFOUND) {
		out[0] = '\0';
		return 0;
	}
	return err;
}

static int previous_tag(char out[TAG_MAX + 16], const char *tag)
{
	if (strlen(tag) + strlen(PREVIOUS_SUFFIX) > TAG_MAX)
		return qg_error(QG_EUSAGE,
				"tag '%s' is too long to keep '%s" PREVIOUS_SUFFIX
				"' beside it (at most %d characters)",
				tag, tag, TAG_MAX - (int)strlen(PREVIOUS_SUFFIX));
	snprintf(out, TAG_MAX + 16, "%s" PREVIOUS_SUFFIX, tag);
	return 0;
}

static const char *or_none(const char *digest)
{
	return digest && *digest ? digest : "none";
}

/* Point tag at a (compare-and-swap against expect_old: "" = the tag must not exist). */
static int swap(struct dp_store *s, const char *tag, const struct art *a, const char *expect_old)
{
	return s->ops->manifest_put(s, tag, a->body.buf, a->body.len, art_media_type(a),
				    expect_old);
}

/* TAG-previous := old (nothing when there was no old). */
static int keep_previous(struct dp_store *s, const char *tag, const char *old)
{
	char prev[TAG_MAX + 16];
	struct art a;
	int err;

	if (!*old)
		return 0;
	if ((err = previous_tag(prev, tag)))
		return err;
	art_init(&a);
	err = art_read(&a, s, old);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT,
			       "'%s': the previous manifest %s is gone; cannot keep it as '%s'",
			       s->ref.text, old, prev);
	if (!err)
		err = swap(s, prev, &a, NULL);
	art_release(&a);
	return err;
}

/* The test hook of promote.h: create the file, wait until it is removed. */
static int test_hold(void)
{
	const char *f = getenv(DP_TEST_HOLD_ENV);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int fd;

	if (!f || !*f)
		return 0;
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return qg_error(QG_EIO, DP_TEST_HOLD_ENV ": '%s': %s", f, strerror(errno));
	close(fd);
	for (int i = 0; i < 6000; i++) {
		if (access(f, F_OK) < 0 && errno == ENOENT)
			return 0;
		nanosleep(&ts, NULL);
	}
	unlink(f);
	return qg_error(QG_ETIMEOUT, DP_TEST_HOLD_ENV ": '%s' was not removed within 60 s", f);
}

/* ------------------------------------------------------------------ audit */

struct audit_ctx {
	const struct dp_audit_opts *opts;
	struct dp_store *store; /* the store whose tag moves (its copy of the log) */
	const char *tag;
	const struct qg_strvec *evidence;
};

static int audit(const struct audit_ctx *a, const char *action, const char *before,
		 const char *after, const char *verdict)
{
	struct qg_buf target = QG_BUF_INIT(QG_CAP_URL);
	struct dp_audit_entry e = { 0 };
	int err;

	if (!a->store)
		return 0;
	if ((err = dp_ref_format_store(&a->store->ref, &target)))
		return err;
	e.action = action;
	e.target = target.buf;
	e.tag = a->tag;
	e.digest_before = before && *before ? before : NULL;
	e.digest_after = after && *after ? after : NULL;
	e.verdict = verdict;
	if (a->evidence && a->evidence->nr) {
		e.evidence = a->evidence->v;
		e.nr_evidence = a->evidence->nr;
	}
	err = dp_audit_append(a->opts, a->store, &e);
	if (err < 0)
		err = qg_error_wrap("audit log: ");
	qg_buf_release(&target);
	return err;
}

/* Record an error outcome in the log without losing the error's own message. */
static int audit_error(const struct audit_ctx *a, const char *action, const char *before,
		       const char *after, int code)
{
	char msg[2048];
	int err;

	snprintf(msg, sizeof(msg), "%s", qg_error_last());
	if ((err = audit(a, action, before, after, "error")) < 0)
		return err;
	return qg_error(code, "%s", msg);
}

/* ---------------------------------------------------------- helpers for checks and outputs */

static int output(struct qg_strvec *outputs, const char *key, const char *value)
{
	if (!outputs)
		return 0;
	if (qg_strvec_push(outputs, key) < 0 || qg_strvec_push(outputs, value) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

static int metric(struct qg_result *r, const char *key, double v)
{
	return qg_json_add_number(r->metrics, key, v) ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int metric_str(struct qg_result *r, const char *key, const char *s)
{
	return qg_json_add_string(r->metrics, key, s ? s : "") ?
		       0 :
		       qg_error(QG_ENOMEM, "out of memory");
}

#define CHECK(r, id, st, ...) (qg_result_add_check((r), (id), (st), __VA_ARGS__) ? 0 : QG_ENOMEM)

/* A commit recorded in the manifest (push writes the git HEAD it ran at); NULL when none. */
static const char *artifact_commit(const struct dp_manifest *m)
{
	const char *c = dp_manifest_annotation(m, REVISION_KEY);

	return c && *c ? c : NULL;
}

/* Copy the artifact's referrers (evidence, provenance) to another store, after it. */
static int copy_referrers(struct dp_store *dst, struct dp_store *src, const char *digest)
{
	struct dp_desc *refs = NULL;
	size_t nr = 0;
	int err;

	if (!src->ops->referrers)
		return 0;
	err = src->ops->referrers(src, digest, NULL, &refs, &nr);
	if (err == QG_ENOTFOUND)
		err = 0, nr = 0;
	for (size_t i = 0; i < nr && !err; i++) {
		err = dp_artifact_copy(dst, src, refs[i].digest, NULL, NULL);
		if (!err && dst->ops->referrer_add)
			err = dst->ops->referrer_add(dst, digest, &refs[i]);
	}
	for (size_t i = 0; i < nr; i++)
		dp_desc_release(&refs[i]);
	free(refs);
	return err;
}

static int any_failed_since(const struct qg_result *r, size_t from)
{
	for (size_t i = from; i < r->nr_checks; i++)
		if (r->checks[i]->status == QG_STATUS_FAIL ||
		    r->checks[i]->status == QG_STATUS_ERROR)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ promote */

/* After an unhealthy (or unreachable) watch: the tag back to old, by compare-and-swap against
 * the digest this promotion wrote. Adds promote.rollback. */
static int undo(struct qg_result *r, struct dp_store *dst, const struct audit_ctx *ac,
		const char *tag, const char *old, const char *cand, const char *why)
{
	struct art prev;
	char now[DP_DIGEST_SIZE];
	int err;

	art_init(&prev);
	if (*old) {
		err = art_read(&prev, dst, old);
		if (err == QG_ENOTFOUND)
			err = qg_error(
				QG_EINPUT,
				"'%s': the previous manifest %s is gone; %s still points at %s",
				dst->ref.text, old, tag, cand);
		if (!err)
			err = verify_blobs(dst, &prev, 0);
		if (!err)
			err = test_hold();
		if (!err)
			err = swap(dst, tag, &prev, cand);
	} else {
		/* the first promotion: before it the tag did not exist, and so it is again. Stores
		 * delete without a condition: the tag is re-read just before (best effort, as a
		 * registry's swap is) */
		err = test_hold();
		if (!err)
			err = tag_digest(dst, tag, now);
		if (!err && strcmp(now, cand))
			err = QG_ECONFLICT;
		if (!err)
			err = dst->ops->tag_delete(dst, tag);
		if (err == QG_ENOTFOUND)
			err = QG_ECONFLICT;
	}
	if (err == QG_ECONFLICT) {
		qg_error_clear();
		if (!(err = tag_digest(dst, tag, now)))
			err = CHECK(
				r, "promote.rollback", QG_STATUS_FAIL,
				"%s moved during the health check (was %s, now %s): not rolled back",
				tag, cand, or_none(now));
		if (!err)
			err = audit(ac, "rollback", now, now, "fail");
		goto done;
	}
	if (err)
		goto done;
	if ((err = keep_previous(dst, tag, cand)))
		goto done;
	err = CHECK(r, "promote.rollback", QG_STATUS_PASS, "%s; %s rolled back to %s", why, tag,
		    or_none(old));
	if (!err)
		err = audit(ac, "rollback", cand, old, "pass");
	if (!err)
		qg_gate_note("qgate-deploy promote", "%s: %s rolled back from %s to %s", why, tag,
			     cand, or_none(old));
done:
	art_release(&prev);
	return err;
}

int dp_promote(struct qg_result *r, const struct dp_promote_opts *o, struct qg_strvec *outputs)
{
	struct dp_ref from = { 0 }, to = { 0 };
	struct dp_store *src = NULL, *dst = NULL;
	struct dp_evidence_set set = { 0 };
	struct qg_strvec evd = QG_STRVEC_INIT;
	struct audit_ctx ac = { &o->audit, NULL, NULL, &evd };
	struct art cand;
	char old[DP_DIGEST_SIZE] = "", now[DP_DIGEST_SIZE], prev[TAG_MAX + 16];
	long long sent0, blobs0, skipped0;
	int err, same = 0, moved = 0;

	art_init(&cand);
	if (!o->require || !o->require->nr)
		return qg_error(
			QG_EUSAGE,
			"promote needs --require GATE,... (the gates whose results allow it)");
	if ((err = dp_ref_parse(&from, o->from, 1)) || (err = dp_ref_parse(&to, o->to, 1)))
		goto done;
	if (!to.tag || to.digest[0]) {
		err = qg_error(QG_EUSAGE,
			       "--to '%s': expected TARGET:TAG (promote moves a tag, not a digest)",
			       o->to);
		goto done;
	}
	if ((err = previous_tag(prev, to.tag)))
		goto done;
	same = dp_ref_same_store(&from, &to);
	if (same && !from.digest[0] && !strcmp(from.tag, to.tag)) {
		err = qg_error(QG_EUSAGE, "--from and --to name the same tag '%s'", o->to);
		goto done;
	}
	if ((err = dp_store_open(&src, &from, &o->store)))
		goto done;
	if (same) {
		dst = src;
	} else {
		/* a layout or prefix that does not exist yet is made: promoting into a new place */
		struct dp_store_opts dso = o->store;

		dso.create = !o->dry_run;
		err = dp_store_open(&dst, &to, &dso);
		/* a dry run creates nothing: a layout folder that does not exist yet has no tag */
		if (err && o->dry_run && to.kind == DP_LAYOUT && access(to.dir, F_OK) < 0 &&
		    errno == ENOENT) {
			qg_error_clear();
			err = 0;
		}
		if (err)
			goto done;
	}
	ac.store = o->dry_run ? NULL : dst; /* a dry run appends no audit entry */
	ac.tag = to.tag;

	/* the compare-and-swap's expected value: the destination as it is now */
	if (dst && (err = tag_digest(dst, to.tag, old)))
		goto fail;
	err = art_read(&cand, src, from.digest[0] ? from.digest : from.tag);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': %s '%s' not found", src->ref.text,
			       from.digest[0] ? "manifest" : "tag",
			       from.digest[0] ? from.digest : from.tag);
	if (!err && cand.m.is_index)
		err = qg_error(
			QG_EINPUT,
			"'%s': %s is an image index; promote takes one artifact manifest (push's)",
			o->from, cand.digest);
	if (err)
		goto fail;
	if ((err = metric_str(r, "digest", cand.digest)) ||
	    (err = metric_str(r, "previous", old)) ||
	    (err = metric(r, "manifest_bytes", (double)cand.body.len)))
		goto fail;

	err = o->evidence_dir ? dp_evidence_read_dir(&set, o->evidence_dir) :
				dp_evidence_read_attached(&set, src, cand.digest);
	if (err)
		goto fail;
	for (size_t i = 0; i < set.nr; i++)
		if (qg_strvec_push(&evd, set.items[i].digest) < 0) {
			err = QG_ENOMEM;
			goto fail;
		}
	if ((err = dp_evidence_judge(r, &set, o->require, artifact_commit(&cand.m), &cand.m)))
		goto fail;
	if (qg_result_status(r) != QG_STATUS_PASS) {
		err = CHECK(r, "promote.move", QG_STATUS_SKIP,
			    "%s not moved: the evidence does not allow %s", to.tag, cand.digest);
		if (!err)
			err = audit(&ac, "promote", old, old, "fail");
		goto out;
	}
	if (o->dry_run) {
		/* what the real run would check before moving, then nothing moves */
		if ((err = verify_blobs(src, &cand, 0)))
			goto done;
		err = CHECK(r, "promote.move", QG_STATUS_SKIP,
			    "dry run: %s would move from %s to %s", to.tag, or_none(old),
			    cand.digest);
		goto out;
	}
	if (!strcmp(old, cand.digest)) {
		err = CHECK(r, "promote.move", QG_STATUS_PASS, "%s already points at %s", to.tag,
			    cand.digest);
		if (!err)
			err = audit(&ac, "promote", old, old, "pass");
		goto out;
	}

	sent0 = dst->bytes_sent, blobs0 = dst->blobs_sent, skipped0 = dst->blobs_skipped;
	if (same)
		err = verify_blobs(src, &cand, 0);
	else if (!(err = dp_artifact_copy(dst, src, cand.digest, NULL, NULL)))
		err = copy_referrers(dst, src, cand.digest);
	if (!err)
		err = test_hold();
	if (!err)
		err = swap(dst, to.tag, &cand, old);
	if (err == QG_ECONFLICT) {
		qg_error_clear();
		if ((err = tag_digest(dst, to.tag, now)))
			goto fail;
		err = CHECK(r, "promote.move", QG_STATUS_FAIL, "%s moved (was %s, now %s)", to.tag,
			    or_none(old), or_none(now));
		if (!err)
			err = audit(&ac, "promote", now, now, "fail");
		goto out;
	}
	if (err)
		goto fail;
	moved = 1;
	if ((err = metric(r, "bytes_sent", (double)(dst->bytes_sent - sent0))) ||
	    (err = metric(r, "blobs_sent", (double)(dst->blobs_sent - blobs0))) ||
	    (err = metric(r, "blobs_skipped", (double)(dst->blobs_skipped - skipped0))))
		goto out;
	if ((err = CHECK(r, "promote.move", QG_STATUS_PASS, "%s -> %s (was %s)", to.tag,
			 cand.digest, or_none(old))))
		goto out;
	sent0 = dst->bytes_sent;
	if ((err = keep_previous(dst, to.tag, old)))
		goto fail_moved;
	/* tagging TAG-previous is one more manifest PUT on a registry: counted apart */
	if ((err = metric(r, "previous_bytes_sent", (double)(dst->bytes_sent - sent0))))
		goto out;
	if ((err = audit(&ac, "promote", old, cand.digest, "pass")))
		goto out;

	if (o->health && o->health->url) {
		size_t before = r->nr_checks;
		char why[2048];
		int herr;

		herr = dp_health_watch(r, o->health);
		if (herr < 0) {
			int code = herr;

			snprintf(why, sizeof(why), "%s", qg_error_last());
			if ((err = audit(&ac, "health", cand.digest, cand.digest, "error")))
				goto out;
			if ((err = undo(r, dst, &ac, to.tag, old, cand.digest,
					"health check error")))
				goto out;
			moved = 0;
			err = qg_error(code, "%s (%s rolled back to %s)", why, to.tag,
				       or_none(old));
			goto out;
		}
		if (any_failed_since(r, before)) {
			if ((err = audit(&ac, "health", cand.digest, cand.digest, "fail")))
				goto out;
			if ((err = undo(r, dst, &ac, to.tag, old, cand.digest,
					"unhealthy after the promotion")))
				goto out;
			moved = 0;
		} else if ((err = audit(&ac, "health", cand.digest, cand.digest, "pass"))) {
			goto out;
		}
	}
	goto out;

fail_moved:
	/* the tag moved but keeping TAG-previous failed: say where the tag is */
	qg_error_wrap("%s now points at %s, but: ", to.tag, cand.digest);
fail:
	if (err < 0 && err != QG_ENOMEM)
		err = audit_error(&ac, "promote", old, moved ? cand.digest : old, err);
out:
	if (!err)
		err = output(outputs, "digest", cand.digest);
	if (!err)
		err = output(outputs, "previous", old);
	if (!err)
		err = output(outputs, "moved", moved ? "true" : "false");
done:
	art_release(&cand);
	dp_evidence_release(&set);
	qg_strvec_clear(&evd);
	if (dst && dst != src)
		dp_store_close(dst);
	dp_store_close(src);
	dp_ref_release(&from);
	dp_ref_release(&to);
	return err;
}

/* ------------------------------------------------------------------ rollback */

int dp_rollback(struct qg_result *r, const struct dp_rollback_opts *o, struct qg_strvec *outputs)
{
	struct dp_ref target = { 0 };
	struct dp_store *s = NULL;
	struct audit_ctx ac = { &o->audit, NULL, NULL, NULL };
	struct art want;
	char cur[DP_DIGEST_SIZE] = "", now[DP_DIGEST_SIZE], prev[TAG_MAX + 16],
	     to[DP_DIGEST_SIZE] = "";
	int err, moved = 0;

	art_init(&want);
	if ((err = dp_ref_parse(&target, o->target, 1)))
		goto done;
	if (!target.tag || target.digest[0]) {
		err = qg_error(QG_EUSAGE,
			       "--target '%s': expected TARGET:TAG (rollback moves a tag)",
			       o->target);
		goto done;
	}
	if (o->to && !dp_digest_valid(o->to)) {
		err = qg_error(QG_EUSAGE, "--to '%s': expected sha256:<64 lowercase hex>", o->to);
		goto done;
	}
	if ((err = previous_tag(prev, target.tag)))
		goto done;
	if ((err = dp_store_open(&s, &target, &o->store)))
		goto done;
	ac.store = s;
	ac.tag = target.tag;
	if ((err = tag_digest(s, target.tag, cur)))
		goto fail;
	if (o->to) {
		snprintf(to, sizeof(to), "%s", o->to);
	} else {
		if ((err = tag_digest(s, prev, to)))
			goto fail;
		if (!*to) {
			err = qg_error(QG_EINPUT,
				       "'%s': no tag '%s' to roll back to (give --to DIGEST)",
				       s->ref.text, prev);
			goto fail;
		}
	}
	err = art_read(&want, s, to);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': manifest %s is not in the store", s->ref.text, to);
	if (!err)
		err = verify_blobs(s, &want, 0);
	if (err)
		goto fail;
	if ((err = metric_str(r, "digest", want.digest)) || (err = metric_str(r, "previous", cur)))
		goto fail;
	if (!strcmp(cur, want.digest)) {
		err = CHECK(r, "rollback.move", QG_STATUS_PASS, "%s already points at %s",
			    target.tag, want.digest);
		if (!err)
			err = audit(&ac, "rollback", cur, cur, "pass");
		goto out;
	}
	if (!(err = test_hold()))
		err = swap(s, target.tag, &want, cur);
	if (err == QG_ECONFLICT) {
		qg_error_clear();
		if ((err = tag_digest(s, target.tag, now)))
			goto fail;
		err = CHECK(r, "rollback.move", QG_STATUS_FAIL, "%s moved (was %s, now %s)",
			    target.tag, or_none(cur), or_none(now));
		if (!err)
			err = audit(&ac, "rollback", now, now, "fail");
		goto out;
	}
	if (err)
		goto fail;
	moved = 1;
	if ((err = CHECK(r, "rollback.move", QG_STATUS_PASS, "%s -> %s (was %s)", target.tag,
			 want.digest, or_none(cur))))
		goto out;
	if ((err = keep_previous(s, target.tag, cur))) {
		qg_error_wrap("%s now points at %s, but: ", target.tag, want.digest);
		goto fail;
	}
	err = audit(&ac, "rollback", cur, want.digest, "pass");
	goto out;
fail:
	if (err < 0 && err != QG_ENOMEM)
		err = audit_error(&ac, "rollback", cur, moved ? want.digest : cur, err);
out:
	if (!err)
		err = output(outputs, "digest", moved ? want.digest : cur);
	if (!err)
		err = output(outputs, "previous", cur);
	if (!err)
		err = output(outputs, "moved", moved ? "true" : "false");
done:
	art_release(&want);
	dp_store_close(s);
	dp_ref_release(&target);
	return err;
}
