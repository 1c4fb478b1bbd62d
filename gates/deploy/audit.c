/* audit.c -- the hash-chained JSON Lines audit log: append, sign (Ed25519), check
 *
 * Every push, promote, rollback and health verdict appends one line to the
 * log (deploy.h has the format). Each line names the previous line's
 * SHA-256 (`prev`) and its place (`seq`), so an entry that is edited,
 * removed, reordered or inserted breaks the chain at a line that can be
 * named; with --sign-key each line also carries an Ed25519 signature over
 * its own bytes, so a rewrite of the whole chain from some point on needs
 * the key. What no chain can show alone is the loss of the newest entries:
 * `audit verify --head DIGEST` compares the last line with a hash kept
 * elsewhere, and the copy kept with an oci-layout target is a second log.
 *
 * Appending: O_APPEND, under an exclusive flock, the previous line read
 * back for its hash, the new line written with one write() and fsynced; a
 * short write is cut off again (ftruncate under the lock), so the log only
 * ever grows by whole lines.
 *
 * Reading: lines are parsed by a small strict reader of flat JSON objects
 * (strings, null, integers, arrays of strings: all an entry holds) rather
 * than a general JSON tree, so 100,000 entries are checked well under a
 * second (tests/bench/bench_audit.sh); anything it does not accept is not
 * an audit entry. Hashes of lines are computed in parallel, and so are
 * signature checks (each against the key the entry names, among the keys
 * given: a key rotation keeps verifying). Signatures cost what libcrypto's
 * Ed25519 costs (about 140 us each here, as in Python's cryptography): a
 * signed 100,000-entry log takes seconds, not the chain's fraction of one.
 *
 * Why one file of this length: writer, reader/checker and the store copy share the line
 * format (member order, the signed bytes, the chain); keeping them together keeps the
 * format in one place. The entry-to-next-link logic is one function for file and store.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qgate/base64.h"
#include "qgate/crypto.h"
#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/pool.h"
#include "qgate/result.h"
#include "qgate/sha256.h"
#include "qgate/strmap.h"
#include "qgate/utf8.h"

#include "deploy.h"

#define HEX 64
#define LINE_MAX_BYTES ((size_t)1 << 20) /* an entry is a few hundred bytes */
#define PROBLEMS_KEPT 1000               /* messages kept; all are counted */
#define DP_AUDIT_STORE_MAX ((size_t)256 << 20) /* the copy kept in a store, read whole */
#define DP_AUDIT_STORE_TRIES 8                 /* compare-and-swap rounds before giving up */

/* ------------------------------------------------------------ one line */

struct span {
	const char *p; /* raw bytes between the quotes (escapes not decoded) */
	size_t len;
	int present, is_null, escaped;
};

struct entry {
	long long seq;
	int has_seq;
	struct span schema, time, actor, action, target, tag, before, after, commit, verdict, prev, key, sig;
	size_t nr_evidence;
	size_t sig_comma; /* offset of the ',' before "sig" (signed bytes end there) */
};

struct reader {
	const char *p, *end;
	char why[160];
};

static int fail(struct reader *rd, const char *fmt, const char *arg)
{
	snprintf(rd->why, sizeof(rd->why), fmt, arg);
	return -1;
}

static void skip_ws(struct reader *rd)
{
	while (rd->p < rd->end && (*rd->p == ' ' || *rd->p == '\t' || *rd->p == '\r'))
		rd->p++;
}

/* Byte classes for the scanners: a string's plain bytes are skipped a
 * table lookup at a time. */
enum { C_HEX = 1, C_STOP = 2, C_HIGH = 4 };
static unsigned char cls[256];

static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void cls_fill(void)
{
	for (int c = 0; c < 256; c++)
		cls[c] = (unsigned char)(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ? C_HEX : 0) |
					 (c < 0x20 || c == '"' || c == '\\' ? C_STOP : 0) | (c >= 0x80 ? C_HIGH : 0));
}

/* The code unit of the "\\uXXXX" at p, or 0x10000 when there is none. */
static unsigned u_escape(const char *p, const char *end)
{
	unsigned v = 0;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return 0x10000;
	for (int i = 2; i < 6; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0x10000;
	}
	return v;
}

/* A JSON string at rd->p: its raw span, escapes checked, UTF-8 checked. */
static int read_string(struct reader *rd, struct span *out)
{
	const char *start;
	int high = 0;

	if (rd->p >= rd->end || *rd->p != '"')
		return fail(rd, "expected a string%s", "");
	start = ++rd->p;
	out->escaped = 0;
	for (;;) {
		unsigned char c;

		while (rd->p < rd->end && !(cls[(unsigned char)*rd->p] & C_STOP))
			high |= cls[(unsigned char)*rd->p++];
		if (rd->p >= rd->end || *rd->p == '"')
			break;
		c = (unsigned char)*rd->p;
		if (c < 0x20)
			return fail(rd, "a control character in a string%s", "");
		/* a backslash */
		out->escaped = 1;
		if (rd->p + 1 >= rd->end)
			return fail(rd, "an unfinished escape%s", "");
		c = (unsigned char)rd->p[1];
		if (c == 'u') {
			unsigned cp = u_escape(rd->p, rd->end), lo;

			if (cp > 0xffff)
				return fail(rd, "a bad \\u escape%s", "");
			/* UTF-16 surrogates only as a pair: a lone one is no character */
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(rd, "a lone low surrogate escape%s", "");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				lo = u_escape(rd->p + 6, rd->end);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(rd, "a high surrogate escape without its low half%s", "");
				rd->p += 6;
			}
			rd->p += 6;
			continue;
		}
		if (!c || !strchr("\"\\/bfnrt", c))
			return fail(rd, "a bad escape%s", "");
		rd->p += 2;
	}
	if (rd->p >= rd->end)
		return fail(rd, "an unterminated string%s", "");
	out->p = start;
	out->len = (size_t)(rd->p - start);
	out->present = 1;
	rd->p++;
	if ((high & C_HIGH) && qg_utf8_check(out->p, out->len, NULL) < 0)
		return fail(rd, "a string that is not UTF-8%s", "");
	return 0;
}

