/* crypto.c -- the one libcrypto loader: dlopen once, resolve a table
 *
 * sha256.c and sigv4.c take their libcrypto functions from this table
 * instead of each dlopen'ing the library with its own once-flag and its own
 * list; the Ed25519 keys and signatures of the deploy gate's audit log are
 * at the end of this file. <openssl/evp.h> is
 * included for nothing but the checks below that this file's struct-tag
 * prototypes are the library's. The handle is never closed: the table's
 * pointers stay valid for the life of the process.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "qgate/base64.h"
#include "qgate/crypto.h"
#include "qgate/sha256.h"

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
SAME_TYPE(pkey_new_raw_private_key, EVP_PKEY_new_raw_private_key);
SAME_TYPE(pkey_get_raw_public_key, EVP_PKEY_get_raw_public_key);
SAME_TYPE(digest_sign_init, EVP_DigestSignInit);
SAME_TYPE(digest_sign, EVP_DigestSign);

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
	RESOLVE(pkey_new_raw_private_key, "EVP_PKEY_new_raw_private_key");
	RESOLVE(pkey_get_raw_public_key, "EVP_PKEY_get_raw_public_key");
	RESOLVE(digest_sign_init, "EVP_DigestSignInit");
	RESOLVE(digest_sign, "EVP_DigestSign");
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

/* ------------------------------------------------------------ Ed25519
 *
 * The DER around a raw Ed25519 key is fixed (RFC 8410), so the PEM body is
 * decoded here and compared with it byte for byte, and the raw key handed
 * to EVP_PKEY_new_raw_*_key: no BIO, no PEM parser, no OpenSSL decoder
 * guessing what a file holds. */
#define ED_NID 1087 /* EVP_PKEY_ED25519 */
_Static_assert(ED_NID == EVP_PKEY_ED25519, "EVP_PKEY_ED25519");

static const unsigned char pkcs8_prefix[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
						0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
static const unsigned char spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
					       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

struct qg_ed25519_key {
	struct evp_pkey_st *pkey;
	int is_private;
	char id[7 + QG_SHA256_HEX];
};

/* The DER bytes of the first PEM block in text: its label into label. */
static int pem_decode(const char *path, const char *text, char *label, size_t label_len,
		      unsigned char *der, size_t der_max, size_t *der_len)
{
	struct qg_buf body = QG_BUF_INIT(QG_CAP_FILE);
	const char *begin = strstr(text, "-----BEGIN "), *p, *end;
	size_t n;
	int err = 0;

	if (!begin)
		return qg_error(QG_EINPUT, "'%s': not a PEM file (no '-----BEGIN' line)", path);
	p = begin + 11;
	n = strcspn(p, "-\n");
	if (strncmp(p + n, "-----", 5) || n + 1 > label_len)
		return qg_error(QG_EINPUT, "'%s': malformed PEM header", path);
	memcpy(label, p, n);
	label[n] = '\0';
	p += n + 5;
	if (!(end = strstr(p, "-----END ")))
		return qg_error(QG_EINPUT, "'%s': PEM block '%s' has no END line", path, label);
	for (; p < end && !err; p++)
		if (!strchr(" \t\r\n", *p))
			err = qg_buf_addch(&body, *p);
	if (!err && (qg_base64_check(body.buf, body.len, &n) < 0 || n > der_max))
		err = qg_error(QG_EINPUT, "'%s': PEM block '%s' is not base64 of a key", path, label);
	if (!err && qg_base64_decode(der, n, body.buf) < 0)
		err = qg_error(QG_EINPUT, "'%s': PEM block '%s' is not base64 of a key", path, label);
	*der_len = n;
	qg_buf_release(&body);
	return err;
}

static int read_small_file(const char *path, struct qg_buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	while (!err && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(errno));
		} else if (out->len + (size_t)n > 65536) {
			err = qg_error(QG_EINPUT, "'%s': too large for a key file (over 64 KiB)", path);
		} else {
			err = qg_buf_add(out, chunk, (size_t)n);
		}
	}
	close(fd);
	return err;
}

