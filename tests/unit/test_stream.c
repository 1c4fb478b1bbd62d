/* test_stream.c -- local byte sources: files, ranges, stdin, gzip, zstd, expansion
 *
 * Fixtures are written into a fresh temp folder by the group setup; gzip and
 * zstd data are produced with zlib and libzstd here, so the tests do not
 * depend on the gzip/zstd command-line tools.
 */
#include "qgate/common.h"
#include "qgate/stream.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

static char dir[64];
/* the data gate's list: what qg_stream_expand keeps is the caller's choice */
static const char *const table_exts[] = { ".csv", ".tsv", ".jsonl", ".ndjson", NULL };
static unsigned char *big;   /* 3 MiB + 7 of patterned bytes */
static size_t big_len;

static char *path_of(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_file(const char *name, const void *data, size_t len)
{
	char *p = path_of(name);
	char *slash = strrchr(p, '/');
	FILE *f;

	*slash = '\0';
	mkdir(p, 0755);
	*slash = '/';
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* One gzip member of data appended to out. */
static void gzip_member(struct qg_buf *out, const void *data, size_t len)
{
	z_stream z;
	size_t bound;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&z, len) + 64;
	assert_int_equal(qg_buf_grow(out, bound), 0);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out->buf + out->len;
	z.avail_out = (uInt)bound;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	qg_buf_setlen(out, out->len + (bound - z.avail_out));
	deflateEnd(&z);
}

static void zstd_frame(struct qg_buf *out, const void *data, size_t len)
{
	size_t bound = ZSTD_compressBound(len), n;

	assert_int_equal(qg_buf_grow(out, bound), 0);
	n = ZSTD_compress(out->buf + out->len, bound, data, len, 3);
	assert_false(ZSTD_isError(n));
	qg_buf_setlen(out, out->len + n);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int group_setup(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	size_t i;

	snprintf(dir, sizeof(dir), "%s", "/tmp/qg-test-stream.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	big_len = (3u << 20) + 7;
	big = malloc(big_len);
	if (!big)
		return -1;
	for (i = 0; i < big_len; i++)
		big[i] = (unsigned char)("0123456789,abc\n"[i % 15] ^ (i / 4096 % 3));
	write_file("big.csv", big, big_len);

	gzip_member(&b, big, big_len);
	write_file("big.csv.gz", b.buf, b.len);
	write_file("trunc.csv.gz", b.buf, b.len - 20);
	qg_buf_reset(&b);

	gzip_member(&b, "a,b\n", 4);
	gzip_member(&b, "1,2\n", 4);
	gzip_member(&b, "", 0);
	gzip_member(&b, "3,4\n", 4);
	write_file("multi.csv.gz", b.buf, b.len);
	qg_buf_reset(&b);

	zstd_frame(&b, big, big_len);
	zstd_frame(&b, "tail\n", 5);
	write_file("big.csv.zst", b.buf, b.len);
	write_file("trunc.csv.zst", b.buf, b.len - 30);
	qg_buf_reset(&b);

	write_file("garbage.csv.gz", "this is not gzip at all\n", 24);
	write_file("empty.csv", "", 0);

	write_file("tree/b.csv", "b\n", 2);
	write_file("tree/a.tsv", "a\n", 2);
	write_file("tree/notes.txt", "x\n", 2);
	write_file("tree/.hidden.csv", "h\n", 2);
	write_file("tree/sub/c.jsonl.gz", "c\n", 2);
	write_file("tree/sub/d.ndjson.zst", "d\n", 2);
	write_file("tree/sub/e.csv.bz2", "e\n", 2);
	write_file("nodata/readme.md", "r\n", 2);
	qg_buf_release(&b);
	return 0;
}

static int group_teardown(void **state)
{
	free(big);
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read a whole stream with `chunk`-sized reads into out; returns the last
 * qg_stream_read() result (0 at a clean end, negative on error). */
static ssize_t slurp(struct qg_stream *s, struct qg_buf *out, size_t chunk)
{
	char *tmp = malloc(chunk);
	ssize_t n;

	assert_non_null(tmp);
	while ((n = qg_stream_read(s, tmp, chunk)) > 0)
		assert_int_equal(qg_buf_add(out, tmp, (size_t)n), 0);
	free(tmp);
	return n;
}

static void test_stream_plain_file(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("big.csv"), 0), 0);
	assert_string_equal(qg_stream_name(s), path_of("big.csv"));
	assert_int_equal(slurp(s, &b, 1 << 16), 0);
	assert_int_equal(b.len, big_len);
	assert_memory_equal(b.buf, big, big_len);
	assert_int_equal(qg_stream_offset(s), (long long)big_len);
	/* reads after the end keep returning 0 */
	assert_int_equal(qg_stream_read(s, b.buf, 16), 0);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_empty_file(void **state)
{
	struct qg_stream *s;
	char c;

	assert_int_equal(qg_stream_open(&s, path_of("empty.csv"), 0), 0);
	assert_int_equal(qg_stream_read(s, &c, 1), 0);
	qg_stream_free(s);
}

static void test_stream_range(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open_range(&s, path_of("big.csv"), 100000, 70001), 0);
	assert_int_equal(slurp(s, &b, 4096), 0);
	assert_int_equal(b.len, 70001);
	assert_memory_equal(b.buf, big + 100000, 70001);
	qg_stream_free(s);

	/* a range past the end is short, len < 0 means to the end */
	qg_buf_reset(&b);
	assert_int_equal(qg_stream_open_range(&s, path_of("big.csv"), (long long)big_len - 10, 1000), 0);
	assert_int_equal(slurp(s, &b, 4096), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.buf, big + big_len - 10, 10);
	qg_stream_free(s);

	qg_buf_reset(&b);
	assert_int_equal(qg_stream_open_range(&s, path_of("big.csv"), 5, -1), 0);
	assert_int_equal(slurp(s, &b, 1 << 20), 0);
	assert_int_equal(b.len, big_len - 5);
	qg_stream_free(s);

	assert_int_equal(qg_stream_open_range(&s, path_of("big.csv"), -1, 5), QG_EUSAGE);
	assert_null(s);
	assert_int_equal(qg_stream_open_range(&s, path_of("nope.csv"), 0, 5), QG_EINPUT);
	assert_null(s);
	qg_buf_release(&b);
}

static void test_stream_gzip(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("big.csv.gz"), 0), 0);
	assert_int_equal(slurp(s, &b, 100003), 0);
	assert_int_equal(b.len, big_len);
	assert_memory_equal(b.buf, big, big_len);
	assert_true(qg_stream_offset(s) > 0 && qg_stream_offset(s) < (long long)big_len);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_gzip_multi_member(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("multi.csv.gz"), 0), 0);
	assert_int_equal(slurp(s, &b, 3), 0);
	assert_string_equal(b.buf, "a,b\n1,2\n3,4\n");
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_raw_flag(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("multi.csv.gz"), QG_STREAM_RAW), 0);
	assert_int_equal(slurp(s, &b, 4096), 0);
	assert_true(b.len > 20);
	assert_int_equal((unsigned char)b.buf[0], 0x1f);
	assert_int_equal((unsigned char)b.buf[1], 0x8b);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_gzip_truncated(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char want[300];

	assert_int_equal(qg_stream_open(&s, path_of("trunc.csv.gz"), 0), 0);
	assert_int_equal(slurp(s, &b, 1 << 16), QG_EPARSE);
	snprintf(want, sizeof(want), "'%s': truncated gzip stream", path_of("trunc.csv.gz"));
	assert_string_equal(qg_error_last(), want);
	/* the error is sticky */
	assert_int_equal(qg_stream_read(s, b.buf, 1), QG_EPARSE);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_gzip_corrupt(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("garbage.csv.gz"), 0), 0);
	assert_int_equal(slurp(s, &b, 4096), QG_EPARSE);
	assert_non_null(strstr(qg_error_last(), "garbage.csv.gz': corrupt gzip stream"));
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_zstd(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_stream_open(&s, path_of("big.csv.zst"), 0), 0);
	assert_int_equal(slurp(s, &b, 65536), 0);
	assert_int_equal(b.len, big_len + 5);
	assert_memory_equal(b.buf, big, big_len);
	assert_memory_equal(b.buf + big_len, "tail\n", 5);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_zstd_truncated(void **state)
{
	struct qg_stream *s;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char want[300];

	assert_int_equal(qg_stream_open(&s, path_of("trunc.csv.zst"), 0), 0);
	assert_int_equal(slurp(s, &b, 65536), QG_EPARSE);
	snprintf(want, sizeof(want), "'%s': truncated zstd stream", path_of("trunc.csv.zst"));
	assert_string_equal(qg_error_last(), want);
	qg_stream_free(s);
	qg_buf_release(&b);
}

