/* registry_int.h -- what store_oci.c and registry_auth.c share (not part of deploy.h)
 *
 * Invariants: credentials and tokens live only in struct reg_auth and in the
 * Authorization header lines built from it; they are never put in a message
 * (messages name the registry and the file the credentials came from). A
 * token is cached per scope for the life of the store.
 */
#ifndef QGATE_DEPLOY_REGISTRY_INT_H
#define QGATE_DEPLOY_REGISTRY_INT_H

#include "qgate/common.h"

struct qg_http_resp;

enum reg_scheme { REG_NONE = 0, REG_BASIC, REG_BEARER };

#define REG_MAX_TOKENS 8

struct reg_auth {
	char *host;             /* "host[:port]" as in the reference */
	char *user, *pass;      /* NULL when none were found */
	char *creds_from;       /* "QGATE_REGISTRY_USERNAME" or the config.json path */
	enum reg_scheme scheme; /* what the registry asked for (REG_NONE: nothing yet) */
	char *realm, *service;  /* Bearer challenge */
	struct {
		char *scope, *token;
	} tokens[REG_MAX_TOKENS];
	size_t nr_tokens;
	unsigned http_flags; /* QG_HTTP_INSECURE when --insecure */
	const char *ca_file; /* borrowed from the store */
};

/* Find the credentials for host: QGATE_REGISTRY_USERNAME/QGATE_REGISTRY_PASSWORD
 * (both or neither: one alone is QG_EUSAGE), else the `auths` entry of
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json (base64 "auth" or
 * "username"/"password"). None found is not an error (anonymous). A config
 * file that exists but does not parse, or an entry that does not decode, is
 * QG_EUSAGE naming the file and the entry. */
int reg_auth_init(struct reg_auth *a, const char *host, unsigned http_flags, const char *ca_file);
void reg_auth_release(struct reg_auth *a);

/* Remember the challenge of a 401 (its WWW-Authenticate value). 0, or
 * QG_ENET when the header is missing or names a scheme other than Basic or
 * Bearer. *scope_out (malloc'd, may be NULL) gets the challenge's scope. */
int reg_auth_challenge(struct reg_auth *a, const char *www_authenticate, char **scope_out);

/* Append the "Authorization: ..." line for a request needing `scope`
 * ("repository:team/model:pull,push") to out, fetching a Bearer token from
 * the realm (with the Basic credentials when there are any) the first time a
 * scope is needed; nothing is appended when the registry asked for nothing.
 * A refused token request is QG_EINPUT naming the registry and the realm. */
int reg_auth_header(struct reg_auth *a, const char *scope, struct qg_buf *out);

/* Drop the cached token of scope (the registry refused it). */
void reg_auth_forget(struct reg_auth *a, const char *scope);

/* Mask the password and tokens in b (an error body from the registry). */
int reg_auth_mask(const struct reg_auth *a, struct qg_buf *b);

#endif
