/* ref.c -- TARGET[:TAG|@sha256:HEX] references of qgate-deploy
 *
 * Three spellings name a store: "oci-layout:DIR" (an OCI image layout on disk),
 * "oci://HOST[:PORT]/REPO" (a distribution registry) and "s3://BUCKET/PREFIX".
 * Any of them may end in ":TAG" and/or "@sha256:HEX" (the digest wins when both
 * are given, as in docker's name:tag@digest). The tag is what follows the last
 * ':' after the last '/', so a layout folder may itself hold ':' ("oci-layout:
 * a:b:v1" is the folder "a:b" and the tag "v1"), and a registry port is never
 * taken for a tag. Every malformed reference is QG_EUSAGE (exit 2) naming the
 * text and what was expected.
 */
#include "qgate/common.h"

#include <ctype.h>

#include "deploy.h"

#define SCHEMES "(expected oci-layout:DIR, oci://HOST[:PORT]/REPO or s3://BUCKET/PREFIX)"

int dp_digest_valid(const char *s)
{
	size_t i;

	if (!s || strncmp(s, "sha256:", 7))
		return 0;
	for (i = 0; i < 64; i++) {
		char c = s[7 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return s[71] == '\0';
}

/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
int dp_tag_valid(const char *t)
{
	size_t i, n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return 0;
	return 1;
}

/* [a-z0-9]+([._-][a-z0-9]+)* components joined by '/' (the distribution grammar,
 * which also allows "__" as a separator) */
static int repo_valid(const char *r)
{
	const char *p = r;

	if (!*p || strlen(p) > 255)
		return 0;
	for (;;) {
		/* one component */
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p)))
			return 0;
		while (islower((unsigned char)*p) || isdigit((unsigned char)*p))
			p++;
		while (*p == '.' || *p == '_' || *p == '-') {
			if (p[0] == '_' && p[1] == '_')
				p += 2;
			else if (p[0] == '-')
				while (*p == '-')
					p++;
			else
				p++;
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p)))
				return 0;
			while (islower((unsigned char)*p) || isdigit((unsigned char)*p))
				p++;
		}
		if (*p == '\0')
			return 1;
		if (*p != '/')
			return 0;
		p++;
	}
}

/* host[:port]: letters, digits, '.', '-', an optional numeric port, or [IPv6] */
static int host_valid(const char *h)
{
	const char *p = h, *colon;

	if (!*h || strlen(h) > 255)
		return 0;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		if (!e || e == p + 1)
			return 0;
		for (p++; p < e; p++)
			if (!(isxdigit((unsigned char)*p) || *p == ':' || *p == '.'))
				return 0;
		p = e + 1;
		colon = *p == ':' ? p : NULL;
		if (*p && !colon)
			return 0;
	} else {
		colon = strchr(h, ':');
		for (; p < (colon ? colon : h + strlen(h)); p++)
			if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
				return 0;
		if (p == h)
			return 0;
	}
	if (colon) {
		long port = 0;
		p = colon + 1;
		if (!*p || strlen(p) > 5)
			return 0;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return 0;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return 0;
	}
	return 1;
}

/* S3 bucket names: 3-63 of [a-z0-9.-], starting and ending with a letter or digit. */
static int bucket_valid(const char *b)
{
	size_t i, n = strlen(b);

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '.' ||
		      b[i] == '-'))
			return 0;
	return isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]);
}

/* Split "...[:TAG][@sha256:HEX]" off the end of `loc` (modified in place). */
static int split_tag_digest(struct dp_ref *out, char *loc, const char *text)
{
	char *at = strrchr(loc, '@'), *slash, *colon;

	if (at && !strncmp(at + 1, "sha256:", 7)) {
		if (!dp_digest_valid(at + 1))
			return qg_error(
				QG_EUSAGE,
				"'%s': malformed digest '%s' (expected sha256:<64 lowercase hex>)",
				text, at + 1);
		memcpy(out->digest, at + 1, DP_DIGEST_SIZE);
		*at = '\0';
	}
	slash = strrchr(loc, '/');
	colon = strrchr(slash ? slash : loc, ':');
	if (colon) {
		if (!dp_tag_valid(colon + 1))
			return qg_error(
				QG_EUSAGE,
				"'%s': malformed tag '%s' (expected [A-Za-z0-9_][A-Za-z0-9._-]{0,127})",
				text, colon + 1);
		out->tag = qg_strdup(colon + 1);
		if (!out->tag)
			return qg_error(QG_ENOMEM, "out of memory");
		*colon = '\0';
	}
	return 0;
}