static int is_lit(struct reader *rd, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(rd->end - rd->p) >= n && !memcmp(rd->p, lit, n)) {
		rd->p += n;
		return 1;
	}
	return 0;
}

/* A string or null, for member `name`. */
static int read_opt_string(struct reader *rd, struct span *out, const char *name)
{
	if (is_lit(rd, "null")) {
		out->present = out->is_null = 1;
		return 0;
	}
	if (rd->p < rd->end && *rd->p == '"')
		return read_string(rd, out);
	return fail(rd, "\"%s\" must be a string or null", name);
}

static int span_is(const struct span *s, const char *lit)
{
	return s->present && !s->is_null && s->len == strlen(lit) && !memcmp(s->p, lit, s->len);
}

static int is_hex(const char *p, size_t n)
{
	unsigned char all = C_HEX;

	for (size_t i = 0; i < n; i++)
		all &= cls[(unsigned char)p[i]];
	return all == C_HEX;
}

static int span_digest(const struct span *s)
{
	return s->len == DP_DIGEST_LEN && !memcmp(s->p, "sha256:", 7) && is_hex(s->p + 7, HEX);
}

/* "YYYY-MM-DDTHH:MM:SSZ", optionally with a fraction of a second. */
static int span_time(const struct span *s)
{
	const char *p = s->p;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";

	if (s->len < 20)
		return 0;
	for (size_t i = 0; i < 19; i++)
		if (shape[i] == 'd' ? !(p[i] >= '0' && p[i] <= '9') : p[i] != shape[i])
			return 0;
	if (p[19] == '.') {
		size_t i = 20;

		while (i < s->len && p[i] >= '0' && p[i] <= '9')
			i++;
		return i > 20 && i + 1 == s->len && p[i] == 'Z';
	}
	return s->len == 20 && p[19] == 'Z';
}

static int member(struct reader *rd, struct entry *e, const char *key, size_t klen, size_t comma)
{
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
	struct span *s = NULL;

	if (KEY("seq")) {
		long long v = 0;
		const char *start = rd->p;

		if (e->has_seq)
			return fail(rd, "\"seq\" twice%s", "");
		while (rd->p < rd->end && *rd->p >= '0' && *rd->p <= '9' && rd->p - start < 18)
			v = v * 10 + (*rd->p++ - '0');
		if (rd->p == start || (*start == '0') || (rd->p < rd->end && *rd->p >= '0' && *rd->p <= '9'))
			return fail(rd, "\"seq\" must be a positive integer%s", "");
		e->seq = v;
		e->has_seq = 1;
		return 0;
	}
	if (KEY("evidence")) {
		if (e->nr_evidence != (size_t)-1)
			return fail(rd, "\"evidence\" twice%s", "");
		e->nr_evidence = 0;
		if (rd->p >= rd->end || *rd->p != '[')
			return fail(rd, "\"evidence\" must be an array of digests%s", "");
		rd->p++;
		skip_ws(rd);
		if (rd->p < rd->end && *rd->p == ']') {
			rd->p++;
			return 0;
		}
		for (;;) {
			struct span d = { 0 };

			skip_ws(rd);
			if (read_string(rd, &d) < 0 || !span_digest(&d))
				return fail(rd, "\"evidence\" must be an array of sha256:<hex> digests%s", "");
			e->nr_evidence++;
			skip_ws(rd);
			if (rd->p < rd->end && *rd->p == ',') {
				rd->p++;
				continue;
			}
			if (rd->p < rd->end && *rd->p == ']') {
				rd->p++;
				return 0;
			}
			return fail(rd, "\"evidence\": expected ',' or ']'%s", "");
		}
	}
	if (KEY("schema"))
		s = &e->schema;
	else if (KEY("time"))
		s = &e->time;
	else if (KEY("actor"))
		s = &e->actor;
	else if (KEY("action"))
		s = &e->action;
	else if (KEY("target"))
		s = &e->target;
	else if (KEY("tag"))
		s = &e->tag;
	else if (KEY("digest_before"))
		s = &e->before;
	else if (KEY("digest_after"))
		s = &e->after;
	else if (KEY("commit"))
		s = &e->commit;
	else if (KEY("verdict"))
		s = &e->verdict;
	else if (KEY("prev"))
		s = &e->prev;
	else if (KEY("key"))
		s = &e->key;
	else if (KEY("sig")) {
		s = &e->sig;
		e->sig_comma = comma;
	}
#undef KEY
	if (!s) {
		char k[48];

		snprintf(k, sizeof(k), "%.*s", (int)(klen < 40 ? klen : 40), key);
		return fail(rd, "unknown member \"%s\"", k);
	}
	if (s->present)
		return fail(rd, "a member twice%s", "");
	return read_opt_string(rd, s, "member");
}

/* Parse one line (without its newline) into e; -1 with rd->why when it is
 * not a qgate.audit/v1 entry. */
