/* sha256.c -- SHA-256 through libcrypto's EVP API, loaded on first use
 *
 * libcrypto comes from the one loader (crypto.c: dlopen'ed the first time
 * anything is hashed, under pthread_once). Gates that never hash (and every
 * --version) do not pay for loading it. Files are read in 1 MiB blocks, so
 * memory stays flat whatever their size.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/crypto.h"
#include "qgate/sha256.h"

#define READ_BLOCK ((size_t)1 << 20)
#define SHA256_LEN 32

struct qg_sha256 {
	const struct qg_crypto *c;
	struct evp_md_ctx_st *ctx;
};

int qg_sha256_new(struct qg_sha256 **out)
{
	const struct qg_crypto *c = qg_crypto();
	struct qg_sha256 *h;

	*out = NULL;
	if (!c)
		return qg_error_wrap("sha256: "); /* qg_crypto() said why */
	h = calloc(1, sizeof(*h));
	if (!h)
		return qg_error(QG_ENOMEM, "out of memory");
	h->c = c;
	h->ctx = c->md_ctx_new();
	if (!h->ctx || c->digest_init_ex(h->ctx, c->evp_sha256(), NULL) != 1) {
		qg_sha256_free(h);
		return qg_error(QG_ERROR, "sha256: cannot initialise the digest");
	}
	*out = h;
	return 0;
}

int qg_sha256_update(struct qg_sha256 *h, const void *data, size_t len)
{
	if (len && h->c->digest_update(h->ctx, data, len) != 1)
		return qg_error(QG_ERROR, "sha256: digest update failed");
	return 0;
}

int qg_sha256_final(struct qg_sha256 *h, char out[QG_SHA256_HEX])
{
	unsigned char md[64]; /* EVP_MAX_MD_SIZE */
	unsigned int n = 0;

	out[0] = '\0';
	if (h->c->digest_final_ex(h->ctx, md, &n) != 1 || n != SHA256_LEN)
		return qg_error(QG_ERROR, "sha256: digest final failed");
	for (unsigned i = 0; i < n; i++) {
		static const char hex[] = "0123456789abcdef";

		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

void qg_sha256_free(struct qg_sha256 *h)
{
	if (!h)
		return;
	if (h->ctx)
		h->c->md_ctx_free(h->ctx);
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

int qg_sha256_file_stamp(char out[QG_SHA256_HEX], long long *bytes_out, const char *path,
			 struct qg_file_stamp *stamp)
{
	struct qg_file_stamp at_open = {0}, at_end = {0};
	struct qg_sha256 *h = NULL;
	unsigned char *buf = NULL;
	long long total = 0;
	struct stat st;
	int fd = -1, err;

	out[0] = '\0';
	if (stamp)
		memset(stamp, 0, sizeof(*stamp));
	if ((err = qg_sha256_new(&h)))
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		qg_file_stamp_set(&at_open, &st);
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
	if (at_open.set) {
		/* files in /proc and /sys say size 0 and still hold bytes */
		if (fstat(fd, &st) == 0)
			qg_file_stamp_set(&at_end, &st);
		if (!at_end.set || !qg_file_stamp_equal(&at_open, &at_end) || (at_open.size > 0 && total != at_open.size)) {
			err = qg_error(QG_EIO, "'%s': changed while being read", path);
			goto done;
		}
	}
	err = qg_sha256_final(h, out);
	if (!err && bytes_out)
		*bytes_out = total;
	if (!err && stamp)
		*stamp = at_open;
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	qg_sha256_free(h);
	return err;
}

int qg_sha256_file(char out[QG_SHA256_HEX], long long *bytes_out, const char *path)
{
	return qg_sha256_file_stamp(out, bytes_out, path, NULL);
}
