/* sha256.h -- SHA-256 of buffers and files (OpenSSL libcrypto)
 *
 * libcrypto is loaded on first use (dlopen), so gates that never hash start
 * without paying for it. Output is lowercase hex, NUL-terminated.
 */
#ifndef QGATE_SHA256_H
#define QGATE_SHA256_H

#include <stddef.h>

#include "qgate/file.h"

#define QG_SHA256_HEX 65

int qg_sha256_hex(char out[QG_SHA256_HEX], const void *data, size_t len);
/* Hash a file; *bytes_out gets its size when not NULL. QG_EINPUT names it.
 * A regular file is fstat'ed when opened and at its end: a different size,
 * inode or modification time, or a byte count other than its size, is
 * QG_EIO "changed while being read" (the digest would name bytes that no
 * version of the file held). */
int qg_sha256_file(char out[QG_SHA256_HEX], long long *bytes_out, const char *path);

/* qg_sha256_file, and the file's stamp as opened into *stamp. */
int qg_sha256_file_stamp(char out[QG_SHA256_HEX], long long *bytes_out, const char *path,
			 struct qg_file_stamp *stamp);

struct qg_sha256;
int qg_sha256_new(struct qg_sha256 **out);
int qg_sha256_update(struct qg_sha256 *h, const void *data, size_t len);
int qg_sha256_final(struct qg_sha256 *h, char out[QG_SHA256_HEX]);
void qg_sha256_free(struct qg_sha256 *h);

#endif
