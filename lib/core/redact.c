/* redact.c -- the one redaction of secrets in everything qgate prints
 *
 * Every writer (text, JSON, JUnit, GitHub annotations and summary) and every
 * HTTP error message passes its text through qg_redact(). It scans once,
 * left to right, and at each word boundary tries the forms in redact.h in
 * order: fixed-shape credentials (AWS key ids, prefixed tokens), URL
 * userinfo, Bearer/Basic, secret headers, then key=value pairs whose key
 * names a secret. A URL so keeps its scheme, host, path and harmless query
 * parameters (users can tell which file it was, shards of different files
 * stay apart) and loses its userinfo and secret query values:
 * https://[REDACTED]@host/p.csv?X-Amz-Date=20240101T000000Z&X-Amz-Signature=[REDACTED]. A value already reading "[REDACTED]" is kept, so
 * redacting twice changes nothing. False positives cost a readable word;
 * false negatives leak a secret into CI logs, so the key list is generous
 * but stops short of plain words ("tokens=5" stays).
 */
#include "qgate/common.h"

#include <ctype.h>

#include "qgate/base64.h"
#include "qgate/redact.h"

#define REDACTED QG_REDACTED


/* ASCII character classes by arithmetic: the scan asks one to three of
 * them at every byte of everything qgate prints (isalnum() is a call and
 * a locale lookup; a secret's characters are ASCII by definition). */
static int is_alnum(int c)
{
	return (unsigned)((c | 32) - 'a') < 26u || (unsigned)(c - '0') < 10u;
}

static int is_b64(int c)
{
	return is_alnum(c) || c == '/' || c == '+' || c == '=';
}

static int is_ident(int c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

static size_t run_len(const char *s, int (*pred)(int))
{
	size_t n = 0;

	while (s[n] && pred((unsigned char)s[n]))
		n++;
	return n;
}

static int is_upper_alnum(int c)
{
	return (unsigned)(c - 'A') < 26u || (unsigned)(c - '0') < 10u;
}

static int is_token_char(int c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

static int is_alnum_(int c)
{
	return is_alnum(c) || c == '_';
}

static size_t match_aws_key_id(const char *s)
{
	static const char *const prefixes[] = { "AKIA", "ASIA", "AGPA", "AIDA", "AROA",
						"ANPA", "ANVA", "AIPA", "ABIA", "ACCA" };

	if (s[0] != 'A') /* every prefix's first byte: most words end here */
		return 0;
	for (size_t i = 0; i < QG_ARRAY_SIZE(prefixes); i++) {
		if (strncmp(s, prefixes[i], 4))
			continue;
		if (run_len(s + 4, is_upper_alnum) == 16 && !is_alnum((unsigned char)s[20]))
			return 20;
	}
	return 0;
}

/* Registry and chat tokens with a recognisable prefix. */
static size_t match_prefixed_token(const char *s)
{
	static const struct {
		const char *prefix;
		size_t min;
	} kinds[] = {
		{ "ghp_", 20 }, { "gho_", 20 }, { "ghu_", 20 }, { "ghs_", 20 }, { "ghr_", 20 },
		{ "github_pat_", 20 }, { "glpat-", 20 }, { "npm_", 30 }, { "xoxb-", 10 },
		{ "xoxp-", 10 }, { "xoxa-", 10 }, { "xoxs-", 10 }, { "pypi-", 30 }, { "AIza", 35 },
	};

	switch (s[0]) { /* the prefixes' first bytes: most words end here */
	case 'g': case 'n': case 'x': case 'p': case 'A':
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(kinds); i++) {
		size_t pl, n;

		if (s[0] != kinds[i].prefix[0] || s[1] != kinds[i].prefix[1])
			continue;
		pl = strlen(kinds[i].prefix);
		if (strncmp(s, kinds[i].prefix, pl))
			continue;
		n = run_len(s + pl, is_token_char);
		if (n >= kinds[i].min)
			return pl + n;
	}
	return 0;
}

/* The last (up to 63) bytes of a key, lowercased, in low. */
static const char *lower_tail(char low[64], const char *k, size_t n)
{
	if (n >= 64)
		k += n - 63, n = 63;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)k[i]);
	low[n] = '\0';
	return low;
}

/* A key whose `=` value is a secret: by suffix (X-Amz-Security-Token,
 * X-Amz-Credential and X-Amz-Signature of presigned URLs included), or
 * exactly (Azure SAS `sig`). */
static int sensitive_key(const char *k, size_t n)
{
	static const char *const suffixes[] = {
		"password", "passwd", "pwd", "token", "secret", "apikey", "api_key", "api-key",
		"access_key", "secret_key", "private_key", "credential", "credentials",
		"authorization", "session_key", "client_secret", "signature", "passphrase",
	};
	/* Azure SAS `sig`, `auth` and `jwt` query parameters. Not `key` or
	 * `policy`: they name data columns too (a model's slice key=...);
	 * Google API keys are caught by their shape (AIza...) */
	static const char *const exact[] = { "sig", "auth", "jwt" };
	char low[64];

	lower_tail(low, k, n);
	n = strlen(low);
	for (size_t i = 0; i < QG_ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (n >= sl && !strcmp(low + n - sl, suffixes[i]))
			return 1;
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(exact); i++)
		if (!strcmp(low, exact[i]))
			return 1;
	return 0;
}

