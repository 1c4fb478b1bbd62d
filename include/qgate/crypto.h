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
};

/* The loaded table (borrowed, valid for the process's life), loading it on
 * the first call; NULL when libcrypto cannot be loaded, with the error
 * recorded (QG_ERROR, "libcrypto unavailable: cannot load libcrypto.so.3:
 * ..."). Thread-safe. */
const struct qg_crypto *qg_crypto(void);

/* 1 when libcrypto has been loaded in this process (by qg_crypto()), 0 when
 * not: lets tests check that a path stays free of it. Never loads it. */
int qg_crypto_loaded(void);

#endif
