/* hook.c -- qgate hook install|uninstall|status: the git pre-push hook
 *
 * The repository and the folder git runs its hooks from come from libgit2
 * (qg_git_hooks_dir: core.hooksPath, or the common git folder's hooks/, which
 * a linked worktree shares). The hook is a small POSIX sh script recognised
 * as ours by its marker line; nothing the user typed goes into it except the
 * absolute path of this qgate and the stage name, both single-quoted (the
 * stage is also limited to [A-Za-z0-9._-]). A hook qgate did not write is
 * never replaced without --force; with it the old one is kept beside ours as
 * pre-push.qgate-saved and run first, with the same arguments and stdin.
 *
 * What the hook does at push time (the script below): for each ref line git
 * passes on stdin (<local ref> <local sha> <remote ref> <remote sha>) it
 * skips a deleted branch (local sha all zeros), and runs `qgate run --stage
 * STAGE --changed-since BASE`, BASE being the remote sha, or for a new
 * branch (remote sha all zeros) the merge base with the default branch
 * (<remote>/HEAD, origin/HEAD, then main or master). When no base can be
 * found (the remote's commit is not here, no default branch) every step
 * runs, and the hook says so. A failing run blocks the push (its exit code),
 * after qgate run's summary. QGATE_SKIP=1 skips qgate's part and says so;
 * `git push --no-verify` is git's own skip. qgate run checks a work tree:
 * pushing HEAD checks the work tree as it is (uncommitted changes and
 * untracked data included, as the user sees it); pushing another commit
 * checks that commit in a temporary detached worktree (removed after; files
 * git does not track are not there).
 *
 * Exit codes: install/uninstall 0 done, 2 a refusal (a foreign hook, a bare
 * repository, a bad stage), 3 the repository or a file could not be
 * read or written; status 0 installed, 1 not installed, a foreign hook,
 * or our hook naming a qgate that is no longer there ("broken").
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/git.h"
#include "qgate/opts.h"
#include "qgate/path.h"

#include "front.h"

#define HOOK_NAME "pre-push"
#define SAVED_SUFFIX ".qgate-saved"
#define MARKER "# qgate-hook: written by 'qgate hook install'"
#define MARKER_PREFIX "# qgate-hook:"
#define HEAD_MAX 4096

static const char *const usage[] = {
	"qgate hook install [--stage NAME] [--force]",
	"qgate hook uninstall",
	"qgate hook status",
	NULL,
};

static const char description[] =
	"Install, remove or show the git pre-push hook that runs 'qgate run --stage NAME\n"
	"--changed-since <remote sha>' before each push (a new branch: since the merge\n"
	"base with the default branch) and blocks the push when a gate fails. The hooks\n"
	"folder is the repository's (core.hooksPath honoured; worktrees share it). A hook\n"
	"qgate did not write is left alone unless --force, which keeps it as\n"
	"pre-push.qgate-saved and runs it first. QGATE_SKIP=1 or 'git push --no-verify'\n"
	"skips the hook. status: exit 0 installed, 1 not installed or a foreign hook.";

/* The script; %1$s: the qgate path, %2$s: the stage, both already quoted. */
static const char script_head[] =
	"#!/bin/sh\n" MARKER "; 'qgate hook uninstall' removes it\n"
	"# Runs the stage below of qgate.json's pipeline on what is being pushed and\n"
	"# blocks the push when a gate fails. QGATE_SKIP=1 or 'git push --no-verify' skips it.\n";