static int parse_entry(struct entry *e, const char *line, size_t len, char *why, size_t why_len)
{
	struct reader rd = { line, line + len, "" };
	int ret = -1;

	pthread_once(&cls_once, cls_fill);
	memset(e, 0, sizeof(*e));
	e->nr_evidence = (size_t)-1;
	skip_ws(&rd);
	if (rd.p >= rd.end || *rd.p != '{') {
		fail(&rd, "not a JSON object%s", "");
		goto done;
	}
	rd.p++;
	skip_ws(&rd);
	if (rd.p < rd.end && *rd.p == '}') {
		fail(&rd, "an empty object%s", "");
		goto done;
	}
	for (;;) {
		struct span k = { 0 };
		size_t comma = (size_t)(rd.p - line);

		skip_ws(&rd);
		if (read_string(&rd, &k) < 0 || k.escaped) {
			if (!rd.why[0])
				fail(&rd, "a member name with escapes%s", "");
			goto done;
		}
		skip_ws(&rd);
		if (rd.p >= rd.end || *rd.p != ':') {
			fail(&rd, "expected ':'%s", "");
			goto done;
		}
		rd.p++;
		skip_ws(&rd);
		if (member(&rd, e, k.p, k.len, comma > 0 ? comma - 1 : 0) < 0)
			goto done;
		skip_ws(&rd);
		if (rd.p < rd.end && *rd.p == ',') {
			if (e->sig.present) {
				fail(&rd, "\"sig\" must be the last member%s", "");
				goto done;
			}
			rd.p++;
			continue;
		}
		if (rd.p < rd.end && *rd.p == '}') {
			rd.p++;
			break;
		}
		fail(&rd, "expected ',' or '}'%s", "");
		goto done;
	}
	skip_ws(&rd);
	if (rd.p != rd.end) {
		fail(&rd, "bytes after the object%s", "");
		goto done;
	}
	/* the schema */
	if (!span_is(&e->schema, DP_AUDIT_SCHEMA))
		fail(&rd, "\"schema\" is not \"%s\"", DP_AUDIT_SCHEMA);
	else if (!e->has_seq)
		fail(&rd, "no \"seq\"%s", "");
	else if (!e->time.present || e->time.is_null || !span_time(&e->time))
		fail(&rd, "\"time\" must be an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)%s", "");
	else if (!e->actor.present || e->actor.is_null || !e->actor.len)
		fail(&rd, "\"actor\" must be a non-empty string%s", "");
	else if (!e->action.present || e->action.is_null || !e->action.len)
		fail(&rd, "\"action\" must be a non-empty string%s", "");
	else if (!e->target.present || e->target.is_null)
		fail(&rd, "\"target\" must be a string%s", "");
	else if (!e->tag.present)
		fail(&rd, "no \"tag\"%s", "");
	else if (!e->before.present || (!e->before.is_null && !span_digest(&e->before)))
		fail(&rd, "\"digest_before\" must be a sha256:<hex> digest or null%s", "");
	else if (!e->after.present || (!e->after.is_null && !span_digest(&e->after)))
		fail(&rd, "\"digest_after\" must be a sha256:<hex> digest or null%s", "");
	else if (!e->commit.present ||
		 (!e->commit.is_null && !(e->commit.len == 40 && is_hex(e->commit.p, 40))))
		fail(&rd, "\"commit\" must be 40 hex digits or null%s", "");
	else if (e->nr_evidence == (size_t)-1)
		fail(&rd, "no \"evidence\"%s", "");
	else if (!e->verdict.present ||
		 !(e->verdict.is_null || span_is(&e->verdict, "pass") || span_is(&e->verdict, "fail") ||
		   span_is(&e->verdict, "error")))
		fail(&rd, "\"verdict\" must be pass, fail, error or null%s", "");
	else if (!e->prev.present || e->prev.is_null || !span_digest(&e->prev))
		fail(&rd, "\"prev\" must be a sha256:<hex> digest%s", "");
	else if (e->key.present != e->sig.present)
		fail(&rd, "\"key\" and \"sig\" go together%s", "");
	else if (e->key.present && (e->key.is_null || !span_digest(&e->key)))
		fail(&rd, "\"key\" must be a sha256:<hex> key id%s", "");
	else if (e->sig.present && (e->sig.is_null || e->sig.len != 88 || qg_base64_check(e->sig.p, 88, NULL) < 0))
		fail(&rd, "\"sig\" must be the base64 of a 64-byte Ed25519 signature%s", "");
	else
		ret = 0;
done:
	if (ret < 0)
		snprintf(why, why_len, "%s", rd.why[0] ? rd.why : "not an audit entry");
	return ret;
}

/* ------------------------------------------------------------ writing */

/* "2026-12-07T01:23:45Z" */
static void utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* GITHUB_ACTOR, else the user name, else "uid:N". */
static void actor_name(char *out, size_t len)
{
	const char *a = getenv("GITHUB_ACTOR");
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (a && *a) {
		snprintf(out, len, "%s", a);
		return;
	}
	if (!getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) && res && res->pw_name && *res->pw_name) {
		snprintf(out, len, "%s", res->pw_name);
		return;
	}
	snprintf(out, len, "uid:%lu", (unsigned long)getuid());
}

static int add_member_str(struct qg_buf *b, const char *key, const char *v)
{
	int err = qg_buf_addf(b, ",\"%s\":", key);

	if (!err)
		err = v ? qg_json_quote(b, v, strlen(v)) : qg_buf_addstr(b, "null");
	return err;
}

struct fixed {
	char time[32];
	char actor[256];
	char commit[41]; /* "" outside a repository */
};