enum { HDR_NONE, HDR_VALUE, HDR_LINE };

/* A header whose `Name: value` is a secret: HDR_LINE when the whole rest of
 * the line is (its value has spaces: "AWS4-HMAC-SHA256 Credential=...,
 * Signature=..."), HDR_VALUE when one token is. */
static int secret_header(const char *k, size_t n)
{
	static const char *const line[] = { "authorization", "proxy-authorization", "cookie", "set-cookie" };
	static const char *const value[] = { "x-amz-security-token", "x-api-key", "private-token",
					     "x-auth-token" };
	char low[64];

	if (n >= 64)
		return HDR_NONE;
	lower_tail(low, k, n);
	for (size_t i = 0; i < QG_ARRAY_SIZE(line); i++)
		if (!strcmp(low, line[i]))
			return HDR_LINE;
	for (size_t i = 0; i < QG_ARRAY_SIZE(value); i++)
		if (!strcmp(low, value[i]))
			return HDR_VALUE;
	return HDR_NONE;
}

/* A 40-character base64 run that is not plain hex (git object ids are). */
static int aws_secret_like(const char *v, size_t n)
{
	if (n != 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", v[i]))
			return 1;
	return 0;
}

static size_t value_len(const char *v)
{
	size_t n = 0;

	while (v[n] && !isspace((unsigned char)v[n]) && !strchr("\"'&,;)<>", v[n]))
		n++;
	return n;
}


/* s[*lit..upto) as it was (the bytes between redactions are copied a run
 * at a time, not a byte at a time), then `mark` when given; *lit = upto. */
static int flush_lit(struct qg_buf *out, const char *s, size_t *lit, size_t upto, const char *mark)
{
	int err = upto > *lit ? qg_buf_add(out, s + *lit, upto - *lit) : 0;

	if (!err && mark)
		err = qg_buf_addstr(out, mark);
	*lit = upto;
	return err;
}

static size_t ident_len(const char *s)
{
	size_t n = 0;

	while (s[n] && is_ident((unsigned char)s[n]))
		n++;
	return n;
}

int qg_redact(struct qg_buf *out, const char *s)
{
	size_t i = 0, lit = 0; /* s[lit..i) is copied as it is */
	int err = 0;

	if (!s)
		return 0;
	while (!err && s[i]) {
		unsigned char c = (unsigned char)s[i];
		int boundary = i == 0 || !is_alnum_((unsigned char)s[i - 1]);
		size_t n;

		if (boundary && (n = match_aws_key_id(s + i))) {
			err = flush_lit(out, s, &lit, i, REDACTED);
			i += n;
			lit = i;
			continue;
		}
		if (boundary && (n = match_prefixed_token(s + i))) {
			err = flush_lit(out, s, &lit, i, REDACTED);
			i += n;
			lit = i;
			continue;
		}
		/* scheme://userinfo@host: the whole userinfo, the user too (a
		 * token is often the user: https://TOKEN@github.com/...) */
		if (c == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
			size_t u = i + 3, at = 0;

			for (size_t k = u; s[k] && !isspace((unsigned char)s[k]) && !strchr("/?#", s[k]); k++)
				if (s[k] == '@')
					at = k;
			if (at > u) {
				err = flush_lit(out, s, &lit, i + 3, REDACTED);
				i = at;
				lit = i;
				continue;
			}
		}
		/* Bearer/Basic credentials */
		if (boundary && (c == 'b' || c == 'B') &&
		    (!strncasecmp(s + i, "bearer", 6) || !strncasecmp(s + i, "basic", 5))) {
			size_t w = tolower((unsigned char)s[i]) == 'b' && tolower((unsigned char)s[i + 1]) == 'e' ? 6 : 5;
			size_t sp = 0;

			while (s[i + w + sp] == ' ')
				sp++;
			if (sp && (n = run_len(s + i + w + sp, is_token_char)) >= 8 &&
			    strncmp(s + i + w + sp, REDACTED, strlen(REDACTED))) {
				err = flush_lit(out, s, &lit, i + w + sp, REDACTED);
				i += w + sp + n;
				lit = i;
				continue;
			}
		}
		/* key=value and key: value */
		if (boundary && is_ident(c)) {
			size_t k = ident_len(s + i), v, sep;
			int hdr;

			sep = i + k;
			if (s[sep] != '=' && s[sep] != ':') {
				i += k; /* a plain word (most of them) */
				continue;
			}
			hdr = s[sep] == ':' ? secret_header(s + i, k) : HDR_NONE;
			if (s[sep] == '=' || (s[sep] == ':' && (s[sep + 1] == ' ' || hdr))) {
				v = sep + 1;
				while (s[v] == ' ' || (hdr && s[v] == '\t'))
					v++;
				if (!hdr && (s[v] == '"' || s[v] == '\''))
					v++;
				n = value_len(s + v);
				if (hdr == HDR_LINE)
					n = strcspn(s + v, "\r\n"); /* Digest values hold quotes and commas */
				else if (!hdr && !(s[sep] == '=' && sensitive_key(s + i, k)))
					n = run_len(s + v, is_b64) == 40 && aws_secret_like(s + v, 40) ? 40 : 0;
				if (n && strncmp(s + v, REDACTED, strlen(REDACTED))) {
					err = flush_lit(out, s, &lit, v, REDACTED);
					i = v + n;
					lit = i;
					continue;
				}
			}
			i += k;
			continue;
		}
		i++;
	}
	if (!err)
		err = flush_lit(out, s, &lit, i, NULL);
	return err;
}

int qg_redact_value(struct qg_buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0, from = 0, rl = strlen(REDACTED);
	char *p;
	int err;

	if (n < 4)
		return 0;
	while ((p = memmem(b->buf + from, b->len - from, secret, n))) {
		size_t off = (size_t)(p - b->buf);

		if (rl > n && (err = qg_buf_grow(b, rl - n)) < 0)
			return err;
		p = b->buf + off;
		memmove(p + rl, p + n, b->len - off - n + 1);
		memcpy(p, REDACTED, rl);
		b->len = b->len - n + rl;
		from = off + rl;
	}
	return 0;
}

/* v[0..n) percent-decoded (and '+' as a space when plus: a query) appended
 * to out. */
static int pct_decode(struct qg_buf *out, const char *v, size_t n, int plus)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		if (v[i] == '%' && i + 2 < n && isxdigit((unsigned char)v[i + 1]) && isxdigit((unsigned char)v[i + 2])) {
			char hex[3] = { v[i + 1], v[i + 2], 0 };

			err = qg_buf_addch(out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			err = qg_buf_addch(out, plus && v[i] == '+' ? ' ' : v[i]);
		}
	}
	return err;
}