static void test_stream_missing_file(void **state)
{
	struct qg_stream *s = (struct qg_stream *)1;

	assert_int_equal(qg_stream_open(&s, path_of("missing.csv"), 0), QG_EINPUT);
	assert_null(s);
	assert_non_null(strstr(qg_error_last(), path_of("missing.csv")));
	assert_non_null(strstr(qg_error_last(), "No such file"));

	assert_int_equal(qg_stream_open(&s, dir, 0), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "is a directory"));
}

/* stdin is sniffed: gzip magic means inflate, otherwise bytes pass through. */
static void read_stdin_from(const char *name, struct qg_buf *out, ssize_t want_ret)
{
	struct qg_stream *s;
	int saved = dup(0), fd = open(path_of(name), O_RDONLY);

	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	assert_int_equal(qg_stream_open(&s, "-", 0), 0);
	assert_string_equal(qg_stream_name(s), "-");
	assert_int_equal(slurp(s, out, 1000), want_ret);
	qg_stream_free(s);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

static void test_stream_stdin(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	read_stdin_from("multi.csv.gz", &b, 0);
	assert_string_equal(b.buf, "a,b\n1,2\n3,4\n");
	qg_buf_reset(&b);
	read_stdin_from("big.csv.zst", &b, 0);
	assert_int_equal(b.len, big_len + 5);
	qg_buf_reset(&b);
	read_stdin_from("big.csv", &b, 0);
	assert_int_equal(b.len, big_len);
	assert_memory_equal(b.buf, big, big_len);
	qg_buf_reset(&b);
	read_stdin_from("empty.csv", &b, 0);
	assert_int_equal(b.len, 0);
	qg_buf_reset(&b);
	read_stdin_from("trunc.csv.gz", &b, QG_EPARSE);
	assert_string_equal(qg_error_last(), "'-': truncated gzip stream");
	qg_buf_release(&b);
}

static void test_stream_expand_dir(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	const char *specs[2];

	specs[0] = path_of("tree");
	specs[1] = "-";
	assert_int_equal(qg_stream_expand(&out, specs, 2, table_exts), 0);
	assert_int_equal(out.nr, 5);
	assert_string_equal(out.v[0], path_of("tree/a.tsv"));
	assert_string_equal(out.v[1], path_of("tree/b.csv"));
	assert_string_equal(out.v[2], path_of("tree/sub/c.jsonl.gz"));
	assert_string_equal(out.v[3], path_of("tree/sub/d.ndjson.zst"));
	assert_string_equal(out.v[4], "-");
	assert_null(out.v[5]);
	qg_strvec_clear(&out);

	specs[0] = path_of("nodata");
	assert_int_equal(qg_stream_expand(&out, specs, 1, table_exts), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "nodata': no .csv"));
	qg_strvec_clear(&out);
}

