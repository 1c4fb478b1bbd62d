/* test_utf8.c -- the one UTF-8 checker (include/qgate/utf8.h, lib/core/utf8.c)
 *
 * Against a reference written from RFC 3629's table of well-formed byte
 * sequences (not from the decoder under test), on edge cases and on random
 * bytes: the same verdict (-2 for a NUL, -1 for a bad sequence, whichever
 * comes first) and the same code point count.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/utf8.h"

/* RFC 3629 section 4: the second byte's range depends on the first */
static int ref_check(const unsigned char *s, size_t n, size_t *chars)
{
	size_t i = 0, count = 0;

	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf;
		size_t len;

		if (c == 0)
			return -2;
		if (c < 0x80)
			len = 1;
		else if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return -1;
		if (i + len > n)
			return -1;
		for (size_t k = 1; k < len; k++) {
			unsigned b = s[i + k];

			if (k == 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf)
				return -1;
		}
		i += len;
		count++;
	}
	*chars = count;
	return 0;
}

static void check(const char *s, size_t n)
{
	size_t a = 777, b = 777;
	int ra = qg_utf8_check(s, n, &a), rb = ref_check((const unsigned char *)s, n, &b);

	if (ra != rb || (!ra && a != b))
		fail_msg("%zu bytes: qg_utf8_check %d (%zu chars), reference %d (%zu chars)", n, ra, a, rb, b);
	assert_int_equal(qg_utf8_check(s, n, NULL), ra);
}

static void test_utf8_check(void **state)
{
	static const char *const cases[] = {
		"", "a", "abcdefgh", "abcdefghi", "h\xc3\xa9llo w\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf",
		"\xf0\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
		"\x80", "\xe2\x82", "abcdefg\xe2\x82", "abcdefgh\xc3", ("\xc3\xa9" "abcdefgh"),
	};
	size_t chars = 0;
	char buf[40];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++)
		check(cases[i], strlen(cases[i]));
	/* a NUL inside an 8-byte ASCII word, after it, and before a bad byte */
	check("abc\0defgh", 9);
	check("abcdefgh\0", 9);
	check("a\0\xff", 3);
	check("a\xff\0", 3);
	assert_int_equal(qg_utf8_check("abcdefgh\0ijk", 12, &chars), -2);
	assert_int_equal(qg_utf8_check("a\xff", 2, &chars), -1);
	assert_int_equal(qg_utf8_check("x\xe2\x82\xacyz\xf0\x9f\x98\x80", 10, &chars), 0);
	assert_int_equal(chars, 5);
	/* random bytes, mostly ASCII with some lead and continuation bytes */
	srand(8);
	for (int i = 0; i < 300000; i++) {
		size_t n = (size_t)rand() % sizeof(buf);

		for (size_t k = 0; k < n; k++) {
			int r = rand() % 16;

			buf[k] = (char)(r < 9 ? 'a' + r : r < 13 ? 0x80 + rand() % 64 : r < 15 ? 0xc0 + rand() % 64 : rand() % 256);
		}
		check(buf, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
