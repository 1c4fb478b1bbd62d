/* test_strmap.c -- the one string map (include/qgate/strmap.h, lib/core/strmap.c)
 *
 * The edge cases its three predecessors handled differently: keys with NUL
 * bytes (the model's map once read past a key on them), prefixes and the
 * empty key, the switch from the scan of small maps to the hashed index, and
 * indices that stay put while the index grows.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/strmap.h"

static void test_strmap_keys_and_indices(void **state)
{
	struct qg_strmap m = QG_STRMAP_INIT;
	char key[32];

	(void)state;
	assert_int_equal(qg_strmap_find(&m, "a", 1), -1);
	assert_false(qg_strmap_has(&m, "", 0));
	/* lengths rule: a NUL inside, prefixes, the empty key are all distinct */
	assert_int_equal(qg_strmap_add(&m, "a", 1), 0);
	assert_int_equal(qg_strmap_add(&m, "a\0b", 3), 1);
	assert_int_equal(qg_strmap_add(&m, "ab", 2), 2);
	assert_int_equal(qg_strmap_add(&m, "", 0), 3);
	assert_int_equal(qg_strmap_add(&m, "a", 1), 0); /* again: the same index */
	assert_int_equal(m.nr, 4);
	assert_int_equal(qg_strmap_find(&m, "a\0b", 3), 1);
	assert_int_equal(qg_strmap_find(&m, "a\0c", 3), -1);
	assert_int_equal(qg_strmap_find(&m, "a\0", 2), -1);
	assert_int_equal(qg_strmap_find(&m, "abc", 2), 2);
	assert_int_equal(qg_strmap_find(&m, "", 0), 3);
	/* keys are NUL-terminated copies with zero padding after them */
	assert_string_equal(m.keys[2], "ab");
	assert_int_equal(m.lens[1], 3);
	assert_memory_equal(m.keys[1], "a\0b\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 3 + QG_STRMAP_PAD + 1);
	/* past QG_STRMAP_LINEAR keys the hashed index answers; the first ones
	 * keep their indices through every rebuild */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof(key), "value-%d", i);

		assert_int_equal(qg_strmap_add(&m, key, (size_t)n), 4 + i);
	}
	for (int i = 4999; i >= 0; i--) {
		int n = snprintf(key, sizeof(key), "value-%d", i);

		assert_int_equal(qg_strmap_find(&m, key, (size_t)n), 4 + i);
		if (i < 10) /* "value-" */
			assert_int_equal(qg_strmap_find(&m, key, (size_t)n - 1), -1);
	}
	assert_int_equal(qg_strmap_find(&m, "a\0b", 3), 1);
	assert_int_equal(qg_strmap_find(&m, "", 0), 3);
	assert_int_equal(qg_strmap_find(&m, "value-5000", 10), -1);
	assert_true(m.nslots >= 2 * m.nr);
	qg_strmap_release(&m);
	assert_int_equal(m.nr, 0);
	assert_int_equal(qg_strmap_find(&m, "a", 1), -1);
	qg_strmap_release(&m);
	qg_strmap_release(NULL);
	/* small maps: every length class of the word compare (1..3, 4..7, 8..16, more) */
	{
		static const char *const words[] = { "t", "no", "yes", "true", "false", "pending", "12345678",
						     "suspended", "0123456789abcdef", "0123456789abcdefg" };
		for (size_t i = 0; i < 8; i++)
			assert_int_equal(qg_strmap_add(&m, words[i], strlen(words[i])), (long)i);
		for (size_t i = 0; i < QG_ARRAY_SIZE(words); i++) {
			char other[32];
			size_t n = strlen(words[i]);

			assert_int_equal(qg_strmap_find(&m, words[i], n), i < 8 ? (long)i : -1);
			memcpy(other, words[i], n);
			other[n - 1] ^= 1; /* the last byte differs */
			assert_int_equal(qg_strmap_find(&m, other, n), -1);
			other[n - 1] ^= 1;
			other[0] ^= 1; /* the first byte differs */
			assert_int_equal(qg_strmap_find(&m, other, n), -1);
		}
		qg_strmap_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap_keys_and_indices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