/* lib/ knows no gate: the extensions a folder contributes come from the
 * caller (before, the data gate's list was built in). */
static void test_stream_expand_caller_extensions(void **state)
{
	static const char *const txt[] = { ".txt", NULL };
	static const char *const csv[] = { ".csv", NULL };
	static const char *const two[] = { ".parquet", ".avro", NULL };
	struct qg_strvec out = QG_STRVEC_INIT;
	const char *specs[1];

	specs[0] = path_of("tree");
	assert_int_equal(qg_stream_expand(&out, specs, 1, txt), 0);
	assert_int_equal(out.nr, 1);
	assert_string_equal(out.v[0], path_of("tree/notes.txt"));
	qg_strvec_clear(&out);

	assert_int_equal(qg_stream_expand(&out, specs, 1, csv), 0);
	assert_int_equal(out.nr, 1); /* b.csv; .csv.bz2 is not a compression the stream reads */
	assert_string_equal(out.v[0], path_of("tree/b.csv"));
	qg_strvec_clear(&out);

	/* NULL keeps every file (hidden ones still skipped) */
	assert_int_equal(qg_stream_expand(&out, specs, 1, NULL), 0);
	assert_int_equal(out.nr, 6);
	qg_strvec_clear(&out);

	/* the message names the caller's list */
	assert_int_equal(qg_stream_expand(&out, specs, 1, two), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "tree': no .parquet or .avro files (optionally .gz/.zst) in folder"));
	qg_strvec_clear(&out);
}