/* The line for entry e at seq after prev (no newline), signed with key. */
static int entry_line(struct qg_buf *b, const struct fixed *f, const struct dp_audit_entry *e, long long seq,
		      const char *prev, const struct qg_ed25519_key *key)
{
	unsigned char sig[QG_ED25519_SIG];
	int err = qg_buf_addf(b, "{\"schema\":\"%s\",\"seq\":%lld", DP_AUDIT_SCHEMA, seq);

	if (!err)
		err = add_member_str(b, "time", f->time);
	if (!err)
		err = add_member_str(b, "actor", f->actor);
	if (!err)
		err = add_member_str(b, "action", e->action);
	if (!err)
		err = add_member_str(b, "target", e->target ? e->target : "");
	if (!err)
		err = add_member_str(b, "tag", e->tag);
	if (!err)
		err = add_member_str(b, "digest_before", e->digest_before && *e->digest_before ? e->digest_before : NULL);
	if (!err)
		err = add_member_str(b, "digest_after", e->digest_after && *e->digest_after ? e->digest_after : NULL);
	if (!err)
		err = add_member_str(b, "commit", f->commit[0] ? f->commit : NULL);
	if (!err)
		err = qg_buf_addstr(b, ",\"evidence\":[");
	for (size_t i = 0; !err && e->evidence && i < e->nr_evidence && e->evidence[i]; i++)
		err = qg_buf_addf(b, "%s\"%s\"", i ? "," : "", e->evidence[i]);
	if (!err)
		err = qg_buf_addch(b, ']');
	if (!err)
		err = add_member_str(b, "verdict", e->verdict);
	if (!err)
		err = add_member_str(b, "prev", prev);
	if (!err && key)
		err = add_member_str(b, "key", qg_ed25519_key_id(key));
	if (!err && key) {
		/* the signed bytes: the line so far and the closing brace */
		err = qg_buf_addch(b, '}');
		if (!err)
			err = qg_ed25519_sign(key, b->buf, b->len, sig);
		if (!err) {
			qg_buf_setlen(b, b->len - 1);
			err = qg_buf_addstr(b, ",\"sig\":\"");
		}
		if (!err)
			err = qg_base64_encode(b, sig, sizeof(sig));
		if (!err)
			err = qg_buf_addch(b, '"');
	}
	if (!err)
		err = qg_buf_addch(b, '}');
	return err;
}

/* Check what a caller hands in, so that nothing we write fails our reader. */
static int entry_valid(const struct dp_audit_entry *e)
{
	if (!e->action || !*e->action)
		return qg_error(QG_ERROR, "audit entry without an action");
	if (e->digest_before && *e->digest_before && !dp_digest_valid(e->digest_before))
		return qg_error(QG_ERROR, "audit entry: digest_before '%s' is not sha256:<hex>", e->digest_before);
	if (e->digest_after && *e->digest_after && !dp_digest_valid(e->digest_after))
		return qg_error(QG_ERROR, "audit entry: digest_after '%s' is not sha256:<hex>", e->digest_after);
	for (size_t i = 0; e->evidence && i < e->nr_evidence && e->evidence[i]; i++)
		if (!dp_digest_valid(e->evidence[i]))
			return qg_error(QG_ERROR, "audit entry: evidence '%s' is not sha256:<hex>", e->evidence[i]);
	if (e->verdict && strcmp(e->verdict, "pass") && strcmp(e->verdict, "fail") && strcmp(e->verdict, "error"))
		return qg_error(QG_ERROR, "audit entry: verdict '%s' is not pass, fail or error", e->verdict);
	return 0;
}

static int read_full(int fd, char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The last line of a log (without its newline): its seq and its hash, what
 * the next entry continues from. Shared by the file and the store copies. */
static int next_link(const char *name, const char *line, size_t len, long long *seq, char prev[DP_DIGEST_SIZE])
{
	char why[160];
	struct entry e;

	if (parse_entry(&e, line, len, why, sizeof(why)) < 0)
		return qg_error(QG_EINPUT, "'%s': the last line is not an audit entry (%s): check it with "
				"'qgate-deploy audit verify'", name, why);
	*seq = e.seq;
	memcpy(prev, "sha256:", 7);
	return qg_sha256_hex(prev + 7, line, len);
}

/* The last line of the log open on fd (size bytes, ending in '\n'): its
 * seq and its hash. */
static int last_entry(const char *path, int fd, off_t size, long long *seq, char prev[DP_DIGEST_SIZE])
{
	struct qg_buf line = QG_BUF_INIT(LINE_MAX_BYTES + 1);
	char chunk[4096];
	off_t end = size - 1, pos = end; /* end: the final '\n' */
	int err = 0;

	/* back to the '\n' before the last line, or the start */
	while (pos > 0) {
		size_t n = (size_t)(pos < (off_t)sizeof(chunk) ? pos : (off_t)sizeof(chunk));
		char *nl;

		if (read_full(fd, chunk, n, pos - (off_t)n) < 0)
			return qg_error(QG_EIO, "'%s': cannot read the audit log: %s", path, strerror(errno ? errno : EIO));
		nl = memrchr(chunk, '\n', n);
		if (nl) {
			pos = pos - (off_t)n + (nl - chunk) + 1;
			break;
		}
		pos -= (off_t)n;
		if (end - pos > (off_t)LINE_MAX_BYTES)
			return qg_error(QG_EINPUT, "'%s': the last line is longer than 1 MiB: not an audit entry", path);
	}
	if ((err = qg_buf_grow(&line, (size_t)(end - pos))) < 0)
		goto done;
	if (read_full(fd, line.buf, (size_t)(end - pos), pos) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot read the audit log: %s", path, strerror(errno ? errno : EIO));
		goto done;
	}
	qg_buf_setlen(&line, (size_t)(end - pos));
	err = next_link(path, line.buf, line.len, seq, prev);
done:
	qg_buf_release(&line);
	return err;
}

static int append_to(const char *path, const struct fixed *f, const struct dp_audit_entry *e,
		     const struct qg_ed25519_key *key)
{
	struct qg_buf line = QG_BUF_INIT(LINE_MAX_BYTES);
	char prev[DP_DIGEST_SIZE] = DP_AUDIT_GENESIS, last;
	long long seq = 0;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return qg_error(QG_EIO, "'%s': cannot open the audit log: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			err = qg_error(QG_EIO, "'%s': cannot lock the audit log: %s", path, strerror(errno));
			goto done;
		}
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = qg_error(QG_EIO, "'%s': the audit log is not a regular file", path);
		goto done;
	}
	if (st.st_size > 0) {
		if (read_full(fd, &last, 1, st.st_size - 1) < 0) {
			err = qg_error(QG_EIO, "'%s': cannot read the audit log: %s", path, strerror(errno ? errno : EIO));
			goto done;
		}
		if (last != '\n') {
			err = qg_error(QG_EINPUT, "'%s': the last entry is incomplete (no newline at the end): "
				       "check it with 'qgate-deploy audit verify'", path);
			goto done;
		}
		if ((err = last_entry(path, fd, st.st_size, &seq, prev)) < 0)
			goto done;
	}
	if ((err = entry_line(&line, f, e, seq + 1, prev, key)) < 0 || (err = qg_buf_addch(&line, '\n')) < 0)
		goto done;
	/* one write(): readers and other writers see the whole line or none */
	do
		n = write(fd, line.buf, line.len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)line.len) {
		int e0 = n < 0 ? errno : ENOSPC;

		if (n > 0 && ftruncate(fd, st.st_size) < 0)
			(void)0; /* the verify names the cut line */
		err = qg_error(QG_EIO, "'%s': cannot append to the audit log: %s", path, strerror(e0));
		goto done;
	}
	if (fsync(fd) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot sync the audit log: %s", path, strerror(errno));
		goto done;
	}
	if (st.st_size == 0) {
		/* a new log: its directory entry must last too */
		char *dir = qg_strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
		int dfd;

		if (dir) {
			if (slash)
				*(slash == dir ? slash + 1 : slash) = '\0';
			dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);
				close(dfd);
			}
			free(dir);
		}
	}
