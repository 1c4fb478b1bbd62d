/* sha256.c -- SHA-256 through libcrypto's EVP API, loaded on first use
 *
 * libcrypto is dlopen()ed (QG_LIBCRYPTO_SONAME) the first time anything is
 * hashed, under pthread_once, and its functions are resolved into a static
 * table; <openssl/evp.h> is included for types only. Gates that never hash
 * (and every --version) do not pay for loading it. Files are read in 1 MiB
 * blocks, so memory stays flat whatever their size.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "qgate/sha256.h"

#ifndef QG_LIBCRYPTO_SONAME
#define QG_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif

#define READ_BLOCK ((size_t)1 << 20)

static struct {
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
	int loaded;
	char why[256];
} crypto;

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void crypto_load(void)
{
	void *h = dlopen(QG_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(crypto.why, sizeof(crypto.why), "cannot load %s: %s", QG_LIBCRYPTO_SONAME,
			 e ? e : "unknown error");
		return;
	}
	*(void **)&crypto.ctx_new = dlsym(h, "EVP_MD_CTX_new");
	*(void **)&crypto.ctx_free = dlsym(h, "EVP_MD_CTX_free");
	*(void **)&crypto.sha256 = dlsym(h, "EVP_sha256");
	*(void **)&crypto.init = dlsym(h, "EVP_DigestInit_ex");
	*(void **)&crypto.update = dlsym(h, "EVP_DigestUpdate");
	*(void **)&crypto.final = dlsym(h, "EVP_DigestFinal_ex");
	if (!crypto.ctx_new || !crypto.ctx_free || !crypto.sha256 || !crypto.init || !crypto.update ||
	    !crypto.final) {
		snprintf(crypto.why, sizeof(crypto.why), "%s lacks the EVP digest functions",
			 QG_LIBCRYPTO_SONAME);
		dlclose(h);
		return;
	}
	crypto.loaded = 1; /* the handle stays open for the process's life */
}

static int crypto_ready(void)
{
	pthread_once(&crypto_once, crypto_load);
	if (!crypto.loaded)
		return qg_error(QG_ERROR, "sha256: %s", crypto.why);
	return 0;
}

struct qg_sha256 {
	EVP_MD_CTX *ctx;
};

int qg_sha256_new(struct qg_sha256 **out)
{
	struct qg_sha256 *h;
	int err;

	*out = NULL;
	if ((err = crypto_ready()))
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return qg_error(QG_ENOMEM, "out of memory");
	h->ctx = crypto.ctx_new();
	if (!h->ctx || crypto.init(h->ctx, crypto.sha256(), NULL) != 1) {
		qg_sha256_free(h);
		return qg_error(QG_ERROR, "sha256: cannot initialise the digest");
	}
	*out = h;
	return 0;
}

int qg_sha256_update(struct qg_sha256 *h, const void *data, size_t len)
{
	if (len && crypto.update(h->ctx, data, len) != 1)
		return qg_error(QG_ERROR, "sha256: digest update failed");
	return 0;
}

int qg_sha256_final(struct qg_sha256 *h, char out[QG_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (crypto.final(h->ctx, md, &n) != 1 || n != 32)
		return qg_error(QG_ERROR, "sha256: digest final failed");
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void qg_sha256_free(struct qg_sha256 *h)
{
	if (!h)
		return;
	if (h->ctx)
		crypto.ctx_free(h->ctx);
	free(h);
}

int qg_sha256_hex(char out[QG_SHA256_HEX], const void *data, size_t len)
{
	struct qg_sha256 *h;
	int err = qg_sha256_new(&h);

	out[0] = '\0';
	if (err)
		return err;
	err = qg_sha256_update(h, data, len);
	if (!err)
		err = qg_sha256_final(h, out);
	qg_sha256_free(h);
	return err;
}

int qg_sha256_file(char out[QG_SHA256_HEX], long long *bytes_out, const char *path)
{
	struct qg_sha256 *h = NULL;
	unsigned char *buf = NULL;
	long long total = 0;
	int fd = -1, err;

	out[0] = '\0';
	if ((err = qg_sha256_new(&h)))
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
		goto done;
	}
	buf = malloc(READ_BLOCK);
	if (!buf) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_BLOCK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		total += n;
		if ((err = qg_sha256_update(h, buf, (size_t)n)))
			goto done;
	}
	err = qg_sha256_final(h, out);
	if (!err && bytes_out)
		*bytes_out = total;
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	qg_sha256_free(h);
	return err;
}
