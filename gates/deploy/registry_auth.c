/* registry_auth.c -- credentials and the token flow of an OCI registry
 *
 * Credentials are taken as users already keep them: QGATE_REGISTRY_USERNAME
 * and QGATE_REGISTRY_PASSWORD override everything; otherwise the `auths`
 * entry for the host in $DOCKER_CONFIG/config.json (or ~/.docker/config.json),
 * with a base64 "auth" ("user:password") or "username"/"password" members,
 * or, as docker does, from a credential helper: credHelpers[host] first,
 * else credsStore (whose "not found" falls back to the auths entry). A helper
 * is `docker-credential-<name> get` run with argv (lib/proc/run.c, found on
 * PATH, 30 s limit), the server's name on its stdin and {"Username",
 * "Secret"} on its stdout; identity tokens (Username "<token>") are refused.
 *
 * The registry says what it wants in a 401's WWW-Authenticate: Basic (the
 * credentials go along with every request from then on) or Bearer
 * realm=..,service=..,scope=.. (GET the realm with the Basic credentials, if
 * any, and send "Authorization: Bearer <token>"; one token per scope, kept for
 * the store's life). Credentials go only to the registry itself and to a
 * realm reached over https (plain http only with --insecure).
 *
 * Nothing here prints a credential: messages name the registry, the realm
 * (redacted URL) and the file or variable the credentials came from.
 */
#include "qgate/common.h"
#include "qgate/base64.h"
#include "qgate/http.h"
#include "qgate/json.h"
#include "qgate/redact.h"

#include <ctype.h>
#include <fcntl.h>
#include <unistd.h>

#include "qgate/run.h"

#include "registry_int.h"

#define REG_CONFIG_MAX ((size_t)4 << 20)
#define REG_TOKEN_MAX ((size_t)1 << 20)

/* The recorded message again under another code (the parser's QG_EPARSE is
 * this store's QG_EINPUT / a config's QG_EUSAGE). Copied first: formatting
 * the slot into itself would overlap. */
static int recode(int code)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", qg_error_last());
	return qg_error(code, "%s", msg);
}

/* host[:port] of a config.json key ("https://host:5000/v1/", "host").
 * Docker Hub's credentials sit under "https://index.docker.io/v1/" whatever
 * name the registry is reached by. */
static int key_is_host(const char *key, const char *host)
{
	const char *p = key, *end;
	size_t n;

	if (!strcmp(host, "docker.io") || !strcmp(host, "registry-1.docker.io") ||
	    !strcmp(host, "index.docker.io"))
		host = "index.docker.io";

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	end = strchr(p, '/');
	n = end ? (size_t)(end - p) : strlen(p);
	return n == strlen(host) && !strncasecmp(p, host, n);
}

