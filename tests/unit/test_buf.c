/* test_buf.c -- the bounded growable buffer */
#include "qgate/common.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

static void test_buf_empty_is_terminated(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	qg_buf_release(&b); /* nothing allocated: must not free the shared empty */
	qg_buf_release(NULL);
	assert_string_equal(b.buf, "");
}

static void test_buf_addf_growth(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(qg_buf_addf(&b, "%d-%s", 42, "a"), 0);
	assert_string_equal(b.buf, "42-a");
	assert_int_equal(qg_buf_addf(&b, "[%s]", big), 0); /* forces a regrow mid-format */
	assert_int_equal(b.len, 4 + 2 + sizeof(big) - 1);
	assert_int_equal(b.buf[4], '[');
	assert_int_equal(b.buf[b.len - 1], ']');
	assert_int_equal(b.buf[b.len], '\0');
	for (int i = 0; i < 1000; i++)
		assert_int_equal(qg_buf_addch(&b, 'y'), 0);
	assert_int_equal(b.len, 4 + 2 + sizeof(big) - 1 + 1000);
	qg_buf_release(&b);
}

static void test_buf_cap_refuses_and_keeps_contents(void **state)
{
	struct qg_buf b;

	qg_buf_init(&b, 8);
	assert_int_equal(qg_buf_addstr(&b, "12345678"), 0);
	assert_int_equal(qg_buf_addch(&b, '9'), QG_ETOOBIG);
	assert_string_equal(b.buf, "12345678");
	assert_int_equal(qg_buf_addf(&b, "%s", "more"), QG_ETOOBIG);
	assert_string_equal(b.buf, "12345678");
	assert_int_equal(b.len, 8);
	assert_int_equal(qg_error_code(), QG_ETOOBIG);
	qg_buf_release(&b);
}

static void test_buf_detach_hands_over(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	size_t len = 99;
	char *p;

	p = qg_buf_detach(&b, &len); /* even when empty: malloc'd, "" */
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	assert_int_equal(qg_buf_addstr(&b, "hello"), 0);
	p = qg_buf_detach(&b, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(b.len, 0); /* re-initialised */
	assert_string_equal(b.buf, "");
	free(p);
}

static void test_buf_rtrim_and_setlen(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addstr(&b, "abc \t\r\n"), 0);
	qg_buf_rtrim(&b);
	assert_string_equal(b.buf, "abc");
	qg_buf_setlen(&b, 1);
	assert_string_equal(b.buf, "a");
	qg_buf_reset(&b);
	assert_string_equal(b.buf, "");
	qg_buf_release(&b);
}

static void test_buf_read_file_errors(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char path[] = "/tmp/qg-test-buf-XXXXXX";
	int fd;

	assert_int_equal(qg_buf_read_file(&b, "/nonexistent/qgate/x.csv"), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "/nonexistent/qgate/x.csv"));
	assert_int_equal(qg_buf_read_file(&b, "/"), QG_EINPUT); /* a folder cannot be read */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, "0123456789");
	qg_buf_release(&b);
	qg_buf_init(&b, 4);
	assert_int_equal(qg_buf_read_file(&b, path), QG_ETOOBIG);
	assert_non_null(strstr(qg_error_last(), path));
	qg_buf_release(&b);
	unlink(path);
}

/* A cap below the 64 KiB read block still reads what fits (before, every
 * read asked for 64 KiB of room first and failed on any cap below it). */
static void test_buf_read_file_small_cap(void **state)
{
	char path[] = "/tmp/qg-buf-cap-XXXXXX";
	struct qg_buf b;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	qg_buf_init(&b, 100);
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, "0123456789");
	qg_buf_release(&b);
	/* exactly the cap fits; one byte more does not */
	qg_buf_init(&b, 10);
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 10);
	qg_buf_release(&b);
	qg_buf_init(&b, 9);
	assert_int_equal(qg_buf_read_file(&b, path), QG_ETOOBIG);
	qg_buf_release(&b);
	/* appended after what is there, the cap counting both */
	qg_buf_init(&b, 15);
	assert_int_equal(qg_buf_addstr(&b, "abcde"), 0);
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, "abcde0123456789");
	qg_buf_release(&b);
	unlink(path);
}

/* Every buffer names its cap when it is made (no default). */
static void test_buf_init_names_its_cap(void **state)
{
	struct qg_buf b = QG_BUF_INIT(4), c;

	assert_int_equal(b.cap, 4);
	assert_int_equal(qg_buf_addstr(&b, "abcd"), 0);
	assert_int_equal(qg_buf_addch(&b, 'e'), QG_ETOOBIG);
	assert_string_equal(b.buf, "abcd");
	qg_buf_release(&b);
	assert_int_equal(b.cap, 4); /* release keeps the cap */
	qg_buf_init(&c, QG_CAP_PATH);
	assert_int_equal(c.cap, QG_CAP_PATH);
	assert_string_equal(c.buf, "");
	qg_buf_release(&c);
	/* no default: a cap of 0 (a forgotten cap) refuses every append */
	qg_buf_init(&c, 0);
	assert_int_equal(qg_buf_addch(&c, 'x'), QG_ETOOBIG);
	assert_string_equal(c.buf, "");
	qg_buf_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty_is_terminated),
		cmocka_unit_test(test_buf_addf_growth),
		cmocka_unit_test(test_buf_cap_refuses_and_keeps_contents),
		cmocka_unit_test(test_buf_detach_hands_over),
		cmocka_unit_test(test_buf_rtrim_and_setlen),
		cmocka_unit_test(test_buf_read_file_errors),
		cmocka_unit_test(test_buf_read_file_small_cap),
		cmocka_unit_test(test_buf_init_names_its_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
