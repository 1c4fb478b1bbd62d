/* sigv4.c -- AWS Signature Version 4 (canonical request, string to sign, HMAC chain)
 *
 * The steps follow AWS's "Signature Version 4 signing process" for S3:
 * canonical request (method, encoded path as sent, sorted query, sorted
 * lowercase headers with trimmed values, signed header list, payload hash),
 * string to sign (algorithm, timestamp, scope, hash of the canonical
 * request), signing key (HMAC chain over date, region, service,
 * "aws4_request" starting from "AWS4" + secret), signature (hex HMAC).
 * HMAC and EVP_Digest come from the one libcrypto loader (crypto.c). The
 * secret is only ever an HMAC key: it is copied into one stack buffer, wiped
 * after use, and never formatted into a message.
 */
#include "qgate/common.h"
#include "qgate/sigv4.h"

#include <ctype.h>

#include "qgate/crypto.h"

static void hex(char *out, const unsigned char *md, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int qg_sigv4_sha256_hex(char out[65], const void *data, size_t len)
{
	const struct qg_crypto *c = qg_crypto();
	unsigned char md[32];
	unsigned int n = 0;

	if (!c)
		return QG_ERROR;
	if (!c->digest(data, len, md, &n, c->evp_sha256(), NULL) || n != 32)
		return qg_error(QG_ERROR, "sha-256 failed");
	hex(out, md, 32);
	return 0;
}

static int hmac(const struct qg_crypto *c, unsigned char out[32], const void *key, size_t key_len, const char *msg,
		size_t len)
{
	unsigned int n = 0;

	if (!c->hmac(c->evp_sha256(), key, (int)key_len, (const unsigned char *)msg, len, out, &n) ||
	    n != 32)
		return qg_error(QG_ERROR, "hmac-sha256 failed");
	return 0;
}

int qg_sigv4_uri_encode(struct qg_buf *out, const char *s, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	int err = 0;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash)) {
			err = qg_buf_addch(out, c);
		} else {
			char esc[3] = { '%', digits[c >> 4], digits[c & 15] };

			err = qg_buf_add(out, esc, 3);
		}
	}
	return err;
}

struct hdr {
	char *name;  /* lowercase */
	char *value; /* trimmed, inner runs of spaces collapsed */
};

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hdr_add(struct hdr **v, size_t *nr, size_t *alloc, const char *name, size_t name_len,
		   const char *value)
{
	struct hdr *h;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t i;
	int space = 0, err;

	if ((err = QG_ALLOC_GROW(*v, *nr + 1, *alloc)) < 0)
		return err;
	h = &(*v)[*nr];
	h->name = qg_strndup(name, name_len);
	if (!h->name)
		return QG_ENOMEM;
	for (i = 0; i < name_len; i++)
		h->name[i] = (char)tolower((unsigned char)h->name[i]);
	while (*value == ' ' || *value == '\t')
		value++;
	for (; *value; value++) {
		if (*value == ' ' || *value == '\t') {
			space = 1;
			continue;
		}
		if (space && b.len && (err = qg_buf_addch(&b, ' ')) < 0) {
			free(h->name);
			qg_buf_release(&b);
			return err; /* a lost space would sign another value */
		}
		space = 0;
		if ((err = qg_buf_addch(&b, *value)) < 0) {
			free(h->name);
			qg_buf_release(&b);
			return err;
		}
	}
	h->value = qg_buf_detach(&b, NULL);
	if (!h->value) {
		free(h->name);
		return QG_ENOMEM;
	}
	(*nr)++;
	return 0;
}

/* Canonical query string: parameters sorted by (already encoded) name and
 * value; a parameter without '=' gets an empty value. */
