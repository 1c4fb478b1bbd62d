/* cmd_audit.c -- `qgate-deploy audit verify FILE [--pubkey FILE] [--head DIGEST]`
 *
 * Checks a hash-chained audit log (audit.c, format in deploy.h) and writes
 * a result like any gate, so CI can keep the verdict: "audit.chain" (every
 * entry links to the line before it and follows it in seq: an edited,
 * removed, reordered or inserted entry, or a cut last line, fails it with
 * the line named), "audit.signatures" (with --pubkey: every entry signed by
 * the key it names, one of those given -- several for a rotation -- each
 * signature valid; skipped without it), and with --head
 * "audit.head" (the last line is the one whose hash was kept elsewhere: the
 * loss of the newest entries shows). Exit 0 intact, 1 tampered (each line
 * named), 2 usage, 3 not an audit log (a line that is not JSON or not a
 * qgate.audit/v1 entry, named file:line) or unreadable. For oci:// and s3://
 * the log is the layer of the store's `qgate-audit` artifact (audit.c);
 * a store without that tag is exit 3 "no audit log at TARGET".
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/crypto.h"
#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/result.h"

#include "deploy.h"

struct audit_opts {
	struct qg_common_opts common;
	struct qg_strvec args; /* verify FILE */
	struct qg_strvec pubkeys;
	const char *head;
	int insecure;
	const char *ca_file;
};

static const char *const audit_usage[] = {
	"qgate-deploy audit verify FILE|oci-layout:DIR|oci://HOST[:PORT]/REPO|s3://BUCKET/PREFIX [--pubkey FILE]... [--head sha256:...]",
	NULL,
};

static int read_log(struct qg_buf *out, const char *path)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		close(fd);
		return qg_error(QG_EINPUT, "'%s': %s; expected an audit log file", path,
				S_ISDIR(st.st_mode) ? "a folder" : "not a regular file or a pipe");
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (err = qg_buf_grow(out, (size_t)st.st_size)) < 0) {
		close(fd);
		return err == QG_ETOOBIG ? qg_error(QG_ETOOBIG, "'%s': larger than 1 GiB", path) : err;
	}
	for (;;) {
		ssize_t n;

		if (out->alloc - out->len < 65536 + 1 && (err = qg_buf_grow(out, 65536)) < 0)
			break;
		p = out->buf + out->len;
		n = read(fd, p, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(errno));
			break;
		}
		if (!n)
			break;
		qg_buf_setlen(out, out->len + (size_t)n);
	}
	/* a file cut or rewritten while it was read is not the log we checked */
	if (!err && S_ISREG(st.st_mode)) {
		struct qg_file_stamp before, after;
		struct stat now;

		qg_file_stamp_set(&before, &st);
		if (fstat(fd, &now) < 0)
			memset(&now, 0, sizeof(now));
		qg_file_stamp_set(&after, &now);
		if (!qg_file_stamp_equal(&before, &after) || (long long)out->len != (long long)st.st_size)
			err = qg_error(QG_EIO, "'%s': changed while being read", path);
	}
	close(fd);
	return err;
}

/* Check the log read from path, or held in *loaded (read from a store; its bytes are taken,
 * the caller still releases it). */
static int verify(struct audit_opts *o, struct qg_result *r, struct qg_strvec *outputs, const char *path,
		  struct qg_buf *loaded)
{
	struct qg_buf data = QG_BUF_INIT(QG_CAP_FILE);
	struct qg_ed25519_key **keys = NULL;
	size_t nr_keys = 0;
	struct dp_audit_report rep;
	struct qg_check *c;
	struct qg_json *m;
	int err;