static int set_creds(struct reg_auth *a, const char *user, size_t ulen, const char *pass,
		     const char *from)
{
	a->user = strndup(user, ulen);
	a->pass = strdup(pass);
	a->creds_from = strdup(from);
	if (!a->user || !a->pass || !a->creds_from)
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

/* The name a credential helper knows the registry by. */
static const char *helper_server(const char *host)
{
	if (!strcmp(host, "docker.io") || !strcmp(host, "registry-1.docker.io") ||
	    !strcmp(host, "index.docker.io"))
		return "https://index.docker.io/v1/";
	return host;
}

/* Run docker-credential-<helper> get. 0 with the credentials set, 0 without
 * (the helper has none for this server), or an error naming the helper. */
static int creds_from_helper(struct reg_auth *a, const char *helper, const char *path,
			     const char *member)
{
	struct qg_child c;
	struct qg_json *root = NULL;
	const char *server = helper_server(a->host), *user, *secret;
	int p[2] = { -1, -1 }, saved = -1, err;
	size_t i;

	for (i = 0; helper[i]; i++)
		if (!isalnum((unsigned char)helper[i]) && !strchr("-_.", helper[i]))
			break;
	if (!*helper || helper[i])
		return qg_error(
			QG_EUSAGE,
			"'%s': %s names the credential helper '%s' (expected letters, digits, "
			"'-', '_' or '.')",
			path, member, helper);
	qg_child_init(&c);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR;
	c.capture_cap = (size_t)64 << 10;
	c.timeout_s = 30;
	if ((err = qg_strvec_pushf(&c.args, "docker-credential-%s", helper)) < 0 ||
	    (err = qg_strvec_push(&c.args, "get")) < 0)
		goto done;
	/* the server's name on the helper's stdin: a pipe put on fd 0 for the
	 * child to inherit, the parent's stdin put back right after */
	if (pipe2(p, O_CLOEXEC) < 0 ||
	    write(p[1], server, strlen(server)) != (ssize_t)strlen(server) || close(p[1]) < 0 ||
	    (saved = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(p[0], 0) < 0) {
		err = qg_error(QG_EIO, "credential helper docker-credential-%s: %s", helper,
			       strerror(errno));
		p[1] = -1;
		goto done;
	}
	p[1] = -1;
	err = qg_child_run(&c);
	dup2(saved, 0);
	if (err < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", qg_error_last());
		err = qg_error(QG_EINPUT, "'%s': %s names the credential helper '%s': %s", path,
			       member, helper, why);
		goto done;
	}
	if (!c.exited || c.exit_code != 0) {
		char how[128];

		if (c.exited && strstr(c.out.buf, "credentials not found")) {
			err = 0; /* none for this server */
			goto done;
		}
		err = qg_error(QG_EINPUT, "credential helper docker-credential-%s (%s) %s", helper,
			       path, qg_child_describe(&c, how, sizeof(how)));
		goto done;
	}
	if (qg_json_parse(&root, c.out.buf, c.out.len, NULL) < 0) {
		err = qg_error(
			QG_EINPUT,
			"credential helper docker-credential-%s (%s) printed no JSON credentials",
			helper, path);
		goto done;
	}
	user = qg_json_string(qg_json_get(root, "Username"));
	secret = qg_json_string(qg_json_get(root, "Secret"));
	if (!user || !secret || !*secret) {
		err = qg_error(
			QG_EINPUT,
			"credential helper docker-credential-%s (%s): expected Username and Secret",
			helper, path);
		goto done;
	}
	if (!strcmp(user, "<token>")) {
		err = qg_error(
			QG_EINPUT,
			"credential helper docker-credential-%s (%s) gave an identity token for "
			"'%s': identity tokens are not supported (use QGATE_REGISTRY_USERNAME/PASSWORD)",
			helper, path, a->host);
		goto done;
	}
	err = set_creds(a, user, strlen(user), secret, path);
done:
	if (saved >= 0)
		close(saved);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (c.out.len)
		explicit_bzero(c.out.buf, c.out.len);
	qg_json_free(root);
	qg_child_release(&c);
	return err;
}

static int creds_from_config(struct reg_auth *a, const char *path)
{
	struct qg_json *root = NULL;
	const struct qg_json *auths, *m;
	struct qg_buf text = QG_BUF_INIT(REG_CONFIG_MAX);
	int err;

	if (access(path, F_OK) < 0)
		return 0; /* no file: anonymous */
	if ((err = qg_buf_read_file(&text, path)) < 0)
		goto done;
	if ((err = qg_json_parse(&root, text.buf, text.len, path)) < 0) {
		err = recode(QG_EUSAGE);
		goto done;
	}
	for (m = qg_json_first(qg_json_get(root, "credHelpers")); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m), *helper = qg_json_string(m);

		if (key && key_is_host(key, a->host) && helper) {
			err = creds_from_helper(a, helper, path, "credHelpers");
			goto done;
		}
	}
	{
		const char *store = qg_json_string(qg_json_get(root, "credsStore"));

		if (store && *store) {
			if ((err = creds_from_helper(a, store, path, "credsStore")) < 0 || a->user)
				goto done;
		}
	}
	auths = qg_json_get(root, "auths");
	for (m = qg_json_first(auths); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m), *b64, *user, *pass;

		if (!key || !key_is_host(key, a->host))
			continue;
		b64 = qg_json_string(qg_json_get(m, "auth"));
		user = qg_json_string(qg_json_get(m, "username"));
		pass = qg_json_string(qg_json_get(m, "password"));
		if (b64 && *b64) {
			size_t n = 0;
			char *plain, *colon;

			if (qg_base64_check(b64, strlen(b64), &n) < 0) {
				err = qg_error(QG_EUSAGE,
					       "'%s': auths.\"%s\".auth is not base64 "
					       "(expected base64 of user:password)",
					       path, key);
				goto done;
			}
			plain = calloc(1, n + 1);
			if (!plain) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			if (qg_base64_decode(plain, n, b64) < 0 ||
			    !(colon = memchr(plain, ':', n))) {
				explicit_bzero(plain, n);
				free(plain);
				err = qg_error(QG_EUSAGE,
					       "'%s': auths.\"%s\".auth does not decode to "
					       "user:password",
					       path, key);
				goto done;
			}
			err = set_creds(a, plain, (size_t)(colon - plain), colon + 1, path);
			explicit_bzero(plain, n);
			free(plain);
			goto done;
		}
		if (user && pass) {
			err = set_creds(a, user, strlen(user), pass, path);
			goto done;
		}
	}
	err = 0;
done:
	if (text.len)
		explicit_bzero(text.buf, text.len);
	qg_buf_release(&text);
	qg_json_free(root);
	return err;
}

