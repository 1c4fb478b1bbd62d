/* crypto.h -- the one libcrypto loader (OpenSSL, dlopen'ed on first use)
 *
 * Invariants: libcrypto (QG_LIBCRYPTO_SONAME) is dlopen'ed at most once per
 * process, under pthread_once, the first time qg_crypto() is called; nothing
 * else in qgate calls dlopen on it, so `--version` and every command that
 * hashes nothing start without it (tests/bench/startup.sh). The table holds
 * every libcrypto function qgate uses (SHA-256 through EVP, HMAC, and the
 * EVP_PKEY calls a signature check needs); a function missing from the
 * library makes the whole table unavailable, with a message naming it. The
 * table is read-only after loading and the library stays loaded: pointers
 * may be kept. Only lib/ files that wrap a crypto concern (sha256.c,
 * sigv4.c) use it; OpenSSL types are named by their struct tags so this
 * header needs no OpenSSL header.
 */
#ifndef QGATE_CRYPTO_H
#define QGATE_CRYPTO_H

#include <stddef.h>

struct evp_md_st;      /* EVP_MD */
struct evp_md_ctx_st;  /* EVP_MD_CTX */
struct engine_st;      /* ENGINE */
struct evp_pkey_st;    /* EVP_PKEY */
struct evp_pkey_ctx_st; /* EVP_PKEY_CTX */

struct qg_crypto {
	/* digests (EVP) */
	const struct evp_md_st *(*evp_sha256)(void);
	struct evp_md_ctx_st *(*md_ctx_new)(void);
	void (*md_ctx_free)(struct evp_md_ctx_st *);
	int (*digest_init_ex)(struct evp_md_ctx_st *, const struct evp_md_st *, struct engine_st *);
	int (*digest_update)(struct evp_md_ctx_st *, const void *, size_t);
	int (*digest_final_ex)(struct evp_md_ctx_st *, unsigned char *, unsigned int *);
	int (*digest)(const void *, size_t, unsigned char *, unsigned int *, const struct evp_md_st *,
		      struct engine_st *);
	/* MAC */
	unsigned char *(*hmac)(const struct evp_md_st *, const void *, int, const unsigned char *, size_t,
			       unsigned char *, unsigned int *);
	/* public-key signatures (Ed25519: EVP_PKEY_ED25519 = 1087) */
	struct evp_pkey_st *(*pkey_new_raw_public_key)(int, struct engine_st *, const unsigned char *, size_t);
	void (*pkey_free)(struct evp_pkey_st *);
	int (*digest_verify_init)(struct evp_md_ctx_st *, struct evp_pkey_ctx_st **, const struct evp_md_st *,
				  struct engine_st *,
				  struct evp_pkey_st *);
	int (*digest_verify)(struct evp_md_ctx_st *, const unsigned char *, size_t, const unsigned char *, size_t);
	/* signing (the deploy gate's audit log) */
	struct evp_pkey_st *(*pkey_new_raw_private_key)(int, struct engine_st *, const unsigned char *, size_t);
	int (*pkey_get_raw_public_key)(const struct evp_pkey_st *, unsigned char *, size_t *);
	int (*digest_sign_init)(struct evp_md_ctx_st *, struct evp_pkey_ctx_st **, const struct evp_md_st *,
				struct engine_st *, struct evp_pkey_st *);
	int (*digest_sign)(struct evp_md_ctx_st *, unsigned char *, size_t *, const unsigned char *, size_t);
};

/* The loaded table (borrowed, valid for the process's life), loading it on
 * the first call; NULL when libcrypto cannot be loaded, with the error
 * recorded (QG_ERROR, "libcrypto unavailable: cannot load libcrypto.so.3:
 * ..."). Thread-safe. */
const struct qg_crypto *qg_crypto(void);

/* ---- Ed25519 keys and signatures (RFC 8032), for signed audit entries.
 *
 * Keys are read from PEM files as OpenSSL writes them: a private key is an
 * unencrypted PKCS#8 "PRIVATE KEY" (`openssl genpkey -algorithm ed25519`),
 * a public key an SPKI "PUBLIC KEY" (`openssl pkey -pubout`). Any other
 * algorithm, an encrypted key or a PEM that does not decode is QG_EINPUT
 * naming the file and what was found. The key owns its EVP_PKEY; OpenSSL
 * types never leave crypto.c. */
#define QG_ED25519_SIG 64
struct qg_ed25519_key;

/* want_private: 1 = a "PRIVATE KEY" is required (signing); 0 = a "PUBLIC
 * KEY", or a private key whose public half is used (verifying). */
int qg_ed25519_key_load(struct qg_ed25519_key **out, const char *path, int want_private);
void qg_ed25519_key_free(struct qg_ed25519_key *k);
/* "sha256:<hex>" of the raw 32-byte public key: names the key (borrowed). */
const char *qg_ed25519_key_id(const struct qg_ed25519_key *k);
/* Sign msg with a private key: 0, or QG_EUSAGE (a public key), QG_ERROR. */
int qg_ed25519_sign(const struct qg_ed25519_key *k, const void *msg, size_t len,
		    unsigned char sig[QG_ED25519_SIG]);
/* 1 the signature is valid for msg, 0 it is not, <0 libcrypto failed. */
int qg_ed25519_verify(const struct qg_ed25519_key *k, const void *msg, size_t len,
		      const unsigned char sig[QG_ED25519_SIG]);

/* 1 when libcrypto has been loaded in this process (by qg_crypto()), 0 when
 * not: lets tests check that a path stays free of it. Never loads it. */
int qg_crypto_loaded(void);

#endif