static const char script_body[] =
	"saved=\"$(dirname \"$0\")/" HOOK_NAME SAVED_SUFFIX "\"\n"
	"input=$(cat)\n"
	"if [ -x \"$saved\" ]; then\n"
	"\tif [ -n \"$input\" ]; then\n"
	"\t\tprintf '%s\\n' \"$input\" | \"$saved\" \"$@\"\n"
	"\telse\n"
	"\t\t\"$saved\" \"$@\" </dev/null\n"
	"\tfi\n"
	"\trc=$?\n"
	"\tif [ \"$rc\" -ne 0 ]; then\n"
	"\t\techo \"qgate: push blocked by the saved hook $saved (exit $rc)\" >&2\n"
	"\t\texit \"$rc\"\n"
	"\tfi\n"
	"fi\n"
	"if [ \"${QGATE_SKIP:-}\" = 1 ]; then\n"
	"\techo \"qgate: pre-push hook skipped (QGATE_SKIP=1): stage '$stage' not run\" >&2\n"
	"\texit 0\n"
	"fi\n"
	"zero() { case $1 in *[!0]*) return 1 ;; *) return 0 ;; esac; }\n"
	"default_branch() {\n"
	"\tfor r in \"refs/remotes/$1/HEAD\" refs/remotes/origin/HEAD \"refs/remotes/$1/main\" \\\n"
	"\t\t\"refs/remotes/$1/master\" refs/remotes/origin/main refs/remotes/origin/master \\\n"
	"\t\trefs/heads/main refs/heads/master; do\n"
	"\t\tif git rev-parse -q --verify \"$r^{commit}\" >/dev/null 2>&1; then\n"
	"\t\t\techo \"$r\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\tdone\n"
	"\treturn 1\n"
	"}\n"
	"head=$(git rev-parse -q --verify HEAD 2>/dev/null)\n"
	"tmp=\n"
	"cleanup() {\n"
	"\tif [ -n \"$tmp\" ]; then\n"
	"\t\tgit worktree remove --force \"$tmp/wt\" >/dev/null 2>&1\n"
	"\t\trm -rf \"$tmp\"\n"
	"\t\ttmp=\n"
	"\tfi\n"
	"}\n"
	"trap cleanup EXIT\n"
	"trap 'exit 130' INT\n"
	"trap 'exit 143' TERM\n"
	"while read -r local_ref local_sha remote_ref remote_sha; do\n"
	"\t[ -n \"$local_sha\" ] || continue\n"
	"\tif zero \"$local_sha\"; then\n"
	"\t\techo \"qgate: $remote_ref is being deleted: nothing to check\" >&2\n"
	"\t\tcontinue\n"
	"\tfi\n"
	"\tbase=\n"
	"\tif zero \"$remote_sha\"; then\n"
	"\t\tif ! def=$(default_branch \"$1\"); then\n"
	"\t\t\techo \"qgate: $remote_ref is a new branch and no default branch was found ($1/HEAD, origin/HEAD, main, master): checking every step\" >&2\n"
	"\t\telif ! base=$(git merge-base \"$def\" \"$local_sha\" 2>/dev/null); then\n"
	"\t\t\tbase=\n"
	"\t\t\techo \"qgate: $remote_ref is a new branch with no common history with $def: checking every step\" >&2\n"
	"\t\telif [ \"$base\" = \"$local_sha\" ]; then\n"
	"\t\t\tbase=\n"
	"\t\t\techo \"qgate: $remote_ref is a new branch with no commits of its own over $def: checking every step\" >&2\n"
	"\t\telse\n"
	"\t\t\techo \"qgate: $remote_ref is a new branch: checking changes since its merge base with $def ($base)\" >&2\n"
	"\t\tfi\n"
	"\telif git cat-file -e \"$remote_sha^{commit}\" 2>/dev/null; then\n"
	"\t\tbase=$remote_sha\n"
	"\telse\n"
	"\t\techo \"qgate: $remote_ref's commit $remote_sha is not in this repository (fetch first?): checking every step\" >&2\n"
	"\tfi\n"
	"\tdir=.\n"
	"\tif [ \"$local_sha\" != \"$head\" ]; then\n"
	"\t\tcleanup\n"
	"\t\ttmp=$(mktemp -d \"${TMPDIR:-/tmp}/qgate-hook.XXXXXX\") || exit 3\n"
	"\t\tdir=$tmp/wt\n"
	"\t\techo \"qgate: $local_ref is not the checked-out HEAD: checking $local_sha in a temporary worktree\" >&2\n"
	"\t\tif ! git -c core.hooksPath=/dev/null worktree add -q --detach \"$dir\" \"$local_sha\" >/dev/null 2>&1; then\n"
	"\t\t\techo \"qgate: push of $local_ref blocked: cannot check out $local_sha to check it\" >&2\n"
	"\t\t\texit 3\n"
	"\t\tfi\n"
	"\tfi\n"
	"\tif [ -n \"$base\" ]; then\n"
	"\t\t(cd \"$dir\" && exec \"$qgate\" run --stage \"$stage\" --changed-since \"$base\" </dev/null)\n"
	"\telse\n"
	"\t\t(cd \"$dir\" && exec \"$qgate\" run --stage \"$stage\" </dev/null)\n"
	"\tfi\n"
	"\trc=$?\n"
	"\tcleanup\n"
	"\tif [ \"$rc\" -ne 0 ]; then\n"
	"\t\techo \"qgate: push of $local_ref blocked: stage '$stage' exit $rc (QGATE_SKIP=1 or 'git push --no-verify' skips the hook)\" >&2\n"
	"\t\texit \"$rc\"\n"
	"\tfi\n"
	"done <<QGATE_EOF\n"
	"$input\n"
	"QGATE_EOF\n"
	"exit 0\n";