int reg_auth_init(struct reg_auth *a, const char *host, unsigned http_flags, const char *ca_file)
{
	const char *u = getenv("QGATE_REGISTRY_USERNAME"), *p = getenv("QGATE_REGISTRY_PASSWORD");
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	int err;

	memset(a, 0, sizeof(*a));
	a->http_flags = http_flags;
	a->ca_file = ca_file;
	a->host = strdup(host);
	if (!a->host)
		return qg_error(QG_ENOMEM, "out of memory");
	if ((u && *u) || (p && *p)) {
		if (!u || !*u || !p || !*p)
			return qg_error(QG_EUSAGE,
					"QGATE_REGISTRY_USERNAME and QGATE_REGISTRY_PASSWORD go "
					"together (%s is not set)",
					u && *u ? "the password" : "the user name");
		return set_creds(a, u, strlen(u), p, "QGATE_REGISTRY_USERNAME");
	}
	if (dir && *dir)
		err = qg_buf_addf(&path, "%s/config.json", dir);
	else if (home && *home)
		err = qg_buf_addf(&path, "%s/.docker/config.json", home);
	else
		return 0;
	if (!err)
		err = creds_from_config(a, path.buf);
	qg_buf_release(&path);
	return err;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void reg_auth_release(struct reg_auth *a)
{
	size_t i;

	if (!a)
		return;
	free(a->host);
	free(a->user);
	free_secret(a->pass);
	free(a->creds_from);
	free(a->realm);
	free(a->service);
	for (i = 0; i < a->nr_tokens; i++) {
		free(a->tokens[i].scope);
		free_secret(a->tokens[i].token);
	}
	memset(a, 0, sizeof(*a));
}

/* One auth-param of a challenge: name="value" or name=token. */
static char *challenge_param(const char *s, const char *name)
{
	size_t n = strlen(name);
	const char *p = s;

	while ((p = strcasestr(p, name))) {
		const char *q = p + n, *v, *e;

		if ((p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) || *q != '=') {
			p++;
			continue;
		}
		v = q + 1;
		if (*v == '"') {
			v++;
			e = strchr(v, '"');
			if (!e)
				return NULL;
		} else {
			e = v + strcspn(v, ", \t");
		}
		return strndup(v, (size_t)(e - v));
	}
	return NULL;
}

int reg_auth_challenge(struct reg_auth *a, const char *h, char **scope_out)
{
	if (scope_out)
		*scope_out = NULL;
	if (!h || !*h)
		return qg_error(QG_ENET,
				"'oci://%s' answered 401 without a WWW-Authenticate challenge",
				a->host);
	while (*h == ' ')
		h++;
	if (!strncasecmp(h, "Basic", 5) && (!h[5] || h[5] == ' ')) {
		a->scheme = REG_BASIC;
		return 0;
	}
	if (!strncasecmp(h, "Bearer", 6) && (!h[6] || h[6] == ' ')) {
		char *realm = challenge_param(h + 6, "realm");

		if (!realm || (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7))) {
			free(realm);
			return qg_error(QG_ENET,
					"'oci://%s': Bearer challenge without an http(s) realm",
					a->host);
		}
		free(a->realm);
		free(a->service);
		a->realm = realm;
		a->service = challenge_param(h + 6, "service");
		a->scheme = REG_BEARER;
		if (scope_out)
			*scope_out = challenge_param(h + 6, "scope");
		return 0;
	}
	return qg_error(QG_ENET,
			"'oci://%s': unsupported authentication scheme in WWW-Authenticate "
			"(expected Basic or Bearer)",
			a->host);
}