static void test_stream_expand_glob(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	const char *specs[3];

	specs[0] = path_of("tree/*.?sv");
	specs[1] = "https://example.com/x.csv";
	specs[2] = path_of("big.csv");
	assert_int_equal(qg_stream_expand(&out, specs, 3, table_exts), 0);
	assert_int_equal(out.nr, 4);
	assert_string_equal(out.v[0], path_of("tree/a.tsv"));
	assert_string_equal(out.v[1], path_of("tree/b.csv"));
	assert_string_equal(out.v[2], "https://example.com/x.csv");
	assert_string_equal(out.v[3], path_of("big.csv"));
	qg_strvec_clear(&out);

	/* a glob matching a folder expands the folder */
	specs[0] = path_of("tre*");
	assert_int_equal(qg_stream_expand(&out, specs, 1, table_exts), 0);
	assert_int_equal(out.nr, 4);
	qg_strvec_clear(&out);
}

static void test_stream_expand_no_match(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	const char *specs[1];
	char want[300];

	specs[0] = path_of("tree/*.parquet");
	assert_int_equal(qg_stream_expand(&out, specs, 1, table_exts), QG_EINPUT);
	snprintf(want, sizeof(want), "'%s': no file matches", specs[0]);
	assert_string_equal(qg_error_last(), want);
	qg_strvec_clear(&out);

	specs[0] = path_of("absent.csv");
	assert_int_equal(qg_stream_expand(&out, specs, 1, table_exts), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "absent.csv'"));
	qg_strvec_clear(&out);
}

/* Read s to the end: the last return (0 at a clean end, or the error). */
static ssize_t drain(struct qg_stream *s)
{
	char buf[64];
	ssize_t n;

	while ((n = qg_stream_read(s, buf, sizeof(buf))) > 0)
		;
	return n;
}

/* A file with a modification time in the past, so that a rewrite shows. */
static void write_old_file(const char *name, const void *data, size_t len)
{
	struct timespec ts[2] = { { 1577836800, 0 }, { 1577836800, 0 } };

	write_file(name, data, len);
	assert_int_equal(utimensat(AT_FDCWD, path_of(name), ts, 0), 0);
}

static void rewrite_in_place(const char *name, const char *data, int truncate)
{
	int fd = open(path_of(name), O_WRONLY | (truncate ? O_TRUNC : 0));

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(close(fd), 0);
}

static void assert_changed(struct qg_stream *s, const char *name)
{
	char want[300];

	assert_int_equal(drain(s), QG_EIO);
	snprintf(want, sizeof(want), "'%s': changed while being read", path_of(name));
	assert_string_equal(qg_error_last(), want);
	/* the failure is sticky */
	assert_int_equal(drain(s), QG_EIO);
	qg_stream_free(s);
}