done:
	close(fd); /* releases the lock */
	qg_buf_release(&line);
	return err;
}

/* ------------------------------------------------------------ the copy kept in a store */

/* The seq and hash the next entry continues from, for a whole log held in
 * memory (`name` for messages): the genesis for an empty one. */
static int log_tail(const char *name, const char *data, size_t len, long long *seq, char prev[DP_DIGEST_SIZE])
{
	const char *start, *nl;

	*seq = 0;
	snprintf(prev, DP_DIGEST_SIZE, "%s", DP_AUDIT_GENESIS);
	if (!len)
		return 0;
	if (data[len - 1] != '\n')
		return qg_error(QG_EINPUT, "'%s': the last entry is incomplete (no newline at the end): "
				"check it with 'qgate-deploy audit verify'", name);
	nl = len > 1 ? memrchr(data, '\n', len - 1) : NULL;
	start = nl ? nl + 1 : data;
	if ((size_t)(data + len - 1 - start) > LINE_MAX_BYTES)
		return qg_error(QG_EINPUT, "'%s': the last line is longer than 1 MiB: not an audit entry", name);
	return next_link(name, start, (size_t)(data + len - 1 - start), seq, prev);
}

/* Read the store's audit artifact (tag DP_AUDIT_TAG): the log into out, the
 * manifest's digest into digest ("" when the tag does not exist yet). */
int dp_audit_store_read(struct dp_store *s, struct qg_buf *out, char digest[DP_DIGEST_SIZE])
{
	struct qg_buf body = QG_BUF_INIT(QG_CAP_FILE), name = QG_BUF_INIT(QG_CAP_URL);
	struct dp_manifest m;
	int err;

	memset(&m, 0, sizeof(m));
	digest[0] = '\0';
	qg_buf_reset(out);
	if ((err = dp_ref_format_store(&s->ref, &name)) < 0 || (err = qg_buf_addf(&name, ":%s", DP_AUDIT_TAG)) < 0)
		goto done;
	err = s->ops->manifest_get(s, DP_AUDIT_TAG, &body, digest, NULL);
	if (err == QG_ENOTFOUND) {
		digest[0] = '\0';
		goto done; /* no log yet: QG_ENOTFOUND for the caller */
	}
	if (err < 0 || (err = dp_manifest_parse(&m, body.buf, body.len, name.buf)) < 0)
		goto done;
	if (m.is_index || !m.artifact_type || strcmp(m.artifact_type, DP_AT_AUDIT) || m.nr_layers != 1 ||
	    !m.layers[0].media_type || strcmp(m.layers[0].media_type, DP_MT_AUDIT)) {
		err = qg_error(QG_EINPUT, "'%s': not a qgate audit log artifact (expected artifactType %s with one "
			       "%s layer)", name.buf, DP_AT_AUDIT, DP_MT_AUDIT);
		goto done;
	}
	if (m.layers[0].size < 0 || (unsigned long long)m.layers[0].size > DP_AUDIT_STORE_MAX) {
		err = qg_error(QG_ETOOBIG, "'%s': the audit log layer %s is %lld bytes, more than the %zu MiB kept "
			       "with a target", name.buf, m.layers[0].digest, m.layers[0].size, DP_AUDIT_STORE_MAX >> 20);
		goto done;
	}
	err = s->ops->blob_get(s, m.layers[0].digest, out, DP_AUDIT_STORE_MAX);
	if (err == QG_ETOOBIG)
		err = qg_error(QG_ETOOBIG, "'%s': the audit log layer %s is larger than %zu MiB", name.buf,
			       m.layers[0].digest, DP_AUDIT_STORE_MAX >> 20);
	else if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': the audit log layer %s is missing", name.buf, m.layers[0].digest);
done:
	dp_manifest_release(&m);
	qg_buf_release(&body);
	qg_buf_release(&name);
	return err;
}

