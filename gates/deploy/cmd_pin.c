/* cmd_pin.c -- `qgate-deploy pin --file F --image REPO --digest sha256:... [--commit]`
 *
 * The GitOps handoff: the image references to REPO in a Kubernetes manifest
 * become REPO@sha256:... (pin.c splices only those bytes), the file is
 * replaced atomically with its mode kept, and with --commit that one file
 * is committed (libgit2) as "deploy: pin REPO to sha256:..." so Argo CD or
 * Flux rolls it out. A result like every gate's: "pin.image" (fails, exit 1,
 * when the file names no image REPO) and with --commit "pin.commit".
 * Exit 2: a malformed --digest or --image, a missing flag; exit 3: the file
 * unreadable, not YAML (file:line:col), a value pin will not rewrite, or a
 * commit that cannot be made.
 */
#include "qgate/common.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/result.h"

#include "deploy.h"
#include "pin_int.h"

#define PIN_MAX_BYTES ((size_t)64 << 20)

struct pin_opts {
	struct qg_common_opts common;
	struct qg_strvec args;
	const char *file;
	const char *image;
	const char *digest;
	int commit;
};

static const char *const pin_usage[] = {
	"qgate-deploy pin --file MANIFEST.yaml --image REPO --digest sha256:... [--commit]",
	NULL,
};

/* REPO as a registry reference names it, without a tag or digest:
 * [HOST[:PORT]/]PATH, PATH components [a-z0-9]+([._-][a-z0-9]+)*. */
static int image_valid(const char *s)
{
	const char *slash = strchr(s, '/'), *p = s;

	if (!*s || strchr(s, '@'))
		return 0;
	/* a first component with '.' or ':' (or "localhost") is a host */
	if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
		      (slash - s == 9 && !memcmp(s, "localhost", 9)))) {
		for (; p < slash; p++)
			if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == ':'))
				return 0;
		p = slash + 1;
	}
	for (;;) { /* one path component */
		const char *c = p;

		while (*p >= 'a' && *p <= 'z' ? 1 : (*p >= '0' && *p <= '9'))
			p++;
		if (p == c)
			return 0;
		if (*p == '.' || *p == '_' || *p == '-') {
			if (p[0] == '_' && p[1] == '_')
				p++;
			p++;
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
				return 0;
			continue;
		}
		if (*p == '/') {
			p++;
			continue;
		}
		return !*p;
	}
}

static int read_file(const char *path, struct qg_buf *out, struct stat *st)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if (lstat(path, st) < 0)
		return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
	if (S_ISLNK(st->st_mode))
		return qg_error(QG_EINPUT, "'%s': a symbolic link; give the file it points to", path);
	if (!S_ISREG(st->st_mode))
		return qg_error(QG_EINPUT, "'%s': not a regular file", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > PIN_MAX_BYTES || qg_buf_add(out, chunk, (size_t)n) < 0) {
			int e = errno;

			close(fd);
			if (n < 0)
				return qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(e));
			return qg_error(QG_ETOOBIG, "'%s': larger than 64 MiB: not a manifest", path);
		}
	}
	{
		struct qg_file_stamp before, after;
		struct stat now;

		qg_file_stamp_set(&before, st);
		if (fstat(fd, &now) < 0)
			memset(&now, 0, sizeof(now));
		qg_file_stamp_set(&after, &now);
		close(fd);
		if (!qg_file_stamp_equal(&before, &after) || (long long)out->len != (long long)st->st_size)
			return qg_error(QG_EIO, "'%s': changed while being read", path);
	}
	return 0;
}

/* Replace path with data: a temp file beside it with the old mode (and
 * owner, where allowed), fsynced, renamed over it, the folder fsynced. */
