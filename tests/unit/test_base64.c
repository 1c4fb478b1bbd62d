/* test_base64.c -- base64 (include/qgate/base64.h, lib/core/base64.c) */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/base64.h"

/* RFC 4648's test vectors, every length through a round trip, and the
 * decoder taking only the canonical text: '=' only as the padding, the
 * bits below the last byte zero, the length the byte count asks for. */
static void test_base64_round_trip_and_strictness(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	unsigned char raw[300], back[300];

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(vec); i++) {
		size_t n = strlen(vec[i][0]);

		qg_buf_reset(&b);
		assert_int_equal(qg_base64_encode(&b, vec[i][0], n), 0);
		assert_string_equal(b.buf, vec[i][1]);
		assert_int_equal(qg_base64_decode(back, n, vec[i][1]), 0);
		assert_memory_equal(back, vec[i][0], n);
	}
	for (size_t k = 0; k < sizeof(raw); k++)
		raw[k] = (unsigned char)(k * 151 + 7);
	for (size_t n = 0; n <= sizeof(raw); n++) {
		qg_buf_reset(&b);
		assert_int_equal(qg_base64_encode(&b, raw, n), 0);
		assert_int_equal(b.len, (n + 2) / 3 * 4);
		assert_int_equal(qg_base64_decode(back, n, b.buf), 0);
		assert_memory_equal(back, raw, n);
	}
	qg_buf_release(&b);
	/* not base64 of the expected length */
	assert_int_equal(qg_base64_decode(back, 4, "Zm9v*g=="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 3, "Zm9vYg=="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 2, "Zm9"), QG_EPARSE);
	/* '=' anywhere but the padding (the old decoder read it as 'A') */
	assert_int_equal(qg_base64_decode(back, 3, "Zm=v"), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 3, "=m9v"), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 2, "Zm=="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 1, "Z==="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 4, "Zm9vYg=A"), QG_EPARSE);
	/* padding characters missing, or bits set below the last byte */
	assert_int_equal(qg_base64_decode(back, 1, "ZgAA"), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 1, "Zh=="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 2, "Zm9="), QG_EPARSE);
	assert_int_equal(qg_base64_decode(back, 2, "Zm8="), 0);
	assert_memory_equal(back, "fo", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_round_trip_and_strictness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