/* Append to the audit artifact in store s: read, add the line, write the log
 * and a new manifest, move the tag only if nobody moved it since the read
 * (compare-and-swap); a lost race reads again. */
static int append_store(struct dp_store *s, const struct fixed *f, const struct dp_audit_entry *e,
			const struct qg_ed25519_key *key)
{
	struct qg_buf log = QG_BUF_INIT(DP_AUDIT_STORE_MAX + LINE_MAX_BYTES), body = QG_BUF_INIT(QG_CAP_FILE);
	struct qg_buf name = QG_BUF_INIT(QG_CAP_URL);
	int err = 0, attempt;

	if ((err = dp_ref_format_store(&s->ref, &name)) < 0 || (err = qg_buf_addf(&name, ":%s", DP_AUDIT_TAG)) < 0)
		goto done;
	for (attempt = 0; attempt < DP_AUDIT_STORE_TRIES; attempt++) {
		char old[DP_DIGEST_SIZE], prev[DP_DIGEST_SIZE];
		struct dp_source src = { 0 };
		struct dp_manifest m;
		struct dp_desc layer;
		long long seq;
		int skipped;

		memset(&m, 0, sizeof(m));
		memset(&layer, 0, sizeof(layer));
		err = dp_audit_store_read(s, &log, old);
		if (err == QG_ENOTFOUND) {
			qg_buf_reset(&log);
			err = 0;
		}
		if (!err)
			err = log_tail(name.buf, log.buf, log.len, &seq, prev);
		if (!err)
			err = entry_line(&log, f, e, seq + 1, prev, key);
		if (!err)
			err = qg_buf_addch(&log, '\n');
		/* the log, then the empty config, then the manifest naming both */
		src.data = log.buf;
		src.len = log.len;
		if (!err)
			err = s->ops->blob_put(s, &src, NULL, &layer, &skipped);
		if (!err) {
			struct dp_source cfg = { NULL, "{}", 2 };

			err = s->ops->blob_put(s, &cfg, NULL, &m.config, &skipped);
		}
		if (!err && (!(m.media_type = qg_strdup(DP_MT_MANIFEST)) || !(m.artifact_type = qg_strdup(DP_AT_AUDIT)) ||
			     !(free(m.config.media_type), m.config.media_type = qg_strdup(DP_MT_EMPTY)) ||
			     !(free(layer.media_type), layer.media_type = qg_strdup(DP_MT_AUDIT)) ||
			     !(m.layers = calloc(1, sizeof(*m.layers)))))
			err = qg_error(QG_ENOMEM, "out of memory");
		if (!err) {
			m.layers[0] = layer;
			memset(&layer, 0, sizeof(layer));
			m.nr_layers = 1;
			err = dp_desc_annotate(&m.layers[0], "org.opencontainers.image.title", DP_AUDIT_LAYOUT_FILE);
		}
		qg_buf_reset(&body);
		if (!err)
			err = dp_manifest_write(&m, &body);
		if (!err)
			err = s->ops->manifest_put(s, DP_AUDIT_TAG, body.buf, body.len, DP_MT_MANIFEST, old);
		dp_desc_release(&layer);
		dp_manifest_release(&m);
		if (err != QG_ECONFLICT)
			break;
	}
	if (err == QG_ECONFLICT)
		err = qg_error(QG_EIO, "'%s': the audit log moved under us %d times in a row (other writers); "
			       "the entry was not kept with the target", name.buf, DP_AUDIT_STORE_TRIES);
done:
	qg_buf_release(&log);
	qg_buf_release(&body);
	qg_buf_release(&name);
	return err;
}

int dp_audit_append(const struct dp_audit_opts *o, struct dp_store *s, const struct dp_audit_entry *e)
{
	struct qg_ed25519_key *key = NULL;
	struct qg_buf copy = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_subject subj;
	struct fixed f;
	int err;

	if ((err = entry_valid(e)) < 0)
		return err;
	/* an oci-layout keeps its copy always (a file next to index.json); a remote
	 * store keeps one when an --audit-log is kept (its writes are the cost) */
	if (!(o && o->log) && !(s && s->ref.kind == DP_LAYOUT))
		return 0; /* nowhere to write */
	memset(&f, 0, sizeof(f));
	utc_now(f.time);
	actor_name(f.actor, sizeof(f.actor));
	memset(&subj, 0, sizeof(subj));
	if (qg_git_subject(&subj, NULL) == 0 && subj.in_repo)
		snprintf(f.commit, sizeof(f.commit), "%s", subj.commit);
	free(subj.ref);
	if (o && o->sign_key && (err = qg_ed25519_key_load(&key, o->sign_key, 1)) < 0)
		return err;
	if (o && o->log)
		err = append_to(o->log, &f, e, key);
	if (!err && s && s->ref.kind == DP_LAYOUT && s->ref.dir) {
		struct stat a, b;

		err = qg_buf_addf(&copy, "%s/%s", s->ref.dir, DP_AUDIT_LAYOUT_FILE);
		/* --audit-log naming the copy itself: one entry, not two */
		if (!err && !(o && o->log && !stat(o->log, &a) && !stat(copy.buf, &b) && a.st_dev == b.st_dev &&
			      a.st_ino == b.st_ino))
			err = append_to(copy.buf, &f, e, key);
	} else if (!err && s && s->ref.kind != DP_LAYOUT && o && o->log)
		err = append_store(s, &f, e, key);
	qg_buf_release(&copy);
	qg_ed25519_key_free(key);
	return err;
}

