/* base64.h -- base64 (RFC 4648, the standard alphabet, padded)
 *
 * Invariants: the encoder always pads to a multiple of four characters; the
 * decoder takes exactly the canonical text of the bytes it is told to expect
 * (the length of the text follows from that count, '=' only as the padding
 * at the end, the unused bits of the last character zero), so every byte
 * string has one text and a text read back writes the same text again.
 */
#ifndef QGATE_BASE64_H
#define QGATE_BASE64_H

#include <stddef.h>

#include "qgate/buf.h"

/* Append the base64 text of data[0..len) to out: 0 or QG_ENOMEM (out's cap). */
int qg_base64_encode(struct qg_buf *out, const void *data, size_t len);

/* Decode the NUL-terminated text into out, which takes exactly `len` bytes:
 * 0, or QG_EPARSE (out then holds garbage) when text is not the canonical
 * base64 of `len` bytes. No message is recorded: callers name the place. */
int qg_base64_decode(void *out, size_t len, const char *text);

/* Whether text[0..tl) (no NUL needed) is the canonical base64 text of some
 * byte string, as qg_base64_decode() would read it: 0 and *len (may be
 * NULL) the byte count, or QG_EPARSE. No message is recorded. */
int qg_base64_check(const char *text, size_t tl, size_t *len);

#endif