static void test_stream_changed_while_read(void **state)
{
	const char *v1 = "a,b\n1,2\n3,4\n5,6\n7,8\n";
	struct qg_stream *s;
	char buf[8];

	(void)state;
	/* same size, new content */
	write_old_file("chg1.csv", v1, strlen(v1));
	assert_int_equal(qg_stream_open(&s, path_of("chg1.csv"), 0), 0);
	assert_int_equal(qg_stream_read(s, buf, 8), 8);
	rewrite_in_place("chg1.csv", "x,y\n9,9\n9,9\n9,9\n9,9\n", 0);
	assert_changed(s, "chg1.csv");

	/* truncated and rewritten shorter */
	write_old_file("chg2.csv", v1, strlen(v1));
	assert_int_equal(qg_stream_open(&s, path_of("chg2.csv"), 0), 0);
	assert_int_equal(qg_stream_read(s, buf, 8), 8);
	rewrite_in_place("chg2.csv", "a,b\n1,2\n", 1);
	assert_changed(s, "chg2.csv");

	/* grown (appended to) while read */
	write_old_file("chg3.csv", v1, strlen(v1));
	assert_int_equal(qg_stream_open(&s, path_of("chg3.csv"), 0), 0);
	assert_int_equal(qg_stream_read(s, buf, 8), 8);
	rewrite_in_place("chg3.csv", "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n", 0);
	assert_changed(s, "chg3.csv");

	/* a byte range of a file that shrinks under it */
	write_old_file("chg4.csv", v1, strlen(v1));
	assert_int_equal(qg_stream_open_range(&s, path_of("chg4.csv"), 4, 12), 0);
	assert_int_equal(qg_stream_read(s, buf, 4), 4);
	rewrite_in_place("chg4.csv", "a,b\n1,", 1);
	assert_changed(s, "chg4.csv");

	/* gzip: the compressed file rewritten */
	{
		struct qg_buf gz = QG_BUF_INIT(QG_CAP_REPORT);

		gzip_member(&gz, big, big_len);
		write_old_file("chg5.csv.gz", gz.buf, gz.len);
		qg_buf_release(&gz);
	}
	assert_int_equal(qg_stream_open(&s, path_of("chg5.csv.gz"), 0), 0);
	assert_int_equal(qg_stream_read(s, buf, 8), 8);
	rewrite_in_place("chg5.csv.gz", "garbage", 0);
	assert_changed(s, "chg5.csv.gz");

	/* unchanged: reads to a clean end */
	write_old_file("chg6.csv", v1, strlen(v1));
	assert_int_equal(qg_stream_open(&s, path_of("chg6.csv"), 0), 0);
	assert_int_equal(drain(s), 0);
	qg_stream_free(s);
	assert_int_equal(qg_stream_open_range(&s, path_of("chg6.csv"), 4, 8), 0);
	assert_int_equal(drain(s), 0);
	qg_stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_plain_file),
		cmocka_unit_test(test_stream_empty_file),
		cmocka_unit_test(test_stream_range),
		cmocka_unit_test(test_stream_gzip),
		cmocka_unit_test(test_stream_gzip_multi_member),
		cmocka_unit_test(test_stream_raw_flag),
		cmocka_unit_test(test_stream_gzip_truncated),
		cmocka_unit_test(test_stream_gzip_corrupt),
		cmocka_unit_test(test_stream_zstd),
		cmocka_unit_test(test_stream_zstd_truncated),
		cmocka_unit_test(test_stream_missing_file),
		cmocka_unit_test(test_stream_stdin),
		cmocka_unit_test(test_stream_expand_dir),
		cmocka_unit_test(test_stream_expand_caller_extensions),
		cmocka_unit_test(test_stream_expand_glob),
		cmocka_unit_test(test_stream_expand_no_match),
		cmocka_unit_test(test_stream_changed_while_read),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