static int die(int err)
{
	fprintf(stderr, "qgate: error: %s\n", *qg_error_last() ? qg_error_last() : "unknown error");
	return err == QG_EUSAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
}

/* s in single quotes for sh ('\'' for a quote). */
static int sh_quote(struct qg_buf *b, const char *s)
{
	int err = qg_buf_addch(b, '\'');

	for (; !err && *s; s++)
		err = *s == '\'' ? qg_buf_addstr(b, "'\\''") : qg_buf_addch(b, *s);
	return err ? err : qg_buf_addch(b, '\'');
}

static int valid_stage(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 128 && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

struct hook_where {
	struct qg_buf dir;    /* the hooks folder */
	struct qg_buf path;   /* dir/pre-push */
	struct qg_buf saved;  /* dir/pre-push.qgate-saved */
	int from_config;      /* core.hooksPath chose dir */
};

static void where_release(struct hook_where *w)
{
	qg_buf_release(&w->dir);
	qg_buf_release(&w->path);
	qg_buf_release(&w->saved);
}

static int find_hooks(struct hook_where *w, int need_worktree)
{
	struct qg_git_repo *repo = NULL;
	int err = qg_git_repo_open(&repo, ".");

	if (!err && need_worktree && !*qg_git_repo_workdir(repo))
		err = qg_error(QG_EUSAGE, "a bare repository pushes nothing: run 'qgate hook install' in a work tree");
	if (!err)
		err = qg_git_hooks_dir(repo, &w->dir, &w->from_config);
	if (!err)
		err = qg_buf_addf(&w->path, "%s/" HOOK_NAME, w->dir.buf);
	if (!err)
		err = qg_buf_addf(&w->saved, "%s/" HOOK_NAME SAVED_SUFFIX, w->dir.buf);
	qg_git_repo_free(repo);
	return err;
}

enum hook_kind { HOOK_NONE = 0, HOOK_OURS, HOOK_FOREIGN };

/* The value of `name='...'` on a line of our script (sh_quote's quoting
 * undone) into out; 0 when there is no such line. */
static int script_value(const char *head, const char *name, struct qg_buf *out)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s;
	int err = qg_buf_addf(&key, "\n%s='", name);

	qg_buf_reset(out);
	s = err ? NULL : strstr(head, key.buf);
	if (s)
		for (s += key.len; !err && *s && *s != '\n'; s++) {
			if (*s != '\'')
				err = qg_buf_addch(out, *s);
			else if (strncmp(s, "'\\''", 4))
				break;
			else {
				err = qg_buf_addch(out, '\'');
				s += 3;
			}
		}
	qg_buf_release(&key);
	return err;
}

