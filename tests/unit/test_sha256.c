/* test_sha256.c -- SHA-256 known vectors, streaming, files */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/sha256.h"

static void test_sha256_known_vectors(void **state)
{
	char hex[QG_SHA256_HEX];
	const char *abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	assert_int_equal(qg_sha256_hex(hex, "", 0), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(qg_sha256_hex(hex, "abc", 3), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(qg_sha256_hex(hex, abc448, strlen(abc448)), 0);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_streaming_million_a(void **state)
{
	struct qg_sha256 *h;
	char hex[QG_SHA256_HEX], block[1000];

	memset(block, 'a', sizeof(block));
	assert_int_equal(qg_sha256_new(&h), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(qg_sha256_update(h, block, sizeof(block)), 0);
	assert_int_equal(qg_sha256_final(h, hex), 0);
	qg_sha256_free(h);
	qg_sha256_free(NULL);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_file_spans_blocks(void **state)
{
	char path[] = "/tmp/qg-test-sha-XXXXXX";
	char hex[QG_SHA256_HEX], want[QG_SHA256_HEX];
	long long bytes = 0;
	size_t n = 3 * 1024 * 1024 + 17; /* more than one 1 MiB read */
	char *data = malloc(n);
	int fd = mkstemp(path);

	assert_non_null(data);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 31 + 7);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	assert_int_equal(qg_sha256_hex(want, data, n), 0);
	assert_int_equal(qg_sha256_file(hex, &bytes, path), 0);
	assert_string_equal(hex, want);
	assert_int_equal(bytes, (long long)n);
	unlink(path);
	free(data);
}

static void test_sha256_file_missing(void **state)
{
	char hex[QG_SHA256_HEX] = "x";

	assert_int_equal(qg_sha256_file(hex, NULL, "/nonexistent/file.bin"), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "/nonexistent/file.bin"));
	assert_string_equal(hex, "");
}

/* A file hashed and then rewritten is no longer the file its stamp names
 * (what qg_result_check_artifacts relies on); an untouched one is. */
static void test_sha256_file_stamp(void **state)
{
	char path[] = "/tmp/qg-test-stamp-XXXXXX";
	char hex[QG_SHA256_HEX];
	struct qg_file_stamp st = { 0 }, unset = { 0 };
	long long bytes = 0;
	struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a,b\n1,2\n", 8), 8);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(qg_sha256_file_stamp(hex, &bytes, path, &st), 0);
	assert_true(st.set);
	assert_int_equal(st.size, 8);
	assert_int_equal(qg_file_stamp_changed(&st, path), 0);
	assert_int_equal(qg_file_stamp_changed(&unset, path), 0);
	/* same size, new content: the modification time tells */
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x,y\n3,4\n", 8), 8);
	close(fd);
	assert_int_equal(qg_file_stamp_changed(&st, path), 1);
	unlink(path);
	assert_int_equal(qg_file_stamp_changed(&st, path), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_vectors),
		cmocka_unit_test(test_sha256_streaming_million_a),
		cmocka_unit_test(test_sha256_file_spans_blocks),
		cmocka_unit_test(test_sha256_file_missing),
		cmocka_unit_test(test_sha256_file_stamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