static int canonical_query(struct qg_buf *out, const char *q, size_t len)
{
	struct qg_strvec params = QG_STRVEC_INIT;
	size_t i, n;
	int err = 0;

	while (len && !err) {
		n = 0;
		while (n < len && q[n] != '&')
			n++;
		if (n) {
			if (memchr(q, '=', n))
				err = qg_strvec_pushf(&params, "%.*s", (int)n, q);
			else
				err = qg_strvec_pushf(&params, "%.*s=", (int)n, q);
		}
		q += n;
		len -= n;
		if (len) {
			q++;
			len--;
		}
	}
	/* sort by name then value: compare with '=' ranking below every byte */
	if (!err) {
		for (i = 0; i < params.nr; i++)
			*strchr((char *)params.v[i], '=') = '\001';
		qsort(params.v, params.nr, sizeof(*params.v), str_cmp);
		for (i = 0; i < params.nr && !err; i++) {
			*strchr((char *)params.v[i], '\001') = '=';
			if (i)
				err = qg_buf_addch(out, '&');
			if (!err)
				err = qg_buf_addstr(out, params.v[i]);
		}
	}
	qg_strvec_clear(&params);
	return err;
}

int qg_sigv4_sign(struct qg_strvec *out, const struct qg_sigv4_key *key, const char *method,
		  const char *url, const char *const *headers, const char *payload_sha256, time_t now)
{
	struct qg_buf creq = QG_BUF_INIT(QG_CAP_MESSAGE), sts = QG_BUF_INIT(QG_CAP_MESSAGE), signed_names = QG_BUF_INIT(QG_CAP_MESSAGE), host = QG_BUF_INIT(QG_CAP_URL);
	struct hdr *hv = NULL;
	size_t nr = 0, alloc = 0, i;
	const char *auth, *end, *path, *query, *at, *colon;
	char amz_date[17], date[9], creq_hash[65], sig[65];
	unsigned char kmac[32], ktmp[32];
	char kbuf[512];
	struct tm tm;
	int https, err;
	const char *const *hp;
	const struct qg_crypto *c;

	if (!(c = qg_crypto()))
		return QG_ERROR;
	if (!key || !key->access_key_id || !key->secret_access_key || !key->region || !key->service)
		return qg_error(QG_EUSAGE, "incomplete aws credentials for signing");
	if (!payload_sha256)
		payload_sha256 = QG_SIGV4_EMPTY_SHA256;

	/* host, path and query from the URL */
	https = !strncmp(url, "https://", 8);
	auth = strstr(url, "://");
	if (!auth)
		return qg_error(QG_EUSAGE, "cannot sign a request to a URL without a scheme");
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	if (at)
		auth = at + 1;
	if (end == auth)
		return qg_error(QG_EUSAGE, "cannot sign a request to a URL without a host");
	colon = memrchr(auth, ':', (size_t)(end - auth));
	if (colon && ((https && !strncmp(colon, ":443", (size_t)(end - colon)) && end - colon == 4) ||
		      (!https && end - colon == 3 && !strncmp(colon, ":80", 3))))
		end = colon; /* default ports are not part of the Host header */
	for (at = auth; at < end; at++)
		if ((err = qg_buf_addch(&host, tolower((unsigned char)*at))) < 0)
			goto done;
	path = auth + strcspn(auth, "/?#");
	query = path + strcspn(path, "?#");

	if (gmtime_r(&now, &tm) == NULL) {
		err = qg_error(QG_EUSAGE, "cannot convert the signing time");
		goto done;
	}
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, amz_date, 8);
	date[8] = '\0';

	/* the headers to sign */
	if ((err = hdr_add(&hv, &nr, &alloc, "host", 4, host.buf)) < 0)
		goto done;
	for (hp = headers; hp && *hp; hp++) {
		colon = strchr(*hp, ':');
		if (!colon || colon == *hp) {
			err = qg_error(QG_EUSAGE, "malformed request header (no name)");
			goto done;
		}
		if ((size_t)(colon - *hp) == 4 && !strncasecmp(*hp, "host", 4))
			continue;
		if ((err = hdr_add(&hv, &nr, &alloc, *hp, (size_t)(colon - *hp), colon + 1)) < 0)
			goto done;
	}
	if ((err = hdr_add(&hv, &nr, &alloc, "x-amz-content-sha256", 20, payload_sha256)) < 0 ||
	    (err = hdr_add(&hv, &nr, &alloc, "x-amz-date", 10, amz_date)) < 0)
		goto done;
	if (key->session_token && *key->session_token &&
	    (err = hdr_add(&hv, &nr, &alloc, "x-amz-security-token", 20, key->session_token)) < 0)
		goto done;
	qsort(hv, nr, sizeof(*hv), hdr_cmp);

	/* canonical request */
	err = qg_buf_addf(&creq, "%s\n", method ? method : "GET");
	if (!err && query > path)
		err = qg_buf_add(&creq, path, (size_t)(query - path));
	else if (!err)
		err = qg_buf_addch(&creq, '/');
	if (!err)
		err = qg_buf_addch(&creq, '\n');
	if (!err && *query == '?')
		err = canonical_query(&creq, query + 1, strcspn(query + 1, "#"));
	if (!err)
		err = qg_buf_addch(&creq, '\n');
	for (i = 0; i < nr && !err; i++) {
		err = qg_buf_addf(&creq, "%s:%s\n", hv[i].name, hv[i].value);
		if (!err)
			err = qg_buf_addf(&signed_names, "%s%s", i ? ";" : "", hv[i].name);
	}
	if (!err)
		err = qg_buf_addf(&creq, "\n%s\n%s", signed_names.buf, payload_sha256);
	if (err < 0 || (err = qg_sigv4_sha256_hex(creq_hash, creq.buf, creq.len)) < 0)
		goto done;

	/* string to sign and the HMAC chain */
	err = qg_buf_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date,
			  key->region, key->service, creq_hash);
	if (err < 0)
		goto done;
	if (snprintf(kbuf, sizeof(kbuf), "AWS4%s", key->secret_access_key) >= (int)sizeof(kbuf)) {
		err = qg_error(QG_EUSAGE, "aws secret access key is too long");
		goto done;
	}
	err = hmac(c, kmac, kbuf, strlen(kbuf), date, strlen(date));
	memset(kbuf, 0, sizeof(kbuf));
	if (!err)
		err = hmac(c, ktmp, kmac, 32, key->region, strlen(key->region));
	if (!err)
		err = hmac(c, kmac, ktmp, 32, key->service, strlen(key->service));
	if (!err)
		err = hmac(c, ktmp, kmac, 32, "aws4_request", 12);
	if (!err)
		err = hmac(c, kmac, ktmp, 32, sts.buf, sts.len);
	memset(ktmp, 0, sizeof(ktmp));
	if (err < 0)
		goto done;
	hex(sig, kmac, 32);

	/* the headers to send */
	err = headers ? qg_strvec_pushv(out, headers) : 0;
	if (!err)
		err = qg_strvec_pushf(out, "x-amz-content-sha256: %s", payload_sha256);
	if (!err)
		err = qg_strvec_pushf(out, "x-amz-date: %s", amz_date);
	if (!err && key->session_token && *key->session_token)
		err = qg_strvec_pushf(out, "x-amz-security-token: %s", key->session_token);
	if (!err)
		err = qg_strvec_pushf(out,
				      "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request,"
				      "SignedHeaders=%s,Signature=%s",
				      key->access_key_id, date, key->region, key->service, signed_names.buf, sig);
done:
	memset(kmac, 0, sizeof(kmac));
	for (i = 0; i < nr; i++) {
		free(hv[i].name);
		free(hv[i].value);
	}
	free(hv);
	qg_buf_release(&creq);
	qg_buf_release(&sts);
	qg_buf_release(&signed_names);
	qg_buf_release(&host);
	return err;
}
