/* test_crypto.c -- the one libcrypto loader: loaded lazily, once, for
 * sha256.c and sigv4.c alike, from any number of threads; the table works
 * (SHA-256, HMAC, Ed25519 verification for the deploy gate to come)
 *
 * dlopen is wrapped (test_crypto.wrap: -Wl,--wrap=dlopen) to count how many
 * times libqgate asks for libcrypto: once, whoever asks first.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/crypto.h"
#include "qgate/sha256.h"
#include "qgate/sigv4.h"

static int crypto_dlopens;

void *__real_dlopen(const char *file, int mode);
void *__wrap_dlopen(const char *file, int mode);

void *__wrap_dlopen(const char *file, int mode)
{
	if (file && strstr(file, "libcrypto"))
		__atomic_add_fetch(&crypto_dlopens, 1, __ATOMIC_SEQ_CST);
	return __real_dlopen(file, mode);
}

/* 1 when a libcrypto is mapped into this process. */
static int libcrypto_mapped(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libcrypto.so"))
			found = 1;
	fclose(f);
	return found;
}

static void from_hex(unsigned char *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* Runs first: nothing has touched libcrypto yet. */
static void test_crypto_not_loaded_before_use(void **state)
{
	assert_int_equal(qg_crypto_loaded(), 0);
	assert_int_equal(crypto_dlopens, 0);
	assert_int_equal(libcrypto_mapped(), 0);
}

static void *ask(void *arg)
{
	return (void *)qg_crypto();
}

static void test_crypto_loaded_once_for_everyone(void **state)
{
	pthread_t t[8];
	void *got[8];
	char a[QG_SHA256_HEX], b[65];

	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ask, NULL), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_join(t[i], &got[i]), 0);
	for (int i = 0; i < 8; i++) {
		assert_non_null(got[i]);
		assert_ptr_equal(got[i], qg_crypto());
	}
	assert_int_equal(qg_crypto_loaded(), 1);
	assert_int_equal(libcrypto_mapped(), 1);

	/* sha256.c and sigv4.c both hash through it: still one dlopen */
	assert_int_equal(qg_sha256_hex(a, "abc", 3), 0);
	assert_int_equal(qg_sigv4_sha256_hex(b, "abc", 3), 0);
	assert_string_equal(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(b, a);
	assert_int_equal(crypto_dlopens, 1);
}

static void test_crypto_table_hmac(void **state)
{
	const struct qg_crypto *c = qg_crypto();
	unsigned char md[32], want[32];
	unsigned int n = 0;

	assert_non_null(c);
	/* RFC 4231 test case 2 */
	assert_non_null(c->hmac(c->evp_sha256(), "Jefe", 4, (const unsigned char *)"what do ya want for nothing?", 28,
				md, &n));
	assert_int_equal(n, 32);
	from_hex(want, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_memory_equal(md, want, 32);
}

/* RFC 8032 section 7.1, test 1 (empty message): what the deploy gate's
 * signature check will call. A flipped bit fails. */
static void test_crypto_table_ed25519(void **state)
{
	const struct qg_crypto *c = qg_crypto();
	unsigned char pub[32], sig[64];
	struct evp_pkey_st *key;
	struct evp_md_ctx_st *ctx;

	assert_non_null(c);
	from_hex(pub, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
	from_hex(sig, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
	key = c->pkey_new_raw_public_key(1087 /* EVP_PKEY_ED25519 */, NULL, pub, sizeof(pub));
	assert_non_null(key);
	ctx = c->md_ctx_new();
	assert_non_null(ctx);
	assert_int_equal(c->digest_verify_init(ctx, NULL, NULL, NULL, key), 1);
	assert_int_equal(c->digest_verify(ctx, sig, sizeof(sig), (const unsigned char *)"", 0), 1);
	c->md_ctx_free(ctx);
	ctx = c->md_ctx_new();
	assert_int_equal(c->digest_verify_init(ctx, NULL, NULL, NULL, key), 1);
	sig[10] ^= 1;
	assert_int_not_equal(c->digest_verify(ctx, sig, sizeof(sig), (const unsigned char *)"", 0), 1);
	c->md_ctx_free(ctx);
	c->pkey_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_not_loaded_before_use),
		cmocka_unit_test(test_crypto_loaded_once_for_everyone),
		cmocka_unit_test(test_crypto_table_hmac),
		cmocka_unit_test(test_crypto_table_ed25519),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
