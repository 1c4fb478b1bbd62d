/* crypto.c -- the one libcrypto loader: dlopen once, resolve a table
 *
 * sha256.c and sigv4.c (and the deploy gate's Ed25519 check to come) take
 * their libcrypto functions from this table instead of each dlopen'ing the
 * library with its own once-flag and its own list. <openssl/evp.h> is
 * included for nothing but the checks below that this file's struct-tag
 * prototypes are the library's. The handle is never closed: the table's
 * pointers stay valid for the life of the process.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "qgate/crypto.h"

#ifndef QG_LIBCRYPTO_SONAME
#define QG_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif

static struct qg_crypto table;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int loaded;
static char why[256];

/* The struct tags in crypto.h are OpenSSL's typedefs. */
_Static_assert(__builtin_types_compatible_p(EVP_MD, struct evp_md_st), "EVP_MD");
_Static_assert(__builtin_types_compatible_p(EVP_MD_CTX, struct evp_md_ctx_st), "EVP_MD_CTX");
_Static_assert(__builtin_types_compatible_p(ENGINE, struct engine_st), "ENGINE");
_Static_assert(__builtin_types_compatible_p(EVP_PKEY, struct evp_pkey_st), "EVP_PKEY");

/* ... and each field has the type of the function it is loaded from. */
#define SAME_TYPE(field, fn) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&fn), __typeof__(((struct qg_crypto *)0)->field)), #fn)
SAME_TYPE(evp_sha256, EVP_sha256);
SAME_TYPE(md_ctx_new, EVP_MD_CTX_new);
SAME_TYPE(md_ctx_free, EVP_MD_CTX_free);
SAME_TYPE(digest_init_ex, EVP_DigestInit_ex);
SAME_TYPE(digest_update, EVP_DigestUpdate);
SAME_TYPE(digest_final_ex, EVP_DigestFinal_ex);
SAME_TYPE(digest, EVP_Digest);
SAME_TYPE(hmac, HMAC);
SAME_TYPE(pkey_new_raw_public_key, EVP_PKEY_new_raw_public_key);
SAME_TYPE(pkey_free, EVP_PKEY_free);
SAME_TYPE(digest_verify_init, EVP_DigestVerifyInit);
SAME_TYPE(digest_verify, EVP_DigestVerify);

#define RESOLVE(field, sym) \
	do { \
		*(void **)&t.field = dlsym(h, sym); \
		if (!t.field) { \
			snprintf(why, sizeof(why), "%s not found in %s", sym, QG_LIBCRYPTO_SONAME); \
			return; \
		} \
	} while (0)

static void load(void)
{
	struct qg_crypto t;
	void *h = dlopen(QG_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(why, sizeof(why), "cannot load %s: %s", QG_LIBCRYPTO_SONAME, e ? e : "unknown error");
		return;
	}
	atomic_store(&loaded, 1);
	RESOLVE(evp_sha256, "EVP_sha256");
	RESOLVE(md_ctx_new, "EVP_MD_CTX_new");
	RESOLVE(md_ctx_free, "EVP_MD_CTX_free");
	RESOLVE(digest_init_ex, "EVP_DigestInit_ex");
	RESOLVE(digest_update, "EVP_DigestUpdate");
	RESOLVE(digest_final_ex, "EVP_DigestFinal_ex");
	RESOLVE(digest, "EVP_Digest");
	RESOLVE(hmac, "HMAC");
	RESOLVE(pkey_new_raw_public_key, "EVP_PKEY_new_raw_public_key");
	RESOLVE(pkey_free, "EVP_PKEY_free");
	RESOLVE(digest_verify_init, "EVP_DigestVerifyInit");
	RESOLVE(digest_verify, "EVP_DigestVerify");
	table = t; /* published by pthread_once's return */
}

const struct qg_crypto *qg_crypto(void)
{
	pthread_once(&once, load);
	if (!table.evp_sha256) {
		qg_error(QG_ERROR, "libcrypto unavailable: %s", why[0] ? why : "not loaded");
		return NULL;
	}
	return &table;
}

int qg_crypto_loaded(void)
{
	return atomic_load(&loaded);
}
