/* utf8.h -- the one UTF-8 decoder and checker every writer and validator shares
 *
 * Strict RFC 3629: rejects overlong forms, surrogates (U+D800..U+DFFF),
 * code points above U+10FFFF and truncated sequences. The decoder is inline
 * because the data gate calls it per non-ASCII character on its hot path;
 * the checker (lib/core/utf8.c) walks whole strings with it.
 */
#ifndef QGATE_UTF8_H
#define QGATE_UTF8_H

#include <stddef.h>

/* Length (1..4) of the valid UTF-8 sequence at s (len bytes available), with
 * its code point in *cp_out when not NULL; 0 when the bytes are not valid. */
static inline size_t qg_utf8_decode(const void *str, size_t len, unsigned *cp_out)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c, cp;
	size_t n;

	if (!len)
		return 0;
	c = s[0];
	if (c < 0x80) {
		cp = c;
		n = 1;
		goto done;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
done:
	if (cp_out)
		*cp_out = cp;
	return n;
}

/* Check s[0..n): 0 when it is valid UTF-8 without a NUL byte, -1 for an
 * invalid sequence, -2 for a NUL byte (the first problem found wins);
 * *chars, when not NULL, gets the number of code points on 0. ASCII runs
 * go 8 bytes at a time. */
int qg_utf8_check(const char *s, size_t n, size_t *chars);

#endif