/* What is at path: nothing, our hook (its first lines hold the marker), or
 * anything else. For our hook, the stage it runs and the qgate it names go
 * into stage and qgate (when given). */
static int hook_kind(const char *path, enum hook_kind *out, struct qg_buf *stage, struct qg_buf *qgate)
{
	char head[HEAD_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd;

	*out = HOOK_NONE;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
	}
	*out = HOOK_FOREIGN;
	if (!S_ISREG(st.st_mode))
		return 0; /* a symlink or anything else is not something we wrote */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
	do
		n = read(fd, head, HEAD_MAX);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
	head[n] = '\0';
	{
		char *nl = strchr(head, '\n');

		if (!nl || strncmp(nl + 1, MARKER_PREFIX, strlen(MARKER_PREFIX)))
			return 0;
	}
	*out = HOOK_OURS;
	if (stage && script_value(head, "stage", stage) < 0)
		return QG_ENOMEM;
	if (qgate && script_value(head, "qgate", qgate) < 0)
		return QG_ENOMEM;
	return 0;
}

static int write_script(const char *tmp, const char *qgate, const char *stage)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int err, fd = -1;
	size_t off = 0;

	err = qg_buf_addstr(&b, script_head);
	if (!err)
		err = qg_buf_addstr(&b, "qgate=");
	if (!err)
		err = sh_quote(&b, qgate);
	if (!err)
		err = qg_buf_addstr(&b, "\nstage=");
	if (!err)
		err = sh_quote(&b, stage);
	if (!err)
		err = qg_buf_addch(&b, '\n');
	if (!err)
		err = qg_buf_addstr(&b, script_body);
	if (err)
		goto done;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0) {
		err = qg_error(QG_EIO, "'%s': %s", tmp, strerror(errno));
		goto done;
	}
	while (off < b.len) {
		ssize_t w = write(fd, b.buf + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = qg_error(QG_EIO, "'%s': %s", tmp, strerror(errno));
			goto done;
		}
		off += (size_t)w;
	}
	/* the umask may have taken bits away; a hook must be executable */
	if (fchmod(fd, 0755) < 0 || fsync(fd) < 0)
		err = qg_error(QG_EIO, "'%s': %s", tmp, strerror(errno));
done:
	if (fd >= 0 && close(fd) < 0 && !err)
		err = qg_error(QG_EIO, "'%s': %s", tmp, strerror(errno));
	if (err && fd >= 0)
		unlink(tmp);
	qg_buf_release(&b);
	return err;
}