static int parse_layout(struct dp_ref *out, char *rest, const char *text)
{
	int err = split_tag_digest(out, rest, text);

	if (err)
		return err;
	if (!*rest)
		return qg_error(QG_EUSAGE,
				"'%s': the layout folder is empty (expected oci-layout:DIR[:TAG])",
				text);
	out->dir = qg_strdup(rest);
	return out->dir ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int parse_oci(struct dp_ref *out, char *rest, const char *text)
{
	char *slash = strchr(rest, '/');
	int err;

	if (!slash || slash == rest)
		return qg_error(QG_EUSAGE, "'%s': expected oci://HOST[:PORT]/REPO[:TAG]", text);
	*slash = '\0';
	if (!host_valid(rest))
		return qg_error(QG_EUSAGE,
				"'%s': malformed registry host '%s' (expected HOST[:PORT])", text,
				rest);
	out->host = qg_strdup(rest);
	if (!out->host)
		return qg_error(QG_ENOMEM, "out of memory");
	rest = slash + 1;
	err = split_tag_digest(out, rest, text);
	if (err)
		return err;
	if (!repo_valid(rest))
		return qg_error(
			QG_EUSAGE,
			"'%s': malformed repository '%s' (expected lowercase [a-z0-9]+([._-][a-z0-9]+)* path "
			"components)",
			text, rest);
	out->repo = qg_strdup(rest);
	return out->repo ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int parse_s3(struct dp_ref *out, char *rest, const char *text)
{
	char *slash;
	int err;
	size_t n;

	err = split_tag_digest(out, rest, text);
	if (err)
		return err;
	slash = strchr(rest, '/');
	if (slash)
		*slash = '\0';
	if (!bucket_valid(rest))
		return qg_error(QG_EUSAGE,
				"'%s': malformed bucket '%s' (expected 3-63 of [a-z0-9.-])", text,
				rest);
	out->host = qg_strdup(rest);
	if (!out->host)
		return qg_error(QG_ENOMEM, "out of memory");
	rest = slash ? slash + 1 : rest + strlen(rest);
	n = strlen(rest);
	while (n && rest[n - 1] == '/')
		rest[--n] = '\0';
	if (strstr(rest, "//") || !strcmp(rest, "..") || !strncmp(rest, "../", 3) ||
	    strstr(rest, "/../") || (n >= 3 && !strcmp(rest + n - 3, "/..")) || *rest == '/')
		return qg_error(
			QG_EUSAGE,
			"'%s': malformed prefix '%s' (expected PREFIX without empty or '..' parts)",
			text, rest);
	out->repo = qg_strdup(rest);
	return out->repo ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

/* "oci://USER:PASS@HOST/..." or "s3://KEY:SECRET@BUCKET/...": an '@' in the part
 * before the first '/' after the scheme (a digest's '@' comes after it). */
static int has_userinfo(const char *text)
{
	const char *p = !strncmp(text, "oci://", 6) ? text + 6 : !strncmp(text, "s3://", 5) ? text + 5 : NULL;
	const char *slash;

	if (!p)
		return 0;
	slash = strchr(p, '/');
	return memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p)) != NULL;
}

int dp_ref_parse(struct dp_ref *out, const char *text, int need_tag)
{
	char *copy = NULL;
	const char *colon;
	int err;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return qg_error(QG_EUSAGE, "empty target " SCHEMES);
	out->text = qg_strdup(text);
	if (!out->text)
		return qg_error(QG_ENOMEM, "out of memory");
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			err = qg_error(QG_EUSAGE, "'%s': control character in the target", text);
			goto done;
		}
	if (has_userinfo(text)) {
		/* never quoted: the part before '@' is a password */
		err = qg_error(QG_EUSAGE,
			       "a target with credentials in it (USER:PASSWORD@HOST) is refused: "
			       "use QGATE_REGISTRY_USERNAME/QGATE_REGISTRY_PASSWORD, a docker "
			       "config.json or AWS variables");
		goto done;
	}
	if (!strncmp(text, "oci-layout:", 11)) {
		out->kind = DP_LAYOUT;
		copy = qg_strdup(text + 11);
		err = copy ? parse_layout(out, copy, text) : qg_error(QG_ENOMEM, "out of memory");
	} else if (!strncmp(text, "oci://", 6)) {
		out->kind = DP_OCI;
		copy = qg_strdup(text + 6);
		err = copy ? parse_oci(out, copy, text) : qg_error(QG_ENOMEM, "out of memory");
	} else if (!strncmp(text, "s3://", 5)) {
		out->kind = DP_S3;
		copy = qg_strdup(text + 5);
		err = copy ? parse_s3(out, copy, text) : qg_error(QG_ENOMEM, "out of memory");
	} else if ((colon = strchr(text, ':')) && colon > text) {
		err = qg_error(
			QG_EUSAGE,
			"'%s': unknown target scheme '%.*s' (expected oci-layout:, oci://, s3://)",
			text, (int)(colon - text), text);
	} else {
		err = qg_error(QG_EUSAGE, "'%s': not a target " SCHEMES, text);
	}
	if (!err && need_tag && !out->tag && !out->digest[0])
		err = qg_error(QG_EUSAGE, "'%s': no tag (expected TARGET:TAG or TARGET@sha256:...)",
			       text);
done:
	free(copy);
	if (err)
		dp_ref_release(out);
	return err;
}

void dp_ref_release(struct dp_ref *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->dir);
	free(r->host);
	free(r->repo);
	free(r->tag);
	memset(r, 0, sizeof(*r));
}

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Two spellings of one folder ("d", "./d", "d/") are one store; realpath decides
 * when both exist. */
static int same_dir(const char *a, const char *b)
{
	char *ra, *rb;
	int same;

	if (!strcmp(a, b))
		return 1;
	ra = realpath(a, NULL);
	rb = realpath(b, NULL);
	same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

int dp_ref_same_store(const struct dp_ref *a, const struct dp_ref *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == DP_LAYOUT)
		return a->dir && b->dir && same_dir(a->dir, b->dir);
	return str_eq(a->host, b->host) && str_eq(a->repo, b->repo);
}

int dp_ref_format_store(const struct dp_ref *r, struct qg_buf *out)
{
	switch (r->kind) {
	case DP_LAYOUT:
		return qg_buf_addf(out, "oci-layout:%s", r->dir);
	case DP_OCI:
		return qg_buf_addf(out, "oci://%s/%s", r->host, r->repo);
	case DP_S3:
		return *r->repo ? qg_buf_addf(out, "s3://%s/%s", r->host, r->repo) :
				  qg_buf_addf(out, "s3://%s", r->host);
	}
	return qg_error(QG_EUSAGE, "reference of no known kind");
}