/* ------------------------------------------------------------ checking */

/* What the checks need of an entry, kept per line (100,000 lines: a fifth
 * of a whole struct entry's memory). */
struct link {
	long long seq;
	struct span prev, key, sig;
	size_t sig_comma;
};

struct line {
	const char *p;
	size_t len;
	char hash[QG_SHA256_HEX];
	struct link e;
	signed char sig_ok; /* 1 valid, 0 bad, -1 not checked, -2 libcrypto failed */
};

struct check_ctx {
	struct line *lines;
	size_t nr;
	const struct qg_ed25519_key *const *keys;
	size_t nr_keys;
	int err;
};

/* The key among c->keys whose id the entry names, or NULL. */
static const struct qg_ed25519_key *key_for(const struct check_ctx *c, const struct link *e)
{
	for (size_t k = 0; k < c->nr_keys; k++)
		if (e->key.len == DP_DIGEST_LEN && !memcmp(e->key.p, qg_ed25519_key_id(c->keys[k]), DP_DIGEST_LEN))
			return c->keys[k];
	return NULL;
}

#define BATCH 1024

static void hash_task(void *ud, size_t task, int worker)
{
	struct check_ctx *c = ud;
	size_t end = (task + 1) * BATCH < c->nr ? (task + 1) * BATCH : c->nr;

	(void)worker;
	for (size_t i = task * BATCH; i < end; i++)
		if (qg_sha256_hex(c->lines[i].hash, c->lines[i].p, c->lines[i].len) < 0)
			c->err = QG_ERROR;
}

static void sig_task(void *ud, size_t task, int worker)
{
	struct check_ctx *c = ud;
	size_t end = (task + 1) * 64 < c->nr ? (task + 1) * 64 : c->nr;
	struct qg_buf msg = QG_BUF_INIT(LINE_MAX_BYTES + 2);

	(void)worker;
	for (size_t i = task * 64; i < end; i++) {
		struct line *l = &c->lines[i];
		unsigned char sig[QG_ED25519_SIG];
		char sig_text[89];
		int ok;

		const struct qg_ed25519_key *key;

		l->sig_ok = -1;
		if (!l->e.sig.present || !(key = key_for(c, &l->e)))
			continue;
		memcpy(sig_text, l->e.sig.p, 88);
		sig_text[88] = '\0';
		qg_buf_reset(&msg);
		if (qg_base64_decode(sig, sizeof(sig), sig_text) < 0 || qg_buf_add(&msg, l->p, l->e.sig_comma) < 0 ||
		    qg_buf_addch(&msg, '}') < 0) {
			l->sig_ok = 0;
			continue;
		}
		ok = qg_ed25519_verify(key, msg.buf, msg.len, sig);
		l->sig_ok = (signed char)(ok < 0 ? -2 : ok);
	}
	qg_buf_release(&msg);
}

static int problem(struct dp_audit_report *rep, enum dp_audit_kind kind, long long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int problem(struct dp_audit_report *rep, enum dp_audit_kind kind, long long line, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct dp_audit_problem *p;
	va_list ap;
	int err;

	if (kind == DP_AUDIT_CHAIN)
		rep->nr_chain++;
	else
		rep->nr_signature++;
	if (rep->nr_problems >= PROBLEMS_KEPT)
		return 0;
	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!err)
		err = QG_ALLOC_GROW(rep->problems, rep->nr_problems + 1, rep->alloc_problems);
	if (err) {
		qg_buf_release(&b);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	p = &rep->problems[rep->nr_problems++];
	p->line = line;
	p->kind = kind;
	p->message = qg_buf_detach(&b, NULL);
	return 0;
}

static const char genesis_hex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
_Static_assert(sizeof(genesis_hex) == HEX + 1, "genesis");

/* The chain at line i (0-based): seq and prev against line i-1. */
static int check_link(struct dp_audit_report *rep, struct line *L, size_t i, struct qg_strmap *map, int *map_built)
{
	const struct link *e = &L[i].e;
	long long want = i ? L[i - 1].e.seq + 1 : 1, ln = (long long)i + 1;
	const char *want_prev = i ? L[i - 1].hash : genesis_hex;
	int prev_ok = !memcmp(e->prev.p + 7, want_prev, HEX);
	long j;

	if (prev_ok && e->seq == want)
		return 0;
	if (prev_ok)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld where entry %lld was expected, yet it links to line %lld: "
			       "its seq was edited", e->seq, want, ln - 1);
	if (i && !memcmp(e->prev.p + 7, genesis_hex, HEX))
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld starts a new chain (its prev is the genesis hash): "
			       "inserted, or the lines before it were replaced", e->seq);
	if (!*map_built) {
		for (size_t k = 0; k < rep->entries; k++)
			if (qg_strmap_add(map, L[k].hash, HEX) < 0)
				return qg_error(QG_ENOMEM, "out of memory");
		*map_built = 1;
	}
	j = qg_strmap_find(map, e->prev.p + 7, HEX);
	if (j >= 0 && (size_t)j >= i)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld belongs after line %ld (its prev is that line's hash), "
			       "not after line %lld: entries were reordered", e->seq, j + 1, ln - 1);
	if (j >= 0 && j + 2 == ln - 1)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld follows line %ld (its prev is that line's hash), not "
			       "line %lld: line %lld was inserted or moved", e->seq, j + 1, ln - 1, ln - 1);
	if (j >= 0)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld follows line %ld (its prev is that line's hash), not "
			       "line %lld: lines %ld-%lld were inserted or moved", e->seq, j + 1, ln - 1, j + 2, ln - 1);
	if (e->seq == want + 1)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld is missing before entry %lld: removed", want, e->seq);
	if (e->seq > want)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entries %lld-%lld are missing before entry %lld: removed", want,
			       e->seq - 1, e->seq);
	if (e->seq == want && i)
		return problem(rep, DP_AUDIT_CHAIN, ln - 1, "entry %lld was edited: its hash is not the prev of entry %lld "
			       "(line %lld)", L[i - 1].e.seq, e->seq, ln);
	if (e->seq == want)
		return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld's prev is not the genesis hash: entries before it were "
			       "removed, or its prev was edited", e->seq);
	return problem(rep, DP_AUDIT_CHAIN, ln, "entry %lld where entry %lld was expected, and its prev matches no line: "
		       "inserted or edited", e->seq, want);
}