static int cmd_install(const char *stage, int force)
{
	struct hook_where w = { QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), 0 };
	struct qg_buf self = QG_BUF_INIT(QG_CAP_PATH), tmp = QG_BUF_INIT(QG_CAP_PATH);
	enum hook_kind kind;
	int ret = QG_EXIT_ERROR, err, kept = 0;

	if (!valid_stage(stage)) {
		ret = die(qg_error(QG_EUSAGE, "--stage '%s': a stage name is letters, digits, '.', '_' and '-'", stage));
		goto done;
	}
	if ((err = find_hooks(&w, 1)) < 0 || (err = qg_path_self_dir(&self)) < 0 ||
	    (err = qg_buf_addstr(&self, "/qgate")) < 0) {
		ret = die(err);
		goto done;
	}
	if (self.buf[0] != '/' || strchr(self.buf, '\n') || access(self.buf, X_OK) < 0) {
		ret = die(qg_error(QG_EINPUT, "'%s': cannot find this qgate's own executable to name in the hook", self.buf));
		goto done;
	}
	if ((err = hook_kind(w.path.buf, &kind, NULL, NULL)) < 0) {
		ret = die(err);
		goto done;
	}
	if (kind == HOOK_FOREIGN && !force) {
		fprintf(stderr,
			"qgate: error: '%s': a pre-push hook qgate did not write is there (no '" MARKER_PREFIX
			"' line); left alone\n"
			"hint: 'qgate hook install --force' keeps it as '%s' and runs it before qgate's checks\n",
			w.path.buf, w.saved.buf);
		ret = QG_EXIT_USAGE;
		goto done;
	}
	if (kind == HOOK_FOREIGN && access(w.saved.buf, F_OK) == 0) {
		fprintf(stderr, "qgate: error: '%s' already exists: --force would lose one of two foreign hooks; "
			"move it away first\n", w.saved.buf);
		ret = QG_EXIT_USAGE;
		goto done;
	}
	if ((err = qg_file_mkdirs(w.dir.buf, 0777)) < 0 ||
	    (err = qg_buf_addf(&tmp, "%s/." HOOK_NAME ".qgate-tmp.%ld", w.dir.buf, (long)getpid())) < 0) {
		ret = die(err);
		goto done;
	}
	unlink(tmp.buf); /* a leftover of this pid from a crash */
	if ((err = write_script(tmp.buf, self.buf, stage)) < 0) {
		ret = die(err);
		goto done;
	}
	if (kind == HOOK_FOREIGN) {
		if (rename(w.path.buf, w.saved.buf) < 0) {
			qg_error(QG_EIO, "cannot keep '%s' as '%s': %s", w.path.buf, w.saved.buf, strerror(errno));
			unlink(tmp.buf);
			ret = die(QG_EIO);
			goto done;
		}
		kept = 1;
	}
	if (rename(tmp.buf, w.path.buf) < 0) {
		qg_error(QG_EIO, "'%s': %s", w.path.buf, strerror(errno));
		unlink(tmp.buf);
		if (kept && rename(w.saved.buf, w.path.buf) < 0)
			fprintf(stderr, "qgate: error: the old hook stays at '%s'\n", w.saved.buf);
		ret = die(QG_EIO);
		goto done;
	}
	printf("%s pre-push hook: %s (stage '%s'%s)\n", kind == HOOK_OURS ? "updated" : "installed", w.path.buf, stage,
	       w.from_config ? "; the folder is core.hooksPath" : "");
	if (kept)
		printf("kept the previous hook as %s; it runs first\n", w.saved.buf);
	else if (access(w.saved.buf, X_OK) == 0)
		printf("runs %s first\n", w.saved.buf);
	ret = QG_EXIT_PASS;
done:
	qg_buf_release(&tmp);
	qg_buf_release(&self);
	where_release(&w);
	return ret;
}

static int cmd_uninstall(void)
{
	struct hook_where w = { QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), 0 };
	enum hook_kind kind;
	int ret = QG_EXIT_ERROR, err;

	if ((err = find_hooks(&w, 0)) < 0 || (err = hook_kind(w.path.buf, &kind, NULL, NULL)) < 0) {
		ret = die(err);
		goto done;
	}
	if (kind == HOOK_NONE) {
		printf("no pre-push hook in %s: nothing to remove\n", w.dir.buf);
		ret = QG_EXIT_PASS;
		goto done;
	}
	if (kind == HOOK_FOREIGN) {
		fprintf(stderr, "qgate: error: '%s' was not written by qgate (no '" MARKER_PREFIX "' line); left alone\n",
			w.path.buf);
		ret = QG_EXIT_USAGE;
		goto done;
	}
	if (access(w.saved.buf, F_OK) == 0) {
		/* rename over ours: there is never a moment without a hook */
		if (rename(w.saved.buf, w.path.buf) < 0) {
			ret = die(qg_error(QG_EIO, "cannot restore '%s' as '%s': %s", w.saved.buf, w.path.buf,
					   strerror(errno)));
			goto done;
		}
		printf("removed qgate's pre-push hook; restored the previous one: %s\n", w.path.buf);
	} else {
		if (unlink(w.path.buf) < 0) {
			ret = die(qg_error(QG_EIO, "'%s': %s", w.path.buf, strerror(errno)));
			goto done;
		}
		printf("removed qgate's pre-push hook: %s\n", w.path.buf);
	}
	ret = QG_EXIT_PASS;
