/* test_hash.c -- the hash family (include/qgate/hash.h, lib/core/hash.c)
 *
 * qg_hash64's values are saved in profiles, so they are pinned here: a change
 * to the function would make every saved profile's HLL and top-k disagree
 * with new data. qg_hash_bytes is pinned too (the unique check's collision
 * statement is about this function), and both are checked for the ways a
 * hash of bytes goes wrong: reading past the length, ignoring a byte.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/hash.h"

static void test_hash_values_pinned(void **state)
{
	static const struct {
		const char *s;
		uint64_t h64, bytes;
	} ref[] = {
		{ "", 0x65d40936e21ee575ULL, 0x0000000000000000ULL },
		{ "a", 0x65e8237962226dbbULL, 0x64c54cb7755628aaULL },
		{ "abc", 0xce679b9ff7eb31c7ULL, 0x04c734d4084ca95eULL },
		{ "abcd", 0x3fd87374aea9f968ULL, 0x4a96ded04eaad6b8ULL },
		{ "hello world", 0x73f3e5e61b8b9371ULL, 0x1e549dc6f2b96190ULL },
		{ "0123456789abcdef", 0x78ef4ea14b1f5c38ULL, 0xa5dfe2770eb88641ULL },
		{ "0123456789abcdefghijklmnopqrstuvwxyz0123456789", 0x9ae616f6052e5be4ULL, 0x1b5feb3694c13917ULL },
	};
	char buf[80];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(ref); i++) {
		size_t n = strlen(ref[i].s);
		const struct qg_hash_keys k = QG_HASH_KEYS;

		assert_true(qg_hash64(ref[i].s, n) == ref[i].h64);
		assert_true(qg_hash64_inline(ref[i].s, n) == ref[i].h64);
		assert_true(qg_hash64_keys(ref[i].s, n, k) == ref[i].h64);
		assert_true(qg_hash_bytes(ref[i].s, n, 0) == ref[i].bytes);
		if (n)
			assert_true(qg_hash_bytes(ref[i].s, n, 1) != ref[i].bytes); /* the seed counts */
	}
	/* every byte counts and none past the length is read: flip each byte of
	 * every length 0..64, with different bytes after the end */
	for (size_t n = 0; n <= 64; n++) {
		uint64_t a, b;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)(i * 37 + n);
		a = qg_hash64(buf, n);
		b = qg_hash_bytes(buf, n, 7);
		for (size_t i = n; i < sizeof(buf); i++)
			buf[i] ^= 0x5a;
		assert_true(qg_hash64(buf, n) == a);
		assert_true(qg_hash_bytes(buf, n, 7) == b);
		for (size_t i = 0; i < n; i++) {
			buf[i] ^= 1;
			assert_true(qg_hash64(buf, n) != a);
			assert_true(qg_hash_bytes(buf, n, 7) != b);
			buf[i] ^= 1;
		}
	}
	assert_true(qg_hash_fmix64(0) == 0 && qg_hash_fmix64(1) != 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_values_pinned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
