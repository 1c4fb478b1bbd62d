/* merge_gates.c -- qgate merge for the shards a gate merges itself
 *
 * Test results are merged by qgate-test (`qgate-test --merge RESULT.json...
 * --out DIR`), which knows its tests; profile shards by qgate-data
 * (`qgate-data profile --merge P... --profile-out DIR/<name> --out DIR`),
 * whose sketches merge. The gate is found next to qgate, then on PATH, and
 * run with an argument vector; its exit code is the group's. A profile
 * shard's profile is the file its result names, found by base name beside
 * the result (not a link) and checked against the SHA-256 the shard
 * recorded.
 */
#include "qgate/common.h"

#include <sys/stat.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/path.h"
#include "qgate/result.h"
#include "qgate/run.h"
#include "qgate/sha256.h"

#include "merge_parts.h"

/* Run qgate-<gate> (next to qgate, then on PATH) with args after its name;
 * its exit code in *exit_out. */
static int run_gate(const char *gate, const struct qg_strvec *args, int *exit_out)
{
	struct qg_buf self = QG_BUF_INIT(QG_CAP_PATH), exe = QG_BUF_INIT(QG_CAP_PATH), name = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_child c;
	int err;

	qg_child_init(&c);
	if (qg_path_self_dir(&self) < 0)
		qg_error_clear();
	err = qg_buf_addf(&name, "qgate-%s", gate);
	if (!err)
		err = qg_path_find(&exe, name.buf, self.buf);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "%s results need %s to merge them: not found next to qgate or on PATH", gate,
			       name.buf);
	if (!err)
		err = qg_strvec_push(&c.args, exe.buf);
	for (size_t i = 0; !err && i < args->nr; i++)
		err = qg_strvec_push(&c.args, args->v[i]);
	if (!err) {
		fflush(stdout);
		fflush(stderr);
		err = qg_child_run(&c);
	}
	if (!err) {
		if (c.exited)
			*exit_out = c.exit_code;
		else
			err = qg_error(QG_EINPUT, "'%s' did not exit (signal %d)", exe.buf, c.term_signal);
	}
	qg_child_release(&c);
	qg_buf_release(&self);
	qg_buf_release(&exe);
	qg_buf_release(&name);
	return err;
}

/* qgate-test --merge RESULT.json... --out DIR: it knows its tests */
int merge_by_test(struct group *g, const char *out_dir, int *exit_out)
{
	struct qg_strvec args = QG_STRVEC_INIT;
	int err = 0;

	/* --merge is a list flag: one value each */
	for (size_t k = 0; !err && k < g->nr; k++)
		err = qg_strvec_pushf(&args, "--merge=%s", g->v[k]->file);
	if (!err)
		err = qg_strvec_pushf(&args, "--out=%s", out_dir);
	if (!err)
		err = qg_strvec_push(&args, "-q");
	if (!err)
		err = run_gate("test", &args, exit_out);
	qg_strvec_clear(&args);
	return err;
}

/* A profile shard's profile: the file its result names (metrics.profile.
 * profile), looked up by its base name in the result's own folder (the
 * folder travels as a CI artifact; a path recorded on another machine means
 * nothing here, and nothing outside the folder given is read), a regular
 * file, not a link, with the SHA-256 the shard recorded for it. */
static int shard_profile(const struct shard *s, struct qg_buf *path, const char **base_out)
{
	const struct qg_json *pm = qg_json_get(s->r.metrics, "profile");
	const char *rec = qg_json_string(qg_json_get(pm, "profile"));
	const char *want = qg_json_string(qg_json_get(pm, "sha256"));
	const char *base, *slash = strrchr(s->file, '/');
	char hex[QG_SHA256_HEX];
	long long n = 0;
	struct stat st;
	int err;

	if (!rec || !strcmp(rec, "-"))
		return qg_error(QG_EINPUT, "'%s': the shard's profile was not written to a file (metrics.profile.profile "
					   "is %s): run each shard with --profile-out FILE inside its --out folder",
				s->file, rec ? "'-'" : "missing");
	base = strrchr(rec, '/') ? strrchr(rec, '/') + 1 : rec;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return qg_error(QG_EINPUT, "'%s': metrics.profile.profile '%s' names no file", s->file, rec);
	qg_buf_reset(path);
	if ((err = qg_buf_addf(path, "%.*s%s", slash ? (int)(slash - s->file + 1) : 0, s->file, base)) < 0)
		return err;
	if (lstat(path->buf, &st) < 0)
		return qg_error(QG_EINPUT, "'%s': its profile '%s' is not beside it ('%s': %s): write --profile-out "
					   "inside the shard's --out folder",
				s->file, rec, path->buf, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return qg_error(QG_EINPUT, "'%s': its profile '%s': not a regular file (links are not followed)",
				s->file, path->buf);
	if (!want)
		return qg_error(QG_EINPUT, "'%s': no metrics.profile.sha256 recorded (written by an older qgate-data?): "
					   "cannot tell '%s' is the profile this shard wrote",
				s->file, path->buf);
	if ((err = qg_sha256_file(hex, &n, path->buf)) < 0)
		return err;
	if (strcmp(hex, want))
		return qg_error(QG_EINPUT, "'%s': changed since shard %lld/%lld wrote it (sha256 %.16s..., recorded "
					   "%.16s...)",
				path->buf, s->i, s->n, hex, want);
	*base_out = base;
	return 0;
}

/* qgate-data profile shards: their profiles through the data gate's
 * mergeable sketches, `qgate-data profile --merge P1 P2... --profile-out
 * DIR/<name> --out DIR` (exact counts, nulls, min, max, sum, mean; KLL
 * quantiles, HyperLogLog distinct counts, space-saving top values within
 * their bounds). <name> is shard 1's profile's base name. */
int merge_by_profile(struct group *g, const char *out_dir, int *exit_out)
{
	struct qg_strvec args = QG_STRVEC_INIT;
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	const char *base = NULL, *first = NULL;
	int err = qg_strvec_push(&args, "profile");

	for (size_t k = 0; !err && k < g->nr; k++) {
		err = shard_profile(g->v[k], &path, &base);
		if (!err)
			err = qg_strvec_push(&args, path.buf);
		if (!err && !first)
			first = base;
	}
	if (!err)
		err = qg_strvec_push(&args, "--merge");
	if (!err)
		err = qg_strvec_pushf(&args, "--profile-out=%s/%s", out_dir, first);
	if (!err)
		err = qg_strvec_pushf(&args, "--out=%s", out_dir);
	if (!err)
		err = qg_strvec_push(&args, "-q");
	if (!err)
		err = run_gate("data", &args, exit_out);
	if (!err)
		printf("qgate merge: data-profile: %zu shards -> %s/%s and %s/data-profile.json (exit %d)\n", g->nr,
		       out_dir, first, out_dir, *exit_out);
	qg_strvec_clear(&args);
	qg_buf_release(&path);
	return err;
}