	memset(&rep, 0, sizeof(rep));
	if (o->head && !dp_digest_valid(o->head))
		return qg_error(QG_EUSAGE, "--head '%s': expected sha256:<64 lowercase hex>", o->head);
	if (o->pubkeys.nr && !(keys = calloc(o->pubkeys.nr, sizeof(*keys))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (; nr_keys < o->pubkeys.nr; nr_keys++)
		if ((err = qg_ed25519_key_load(&keys[nr_keys], o->pubkeys.v[nr_keys], 0)) < 0)
			goto done;
	if (loaded) {
		data = *loaded;
		*loaded = (struct qg_buf)QG_BUF_INIT(QG_CAP_FILE);
	}
	if ((!loaded && (err = read_log(&data, path)) < 0) ||
	    (err = dp_audit_check_keys(&rep, data.buf, data.len, path, (const struct qg_ed25519_key *const *)keys,
				       nr_keys)) < 0)
		goto done;

	/* the chain */
	if (!rep.nr_chain)
		c = qg_result_add_check(r, "audit.chain", QG_STATUS_PASS, "%zu entries, every one linked to the line before it",
					rep.entries);
	else
		c = qg_result_add_check(r, "audit.chain", QG_STATUS_FAIL, "%zu problem%s in %zu entries: the log was changed",
					rep.nr_chain, rep.nr_chain == 1 ? "" : "s", rep.entries);
	if (!c) {
		err = QG_ENOMEM;
		goto done;
	}
	qg_check_set_count(c, (long long)rep.nr_chain);
	for (size_t i = 0; i < rep.nr_problems && err >= 0; i++)
		if (rep.problems[i].kind == DP_AUDIT_CHAIN)
			err = qg_check_add_location(c, path, rep.problems[i].line, 0, "%s", rep.problems[i].message);
	if (err < 0)
		goto done;
	err = 0;

	/* the signatures */
	if (!nr_keys && rep.signed_entries)
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_SKIP,
					"%zu of %zu entries are signed; not checked without --pubkey", rep.signed_entries,
					rep.entries);
	else if (!nr_keys)
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_SKIP,
					"no entry is signed (appended without --sign-key)");
	else if (!rep.nr_signature && nr_keys == 1)
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_PASS, "%zu entries signed by %s, every signature valid",
					rep.entries, qg_ed25519_key_id(keys[0]));
	else if (!rep.nr_signature)
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_PASS,
					"%zu entries signed by the %zu keys given, every signature valid", rep.entries, nr_keys);
	else if (nr_keys == 1)
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_FAIL, "%zu of %zu entries not validly signed by %s",
					rep.nr_signature, rep.entries, qg_ed25519_key_id(keys[0]));
	else
		c = qg_result_add_check(r, "audit.signatures", QG_STATUS_FAIL,
					"%zu of %zu entries not validly signed by one of the %zu keys given", rep.nr_signature,
					rep.entries, nr_keys);
	if (!c) {
		err = QG_ENOMEM;
		goto done;
	}
	if (nr_keys)
		qg_check_set_count(c, (long long)rep.nr_signature);
	for (size_t i = 0; i < rep.nr_problems && err >= 0; i++)
		if (rep.problems[i].kind == DP_AUDIT_SIGNATURE)
			err = qg_check_add_location(c, path, rep.problems[i].line, 0, "%s", rep.problems[i].message);
	if (err < 0)
		goto done;
	err = 0;

	/* the head kept elsewhere */
	if (o->head) {
		int same = !strcmp(o->head, rep.head);

		c = qg_result_add_check(r, "audit.head", same ? QG_STATUS_PASS : QG_STATUS_FAIL,
					same ? "the last entry is the one expected" :
					"the last entry is not the one expected: entries were removed from the end, or the log was rewritten");
		if (!c || qg_check_observed_string(c, rep.head) < 0 || qg_check_expected_string(c, "%s", o->head) < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		if (!same)
			qg_check_set_count(c, 1);
	}

	m = qg_json_add_object(r->metrics, "audit");
	if (!m || !qg_json_add_number(m, "entries", (double)rep.entries) ||
	    !qg_json_add_number(m, "signed", (double)rep.signed_entries) || !qg_json_add_string(m, "head", rep.head) ||
	    qg_result_add_markdown(r, "Audit log `%s`: %zu entries, head `%s`\n", path, rep.entries, rep.head) < 0 ||
	    qg_strvec_push(outputs, "head") < 0 || qg_strvec_push(outputs, rep.head) < 0 ||
	    qg_strvec_push(outputs, "entries") < 0 || qg_strvec_pushf(outputs, "%zu", rep.entries) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
done:
	dp_audit_report_release(&rep);
	for (size_t i = 0; i < nr_keys; i++)
		qg_ed25519_key_free(keys[i]);
	free(keys);
	qg_buf_release(&data);
	return err;
}

static int audit_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct audit_opts *o = data;

	if (!o->args.nr)
		return qg_error(QG_EUSAGE, "no audit command given (expected 'verify FILE')");
	if (strcmp(o->args.v[0], "verify"))
		return qg_error(QG_EUSAGE, "unknown audit command '%s' (expected 'verify FILE')", o->args.v[0]);
	if (o->args.nr != 2)
		return qg_error(QG_EUSAGE, "audit verify takes one FILE, %zu given", o->args.nr - 1);
	/* an oci-layout target: the copy kept with it */
	if (!strncmp(o->args.v[1], "oci-layout:", 11)) {
		struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
		struct dp_ref ref;
		int err = dp_ref_parse(&ref, o->args.v[1], 0);

		if (err < 0)
			return err;
		if (ref.tag || ref.digest[0])
			err = qg_error(QG_EUSAGE, "'%s': name the layout without a tag or digest", o->args.v[1]);
		if (!err)
			err = qg_buf_addf(&path, "%s/%s", ref.dir, DP_AUDIT_LAYOUT_FILE);
		if (!err)
			err = verify(o, r, outputs, path.buf, NULL);
		qg_buf_release(&path);
		dp_ref_release(&ref);
		return err;
	}
	/* a remote target: the copy kept in it, its DP_AUDIT_TAG artifact */
	if (strstr(o->args.v[1], "://")) {
		struct dp_store_opts so = { .insecure = o->insecure, .ca_file = o->ca_file };
		struct qg_buf log = QG_BUF_INIT(QG_CAP_FILE), name = QG_BUF_INIT(QG_CAP_URL);
		struct dp_store *s = NULL;
		char digest[DP_DIGEST_SIZE];
		struct dp_ref ref;
		int err = dp_ref_parse(&ref, o->args.v[1], 0);

		if (err < 0)
			return err;
		if (ref.tag || ref.digest[0])
			err = qg_error(QG_EUSAGE, "'%s': name the store without a tag or digest (the log is its '%s' tag)",
				       o->args.v[1], DP_AUDIT_TAG);
		if (!err)
			err = qg_buf_addf(&name, "%s:%s", o->args.v[1], DP_AUDIT_TAG);
		if (!err)
			err = dp_store_open(&s, &ref, &so);
		if (!err) {
			err = dp_audit_store_read(s, &log, digest);
			if (err == QG_ENOTFOUND)
				err = qg_error(QG_EINPUT, "no audit log at %s (no '%s' tag)", o->args.v[1], DP_AUDIT_TAG);
		}
		if (!err)
			err = verify(o, r, outputs, name.buf, &log);
		if (s)
			dp_store_close(s);
		qg_buf_release(&log);
		qg_buf_release(&name);
		dp_ref_release(&ref);
		return err;
	}
	return verify(o, r, outputs, o->args.v[1], NULL);
}

