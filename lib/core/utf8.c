/* utf8.c -- the UTF-8 checker of whole strings
 *
 * qg_utf8_decode() (include/qgate/utf8.h) decides each multi-byte sequence;
 * this walks a string with it, ASCII without NUL eight bytes at a time (the
 * data gate checks every string cell, most of them ASCII).
 */
#include "qgate/common.h"

#include "qgate/utf8.h"

int qg_utf8_check(const char *str, size_t n, size_t *chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, count = 0;

	while (i < n) {
		/* 8 ASCII bytes without a NUL at a time */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ull) ||
			    ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
				break;
			i += 8;
			count += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == 0)
				return -2;
			i++;
			count++;
			continue;
		}
		size_t len = qg_utf8_decode(s + i, n - i, NULL);
		if (!len)
			return -1;
		i += len;
		count++;
	}
	if (chars)
		*chars = count;
	return 0;
}