static int add_basic(struct reg_auth *a, struct qg_buf *out)
{
	struct qg_buf plain = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addf(&plain, "%s:%s", a->user, a->pass);

	if (!err)
		err = qg_buf_addstr(out, "Authorization: Basic ");
	if (!err)
		err = qg_base64_encode(out, plain.buf, plain.len);
	if (plain.len)
		explicit_bzero(plain.buf, plain.len);
	qg_buf_release(&plain);
	return err;
}

static int add_query(struct qg_buf *u, const char *name, const char *value, int *first)
{
	int err = qg_buf_addf(u, "%c%s=", *first ? (strchr(u->buf, '?') ? '&' : '?') : '&', name);

	*first = 0;
	for (; !err && *value; value++) {
		unsigned char c = (unsigned char)*value;

		if (isalnum(c) || strchr("-._~:/,", c))
			err = qg_buf_addch(u, c);
		else
			err = qg_buf_addf(u, "%%%02X", c);
	}
	return err;
}

static int fetch_token(struct reg_auth *a, const char *scope, char **token_out)
{
	struct qg_buf url = QG_BUF_INIT(QG_CAP_URL), hdr = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_http_resp resp;
	struct qg_json *root = NULL;
	const char *headers[2] = { NULL, NULL };
	const char *tok;
	char *realm_name = NULL;
	int err, first = 1;

	*token_out = NULL;
	qg_http_resp_init(&resp);
	err = qg_buf_addstr(&url, a->realm);
	if (!err && a->service)
		err = add_query(&url, "service", a->service, &first);
	/* several scopes (a mount: this repository and the source) go as one
	 * scope= parameter each */
	for (const char *sc = scope ? scope : ""; !err && *sc;) {
		size_t n = strcspn(sc, " ");
		char *one = strndup(sc, n);

		err = one ? add_query(&url, "scope", one, &first) :
			    qg_error(QG_ENOMEM, "out of memory");
		free(one);
		sc += n;
		while (*sc == ' ')
			sc++;
	}
	if (err)
		goto done;
	realm_name = qg_redact_url(a->realm);
	if (!realm_name) {
		err = QG_ENOMEM;
		goto done;
	}
	if (a->user) {
		if (strncmp(a->realm, "https://", 8) && !(a->http_flags & QG_HTTP_INSECURE)) {
			err = qg_error(QG_EINPUT,
				       "'oci://%s': token realm '%s' is not https: credentials "
				       "are not sent over plain http (--insecure allows it)",
				       a->host, realm_name);
			goto done;
		}
		if ((err = add_basic(a, &hdr)) < 0)
			goto done;
		headers[0] = hdr.buf;
	}
	{
		struct qg_http_req req = {
			.url = url.buf,
			.headers = headers,
			.flags = QG_HTTP_ACCEPT_ANY_STATUS | a->http_flags,
			.max_body = REG_TOKEN_MAX,
			.name = realm_name,
			.ca_file = a->ca_file,
		};

		err = qg_http_request(&req, &resp);
	}
	if (err < 0)
		goto done;
	if (resp.status == 401 || resp.status == 403) {
		err = qg_error(QG_EINPUT,
			       "'oci://%s': authentication failed: the token service '%s' "
			       "answered HTTP %ld for scope '%s' (%s)",
			       a->host, realm_name, resp.status, scope ? scope : "",
			       a->user ?
				       (!strcmp(a->creds_from, "QGATE_REGISTRY_USERNAME") ?
						"credentials from QGATE_REGISTRY_USERNAME/PASSWORD" :
						"credentials from the config.json auths entry") :
				       "no credentials found");
		goto done;
	}
	if (resp.status != 200) {
		err = qg_error(QG_ENET, "'oci://%s': token service '%s' answered HTTP %ld", a->host,
			       realm_name, resp.status);
		goto done;
	}
	if ((err = qg_json_parse(&root, resp.body.buf, resp.body.len, realm_name)) < 0) {
		err = qg_error(QG_ENET,
			       "'oci://%s': token service '%s' sent a body that is not JSON",
			       a->host, realm_name);
		goto done;
	}
	tok = qg_json_string(qg_json_get(root, "token"));
	if (!tok || !*tok)
		tok = qg_json_string(qg_json_get(root, "access_token"));
	if (!tok || !*tok) {
		err = qg_error(QG_ENET, "'oci://%s': token service '%s' sent no token", a->host,
			       realm_name);
		goto done;
	}
	*token_out = strdup(tok);
	err = *token_out ? 0 : qg_error(QG_ENOMEM, "out of memory");
done:
	if (resp.body.len)
		explicit_bzero(resp.body.buf, resp.body.len);
	if (hdr.len)
		explicit_bzero(hdr.buf, hdr.len);
	qg_http_resp_release(&resp);
	qg_buf_release(&url);
	qg_buf_release(&hdr);
	qg_json_free(root);
	free(realm_name);
	return err;
}

