/* gate_invocation.c -- the result's "invocation": which shard ran, and of what
 *
 * `qgate merge` unites the results of `--shard I/N` runs; it must know that
 * they are parts of one run: the same gate and command over the same
 * arguments and configuration. The fingerprint is the SHA-256 of the gate,
 * the command, the command line without the flags that differ between
 * shards, only choose where reports go or how many threads work (--shard,
 * --out, --json, --junit, --format, --color, --profile-out, --sarif,
 * --codequality, --cobertura-out, -j/--jobs, -q/--quiet, -v/--verbose: each
 * CI machine may write its own paths), and, with --config FILE,
 * the arguments the file's section gives (the same flags left out). Every
 * string is hashed with its length in front, so no two lists collide by
 * where their words break.
 *
 * The shard is recorded normalised, "I/N" in plain decimal: `--shard 0+1/4`
 * (a CI system counting from 0) records "1/4" and merges with a shard run
 * as `--shard 1/4`. A value the parser refuses is recorded as given (the
 * gate refuses it too, exit 2, with the parser's message).
 */
#include "qgate/common.h"

#include "qgate/config.h"
#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/sha256.h"
#include "qgate/shard.h"
#include "qgate/strvec.h"

/* 0 keep, 1 drop this word, 2 drop it and the next (a value) */
static int dropped(const char *a)
{
	static const char *const with_value[] = {
		"--shard",       "--out",           "--json",        "--junit",
		"--format",      "--color",         "--profile-out", "--sarif",
		"--codequality", "--cobertura-out", "--jobs",        "-j",
	};
	static const char *const alone[] = { "-q", "--quiet", "-v", "--verbose" };

	for (size_t i = 0; i < QG_ARRAY_SIZE(with_value); i++) {
		size_t n = strlen(with_value[i]);

		if (!strncmp(a, with_value[i], n)) {
			if (!a[n])
				return 2;
			if (a[n] == '=')
				return 1;
		}
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(alone); i++)
		if (!strcmp(a, alone[i]))
			return 1;
	/* -j4 */
	if (a[0] == '-' && a[1] == 'j' && a[2] && strspn(a + 2, "0123456789") == strlen(a + 2))
		return 1;
	/* -qv, -vq */
	if (a[0] == '-' && a[1] && a[1] != '-' && strspn(a + 1, "qv") == strlen(a + 1))
		return 1;
	return 0;
}

static int hash_str(struct qg_sha256 *h, const char *tag, const char *s)
{
	char len[32];
	int err;

	snprintf(len, sizeof(len), "%s%zu:", tag, s ? strlen(s) : (size_t)0);
	if ((err = qg_sha256_update(h, len, strlen(len))) < 0)
		return err;
	return s ? qg_sha256_update(h, s, strlen(s)) : 0;
}

/* Hash argv[from..] without the dropped flags; the last --shard value in *shard. */
static int hash_argv(struct qg_sha256 *h, const char *tag, int argc, const char *const *argv, int from,
		     const char **shard)
{
	int end_of_opts = 0, err;

	for (int i = from; i < argc; i++) {
		const char *a = argv[i];
		int d;

		if (!a)
			continue;
		if (!end_of_opts && !strcmp(a, "--")) {
			end_of_opts = 1;
		} else if (!end_of_opts && (d = dropped(a))) {
			if (shard && !strncmp(a, "--shard", 7))
				*shard = d == 2 ? (i + 1 < argc ? argv[i + 1] : NULL) : a + 8;
			if (d == 2)
				i++;
			continue;
		}
		if ((err = hash_str(h, tag, a)) < 0)
			return err;
	}
	return 0;
}

int qg_gate_invocation(struct qg_result *r, const struct qg_opts_ctx *ctx, const char *config, int argc,
		       const char **argv)
{
	struct qg_sha256 *h = NULL;
	char hex[QG_SHA256_HEX], fp[8 + QG_SHA256_HEX], norm[48];
	const char *shard = NULL;
	struct qg_json *inv;
	int err;

	if ((err = qg_sha256_new(&h)) < 0)
		return err;
	err = hash_str(h, "g", r->gate);
	if (!err)
		err = hash_str(h, "c", r->command ? r->command : "");
	/* argv[0] is the command's name: already hashed */
	if (!err)
		err = hash_argv(h, "a", argc, argv, 1, &shard);
	if (!err && config) {
		struct qg_strvec cargv = QG_STRVEC_INIT, cargs = QG_STRVEC_INIT;

		/* the section as the parser applied it (it was read without error
		 * moments ago; a file changed since is hashed as it is now) */
		if (ctx->subcommands || !ctx->commands)
			err = qg_config_to_argv_sub(&cargv, &cargs, config, ctx->config_section, ctx->options,
						    ctx->subcommands);
		else
			err = qg_config_to_argv_cmds(&cargv, &cargs, config, ctx->config_section, ctx->options,
						     ctx->commands);
		if (!err)
			err = hash_argv(h, "k", (int)cargv.nr, (const char *const *)cargv.v, 0, NULL);
		for (size_t i = 0; !err && i < cargs.nr; i++)
			err = hash_str(h, "p", cargs.v[i]);
		qg_strvec_clear(&cargv);
		qg_strvec_clear(&cargs);
	}
	if (!err)
		err = qg_sha256_final(h, hex);
	qg_sha256_free(h);
	if (err < 0)
		return err;
	snprintf(fp, sizeof(fp), "sha256:%s", hex);
	if (shard) {
		struct qg_shard sh;

		if (qg_shard_parse(&sh, shard) < 0) {
			qg_error_clear(); /* the gate's own parse reports it */
		} else {
			snprintf(norm, sizeof(norm), "%lld/%lld", sh.index, sh.count);
			shard = norm;
		}
	}
	if (!(inv = qg_json_new_object()) ||
	    !(shard ? qg_json_add_string(inv, "shard", shard) : qg_json_add_null(inv, "shard")) ||
	    !qg_json_add_string(inv, "fingerprint", fp)) {
		qg_json_free(inv);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	qg_json_free(r->invocation);
	r->invocation = inv;
	return 0;
}