int qg_ed25519_key_load(struct qg_ed25519_key **out, const char *path, int want_private)
{
	const struct qg_crypto *c;
	struct qg_buf text = QG_BUF_INIT(65536 + 1);
	struct qg_ed25519_key *k = NULL;
	unsigned char der[8192], raw[32];
	char label[64];
	size_t der_len = 0, raw_len = sizeof(raw);
	int err;

	*out = NULL;
	if ((err = read_small_file(path, &text)) < 0)
		goto done;
	if ((err = pem_decode(path, text.buf, label, sizeof(label), der, sizeof(der), &der_len)) < 0)
		goto done;
	if (!(c = qg_crypto())) {
		err = QG_ERROR;
		goto done;
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (!strcmp(label, "PRIVATE KEY")) {
		if (der_len != 48 || memcmp(der, pkcs8_prefix, sizeof(pkcs8_prefix))) {
			err = qg_error(QG_EINPUT, "'%s': not an Ed25519 private key (expected PKCS#8 from "
				       "'openssl genpkey -algorithm ed25519')", path);
			goto done;
		}
		k->pkey = c->pkey_new_raw_private_key(ED_NID, NULL, der + 16, 32);
		k->is_private = 1;
	} else if (!strcmp(label, "PUBLIC KEY") && !want_private) {
		if (der_len != 44 || memcmp(der, spki_prefix, sizeof(spki_prefix))) {
			err = qg_error(QG_EINPUT, "'%s': not an Ed25519 public key (expected the SPKI "
				       "'openssl pkey -pubout' writes)", path);
			goto done;
		}
		k->pkey = c->pkey_new_raw_public_key(ED_NID, NULL, der + 12, 32);
	} else {
		err = qg_error(QG_EINPUT, "'%s': a '%s' PEM block, expected %s", path, label,
			       want_private ? "an unencrypted Ed25519 'PRIVATE KEY'"
					    : "an Ed25519 'PUBLIC KEY' (or 'PRIVATE KEY')");
		goto done;
	}
	if (!k->pkey) {
		err = qg_error(QG_EINPUT, "'%s': libcrypto refused the Ed25519 key", path);
		goto done;
	}
	if (c->pkey_get_raw_public_key(k->pkey, raw, &raw_len) != 1 || raw_len != 32) {
		err = qg_error(QG_ERROR, "'%s': cannot read the public half of the key", path);
		goto done;
	}
	memcpy(k->id, "sha256:", 7);
	err = qg_sha256_hex(k->id + 7, raw, raw_len);
done:
	memset(der, 0, sizeof(der));
	if (text.alloc)
		memset(text.buf, 0, text.len); /* the private key's text */
	qg_buf_release(&text);
	if (err < 0)
		qg_ed25519_key_free(k);
	else
		*out = k;
	return err;
}

void qg_ed25519_key_free(struct qg_ed25519_key *k)
{
	const struct qg_crypto *c;

	if (!k)
		return;
	if (k->pkey && (c = qg_crypto()))
		c->pkey_free(k->pkey);
	free(k);
}

const char *qg_ed25519_key_id(const struct qg_ed25519_key *k)
{
	return k->id;
}

int qg_ed25519_sign(const struct qg_ed25519_key *k, const void *msg, size_t len,
		    unsigned char sig[QG_ED25519_SIG])
{
	const struct qg_crypto *c = qg_crypto();
	struct evp_md_ctx_st *ctx;
	size_t sl = QG_ED25519_SIG;
	int err = 0;

	if (!c)
		return QG_ERROR;
	if (!k->is_private)
		return qg_error(QG_EUSAGE, "signing needs a private key");
	if (!(ctx = c->md_ctx_new()))
		return qg_error(QG_ENOMEM, "out of memory");
	if (c->digest_sign_init(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    c->digest_sign(ctx, sig, &sl, msg, len) != 1 || sl != QG_ED25519_SIG)
		err = qg_error(QG_ERROR, "libcrypto could not sign with the Ed25519 key");
	c->md_ctx_free(ctx);
	return err;
}

int qg_ed25519_verify(const struct qg_ed25519_key *k, const void *msg, size_t len,
		      const unsigned char sig[QG_ED25519_SIG])
{
	const struct qg_crypto *c = qg_crypto();
	struct evp_md_ctx_st *ctx;
	int ok;

	if (!c)
		return QG_ERROR;
	if (!(ctx = c->md_ctx_new()))
		return qg_error(QG_ENOMEM, "out of memory");
	if (c->digest_verify_init(ctx, NULL, NULL, NULL, k->pkey) != 1) {
		c->md_ctx_free(ctx);
		return qg_error(QG_ERROR, "libcrypto could not start an Ed25519 verification");
	}
	ok = c->digest_verify(ctx, sig, QG_ED25519_SIG, msg, len) == 1;
	c->md_ctx_free(ctx);
	return ok;
}