int dp_cmd_audit(int argc, const char **argv, const struct qg_gate *gate)
{
	struct audit_opts o = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("audit options"),
		QG_OPT_LIST_(0, "pubkey", &o.pubkeys, "FILE",
			     "Ed25519 public key (PEM): every entry must carry a valid signature by one of these keys"),
		QG_OPT_STRING_(0, "head", &o.head, "DIGEST",
			       "the hash of the last entry, kept elsewhere (catches entries removed from the end)"),
		QG_OPT_GROUP_("store options (oci://, s3://)"),
		QG_OPT_FLAG_(0, "insecure", &o.insecure, "plain HTTP / unverified TLS (test registries only)"),
		QG_OPT_STRING_(0, "ca-file", &o.ca_file, "FILE",
			       "CA bundle (PEM) for oci:// and s3:// (replaces the system one)"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "audit",
		.usage = audit_usage,
		.description = "Verify a hash-chained audit log (FILE, or the copy kept with a target: oci-layout:DIR for\n"
			       "DIR/qgate-audit.jsonl, oci://HOST/REPO or s3://BUCKET/PREFIX for the artifact tagged\n"
			       "qgate-audit there): every entry links to the one before it (an edited, removed,\n"
			       "reordered or inserted entry is named by line), and with --pubkey every entry's Ed25519\n"
			       "signature. Exit 0 intact, 1 tampered, 3 not an audit log.",
		.options = options,
		.common = &o.common,
		.args = &o.args,
		.run = audit_run,
		.data = &o,
	};
	int ret = qg_gate_run(&cmd, argc, argv);

	qg_strvec_clear(&o.args);
	qg_strvec_clear(&o.pubkeys);
	return ret;
}