static int jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

int dp_audit_check(struct dp_audit_report *rep, const char *data, size_t len, const char *name,
		   const struct qg_ed25519_key *key)
{
	const struct qg_ed25519_key *const keys[1] = { key };

	return dp_audit_check_keys(rep, data, len, name, keys, key ? 1 : 0);
}

int dp_audit_check_keys(struct dp_audit_report *rep, const char *data, size_t len, const char *name,
			const struct qg_ed25519_key *const *keys, size_t nr_keys)
{
	struct check_ctx c = { 0 };
	struct qg_strmap map = QG_STRMAP_INIT;
	size_t nr = 0, alloc = 0, truncated = 0;
	int map_built = 0, err = 0;
	char why[160];
	struct entry full;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->head, sizeof(rep->head), "%s", DP_AUDIT_GENESIS);
	if (!len)
		return qg_error(QG_EPARSE, "'%s': empty: not an audit log (no entry)", name);
	/* split and parse */
	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct line *l;

		if (QG_ALLOC_GROW(c.lines, nr + 1, alloc) < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		l = &c.lines[nr];
		memset(l, 0, sizeof(*l));
		l->p = p;
		l->len = ll;
		if (ll > LINE_MAX_BYTES || parse_entry(&full, p, ll, why, sizeof(why)) < 0) {
			if (!nl && nr) { /* a cut last line */
				truncated = nr + 1;
				break;
			}
			if (ll > LINE_MAX_BYTES)
				snprintf(why, sizeof(why), "a line longer than 1 MiB");
			err = qg_error(QG_EPARSE, "'%s':%zu: not an audit entry: %s", name, nr + 1, why);
			goto done;
		}
		l->e.seq = full.seq;
		l->e.prev = full.prev;
		l->e.key = full.key;
		l->e.sig = full.sig;
		l->e.sig_comma = full.sig_comma;
		nr++;
		if (!nl) { /* a whole entry without its newline: cut too */
			truncated = nr;
			break;
		}
		p = nl + 1;
	}
	rep->entries = nr;
	c.nr = nr;
	c.keys = keys;
	c.nr_keys = nr_keys;
	qg_pool_run((nr + BATCH - 1) / BATCH, jobs(), hash_task, &c);
	if (c.err) {
		err = qg_error(QG_ERROR, "'%s': cannot hash the entries", name);
		goto done;
	}
	for (size_t i = 0; i < nr && !err; i++)
		err = check_link(rep, c.lines, i, &map, &map_built);
	if (err)
		goto done;
	if (truncated)
		err = problem(rep, DP_AUDIT_CHAIN, (long long)truncated,
			      truncated > nr ? "the last entry is cut off (an incomplete line): truncated"
					     : "the last entry has no newline at its end: truncated");
	if (nr) {
		memcpy(rep->head, "sha256:", 7);
		memcpy(rep->head + 7, c.lines[nr - 1].hash, QG_SHA256_HEX);
	}
	for (size_t i = 0; i < nr; i++)
		rep->signed_entries += c.lines[i].e.sig.present;
	if (!nr_keys || err)
		goto done;
	qg_pool_run((nr + 63) / 64, jobs(), sig_task, &c);
	for (size_t i = 0; i < nr && !err; i++) {
		const struct line *l = &c.lines[i];
		long long ln = (long long)i + 1;

		if (!l->e.sig.present)
			err = problem(rep, DP_AUDIT_SIGNATURE, ln, "entry %lld is not signed", l->e.seq);
		else if (l->sig_ok == -1 && nr_keys == 1)
			err = problem(rep, DP_AUDIT_SIGNATURE, ln, "entry %lld is signed by key %.*s, not by the --pubkey key %s",
				      l->e.seq, (int)l->e.key.len, l->e.key.p, qg_ed25519_key_id(keys[0]));
		else if (l->sig_ok == -1)
			err = problem(rep, DP_AUDIT_SIGNATURE, ln, "entry %lld is signed by key %.*s, by none of the %zu --pubkey keys",
				      l->e.seq, (int)l->e.key.len, l->e.key.p, nr_keys);
		else if (l->sig_ok == -2)
			err = qg_error(QG_ERROR, "'%s':%lld: libcrypto could not check the signature", name, ln);
		else if (!l->sig_ok)
			err = problem(rep, DP_AUDIT_SIGNATURE, ln, "entry %lld: bad signature (the entry was changed after "
				      "it was signed)", l->e.seq);
	}
done:
	qg_strmap_release(&map);
	free(c.lines);
	if (err < 0)
		dp_audit_report_release(rep);
	return err;
}

void dp_audit_report_release(struct dp_audit_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->nr_problems; i++)
		free(rep->problems[i].message);
	free(rep->problems);
	rep->problems = NULL;
	rep->nr_problems = rep->alloc_problems = 0;
}