static int replace_file(const char *path, const struct stat *old, const struct qg_buf *data)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_PATH);
	const char *slash = strrchr(path, '/');
	size_t off = 0;
	int fd, err;

	if ((err = qg_buf_addf(&tmp, "%.*s%s.%s.qgate-pin-XXXXXX", slash ? (int)(slash - path) : 0, path, slash ? "/" : "",
			       slash ? slash + 1 : path)) < 0)
		return err;
	{
		/* an edit made since we read it would be lost: refuse, write nothing */
		struct qg_file_stamp stamp;

		qg_file_stamp_set(&stamp, old);
		if (qg_file_stamp_changed(&stamp, path)) {
			err = qg_error(QG_EIO, "'%s': changed while being pinned; nothing written", path);
			goto done;
		}
	}
	if ((fd = mkostemp(tmp.buf, O_CLOEXEC)) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot create a temporary file beside it: %s", path, strerror(errno));
		goto done;
	}
	while (off < data->len && !err) {
		ssize_t n = write(fd, data->buf + off, data->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = qg_error(QG_EIO, "'%s': cannot write: %s", path, strerror(n < 0 ? errno : ENOSPC));
		else
			off += (size_t)n;
	}
	if (!err && fchown(fd, old->st_uid, old->st_gid) < 0)
		(void)0; /* another owner's file: keeps ours, as an editor would */
	if (!err && fchmod(fd, old->st_mode & 07777) < 0)
		err = qg_error(QG_EIO, "'%s': cannot keep its mode: %s", path, strerror(errno));
	if (!err && fsync(fd) < 0)
		err = qg_error(QG_EIO, "'%s': cannot sync: %s", path, strerror(errno));
	close(fd);
	if (!err && rename(tmp.buf, path) < 0)
		err = qg_error(QG_EIO, "'%s': cannot replace it: %s", path, strerror(errno));
	if (err) {
		unlink(tmp.buf);
	} else {
		char *dir = slash ? qg_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : qg_strdup(".");
		int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
done:
	qg_buf_release(&tmp);
	return err;
}

static int commit_file(struct pin_opts *o, struct qg_result *r, struct qg_strvec *outputs, struct qg_json *m)
{
	struct qg_git_repo *repo = NULL;
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *slash = strrchr(o->file, '/');
	char *dir = slash ? qg_strndup(o->file, slash == o->file ? 1 : (size_t)(slash - o->file)) : qg_strdup(".");
	const char *paths[2] = { o->file, NULL };
	char oid[41];
	struct qg_check *c;
	int err;

	if (!dir)
		return qg_error(QG_ENOMEM, "out of memory");
	err = qg_git_repo_open(&repo, dir);
	if (!err)
		err = qg_buf_addf(&msg, "deploy: pin %s to %s\n", o->image, o->digest);
	if (!err)
		err = qg_git_commit_paths(repo, paths, msg.buf, oid);
	if (err == 1) {
		c = qg_result_add_check(r, "pin.commit", QG_STATUS_PASS, "nothing to commit: '%s' is as HEAD has it", o->file);
		err = c ? 0 : QG_ENOMEM;
	} else if (!err) {
		c = qg_result_add_check(r, "pin.commit", QG_STATUS_PASS, "committed '%s' as %s", o->file, oid);
		if (!c || qg_check_observed_string(c, oid) < 0 || qg_strvec_push(outputs, "commit") < 0 ||
		    qg_strvec_push(outputs, oid) < 0 || !qg_json_add_string(m, "commit", oid))
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	qg_git_repo_free(repo);
	qg_buf_release(&msg);
	free(dir);
	return err;
}

static int pin_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct pin_opts *o = data;
	struct qg_buf text = QG_BUF_INIT(PIN_MAX_BYTES + 1), out = QG_BUF_INIT(PIN_MAX_BYTES * 2);
	struct qg_buf again = QG_BUF_INIT(PIN_MAX_BYTES * 2);
	struct dp_pin_stats st, st2;
	struct qg_check *c;
	struct qg_json *m;
	struct stat sb;
	int err;

	if (o->args.nr)
		return qg_error(QG_EUSAGE, "unexpected argument '%s' (the manifest is given with --file)", o->args.v[0]);
	if (!o->file || !o->image || !o->digest)
		return qg_error(QG_EUSAGE, "%s is required", !o->file ? "--file" : !o->image ? "--image" : "--digest");
	if (!dp_digest_valid(o->digest))
		return qg_error(QG_EUSAGE, "--digest '%s': expected sha256:<64 lowercase hex>", o->digest);
	if (!image_valid(o->image))
		return qg_error(QG_EUSAGE, "--image '%s': expected a repository without a tag or digest "
			       "([HOST[:PORT]/]PATH, e.g. registry.example.com/ml/model)", o->image);
	if ((err = read_file(o->file, &text, &sb)) < 0)
		return err;
	if ((err = dp_pin_rewrite(&out, &st, o->file, text.buf, text.len, o->image, o->digest)) < 0)
		goto done;
	if (!st.matched) {
		c = qg_result_add_check(r, "pin.image", QG_STATUS_FAIL, "no image %s in '%s'", o->image, o->file);
		if (!c || qg_check_add_location(c, o->file, 0, 0, "no image %s", o->image) < 0 ||
		    qg_check_expected_string(c, "image: %s[:TAG][@DIGEST]", o->image) < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		qg_check_set_count(c, 1);
		goto outputs;
	}
	if (st.changed) {
		/* what was written must read back as pinned, every reference, nothing else to change */
		if ((err = dp_pin_rewrite(&again, &st2, o->file, out.buf, out.len, o->image, o->digest)) < 0 ||
		    st2.matched != st.matched || st2.changed) {
			err = err < 0 ? err : qg_error(QG_ERROR, "'%s': the rewritten text does not read back pinned", o->file);
			goto done;
		}
		if ((err = replace_file(o->file, &sb, &out)) < 0)
			goto done;
	}
	c = qg_result_add_check(r, "pin.image", QG_STATUS_PASS,
				st.changed ? "%zu of %zu image references to %s pinned to %s" :
					     "%zu of %zu image references to %s changed: pinned to %s already",
				st.changed, st.matched, o->image, o->digest);
	if (!c || qg_check_observed_string(c, o->digest) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < st.nr_lines && err >= 0; i++)
		err = qg_check_add_location(c, o->file, st.lines[i], 0, "image: %s@%s", o->image, o->digest);
	if (err < 0)
		goto done;
	err = 0;
outputs:
	m = qg_json_add_object(r->metrics, "pin");
	if (!m || !qg_json_add_number(m, "matched", (double)st.matched) ||
	    !qg_json_add_number(m, "changed", (double)st.changed) || qg_strvec_push(outputs, "changed") < 0 ||
	    qg_strvec_pushf(outputs, "%zu", st.changed) < 0 || qg_strvec_push(outputs, "image") < 0 ||
	    qg_strvec_pushf(outputs, "%s@%s", o->image, o->digest) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (st.matched && o->commit)
		err = commit_file(o, r, outputs, m);
done:
	qg_buf_release(&text);
	qg_buf_release(&out);
	qg_buf_release(&again);
	return err;
}

int dp_cmd_pin(int argc, const char **argv, const struct qg_gate *gate)
{
	struct pin_opts o = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("pin options"),
		QG_OPT_STRING_(0, "file", &o.file, "FILE", "the Kubernetes manifest (YAML, one or more documents)"),
		QG_OPT_STRING_(0, "image", &o.image, "REPO", "the repository whose image: values to pin (no tag)"),
		QG_OPT_STRING_(0, "digest", &o.digest, "DIGEST", "sha256:<hex>, the digest to pin them to"),
		QG_OPT_FLAG_(0, "commit", &o.commit, "commit the file (libgit2): \"deploy: pin REPO to DIGEST\""),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "pin",
		.usage = pin_usage,
		.description = "Rewrite every image: value naming REPO (bare, :tag or @digest) to REPO@DIGEST in a\n"
			       "Kubernetes manifest, changing no other byte of the file, and with --commit commit it so\n"
			       "Argo CD or Flux rolls it out. Exit 1 when the file names no image REPO.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = pin_run,
		.data = &o,
	};
	int ret = qg_gate_run(&cmd, argc, argv);

	qg_strvec_clear(&o.args);
	return ret;
}