done:
	where_release(&w);
	return ret;
}

static int cmd_status(void)
{
	struct hook_where w = { QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), QG_BUF_INIT(QG_CAP_PATH), 0 };
	struct qg_buf stage = QG_BUF_INIT(QG_CAP_MESSAGE), qgate = QG_BUF_INIT(QG_CAP_PATH);
	enum hook_kind kind;
	int ret = QG_EXIT_ERROR, err;
	const char *why;

	if ((err = find_hooks(&w, 0)) < 0 || (err = hook_kind(w.path.buf, &kind, &stage, &qgate)) < 0) {
		ret = die(err);
		goto done;
	}
	why = w.from_config ? " (core.hooksPath)" : "";
	if (kind == HOOK_OURS) {
		if (qgate.buf[0] != '/' || access(qgate.buf, X_OK) < 0) {
			/* a moved or removed qgate: every push would be blocked */
			printf("broken: %s (stage '%s')%s runs '%s', which is not an executable; "
			       "run 'qgate hook install' again\n", w.path.buf, stage.buf, why, qgate.buf);
			ret = QG_EXIT_FAIL;
			goto done;
		}
		printf("installed: %s (stage '%s')%s\n", w.path.buf, stage.buf, why);
		if (access(w.saved.buf, X_OK) == 0)
			printf("runs first: %s\n", w.saved.buf);
		ret = QG_EXIT_PASS;
	} else if (kind == HOOK_FOREIGN) {
		printf("foreign hook: %s was not written by qgate%s\n", w.path.buf, why);
		ret = QG_EXIT_FAIL;
	} else {
		printf("not installed: no pre-push hook in %s%s\n", w.dir.buf, why);
		ret = QG_EXIT_FAIL;
	}
done:
	qg_buf_release(&qgate);
	qg_buf_release(&stage);
	where_release(&w);
	return ret;
}

int front_cmd_hook(int argc, const char **argv)
{
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_REPORT);
	const char *stage = "pre-push", *sub = NULL;
	int help = 0, force = 0, ret = QG_EXIT_ERROR, err;
	const struct qg_option options[] = {
		QG_OPT_FLAG_('h', "help", &help, "show this help and exit 0"),
		QG_OPT_STRING_(0, "stage", &stage, "NAME", "install: the pipeline stage the hook runs (default pre-push)"),
		QG_OPT_FLAG_(0, "force", &force, "install: keep a foreign pre-push hook as pre-push.qgate-saved and run it first"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = "qgate hook",
		.usage = usage,
		.description = description,
		.options = options,
	};

	err = qg_opts_parse(&ctx, argc, argv, &rest);
	if (err < 0) {
		ret = die(err);
		goto done;
	}
	if (help) {
		if (!(err = qg_opts_help(&text, &ctx)))
			fputs(text.buf, stdout);
		ret = err ? die(err) : QG_EXIT_PASS;
		goto done;
	}
	if (!rest.nr) {
		ret = die(qg_error(QG_EUSAGE, "'qgate hook' needs install, uninstall or status (see 'qgate hook --help')"));
		goto done;
	}
	sub = rest.v[0];
	if (rest.nr > 1) {
		ret = die(qg_error(QG_EUSAGE, "unexpected argument '%s' (see 'qgate hook --help')", rest.v[1]));
		goto done;
	}
	if (strcmp(sub, "install") && (force || strcmp(stage, "pre-push"))) {
		ret = die(qg_error(QG_EUSAGE, "--stage and --force go with 'qgate hook install' only"));
		goto done;
	}
	if (!strcmp(sub, "install"))
		ret = cmd_install(stage, force);
	else if (!strcmp(sub, "uninstall"))
		ret = cmd_uninstall();
	else if (!strcmp(sub, "status"))
		ret = cmd_status();
	else
		ret = die(qg_error(QG_EUSAGE, "'%s' is not a hook command: install, uninstall or status", sub));
done:
	qg_buf_release(&text);
	qg_strvec_clear(&rest);
	return ret;
}