int reg_auth_header(struct reg_auth *a, const char *scope, struct qg_buf *out)
{
	size_t i;
	char *token = NULL;
	int err;

	if (a->scheme == REG_BASIC)
		return a->user ? add_basic(a, out) : 0;
	if (a->scheme != REG_BEARER)
		return 0;
	if (!scope)
		scope = "";
	for (i = 0; i < a->nr_tokens; i++)
		if (!strcmp(a->tokens[i].scope, scope))
			return qg_buf_addf(out, "Authorization: Bearer %s", a->tokens[i].token);
	if ((err = fetch_token(a, scope, &token)) < 0)
		return err;
	if (a->nr_tokens == REG_MAX_TOKENS) { /* forget the oldest */
		free(a->tokens[0].scope);
		free_secret(a->tokens[0].token);
		memmove(a->tokens, a->tokens + 1, sizeof(a->tokens[0]) * (REG_MAX_TOKENS - 1));
		a->nr_tokens--;
	}
	a->tokens[a->nr_tokens].scope = strdup(scope);
	if (!a->tokens[a->nr_tokens].scope) {
		free_secret(token);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	a->tokens[a->nr_tokens++].token = token;
	return qg_buf_addf(out, "Authorization: Bearer %s", token);
}

void reg_auth_forget(struct reg_auth *a, const char *scope)
{
	size_t i;

	for (i = 0; i < a->nr_tokens; i++) {
		if (strcmp(a->tokens[i].scope, scope ? scope : ""))
			continue;
		free(a->tokens[i].scope);
		free_secret(a->tokens[i].token);
		memmove(a->tokens + i, a->tokens + i + 1,
			sizeof(a->tokens[0]) * (a->nr_tokens - i - 1));
		a->nr_tokens--;
		return;
	}
}

int reg_auth_mask(const struct reg_auth *a, struct qg_buf *b)
{
	size_t i;
	int err = qg_redact_value(b, a->pass);

	for (i = 0; !err && i < a->nr_tokens; i++)
		err = qg_redact_value(b, a->tokens[i].token);
	return err;
}