/* Mask v[0..n) in b as it was written and percent-decoded (a server
 * echoes what it received, decoded). */
static int mask_both(struct qg_buf *b, const char *v, size_t n, int plus)
{
	struct qg_buf raw = QG_BUF_INIT(QG_CAP_URL), dec = QG_BUF_INIT(QG_CAP_URL);
	int err = qg_buf_add(&raw, v, n);

	if (!err)
		err = pct_decode(&dec, v, n, plus);
	if (!err)
		err = qg_redact_value(b, raw.buf);
	if (!err && strcmp(raw.buf, dec.buf))
		err = qg_redact_value(b, dec.buf);
	qg_buf_release(&raw);
	qg_buf_release(&dec);
	return err;
}

int qg_redact_url_secrets(struct qg_buf *b, const char *url)
{
	const char *auth = url ? strstr(url, "://") : NULL, *end, *at, *q;
	int err = 0;

	if (!url)
		return 0;
	if (auth) {
		auth += 3;
		end = auth + strcspn(auth, "/?#");
		at = memrchr(auth, '@', (size_t)(end - auth));
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			struct qg_buf plain = QG_BUF_INIT(QG_CAP_URL), basic = QG_BUF_INIT(QG_CAP_URL);

			/* the user, the password, and "user:password" as the
			 * Basic credential libcurl sent (decoded, then base64) */
			err = mask_both(b, auth, (size_t)((colon ? colon : at) - auth), 0);
			if (!err && colon)
				err = mask_both(b, colon + 1, (size_t)(at - colon - 1), 0);
			if (!err)
				err = pct_decode(&plain, auth, (size_t)((colon ? colon : at) - auth), 0);
			if (!err && colon && !(err = qg_buf_addch(&plain, ':')))
				err = pct_decode(&plain, colon + 1, (size_t)(at - colon - 1), 0);
			if (!err)
				err = qg_base64_encode(&basic, plain.buf, plain.len);
			if (!err)
				err = qg_redact_value(b, basic.buf);
			qg_buf_release(&plain);
			qg_buf_release(&basic);
		}
	}
	q = strchr(url, '?');
	while (!err && q && *q && *q != '#') {
		const char *k = q + 1, *eq, *amp;

		amp = k + strcspn(k, "&#");
		eq = memchr(k, '=', (size_t)(amp - k));
		if (eq && sensitive_key(k, (size_t)(eq - k)))
			err = mask_both(b, eq + 1, (size_t)(amp - eq - 1), 1);
		q = *amp == '&' ? amp : NULL;
	}
	return err;
}

char *qg_redact_dup(const char *s)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	if (qg_redact(&b, s ? s : "") < 0) {
		qg_buf_release(&b);
		return NULL;
	}
	return qg_buf_detach(&b, NULL);
}

char *qg_redact_url(const char *url)
{
	return qg_redact_dup(url);
}
